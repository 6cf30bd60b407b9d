package apply_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/awsenv/awsenvtest"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

// hermeticAWS keeps the developer's AWS settings out of the test.
func hermeticAWS(t *testing.T) {
	t.Helper()
	awsenv.Isolate(func(k, v string) {
		t.Setenv(k, v)
		if v == "" {
			os.Unsetenv(k)
		}
	}, t.TempDir())
}

// motoManifest is the manifest of the moto test. moto models endpoint
// services, permissions, endpoints and tags, but not acceptance or
// connections (no pendingAcceptance, no Accept/Reject/Describe connections),
// and it hides one account's services from others: so the provider does not
// require acceptance, its consumer lives in the provider's own account
// (another VPC), and nothing here accepts, rejects or enables private DNS
// after acceptance; those paths are covered against the sandbox. moto also
// gives network load balancers /app/ ARNs, which the loader rightly rejects,
// so the manifest is built as a value, resolved fields included.
func motoManifest(lbARN, vpc, subnet, sg string) *manifest.Manifest {
	const other = "arn:aws:iam::222222222222:root"
	self := "arn:aws:iam::" + awsenvtest.MotoAccount + ":root"
	return &manifest.Manifest{
		Version:  manifest.Version,
		Project:  "apply-moto",
		Defaults: manifest.Defaults{Region: "us-east-1", Tags: map[string]string{"team": "platform"}},
		Accounts: map[string]*manifest.Account{"main": {Alias: "main", ID: awsenvtest.MotoAccount}},
		Providers: []*manifest.Provider{{Name: "api", Account: "main", Region: "us-east-1", NetworkLoadBalancerARNs: []string{lbARN},
			AllowedPrincipals: []manifest.Principal{{Account: "main", Resolved: self}, {ARN: other, Resolved: other}}, Tags: map[string]string{"service": "api"}}},
		Consumers: []*manifest.Consumer{
			{Name: "api-client", Account: "main", Region: "us-east-1", VPCID: vpc, SubnetIDs: []string{subnet}, SecurityGroupIDs: []string{sg},
				Provider: "api", Tags: map[string]string{"app": "client"}},
			{Name: "s3", Account: "main", Region: "us-east-1", VPCID: vpc, SubnetIDs: []string{subnet}, ServiceName: "com.amazonaws.us-east-1.s3"},
		},
	}
}

func TestMotoCreateConvergeNoOp(t *testing.T) {
	hermeticAWS(t)
	url := awsenvtest.StartMoto(t)
	ctx := context.Background()
	counter := &awsenvtest.Counter{}
	resolver := func(m *manifest.Manifest) *awsenv.Resolver {
		r, err := awsenv.New(ctx, m, awsenv.Options{Endpoint: url, RetryMaxAttempts: 1,
			BaseCredentials: credentials.NewStaticCredentialsProvider("AKIAMOTO", "secret", ""),
			APIOptions:      []func(*middleware.Stack) error{counter.Middleware}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	// The world: a provider VPC with an NLB, a consumer VPC with a subnet and SG.
	seed := &manifest.Manifest{Version: manifest.Version, Project: "apply-moto",
		Accounts: map[string]*manifest.Account{"main": {Alias: "main", ID: awsenvtest.MotoAccount}}}
	c, err := resolver(seed).Clients(ctx, "main", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	pvpc := check[*ec2.CreateVpcOutput](t)(c.EC2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}))
	psub := check[*ec2.CreateSubnetOutput](t)(c.EC2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: pvpc.Vpc.VpcId, CidrBlock: aws.String("10.0.1.0/24"), AvailabilityZone: aws.String("us-east-1a")}))
	lb, err := c.ELB.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("api"), Type: elbtypes.LoadBalancerTypeEnumNetwork,
		Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Subnets: []string{aws.ToString(psub.Subnet.SubnetId)}})
	if err != nil {
		t.Fatal(err)
	}
	cvpc := check[*ec2.CreateVpcOutput](t)(c.EC2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")}))
	csub := check[*ec2.CreateSubnetOutput](t)(c.EC2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: cvpc.Vpc.VpcId, CidrBlock: aws.String("10.1.1.0/24"), AvailabilityZone: aws.String("us-east-1a")}))
	sg, err := c.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: cvpc.Vpc.VpcId, GroupName: aws.String("client"), Description: aws.String("plink apply test")})
	if err != nil {
		t.Fatal(err)
	}
	m := motoManifest(aws.ToString(lb.LoadBalancers[0].LoadBalancerArn),
		aws.ToString(cvpc.Vpc.VpcId), aws.ToString(csub.Subnet.SubnetId), aws.ToString(sg.GroupId))

	planNow := func() (*plan.Plan, *awsenv.Resolver) {
		t.Helper()
		r := resolver(m)
		snap, err := live.Read(ctx, m, r, live.ReadOptions{})
		// moto lacks the two connection reads once a service exists; they
		// come back as failures, everything else is read.
		var rerr *live.ReadError
		if err != nil && !errors.As(err, &rerr) {
			t.Fatalf("read: %v", err)
		}
		for _, f := range snap.Failures {
			if f.Call != "DescribeVpcEndpointConnections" && f.Call != "DescribeVpcEndpointConnectionNotifications" {
				t.Fatalf("read failure moto should not cause: %+v", f)
			}
		}
		p := plan.Compute(m, snap, plan.Options{})
		for _, d := range p.Diagnostics {
			if d.Severity == plan.SeverityError && d.Code != plan.CodeReadFailure {
				t.Fatalf("plan error: %+v", d)
			}
		}
		// The read failures make the plan an error plan; what moto lacks
		// is not what apply executes here, so apply the changes without
		// them.
		p.Diagnostics = nil
		return p, r
	}

	p, r := planNow()
	res, err := apply.Run(ctx, p, motoClients(r), opts())
	if err != nil {
		var b strings.Builder
		_ = apply.WriteSummary(&b, res)
		t.Fatalf("apply: %v\n%s", err, b.String())
	}
	if s := res.Summary(); s.Added != 5 { // service, two principals, two endpoints
		t.Errorf("summary %+v: %+v", s, res.Changes)
	}

	p, r = planNow()
	for i, ch := range p.Changes {
		if ch.Action == plan.NoOp {
			continue
		}
		// moto does not store SupportedIpAddressTypes (AWS defaults them to
		// ipv4 and returns them): that one difference is moto's gap.
		if d := plan.Diff(ch.Kind, ch.Before, ch.After); ch.Action == plan.Update && len(d) == 1 && d[0].Name == "supportedIpAddressTypes" &&
			len(ch.Before.SupportedIPAddressTypes) == 0 {
			p.Changes[i].Action = plan.NoOp
			continue
		}
		t.Errorf("not converged: %s %s %+v", ch.Action, ch.Address, plan.Diff(ch.Kind, ch.Before, ch.After))
	}
	counter.Reset()
	if _, err := apply.Run(ctx, p, motoClients(r), opts()); err != nil {
		t.Fatal(err)
	}
	for op, n := range counter.Counts() {
		name := op[strings.LastIndex(op, ".")+1:]
		if !strings.HasPrefix(name, "Describe") && !strings.HasPrefix(name, "Get") && !strings.HasPrefix(name, "List") {
			t.Errorf("second apply called %s %d time(s)", op, n)
		}
	}
}

// motoClients are apply's clients for moto, which does not implement the
// vpc-endpoint-id filter of DescribeVpcEndpoints (it answers 500) that apply's
// waits use: the filter is applied here instead. The sandbox tests cover the
// filter on the wire.
func motoClients(r *awsenv.Resolver) apply.Clients {
	src := apply.FromClientSource(r)
	return apply.ClientsFunc(func(ctx context.Context, account, region string) (apply.EC2API, error) {
		c, err := src.EC2(ctx, account, region)
		if err != nil {
			return nil, err
		}
		return motoEC2{c}, nil
	})
}

type motoEC2 struct{ apply.EC2API }

func (m motoEC2) DescribeVpcEndpoints(ctx context.Context, in *ec2.DescribeVpcEndpointsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error) {
	var ids []string
	rest := *in
	rest.Filters = nil
	for _, f := range in.Filters {
		if aws.ToString(f.Name) == "vpc-endpoint-id" {
			ids = f.Values
			continue
		}
		rest.Filters = append(rest.Filters, f)
	}
	out, err := m.EC2API.DescribeVpcEndpoints(ctx, &rest, optFns...)
	if err != nil || ids == nil {
		return out, err
	}
	kept := out.VpcEndpoints[:0]
	for _, ep := range out.VpcEndpoints {
		if slices.Contains(ids, aws.ToString(ep.VpcEndpointId)) {
			kept = append(kept, ep)
		}
	}
	out.VpcEndpoints = kept
	return out, nil
}

// check fails the test on err and returns v.
func check[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
