package reconcile

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/plinkdev/plink/plan"
)

// leaseDifference: under its lease a shard accepts that the changes its
// plan showed waiting for another shard have become possible meanwhile (a
// service name now known, the endpoint to accept now there) — shards apply
// at once. Either run accepts a plan that does less (what it no longer
// does was done meanwhile); nothing else may differ.
func TestLeaseDifference(t *testing.T) {
	waiting := plan.Change{Address: "consumer.c", Kind: plan.KindEndpoint, Action: plan.Create, After: &plan.Values{VPCID: "vpc-1"},
		Refs: map[string]string{"serviceName": "provider.p"}, WaitsFor: []string{"provider.p"}}
	ready := waiting
	ready.After, ready.Refs, ready.WaitsFor = &plan.Values{VPCID: "vpc-1", ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-1"}, nil, nil
	accept := plan.Change{Address: "provider.q.connection[consumer.d]", Kind: plan.KindConnection, Action: plan.Accept, Parent: "provider.q",
		Reason: "endpoint of consumer.d", WaitsFor: []string{"consumer.d"}}
	accepted := plan.Change{Address: "provider.q.connection[vpce-1]", Kind: plan.KindConnection, Action: plan.Accept, Parent: "provider.q",
		Reason: "endpoint of consumer.d", ID: "vpce-1"}
	own := plan.Change{Address: "provider.q", Kind: plan.KindService, Action: plan.Create}
	changed := own
	changed.Action = plan.Update
	other := plan.Change{Address: "consumer.e", Kind: plan.KindEndpoint, Action: plan.Create}
	mk := func(cs ...plan.Change) *plan.Plan { return &plan.Plan{Project: "p", Changes: cs} }
	for _, tc := range []struct {
		name           string
		approved, now  *plan.Plan
		shard, project bool // is there a difference?
	}{
		{"same", mk(own, waiting, accept), mk(own, waiting, accept), false, false},
		{"waits became possible", mk(own, waiting, accept), mk(own, ready, accepted), false, true},
		// a plan that does less than the one shown is no difference: what
		// it no longer does was done meanwhile
		{"a waited change done meanwhile", mk(own, waiting), mk(own), false, false},
		{"an approved change differs", mk(own, waiting), mk(changed, ready), true, true},
		{"a new change", mk(own, waiting), mk(own, ready, other), true, true},
		{"an approved change is gone", mk(own, waiting), mk(ready), false, true},
		{"an approved change is a no-op now", mk(own, other), mk(other, plan.Change{Address: "provider.q", Kind: plan.KindService, Action: plan.NoOp}), false, false},
	} {
		if got := leaseDifference(true, tc.approved, tc.now); (got != "") != tc.shard {
			t.Errorf("%s: a shard's difference %q", tc.name, got)
		}
		if got := leaseDifference(false, tc.approved, tc.now); (got != "") != tc.project {
			t.Errorf("%s: the whole project's difference %q", tc.name, got)
		}
	}
}

// TestChangeDiffSaysWhatTheJSONDiffSaid: comparing before and after with
// plan.DiffAll names the same field and values as walking the changes'
// JSON did: the first attribute by name, a tag by key, unset as nil.
func TestChangeDiffSaysWhatTheJSONDiffSaid(t *testing.T) {
	yes, no := true, false
	base := plan.Change{Address: "consumer.c", Kind: plan.KindEndpoint, Action: plan.Update,
		Before: &plan.Values{VPCID: "vpc-1", SubnetIDs: []string{"subnet-1"}, Tags: map[string]string{"team": "a"}},
		After:  &plan.Values{VPCID: "vpc-1", SubnetIDs: []string{"subnet-1", "subnet-2"}, PrivateDNSEnabled: &yes, Tags: map[string]string{"team": "a"}}}
	vary := func(fn func(c *plan.Change)) plan.Change {
		c := base
		b, a := *base.Before, *base.After
		c.Before, c.After = &b, &a
		fn(&c)
		return c
	}
	for name, now := range map[string]plan.Change{
		"same":             vary(func(*plan.Change) {}),
		"a list":           vary(func(c *plan.Change) { c.After.SubnetIDs = []string{"subnet-3"} }),
		"a bool":           vary(func(c *plan.Change) { c.After.PrivateDNSEnabled = &no }),
		"unset":            vary(func(c *plan.Change) { c.After.PrivateDNSEnabled = nil }),
		"several, by name": vary(func(c *plan.Change) { c.After.VPCID, c.After.SubnetIDs = "vpc-2", nil }),
		"a tag's value":    vary(func(c *plan.Change) { c.After.Tags = map[string]string{"team": "b"} }),
		"a tag more":       vary(func(c *plan.Change) { c.After.Tags = map[string]string{"team": "a", "env": "prod"} }),
		"no tags":          vary(func(c *plan.Change) { c.After.Tags = nil }),
		"no before":        vary(func(c *plan.Change) { c.Before = nil }),
		"before and more":  vary(func(c *plan.Change) { c.Before.VPCID, c.Action = "vpc-0", plan.Replace }),
	} {
		asJSON := func(c plan.Change) map[string]any {
			var m map[string]any
			data, _ := json.Marshal(c)
			_ = json.Unmarshal(data, &m)
			return m
		}
		wantF, wantA, wantB := firstDiff("", asJSON(base), asJSON(now))
		gotF, gotA, gotB := changeDiff(asJSON(base), asJSON(now), &base, &now)
		if gotF != wantF || QuoteValue(gotA) != QuoteValue(wantA) || QuoteValue(gotB) != QuoteValue(wantB) {
			t.Errorf("%s: %s %s %s, the JSON walk said %s %s %s", name, gotF, QuoteValue(gotA), QuoteValue(gotB), wantF, QuoteValue(wantA), QuoteValue(wantB))
		}
	}
}

// TestPlanDifferenceDecodesOnlyWhatDiffers: a change whose JSON bytes are
// the other side's is not decoded into a map (the check under the lease
// compares two 10,000-consumer plans); one that differs is, and is named
// as before.
func TestPlanDifferenceDecodesOnlyWhatDiffers(t *testing.T) {
	mk := func(vpc string) *plan.Plan {
		p := &plan.Plan{Project: "p"}
		for i := range 100 {
			p.Changes = append(p.Changes, plan.Change{Address: fmt.Sprintf("consumer.c%d", i), Kind: plan.KindEndpoint, Action: plan.Create,
				After: &plan.Values{VPCID: "vpc-1", SubnetIDs: []string{"subnet-1"}, Tags: map[string]string{"team": "a"}}})
		}
		p.Changes[42].After = &plan.Values{VPCID: vpc, SubnetIDs: []string{"subnet-1"}, Tags: map[string]string{"team": "a"}}
		return p
	}
	if d, n := planDifferenceDecoding(mk("vpc-1"), mk("vpc-1"), "the plan shown", true); d != "" || n != 0 {
		t.Errorf("equal plans: difference %q, %d changes decoded, want none", d, n)
	}
	d, n := planDifferenceDecoding(mk("vpc-1"), mk("vpc-2"), "the plan shown", true)
	if want := `consumer.c42: after.vpcId is "vpc-1" in the plan shown, "vpc-2" now`; d != want || n != 2 {
		t.Errorf("one change differs: difference %q, %d changes decoded; want %q, 2", d, n, want)
	}
	// a duplicated address is compared as JSON only, as before
	dup := mk("vpc-1")
	dup.Changes = append(dup.Changes, dup.Changes[7])
	if d := PlanDifference(mk("vpc-1"), dup); d != `consumer.c7: account is "" in the saved plan, unset now` {
		t.Errorf("a duplicated address: %q", d)
	}
	if d := PlanDifference(dup, dup); d != "" {
		t.Errorf("the same duplicated plan: %q", d)
	}
}

// TestErrorDiagnosticsNameEachOnce: each error is its code, address and
// message, the address once when the message begins with it; warnings
// are left out.
func TestErrorDiagnosticsNameEachOnce(t *testing.T) {
	p := &plan.Plan{Diagnostics: []plan.Diagnostic{
		{Severity: plan.SeverityError, Code: "PL107", Address: "consumer.a", Message: "consumer.a: subnet subnet-1 does not exist"},
		{Severity: plan.SeverityError, Code: "PL101", Address: "provider.p", Message: "the service is gone"},
		{Severity: plan.SeverityError, Code: "PL001", Message: "reading failed"},
		{Severity: plan.SeverityWarning, Code: "PL230", Address: "consumer.b", Message: "near the quota"},
	}}
	want := []string{"PL107 consumer.a: subnet subnet-1 does not exist", "PL101 provider.p: the service is gone", "PL001 reading failed"}
	if got := ErrorDiagnostics(p); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
