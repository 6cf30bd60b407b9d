package sandbox_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/sandbox"
)

func subnetCfg(sub, v4, v6 string) types.SubnetConfiguration {
	c := types.SubnetConfiguration{SubnetId: aws.String(sub)}
	if v4 != "" {
		c.Ipv4 = aws.String(v4)
	}
	if v6 != "" {
		c.Ipv6 = aws.String(v6)
	}
	return c
}

// interfacesOf are the network interfaces of an endpoint by subnet.
func interfacesOf(t *testing.T, c *ec2.Client, ep *types.VpcEndpoint) map[string]types.NetworkInterface {
	t.Helper()
	out, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: ep.NetworkInterfaceIds})
	must(t, err)
	got := map[string]types.NetworkInterface{}
	for _, n := range out.NetworkInterfaces {
		got[aws.ToString(n.SubnetId)] = n
	}
	return got
}

func currentEndpoint(t *testing.T, c *ec2.Client, id string) *types.VpcEndpoint {
	t.Helper()
	out, err := c.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	must(t, err)
	return &out.VpcEndpoints[0]
}

func TestFixedEndpointAddresses(t *testing.T) {
	srv := start(t)
	co := srv.Clients(t, "checkout").EC2
	sqs := "com.amazonaws.us-east-1.sqs"
	a, b, c := checkoutSubnetsEast()[0], checkoutSubnetsEast()[1], checkoutSubnetsEast()[2]

	ep, err := createEndpoint(co, checkoutVPCEast, sqs, []string{a, b}, func(in *ec2.CreateVpcEndpointInput) {
		in.SubnetConfigurations = []types.SubnetConfiguration{subnetCfg(a, "10.21.0.20", "")}
	})
	must(t, err)
	enis := interfacesOf(t, co, ep)
	if got := aws.ToString(enis[a].PrivateIpAddress); got != "10.21.0.20" || aws.ToString(enis[b].PrivateIpAddress) == "" {
		t.Fatalf("interfaces %+v", enis)
	}
	if enis[a].InterfaceType != types.NetworkInterfaceTypeVpcEndpoint || !aws.ToBool(enis[a].RequesterManaged) || aws.ToString(enis[a].VpcId) != checkoutVPCEast {
		t.Errorf("interface %+v", enis[a])
	}
	// A fixed address is passed over by the addresses AWS hands out: b's
	// first interface took .10, so .11 would be next.
	fixedB := "10.21.1.11"
	if got := aws.ToString(enis[b].PrivateIpAddress); got != "10.21.1.10" {
		t.Fatalf("b's first interface has %s", got)
	}
	_, err = createEndpoint(co, checkoutVPCEast, "com.amazonaws.us-east-1.sns", []string{b}, func(in *ec2.CreateVpcEndpointInput) {
		in.SubnetConfigurations = []types.SubnetConfiguration{subnetCfg(b, fixedB, "")}
	})
	must(t, err)
	ep3, err := createEndpoint(co, checkoutVPCEast, "com.amazonaws.us-east-1.sts", []string{b})
	must(t, err)
	if got := aws.ToString(interfacesOf(t, co, ep3)[b].PrivateIpAddress); got != "10.21.1.12" {
		t.Errorf("the address AWS assigned next is %q, want 10.21.1.12 (past the fixed %s)", got, fixedB)
	}

	// Modify: a moves to .21 (a new interface), c is added at a fixed
	// address; b keeps its interface.
	_, err = co.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: ep.VpcEndpointId, AddSubnetIds: []string{c},
		SubnetConfigurations: []types.SubnetConfiguration{subnetCfg(a, "10.21.0.21", ""), subnetCfg(c, "10.21.2.20", "")}})
	must(t, err)
	after := interfacesOf(t, co, currentEndpoint(t, co, *ep.VpcEndpointId))
	if aws.ToString(after[a].PrivateIpAddress) != "10.21.0.21" || aws.ToString(after[a].NetworkInterfaceId) == aws.ToString(enis[a].NetworkInterfaceId) ||
		aws.ToString(after[b].NetworkInterfaceId) != aws.ToString(enis[b].NetworkInterfaceId) || aws.ToString(after[c].PrivateIpAddress) != "10.21.2.20" {
		t.Errorf("after modify %+v", after)
	}
	// the old address is free again
	_, err = createEndpoint(co, checkoutVPCEast, "com.amazonaws.us-east-1.kms", []string{a}, func(in *ec2.CreateVpcEndpointInput) {
		in.SubnetConfigurations = []types.SubnetConfiguration{subnetCfg(a, "10.21.0.20", "")}
	})
	must(t, err)

	// Refusals.
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"subnet not the endpoint's", func() error {
			_, err := createEndpoint(co, checkoutVPCEast, "com.amazonaws.us-east-1.logs", []string{a}, func(in *ec2.CreateVpcEndpointInput) {
				in.SubnetConfigurations = []types.SubnetConfiguration{subnetCfg(b, "10.21.1.30", "")}
			})
			return err
		}(), "InvalidParameter"},
		{"two configurations of one subnet", func() error {
			_, err := createEndpoint(co, checkoutVPCEast, "com.amazonaws.us-east-1.logs", []string{a}, func(in *ec2.CreateVpcEndpointInput) {
				in.SubnetConfigurations = []types.SubnetConfiguration{subnetCfg(a, "10.21.0.30", ""), subnetCfg(a, "10.21.0.31", "")}
			})
			return err
		}(), "InvalidParameter"},
		{"an IPv6 address on an ipv4 endpoint", func() error {
			_, err := createEndpoint(co, checkoutVPCEast, "com.amazonaws.us-east-1.logs", []string{a}, func(in *ec2.CreateVpcEndpointInput) {
				in.SubnetConfigurations = []types.SubnetConfiguration{subnetCfg(a, "10.21.0.30", "2600::10")}
			})
			return err
		}(), "InvalidParameter"},
		{"a gateway endpoint", func() error {
			_, err := co.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: types.VpcEndpointTypeGateway, VpcId: aws.String(checkoutVPCEast),
				ServiceName: aws.String("com.amazonaws.us-east-1.s3"), SubnetConfigurations: []types.SubnetConfiguration{subnetCfg(a, "10.21.0.30", "")}})
			return err
		}(), "InvalidParameter"},
		{"modify to an address in use", func() error {
			_, err := co.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: ep.VpcEndpointId,
				SubnetConfigurations: []types.SubnetConfiguration{subnetCfg(a, "10.21.0.20", "")}})
			return err
		}(), "InvalidIPAddress.InUse"},
		{"modify a subnet the endpoint does not have", func() error {
			_, err := co.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: ep3.VpcEndpointId,
				SubnetConfigurations: []types.SubnetConfiguration{subnetCfg(a, "10.21.0.40", "")}})
			return err
		}(), "InvalidParameter"},
		{"unknown interface", func() error {
			_, err := co.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{"eni-0ffffffffffffffff"}})
			return err
		}(), "InvalidNetworkInterfaceID.NotFound"},
		{"unknown filter", func() error {
			_, err := co.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{{Name: aws.String("nope"), Values: []string{"x"}}}})
			return err
		}(), "InvalidParameterValue"},
	} {
		if got := code(t, tc.err); got != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, tc.err, tc.want)
		}
	}
	// another account sees none of checkout's interfaces
	out, err := srv.Clients(t, "payments").EC2.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{})
	must(t, err)
	if len(out.NetworkInterfaces) != 0 {
		t.Errorf("payments sees %d interfaces", len(out.NetworkInterfaces))
	}
}

// A dualstack endpoint takes a fixed IPv4 and IPv6 address in a subnet
// with an IPv6 block (world field ipv6Cidr, reported by DescribeSubnets).
func TestFixedEndpointIPv6Addresses(t *testing.T) {
	w := sandbox.DefaultWorld()
	a := checkoutSubnetsEast()[0]
	for i := range w.Accounts {
		if w.Accounts[i].Alias != "checkout" {
			continue
		}
		rw := w.Accounts[i].Regions["us-east-1"]
		for j := range rw.VPCs[0].Subnets {
			if rw.VPCs[0].Subnets[j].ID == a {
				rw.VPCs[0].Subnets[j].IPv6CIDR = "2600:1f18:21:a00::/64"
			}
		}
	}
	srv := startWorld(t, w)
	prov, co := srv.Clients(t, "payments").EC2, srv.Clients(t, "checkout").EC2
	svc := createService(t, prov, func(in *ec2.CreateVpcEndpointServiceConfigurationInput) {
		in.AcceptanceRequired = aws.Bool(false)
		in.SupportedIpAddressTypes = []string{"ipv4", "ipv6"}
	})
	allow(t, prov, *svc.ServiceId, "arn:aws:iam::"+checkout+":root")
	sn, err := co.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{a}})
	must(t, err)
	if as := sn.Subnets[0].Ipv6CidrBlockAssociationSet; len(as) != 1 || aws.ToString(as[0].Ipv6CidrBlock) != "2600:1f18:21:a00::/64" {
		t.Fatalf("subnet's IPv6 blocks %+v", as)
	}
	dual := func(cfg ...types.SubnetConfiguration) (*types.VpcEndpoint, error) {
		return createEndpoint(co, checkoutVPCEast, *svc.ServiceName, []string{a}, func(in *ec2.CreateVpcEndpointInput) {
			in.IpAddressType = types.IpAddressTypeDualstack
			in.SubnetConfigurations = cfg
		})
	}
	for _, tc := range []struct {
		cfg  types.SubnetConfiguration
		want string
	}{
		{subnetCfg(a, "10.21.0.60", ""), "MissingParameter"},
		{subnetCfg(a, "", "2600:1f18:21:a00::60"), "MissingParameter"},
		{subnetCfg(a, "10.21.0.60", "2600:1f18:21:b00::60"), "InvalidParameterValue"},
		{subnetCfg(a, "10.21.0.60", "2600:1f18:21:a00::3"), "InvalidParameterValue"},
		{subnetCfg(a, "10.21.0.60", "10.21.0.61"), "InvalidParameterValue"},
	} {
		if _, err := dual(tc.cfg); code(t, err) != tc.want {
			t.Errorf("%s / %s: %v, want %s", aws.ToString(tc.cfg.Ipv4), aws.ToString(tc.cfg.Ipv6), err, tc.want)
		}
	}
	ep, err := dual(subnetCfg(a, "10.21.0.60", "2600:1f18:21:a00::60"))
	must(t, err)
	n := interfacesOf(t, co, ep)[a]
	if aws.ToString(n.PrivateIpAddress) != "10.21.0.60" || len(n.Ipv6Addresses) != 1 || aws.ToString(n.Ipv6Addresses[0].Ipv6Address) != "2600:1f18:21:a00::60" {
		t.Errorf("interface %+v", n)
	}
	// a subnet without an IPv6 block takes no IPv6 address
	b := checkoutSubnetsEast()[1]
	_, err = createEndpoint(co, checkoutVPCEast, *svc.ServiceName, []string{b}, func(in *ec2.CreateVpcEndpointInput) {
		in.IpAddressType = types.IpAddressTypeDualstack
		in.SubnetConfigurations = []types.SubnetConfiguration{subnetCfg(b, "10.21.1.60", "2600:1f18:21:b00::60")}
	})
	if code(t, err) != "InvalidParameterValue" {
		t.Errorf("IPv6 address in a subnet without a block: %v", err)
	}
}

// From another region, DescribeVpcEndpointServices with ServiceRegion
// lists the AWS services AWS offers across regions (Interface only), with
// the zones they have in their own region; CreateVpcEndpoint connects to
// them with ServiceRegion and refuses the others.
func TestCrossRegionAWSServices(t *testing.T) {
	srv := start(t)
	co := srv.Clients(t, "checkout").EC2
	out, err := co.DescribeVpcEndpointServices(ctx, &ec2.DescribeVpcEndpointServicesInput{ServiceRegions: []string{"us-west-2"},
		Filters: []types.Filter{{Name: aws.String("owner"), Values: []string{"amazon"}}}})
	must(t, err)
	want := []string{"com.amazonaws.us-west-2.ecr.api", "com.amazonaws.us-west-2.ecr.dkr", "com.amazonaws.us-west-2.kms", "com.amazonaws.us-west-2.lambda", "com.amazonaws.us-west-2.s3"}
	if got := out.ServiceNames; len(got) != len(want) || got[0] != want[0] || got[len(got)-1] != want[len(want)-1] {
		t.Errorf("services %v, want %v", got, want)
	}
	for _, d := range out.ServiceDetails {
		if aws.ToString(d.ServiceRegion) != "us-west-2" || d.ServiceType[0].ServiceType != types.ServiceTypeInterface || len(d.AvailabilityZoneIds) == 0 || d.AvailabilityZoneIds[0][:4] != "usw2" {
			t.Errorf("detail %s: region %s, type %v, zones %v", aws.ToString(d.ServiceName), aws.ToString(d.ServiceRegion), d.ServiceType, d.AvailabilityZoneIds)
		}
	}
	ep, err := createEndpoint(co, checkoutVPCEast, "com.amazonaws.us-west-2.kms", checkoutSubnetsEast(), func(in *ec2.CreateVpcEndpointInput) {
		in.ServiceRegion = aws.String("us-west-2")
	})
	must(t, err)
	if aws.ToString(ep.ServiceRegion) != "us-west-2" {
		t.Errorf("endpoint's ServiceRegion %q", aws.ToString(ep.ServiceRegion))
	}
	for _, name := range []string{"com.amazonaws.us-west-2.sqs", "com.amazonaws.us-west-2.kms"} {
		_, err := createEndpoint(co, checkoutVPCEast, name, checkoutSubnetsEast()[:1]) // without ServiceRegion: looked up in us-east-1
		if code(t, err) != "InvalidServiceName" {
			t.Errorf("%s without ServiceRegion: %v", name, err)
		}
	}
	_, err = co.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: types.VpcEndpointTypeGateway, VpcId: aws.String(checkoutVPCEast),
		ServiceName: aws.String("com.amazonaws.us-west-2.s3"), ServiceRegion: aws.String("us-west-2")})
	if code(t, err) != "InvalidServiceName" && code(t, err) != "InvalidParameter" {
		t.Errorf("a gateway endpoint across regions: %v", err)
	}
}
