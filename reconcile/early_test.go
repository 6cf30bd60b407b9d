package reconcile

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/reconcile/shard"
	"github.com/plinkdev/plink/sandbox"
)

// TestTouches: the services a change holds back — its own
// account-region's (and the one a move leaves), the provider's for a DNS
// record, every one for a change whose reach is not known — and none for
// endpoints and connections, which are read after the run anyway.
func TestTouches(t *testing.T) {
	m := &manifest.Manifest{
		Defaults:  manifest.Defaults{Region: "us-east-1"},
		Accounts:  map[string]*manifest.Account{"prov": {ID: "111"}, "cons": {ID: "222"}},
		Providers: []*manifest.Provider{{Name: "api", Account: "prov", Region: "eu-west-1"}, {Name: "home", Account: "prov"}},
	}
	providers := providerScopes(m)
	prov, cons := gateKey{"111", "eu-west-1"}, gateKey{"222", "us-east-1"}
	for _, tc := range []struct {
		name string
		c    plan.Change
		want []gateKey
	}{
		{"principal", plan.Change{Kind: plan.KindPrincipal, Action: plan.Create, AccountID: "111", Region: "eu-west-1"}, []gateKey{prov}},
		{"notification", plan.Change{Kind: plan.KindNotification, Action: plan.Update, AccountID: "111", Region: "eu-west-1"}, []gateKey{prov}},
		{"service made", plan.Change{Kind: plan.KindService, Action: plan.Create, AccountID: "111", Region: "eu-west-1"}, []gateKey{prov}},
		{"service moved", plan.Change{Kind: plan.KindService, Action: plan.Create, AccountID: "111", Region: "eu-west-1", PriorRegion: "us-east-1"}, []gateKey{prov, {"111", "us-east-1"}}},
		{"service deleted", plan.Change{Kind: plan.KindService, Action: plan.Delete, AccountID: "111", Region: "eu-west-1"}, []gateKey{everywhere}},
		{"service changed", plan.Change{Kind: plan.KindService, Action: plan.Update, AccountID: "111", Region: "eu-west-1"}, []gateKey{everywhere}},
		{"accept", plan.Change{Kind: plan.KindConnection, Action: plan.Accept, AccountID: "111", Region: "eu-west-1", After: &plan.Values{EndpointOwner: "222"}}, nil},
		{"endpoint", plan.Change{Kind: plan.KindEndpoint, Action: plan.Create, Address: "consumer.web", AccountID: "222", Region: "us-east-1"}, nil},
		{"dns record in another account", plan.Change{Kind: plan.KindDNSRecord, Action: plan.Create, Address: "provider.api.dns_record", Parent: "provider.api", AccountID: "222", Region: "us-east-1"},
			[]gateKey{cons, prov}},
		{"dns record of no known provider", plan.Change{Kind: plan.KindDNSRecord, Action: plan.Create, Address: "provider.x.dns_record", Parent: "provider.x", AccountID: "222", Region: "us-east-1"},
			[]gateKey{everywhere}},
		{"a kind not known here", plan.Change{Kind: "something", Action: plan.Create, AccountID: "222", Region: "us-east-1"}, []gateKey{everywhere}},
	} {
		if got := touches(&tc.c, providers); !slices.Equal(got, tc.want) {
			t.Errorf("%s: touches %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestScopeGates: an account-region's services wait until every change
// touching them (or everything) has ended; its endpoints and connections
// until the run has ended; no-ops and addresses not of the run count for
// nothing; a cancelled wait returns the context's error.
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
		t.Fatal("services read while a delete of a service (every account-region) was open")
	}
	g.ended("provider.gone")
	g.ended("provider.q")      // a no-op: counts for nothing
	g.ended("provider.absent") // not of the run
	if !open("b", "r2", live.PartServices) || !open("a", "r3", live.PartServices) {
		t.Error("services nothing open touches wait")
	}
	if open("a", "r1", live.PartServices) {
		t.Error("a/r1's services read while its create was open")
	}
	woke := make(chan error, 1)
	go func() { woke <- g.wait(context.Background(), "a", "r1", live.PartServices) }()
	g.ended("provider.p")
	select {
	case err := <-woke:
		if err != nil {
			t.Errorf("a/r1 woke with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a/r1's services did not wake once the create ended")
	}
	g.ended("provider.p.connection[vpce-1]")
	for _, part := range []live.Part{live.PartEndpoints, live.PartConnections} {
		if open("b", "r3", part) || open("a", "r1", part) {
			t.Errorf("%s read before the run ended", part)
		}
	}
	late := make(chan error, 1)
	go func() { late <- g.wait(context.Background(), "b", "r2", live.PartEndpoints) }()
	g.release()
	select {
	case err := <-late:
		if err != nil {
			t.Errorf("b/r2's endpoints woke with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("b/r2's endpoints did not wake once the run ended")
	}
	if !open("a", "r1", live.PartConnections) {
		t.Error("connections wait after release")
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
	// Only reads describe permissions (apply modifies them), and a
	// service's are read with its part, once its create and principals
	// have ended: long before its connections are accepted.
	perms := func() map[[2]string]int { return sandboxCalls(s, "DescribeVpcEndpointServicePermissions") }
	zones := func() map[[2]string]int { return sandboxCalls(s, "DescribeAvailabilityZones") }
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
				if k := (gateKey{a.ID, r}); g.ready(k) && len(g.open) > 0 && ownsService(pl.Plan, a.ID, r) {
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

// TestConfirmSeesWhatOthersDoDuringApply: endpoints and connections are
// read after the run, also where it changes nothing. An undeclared
// endpoint made during apply to a rejectUndeclared service is a change
// left (the reject), and an endpoint that was pending when the run began
// and became available during it is not reported pending (the two cases
// a stranger found when they were read as soon as apply began).
func TestConfirmSeesWhatOthersDoDuringApply(t *testing.T) {
	ctx := context.Background()
	m := load(t)
	s := open(t, m, t.TempDir(), shard.Selection{})
	converge := func(m *manifest.Manifest) {
		t.Helper()
		pl, err := s.Plan(ctx, m, PlanRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Apply(ctx, m, pl.Plan, s.ApplyOptions(apply.Options{}), Stopping{InFlight: time.Second}); err != nil {
			t.Fatal(err)
		}
		if conf, err := s.Confirm(ctx, m, nil); err != nil || len(conf.Left) > 0 {
			t.Fatalf("confirm: %v %+v", err, conf)
		}
	}
	converge(m)
	pl, err := s.Plan(ctx, m, PlanRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var svcName, pendingID string
	for _, sv := range pl.Snapshot.Services {
		if sv.Tags[live.TagName] == "payments-api" {
			svcName = sv.Name
		}
	}
	for _, ep := range pl.Snapshot.Endpoints {
		if ep.Tags[live.TagName] == "payments-analytics" {
			pendingID = ep.ID
		}
	}
	if svcName == "" || pendingID == "" {
		t.Fatalf("payments-api's service %q, payments-analytics's endpoint %q", svcName, pendingID)
	}
	// The next run changes only analytics-ingest (a principal) and
	// checkout (a new consumer of it): payments's account-region, where
	// the outsider's connection and the pending endpoint are, not at all.
	grown := load(t)
	ingest := grown.Providers[1]
	ingest.AllowedPrincipals = append(ingest.AllowedPrincipals, manifest.Principal{Account: "checkout"})
	grown.Consumers = append(grown.Consumers, &manifest.Consumer{Name: "checkout-ingest", Account: "checkout", Region: "us-east-1",
		VPCID: "vpc-02100000000000001", SubnetIDs: []string{"subnet-0210000000000000a"}, SecurityGroupIDs: []string{"sg-02100000000000001"}, Provider: ingest.Name})
	sb := s.Sandbox()
	if err := sb.ForceEndpointState(pendingID, "pending"); err != nil {
		t.Fatal(err)
	}
	next, err := s.Plan(ctx, grown, PlanRequest{})
	if err != nil || !next.Plan.HasChanges() || next.Plan.HasErrors() {
		t.Fatalf("plan: %v, changes %v, errors %v", err, next.Plan.HasChanges(), next.Plan.HasErrors())
	}
	cl, err := s.ClientsIn(ctx, "checkout", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	// payments's reads of what others change there (apply makes no call
	// in payments this run)
	payments := [2]string{"111111111111", "us-east-1"}
	reads := func() (conns, eps int) {
		return sandboxCalls(s, "DescribeVpcEndpointConnections")[payments], sandboxCalls(s, "DescribeVpcEndpoints")[payments]
	}
	conns0, eps0 := reads()
	var once sync.Once
	var outsider string
	opts := s.ApplyOptions(apply.Options{})
	opts.Ended = func(string) {
		once.Do(func() {
			// Let a read that starts early take payments's connections
			// and endpoints first, as it did (up to a second; none does
			// now).
			for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				if conns, eps := reads(); conns > conns0 && eps > eps0 {
					break
				}
			}
			out, err := cl.EC2.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String("vpc-02100000000000001"),
				ServiceName: aws.String(svcName), VpcEndpointType: ec2types.VpcEndpointTypeInterface,
				SubnetIds: []string{"subnet-0210000000000000b"}, SecurityGroupIds: []string{"sg-02100000000000001"}})
			if err != nil {
				t.Errorf("the outsider's endpoint: %v", err)
				return
			}
			outsider = aws.ToString(out.VpcEndpoint.VpcEndpointId)
			if err := sb.ForceEndpointState(pendingID, "available"); err != nil {
				t.Error(err)
			}
		})
	}
	if _, err := s.Apply(ctx, grown, next.Plan, opts, Stopping{InFlight: time.Second}); err != nil {
		t.Fatal(err)
	}
	conf, err := s.Confirm(ctx, grown, nil)
	if err != nil {
		t.Fatal(err)
	}
	if outsider == "" || !slices.ContainsFunc(conf.Left, func(l string) bool { return strings.Contains(l, outsider) && strings.Contains(l, "reject") }) {
		t.Errorf("the undeclared endpoint %s made during apply: left %q, want its reject", outsider, conf.Left)
	}
	for _, u := range conf.After.Unsettled {
		if strings.Contains(u, pendingID) {
			t.Errorf("reported unsettled after it became available during apply: %s", u)
		}
	}
}

// TestConfirmTakesTheLeasedNetwork: after a plan under the lease, apply's
// confirming read describes no subnet, VPC, security group or load
// balancer again, and converges as a read of its own does.
func TestConfirmTakesTheLeasedNetwork(t *testing.T) {
	ctx := context.Background()
	m := load(t)
	s := open(t, m, t.TempDir(), shard.Selection{})
	shown, err := s.Plan(ctx, m, PlanRequest{})
	if err != nil {
		t.Fatal(err)
	}
	held, err := s.Lock(ctx, m, LockOptions{TTL: time.Minute, Network: shown.Snapshot})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release(time.Second)
	p, d, err := s.Replan(held.Context, m, shown.Plan)
	if err != nil || d != "" {
		t.Fatalf("replan: %v %q", err, d)
	}
	count := func() int { return sum(sandboxCalls(s, networkCalls...)) }
	before := count()
	if _, err := s.Apply(held.Context, m, p, s.ApplyOptions(apply.Options{}), Stopping{InFlight: time.Second}); err != nil {
		t.Fatal(err)
	}
	conf, err := s.Confirm(held.Context, m, nil)
	if err != nil || len(conf.Left) > 0 {
		t.Fatalf("confirm: %v %+v", err, conf)
	}
	if n := count() - before; n != 0 {
		t.Errorf("apply and its confirming read described the network %d times", n)
	}
}
