package export_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/export"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

const (
	payNLB   = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"
	anNLB    = "arn:aws:elasticloadbalancing:us-west-2:333333333333:loadbalancer/net/analytics-ingest/032000000005c0c1"
	topicARN = "arn:aws:sns:us-east-1:111111111111:pl-events"
)

var accounts = []export.Account{
	{Alias: "payments", ID: "111111111111"},
	{Alias: "checkout", ID: "222222222222"},
	{Alias: "analytics", ID: "333333333333"},
}

type world struct {
	srv     *sandboxtest.Server
	clients map[string]*sandboxtest.Clients // alias|region
}

func (w *world) ec2(t *testing.T, alias, region string) *ec2.Client {
	t.Helper()
	k := alias + "|" + region
	if w.clients[k] == nil {
		w.clients[k] = w.srv.Clients(t, alias, region)
	}
	return w.clients[k].EC2
}

func (w *world) source() export.ClientSource {
	return export.ClientSourceFunc(func(_ context.Context, account, region string) (export.EC2API, error) {
		key, secret, err := w.srv.Sandbox.Credentials(account)
		if err != nil {
			return nil, err
		}
		return ec2.NewFromConfig(w.srv.StaticConfig(key, secret, "", region)), nil
	})
}

func nameTag(rt types.ResourceType, name string, extra ...types.Tag) []types.TagSpecification {
	tags := append([]types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}}, extra...)
	return []types.TagSpecification{{ResourceType: rt, Tags: tags}}
}

// buildBrownfield makes, by hand and without plink tags, a service in
// payments (acceptance required, three principals, a notification) with two
// connected endpoints (one from checkout, one from an account that is not
// exported), a cross-account endpoint from analytics, an S3 endpoint in
// checkout and an untagged service in analytics us-west-2.
func buildBrownfield(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{srv: sandboxtest.Start(t), clients: map[string]*sandboxtest.Clients{}}
	pay := w.ec2(t, "payments", "us-east-1")
	svc, err := pay.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{payNLB},
		AcceptanceRequired:      aws.Bool(true),
		TagSpecifications:       nameTag(types.ResourceTypeVpcEndpointService, "Payments API", types.Tag{Key: aws.String("team"), Value: aws.String("payments")}),
	})
	if err != nil {
		t.Fatal(err)
	}
	svcID, svcName := aws.ToString(svc.ServiceConfiguration.ServiceId), aws.ToString(svc.ServiceConfiguration.ServiceName)
	if _, err := pay.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{
		ServiceId:            aws.String(svcID),
		AddAllowedPrincipals: []string{"arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root", "arn:aws:iam::333333333333:role/ci"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := pay.CreateVpcEndpointConnectionNotification(ctx, &ec2.CreateVpcEndpointConnectionNotificationInput{
		ServiceId: aws.String(svcID), ConnectionNotificationArn: aws.String(topicARN), ConnectionEvents: []string{"Connect", "Accept"},
	}); err != nil {
		t.Fatal(err)
	}
	co := w.ec2(t, "checkout", "us-east-1")
	ep, err := co.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
		VpcEndpointType: types.VpcEndpointTypeInterface, VpcId: aws.String("vpc-02100000000000001"), ServiceName: aws.String(svcName),
		SubnetIds: []string{"subnet-0210000000000000a", "subnet-0210000000000000b"}, SecurityGroupIds: []string{"sg-02100000000000001"},
		TagSpecifications: nameTag(types.ResourceTypeVpcEndpoint, "checkout-payments"),
	})
	if err != nil {
		t.Fatal(err)
	}
	an := w.ec2(t, "analytics", "us-east-1")
	ep2, err := an.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
		VpcEndpointType: types.VpcEndpointTypeInterface, VpcId: aws.String("vpc-03100000000000001"), ServiceName: aws.String(svcName),
		SubnetIds: []string{"subnet-0310000000000000a"}, SecurityGroupIds: []string{"sg-03100000000000001"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pay.AcceptVpcEndpointConnections(ctx, &ec2.AcceptVpcEndpointConnectionsInput{
		ServiceId: aws.String(svcID), VpcEndpointIds: []string{aws.ToString(ep.VpcEndpoint.VpcEndpointId), aws.ToString(ep2.VpcEndpoint.VpcEndpointId)},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := co.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
		VpcEndpointType: types.VpcEndpointTypeInterface, VpcId: aws.String("vpc-02100000000000001"), ServiceName: aws.String("com.amazonaws.us-east-1.s3"),
		SubnetIds: []string{"subnet-0210000000000000a"}, SecurityGroupIds: []string{"sg-02100000000000001"},
		PolicyDocument:    aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::artifacts/*"}]}`),
		TagSpecifications: nameTag(types.ResourceTypeVpcEndpoint, "Checkout S3"),
	}); err != nil {
		t.Fatal(err)
	}
	anWest := w.ec2(t, "analytics", "us-west-2")
	if _, err := anWest.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{anNLB},
	}); err != nil {
		t.Fatal(err)
	}
	return w
}

func readAndPlan(t *testing.T, w *world, m *manifest.Manifest) (*live.Snapshot, *plan.Plan) {
	t.Helper()
	src := live.APISourceFunc(func(_ context.Context, account, region string) (live.EC2API, live.ELBAPI, error) {
		c := w.srv.Clients(t, account, region)
		return c.EC2, c.ELB, nil
	})
	s, err := live.ReadAPIs(context.Background(), m, src, live.ReadOptions{})
	if err != nil {
		t.Fatalf("live read: %v", err)
	}
	return s, plan.Compute(m, s, plan.Options{})
}

func TestExportAdoptsEverythingAndConverges(t *testing.T) {
	w := buildBrownfield(t)
	ctx := context.Background()
	res, err := export.Export(ctx, accounts, []string{"us-east-1", "us-west-2"}, w.source(), export.Options{Project: "brownfield"})
	if err != nil {
		t.Fatal(err)
	}
	out := string(res.YAML)
	if !strings.HasPrefix(out, "# yaml-language-server: $schema="+export.SchemaURL+"\n") {
		t.Errorf("output does not start with the schema line:\n%s", out)
	}
	t.Logf("exported:\n%s", out)
	for _, want := range []string{
		"name: payments-api", "adopt: vpce-svc-", "provider: payments-api", "serviceName: com.amazonaws.us-east-1.s3",
		"- account: checkout", "- account: analytics", "arn: arn:aws:iam::333333333333:role/ci", "topicArn: " + topicARN,
		"name: checkout-s3", "s3:GetObject", "team: payments",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	m := res.Manifest
	if len(m.Providers) != 2 || len(m.Consumers) != 3 {
		t.Fatalf("exported %d providers and %d consumers, want 2 and 3", len(m.Providers), len(m.Consumers))
	}
	validateSchema(t, res.YAML)
	if _, err := manifest.Parse("again.yaml", res.YAML); err != nil {
		t.Fatalf("exported manifest does not load: %v", err)
	}

	_, p := readAndPlan(t, w, m)
	adopts := 0
	for _, c := range p.Changes {
		switch c.Action {
		case plan.Adopt:
			adopts++
		case plan.NoOp:
		default:
			t.Errorf("plan on the export has %s %s, want only adopt", c.Action, c.Address)
		}
	}
	for _, d := range p.Diagnostics {
		if d.Severity == plan.SeverityError {
			t.Errorf("plan error: %s: %s", d.Address, d.Message)
		}
	}
	if adopts != 5 {
		t.Errorf("%d adopt changes, want 5", adopts)
	}

	clients := apply.ClientsFunc(func(_ context.Context, account, region string) (apply.EC2API, error) {
		return w.srv.Clients(t, account, region).EC2, nil
	})
	if _, err := apply.Run(ctx, p, clients, apply.Options{PollInterval: time.Millisecond}); err != nil {
		t.Fatalf("apply: %v", err)
	}
	_, p2 := readAndPlan(t, w, m)
	for _, c := range p2.Changes {
		if c.Action != plan.NoOp {
			t.Errorf("after apply the plan still has %s %s", c.Action, c.Address)
		}
	}
}

func validateSchema(t *testing.T, data []byte) {
	t.Helper()
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	sch, err := jsonschema.NewCompiler().Compile("../schemas/manifest.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("exported manifest does not match schemas/manifest.schema.json: %v", err)
	}
}

func TestExportEmptyAccounts(t *testing.T) {
	w := &world{srv: sandboxtest.Start(t), clients: map[string]*sandboxtest.Clients{}}
	res, err := export.Export(context.Background(), accounts[:1], []string{"us-east-1"}, w.source(), export.Options{Project: "empty"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Manifest.Providers)+len(res.Manifest.Consumers) != 0 {
		t.Errorf("exported resources from an empty world:\n%s", res.YAML)
	}
}

func TestExportArgumentErrors(t *testing.T) {
	src := export.ClientSourceFunc(func(context.Context, string, string) (export.EC2API, error) {
		t.Fatal("no reads expected")
		return nil, nil
	})
	for _, tc := range []struct {
		name     string
		accounts []export.Account
		regions  []string
		project  string
		want     string
	}{
		{"bad project", accounts, []string{"us-east-1"}, "Bad Project", `invalid project "Bad Project"`},
		{"no accounts", nil, []string{"us-east-1"}, "p", "no accounts to export"},
		{"no regions", accounts, nil, "p", "no regions to export"},
		{"bad id", []export.Account{{Alias: "x", ID: "12"}}, []string{"us-east-1"}, "p", `account x: invalid id "12"`},
		{"bad alias", []export.Account{{Alias: "X!", ID: "111111111111"}}, []string{"us-east-1"}, "p", `invalid account alias "X!"`},
		{"dup alias", []export.Account{{Alias: "x", ID: "111111111111"}, {Alias: "x", ID: "222222222222"}}, []string{"us-east-1"}, "p", `account alias "x" given twice`},
	} {
		_, err := export.Export(context.Background(), tc.accounts, tc.regions, src, export.Options{Project: tc.project})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestExportReadFailuresNameTheAccount(t *testing.T) {
	w := buildBrownfield(t)
	src := export.ClientSourceFunc(func(ctx context.Context, account, region string) (export.EC2API, error) {
		if account == "analytics" {
			return nil, errors.New("AccessDenied: not authorized to perform sts:AssumeRole")
		}
		return w.source().EC2(ctx, account, region)
	})
	_, err := export.Export(context.Background(), accounts, []string{"us-east-1", "us-west-2"}, src, export.Options{Project: "p"})
	var re *export.ReadError
	if !errors.As(err, &re) {
		t.Fatalf("error %v, want a *ReadError", err)
	}
	if len(re.Failures) != 2 || !strings.Contains(err.Error(), "account analytics (333333333333) region us-east-1") {
		t.Errorf("error does not name both analytics regions:\n%v", err)
	}
}

// denyingEC2 fails one call, to prove every call's error is reported.
type denyingEC2 struct {
	export.EC2API
	call string
}

func (d denyingEC2) fail(call string) error {
	if d.call == call {
		return errors.New("UnauthorizedOperation: You are not authorized to perform this operation")
	}
	return nil
}

func (d denyingEC2) DescribeVpcEndpointServiceConfigurations(ctx context.Context, in *ec2.DescribeVpcEndpointServiceConfigurationsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServiceConfigurationsOutput, error) {
	if err := d.fail("DescribeVpcEndpointServiceConfigurations"); err != nil {
		return nil, err
	}
	return d.EC2API.DescribeVpcEndpointServiceConfigurations(ctx, in, o...)
}

func (d denyingEC2) DescribeVpcEndpointServicePermissions(ctx context.Context, in *ec2.DescribeVpcEndpointServicePermissionsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServicePermissionsOutput, error) {
	if err := d.fail("DescribeVpcEndpointServicePermissions"); err != nil {
		return nil, err
	}
	return d.EC2API.DescribeVpcEndpointServicePermissions(ctx, in, o...)
}

func (d denyingEC2) DescribeVpcEndpointConnectionNotifications(ctx context.Context, in *ec2.DescribeVpcEndpointConnectionNotificationsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointConnectionNotificationsOutput, error) {
	if err := d.fail("DescribeVpcEndpointConnectionNotifications"); err != nil {
		return nil, err
	}
	return d.EC2API.DescribeVpcEndpointConnectionNotifications(ctx, in, o...)
}

func (d denyingEC2) DescribeVpcEndpointConnections(ctx context.Context, in *ec2.DescribeVpcEndpointConnectionsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointConnectionsOutput, error) {
	if err := d.fail("DescribeVpcEndpointConnections"); err != nil {
		return nil, err
	}
	return d.EC2API.DescribeVpcEndpointConnections(ctx, in, o...)
}

func (d denyingEC2) DescribeVpcEndpoints(ctx context.Context, in *ec2.DescribeVpcEndpointsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error) {
	if err := d.fail("DescribeVpcEndpoints"); err != nil {
		return nil, err
	}
	return d.EC2API.DescribeVpcEndpoints(ctx, in, o...)
}

func TestExportEveryCallFailureIsReported(t *testing.T) {
	w := buildBrownfield(t)
	for _, call := range []string{
		"DescribeVpcEndpointServiceConfigurations", "DescribeVpcEndpointServicePermissions",
		"DescribeVpcEndpointConnectionNotifications", "DescribeVpcEndpointConnections", "DescribeVpcEndpoints",
	} {
		src := export.ClientSourceFunc(func(ctx context.Context, account, region string) (export.EC2API, error) {
			api, err := w.source().EC2(ctx, account, region)
			return denyingEC2{EC2API: api, call: call}, err
		})
		_, err := export.Export(context.Background(), accounts[:1], []string{"us-east-1"}, src, export.Options{Project: "p"})
		if err == nil || !strings.Contains(err.Error(), "export: "+call+" in account payments (111111111111) region us-east-1: UnauthorizedOperation") {
			t.Errorf("%s denied: error %v", call, err)
		}
	}
}

// Resources another plink project manages are left out, with a note: the
// export must not hand them to a second owner.
func TestExportSkipsOtherProjects(t *testing.T) {
	ctx := context.Background()
	w := &world{srv: sandboxtest.Start(t), clients: map[string]*sandboxtest.Clients{}}
	pay := w.ec2(t, "payments", "us-east-1")
	svc, err := pay.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{payNLB},
		TagSpecifications: nameTag(types.ResourceTypeVpcEndpointService, "theirs",
			types.Tag{Key: aws.String("plink:project"), Value: aws.String("other")}),
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(svc.ServiceConfiguration.ServiceId)
	res, err := export.Export(ctx, accounts[:1], []string{"us-east-1"}, w.source(), export.Options{Project: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(res.YAML), id) {
		t.Errorf("exported %s, which project other manages:\n%s", id, res.YAML)
	}
	want := id + " in payments us-east-1 left out: plink project other manages it"
	if !slices.Contains(res.Notes, want) {
		t.Errorf("notes %q lack %q", res.Notes, want)
	}
}

// A connection nobody accepted stays unaccepted: the exported provider says
// acceptDeclared: false, a note tells how to accept, and the first plan only
// adopts.
func TestExportLeavesPendingConnectionsPending(t *testing.T) {
	ctx := context.Background()
	w := buildBrownfield(t)
	pay := w.ec2(t, "payments", "us-east-1")
	svcs, err := pay.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var svcName string
	for _, s := range svcs.ServiceConfigurations {
		if len(s.NetworkLoadBalancerArns) > 0 && s.NetworkLoadBalancerArns[0] == payNLB {
			svcName = aws.ToString(s.ServiceName)
		}
	}
	co := w.ec2(t, "checkout", "us-east-1")
	ep, err := co.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
		VpcEndpointType: types.VpcEndpointTypeInterface, VpcId: aws.String("vpc-02100000000000001"), ServiceName: aws.String(svcName),
		SubnetIds: []string{"subnet-0210000000000000c"}, SecurityGroupIds: []string{"sg-02100000000000001"},
	})
	if err != nil {
		t.Fatal(err)
	}
	pendingID := aws.ToString(ep.VpcEndpoint.VpcEndpointId)
	res, err := export.Export(ctx, accounts, []string{"us-east-1", "us-west-2"}, w.source(), export.Options{Project: "brownfield"})
	if err != nil {
		t.Fatal(err)
	}
	noted := false
	for _, n := range res.Notes {
		noted = noted || strings.Contains(n, pendingID) && strings.Contains(n, "acceptDeclared is false")
	}
	if !noted {
		t.Errorf("no note about the pending connection %s: %q", pendingID, res.Notes)
	}
	_, p := readAndPlan(t, w, res.Manifest)
	for _, c := range p.Changes {
		if c.Action != plan.Adopt && c.Action != plan.NoOp {
			t.Errorf("plan on the export has %s %s, want only adopt", c.Action, c.Address)
		}
	}
}

// Every state AWS reports, through live.EndpointPhase and ServicePhase: a
// deleted endpoint or service is not there (no manifest entry, no note);
// one being deleted, rejected, expired or failed is left out with a note;
// the rest are adopted. A connection counts for acceptFrom while it is
// usable or settling, keeps acceptDeclared false while it waits, and is
// ignored otherwise.
func TestExportStates(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (w *world, svcID, epID string) {
		w = &world{srv: sandboxtest.Start(t), clients: map[string]*sandboxtest.Clients{}}
		pay := w.ec2(t, "payments", "us-east-1")
		svc, err := pay.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
			NetworkLoadBalancerArns: []string{payNLB}, AcceptanceRequired: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		svcID = aws.ToString(svc.ServiceConfiguration.ServiceId)
		if _, err := pay.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: aws.String(svcID),
			AddAllowedPrincipals: []string{"arn:aws:iam::222222222222:root"}}); err != nil {
			t.Fatal(err)
		}
		ep, err := w.ec2(t, "checkout", "us-east-1").CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
			VpcEndpointType: types.VpcEndpointTypeInterface, VpcId: aws.String("vpc-02100000000000001"),
			ServiceName: svc.ServiceConfiguration.ServiceName, SubnetIds: []string{"subnet-0210000000000000a"}, SecurityGroupIds: []string{"sg-02100000000000001"}})
		if err != nil {
			t.Fatal(err)
		}
		return w, svcID, aws.ToString(ep.VpcEndpoint.VpcEndpointId)
	}
	noted := func(notes []string, id string) string {
		for _, n := range notes {
			if strings.HasPrefix(n, id+" ") {
				return n
			}
		}
		return ""
	}

	for _, tc := range []struct {
		state   string
		adopted bool   // the endpoint is in the manifest
		note    string // the note about it, if any
		// with checkout not exported: the connection is accepted from
		// checkout, or left waiting (acceptDeclared false), or neither
		acceptFrom, waiting bool
	}{
		{state: "pendingAcceptance", adopted: true, waiting: true},
		{state: "pending", adopted: true, acceptFrom: true},
		{state: "available", adopted: true, acceptFrom: true},
		{state: "rejected", note: "left out: it is rejected"},
		{state: "expired", note: "left out: it is expired"},
		{state: "failed", note: "left out: it is failed"},
		{state: "deleting", note: "left out: it is deleting"},
		{state: "deleted"},
	} {
		t.Run("endpoint "+tc.state, func(t *testing.T) {
			w, _, epID := setup(t)
			if err := w.srv.Sandbox.ForceEndpointState(epID, tc.state); err != nil {
				t.Fatal(err)
			}
			res, err := export.Export(ctx, accounts, []string{"us-east-1"}, w.source(), export.Options{Project: "states"})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(string(res.YAML), epID); got != tc.adopted {
				t.Errorf("endpoint in the manifest: %v, want %v\n%s", got, tc.adopted, res.YAML)
			}
			n := noted(res.Notes, epID)
			if (tc.note == "") != (n == "") || !strings.Contains(n, tc.note) {
				t.Errorf("note %q, want one with %q", n, tc.note)
			}

			// The provider's side alone: checkout is not exported.
			res, err = export.Export(ctx, accounts[:1], []string{"us-east-1"}, w.source(), export.Options{Project: "states"})
			if err != nil {
				t.Fatal(err)
			}
			p := res.Manifest.Providers[0]
			if got := slices.Contains(p.Connections.AcceptFrom, "checkout") || slices.Contains(p.Connections.AcceptFrom, "222222222222"); got != tc.acceptFrom {
				t.Errorf("acceptFrom %v, want checkout there: %v", p.Connections.AcceptFrom, tc.acceptFrom)
			}
			if got := p.Connections.AcceptDeclared != nil && !*p.Connections.AcceptDeclared; got != tc.waiting {
				t.Errorf("acceptDeclared false: %v, want %v", got, tc.waiting)
			}
		})
	}

	for _, tc := range []struct {
		state   string
		adopted bool
		note    string
	}{
		{state: "Pending", adopted: true},
		{state: "Available", adopted: true},
		{state: "Failed", note: "left out: it is Failed"},
		{state: "Deleting", note: "left out: it is Deleting"},
		{state: "Deleted"},
	} {
		t.Run("service "+tc.state, func(t *testing.T) {
			w, svcID, _ := setup(t)
			if err := w.srv.Sandbox.ForceServiceState(svcID, tc.state); err != nil {
				t.Fatal(err)
			}
			res, err := export.Export(ctx, accounts[:1], []string{"us-east-1"}, w.source(), export.Options{Project: "states"})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(string(res.YAML), svcID); got != tc.adopted {
				t.Errorf("service in the manifest: %v, want %v\n%s", got, tc.adopted, res.YAML)
			}
			n := noted(res.Notes, svcID)
			if (tc.note == "") != (n == "") || !strings.Contains(n, tc.note) {
				t.Errorf("note %q, want one with %q", n, tc.note)
			}
		})
	}
}

// Exporting into a project that already exists says that a plan of the
// result deletes what the project has where the export did not look.
func TestExportIntoAnExistingProjectWarns(t *testing.T) {
	ctx := context.Background()
	w := &world{srv: sandboxtest.Start(t), clients: map[string]*sandboxtest.Clients{}}
	pay := w.ec2(t, "payments", "us-east-1")
	if _, err := pay.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{payNLB},
		TagSpecifications: nameTag(types.ResourceTypeVpcEndpointService, "api",
			types.Tag{Key: aws.String("plink:project"), Value: aws.String("mine")}),
	}); err != nil {
		t.Fatal(err)
	}
	res, err := export.Export(ctx, accounts[:1], []string{"us-east-1"}, w.source(), export.Options{Project: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	want := "project mine already exists: its plink:project tag is on 1 resource here"
	if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.HasPrefix(n, want) }) {
		t.Errorf("notes %q lack %q", res.Notes, want)
	}
	res, err = export.Export(ctx, accounts[:1], []string{"us-east-1"}, w.source(), export.Options{Project: "fresh"})
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "already exists") }) {
		t.Errorf("a new project is warned of: %q", res.Notes)
	}
}
