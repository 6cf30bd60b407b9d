package sandbox_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

func noRetry(o *ec2.Options) { o.RetryMaxAttempts = 1 }

func TestPaginationAndFilters(t *testing.T) {
	srv := start(t)
	cons := srv.Clients(t, "checkout").EC2
	for i := 0; i < 12; i++ {
		_, err := createEndpoint(cons, checkoutVPCEast, "com.amazonaws.us-east-1.sqs", nil, func(in *ec2.CreateVpcEndpointInput) {
			if i%2 == 0 {
				in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeVpcEndpoint, Tags: []types.Tag{{Key: aws.String("even"), Value: aws.String("yes")}}}}
			}
		})
		must(t, err)
	}
	p := ec2.NewDescribeVpcEndpointsPaginator(cons, &ec2.DescribeVpcEndpointsInput{MaxResults: aws.Int32(5)})
	var sizes []int
	seen := map[string]bool{}
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		must(t, err)
		sizes = append(sizes, len(out.VpcEndpoints))
		for _, e := range out.VpcEndpoints {
			seen[*e.VpcEndpointId] = true
		}
	}
	if len(sizes) != 3 || sizes[0] != 5 || sizes[2] != 2 || len(seen) != 12 {
		t.Fatalf("pages %v, distinct %d", sizes, len(seen))
	}
	_, err := cons.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{MaxResults: aws.Int32(3)})
	wantCode(t, err, "InvalidParameterValue")
	_, err = cons.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{NextToken: aws.String("garbage")})
	wantCode(t, err, "InvalidPaginationToken")
	big, err := cons.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{MaxResults: aws.Int32(5000)})
	must(t, err)
	if len(big.VpcEndpoints) != 12 || big.NextToken != nil {
		t.Fatalf("clamped page %d", len(big.VpcEndpoints))
	}

	for _, f := range []struct {
		filter types.Filter
		want   int
	}{
		{types.Filter{Name: aws.String("tag:even"), Values: []string{"yes"}}, 6},
		{types.Filter{Name: aws.String("tag-key"), Values: []string{"even"}}, 6},
		{types.Filter{Name: aws.String("vpc-id"), Values: []string{checkoutVPCEast}}, 12},
		{types.Filter{Name: aws.String("service-name"), Values: []string{"com.amazonaws.us-east-1.sqs"}}, 12},
		{types.Filter{Name: aws.String("service-name"), Values: []string{"com.amazonaws.us-east-1.s*"}}, 12},
		{types.Filter{Name: aws.String("vpc-endpoint-state"), Values: []string{"available"}}, 12},
		{types.Filter{Name: aws.String("vpc-endpoint-state"), Values: []string{"pendingAcceptance"}}, 0},
		{types.Filter{Name: aws.String("vpc-endpoint-type"), Values: []string{"Interface"}}, 12},
	} {
		out, err := cons.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: []types.Filter{f.filter}})
		must(t, err)
		if len(out.VpcEndpoints) != f.want {
			t.Errorf("filter %s=%v: %d, want %d", *f.filter.Name, f.filter.Values, len(out.VpcEndpoints), f.want)
		}
	}

	// The managed catalogue pages too.
	n, pages := 0, 0
	var tok *string
	for {
		out, err := cons.DescribeVpcEndpointServices(ctx, &ec2.DescribeVpcEndpointServicesInput{MaxResults: aws.Int32(5), NextToken: tok})
		must(t, err)
		n += len(out.ServiceDetails)
		pages++
		if tok = out.NextToken; tok == nil {
			break
		}
	}
	if pages < 4 || n < 19 {
		t.Fatalf("service pages %d details %d", pages, n)
	}
	f, err := cons.DescribeVpcEndpointServices(ctx, &ec2.DescribeVpcEndpointServicesInput{Filters: []types.Filter{{Name: aws.String("service-type"), Values: []string{"Gateway"}}}})
	must(t, err)
	if len(f.ServiceDetails) != 2 {
		t.Fatalf("gateway services %d", len(f.ServiceDetails))
	}

	// Ids with MaxResults is an error for DescribeVpcs, as in AWS.
	_, err = cons.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{checkoutVPCEast}, MaxResults: aws.Int32(5)})
	wantCode(t, err, "InvalidParameterCombination")
}

func TestNetworkReads(t *testing.T) {
	srv := start(t)
	pay := srv.Clients(t, "payments").EC2
	chk := srv.Clients(t, "checkout").EC2
	az := func(c *ec2.Client) map[string]string {
		out, err := c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
		must(t, err)
		m := map[string]string{}
		for _, z := range out.AvailabilityZones {
			m[*z.ZoneName] = *z.ZoneId
		}
		return m
	}
	if a, b := az(pay), az(chk); a["us-east-1a"] != "use1-az1" || b["us-east-1a"] != "use1-az2" || len(a) != 4 {
		t.Fatalf("az mappings %v %v", a, b)
	}
	subs, err := chk.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{{Name: aws.String("availability-zone-id"), Values: []string{"use1-az1"}}}})
	must(t, err)
	if len(subs.Subnets) != 1 || *subs.Subnets[0].SubnetId != "subnet-0210000000000000c" || *subs.Subnets[0].AvailabilityZone != "us-east-1c" {
		t.Fatalf("subnets %+v", subs.Subnets)
	}
	_, err = chk.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-0110000000000000a"}})
	wantCode(t, err, "InvalidSubnetID.NotFound")
	vpcs, err := chk.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	must(t, err)
	if len(vpcs.Vpcs) != 1 || *vpcs.Vpcs[0].VpcId != checkoutVPCEast || *vpcs.Vpcs[0].CidrBlock != "10.21.0.0/16" {
		t.Fatalf("vpcs %+v", vpcs.Vpcs)
	}
	_, err = chk.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{paymentsVPCEast}})
	wantCode(t, err, "InvalidVpcID.NotFound")
	sgs, err := chk.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{{Name: aws.String("vpc-id"), Values: []string{checkoutVPCEast}}}})
	must(t, err)
	if len(sgs.SecurityGroups) != 1 || *sgs.SecurityGroups[0].GroupId != checkoutSGEast {
		t.Fatalf("sgs %+v", sgs.SecurityGroups)
	}
	_, err = chk.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-0ffffffffffffffff"}})
	wantCode(t, err, "InvalidGroup.NotFound")
}

func TestELBv2(t *testing.T) {
	srv := start(t)
	elb := srv.Clients(t, "analytics").ELB
	out, err := elb.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{})
	must(t, err)
	if len(out.LoadBalancers) != 2 {
		t.Fatalf("lbs %d", len(out.LoadBalancers))
	}
	lb := out.LoadBalancers[0]
	if *lb.LoadBalancerArn != analyticsNLBEast || lb.Type != "network" || lb.State.Code != "active" || len(lb.AvailabilityZones) != 3 ||
		*lb.AvailabilityZones[0].ZoneName != "us-east-1a" || *lb.AvailabilityZones[0].SubnetId != "subnet-0310000000000000a" || *lb.LoadBalancerName != "analytics-ingest" {
		t.Fatalf("lb %+v", lb)
	}
	byName, err := elb.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"analytics-inspect"}})
	must(t, err)
	if len(byName.LoadBalancers) != 1 || byName.LoadBalancers[0].Type != "gateway" {
		t.Fatalf("by name %+v", byName.LoadBalancers)
	}
	_, err = elb.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{paymentsNLBEast}})
	wantCode(t, err, "LoadBalancerNotFound")
	tags, err := elb.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: []string{analyticsNLBEast}})
	must(t, err)
	if len(tags.TagDescriptions) != 1 {
		t.Fatalf("tags %+v", tags)
	}
	page, err := elb.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(1)})
	must(t, err)
	if len(page.LoadBalancers) != 1 || page.NextMarker == nil {
		t.Fatalf("page %+v", page)
	}
}

func TestSTS(t *testing.T) {
	srv := start(t)
	key, secret, err := srv.Sandbox.OperatorCredentials()
	must(t, err)
	op := srvClients(srv, key, secret)
	id, err := op.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
	if *id.Account != "999999999999" || *id.Arn != "arn:aws:iam::999999999999:user/plink-operator" {
		t.Fatalf("operator identity %+v", id)
	}
	cfg := srv.AssumeRole(t, op, "arn:aws:iam::"+payments+":role/plink", "", "us-east-1")
	as := sandboxtest.ClientsFor(cfg)
	id, err = as.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
	if *id.Account != payments || *id.Arn != "arn:aws:sts::111111111111:assumed-role/plink/plink-test" || !strings.HasSuffix(*id.UserId, ":plink-test") {
		t.Fatalf("assumed identity %+v", id)
	}
	v, err := as.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	must(t, err)
	if *v.Vpcs[0].VpcId != paymentsVPCEast {
		t.Fatalf("assumed role sees %s", *v.Vpcs[0].VpcId)
	}
	creds, _ := cfg.Credentials.Retrieve(ctx)
	if !strings.HasPrefix(creds.AccessKeyID, "ASIA") {
		t.Fatalf("temporary key %s", creds.AccessKeyID)
	}

	assume := func(c *sandboxtest.Clients, role, ext string) error {
		in := &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("s1")}
		if ext != "" {
			in.ExternalId = aws.String(ext)
		}
		_, err := c.STS.AssumeRole(ctx, in)
		return err
	}
	ext := "arn:aws:iam::" + analytics + ":role/plink-external"
	wantCode(t, assume(op, ext, ""), "AccessDenied")
	wantCode(t, assume(op, ext, "wrong"), "AccessDenied")
	must(t, assume(op, ext, "plink-sandbox"))
	wantCode(t, assume(op, "arn:aws:iam::"+analytics+":role/nope", ""), "AccessDenied")
	wantCode(t, assume(srv.Clients(t, "checkout"), "arn:aws:iam::"+payments+":role/plink", ""), "AccessDenied")
	// A session token that does not match the key is refused.
	bad := sandboxtest.ClientsFor(srv.StaticConfig(creds.AccessKeyID, creds.SecretAccessKey, "forged", "us-east-1"))
	_, err = bad.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantCode(t, err, "InvalidClientTokenId")
}

func TestSignatures(t *testing.T) {
	srv := start(t)
	key, _, _ := srv.Sandbox.Credentials("payments")
	wrong := sandboxtest.ClientsFor(srv.StaticConfig(key, "not-the-secret", "", "us-east-1"))
	_, err := wrong.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	wantCode(t, err, "SignatureDoesNotMatch")
	_, err = wrong.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantCode(t, err, "SignatureDoesNotMatch")
	unknown := sandboxtest.ClientsFor(srv.StaticConfig("AKIAUNKNOWNKEY000000", "x", "", "us-east-1"))
	_, err = unknown.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	wantCode(t, err, "AuthFailure")
	_, err = unknown.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantCode(t, err, "InvalidClientTokenId")
	anon := aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}, BaseEndpoint: aws.String(srv.URL)}
	_, err = ec2.NewFromConfig(anon).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	wantCode(t, err, "AuthFailure")
	_, err = sts.NewFromConfig(anon).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantCode(t, err, "MissingAuthenticationToken")
	_, err = srv.Clients(t, "payments", "eu-west-9").EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	wantCode(t, err, "InvalidParameterValue")
}

func TestThrottling(t *testing.T) {
	srv := start(t, sandbox.Options{Throttle: true, ThrottleScale: 0.05}) // non-mutating: burst 5, 1 token/s
	c := srv.Clients(t, "payments").EC2
	var err error
	for i := 0; i < 6 && err == nil; i++ {
		_, err = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}, noRetry)
	}
	wantCode(t, err, "RequestLimitExceeded")
	// Other accounts have their own buckets.
	_, err = srv.Clients(t, "checkout").EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}, noRetry)
	must(t, err)

	// The SDK's standard retryer retries RequestLimitExceeded until it passes.
	srv.Sandbox.ResetCalls()
	retrying := func(o *ec2.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 10
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 300 * time.Millisecond, nil })
		})
	}
	for i := 0; i < 2; i++ {
		_, err = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}, retrying)
		must(t, err)
	}
	calls := srv.Sandbox.Calls()
	if len(calls) != 1 || calls[0].Count <= 2 || calls[0].Mutating {
		t.Fatalf("calls %+v", calls)
	}
	// Throttled counts the refused ones among them: all but the two that
	// passed.
	th := srv.Sandbox.Throttled()
	if len(th) != 1 || th[0].Action != "DescribeVpcs" || th[0].Account != payments || th[0].Count != calls[0].Count-2 {
		t.Fatalf("throttled %+v of calls %+v", th, calls)
	}
	srv.Sandbox.ResetCalls()
	if th := srv.Sandbox.Throttled(); len(th) != 0 {
		t.Errorf("ResetCalls left %+v", th)
	}
}

func TestFaults(t *testing.T) {
	srv := start(t)
	c := srv.Clients(t, "payments").EC2
	// A 500 is retried by the SDK and the call succeeds.
	srv.Sandbox.Inject(sandbox.Fault{Action: "CreateVpcEndpointServiceConfiguration", Code: "InternalError", Times: 1})
	svc := createService(t, c)
	found := false
	for _, cl := range srv.Sandbox.Calls() {
		if cl.Action == "CreateVpcEndpointServiceConfiguration" {
			found = cl.Count == 2 && cl.Mutating && cl.Account == payments && cl.Region == "us-east-1" && cl.Service == "ec2"
		}
	}
	if !found {
		t.Fatalf("calls %+v", srv.Sandbox.Calls())
	}
	// A client error is returned as is, once.
	srv.Sandbox.Inject(sandbox.Fault{Action: "ModifyVpcEndpointServicePermissions", Account: payments, Code: "UnauthorizedOperation", Times: 1})
	_, err := c.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: svc.ServiceId, AddAllowedPrincipals: []string{"*"}})
	wantCode(t, err, "UnauthorizedOperation")
	allow(t, c, *svc.ServiceId, "*")
	// A fault for another account does not match.
	srv.Sandbox.Inject(sandbox.Fault{Action: "DescribeVpcs", Account: checkout, Code: "Unavailable", Times: -1})
	_, err = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	must(t, err)
	_, err = srv.Clients(t, "checkout").EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}, noRetry)
	wantCode(t, err, "Unavailable")
	srv.Sandbox.ClearFaults()

	// Random server errors and connection resets.
	errSrv := start(t, sandbox.Options{ErrorRate: 1})
	_, err = errSrv.Clients(t, "payments").EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}, noRetry)
	if cd := code(t, err); cd != "InternalError" && cd != "Unavailable" {
		t.Fatalf("error rate: %v", err)
	}
	resetSrv := start(t, sandbox.Options{ResetRate: 1})
	_, err = resetSrv.Clients(t, "payments").EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}, noRetry)
	var ae smithy.APIError
	if err == nil || errors.As(err, &ae) {
		t.Fatalf("reset: want a transport error, got %v", err)
	}
}

func TestConsistencyDelay(t *testing.T) {
	clk := newClock()
	srv := start(t, sandbox.Options{Clock: clk.Now, ConsistencyDelay: 2 * time.Second})
	c := srv.Clients(t, "payments").EC2
	svc := createService(t, c)
	_, err := c.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: []string{*svc.ServiceId}})
	wantCode(t, err, "InvalidVpcEndpointServiceId.NotFound")
	clk.Advance(2 * time.Second)
	_, err = c.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: []string{*svc.ServiceId}})
	must(t, err)
}

func TestPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	clk := newClock()
	opts := sandbox.Options{StatePath: path, Clock: clk.Now, EndpointAvailableDelay: time.Minute}
	srv := start(t, opts)
	prov := srv.Clients(t, "payments").EC2
	svc := createService(t, prov, func(in *ec2.CreateVpcEndpointServiceConfigurationInput) { in.AcceptanceRequired = aws.Bool(false) })
	allow(t, prov, *svc.ServiceId, "*")
	ep, err := createEndpoint(srv.Clients(t, "checkout").EC2, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast())
	must(t, err)
	op := srvClients(srv, "AKIASANDBOXOPERATOR1", "operator-sandbox-secret-key0000000000000")
	cfg := srv.AssumeRole(t, op, "arn:aws:iam::"+payments+":role/plink", "", "us-east-1")

	// A second sandbox on the same file sees the state, and time moves on.
	clk.Advance(time.Minute)
	srv2 := start(t, opts)
	if st := endpointState(t, srv2.Clients(t, "checkout").EC2, *ep.VpcEndpointId); st != "available" {
		t.Fatalf("state in second sandbox: %s", st)
	}
	got, err := srv2.Clients(t, "payments").EC2.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{})
	must(t, err)
	if len(got.ServiceConfigurations) != 1 || *got.ServiceConfigurations[0].ServiceId != *svc.ServiceId {
		t.Fatalf("services %+v", got.ServiceConfigurations)
	}
	// Temporary credentials survive too.
	cfg.BaseEndpoint = aws.String(srv2.URL)
	_, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
	// New ids do not collide with persisted ones.
	svc2, err := srv2.Clients(t, "analytics").EC2.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{NetworkLoadBalancerArns: []string{analyticsNLBEast}})
	must(t, err)
	if *svc2.ServiceConfiguration.ServiceId == *svc.ServiceId {
		t.Fatal("id collision")
	}
	must(t, srv2.Sandbox.Save())
}

func TestAPI(t *testing.T) {
	sb, err := sandbox.New(sandbox.DefaultWorld(), sandbox.Options{})
	must(t, err)
	env := sb.EnvBlock("payments", "http://127.0.0.1:4566")
	want := "# account payments (111111111111)\nexport AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=AKIASANDBOXPAYMENTS1 AWS_SECRET_ACCESS_KEY=payments-sandbox-secret-key0000000000000 AWS_REGION=us-east-1\nexport AWS_DEFAULT_REGION=us-east-1\n"
	if env != want {
		t.Fatalf("env block:\n%s\nwant:\n%s", env, want)
	}
	if _, _, err := sb.Credentials("nobody"); err == nil {
		t.Fatal("unknown account accepted")
	}
	if k, _, _ := sb.Credentials("333333333333"); k != "AKIASANDBOXANALYTIC1" {
		t.Fatalf("by id: %s", k)
	}
	if _, _, err := sb.Start("0.0.0.0:0"); err == nil {
		t.Fatal("non-loopback address accepted")
	}
	url, stop, err := sb.Start("127.0.0.1:0")
	must(t, err)
	defer stop()
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: aws.CredentialsProviderFunc(func(ctxx context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKIASANDBOXCHECKOUT1", SecretAccessKey: "checkout-sandbox-secret-key0000000000000"}, nil
	})}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
	if *id.Account != checkout {
		t.Fatalf("account %s", *id.Account)
	}
	for _, a := range []string{"CreateVpcEndpoint", "DeleteTags", "AcceptVpcEndpointConnections", "StartVpcEndpointServicePrivateDnsVerification"} {
		if !sandbox.IsMutating(a) {
			t.Errorf("%s should be mutating", a)
		}
	}
	for _, a := range []string{"DescribeVpcEndpoints", "AssumeRole", "GetCallerIdentity"} {
		if sandbox.IsMutating(a) {
			t.Errorf("%s should not be mutating", a)
		}
	}
}

func TestWorldValidation(t *testing.T) {
	w := sandbox.DefaultWorld()
	w.Accounts[0].Regions["us-east-1"].VPCs[0].Subnets[0].AvailabilityZone = "us-east-1z"
	if _, err := sandbox.New(w, sandbox.Options{}); err == nil || !strings.Contains(err.Error(), "us-east-1z") {
		t.Fatalf("bad world accepted: %v", err)
	}
	dir := t.TempDir()
	if _, err := sandbox.LoadWorld(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Fatal("missing file accepted")
	}
	// a load balancer ARN of the wrong shape says what the shape is
	w = sandbox.DefaultWorld()
	lbs := w.Accounts[0].Regions["us-east-1"].LoadBalancers
	if len(lbs) == 0 {
		t.Fatal("the default world's first account has no load balancer in us-east-1")
	}
	lbs[0].Arn = lbs[0].Arn[:len(lbs[0].Arn)-1] // 15 hex digits
	if _, err := sandbox.New(w, sandbox.Options{}); err == nil || !strings.Contains(err.Error(), "ID 16 lowercase hex digits") {
		t.Fatalf("malformed load balancer ARN: %v", err)
	}
}
