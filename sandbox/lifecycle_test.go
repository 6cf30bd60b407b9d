package sandbox_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/sandbox"
)

// TestLifecycle walks provider and consumer through the whole acceptance
// flow across two accounts and two regions.
func TestLifecycle(t *testing.T) {
	clk := newClock()
	srv := start(t, sandbox.Options{Clock: clk.Now, EndpointAvailableDelay: time.Minute, ServiceAvailableDelay: 30 * time.Second})
	prov := srv.Clients(t, "payments").EC2
	cons := srv.Clients(t, "checkout").EC2
	consWest := srv.Clients(t, "checkout", "us-west-2").EC2

	svc := createService(t, prov, func(in *ec2.CreateVpcEndpointServiceConfigurationInput) {
		in.SupportedRegions = []string{"us-west-2"}
		in.PrivateDnsName = aws.String("api.payments.example.com")
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeVpcEndpointService,
			Tags: []types.Tag{{Key: aws.String("plink:project"), Value: aws.String("demo")}}}}
	})
	if svc.ServiceState != types.ServiceStatePending {
		t.Fatalf("new service state = %s, want Pending", svc.ServiceState)
	}
	if want := "com.amazonaws.vpce.us-east-1." + *svc.ServiceId; *svc.ServiceName != want || len(*svc.ServiceId) != len("vpce-svc-")+17 {
		t.Fatalf("service name %s id %s", *svc.ServiceName, *svc.ServiceId)
	}
	if !slices.Equal(svc.AvailabilityZoneIds, []string{"use1-az1", "use1-az2", "use1-az4"}) ||
		!slices.Equal(svc.AvailabilityZones, []string{"us-east-1a", "us-east-1b", "us-east-1c"}) {
		t.Fatalf("service AZs %v %v", svc.AvailabilityZoneIds, svc.AvailabilityZones)
	}
	if c := svc.PrivateDnsNameConfiguration; c == nil || c.State != types.DnsNameStatePendingVerification || *c.Type != "TXT" || (*c.Value)[:5] != "vpce:" || (*c.Name)[0] != '_' {
		t.Fatalf("private DNS config %+v", svc.PrivateDnsNameConfiguration)
	}
	if len(svc.Tags) != 1 || len(svc.SupportedRegions) != 2 {
		t.Fatalf("tags %v regions %v", svc.Tags, svc.SupportedRegions)
	}
	clk.Advance(31 * time.Second)
	got, err := prov.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: []string{*svc.ServiceId}})
	must(t, err)
	if got.ServiceConfigurations[0].ServiceState != types.ServiceStateAvailable {
		t.Fatalf("state after delay = %s", got.ServiceConfigurations[0].ServiceState)
	}

	// Not yet allowed: the consumer cannot see the service.
	_, err = cons.DescribeVpcEndpointServices(ctx, &ec2.DescribeVpcEndpointServicesInput{ServiceNames: []string{*svc.ServiceName}})
	wantCode(t, err, "InvalidServiceName")
	_, err = createEndpoint(cons, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast())
	wantCode(t, err, "InvalidServiceName")

	allow(t, prov, *svc.ServiceId, "arn:aws:iam::"+checkout+":root")
	ds, err := cons.DescribeVpcEndpointServices(ctx, &ec2.DescribeVpcEndpointServicesInput{ServiceNames: []string{*svc.ServiceName}})
	must(t, err)
	d := ds.ServiceDetails[0]
	if *d.Owner != payments || !*d.AcceptanceRequired || *d.ServiceRegion != "us-east-1" ||
		!slices.Equal(d.AvailabilityZoneIds, []string{"use1-az1", "use1-az2", "use1-az4"}) ||
		// checkout names: az1=us-east-1c, az2=us-east-1a, az4=us-east-1b
		!slices.Equal(d.AvailabilityZones, []string{"us-east-1a", "us-east-1b", "us-east-1c"}) ||
		d.PrivateDnsNameVerificationState != types.DnsNameStatePendingVerification {
		t.Fatalf("service detail %+v", d)
	}

	// Private DNS cannot be enabled before verification.
	_, err = createEndpoint(cons, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast(), func(in *ec2.CreateVpcEndpointInput) { in.PrivateDnsEnabled = aws.Bool(true) })
	wantCode(t, err, "InvalidParameter")
	_, err = prov.StartVpcEndpointServicePrivateDnsVerification(ctx, &ec2.StartVpcEndpointServicePrivateDnsVerificationInput{ServiceId: svc.ServiceId})
	must(t, err)

	ep, err := createEndpoint(cons, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast(), func(in *ec2.CreateVpcEndpointInput) {
		in.SecurityGroupIds = []string{checkoutSGEast}
		in.PrivateDnsEnabled = aws.Bool(true)
	})
	must(t, err)
	if ep.State != "pendingAcceptance" || len(ep.NetworkInterfaceIds) != 3 || len(ep.DnsEntries) != 5 || !*ep.PrivateDnsEnabled || *ep.OwnerId != checkout {
		t.Fatalf("endpoint %+v", ep)
	}
	if *ep.DnsEntries[4].DnsName != "api.payments.example.com" {
		t.Fatalf("dns entries %v", *ep.DnsEntries[4].DnsName)
	}

	// The provider sees the connection.
	conns, err := prov.DescribeVpcEndpointConnections(ctx, &ec2.DescribeVpcEndpointConnectionsInput{})
	must(t, err)
	if len(conns.VpcEndpointConnections) != 1 {
		t.Fatalf("connections %d", len(conns.VpcEndpointConnections))
	}
	cn := conns.VpcEndpointConnections[0]
	if *cn.VpcEndpointId != *ep.VpcEndpointId || *cn.VpcEndpointOwner != checkout || cn.VpcEndpointState != "pendingAcceptance" || *cn.ServiceId != *svc.ServiceId {
		t.Fatalf("connection %+v", cn)
	}

	acc, err := prov.AcceptVpcEndpointConnections(ctx, &ec2.AcceptVpcEndpointConnectionsInput{ServiceId: svc.ServiceId, VpcEndpointIds: []string{*ep.VpcEndpointId, "vpce-0000000000000dead"}})
	must(t, err)
	if len(acc.Unsuccessful) != 1 || *acc.Unsuccessful[0].Error.Code != "InvalidVpcEndpointId.NotFound" {
		t.Fatalf("unsuccessful %+v", acc.Unsuccessful)
	}
	if st := endpointState(t, cons, *ep.VpcEndpointId); st != "pending" {
		t.Fatalf("after accept: %s", st)
	}
	clk.Advance(time.Minute)
	if st := endpointState(t, cons, *ep.VpcEndpointId); st != "available" {
		t.Fatalf("after delay: %s", st)
	}

	// Cross-region consumer in us-west-2.
	wep, err := createEndpoint(consWest, checkoutVPCWest, *svc.ServiceName, checkoutSubnetsWest(), func(in *ec2.CreateVpcEndpointInput) {
		in.ServiceRegion = aws.String("us-east-1")
	})
	must(t, err)
	if *wep.ServiceRegion != "us-east-1" || wep.State != "pendingAcceptance" {
		t.Fatalf("cross-region endpoint %+v", wep)
	}
	conns, err = prov.DescribeVpcEndpointConnections(ctx, &ec2.DescribeVpcEndpointConnectionsInput{
		Filters: []types.Filter{{Name: aws.String("vpc-endpoint-state"), Values: []string{"pendingAcceptance"}}}})
	must(t, err)
	if len(conns.VpcEndpointConnections) != 1 || *conns.VpcEndpointConnections[0].VpcEndpointRegion != "us-west-2" {
		t.Fatalf("cross-region connection %+v", conns.VpcEndpointConnections)
	}
	rej, err := prov.RejectVpcEndpointConnections(ctx, &ec2.RejectVpcEndpointConnectionsInput{ServiceId: svc.ServiceId, VpcEndpointIds: []string{*wep.VpcEndpointId}})
	must(t, err)
	if len(rej.Unsuccessful) != 0 {
		t.Fatalf("reject: %+v", rej.Unsuccessful)
	}
	if st := endpointState(t, consWest, *wep.VpcEndpointId); st != "rejected" {
		t.Fatalf("after reject: %s", st)
	}

	// Deleting the service fails while a connection is active.
	del, err := prov.DeleteVpcEndpointServiceConfigurations(ctx, &ec2.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{*svc.ServiceId}})
	must(t, err)
	if len(del.Unsuccessful) != 1 || *del.Unsuccessful[0].Error.Code != "ExistingVpcEndpointConnections" {
		t.Fatalf("delete with connections: %+v", del.Unsuccessful)
	}

	// Removing the principal keeps the existing connection.
	_, err = prov.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: svc.ServiceId, RemoveAllowedPrincipals: []string{"arn:aws:iam::" + checkout + ":root"}})
	must(t, err)
	if st := endpointState(t, cons, *ep.VpcEndpointId); st != "available" {
		t.Fatalf("after principal removal: %s", st)
	}

	// Delete the endpoint: deleting -> deleted -> gone on both sides.
	_, err = cons.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{*ep.VpcEndpointId}})
	must(t, err)
	if st := endpointState(t, cons, *ep.VpcEndpointId); st != "deleting" {
		t.Fatalf("after delete: %s", st)
	}
	clk.Advance(time.Minute)
	conns, err = prov.DescribeVpcEndpointConnections(ctx, &ec2.DescribeVpcEndpointConnectionsInput{
		Filters: []types.Filter{{Name: aws.String("vpc-endpoint-id"), Values: []string{*ep.VpcEndpointId}}}})
	must(t, err)
	if len(conns.VpcEndpointConnections) != 1 || conns.VpcEndpointConnections[0].VpcEndpointState != "deleted" {
		t.Fatalf("provider view after delete: %+v", conns.VpcEndpointConnections)
	}
	clk.Advance(time.Minute)
	_, err = cons.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{*ep.VpcEndpointId}})
	wantCode(t, err, "InvalidVpcEndpointId.NotFound")

	del, err = prov.DeleteVpcEndpointServiceConfigurations(ctx, &ec2.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{*svc.ServiceId, "vpce-svc-00000000000000000"}})
	must(t, err)
	if len(del.Unsuccessful) != 1 || *del.Unsuccessful[0].ResourceId != "vpce-svc-00000000000000000" || *del.Unsuccessful[0].Error.Code != "InvalidVpcEndpointServiceId.NotFound" {
		t.Fatalf("delete: %+v", del.Unsuccessful)
	}
	_, err = prov.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: []string{*svc.ServiceId}})
	wantCode(t, err, "InvalidVpcEndpointServiceId.NotFound")
}
