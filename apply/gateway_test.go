package apply_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// gatewayManifest writes a manifest with checkout's S3 gateway endpoint
// (consumer lines appended as given) and returns its path.
func gatewayManifest(t *testing.T, consumer string) string {
	t.Helper()
	doc := `version: 1
project: gw
defaults: {region: us-east-1}
accounts:
  checkout: {id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/plink"}
consumers:
` + consumer
	if consumer == "" {
		doc = strings.TrimSuffix(doc, "consumers:\n")
	}
	path := filepath.Join(t.TempDir(), "gw.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const s3Gateway = `  - name: checkout-s3
    account: checkout
    type: Gateway
    vpcId: vpc-02100000000000001
    serviceName: com.amazonaws.us-east-1.s3
`

// planOf plans path against the sandbox, errors included.
func (e *env) planOf(path string) *plan.Plan {
	e.t.Helper()
	m, err := manifest.Load(path)
	if err != nil {
		e.t.Fatal(err)
	}
	snap, err := live.Read(context.Background(), m, e.resolver(m), live.ReadOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	return plan.Compute(m, snap, e.planOpts)
}

func diagCodes(p *plan.Plan) []string {
	var out []string
	for _, d := range p.Diagnostics {
		out = append(out, d.Code)
	}
	return out
}

func (e *env) gatewayEndpoint() ec2types.VpcEndpoint {
	e.t.Helper()
	out, err := e.srv.Clients(e.t, "checkout").EC2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-endpoint-type"), Values: []string{"Gateway"}}}})
	if err != nil {
		e.t.Fatal(err)
	}
	var live []ec2types.VpcEndpoint
	for _, ep := range out.VpcEndpoints {
		if strings.EqualFold(string(ep.State), "available") {
			live = append(live, ep)
		}
	}
	if len(live) != 1 {
		e.t.Fatalf("%d available gateway endpoints: %+v", len(live), out.VpcEndpoints)
	}
	return live[0]
}

func TestE2EGatewayEndpointCreateModifyDelete(t *testing.T) {
	e := newEnv(t)

	// Create with the private route table and a policy; subnet d (main
	// table) does not use it, which the plan warns about.
	create := gatewayManifest(t, s3Gateway+`    routeTableIds: [rtb-02100000000000002]
    policy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/*"}]}
`)
	p, _ := e.plan(create)
	ch := p.Changes[0]
	if ch.Action != plan.Create || ch.After.Type != "Gateway" || len(ch.After.SubnetIDs) != 0 || ch.After.PrivateDNSEnabled != nil {
		t.Fatalf("create change %+v", ch)
	}
	if !slices.Equal(diagCodes(p), []string{plan.CodeGatewayRouteMissing}) || !strings.Contains(p.Diagnostics[0].Message, "subnet-0210000000000000d (route table rtb-02100000000000001)") {
		t.Errorf("diagnostics %+v", p.Diagnostics)
	}
	if p.Cost == nil || p.Cost.MonthlyDelta != 0 {
		t.Errorf("a gateway endpoint is free: %+v", p.Cost)
	}
	e.apply(create)
	ep := e.gatewayEndpoint()
	if !slices.Equal(ep.RouteTableIds, []string{"rtb-02100000000000002"}) || !strings.Contains(aws.ToString(ep.PolicyDocument), "s3:GetObject") {
		t.Fatalf("created %+v", ep)
	}
	e.converged(create)

	// Modify: both route tables, the default policy.
	modify := gatewayManifest(t, s3Gateway+"    routeTableIds: [rtb-02100000000000001, rtb-02100000000000002]\n")
	p, _ = e.plan(modify)
	if ch := p.Changes[0]; ch.Action != plan.Update || len(p.Diagnostics) != 0 {
		t.Fatalf("modify change %+v, diagnostics %+v", ch, p.Diagnostics)
	}
	e.apply(modify)
	ep2 := e.gatewayEndpoint()
	if *ep2.VpcEndpointId != *ep.VpcEndpointId || len(ep2.RouteTableIds) != 2 || strings.Contains(aws.ToString(ep2.PolicyDocument), "s3:GetObject") {
		t.Fatalf("modified %+v", ep2)
	}
	e.converged(modify)

	// Remove a route table again.
	back := gatewayManifest(t, s3Gateway+"    routeTableIds: [rtb-02100000000000001]\n")
	e.apply(back)
	if ep3 := e.gatewayEndpoint(); !slices.Equal(ep3.RouteTableIds, []string{"rtb-02100000000000001"}) {
		t.Fatalf("after removing a table %+v", ep3)
	}
	e.converged(back)

	// Another service replaces it.
	ddb := gatewayManifest(t, strings.Replace(s3Gateway, ".s3", ".dynamodb", 1)+"    routeTableIds: [rtb-02100000000000001]\n")
	p, _ = e.plan(ddb)
	if ch := p.Changes[0]; ch.Action != plan.Replace || !slices.Equal(ch.ReplaceReasons, []string{"serviceName"}) {
		t.Fatalf("replace change %+v", ch)
	}
	e.apply(ddb)
	e.converged(ddb)

	// Delete: the consumer is gone from the manifest.
	none := gatewayManifest(t, "")
	p, _ = e.plan(none)
	if ch := p.Changes[0]; ch.Action != plan.Delete || ch.Before.Type != "Gateway" {
		t.Fatalf("delete change %+v", ch)
	}
	e.apply(none)
	e.converged(none)
}

func TestE2EGatewayEndpointLiveLint(t *testing.T) {
	// checkout gets a second VPC in us-east-1, with its implicit main table
	w := sandbox.DefaultWorld()
	for i := range w.Accounts {
		if w.Accounts[i].Alias == "checkout" {
			rw := w.Accounts[i].Regions["us-east-1"]
			rw.VPCs = append(rw.VPCs, sandbox.VPC{ID: "vpc-0210000000000000f", CIDR: "10.121.0.0/16"})
			w.Accounts[i].Regions["us-east-1"] = rw
		}
	}
	e := &env{t: t, srv: sandboxtest.StartWorld(t, w)}
	p := e.planOf(gatewayManifest(t, s3Gateway+"    routeTableIds: [rtb-0ffffffffffffffff, rtb-01100000000000001, rtb-0210000000000000f, rtb-02100000000000001, rtb-02100000000000002]\n"))
	var got []string
	for _, d := range p.Diagnostics {
		got = append(got, d.Code+" "+d.Message)
	}
	want := []string{
		"PL113 consumer.checkout-s3: route table rtb-01100000000000001 does not exist in VPC vpc-02100000000000001 (account checkout (222222222222) region us-east-1)",
		"PL113 consumer.checkout-s3: route table rtb-0ffffffffffffffff does not exist in VPC vpc-02100000000000001 (account checkout (222222222222) region us-east-1)",
		"PL114 consumer.checkout-s3: route table rtb-0210000000000000f is in vpc-0210000000000000f, not in the endpoint's VPC vpc-02100000000000001",
	}
	if !slices.Equal(got, want) {
		t.Errorf("diagnostics\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
