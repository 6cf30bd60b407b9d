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
