package sandbox_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

func TestCrossRegionDiscovery(t *testing.T) {
	srv := start(t)
	prov := srv.Clients(t, "payments").EC2
	svc := createService(t, prov)
	allow(t, prov, *svc.ServiceId, "arn:aws:iam::"+checkout+":root")
	west := srv.Clients(t, "checkout", "us-west-2").EC2
	in := &ec2.DescribeVpcEndpointServicesInput{ServiceRegions: []string{"us-east-1"}, ServiceNames: []string{*svc.ServiceName}}
	_, err := west.DescribeVpcEndpointServices(ctx, in)
	wantCode(t, err, "InvalidServiceName")
	_, err = prov.ModifyVpcEndpointServiceConfiguration(ctx, &ec2.ModifyVpcEndpointServiceConfigurationInput{ServiceId: svc.ServiceId, AddSupportedRegions: []string{"us-west-2"}})
	must(t, err)
	out, err := west.DescribeVpcEndpointServices(ctx, in)
	must(t, err)
	if d := out.ServiceDetails[0]; *d.ServiceRegion != "us-east-1" {
		t.Fatalf("detail %+v", d)
	}
	// Without ServiceRegion the us-east-1 service is not found from us-west-2.
	_, err = createEndpoint(west, checkoutVPCWest, *svc.ServiceName, checkoutSubnetsWest())
	wantCode(t, err, "InvalidServiceName")
	ep, err := createEndpoint(west, checkoutVPCWest, *svc.ServiceName, checkoutSubnetsWest(), func(in *ec2.CreateVpcEndpointInput) { in.ServiceRegion = aws.String("us-east-1") })
	must(t, err)
	if ep.State != "pendingAcceptance" {
		t.Fatalf("state %s", ep.State)
	}
}

func TestOtherEndpointTypes(t *testing.T) {
	srv := start(t)
	cons := srv.Clients(t, "checkout").EC2
	gw, err := cons.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(checkoutVPCEast), ServiceName: aws.String("com.amazonaws.us-east-1.s3"), RouteTableIds: []string{"rtb-02100000000000002"}})
	must(t, err)
	if gw.VpcEndpoint.VpcEndpointType != types.VpcEndpointTypeGateway || gw.VpcEndpoint.State != "available" {
		t.Fatalf("gateway endpoint %+v", gw.VpcEndpoint)
	}
	ana := srv.Clients(t, "analytics").EC2
	g, err := ana.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{GatewayLoadBalancerArns: []string{analyticsGWLB}, AcceptanceRequired: aws.Bool(false)})
	must(t, err)
	name := *g.ServiceConfiguration.ServiceName
	_, err = createEndpoint(ana, "vpc-03100000000000001", name, []string{"subnet-0310000000000000a"})
	wantCode(t, err, "InvalidParameter") // Interface endpoint to a GWLB service
	_, err = createEndpoint(ana, "vpc-03100000000000001", name, []string{"subnet-0310000000000000a", "subnet-0310000000000000b"},
		func(in *ec2.CreateVpcEndpointInput) { in.VpcEndpointType = types.VpcEndpointTypeGatewayLoadBalancer })
	wantCode(t, err, "InvalidParameter")
	ep, err := createEndpoint(ana, "vpc-03100000000000001", name, []string{"subnet-0310000000000000a"},
		func(in *ec2.CreateVpcEndpointInput) { in.VpcEndpointType = types.VpcEndpointTypeGatewayLoadBalancer })
	must(t, err)
	if ep.State != "available" || len(ep.NetworkInterfaceIds) != 1 {
		t.Fatalf("gwlb endpoint %+v", ep)
	}
}

func TestExpiredSession(t *testing.T) {
	clk := newClock()
	srv := start(t, sandbox.Options{Clock: clk.Now})
	op := srvClients(srv, "AKIASANDBOXOPERATOR1", "operator-sandbox-secret-key0000000000000")
	cfg := srv.AssumeRole(t, op, "arn:aws:iam::"+checkout+":role/plink", "", "us-east-1")
	c := sandboxtest.ClientsFor(cfg)
	_, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
	clk.Advance(time.Hour)
	_, err = c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantCode(t, err, "ExpiredToken")
	_, err = c.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	wantCode(t, err, "RequestExpired")
}

func TestMutatingThrottleClass(t *testing.T) {
	srv := start(t, sandbox.Options{Throttle: true})
	cons := srv.Clients(t, "checkout").EC2
	var err error
	n := 0
	for ; n < 6 && err == nil; n++ {
		_, err = cons.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: types.VpcEndpointTypeInterface,
			VpcId: aws.String(checkoutVPCEast), ServiceName: aws.String("com.amazonaws.us-east-1.sqs")}, noRetry)
	}
	// Burst 4, refill 0.3/s: the fifth create is throttled.
	wantCode(t, err, "RequestLimitExceeded")
	if n != 5 {
		t.Fatalf("throttled at call %d, want 5", n)
	}
	// Describe calls have their own, larger bucket.
	_, err = cons.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{})
	must(t, err)
}
