package iampolicy_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/drift"
	"github.com/plinkdev/plink/export"
	"github.com/plinkdev/plink/health"
	"github.com/plinkdev/plink/iampolicy"
	"github.com/plinkdev/plink/lease"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
	"github.com/plinkdev/plink/status"
)

const flowHeader = `version: 1
project: iam-flow
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111" }
  checkout: { id: "222222222222" }
  analytics: { id: "333333333333" }
`

// flowV1 creates a service with a notification and a consumer that needs
// acceptance, and adopts a hand-made service; a consumer of KMS in another
// region takes a fixed address (flowV2 moves it and adds a subnet).
const flowV1 = flowHeader + `providers:
  - name: payments-api
    account: payments
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"]
    acceptanceRequired: true
    supportedRegions: [us-west-2]
    allowedPrincipals: [{ account: checkout }, { account: analytics }]
    connections: { rejectUndeclared: true }
    notifications:
      - { topicArn: "arn:aws:sns:us-east-1:111111111111:pl-events", events: [Connect] }
  - name: ingest
    account: analytics
    adopt: %s
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/net/analytics-ingest/031000000005c0c1"]
    acceptanceRequired: true
consumers:
  - name: checkout-payments
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a]
    securityGroupIds: [sg-02100000000000001]
    provider: payments-api
  - name: checkout-kms-west
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a]
    ipAddresses: { subnet-0210000000000000a: { ipv4: 10.21.0.100 } }
    securityGroupIds: [sg-02100000000000001]
    serviceName: com.amazonaws.us-west-2.kms
    serviceRegion: us-west-2
`

// flowV2 updates everything it can: service attributes, principals,
// subnets, notification events, tags.
const flowV2 = flowHeader + `providers:
  - name: payments-api
    account: payments
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"]
    acceptanceRequired: true
    allowedPrincipals: [{ account: analytics }, { account: checkout }, { arn: "arn:aws:iam::333333333333:role/ci" }]
    connections: { rejectUndeclared: true }
    notifications:
      - { topicArn: "arn:aws:sns:us-east-1:111111111111:pl-events", events: [Connect, Accept] }
    tags: { team: payments }
  - name: ingest
    account: analytics
    adopt: %s
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/net/analytics-ingest/031000000005c0c1"]
    acceptanceRequired: false
consumers:
  - name: checkout-payments
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]
    securityGroupIds: [sg-02100000000000001]
    provider: payments-api
    tags: { team: checkout }
  - name: checkout-kms-west
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]
    ipAddresses: { subnet-0210000000000000a: { ipv4: 10.21.0.101 }, subnet-0210000000000000b: { ipv4: 10.21.1.101 } }
    securityGroupIds: [sg-02100000000000001]
    serviceName: com.amazonaws.us-west-2.kms
    serviceRegion: us-west-2
`

// flowV3 removes payments-api and its consumer, keeping one consumer in
// each account-region so that live reads them (it reads only the
// account-regions the manifest uses).
const flowV3 = flowHeader + `providers:
  - name: ingest
    account: analytics
    adopt: %s
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/net/analytics-ingest/031000000005c0c1"]
    acceptanceRequired: false
    allowedPrincipals: [{ account: payments }, { account: checkout }]
consumers:
  - name: payments-ingest
    account: payments
    vpcId: vpc-01100000000000001
    subnetIds: [subnet-0110000000000000a]
    securityGroupIds: [sg-01100000000000001]
    provider: ingest
  - name: checkout-ingest
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a]
    securityGroupIds: [sg-02100000000000001]
    provider: ingest
`

type flow struct {
	t   *testing.T
	srv *sandboxtest.Server
	ids map[string]string // account id -> alias
}

func (f *flow) parse(text string, args ...any) *manifest.Manifest {
	f.t.Helper()
	m, err := manifest.Parse("flow.yaml", []byte(fmt.Sprintf(text, args...)))
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

func (f *flow) read(m *manifest.Manifest) (*live.Snapshot, *plan.Plan) {
	f.t.Helper()
	src := live.APISourceFunc(func(_ context.Context, account, region string) (live.EC2API, live.ELBAPI, error) {
		c := f.srv.Clients(f.t, account, region)
		return c.EC2, c.ELB, nil
	})
	s, err := live.ReadAPIs(context.Background(), m, src, live.ReadOptions{})
	if err != nil {
		f.t.Fatalf("live read: %v", err)
	}
	return s, plan.Compute(m, s, plan.Options{})
}

// planRead is what plink plan and drift read: live state, then the target
// health of the providers that have consumers, and the plan of both.
func (f *flow) planRead(m *manifest.Manifest) (*live.Snapshot, *plan.Plan, []health.LoadBalancerHealth) {
	f.t.Helper()
	s, _ := f.read(m)
	elb := func(_ context.Context, account, region string) (status.ELBAPI, error) {
		return f.srv.Clients(f.t, account, region).ELB, nil
	}
	th, err := status.ReadTargetHealthAPIs(context.Background(), m, s, elb, status.ReadOptions{})
	if err != nil {
		f.t.Fatalf("target health read: %v", err)
	}
	return s, plan.Compute(m, s, plan.Options{LoadBalancerHealth: th.LoadBalancers}), th.LoadBalancers
}

func (f *flow) apply(p *plan.Plan) {
	f.t.Helper()
	clients := apply.ClientsFunc(func(_ context.Context, account, region string) (apply.EC2API, error) {
		return f.srv.Clients(f.t, account, region).EC2, nil
	})
	if _, err := apply.Run(context.Background(), p, clients, apply.Options{PollInterval: time.Millisecond}); err != nil {
		f.t.Fatalf("apply: %v", err)
	}
}

// applyLocked is apply as the CLI runs it: under the project's lease,
// taken in its home account and region, renewed once, released.
func (f *flow) applyLocked(m *manifest.Manifest, p *plan.Plan) {
	f.t.Helper()
	alias, region := lease.Home(m)
	api := f.srv.Clients(f.t, alias, region).EC2
	l, err := lease.Acquire(context.Background(), api, lease.Scope{Project: m.Project, Account: alias, Region: region}, lease.Options{Settle: 100 * time.Millisecond})
	if err != nil {
		f.t.Fatalf("lease: %v", err)
	}
	f.apply(p)
	if err := l.Renew(context.Background()); err != nil {
		f.t.Fatalf("renew: %v", err)
	}
	if err := l.Release(context.Background()); err != nil {
		f.t.Fatalf("release: %v", err)
	}
}

// check asserts that every call made since the last check is allowed by the
// policy of mode for the calling account, and returns the actions seen.
func (f *flow) check(mode iampolicy.Mode, m *manifest.Manifest, seen map[string]bool) {
	f.t.Helper()
	docs, err := iampolicy.For(mode, m)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, c := range f.srv.Sandbox.Calls() {
		if c.Service == "sts" && c.Action == "AssumeRole" {
			continue // the operator's permission, see Operator
		}
		if c.Service == "sts" && c.Action == "GetCallerIdentity" {
			continue // needs no permission (iampolicy.SrcGetCallerIdentity)
		}
		action := c.Service + ":" + c.Action
		seen[string(mode)+" "+action] = true
		alias := c.Account
		if a, ok := f.ids[c.Account]; ok {
			alias = a
		}
		doc, ok := docs[alias]
		if m == nil {
			doc, ok = docs[iampolicy.AnyAccount]
		}
		if !ok {
			f.t.Errorf("%s: call %s by account %s, which has no policy", mode, action, c.Account)
			continue
		}
		if !doc.Allows(action) {
			f.t.Errorf("%s: plink called %s in account %s (%s) but the %s policy does not allow it: add it to iampolicy/actions.go", mode, action, alias, c.Region, mode)
		}
	}
	f.srv.Sandbox.ResetCalls()
}

// TestPolicyCoversSandboxCalls runs plan, apply (create, adopt, accept,
// update, reject, delete), drift and export against the sandbox and
// asserts that each mode's policy allows every call plink made.
func TestPolicyCoversSandboxCalls(t *testing.T) {
	ctx := context.Background()
	f := &flow{t: t, srv: sandboxtest.Start(t, sandbox.Options{AutoVerifyPrivateDNS: true}), ids: map[string]string{
		"111111111111": "payments", "222222222222": "checkout", "333333333333": "analytics",
	}}
	seen := map[string]bool{}

	// A hand-made service to adopt.
	an := f.srv.Clients(t, "analytics").EC2
	out, err := an.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{"arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/net/analytics-ingest/031000000005c0c1"},
		AcceptanceRequired:      aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	adoptID := aws.ToString(out.ServiceConfiguration.ServiceId)
	f.srv.Sandbox.ResetCalls()

	// Create + adopt + accept.
	m1 := f.parse(flowV1, adoptID)
	_, p, _ := f.planRead(m1)
	f.check(iampolicy.Plan, m1, seen)
	f.applyLocked(m1, p)
	f.check(iampolicy.Apply, m1, seen)

	// An undeclared endpoint to reject, then update everything.
	svcName := ""
	s, _ := f.read(m1)
	for _, sv := range s.Services {
		if sv.Tags[live.TagName] == "payments-api" {
			svcName = sv.Name
		}
	}
	if _, err := an.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
		VpcEndpointType: types.VpcEndpointTypeInterface, VpcId: aws.String("vpc-03100000000000001"), ServiceName: aws.String(svcName),
		SubnetIds: []string{"subnet-0310000000000000a"}, SecurityGroupIds: []string{"sg-03100000000000001"},
	}); err != nil {
		t.Fatal(err)
	}
	f.srv.Sandbox.ResetCalls()
	m2 := f.parse(flowV2, adoptID)
	_, p, _ = f.planRead(m2)
	actions := map[plan.Action]bool{}
	for _, c := range p.Changes {
		actions[c.Action] = true
	}
	for _, want := range []plan.Action{plan.Update, plan.Reject} {
		if !actions[want] {
			t.Errorf("update flow plan has no %s change; the coverage test no longer exercises it", want)
		}
	}
	f.check(iampolicy.Plan, m2, seen)
	f.applyLocked(m2, p)
	f.check(iampolicy.Apply, m2, seen)

	// plink connections: another undeclared endpoint appears and only the
	// rules' decision is carried out, with the connections policy.
	if _, err := an.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
		VpcEndpointType: types.VpcEndpointTypeInterface, VpcId: aws.String("vpc-03100000000000001"), ServiceName: aws.String(svcName),
		SubnetIds: []string{"subnet-0310000000000000b"}, SecurityGroupIds: []string{"sg-03100000000000001"},
	}); err != nil {
		t.Fatal(err)
	}
	f.srv.Sandbox.ResetCalls()
	_, p = f.read(m2)
	cp := plan.Connections(p)
	if !cp.HasChanges() {
		t.Errorf("connections plan has no decision; the coverage test no longer exercises it")
	}
	f.apply(cp)
	f.check(iampolicy.Connections, m2, seen)
	if !seen["connections ec2:RejectVpcEndpointConnections"] {
		t.Errorf("the connections flow did not reject")
	}

	// Drift.
	s, p, lbs := f.planRead(m2)
	_ = drift.BuildWith(m2, s, p, drift.Options{LoadBalancerHealth: lbs})
	f.check(iampolicy.Drift, m2, seen)

	// Delete.
	m3 := f.parse(flowV3, adoptID)
	_, p, _ = f.planRead(m3)
	f.check(iampolicy.Plan, m3, seen)
	deletes := 0
	for _, c := range p.Changes {
		if c.Action == plan.Delete {
			deletes++
		}
	}
	if deletes < 2 {
		t.Errorf("delete flow plans %d deletes, want the service and its endpoint", deletes)
	}
	f.applyLocked(m3, p)
	f.check(iampolicy.Apply, m3, seen)

	// Export, with and without a manifest.
	accts := []export.Account{{Alias: "payments", ID: "111111111111"}, {Alias: "checkout", ID: "222222222222"}, {Alias: "analytics", ID: "333333333333"}}
	src := export.ClientSourceFunc(func(_ context.Context, account, region string) (export.EC2API, error) {
		return f.srv.Clients(t, account, region).EC2, nil
	})
	if _, err := export.Export(ctx, accts, []string{"us-east-1", "us-west-2"}, src, export.Options{Project: "exported"}); err != nil {
		t.Fatal(err)
	}
	f.check(iampolicy.Export, nil, seen)

	// plan and drift read target health, which their policies allow.
	for _, a := range []string{"elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeLoadBalancerAttributes"} {
		if !seen["plan "+a] || !seen["drift "+a] {
			t.Errorf("plan or drift did not call %s", a)
		}
	}

	// The flows must have exercised the writes the policy grants.
	for _, a := range []string{
		"ec2:CreateVpcEndpointServiceConfiguration", "ec2:ModifyVpcEndpointServicePermissions", "ec2:CreateVpcEndpoint",
		"ec2:AcceptVpcEndpointConnections", "ec2:RejectVpcEndpointConnections", "ec2:CreateTags",
		"ec2:DeleteVpcEndpoints", "ec2:DeleteVpcEndpointServiceConfigurations", "ec2:ModifyVpcEndpoint",
		"ec2:CreateVpcEndpointConnectionNotification",
		"ec2:CreatePlacementGroup", "ec2:DescribePlacementGroups", "ec2:DeletePlacementGroup",
	} {
		if !seen["apply "+a] {
			t.Errorf("no apply flow called %s", a)
		}
	}
	if t.Failed() || testing.Verbose() {
		var keys []string
		for k := range seen {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t.Logf("calls seen:\n%v", keys)
	}
}
