package iampolicy_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/plinkdev/plink/iampolicy"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
	"github.com/plinkdev/plink/status"
)

// TestStatusPolicyCoversSandboxCalls runs plink status's reads (live state,
// target health, metrics) against the sandbox and asserts that the status
// policy allows every call, and that the reads of status are all it adds.
func TestStatusPolicyCoversSandboxCalls(t *testing.T) {
	f := &flow{t: t, srv: sandboxtest.Start(t), ids: map[string]string{
		"111111111111": "payments", "222222222222": "checkout", "333333333333": "analytics",
	}}
	m := f.parse(flowV2, "vpce-svc-00000000000000000")
	// Create what flowV2 declares but the adopted service (made by hand in
	// the main flow): a provider with a load balancer and a consumer.
	m.Providers = m.Providers[:1]
	_, p := f.read(m)
	f.apply(p)
	f.srv.Sandbox.ResetCalls()

	lv, _ := f.read(m)
	src := func(_ context.Context, account, region string) (status.EC2API, status.ELBAPI, status.CloudWatchAPI, error) {
		c := f.srv.Clients(t, account, region)
		return c.EC2, c.ELB, cloudwatch.NewFromConfig(f.srv.ConfigRegion(t, account, region)), nil
	}
	snap, err := status.ReadAPIs(context.Background(), lv, src, status.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Calls[status.CallTargetHealth] == 0 || snap.Calls[status.CallGetMetricData] == 0 {
		t.Fatalf("status read no target health or metrics: %v", snap.Calls)
	}
	seen := map[string]bool{}
	f.check(iampolicy.Status, m, seen)
	for _, a := range []string{"cloudwatch:GetMetricData", "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeLoadBalancerAttributes"} {
		if !seen["status "+a] {
			t.Errorf("the flow made no %s call (seen: %v)", a, seen)
		}
	}
	// Plan's policy does not allow status's reads: status has its own.
	docs, err := iampolicy.For(iampolicy.Plan, m)
	if err != nil {
		t.Fatal(err)
	}
	if docs["payments"].Allows("cloudwatch:GetMetricData") {
		t.Error("the plan policy allows cloudwatch:GetMetricData")
	}
}
