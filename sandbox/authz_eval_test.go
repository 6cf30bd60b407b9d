package sandbox

// Narrow unit tests of policy evaluation and of the authorization table's
// coverage; the behaviour through the SDK is in authz_test.go.

import (
	"strings"
	"testing"

	"github.com/plinkdev/plink/awsauthz"
)

// TestAuthzTableCoversHandlers: every action the sandbox serves has a row,
// and every row with resource types is turned into requests on ARNs of
// those types (none is left to the generic fallback).
func TestAuthzTableCoversHandlers(t *testing.T) {
	s, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	caller := s.keys["AKIASANDBOXCHECKOUT1"]
	all := map[string][]string{svcCloudWatch: nil}
	for a := range cwHandlers {
		all[svcCloudWatch] = append(all[svcCloudWatch], a)
	}
	for svc, table := range handlers {
		for a := range table {
			all[svc] = append(all[svc], a)
		}
	}
	for svc, actions := range all {
		for _, a := range actions {
			act, ok := awsauthz.Lookup(iamPrefix(svc), a)
			if !ok {
				t.Errorf("%s:%s is served but has no row in awsauthz", iamPrefix(svc), a)
				continue
			}
			if act.NoAuth {
				continue
			}
			c := &call{sb: s, service: svc, action: a, region: "us-east-1", p: params{}, caller: caller, net: s.net(caller.Account, "us-east-1")}
			c.p = params{"ServiceId": {"vpce-svc-0123456789abcdef0"}, "VpcEndpointId": {"vpce-0123456789abcdef0"}, "GroupName": {"g"},
				"ResourceId.1": {"vpce-0123456789abcdef0"}, "ConnectionNotificationId": {"vpce-nfn-0123456789abcdef0"},
				"RoleArn": {"arn:aws:iam::222222222222:role/plink"}, "VpcId": {checkoutVPC}, "ServiceName": {"com.amazonaws.us-east-1.s3"},
				"ServiceId.1": {"vpce-svc-0123456789abcdef0"}, "VpcEndpointId.1": {"vpce-0123456789abcdef0"}}
			reqs := c.authzRequests(act)
			if len(reqs) == 0 {
				t.Errorf("%s: no authorization requests", act.Permission())
			}
			for _, r := range reqs {
				if strings.HasSuffix(r.Resource, "/?") {
					t.Errorf("%s: row %s is not built by authzRequests", act.Permission(), r.Resource)
				}
				if (r.Resource == "*") != (act.Rows[0].Type == "") && r.Action == act.Permission() {
					t.Errorf("%s: resource %s does not match its rows", act.Permission(), r.Resource)
				}
			}
		}
	}
}

const checkoutVPC = "vpc-02100000000000001"

func mustPolicy(t *testing.T, doc string) *policy {
	t.Helper()
	p, err := parsePolicy(doc, "policy 1")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPolicyEvaluation(t *testing.T) {
	ctx := map[string][]string{
		"aws:RequestedRegion":          {"us-east-1"},
		"aws:TagKeys":                  {"plink:project", "plink:name"},
		"aws:RequestTag/plink:project": {"demo"},
		"ec2:Vpc":                      {"arn:aws:ec2:us-east-1:222222222222:vpc/vpc-1"},
		"aws:PrincipalAccount":         {"222222222222"},
	}
	res := "arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/vpce-1"
	for _, tc := range []struct {
		name, stmt string
		action     string
		want       bool
	}{
		{"action wildcard, case-insensitive", `"Action":"EC2:create*","Resource":"*"`, "ec2:CreateVpcEndpoint", true},
		{"action ? wildcard", `"Action":"ec2:CreateVpcEndpoin?","Resource":"*"`, "ec2:CreateVpcEndpoint", true},
		{"other action", `"Action":"ec2:Delete*","Resource":"*"`, "ec2:CreateVpcEndpoint", false},
		{"NotAction", `"NotAction":"ec2:Delete*","Resource":"*"`, "ec2:CreateVpcEndpoint", true},
		{"NotAction excludes", `"NotAction":"ec2:Create*","Resource":"*"`, "ec2:CreateVpcEndpoint", false},
		{"resource per part", `"Action":"*","Resource":"arn:aws:ec2:*:222222222222:vpc-endpoint/*"`, "x:y", true},
		{"each part on its own", `"Action":"*","Resource":"arn:aws:ec2:us-east-1:*:vpc-endpoint/vpce-?"`, "x:y", true},
		{"each part must match", `"Action":"*","Resource":"arn:aws:ec2:us-west-2:*:vpc-endpoint/*"`, "x:y", false},
		{"NotResource", `"Action":"*","NotResource":"arn:aws:ec2:*:*:subnet/*"`, "x:y", true},
		{"policy variable", `"Action":"*","Resource":"arn:aws:ec2:*:${aws:PrincipalAccount}:vpc-endpoint/*"`, "x:y", true},
		{"StringEquals", `"Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/plink:project":["x","demo"]}}`, "x:y", true},
		{"StringEquals is case-sensitive", `"Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/plink:project":"DEMO"}}`, "x:y", false},
		{"key names are not", `"Action":"*","Resource":"*","Condition":{"StringEqualsIgnoreCase":{"AWS:REQUESTTAG/PLINK:PROJECT":"DEMO"}}`, "x:y", true},
		{"missing key fails", `"Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/x":"y"}}`, "x:y", false},
		{"missing key, IfExists", `"Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:ResourceTag/x":"y"}}`, "x:y", true},
		{"missing key, negated", `"Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:ResourceTag/x":"y"}}`, "x:y", true},
		{"StringNotLike", `"Action":"*","Resource":"*","Condition":{"StringNotLike":{"aws:RequestTag/plink:project":"de*"}}`, "x:y", false},
		{"ForAllValues all match", `"Action":"*","Resource":"*","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":"plink:*"}}`, "x:y", true},
		{"ForAllValues one misses", `"Action":"*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":"plink:name"}}`, "x:y", false},
		{"ForAllValues absent key", `"Action":"*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:Nope":"a"}}`, "x:y", true},
		{"ForAllValues StringNotEquals", `"Action":"*","Resource":"*","Condition":{"ForAllValues:StringNotEquals":{"aws:TagKeys":"plink:project"}}`, "x:y", false},
		{"ForAnyValue one matches", `"Action":"*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":"plink:name"}}`, "x:y", true},
		{"ForAnyValue absent key", `"Action":"*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:Nope":"a"}}`, "x:y", false},
		{"ForAnyValue StringNotEquals", `"Action":"*","Resource":"*","Condition":{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"plink:project"}}`, "x:y", true},
		{"ArnLike", `"Action":"*","Resource":"*","Condition":{"ArnLike":{"ec2:Vpc":"arn:aws:ec2:*:222222222222:vpc/*"}}`, "x:y", true},
		{"ArnNotEquals", `"Action":"*","Resource":"*","Condition":{"ArnNotEquals":{"ec2:Vpc":"arn:aws:ec2:us-east-1:222222222222:vpc/vpc-1"}}`, "x:y", false},
		{"Null true", `"Action":"*","Resource":"*","Condition":{"Null":{"aws:ResourceTag/x":"true"}}`, "x:y", true},
		{"Null false", `"Action":"*","Resource":"*","Condition":{"Null":{"aws:TagKeys":"false"}}`, "x:y", true},
		{"Bool", `"Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true}}`, "x:y", false},
		{"two keys are ANDed", `"Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1","aws:RequestTag/plink:project":"no"}}`, "x:y", false},
	} {
		p := mustPolicy(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",`+tc.stmt+`}]}`)
		d := evaluate([]*policy{p}, authzRequest{Action: tc.action, Resource: res, Context: ctx})
		if d.Allowed != tc.want {
			t.Errorf("%s: allowed = %v, want %v", tc.name, d.Allowed, tc.want)
		}
	}
	// Deny wins over Allow, in any order and policy.
	allowAll := mustPolicy(t, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`)
	deny := mustPolicy(t, `{"Statement":[{"Sid":"D","Effect":"Deny","Action":"ec2:*","Resource":"*"}]}`)
	d := evaluate([]*policy{deny, allowAll}, authzRequest{Action: "ec2:DescribeVpcs", Resource: "*", Context: ctx})
	if d.Allowed || !d.ExplicitDeny || len(d.Matched) != 1 || d.Matched[0].Sid != "D" {
		t.Fatalf("deny: %+v", d)
	}
	if d := evaluate(nil, authzRequest{Action: "ec2:DescribeVpcs", Resource: "*"}); d.Allowed {
		t.Fatal("no policies evaluated means implicit deny")
	}
}

// An action without a row is refused for a principal with policies.
func TestAuthzActionWithoutRow(t *testing.T) {
	s, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetPolicies("arn:aws:iam::222222222222:user/checkout-admin", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`); err != nil {
		t.Fatal(err)
	}
	caller := s.keys["AKIASANDBOXCHECKOUT1"]
	c := &call{sb: s, service: svcEC2, action: "RunInstances", region: "us-east-1", p: params{}, caller: caller}
	s.mu.Lock()
	e := s.authorize(c)
	s.mu.Unlock()
	if e == nil || e.Code != "UnauthorizedOperation" {
		t.Fatalf("got %v", e)
	}
	if ds := s.Denials(); len(ds) != 1 || !strings.Contains(ds[0].Reason, "no authorization row") {
		t.Fatalf("denials %+v", ds)
	}
}

func TestDecodeAuthorizationMessageRequiresMessage(t *testing.T) {
	s, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := &call{sb: s, service: svcSTS, action: "DecodeAuthorizationMessage", p: params{}, caller: s.keys["AKIASANDBOXCHECKOUT1"]}
	if _, e := stsDecodeAuthorizationMessage(c); e == nil || e.Code != "ValidationError" || !strings.Contains(e.Message, "encodedMessage") {
		t.Fatalf("got %v", e)
	}
	c.p = params{"EncodedMessage": {"no-dot-here"}}
	if _, e := stsDecodeAuthorizationMessage(c); e == nil || e.Code != "InvalidAuthorizationMessageException" {
		t.Fatalf("got %v", e)
	}
}

// BenchmarkAuthorize measures one CreateVpcEndpoint's authorization (the
// endpoint, the VPC, three subnets, a security group; seven requests) against
// a 30-statement policy, and the allow-all path every principal without
// policies takes.
func BenchmarkAuthorize(b *testing.B) {
	s, err := New(nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	var stmts []string
	for i := 0; i < 29; i++ {
		stmts = append(stmts, `{"Effect":"Allow","Action":["ec2:Modify*","ec2:Delete*"],"Resource":"arn:aws:ec2:*:222222222222:vpc-endpoint/*","Condition":{"StringEquals":{"aws:ResourceTag/plink:project":"p`+string(rune('a'+i%26))+`"}}}`)
	}
	stmts = append(stmts, `{"Effect":"Allow","Action":"ec2:CreateVpcEndpoint","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:RequestTag/plink:project":"demo"},"ArnEqualsIfExists":{"ec2:Vpc":"arn:aws:ec2:us-east-1:222222222222:vpc/vpc-02100000000000001"}}}`)
	doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
	caller := s.keys["AKIASANDBOXCHECKOUT1"]
	c := &call{sb: s, service: svcEC2, action: "CreateVpcEndpoint", region: "us-east-1", caller: caller, net: s.net(caller.Account, "us-east-1"),
		p: params{"VpcEndpointType": {"Interface"}, "VpcId": {checkoutVPC}, "ServiceName": {"com.amazonaws.us-east-1.ssm"},
			"SubnetId.1": {"subnet-0210000000000000a"}, "SubnetId.2": {"subnet-0210000000000000b"}, "SubnetId.3": {"subnet-0210000000000000c"},
			"SecurityGroupId.1":               {"sg-02100000000000001"},
			"TagSpecification.1.ResourceType": {"vpc-endpoint"}, "TagSpecification.1.Tag.1.Key": {"plink:project"}, "TagSpecification.1.Tag.1.Value": {"demo"}}}
	b.Run("allow-all", func(b *testing.B) {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i := 0; i < b.N; i++ {
			if e := s.authorize(c); e != nil {
				b.Fatal(e)
			}
		}
	})
	if err := s.SetPolicies(caller.Arn, doc, `{"Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*"}}`); err != nil {
		b.Fatal(err)
	}
	b.Run("30-statement policy", func(b *testing.B) {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i := 0; i < b.N; i++ {
			if e := s.authorize(c); e != nil {
				b.Fatal(e)
			}
		}
	})
}
