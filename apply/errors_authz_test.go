package apply_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/awsenv"
)

// A call AWS refuses for lack of a permission: the error says, in a line,
// the action, the account and region, and how to read AWS's encoded reason
// (kept whole for JSON); Explain decodes it with the account's own
// credentials when they may (naming the permission and the resource), and
// leaves it quietly as it was when they may not.
func TestUnauthorizedErrorIsReadable(t *testing.T) {
	const role = "arn:aws:iam::222222222222:role/plink"
	for _, c := range []struct {
		name, policy string
		decoded      string // "" when decoding is refused
	}{
		{"decode allowed", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"ec2:CreateVpcEndpoint","Resource":"*"}]}`,
			"not authorized: no identity-based policy of account checkout (222222222222) in us-east-1 allows ec2:CreateVpcEndpoint on arn:aws:ec2:us-east-1:222222222222:"},
		{"explicit deny", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
			{"Effect":"Deny","Action":"ec2:CreateVpcEndpoint","Resource":"*"}]}`,
			"not authorized: an explicit Deny in a policy of account checkout (222222222222) in us-east-1 refuses ec2:CreateVpcEndpoint on arn:aws:ec2:us-east-1:222222222222:"},
		{"decode denied", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["ec2:CreateVpcEndpoint","sts:DecodeAuthorizationMessage"],"Resource":"*"}]}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			p, r := e.plan(gatewayManifest(t, s3Gateway))
			if err := e.srv.Sandbox.SetPolicies(role, c.policy); err != nil {
				t.Fatal(err)
			}
			res, err := apply.Run(context.Background(), p, apply.FromClientSource(r), opts())
			if err == nil || len(res.Changes) != 1 || res.Changes[0].Error == nil {
				t.Fatalf("apply: %v %+v", err, res)
			}
			ae := res.Changes[0].Error
			short := "not authorized to perform ec2:CreateVpcEndpoint in account checkout (222222222222) in us-east-1; AWS's reason is encoded ("
			if ae.Code != "UnauthorizedOperation" || !strings.HasPrefix(ae.Message, short) || len(ae.Message) > 200 ||
				ae.EncodedMessage == "" || strings.Contains(ae.Error(), ae.EncodedMessage) ||
				!strings.Contains(ae.Hint, "aws sts decode-authorization-message --query DecodedMessage --output text --encoded-message MESSAGE") {
				t.Fatalf("error %+v", ae)
			}
			before := *ae
			apply.Explain(context.Background(), res, decoder(r))
			switch {
			case c.decoded == "" && (ae.Message != "not authorized to perform ec2:CreateVpcEndpoint in account checkout (222222222222) in us-east-1; "+
				"AWS did not say which permission it refused (its encoded reason was not decoded: the credentials may not call sts:DecodeAuthorizationMessage)" ||
				!strings.HasPrefix(ae.Hint, "the call needs every one of: ec2:CreateVpcEndpoint on vpc, vpc-endpoint, route-table, security-group, subnet; "+
					"ec2:CreateTags with ec2:CreateAction CreateVpcEndpoint (tag on create); vpce:AllowMultiRegion when ServiceRegion names a region other than the endpoint's; "+
					"vpc-lattice:CreateServiceNetworkVpcEndpointAssociation (ServiceNetwork); plink iam-policy --check -f PATH lists the statements") || ae.EncodedMessage != before.EncodedMessage):
				t.Errorf("decoding was refused: %+v, want every permission the call depends on, none asserted", ae)
			case c.decoded != "" && (!strings.HasPrefix(ae.Message, c.decoded) || ae.EncodedMessage != before.EncodedMessage || ae.Hint == before.Hint):
				t.Errorf("decoded: %+v, want a message starting %q", ae, c.decoded)
			}
		})
	}
}

func decoder(r *awsenv.Resolver) apply.Decoder {
	return func(ctx context.Context, account, region, encoded string) (string, error) {
		c, err := r.ClientsFor(ctx, account, region)
		if err != nil {
			return "", err
		}
		out, err := c.STS().DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(encoded)})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.DecodedMessage), nil
	}
}

// Explain leaves alone what it cannot read: no result, no decoder, errors
// without an encoded message; a decoded message that is not AWS's JSON is
// not decoded: the error says so and what the call depends on.
func TestExplainLeavesTheRestAlone(t *testing.T) {
	apply.Explain(context.Background(), nil, nil)
	res := &apply.Result{Changes: []apply.ChangeResult{
		{Error: &apply.Error{Code: "InvalidParameter", Message: "m"}},
		{Error: &apply.Error{Call: "DeleteVpcEndpoints", Code: "UnauthorizedOperation", Message: "short", EncodedMessage: "x"}, Account: "a", AccountID: "1", Region: "r"},
		{},
	}}
	apply.Explain(context.Background(), res, func(context.Context, string, string, string) (string, error) { return "not json", nil })
	if res.Changes[0].Error.Message != "m" {
		t.Errorf("changed: %+v", res.Changes[0].Error)
	}
	if e := res.Changes[1].Error; !strings.HasSuffix(e.Message, "(its encoded reason was not decoded: the decoded message is not the JSON AWS documents)") ||
		!strings.HasPrefix(e.Hint, "the call needs every one of: ec2:DeleteVpcEndpoints on vpc-endpoint; vpce:AllowMultiRegion when ") {
		t.Errorf("not decoded: %+v", e)
	}
}

// An AccessDenied of another service than EC2 (Route 53 here) names its
// permission and resource in AWS's text: the hint grants that, not an
// EC2 action.
func TestExplainAccessDeniedOfOtherServices(t *testing.T) {
	res := &apply.Result{Changes: []apply.ChangeResult{{Account: "payments", Error: &apply.Error{Call: "ChangeResourceRecordSets", Code: "AccessDenied",
		Message: "User: arn:aws:sts::111111111111:assumed-role/plink/s is not authorized to perform: route53:ChangeResourceRecordSets on resource: " +
			"arn:aws:route53:::hostedzone/Z0PAYMENTSNET01 because no identity-based policy allows the route53:ChangeResourceRecordSets action",
		Hint: "the credentials plink uses for account payments lack ec2:ChangeResourceRecordSets"}}}}
	apply.Explain(context.Background(), res, nil)
	want := "grant route53:ChangeResourceRecordSets on arn:aws:route53:::hostedzone/Z0PAYMENTSNET01 to the role or profile plink uses for account payments"
	if h := res.Changes[0].Error.Hint; !strings.HasPrefix(h, want) {
		t.Errorf("hint %q, want it to start %q", h, want)
	}
}
