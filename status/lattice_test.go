package status_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
	"github.com/plinkdev/plink/status"
)

// Resource and ServiceNetwork endpoints in status: listed with what they
// connect to and the reason they show no metrics (AWS publishes them in
// AWS/VpcLattice, which status does not read); no metric query, no
// "service gone" and no idle finding for them, and no
// DescribeVpcEndpointServices call for a service they do not have.
func TestLatticeEndpointsInStatus(t *testing.T) {
	const rcfg = "arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-0111000000000000a"
	srv := sandboxtest.Start(t)
	m, err := manifest.Parse("status.yaml", []byte(`version: 1
project: status-e2e
defaults: { region: us-east-1 }
accounts:
  checkout: { id: "222222222222" }
consumers:
  - name: orders-db
    account: checkout
    type: Resource
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a]
    securityGroupIds: [sg-02100000000000001]
    resourceConfigurationArn: `+rcfg+`
`))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, m: m}
	e.lv = live.APISourceFunc(func(_ context.Context, account, region string) (live.EC2API, live.ELBAPI, error) {
		c := srv.Clients(t, account, region)
		return c.EC2, c.ELB, nil
	})
	e.st = func(_ context.Context, account, region string) (status.EC2API, status.ELBAPI, status.CloudWatchAPI, error) {
		c := srv.Clients(t, account, region)
		return c.EC2, c.ELB, cloudwatch.NewFromConfig(srv.ConfigRegion(t, account, region)), nil
	}
	s, _ := live.ReadAPIs(context.Background(), m, e.lv, live.ReadOptions{})
	clients := apply.ClientsFunc(func(_ context.Context, account, region string) (apply.EC2API, error) {
		return srv.Clients(t, account, region).EC2, nil
	})
	if _, err := apply.Run(context.Background(), plan.Compute(m, s, plan.Options{}), clients, apply.Options{PollInterval: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	srv.Sandbox.ResetCalls()
	_, r := e.report(status.ReadOptions{Window: time.Hour}, status.Options{})
	for _, c := range srv.Sandbox.Calls() {
		if c.Action == "GetMetricData" || c.Action == "DescribeVpcEndpointServices" {
			t.Errorf("status called %s for a Resource endpoint", c.Action)
		}
	}
	if got := kinds(r); got != "" {
		t.Errorf("findings %q, want none", got)
	}
	var ev status.EndpointView
	for _, sc := range r.Scopes {
		for _, x := range sc.Endpoints {
			ev = x
		}
	}
	if ev.Type != "Resource" || ev.Target != rcfg || ev.Metrics != nil || !strings.Contains(ev.MetricsNote, "AWS/VpcLattice") || ev.MonthlyCost != 0 {
		t.Errorf("endpoint view %+v", ev)
	}
	out := text(r)
	if !strings.Contains(out, "Resource "+rcfg+"  metrics: not read: AWS publishes Resource and ServiceNetwork endpoint metrics in AWS/VpcLattice") {
		t.Errorf("text:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "endpoint consumer.orders-db "+ev.ID) && strings.Contains(l, "/month") {
			t.Errorf("a Resource endpoint is priced: %s", l)
		}
	}
	var md strings.Builder
	if err := status.Markdown(&md, r); err != nil || !strings.Contains(md.String(), "| "+strings.Join(ev.ZoneIDs, ", ")+" | - | ") {
		t.Errorf("markdown (no price for a Resource endpoint), %v:\n%s", err, md.String())
	}
	validate(t, r)
}
