package apply_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/plan"
)

// A gateway consumer on a route table that a hand-made S3 gateway endpoint
// already routes: AWS would refuse it (RouteAlreadyExists) half way
// through apply, so plan refuses it, naming the endpoint that holds the
// route and the table, and nothing is changed. The same holds for a route
// table added to the project's existing gateway endpoint.
func TestGatewayRouteConflictRefusedAtPlan(t *testing.T) {
	e := newEnv(t)
	out, err := e.srv.Clients(t, "checkout").EC2.CreateVpcEndpoint(context.Background(), &ec2.CreateVpcEndpointInput{
		VpcId: aws.String("vpc-02100000000000001"), ServiceName: aws.String("com.amazonaws.us-east-1.s3"),
		VpcEndpointType: ec2types.VpcEndpointTypeGateway, RouteTableIds: []string{"rtb-02100000000000002"}})
	if err != nil {
		t.Fatal(err)
	}
	held := aws.ToString(out.VpcEndpoint.VpcEndpointId)

	check := func(path string) {
		t.Helper()
		e.srv.Sandbox.ResetCalls()
		p := e.planOf(path)
		d := findDiag(t, p, plan.CodeRouteTaken)
		if d.Severity != plan.SeverityError || d.Address != "consumer.checkout-s3" || !strings.Contains(d.Message, "route table rtb-02100000000000002") ||
			!strings.Contains(d.Message, "gateway endpoint "+held) || !strings.Contains(d.Hint, "--remove-route-table-ids rtb-02100000000000002") {
			t.Errorf("diagnostic = %+v", d)
		}
		if m := e.mutations(); len(m) > 0 {
			t.Errorf("planning made mutating calls: %v", m)
		}
	}
	check(gatewayManifest(t, s3Gateway+"    routeTableIds: [rtb-02100000000000002]\n"))

	// the project's endpoint on the main table, then the taken one added
	main := gatewayManifest(t, s3Gateway+"    routeTableIds: [rtb-02100000000000001]\n")
	res := e.apply(main)
	check(gatewayManifest(t, s3Gateway+"    routeTableIds: [rtb-02100000000000001, rtb-02100000000000002]\n"))
	eo, err := e.srv.Clients(t, "checkout").EC2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{res.Created["consumer.checkout-s3"]}})
	if err != nil || len(eo.VpcEndpoints) != 1 || len(eo.VpcEndpoints[0].RouteTableIds) != 1 {
		t.Fatalf("the project's endpoint changed: %+v %v", eo, err)
	}
	e.converged(main)
}

// A gateway consumer renamed without renamedFrom: the new endpoint would
// take the route of the project's old one, which the plan deletes only
// after creating the new: refused, saying to apply the removal first.
func TestGatewayRouteHeldByEndpointThePlanDeletes(t *testing.T) {
	e := newEnv(t)
	first := gatewayManifest(t, s3Gateway+"    routeTableIds: [rtb-02100000000000002]\n")
	res := e.apply(first)
	old := res.Created["consumer.checkout-s3"]
	renamed := gatewayManifest(t, strings.Replace(s3Gateway, "checkout-s3", "checkout-s3-v2", 1)+"    routeTableIds: [rtb-02100000000000002]\n")
	p := e.planOf(renamed)
	d := findDiag(t, p, plan.CodeRouteTaken)
	if !strings.Contains(d.Message, "gateway endpoint "+old+" (consumer.checkout-s3 of this project)") || !strings.Contains(d.Hint, "this plan deletes "+old+" only after") || !strings.Contains(d.Hint, "renamedFrom: [checkout-s3]") {
		t.Errorf("diagnostic = %+v", d)
	}
}
