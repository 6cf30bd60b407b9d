package status_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/plinkdev/plink/health"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/status"
)

// TestReadTargetHealth: plan's and drift's read is the ELB part only, for
// the providers that have consumers, in their account-regions: one call of
// each kind here, and the same zone finding as status.
func TestReadTargetHealth(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	elb := func(_ context.Context, account, region string) (status.ELBAPI, error) {
		return e.srv.Clients(t, account, region).ELB, nil
	}
	lv, err := live.ReadAPIs(ctx, e.m, e.lv, live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ids := status.ConsumedServices(e.m, lv); len(ids) != 1 || !strings.HasPrefix(ids[0], "vpce-svc-") {
		t.Fatalf("consumed services %v, want payments-api's", ids)
	}
	if err := e.srv.Sandbox.ForceTargetHealth(paymentsNLB, "use1-az4", "unhealthy"); err != nil {
		t.Fatal(err)
	}
	e.srv.Sandbox.ResetCalls()
	snap, err := status.ReadTargetHealthAPIs(ctx, e.m, lv, elb, status.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]int{}
	for _, c := range e.srv.Sandbox.Calls() {
		calls[c.Action+" "+c.Account] += c.Count
	}
	want := map[string]int{"DescribeTargetGroups 111111111111": 1, "DescribeTargetHealth 111111111111": 1, "DescribeLoadBalancerAttributes 111111111111": 1}
	if len(calls) != len(want) {
		t.Errorf("calls %v, want only %v", calls, want)
	}
	for k, n := range want {
		if calls[k] != n {
			t.Errorf("%s: %d calls, want %d (all: %v)", k, calls[k], n, calls)
		}
	}
	if len(snap.LoadBalancers) != 1 || snap.LoadBalancers[0].ARN != paymentsNLB || len(snap.Metrics) != 0 || len(snap.Visible) != 0 {
		t.Errorf("snapshot: %+v", snap)
	}
	if zf := health.ZoneFindings(lv, snap.LoadBalancers); len(zf) != 1 || zf[0].ZoneID != "use1-az4" || zf[0].Consumers[0].Consumer != "checkout-payments" {
		t.Errorf("zone findings %+v", zf)
	}

	// A provider nobody consumes is not read at all.
	m := *e.m
	m.Consumers = m.Consumers[1:] // analytics-s3 only (an AWS service)
	e.srv.Sandbox.ResetCalls()
	if snap, err = status.ReadTargetHealthAPIs(ctx, &m, lv, elb, status.ReadOptions{}); err != nil || len(snap.LoadBalancers) != 0 || len(e.srv.Sandbox.Calls()) != 0 {
		t.Errorf("no consumers: err %v, %d load balancers, calls %v", err, len(snap.LoadBalancers), e.srv.Sandbox.Calls())
	}

	// A failed read names the account, region and call.
	deny := func(context.Context, string, string) (status.ELBAPI, error) {
		return nil, errors.New("AccessDenied: not authorized to perform elasticloadbalancing:DescribeTargetGroups")
	}
	_, err = status.ReadTargetHealthAPIs(ctx, e.m, lv, deny, status.ReadOptions{})
	var re *live.ReadError
	if !errors.As(err, &re) || len(re.Failures) != 1 || re.Failures[0].Account != "payments" || re.Failures[0].Region != "us-east-1" {
		t.Errorf("err = %v, want one failure naming payments us-east-1", err)
	}
	if status.ConsumedServices(nil, lv) != nil {
		t.Error("a nil manifest has consumed services")
	}
}

// TestConsumedServices: by adopt id, by tags under the name or a former
// name, in the provider's account and region; never another project's.
func TestConsumedServices(t *testing.T) {
	m := &manifest.Manifest{Project: "p", Defaults: manifest.Defaults{Region: "us-east-1"},
		Accounts: map[string]*manifest.Account{"pay": {ID: "111111111111"}},
		Providers: []*manifest.Provider{
			{Name: "adopted", Account: "pay", Adopt: "vpce-svc-a"},
			{Name: "renamed", Account: "pay", RenamedFrom: []string{"old"}},
			{Name: "lonely", Account: "pay"},
			{Name: "west", Account: "pay", Region: "us-west-2"},
		},
		Consumers: []*manifest.Consumer{{Name: "c1", Provider: "adopted"}, {Name: "c2", Provider: "renamed"}, {Name: "c3", Provider: "west"}, {Name: "c4", ServiceName: "com.amazonaws.us-east-1.s3"}},
	}
	tags := func(project, name string) map[string]string {
		return map[string]string{live.TagProject: project, live.TagName: name}
	}
	lv := &live.Snapshot{Services: []live.Service{
		{AccountID: "111111111111", Region: "us-east-1", ID: "vpce-svc-a"},
		{AccountID: "111111111111", Region: "us-east-1", ID: "vpce-svc-old", Tags: tags("p", "old")},
		{AccountID: "111111111111", Region: "us-east-1", ID: "vpce-svc-lonely", Tags: tags("p", "lonely")},
		{AccountID: "111111111111", Region: "us-east-1", ID: "vpce-svc-other", Tags: tags("q", "renamed")},
		{AccountID: "111111111111", Region: "us-east-1", ID: "vpce-svc-west-in-east", Tags: tags("p", "west")},
		{AccountID: "111111111111", Region: "us-west-2", ID: "vpce-svc-west", Tags: tags("p", "west")},
	}}
	if got := strings.Join(status.ConsumedServices(m, lv), " "); got != "vpce-svc-a vpce-svc-old vpce-svc-west" {
		t.Errorf("consumed services %q", got)
	}
}
