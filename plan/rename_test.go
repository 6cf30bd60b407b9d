package plan_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/internal/scenario"
)

const (
	svcV2   = "provider.payments-api-v2"
	checkV2 = "consumer.checkout-to-payments"
)

// TestRenameMatched: an entry whose name no live resource carries takes
// the resource tagged with a name in its renamedFrom; the change is an
// update of the plink:name tag, nothing is created or deleted.
func TestRenameMatched(t *testing.T) {
	sc := scenario.Renamed()
	p := compute(sc.Manifest, sc.Snapshot)
	checkInvariants(t, p)
	if p.HasErrors() {
		t.Fatalf("diagnostics: %v", codes(p))
	}
	if got, want := p.Summary(), (plan.Summary{Change: 2}); got != want {
		t.Errorf("Summary = %+v, want %+v (actions %v)", got, want, actions(p))
	}
	for _, tc := range []struct{ addr, id, old, new, warning string }{
		{svcV2, scenario.SvcID, "payments-api", "payments-api-v2",
			"renamed from provider.payments-api: endpoint service vpce-svc-0pay111 is kept and its plink:name tag rewritten"},
		{checkV2, scenario.CheckEP, "checkout-payments", "checkout-to-payments",
			"renamed from consumer.checkout-payments: endpoint vpce-0chk1 is kept and its plink:name tag rewritten"},
	} {
		c := change(t, p, tc.addr)
		if c.Action != plan.Update || c.ID != tc.id || len(c.ReplaceReasons) != 0 {
			t.Errorf("%s: action %s id %s reasons %v", tc.addr, c.Action, c.ID, c.ReplaceReasons)
		}
		d := plan.Diff(c.Kind, c.Before, c.After)
		if len(d) != 1 || d[0].Name != "tags" {
			t.Fatalf("%s: diff = %+v, want only tags", tc.addr, d)
		}
		if b, a := c.Before.Tags[live.TagName], c.After.Tags[live.TagName]; b != tc.old || a != tc.new {
			t.Errorf("%s: plink:name %q → %q, want %q → %q", tc.addr, b, a, tc.old, tc.new)
		}
		if c.Before.Tags[live.TagProject] != scenario.Project || c.After.Tags[live.TagProject] != scenario.Project {
			t.Errorf("%s: plink:project changes: %v → %v", tc.addr, c.Before.Tags, c.After.Tags)
		}
		if !reflect.DeepEqual(c.Warnings, []string{tc.warning}) {
			t.Errorf("%s: warnings = %q, want %q", tc.addr, c.Warnings, tc.warning)
		}
	}
	// the consumer keeps the live service name: no ref to a created service
	if c := change(t, p, checkV2); c.After.ServiceName != scenario.SvcName || len(c.Refs) != 0 || len(c.DependsOn) != 0 {
		t.Errorf("consumer: serviceName %q refs %v dependsOn %v", c.After.ServiceName, c.Refs, c.DependsOn)
	}
	// children live under the new name, as no-ops of the kept service
	for _, addr := range []string{svcV2 + ".principal[arn:aws:iam::222222222222:root]", svcV2 + ".principal[arn:aws:iam::333333333333:root]", svcV2 + ".notification[0]"} {
		c := change(t, p, addr)
		if c.Action != plan.NoOp || c.Parent != svcV2 || c.ParentID != scenario.SvcID || len(c.DependsOn) != 0 {
			t.Errorf("%s: %+v", addr, c)
		}
	}
	for _, c := range p.Changes {
		if strings.HasPrefix(c.Address, "provider.payments-api.") || c.Address == svc || c.Address == checkout {
			t.Errorf("change under the old name: %s %s", c.Address, c.Action)
		}
	}
}

// TestRenameWithReplace: a renamed consumer that also moves to another VPC
// is replaced, as without the rename; the replace removes the old endpoint
// (no separate orphan delete) and the warning says it was renamed.
func TestRenameWithReplace(t *testing.T) {
	sc := scenario.Renamed()
	moveToVPC0bbd(sc.Manifest)
	p := compute(sc.Manifest, sc.Snapshot)
	checkInvariants(t, p)
	want := map[string]plan.Action{
		svcV2:                                  plan.Update,
		checkV2:                                plan.Replace,
		svcV2 + ".connection[" + checkV2 + "]": plan.Accept,
	}
	if got := actions(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("actions:\n got %v\nwant %v", got, want)
	}
	c := change(t, p, checkV2)
	if c.ID != scenario.CheckEP || !reflect.DeepEqual(c.ReplaceReasons, []string{"vpcId"}) {
		t.Errorf("replace: id %s reasons %v", c.ID, c.ReplaceReasons)
	}
	if c.After.Tags[live.TagName] != "checkout-to-payments" {
		t.Errorf("replacement is tagged %v", c.After.Tags)
	}
	w := "renamed from consumer.checkout-payments: endpoint vpce-0chk1 carries the former name and is replaced (vpcId)"
	if !reflect.DeepEqual(c.Warnings, []string{w}) {
		t.Errorf("warnings = %q, want %q", c.Warnings, w)
	}
	if got := p.Summary(); got.Add != 1 || got.Destroy != 1 || got.Change != 1 {
		t.Errorf("Summary = %+v", got)
	}
}

// TestRenameProviderTypeChange: a renamed provider that switches load
// balancer type is replaced, and its principals are created anew on the
// new service.
func TestRenameProviderTypeChange(t *testing.T) {
	sc := scenario.Renamed()
	pr := sc.Manifest.Providers[0]
	pr.NetworkLoadBalancerARNs, pr.GatewayLoadBalancerARNs, pr.PrivateDNSName = nil, []string{scenario.GWLB}, ""
	p := compute(sc.Manifest, sc.Snapshot)
	c := change(t, p, svcV2)
	if c.Action != plan.Replace || c.ID != scenario.SvcID || !reflect.DeepEqual(c.ReplaceReasons, []string{"type"}) {
		t.Fatalf("provider: action %s id %s reasons %v", c.Action, c.ID, c.ReplaceReasons)
	}
	if len(c.Warnings) != 1 || !strings.HasPrefix(c.Warnings[0], "renamed from provider.payments-api: endpoint service vpce-svc-0pay111 carries the former name and is replaced (type)") {
		t.Errorf("warnings = %q", c.Warnings)
	}
	if a := actions(p); a[svc] != "" || a[svcV2+".principal[arn:aws:iam::222222222222:root]"] != plan.Create {
		t.Errorf("actions = %v", a)
	}
}

// TestRenameBothNamesPresent: when resources carry both the new and an old
// name, the new name wins; the old one is an orphan and deleted as today.
func TestRenameBothNamesPresent(t *testing.T) {
	sc := scenario.Renamed()
	s := sc.Snapshot
	s.Endpoints = append(s.Endpoints, tagged("vpce-0chk2", func(ep *live.Endpoint) {
		ep.Tags = map[string]string{"team": "platform", live.TagProject: scenario.Project, live.TagName: "checkout-to-payments"}
	}))
	s.Services[0].Connections = append(s.Services[0].Connections,
		live.Connection{EndpointID: "vpce-0chk2", OwnerID: scenario.Checkout, State: "available", Region: scenario.USEast1})
	p := compute(sc.Manifest, s)
	checkInvariants(t, p)
	want := map[string]plan.Action{svcV2: plan.Update, checkout: plan.Delete}
	if got := actions(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("actions:\n got %v\nwant %v", got, want)
	}
	if c := change(t, p, checkV2); c.ID != "vpce-0chk2" || len(c.Warnings) != 0 {
		t.Errorf("kept: id %s warnings %q", c.ID, c.Warnings)
	}
	if c := change(t, p, checkout); c.ID != scenario.CheckEP {
		t.Errorf("orphan: id %s", c.ID)
	}
}

// TestRenameFormerNameOrder: the first name of renamedFrom that a live
// resource carries wins; a resource under a later one is an orphan.
func TestRenameFormerNameOrder(t *testing.T) {
	sc := scenario.Renamed()
	s := sc.Snapshot
	s.Endpoints = append(s.Endpoints, tagged("vpce-0chk0", func(ep *live.Endpoint) {
		ep.Tags = map[string]string{"team": "platform", live.TagProject: scenario.Project, live.TagName: "checkout-v0"}
	}))
	p := compute(sc.Manifest, s)
	c := change(t, p, checkV2)
	if c.ID != "vpce-0chk0" || len(c.Warnings) != 1 || !strings.HasPrefix(c.Warnings[0], "renamed from consumer.checkout-v0:") {
		t.Errorf("kept: id %s warnings %q", c.ID, c.Warnings)
	}
	if c := change(t, p, checkout); c.Action != plan.Delete || c.ID != scenario.CheckEP {
		t.Errorf("later former name: %s %s", c.Action, c.ID)
	}
}

// TestRenameIgnoresOtherProjects: a resource of another project (or an
// untagged one) under a former name is never taken.
func TestRenameIgnoresOtherProjects(t *testing.T) {
	sc := scenario.Renamed()
	sc.Snapshot.Endpoints[0].Tags[live.TagProject] = "someone-else"
	p := compute(sc.Manifest, sc.Snapshot)
	if a := actions(p); a[checkV2] != plan.Create || a[checkout] != "" {
		t.Errorf("actions = %v", a)
	}
}

// TestRenamedProviderConnections: a renamed provider keeps its
// connections: the declared consumer's available connection is neither
// rejected nor accepted again with rejectUndeclared, and a pending one is
// accepted under the new address.
func TestRenamedProviderConnections(t *testing.T) {
	sc := scenario.Renamed()
	sc.Manifest.Providers[0].Connections.RejectUndeclared = true
	p := compute(sc.Manifest, sc.Snapshot)
	for addr, a := range actions(p) {
		if addr != svcV2 && addr != checkV2 {
			t.Errorf("unexpected %s %s", a, addr)
		}
	}

	sc = scenario.Renamed()
	sc.Manifest.Providers[0].Connections.RejectUndeclared = true
	sc.Snapshot.Services[0].Connections[0].State = "pendingAcceptance"
	sc.Snapshot.Endpoints[0].State = "pendingAcceptance"
	p = compute(sc.Manifest, sc.Snapshot)
	c := change(t, p, svcV2+".connection[vpce-0chk1]")
	if c.Action != plan.Accept || c.Parent != svcV2 || c.ParentID != scenario.SvcID || c.Reason != "endpoint of "+checkV2 {
		t.Errorf("accept = %+v", c)
	}
	if a := actions(p); len(a) != 3 {
		t.Errorf("actions = %v", a)
	}
}

// TestRenameOnlyConsumer: renaming the consumer alone leaves the provider
// untouched.
func TestRenameOnlyConsumer(t *testing.T) {
	m := scenario.Manifest()
	m.Consumers[0].Name = "checkout-to-payments"
	m.Consumers[0].RenamedFrom = []string{"checkout-payments"}
	p := compute(m, scenario.Converged())
	if got, want := actions(p), (map[string]plan.Action{checkV2: plan.Update}); !reflect.DeepEqual(got, want) {
		t.Errorf("actions = %v, want %v", got, want)
	}
}

// TestRenameWithoutRenamedFrom: without renamedFrom a rename is what it
// always was: a create and a delete.
func TestRenameWithoutRenamedFrom(t *testing.T) {
	m := scenario.Manifest()
	m.Consumers[0].Name = "checkout-to-payments"
	p := compute(m, scenario.Converged())
	if a := actions(p); a[checkV2] != plan.Create || a[checkout] != plan.Delete {
		t.Errorf("actions = %v", a)
	}
}

// TestRenameProviderNotPlannable: when the consumer's provider cannot be
// planned, its endpoint under a former name is claimed all the same, so
// it is not deleted.
func TestRenameProviderNotPlannable(t *testing.T) {
	sc := scenario.Renamed()
	sc.Manifest.Providers[0].Account = "nobody"
	p := compute(sc.Manifest, sc.Snapshot)
	if !p.HasErrors() {
		t.Fatal("no error for the unknown account")
	}
	for _, c := range p.Changes {
		if c.Kind == plan.KindEndpoint && c.ID == scenario.CheckEP {
			t.Errorf("endpoint planned: %s %s", c.Address, c.Action)
		}
	}
}
