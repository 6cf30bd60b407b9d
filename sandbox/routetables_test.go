package sandbox_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/sandbox"
)

const (
	checkoutMainRTB    = "rtb-02100000000000001"
	checkoutPrivateRTB = "rtb-02100000000000002"
)

// prefixRoutes returns each table's prefix-list routes as "pl→gateway".
func prefixRoutes(t *testing.T, api *ec2.Client, filters ...types.Filter) map[string][]string {
	t.Helper()
	out, err := api.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: filters})
	must(t, err)
	got := map[string][]string{}
	for _, rt := range out.RouteTables {
		got[*rt.RouteTableId] = nil
		for _, r := range rt.Routes {
			if r.DestinationPrefixListId != nil {
				got[*rt.RouteTableId] = append(got[*rt.RouteTableId], *r.DestinationPrefixListId+"→"+*r.GatewayId)
			}
		}
	}
	return got
}

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

func TestRouteTablesAndGatewayEndpoints(t *testing.T) {
	srv := start(t)
	cons := srv.Clients(t, "checkout").EC2

	// The world: a main table and a private one in checkout's VPC; every
	// other VPC its implicit main table.
	out, err := cons.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", checkoutVPCEast)}})
	must(t, err)
	if len(out.RouteTables) != 2 || *out.RouteTables[0].RouteTableId != checkoutMainRTB || !*out.RouteTables[0].Associations[0].Main {
		t.Fatalf("route tables %+v", out.RouteTables)
	}
	if a := out.RouteTables[1].Associations; len(a) != 3 || *a[2].SubnetId != "subnet-0210000000000000c" || *a[0].Main {
		t.Fatalf("private table associations %+v", a)
	}
	bySubnet, err := cons.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("association.subnet-id", "subnet-0210000000000000b")}})
	must(t, err)
	if len(bySubnet.RouteTables) != 1 || *bySubnet.RouteTables[0].RouteTableId != checkoutPrivateRTB {
		t.Fatalf("by subnet %+v", bySubnet.RouteTables)
	}
	pay, err := srv.Clients(t, "payments").EC2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{"rtb-01100000000000001"}})
	must(t, err)
	if rt := pay.RouteTables[0]; *rt.VpcId != paymentsVPCEast || *rt.Routes[0].GatewayId != "local" || *rt.Routes[0].DestinationCidrBlock != "10.11.0.0/16" {
		t.Fatalf("implicit main table %+v", rt)
	}
	_, err = cons.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{"rtb-0ffffffffffffffff"}})
	wantCode(t, err, "InvalidRouteTableID.NotFound")
	_, err = cons.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("route.nonsense", "x")}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = cons.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{MaxResults: aws.Int32(1000)})
	wantCode(t, err, "InvalidParameterValue")

	// Create: the endpoint is available at once and adds its route.
	s3 := "com.amazonaws.us-east-1.s3"
	gw, err := cons.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: types.VpcEndpointTypeGateway, VpcId: aws.String(checkoutVPCEast),
		ServiceName: aws.String(s3), RouteTableIds: []string{checkoutPrivateRTB}})
	must(t, err)
	id := *gw.VpcEndpoint.VpcEndpointId
	if gw.VpcEndpoint.State != "available" || len(gw.VpcEndpoint.RouteTableIds) != 1 {
		t.Fatalf("gateway endpoint %+v", gw.VpcEndpoint)
	}
	routes := prefixRoutes(t, cons, filter("vpc-id", checkoutVPCEast))
	if strings.Join(routes[checkoutPrivateRTB], ",") != "pl-63a5400a→"+id || len(routes[checkoutMainRTB]) != 0 {
		t.Fatalf("routes after create %v", routes)
	}
	if got := prefixRoutes(t, cons, filter("route.gateway-id", id)); len(got) != 1 {
		t.Fatalf("route.gateway-id filter %v", got)
	}

	// The errors AWS gives.
	gwIn := func(tables ...string) *ec2.CreateVpcEndpointInput {
		return &ec2.CreateVpcEndpointInput{VpcEndpointType: types.VpcEndpointTypeGateway, VpcId: aws.String(checkoutVPCEast), ServiceName: aws.String(s3), RouteTableIds: tables}
	}
	_, err = cons.CreateVpcEndpoint(ctx, gwIn(checkoutPrivateRTB))
	wantCode(t, err, "RouteAlreadyExists")
	_, err = cons.CreateVpcEndpoint(ctx, gwIn("rtb-0ffffffffffffffff"))
	wantCode(t, err, "InvalidRouteTableId.NotFound")
	west := srv.Clients(t, "checkout", "us-west-2").EC2
	_, err = west.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: types.VpcEndpointTypeGateway, VpcId: aws.String(checkoutVPCWest),
		ServiceName: aws.String("com.amazonaws.us-west-2.s3"), RouteTableIds: []string{checkoutMainRTB}})
	wantCode(t, err, "InvalidRouteTableId.NotFound") // another region's table
	_, err = createEndpoint(cons, checkoutVPCEast, "com.amazonaws.us-east-1.sqs", checkoutSubnetsEast(), func(in *ec2.CreateVpcEndpointInput) { in.RouteTableIds = []string{checkoutMainRTB} })
	wantCode(t, err, "InvalidParameter")
	ddb, err := cons.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: types.VpcEndpointTypeGateway, VpcId: aws.String(checkoutVPCEast),
		ServiceName: aws.String("com.amazonaws.us-east-1.dynamodb"), RouteTableIds: []string{checkoutPrivateRTB}})
	must(t, err) // another service's prefix list may share the table

	// Modify: add the main table, remove the private one.
	_, err = cons.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(id), AddRouteTableIds: []string{checkoutMainRTB}, RemoveRouteTableIds: []string{checkoutPrivateRTB}})
	must(t, err)
	routes = prefixRoutes(t, cons, filter("vpc-id", checkoutVPCEast))
	if strings.Join(routes[checkoutMainRTB], ",") != "pl-63a5400a→"+id || strings.Join(routes[checkoutPrivateRTB], ",") != "pl-02cd2c6b→"+*ddb.VpcEndpoint.VpcEndpointId {
		t.Fatalf("routes after modify %v", routes)
	}
	_, err = cons.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(id), RemoveRouteTableIds: []string{checkoutPrivateRTB}})
	wantCode(t, err, "InvalidParameter")
	_, err = cons.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: ddb.VpcEndpoint.VpcEndpointId, AddRouteTableIds: []string{"rtb-01100000000000001"}})
	wantCode(t, err, "InvalidRouteTableId.NotFound") // another account's table
	iface, err := createEndpoint(cons, checkoutVPCEast, "com.amazonaws.us-east-1.sqs", checkoutSubnetsEast())
	must(t, err)
	_, err = cons.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: iface.VpcEndpointId, AddRouteTableIds: []string{checkoutMainRTB}})
	wantCode(t, err, "InvalidParameter")

	// Delete: the route goes with the endpoint.
	_, err = cons.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id}})
	must(t, err)
	if routes = prefixRoutes(t, cons, filter("route-table-id", checkoutMainRTB)); len(routes[checkoutMainRTB]) != 0 {
		t.Fatalf("routes after delete %v", routes)
	}
}

func TestWorldRouteTableValidation(t *testing.T) {
	for name, edit := range map[string]func(v *sandbox.VPC){
		"malformed": func(v *sandbox.VPC) { v.RouteTables = []sandbox.RouteTable{{ID: "rtb-xyz"}} },
		"two main": func(v *sandbox.VPC) {
			v.RouteTables = []sandbox.RouteTable{{ID: "rtb-0aaaaaaa", Main: true}, {ID: "rtb-0bbbbbbb", Main: true}}
		},
		"other subnet": func(v *sandbox.VPC) {
			v.RouteTables = []sandbox.RouteTable{{ID: "rtb-0aaaaaaa", Subnets: []string{"subnet-0f0f0f0f"}}}
		},
		"twice": func(v *sandbox.VPC) {
			v.RouteTables = []sandbox.RouteTable{{ID: "rtb-0aaaaaaa", Subnets: []string{v.Subnets[0].ID}}, {ID: "rtb-0bbbbbbb", Subnets: []string{v.Subnets[0].ID}}}
		},
		"duplicate id": func(v *sandbox.VPC) { v.RouteTables = []sandbox.RouteTable{{ID: "rtb-02100000000000001"}} },
	} {
		w := sandbox.DefaultWorld()
		edit(&w.Accounts[0].Regions["us-east-1"].VPCs[0])
		if _, err := sandbox.New(w, sandbox.Options{}); err == nil || !strings.Contains(err.Error(), "route table") && !strings.Contains(err.Error(), "subnet") {
			t.Errorf("%s: bad world accepted: %v", name, err)
		}
	}
}
