package sandbox_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Service principals are permissions AWS lists with type Service; the
// permissions' ids take tags (CreateTags, DeleteTags, DescribeTags); an
// unknown permission id or principal is refused.
func TestServicePermissionsPrincipalsAndTags(t *testing.T) {
	srv := start(t)
	prov := srv.Clients(t, "payments").EC2
	svc := createService(t, prov)
	out, err := prov.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: svc.ServiceId,
		AddAllowedPrincipals: []string{"elasticloadbalancing.amazonaws.com"}})
	must(t, err)
	ap := out.AddedPrincipals[0]
	if ap.PrincipalType != ec2types.PrincipalTypeService || !strings.HasPrefix(*ap.ServicePermissionId, "vpce-svc-perm-") {
		t.Fatalf("added %+v", ap)
	}
	_, err = prov.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*ap.ServicePermissionId}, Tags: []ec2types.Tag{{Key: aws.String("team"), Value: aws.String("lb")}}})
	must(t, err)
	perms, err := prov.DescribeVpcEndpointServicePermissions(ctx, &ec2.DescribeVpcEndpointServicePermissionsInput{ServiceId: svc.ServiceId})
	must(t, err)
	if len(perms.AllowedPrincipals) != 1 || len(perms.AllowedPrincipals[0].Tags) != 1 || *perms.AllowedPrincipals[0].Tags[0].Value != "lb" {
		t.Fatalf("permissions %+v", perms.AllowedPrincipals)
	}
	dt, err := prov.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []ec2types.Filter{{Name: aws.String("resource-type"), Values: []string{"vpc-endpoint-service-permission"}}}})
	must(t, err)
	if len(dt.Tags) != 1 || *dt.Tags[0].ResourceId != *ap.ServicePermissionId {
		t.Fatalf("describe tags %+v", dt.Tags)
	}
	_, err = prov.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{*ap.ServicePermissionId}})
	must(t, err)
	_, err = prov.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{"vpce-svc-perm-0000000000000000f"}, Tags: []ec2types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantCode(t, err, "InvalidVpcEndpointServicePermissionId.NotFound")
	_, err = prov.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: svc.ServiceId,
		AddAllowedPrincipals: []string{"not a principal"}})
	wantCode(t, err, "InvalidPrincipal")
	// Nobody pays for another account's endpoints unless asked: no payer
	// responsibility is reported by default.
	d, err := prov.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: []string{*svc.ServiceId}})
	must(t, err)
	if d.ServiceConfigurations[0].PayerResponsibility != "" {
		t.Fatalf("payer %q", d.ServiceConfigurations[0].PayerResponsibility)
	}
}

// An endpoint's own notification: interface endpoints only, and it goes
// with its endpoint.
func TestEndpointNotifications(t *testing.T) {
	srv := start(t)
	cons := srv.Clients(t, "checkout").EC2
	gw, err := cons.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: ec2types.VpcEndpointTypeGateway, VpcId: aws.String(checkoutVPCEast),
		ServiceName: aws.String("com.amazonaws.us-east-1.s3"), RouteTableIds: []string{"rtb-02100000000000002"}})
	must(t, err)
	topic := aws.String("arn:aws:sns:us-east-1:222222222222:t")
	_, err = cons.CreateVpcEndpointConnectionNotification(ctx, &ec2.CreateVpcEndpointConnectionNotificationInput{VpcEndpointId: gw.VpcEndpoint.VpcEndpointId,
		ConnectionNotificationArn: topic, ConnectionEvents: []string{"Accept"}})
	wantCode(t, err, "InvalidParameter")
	ep, err := createEndpoint(cons, checkoutVPCEast, "com.amazonaws.us-east-1.kms", checkoutSubnetsEast()[:1])
	must(t, err)
	_, err = cons.CreateVpcEndpointConnectionNotification(ctx, &ec2.CreateVpcEndpointConnectionNotificationInput{VpcEndpointId: ep.VpcEndpointId,
		ConnectionNotificationArn: topic, ConnectionEvents: []string{"Accept"}})
	must(t, err)
	_, err = cons.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{*ep.VpcEndpointId}})
	must(t, err)
	out, err := cons.DescribeVpcEndpointConnectionNotifications(ctx, &ec2.DescribeVpcEndpointConnectionNotificationsInput{})
	must(t, err)
	if len(out.ConnectionNotificationSet) != 0 {
		t.Fatalf("notifications of a deleted endpoint: %+v", out.ConnectionNotificationSet)
	}
}

// ModifyVpcEndpointServicePayerResponsibility takes ServiceOwner only.
func TestPayerResponsibility(t *testing.T) {
	srv := start(t)
	prov := srv.Clients(t, "payments").EC2
	svc := createService(t, prov)
	_, err := prov.ModifyVpcEndpointServicePayerResponsibility(ctx, &ec2.ModifyVpcEndpointServicePayerResponsibilityInput{ServiceId: svc.ServiceId, PayerResponsibility: "EndpointOwner"})
	wantCode(t, err, "InvalidParameterValue")
	_, err = prov.ModifyVpcEndpointServicePayerResponsibility(ctx, &ec2.ModifyVpcEndpointServicePayerResponsibilityInput{ServiceId: svc.ServiceId, PayerResponsibility: ec2types.PayerResponsibilityServiceOwner})
	must(t, err)
	d, err := prov.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: []string{*svc.ServiceId}})
	must(t, err)
	if d.ServiceConfigurations[0].PayerResponsibility != ec2types.PayerResponsibilityServiceOwner {
		t.Fatalf("payer %q", d.ServiceConfigurations[0].PayerResponsibility)
	}
	_, err = prov.ModifyVpcEndpointServicePayerResponsibility(ctx, &ec2.ModifyVpcEndpointServicePayerResponsibilityInput{ServiceId: aws.String("vpce-svc-0000000000000000f"), PayerResponsibility: ec2types.PayerResponsibilityServiceOwner})
	wantCode(t, err, "InvalidVpcEndpointServiceId.NotFound")
}
