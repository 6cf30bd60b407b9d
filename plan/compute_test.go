package plan_test

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/internal/scenario"
)

func compute(m *manifest.Manifest, s *live.Snapshot) *plan.Plan {
	return plan.Compute(m, s, plan.Options{})
}

// actions maps the address of every change that does something to its action.
func actions(p *plan.Plan) map[string]plan.Action {
	out := map[string]plan.Action{}
	for _, c := range p.Changes {
		if c.Action != plan.NoOp {
			out[c.Address] = c.Action
		}
	}
	return out
}

func codes(p *plan.Plan) []string {
	var out []string
	for _, d := range p.Diagnostics {
		out = append(out, string(d.Severity)+" "+d.Code)
	}
	sort.Strings(out)
	return out
}

func change(t *testing.T, p *plan.Plan, addr string) plan.Change {
	t.Helper()
	for _, c := range p.Changes {
		if c.Address == addr {
			return c
		}
	}
	t.Fatalf("no change for %s; have %v", addr, actions(p))
	return plan.Change{}
}

func diag(t *testing.T, p *plan.Plan, code string) plan.Diagnostic {
	t.Helper()
	for _, d := range p.Diagnostics {
		if d.Code == code {
			return d
		}
	}
	t.Fatalf("no %s diagnostic; have %v", code, codes(p))
	return plan.Diagnostic{}
}

const (
	svc      = "provider.payments-api"
	checkout = "consumer.checkout-payments"
)

func TestScenarios(t *testing.T) {
	tests := []struct {
		name    string
		actions map[string]plan.Action
		codes   []string
	}{
		{"new-topology", map[string]plan.Action{
			svc: plan.Create,
			svc + ".principal[arn:aws:iam::222222222222:root]": plan.Create,
			svc + ".principal[arn:aws:iam::333333333333:root]": plan.Create,
			svc + ".notification[0]":                           plan.Create,
			svc + ".connection[consumer.checkout-payments]":    plan.Accept,
			checkout: plan.Create,
		}, nil},
		{"no-changes", map[string]plan.Action{}, nil},
		{"principal-added-removed", map[string]plan.Action{
			svc + ".principal[arn:aws:iam::444444444444:role/ci]": plan.Create,
			svc + ".principal[arn:aws:iam::333333333333:root]":    plan.Delete,
		}, nil},
		{"subnet-moved", map[string]plan.Action{checkout: plan.Update}, nil},
		{"policy-reformatted", map[string]plan.Action{}, nil},
		{"policy-changed", map[string]plan.Action{checkout: plan.Update}, nil},
		// the undeclared endpoint vpce-0ext1 is cut off: a reject in the
		// plan, and an error without --allow-disconnect
		{"service-deleted-with-connections", map[string]plan.Action{svc: plan.Delete, checkout: plan.Delete,
			svc + ".connection[vpce-0ext1]": plan.Reject}, []string{"error PL225"}},
		{"undeclared-pending-warn", map[string]plan.Action{}, []string{"warning PL030"}},
		{"undeclared-pending-reject", map[string]plan.Action{svc + ".connection[vpce-0ext1]": plan.Reject}, nil},
		{"declared-pending-accept", map[string]plan.Action{checkout: plan.Update, svc + ".connection[vpce-0chk1]": plan.Accept}, nil},
		{"accept-from", map[string]plan.Action{svc + ".connection[vpce-0prt1]": plan.Accept}, nil},
		{"cross-region-consumer", map[string]plan.Action{
			"consumer.analytics-payments":                    plan.Create,
			svc + ".connection[consumer.analytics-payments]": plan.Accept,
		}, nil},
		{"adopted-resource", map[string]plan.Action{svc: plan.Adopt, checkout: plan.Adopt}, nil},
		{"replace-reasons", map[string]plan.Action{
			"provider.inspection": plan.Replace,
			"provider.inspection.principal[arn:aws:iam::222222222222:root]": plan.Create,
			checkout:                                          plan.Replace,
			"consumer.checkout-payments-2":                    plan.Replace,
			"consumer.analytics-payments":                     plan.Replace,
			"consumer.partner-feed":                           plan.Replace,
			svc + ".connection[consumer.checkout-payments]":   plan.Accept,
			svc + ".connection[consumer.checkout-payments-2]": plan.Accept,
			svc + ".connection[consumer.analytics-payments]":  plan.Accept,
			// the replaced service's undeclared endpoint is cut off
			"provider.inspection.connection[vpce-0gw1]": plan.Reject,
			// partner-feed's new service vpce-svc-0new does not exist
		}, []string{"error PL224", "error PL225", "error PL227", "warning PL102"}},
		{"lints", map[string]plan.Action{
			svc: plan.Update,
			svc + ".principal[arn:aws:iam::333333333333:root]": plan.Delete,
			"provider.web": plan.Create,
			"provider.web.principal[arn:aws:iam::222222222222:root]": plan.Create,
			checkout:                      plan.Update,
			"consumer.analytics-payments": plan.Create,
			"consumer.web-clients":        plan.Create,
			"consumer.web-clients-2":      plan.Create,
			svc + ".connection[consumer.analytics-payments]": plan.Accept,
		}, []string{"error PL220", "error PL221", "error PL101", "error PL103", "error PL104", "error PL106",
			"error PL107", "error PL108", "error PL109", "error PL110", "warning PL102", "warning PL105"}},
		{"foreign-untouched", map[string]plan.Action{}, []string{"error PL223"}},
		{"read-failures", map[string]plan.Action{
			checkout:                      plan.Create,
			"consumer.analytics-payments": plan.Create,
			svc + ".connection[consumer.checkout-payments]":  plan.Accept,
			svc + ".connection[consumer.analytics-payments]": plan.Accept,
		}, []string{"error PL201", "error PL202"}},
		{"interrupted-replace", map[string]plan.Action{
			checkout:                           plan.Update,
			svc + ".connection[vpce-0chk2]":    plan.Accept,
			checkout + "[vpce-0chk1]":          plan.Delete,
			"consumer.legacy-feed[vpce-0lgc1]": plan.Delete,
			"consumer.legacy-feed[vpce-0lgc2]": plan.Delete,
		}, nil},
		{"renamed", map[string]plan.Action{
			"provider.payments-api-v2":      plan.Update,
			"consumer.checkout-to-payments": plan.Update,
		}, nil},
	}
	all := map[string]scenario.Scenario{}
	for _, sc := range scenario.All() {
		all[sc.Name] = sc
	}
	if len(all) != len(tests) {
		t.Errorf("%d scenarios but %d test cases", len(all), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, ok := all[tt.name]
			if !ok {
				t.Fatalf("no scenario %s", tt.name)
			}
			p := compute(sc.Manifest, sc.Snapshot)
			if got := actions(p); !reflect.DeepEqual(got, tt.actions) {
				t.Errorf("actions:\n got %v\nwant %v", got, tt.actions)
			}
			sort.Strings(tt.codes)
			if got := codes(p); !reflect.DeepEqual(got, tt.codes) {
				t.Errorf("diagnostics:\n got %v\nwant %v", got, tt.codes)
			}
			if p.HasChanges() != (len(tt.actions) > 0) {
				t.Errorf("HasChanges = %v", p.HasChanges())
			}
			checkInvariants(t, p)
			// Compute is deterministic and leaves its inputs alone.
			fresh := scenarioByName(tt.name)
			if !reflect.DeepEqual(sc.Manifest, fresh.Manifest) || !reflect.DeepEqual(sc.Snapshot, fresh.Snapshot) {
				t.Error("Compute modified its inputs")
			}
			if again := compute(fresh.Manifest, fresh.Snapshot); !reflect.DeepEqual(p, again) {
				t.Error("two Computes of the same inputs differ")
			}
		})
	}
}

func scenarioByName(name string) scenario.Scenario {
	for _, sc := range scenario.All() {
		if sc.Name == name {
			return sc
		}
	}
	return scenario.Scenario{}
}

var phaseOf = func(c plan.Change) int {
	del := c.Action == plan.Delete
	switch c.Kind {
	case plan.KindService:
		if del {
			return 8
		}
		return 0
	case plan.KindPrincipal:
		if del {
			return 7
		}
		return 1
	case plan.KindEndpoint:
		if del {
			return 6
		}
		return 2
	case plan.KindConnection:
		if c.Action == plan.Reject {
			return 5
		}
		return 3
	}
	return 4
}

// checkInvariants holds for every plan: apply order, unique addresses,
// account and region on every change, kind-specific values.
func checkInvariants(t *testing.T, p *plan.Plan) {
	t.Helper()
	seen := map[string]bool{}
	last := -1
	for _, c := range p.Changes {
		if seen[c.Address] {
			t.Errorf("address %s appears twice", c.Address)
		}
		seen[c.Address] = true
		if ph := phaseOf(c); ph < last {
			t.Errorf("%s (%s %s) is out of apply order", c.Address, c.Kind, c.Action)
		} else {
			last = ph
		}
		if c.AccountID == "" || c.Region == "" {
			t.Errorf("%s has no account or region", c.Address)
		}
		if c.Action == plan.Create && c.Before != nil || c.Action == plan.Delete && c.After != nil {
			t.Errorf("%s %s has the wrong side set", c.Action, c.Address)
		}
		valueless := c.Kind == plan.KindPrincipal || c.Kind == plan.KindEndpoint || c.Kind == plan.KindConnection || c.Kind == plan.KindNotification
		if c.Action == plan.NoOp && (c.Kind == plan.KindService && c.Before != nil || valueless && (c.Before != nil || c.After != nil)) {
			t.Errorf("no-op %s keeps values: before %+v after %+v", c.Address, c.Before, c.After)
		}
		for _, d := range c.DependsOn {
			if !seen[d] {
				t.Errorf("%s depends on %s, which is not planned before it", c.Address, d)
			}
		}
	}
	if p.FormatVersion != plan.FormatVersion || p.Project != scenario.Project {
		t.Errorf("plan header = %q %q", p.FormatVersion, p.Project)
	}
}

func TestNoChanges(t *testing.T) {
	p := compute(scenario.Manifest(), scenario.Converged())
	if p.HasChanges() || p.HasErrors() {
		t.Fatalf("converged world: HasChanges=%v HasErrors=%v %v %v", p.HasChanges(), p.HasErrors(), actions(p), codes(p))
	}
	if got := p.Summary(); got != (plan.Summary{}) {
		t.Errorf("Summary = %+v", got)
	}
	// every managed resource is listed as a no-op for verbose output
	for _, addr := range []string{svc, checkout, svc + ".notification[0]", svc + ".principal[arn:aws:iam::222222222222:root]"} {
		if c := change(t, p, addr); c.Action != plan.NoOp || c.ID == "" {
			t.Errorf("%s: action %s id %q", addr, c.Action, c.ID)
		}
	}
	if p.Cost != nil {
		t.Errorf("no endpoint changes, but cost %+v", p.Cost)
	}
	for _, id := range []string{scenario.SvcID, scenario.CheckEP} {
		if p.Fingerprints[id] == "" {
			t.Errorf("no fingerprint for %s", id)
		}
	}
}

func TestNewTopology(t *testing.T) {
	p := compute(scenario.Manifest(), scenario.Infra())
	c := change(t, p, checkout)
	if c.Refs["serviceName"] != svc || c.After.ServiceName != "" {
		t.Errorf("serviceName of a consumer of a new provider: refs %v after %q", c.Refs, c.After.ServiceName)
	}
	// A service created by this plan: apply turns private DNS on after
	// acceptance (and leaves it off if the name is not verified by then).
	if !c.PrivateDNSAfterAccept {
		t.Error("consumer of an acceptance-required service: PrivateDNSAfterAccept not set")
	}
	wantDeps := []string{svc, svc + ".principal[arn:aws:iam::222222222222:root]"}
	if !reflect.DeepEqual(c.DependsOn, wantDeps) {
		t.Errorf("DependsOn = %v, want %v", c.DependsOn, wantDeps)
	}
	wantTags := map[string]string{"team": "platform", live.TagProject: scenario.Project, live.TagName: "checkout-payments"}
	if !reflect.DeepEqual(c.After.Tags, wantTags) {
		t.Errorf("tags = %v", c.After.Tags)
	}
	if !reflect.DeepEqual(c.After.SubnetIDs, []string{"subnet-0b1a", "subnet-0b1b"}) {
		t.Errorf("subnets not sorted: %v", c.After.SubnetIDs)
	}
	acc := change(t, p, svc+".connection[consumer.checkout-payments]")
	if acc.Refs["endpointId"] != checkout || acc.AccountID != scenario.Payments || acc.After.EndpointOwner != scenario.Checkout {
		t.Errorf("accept of new consumer: %+v", acc)
	}
	sv := change(t, p, svc)
	if sv.Refs["serviceName"] != svc || len(sv.Warnings) != 1 {
		t.Errorf("service create: refs %v warnings %v", sv.Refs, sv.Warnings)
	}
	s := p.Summary()
	if s != (plan.Summary{Add: 5, Accept: 1}) {
		t.Errorf("Summary = %+v", s)
	}
	if p.Cost == nil || p.Cost.EndpointAZsDelta != 2 || p.Cost.MonthlyDelta != 14.6 || p.Cost.Currency != "USD" {
		t.Errorf("cost = %+v", p.Cost)
	}
}

func TestCostOptions(t *testing.T) {
	m := scenario.Manifest()
	m.Consumers = append(m.Consumers, scenario.AnalyticsPayments())
	p := plan.Compute(m, scenario.Infra(), plan.Options{PricePerAZHour: map[string]float64{"us-west-2": 0.02}, HoursPerMonth: 100})
	// 2 AZs in us-east-1 at the default 0.01, 2 in us-west-2 at 0.02, 100 h
	if p.Cost.MonthlyDelta != 6 || p.Cost.EndpointAZsDelta != 4 {
		t.Errorf("cost = %+v", p.Cost)
	}
	p = plan.Compute(m, scenario.Infra(), plan.Options{DefaultPrice: 0.1})
	if p.Cost.MonthlyDelta != 292 {
		t.Errorf("cost with default price 0.1 = %+v", p.Cost)
	}
	sc := scenarioByName("service-deleted-with-connections")
	if p := compute(sc.Manifest, sc.Snapshot); p.Cost.EndpointAZsDelta != -2 || p.Cost.MonthlyDelta != -14.6 {
		t.Errorf("delete cost = %+v", p.Cost)
	}
}

func TestPrincipalRemoved(t *testing.T) {
	sc := scenarioByName("principal-added-removed")
	p := compute(sc.Manifest, sc.Snapshot)
	c := change(t, p, svc+".principal[arn:aws:iam::333333333333:root]")
	if len(c.Breaks) != 1 || !strings.Contains(c.Breaks[0], "vpce-0ana1") || !strings.Contains(c.Breaks[0], "stays open") {
		t.Errorf("breaks = %v", c.Breaks)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "rejectUndeclared") {
		t.Errorf("warnings = %v", c.Warnings)
	}
	// with rejectUndeclared the open connection is rejected instead
	sc = scenarioByName("principal-added-removed")
	sc.Manifest.Providers[0].Connections.RejectUndeclared = true
	p = compute(sc.Manifest, sc.Snapshot)
	rej := change(t, p, svc+".connection[vpce-0ana1]")
	if rej.Action != plan.Reject || rej.Before.State != "available" || rej.After.State != "rejected" || len(rej.Breaks) != 1 {
		t.Errorf("reject = %+v", rej)
	}
	c = change(t, p, svc+".principal[arn:aws:iam::333333333333:root]")
	if len(c.Warnings) != 0 || !strings.Contains(c.Breaks[0], "is rejected") {
		t.Errorf("principal removal with rejectUndeclared: breaks %v warnings %v", c.Breaks, c.Warnings)
	}
	// an available connection from a still-allowed account is never rejected
	if _, ok := actions(p)[svc+".connection[vpce-0chk1]"]; ok {
		t.Error("declared connection rejected")
	}
}

func TestWildcardPrincipal(t *testing.T) {
	m := scenario.Manifest()
	m.Providers[0].AllowedPrincipals = []manifest.Principal{{ARN: "*", AllowWildcard: true, Resolved: "*"}}
	m.Consumers = append(m.Consumers, scenario.AnalyticsPayments())
	s := scenario.Converged()
	p := compute(m, s)
	if p.HasErrors() {
		t.Errorf("wildcard allows every account: %v", codes(p))
	}
	if c := change(t, p, "consumer.analytics-payments"); !reflect.DeepEqual(c.DependsOn, []string{svc + ".principal[*]"}) {
		t.Errorf("DependsOn = %v", c.DependsOn)
	}
	// removing the wildcard lists connections it allowed
	s.Services[0].Principals = []string{"*"}
	m = scenario.Manifest()
	m.Providers[0].AllowedPrincipals = m.Providers[0].AllowedPrincipals[1:] // analytics only
	p = compute(m, s)
	c := change(t, p, svc+".principal[*]")
	if c.Action != plan.Delete || len(c.Breaks) != 1 || !strings.Contains(c.Breaks[0], "vpce-0chk1") {
		t.Errorf("wildcard removal: %+v", c)
	}
	diag(t, p, plan.CodePrincipalMissing)
}

func TestSubnetMoved(t *testing.T) {
	sc := scenarioByName("subnet-moved")
	p := compute(sc.Manifest, sc.Snapshot)
	c := change(t, p, checkout)
	d := plan.Diff(c.Kind, c.Before, c.After)
	if len(d) != 1 || d[0].Name != "subnetIds" {
		t.Fatalf("diff = %+v", d)
	}
	if c.ID != scenario.CheckEP || len(c.ReplaceReasons) != 0 {
		t.Errorf("update: id %q reasons %v", c.ID, c.ReplaceReasons)
	}
	if p.Cost == nil || p.Cost.EndpointAZsDelta != 0 {
		t.Errorf("cost = %+v", p.Cost)
	}
}

func TestPolicyDrift(t *testing.T) {
	sc := scenarioByName("policy-reformatted")
	p := compute(sc.Manifest, sc.Snapshot)
	if c := change(t, p, checkout); c.Action != plan.NoOp {
		t.Errorf("reformatted policy: %s, want no-op", c.Action)
	}
	// a real policy change is an update
	sc.Manifest.Consumers[0].Policy["Statement"].(map[string]any)["Effect"] = "Deny"
	p = compute(sc.Manifest, sc.Snapshot)
	if c := change(t, p, checkout); c.Action != plan.Update {
		t.Errorf("changed policy: %s", c.Action)
	}
	// removing the policy from the manifest goes back to AWS's default
	sc = scenarioByName("policy-reformatted")
	sc.Manifest.Consumers[0].Policy = nil
	p = compute(sc.Manifest, sc.Snapshot)
	if c := change(t, p, checkout); c.Action != plan.Update || c.After.Policy != "" {
		t.Errorf("policy removed: %s after %q", c.Action, c.After.Policy)
	}
	// an invalid manifest policy is an error
	m := scenario.Manifest()
	m.Consumers[0].Policy = map[string]any{"Version": "2012-10-17"}
	p = compute(m, scenario.Converged())
	if d := diag(t, p, plan.CodeInvalidPolicy); d.Address != checkout || !strings.Contains(d.Message, "no Statement") {
		t.Errorf("invalid policy diagnostic = %+v", d)
	}
}

func TestServiceDeletedBreaks(t *testing.T) {
	sc := scenarioByName("service-deleted-with-connections")
	p := compute(sc.Manifest, sc.Snapshot)
	c := change(t, p, svc)
	want := []string{
		// vpce-0chk1, which this plan deletes itself, is not counted
		"endpoint service vpce-svc-0pay111 has 1 connected endpoint; it loses its connection",
		"endpoint vpce-0ext1 of account 444444444444, available",
	}
	if !reflect.DeepEqual(c.Breaks, want) {
		t.Errorf("breaks:\n got %q\nwant %q", c.Breaks, want)
	}
	if !reflect.DeepEqual(c.DependsOn, []string{checkout}) {
		t.Errorf("service delete DependsOn = %v", c.DependsOn)
	}
	if c.Before == nil || c.Before.ServiceName != scenario.SvcName {
		t.Errorf("before = %+v", c.Before)
	}
	if s := p.Summary(); s.Destroy != 2 {
		t.Errorf("Summary = %+v", s)
	}
}

// Pending requests are no connected endpoints: they are listed apart, as
// turned away; an endpoint the plan deletes itself is neither.
func TestServiceDeletedBreaksPendingApart(t *testing.T) {
	sc := scenarioByName("service-deleted-with-connections")
	s := *sc.Snapshot
	s.Services = append([]live.Service(nil), s.Services...)
	s.Services[0].Connections = append(append([]live.Connection(nil), s.Services[0].Connections...),
		live.Connection{EndpointID: "vpce-0ext3", OwnerID: scenario.Outsider, State: "pendingAcceptance", Region: scenario.USEast1},
		live.Connection{EndpointID: "vpce-0ext2", OwnerID: scenario.Outsider, State: "pendingAcceptance", Region: scenario.USEast1},
		live.Connection{EndpointID: "vpce-0ext4", OwnerID: scenario.Outsider, State: "rejected", Region: scenario.USEast1})
	p := plan.Compute(sc.Manifest, &s, plan.Options{AllowDisconnect: true})
	c := change(t, p, svc)
	want := []string{
		"endpoint service vpce-svc-0pay111 has 1 connected endpoint; it loses its connection",
		"endpoint vpce-0ext1 of account 444444444444, available",
		"endpoint service vpce-svc-0pay111: 2 pending requests are turned away",
		"endpoint vpce-0ext2 of account 444444444444, pendingAcceptance",
		"endpoint vpce-0ext3 of account 444444444444, pendingAcceptance",
	}
	if !reflect.DeepEqual(c.Breaks, want) {
		t.Errorf("breaks:\n got %q\nwant %q", c.Breaks, want)
	}
	// destroy says the same
	p = plan.Compute(sc.Manifest, &s, plan.Options{Destroy: true, AllowDisconnect: true})
	if c := change(t, p, svc); !reflect.DeepEqual(c.Breaks, want) {
		t.Errorf("destroy breaks:\n got %q\nwant %q", c.Breaks, want)
	}
}

func TestUndeclaredPending(t *testing.T) {
	sc := scenarioByName("undeclared-pending-warn")
	p := compute(sc.Manifest, sc.Snapshot)
	d := diag(t, p, plan.CodeUndeclaredPending)
	if d.Severity != plan.SeverityWarning || !strings.Contains(d.Message, "vpce-0ext1 (account 444444444444)") || d.Address != svc {
		t.Errorf("diagnostic = %+v", d)
	}
	if p.HasErrors() {
		t.Error("a warning must not block apply")
	}
	sc = scenarioByName("undeclared-pending-reject")
	p = compute(sc.Manifest, sc.Snapshot)
	c := change(t, p, svc+".connection[vpce-0ext1]")
	if c.ID != "vpce-0ext1" || c.ParentID != scenario.SvcID || c.Reason == "" || c.Before.EndpointOwner != scenario.Outsider {
		t.Errorf("reject = %+v", c)
	}
	if s := p.Summary(); s.Reject != 1 {
		t.Errorf("Summary = %+v", s)
	}
}

func TestDeclaredPending(t *testing.T) {
	sc := scenarioByName("declared-pending-accept")
	p := compute(sc.Manifest, sc.Snapshot)
	if c := change(t, p, checkout); !c.PrivateDNSAfterAccept {
		t.Error("pending endpoint with private DNS wanted: PrivateDNSAfterAccept not set")
	}
	c := change(t, p, svc+".connection[vpce-0chk1]")
	if c.Before.State != "pendingAcceptance" || c.After.State != "available" || !strings.Contains(c.Reason, checkout) {
		t.Errorf("accept = %+v", c)
	}
	// with acceptDeclared: false plink leaves it to someone else
	sc = scenarioByName("declared-pending-accept")
	no := false
	sc.Manifest.Providers[0].Connections.AcceptDeclared = &no
	sc.Manifest.Providers[0].Connections.RejectUndeclared = true
	p = compute(sc.Manifest, sc.Snapshot)
	if a := actions(p); a[svc+".connection[vpce-0chk1]"] != "" {
		t.Errorf("acceptDeclared false: %v", a)
	}
	// and creates no accept for a new consumer either
	m := scenario.Manifest()
	m.Providers[0].Connections.AcceptDeclared = &no
	p = compute(m, scenario.Infra())
	if a := actions(p); a[svc+".connection[consumer.checkout-payments]"] != "" {
		t.Errorf("acceptDeclared false, new consumer: %v", a)
	}
}

func TestCrossRegion(t *testing.T) {
	sc := scenarioByName("cross-region-consumer")
	p := compute(sc.Manifest, sc.Snapshot)
	c := change(t, p, "consumer.analytics-payments")
	if c.After.ServiceRegion != "us-east-1" || c.After.ServiceName != scenario.SvcName || c.Region != "us-west-2" || c.AccountID != scenario.Analytics {
		t.Errorf("cross-region consumer = %+v", c)
	}
	if c.PrivateDNSAfterAccept {
		t.Error("no private DNS wanted, but PrivateDNSAfterAccept set")
	}
	if len(c.DependsOn) != 0 {
		t.Errorf("existing provider and principal: DependsOn = %v", c.DependsOn)
	}
	// not in supportedRegions is an error
	sc.Manifest.Providers[0].SupportedRegions = nil
	p = compute(sc.Manifest, sc.Snapshot)
	if d := diag(t, p, plan.CodeRegionUnsupported); d.Address != "consumer.analytics-payments" || !strings.Contains(d.Hint, "us-west-2") {
		t.Errorf("diagnostic = %+v", d)
	}
}

func TestAdopt(t *testing.T) {
	sc := scenarioByName("adopted-resource")
	p := compute(sc.Manifest, sc.Snapshot)
	c := change(t, p, svc)
	if c.ID != scenario.SvcID || c.Before.Tags[live.TagProject] != "" || c.After.Tags[live.TagProject] != scenario.Project {
		t.Errorf("adopt = %+v", c)
	}
	names := []string{}
	for _, d := range plan.Diff(c.Kind, c.Before, c.After) {
		names = append(names, d.Name)
	}
	if !reflect.DeepEqual(names, []string{"acceptanceRequired", "tags"}) {
		t.Errorf("adopt shows %v, want the tags and the attribute update", names)
	}
	if s := p.Summary(); s.Adopt != 2 || s.Change != 0 {
		t.Errorf("Summary = %+v", s)
	}
	// once tagged, the same manifest matches by tag: no change
	s := scenario.Converged()
	if p := compute(sc.Manifest, s); p.HasChanges() {
		t.Errorf("adopted and tagged: %v", actions(p))
	}
}

func TestAdoptErrors(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*manifest.Manifest, *live.Snapshot)
		code  string
		addr  string
		words string
	}{
		{"missing id", func(m *manifest.Manifest, s *live.Snapshot) {
			m.Providers[0].Adopt = "vpce-svc-0nope"
		}, plan.CodeAdoptMissing, svc, "vpce-svc-0nope, which does not exist"},
		{"another project", func(m *manifest.Manifest, s *live.Snapshot) {
			m.Consumers[0].Adopt = scenario.CheckEP
			s.Endpoints[0].Tags = map[string]string{live.TagProject: "other", live.TagName: "x"}
		}, plan.CodeAdoptOwned, checkout, `project "other"`},
		{"this project, another name", func(m *manifest.Manifest, s *live.Snapshot) {
			m.Consumers[0].Adopt = scenario.CheckEP
			s.Endpoints[0].Tags = map[string]string{live.TagProject: scenario.Project, live.TagName: "old-name"}
		}, plan.CodeAdoptOwned, checkout, `this project as "old-name"`},
		{"wrong scope", func(m *manifest.Manifest, s *live.Snapshot) {
			m.Consumers[0].Adopt = scenario.CheckEP
			m.Consumers[0].Account = "analytics"
			m.Consumers[0].Region = "us-west-2"
			s.Endpoints[0].Tags = nil
		}, plan.CodeAdoptWrongScope, checkout, "is in account checkout (222222222222) region us-east-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, s := scenario.Manifest(), scenario.Converged()
			s.Services[0].Tags = nil // untagged, so adopt is what matches
			tt.edit(m, s)
			p := compute(m, s)
			d := diag(t, p, tt.code)
			if d.Severity != plan.SeverityError || d.Address != tt.addr || !strings.Contains(d.Message, tt.words) || d.Hint == "" {
				t.Errorf("diagnostic = %+v", d)
			}
			if _, ok := actions(p)[tt.addr]; ok {
				t.Errorf("%s planned despite the error: %v", tt.addr, actions(p))
			}
			for _, c := range p.Changes {
				if c.ID == scenario.CheckEP && c.Action != plan.NoOp {
					t.Errorf("the resource was touched: %+v", c)
				}
			}
		})
	}
}

func TestPlanningErrors(t *testing.T) {
	t.Run("unknown account", func(t *testing.T) {
		m := scenario.Manifest()
		m.Consumers[0].Account = "nope"
		p := compute(m, scenario.Converged())
		d := diag(t, p, plan.CodeUnknownAccount)
		if d.Address != checkout || !strings.Contains(d.Hint, "analytics, checkout, payments") {
			t.Errorf("diagnostic = %+v", d)
		}
		m = scenario.Manifest()
		m.Providers[0].Account = "nope"
		p = compute(m, scenario.Converged())
		diag(t, p, plan.CodeUnknownAccount)
	})
	t.Run("unknown provider", func(t *testing.T) {
		m := scenario.Manifest()
		m.Consumers[0].Provider = "nope"
		p := compute(m, scenario.Converged())
		if d := diag(t, p, plan.CodeUnknownProvider); d.Address != checkout {
			t.Errorf("diagnostic = %+v", d)
		}
	})
	t.Run("scope not read", func(t *testing.T) {
		s := scenario.Converged()
		s.Scopes = s.Scopes[:1]
		p := compute(scenario.Manifest(), s)
		d := diag(t, p, plan.CodeScopeNotRead)
		if d.Account != "checkout" || d.Region != "us-east-1" {
			t.Errorf("diagnostic = %+v", d)
		}
	})
	t.Run("nil snapshot", func(t *testing.T) {
		p := plan.Compute(scenario.Manifest(), nil, plan.Options{})
		if !p.HasErrors() || !p.HasChanges() {
			t.Errorf("nil snapshot: errors=%v changes=%v", p.HasErrors(), p.HasChanges())
		}
	})
}

func TestReplaceReasons(t *testing.T) {
	sc := scenarioByName("replace-reasons")
	p := compute(sc.Manifest, sc.Snapshot)
	tests := map[string][]string{
		"provider.inspection":          {"type"},
		checkout:                       {"vpcId"},
		"consumer.partner-feed":        {"serviceName"},
		"consumer.analytics-payments":  {"serviceRegion"},
		"consumer.checkout-payments-2": {"type"},
	}
	for addr, want := range tests {
		c := change(t, p, addr)
		if !reflect.DeepEqual(c.ReplaceReasons, want) {
			t.Errorf("%s: reasons %v, want %v", addr, c.ReplaceReasons, want)
		}
		if len(c.Breaks) == 0 {
			t.Errorf("%s: a replace must say what it breaks", addr)
		}
	}
	if c := change(t, p, "provider.inspection"); c.Refs["serviceName"] != "provider.inspection" {
		t.Errorf("replaced service: refs %v", c.Refs)
	}
}

func TestReplaceWhenProviderReplaced(t *testing.T) {
	// a consumer of a replaced service gets the new service name: replace
	m := scenario.Manifest()
	m.Providers[0].NetworkLoadBalancerARNs = nil
	m.Providers[0].GatewayLoadBalancerARNs = []string{scenario.GWLB}
	p := compute(m, scenario.Converged())
	c := change(t, p, checkout)
	if c.Action != plan.Replace || c.Refs["serviceName"] != svc || c.After.Type != "GatewayLoadBalancer" {
		t.Errorf("consumer of replaced provider = %+v", c)
	}
	if !reflect.DeepEqual(c.ReplaceReasons, []string{"type", "serviceName"}) {
		t.Errorf("reasons = %v", c.ReplaceReasons)
	}
}

func TestMovedToAnotherRegion(t *testing.T) {
	m := scenario.Manifest()
	m.Consumers[0].Account = "analytics"
	m.Consumers[0].Region = "us-west-2"
	m.Consumers[0].VPCID = "vpc-0ccc"
	m.Consumers[0].SubnetIDs = []string{"subnet-0c2a", "subnet-0c2b"}
	m.Consumers[0].SecurityGroupIDs = []string{"sg-0c2"}
	p := compute(m, scenario.Converged())
	c := change(t, p, checkout)
	if c.Action != plan.Replace || c.PriorAccountID != scenario.Checkout || c.PriorRegion != "us-east-1" || c.PriorAccount != "checkout" {
		t.Errorf("moved consumer = %+v", c)
	}
	for _, r := range []string{"account", "region", "vpcId", "serviceRegion"} {
		found := false
		for _, got := range c.ReplaceReasons {
			found = found || got == r
		}
		if !found {
			t.Errorf("reasons %v lack %s", c.ReplaceReasons, r)
		}
	}
}

func TestServiceUpdates(t *testing.T) {
	m := scenario.Manifest()
	p0 := m.Providers[0]
	p0.AcceptanceRequired = false
	p0.PrivateDNSName = ""
	p0.SupportedIPAddressTypes = []string{"ipv6", "ipv4"}
	p0.SupportedRegions = []string{"us-west-2", "eu-west-1"}
	p0.NetworkLoadBalancerARNs = append(p0.NetworkLoadBalancerARNs, "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/second/2222222222222222")
	p0.Tags = map[string]string{"service": "payments", "tier": "1"}
	p0.Notifications = []manifest.Notification{{TopicARN: scenario.Topic, Events: []string{"Connect", "Accept", "Reject"}},
		{TopicARN: "arn:aws:sns:us-east-1:111111111111:other", Events: []string{"Delete"}}}
	s := scenario.Converged()
	s.Services[0].Tags["aws:cloudformation:stack-name"] = "ignored"
	s.Services[0].Notifications = append(s.Services[0].Notifications, live.Notification{ID: "vpce-nfn-0zzz", TopicARN: "arn:aws:sns:us-east-1:111111111111:gone", Events: []string{"Accept"}})
	p := compute(m, s)
	c := change(t, p, svc)
	var names []string
	for _, d := range plan.Diff(c.Kind, c.Before, c.After) {
		names = append(names, d.Name)
	}
	want := []string{"networkLoadBalancerArns", "acceptanceRequired", "privateDnsName", "supportedIpAddressTypes", "supportedRegions", "tags"}
	if c.Action != plan.Update || !reflect.DeepEqual(names, want) {
		t.Errorf("%s changed %v, want %v", c.Action, names, want)
	}
	if c.After.PrivateDNSName != nil {
		t.Errorf("removed private DNS name = %q", *c.After.PrivateDNSName)
	}
	a := actions(p)
	wantN := map[string]plan.Action{svc + ".notification[0]": plan.Update, svc + ".notification[1]": plan.Create, svc + ".notification[vpce-nfn-0zzz]": plan.Delete}
	for addr, act := range wantN {
		if a[addr] != act {
			t.Errorf("%s: %s, want %s", addr, a[addr], act)
		}
	}
	diag(t, p, plan.CodeLBMissing)
}

func TestUnsetOptionsTakeLiveValues(t *testing.T) {
	m := scenario.Manifest()
	m.Providers[0].SupportedIPAddressTypes = nil
	s := scenario.Converged()
	s.Endpoints[0].DNSRecordIPType = "dualstack"
	s.Endpoints[0].IPAddressType = "dualstack"
	s.Endpoints[0].Policy = ""
	if p := compute(m, s); p.HasChanges() {
		t.Errorf("AWS defaults showed as drift: %v", actions(p))
	}
	// set options are managed
	m.Consumers[0].DNSOptions = &manifest.DNSOptions{DNSRecordIPType: "ipv4"}
	m.Consumers[0].IPAddressType = "ipv4"
	p := compute(m, s)
	if c := change(t, p, checkout); c.Action != plan.Update || len(plan.Diff(c.Kind, c.Before, c.After)) != 2 {
		t.Errorf("dns options: %+v", c)
	}
}

func TestAWSAssignedValuesNeverDiff(t *testing.T) {
	s := scenario.Converged()
	s.Endpoints[0].NetworkInterfaceIDs = []string{"eni-other"}
	s.Endpoints[0].State = "pending"
	s.Services[0].State = "Pending"
	s.Services[0].AvailabilityZones = []string{"us-east-1a"}
	s.Services[0].Connections[0].State = "pending"
	if p := compute(scenario.Manifest(), s); p.HasChanges() {
		t.Errorf("AWS-assigned values made a change: %v", actions(p))
	}
}

func TestForeignUntouched(t *testing.T) {
	sc := scenarioByName("foreign-untouched")
	p := compute(sc.Manifest, sc.Snapshot)
	for _, c := range p.Changes {
		switch c.ID {
		case "vpce-svc-0hand", "vpce-svc-0oth", "vpce-0oth1":
			t.Errorf("foreign resource in the plan: %+v", c)
		}
	}
	// an owned resource with the same id space but no manifest entry is deleted
	s := scenario.Converged()
	orphan := scenario.CheckoutEndpoint()
	orphan.ID, orphan.Tags = "vpce-0orph", map[string]string{live.TagProject: scenario.Project, live.TagName: "old-consumer"}
	s.Endpoints = append(s.Endpoints, orphan)
	p = compute(scenario.Manifest(), s)
	if c := change(t, p, "consumer.old-consumer"); c.Action != plan.Delete || c.ID != "vpce-0orph" {
		t.Errorf("orphan = %+v", c)
	}
	// without a name tag the id names it
	s.Endpoints[len(s.Endpoints)-1].Tags = map[string]string{live.TagProject: scenario.Project}
	p = compute(scenario.Manifest(), s)
	change(t, p, "consumer.vpce-0orph")
}

func TestNoDeletesInUnreadScopes(t *testing.T) {
	sc := scenarioByName("read-failures")
	orphan := scenario.CheckoutEndpoint()
	orphan.ID, orphan.Tags = "vpce-0orph", map[string]string{live.TagProject: scenario.Project, live.TagName: "old"}
	sc.Snapshot.Endpoints = append(sc.Snapshot.Endpoints, orphan)
	stale := scenario.PaymentsService()
	stale.AccountID, stale.Region, stale.ID = scenario.Analytics, "us-west-2", "vpce-svc-0west"
	stale.Tags = map[string]string{live.TagProject: scenario.Project, live.TagName: "west"}
	sc.Snapshot.Services = append(sc.Snapshot.Services, stale)
	p := compute(sc.Manifest, sc.Snapshot)
	for _, c := range p.Changes {
		if c.Action == plan.Delete {
			t.Errorf("delete in a scope that was not read completely: %s", c.Address)
		}
	}
	if d := diag(t, p, plan.CodeReadFailure); !strings.Contains(d.Message, "DescribeVpcEndpoints") || d.Account != "checkout" {
		t.Errorf("diagnostic = %+v", d)
	}
}

func TestExternalServiceLint(t *testing.T) {
	m := scenario.Manifest()
	m.Consumers[0].Provider = ""
	m.Consumers[0].ServiceName = "com.amazonaws.vpce.us-east-1.vpce-svc-0ext"
	m.Consumers[0].SubnetIDs = []string{"subnet-0b1a", "subnet-0b1b"}
	s := scenario.Converged()
	s.Endpoints = nil
	s.VisibleServices = []live.VisibleService{{AccountID: scenario.Checkout, Region: "us-east-1",
		ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-0ext", Owner: "999999999999", AcceptanceRequired: true,
		PrivateDNSName:    "api.ext.example.com",
		AvailabilityZones: []string{"us-east-1a"}}} // use1-az2 in checkout's mapping
	p := compute(m, s)
	d := diag(t, p, plan.CodeSubnetAZNotServed)
	if !strings.Contains(d.Message, "subnet-0b1b (use1-az1)") || strings.Contains(d.Message, "subnet-0b1a") {
		t.Errorf("diagnostic = %+v", d)
	}
	c := change(t, p, checkout)
	if !c.PrivateDNSAfterAccept || c.After.ServiceName != m.Consumers[0].ServiceName || c.Refs != nil {
		t.Errorf("external consumer = %+v", c)
	}
	if a := actions(p); len(a) != 1 {
		t.Errorf("no accept is planned for a service plink does not manage: %v", a)
	}
	// AZ ids from the reader win over names
	s.VisibleServices[0].AvailabilityZoneIDs = []string{"use1-az1", "use1-az2"}
	if p := compute(m, s); len(p.Diagnostics) != 0 {
		t.Errorf("diagnostics = %v", codes(p))
	}
}

func TestServiceNameConsumerOfManagedProvider(t *testing.T) {
	m := scenario.Manifest()
	m.Consumers[0].Provider = ""
	m.Consumers[0].ServiceName = scenario.SvcName
	s := scenario.Converged()
	s.Services[0].Connections[0].State = "pendingAcceptance"
	p := compute(m, s)
	if c := change(t, p, svc+".connection[vpce-0chk1]"); c.Action != plan.Accept {
		t.Errorf("a consumer naming a managed service by serviceName is declared: %s", c.Action)
	}
}

func TestGatewayConsumer(t *testing.T) {
	m := scenario.Manifest()
	m.Providers[0].NetworkLoadBalancerARNs = nil
	m.Providers[0].GatewayLoadBalancerARNs = []string{scenario.GWLB}
	p := compute(m, scenario.Infra())
	c := change(t, p, checkout)
	if c.After.Type != "GatewayLoadBalancer" {
		t.Errorf("consumer of a GWLB service has type %s", c.After.Type)
	}
	// Gateway Load Balancer endpoints are billed per endpoint-AZ-hour too
	if p.Cost.EndpointAZsDelta != len(m.Consumers[0].SubnetIDs) {
		t.Errorf("gateway load balancer endpoints are billed: %+v", p.Cost)
	}
	// an NLB listed as a gateway load balancer is a type error
	m.Providers[0].GatewayLoadBalancerARNs = []string{scenario.NLB}
	p = compute(m, scenario.Infra())
	if d := diag(t, p, plan.CodeLBType); !strings.Contains(d.Message, "gatewayLoadBalancerArns needs type gateway") {
		t.Errorf("diagnostic = %+v", d)
	}
}

func TestServiceAZsFromLiveService(t *testing.T) {
	// without the load balancer in the snapshot, the service's own AZs count
	s := scenario.Converged()
	s.LoadBalancers = nil
	m := scenario.Manifest()
	m.Consumers[0].SubnetIDs = []string{"subnet-0b1a", "subnet-0b1e"}
	s.Subnets = append(s.Subnets, live.Subnet{AccountID: scenario.Checkout, Region: "us-east-1", ID: "subnet-0b1e", VPCID: "vpc-0bbb", Zone: "us-east-1c"})
	p := compute(m, s)
	d := diag(t, p, plan.CodeSubnetAZNotServed)
	if !strings.Contains(d.Message, "subnet-0b1e (use1-az4)") {
		t.Errorf("diagnostic = %+v", d)
	}
	diag(t, p, plan.CodeLBMissing)
	s.Services[0].AvailabilityZoneIDs = []string{"use1-az4"}
	s.Services[0].AvailabilityZones = nil
	p = compute(m, s)
	if d := diag(t, p, plan.CodeSubnetAZNotServed); !strings.Contains(d.Message, "subnet-0b1a (use1-az2)") {
		t.Errorf("diagnostic = %+v", d)
	}
}

func TestHasErrors(t *testing.T) {
	p := &plan.Plan{Diagnostics: []plan.Diagnostic{{Severity: plan.SeverityWarning}}}
	if p.HasErrors() {
		t.Error("warnings are not errors")
	}
	p.Diagnostics = append(p.Diagnostics, plan.Diagnostic{Severity: plan.SeverityError})
	if !p.HasErrors() {
		t.Error("HasErrors missed an error")
	}
	p = &plan.Plan{Changes: []plan.Change{{Action: plan.Replace}, {Action: plan.Reject}, {Action: plan.Update}, {Action: plan.NoOp}}}
	if s := p.Summary(); s != (plan.Summary{Add: 1, Destroy: 1, Change: 1, Reject: 1}) {
		t.Errorf("Summary = %+v", s)
	}
}

func hasCode(p *plan.Plan, code string) bool {
	for _, d := range p.Diagnostics {
		if d.Code == code {
			return true
		}
	}
	return false
}

// With a verified provider, a new consumer of an acceptance-required
// service is created with private DNS off and turns it on after acceptance.
func TestPrivateDNSAfterAcceptWhenVerified(t *testing.T) {
	s := scenario.Converged()
	s.Endpoints = nil // the consumer is new; the verified service exists
	for i := range s.Services {
		s.Services[i].Connections = nil
	}
	p := compute(scenario.Manifest(), s)
	c := change(t, p, checkout)
	if c.Action != plan.Create || !c.PrivateDNSAfterAccept || !*c.After.PrivateDNSEnabled {
		t.Fatalf("action %s, after accept %v, privateDnsEnabled %v", c.Action, c.PrivateDNSAfterAccept, *c.After.PrivateDNSEnabled)
	}
	if hasCode(p, plan.CodeDNSWaits) {
		t.Error("PL111 for a verified name")
	}
}

// Consumers created by the plan are accepted when their account is in
// acceptFrom, even with acceptDeclared off.
func TestAcceptFromCoversNewConsumers(t *testing.T) {
	m := scenario.Manifest()
	off := false
	for _, pr := range m.Providers {
		pr.Connections.AcceptDeclared = &off
		pr.Connections.AcceptFromIDs = []string{"222222222222"}
	}
	p := compute(m, scenario.Infra())
	acc := change(t, p, svc+".connection[consumer.checkout-payments]")
	if acc.Action != plan.Accept || !strings.Contains(acc.Reason, "acceptFrom") {
		t.Fatalf("accept %s, reason %q", acc.Action, acc.Reason)
	}
}

// A consumer whose account's plink role is an allowed principal may
// connect: no PL220 error.
func TestRolePrincipalAdmitsPlinksRole(t *testing.T) {
	m := scenario.Manifest()
	role := "arn:aws:iam::222222222222:role/plink"
	m.Accounts["checkout"].RoleARN = role
	for _, pr := range m.Providers {
		for i, pp := range pr.AllowedPrincipals {
			if pp.Resolved == "arn:aws:iam::222222222222:root" {
				pr.AllowedPrincipals[i].Resolved = role
				pr.AllowedPrincipals[i].Account = ""
				pr.AllowedPrincipals[i].ARN = role
			}
		}
	}
	p := compute(m, scenario.Infra())
	if p.HasErrors() {
		t.Fatalf("errors: %+v", p.Diagnostics)
	}
	c := change(t, p, checkout)
	want := svc + ".principal[" + role + "]"
	if !slices.Contains(c.DependsOn, want) {
		t.Fatalf("DependsOn %v lacks %s", c.DependsOn, want)
	}
}

// An existing service whose private DNS name is not verified: a new
// consumer's private DNS waits (PL111) instead of failing at apply.
func TestPrivateDNSWaitsForVerification(t *testing.T) {
	s := scenario.Converged()
	s.Endpoints = nil
	for i := range s.Services {
		s.Services[i].Connections = nil
		s.Services[i].PrivateDNSState = "pendingVerification"
	}
	p := compute(scenario.Manifest(), s)
	c := change(t, p, checkout)
	if c.PrivateDNSAfterAccept || *c.After.PrivateDNSEnabled {
		t.Errorf("privateDnsEnabled %v, after accept %v; want off until verified", *c.After.PrivateDNSEnabled, c.PrivateDNSAfterAccept)
	}
	if !hasCode(p, plan.CodeDNSWaits) {
		t.Error("no PL111 warning")
	}
}

// rejectUndeclared leaves alone the connections of an account that is
// allowed through a role (not only its root).
func TestRejectUndeclaredKeepsAccountsAllowedByRole(t *testing.T) {
	m := scenario.Manifest()
	role := "arn:aws:iam::333333333333:role/ci"
	for _, pr := range m.Providers {
		pr.Connections.RejectUndeclared = true
		for i, pp := range pr.AllowedPrincipals {
			if pp.Resolved == "arn:aws:iam::333333333333:root" {
				pr.AllowedPrincipals[i] = manifest.Principal{ARN: role, Resolved: role}
			}
		}
	}
	s := scenario.Converged()
	for i := range s.Services {
		s.Services[i].Connections = append(s.Services[i].Connections,
			live.Connection{EndpointID: "vpce-0ci", OwnerID: "333333333333", State: "available"})
	}
	p := compute(m, s)
	for _, c := range p.Changes {
		if c.Action == plan.Reject {
			t.Errorf("rejected %s (%s): account 333333333333 is allowed through %s", c.Address, c.Reason, role)
		}
	}
}

// A pending connection from an account where the plan creates a declared
// consumer's endpoint may be that endpoint, made by another run (a shard)
// after the account's endpoints were read: rejectUndeclared leaves it for
// the next run (PL131) instead of cutting off the project's own. One from
// an account where nothing is created is rejected as before.
func TestRejectUndeclaredWaitsForAnEndpointTheReadMissed(t *testing.T) {
	m := scenario.Manifest()
	for _, pr := range m.Providers {
		pr.Connections.RejectUndeclared = true
	}
	s := scenario.Converged()
	s.Endpoints = slices.DeleteFunc(s.Endpoints, func(e live.Endpoint) bool { return e.ID == scenario.CheckEP })
	for i := range s.Services {
		s.Services[i].Connections = []live.Connection{
			{EndpointID: "vpce-0new", OwnerID: scenario.Checkout, State: "pendingAcceptance", Region: scenario.USEast1},
			{EndpointID: "vpce-0other", OwnerID: "444444444444", State: "pendingAcceptance", Region: scenario.USEast1},
		}
	}
	p := compute(m, s)
	if c := change(t, p, checkout); c.Action != plan.Create {
		t.Fatalf("%s: %s, want create", checkout, c.Action)
	}
	rejected := map[string]bool{}
	for _, c := range p.Changes {
		if c.Action == plan.Reject {
			rejected[c.ID] = true
		}
	}
	if rejected["vpce-0new"] || !rejected["vpce-0other"] {
		t.Errorf("rejected %v: want vpce-0other only (vpce-0new may be %s's endpoint)", rejected, checkout)
	}
	found := false
	for _, d := range p.Diagnostics {
		if d.Code == plan.CodeConnectionUnseen {
			found = d.Severity == plan.SeverityInfo && strings.Contains(d.Message, "vpce-0new") && strings.Contains(d.Message, checkout)
		}
	}
	if !found {
		t.Errorf("no PL131 info naming vpce-0new and %s: %+v", checkout, p.Diagnostics)
	}
}

// Dropping a supported region says which cross-region endpoints it cuts off.
func TestDroppedSupportedRegionBreaks(t *testing.T) {
	m := scenario.Manifest()
	s := scenario.Converged()
	for _, pr := range m.Providers {
		pr.SupportedRegions = nil
	}
	for i := range s.Services {
		s.Services[i].SupportedRegions = []string{"us-west-2"}
		s.Services[i].Connections = append(s.Services[i].Connections,
			live.Connection{EndpointID: "vpce-0west", OwnerID: "333333333333", State: "available", Region: "us-west-2"})
	}
	p := compute(m, s)
	c := change(t, p, svc)
	if c.Action != plan.Update || len(c.Breaks) != 1 || !strings.Contains(c.Breaks[0], "vpce-0west") {
		t.Fatalf("action %s, breaks %q", c.Action, c.Breaks)
	}
}

// A declared endpoint the provider rejected (or that failed) carries no
// traffic: it is replaced, not reported as matching.
func TestDeadEndpointIsReplaced(t *testing.T) {
	for _, state := range []string{"rejected", "failed", "expired"} {
		s := scenario.Converged()
		for i := range s.Endpoints {
			if s.Endpoints[i].ID == scenario.CheckEP {
				s.Endpoints[i].State = state
			}
		}
		p := compute(scenario.Manifest(), s)
		c := change(t, p, checkout)
		if c.Action != plan.Replace || !slices.Contains(c.ReplaceReasons, "state") {
			t.Errorf("%s endpoint: action %s, reasons %v; want a replace for its state", state, c.Action, c.ReplaceReasons)
		}
	}
}

// A replaced endpoint without securityGroupIds does not carry the old VPC's
// group into the new one: AWS gives the new endpoint its VPC's default.
func TestReplaceDropsInheritedSecurityGroups(t *testing.T) {
	m := scenario.Manifest()
	for _, c := range m.Consumers {
		if "consumer."+c.Name == checkout {
			c.SecurityGroupIDs = nil
			c.VPCID = "vpc-0other"
		}
	}
	p := compute(m, scenario.Converged())
	c := change(t, p, checkout)
	if c.Action != plan.Replace || len(c.After.SecurityGroupIDs) != 0 {
		t.Fatalf("action %s, security groups %v; want a replace with none named", c.Action, c.After.SecurityGroupIDs)
	}
	// without a replace, AWS's groups stand (no perpetual diff)
	m = scenario.Manifest()
	for _, c := range m.Consumers {
		if "consumer."+c.Name == checkout {
			c.SecurityGroupIDs = nil
		}
	}
	p = compute(m, scenario.Converged())
	if c := change(t, p, checkout); c.Action != plan.NoOp {
		t.Fatalf("unset securityGroupIds: action %s, want no-op", c.Action)
	}
}

// dnsOptions.privateDnsOnlyForInboundResolverEndpoint: false is AWS's
// default, which AWS may leave out: no diff.
func TestInboundResolverFalseMatchesUnset(t *testing.T) {
	m := scenario.Manifest()
	off := false
	for _, c := range m.Consumers {
		if "consumer."+c.Name == checkout {
			c.DNSOptions = &manifest.DNSOptions{PrivateDNSOnlyForInboundResolverEndpoint: &off}
		}
	}
	if c := change(t, compute(m, scenario.Converged()), checkout); c.Action != plan.NoOp {
		t.Fatalf("action %s, want no-op", c.Action)
	}
}

// Two providers naming one load balancer cannot both exist.
func TestLoadBalancerNamedByTwoProviders(t *testing.T) {
	m := scenario.Manifest()
	dup := *m.Providers[0]
	dup.Name = "payments-api-copy"
	m.Providers = append(m.Providers, &dup)
	p := compute(m, scenario.Converged())
	if !hasCode(p, plan.CodeLBTaken) {
		t.Fatalf("no PL223 for a load balancer named twice: %+v", p.Diagnostics)
	}
}

// A declared consumer whose acceptance plink will not give is reported.
func TestDeclaredConsumerLeftPendingIsReported(t *testing.T) {
	m := scenario.Manifest()
	off := false
	for _, pr := range m.Providers {
		pr.Connections.AcceptDeclared = &off
	}
	s := scenario.Converged()
	for i := range s.Endpoints {
		if s.Endpoints[i].ID == scenario.CheckEP {
			s.Endpoints[i].State = "pendingAcceptance"
		}
	}
	for i := range s.Services {
		for j := range s.Services[i].Connections {
			if s.Services[i].Connections[j].EndpointID == scenario.CheckEP {
				s.Services[i].Connections[j].State = "pendingAcceptance"
			}
		}
	}
	p := compute(m, s)
	if !hasCode(p, plan.CodeDeclaredWaits) {
		t.Fatalf("no PL031: %+v", p.Diagnostics)
	}
}
