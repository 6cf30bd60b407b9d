package sandbox_test

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/vpclattice"

	"github.com/plinkdev/plink/sandbox"
)

const (
	sharedRCFG   = "arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-0111000000000000a"
	unsharedRCFG = "arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-0111000000000000b"
	meshSN       = "arn:aws:vpc-lattice:us-east-1:111111111111:servicenetwork/sn-0111000000000000a"
)

// latticeEndpoint creates a Resource or ServiceNetwork endpoint in
// checkout's us-east-1 VPC.
func latticeEndpoint(c *ec2.Client, typ types.VpcEndpointType, arn string, subnets []string, mut ...func(*ec2.CreateVpcEndpointInput)) (*types.VpcEndpoint, error) {
	in := &ec2.CreateVpcEndpointInput{VpcEndpointType: typ, VpcId: aws.String(checkoutVPCEast), SubnetIds: subnets}
	if typ == types.VpcEndpointTypeResource {
		in.ResourceConfigurationArn = aws.String(arn)
	} else {
		in.ServiceNetworkArn = aws.String(arn)
	}
	for _, m := range mut {
		m(in)
	}
	out, err := c.CreateVpcEndpoint(ctx, in)
	if err != nil {
		return nil, err
	}
	return out.VpcEndpoint, nil
}

func TestResourceEndpointLifecycle(t *testing.T) {
	clock := newClock()
	srv := start(t, sandbox.Options{Clock: clock.Now, EndpointAvailableDelay: time.Minute})
	co := srv.Clients(t, "checkout").EC2
	// checkout's us-east-1a is use1-az2 and us-east-1c use1-az1: the two
	// zones the configuration's resource gateway serves.
	a, c := checkoutSubnetsEast()[0], checkoutSubnetsEast()[2]
	ep, err := latticeEndpoint(co, types.VpcEndpointTypeResource, sharedRCFG, []string{a}, func(in *ec2.CreateVpcEndpointInput) {
		in.PrivateDnsEnabled = aws.Bool(true)
		in.DnsOptions = &types.DnsOptionsSpecification{PrivateDnsPreference: aws.String("SPECIFIED_DOMAINS_ONLY"), PrivateDnsSpecifiedDomains: []string{"orders-db.example.com"}}
		in.ClientToken = aws.String("tok-1")
	})
	must(t, err)
	if ep.VpcEndpointType != types.VpcEndpointTypeResource || aws.ToString(ep.ResourceConfigurationArn) != sharedRCFG || ep.ServiceName != nil || ep.ServiceNetworkArn != nil {
		t.Fatalf("endpoint %+v", ep)
	}
	if string(ep.State) != "pending" || len(ep.NetworkInterfaceIds) != 1 || !slices.Equal(securityGroups(ep), []string{checkoutSGEast}) || ep.PolicyDocument != nil {
		t.Fatalf("state %s, interfaces %v, groups %v, policy %v", ep.State, ep.NetworkInterfaceIds, securityGroups(ep), ep.PolicyDocument)
	}
	if d := ep.DnsOptions; d == nil || aws.ToString(d.PrivateDnsPreference) != "SPECIFIED_DOMAINS_ONLY" || !slices.Equal(d.PrivateDnsSpecifiedDomains, []string{"orders-db.example.com"}) || !aws.ToBool(ep.PrivateDnsEnabled) {
		t.Fatalf("dns %+v private %v", ep.DnsOptions, ep.PrivateDnsEnabled)
	}
	// The same ClientToken answers with the same endpoint.
	again, err := latticeEndpoint(co, types.VpcEndpointTypeResource, sharedRCFG, []string{a}, func(in *ec2.CreateVpcEndpointInput) {
		in.PrivateDnsEnabled = aws.Bool(true)
		in.DnsOptions = &types.DnsOptionsSpecification{PrivateDnsPreference: aws.String("SPECIFIED_DOMAINS_ONLY"), PrivateDnsSpecifiedDomains: []string{"orders-db.example.com"}}
		in.ClientToken = aws.String("tok-1")
	})
	must(t, err)
	if aws.ToString(again.VpcEndpointId) != aws.ToString(ep.VpcEndpointId) {
		t.Fatalf("retried create made %s, first %s", aws.ToString(again.VpcEndpointId), aws.ToString(ep.VpcEndpointId))
	}
	// pending, then available: nothing waits for acceptance.
	clock.Advance(time.Minute)
	if st := endpointState(t, co, aws.ToString(ep.VpcEndpointId)); st != "available" {
		t.Fatalf("state %s", st)
	}
	// The type filter and the ARN filter find it.
	out, err := co.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: []types.Filter{
		{Name: aws.String("vpc-endpoint-type"), Values: []string{"Resource"}},
		{Name: aws.String("resource-configuration-arn"), Values: []string{sharedRCFG}}}})
	must(t, err)
	if len(out.VpcEndpoints) != 1 {
		t.Fatalf("filtered %d endpoints", len(out.VpcEndpoints))
	}

	id := ep.VpcEndpointId
	// Modify: the preference.
	_, err = co.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: id,
		DnsOptions: &types.DnsOptionsSpecification{PrivateDnsPreference: aws.String("VERIFIED_DOMAINS_ONLY")}})
	must(t, err)
	got := currentEndpoint(t, co, aws.ToString(id))
	if !slices.Equal(got.SubnetIds, []string{a}) || aws.ToString(got.DnsOptions.PrivateDnsPreference) != "VERIFIED_DOMAINS_ONLY" || len(got.DnsOptions.PrivateDnsSpecifiedDomains) != 0 {
		t.Fatalf("after modify: subnets %v, dns %+v", got.SubnetIds, got.DnsOptions)
	}
	// Turning private DNS off drops the preference.
	_, err = co.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: id, PrivateDnsEnabled: aws.Bool(false)})
	must(t, err)
	if got := currentEndpoint(t, co, aws.ToString(id)); aws.ToBool(got.PrivateDnsEnabled) || got.DnsOptions.PrivateDnsPreference != nil {
		t.Fatalf("after private DNS off: %v %+v", got.PrivateDnsEnabled, got.DnsOptions)
	}

	// What AWS refuses on a resource endpoint's modify.
	for _, tc := range []struct {
		name string
		in   *ec2.ModifyVpcEndpointInput
		code string
		msg  string
	}{
		{"subnets added", &ec2.ModifyVpcEndpointInput{VpcEndpointId: id, AddSubnetIds: []string{c}}, "InvalidParameter", "The subnets of a Resource endpoint cannot be modified"},
		{"subnets removed", &ec2.ModifyVpcEndpointInput{VpcEndpointId: id, RemoveSubnetIds: []string{a}}, "InvalidParameter", "The subnets of a Resource endpoint cannot be modified"},
		{"policy", &ec2.ModifyVpcEndpointInput{VpcEndpointId: id, PolicyDocument: aws.String(`{"Statement":[]}`)}, "InvalidParameter", "Endpoint policies are not supported for Resource endpoints"},
		{"reset policy", &ec2.ModifyVpcEndpointInput{VpcEndpointId: id, ResetPolicy: aws.Bool(true)}, "InvalidParameter", "Endpoint policies are not supported"},
		{"preference without private DNS", &ec2.ModifyVpcEndpointInput{VpcEndpointId: id, DnsOptions: &types.DnsOptionsSpecification{PrivateDnsPreference: aws.String("ALL_DOMAINS")}}, "InvalidParameter", "only supported when private DNS is enabled"},
		{"last group", &ec2.ModifyVpcEndpointInput{VpcEndpointId: id, RemoveSecurityGroupIds: []string{checkoutSGEast}}, "InvalidParameter", "A Resource endpoint must have at least one security group"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := co.ModifyVpcEndpoint(ctx, tc.in)
			wantCode(t, err, tc.code)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v does not say %q", err, tc.msg)
			}
		})
	}

	// Delete: deleting, then deleted, then gone.
	_, err = co.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{aws.ToString(id)}})
	must(t, err)
	if st := endpointState(t, co, aws.ToString(id)); st != "deleting" {
		t.Fatalf("state after delete %s", st)
	}
	clock.Advance(time.Minute)
	if st := endpointState(t, co, aws.ToString(id)); st != "deleted" {
		t.Fatalf("state %s", st)
	}
}

func securityGroups(ep *types.VpcEndpoint) []string {
	var out []string
	for _, g := range ep.Groups {
		out = append(out, aws.ToString(g.GroupId))
	}
	return out
}

func TestLatticeEndpointRefusals(t *testing.T) {
	srv := start(t)
	co := srv.Clients(t, "checkout").EC2
	pay := srv.Clients(t, "payments").EC2
	a, b := checkoutSubnetsEast()[0], checkoutSubnetsEast()[1]
	for _, tc := range []struct {
		name string
		typ  types.VpcEndpointType
		arn  string
		sub  []string
		mut  func(*ec2.CreateVpcEndpointInput)
		code string
		msg  string
	}{
		{"not shared with the account", types.VpcEndpointTypeResource, unsharedRCFG, []string{a}, nil, "InvalidParameter",
			"The resource configuration " + unsharedRCFG + " does not exist or is not shared with account 222222222222."},
		{"does not exist", types.VpcEndpointTypeServiceNetwork, "arn:aws:vpc-lattice:us-east-1:111111111111:servicenetwork/sn-0111000000000000f", []string{a}, nil, "InvalidParameter",
			"does not exist or is not shared with account 222222222222"},
		{"malformed", types.VpcEndpointTypeResource, "arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/x", []string{a}, nil, "InvalidParameterValue", "Invalid ResourceConfigurationArn"},
		{"another region", types.VpcEndpointTypeResource, "arn:aws:vpc-lattice:us-west-2:111111111111:resourceconfiguration/rcfg-0111000000000000a", []string{a}, nil, "InvalidParameter", "is in region us-west-2"},
		{"no arn", types.VpcEndpointTypeResource, "", []string{a}, nil, "MissingParameter", "ResourceConfigurationArn"},
		{"zone the gateway does not serve", types.VpcEndpointTypeResource, sharedRCFG, []string{b}, nil, "InvalidParameter", "does not serve the availability zone of the subnet: " + b},
		{"no subnets", types.VpcEndpointTypeServiceNetwork, meshSN, nil, nil, "MissingParameter", "SubnetId"},
		{"service name", types.VpcEndpointTypeResource, sharedRCFG, []string{a}, func(in *ec2.CreateVpcEndpointInput) { in.ServiceName = aws.String("com.amazonaws.us-east-1.s3") }, "InvalidParameterCombination", "ServiceName is not supported for Resource endpoints"},
		{"both arns", types.VpcEndpointTypeResource, sharedRCFG, []string{a}, func(in *ec2.CreateVpcEndpointInput) { in.ServiceNetworkArn = aws.String(meshSN) }, "InvalidParameterCombination", "ServiceNetworkArn is not supported for Resource endpoints"},
		{"policy", types.VpcEndpointTypeServiceNetwork, meshSN, []string{a}, func(in *ec2.CreateVpcEndpointInput) { in.PolicyDocument = aws.String(`{"Statement":[]}`) }, "InvalidParameter", "Endpoint policies are not supported for ServiceNetwork endpoints"},
		{"route tables", types.VpcEndpointTypeServiceNetwork, meshSN, []string{a}, func(in *ec2.CreateVpcEndpointInput) { in.RouteTableIds = []string{"rtb-02100000000000002"} }, "InvalidParameter", "Route tables are only supported for Gateway endpoints"},
		{"service region", types.VpcEndpointTypeServiceNetwork, meshSN, []string{a}, func(in *ec2.CreateVpcEndpointInput) { in.ServiceRegion = aws.String("us-west-2") }, "InvalidParameterCombination", "ServiceRegion is not supported"},
		{"inbound resolver option", types.VpcEndpointTypeServiceNetwork, meshSN, []string{a}, func(in *ec2.CreateVpcEndpointInput) {
			in.DnsOptions = &types.DnsOptionsSpecification{PrivateDnsOnlyForInboundResolverEndpoint: aws.Bool(true)}
		}, "InvalidParameter", "PrivateDnsOnlyForInboundResolverEndpoint is not supported for ServiceNetwork endpoints"},
		{"preference without private DNS", types.VpcEndpointTypeServiceNetwork, meshSN, []string{a}, func(in *ec2.CreateVpcEndpointInput) {
			in.DnsOptions = &types.DnsOptionsSpecification{PrivateDnsPreference: aws.String("ALL_DOMAINS")}
		}, "InvalidParameter", "only supported when private DNS is enabled"},
		{"unknown preference", types.VpcEndpointTypeServiceNetwork, meshSN, []string{a}, func(in *ec2.CreateVpcEndpointInput) {
			in.PrivateDnsEnabled = aws.Bool(true)
			in.DnsOptions = &types.DnsOptionsSpecification{PrivateDnsPreference: aws.String("SOME")}
		}, "InvalidParameterValue", "Invalid PrivateDnsPreference 'SOME'"},
		{"domains with a preference that takes none", types.VpcEndpointTypeServiceNetwork, meshSN, []string{a}, func(in *ec2.CreateVpcEndpointInput) {
			in.PrivateDnsEnabled = aws.Bool(true)
			in.DnsOptions = &types.DnsOptionsSpecification{PrivateDnsPreference: aws.String("ALL_DOMAINS"), PrivateDnsSpecifiedDomains: []string{"a.example.com"}}
		}, "InvalidParameter", "PrivateDnsSpecifiedDomains can only be given"},
		{"specified preference without domains", types.VpcEndpointTypeServiceNetwork, meshSN, []string{a}, func(in *ec2.CreateVpcEndpointInput) {
			in.PrivateDnsEnabled = aws.Bool(true)
			in.DnsOptions = &types.DnsOptionsSpecification{PrivateDnsPreference: aws.String("SPECIFIED_DOMAINS_ONLY")}
		}, "InvalidParameter", "needs PrivateDnsSpecifiedDomains"},
		{"malformed domain", types.VpcEndpointTypeServiceNetwork, meshSN, []string{a}, func(in *ec2.CreateVpcEndpointInput) {
			in.PrivateDnsEnabled = aws.Bool(true)
			in.DnsOptions = &types.DnsOptionsSpecification{PrivateDnsPreference: aws.String("SPECIFIED_DOMAINS_ONLY"), PrivateDnsSpecifiedDomains: []string{"not_a_domain"}}
		}, "InvalidParameterValue", "Invalid domain name 'not_a_domain'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mut []func(*ec2.CreateVpcEndpointInput)
			if tc.mut != nil {
				mut = append(mut, tc.mut)
			}
			_, err := latticeEndpoint(co, tc.typ, tc.arn, tc.sub, mut...)
			wantCode(t, err, tc.code)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v does not say %q", err, tc.msg)
			}
		})
	}
	// The fields of these types on an interface endpoint.
	_, err := createEndpoint(co, checkoutVPCEast, "com.amazonaws.us-east-1.sqs", []string{a}, func(in *ec2.CreateVpcEndpointInput) { in.ResourceConfigurationArn = aws.String(sharedRCFG) })
	wantCode(t, err, "InvalidParameterCombination")
	_, err = createEndpoint(co, checkoutVPCEast, "com.amazonaws.us-east-1.sqs", []string{a}, func(in *ec2.CreateVpcEndpointInput) {
		in.DnsOptions = &types.DnsOptionsSpecification{PrivateDnsPreference: aws.String("ALL_DOMAINS")}
	})
	wantCode(t, err, "InvalidParameter")
	sqs, err := createEndpoint(co, checkoutVPCEast, "com.amazonaws.us-east-1.sqs", []string{a})
	must(t, err)
	_, err = co.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: sqs.VpcEndpointId, DnsOptions: &types.DnsOptionsSpecification{PrivateDnsPreference: aws.String("ALL_DOMAINS")}})
	wantCode(t, err, "InvalidParameter")

	// The owner may always use its own configuration, even one it shares
	// with nobody (payments' VPC: its us-east-1a is use1-az1).
	paySubnet := "subnet-0110000000000000a"
	_, err = pay.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: types.VpcEndpointTypeResource, VpcId: aws.String(paymentsVPCEast),
		SubnetIds: []string{paySubnet}, ResourceConfigurationArn: aws.String(unsharedRCFG)})
	must(t, err)
}

func TestServiceNetworkEndpointSharedWithOrganization(t *testing.T) {
	srv := start(t)
	// checkout and analytics are in o-plinksandbox1, which the network is
	// shared with; payments owns it.
	an := srv.Clients(t, "analytics").EC2
	out, err := an.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: types.VpcEndpointTypeServiceNetwork, VpcId: aws.String("vpc-03100000000000001"),
		SubnetIds: []string{"subnet-0310000000000000a", "subnet-0310000000000000b"}, ServiceNetworkArn: aws.String(meshSN), SecurityGroupIds: []string{"sg-03100000000000001"}})
	must(t, err)
	ep := out.VpcEndpoint
	if aws.ToString(ep.ServiceNetworkArn) != meshSN || ep.VpcEndpointType != types.VpcEndpointTypeServiceNetwork || ep.ResourceConfigurationArn != nil {
		t.Fatalf("endpoint %+v", ep)
	}
	// Subnets are added, not removed.
	_, err = an.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: ep.VpcEndpointId, AddSubnetIds: []string{"subnet-0310000000000000c"}})
	must(t, err)
	if got := currentEndpoint(t, an, aws.ToString(ep.VpcEndpointId)); len(got.SubnetIds) != 3 {
		t.Errorf("subnets after the add %v", got.SubnetIds)
	}
	_, err = an.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: ep.VpcEndpointId, AddSubnetIds: []string{"subnet-0310000000000000d"}, RemoveSubnetIds: []string{"subnet-0310000000000000a"}})
	wantCode(t, err, "InvalidParameter")
	_, err = an.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: ep.VpcEndpointId, AddSubnetIds: []string{"subnet-0210000000000000a"}})
	wantCode(t, err, "InvalidSubnetID.NotFound")
}

func TestWorldLatticeValidation(t *testing.T) {
	w := sandbox.DefaultWorld()
	w.ResourceConfigurations = append(w.ResourceConfigurations,
		sandbox.ResourceConfiguration{Arn: "arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/bad"},
		sandbox.ResourceConfiguration{Arn: "arn:aws:vpc-lattice:eu-west-1:444444444444:resourceconfiguration/rcfg-0111000000000000d", SharedWith: []string{"x"},
			ResourceGateway: sandbox.ResourceGateway{ID: "rgw-0111000000000000d", SubnetIDs: []string{"subnet-0110000000000000a"}}},
		sandbox.ResourceConfiguration{Arn: sharedRCFG, ResourceGateway: sandbox.ResourceGateway{ID: "rgw-1", VpcID: "vpc-01100000000000001", SubnetIDs: []string{"subnet-0210000000000000a"}}})
	w.ServiceNetworks = append(w.ServiceNetworks, sandbox.ServiceNetwork{Arn: meshSN})
	w.Accounts[0].Organization = "org-1"
	_, err := sandbox.New(w, sandbox.Options{})
	if err == nil {
		t.Fatal("valid")
	}
	for _, want := range []string{
		`resource configuration "arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/bad": malformed ARN`,
		"resource configuration arn:aws:vpc-lattice:eu-west-1:444444444444:resourceconfiguration/rcfg-0111000000000000d: region eu-west-1 is not in regions",
		"owner 444444444444 is not an account of the world",
		`sharedWith "x" is neither a 12-digit account id nor an organization id`,
		"resource configuration " + sharedRCFG + ": duplicate",
		`resourceGateway.id "rgw-1" must be rgw- and 17 hex digits`,
		"resource gateway subnet subnet-0210000000000000a is not a subnet of payments's VPC vpc-01100000000000001 in us-east-1",
		"service network " + meshSN + ": duplicate",
		`account payments: organization "org-1" must be an organization id`,
		"resourceconfiguration/bad\": malformed ARN",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("world errors do not say %q:\n%v", want, err)
		}
	}
}

// The VPC Lattice reads, through the SDK's vpclattice client (REST-JSON).
func TestLatticeAPI(t *testing.T) {
	srv := start(t)
	lat := func(alias string) *vpclattice.Client {
		return vpclattice.NewFromConfig(srv.ConfigRegion(t, alias, "us-east-1"))
	}
	co, pay, an := lat("checkout"), lat("payments"), lat("analytics")

	// Shared with checkout: by ARN and by id.
	for _, id := range []string{sharedRCFG, "rcfg-0111000000000000a"} {
		out, err := co.GetResourceConfiguration(ctx, &vpclattice.GetResourceConfigurationInput{ResourceConfigurationIdentifier: aws.String(id)})
		must(t, err)
		if aws.ToString(out.Arn) != sharedRCFG || aws.ToString(out.Name) != "orders-db" || aws.ToString(out.ResourceGatewayId) != "rgw-0111000000000000a" || out.Status != "ACTIVE" {
			t.Errorf("GetResourceConfiguration(%s) = %+v", id, out)
		}
	}
	// Not shared with checkout, nor with analytics; the owner sees it.
	_, err := co.GetResourceConfiguration(ctx, &vpclattice.GetResourceConfigurationInput{ResourceConfigurationIdentifier: aws.String(unsharedRCFG)})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = an.GetResourceConfiguration(ctx, &vpclattice.GetResourceConfigurationInput{ResourceConfigurationIdentifier: aws.String(sharedRCFG)})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = pay.GetResourceConfiguration(ctx, &vpclattice.GetResourceConfigurationInput{ResourceConfigurationIdentifier: aws.String(unsharedRCFG)})
	must(t, err)
	// In another region it does not exist.
	west := vpclattice.NewFromConfig(srv.ConfigRegion(t, "checkout", "us-west-2"))
	_, err = west.GetResourceConfiguration(ctx, &vpclattice.GetResourceConfigurationInput{ResourceConfigurationIdentifier: aws.String(sharedRCFG)})
	wantCode(t, err, "ResourceNotFoundException")

	// The service network is shared with the organization of checkout
	// and analytics.
	for _, c := range []*vpclattice.Client{co, an, pay} {
		out, err := c.GetServiceNetwork(ctx, &vpclattice.GetServiceNetworkInput{ServiceNetworkIdentifier: aws.String(meshSN)})
		must(t, err)
		if aws.ToString(out.Arn) != meshSN {
			t.Errorf("GetServiceNetwork = %+v", out)
		}
	}
	_, err = co.GetServiceNetwork(ctx, &vpclattice.GetServiceNetworkInput{ServiceNetworkIdentifier: aws.String("sn-0111000000000000f")})
	wantCode(t, err, "ResourceNotFoundException")

	// The resource gateway is its owner's only.
	g, err := pay.GetResourceGateway(ctx, &vpclattice.GetResourceGatewayInput{ResourceGatewayIdentifier: aws.String("rgw-0111000000000000a")})
	must(t, err)
	if !slices.Equal(g.SubnetIds, []string{"subnet-0110000000000000a", "subnet-0110000000000000b"}) || aws.ToString(g.VpcId) != paymentsVPCEast {
		t.Errorf("GetResourceGateway = %+v", g)
	}
	_, err = co.GetResourceGateway(ctx, &vpclattice.GetResourceGatewayInput{ResourceGatewayIdentifier: aws.String("rgw-0111000000000000a")})
	wantCode(t, err, "ResourceNotFoundException")

	// Calls are counted as any other; faults reach them.
	n := 0
	for _, c := range srv.Sandbox.Calls() {
		if c.Action == "GetResourceConfiguration" {
			n += c.Count
		}
	}
	if n != 6 {
		t.Errorf("GetResourceConfiguration counted %d times, want 6", n)
	}
}

// What the sandbox refuses on the Lattice paths: unsigned or wrongly
// signed requests, other methods, unknown paths.
func TestLatticeAPIRefusals(t *testing.T) {
	srv := start(t)
	for _, tc := range []struct{ method, path string }{
		{"GET", "/resourceconfigurations/"},
		{"POST", "/resourceconfigurations/rcfg-0111000000000000a"},
		{"GET", "/servicenetworks/sn-1/associations"},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.Header.Get("X-Amzn-ErrorType") == "" {
			t.Errorf("%s %s: %d %q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
		}
	}
	// Unsigned.
	resp, err := http.Get(srv.URL + "/resourceconfigurations/rcfg-0111000000000000a")
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationToken" {
		t.Errorf("unsigned: %d %q", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
	// Signed for another service.
	cfg := srv.ConfigRegion(t, "checkout", "us-east-1")
	ec := vpclattice.NewFromConfig(cfg)
	_, err = ec.GetServiceNetwork(ctx, &vpclattice.GetServiceNetworkInput{ServiceNetworkIdentifier: aws.String(meshSN)}, vpclattice.WithSigV4SigningName("ec2"))
	wantCode(t, err, "InvalidAction")
}

// A state file with Resource and ServiceNetwork endpoints loads again; one
// whose endpoint carries the other type's ARN does not.
func TestLatticeEndpointsInStateFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	srv := start(t, sandbox.Options{StatePath: good})
	co := srv.Clients(t, "checkout").EC2
	_, err := latticeEndpoint(co, types.VpcEndpointTypeResource, sharedRCFG, []string{checkoutSubnetsEast()[0]})
	must(t, err)
	_, err = latticeEndpoint(co, types.VpcEndpointTypeServiceNetwork, meshSN, []string{checkoutSubnetsEast()[0]})
	must(t, err)
	if _, err := sandbox.New(nil, sandbox.Options{StatePath: good}); err != nil {
		t.Fatalf("valid state refused: %v", err)
	}
	b, err := os.ReadFile(good)
	must(t, err)
	bad := filepath.Join(dir, "bad.json")
	must(t, os.WriteFile(bad, []byte(strings.Replace(string(b), `"serviceNetworkArn": "`+meshSN+`"`, `"resourceConfigurationArn": "`+sharedRCFG+`"`, 1)), 0o600))
	_, err = sandbox.New(nil, sandbox.Options{StatePath: bad})
	if err == nil || !strings.Contains(err.Error(), "a ServiceNetwork endpoint has exactly its own type's ARN") {
		t.Errorf("tampered state: %v", err)
	}
}

// A Resource or ServiceNetwork endpoint names no service: a policy that
// allows CreateVpcEndpoint only without ec2:VpceServiceName (Null) lets it
// be created and refuses an interface endpoint; its private DNS
// preference is in the request context.
func TestAuthzLatticeEndpointKeys(t *testing.T) {
	srv := start(t)
	c := srv.Clients(t, "checkout")
	setPolicies(t, srv, checkoutUser, doc(readAll,
		stmt{Effect: "Allow", Action: "ec2:CreateVpcEndpoint", Resource: "arn:aws:ec2:*:*:vpc-endpoint/*",
			Condition: map[string]any{"Null": map[string]any{"ec2:VpceServiceName": "true"}}},
		stmt{Effect: "Allow", Action: "ec2:CreateVpcEndpoint", Resource: []string{
			"arn:aws:ec2:*:*:vpc/*", "arn:aws:ec2:*:*:subnet/*", "arn:aws:ec2:*:*:security-group/*"}},
		stmt{Effect: "Deny", Action: "ec2:CreateVpcEndpoint", Resource: "arn:aws:ec2:*:*:vpc-endpoint/*",
			Condition: map[string]any{"StringEquals": map[string]any{"ec2:VpcePrivateDnsPreference": "ALL_DOMAINS"}}},
		allowS("vpc-lattice:CreateServiceNetworkVpcEndpointAssociation", "*"),
	))
	a := checkoutSubnetsEast()[0]
	if _, err := latticeEndpoint(c.EC2, types.VpcEndpointTypeResource, sharedRCFG, []string{a}); err != nil {
		t.Fatalf("resource endpoint: %v", err)
	}
	_, err := latticeEndpoint(c.EC2, types.VpcEndpointTypeServiceNetwork, meshSN, []string{a}, func(in *ec2.CreateVpcEndpointInput) {
		in.PrivateDnsEnabled = aws.Bool(true)
		in.DnsOptions = &types.DnsOptionsSpecification{PrivateDnsPreference: aws.String("ALL_DOMAINS")}
	})
	d := unauthorized(t, err, c.STS)
	if got := d.cond("ec2:VpcePrivateDnsPreference"); len(got) != 1 || got[0] != "ALL_DOMAINS" {
		t.Errorf("context %v", got)
	}
	_, err = createEndpoint(c.EC2, checkoutVPCEast, "com.amazonaws.us-east-1.sqs", []string{a})
	unauthorized(t, err, c.STS)

	// A service-network endpoint also needs the association permission;
	// a resource endpoint does not.
	setPolicies(t, srv, checkoutUser, doc(readAll, allowS("ec2:CreateVpcEndpoint", "*")))
	_, err = latticeEndpoint(c.EC2, types.VpcEndpointTypeServiceNetwork, meshSN, []string{a})
	if d := unauthorized(t, err, c.STS); d.Context.Action != "vpc-lattice:CreateServiceNetworkVpcEndpointAssociation" {
		t.Errorf("refused for %+v", d.Context)
	}
	if _, err := latticeEndpoint(c.EC2, types.VpcEndpointTypeResource, sharedRCFG, []string{a}); err != nil {
		t.Errorf("a resource endpoint needs no association permission: %v", err)
	}
}

// Resource and ServiceNetwork endpoints have quotas of their own (AWS: 200
// and 50 per VPC), not counted with interface endpoints.
func TestLatticeEndpointQuotas(t *testing.T) {
	w := sandbox.DefaultWorld()
	w.Quotas = sandbox.Quotas{InterfaceEndpointsPerVPC: 1, ResourceEndpointsPerVPC: 1, ServiceNetworkEndpointsPerVPC: 1}
	srv := startWorld(t, w)
	co := srv.Clients(t, "checkout").EC2
	a, b := checkoutSubnetsEast()[0], checkoutSubnetsEast()[1]
	_, err := createEndpoint(co, checkoutVPCEast, "com.amazonaws.us-east-1.sqs", []string{b})
	must(t, err)
	_, err = latticeEndpoint(co, types.VpcEndpointTypeResource, sharedRCFG, []string{a})
	must(t, err)
	_, err = latticeEndpoint(co, types.VpcEndpointTypeServiceNetwork, meshSN, []string{a})
	must(t, err)
	for _, tc := range []struct {
		name string
		do   func() error
		msg  string
	}{
		{"second resource endpoint", func() error {
			_, err := latticeEndpoint(co, types.VpcEndpointTypeResource, sharedRCFG, []string{a})
			return err
		}, "already has 1 Resource endpoints (quota 1 per VPC)"},
		{"second service-network endpoint", func() error {
			_, err := latticeEndpoint(co, types.VpcEndpointTypeServiceNetwork, meshSN, []string{a})
			return err
		}, "already has 1 ServiceNetwork endpoints (quota 1 per VPC)"},
		{"second interface endpoint", func() error {
			_, err := createEndpoint(co, checkoutVPCEast, "com.amazonaws.us-east-1.sns", []string{b})
			return err
		}, "already has 1 interface and Gateway Load Balancer endpoints (quota 1 per VPC)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			wantCode(t, err, "VpcEndpointLimitExceeded")
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v does not say %q", err, tc.msg)
			}
		})
	}
	bad := sandbox.DefaultWorld()
	bad.Quotas.ResourceEndpointsPerVPC = -1
	if _, err := sandbox.New(bad, sandbox.Options{}); err == nil || !strings.Contains(err.Error(), "quotas.resourceEndpointsPerVpc: -1 is negative") {
		t.Errorf("negative quota: %v", err)
	}
}
