package export_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/export"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// An endpoint made by hand to an AWS service in another region is exported
// with serviceRegion, loads again, and plans adopt only.
func TestExportCrossRegionServiceEndpoint(t *testing.T) {
	w := &world{srv: sandboxtest.Start(t), clients: map[string]*sandboxtest.Clients{}}
	co := w.ec2(t, "checkout", "us-east-1")
	if _, err := co.CreateVpcEndpoint(context.Background(), &ec2.CreateVpcEndpointInput{
		VpcEndpointType: types.VpcEndpointTypeInterface, VpcId: aws.String("vpc-02100000000000001"),
		ServiceName: aws.String("com.amazonaws.us-west-2.kms"), ServiceRegion: aws.String("us-west-2"),
		SubnetIds: []string{"subnet-0210000000000000a", "subnet-0210000000000000b"}, SecurityGroupIds: []string{"sg-02100000000000001"},
		PrivateDnsEnabled: aws.Bool(false),
		TagSpecifications: nameTag(types.ResourceTypeVpcEndpoint, "KMS West"),
	}); err != nil {
		t.Fatal(err)
	}
	res, err := export.Export(context.Background(), accounts[1:2], []string{"us-east-1"}, w.source(), export.Options{Project: "xr"})
	if err != nil {
		t.Fatal(err)
	}
	out := string(res.YAML)
	for _, want := range []string{"serviceName: com.amazonaws.us-west-2.kms", "serviceRegion: us-west-2"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	validateSchema(t, res.YAML)
	if _, err := manifest.Parse("export.yaml", res.YAML); err != nil {
		t.Fatalf("the export does not load: %v\n%s", err, out)
	}
	_, p := readAndPlan(t, w, res.Manifest)
	if len(p.Changes) != 1 || p.Changes[0].Action != plan.Adopt || p.Changes[0].After.ServiceRegion != "us-west-2" {
		t.Errorf("plan on the export: %+v", p.Changes)
	}
	for _, d := range p.Diagnostics {
		if d.Severity == plan.SeverityError {
			t.Errorf("diagnostic %s %s", d.Code, d.Message)
		}
	}
}
