package sandbox_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// decodeOnly lets a test decode the messages of its denials and nothing else.
var decodeOnly = allowS("sts:DecodeAuthorizationMessage", "*")

// tagged is a statement condition on the project tag of the resource.
func tagged(key, project string) map[string]any {
	return map[string]any{"StringEquals": map[string]any{key + "/plink:project": project}}
}

// TestAuthzServiceCalls: the provider-side calls are authorized on the
// service's ARN with its tags.
func TestAuthzServiceCalls(t *testing.T) {
	srv := start(t)
	prov := srv.Clients(t, "payments")
	mine := createService(t, prov.EC2, func(in *ec2.CreateVpcEndpointServiceConfigurationInput) {
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeVpcEndpointService,
			Tags: []types.Tag{{Key: aws.String("plink:project"), Value: aws.String("demo")}}}}
		in.PrivateDnsName = aws.String("api.payments.example.com")
	})
	westProv := srv.Clients(t, "payments", "us-west-2")
	theirs := createService(t, westProv.EC2, func(in *ec2.CreateVpcEndpointServiceConfigurationInput) {
		in.NetworkLoadBalancerArns = []string{paymentsNLBWest}
	})
	acts := []string{"ec2:DescribeVpcEndpointServicePermissions", "ec2:ModifyVpcEndpointServicePermissions",
		"ec2:StartVpcEndpointServicePrivateDnsVerification", "ec2:ModifyVpcEndpointServiceConfiguration",
		"ec2:CreateVpcEndpointConnectionNotification", "ec2:ModifyVpcEndpointConnectionNotification",
		"ec2:DeleteVpcEndpointConnectionNotifications", "ec2:DeleteVpcEndpointServiceConfigurations"}
	setPolicies(t, srv, paymentsUser, doc(decodeOnly,
		stmt{Effect: "Allow", Action: acts, Resource: "arn:aws:ec2:*:111111111111:vpc-endpoint-service/*", Condition: tagged("aws:ResourceTag", "demo")}))

	for _, sv := range []struct {
		c    *ec2.Client
		id   string
		want bool
	}{{prov.EC2, *mine.ServiceId, true}, {westProv.EC2, *theirs.ServiceId, false}} {
		calls := []func() error{
			func() error {
				_, err := sv.c.DescribeVpcEndpointServicePermissions(ctx, &ec2.DescribeVpcEndpointServicePermissionsInput{ServiceId: aws.String(sv.id)})
				return err
			},
			func() error {
				_, err := sv.c.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: aws.String(sv.id), AddAllowedPrincipals: []string{"arn:aws:iam::222222222222:root"}})
				return err
			},
			func() error {
				_, err := sv.c.ModifyVpcEndpointServiceConfiguration(ctx, &ec2.ModifyVpcEndpointServiceConfigurationInput{ServiceId: aws.String(sv.id), AcceptanceRequired: aws.Bool(false)})
				return err
			},
		}
		if sv.want {
			calls = append(calls, func() error {
				_, err := sv.c.StartVpcEndpointServicePrivateDnsVerification(ctx, &ec2.StartVpcEndpointServicePrivateDnsVerificationInput{ServiceId: aws.String(sv.id)})
				return err
			})
		}
		for i, call := range calls {
			err := call()
			if sv.want && err != nil {
				t.Fatalf("call %d on the project's service: %v", i, err)
			}
			if !sv.want {
				if d := unauthorized(t, err, prov.STS); !strings.HasSuffix(d.Context.Resource, ":vpc-endpoint-service/"+sv.id) {
					t.Fatalf("call %d denied on %s", i, d.Context.Resource)
				}
			}
		}
	}

	// Notifications are authorized on the service they belong to: create,
	// modify and delete by notification id.
	n, err := prov.EC2.CreateVpcEndpointConnectionNotification(ctx, &ec2.CreateVpcEndpointConnectionNotificationInput{ServiceId: mine.ServiceId,
		ConnectionNotificationArn: aws.String("arn:aws:sns:us-east-1:111111111111:pl-events"), ConnectionEvents: []string{"Connect"}})
	must(t, err)
	nid := n.ConnectionNotification.ConnectionNotificationId
	_, err = prov.EC2.ModifyVpcEndpointConnectionNotification(ctx, &ec2.ModifyVpcEndpointConnectionNotificationInput{ConnectionNotificationId: nid, ConnectionEvents: []string{"Accept"}})
	must(t, err)
	// Untag the service (as the allow-all owner would not be): now the
	// notification's service no longer matches.
	setPolicies(t, srv, paymentsUser)
	_, err = prov.EC2.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{*mine.ServiceId}, Tags: []types.Tag{{Key: aws.String("plink:project")}}})
	must(t, err)
	setPolicies(t, srv, paymentsUser, doc(decodeOnly,
		stmt{Effect: "Allow", Action: acts, Resource: "arn:aws:ec2:*:111111111111:vpc-endpoint-service/*", Condition: tagged("aws:ResourceTag", "demo")}))
	_, err = prov.EC2.DeleteVpcEndpointConnectionNotifications(ctx, &ec2.DeleteVpcEndpointConnectionNotificationsInput{ConnectionNotificationIds: []string{*nid}})
	if d := unauthorized(t, err, prov.STS); d.Context.Action != "ec2:DeleteVpcEndpointConnectionNotifications" || !strings.HasSuffix(d.Context.Resource, *mine.ServiceId) {
		t.Fatalf("decoded %+v", d)
	}
	// An unknown notification id is authorized on the account's services
	// at large, then not found.
	setPolicies(t, srv, paymentsUser, doc(decodeOnly, allowS(acts, "arn:aws:ec2:*:111111111111:vpc-endpoint-service/*")))
	_, err = prov.EC2.DeleteVpcEndpointConnectionNotifications(ctx, &ec2.DeleteVpcEndpointConnectionNotificationsInput{ConnectionNotificationIds: []string{"vpce-nfn-0000000000000dead"}})
	if code(t, err) == "UnauthorizedOperation" {
		t.Fatalf("unknown notification: %v", err)
	}
}

// TestAuthzPlacementGroupsAndTags: the lease's calls, and CreateTags that
// would rewrite plink:project.
func TestAuthzPlacementGroupsAndTags(t *testing.T) {
	srv := start(t)
	pay := srv.Clients(t, "payments")
	name := "plink-lease-demo"
	pgArn := "arn:aws:ec2:us-east-1:111111111111:placement-group/" + name
	setPolicies(t, srv, paymentsUser, doc(readAll,
		stmt{Effect: "Allow", Action: "ec2:CreatePlacementGroup", Resource: pgArn, Condition: tagged("aws:RequestTag", "demo")},
		stmt{Effect: "Allow", Action: "ec2:CreateTags", Resource: pgArn, Condition: map[string]any{"StringEquals": map[string]any{"ec2:CreateAction": "CreatePlacementGroup"}}},
		stmt{Effect: "Allow", Action: []string{"ec2:DeletePlacementGroup", "ec2:CreateTags"}, Resource: pgArn, Condition: map[string]any{
			"StringEquals":         map[string]any{"aws:ResourceTag/plink:project": "demo"},
			"StringEqualsIfExists": map[string]any{"aws:RequestTag/plink:project": "demo"}}},
	))
	spec := func(p string) []types.TagSpecification {
		return []types.TagSpecification{{ResourceType: types.ResourceTypePlacementGroup, Tags: []types.Tag{{Key: aws.String("plink:project"), Value: aws.String(p)}}}}
	}
	_, err := pay.EC2.CreatePlacementGroup(ctx, &ec2.CreatePlacementGroupInput{GroupName: aws.String("other"), Strategy: types.PlacementStrategySpread, TagSpecifications: spec("demo")})
	if d := unauthorized(t, err, pay.STS); d.Context.Resource != "arn:aws:ec2:us-east-1:111111111111:placement-group/other" || strings.Join(d.cond("ec2:PlacementGroupStrategy"), "") != "spread" {
		t.Fatalf("decoded %+v", d)
	}
	out, err := pay.EC2.CreatePlacementGroup(ctx, &ec2.CreatePlacementGroupInput{GroupName: aws.String(name), Strategy: types.PlacementStrategySpread, TagSpecifications: spec("demo")})
	must(t, err)
	// Tag on create is also ec2:CreateTags with ec2:CreateAction; without
	// that statement the same create is refused.
	setPolicies(t, srv, paymentsUser, doc(readAll,
		stmt{Effect: "Allow", Action: "ec2:CreatePlacementGroup", Resource: "*"}))
	_, err = pay.EC2.CreatePlacementGroup(ctx, &ec2.CreatePlacementGroupInput{GroupName: aws.String("g2"), Strategy: types.PlacementStrategySpread, TagSpecifications: spec("demo")})
	if d := unauthorized(t, err, pay.STS); d.Context.Action != "ec2:CreateTags" || strings.Join(d.cond("ec2:CreateAction"), "") != "CreatePlacementGroup" {
		t.Fatalf("decoded %+v", d)
	}
	setPolicies(t, srv, paymentsUser, doc(readAll,
		stmt{Effect: "Allow", Action: []string{"ec2:DeletePlacementGroup", "ec2:CreateTags"}, Resource: pgArn, Condition: map[string]any{
			"StringEquals":         map[string]any{"aws:ResourceTag/plink:project": "demo"},
			"StringEqualsIfExists": map[string]any{"aws:RequestTag/plink:project": "demo"}}},
	))
	// Retagging may keep plink:project but not change it.
	pg := out.PlacementGroup.GroupId
	_, err = pay.EC2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*pg}, Tags: []types.Tag{{Key: aws.String("plink:name"), Value: aws.String("lease")}}})
	must(t, err)
	_, err = pay.EC2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*pg}, Tags: []types.Tag{{Key: aws.String("plink:project"), Value: aws.String("other")}}})
	if d := unauthorized(t, err, pay.STS); d.Context.Action != "ec2:CreateTags" || d.Context.Resource != pgArn {
		t.Fatalf("decoded %+v", d)
	}
	_, err = pay.EC2.DeletePlacementGroup(ctx, &ec2.DeletePlacementGroupInput{GroupName: aws.String(name)})
	must(t, err)
}

// TestAuthzCloudWatchAccessDenied: CloudWatch answers AccessDenied in its
// protocol, through the Go SDK.
func TestAuthzCloudWatchAccessDenied(t *testing.T) {
	srv := start(t)
	setPolicies(t, srv, checkoutUser, doc(readAll))
	cw := cloudwatch.NewFromConfig(srv.Config(t, "checkout"))
	end := time.Now()
	_, err := cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(end.Add(-time.Hour)), EndTime: aws.Time(end),
		MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("q"), MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{Namespace: aws.String("AWS/PrivateLinkEndpoints"), MetricName: aws.String("BytesProcessed")}, Period: aws.Int32(60), Stat: aws.String("Sum")}}}})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" ||
		ae.ErrorMessage() != "User: "+checkoutUser+" is not authorized to perform: cloudwatch:GetMetricData because no identity-based policy allows the cloudwatch:GetMetricData action" {
		t.Fatalf("got %v", err)
	}
	setPolicies(t, srv, checkoutUser, doc(readAll, allowS("cloudwatch:GetMetricData", "*")))
	if _, err := cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(end.Add(-time.Hour)), EndTime: aws.Time(end),
		MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("q"), MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{Namespace: aws.String("AWS/PrivateLinkEndpoints"), MetricName: aws.String("BytesProcessed")}, Period: aws.Int32(60), Stat: aws.String("Sum")}}}}); err != nil {
		t.Fatal(err)
	}
}
