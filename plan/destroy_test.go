package plan_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/internal/scenario"
)

const (
	paymentsAddr = "provider.payments-api"
	checkoutAddr = "consumer.checkout-payments"
)

func destroy(sc *scenarioPair, opts plan.Options) *plan.Plan {
	opts.Destroy = true
	return plan.Compute(sc.m, sc.s, opts)
}

type scenarioPair struct {
	m *manifest.Manifest
	s *live.Snapshot
}

func converged() *scenarioPair { return &scenarioPair{scenario.Manifest(), scenario.Converged()} }

func diagnostic(p *plan.Plan, sev plan.Severity, code string) *plan.Diagnostic {
	for i, d := range p.Diagnostics {
		if d.Severity == sev && d.Code == code {
			return &p.Diagnostics[i]
		}
	}
	return nil
}

func TestDestroyDeletesEverythingOwnedInReverseOrder(t *testing.T) {
	sc := converged()
	// a resource of another project, and an untagged one, stay
	foreign := scenario.CheckoutEndpoint()
	foreign.ID, foreign.Tags = "vpce-0oth1", map[string]string{live.TagProject: "other", live.TagName: "x"}
	hand := scenario.CheckoutEndpoint()
	hand.ID, hand.Tags = "vpce-0hand", nil
	sc.s.Endpoints = append(sc.s.Endpoints, foreign, hand)
	p := destroy(sc, plan.Options{})
	if p.HasErrors() {
		t.Fatalf("errors: %v", codes(p))
	}
	want := map[string]plan.Action{checkoutAddr: plan.Delete, paymentsAddr: plan.Delete}
	if got := actions(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	var order []string
	for _, c := range p.Changes {
		order = append(order, c.Address)
	}
	if !reflect.DeepEqual(order, []string{checkoutAddr, paymentsAddr}) {
		t.Errorf("order = %v: endpoints go before the services they connect to", order)
	}
	svc := change(t, p, paymentsAddr)
	if !reflect.DeepEqual(svc.DependsOn, []string{checkoutAddr}) {
		t.Errorf("service delete depends on %v, want the endpoint's delete", svc.DependsOn)
	}
	if p.Cost == nil || p.Cost.EndpointAZsDelta != -2 {
		t.Errorf("cost = %+v, want two endpoint-AZs fewer", p.Cost)
	}
	if s := p.Summary(); s.Destroy != 2 {
		t.Errorf("summary = %+v", s)
	}
}

func TestDestroyTwiceFindsNothing(t *testing.T) {
	sc := converged()
	// what the first destroy leaves: AWS still lists both for a while
	sc.s.Endpoints[0].State = "deleted"
	sc.s.Services[0].State = "Deleting"
	if p := destroy(sc, plan.Options{}); p.HasChanges() || p.HasErrors() {
		t.Fatalf("second destroy: actions %v, diagnostics %v", actions(p), codes(p))
	}
	sc.s.Endpoints, sc.s.Services = nil, nil
	if p := destroy(sc, plan.Options{}); p.HasChanges() || p.HasErrors() {
		t.Fatalf("after AWS forgot them: actions %v, diagnostics %v", actions(p), codes(p))
	}
}

func TestDestroyDeletesOrphansAndEntriesAlike(t *testing.T) {
	// the manifest no longer names the consumer: destroy still takes it
	sc := converged()
	sc.m.Consumers = nil
	p := destroy(sc, plan.Options{})
	if got := actions(p); got[checkoutAddr] != plan.Delete || got[paymentsAddr] != plan.Delete {
		t.Fatalf("actions = %v", got)
	}
}

func TestDestroyRefusesProtected(t *testing.T) {
	t.Run("manifest", func(t *testing.T) {
		sc := converged()
		sc.m.Providers[0].Protect = true
		p := destroy(sc, plan.Options{})
		d := diagnostic(p, plan.SeverityError, plan.CodeProtected)
		if d == nil || d.Address != paymentsAddr || !strings.Contains(d.Message, "protect: true in the manifest") ||
			!strings.Contains(d.Message, "payments (111111111111)") || !strings.Contains(d.Hint, "protect: false") {
			t.Fatalf("diagnostics = %+v", p.Diagnostics)
		}
	})
	t.Run("tag", func(t *testing.T) {
		sc := converged()
		sc.m.Consumers = nil // removed from the manifest, the tag still says so
		sc.s.Endpoints[0].Tags[plan.TagProtect] = "true"
		p := destroy(sc, plan.Options{})
		d := diagnostic(p, plan.SeverityError, plan.CodeProtected)
		if d == nil || d.Address != checkoutAddr || !strings.Contains(d.Message, plan.TagProtect+"=true") {
			t.Fatalf("diagnostics = %+v", p.Diagnostics)
		}
	})
}

func TestDestroyReleasesAdopted(t *testing.T) {
	// adopted and applied: plink's tags are on both resources now
	adopted := func() *scenarioPair {
		a := scenario.Adopted()
		a.Snapshot.Services[0].Tags = map[string]string{"owner": "alice", live.TagProject: scenario.Project, live.TagName: "payments-api", plan.TagProtect: "true"}
		a.Snapshot.Endpoints[0].Tags = map[string]string{live.TagProject: scenario.Project, live.TagName: "checkout-payments"}
		return &scenarioPair{a.Manifest, a.Snapshot}
	}
	p := destroy(adopted(), plan.Options{})
	if p.HasErrors() {
		t.Fatalf("errors: %v", codes(p))
	}
	want := map[string]plan.Action{checkoutAddr: plan.Update, paymentsAddr: plan.Update}
	if got := actions(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	svc := change(t, p, paymentsAddr)
	if !reflect.DeepEqual(svc.After.Tags, map[string]string{"owner": "alice"}) {
		t.Errorf("released service's tags = %v, want only the owner's", svc.After.Tags)
	}
	if d := plan.Diff(plan.KindService, svc.Before, svc.After); len(d) != 1 || d[0].Name != "tags" {
		t.Errorf("a release changes only tags, diff = %+v", d)
	}
	if ep := change(t, p, checkoutAddr); ep.After.Tags != nil || !strings.Contains(ep.Reason, "released") {
		t.Errorf("released endpoint: %+v", ep)
	}

	p = destroy(adopted(), plan.Options{DeleteAdopted: true})
	if got := actions(p); got[checkoutAddr] != plan.Delete || got[paymentsAddr] != plan.Delete {
		t.Fatalf("--delete-adopted: actions = %v", got)
	}
	if diagnostic(p, plan.SeverityError, plan.CodeProtected) == nil {
		t.Errorf("a protected adopted service is deleted without PL226: %v", codes(p))
	}
}

func TestDestroyAdoptedNotYetApplied(t *testing.T) {
	a := scenario.Adopted() // adopt in the manifest, no plink tags live yet
	sc := &scenarioPair{a.Manifest, a.Snapshot}
	if p := destroy(sc, plan.Options{}); p.HasChanges() {
		t.Fatalf("releasing what was never tagged: %v", actions(p))
	}
	p := destroy(sc, plan.Options{DeleteAdopted: true})
	want := map[string]plan.Action{checkoutAddr: plan.Delete, paymentsAddr: plan.Delete}
	if got := actions(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	if svc := change(t, p, paymentsAddr); !reflect.DeepEqual(svc.DependsOn, []string{checkoutAddr}) {
		t.Errorf("depends on %v", svc.DependsOn)
	}
}

func TestDestroyDisconnectRule(t *testing.T) {
	stranger := func() *scenarioPair {
		sc := converged()
		sc.s.Services[0].Connections = append(sc.s.Services[0].Connections,
			live.Connection{EndpointID: "vpce-0ext1", OwnerID: scenario.Outsider, State: "available", Region: scenario.USEast1})
		return sc
	}
	p := destroy(stranger(), plan.Options{})
	d := diagnostic(p, plan.SeverityError, plan.CodeDisconnect)
	if d == nil || !strings.Contains(d.Message, "vpce-0ext1") {
		t.Fatalf("diagnostics = %v", codes(p))
	}
	p = destroy(stranger(), plan.Options{AllowDisconnect: true})
	if p.HasErrors() {
		t.Fatalf("errors: %v", codes(p))
	}
	rej := change(t, p, paymentsAddr+".connection[vpce-0ext1]")
	if rej.Action != plan.Reject || !rej.ConfirmForeign {
		t.Fatalf("reject = %+v", rej)
	}
}

func TestDestroyNeedsEveryScopeRead(t *testing.T) {
	sc := converged()
	sc.s.Scopes = sc.s.Scopes[:1] // checkout was not read
	p := destroy(sc, plan.Options{})
	if diagnostic(p, plan.SeverityError, plan.CodeScopeNotRead) == nil {
		t.Fatalf("diagnostics = %v", codes(p))
	}
	sc = converged()
	sc.m.Consumers[0].Account = "nobody"
	if p := destroy(sc, plan.Options{}); diagnostic(p, plan.SeverityError, plan.CodeUnknownAccount) == nil {
		t.Fatalf("diagnostics = %v", codes(p))
	}
}

func TestConnectionsKeepsOnlyRuleDecisions(t *testing.T) {
	for _, tt := range []struct {
		sc   scenario.Scenario
		want map[string]string // address → rule
	}{
		{scenario.UndeclaredPending(true), map[string]string{paymentsAddr + ".connection[vpce-0ext1]": plan.RuleRejectUndeclared}},
		{scenario.UndeclaredPending(false), map[string]string{}},
		{scenario.AcceptFrom(), map[string]string{paymentsAddr + ".connection[vpce-0prt1]": plan.RuleAcceptFrom}},
		{scenario.DeclaredPendingAccept(), map[string]string{paymentsAddr + ".connection[" + scenario.CheckEP + "]": plan.RuleAcceptDeclared}},
		// a service's delete rejects its connections: not a rule's decision
		{scenario.ServiceDeletedWithConnections(), map[string]string{}},
		// accepting an endpoint the plan creates is apply's
		{scenario.Scenario{Name: "new", Manifest: scenario.Manifest(), Snapshot: scenario.Infra()}, map[string]string{}},
	} {
		t.Run(tt.sc.Name, func(t *testing.T) {
			full := compute(tt.sc.Manifest, tt.sc.Snapshot)
			p := plan.Connections(full)
			got := map[string]string{}
			for _, c := range p.Changes {
				if c.Action != plan.NoOp {
					got[c.Address] = plan.ConnectionRule(c)
				}
			}
			if len(p.Changes) != len(full.Changes) {
				t.Errorf("%d changes, want all %d (the rest as no-ops)", len(p.Changes), len(full.Changes))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("changes = %v, want %v", got, tt.want)
			}
			if len(p.Diagnostics) != len(full.Diagnostics) || p.Cost != nil {
				t.Errorf("diagnostics are kept whole and cost dropped: %d/%d, %+v", len(p.Diagnostics), len(full.Diagnostics), p.Cost)
			}
		})
	}
	if r := plan.ConnectionRule(plan.Change{Kind: plan.KindEndpoint, Action: plan.Delete}); r != "" {
		t.Errorf("rule of an endpoint delete = %q", r)
	}
}
