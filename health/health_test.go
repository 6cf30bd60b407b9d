package health_test

import (
	"fmt"
	"testing"

	"github.com/plinkdev/plink/health"
	"github.com/plinkdev/plink/live"
)

const lbARN = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/api/0123456789abcdef"

func snap() *live.Snapshot {
	return &live.Snapshot{
		Zones: []live.Zone{{AccountID: "111111111111", Region: "us-east-1", Name: "us-east-1a", ID: "use1-az1"}, {AccountID: "111111111111", Region: "us-east-1", Name: "us-east-1b", ID: "use1-az2"}},
		Subnets: []live.Subnet{{AccountID: "222222222222", ID: "subnet-a", ZoneID: "use1-az1"}, {AccountID: "222222222222", ID: "subnet-b", ZoneID: "use1-az2"},
			{AccountID: "333333333333", ID: "subnet-c", ZoneID: "use1-az2"}, {AccountID: "222222222222", ID: "subnet-x", ZoneID: "use1-az9"}},
		Services: []live.Service{
			{AccountID: "111111111111", Region: "us-east-1", ID: "vpce-svc-1", Name: "svc", State: "Available", NetworkLoadBalancerARNs: []string{lbARN}, AvailabilityZoneIDs: []string{"use1-az1", "use1-az2"}},
			{AccountID: "111111111111", Region: "us-east-1", ID: "vpce-svc-old", Name: "old", State: "Deleted", NetworkLoadBalancerARNs: []string{lbARN}},
		},
		Endpoints: []live.Endpoint{
			{AccountID: "333333333333", Region: "us-east-1", ID: "vpce-3", ServiceName: "svc", State: "pendingAcceptance", SubnetIDs: []string{"subnet-c"}},
			{AccountID: "222222222222", Region: "us-east-1", ID: "vpce-1", ServiceName: "svc", State: "available", SubnetIDs: []string{"subnet-a", "subnet-b", "subnet-x"},
				Tags: map[string]string{live.TagName: "checkout"}},
			{AccountID: "222222222222", Region: "us-east-1", ID: "vpce-2", ServiceName: "svc", State: "rejected", SubnetIDs: []string{"subnet-a"}},
			{AccountID: "222222222222", Region: "us-west-2", ID: "vpce-4", ServiceName: "svc", State: "available", SubnetIDs: []string{"subnet-a"}},
			{AccountID: "222222222222", Region: "us-east-1", ID: "vpce-5", ServiceName: "old", State: "available", SubnetIDs: []string{"subnet-a"}},
		},
	}
}

func lb(crossZone bool, targets ...health.TargetHealth) []health.LoadBalancerHealth {
	return []health.LoadBalancerHealth{{ARN: lbARN, AccountID: "111111111111", Region: "us-east-1", CrossZone: crossZone,
		TargetGroups: []health.TargetGroupHealth{{ARN: "arn:tg-b", Targets: targets}, {ARN: "arn:tg-a"}}}}
}

func TestZoneFindings(t *testing.T) {
	up := func(zone string) health.TargetHealth {
		return health.TargetHealth{ID: "i-" + zone, Zone: zone, State: "healthy"}
	}
	down := func(zone string) health.TargetHealth {
		return health.TargetHealth{ID: "i-" + zone, Zone: zone, State: "unhealthy"}
	}
	for _, tc := range []struct {
		name string
		lbs  []health.LoadBalancerHealth
		want string // zone:reason ...
	}{
		{"not read: no judgement", nil, "[]"},
		{"healthy in both", lb(false, up("us-east-1a"), up("us-east-1b")), "[]"},
		{"one zone down", lb(false, up("us-east-1a"), down("us-east-1b")), "[use1-az2:" + health.ReasonCrossZoneOff + "]"},
		{"a zone id as the target's zone", lb(false, up("use1-az1"), down("use1-az2")), "[use1-az2:" + health.ReasonCrossZoneOff + "]"},
		{"cross-zone covers", lb(true, up("us-east-1a")), "[]"},
		{"cross-zone, nothing healthy", lb(true, down("us-east-1a")), "[use1-az1:" + health.ReasonNoneHealthy + " use1-az2:" + health.ReasonNoneHealthy + "]"},
		{"target in all zones", lb(false, up("all")), "[]"},
		{"zone unknown", lb(false, up("")), "[]"},
		{"no target group", []health.LoadBalancerHealth{{ARN: lbARN, AccountID: "111111111111", Region: "us-east-1"}}, "[use1-az1:" + health.ReasonNoTargetGroup + " use1-az2:" + health.ReasonNoTargetGroup + "]"},
	} {
		var got []string
		for _, f := range health.ZoneFindings(snap(), tc.lbs) {
			got = append(got, f.ZoneID+":"+f.Reason)
			if f.ServiceID != "vpce-svc-1" || f.ServiceName != "svc" || f.AccountID != "111111111111" || f.Region != "us-east-1" || f.LoadBalancerARN != lbARN {
				t.Errorf("%s: finding names %+v", tc.name, f)
			}
		}
		if s := fmt.Sprintf("%q", got); fmt.Sprint(got) != tc.want && !(got == nil && tc.want == "[]") {
			t.Errorf("%s: findings %s, want %s", tc.name, s, tc.want)
		}
	}
}

// TestZoneFindingDetail: the consumers of a zone are the usable or waiting
// endpoints with a subnet there, in the service's region, sorted; the
// target groups are sorted; message and hint name them.
func TestZoneFindingDetail(t *testing.T) {
	fs := health.ZoneFindings(snap(), lb(false, health.TargetHealth{Zone: "us-east-1a", State: "healthy"}, health.TargetHealth{Zone: "us-east-1b", State: "draining"}))
	if len(fs) != 1 {
		t.Fatalf("findings %+v, want one", fs)
	}
	f := fs[0]
	want := []health.Affected{{AccountID: "222222222222", EndpointID: "vpce-1", Consumer: "checkout"}, {AccountID: "333333333333", EndpointID: "vpce-3"}}
	if fmt.Sprint(f.Consumers) != fmt.Sprint(want) || fmt.Sprint(f.TargetGroups) != "[arn:tg-a arn:tg-b]" {
		t.Errorf("consumers %+v, target groups %v", f.Consumers, f.TargetGroups)
	}
	if got := f.Message(); got != "load balancer net/api of service vpce-svc-1 has no healthy target in use1-az2 and cross-zone load balancing is off: connections from 2 endpoints there are reset" {
		t.Errorf("message %q", got)
	}
	if got := f.Hint(); got != "fix the targets in use1-az2 (aws elbv2 describe-target-health), register healthy ones there, or turn on cross-zone load balancing on the load balancer" {
		t.Errorf("hint %q", got)
	}
	if health.ZoneFindings(nil, nil) != nil {
		t.Error("nil snapshot gave findings")
	}
	if got := health.LBShort("arn:aws:s3:::bucket"); got != "arn:aws:s3:::bucket" {
		t.Errorf("LBShort of a non-load-balancer ARN = %q", got)
	}
}

const lb2ARN = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/second/fedcba9876543210"

// twoLBs is snap with a second load balancer behind the service, enabled
// only in us-east-1a (use1-az1) while the first is in both zones.
func twoLBs() *live.Snapshot {
	s := snap()
	s.Services[0].NetworkLoadBalancerARNs = []string{lbARN, lb2ARN}
	s.LoadBalancers = []live.LoadBalancer{
		{AccountID: "111111111111", Region: "us-east-1", ARN: lbARN, Zones: []string{"us-east-1a", "us-east-1b"}},
		{AccountID: "111111111111", Region: "us-east-1", ARN: lb2ARN, Zones: []string{"us-east-1a"}},
	}
	return s
}

// TestZoneFindingsPerLoadBalancerZones: a zone is judged only by the load
// balancers enabled in it; with several there, the finding names the one
// without a healthy target and the others.
func TestZoneFindingsPerLoadBalancerZones(t *testing.T) {
	lbh := func(arn string, targets ...health.TargetHealth) health.LoadBalancerHealth {
		return health.LoadBalancerHealth{ARN: arn, AccountID: "111111111111", Region: "us-east-1",
			TargetGroups: []health.TargetGroupHealth{{ARN: "arn:tg-" + health.LBShort(arn), Targets: targets}}}
	}
	up := func(zone string) health.TargetHealth {
		return health.TargetHealth{ID: "i-" + zone, Zone: zone, State: "healthy"}
	}
	down := func(zone string) health.TargetHealth {
		return health.TargetHealth{ID: "i-" + zone, Zone: zone, State: "unhealthy"}
	}
	got := func(s *live.Snapshot, lbs ...health.LoadBalancerHealth) []string {
		var out []string
		for _, f := range health.ZoneFindings(s, lbs) {
			out = append(out, health.LBShort(f.LoadBalancerARN)+"@"+f.ZoneID)
		}
		return out
	}
	// The second has targets only in its own zone: use1-az2 is the first's
	// alone, and it is healthy there.
	if fs := got(twoLBs(), lbh(lbARN, up("us-east-1a"), up("us-east-1b")), lbh(lb2ARN, up("us-east-1a"))); len(fs) != 0 {
		t.Errorf("second enabled in fewer zones, all healthy: findings %v", fs)
	}
	// The first has no healthy target in use1-az2: that is a finding, the
	// second is not blamed for a zone it is not in.
	if fs := fmt.Sprint(got(twoLBs(), lbh(lbARN, up("us-east-1a"), down("us-east-1b")), lbh(lb2ARN, up("us-east-1a")))); fs != "[net/api@use1-az2]" {
		t.Errorf("first down in use1-az2: findings %s", fs)
	}
	// Both serve use1-az1 and the second is down there: it is named, with
	// the other one serving the zone.
	fs := health.ZoneFindings(twoLBs(), []health.LoadBalancerHealth{lbh(lbARN, up("us-east-1a"), up("us-east-1b")), lbh(lb2ARN, down("us-east-1a"))})
	if len(fs) != 1 || fs[0].LoadBalancerARN != lb2ARN || fs[0].ZoneID != "use1-az1" || fmt.Sprint(fs[0].Serving) != fmt.Sprint([]string{lbARN, lb2ARN}) {
		t.Fatalf("second down in use1-az1: findings %+v", fs)
	}
	if m := fs[0].Message(); m != "load balancer net/second (one of 2 load balancers enabled in use1-az1, with net/api) of service vpce-svc-1 has no healthy target in use1-az1 and "+
		health.ReasonNoneHealthy+": connections from the 1 endpoint there that AWS sends to it are reset" {
		t.Errorf("message %q", m)
	}
	// A second load balancer whose zones were not read is not judged (no
	// facts), and the first still is.
	s := twoLBs()
	s.LoadBalancers = s.LoadBalancers[:1]
	if fs := fmt.Sprint(got(s, lbh(lbARN, up("us-east-1a"), down("us-east-1b")), lbh(lb2ARN, down("us-east-1a")))); fs != "[net/api@use1-az2]" {
		t.Errorf("second's zones unknown: findings %s", fs)
	}
	// A zone name that does not map to an id is not guessed at.
	s = twoLBs()
	s.LoadBalancers[1].Zones = []string{"us-east-1z"}
	if fs := got(s, lbh(lbARN, up("us-east-1a"), up("us-east-1b")), lbh(lb2ARN, down("us-east-1a"))); len(fs) != 0 {
		t.Errorf("second in an unmapped zone: findings %v", fs)
	}
}

// Plan and drift name the reset endpoints and the target groups alike.
func TestZoneFindingAffectedAndGroups(t *testing.T) {
	f := health.ZoneFinding{Consumers: []health.Affected{
		{AccountID: "111111111111", EndpointID: "vpce-1", Consumer: "checkout"},
		{AccountID: "222222222222", EndpointID: "vpce-2"},
	}}
	label := func(id string) string { return "acct-" + id[:1] }
	got := f.Affected(label)
	want := []string{"consumer.checkout (endpoint vpce-1 of account acct-1)", "endpoint vpce-2 of account acct-2"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Affected = %q, want %q", got, want)
	}
	if g := f.Groups(); g != "none" {
		t.Errorf("Groups of none = %q, want none", g)
	}
	f.TargetGroups = []string{"tg-a", "tg-b"}
	if g := f.Groups(); g != "tg-a, tg-b" {
		t.Errorf("Groups = %q", g)
	}
}
