package status_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
	"github.com/plinkdev/plink/status"
)

const secondNLB = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-second/011000000005c0c2"

// TestTargetHealthZonesOfEachLoadBalancer: behind payments-api's service,
// a second NLB enabled only in payments' us-east-1a and 1b (use1-az1,
// use1-az2). After a clean apply status finds nothing in use1-az4, the
// zone the second is not in (exit 0); the second without a healthy target
// in use1-az1, which both serve, is an error naming it and the other.
func TestTargetHealthZonesOfEachLoadBalancer(t *testing.T) {
	ctx := context.Background()
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
	}
	srv := sandboxtest.StartWorld(t, w)
	m, err := manifest.Parse("two-nlbs.yaml", []byte(strings.Replace(e2eManifest, `networkLoadBalancerArns: ["`+paymentsNLB+`"]`,
		`networkLoadBalancerArns: ["`+paymentsNLB+`", "`+secondNLB+`"]`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	src := live.APISourceFunc(func(_ context.Context, account, region string) (live.EC2API, live.ELBAPI, error) {
		c := srv.Clients(t, account, region)
		return c.EC2, c.ELB, nil
	})
	st := func(_ context.Context, account, region string) (status.EC2API, status.ELBAPI, status.CloudWatchAPI, error) {
		c := srv.Clients(t, account, region)
		return c.EC2, c.ELB, cloudwatch.NewFromConfig(srv.ConfigRegion(t, account, region)), nil
	}
	lv, _ := live.ReadAPIs(ctx, m, src, live.ReadOptions{})
	clients := apply.ClientsFunc(func(_ context.Context, account, region string) (apply.EC2API, error) {
		return srv.Clients(t, account, region).EC2, nil
	})
	if _, err := apply.Run(ctx, plan.Compute(m, lv, plan.Options{}), clients, apply.Options{PollInterval: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	report := func() *status.Report {
		t.Helper()
		lv, err := live.ReadAPIs(ctx, m, src, live.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		snap, err := status.ReadAPIs(ctx, lv, st, status.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.LoadBalancers) != 2 {
			t.Fatalf("target health of %d load balancers read, want 2", len(snap.LoadBalancers))
		}
		return status.Compute(m, snap, status.Options{})
	}
	if r := report(); strings.Contains(kinds(r), "target_health") || r.ExitCode() != 0 {
		t.Fatalf("after a clean apply: findings %q, exit %d\n%s", kinds(r), r.ExitCode(), text(r))
	}
	if err := srv.Sandbox.ForceTargetHealth(secondNLB, "use1-az1", "unhealthy"); err != nil {
		t.Fatal(err)
	}
	r := report()
	if !strings.HasPrefix(kinds(r), "error:target_health ") || strings.Count(kinds(r), "target_health") != 1 || r.ExitCode() != 2 {
		t.Fatalf("second down in use1-az1: findings %q, exit %d\n%s", kinds(r), r.ExitCode(), text(r))
	}
	f := r.Findings[0]
	if f.ZoneID != "use1-az1" || !strings.Contains(f.Message, "load balancer net/payments-second (one of 2 load balancers enabled in use1-az1, with net/payments-api)") ||
		len(f.TargetGroups) != 1 || !strings.Contains(f.TargetGroups[0], "payments-second-tg") {
		t.Errorf("finding %+v", f)
	}
	validate(t, r)

	// Another project's endpoint to the service, in use1-az1 too: affected,
	// but not named as a consumer of this manifest, whatever its tag says.
	var svcName string
	lv, _ = live.ReadAPIs(ctx, m, src, live.ReadOptions{})
	for _, sv := range lv.Services {
		svcName = sv.Name
	}
	theirs, err := srv.Clients(t, "checkout").EC2.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: ec2types.VpcEndpointTypeInterface,
		VpcId: aws.String("vpc-02100000000000001"), ServiceName: aws.String(svcName), SubnetIds: []string{"subnet-0210000000000000c"},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcEndpoint,
			Tags: []ec2types.Tag{{Key: aws.String(live.TagProject), Value: aws.String("someone-else")}, {Key: aws.String(live.TagName), Value: aws.String("checkout-payments")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	theirID := aws.ToString(theirs.VpcEndpoint.VpcEndpointId)
	r = report()
	f = r.Findings[0]
	if f.Kind != status.KindTargetHealth || len(f.Consumers) != 2 {
		t.Fatalf("with another project's endpoint: %+v", f)
	}
	for _, a := range f.Consumers {
		if (a.EndpointID == theirID) != (a.Consumer == "") {
			t.Errorf("affected %+v: only the manifest's consumer is named (theirs is %s)", a, theirID)
		}
	}
}
