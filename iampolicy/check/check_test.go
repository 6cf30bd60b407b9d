package check_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/iampolicy"
	"github.com/plinkdev/plink/iampolicy/check"
	"github.com/plinkdev/plink/lease"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
)

// v1 is applied (as an administrator) before the checks; v2 changes it in
// every way a check must ask about: a subnet added and one removed, a
// supported region removed, a principal added, a new endpoint to an AWS
// service, a notification's events.
const header = `version: 1
project: iam-check
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/plink" }
  checkout: { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/plink" }
`

const v1 = header + `providers:
  - name: payments-api
    account: payments
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"]
    supportedRegions: [us-west-2]
    allowedPrincipals: [{ account: checkout }]
    notifications:
      - { topicArn: "arn:aws:sns:us-east-1:111111111111:pl-events", events: [Connect] }
consumers:
  - name: checkout-payments
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]
    securityGroupIds: [sg-02100000000000001]
    provider: payments-api
`

const v2 = header + `providers:
  - name: payments-api
    account: payments
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"]
    allowedPrincipals: [{ account: checkout }, { arn: "arn:aws:iam::333333333333:role/ci" }]
    notifications:
      - { topicArn: "arn:aws:sns:us-east-1:111111111111:pl-events", events: [Connect, Accept] }
consumers:
  - name: checkout-payments
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000c]
    securityGroupIds: [sg-02100000000000001]
    provider: payments-api
  - name: checkout-s3
    account: checkout
    type: Gateway
    vpcId: vpc-02100000000000001
    routeTableIds: [rtb-02100000000000002]
    serviceName: com.amazonaws.us-east-1.s3
`

// request is one request the sandbox received.
type request struct {
	action string
	dryRun bool
}

// world is a sandbox behind a recorder, reached as the CLI reaches it: the
// operator assumes each account's role/plink.
type world struct {
	t   *testing.T
	sb  *sandbox.Sandbox
	url string
	mu  sync.Mutex
	log []request
}

func newWorld(t *testing.T) *world {
	t.Helper()
	sb, err := sandbox.New(sandbox.DefaultWorld(), sandbox.Options{AutoVerifyPrivateDNS: true})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, sb: sb}
	h := sb.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if q, err := url.ParseQuery(string(body)); err == nil && q.Get("Action") != "" {
			w.mu.Lock()
			w.log = append(w.log, request{action: q.Get("Action"), dryRun: q.Get("DryRun") == "true"})
			w.mu.Unlock()
		}
		h.ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	w.url = srv.URL
	return w
}

// mutations are the mutating requests made since the last call, and
// whether each carried DryRun=true.
func (w *world) mutations() []request {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []request
	for _, r := range w.log {
		if sandbox.IsMutating(r.action) {
			out = append(out, r)
		}
	}
	w.log = nil
	return out
}

func (w *world) manifest(text string) *manifest.Manifest {
	w.t.Helper()
	m, err := manifest.Parse("check.yaml", []byte(text))
	if err != nil {
		w.t.Fatal(err)
	}
	return m
}

func (w *world) resolver(m *manifest.Manifest) *awsenv.Resolver {
	w.t.Helper()
	key, secret, err := w.sb.OperatorCredentials()
	if err != nil {
		w.t.Fatal(err)
	}
	r, err := awsenv.New(context.Background(), m, awsenv.Options{
		Endpoint: w.url, Region: "us-east-1", RetryMaxAttempts: 3, // a loaded machine can cut a call short; a denial is never retried
		BaseCredentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(key, secret, "")),
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

func planOf(m *manifest.Manifest, r *awsenv.Resolver) func(ctx context.Context) (*plan.Plan, error) {
	return func(ctx context.Context) (*plan.Plan, error) {
		snap, err := live.Read(ctx, m, r, live.ReadOptions{})
		if err != nil {
			return nil, err
		}
		return plan.Compute(m, snap, plan.Options{}), nil
	}
}

// applyAsAdmin applies m with no policies attached.
func (w *world) applyAsAdmin(m *manifest.Manifest) {
	w.t.Helper()
	r := w.resolver(m)
	p, err := planOf(m, r)(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := apply.Run(context.Background(), p, apply.FromClientSource(r), apply.Options{PollInterval: time.Millisecond, Project: m.Project}); err != nil {
		w.t.Fatalf("apply: %v", err)
	}
}

// decodeStatement lets the check decode AWS's messages under the read
// policies, which do not grant it (apply's and connections' do:
// PlinkDecodeDenialReasons).
const decodeStatement = `{"Sid": "Decode", "Effect": "Allow", "Action": "sts:DecodeAuthorizationMessage", "Resource": "*"}`

// attach sets each account's role/plink policy to plink's policy for mode,
// without the statements named in drop (by Sid), plus extra statements.
func (w *world) attach(m *manifest.Manifest, mode iampolicy.Mode, drop map[string][]string, extra ...string) {
	w.t.Helper()
	docs, err := iampolicy.For(mode, m)
	if err != nil {
		w.t.Fatal(err)
	}
	for alias, d := range docs {
		d.Statement = slices.DeleteFunc(slices.Clone(d.Statement), func(s iampolicy.Statement) bool { return slices.Contains(drop[alias], s.Sid) })
		data, err := json.Marshal(d)
		if err != nil {
			w.t.Fatal(err)
		}
		doc := string(data)
		if len(extra) > 0 {
			doc = strings.TrimSuffix(strings.TrimSuffix(doc, "}"), "]") + "," + strings.Join(extra, ",") + "]}"
		}
		if err := w.sb.SetPolicies("arn:aws:iam::"+m.Accounts[alias].ID+":role/plink", doc); err != nil {
			w.t.Fatal(err)
		}
	}
}

func find(rep *check.Report, status check.Status, call string) *check.Result {
	for i := range rep.Results {
		if rep.Results[i].Status == status && rep.Results[i].Call == call {
			return &rep.Results[i]
		}
	}
	return nil
}

func dump(rep *check.Report) string {
	data, _ := json.MarshalIndent(rep, "", "  ")
	return string(data)
}

// The printed policy allows every call of the plan; the check asks with
// DryRun only and changes nothing.
func TestCheckUnderThePrintedPolicy(t *testing.T) {
	w := newWorld(t)
	w.applyAsAdmin(w.manifest(v1))
	m := w.manifest(v2)
	w.attach(m, iampolicy.Apply, nil)
	w.mutations()
	before := w.endpoints()
	r := w.resolver(m)
	rep, err := check.Run(context.Background(), r, check.Options{Mode: iampolicy.Apply, Manifest: m, Plan: planOf(m, r)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count(check.Denied) != 0 || rep.Count(check.Unknown) != 0 || rep.PlanError != "" || rep.Verdict != check.Allowed || rep.NotChecked != 0 {
		t.Fatalf("the printed policy is refused or unanswered:\n%s\ndenials: %+v", dump(rep), w.sb.Denials())
	}
	for _, call := range []string{"ec2:ModifyVpcEndpoint", "ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpointServiceConfiguration",
		"ec2:ModifyVpcEndpointServicePermissions", "ec2:ModifyVpcEndpointConnectionNotification", "ec2:CreatePlacementGroup",
		"ec2:DescribeVpcs", "elasticloadbalancing:DescribeLoadBalancers", "ec2:DescribeVpcEndpointServicePermissions"} {
		if find(rep, check.Allowed, call) == nil {
			t.Errorf("no allowed %s in the report: the check no longer asks about it\n%s", call, dump(rep))
		}
	}
	w.assertNothingChanged(before)
}

// assertNothingChanged: every mutating request carried DryRun, and the
// endpoints are as before.
func (w *world) assertNothingChanged(before string) {
	w.t.Helper()
	muts := w.mutations()
	if len(muts) == 0 {
		w.t.Error("no mutating call was asked about")
	}
	for _, r := range muts {
		if !r.dryRun {
			w.t.Errorf("%s was made without DryRun", r.action)
		}
	}
	if after := w.endpoints(); after != before {
		w.t.Errorf("the check changed the sandbox:\nbefore %s\nafter  %s", before, after)
	}
}

// endpoints is what exists, as one string.
func (w *world) endpoints() string {
	w.t.Helper()
	var b strings.Builder
	for _, acct := range []string{"payments", "checkout"} {
		key, secret, err := w.sb.Credentials(acct)
		if err != nil {
			w.t.Fatal(err)
		}
		cl := ec2.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(w.url),
			Credentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
		eps, err := cl.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{})
		if err != nil {
			w.t.Fatal(err)
		}
		for _, e := range eps.VpcEndpoints {
			b.WriteString(aws.ToString(e.VpcEndpointId) + ":" + strings.Join(e.SubnetIds, ",") + ";")
		}
		svcs, err := cl.DescribeVpcEndpointServiceConfigurations(context.Background(), &ec2.DescribeVpcEndpointServiceConfigurationsInput{})
		if err != nil {
			w.t.Fatal(err)
		}
		for _, s := range svcs.ServiceConfigurations {
			b.WriteString(aws.ToString(s.ServiceId) + ":")
			for _, r := range s.SupportedRegions {
				b.WriteString(aws.ToString(r.Region) + ",")
			}
		}
		pgs, err := cl.DescribePlacementGroups(context.Background(), &ec2.DescribePlacementGroupsInput{})
		if err != nil {
			w.t.Fatal(err)
		}
		for _, g := range pgs.PlacementGroups {
			b.WriteString(aws.ToString(g.GroupName) + ";")
		}
	}
	return b.String()
}

// With one statement missing, the check names the call, the action and
// resource AWS refused (decoded), and the statement to add.
func TestCheckNamesTheMissingStatement(t *testing.T) {
	w := newWorld(t)
	w.applyAsAdmin(w.manifest(v1))
	m := w.manifest(v2)
	w.attach(m, iampolicy.Apply, map[string][]string{"checkout": {"PlinkChangeEndpointNetwork"}}) // the apply policy decodes (PlinkDecodeDenialReasons)
	w.mutations()
	before := w.endpoints()
	r := w.resolver(m)
	rep, err := check.Run(context.Background(), r, check.Options{Mode: iampolicy.Apply, Manifest: m, Plan: planOf(m, r)})
	if err != nil {
		t.Fatal(err)
	}
	d := find(rep, check.Denied, "ec2:ModifyVpcEndpoint")
	if d == nil || rep.Count(check.Denied) != 1 || rep.Verdict != check.Denied {
		t.Fatalf("want one denial, of ec2:ModifyVpcEndpoint:\n%s", dump(rep))
	}
	if d.Account != "checkout" || d.Region != "us-east-1" || d.Change != "consumer.checkout-payments" || !d.DryRun || !d.Decoded ||
		d.Action != "ec2:ModifyVpcEndpoint" || !strings.HasPrefix(d.Resource, "arn:aws:ec2:us-east-1:222222222222:") ||
		d.Statement == nil || d.Statement.Sid != "PlinkChangeEndpointNetwork" || !strings.Contains(d.Reason, "no identity-based policy allows ec2:ModifyVpcEndpoint on arn:") {
		t.Errorf("denial %+v", d)
	}
	w.assertNothingChanged(before)
}

// Without sts:DecodeAuthorizationMessage the check says so, names the
// call, and lists every statement it depends on (its own, the network's,
// tag on create; vpce:AllowMultiRegion's too where the policy grants it:
// not here, the endpoint is not cross-region): AWS did not say which one
// it refused, so none is asserted.
func TestCheckWithoutDecodePermission(t *testing.T) {
	w := newWorld(t)
	w.applyAsAdmin(w.manifest(v1))
	m := w.manifest(v2)
	w.attach(m, iampolicy.Apply, map[string][]string{"checkout": {"PlinkCreateEndpointsToNamedServicesUsEast1", "PlinkDecodeDenialReasons"}})
	r := w.resolver(m)
	rep, err := check.Run(context.Background(), r, check.Options{Mode: iampolicy.Apply, Manifest: m, Plan: planOf(m, r)})
	if err != nil {
		t.Fatal(err)
	}
	d := find(rep, check.Denied, "ec2:CreateVpcEndpoint")
	if d == nil {
		t.Fatalf("no denial of CreateVpcEndpoint:\n%s", dump(rep))
	}
	var sids []string
	for _, s := range d.Statements {
		sids = append(sids, s.Sid)
	}
	if d.Decoded || !strings.Contains(d.DecodeNote, "sts:DecodeAuthorizationMessage") || d.Statement != nil || d.Missing ||
		!strings.Contains(d.Reason, "not decoded") ||
		!slices.Equal(sids, []string{"PlinkCreateEndpointsToNamedServicesUsEast1", "PlinkUseEndpointNetwork", "PlinkTagOnCreate"}) {
		t.Errorf("denial %+v (statements %v)", d, sids)
	}
}

// Reads refused are findings, not a crash: the plan cannot be made, and
// the report says why; ELB's AccessDenied names its action.
func TestCheckRefusedReads(t *testing.T) {
	w := newWorld(t)
	m := w.manifest(v2)
	w.attach(m, iampolicy.Plan, map[string][]string{"payments": {"PlinkRead"}}, decodeStatement)
	r := w.resolver(m)
	rep, err := check.Run(context.Background(), r, check.Options{Mode: iampolicy.Apply, Manifest: m, Plan: planOf(m, r)})
	if err != nil {
		t.Fatal(err)
	}
	vpcs := find(rep, check.Denied, "ec2:DescribeVpcs")
	lbs := find(rep, check.Denied, "elasticloadbalancing:DescribeLoadBalancers")
	if vpcs == nil || vpcs.Account != "payments" || !vpcs.Decoded || vpcs.Statement == nil || vpcs.Statement.Sid != "PlinkRead" {
		t.Errorf("DescribeVpcs: %+v\n%s", vpcs, dump(rep))
	}
	if lbs == nil || lbs.Action != "elasticloadbalancing:DescribeLoadBalancers" || lbs.Statement == nil || lbs.Statement.Sid != "PlinkRead" {
		t.Errorf("DescribeLoadBalancers: %+v", lbs)
	}
	// The plan policy has no lease: apply's lease calls are refused too.
	if find(rep, check.Denied, "ec2:CreatePlacementGroup") == nil {
		t.Errorf("the lease's create is not refused under the plan policy:\n%s", dump(rep))
	}
	if rep.PlanError == "" {
		t.Error("the plan was made although its reads are refused")
	}
}

// An answer that is neither allowed nor refused is Unknown, with AWS's
// words; so is an account whose clients cannot be made.
func TestCheckUnknownAnswers(t *testing.T) {
	w := newWorld(t)
	m := w.manifest(v2)
	w.sb.Inject(sandbox.Fault{Action: "DescribeSubnets", Account: "222222222222", Code: "InvalidParameterValue", Times: -1})
	r := w.resolver(m)
	rep, err := check.Run(context.Background(), r, check.Options{Mode: iampolicy.Plan, Manifest: m})
	if err != nil {
		t.Fatal(err)
	}
	u := find(rep, check.Unknown, "ec2:DescribeSubnets")
	if u == nil || u.Account != "checkout" || !strings.HasPrefix(u.Reason, "InvalidParameterValue") || rep.Count(check.Denied) != 0 {
		t.Errorf("unknown %+v\n%s", u, dump(rep))
	}
	rep, err = check.Run(context.Background(), failing{}, check.Options{Mode: iampolicy.Plan, Manifest: m})
	if err != nil {
		t.Fatal(err)
	}
	if c := find(rep, check.Unknown, "credentials"); c == nil || !strings.Contains(c.Reason, "no route to the sandbox") {
		t.Errorf("credentials failure: %+v", rep.Results)
	}
	if _, err := check.Run(context.Background(), r, check.Options{Mode: iampolicy.Plan}); err == nil || !strings.Contains(err.Error(), "needs a manifest") {
		t.Errorf("no manifest: %v", err)
	}
	if _, err := check.Run(context.Background(), r, check.Options{Mode: "nuke", Manifest: m}); err == nil {
		t.Error("an unknown mode was accepted")
	}
}

type failing struct{}

func (failing) ClientsFor(context.Context, string, string) (*awsenv.Clients, error) {
	return nil, errors.New("no route to the sandbox")
}

// A write on a resource the plan creates first is left for later, and the
// connections mode asks about the decisions only.
func TestCheckSkipsWhatThePlanCreatesAndConnectionsMode(t *testing.T) {
	w := newWorld(t)
	m := w.manifest(v1)
	w.attach(m, iampolicy.Apply, nil)
	r := w.resolver(m)
	rep, err := check.Run(context.Background(), r, check.Options{Mode: iampolicy.Apply, Manifest: m, Plan: planOf(m, r)})
	if err != nil {
		t.Fatal(err)
	}
	if s := find(rep, check.Skipped, "ec2:CreateVpcEndpoint"); s == nil || !strings.Contains(s.Reason, "provider.payments-api") {
		t.Errorf("endpoint to a service created in the run: %+v\n%s", s, dump(rep))
	}
	if find(rep, check.Allowed, "ec2:CreateVpcEndpointServiceConfiguration") == nil || rep.Count(check.Denied)+rep.Count(check.Unknown) != 0 {
		t.Errorf("creates:\n%s", dump(rep))
	}
	rep, err = check.Run(context.Background(), r, check.Options{Mode: iampolicy.Connections, Manifest: m, Plan: planOf(m, r)})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range rep.Results {
		if x.DryRun {
			t.Errorf("connections asked about %s, which is not a decision", x.Call)
		}
	}
}

// The lease's take-over and release are asked about, with DryRun, on its
// placement group while one exists; without one, the report says they
// were not asked. With PlinkLeaseManage and PlinkLeaseWithdraw missing,
// each is denied and the
// statement named; nothing changes (the group is still there).
func TestCheckAsksAboutTheLeaseRelease(t *testing.T) {
	w := newWorld(t)
	w.applyAsAdmin(w.manifest(v1))
	m := w.manifest(v2)
	home, region := lease.Home(m)
	w.attach(m, iampolicy.Apply, map[string][]string{home: {"PlinkLeaseManage", "PlinkLeaseWithdraw"}})
	r := w.resolver(m)
	run := func() *check.Report {
		t.Helper()
		rep, err := check.Run(context.Background(), r, check.Options{Mode: iampolicy.Apply, Manifest: m, Plan: planOf(m, r)})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := run()
	if !strings.Contains(rep.LeaseNote, "ec2:DeletePlacementGroup on placement-group/"+lease.Name(m.Project)) || find(rep, check.Denied, "ec2:DeletePlacementGroup") != nil ||
		rep.Count(check.Denied) != 0 {
		t.Fatalf("no lease: want the note and no denial\n%s", dump(rep))
	}

	// A run left its lease (as the lease package makes it).
	key, secret, err := w.sb.Credentials(home)
	if err != nil {
		t.Fatal(err)
	}
	admin := ec2.NewFromConfig(aws.Config{Region: region, BaseEndpoint: aws.String(w.url), Credentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
	if _, err := lease.Acquire(context.Background(), admin, lease.Scope{Project: m.Project, Account: home, Region: region}, lease.Options{Holder: "left"}); err != nil {
		t.Fatal(err)
	}
	w.mutations()
	rep = run()
	if rep.LeaseNote != "" {
		t.Errorf("a lease exists, yet: %s", rep.LeaseNote)
	}
	for call, sid := range map[string]string{"ec2:CreateTags": "PlinkLeaseManage", "ec2:DeleteTags": "PlinkLeaseWithdraw", "ec2:DeletePlacementGroup": "PlinkLeaseManage"} {
		d := find(rep, check.Denied, call)
		if d == nil || d.Change != "lease" || !d.DryRun || d.Account != home || d.Region != region || d.Statement == nil || d.Statement.Sid != sid ||
			!strings.Contains(d.Resource, ":placement-group/"+lease.Name(m.Project)) {
			t.Errorf("%s: want a DryRun denial on the lease's group naming %s, got %+v\n%s", call, sid, d, dump(rep))
		}
	}
	for _, mu := range w.mutations() {
		if !mu.dryRun {
			t.Errorf("%s was made without DryRun", mu.action)
		}
	}
	if info, err := lease.Peek(context.Background(), admin, lease.Scope{Project: m.Project, Account: home, Region: region}, time.Now()); err != nil || info == nil || info.Holder != "left" {
		t.Errorf("the lease changed: %+v %v", info, err)
	}

	// Under the printed policy the three are allowed.
	w.attach(m, iampolicy.Apply, nil)
	rep = run()
	for _, call := range []string{"ec2:CreateTags", "ec2:DeleteTags", "ec2:DeletePlacementGroup"} {
		if d := find(rep, check.Allowed, call); d == nil || d.Change != "lease" {
			t.Errorf("%s is not allowed on the lease under the printed policy\n%s", call, dump(rep))
		}
	}
}
