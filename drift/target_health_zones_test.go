package drift_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/drift"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
	"github.com/plinkdev/plink/status"
)

const secondNLB = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-second/011000000005c0c2"

// twoNLBWorld is the default world with a second network load balancer in
// payments us-east-1, enabled only in us-east-1a and us-east-1b (use1-az1,
// use1-az2) while payments-api is in a, b and c (use1-az4 too), with one
// healthy target in each of its zones.
func twoNLBWorld(t *testing.T) *sandbox.World {
	t.Helper()
	w := sandbox.DefaultWorld()
	for ai := range w.Accounts {
		if w.Accounts[ai].Alias != "payments" {
			continue
		}
		rw := w.Accounts[ai].Regions["us-east-1"]
		rw.LoadBalancers = append(rw.LoadBalancers, sandbox.LoadBalancer{Arn: secondNLB, Type: "network", VpcID: "vpc-01100000000000001",
			Subnets: []string{"subnet-0110000000000000a", "subnet-0110000000000000b"}})
		rw.TargetGroups = append(rw.TargetGroups, sandbox.TargetGroup{
			Arn:           "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/payments-second-tg/011000000005c0c2",
			LoadBalancers: []string{secondNLB},
			Targets:       []sandbox.Target{{ID: "i-0second00000000a", AvailabilityZone: "us-east-1a"}, {ID: "i-0second00000000b", AvailabilityZone: "us-east-1b"}},
		})
		w.Accounts[ai].Regions["us-east-1"] = rw
		return w
	}
	t.Fatal("no payments account in the default world")
	return nil
}

const twoNLBManifest = `version: 1
project: two-nlbs
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111" }
  checkout: { id: "222222222222" }
providers:
  - name: payments-api
    account: payments
    networkLoadBalancerArns: ["` + paymentsNLB + `", "` + secondNLB + `"]
    acceptanceRequired: true
    allowedPrincipals: [{ account: checkout }]
consumers:
  - name: checkout-payments
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b, subnet-0210000000000000c]
    securityGroupIds: [sg-02100000000000001]
    provider: payments-api
`

// TestTargetHealthZonesOfEachLoadBalancer: a service behind two NLBs, the
// second enabled in fewer zones. Right after a clean apply neither drift
// nor plan's PL116 holds the zone the second lacks (use1-az4) against it
// (exit 0). The first without a healthy target in use1-az4, which it alone
// serves, is reported; the second without one in use1-az1, which both
// serve, is reported naming it and the other. Through the SDK, against
// the sandbox.
func TestTargetHealthZonesOfEachLoadBalancer(t *testing.T) {
	ctx := context.Background()
	srv := sandboxtest.StartWorld(t, twoNLBWorld(t))
	m, err := manifest.Parse("two-nlbs.yaml", []byte(twoNLBManifest))
	if err != nil {
		t.Fatal(err)
	}
	src := live.APISourceFunc(func(_ context.Context, account, region string) (live.EC2API, live.ELBAPI, error) {
		c := srv.Clients(t, account, region)
		return c.EC2, c.ELB, nil
	})
	elb := func(_ context.Context, account, region string) (status.ELBAPI, error) {
		return srv.Clients(t, account, region).ELB, nil
	}
	s, err := live.ReadAPIs(ctx, m, src, live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	clients := apply.ClientsFunc(func(_ context.Context, account, region string) (apply.EC2API, error) {
		return srv.Clients(t, account, region).EC2, nil
	})
	if _, err := apply.Run(ctx, plan.Compute(m, s, plan.Options{}), clients, apply.Options{PollInterval: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	check := func() ([]plan.Diagnostic, *drift.Report) {
		t.Helper()
		s, err := live.ReadAPIs(ctx, m, src, live.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		th, err := status.ReadTargetHealthAPIs(ctx, m, s, elb, status.ReadOptions{})
		var re *live.ReadError
		if err != nil && !errors.As(err, &re) {
			t.Fatal(err)
		}
		if len(th.LoadBalancers) != 2 {
			t.Fatalf("target health of %d load balancers read, want 2", len(th.LoadBalancers))
		}
		p := plan.Compute(m, s, plan.Options{LoadBalancerHealth: th.LoadBalancers})
		var pl116 []plan.Diagnostic
		for _, d := range p.Diagnostics {
			if d.Code == plan.CodeTargetHealth {
				pl116 = append(pl116, d)
			}
		}
		return pl116, drift.BuildWith(m, s, p, drift.Options{LoadBalancerHealth: th.LoadBalancers, HealthFailures: th.Failures})
	}

	d, r := check()
	if r.ExitCode() != 0 || len(d) != 0 {
		t.Fatalf("after a clean apply: exit %d, PL116 %+v\n%s", r.ExitCode(), d, text(r))
	}

	// use1-az4 is payments' us-east-1c: payments-api alone is enabled there.
	if err := srv.Sandbox.ForceTargetHealth(paymentsNLB, "use1-az4", "unhealthy"); err != nil {
		t.Fatal(err)
	}
	d, r = check()
	if r.ExitCode() != 2 || len(r.Items) != 1 || r.Items[0].ZoneID != "use1-az4" ||
		!strings.Contains(r.Items[0].Message, "load balancer net/payments-api has no healthy target there") {
		t.Errorf("payments-api down in use1-az4: exit %d, items %+v\n%s", r.ExitCode(), r.Items, text(r))
	}
	if len(d) != 1 || !strings.Contains(d[0].Message, "net/payments-api has no healthy target in use1-az4") {
		t.Errorf("payments-api down in use1-az4: PL116 %+v", d)
	}
	if err := srv.Sandbox.ForceTargetHealth(paymentsNLB, "", "healthy"); err != nil {
		t.Fatal(err)
	}

	// use1-az1 is payments' us-east-1a: both are enabled there, the second
	// is the one without a healthy target.
	if err := srv.Sandbox.ForceTargetHealth(secondNLB, "use1-az1", "unhealthy"); err != nil {
		t.Fatal(err)
	}
	d, r = check()
	which := "net/payments-second (one of 2 load balancers enabled in use1-az1, with net/payments-api)"
	if r.ExitCode() != 2 || len(r.Items) != 1 {
		t.Fatalf("second down in use1-az1: exit %d, items %+v\n%s", r.ExitCode(), r.Items, text(r))
	}
	if it := r.Items[0]; it.ZoneID != "use1-az1" || it.Kind != drift.TargetHealth || !strings.Contains(it.Message, "load balancer "+which+" has no healthy target there") ||
		!strings.Contains(it.Message, "the connections AWS sends to it from consumer.checkout-payments") || !strings.Contains(it.Message, "targetgroup/payments-second-tg/") {
		t.Errorf("second down in use1-az1: item %+v", it)
	}
	if len(d) != 1 || !strings.Contains(d[0].Message, which) || !strings.Contains(d[0].Message, "use1-az1") {
		t.Errorf("second down in use1-az1: PL116 %+v", d)
	}
	validateJSON(t, r)

	// Another project's endpoint from checkout's VPC to the service, in
	// use1-az1 too (checkout's us-east-1c): it is affected, but it is not
	// a consumer of this manifest, whatever its plink:name says.
	s, err = live.ReadAPIs(ctx, m, src, live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	svcName := ""
	for _, sv := range s.Services {
		if sv.Tags[live.TagName] == "payments-api" {
			svcName = sv.Name
		}
	}
	theirs, err := srv.Clients(t, "checkout").EC2.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: types.VpcEndpointTypeInterface,
		VpcId: aws.String("vpc-02100000000000001"), ServiceName: aws.String(svcName), SubnetIds: []string{"subnet-0210000000000000c"},
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVpcEndpoint,
			Tags: []types.Tag{{Key: aws.String(live.TagProject), Value: aws.String("someone-else")}, {Key: aws.String(live.TagName), Value: aws.String("checkout-payments")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	theirID := aws.ToString(theirs.VpcEndpoint.VpcEndpointId)
	_, r = check()
	var th []drift.Item
	for _, it := range r.Items {
		if it.Kind == drift.TargetHealth {
			th = append(th, it)
		}
	}
	if len(th) != 1 || len(th[0].Consumers) != 2 {
		t.Fatalf("with another project's endpoint: target_health items %+v", th)
	}
	for _, a := range th[0].Consumers {
		if (a.EndpointID == theirID) != (a.Consumer == "") {
			t.Errorf("affected %+v: only the manifest's consumer is named (theirs is %s)", a, theirID)
		}
	}
	if !strings.Contains(th[0].Message, "endpoint "+theirID+" of account checkout") || strings.Contains(th[0].Message, "consumer.checkout-payments (endpoint "+theirID) {
		t.Errorf("another project's endpoint named as a consumer: %s", th[0].Message)
	}
}
