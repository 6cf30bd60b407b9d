package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/plinkdev/plink/internal/atomicfile"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/render"
)

// planFileFormat names the saved-plan format; a reader refuses others.
const planFileFormat = "plink-saved-plan/1"

// maxPlanFileBytes caps a saved plan's size: a plan of 50,000 consumers
// is some tens of MiB.
const maxPlanFileBytes = 512 << 20

// savedPlan is what `plink plan -out FILE` writes: the plan (with the
// manifest digest and the fingerprint of every live resource it read) and
// where the manifest came from. `plink apply FILE` treats it as a promise,
// not a program: it plans again from the manifest and live state and
// carries out that plan only if its changes are the saved ones.
type savedPlan struct {
	Format        string    `json:"format"`
	CreatedAt     time.Time `json:"createdAt"`
	ManifestPaths []string  `json:"manifestPaths"`
	Sandbox       bool      `json:"sandbox"`
	// AllowDisconnect records --allow-disconnect; apply FILE must be given
	// it again, so consent to an outage is never taken from an editable file.
	AllowDisconnect bool `json:"allowDisconnect,omitempty"`
	// Destroy marks a plan of 'plink destroy -out FILE', applied only by
	// 'plink destroy FILE'; DeleteAdopted records --delete-adopted, which
	// must be given again, as --allow-disconnect.
	Destroy       bool            `json:"destroy,omitempty"`
	DeleteAdopted bool            `json:"deleteAdopted,omitempty"`
	Plan          json.RawMessage `json:"plan"`
}

// writeSavedPlan writes p with the settings in sp.
func writeSavedPlan(path string, p *plan.Plan, sp savedPlan) error {
	var buf bytes.Buffer
	if err := render.JSON(&buf, p); err != nil {
		return err
	}
	sp.Format, sp.CreatedAt, sp.Plan = planFileFormat, time.Now().UTC(), buf.Bytes()
	data, err := json.MarshalIndent(sp, "", "  ")
	if err != nil {
		return err
	}
	// 0600: a plan lists accounts, principals and policies; it is for the
	// pipeline that made it, not for everyone on the machine.
	if err := atomicfile.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write plan file: %w", err)
	}
	return nil
}

func readPlanFile(path string) (*savedPlan, *plan.Plan, error) {
	data, err := manifest.ReadFileCapped(path, maxPlanFileBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("read plan file: %w", err)
	}
	var sp savedPlan
	if err := json.Unmarshal(data, &sp); err != nil || sp.Format == "" {
		return nil, nil, withHint(fmt.Errorf("%s is not a saved plink plan", path), "write one with 'plink plan -out FILE'")
	}
	if sp.Format != planFileFormat {
		return nil, nil, withHint(fmt.Errorf("%s is a saved plan of format %s; this plink reads %q", path, quoteValue(sp.Format), planFileFormat), "re-run 'plink plan -out FILE' with this version of plink")
	}
	p, err := render.Decode(bytes.NewReader(sp.Plan))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return &sp, p, nil
}

// planDifference returns the first difference between the changes of a
// saved plan and those planned now, as "ADDRESS: what differs", or "".
// Changes are compared by address, each as its JSON form (every field:
// action, ids, before/after values, reasons, ordering), so that both sides
// are normalized the same way whatever the file held.
func planDifference(saved, now *plan.Plan) string {
	norm := func(p *plan.Plan) (map[string]map[string]any, []string) {
		byAddr := map[string]map[string]any{}
		var order []string
		for _, c := range p.Changes {
			var m map[string]any
			data, _ := json.Marshal(c)
			_ = json.Unmarshal(data, &m)
			if _, dup := byAddr[c.Address]; dup {
				// Two changes for one address: only a hand-made file has that.
				m = map[string]any{"duplicate": true}
			}
			if _, seen := byAddr[c.Address]; !seen {
				order = append(order, c.Address)
			}
			byAddr[c.Address] = m
		}
		return byAddr, order
	}
	s, sOrder := norm(saved)
	n, nOrder := norm(now)
	if saved.Project != now.Project {
		return fmt.Sprintf("project is %s in the file, %s now", quoteValue(saved.Project), quoteValue(now.Project))
	}
	for _, addr := range nOrder {
		sc, ok := s[addr]
		if !ok {
			return fmt.Sprintf("%s: %s now, not in the saved plan", addr, n[addr]["action"])
		}
		if field, a, b := firstDiff("", sc, n[addr]); field != "" {
			return fmt.Sprintf("%s: %s is %s in the saved plan, %s now", addr, field, quoteValue(a), quoteValue(b))
		}
	}
	for _, addr := range sOrder {
		if _, ok := n[addr]; !ok {
			return fmt.Sprintf("%s: %s in the saved plan, not planned now", addr, s[addr]["action"])
		}
	}
	return ""
}

// firstDiff walks two JSON values and returns the path of the first field
// that differs (sorted keys, so the answer is stable) and both values.
func firstDiff(path string, a, b any) (string, any, any) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if f, x, y := firstDiff(p, am[k], bm[k]); f != "" {
				return f, x, y
			}
		}
		return "", nil, nil
	}
	if !reflect.DeepEqual(a, b) {
		if path == "" {
			path = "the change"
		}
		return path, a, b
	}
	return "", nil, nil
}

// quoteValue shows a JSON value from a plan briefly: the file is
// untrusted, so a long value is cut.
func quoteValue(v any) string {
	if v == nil {
		return "unset"
	}
	var s string
	if str, ok := v.(string); ok {
		s = fmt.Sprintf("%q", str)
	} else {
		data, _ := json.Marshal(v)
		s = string(data)
	}
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
