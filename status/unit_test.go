package status_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/status"
)

const lbARN = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/api/0123456789abcdef"

func zoneSnap() *live.Snapshot {
	return &live.Snapshot{
		Zones:    []live.Zone{{AccountID: "111111111111", Region: "us-east-1", Name: "us-east-1a", ID: "use1-az1"}, {AccountID: "111111111111", Region: "us-east-1", Name: "us-east-1b", ID: "use1-az2"}},
		Subnets:  []live.Subnet{{AccountID: "222222222222", ID: "subnet-a", ZoneID: "use1-az1"}, {AccountID: "222222222222", ID: "subnet-b", ZoneID: "use1-az2"}},
		Services: []live.Service{{AccountID: "111111111111", Region: "us-east-1", ID: "vpce-svc-1", Name: "svc", State: "Available", NetworkLoadBalancerARNs: []string{lbARN}, AvailabilityZoneIDs: []string{"use1-az1", "use1-az2"}}},
		Endpoints: []live.Endpoint{{AccountID: "222222222222", Region: "us-east-1", ID: "vpce-1", ServiceName: "svc", State: "available", SubnetIDs: []string{"subnet-a", "subnet-b"}},
			{AccountID: "222222222222", Region: "us-east-1", ID: "vpce-2", ServiceName: "svc", State: "rejected", SubnetIDs: []string{"subnet-a"}}},
	}
}

func TestZoneFindingsCases(t *testing.T) {
	tg := func(targets ...status.TargetHealth) []status.TargetGroupHealth {
		return []status.TargetGroupHealth{{ARN: "arn:tg", Targets: targets}}
	}
	for _, tc := range []struct {
		name  string
		lbs   []status.LoadBalancerHealth
		zones []string
	}{
		{"not read: no judgement", nil, nil},
		{"healthy in both", []status.LoadBalancerHealth{{ARN: lbARN, AccountID: "111111111111", Region: "us-east-1", TargetGroups: tg(status.TargetHealth{Zone: "us-east-1a", State: "healthy"}, status.TargetHealth{Zone: "us-east-1b", State: "healthy"})}}, nil},
		{"one zone down", []status.LoadBalancerHealth{{ARN: lbARN, AccountID: "111111111111", Region: "us-east-1", TargetGroups: tg(status.TargetHealth{Zone: "us-east-1a", State: "healthy"}, status.TargetHealth{Zone: "us-east-1b", State: "draining"})}}, []string{"use1-az2"}},
		{"cross-zone covers", []status.LoadBalancerHealth{{ARN: lbARN, AccountID: "111111111111", Region: "us-east-1", CrossZone: true, TargetGroups: tg(status.TargetHealth{Zone: "us-east-1a", State: "healthy"})}}, nil},
		{"target in all zones", []status.LoadBalancerHealth{{ARN: lbARN, AccountID: "111111111111", Region: "us-east-1", TargetGroups: tg(status.TargetHealth{Zone: "all", State: "healthy"})}}, nil},
		{"no target group", []status.LoadBalancerHealth{{ARN: lbARN, AccountID: "111111111111", Region: "us-east-1", CrossZone: true}}, []string{"use1-az1", "use1-az2"}},
	} {
		got := status.ZoneFindings(zoneSnap(), tc.lbs)
		var zones []string
		for _, f := range got {
			zones = append(zones, f.ZoneID)
			if len(f.Consumers) != 1 || f.Consumers[0].EndpointID != "vpce-1" {
				t.Errorf("%s: consumers %+v, want only the available vpce-1", tc.name, f.Consumers)
			}
		}
		if fmt.Sprint(zones) != fmt.Sprint(tc.zones) && !(len(zones) == 0 && len(tc.zones) == 0) {
			t.Errorf("%s: zones %v, want %v", tc.name, zones, tc.zones)
		}
	}
	if status.ZoneFindings(nil, nil) != nil {
		t.Error("nil snapshot gave findings")
	}
}

type emptyEC2 struct{}

func (emptyEC2) DescribeVpcEndpointServices(context.Context, *ec2.DescribeVpcEndpointServicesInput, ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServicesOutput, error) {
	return &ec2.DescribeVpcEndpointServicesOutput{}, nil
}

type countingCW struct{ calls, queries int }

func (c *countingCW) GetMetricData(_ context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	c.calls++
	c.queries += len(in.MetricDataQueries)
	if len(in.MetricDataQueries) > 500 {
		return nil, fmt.Errorf("too many queries: %d", len(in.MetricDataQueries))
	}
	return &cloudwatch.GetMetricDataOutput{}, nil
}

// TestMetricBatches: 101 endpoints make 505 queries, sent in 2 calls.
func TestMetricBatches(t *testing.T) {
	lv := &live.Snapshot{Scopes: []live.Scope{{Account: "checkout", AccountID: "222222222222", Region: "us-east-1"}}}
	for i := range 101 {
		lv.Endpoints = append(lv.Endpoints, live.Endpoint{AccountID: "222222222222", Region: "us-east-1", ID: fmt.Sprintf("vpce-%d", i), ServiceName: "com.amazonaws.us-east-1.s3", State: "available", Type: "Interface"})
	}
	cw := &countingCW{}
	src := func(context.Context, string, string) (status.EC2API, status.ELBAPI, status.CloudWatchAPI, error) {
		return emptyEC2{}, nil, cw, nil
	}
	snap, _ := status.ReadAPIs(context.Background(), lv, src, status.ReadOptions{Window: 90 * time.Second})
	if cw.calls != 2 || cw.queries != 505 || snap.Calls[status.CallGetMetricData] != 2 {
		t.Errorf("%d calls with %d queries (counted %d), want 2 with 505", cw.calls, cw.queries, snap.Calls[status.CallGetMetricData])
	}
}
