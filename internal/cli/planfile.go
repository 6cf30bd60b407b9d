package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/render"
)

// planFileFormat names the saved-plan format; a reader refuses others.
const planFileFormat = "plink-saved-plan/1"

// savedPlan is what `plink plan -out FILE` writes: the plan (with the
// manifest digest and the fingerprint of every live resource it read) and
// where the manifest came from, so `plink apply FILE` can tell whether
// either has changed since.
type savedPlan struct {
	Format        string          `json:"format"`
	CreatedAt     time.Time       `json:"createdAt"`
	ManifestPaths []string        `json:"manifestPaths"`
	Sandbox       bool            `json:"sandbox"`
	Plan          json.RawMessage `json:"plan"`
}

func writePlanFile(path string, p *plan.Plan, paths []string, sandbox bool) error {
	var buf bytes.Buffer
	if err := render.JSON(&buf, p); err != nil {
		return err
	}
	sp := savedPlan{Format: planFileFormat, CreatedAt: time.Now().UTC(), ManifestPaths: paths, Sandbox: sandbox, Plan: buf.Bytes()}
	data, err := json.MarshalIndent(sp, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write plan file: %w", err)
	}
	return os.Rename(tmp, path)
}

func readPlanFile(path string) (*savedPlan, *plan.Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read plan file: %w", err)
	}
	var sp savedPlan
	if err := json.Unmarshal(data, &sp); err != nil || sp.Format == "" {
		return nil, nil, withHint(fmt.Errorf("%s is not a saved plink plan", path), "write one with 'plink plan -out FILE'")
	}
	if sp.Format != planFileFormat {
		return nil, nil, withHint(fmt.Errorf("%s is a saved plan of format %q; this plink reads %q", path, sp.Format, planFileFormat), "re-run 'plink plan -out FILE' with this version of plink")
	}
	p, err := render.Decode(bytes.NewReader(sp.Plan))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return &sp, p, nil
}
