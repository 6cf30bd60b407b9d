package live_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/awsenv/awsenvtest"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// Ids from the sandbox's default world (sandbox/worlds/default.yaml).
const (
	sbPayments  = "111111111111"
	sbCheckout  = "222222222222"
	sbAnalytics = "333333333333"
	sbLB        = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"
	sbVPC       = "vpc-02100000000000001"
	sbSG        = "sg-02100000000000001"
	sbSubnetA   = "subnet-0210000000000000a"
	sbSubnetB   = "subnet-0210000000000000b"
	sbVPCWest   = "vpc-02200000000000001"
	sbSubnetW   = "subnet-0220000000000000a"
)

type sbWorld struct {
	serviceID, serviceName string
	endpoint, westEndpoint string
	notification           string
}

// sbBuild creates, with each account's own credentials, a tagged service in
// payments (principals: checkout), a tagged endpoint to it in checkout
// us-east-1 and one cross-region from us-west-2, and a notification.
func sbBuild(t *testing.T, srv *sandboxtest.Server) sbWorld {
	t.Helper()
	ctx := context.Background()
	var w sbWorld
	p := srv.Clients(t, "payments")
	svc := must(p.EC2.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{sbLB}, AcceptanceRequired: aws.Bool(true), SupportedRegions: []string{"us-west-2"},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcEndpointService,
			Tags: tagList(live.TagProject, project, live.TagName, "payments-api")}}}))
	w.serviceID = aws.ToString(svc.ServiceConfiguration.ServiceId)
	w.serviceName = aws.ToString(svc.ServiceConfiguration.ServiceName)
	_ = must(p.EC2.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: aws.String(w.serviceID),
		AddAllowedPrincipals: []string{"arn:aws:iam::222222222222:root"}}))
	n := must(p.EC2.CreateVpcEndpointConnectionNotification(ctx, &ec2.CreateVpcEndpointConnectionNotificationInput{ServiceId: aws.String(w.serviceID),
		ConnectionNotificationArn: aws.String("arn:aws:sns:us-east-1:111111111111:pl-events"), ConnectionEvents: []string{"Connect", "Accept"}}))
	w.notification = aws.ToString(n.ConnectionNotification.ConnectionNotificationId)

	c := srv.Clients(t, "checkout")
	ep := must(c.EC2.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(sbVPC), ServiceName: aws.String(w.serviceName),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: []string{sbSubnetA, sbSubnetB}, SecurityGroupIds: []string{sbSG},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcEndpoint,
			Tags: tagList(live.TagProject, project, live.TagName, "checkout-payments")}}}))
	w.endpoint = aws.ToString(ep.VpcEndpoint.VpcEndpointId)

	cw := srv.Clients(t, "checkout", "us-west-2")
	wep := must(cw.EC2.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(sbVPCWest), ServiceName: aws.String(w.serviceName),
		ServiceRegion: aws.String("us-east-1"), VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: []string{sbSubnetW},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcEndpoint,
			Tags: tagList(live.TagProject, project, live.TagName, "west-payments")}}}))
	w.westEndpoint = aws.ToString(wep.VpcEndpoint.VpcEndpointId)
	return w
}

func sbManifest() *manifest.Manifest {
	return &manifest.Manifest{
		Version:  1,
		Project:  project,
		Defaults: manifest.Defaults{Region: "us-east-1"},
		Accounts: map[string]*manifest.Account{
			"payments":  {Alias: "payments", ID: sbPayments, RoleARN: "arn:aws:iam::111111111111:role/plink"},
			"checkout":  {Alias: "checkout", ID: sbCheckout, RoleARN: "arn:aws:iam::222222222222:role/plink"},
			"analytics": {Alias: "analytics", ID: sbAnalytics, RoleARN: "arn:aws:iam::333333333333:role/plink-external", ExternalID: "plink-sandbox"},
		},
		Providers: []*manifest.Provider{{Name: "payments-api", Account: "payments", NetworkLoadBalancerARNs: []string{sbLB}, SupportedRegions: []string{"us-west-2"}}},
		Consumers: []*manifest.Consumer{
			{Name: "checkout-payments", Account: "checkout", VPCID: sbVPC, SubnetIDs: []string{sbSubnetA, sbSubnetB}, SecurityGroupIDs: []string{sbSG}, Provider: "payments-api"},
			{Name: "west-payments", Account: "checkout", Region: "us-west-2", VPCID: sbVPCWest, SubnetIDs: []string{sbSubnetW}, Provider: "payments-api"},
			{Name: "analytics-s3", Account: "analytics", VPCID: "vpc-03100000000000001", ServiceName: "com.amazonaws.us-east-1.s3"},
		},
	}
}

// sbResolver reaches every account by assuming its role from the operator.
func sbResolver(t *testing.T, srv *sandboxtest.Server, m *manifest.Manifest, counter *awsenvtest.Counter, attempts int) *awsenv.Resolver {
	t.Helper()
	key, secret, err := srv.Sandbox.OperatorCredentials()
	if err != nil {
		t.Fatal(err)
	}
	opts := awsenv.Options{Endpoint: srv.URL, BaseCredentials: credentials.NewStaticCredentialsProvider(key, secret, ""), RetryMaxAttempts: attempts}
	if counter != nil {
		opts.APIOptions = []func(*middleware.Stack) error{counter.Middleware}
	}
	r, err := awsenv.New(context.Background(), m, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReadSandbox(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	w := sbBuild(t, srv)
	m := sbManifest()
	ctx := context.Background()
	r := sbResolver(t, srv, m, nil, 0)
	if err := r.Verify(ctx); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	snap, err := live.Read(ctx, m, r, live.ReadOptions{})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}

	var scopes []string
	for _, s := range snap.Scopes {
		scopes = append(scopes, s.Account+"/"+s.Region)
	}
	// Every account in every region the manifest uses, declared there or not.
	if strings.Join(scopes, ",") != "analytics/us-east-1,analytics/us-west-2,checkout/us-east-1,checkout/us-west-2,payments/us-east-1,payments/us-west-2" {
		t.Errorf("scopes %v", scopes)
	}
	if len(snap.Services) != 1 {
		t.Fatalf("services %+v", snap.Services)
	}
	s := snap.Services[0]
	if s.ID != w.serviceID || s.AccountID != sbPayments || !s.AcceptanceRequired || strings.Join(s.SupportedRegions, ",") != "us-east-1,us-west-2" ||
		strings.Join(s.Principals, ",") != "arn:aws:iam::222222222222:root" || len(s.AvailabilityZoneIDs) != 3 {
		t.Errorf("service %+v", s)
	}
	conns := map[string]live.Connection{}
	for _, c := range s.Connections {
		conns[c.EndpointID] = c
	}
	if c := conns[w.endpoint]; c.OwnerID != sbCheckout || c.State != "pendingAcceptance" {
		t.Errorf("connection of %s: %+v (all %+v)", w.endpoint, c, s.Connections)
	}
	if c := conns[w.westEndpoint]; c.OwnerID != sbCheckout || c.Region != "us-west-2" {
		t.Errorf("cross-region connection of %s: %+v", w.westEndpoint, c)
	}
	if len(s.Notifications) != 1 || s.Notifications[0].ID != w.notification || strings.Join(s.Notifications[0].Events, ",") != "Accept,Connect" {
		t.Errorf("notifications %+v", s.Notifications)
	}

	eps := map[string]live.Endpoint{}
	for _, e := range snap.Endpoints {
		eps[e.ID] = e
	}
	if e := eps[w.endpoint]; e.AccountID != sbCheckout || e.Region != "us-east-1" || e.State != "pendingAcceptance" || e.ServiceName != w.serviceName ||
		strings.Join(e.SubnetIDs, ",") != sbSubnetA+","+sbSubnetB || strings.Join(e.SecurityGroupIDs, ",") != sbSG {
		t.Errorf("endpoint %+v", e)
	}
	if e := eps[w.westEndpoint]; e.Region != "us-west-2" || e.ServiceRegion != "us-east-1" {
		t.Errorf("west endpoint %+v", e)
	}

	// The consumer sees the provider's service (it is allowed), in its own
	// AZ mapping; cross-region from us-west-2.
	vis := map[string]live.VisibleService{}
	for _, v := range snap.VisibleServices {
		vis[v.AccountID+"/"+v.Region+"/"+v.ServiceName] = v
	}
	if v, ok := vis[sbCheckout+"/us-east-1/"+w.serviceName]; !ok || v.Owner != sbPayments || !v.AcceptanceRequired || len(v.AvailabilityZones) != 3 {
		t.Errorf("visible from checkout: %+v (all %v)", v, snap.VisibleServices)
	}
	if v, ok := vis[sbCheckout+"/us-west-2/"+w.serviceName]; !ok || v.ServiceRegion != "us-east-1" {
		t.Errorf("visible cross-region: %+v (all %v)", v, snap.VisibleServices)
	}
	if _, ok := vis[sbAnalytics+"/us-east-1/com.amazonaws.us-east-1.s3"]; !ok {
		t.Errorf("s3 not visible from analytics: %v", snap.VisibleServices)
	}

	// Subnets carry both AZ name and id; the name-to-id mapping is per
	// account. Every subnet of the consumers' 3 VPCs is read (8 in the
	// default world), not only the 3 the manifest names.
	if len(snap.Subnets) != 8 || len(snap.LoadBalancers) != 1 || snap.LoadBalancers[0].ARN != sbLB || len(snap.SecurityGroups) != 1 || len(snap.VPCs) != 3 {
		t.Errorf("network: %d subnets, %+v lbs, %d sgs, %d vpcs", len(snap.Subnets), snap.LoadBalancers, len(snap.SecurityGroups), len(snap.VPCs))
	}
	zone := map[string]string{}
	for _, z := range snap.Zones {
		zone[z.AccountID+"/"+z.Region+"/"+z.Name] = z.ID
	}
	if zone[sbPayments+"/us-east-1/us-east-1a"] == zone[sbCheckout+"/us-east-1/us-east-1a"] {
		t.Errorf("AZ names map to the same id in both accounts: %v", zone)
	}
	for _, sn := range snap.Subnets {
		if sn.ZoneID == "" || zone[sn.AccountID+"/"+sn.Region+"/"+sn.Zone] != sn.ZoneID {
			t.Errorf("subnet %+v disagrees with zones", sn)
		}
	}
}

func TestReadSandboxCallBudget(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	sbBuild(t, srv)
	ctx := context.Background()
	// Services in analytics (a consumer scope) tagged for the project: they
	// are read there too, as orphans the plan would delete.
	a := srv.Clients(t, "analytics")
	addService := func(name string, in *ec2.CreateVpcEndpointServiceConfigurationInput) {
		in.TagSpecifications = []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcEndpointService,
			Tags: tagList(live.TagProject, project, live.TagName, name)}}
		_ = must(a.EC2.CreateVpcEndpointServiceConfiguration(ctx, in))
	}
	addService("orphan-nlb", &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{"arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/net/analytics-ingest/031000000005c0c1"}})

	m := sbManifest()
	counter := &awsenvtest.Counter{}
	first, err := live.Read(ctx, m, sbResolver(t, srv, m, counter, 0), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := counter.Counts()
	t.Logf("calls: %s", counter)
	if before["EC2.DescribeVpcEndpointServicePermissions"] != 2 {
		t.Errorf("permissions calls: %d, want 2", before["EC2.DescribeVpcEndpointServicePermissions"])
	}
	// Every account in every region the manifest uses: 3 accounts × 2 regions.
	scopes := len(first.Scopes)
	if scopes != len(m.Accounts)*2 {
		t.Fatalf("%d scopes, want %d: %+v", scopes, len(m.Accounts)*2, first.Scopes)
	}
	// Every scope lists its zones, services and endpoints in one call each,
	// never one per resource. The rest is read only where something needs
	// it, each at most once per scope: subnets and VPCs where consumers are
	// (2 and 3 scopes), groups where a consumer names one (1), connections and
	// notifications where owned services are (payments and analytics
	// us-east-1), visible services for consumer scopes (3), load balancers
	// where a provider names one (1). Roles are assumed once per account.
	for op, want := range map[string]int{"EC2.DescribeVpcEndpoints": scopes, "EC2.DescribeAvailabilityZones": scopes,
		"EC2.DescribeVpcEndpointServiceConfigurations": scopes} {
		if before[op] != want {
			t.Errorf("%s: %d calls, want one per scope (%d)", op, before[op], want)
		}
	}
	for op, max := range map[string]int{"EC2.DescribeSubnets": 2, "EC2.DescribeVpcs": 3,
		"EC2.DescribeSecurityGroups": 1, "EC2.DescribeVpcEndpointConnections": 2, "EC2.DescribeVpcEndpointConnectionNotifications": 2,
		"EC2.DescribeVpcEndpointServices": 3, "Elastic Load Balancing v2.DescribeLoadBalancers": 1, "STS.AssumeRole": len(m.Accounts)} {
		if before[op] > max {
			t.Errorf("%s: %d calls, at most %d", op, before[op], max)
		}
	}

	// One more owned service costs one more call: its permissions.
	addService("orphan-gwlb", &ec2.CreateVpcEndpointServiceConfigurationInput{
		GatewayLoadBalancerArns: []string{"arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/gwy/analytics-inspect/031000000005c0c2"}})
	counter.Reset()
	snap, err := live.Read(ctx, m, sbResolver(t, srv, m, counter, 0), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := counter.Total(), total(before)+1; got != want {
		t.Errorf("calls: %d, want %d\nbefore %v\nafter  %s", got, want, before, counter)
	}
	var types []string
	for _, s := range snap.Services {
		if s.AccountID == sbAnalytics {
			types = append(types, s.Tags[live.TagName]+"="+s.Type)
		}
	}
	sort.Strings(types)
	if strings.Join(types, ",") != "orphan-gwlb=GatewayLoadBalancer,orphan-nlb=Interface" {
		t.Errorf("analytics services %v", types)
	}
}

func TestReadSandboxThrottlingIsRetried(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	sbBuild(t, srv)
	m := sbManifest()
	srv.Sandbox.Inject(sandbox.Fault{Action: "DescribeVpcEndpoints", Account: sbCheckout, Region: "us-east-1", Code: "RequestLimitExceeded", Times: 2})
	srv.Sandbox.Inject(sandbox.Fault{Action: "DescribeVpcEndpointConnections", Code: "InternalError", Times: 1})
	srv.Sandbox.ResetCalls()
	snap, err := live.Read(context.Background(), m, sbResolver(t, srv, m, nil, 0), live.ReadOptions{})
	if err != nil {
		t.Fatalf("Read with throttling: %v", err)
	}
	if len(snap.Endpoints) == 0 || len(snap.Services) != 1 || len(snap.Services[0].Connections) != 2 {
		t.Errorf("snapshot incomplete after retries: %d endpoints, %+v", len(snap.Endpoints), snap.Services)
	}
	for _, c := range srv.Sandbox.Calls() {
		if c.Action == "DescribeVpcEndpoints" && c.Account == sbCheckout && c.Region == "us-east-1" && c.Count != 3 {
			t.Errorf("DescribeVpcEndpoints reached the sandbox %d times, want 3 (2 throttled, 1 answered)", c.Count)
		}
	}
}

func TestReadSandboxFailureNamesCallAccountRegion(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	sbBuild(t, srv)
	m := sbManifest()
	m.Accounts["analytics"].ExternalID = "wrong"
	srv.Sandbox.Inject(sandbox.Fault{Action: "DescribeVpcEndpointConnections", Account: sbPayments, Code: "InternalError", Times: -1})
	snap, err := live.Read(context.Background(), m, sbResolver(t, srv, m, nil, 2), live.ReadOptions{})
	var rerr *live.ReadError
	if !errors.As(err, &rerr) || len(rerr.Failures) != 3 {
		t.Fatalf("want 3 failures, got %v", err)
	}
	// The role cannot be assumed in either region analytics is read in; each
	// scope fails once, on its first call, and the failure names the call
	// that failed: sts:AssumeRole, not the EC2 call that needed the role.
	for i, region := range []string{"us-east-1", "us-west-2"} {
		f := rerr.Failures[i]
		if f.Account != "analytics" || f.AccountID != sbAnalytics || f.Region != region || f.Call != "sts:AssumeRole" ||
			!strings.Contains(f.Error, "AccessDenied") {
			t.Errorf("assume-role failure in %s: %+v", region, f)
		}
	}
	f := rerr.Failures[2]
	if f.Account != "payments" || f.AccountID != sbPayments || f.Region != "us-east-1" || f.Call != "DescribeVpcEndpointConnections" ||
		f.Error != "InternalError: Injected fault: InternalError" {
		t.Errorf("connections failure %+v", f)
	}
	if !strings.Contains(err.Error(), "DescribeVpcEndpointConnections in account payments (111111111111) region us-east-1: InternalError") {
		t.Errorf("error %v", err)
	}
	// The rest was read.
	if len(snap.Services) != 1 || len(snap.Endpoints) != 2 {
		t.Errorf("%d services, %d endpoints", len(snap.Services), len(snap.Endpoints))
	}
}

// A consumer removed from the manifest leaves its account-region with
// nothing declared: that scope is still read (us-east-1 is still a region the
// manifest uses), so its tagged endpoint is in the snapshot for plan to
// delete.
func TestReadSandboxRemovedConsumerScopeIsRead(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	w := sbBuild(t, srv)
	m := sbManifest()
	var kept []*manifest.Consumer
	for _, c := range m.Consumers {
		if c.Name != "checkout-payments" {
			kept = append(kept, c)
		}
	}
	m.Consumers = kept
	for _, c := range m.Consumers {
		if c.Account == "checkout" && c.Region != "us-west-2" {
			t.Fatalf("checkout still declares %s in us-east-1", c.Name)
		}
	}
	snap, err := live.Read(context.Background(), m, sbResolver(t, srv, m, nil, 0), live.ReadOptions{})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	found := false
	for _, s := range snap.Scopes {
		found = found || s.Account == "checkout" && s.AccountID == sbCheckout && s.Region == "us-east-1"
	}
	if !found {
		t.Fatalf("checkout/us-east-1 not read: scopes %+v", snap.Scopes)
	}
	var left []live.Endpoint
	for _, e := range snap.Endpoints {
		if e.AccountID == sbCheckout && e.Region == "us-east-1" {
			left = append(left, e)
		}
	}
	if len(left) != 1 {
		t.Fatalf("checkout us-east-1 endpoints %+v, want only %s", left, w.endpoint)
	}
	if e := left[0]; e.ID != w.endpoint || e.VPCID != sbVPC || e.ServiceName != w.serviceName ||
		e.Tags[live.TagProject] != project || e.Tags[live.TagName] != "checkout-payments" {
		t.Errorf("left-over endpoint %+v", e)
	}
	// Nothing declared there, so none of its network is read.
	for _, sn := range snap.Subnets {
		if sn.AccountID == sbCheckout && sn.Region == "us-east-1" {
			t.Errorf("subnet read with nothing declared: %+v", sn)
		}
	}
	for _, v := range snap.VPCs {
		if v.AccountID == sbCheckout && v.Region == "us-east-1" {
			t.Errorf("vpc read with nothing declared: %+v", v)
		}
	}
}
