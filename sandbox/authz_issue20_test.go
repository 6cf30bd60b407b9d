package sandbox_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/vpclattice"
	"github.com/aws/smithy-go"
)

// accessDenied asserts AWS's AccessDenied for action on resource.
func accessDenied(t *testing.T, err error, user, action, resource string) {
	t.Helper()
	var ae smithy.APIError
	want := "User: " + user + " is not authorized to perform: " + action + " on resource: " + resource + " because"
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" && ae.ErrorCode() != "AccessDeniedException" || !strings.HasPrefix(ae.ErrorMessage(), want) {
		t.Fatalf("got %v, want AccessDenied: %s…", err, want)
	}
}

// TestAuthzRoute53: the calls of a verified private DNS name are
// authorized as the reference lists them: ListHostedZonesByName on "*",
// the records of a zone on its hostedzone ARN (ChangeResourceRecordSets
// with its action, record name and type keys), GetChange on the change's
// ARN.
func TestAuthzRoute53(t *testing.T) {
	srv := start(t)
	r53 := r53Client(srv, t, "payments", "us-east-1")
	const zone = "Z0PAYMENTSNET01"
	txtOnly := stmt{Effect: "Allow", Action: []string{"route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets"},
		Resource: "arn:aws:route53:::hostedzone/" + zone, Condition: map[string]any{
			"ForAllValues:StringEquals": map[string]any{"route53:ChangeResourceRecordSetsRecordTypes": "TXT",
				"route53:ChangeResourceRecordSetsActions": []string{"UPSERT", "DELETE"}},
			"ForAllValues:StringLike": map[string]any{"route53:ChangeResourceRecordSetsNormalizedRecordNames": "_*.payments.example.net"}}}
	setPolicies(t, srv, paymentsUser, doc(allowS("route53:ListHostedZonesByName", "*"), txtOnly))

	_, err := r53.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{DNSName: aws.String("payments.example.net")})
	must(t, err)
	_, err = r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zone)})
	must(t, err)
	out, err := change(t, r53, zone, txtChange("UPSERT", "_v.Payments.example.net.", `"token"`))
	must(t, err)
	// GetChange is not granted: refused on the change's ARN.
	id := strings.TrimPrefix(aws.ToString(out.ChangeInfo.Id), "/change/")
	_, err = r53.GetChange(ctx, &route53.GetChangeInput{Id: aws.String(id)})
	accessDenied(t, err, paymentsUser, "route53:GetChange", "arn:aws:route53:::change/"+id)
	// A record of another type, a CREATE, or a name outside the pattern:
	// the keys refuse them.
	for _, ch := range []r53types.Change{
		{Action: r53types.ChangeActionUpsert, ResourceRecordSet: &r53types.ResourceRecordSet{Name: aws.String("_v.payments.example.net"),
			Type: r53types.RRTypeA, TTL: aws.Int64(60), ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("10.0.0.1")}}}},
		txtChange("CREATE", "_w.payments.example.net", `"t"`),
		txtChange("UPSERT", "www.payments.example.net", `"t"`),
	} {
		_, err = change(t, r53, zone, ch)
		accessDenied(t, err, paymentsUser, "route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/"+zone)
	}
	setPolicies(t, srv, paymentsUser, doc(allowS("route53:ListHostedZonesByName", "*"), txtOnly, allowS("route53:GetChange", "arn:aws:route53:::change/*")))
	_, err = r53.GetChange(ctx, &route53.GetChangeInput{Id: aws.String(id)})
	must(t, err)
}

// TestAuthzLatticeReads: VPC Lattice's reads are authorized on the
// resource's own ARN (its owner's, for one shared with the caller), by ARN
// or by id.
func TestAuthzLatticeReads(t *testing.T) {
	srv := start(t)
	co := vpclattice.NewFromConfig(srv.ConfigRegion(t, "checkout", "us-east-1"))
	pay := vpclattice.NewFromConfig(srv.ConfigRegion(t, "payments", "us-east-1"))
	setPolicies(t, srv, checkoutUser, doc(allowS([]string{"vpc-lattice:GetResourceConfiguration", "vpc-lattice:GetServiceNetwork"}, []string{sharedRCFG})))
	for _, id := range []string{sharedRCFG, "rcfg-0111000000000000a"} {
		_, err := co.GetResourceConfiguration(ctx, &vpclattice.GetResourceConfigurationInput{ResourceConfigurationIdentifier: aws.String(id)})
		must(t, err)
	}
	_, err := co.GetServiceNetwork(ctx, &vpclattice.GetServiceNetworkInput{ServiceNetworkIdentifier: aws.String("sn-0111000000000000a")})
	accessDenied(t, err, checkoutUser, "vpc-lattice:GetServiceNetwork", meshSN)
	setPolicies(t, srv, paymentsUser, doc(allowS("vpc-lattice:GetResourceGateway", "arn:aws:vpc-lattice:us-east-1:111111111111:resourcegateway/rgw-0111000000000000b")))
	_, err = pay.GetResourceGateway(ctx, &vpclattice.GetResourceGatewayInput{ResourceGatewayIdentifier: aws.String("rgw-0111000000000000a")})
	accessDenied(t, err, paymentsUser, "vpc-lattice:GetResourceGateway", "arn:aws:vpc-lattice:us-east-1:111111111111:resourcegateway/rgw-0111000000000000a")
}

// TestAuthzPermissionTags: CreateTags and DeleteTags on an allowed
// principal's permission (vpce-svc-perm-…) are authorized on its
// vpc-endpoint-service-permission ARN, with its tags.
func TestAuthzPermissionTags(t *testing.T) {
	srv := start(t)
	prov := srv.Clients(t, "payments").EC2
	svc := createService(t, prov)
	_, err := prov.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: svc.ServiceId,
		AddAllowedPrincipals: []string{"arn:aws:iam::222222222222:root"}})
	must(t, err)
	perms, err := prov.DescribeVpcEndpointServicePermissions(ctx, &ec2.DescribeVpcEndpointServicePermissionsInput{ServiceId: svc.ServiceId})
	must(t, err)
	perm := aws.ToString(perms.AllowedPrincipals[0].ServicePermissionId)
	arn := "arn:aws:ec2:us-east-1:111111111111:vpc-endpoint-service-permission/" + perm
	tag := func(k, v string) error {
		_, err := prov.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{perm}, Tags: []ec2types.Tag{{Key: aws.String(k), Value: aws.String(v)}}})
		return err
	}
	must(t, tag("plink:project", "demo"))
	setPolicies(t, srv, paymentsUser, doc(decodeOnly, stmt{Effect: "Allow", Action: []string{"ec2:CreateTags", "ec2:DeleteTags"},
		Resource: "arn:aws:ec2:*:111111111111:vpc-endpoint-service-permission/*", Condition: tagged("aws:ResourceTag", "demo")}))
	must(t, tag("team", "lb"))
	_, err = prov.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{perm}, Tags: []ec2types.Tag{{Key: aws.String("team")}}})
	must(t, err)
	setPolicies(t, srv, paymentsUser, doc(decodeOnly, stmt{Effect: "Allow", Action: "ec2:CreateTags",
		Resource: "arn:aws:ec2:*:111111111111:vpc-endpoint-service-permission/*", Condition: tagged("aws:ResourceTag", "other")}))
	if d := unauthorized(t, tag("team", "lb"), srv.Clients(t, "payments").STS); d.Context.Resource != arn || d.Context.Action != "ec2:CreateTags" {
		t.Fatalf("denied %s on %s, want ec2:CreateTags on %s", d.Context.Action, d.Context.Resource, arn)
	}
}
