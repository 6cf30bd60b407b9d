package drift_test

import (
	"bytes"
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
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

const e2eManifest = `version: 1
project: drift-e2e
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111" }
  checkout: { id: "222222222222" }
  analytics: { id: "333333333333" }
providers:
  - name: payments-api
    account: payments
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"]
    acceptanceRequired: true
    allowedPrincipals: [{ account: checkout }]
consumers:
  - name: checkout-payments
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]
    securityGroupIds: [sg-02100000000000001]
    provider: payments-api
  - name: analytics-s3
    account: analytics
    vpcId: vpc-03100000000000001
    subnetIds: [subnet-0310000000000000a]
    securityGroupIds: [sg-03100000000000001]
    serviceName: com.amazonaws.us-east-1.s3
`

func TestDriftAgainstSandbox(t *testing.T) {
	ctx := context.Background()
	srv := sandboxtest.Start(t)
	m, err := manifest.Parse("drift.yaml", []byte(e2eManifest))
	if err != nil {
		t.Fatal(err)
	}
	var deny string // account alias whose reads fail
	src := live.APISourceFunc(func(_ context.Context, account, region string) (live.EC2API, live.ELBAPI, error) {
		if account == deny {
			return nil, nil, errors.New("AccessDenied: not authorized to perform sts:AssumeRole")
		}
		c := srv.Clients(t, account, region)
		return c.EC2, c.ELB, nil
	})
	check := func() *drift.Report {
		t.Helper()
		s, err := live.ReadAPIs(ctx, m, src, live.ReadOptions{})
		var re *live.ReadError
		if err != nil && !errors.As(err, &re) {
			t.Fatal(err)
		}
		return drift.Build(m, s, plan.Compute(m, s, plan.Options{}))
	}

	// Nothing exists yet: everything is missing.
	r := check()
	if r.ExitCode() != 2 {
		t.Fatalf("before apply: exit %d, want 2\n%s", r.ExitCode(), drift.Summary(r))
	}
	for _, it := range r.Items {
		if it.Kind != drift.Missing {
			t.Errorf("before apply: %s %s, want only missing", it.Kind, it.Address)
		}
	}

	// Apply, then no drift.
	s, _ := live.ReadAPIs(ctx, m, src, live.ReadOptions{})
	clients := apply.ClientsFunc(func(_ context.Context, account, region string) (apply.EC2API, error) {
		return srv.Clients(t, account, region).EC2, nil
	})
	if _, err := apply.Run(ctx, plan.Compute(m, s, plan.Options{}), clients, apply.Options{PollInterval: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	r = check()
	if r.ExitCode() != 0 || drift.Summary(r) != "no drift: 3 resources match" {
		var buf bytes.Buffer
		_ = drift.Text(&buf, r)
		t.Fatalf("after apply: exit %d\n%s", r.ExitCode(), buf.String())
	}

	// Change things by hand.
	var svcID, svcName, epID string
	s, _ = live.ReadAPIs(ctx, m, src, live.ReadOptions{})
	for _, sv := range s.Services {
		svcID, svcName = sv.ID, sv.Name
	}
	for _, ep := range s.Endpoints {
		if ep.Tags[live.TagName] == "checkout-payments" {
			epID = ep.ID
		}
	}
	pay := srv.Clients(t, "payments").EC2
	if _, err := pay.ModifyVpcEndpointServiceConfiguration(ctx, &ec2.ModifyVpcEndpointServiceConfigurationInput{ServiceId: aws.String(svcID), AcceptanceRequired: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := pay.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: aws.String(svcID),
		AddAllowedPrincipals: []string{"arn:aws:iam::333333333333:root"}}); err != nil {
		t.Fatal(err)
	}
	co := srv.Clients(t, "checkout").EC2
	if _, err := co.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(epID), RemoveSubnetIds: []string{"subnet-0210000000000000b"}}); err != nil {
		t.Fatal(err)
	}
	// An undeclared endpoint from analytics, accepted by hand.
	an := srv.Clients(t, "analytics").EC2
	out, err := an.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: types.VpcEndpointTypeInterface, VpcId: aws.String("vpc-03100000000000001"),
		ServiceName: aws.String(svcName), SubnetIds: []string{"subnet-0310000000000000b"}, SecurityGroupIds: []string{"sg-03100000000000001"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pay.AcceptVpcEndpointConnections(ctx, &ec2.AcceptVpcEndpointConnectionsInput{ServiceId: aws.String(svcID), VpcEndpointIds: []string{aws.ToString(out.VpcEndpoint.VpcEndpointId)}}); err != nil {
		t.Fatal(err)
	}

	r = check()
	got := map[drift.Kind]int{}
	for _, it := range r.Items {
		got[it.Kind]++
	}
	for _, k := range []drift.Kind{drift.Changed, drift.PrincipalAdded, drift.UndeclaredConnection} {
		if got[k] == 0 {
			var buf bytes.Buffer
			_ = drift.Text(&buf, r)
			t.Errorf("no %s item after a hand change\n%s", k, buf.String())
		}
	}
	if r.ExitCode() != 2 || !strings.HasPrefix(drift.Summary(r), "drift: 2 resources drifted in 2 accounts") {
		t.Errorf("exit %d, summary %q", r.ExitCode(), drift.Summary(r))
	}

	// One account unreachable: named, exit 1, the rest still reported.
	deny = "analytics"
	r = check()
	if r.ExitCode() != 1 || len(r.Failures) == 0 || r.Failures[0].Account != "analytics" {
		t.Fatalf("exit %d, failures %+v", r.ExitCode(), r.Failures)
	}
	if len(r.Items) == 0 {
		t.Error("drift in the readable accounts was not reported")
	}
	for _, a := range r.Checked {
		if a == "consumer.analytics-s3" {
			t.Error("a resource of the unreadable account counted as checked")
		}
	}
	var buf bytes.Buffer
	if err := drift.JUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `<error message=`) || !strings.Contains(buf.String(), "analytics") {
		t.Errorf("JUnit report lacks the read error:\n%s", buf.String())
	}
}
