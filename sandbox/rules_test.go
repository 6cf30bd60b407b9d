package sandbox_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/sandbox"
)

func TestServiceConfigurationRules(t *testing.T) {
	srv := start(t)
	prov := srv.Clients(t, "payments").EC2
	ana := srv.Clients(t, "analytics").EC2

	cases := []struct {
		name string
		in   *ec2.CreateVpcEndpointServiceConfigurationInput
		code string
	}{
		{"no load balancer", &ec2.CreateVpcEndpointServiceConfigurationInput{}, "InvalidParameter"},
		{"both kinds", &ec2.CreateVpcEndpointServiceConfigurationInput{NetworkLoadBalancerArns: []string{paymentsNLBEast}, GatewayLoadBalancerArns: []string{analyticsGWLB}}, "InvalidParameter"},
		{"unknown NLB", &ec2.CreateVpcEndpointServiceConfigurationInput{NetworkLoadBalancerArns: []string{analyticsNLBEast}}, "InvalidParameter"},
		{"bad ip type", &ec2.CreateVpcEndpointServiceConfigurationInput{NetworkLoadBalancerArns: []string{paymentsNLBEast}, SupportedIpAddressTypes: []string{"ipv5"}}, "InvalidParameter"},
		{"bad region", &ec2.CreateVpcEndpointServiceConfigurationInput{NetworkLoadBalancerArns: []string{paymentsNLBEast}, SupportedRegions: []string{"eu-west-9"}}, "InvalidParameter"},
		{"bad dns", &ec2.CreateVpcEndpointServiceConfigurationInput{NetworkLoadBalancerArns: []string{paymentsNLBEast}, PrivateDnsName: aws.String("not a domain")}, "InvalidParameter"},
		{"bad tag type", &ec2.CreateVpcEndpointServiceConfigurationInput{NetworkLoadBalancerArns: []string{paymentsNLBEast},
			TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVpcEndpoint, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}}}, "InvalidParameter"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := prov.CreateVpcEndpointServiceConfiguration(ctx, tc.in)
			wantCode(t, err, tc.code)
		})
	}

	// An ALB cannot back a service; a GWLB can back a GatewayLoadBalancer service.
	_, err := srv.Clients(t, "checkout").EC2.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{NetworkLoadBalancerArns: []string{checkoutALB}})
	wantCode(t, err, "InvalidParameter")
	g, err := ana.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{GatewayLoadBalancerArns: []string{analyticsGWLB}})
	must(t, err)
	if g.ServiceConfiguration.ServiceType[0].ServiceType != types.ServiceTypeGatewayLoadBalancer || len(g.ServiceConfiguration.GatewayLoadBalancerArns) != 1 {
		t.Fatalf("gwlb service %+v", g.ServiceConfiguration)
	}

	svc := createService(t, prov)
	if !*svc.AcceptanceRequired || svc.SupportedIpAddressTypes[0] != "ipv4" {
		t.Fatalf("defaults %+v", svc)
	}
	// The same NLB cannot back two services.
	_, err = prov.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{NetworkLoadBalancerArns: []string{paymentsNLBEast}})
	wantCode(t, err, "InvalidParameter")

	// Modify: acceptance, DNS name, regions, ip types.
	_, err = prov.ModifyVpcEndpointServiceConfiguration(ctx, &ec2.ModifyVpcEndpointServiceConfigurationInput{
		ServiceId: svc.ServiceId, AcceptanceRequired: aws.Bool(false), PrivateDnsName: aws.String("api.payments.example.com"),
		AddSupportedRegions: []string{"us-west-2"}, AddSupportedIpAddressTypes: []string{"ipv6"},
	})
	must(t, err)
	got, err := prov.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: []string{*svc.ServiceId}})
	must(t, err)
	c := got.ServiceConfigurations[0]
	if *c.AcceptanceRequired || *c.PrivateDnsName != "api.payments.example.com" || len(c.SupportedRegions) != 2 || len(c.SupportedIpAddressTypes) != 2 {
		t.Fatalf("after modify %+v", c)
	}
	for _, bad := range []*ec2.ModifyVpcEndpointServiceConfigurationInput{
		{ServiceId: svc.ServiceId, RemoveNetworkLoadBalancerArns: []string{paymentsNLBEast}},
		{ServiceId: svc.ServiceId, RemoveSupportedRegions: []string{"us-east-1"}},
		{ServiceId: svc.ServiceId, RemovePrivateDnsName: aws.Bool(true), PrivateDnsName: aws.String("x.example.com")},
		{ServiceId: svc.ServiceId, AddGatewayLoadBalancerArns: []string{analyticsGWLB}},
	} {
		_, err = prov.ModifyVpcEndpointServiceConfiguration(ctx, bad)
		wantCode(t, err, "InvalidParameter")
	}
	_, err = prov.ModifyVpcEndpointServiceConfiguration(ctx, &ec2.ModifyVpcEndpointServiceConfigurationInput{ServiceId: aws.String("vpce-svc-00000000000000000")})
	wantCode(t, err, "InvalidVpcEndpointServiceId.NotFound")
	// Another account cannot see or modify the service.
	_, err = ana.ModifyVpcEndpointServiceConfiguration(ctx, &ec2.ModifyVpcEndpointServiceConfigurationInput{ServiceId: svc.ServiceId, AcceptanceRequired: aws.Bool(true)})
	wantCode(t, err, "InvalidVpcEndpointServiceId.NotFound")
	_, err = prov.ModifyVpcEndpointServiceConfiguration(ctx, &ec2.ModifyVpcEndpointServiceConfigurationInput{ServiceId: svc.ServiceId, RemovePrivateDnsName: aws.Bool(true)})
	must(t, err)

	// Permissions.
	mp, err := prov.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: svc.ServiceId,
		AddAllowedPrincipals: []string{"arn:aws:iam::" + checkout + ":root", "arn:aws:iam::" + analytics + ":role/ci"}})
	must(t, err)
	if !*mp.ReturnValue || len(mp.AddedPrincipals) != 2 || mp.AddedPrincipals[1].PrincipalType != types.PrincipalTypeRole || !strings.HasPrefix(*mp.AddedPrincipals[0].ServicePermissionId, "vpce-svc-perm-") {
		t.Fatalf("added principals %+v", mp.AddedPrincipals)
	}
	_, err = prov.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: svc.ServiceId, AddAllowedPrincipals: []string{"222222222222"}})
	wantCode(t, err, "InvalidPrincipal")
	perms, err := prov.DescribeVpcEndpointServicePermissions(ctx, &ec2.DescribeVpcEndpointServicePermissionsInput{ServiceId: svc.ServiceId,
		Filters: []types.Filter{{Name: aws.String("principal-type"), Values: []string{"Account"}}}})
	must(t, err)
	if len(perms.AllowedPrincipals) != 1 || *perms.AllowedPrincipals[0].Principal != "arn:aws:iam::"+checkout+":root" {
		t.Fatalf("permissions %+v", perms.AllowedPrincipals)
	}
}

func TestVisibilityByPrincipal(t *testing.T) {
	srv := start(t)
	prov := srv.Clients(t, "payments").EC2
	svc := createService(t, prov)
	ana := srv.Clients(t, "analytics")
	describe := func(c *ec2.Client) error {
		_, err := c.DescribeVpcEndpointServices(ctx, &ec2.DescribeVpcEndpointServicesInput{ServiceNames: []string{*svc.ServiceName}})
		return err
	}
	// Owner always sees it.
	must(t, describe(prov))
	wantCode(t, describe(ana.EC2), "InvalidServiceName")

	// A role ARN admits that role's sessions but not other principals of the account.
	allow(t, prov, *svc.ServiceId, "arn:aws:iam::"+analytics+":role/ci")
	wantCode(t, describe(ana.EC2), "InvalidServiceName")
	opKey, opSecret, _ := srv.Sandbox.OperatorCredentials()
	op := srvClients(srv, opKey, opSecret)
	ciCfg := srv.AssumeRole(t, op, "arn:aws:iam::"+analytics+":role/ci", "", "us-east-1")
	ci := ec2.NewFromConfig(ciCfg)
	must(t, describe(ci))
	plinkCfg := srv.AssumeRole(t, op, "arn:aws:iam::"+analytics+":role/plink", "", "us-east-1")
	wantCode(t, describe(ec2.NewFromConfig(plinkCfg)), "InvalidServiceName")

	// "*" admits everybody.
	allow(t, prov, *svc.ServiceId, "*")
	must(t, describe(ana.EC2))
	must(t, describe(srv.Clients(t, "checkout").EC2))

	// The AWS-managed catalogue is visible to all and never needs acceptance.
	out, err := ana.EC2.DescribeVpcEndpointServices(ctx, &ec2.DescribeVpcEndpointServicesInput{ServiceNames: []string{"com.amazonaws.us-east-1.s3", "com.amazonaws.us-east-1.sts"}})
	must(t, err)
	if len(out.ServiceDetails) != 3 { // s3 Interface + Gateway, sts
		t.Fatalf("managed details %d", len(out.ServiceDetails))
	}
	for _, d := range out.ServiceDetails {
		if *d.AcceptanceRequired || *d.Owner != "amazon" {
			t.Fatalf("managed %+v", d)
		}
	}
	ep, err := createEndpoint(srv.Clients(t, "checkout").EC2, checkoutVPCEast, "com.amazonaws.us-east-1.sts", checkoutSubnetsEast())
	must(t, err)
	if ep.State != "available" || !*ep.PrivateDnsEnabled {
		t.Fatalf("managed endpoint %+v", ep)
	}
}

func TestEndpointRules(t *testing.T) {
	srv := start(t)
	prov := srv.Clients(t, "payments").EC2
	cons := srv.Clients(t, "checkout").EC2
	svc := createService(t, prov, func(in *ec2.CreateVpcEndpointServiceConfigurationInput) {
		in.AcceptanceRequired = aws.Bool(false)
		in.PrivateDnsName = aws.String("api.payments.example.com")
	})
	_, err := prov.StartVpcEndpointServicePrivateDnsVerification(ctx, &ec2.StartVpcEndpointServicePrivateDnsVerificationInput{ServiceId: svc.ServiceId})
	must(t, err)
	allow(t, prov, *svc.ServiceId, "arn:aws:iam::"+checkout+":root")
	name := *svc.ServiceName

	cases := []struct {
		name string
		vpc  string
		sub  []string
		mut  func(*ec2.CreateVpcEndpointInput)
		code string
	}{
		{"unknown vpc", "vpc-0ffffffffffffffff", nil, nil, "InvalidVpcID.NotFound"},
		{"other account's vpc", paymentsVPCEast, nil, nil, "InvalidVpcID.NotFound"},
		{"unknown subnet", checkoutVPCEast, []string{"subnet-0ffffffffffffffff"}, nil, "InvalidSubnetID.NotFound"},
		{"malformed subnet", checkoutVPCEast, []string{"sub-1"}, nil, "InvalidSubnetId.Malformed"},
		{"subnet of another region", checkoutVPCEast, []string{"subnet-0220000000000000a"}, nil, "InvalidSubnetID.NotFound"},
		{"unsupported AZ", checkoutVPCEast, []string{"subnet-0210000000000000d"}, nil, "InvalidParameter"},
		{"unknown group", checkoutVPCEast, checkoutSubnetsEast()[:1], func(in *ec2.CreateVpcEndpointInput) { in.SecurityGroupIds = []string{"sg-0ffffffffffffffff"} }, "InvalidGroup.NotFound"},
		{"group of another VPC", checkoutVPCEast, checkoutSubnetsEast()[:1], func(in *ec2.CreateVpcEndpointInput) { in.SecurityGroupIds = []string{"sg-01100000000000001"} }, "InvalidGroup.NotFound"},
		{"unknown service", checkoutVPCEast, nil, func(in *ec2.CreateVpcEndpointInput) {
			in.ServiceName = aws.String("com.amazonaws.vpce.us-east-1.vpce-svc-00000000000000000")
		}, "InvalidServiceName"},
		{"no service name", checkoutVPCEast, nil, func(in *ec2.CreateVpcEndpointInput) { in.ServiceName = nil }, "MissingParameter"},
		{"gateway type default", checkoutVPCEast, nil, func(in *ec2.CreateVpcEndpointInput) { in.VpcEndpointType = "" }, "InvalidParameter"},
		{"ipv6 unsupported", checkoutVPCEast, nil, func(in *ec2.CreateVpcEndpointInput) { in.IpAddressType = types.IpAddressTypeIpv6 }, "InvalidParameter"},
		{"bad policy", checkoutVPCEast, nil, func(in *ec2.CreateVpcEndpointInput) { in.PolicyDocument = aws.String("{not json") }, "InvalidParameter"},
		{"cross-region not supported", checkoutVPCWest, nil, func(in *ec2.CreateVpcEndpointInput) { in.ServiceRegion = aws.String("us-east-1") }, "InvalidServiceName"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := cons
			if tc.vpc == checkoutVPCWest {
				c = srv.Clients(t, "checkout", "us-west-2").EC2
			}
			var muts []func(*ec2.CreateVpcEndpointInput)
			if tc.mut != nil {
				muts = append(muts, tc.mut)
			}
			_, err := createEndpoint(c, tc.vpc, name, tc.sub, muts...)
			wantCode(t, err, tc.code)
		})
	}

	// Two subnets in one AZ: payments' subnet a and checkout's subnet c share
	// use1-az1, but within one VPC we need two subnets of one AZ: use a world
	// with an extra subnet.
	t.Run("one subnet per AZ", func(t *testing.T) {
		w := sandbox.DefaultWorld()
		rw := w.Accounts[1].Regions["us-east-1"]
		rw.VPCs[0].Subnets = append(rw.VPCs[0].Subnets, sandbox.Subnet{ID: "subnet-0210000000000000e", AvailabilityZone: "us-east-1a", CIDR: "10.21.4.0/24"})
		w.Accounts[1].Regions["us-east-1"] = rw
		s2 := startWorld(t, w)
		p2 := s2.Clients(t, "payments").EC2
		sv := createService(t, p2)
		allow(t, p2, *sv.ServiceId, "*")
		_, err := createEndpoint(s2.Clients(t, "checkout").EC2, checkoutVPCEast, *sv.ServiceName, []string{"subnet-0210000000000000a", "subnet-0210000000000000e"})
		wantCode(t, err, "DuplicateSubnetsInSameZone")
	})

	// Private DNS: default on where verified; a second endpoint conflicts.
	ep1, err := createEndpoint(cons, checkoutVPCEast, name, checkoutSubnetsEast())
	must(t, err)
	if !*ep1.PrivateDnsEnabled || ep1.State != "available" || *ep1.Groups[0].GroupId != checkoutSGEast {
		t.Fatalf("ep1 %+v", ep1)
	}
	_, err = createEndpoint(cons, checkoutVPCEast, name, checkoutSubnetsEast(), func(in *ec2.CreateVpcEndpointInput) { in.PrivateDnsEnabled = aws.Bool(true) })
	wantCode(t, err, "InvalidParameter")
	if err != nil && !strings.Contains(err.Error(), "conflicting DNS domain") {
		t.Fatalf("message: %v", err)
	}
	ep2, err := createEndpoint(cons, checkoutVPCEast, name, checkoutSubnetsEast()[:1])
	must(t, err)
	if *ep2.PrivateDnsEnabled {
		t.Fatal("default private DNS should be off when it would conflict")
	}
	_, err = cons.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: ep2.VpcEndpointId, PrivateDnsEnabled: aws.Bool(true)})
	wantCode(t, err, "InvalidParameter")

	// ENIs get IPs from the subnet CIDR.
	if len(ep1.NetworkInterfaceIds) != 3 || !strings.HasPrefix(ep1.NetworkInterfaceIds[0], "eni-") {
		t.Fatalf("enis %v", ep1.NetworkInterfaceIds)
	}

	// Modify: subnets and security groups.
	_, err = cons.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: ep2.VpcEndpointId,
		AddSubnetIds: []string{checkoutSubnetsEast()[1]}, RemoveSubnetIds: []string{checkoutSubnetsEast()[0]}, ResetPolicy: aws.Bool(true)})
	must(t, err)
	for _, bad := range []struct {
		in   *ec2.ModifyVpcEndpointInput
		code string
	}{
		{&ec2.ModifyVpcEndpointInput{VpcEndpointId: ep2.VpcEndpointId, AddSubnetIds: []string{"subnet-0210000000000000d"}}, "InvalidParameter"},
		{&ec2.ModifyVpcEndpointInput{VpcEndpointId: ep2.VpcEndpointId, AddSubnetIds: []string{"subnet-0ffffffffffffffff"}}, "InvalidSubnetID.NotFound"},
		{&ec2.ModifyVpcEndpointInput{VpcEndpointId: ep2.VpcEndpointId, AddSecurityGroupIds: []string{"sg-0ffffffffffffffff"}}, "InvalidGroup.NotFound"},
		{&ec2.ModifyVpcEndpointInput{VpcEndpointId: ep2.VpcEndpointId, RemoveSecurityGroupIds: []string{checkoutSGEast}}, "InvalidParameter"},
		{&ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String("vpce-0ffffffffffffffff")}, "InvalidVpcEndpointId.NotFound"},
	} {
		_, err = cons.ModifyVpcEndpoint(ctx, bad.in)
		wantCode(t, err, bad.code)
	}
	got, err := cons.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{*ep2.VpcEndpointId}})
	must(t, err)
	if e := got.VpcEndpoints[0]; len(e.SubnetIds) != 1 || e.SubnetIds[0] != checkoutSubnetsEast()[1] || len(e.NetworkInterfaceIds) != 1 {
		t.Fatalf("after modify %+v", e)
	}

	// Batch delete reports unknown ids per item.
	del, err := cons.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{*ep1.VpcEndpointId, "vpce-0ffffffffffffffff"}})
	must(t, err)
	if len(del.Unsuccessful) != 1 || *del.Unsuccessful[0].Error.Code != "InvalidVpcEndpointId.NotFound" {
		t.Fatalf("unsuccessful %+v", del.Unsuccessful)
	}
	_, err = cons.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{"vpce-0ffffffffffffffff"}})
	wantCode(t, err, "InvalidVpcEndpointId.NotFound")
}

func TestAcceptRejectStates(t *testing.T) {
	srv := start(t)
	prov := srv.Clients(t, "payments").EC2
	cons := srv.Clients(t, "checkout").EC2
	svc := createService(t, prov)
	allow(t, prov, *svc.ServiceId, "arn:aws:iam::"+checkout+":root")
	ep, err := createEndpoint(cons, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast())
	must(t, err)
	acc := func() string {
		out, err := prov.AcceptVpcEndpointConnections(ctx, &ec2.AcceptVpcEndpointConnectionsInput{ServiceId: svc.ServiceId, VpcEndpointIds: []string{*ep.VpcEndpointId}})
		must(t, err)
		if len(out.Unsuccessful) == 0 {
			return ""
		}
		return *out.Unsuccessful[0].Error.Code
	}
	if c := acc(); c != "" {
		t.Fatalf("accept: %s", c)
	}
	if st := endpointState(t, cons, *ep.VpcEndpointId); st != "available" {
		t.Fatalf("state %s", st)
	}
	if c := acc(); c != "InvalidState" {
		t.Fatalf("second accept: %q", c)
	}
	// A connection can be rejected after acceptance.
	rej, err := prov.RejectVpcEndpointConnections(ctx, &ec2.RejectVpcEndpointConnectionsInput{ServiceId: svc.ServiceId, VpcEndpointIds: []string{*ep.VpcEndpointId}})
	must(t, err)
	if len(rej.Unsuccessful) != 0 || endpointState(t, cons, *ep.VpcEndpointId) != "rejected" {
		t.Fatalf("reject %+v", rej.Unsuccessful)
	}
	// Rejected endpoints no longer block service deletion.
	del, err := prov.DeleteVpcEndpointServiceConfigurations(ctx, &ec2.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{*svc.ServiceId}})
	must(t, err)
	if len(del.Unsuccessful) != 0 {
		t.Fatalf("delete %+v", del.Unsuccessful)
	}
	// The consumer cannot accept.
	_, err = cons.AcceptVpcEndpointConnections(ctx, &ec2.AcceptVpcEndpointConnectionsInput{ServiceId: svc.ServiceId, VpcEndpointIds: []string{*ep.VpcEndpointId}})
	wantCode(t, err, "InvalidVpcEndpointServiceId.NotFound")
}

func TestClientTokens(t *testing.T) {
	srv := start(t)
	prov := srv.Clients(t, "payments").EC2
	cons := srv.Clients(t, "checkout").EC2
	tok := func(in *ec2.CreateVpcEndpointServiceConfigurationInput) { in.ClientToken = aws.String("svc-token") }
	a := createService(t, prov, tok)
	b := createService(t, prov, tok)
	if *a.ServiceId != *b.ServiceId {
		t.Fatalf("same token made two services: %s %s", *a.ServiceId, *b.ServiceId)
	}
	_, err := prov.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{paymentsNLBEast}, AcceptanceRequired: aws.Bool(false), ClientToken: aws.String("svc-token")})
	wantCode(t, err, "IdempotentParameterMismatch")
	allow(t, prov, *a.ServiceId, "*")

	etok := func(in *ec2.CreateVpcEndpointInput) { in.ClientToken = aws.String("ep-token") }
	e1, err := createEndpoint(cons, checkoutVPCEast, *a.ServiceName, checkoutSubnetsEast(), etok)
	must(t, err)
	e2, err := createEndpoint(cons, checkoutVPCEast, *a.ServiceName, checkoutSubnetsEast(), etok)
	must(t, err)
	if *e1.VpcEndpointId != *e2.VpcEndpointId {
		t.Fatal("same token made two endpoints")
	}
	_, err = createEndpoint(cons, checkoutVPCEast, *a.ServiceName, checkoutSubnetsEast()[:2], etok)
	wantCode(t, err, "IdempotentParameterMismatch")
	// The same token in another account is independent.
	_, err = createEndpoint(srv.Clients(t, "payments").EC2, paymentsVPCEast, *a.ServiceName, []string{"subnet-0110000000000000a"}, etok)
	must(t, err)

	n1, err := prov.CreateVpcEndpointConnectionNotification(ctx, &ec2.CreateVpcEndpointConnectionNotificationInput{ServiceId: a.ServiceId,
		ConnectionNotificationArn: aws.String("arn:aws:sns:us-east-1:111111111111:pl-events"), ConnectionEvents: []string{"Connect", "Accept"}, ClientToken: aws.String("n")})
	must(t, err)
	n2, err := prov.CreateVpcEndpointConnectionNotification(ctx, &ec2.CreateVpcEndpointConnectionNotificationInput{ServiceId: a.ServiceId,
		ConnectionNotificationArn: aws.String("arn:aws:sns:us-east-1:111111111111:pl-events"), ConnectionEvents: []string{"Connect", "Accept"}, ClientToken: aws.String("n")})
	must(t, err)
	if *n1.ConnectionNotification.ConnectionNotificationId != *n2.ConnectionNotification.ConnectionNotificationId {
		t.Fatal("same token made two notifications")
	}
}

func TestNotifications(t *testing.T) {
	srv := start(t)
	prov := srv.Clients(t, "payments").EC2
	svc := createService(t, prov)
	arn := aws.String("arn:aws:sns:us-east-1:111111111111:pl-events")
	_, err := prov.CreateVpcEndpointConnectionNotification(ctx, &ec2.CreateVpcEndpointConnectionNotificationInput{ServiceId: svc.ServiceId, ConnectionNotificationArn: arn, ConnectionEvents: []string{"Explode"}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = prov.CreateVpcEndpointConnectionNotification(ctx, &ec2.CreateVpcEndpointConnectionNotificationInput{ServiceId: svc.ServiceId, ConnectionNotificationArn: aws.String("topic"), ConnectionEvents: []string{"Connect"}})
	wantCode(t, err, "InvalidParameter")
	out, err := prov.CreateVpcEndpointConnectionNotification(ctx, &ec2.CreateVpcEndpointConnectionNotificationInput{ServiceId: svc.ServiceId, ConnectionNotificationArn: arn, ConnectionEvents: []string{"Connect", "Accept", "Reject", "Delete"}})
	must(t, err)
	id := out.ConnectionNotification.ConnectionNotificationId
	if !strings.HasPrefix(*id, "vpce-nfn-") || out.ConnectionNotification.ConnectionNotificationState != "Enabled" {
		t.Fatalf("notification %+v", out.ConnectionNotification)
	}
	_, err = prov.ModifyVpcEndpointConnectionNotification(ctx, &ec2.ModifyVpcEndpointConnectionNotificationInput{ConnectionNotificationId: id, ConnectionEvents: []string{"Connect"}})
	must(t, err)
	d, err := prov.DescribeVpcEndpointConnectionNotifications(ctx, &ec2.DescribeVpcEndpointConnectionNotificationsInput{
		Filters: []types.Filter{{Name: aws.String("service-id"), Values: []string{*svc.ServiceId}}}})
	must(t, err)
	if len(d.ConnectionNotificationSet) != 1 || len(d.ConnectionNotificationSet[0].ConnectionEvents) != 1 {
		t.Fatalf("describe %+v", d.ConnectionNotificationSet)
	}
	del, err := prov.DeleteVpcEndpointConnectionNotifications(ctx, &ec2.DeleteVpcEndpointConnectionNotificationsInput{ConnectionNotificationIds: []string{*id, "vpce-nfn-00000000000000000"}})
	must(t, err)
	if len(del.Unsuccessful) != 1 {
		t.Fatalf("delete %+v", del.Unsuccessful)
	}
	_, err = prov.DescribeVpcEndpointConnectionNotifications(ctx, &ec2.DescribeVpcEndpointConnectionNotificationsInput{ConnectionNotificationId: id})
	wantCode(t, err, "InvalidConnectionNotification")
}

func TestTags(t *testing.T) {
	srv := start(t)
	prov := srv.Clients(t, "payments").EC2
	svc := createService(t, prov)
	_, err := prov.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*svc.ServiceId}, Tags: []types.Tag{
		{Key: aws.String("plink:project"), Value: aws.String("p")}, {Key: aws.String("plink:name"), Value: aws.String("api")}, {Key: aws.String("x"), Value: aws.String("1")}}})
	must(t, err)
	_, err = prov.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{"vpce-svc-00000000000000000"}, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	wantCode(t, err, "InvalidVpcEndpointServiceId.NotFound")
	_, err = prov.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*svc.ServiceId}, Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("b")}}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = prov.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{*svc.ServiceId}, Tags: []types.Tag{{Key: aws.String("x"), Value: aws.String("other")}, {Key: aws.String("plink:name")}}})
	must(t, err)
	out, err := prov.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{{Name: aws.String("resource-id"), Values: []string{*svc.ServiceId}}}})
	must(t, err)
	var keys []string
	for _, tg := range out.Tags {
		keys = append(keys, *tg.Key+"="+*tg.Value+"/"+string(tg.ResourceType))
	}
	if fmt.Sprint(keys) != "[plink:project=p/vpc-endpoint-service x=1/vpc-endpoint-service]" {
		t.Fatalf("tags %v", keys)
	}
	cfg, err := prov.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{
		Filters: []types.Filter{{Name: aws.String("tag:plink:project"), Values: []string{"p"}}}})
	must(t, err)
	if len(cfg.ServiceConfigurations) != 1 {
		t.Fatalf("tag filter: %d", len(cfg.ServiceConfigurations))
	}
	cfg, err = prov.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{
		Filters: []types.Filter{{Name: aws.String("tag-key"), Values: []string{"plink:name"}}}})
	must(t, err)
	if len(cfg.ServiceConfigurations) != 0 {
		t.Fatalf("tag-key filter: %d", len(cfg.ServiceConfigurations))
	}
	_, err = prov.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{
		Filters: []types.Filter{{Name: aws.String("bogus"), Values: []string{"1"}}}})
	wantCode(t, err, "InvalidParameterValue")
}
