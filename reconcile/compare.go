package reconcile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
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
	d, _ := planDifferenceDecoding(saved, now, what, less)
	return d
}

// normChange is a change's JSON form: its bytes, and the map decoded from
// them only when they differ from the other side's (decoding every change
// of two 10,000-consumer plans into maps cost seconds under the lease).
type normChange struct {
	data  []byte
	typed *plan.Change // nil for a duplicated address
	m     map[string]any
}

// json is the change's JSON form as a map, decoded once; *decoded counts
// the decodes.
func (n *normChange) json(decoded *int) map[string]any {
	if n.m == nil {
		*decoded++
		_ = json.Unmarshal(n.data, &n.m)
	}
	return n.m
}

// action is the change's action as its JSON form has it (nil for a
// duplicated address).
func (n *normChange) action() any {
	if n.typed == nil {
		return nil
	}
	return string(n.typed.Action)
}

// planDifferenceDecoding is planDifferenceFrom, also counting the changes
// it decoded into maps: only those whose JSON bytes differ from the other
// side's, since equal bytes are equal changes (Values' attributes are
// exactly its JSON fields, empty ones left out alike).
func planDifferenceDecoding(saved, now *plan.Plan, what string, less bool) (string, int) {
	norm := func(p *plan.Plan) (map[string]*normChange, []string) {
		byAddr := map[string]*normChange{}
		var order []string
		for i, c := range p.Changes {
			if n, dup := byAddr[c.Address]; dup {
				// Two changes for one address: only a hand-made file has that.
				n.data, n.typed, n.m = []byte(`{"duplicate":true}`), nil, nil
				continue
			}
			data, _ := json.Marshal(c)
			byAddr[c.Address] = &normChange{data: data, typed: &p.Changes[i]}
			order = append(order, c.Address)
		}
		return byAddr, order
	}
	decoded := 0
	s, sOrder := norm(saved)
	n, nOrder := norm(now)
	if saved.Project != now.Project {
		return fmt.Sprintf("project is %s in %s, %s now", QuoteValue(saved.Project), what, QuoteValue(now.Project)), decoded
	}
	for _, addr := range nOrder {
		nc := n[addr]
		if less && nc.action() == string(plan.NoOp) {
			continue
		}
		sc, ok := s[addr]
		if !ok {
			return fmt.Sprintf("%s: %s now, not in %s", addr, nc.action(), what), decoded
		}
		if bytes.Equal(sc.data, nc.data) {
			continue
		}
		if field, a, b := changeDiff(sc.json(&decoded), nc.json(&decoded), sc.typed, nc.typed); field != "" {
			return fmt.Sprintf("%s: %s is %s in %s, %s now", addr, field, QuoteValue(a), what, QuoteValue(b)), decoded
		}
	}
	for _, addr := range sOrder {
		if _, ok := n[addr]; !ok && !less {
			return fmt.Sprintf("%s: %s in %s, not planned now", addr, s[addr].action(), what), decoded
		}
	}
	return "", decoded
}

// changeDiff is the first field that differs between two changes of one
// address, as firstDiff finds it in their JSON forms, except that their
// before and after values are compared by plan.DiffAll, the one value diff
// (the field then named is the first attribute by name, a tag by key).
// a and b are nil for a duplicated address, compared as JSON only.
func changeDiff(aj, bj map[string]any, a, b *plan.Change) (string, any, any) {
	for _, k := range sortedKeys(aj, bj) {
		var field string
		var x, y any
		switch {
		case a != nil && b != nil && k == "before" && a.Before != nil && b.Before != nil:
			field, x, y = valuesDiff(k, a.Before, b.Before)
		case a != nil && b != nil && k == "after" && a.After != nil && b.After != nil:
			field, x, y = valuesDiff(k, a.After, b.After)
		default:
			field, x, y = firstDiff(k, aj[k], bj[k])
		}
		if field != "" {
			return field, x, y
		}
	}
	return "", nil, nil
}

// valuesDiff is the first attribute by name that plan.DiffAll finds
// between a and b, as "path.name" (a tag as "path.tags.KEY"), and its two
// values (nil: unset).
func valuesDiff(path string, a, b *plan.Values) (string, any, any) {
	diffs := plan.DiffAll(a, b)
	if len(diffs) == 0 {
		return "", nil, nil
	}
	d := slices.MinFunc(diffs, func(x, y plan.AttrDiff) int { return strings.Compare(x.Name, y.Name) })
	path += "." + d.Name
	am, aok := d.Before.(map[string]string)
	bm, bok := d.After.(map[string]string)
	if !aok || !bok {
		return path, d.Before, d.After
	}
	keys := map[string]bool{}
	for k := range am {
		keys[k] = true
	}
	for k := range bm {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		x, xok := am[k]
		y, yok := bm[k]
		if xok != yok || x != y {
			var xv, yv any
			if xok {
				xv = x
			}
			if yok {
				yv = y
			}
			return path + "." + k, xv, yv
		}
	}
	return path, d.Before, d.After
}

// sortedKeys are the keys of a and b, sorted, so the first difference
// found is stable.
func sortedKeys(a, b map[string]any) []string {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return slices.Sorted(maps.Keys(keys))
}

// firstDiff walks two JSON values and returns the path of the first field
// that differs (sorted keys, so the answer is stable) and both values.
func firstDiff(path string, a, b any) (string, any, any) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		for _, k := range sortedKeys(am, bm) {
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
