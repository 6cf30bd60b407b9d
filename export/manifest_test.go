package export_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/export"
	"github.com/plinkdev/plink/manifest"
)

// TestExportCarriesTheManifestsPolicy: with Options.Manifest, the export
// takes what AWS does not hold from it: defaults.region (not the first
// region read) and the connections settings of the provider that adopts
// the service (acceptFrom joined with the accounts connected now); with a
// connection pending, acceptDeclared stays false and the note says that
// rejectUndeclared still rejects. Without it, a note says export cannot
// read that policy.
func TestExportCarriesTheManifestsPolicy(t *testing.T) {
	ctx := context.Background()
	w := buildBrownfield(t)
	regions := []string{"us-east-1", "us-west-2"}
	res, err := export.Export(ctx, accounts, regions, w.source(), export.Options{Project: "brownfield"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "export cannot read them") }) {
		t.Errorf("no note that export cannot read the connections policy: %q", res.Notes)
	}
	if res.Manifest.Defaults.Region != "us-east-1" {
		t.Errorf("defaults.region %q without a manifest, want the first region read", res.Manifest.Defaults.Region)
	}

	pay := w.ec2(t, "payments", "us-east-1")
	svcs, err := pay.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var svcID, svcName string
	for _, s := range svcs.ServiceConfigurations {
		if slices.Contains(s.NetworkLoadBalancerArns, payNLB) {
			svcID, svcName = aws.ToString(s.ServiceId), aws.ToString(s.ServiceName)
		}
	}
	if _, err := w.ec2(t, "checkout", "us-east-1").CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
		VpcEndpointType: types.VpcEndpointTypeInterface, VpcId: aws.String("vpc-02100000000000001"), ServiceName: aws.String(svcName),
		SubnetIds: []string{"subnet-0210000000000000c"}, SecurityGroupIds: []string{"sg-02100000000000001"},
	}); err != nil {
		t.Fatal(err)
	}
	from := &manifest.Manifest{Project: "brownfield", Defaults: manifest.Defaults{Region: "us-west-2"}, Providers: []*manifest.Provider{{
		Name: "payments", Account: "payments", Adopt: svcID,
		Connections: manifest.Connections{AcceptDeclared: aws.Bool(true), RejectUndeclared: true, AcceptFrom: []string{"555555555555"}},
	}}}
	res, err = export.Export(ctx, accounts, regions, w.source(), export.Options{Project: "brownfield", Manifest: from})
	if err != nil {
		t.Fatal(err)
	}
	if res.Manifest.Defaults.Region != "us-west-2" {
		t.Errorf("defaults.region %q, want the manifest's us-west-2", res.Manifest.Defaults.Region)
	}
	var got *manifest.Provider
	for _, p := range res.Manifest.Providers {
		if p.Adopt == svcID {
			got = p
		}
	}
	if got == nil {
		t.Fatalf("service %s not exported:\n%s", svcID, res.YAML)
	}
	c := got.Connections
	if !c.RejectUndeclared || c.AcceptsDeclared() || !slices.Equal(c.AcceptFrom, []string{"555555555555"}) {
		t.Errorf("connections %+v: want rejectUndeclared, acceptDeclared false (a connection pends) and the manifest's acceptFrom", c)
	}
	if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "rejectUndeclared is the manifest's") }) {
		t.Errorf("the pending note does not say rejectUndeclared still rejects: %q", res.Notes)
	}
	if slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "export cannot read them") }) {
		t.Errorf("the note that export cannot read the policy, with a manifest: %q", res.Notes)
	}
}
