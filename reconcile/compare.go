package reconcile

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/reconcile/shard"
)

// SavedCheck is how a saved plan compares with the plan made again from
// its manifest and live state (plink apply FILE).
type SavedCheck struct {
	// Stale lists the live resources that changed since the plan was
	// saved (their fingerprints differ).
	Stale []string
	// Difference is the first difference of the changes, or "".
	Difference string
}

// CheckSaved compares a saved plan, and the fingerprints of the live
// resources it was planned from, with now: a saved plan is a promise,
// not a program, and is carried out only when both are the same.
func CheckSaved(saved *plan.Plan, now *Planned) SavedCheck {
	if d := live.Diff(saved.Fingerprints, now.Snapshot.Fingerprints()); len(d) > 0 {
		return SavedCheck{Stale: d}
	}
	return SavedCheck{Difference: PlanDifference(saved, now.Plan)}
}

// PlanDifference returns the first difference between the changes of a
// saved plan and those planned now, as "ADDRESS: what differs", or "".
// Changes are compared by address, each as its JSON form (every field:
// action, ids, before/after values, reasons, ordering), so that both sides
// are normalized the same way whatever the file held.
func PlanDifference(saved, now *plan.Plan) string {
	return planDifferenceFrom(saved, now, "the saved plan", false)
}

// planDifferenceFrom is planDifference with the earlier plan named as what
// (the saved plan, the plan shown). With less, a plan that now does less
// than the earlier one is no difference: a change that is a no-op now, or
// gone, has been made (AWS settled, or another run made it), and every
// change still to make must be exactly as consented to.
func planDifferenceFrom(saved, now *plan.Plan, what string, less bool) string {
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
		return fmt.Sprintf("project is %s in %s, %s now", QuoteValue(saved.Project), what, QuoteValue(now.Project))
	}
	for _, addr := range nOrder {
		if less && n[addr]["action"] == string(plan.NoOp) {
			continue
		}
		sc, ok := s[addr]
		if !ok {
			return fmt.Sprintf("%s: %s now, not in %s", addr, n[addr]["action"], what)
		}
		if field, a, b := firstDiff("", sc, n[addr]); field != "" {
			return fmt.Sprintf("%s: %s is %s in %s, %s now", addr, field, QuoteValue(a), what, QuoteValue(b))
		}
	}
	for _, addr := range sOrder {
		if _, ok := n[addr]; !ok && !less {
			return fmt.Sprintf("%s: %s in %s, not planned now", addr, s[addr]["action"], what)
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

// QuoteValue shows a JSON value from a plan briefly: the file is
// untrusted, so a long value is cut.
func QuoteValue(v any) string {
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

// leaseDifference is planDifference of the approved plan and the plan read
// again under the lease (Replan). For a shard, the changes the
// approved plan showed waiting for another shard are left out on both
// sides: shards applied at once each hold their own lease, so another
// shard's apply may have made them possible meanwhile (its service's name
// now known, the endpoint to accept now there), which is what they waited
// for; they were approved as the shard's changes. Every other change must
// still be exactly the approved one, or made already (a no-op now).
func leaseDifference(inShard bool, approved, now *plan.Plan) string {
	if !inShard {
		return planDifferenceFrom(approved, now, "the plan shown", true)
	}
	waited := map[string]bool{}
	for _, c := range approved.Changes {
		if len(c.WaitsFor) > 0 {
			waited[waitKey(c)] = true
		}
	}
	if len(waited) == 0 {
		return planDifferenceFrom(approved, now, "the plan shown", true)
	}
	drop := func(p *plan.Plan) *plan.Plan {
		cp := *p
		cp.Changes = nil
		for _, c := range p.Changes {
			if !waited[waitKey(c)] {
				cp.Changes = append(cp.Changes, c)
			}
		}
		return &cp
	}
	return planDifferenceFrom(drop(approved), drop(now), "the plan shown", true)
}

// waitKey names a change across plans: the accept of a declared
// consumer's endpoint by the consumer (shard.AcceptKey), whether the
// endpoint exists yet or not; any other change by its address.
func waitKey(c plan.Change) string {
	if k := shard.AcceptKey(c); k != "" {
		return k
	}
	return c.Address
}
