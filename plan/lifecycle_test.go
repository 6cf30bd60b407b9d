package plan_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/internal/scenario"
)

// TestEndpointStateMatrix: every state AWS reports for an endpoint, crossed
// with the manifest's intent for it, gives one plan action. The same table
// runs against the sandbox in package apply (matrix_test.go).
func TestEndpointStateMatrix(t *testing.T) {
	states := []string{"pendingAcceptance", "pending", "available", "rejected", "expired", "failed", "deleting", "deleted"}
	want := map[string]map[string]plan.Action{
		// declared: usable or on its way is kept; broken is replaced;
		// going or gone is absent, so the consumer is created anew
		"declared": {"pendingAcceptance": plan.NoOp, "pending": plan.NoOp, "available": plan.NoOp,
			"rejected": plan.Replace, "expired": plan.Replace, "failed": plan.Replace,
			"deleting": plan.Create, "deleted": plan.Create},
		// removed from the manifest: deleted unless already going or gone
		"removed": {"pendingAcceptance": plan.Delete, "pending": plan.Delete, "available": plan.Delete,
			"rejected": plan.Delete, "expired": plan.Delete, "failed": plan.Delete,
			"deleting": "", "deleted": ""},
		// not ours (no project tag): never touched
		"foreign": {},
	}
	for intent, byState := range want {
		for _, st := range states {
			t.Run(intent+"/"+st, func(t *testing.T) {
				m := scenario.Manifest()
				s := scenario.Converged()
				s.Endpoints[0].State = st
				s.Services[0].Connections[0].State = st
				switch intent {
				case "removed":
					m.Consumers = nil
				case "foreign":
					m.Consumers = nil
					s.Endpoints[0].Tags = map[string]string{"team": "other"}
				}
				p := compute(m, s)
				got := actions(p)[checkout]
				if byState[st] == plan.NoOp {
					if got != "" {
						t.Errorf("action = %s, want none", got)
					}
				} else if got != byState[st] {
					t.Errorf("action = %q, want %q (all: %v)", got, byState[st], actions(p))
				}
				for _, c := range p.Changes {
					if c.Kind == plan.KindConnection && c.ID == scenario.CheckEP && c.Action == plan.Reject {
						t.Errorf("connection of this project's endpoint rejected: %+v", c)
					}
				}
				if p.HasErrors() {
					t.Errorf("errors: %v", codes(p))
				}
				if got == plan.Create && p.Cost != nil && p.Cost.EndpointAZsDelta < 0 {
					t.Errorf("a going endpoint counts against the cost: %+v", p.Cost)
				}
			})
		}
	}
}

// TestServiceStateMatrix: a service being deleted, or deleted and still
// listed, is absent: declared, it is created anew; removed, nothing is done.
func TestServiceStateMatrix(t *testing.T) {
	for _, tt := range []struct {
		state           string
		declared, other plan.Action
	}{
		{"Pending", plan.NoOp, plan.Delete},
		{"Available", plan.NoOp, plan.Delete},
		{"Failed", plan.Replace, plan.Delete},
		{"Deleting", plan.Create, ""},
		{"Deleted", plan.Create, ""},
	} {
		t.Run(tt.state, func(t *testing.T) {
			s := scenario.Converged()
			s.Services[0].State = tt.state
			s.Services[0].Connections = nil
			s.Endpoints = nil
			m := scenario.Manifest()
			m.Consumers = nil
			p := compute(m, s)
			if got := actions(p)[svc]; got != tt.declared && !(tt.declared == plan.NoOp && got == "") {
				t.Errorf("declared: action %q, want %q", got, tt.declared)
			}
			m.Providers = nil
			p = compute(m, s)
			if got := actions(p)[svc]; got != tt.other {
				t.Errorf("removed: action %q, want %q", got, tt.other)
			}
		})
	}
}

func TestAdoptGoing(t *testing.T) {
	m := scenario.Manifest()
	m.Consumers[0].Adopt = scenario.CheckEP
	s := scenario.Converged()
	s.Endpoints[0].Tags = nil
	s.Endpoints[0].State = "deleting"
	p := compute(m, s)
	d := diag(t, p, plan.CodeAdoptGoing)
	if !strings.Contains(d.Message, "deleting") || d.Address != checkout {
		t.Errorf("diagnostic = %+v", d)
	}
}

// TestPendingRequestIsNoDisconnect: deleting a service with an undeclared
// request still waiting for acceptance turns it away (a reject in the
// plan, counted) but cuts nobody off: no PL225, no consent needed.
func TestPendingRequestIsNoDisconnect(t *testing.T) {
	sc := scenarioByName("service-deleted-with-connections")
	sc.Snapshot.Services[0].Connections[len(sc.Snapshot.Services[0].Connections)-1].State = "pendingAcceptance"
	p := compute(sc.Manifest, sc.Snapshot)
	for _, d := range p.Diagnostics {
		if d.Code == plan.CodeDisconnect {
			t.Fatalf("a pending request counted as a disconnect: %+v", d)
		}
	}
	if rej := change(t, p, svc+".connection[vpce-0ext1]"); rej.Action != plan.Reject {
		t.Errorf("the pending request is not turned away: %+v", rej)
	}
}

// TestDisconnect: deleting a service with an undeclared endpoint connected
// is a reject in the plan, counted, and an error unless AllowDisconnect.
func TestDisconnect(t *testing.T) {
	sc := scenarioByName("service-deleted-with-connections")
	p := compute(sc.Manifest, sc.Snapshot)
	d := diag(t, p, plan.CodeDisconnect)
	if d.Severity != plan.SeverityError || !strings.Contains(d.Message, "vpce-0ext1 of account 444444444444") || !strings.Contains(d.Hint, "--allow-disconnect") {
		t.Errorf("diagnostic = %+v", d)
	}
	rej := change(t, p, svc+".connection[vpce-0ext1]")
	if rej.ParentID != scenario.SvcID || rej.AccountID != scenario.Payments || rej.Before.EndpointOwner != "444444444444" {
		t.Errorf("reject = %+v", rej)
	}
	if s := p.Summary(); s.Reject != 1 {
		t.Errorf("summary = %+v", s)
	}
	p = plan.Compute(sc.Manifest, sc.Snapshot, plan.Options{AllowDisconnect: true})
	if p.HasErrors() {
		t.Errorf("with AllowDisconnect: %v", codes(p))
	}
	rej = change(t, p, svc+".connection[vpce-0ext1]")
	if len(rej.Warnings) != 1 || !strings.Contains(rej.Warnings[0], "--allow-disconnect") {
		t.Errorf("warnings = %v", rej.Warnings)
	}
	// the declared consumer's endpoint is deleted by the plan: no reject
	for _, c := range p.Changes {
		if c.Kind == plan.KindConnection && c.ID == scenario.CheckEP {
			t.Errorf("deleted endpoint's connection planned: %+v", c)
		}
	}
}

// TestDisconnectDeclared: a kept consumer of a service the plan deletes is
// warned about, not an error (it is the manifest's own doing).
func TestDisconnectDeclared(t *testing.T) {
	m := scenario.Manifest()
	m.Providers = nil
	m.Consumers[0].Provider = ""
	m.Consumers[0].ServiceName = scenario.SvcName
	s := scenario.Converged()
	p := compute(m, s)
	d := diag(t, p, plan.CodeDisconnectDeclared)
	if d.Address != checkout || d.Severity != plan.SeverityWarning {
		t.Errorf("diagnostic = %+v", d)
	}
	if a := actions(p); a[svc+".connection["+scenario.CheckEP+"]"] != plan.Reject {
		t.Errorf("actions = %v", a)
	}
}

func TestProtect(t *testing.T) {
	// declared and protected: the tag is written
	m := scenario.Manifest()
	m.Providers[0].Protect = true
	p := compute(m, scenario.Converged())
	if c := change(t, p, svc); c.Action != plan.Update || c.After.Tags[plan.TagProtect] != "true" {
		t.Errorf("protect tag not planned: %+v", c)
	}
	// a replace of a protected consumer is an error
	m = scenario.Manifest()
	m.Consumers[0].Protect = true
	m.Consumers[0].VPCID = "vpc-0bbd"
	m.Consumers[0].SubnetIDs = []string{"subnet-0d1a", "subnet-0d1b"}
	m.Consumers[0].SecurityGroupIDs = []string{"sg-0d1"}
	p = compute(m, scenario.Converged())
	if d := diag(t, p, plan.CodeProtected); d.Address != checkout || !strings.Contains(d.Message, "vpcId") {
		t.Errorf("diagnostic = %+v", d)
	}
	// removed from the manifest but tagged protected: the delete is refused
	m = scenario.Manifest()
	m.Consumers = nil
	s := scenario.Converged()
	s.Endpoints[0].Tags[plan.TagProtect] = "true"
	p = compute(m, s)
	if d := diag(t, p, plan.CodeProtected); d.Address != checkout || !strings.Contains(d.Hint, "protect: false") {
		t.Errorf("diagnostic = %+v", d)
	}
	// protect: false on a tagged resource lifts it: the tag is removed
	m = scenario.Manifest()
	p = compute(m, s)
	if c := change(t, p, checkout); c.Action != plan.Update || c.After.Tags[plan.TagProtect] != "" || p.HasErrors() {
		t.Errorf("unprotect: %+v %v", c, codes(p))
	}
}

// TestTagRepair: a resource of the project that lost plink:name by hand is
// claimed by the one entry that matches it and its tag restored, instead of
// a create and a delete (an outage).
func TestTagRepair(t *testing.T) {
	m := scenario.Manifest()
	s := scenario.Converged()
	delete(s.Endpoints[0].Tags, live.TagName)
	delete(s.Services[0].Tags, live.TagName)
	p := compute(m, s)
	want := map[string]plan.Action{svc: plan.Update, checkout: plan.Update}
	if a := actions(p); !reflect.DeepEqual(a, want) {
		t.Fatalf("actions = %v, want %v", a, want)
	}
	if c := change(t, p, checkout); c.ID != scenario.CheckEP || c.After.Tags[live.TagName] != "checkout-payments" || len(c.Warnings) != 1 {
		t.Errorf("endpoint change = %+v", c)
	}
	if c := change(t, p, svc); c.ID != scenario.SvcID || len(c.Warnings) != 1 {
		t.Errorf("service change = %+v", c)
	}
	// two candidates: nothing is claimed; the consumer is created and the
	// unnamed endpoints stay as orphans of the project (deleted)
	dup := s.Endpoints[0]
	dup.ID = "vpce-0dup"
	s.Endpoints = append(s.Endpoints, dup)
	p = compute(m, s)
	if a := actions(p); a[checkout] != plan.Create {
		t.Errorf("ambiguous repair: actions = %v", a)
	}
}

func TestReachChecks(t *testing.T) {
	// dualstack consumer of an ipv4-only service
	m := scenario.Manifest()
	m.Consumers[0].IPAddressType = "dualstack"
	s := scenario.Converged()
	s.Endpoints = nil
	p := compute(m, s)
	var msgs []string
	for _, d := range p.Diagnostics {
		if d.Code == plan.CodeIPTypeUnsupported {
			msgs = append(msgs, d.Message)
		}
	}
	if len(msgs) != 2 || !strings.Contains(msgs[0]+msgs[1], "supports only ipv4") || !strings.Contains(msgs[0]+msgs[1], "IPv6 CIDR") {
		t.Errorf("ip type diagnostics = %q", msgs)
	}
	// with IPv6 on both sides it plans
	m.Providers[0].SupportedIPAddressTypes = []string{"ipv4", "ipv6"}
	for i := range s.Subnets {
		s.Subnets[i].IPv6CIDR = "2600:1f18::/64"
	}
	p = compute(m, s)
	for _, d := range p.Diagnostics {
		if d.Code == plan.CodeIPTypeUnsupported {
			t.Errorf("unexpected %s", d.Message)
		}
	}
	// private DNS on a service without a name
	m = scenario.Manifest()
	m.Providers[0].PrivateDNSName = ""
	s = scenario.Converged()
	s.Endpoints = nil
	s.Services[0].PrivateDNSName = ""
	p = compute(m, s)
	if d := diag(t, p, plan.CodeNoPrivateDNSName); d.Address != checkout {
		t.Errorf("diagnostic = %+v", d)
	}
	// an external service the account cannot see
	m = scenario.Manifest()
	m.Consumers[0].Provider = ""
	m.Consumers[0].ServiceName = "com.amazonaws.vpce.us-east-1.vpce-svc-0nope"
	m.Consumers[0].PrivateDNSEnabled = false
	p = compute(m, s)
	if d := diag(t, p, plan.CodeServiceInvisible); !strings.Contains(d.Message, "vpce-svc-0nope") || !strings.Contains(d.Hint, "describe-vpc-endpoint-services") {
		t.Errorf("diagnostic = %+v", d)
	}
}

func TestQuotaEndpointsPerVPC(t *testing.T) {
	m := scenario.Manifest()
	s := scenario.Converged()
	for i := 0; i < 49; i++ {
		ep := scenario.CheckoutEndpoint()
		ep.ID = "vpce-0fill" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		ep.Tags = nil
		s.Endpoints = append(s.Endpoints, ep)
	}
	extra := *scenario.CheckoutPayments()
	extra.Name = "checkout-payments-2"
	m.Consumers = append(m.Consumers, &extra)
	p := compute(m, s)
	d := diag(t, p, plan.CodeQuotaEndpoints)
	if d.Severity != plan.SeverityWarning || !strings.Contains(d.Message, "would hold 51") || !strings.Contains(d.Hint, "Service Quotas") {
		t.Errorf("diagnostic = %+v", d)
	}
	if p := plan.Compute(m, s, plan.Options{EndpointsPerVPC: 100}); len(p.Diagnostics) > 0 {
		for _, d := range p.Diagnostics {
			if d.Code == plan.CodeQuotaEndpoints {
				t.Errorf("raised quota still warns: %+v", d)
			}
		}
	}
}

// TestCostNote: the note states the price the estimate used, per region
// when they differ, and Gateway Load Balancer endpoints are counted.
func TestCostNote(t *testing.T) {
	sc := scenarioByName("cross-region-consumer") // creates an endpoint in us-west-2
	p := plan.Compute(sc.Manifest, sc.Snapshot, plan.Options{PricePerAZHour: map[string]float64{"us-west-2": 0.02}})
	if p.Cost == nil || !strings.Contains(p.Cost.Note, "$0.02 per endpoint-AZ-hour") || p.Cost.MonthlyDelta != 29.2 {
		t.Errorf("cost = %+v", p.Cost)
	}
	// two regions at two prices: both are named
	m := sc.Manifest
	m.Consumers[0].SubnetIDs = append(m.Consumers[0].SubnetIDs, "subnet-0b1c")
	p = plan.Compute(m, sc.Snapshot, plan.Options{PricePerAZHour: map[string]float64{"us-west-2": 0.02}})
	if p.Cost == nil || !strings.Contains(p.Cost.Note, "$0.01 in us-east-1, $0.02 in us-west-2") {
		t.Errorf("cost = %+v", p.Cost)
	}
	// a Gateway Load Balancer endpoint is billed like an interface one
	s := scenario.Converged()
	s.Endpoints = nil
	m = scenario.Manifest()
	m.Providers[0].NetworkLoadBalancerARNs = nil
	m.Providers[0].GatewayLoadBalancerARNs = []string{scenario.GWLB}
	m.Providers[0].PrivateDNSName = ""
	m.Consumers[0].PrivateDNSEnabled = false
	m.Consumers[0].SubnetIDs = []string{"subnet-0b1a"}
	p = compute(m, s)
	if p.Cost == nil || p.Cost.EndpointAZsDelta != 1 {
		t.Errorf("gateway load balancer endpoint cost = %+v (changes %v)", p.Cost, actions(p))
	}
}

// TestUnsettled: a plan without changes is not "converged" while private
// DNS is deferred or an endpoint is still pending.
func TestUnsettled(t *testing.T) {
	s := scenario.Converged()
	if u := plan.Unsettled(compute(scenario.Manifest(), s), s); len(u) != 0 {
		t.Errorf("converged world: %q", u)
	}
	s.Endpoints[0].State = "pending"
	p := compute(scenario.Manifest(), s)
	if u := plan.Unsettled(p, s); len(u) != 1 || !strings.Contains(u[0], "still pending") || p.HasChanges() {
		t.Errorf("pending endpoint: %q (changes %v)", u, actions(p))
	}
	// private DNS wanted, the service's name not verified: deferred
	s = scenario.Converged()
	s.Services[0].PrivateDNSState = "pendingVerification"
	s.Endpoints[0].PrivateDNSEnabled = false
	p = compute(scenario.Manifest(), s)
	if u := plan.Unsettled(p, s); len(u) != 1 || !strings.Contains(u[0], "private DNS stays off") {
		t.Errorf("deferred private DNS: %q (changes %v, codes %v)", u, actions(p), codes(p))
	}
}

// TestReachAddedRegion: a cross-region consumer added in the same plan as
// its region (supportedRegions) is not refused for not seeing the service
// yet: apply adds the region first.
func TestReachAddedRegion(t *testing.T) {
	m := scenario.Manifest()
	m.Consumers = append(m.Consumers, scenario.AnalyticsPayments())
	s := scenario.Converged()
	s.Services[0].SupportedRegions = nil
	s.VisibleServices = nil
	scenario.AddVisible(s)
	p := compute(m, s)
	for _, d := range p.Diagnostics {
		if d.Code == plan.CodeServiceInvisible {
			t.Errorf("PL227 for a region this plan adds: %s", d.Message)
		}
	}
	if a := actions(p); a["consumer.analytics-payments"] != plan.Create || a[svc] != plan.Update {
		t.Errorf("actions = %v", a)
	}
}
