package live_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// gatewayManifest declares checkout's S3 gateway endpoint in us-east-1, the
// only consumer there, so subnets come from the gateway read alone.
func gatewayManifest() *manifest.Manifest {
	m := sbManifest()
	m.Consumers = []*manifest.Consumer{
		{Name: "checkout-s3", Account: "checkout", Type: manifest.TypeGateway, VPCID: sbVPC, RouteTableIDs: []string{"rtb-02100000000000002"}, ServiceName: "com.amazonaws.us-east-1.s3"},
		m.Consumers[1], // west-payments
	}
	return m
}

func TestReadGatewayEndpointsAndRouteTables(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	ctx := context.Background()
	c := srv.Clients(t, "checkout").EC2
	ours := must(c.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: ec2types.VpcEndpointTypeGateway, VpcId: aws.String(sbVPC),
		ServiceName: aws.String("com.amazonaws.us-east-1.s3"), RouteTableIds: []string{"rtb-02100000000000002"},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcEndpoint, Tags: tagList(live.TagProject, project, live.TagName, "checkout-s3")}}}))
	// a stranger's gateway endpoint in the gateway consumer's VPC is read (it
	// holds a route table); one in a VPC without gateway consumers is not
	stranger := must(c.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: ec2types.VpcEndpointTypeGateway, VpcId: aws.String(sbVPC),
		ServiceName: aws.String("com.amazonaws.us-east-1.dynamodb"), RouteTableIds: []string{"rtb-02100000000000001"}}))
	_ = must(srv.Clients(t, "checkout", "us-west-2").EC2.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: ec2types.VpcEndpointTypeGateway,
		VpcId: aws.String(sbVPCWest), ServiceName: aws.String("com.amazonaws.us-west-2.s3")}))

	m := gatewayManifest()
	srv.Sandbox.ResetCalls()
	snap, err := live.Read(ctx, m, sbResolver(t, srv, m, nil, 0), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var eps []string
	for _, ep := range snap.Endpoints {
		eps = append(eps, ep.ID+":"+ep.Type+":"+strings.Join(ep.RouteTableIDs, "+"))
	}
	want := []string{*ours.VpcEndpoint.VpcEndpointId + ":Gateway:rtb-02100000000000002", *stranger.VpcEndpoint.VpcEndpointId + ":Gateway:rtb-02100000000000001"}
	if strings.Join(eps, ",") != strings.Join(want, ",") && strings.Join(eps, ",") != want[1]+","+want[0] {
		t.Errorf("endpoints %v, want %v", eps, want)
	}
	var rts []string
	for _, rt := range snap.RouteTables {
		rts = append(rts, rt.ID+":"+strings.Join(rt.SubnetIDs, "+")+":"+strings.Join(rt.GatewayRoutes, "+"))
		if rt.ID == "rtb-02100000000000001" && !rt.Main {
			t.Errorf("%s is the main table", rt.ID)
		}
	}
	wantRT := []string{
		"rtb-02100000000000001::pl-02cd2c6b→" + *stranger.VpcEndpoint.VpcEndpointId,
		"rtb-02100000000000002:subnet-0210000000000000a+subnet-0210000000000000b+subnet-0210000000000000c:pl-63a5400a→" + *ours.VpcEndpoint.VpcEndpointId,
	}
	if strings.Join(rts, ",") != strings.Join(wantRT, ",") {
		t.Errorf("route tables\n%v\nwant\n%v", rts, wantRT)
	}
	subnets := 0
	for _, sn := range snap.Subnets {
		if sn.VPCID == sbVPC {
			subnets++
		}
	}
	if subnets != 4 {
		t.Errorf("%d subnets of %s read, want all 4 (the gateway read's own subnet read)", subnets, sbVPC)
	}
	// one DescribeRouteTables and one DescribeSubnets, only where the gateway consumer is
	for _, cl := range srv.Sandbox.Calls() {
		if cl.Action == "DescribeRouteTables" && (cl.Count != 1 || cl.Account != sbCheckout || cl.Region != "us-east-1") {
			t.Errorf("call %+v", cl)
		}
	}
}

func TestReadRouteTablesFailure(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	srv.Sandbox.Inject(sandbox.Fault{Action: "DescribeRouteTables", Code: "UnauthorizedOperation", Times: -1})
	m := gatewayManifest()
	snap, err := live.Read(context.Background(), m, sbResolver(t, srv, m, nil, 1), live.ReadOptions{})
	var re *live.ReadError
	if !errors.As(err, &re) || len(re.Failures) != 1 || re.Failures[0].Call != "DescribeRouteTables" || re.Failures[0].Account != "checkout" {
		t.Fatalf("err %v", err)
	}
	if len(snap.RouteTables) != 0 {
		t.Errorf("route tables %v", snap.RouteTables)
	}
}
