package live_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/awsenv/awsenvtest"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

const project = "payments-privatelink"

// hermetic keeps the developer's AWS settings out of the test.
func hermetic(t *testing.T) {
	t.Helper()
	awsenv.Isolate(func(k, v string) {
		t.Setenv(k, v)
		if v == "" {
			os.Unsetenv(k)
		}
	}, t.TempDir())
}

func tagList(kv ...string) []ec2types.Tag {
	var out []ec2types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, ec2types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

type world struct {
	lbARN       string
	serviceID   string
	serviceName string
	otherSvcID  string
	vpc, subnet string
	sg          string
	endpointID  string
	foreignEP   string
	strayEP     string
	// provider network
	pvpc, psubnet string
}

// must is for test setup: a failed setup call panics, failing the test with
// the call's stack.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// build creates, with the SDK, a provider (NLB + tagged endpoint service with
// a principal) in payments and a consumer (VPC, subnet, SG, tagged interface
// endpoint) in checkout, plus resources the reader must ignore or keep.
func build(t *testing.T, ctx context.Context, r *awsenv.Resolver) world {
	var w world
	p := must(r.Clients(ctx, "payments", "us-east-1"))
	c := must(r.Clients(ctx, "checkout", "us-east-1"))

	pvpc := must(p.EC2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}))
	w.pvpc = aws.ToString(pvpc.Vpc.VpcId)
	psub := must(p.EC2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: pvpc.Vpc.VpcId, CidrBlock: aws.String("10.0.1.0/24"), AvailabilityZone: aws.String("us-east-1a")}))
	w.psubnet = aws.ToString(psub.Subnet.SubnetId)
	lb := must(p.ELB.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("payments"), Type: elbtypes.LoadBalancerTypeEnumNetwork,
		Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Subnets: []string{w.psubnet}}))
	w.lbARN = aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	other := must(p.ELB.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("other"), Type: elbtypes.LoadBalancerTypeEnumNetwork,
		Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Subnets: []string{w.psubnet}}))

	svc := must(p.EC2.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{w.lbARN}, AcceptanceRequired: aws.Bool(true),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcEndpointService,
			Tags: tagList(live.TagProject, project, live.TagName, "payments-api", "team", "platform")}}}))
	w.serviceID = aws.ToString(svc.ServiceConfiguration.ServiceId)
	w.serviceName = aws.ToString(svc.ServiceConfiguration.ServiceName)
	_ = must(p.EC2.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: svc.ServiceConfiguration.ServiceId,
		AddAllowedPrincipals: []string{"arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:role/ci"}}))
	// A foreign service on another load balancer: not read, no permissions call.
	osvc := must(p.EC2.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{aws.ToString(other.LoadBalancers[0].LoadBalancerArn)}}))
	w.otherSvcID = aws.ToString(osvc.ServiceConfiguration.ServiceId)

	vpc := must(c.EC2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")}))
	w.vpc = aws.ToString(vpc.Vpc.VpcId)
	sub := must(c.EC2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.1.1.0/24"), AvailabilityZone: aws.String("us-east-1b")}))
	w.subnet = aws.ToString(sub.Subnet.SubnetId)
	sg := must(c.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: vpc.Vpc.VpcId, GroupName: aws.String("consumer"), Description: aws.String("plink test")}))
	w.sg = aws.ToString(sg.GroupId)
	ep := must(c.EC2.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: vpc.Vpc.VpcId, ServiceName: aws.String(w.serviceName),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: []string{w.subnet}, SecurityGroupIds: []string{w.sg},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcEndpoint,
			Tags: tagList(live.TagProject, project, live.TagName, "checkout-payments")}}}))
	w.endpointID = aws.ToString(ep.VpcEndpoint.VpcEndpointId)
	// An untagged endpoint in the consumer's VPC is kept (lint sees it) ...
	fep := must(c.EC2.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: vpc.Vpc.VpcId, ServiceName: aws.String("com.amazonaws.us-east-1.s3"),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: []string{w.subnet}}))
	w.foreignEP = aws.ToString(fep.VpcEndpoint.VpcEndpointId)
	// ... one in another VPC is not.
	ovpc := must(c.EC2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.2.0.0/16")}))
	sep := must(c.EC2.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: ovpc.Vpc.VpcId, ServiceName: aws.String("com.amazonaws.us-east-1.s3"),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface}))
	w.strayEP = aws.ToString(sep.VpcEndpoint.VpcEndpointId)
	return w
}

func motoManifest(w world) *manifest.Manifest {
	return &manifest.Manifest{
		Version:  1,
		Project:  project,
		Defaults: manifest.Defaults{Region: "us-east-1"},
		Accounts: map[string]*manifest.Account{
			"payments": {Alias: "payments", ID: awsenvtest.MotoAccount},
			"checkout": {Alias: "checkout", ID: "222222222222", RoleARN: "arn:aws:iam::222222222222:role/plink"},
		},
		Providers: []*manifest.Provider{{Name: "payments-api", Account: "payments", Region: "us-east-1",
			NetworkLoadBalancerARNs: []string{w.lbARN, "arn:aws:elasticloadbalancing:us-east-1:" + awsenvtest.MotoAccount + ":loadbalancer/net/gone/0123456789abcdef"}}},
		Consumers: []*manifest.Consumer{{Name: "checkout-payments", Account: "checkout", Region: "us-east-1", VPCID: w.vpc,
			SubnetIDs: []string{w.subnet, "subnet-0000000000unknown"}, SecurityGroupIDs: []string{w.sg, "sg-0000000000unknown"}, Provider: "payments-api"},
			{Name: "checkout-s3", Account: "checkout", VPCID: w.vpc, ServiceName: "com.amazonaws.us-east-1.s3"}},
	}
}

func motoResolver(t *testing.T, m *manifest.Manifest, url string, counter *awsenvtest.Counter) *awsenv.Resolver {
	t.Helper()
	opts := awsenv.Options{Endpoint: url, BaseCredentials: credentials.NewStaticCredentialsProvider("AKIAMOTO", "secret", ""), RetryMaxAttempts: 1}
	if counter != nil {
		opts.APIOptions = []func(*middleware.Stack) error{counter.Middleware}
	}
	r, err := awsenv.New(context.Background(), m, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestReadMoto reads a world built with the SDK in moto over real HTTP.
// moto does not implement DescribeVpcEndpointConnections nor
// DescribeVpcEndpointConnectionNotifications: those two reads must come back
// as Failures naming the call, account and region, with everything else read.
// moto also hides one account's services from another, so checkout sees only
// the AWS-managed s3 service.
func TestReadMoto(t *testing.T) {
	hermetic(t)
	url := awsenvtest.StartMoto(t)
	ctx := context.Background()
	m0 := motoManifest(world{})
	w := build(t, ctx, motoResolver(t, m0, url, nil))
	m := motoManifest(w)
	counter := &awsenvtest.Counter{}
	snap, err := live.Read(ctx, m, motoResolver(t, m, url, counter), live.ReadOptions{})

	var rerr *live.ReadError
	if !errors.As(err, &rerr) {
		t.Fatalf("want a *live.ReadError for the calls moto lacks, got %v", err)
	}
	var calls []string
	for _, f := range rerr.Failures {
		calls = append(calls, f.Call)
		if f.Account != "payments" || f.AccountID != awsenvtest.MotoAccount || f.Region != "us-east-1" || f.Error == "" {
			t.Errorf("failure does not name account/region/error: %+v", f)
		}
	}
	if strings.Join(calls, ",") != "DescribeVpcEndpointConnectionNotifications,DescribeVpcEndpointConnections" {
		t.Errorf("failed calls %v", calls)
	}
	if !strings.Contains(err.Error(), "DescribeVpcEndpointConnections in account payments ("+awsenvtest.MotoAccount+") region us-east-1: ") {
		t.Errorf("error does not name the call, account and region:\n%v", err)
	}

	if got := len(snap.Scopes); got != 2 {
		t.Errorf("scopes %+v", snap.Scopes)
	}
	if len(snap.Services) != 1 {
		t.Fatalf("services %+v, want only the tagged one", snap.Services)
	}
	s := snap.Services[0]
	if s.ID != w.serviceID || s.Name != w.serviceName || s.AccountID != awsenvtest.MotoAccount || s.Region != "us-east-1" ||
		!s.AcceptanceRequired || s.Type != "Interface" || len(s.NetworkLoadBalancerARNs) != 1 || s.NetworkLoadBalancerARNs[0] != w.lbARN ||
		s.Tags[live.TagName] != "payments-api" || s.Tags["team"] != "platform" {
		t.Errorf("service %+v", s)
	}
	if strings.Join(s.Principals, ",") != "arn:aws:iam::222222222222:root,arn:aws:iam::333333333333:role/ci" {
		t.Errorf("principals %v", s.Principals)
	}

	var eps []string
	for _, e := range snap.Endpoints {
		eps = append(eps, e.ID)
		if e.AccountID != "222222222222" || e.VPCID != w.vpc {
			t.Errorf("endpoint %+v", e)
		}
		if e.ID == w.endpointID && (e.ServiceName != w.serviceName || e.Type != "Interface" || strings.Join(e.SubnetIDs, ",") != w.subnet ||
			strings.Join(e.SecurityGroupIDs, ",") != w.sg || e.Tags[live.TagName] != "checkout-payments") {
			t.Errorf("endpoint %+v", e)
		}
	}
	if want := sortedPair(w.endpointID, w.foreignEP); strings.Join(eps, ",") != want {
		t.Errorf("endpoints %v, want %s (not %s)", eps, want, w.strayEP)
	}

	if len(snap.LoadBalancers) != 1 || snap.LoadBalancers[0].ARN != w.lbARN || snap.LoadBalancers[0].Type != "network" ||
		strings.Join(snap.LoadBalancers[0].Zones, ",") != "us-east-1a" {
		t.Errorf("load balancers %+v (the unknown ARN is absent)", snap.LoadBalancers)
	}
	if len(snap.Subnets) != 1 || snap.Subnets[0].ID != w.subnet || snap.Subnets[0].Zone != "us-east-1b" || snap.Subnets[0].ZoneID == "" ||
		snap.Subnets[0].VPCID != w.vpc || snap.Subnets[0].AccountID != "222222222222" {
		t.Errorf("subnets %+v", snap.Subnets)
	}
	if len(snap.VPCs) != 1 || snap.VPCs[0].ID != w.vpc || snap.VPCs[0].CIDR != "10.1.0.0/16" {
		t.Errorf("vpcs %+v", snap.VPCs)
	}
	if len(snap.SecurityGroups) != 1 || snap.SecurityGroups[0].ID != w.sg || snap.SecurityGroups[0].Name != "consumer" {
		t.Errorf("security groups %+v", snap.SecurityGroups)
	}
	zones := map[string]int{}
	for _, z := range snap.Zones {
		zones[z.AccountID]++
		if z.Name == "" || z.ID == "" {
			t.Errorf("zone %+v", z)
		}
	}
	if zones[awsenvtest.MotoAccount] == 0 || zones["222222222222"] == 0 {
		t.Errorf("zones per account %v", zones)
	}
	// s3 is two services of one name (Gateway and Interface); the provider's
	// service, hidden by moto, is absent rather than failing the read.
	var visible []string
	for _, v := range snap.VisibleServices {
		visible = append(visible, v.AccountID+"/"+v.ServiceName+"/"+v.Type)
	}
	if strings.Join(visible, ",") != "222222222222/com.amazonaws.us-east-1.s3/Gateway,222222222222/com.amazonaws.us-east-1.s3/Interface" {
		t.Errorf("visible services %v", visible)
	}

	// A second read of the same world serializes identically.
	again, _ := live.Read(ctx, m, motoResolver(t, m, url, nil), live.ReadOptions{})
	a, _ := json.Marshal(snap)
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Errorf("two reads differ:\n%s\n%s", a, b)
	}
	if d := live.Diff(snap.Fingerprints(), again.Fingerprints()); len(d) != 0 {
		t.Errorf("fingerprints differ: %v", d)
	}

	// Calls per Read: one of each list call per scope, one permissions call
	// per owned service.
	t.Logf("calls: %s", counter)
	base := counter.Counts()
	if base["EC2.DescribeVpcEndpointServicePermissions"] != 1 {
		t.Errorf("permissions calls %d, want 1 (the foreign service is not asked)", base["EC2.DescribeVpcEndpointServicePermissions"])
	}

	// Adding an owned service costs exactly one more call (its permissions);
	// changing it shows in the fingerprints.
	p := must(motoResolver(t, m, url, nil).Clients(ctx, "payments", "us-east-1"))
	svc2 := must(p.EC2.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{w.lbARN},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcEndpointService,
			Tags: tagList(live.TagProject, project, live.TagName, "orphan")}}}))
	_ = must(p.EC2.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: aws.String(w.serviceID),
		AddAllowedPrincipals: []string{"arn:aws:iam::444444444444:root"}}))
	counter.Reset()
	third, _ := live.Read(ctx, m, motoResolver(t, m, url, counter), live.ReadOptions{})
	if got, want := counter.Total(), total(base)+1; got != want {
		t.Errorf("calls with one more service: %d, want %d\nbefore: %v\nafter:  %s", got, want, base, counter)
	}
	d := live.Diff(snap.Fingerprints(), third.Fingerprints())
	sort.Strings(d)
	if strings.Join(d, ",") != "added "+aws.ToString(svc2.ServiceConfiguration.ServiceId)+",changed "+w.serviceID {
		t.Errorf("diff %v", d)
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func sortedPair(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return a + "," + b
}
