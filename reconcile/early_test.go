package reconcile

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/reconcile/shard"
	"github.com/plinkdev/plink/sandbox"
)

// TestTouches: what each kind of change holds back — a part of its own
// account-region, the other side of a connection, the connections of the
// service an endpoint connects to — and every read for a change whose
// reach is not known.
func TestTouches(t *testing.T) {
	m := &manifest.Manifest{
		Defaults:  manifest.Defaults{Region: "us-east-1"},
		Accounts:  map[string]*manifest.Account{"prov": {ID: "111"}, "cons": {ID: "222"}},
		Providers: []*manifest.Provider{{Name: "api", Account: "prov", Region: "eu-west-1"}, {Name: "home", Account: "prov"}},
		Consumers: []*manifest.Consumer{{Name: "web", Account: "cons", Provider: "api", Region: "eu-west-1"}, {Name: "db", Account: "cons", Provider: "home"}, {Name: "s3", Account: "cons"}},
	}
	ix := newServiceIndex(m)
	const (
		svcs  = live.PartServices
		conns = live.PartConnections
		eps   = live.PartEndpoints
	)
	prov := func(p live.Part) gateKey { return gateKey{"111", "eu-west-1", p} }
	cons := func(p live.Part) gateKey { return gateKey{"222", "us-east-1", p} }
	for _, tc := range []struct {
		name string
		c    plan.Change
		want []gateKey
	}{
		{"principal", plan.Change{Kind: plan.KindPrincipal, Action: plan.Create, AccountID: "111", Region: "eu-west-1"}, []gateKey{prov(svcs)}},
		{"notification", plan.Change{Kind: plan.KindNotification, Action: plan.Update, AccountID: "111", Region: "eu-west-1"}, []gateKey{prov(svcs)}},
		{"service made", plan.Change{Kind: plan.KindService, Action: plan.Create, AccountID: "111", Region: "eu-west-1"}, []gateKey{prov(svcs)}},
		{"service deleted", plan.Change{Kind: plan.KindService, Action: plan.Delete, AccountID: "111", Region: "eu-west-1"}, []gateKey{everywhere}},
		{"service changed", plan.Change{Kind: plan.KindService, Action: plan.Update, AccountID: "111", Region: "eu-west-1"}, []gateKey{everywhere}},
		{"accept of a declared consumer", plan.Change{Kind: plan.KindConnection, Action: plan.Accept, Address: "provider.api.connection[consumer.web]", AccountID: "111", Region: "eu-west-1", After: &plan.Values{EndpointOwner: "222"}},
			[]gateKey{prov(conns), {"222", "eu-west-1", eps}}},
		{"accept of an endpoint by id", plan.Change{Kind: plan.KindConnection, Action: plan.Accept, Address: "provider.api.connection[vpce-1]", AccountID: "111", Region: "eu-west-1", After: &plan.Values{EndpointOwner: "222"}},
			[]gateKey{prov(conns), {"222", anyRegion, eps}}},
		{"reject, owner before", plan.Change{Kind: plan.KindConnection, Action: plan.Reject, Address: "provider.api.connection[vpce-2]", AccountID: "111", Region: "eu-west-1", Before: &plan.Values{EndpointOwner: "333"}},
			[]gateKey{prov(conns), {"333", anyRegion, eps}}},
		{"connection of no known owner", plan.Change{Kind: plan.KindConnection, Action: plan.Reject, AccountID: "111", Region: "eu-west-1"}, []gateKey{everywhere}},
		{"endpoint of a provider elsewhere", plan.Change{Kind: plan.KindEndpoint, Action: plan.Create, Address: "consumer.web", AccountID: "222", Region: "eu-west-1"},
			[]gateKey{{"222", "eu-west-1", eps}, prov(conns)}},
		{"endpoint of a provider in the default region", plan.Change{Kind: plan.KindEndpoint, Action: plan.Create, Address: "consumer.db", AccountID: "222", Region: "us-east-1"},
			[]gateKey{cons(eps), {"111", "us-east-1", conns}}},
		{"endpoint of an AWS service", plan.Change{Kind: plan.KindEndpoint, Action: plan.Create, Address: "consumer.s3", AccountID: "222", Region: "us-east-1", After: &plan.Values{ServiceName: "com.amazonaws.us-east-1.s3"}},
			[]gateKey{cons(eps)}},
		{"endpoint of an account's service", plan.Change{Kind: plan.KindEndpoint, Action: plan.Create, Address: "consumer.x", AccountID: "222", Region: "us-east-1", After: &plan.Values{ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-0123"}},
			[]gateKey{everywhere}},
		{"endpoint deleted, not declared", plan.Change{Kind: plan.KindEndpoint, Action: plan.Delete, Address: "consumer.gone", AccountID: "222", Region: "us-east-1", Before: &plan.Values{ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-0123"}},
			[]gateKey{everywhere}},
		{"endpoint moved to another region", plan.Change{Kind: plan.KindEndpoint, Action: plan.Replace, Address: "consumer.db", AccountID: "222", Region: "us-east-1", PriorRegion: "us-west-2"},
			[]gateKey{cons(eps), {"222", "us-west-2", eps}, {"111", "us-east-1", conns}}},
		{"dns record in another account", plan.Change{Kind: plan.KindDNSRecord, Action: plan.Create, Address: "provider.api.dns_record", Parent: "provider.api", AccountID: "222", Region: "us-east-1"},
			[]gateKey{cons(svcs), prov(svcs)}},
		{"dns record of no known provider", plan.Change{Kind: plan.KindDNSRecord, Action: plan.Create, Address: "provider.x.dns_record", Parent: "provider.x", AccountID: "222", Region: "us-east-1"},
			[]gateKey{everywhere}},
		{"a kind not known here", plan.Change{Kind: "something", Action: plan.Create, AccountID: "222", Region: "us-east-1"}, []gateKey{everywhere}},
	} {
		if got := touches(&tc.c, ix); !slices.Equal(got, tc.want) {
			t.Errorf("%s: touches %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestScopeGates: a part waits until every change touching it, its
// account-region, its account or everything has ended; no-ops and
// addresses not of the run count for nothing; release opens all; a
// cancelled wait returns the context's error.
func TestScopeGates(t *testing.T) {
	m := &manifest.Manifest{Accounts: map[string]*manifest.Account{"a": {ID: "111"}, "b": {ID: "222"}}}
	run := &plan.Plan{Changes: []plan.Change{
		{Address: "provider.p", Kind: plan.KindService, Action: plan.Create, AccountID: "111", Region: "r1"},
		{Address: "provider.p.connection[vpce-1]", Kind: plan.KindConnection, Action: plan.Accept, AccountID: "111", Region: "r1", After: &plan.Values{EndpointOwner: "222"}},
		{Address: "provider.q", Kind: plan.KindService, Action: plan.NoOp, AccountID: "222", Region: "r2"},
		{Address: "provider.gone", Kind: plan.KindService, Action: plan.Delete, AccountID: "111", Region: "r9"},
	}}
	g := newScopeGates(m, run)
	open := func(alias, region string, part live.Part) bool {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		return g.wait(ctx, alias, region, part) == nil
	}
	if open("b", "r2", live.PartServices) {
		t.Fatal("a read went ahead while a delete of a service (every read) was open")
	}
	g.ended("provider.gone")
	g.ended("provider.q")      // a no-op: counts for nothing
	g.ended("provider.absent") // not of the run
	if !open("a", "r3", live.PartEndpoints) || !open("b", "r2", live.PartServices) {
		t.Error("a part nothing touches waits")
	}
	if open("b", "r2", live.PartEndpoints) {
		t.Error("b/r2's endpoints read while the accept of b's endpoint (any region of b) was open")
	}
	if open("a", "r1", live.PartServices) || open("a", "r1", live.PartConnections) {
		t.Error("a/r1 read while its service's create and accept were open")
	}
	if !open("a", "r1", live.PartEndpoints) {
		t.Error("a/r1's endpoints wait, though nothing open touches them")
	}
	woke := make(chan error, 1)
	go func() { woke <- g.wait(context.Background(), "b", "r2", live.PartEndpoints) }()
	g.ended("provider.p.connection[vpce-1]")
	select {
	case err := <-woke:
		if err != nil {
			t.Errorf("b/r2 woke with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("b/r2 did not wake once the accept ended")
	}
	if !open("a", "r1", live.PartConnections) {
		t.Error("a/r1's connections wait after the accept ended")
	}
	if open("a", "r1", live.PartServices) {
		t.Error("a/r1's services read while its create was open")
	}
	g.release()
	if !open("a", "r1", live.PartServices) {
		t.Error("a/r1 waits after release")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g2 := newScopeGates(m, run)
	if err := g2.wait(ctx, "a", "r1", live.PartServices); err != context.Canceled {
		t.Errorf("a cancelled wait returned %v", err)
	}
}

// TestConfirmReadsSettledScopesDuringApply: once every change touching an
// account-region has ended, Confirm's read of it starts while apply still
// runs (held here in its Ended hook until the sandbox has seen the read,
// which fails on a session that reads only after apply returns); Confirm
// takes that read and converges as a read of its own does, with no
// second read.
func TestConfirmReadsSettledScopesDuringApply(t *testing.T) {
	ctx := context.Background()
	m := load(t)
	s := open(t, m, t.TempDir(), shard.Selection{})
	pl, err := s.Plan(ctx, m, PlanRequest{})
	if err != nil {
		t.Fatal(err)
	}
	count := func(action string) map[[2]string]int {
		out := map[[2]string]int{}
		for _, c := range s.Sandbox().Calls() {
			if c.Action == action {
				out[[2]string{c.Account, c.Region}] += c.Count
			}
		}
		return out
	}
	// Only reads describe permissions (apply modifies them), and a
	// service's are read with its part, once its create and principals
	// have ended: long before its connections are accepted.
	perms := func() map[[2]string]int { return count("DescribeVpcEndpointServicePermissions") }
	zones := func() map[[2]string]int { return count("DescribeAvailabilityZones") }
	before, permsBefore := zones(), perms()
	var mu sync.Mutex
	var seen []string // account-regions read while apply ran
	opts := s.ApplyOptions(apply.Options{})
	opts.Ended = func(addr string) {
		mu.Lock()
		defer mu.Unlock()
		if len(seen) > 0 || s.early == nil {
			return
		}
		g := s.early.gates
		g.mu.Lock()
		var ready []gateKey
		for _, a := range m.Accounts {
			for _, r := range []string{"us-east-1", "us-west-2"} {
				if k := (gateKey{a.ID, r, live.PartServices}); g.ready(k) && len(g.open) > 0 && ownsService(pl.Plan, a.ID, r) {
					ready = append(ready, k)
				}
			}
		}
		g.mu.Unlock()
		if len(ready) == 0 {
			return
		}
		// Hold apply here until the sandbox has seen one of them read.
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			now := perms()
			for _, k := range ready {
				if now[[2]string{k.id, k.region}] > permsBefore[[2]string{k.id, k.region}] {
					seen = append(seen, k.id+"/"+k.region)
				}
			}
			if len(seen) > 0 {
				return
			}
		}
		t.Errorf("the services of %v had nothing left to apply, but were not read while apply ran", ready)
	}
	res, err := s.Apply(ctx, m, pl.Plan, opts, Stopping{InFlight: time.Second})
	if err != nil || res == nil {
		t.Fatalf("apply: %v", err)
	}
	if len(seen) == 0 {
		t.Fatal("no account-region was settled before apply's last change: the test proves nothing")
	}
	afterApply := zones()
	conf, err := s.Confirm(ctx, m, nil)
	if err != nil || len(conf.Left) > 0 {
		t.Fatalf("confirm: %v %+v", err, conf)
	}
	if s.early != nil {
		t.Error("Confirm left the read begun beside apply")
	}
	// One read in all: each account-region's zones read once since
	// apply began, none of them twice.
	final := zones()
	for k, n := range final {
		if d := n - before[k]; d > 1 {
			t.Errorf("%v: zones read %d times by apply's confirmation, want once", k, d)
		}
	}
	if len(final) == 0 || len(afterApply) == 0 {
		t.Fatal("no zones read")
	}
	again, err := s.Plan(ctx, m, PlanRequest{})
	if err != nil || Runnable(again.Plan).HasChanges() {
		t.Fatalf("second plan: %v, changes %v", err, Remaining(again.Plan, nil))
	}
}

// ownsService reports whether the plan makes a service in the
// account-region.
func ownsService(p *plan.Plan, id, region string) bool {
	return slices.ContainsFunc(p.Changes, func(c plan.Change) bool {
		return c.Kind == plan.KindService && c.AccountID == id && c.Region == region
	})
}

// TestApplyFailureDropsTheEarlyRead: a run that fails leaves no
// confirming read behind; Confirm (not called then) would read anew.
func TestApplyFailureDropsTheEarlyRead(t *testing.T) {
	ctx := context.Background()
	m := load(t)
	s := open(t, m, t.TempDir(), shard.Selection{})
	pl, err := s.Plan(ctx, m, PlanRequest{})
	if err != nil {
		t.Fatal(err)
	}
	s.Sandbox().Inject(sandbox.Fault{Action: "CreateVpcEndpoint", Code: "InvalidParameter", Times: -1})
	res, err := s.Apply(ctx, m, pl.Plan, s.ApplyOptions(apply.Options{}), Stopping{InFlight: time.Second})
	if err == nil || res == nil {
		t.Fatalf("apply: %v (want it to fail)", err)
	}
	if s.early != nil {
		t.Error("a failed apply kept its confirming read")
	}
}
