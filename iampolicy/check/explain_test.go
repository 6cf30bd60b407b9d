package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/iampolicy"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

// fakeAWS answers EC2 with UnauthorizedOperation (or success) and STS's
// DecodeAuthorizationMessage with what decode says: the answers the
// sandbox never gives, for the narrow paths of explain.
func fakeAWS(t *testing.T, ec2OK bool, decode func() (int, string)) *awsenv.Clients {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		q, _ := url.ParseQuery(string(body))
		switch q.Get("Action") {
		case "DecodeAuthorizationMessage":
			code, text := decode()
			w.WriteHeader(code)
			io.WriteString(w, text)
		case "DescribeVpcs":
			if ec2OK {
				io.WriteString(w, `<DescribeVpcsResponse><requestId>r</requestId><vpcSet/></DescribeVpcsResponse>`)
				return
			}
			w.WriteHeader(403)
			io.WriteString(w, `<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation. Encoded authorization failure message: ENCODED</Message></Error></Errors><RequestID>r</RequestID></Response>`)
		default:
			w.WriteHeader(400)
		}
	}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
	return awsenv.NewClients(awsenv.Built{EC2: ec2.NewFromConfig(cfg), STS: sts.NewFromConfig(cfg)})
}

func decodedAs(msg string) func() (int, string) {
	return func() (int, string) {
		return 200, `<DecodeAuthorizationMessageResponse><DecodeAuthorizationMessageResult><DecodedMessage>` + msg +
			`</DecodedMessage></DecodeAuthorizationMessageResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DecodeAuthorizationMessageResponse>`
	}
}

func stsError(code string) func() (int, string) {
	return func() (int, string) {
		return 400, `<ErrorResponse><Error><Type>Sender</Type><Code>` + code + `</Code><Message>bad message</Message></Error><RequestId>r</RequestId></ErrorResponse>`
	}
}

func testChecker() *checker {
	m := &manifest.Manifest{Project: "p", Accounts: map[string]*manifest.Account{"a": {ID: "111111111111"}}, Defaults: manifest.Defaults{Region: "us-east-1"}}
	docs, _ := iampolicy.For(iampolicy.Plan, m)
	return &checker{m: m, mode: iampolicy.Plan, docs: docs, rep: &Report{}}
}

func TestExplainPaths(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		ec2OK  bool
		dryRun bool
		decode func() (int, string)
		want   func(r Result) string // "" when right
	}{
		{"a dry run that AWS carried out", true, true, nil, func(r Result) string {
			if r.Status != Unknown || !strings.Contains(r.Reason, "made the call instead of answering the dry run") {
				return "want unknown"
			}
			return ""
		}},
		{"decoding refused", false, false, stsError("AccessDenied"), func(r Result) string {
			if r.Status != Denied || r.Decoded || !strings.Contains(r.DecodeNote, "may not call sts:DecodeAuthorizationMessage") || r.Statement != nil ||
				len(r.Statements) != 1 || r.Statements[0].Sid != "PlinkRead" {
				return "want a note on the decode permission, and the statements the call depends on, not one asserted"
			}
			return ""
		}},
		{"decoding fails otherwise", false, false, stsError("InvalidAuthorizationMessageException"), func(r Result) string {
			if r.DecodeNote != "the message was not decoded: InvalidAuthorizationMessageException: bad message" {
				return "want AWS's error in the note"
			}
			return ""
		}},
		{"a decoded message that is not JSON", false, false, decodedAs("not json"), func(r Result) string {
			if r.Decoded || !strings.HasPrefix(r.DecodeNote, "the decoded message is not the JSON AWS documents") {
				return "want a note on the message"
			}
			return ""
		}},
		{"an explicit deny", false, false, decodedAs(`{"allowed":false,"explicitDeny":true,"context":{"action":"ec2:DescribeVpcs","resource":"*"}}`), func(r Result) string {
			if !r.Decoded || r.Reason != "an explicit Deny in a policy refuses ec2:DescribeVpcs on *" {
				return "want the explicit deny named"
			}
			return ""
		}},
		{"a permission plink's policy does not grant", false, false, decodedAs(`{"allowed":false,"context":{"action":"vpce:AllowMultiRegion","resource":"arn:aws:ec2:us-east-1:111111111111:vpc-endpoint/*"}}`), func(r Result) string {
			if r.Statement != nil || !r.Missing || r.Action != "vpce:AllowMultiRegion" {
				return "want Missing"
			}
			return ""
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ck := testChecker()
			w := &where{alias: "a", id: "111111111111", region: "us-east-1", c: fakeAWS(t, c.ec2OK, c.decode)}
			_, err := w.c.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
			ck.record(ctx, w, "ec2:DescribeVpcs", "", c.dryRun, err)
			r := ck.rep.Results[0]
			if msg := c.want(r); msg != "" {
				t.Errorf("%s: %+v", msg, r)
			}
		})
	}
}

// Every read the policies grant has a probe, so --check asks about it.
func TestEveryReadHasAProbe(t *testing.T) {
	for _, mode := range iampolicy.Modes {
		for _, a := range iampolicy.Reads(mode) {
			if probes[a] == nil {
				t.Errorf("%s: no probe for %s", mode, a)
			}
		}
	}
}

type noClients struct{}

func (noClients) ClientsFor(_ context.Context, account, region string) (*awsenv.Clients, error) {
	return nil, fmt.Errorf("no clients for %s in %s", account, region)
}

// A write whose account cannot be reached is Unknown, naming why.
func TestWritesWithoutClients(t *testing.T) {
	ck := testChecker()
	ck.src = noClients{}
	ck.writes(context.Background(), &plan.Plan{Changes: []plan.Change{{Address: "consumer.x", Kind: plan.KindEndpoint, Action: plan.Delete,
		Account: "a", Region: "us-east-1", ID: "vpce-1"}}})
	if len(ck.rep.Results) != 1 || ck.rep.Results[0].Status != Unknown || ck.rep.Results[0].Reason != "no clients for a in us-east-1" {
		t.Errorf("results %+v", ck.rep.Results)
	}
	if statementFor(iampolicy.Document{}, "ec2:X", "", "ec2:X") != nil {
		t.Error("a statement for an action no statement has")
	}
	onCreate := iampolicy.Statement{Sid: "OnCreate", Action: []string{"ec2:CreateTags"}, Resource: []string{"*"},
		Condition: map[string]map[string][]string{"StringEquals": {"ec2:CreateAction": {"CreatePlacementGroup"}}}}
	retag := iampolicy.Statement{Sid: "Retag", Action: []string{"ec2:CreateTags"}, Resource: []string{"*"}}
	doc := iampolicy.Document{Statement: []iampolicy.Statement{onCreate, retag}}
	if s := statementFor(doc, "ec2:CreateTags", "arn:aws:ec2:us-east-1:111:placement-group/g", "ec2:CreateTags"); s == nil || s.Sid != "Retag" {
		t.Errorf("a CreateTags call of its own: %+v, want Retag", s)
	}
	if s := statementFor(doc, "ec2:CreateTags", "arn:aws:ec2:us-east-1:111:placement-group/g", "ec2:CreatePlacementGroup"); s == nil || s.Sid != "OnCreate" {
		t.Errorf("CreateTags as part of a create: %+v, want OnCreate", s)
	}
	// A route table no statement names: not granted by the endpoint's
	// statement (which could never allow it).
	create := iampolicy.Statement{Sid: "Create", Action: []string{"ec2:CreateVpcEndpoint"}, Resource: []string{"arn:aws:ec2:us-east-1:111:vpc-endpoint/*"}}
	network := iampolicy.Statement{Sid: "Network", Action: []string{"ec2:CreateVpcEndpoint"}, Resource: []string{"arn:aws:ec2:us-east-1:111:route-table/rtb-1"}}
	net := iampolicy.Document{Statement: []iampolicy.Statement{create, network}}
	if s := statementFor(net, "ec2:CreateVpcEndpoint", "arn:aws:ec2:us-east-1:111:route-table/rtb-2", "ec2:CreateVpcEndpoint"); s != nil {
		t.Errorf("a route table no statement names: %+v, want none", s)
	}
	if s := statementFor(net, "ec2:CreateVpcEndpoint", "arn:aws:ec2:us-east-1:111:route-table/rtb-1", "ec2:CreateVpcEndpoint"); s == nil || s.Sid != "Network" {
		t.Errorf("a route table the policy names: %+v, want Network", s)
	}
	if !arnMatch("arn:aws:ec2:*:111:subnet/*", "arn:aws:ec2:us-east-1:111:subnet/subnet-1") || arnMatch("arn:aws:ec2:*:111:subnet/*", "arn:aws:ec2:us-east-1:222:subnet/s") {
		t.Error("arnMatch")
	}
	if errors.Is(errNothing, nil) || errNothing.Error() != "nothing to read" {
		t.Error("errNothing")
	}
}

// dependsOn lists a call's own statements, tag on create for its create
// action, vpce:AllowMultiRegion for actions AWS checks it with, in the
// call's region only; a CreateTags call of its own is not granted by a
// tag-on-create statement.
func TestDependsOn(t *testing.T) {
	st := func(sid, action, resource string, c map[string]map[string][]string) iampolicy.Statement {
		return iampolicy.Statement{Sid: sid, Action: []string{action}, Resource: []string{resource}, Condition: c}
	}
	onCreate := func(a string) map[string]map[string][]string {
		return map[string]map[string][]string{"StringEquals": {"ec2:CreateAction": {a}}}
	}
	doc := iampolicy.Document{Statement: []iampolicy.Statement{
		st("Create", "ec2:CreateVpcEndpoint", "arn:aws:ec2:us-east-1:1:vpc-endpoint/*", nil),
		st("CreateWest", "ec2:CreateVpcEndpoint", "arn:aws:ec2:us-west-2:1:vpc-endpoint/*", nil),
		st("Network", "ec2:CreateVpcEndpoint", "arn:aws:ec2:us-east-1:1:subnet/s", nil),
		st("TagOnCreate", "ec2:CreateTags", "arn:aws:ec2:us-east-1:1:vpc-endpoint/*", onCreate("CreateVpcEndpoint")),
		st("LeaseTag", "ec2:CreateTags", "arn:aws:ec2:us-east-1:1:placement-group/g", onCreate("CreatePlacementGroup")),
		st("Multi", "vpce:AllowMultiRegion", "arn:aws:ec2:us-east-1:1:vpc-endpoint/*", nil),
		st("Retag", "ec2:CreateTags", "arn:aws:ec2:us-east-1:1:vpc-endpoint/*", nil),
	}}
	sids := func(ss []iampolicy.Statement) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Sid)
		}
		return strings.Join(out, " ")
	}
	if got := sids(dependsOn(doc, "ec2:CreateVpcEndpoint", "us-east-1")); got != "Create Network TagOnCreate Multi" {
		t.Errorf("CreateVpcEndpoint depends on %q", got)
	}
	if got := sids(dependsOn(doc, "ec2:CreateTags", "us-east-1")); got != "Retag" {
		t.Errorf("CreateTags depends on %q", got)
	}
	if got := sids(dependsOn(doc, "ec2:DescribeVpcs", "us-east-1")); got != "" {
		t.Errorf("DescribeVpcs depends on %q", got)
	}
}

// AWS named the permission and resource, and two statements grant it under
// different conditions (endpoints to the manifest's providers, to named
// services): both are listed, neither asserted.
func TestExplainSeveralStatementsGrantIt(t *testing.T) {
	ctx := context.Background()
	ck := testChecker()
	ep := "arn:aws:ec2:us-east-1:111111111111:vpc-endpoint/*"
	ck.docs["a"] = iampolicy.Document{Statement: []iampolicy.Statement{
		{Sid: "PlinkCreateEndpointsUsEast1", Action: []string{"ec2:CreateVpcEndpoint"}, Resource: []string{ep}},
		{Sid: "PlinkCreateEndpointsToNamedServicesUsEast1", Action: []string{"ec2:CreateVpcEndpoint"}, Resource: []string{ep}},
		{Sid: "PlinkUseEndpointNetwork", Action: []string{"ec2:CreateVpcEndpoint"}, Resource: []string{"arn:aws:ec2:us-east-1:111111111111:subnet/s"}},
	}}
	w := &where{alias: "a", id: "111111111111", region: "us-east-1", c: fakeAWS(t, false,
		decodedAs(`{"allowed":false,"context":{"action":"ec2:CreateVpcEndpoint","resource":"arn:aws:ec2:us-east-1:111111111111:vpc-endpoint/*"}}`))}
	_, err := w.c.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	ck.record(ctx, w, "ec2:CreateVpcEndpoint", "consumer.s3", true, err)
	r := ck.rep.Results[0]
	if !r.Decoded || r.Statement != nil || r.Missing || len(r.Statements) != 2 || r.Statements[0].Sid != "PlinkCreateEndpointsUsEast1" ||
		r.Statements[1].Sid != "PlinkCreateEndpointsToNamedServicesUsEast1" {
		t.Errorf("result %+v", r)
	}
}
