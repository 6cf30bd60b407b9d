package export_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/export"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// Resource and ServiceNetwork endpoints made by hand are exported with
// their type, ARN and private DNS options; the export loads, plans adopt
// only (no attribute differs), and after the adopt a plan has no change.
func TestExportLatticeEndpointsRoundTrip(t *testing.T) {
	w := &world{srv: sandboxtest.Start(t), clients: map[string]*sandboxtest.Clients{}}
	co := w.ec2(t, "checkout", "us-east-1")
	const rcfg = "arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-0111000000000000a"
	const sn = "arn:aws:vpc-lattice:us-east-1:111111111111:servicenetwork/sn-0111000000000000a"
	ctx := context.Background()
	if _, err := co.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
		VpcEndpointType: types.VpcEndpointTypeResource, VpcId: aws.String("vpc-02100000000000001"), ResourceConfigurationArn: aws.String(rcfg),
		SubnetIds: []string{"subnet-0210000000000000a"}, SecurityGroupIds: []string{"sg-02100000000000001"}, PrivateDnsEnabled: aws.Bool(true),
		DnsOptions:        &types.DnsOptionsSpecification{PrivateDnsPreference: aws.String("SPECIFIED_DOMAINS_ONLY"), PrivateDnsSpecifiedDomains: []string{"db.example.com"}},
		TagSpecifications: nameTag(types.ResourceTypeVpcEndpoint, "Orders DB"),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := co.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
		VpcEndpointType: types.VpcEndpointTypeServiceNetwork, VpcId: aws.String("vpc-02100000000000001"), ServiceNetworkArn: aws.String(sn),
		SubnetIds: []string{"subnet-0210000000000000a", "subnet-0210000000000000b"}, SecurityGroupIds: []string{"sg-02100000000000001"},
		TagSpecifications: nameTag(types.ResourceTypeVpcEndpoint, "Mesh"),
	}); err != nil {
		t.Fatal(err)
	}
	res, err := export.Export(ctx, accounts[1:2], []string{"us-east-1"}, w.source(), export.Options{Project: "lattice"})
	if err != nil {
		t.Fatal(err)
	}
	out := string(res.YAML)
	for _, want := range []string{"type: Resource", "resourceConfigurationArn: " + rcfg, "privateDnsPreference: SPECIFIED_DOMAINS_ONLY", "- db.example.com",
		"type: ServiceNetwork", "serviceNetworkArn: " + sn} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "serviceName:") || strings.Contains(out, "policy:") {
		t.Errorf("a Resource or ServiceNetwork endpoint exported with a service name or policy:\n%s", out)
	}
	validateSchema(t, res.YAML)
	if _, err := manifest.Parse("export.yaml", res.YAML); err != nil {
		t.Fatalf("the export does not load: %v\n%s", err, out)
	}
	_, p := readAndPlan(t, w, res.Manifest)
	if len(p.Changes) != 2 {
		t.Fatalf("plan on the export: %+v", p.Changes)
	}
	for _, c := range p.Changes {
		if c.Action != plan.Adopt {
			t.Errorf("%s %s, want adopt", c.Action, c.Address)
		}
		var diffs []string
		for _, d := range plan.Diff(c.Kind, c.Before, c.After) {
			if d.Name != "tags" {
				diffs = append(diffs, d.Name)
			}
		}
		if len(diffs) > 0 {
			t.Errorf("%s: the adopt changes %v", c.Address, diffs)
		}
	}
	for _, d := range p.Diagnostics {
		if d.Severity == plan.SeverityError {
			t.Errorf("diagnostic %s %s", d.Code, d.Message)
		}
	}
	clients := apply.ClientsFunc(func(_ context.Context, account, region string) (apply.EC2API, error) {
		return w.srv.Clients(t, account, region).EC2, nil
	})
	if _, err := apply.Run(ctx, p, clients, apply.Options{PollInterval: time.Millisecond}); err != nil {
		t.Fatalf("apply: %v", err)
	}
	_, p2 := readAndPlan(t, w, res.Manifest)
	for _, c := range p2.Changes {
		if c.Action != plan.NoOp {
			t.Errorf("after the adopt the plan still has %s %s", c.Action, c.Address)
		}
	}
}
