package sandbox_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

const (
	checkoutUser = "arn:aws:iam::222222222222:user/checkout-admin"
	paymentsUser = "arn:aws:iam::111111111111:user/payments-admin"
)

// stmt is one policy statement for tests.
type stmt struct {
	Effect    string         `json:"Effect"`
	Action    any            `json:"Action,omitempty"`
	NotAction any            `json:"NotAction,omitempty"`
	Resource  any            `json:"Resource"`
	Condition map[string]any `json:"Condition,omitempty"`
	Sid       string         `json:"Sid,omitempty"`
}

func doc(ss ...stmt) string {
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": ss})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func allowS(action any, resource any) stmt {
	return stmt{Effect: "Allow", Action: action, Resource: resource}
}

// readAll lets a principal describe everything, as plink's reads need.
var readAll = allowS([]string{"ec2:Describe*", "sts:DecodeAuthorizationMessage"}, "*")

func setPolicies(t *testing.T, srv *sandboxtest.Server, arn string, docs ...string) {
	t.Helper()
	if err := srv.Sandbox.SetPolicies(arn, docs...); err != nil {
		t.Fatal(err)
	}
}

var reEncoded = regexp.MustCompile(`^You are not authorized to perform this operation\. Encoded authorization failure message: (\S+)$`)

// decoded is the JSON of sts:DecodeAuthorizationMessage, as AWS shapes it.
type decoded struct {
	Allowed           bool `json:"allowed"`
	ExplicitDeny      bool `json:"explicitDeny"`
	MatchedStatements struct {
		Items []struct {
			StatementID string `json:"statementId"`
			Effect      string `json:"effect"`
		} `json:"items"`
	} `json:"matchedStatements"`
	Failures struct {
		Items []any `json:"items"`
	} `json:"failures"`
	Context struct {
		Principal struct {
			ID  string `json:"id"`
			Arn string `json:"arn"`
		} `json:"principal"`
		Action     string `json:"action"`
		Resource   string `json:"resource"`
		Conditions struct {
			Items []struct {
				Key    string `json:"key"`
				Values struct {
					Items []struct {
						Value string `json:"value"`
					} `json:"items"`
				} `json:"values"`
			} `json:"items"`
		} `json:"conditions"`
	} `json:"context"`
}

func (d decoded) cond(key string) []string {
	var out []string
	for _, c := range d.Context.Conditions.Items {
		if c.Key == key {
			for _, v := range c.Values.Items {
				out = append(out, v.Value)
			}
		}
	}
	return out
}

// unauthorized asserts err is EC2's UnauthorizedOperation and decodes its
// message with sts:DecodeAuthorizationMessage through the SDK.
func unauthorized(t *testing.T, err error, stsc *sts.Client) decoded {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "UnauthorizedOperation" {
		t.Fatalf("want UnauthorizedOperation, got %v", err)
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() != 403 {
		t.Fatalf("status %d, want 403", re.HTTPStatusCode())
	}
	m := reEncoded.FindStringSubmatch(ae.ErrorMessage())
	if m == nil {
		t.Fatalf("message %q is not AWS's", ae.ErrorMessage())
	}
	out, err := stsc.DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(m[1])})
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	var d decoded
	if err := json.Unmarshal([]byte(*out.DecodedMessage), &d); err != nil {
		t.Fatalf("decoded message %q: %v", *out.DecodedMessage, err)
	}
	if d.Allowed {
		t.Fatalf("decoded message says allowed: %s", *out.DecodedMessage)
	}
	return d
}

func subnetArn(region, account, id string) string {
	return fmt.Sprintf("arn:aws:ec2:%s:%s:subnet/%s", region, account, id)
}

// providerService creates an available service in payments/us-east-1 that
// checkout may use, made by the (allow-all) provider.
func providerService(t *testing.T, srv *sandboxtest.Server, mut ...func(*ec2.CreateVpcEndpointServiceConfigurationInput)) types.ServiceConfiguration {
	t.Helper()
	prov := srv.Clients(t, "payments").EC2
	svc := createService(t, prov, mut...)
	allow(t, prov, *svc.ServiceId, "arn:aws:iam::"+checkout+":root")
	return svc
}

// analyticsService is a second service checkout may use, in analytics.
func analyticsService(t *testing.T, srv *sandboxtest.Server) types.ServiceConfiguration {
	t.Helper()
	prov := srv.Clients(t, "analytics").EC2
	svc := createService(t, prov, func(in *ec2.CreateVpcEndpointServiceConfigurationInput) {
		in.NetworkLoadBalancerArns = []string{analyticsNLBEast}
	})
	allow(t, prov, *svc.ServiceId, "arn:aws:iam::"+checkout+":root")
	return svc
}

func TestAuthzAllowImplicitDenyAndDenials(t *testing.T) {
	srv := start(t)
	svc := providerService(t, srv)
	c := srv.Clients(t, "checkout")
	setPolicies(t, srv, checkoutUser, doc(readAll))

	if _, err := c.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatalf("allowed read refused: %v", err)
	}
	srv.Sandbox.ResetCalls()
	_, err := createEndpoint(c.EC2, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast()[:1])
	d := unauthorized(t, err, c.STS)
	if d.ExplicitDeny || d.Context.Action != "ec2:CreateVpcEndpoint" || d.Context.Resource != "arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/*" ||
		d.Context.Principal.Arn != checkoutUser {
		t.Fatalf("decoded %+v", d)
	}
	if got := d.cond("ec2:VpceServiceName"); len(got) != 1 || got[0] != *svc.ServiceName {
		t.Fatalf("ec2:VpceServiceName %v", got)
	}
	if got := d.cond("ec2:VpceServiceOwner"); len(got) != 1 || got[0] != payments {
		t.Fatalf("ec2:VpceServiceOwner %v", got)
	}
	if got := d.cond("aws:RequestedRegion"); len(got) != 1 || got[0] != "us-east-1" {
		t.Fatalf("aws:RequestedRegion %v", got)
	}
	// The denied call is counted and recorded, and nothing was created.
	counted := false
	for _, cl := range srv.Sandbox.Calls() {
		counted = counted || (cl.Action == "CreateVpcEndpoint" && cl.Account == checkout && cl.Count == 1)
	}
	if !counted {
		t.Fatalf("denied call not counted: %+v", srv.Sandbox.Calls())
	}
	ds := srv.Sandbox.Denials()
	if len(ds) != 1 || ds[0].Action != "ec2:CreateVpcEndpoint" || ds[0].APIAction != "CreateVpcEndpoint" || ds[0].Principal != checkoutUser ||
		ds[0].Account != checkout || ds[0].Region != "us-east-1" || !strings.Contains(ds[0].Reason, "no identity-based policy allows the ec2:CreateVpcEndpoint action") {
		t.Fatalf("denials %+v", ds)
	}
	out, err := c.EC2.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{})
	must(t, err)
	if len(out.VpcEndpoints) != 0 {
		t.Fatalf("a denied create made %d endpoints", len(out.VpcEndpoints))
	}

	// Allowing it (on every resource) lets the same call through.
	setPolicies(t, srv, checkoutUser, doc(readAll, allowS("ec2:createvpcendpoint", "*")))
	if _, err := createEndpoint(c.EC2, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast()[:1]); err != nil {
		t.Fatalf("allowed create: %v", err)
	}
	// No policies again: allow-all.
	setPolicies(t, srv, checkoutUser)
	srv.Sandbox.ResetDenials()
	if _, err := c.EC2.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{"vpce-0000000000000dead"}}); err != nil {
		t.Fatalf("allow-all principal: %v", err)
	}
	if n := len(srv.Sandbox.Denials()); n != 0 {
		t.Fatalf("%d denials after reset", n)
	}
}

func TestAuthzExplicitDenyWins(t *testing.T) {
	srv := start(t)
	c := srv.Clients(t, "checkout")
	setPolicies(t, srv, checkoutUser,
		doc(allowS("*", "*")),
		doc(stmt{Sid: "NoSubnets", Effect: "Deny", Action: "ec2:DescribeSubnets", Resource: "*"}))
	if _, err := c.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatal(err)
	}
	_, err := c.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	d := unauthorized(t, err, c.STS)
	if !d.ExplicitDeny || len(d.MatchedStatements.Items) != 1 || d.MatchedStatements.Items[0].StatementID != "NoSubnets" || d.MatchedStatements.Items[0].Effect != "DENY" {
		t.Fatalf("decoded %+v", d)
	}
	ds := srv.Sandbox.Denials()
	if len(ds) != 1 || !ds[0].ExplicitDeny || !strings.Contains(ds[0].Reason, "policy 2 Statement[0] (Sid NoSubnets)") {
		t.Fatalf("denials %+v", ds)
	}
}

func TestAuthzEveryResourceOfACreate(t *testing.T) {
	srv := start(t)
	svc := providerService(t, srv)
	c := srv.Clients(t, "checkout")
	sub := checkoutSubnetsEast()
	setPolicies(t, srv, checkoutUser, doc(readAll, allowS("ec2:CreateVpcEndpoint", []string{
		"arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/*",
		"arn:aws:ec2:us-east-1:222222222222:vpc/" + checkoutVPCEast,
		subnetArn("us-east-1", checkout, sub[0]),
		"arn:aws:ec2:*:*:security-group/*",
	})))
	// A subnet the policy does not name.
	_, err := createEndpoint(c.EC2, checkoutVPCEast, *svc.ServiceName, sub[:2], func(in *ec2.CreateVpcEndpointInput) { in.SecurityGroupIds = []string{checkoutSGEast} })
	d := unauthorized(t, err, c.STS)
	if d.Context.Resource != subnetArn("us-east-1", checkout, sub[1]) {
		t.Fatalf("denied resource %s, want subnet %s", d.Context.Resource, sub[1])
	}
	// The reference lists ec2:SubnetID (and the tags and ec2:Region) for
	// the subnets of CreateVpcEndpoint, not ec2:Vpc or ec2:AvailabilityZone
	// (ModifyVpcEndpoint has those).
	if got := d.cond("ec2:SubnetID"); len(got) != 1 || got[0] != sub[1] {
		t.Fatalf("ec2:SubnetID %v", got)
	}
	if got := d.cond("ec2:Region"); len(got) != 1 || got[0] != "us-east-1" {
		t.Fatalf("ec2:Region %v", got)
	}
	if got, az := d.cond("ec2:Vpc"), d.cond("ec2:AvailabilityZone"); got != nil || az != nil {
		t.Fatalf("subnet context of CreateVpcEndpoint carries ec2:Vpc %v, ec2:AvailabilityZone %v", got, az)
	}
	// Request keys of the endpoint are not on the subnet.
	if got := d.cond("ec2:VpceServiceName"); got != nil {
		t.Fatalf("subnet context carries ec2:VpceServiceName %v", got)
	}
	// Named subnets only: allowed, and the default security group is not
	// authorized when SecurityGroupIds is left out (the policy names no
	// group but security-group/* above; drop it to show that).
	setPolicies(t, srv, checkoutUser, doc(readAll, allowS("ec2:CreateVpcEndpoint", []string{
		"arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/*",
		"arn:aws:ec2:us-east-1:222222222222:vpc/" + checkoutVPCEast,
		subnetArn("us-east-1", checkout, sub[0]),
	})))
	if _, err := createEndpoint(c.EC2, checkoutVPCEast, *svc.ServiceName, sub[:1]); err != nil {
		t.Fatalf("create without security groups: %v", err)
	}
	// The provider's service is not a resource of CreateVpcEndpoint: a
	// policy that names none reaches any service it may connect to (see
	// TestAuthzServiceNameCondition for limiting that).
	other := analyticsService(t, srv)
	if _, err := createEndpoint(c.EC2, checkoutVPCEast, *other.ServiceName, sub[:1]); err != nil {
		t.Fatalf("create to another service: %v", err)
	}
}

func TestAuthzServiceNameCondition(t *testing.T) {
	srv := start(t)
	svc := providerService(t, srv)
	other := analyticsService(t, srv)
	c := srv.Clients(t, "checkout")
	setPolicies(t, srv, checkoutUser, doc(readAll,
		stmt{Effect: "Allow", Action: "ec2:CreateVpcEndpoint", Resource: "arn:aws:ec2:*:*:vpc-endpoint/*",
			Condition: map[string]any{"StringEquals": map[string]any{"ec2:VpceServiceName": *svc.ServiceName, "ec2:VpceServiceOwner": payments}}},
		stmt{Effect: "Allow", Action: "ec2:CreateVpcEndpoint", Resource: []string{
			"arn:aws:ec2:*:*:vpc/*", "arn:aws:ec2:*:*:subnet/*", "arn:aws:ec2:*:*:security-group/*"}},
	))
	if _, err := createEndpoint(c.EC2, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast()[:1]); err != nil {
		t.Fatalf("declared service: %v", err)
	}
	_, err := createEndpoint(c.EC2, checkoutVPCEast, *other.ServiceName, checkoutSubnetsEast()[:1])
	d := unauthorized(t, err, c.STS)
	if got := d.cond("ec2:VpceServiceName"); len(got) != 1 || got[0] != *other.ServiceName {
		t.Fatalf("context %v", got)
	}
}

func TestAuthzTagConditions(t *testing.T) {
	srv := start(t)
	svc := providerService(t, srv)
	c := srv.Clients(t, "checkout")
	project := func(p string) []types.TagSpecification {
		return []types.TagSpecification{{ResourceType: types.ResourceTypeVpcEndpoint, Tags: []types.Tag{
			{Key: aws.String("plink:project"), Value: aws.String(p)}, {Key: aws.String("plink:name"), Value: aws.String("x")}}}}
	}
	setPolicies(t, srv, checkoutUser, doc(readAll,
		// Create only with this project's tag, and only the plink tag keys.
		stmt{Sid: "CreateTagged", Effect: "Allow", Action: "ec2:CreateVpcEndpoint", Resource: "arn:aws:ec2:*:*:vpc-endpoint/*", Condition: map[string]any{
			"StringEquals":            map[string]any{"aws:RequestTag/plink:project": "demo"},
			"ForAllValues:StringLike": map[string]any{"aws:TagKeys": "plink:*"},
		}},
		allowS("ec2:CreateVpcEndpoint", []string{"arn:aws:ec2:*:*:vpc/*", "arn:aws:ec2:*:*:subnet/*"}),
		// Tag on create only.
		stmt{Effect: "Allow", Action: "ec2:CreateTags", Resource: "arn:aws:ec2:*:*:vpc-endpoint/*", Condition: map[string]any{
			"StringEquals": map[string]any{"ec2:CreateAction": "CreateVpcEndpoint"}}},
		// Modify only what carries this project's tag.
		stmt{Effect: "Allow", Action: "ec2:ModifyVpcEndpoint", Resource: "*", Condition: map[string]any{
			"StringEqualsIfExists": map[string]any{"aws:ResourceTag/plink:project": "demo"}}},
	))
	// Missing the request tag: the condition key is absent, so denied.
	_, err := createEndpoint(c.EC2, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast()[:1])
	d := unauthorized(t, err, c.STS)
	if d.Context.Action != "ec2:CreateVpcEndpoint" || d.cond("aws:RequestTag/plink:project") != nil {
		t.Fatalf("decoded %+v", d)
	}
	// Another project's tag.
	_, err = createEndpoint(c.EC2, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast()[:1], func(in *ec2.CreateVpcEndpointInput) { in.TagSpecifications = project("other") })
	d = unauthorized(t, err, c.STS)
	if got := d.cond("aws:RequestTag/plink:project"); len(got) != 1 || got[0] != "other" {
		t.Fatalf("request tag %v", got)
	}
	// A tag key outside plink:*.
	_, err = createEndpoint(c.EC2, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast()[:1], func(in *ec2.CreateVpcEndpointInput) {
		in.TagSpecifications = project("demo")
		in.TagSpecifications[0].Tags = append(in.TagSpecifications[0].Tags, types.Tag{Key: aws.String("team"), Value: aws.String("x")})
	})
	if d = unauthorized(t, err, c.STS); len(d.cond("aws:TagKeys")) != 3 {
		t.Fatalf("aws:TagKeys %v", d.cond("aws:TagKeys"))
	}
	ep, err := createEndpoint(c.EC2, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast()[:1], func(in *ec2.CreateVpcEndpointInput) { in.TagSpecifications = project("demo") })
	must(t, err)

	// CreateTags outside a create has no ec2:CreateAction: denied.
	_, err = c.EC2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*ep.VpcEndpointId}, Tags: []types.Tag{{Key: aws.String("plink:project"), Value: aws.String("stolen")}}})
	d = unauthorized(t, err, c.STS)
	if d.Context.Action != "ec2:CreateTags" || d.cond("ec2:CreateAction") != nil {
		t.Fatalf("decoded %+v", d)
	}
	// Modify: allowed on the tagged endpoint (the subnet has no such tag;
	// IfExists lets it through).
	_, err = c.EC2.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: ep.VpcEndpointId, AddSubnetIds: checkoutSubnetsEast()[1:2]})
	must(t, err)
}

func TestAuthzTagOnCreateNeedsCreateTags(t *testing.T) {
	srv := start(t)
	svc := providerService(t, srv)
	c := srv.Clients(t, "checkout")
	setPolicies(t, srv, checkoutUser, doc(readAll, allowS("ec2:CreateVpcEndpoint", "*")))
	_, err := createEndpoint(c.EC2, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast()[:1], func(in *ec2.CreateVpcEndpointInput) {
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeVpcEndpoint, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}
	})
	d := unauthorized(t, err, c.STS)
	if d.Context.Action != "ec2:CreateTags" || strings.Join(d.cond("ec2:CreateAction"), ",") != "CreateVpcEndpoint" {
		t.Fatalf("decoded %+v", d)
	}
}

func TestAuthzModifyChecksRemovedResources(t *testing.T) {
	srv := start(t)
	svc := providerService(t, srv)
	c := srv.Clients(t, "checkout")
	sub := checkoutSubnetsEast()
	ep, err := createEndpoint(c.EC2, checkoutVPCEast, *svc.ServiceName, sub, func(in *ec2.CreateVpcEndpointInput) { in.SecurityGroupIds = []string{checkoutSGEast} })
	must(t, err)
	// The grant names the subnets the manifest declares now (a, b) only.
	setPolicies(t, srv, checkoutUser, doc(readAll, allowS("ec2:ModifyVpcEndpoint", []string{
		"arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/*",
		subnetArn("us-east-1", checkout, sub[0]), subnetArn("us-east-1", checkout, sub[1]),
	})))
	_, err = c.EC2.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: ep.VpcEndpointId, RemoveSubnetIds: sub[2:]})
	d := unauthorized(t, err, c.STS)
	if d.Context.Resource != subnetArn("us-east-1", checkout, sub[2]) {
		t.Fatalf("denied %s, want the removed subnet", d.Context.Resource)
	}
	// A removed security group is checked as well.
	_, err = c.EC2.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: ep.VpcEndpointId, RemoveSecurityGroupIds: []string{checkoutSGEast}})
	if d = unauthorized(t, err, c.STS); !strings.HasSuffix(d.Context.Resource, ":security-group/"+checkoutSGEast) {
		t.Fatalf("denied %s", d.Context.Resource)
	}
	// Scoped by ec2:Vpc instead, removals in the consumer's VPC pass.
	setPolicies(t, srv, checkoutUser, doc(readAll,
		allowS("ec2:ModifyVpcEndpoint", "arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/*"),
		stmt{Effect: "Allow", Action: "ec2:ModifyVpcEndpoint", Resource: []string{"arn:aws:ec2:*:*:subnet/*", "arn:aws:ec2:*:*:security-group/*"},
			Condition: map[string]any{"ArnEquals": map[string]any{"ec2:Vpc": "arn:aws:ec2:us-east-1:222222222222:vpc/" + checkoutVPCEast}}},
	))
	_, err = c.EC2.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: ep.VpcEndpointId, RemoveSubnetIds: sub[2:]})
	must(t, err)
}

func TestAuthzAllowMultiRegion(t *testing.T) {
	srv := start(t)
	prov := srv.Clients(t, "payments")
	west := srv.Clients(t, "checkout", "us-west-2")
	base := []stmt{readAll, allowS([]string{"ec2:*VpcEndpoint*", "ec2:CreateTags"}, "*")}
	multi := allowS("vpce:AllowMultiRegion", "*")
	setPolicies(t, srv, paymentsUser, doc(base...))
	setPolicies(t, srv, checkoutUser, doc(base...))

	// Provider: a service with another supported region needs it.
	_, err := prov.EC2.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{paymentsNLBEast}, AcceptanceRequired: aws.Bool(true), SupportedRegions: []string{"us-west-2"}})
	d := unauthorized(t, err, prov.STS)
	if d.Context.Action != "vpce:AllowMultiRegion" || d.Context.Resource != "arn:aws:ec2:us-east-1:111111111111:vpc-endpoint-service/*" {
		t.Fatalf("decoded %+v", d)
	}
	if ds := srv.Sandbox.Denials(); ds[len(ds)-1].APIAction != "CreateVpcEndpointServiceConfiguration" || ds[len(ds)-1].Action != "vpce:AllowMultiRegion" {
		t.Fatalf("denial %+v", ds[len(ds)-1])
	}
	// Without other regions it does not.
	provWest := srv.Clients(t, "payments", "us-west-2")
	plain := createService(t, provWest.EC2, func(in *ec2.CreateVpcEndpointServiceConfigurationInput) {
		in.NetworkLoadBalancerArns = []string{paymentsNLBWest}
	})
	setPolicies(t, srv, paymentsUser, doc(append(base, multi)...))
	svc := createService(t, prov.EC2, func(in *ec2.CreateVpcEndpointServiceConfigurationInput) { in.SupportedRegions = []string{"us-west-2"} })
	allow(t, prov.EC2, *svc.ServiceId, "arn:aws:iam::"+checkout+":root")
	setPolicies(t, srv, paymentsUser, doc(base...))

	// Consumer: a cross-region endpoint needs it.
	cross := func(in *ec2.CreateVpcEndpointInput) { in.ServiceRegion = aws.String("us-east-1") }
	_, err = createEndpoint(west.EC2, checkoutVPCWest, *svc.ServiceName, checkoutSubnetsWest()[:1], cross)
	d = unauthorized(t, err, west.STS)
	if d.Context.Action != "vpce:AllowMultiRegion" || d.Context.Resource != "arn:aws:ec2:us-west-2:222222222222:vpc-endpoint/*" {
		t.Fatalf("decoded %+v", d)
	}
	setPolicies(t, srv, checkoutUser, doc(append(base, multi)...))
	ep, err := createEndpoint(west.EC2, checkoutVPCWest, *svc.ServiceName, checkoutSubnetsWest()[:1], cross)
	must(t, err)
	setPolicies(t, srv, checkoutUser, doc(base...))

	// Accepting (and rejecting) a cross-region connection needs it.
	_, err = prov.EC2.AcceptVpcEndpointConnections(ctx, &ec2.AcceptVpcEndpointConnectionsInput{ServiceId: svc.ServiceId, VpcEndpointIds: []string{*ep.VpcEndpointId}})
	if d = unauthorized(t, err, prov.STS); d.Context.Action != "vpce:AllowMultiRegion" {
		t.Fatalf("accept: %+v", d)
	}
	_, err = prov.EC2.RejectVpcEndpointConnections(ctx, &ec2.RejectVpcEndpointConnectionsInput{ServiceId: svc.ServiceId, VpcEndpointIds: []string{*ep.VpcEndpointId}})
	if d = unauthorized(t, err, prov.STS); d.Context.Action != "vpce:AllowMultiRegion" {
		t.Fatalf("reject: %+v", d)
	}
	// Modifying and deleting the cross-region endpoint need it.
	_, err = west.EC2.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: ep.VpcEndpointId, AddSubnetIds: checkoutSubnetsWest()[1:2]})
	if d = unauthorized(t, err, west.STS); d.Context.Action != "vpce:AllowMultiRegion" || d.Context.Resource != "arn:aws:ec2:us-west-2:222222222222:vpc-endpoint/"+*ep.VpcEndpointId {
		t.Fatalf("modify: %+v", d)
	}
	_, err = west.EC2.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{*ep.VpcEndpointId}})
	if d = unauthorized(t, err, west.STS); d.Context.Action != "vpce:AllowMultiRegion" {
		t.Fatalf("delete endpoint: %+v", d)
	}
	// Removing a supported region, and deleting a multi-region service.
	_, err = prov.EC2.ModifyVpcEndpointServiceConfiguration(ctx, &ec2.ModifyVpcEndpointServiceConfigurationInput{ServiceId: svc.ServiceId, RemoveSupportedRegions: []string{"us-west-2"}})
	if d = unauthorized(t, err, prov.STS); d.Context.Action != "vpce:AllowMultiRegion" {
		t.Fatalf("remove region: %+v", d)
	}
	_, err = prov.EC2.DeleteVpcEndpointServiceConfigurations(ctx, &ec2.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{*svc.ServiceId}})
	if d = unauthorized(t, err, prov.STS); d.Context.Action != "vpce:AllowMultiRegion" || d.Context.Resource != "arn:aws:ec2:us-east-1:111111111111:vpc-endpoint-service/"+*svc.ServiceId {
		t.Fatalf("delete service: %+v", d)
	}
	// An in-region service is deleted without it.
	del, err := provWest.EC2.DeleteVpcEndpointServiceConfigurations(ctx, &ec2.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{*plain.ServiceId}})
	must(t, err)
	if len(del.Unsuccessful) != 0 {
		t.Fatalf("delete in-region service: %+v", del.Unsuccessful[0].Error)
	}
	// With it, all of the above pass.
	setPolicies(t, srv, paymentsUser, doc(append(base, multi)...))
	setPolicies(t, srv, checkoutUser, doc(append(base, multi)...))
	_, err = prov.EC2.AcceptVpcEndpointConnections(ctx, &ec2.AcceptVpcEndpointConnectionsInput{ServiceId: svc.ServiceId, VpcEndpointIds: []string{*ep.VpcEndpointId}})
	must(t, err)
	_, err = west.EC2.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{*ep.VpcEndpointId}})
	must(t, err)
	_, err = prov.EC2.ModifyVpcEndpointServiceConfiguration(ctx, &ec2.ModifyVpcEndpointServiceConfigurationInput{ServiceId: svc.ServiceId, RemoveSupportedRegions: []string{"us-west-2"}})
	must(t, err)
}

func TestAuthzDryRun(t *testing.T) {
	srv := start(t)
	svc := providerService(t, srv)
	c := srv.Clients(t, "checkout")
	setPolicies(t, srv, checkoutUser, doc(readAll))
	dry := func(in *ec2.CreateVpcEndpointInput) { in.DryRun = aws.Bool(true) }
	_, err := createEndpoint(c.EC2, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast()[:1], dry)
	d := unauthorized(t, err, c.STS)
	if d.Context.Action != "ec2:CreateVpcEndpoint" {
		t.Fatalf("decoded %+v", d)
	}
	if ds := srv.Sandbox.Denials(); len(ds) != 1 || !ds[0].DryRun {
		t.Fatalf("denials %+v", ds)
	}
	setPolicies(t, srv, checkoutUser, doc(readAll, allowS("ec2:CreateVpcEndpoint", "*")))
	_, err = createEndpoint(c.EC2, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast()[:1], dry)
	wantCode(t, err, "DryRunOperation")
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != 412 {
		t.Fatalf("DryRunOperation status: %v", err)
	}
	out, err := c.EC2.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{})
	must(t, err)
	if len(out.VpcEndpoints) != 0 {
		t.Fatalf("a dry run created %d endpoints", len(out.VpcEndpoints))
	}
	// Both dry runs are counted as such; the describe is not.
	for _, cl := range srv.Sandbox.Calls() {
		switch {
		case cl.Account != checkout:
		case cl.Action == "CreateVpcEndpoint" && (cl.Count != 2 || cl.DryRuns != 2):
			t.Fatalf("dry runs of CreateVpcEndpoint: %+v", cl)
		case cl.Action == "DescribeVpcEndpoints" && cl.DryRuns != 0:
			t.Fatalf("describe counted as a dry run: %+v", cl)
		}
	}
	// An allow-all principal's dry run answers DryRunOperation, as before.
	_, err = srv.Clients(t, "analytics").EC2.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{"vpce-0000000000000dead"}, DryRun: aws.Bool(true)})
	wantCode(t, err, "DryRunOperation")
}

func TestAuthzDecodeAuthorizationMessage(t *testing.T) {
	srv := start(t)
	c := srv.Clients(t, "checkout")
	setPolicies(t, srv, checkoutUser, doc(allowS("ec2:DescribeVpcs", "*")))
	_, err := c.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "UnauthorizedOperation" {
		t.Fatalf("got %v", err)
	}
	msg := reEncoded.FindStringSubmatch(ae.ErrorMessage())[1]
	// Decoding is itself authorized.
	_, err = c.STS.DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(msg)})
	wantCode(t, err, "AccessDenied")
	if !errors.As(err, &ae) || ae.ErrorMessage() != "User: "+checkoutUser+" is not authorized to perform: sts:DecodeAuthorizationMessage because no identity-based policy allows the sts:DecodeAuthorizationMessage action" {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
	// Another principal with the permission decodes it.
	out, err := srv.Clients(t, "analytics").STS.DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(msg)})
	must(t, err)
	var d decoded
	must(t, json.Unmarshal([]byte(*out.DecodedMessage), &d))
	if d.Context.Action != "ec2:DescribeSubnets" || d.Context.Resource != "*" || d.Context.Principal.Arn != checkoutUser {
		t.Fatalf("decoded %s", *out.DecodedMessage)
	}
	// A message the sandbox did not issue.
	_, err = srv.Clients(t, "analytics").STS.DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(msg[:len(msg)-4] + "AAAA")})
	wantCode(t, err, "InvalidAuthorizationMessageException")
}

func TestAuthzAccessDeniedPhrasing(t *testing.T) {
	srv := start(t)
	c := srv.Clients(t, "checkout")
	setPolicies(t, srv, checkoutUser, doc(allowS("ec2:*", "*"),
		stmt{Effect: "Deny", Action: "elasticloadbalancing:DescribeTargetGroups", Resource: "*"}))
	_, err := c.ELB.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{})
	wantCode(t, err, "AccessDenied")
	var ae smithy.APIError
	errors.As(err, &ae)
	if want := "User: " + checkoutUser + " is not authorized to perform: elasticloadbalancing:DescribeLoadBalancers because no identity-based policy allows the elasticloadbalancing:DescribeLoadBalancers action"; ae.ErrorMessage() != want {
		t.Fatalf("message %q\nwant    %q", ae.ErrorMessage(), want)
	}
	_, err = c.ELB.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{})
	errors.As(err, &ae)
	if want := "User: " + checkoutUser + " is not authorized to perform: elasticloadbalancing:DescribeTargetGroups with an explicit deny in an identity-based policy"; ae.ErrorMessage() != want {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
	// GetCallerIdentity needs no permission.
	if _, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
}

func TestAuthzAssumedRoleUsesRolePolicies(t *testing.T) {
	srv := start(t)
	op := srv.Clients(t, "tooling")
	role := "arn:aws:iam::222222222222:role/plink"
	setPolicies(t, srv, role, doc(allowS("ec2:DescribeVpcs", "*")))
	// The operator is limited to assuming that one role.
	setPolicies(t, srv, "arn:aws:iam::999999999999:user/plink-operator", doc(allowS("sts:AssumeRole", role)))
	cfg := srv.AssumeRole(t, op, role, "", "us-east-1")
	c := sandboxtest.ClientsFor(cfg)
	if _, err := c.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatal(err)
	}
	_, err := c.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	wantCode(t, err, "UnauthorizedOperation")
	ds := srv.Sandbox.Denials()
	if len(ds) != 1 || ds[0].PolicyPrincipal != role || !strings.HasPrefix(ds[0].Principal, "arn:aws:sts::222222222222:assumed-role/plink/") {
		t.Fatalf("denials %+v", ds)
	}
	other := "arn:aws:iam::111111111111:role/plink"
	_, err = op.STS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(other), RoleSessionName: aws.String("x")})
	wantCode(t, err, "AccessDenied")
	var ae smithy.APIError
	errors.As(err, &ae)
	if !strings.Contains(ae.ErrorMessage(), "sts:AssumeRole on resource: "+other+" because no identity-based policy allows the sts:AssumeRole action") {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
}

func TestAuthzSetPoliciesErrors(t *testing.T) {
	srv := start(t)
	if err := srv.Sandbox.SetPolicies("arn:aws:iam::222222222222:role/nobody", doc(readAll)); err == nil || !strings.Contains(err.Error(), "no user or role") ||
		!strings.Contains(err.Error(), "valid: ") || !strings.Contains(err.Error(), "arn:aws:iam::222222222222:role/plink, ") {
		t.Fatalf("unknown principal: %v", err)
	}
	for _, tc := range []struct{ doc, want string }{
		{`{"Statement": [`, "not a JSON object"},
		{`{"Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}]}`, `Effect must be "Allow" or "Deny"`},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": "*"}]}`, "Principal belongs in resource policies"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*"}]}`, "Resource or NotResource is required"},
		{`{"Statement": [{"Effect": "Allow", "Action": "CreateVpcEndpoint", "Resource": "*"}]}`, "must be service:Action"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:ec2:*vpc-endpoint/*"}]}`, "must be an ARN"},
		{`{"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}`, "must not be an empty list"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "*", "Resource": "*"}]}`, "not both"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Bogus": 1}]}`, `unknown element "Bogus"`},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"k": {"a": 1}}}}]}`, "must be a string or a list of strings"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": "x"}]}`, "Condition must map operators"},
		{`{"Statement": "x"}`, "a statement must be a JSON object"},
		{`{"Statementz": []}`, "unknown top-level element"},
		{`{"Version": "2012-10-17"}`, "Statement is required"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"NumericLessThan": {"x": 1}}}]}`, "not evaluated by the sandbox"},
		{`{"Version": "2019-01-01", "Statement": []}`, "Version must be"},
	} {
		err := srv.Sandbox.SetPolicies(checkoutUser, tc.doc)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), checkoutUser) {
			t.Errorf("%s: error %v, want %q naming the principal", tc.doc, err, tc.want)
		}
	}
	// A failed SetPolicies leaves the principal as it was (allow-all).
	if _, err := srv.Clients(t, "checkout").EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatal(err)
	}
}

func TestAuthzWorldPolicies(t *testing.T) {
	w := sandbox.DefaultWorld()
	w.Accounts[1].Credentials[0].Policies = []string{doc(allowS("ec2:DescribeVpcs", "*"))}
	srv := startWorld(t, w)
	c := srv.Clients(t, "checkout")
	if _, err := c.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatal(err)
	}
	_, err := c.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	wantCode(t, err, "UnauthorizedOperation")
	// Other principals keep allow-all.
	if _, err := srv.Clients(t, "payments").EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{}); err != nil {
		t.Fatal(err)
	}

	w = sandbox.DefaultWorld()
	w.Accounts[1].Roles[0].Policies = []string{`{"Statement": {"Effect": "Allow"}}`}
	_, err = sandbox.New(w, sandbox.Options{})
	if err == nil || !strings.Contains(err.Error(), "role arn:aws:iam::222222222222:role/plink: policies:") || !strings.Contains(err.Error(), "Statement[0]: an Action or NotAction is required") {
		t.Fatalf("malformed world policy: %v", err)
	}
}

// TestAuthzBotocore: unmodified boto3 gets UnauthorizedOperation and
// DryRunOperation as from AWS and decodes the message with
// sts.decode_authorization_message.
func TestAuthzBotocore(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		t.Skip("python3 with boto3 not available")
	}
	srv := start(t)
	setPolicies(t, srv, checkoutUser, doc(readAll))
	cmd := exec.Command("python3", "testdata/botocore_authz.py", srv.URL)
	cmd.Env = append(cmd.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("boto3 authorization check failed: %v\n%s", err, out)
	}
	if n := len(srv.Sandbox.Denials()); n != 2 {
		t.Fatalf("%d denials, want the 2 creates", n)
	}
}

// TestAuthzWorldFileYAML: policies written in a world file, as
// `plink sandbox serve --world FILE` reads it.
func TestAuthzWorldFileYAML(t *testing.T) {
	b, err := os.ReadFile("worlds/default.yaml")
	must(t, err)
	const anchor = "        principalArn: arn:aws:iam::222222222222:user/checkout-admin\n"
	text := string(b)
	if !strings.Contains(text, anchor) {
		t.Fatalf("default world has no %q", anchor)
	}
	policy := anchor + "        policies:\n          - |\n            {\"Version\": \"2012-10-17\", \"Statement\": [\n              {\"Effect\": \"Allow\", \"Action\": \"ec2:DescribeVpcs\", \"Resource\": \"*\"}]}\n"
	path := filepath.Join(t.TempDir(), "world.yaml")
	must(t, os.WriteFile(path, []byte(strings.Replace(text, anchor, policy, 1)), 0o600))
	w, err := sandbox.LoadWorld(path)
	must(t, err)
	srv := startWorld(t, w)
	c := srv.Clients(t, "checkout")
	if _, err := c.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = c.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	wantCode(t, err, "UnauthorizedOperation")

	bad := strings.Replace(text, anchor, anchor+"        policies: ['{\"Statement\": []']\n", 1)
	must(t, os.WriteFile(path, []byte(bad), 0o600))
	_, err = sandbox.LoadWorld(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "credential AKIASANDBOXCHECKOUT1: policies: arn:aws:iam::222222222222:user/checkout-admin: policy 1: not a JSON object") {
		t.Fatalf("malformed policy in a world file: %v", err)
	}
}
