package status_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

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

// fakeELB serves n target groups behind one load balancer each, counting
// the calls in flight; DescribeTargetHealth of group failAt fails.
type fakeELB struct {
	mu            sync.Mutex
	n, failAt     int
	inFlight, max int
}

func (f *fakeELB) enter() func() {
	f.mu.Lock()
	f.inFlight++
	f.max = max(f.max, f.inFlight)
	f.mu.Unlock()
	time.Sleep(2 * time.Millisecond)
	return func() { f.mu.Lock(); f.inFlight--; f.mu.Unlock() }
}

func (f *fakeELB) DescribeTargetGroups(context.Context, *elbv2.DescribeTargetGroupsInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupsOutput, error) {
	out := &elbv2.DescribeTargetGroupsOutput{}
	for i := range f.n {
		out.TargetGroups = append(out.TargetGroups, elbtypes.TargetGroup{TargetGroupArn: aws.String(fmt.Sprintf("arn:tg/%d", i)), LoadBalancerArns: []string{fmt.Sprintf("arn:lb/%d", i)}})
	}
	return out, nil
}

func (f *fakeELB) DescribeTargetHealth(_ context.Context, in *elbv2.DescribeTargetHealthInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error) {
	defer f.enter()()
	if aws.ToString(in.TargetGroupArn) == fmt.Sprintf("arn:tg/%d", f.failAt) {
		return nil, errors.New("Throttling: rate exceeded")
	}
	return &elbv2.DescribeTargetHealthOutput{TargetHealthDescriptions: []elbtypes.TargetHealthDescription{{
		Target: &elbtypes.TargetDescription{Id: aws.String("i-1"), AvailabilityZone: aws.String("us-east-1a")}, TargetHealth: &elbtypes.TargetHealth{State: elbtypes.TargetHealthStateEnumHealthy}}}}, nil
}

func (f *fakeELB) DescribeLoadBalancerAttributes(context.Context, *elbv2.DescribeLoadBalancerAttributesInput, ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancerAttributesOutput, error) {
	defer f.enter()()
	return &elbv2.DescribeLoadBalancerAttributesOutput{Attributes: []elbtypes.LoadBalancerAttribute{{Key: aws.String("load_balancing.cross_zone.enabled"), Value: aws.String("true")}}}, nil
}

// TestTargetHealthCallsInFlight: the per-group and per-load-balancer calls
// run a few at once per account-region (never more than 4), and a failure
// among them is recorded once, naming its call, with no load balancer half
// read.
func TestTargetHealthCallsInFlight(t *testing.T) {
	const n = 30
	lv := &live.Snapshot{Scopes: []live.Scope{{Account: "payments", AccountID: "111111111111", Region: "us-east-1"}}}
	m := &manifest.Manifest{Project: "p", Defaults: manifest.Defaults{Region: "us-east-1"}, Accounts: map[string]*manifest.Account{"payments": {ID: "111111111111"}}}
	for i := range n {
		name := fmt.Sprintf("svc%d", i)
		lv.Services = append(lv.Services, live.Service{AccountID: "111111111111", Region: "us-east-1", ID: "vpce-svc-" + name, State: "Available",
			NetworkLoadBalancerARNs: []string{fmt.Sprintf("arn:lb/%d", i)}, Tags: map[string]string{live.TagProject: "p", live.TagName: name}})
		m.Providers = append(m.Providers, &manifest.Provider{Name: name, Account: "payments"})
		m.Consumers = append(m.Consumers, &manifest.Consumer{Name: "c" + name, Provider: name})
	}
	for _, tc := range []struct {
		failAt   int
		failures int
	}{{-1, 0}, {17, 1}} {
		f := &fakeELB{n: n, failAt: tc.failAt}
		src := func(context.Context, string, string) (status.ELBAPI, error) { return f, nil }
		snap, err := status.ReadTargetHealthAPIs(context.Background(), m, lv, src, status.ReadOptions{})
		if f.max > 4 || f.max < 2 {
			t.Errorf("fail at %d: %d calls in flight at most, want 2 to 4", tc.failAt, f.max)
		}
		if len(snap.Failures) != tc.failures || (tc.failures == 0) != (err == nil) {
			t.Fatalf("fail at %d: failures %+v, err %v", tc.failAt, snap.Failures, err)
		}
		if tc.failures == 0 {
			if len(snap.LoadBalancers) != n || !snap.LoadBalancers[0].CrossZone || len(snap.LoadBalancers[0].TargetGroups[0].Targets) != 1 {
				t.Errorf("read %d load balancers: %+v", len(snap.LoadBalancers), snap.LoadBalancers[0])
			}
			continue
		}
		if fl := snap.Failures[0]; fl.Call != status.CallTargetHealth || !strings.Contains(fl.Error, "Throttling") || len(snap.LoadBalancers) != 0 {
			t.Errorf("failure %+v, %d load balancers", fl, len(snap.LoadBalancers))
		}
		// The failure keeps its cause, for errors.Is and errors.As.
		if fl := snap.Failures[0]; fl.Err == nil || !strings.Contains(fl.Err.Error(), "Throttling") {
			t.Errorf("failure's cause %v, want the Throttling error", fl.Err)
		}
	}
}
