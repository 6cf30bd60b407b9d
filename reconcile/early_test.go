package reconcile

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/reconcile/shard"
	"github.com/plinkdev/plink/sandbox"
)

// TestTouches: what each kind of change holds back — its own
// account-region, the other side of a connection, the service an endpoint
// connects to — and every read for a change whose reach is not known.
func TestTouches(t *testing.T) {
	m := &manifest.Manifest{
		Defaults:  manifest.Defaults{Region: "us-east-1"},
		Accounts:  map[string]*manifest.Account{"prov": {ID: "111"}, "cons": {ID: "222"}},
		Providers: []*manifest.Provider{{Name: "api", Account: "prov", Region: "eu-west-1"}, {Name: "home", Account: "prov"}},
		Consumers: []*manifest.Consumer{{Name: "web", Account: "cons", Provider: "api"}, {Name: "db", Account: "cons", Provider: "home"}, {Name: "s3", Account: "cons"}},
	}
	ix := newServiceIndex(m)
	own := gateKey{"222", "us-east-1"}
	for _, tc := range []struct {
		name string
		c    plan.Change
		want []gateKey
	}{
		{"principal", plan.Change{Kind: plan.KindPrincipal, Action: plan.Create, AccountID: "111", Region: "eu-west-1"}, []gateKey{{"111", "eu-west-1"}}},
		{"notification", plan.Change{Kind: plan.KindNotification, Action: plan.Update, AccountID: "111", Region: "eu-west-1"}, []gateKey{{"111", "eu-west-1"}}},
		{"service made", plan.Change{Kind: plan.KindService, Action: plan.Create, AccountID: "111", Region: "eu-west-1"}, []gateKey{{"111", "eu-west-1"}}},
		{"service deleted", plan.Change{Kind: plan.KindService, Action: plan.Delete, AccountID: "111", Region: "eu-west-1"}, []gateKey{everywhere}},
		{"service changed", plan.Change{Kind: plan.KindService, Action: plan.Update, AccountID: "111", Region: "eu-west-1"}, []gateKey{everywhere}},
		{"accept", plan.Change{Kind: plan.KindConnection, Action: plan.Accept, AccountID: "111", Region: "eu-west-1", After: &plan.Values{EndpointOwner: "222"}},
			[]gateKey{{"111", "eu-west-1"}, {"222", anyRegion}}},
		{"reject, owner before", plan.Change{Kind: plan.KindConnection, Action: plan.Reject, AccountID: "111", Region: "eu-west-1", Before: &plan.Values{EndpointOwner: "333"}},
			[]gateKey{{"111", "eu-west-1"}, {"333", anyRegion}}},
		{"connection of no known owner", plan.Change{Kind: plan.KindConnection, Action: plan.Reject, AccountID: "111", Region: "eu-west-1"}, []gateKey{everywhere}},
		{"endpoint of a provider elsewhere", plan.Change{Kind: plan.KindEndpoint, Action: plan.Create, Address: "consumer.web", AccountID: "222", Region: "us-east-1"},
			[]gateKey{own, {"111", "eu-west-1"}}},
		{"endpoint of a provider in the default region", plan.Change{Kind: plan.KindEndpoint, Action: plan.Create, Address: "consumer.db", AccountID: "222", Region: "us-east-1"},
			[]gateKey{own, {"111", "us-east-1"}}},
		{"endpoint of an AWS service", plan.Change{Kind: plan.KindEndpoint, Action: plan.Create, Address: "consumer.s3", AccountID: "222", Region: "us-east-1", After: &plan.Values{ServiceName: "com.amazonaws.us-east-1.s3"}},
			[]gateKey{own}},
		{"endpoint of an account's service", plan.Change{Kind: plan.KindEndpoint, Action: plan.Create, Address: "consumer.x", AccountID: "222", Region: "us-east-1", After: &plan.Values{ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-0123"}},
			[]gateKey{everywhere}},
		{"endpoint deleted, not declared", plan.Change{Kind: plan.KindEndpoint, Action: plan.Delete, Address: "consumer.gone", AccountID: "222", Region: "us-east-1", Before: &plan.Values{ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-0123"}},
			[]gateKey{everywhere}},
		{"endpoint moved to another region", plan.Change{Kind: plan.KindEndpoint, Action: plan.Replace, Address: "consumer.web", AccountID: "222", Region: "us-east-1", PriorRegion: "us-west-2"},
			[]gateKey{own, {"222", "us-west-2"}, {"111", "eu-west-1"}}},
		{"dns record in another account", plan.Change{Kind: plan.KindDNSRecord, Action: plan.Create, Address: "provider.api.dns_record", Parent: "provider.api", AccountID: "222", Region: "us-east-1"},
			[]gateKey{own, {"111", "eu-west-1"}}},
		{"dns record of no known provider", plan.Change{Kind: plan.KindDNSRecord, Action: plan.Create, Address: "provider.x.dns_record", Parent: "provider.x", AccountID: "222", Region: "us-east-1"},
			[]gateKey{everywhere}},
		{"a kind not known here", plan.Change{Kind: "something", Action: plan.Create, AccountID: "222", Region: "us-east-1"}, []gateKey{everywhere}},
	} {
		if got := touches(&tc.c, ix); !slices.Equal(got, tc.want) {
			t.Errorf("%s: touches %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestScopeGates: a read waits until every change touching its
// account-region, its account or everything has ended; no-ops and
// addresses not of the run count for nothing; release opens all; a
// cancelled wait returns the context's error.
func TestScopeGates(t *testing.T) {
	m := &manifest.Manifest{Accounts: map[string]*manifest.Account{"a": {ID: "111"}, "b": {ID: "222"}}}
	run := &plan.Plan{Changes: []plan.Change{
		{Address: "provider.p", Kind: plan.KindService, Action: plan.Create, AccountID: "111", Region: "r1"},
		{Address: "provider.p.connection[x]", Kind: plan.KindConnection, Action: plan.Accept, AccountID: "111", Region: "r1", After: &plan.Values{EndpointOwner: "222"}},
		{Address: "provider.q", Kind: plan.KindService, Action: plan.NoOp, AccountID: "222", Region: "r2"},
		{Address: "provider.gone", Kind: plan.KindService, Action: plan.Delete, AccountID: "111", Region: "r9"},
	}}
	g := newScopeGates(m, run)
	open := func(alias, region string) bool {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		return g.wait(ctx, alias, region) == nil
	}
	if open("b", "r2") {
		t.Fatal("a read went ahead while a delete of a service (every read) was open")
	}
	g.ended("provider.gone")
	g.ended("provider.q")      // a no-op: counts for nothing
	g.ended("provider.absent") // not of the run
	if !open("a", "r3") {
		t.Error("a/r3: nothing touches it, yet the read waits")
	}
	if open("b", "r2") {
		t.Error("b/r2 read while the accept of b's endpoint (any region of b) was open")
	}
	if open("a", "r1") {
		t.Error("a/r1 read while its service's create was open")
	}
	woke := make(chan error, 1)
	go func() { woke <- g.wait(context.Background(), "b", "r2") }()
	g.ended("provider.p.connection[x]")
	select {
	case err := <-woke:
		if err != nil {
			t.Errorf("b/r2 woke with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("b/r2 did not wake once the accept ended")
	}
	if open("a", "r1") {
		t.Error("a/r1 read while its service's create was open")
	}
	g.release()
	if !open("a", "r1") {
		t.Error("a/r1 waits after release")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g2 := newScopeGates(m, run)
	if err := g2.wait(ctx, "a", "r1"); err != context.Canceled {
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
	zones := func() map[[2]string]int {
		out := map[[2]string]int{}
		for _, c := range s.Sandbox().Calls() {
			if c.Action == "DescribeAvailabilityZones" {
				out[[2]string{c.Account, c.Region}] += c.Count
			}
		}
		return out
	}
	before := zones()
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
				if k := (gateKey{a.ID, r}); g.ready(k) && len(g.open) > 0 {
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
			now := zones()
			for _, k := range ready {
				if now[[2]string{k.id, k.region}] > before[[2]string{k.id, k.region}] {
					seen = append(seen, k.id+"/"+k.region)
				}
			}
			if len(seen) > 0 {
				return
			}
		}
		t.Errorf("account-regions %v had nothing left to apply, but were not read while apply ran", ready)
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
