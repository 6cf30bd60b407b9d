package apply_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/drift"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

const kmsWest = `  - name: checkout-kms-west
    account: checkout
    vpcId: vpc-02100000000000001
    securityGroupIds: [sg-02100000000000001]
    serviceName: com.amazonaws.us-west-2.kms
    serviceRegion: us-west-2
`

// endpointOf is checkout's live (not deleted) endpoint id in us-east-1 to
// service name, with its ServiceRegion and subnets.
func (e *env) endpointOf(name string) ec2types.VpcEndpoint {
	e.t.Helper()
	out, err := e.srv.Clients(e.t, "checkout").EC2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{
		Filters: []ec2types.Filter{{Name: aws.String("service-name"), Values: []string{name}}}})
	if err != nil {
		e.t.Fatal(err)
	}
	var got []ec2types.VpcEndpoint
	for _, ep := range out.VpcEndpoints {
		if ph := live.EndpointPhase(string(ep.State)); ph != live.PhaseGone && ph != live.PhaseGoing {
			got = append(got, ep)
		}
	}
	if len(got) != 1 {
		e.t.Fatalf("%d endpoints to %s: %+v", len(got), name, out.VpcEndpoints)
	}
	return got[0]
}

// A consumer of an AWS service in another region (serviceRegion): created
// with CreateVpcEndpoint's ServiceRegion, updated in place, no-op, drift,
// replaced when the service moves to the consumer's own region, deleted.
func TestE2ECrossRegionServiceOutsideTheManifest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	create := fixedManifest(t, kmsWest+"    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]\n")
	p, _ := e.plan(create)
	if ch := p.Changes[0]; ch.Action != plan.Create || ch.After.ServiceRegion != "us-west-2" || ch.After.ServiceName != "com.amazonaws.us-west-2.kms" {
		t.Fatalf("create change %+v", ch)
	}
	e.apply(create)
	ep := e.endpointOf("com.amazonaws.us-west-2.kms")
	if aws.ToString(ep.ServiceRegion) != "us-west-2" {
		t.Fatalf("created %+v", ep)
	}
	e.converged(create)

	// Update: a third subnet, in place.
	update := fixedManifest(t, kmsWest+"    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b, subnet-0210000000000000c]\n")
	p, _ = e.plan(update)
	if ch := p.Changes[0]; ch.Action != plan.Update || ch.ID != aws.ToString(ep.VpcEndpointId) {
		t.Fatalf("update change %+v", ch)
	}
	e.apply(update)
	e.converged(update)

	// Drift: a subnet removed by hand.
	if _, err := e.srv.Clients(t, "checkout").EC2.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: ep.VpcEndpointId,
		RemoveSubnetIds: []string{"subnet-0210000000000000c"}}); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(update)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := live.Read(ctx, m, e.resolver(m), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep := drift.Build(m, snap, plan.Compute(m, snap, e.planOpts))
	var items []string
	for _, it := range rep.Items {
		items = append(items, it.Address+" "+string(it.Kind)+" "+it.Attribute)
	}
	if !slices.Equal(items, []string{"consumer.checkout-kms-west changed subnetIds"}) {
		t.Errorf("drift items %q", items)
	}
	e.apply(update)
	e.converged(update)

	// The same service in the consumer's own region replaces the endpoint.
	local := fixedManifest(t, strings.NewReplacer("us-west-2.kms", "us-east-1.kms", "    serviceRegion: us-west-2\n", "").Replace(kmsWest)+
		"    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]\n")
	p, _ = e.plan(local)
	if ch := p.Changes[0]; ch.Action != plan.Replace || !slices.Equal(ch.ReplaceReasons, []string{"serviceName", "serviceRegion"}) {
		t.Fatalf("replace change %+v", ch)
	}
	e.apply(local)
	if ep := e.endpointOf("com.amazonaws.us-east-1.kms"); aws.ToString(ep.ServiceRegion) != "us-east-1" {
		t.Errorf("replacement %+v", ep)
	}
	e.converged(local)

	// Back across regions, then delete.
	e.apply(create)
	e.converged(create)
	none := fixedManifest(t, "")
	p, _ = e.plan(none)
	if ch := p.Changes[0]; ch.Action != plan.Delete || ch.Before.ServiceRegion != "us-west-2" {
		t.Fatalf("delete change %+v", ch)
	}
	e.apply(none)
	e.converged(none)
}

// A service AWS does not offer across regions is not visible there: the
// plan says so (PL227) before CreateVpcEndpoint would fail.
func TestE2ECrossRegionServiceNotOffered(t *testing.T) {
	e := newEnv(t)
	p := e.planOf(fixedManifest(t, strings.ReplaceAll(kmsWest, ".kms", ".sqs")+"    subnetIds: [subnet-0210000000000000a]\n"))
	var errs []string
	for _, d := range p.Diagnostics {
		if d.Severity == plan.SeverityError {
			errs = append(errs, d.Code+" "+d.Message)
		}
	}
	want := []string{"PL227 consumer.checkout-kms-west: service com.amazonaws.us-west-2.sqs does not exist or is not visible to account checkout (222222222222) in us-east-1; AWS would refuse the endpoint (InvalidServiceName)"}
	if !slices.Equal(errs, want) {
		t.Errorf("errors %q, want %q", errs, want)
	}
	// and the sandbox refuses it as AWS does
	_, err := e.srv.Clients(t, "checkout").EC2.CreateVpcEndpoint(context.Background(), &ec2.CreateVpcEndpointInput{VpcId: aws.String("vpc-02100000000000001"),
		ServiceName: aws.String("com.amazonaws.us-west-2.sqs"), ServiceRegion: aws.String("us-west-2"), VpcEndpointType: ec2types.VpcEndpointTypeInterface,
		SubnetIds: []string{"subnet-0210000000000000a"}})
	if err == nil || !strings.Contains(err.Error(), "InvalidServiceName") {
		t.Errorf("CreateVpcEndpoint to sqs across regions: %v", err)
	}
}
