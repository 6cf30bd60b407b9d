package export_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/export"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// A gateway endpoint made by hand is exported as a consumer of type
// Gateway with its route tables and policy, and the export plans adopt only.
func TestExportGatewayEndpoint(t *testing.T) {
	w := &world{srv: sandboxtest.Start(t), clients: map[string]*sandboxtest.Clients{}}
	co := w.ec2(t, "checkout", "us-east-1")
	if _, err := co.CreateVpcEndpoint(context.Background(), &ec2.CreateVpcEndpointInput{
		VpcEndpointType: types.VpcEndpointTypeGateway, VpcId: aws.String("vpc-02100000000000001"), ServiceName: aws.String("com.amazonaws.us-east-1.s3"),
		RouteTableIds:     []string{"rtb-02100000000000002", "rtb-02100000000000001"},
		PolicyDocument:    aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`),
		TagSpecifications: nameTag(types.ResourceTypeVpcEndpoint, "Checkout Gateway"),
	}); err != nil {
		t.Fatal(err)
	}
	res, err := export.Export(context.Background(), accounts[1:2], []string{"us-east-1"}, w.source(), export.Options{Project: "gw"})
	if err != nil {
		t.Fatal(err)
	}
	out := string(res.YAML)
	for _, want := range []string{"type: Gateway", "- rtb-02100000000000001\n", "- rtb-02100000000000002\n", "serviceName: com.amazonaws.us-east-1.s3", "s3:GetObject"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, not := range []string{"subnetIds", "securityGroupIds", "privateDnsEnabled", "ipAddressType", "left out"} {
		if strings.Contains(out, not) || strings.Contains(strings.Join(res.Notes, "\n"), not) {
			t.Errorf("output or notes mention %q:\n%s\n%v", not, out, res.Notes)
		}
	}
	validateSchema(t, res.YAML)
	_, p := readAndPlan(t, w, res.Manifest)
	if len(p.Changes) != 1 || p.Changes[0].Action != plan.Adopt {
		t.Errorf("plan on the export: %+v", p.Changes)
	}
	for _, d := range p.Diagnostics {
		t.Errorf("diagnostic %s %s", d.Code, d.Message)
	}
}
