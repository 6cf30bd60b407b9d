package apply

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

const (
	nlbEast = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"
	pCheck  = "arn:aws:iam::222222222222:root"
	pAnal   = "arn:aws:iam::333333333333:root"
)

func fastOpts() Options {
	return Options{PollInterval: time.Millisecond, ServiceTimeout: 5 * time.Second, EndpointTimeout: 5 * time.Second, DeleteTimeout: 5 * time.Second}
}

// fullPlan: a provider in payments/us-east-1 requiring acceptance, two
// principals, a consumer in checkout (private DNS after accept), a
// cross-region consumer in analytics/us-west-2, both accepted, a
// notification, and an endpoint to an AWS-managed service.
func fullPlan() *plan.Plan {
	return &plan.Plan{FormatVersion: plan.FormatVersion, Project: "demo", Changes: []plan.Change{
		{Address: "provider.api", Kind: plan.KindService, Action: plan.Create, Account: "payments", AccountID: "111111111111", Region: "us-east-1",
			After: &plan.Values{NetworkLoadBalancerARNs: []string{nlbEast}, AcceptanceRequired: aws.Bool(true),
				SupportedRegions: []string{"us-west-2"}, Tags: map[string]string{"team": "platform"}}},
		{Address: "provider.api.principal[" + pCheck + "]", Kind: plan.KindPrincipal, Action: plan.Create, Account: "payments", AccountID: "111111111111",
			Region: "us-east-1", Parent: "provider.api", After: &plan.Values{Principal: pCheck}},
		{Address: "provider.api.principal[" + pAnal + "]", Kind: plan.KindPrincipal, Action: plan.Create, Account: "payments", AccountID: "111111111111",
			Region: "us-east-1", Parent: "provider.api", After: &plan.Values{Principal: pAnal}},
		{Address: "consumer.web", Kind: plan.KindEndpoint, Action: plan.Create, Account: "checkout", AccountID: "222222222222", Region: "us-east-1",
			Refs: map[string]string{"serviceName": "provider.api"}, PrivateDNSAfterAccept: true, DependsOn: []string{"provider.api"},
			After: &plan.Values{VPCID: "vpc-02100000000000001", SubnetIDs: []string{"subnet-0210000000000000a"}, SecurityGroupIDs: []string{"sg-02100000000000001"},
				PrivateDNSEnabled: aws.Bool(true), Tags: map[string]string{"app": "web"}}},
		{Address: "consumer.west", Kind: plan.KindEndpoint, Action: plan.Create, Account: "analytics", AccountID: "333333333333", Region: "us-west-2",
			Refs: map[string]string{"serviceName": "provider.api"},
			After: &plan.Values{VPCID: "vpc-03200000000000001", ServiceRegion: "us-east-1", SubnetIDs: []string{"subnet-0320000000000000a"},
				SecurityGroupIDs: []string{"sg-03200000000000001"}, PrivateDNSEnabled: aws.Bool(false)}},
		{Address: "provider.api.connection[consumer.web]", Kind: plan.KindConnection, Action: plan.Accept, Account: "payments", AccountID: "111111111111",
			Region: "us-east-1", Parent: "provider.api", Refs: map[string]string{"endpointId": "consumer.web"}},
		{Address: "provider.api.connection[consumer.west]", Kind: plan.KindConnection, Action: plan.Accept, Account: "payments", AccountID: "111111111111",
			Region: "us-east-1", Parent: "provider.api", Refs: map[string]string{"endpointId": "consumer.west"}},
		{Address: "provider.api.notification[0]", Kind: plan.KindNotification, Action: plan.Create, Account: "payments", AccountID: "111111111111",
			Region: "us-east-1", Parent: "provider.api", After: &plan.Values{TopicARN: "arn:aws:sns:us-east-1:111111111111:pl", Events: []string{"Connect"}}},
		{Address: "consumer.unrelated", Kind: plan.KindEndpoint, Action: plan.NoOp, Account: "checkout", Region: "us-east-1"},
	}}
}

// withManaged adds an endpoint to a service outside the manifest.
func withManaged(p *plan.Plan, w *fakeWorld) *plan.Plan {
	w.services["vpce-svc-managed"] = &fakeService{account: "999999999999", region: "us-east-1", cfg: fakeServiceCfg("vpce-svc-managed", "com.amazonaws.us-east-1.s3")}
	p.Changes = append(p.Changes, plan.Change{Address: "consumer.s3", Kind: plan.KindEndpoint, Action: plan.Create, Account: "analytics",
		AccountID: "333333333333", Region: "us-east-1",
		After: &plan.Values{VPCID: "vpc-03100000000000001", ServiceName: "com.amazonaws.us-east-1.s3", SubnetIDs: []string{"subnet-0310000000000000b"}}})
	return p
}

func run(t *testing.T, w *fakeWorld, p *plan.Plan, opts Options) (*Result, error) {
	t.Helper()
	return Run(context.Background(), p, w.clients(), opts)
}

func statusOf(t *testing.T, r *Result, addr string) ChangeResult {
	t.Helper()
	for _, c := range r.Changes {
		if c.Address == addr {
			return c
		}
	}
	t.Fatalf("no result for %s in %+v", addr, r.Changes)
	return ChangeResult{}
}

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}

func lastIndexOf(xs []string, x string) int {
	for i := len(xs) - 1; i >= 0; i-- {
		if xs[i] == x {
			return i
		}
	}
	return -1
}

func TestRunFullTopology(t *testing.T) {
	w := newFakeWorld()
	var mu sync.Mutex
	var events []Event
	opts := fastOpts()
	opts.Events = func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() }
	res, err := run(t, w, fullPlan(), opts)
	if err != nil {
		t.Fatalf("Run: %v\n%+v", err, res)
	}
	for _, c := range res.Changes {
		if c.Status != StatusDone {
			t.Errorf("%s: %s %+v", c.Address, c.Status, c.Error)
		}
	}
	if len(res.Changes) != 8 {
		t.Errorf("no-op changes must not be in the result: got %d changes", len(res.Changes))
	}
	acts := w.actions(true)
	order := []string{"CreateVpcEndpointServiceConfiguration", "ModifyVpcEndpointServicePermissions", "CreateVpcEndpoint",
		"AcceptVpcEndpointConnections", "ModifyVpcEndpoint"}
	for i := 1; i < len(order); i++ {
		if lastIndexOf(acts, order[i-1]) > indexOf(acts, order[i]) {
			t.Errorf("%s must come after every %s: %v", order[i], order[i-1], acts)
		}
	}
	if lastIndexOf(acts, "CreateVpcEndpointServiceConfiguration") > indexOf(acts, "CreateVpcEndpointConnectionNotification") {
		t.Errorf("notification before service: %v", acts)
	}

	// Principals batched into one call, accepts into one call with both ids.
	perms := w.callsOf("ModifyVpcEndpointServicePermissions")
	if len(perms) != 1 || len(perms[0].Input.(*ec2.ModifyVpcEndpointServicePermissionsInput).AddAllowedPrincipals) != 2 {
		t.Errorf("principals: want one call adding two, got %+v", perms)
	}
	acc := w.callsOf("AcceptVpcEndpointConnections")
	if len(acc) != 1 {
		t.Fatalf("accept calls: %d, want 1", len(acc))
	}
	ain := acc[0].Input.(*ec2.AcceptVpcEndpointConnectionsInput)
	if acc[0].Account != "111111111111" || len(ain.VpcEndpointIds) != 2 || aws.ToString(ain.ServiceId) != res.Created["provider.api"] {
		t.Errorf("accept: %+v %+v", acc[0], ain)
	}

	// Refs resolved: consumers use the service name created in this run.
	svcName := aws.ToString(w.services[res.Created["provider.api"]].cfg.ServiceName)
	for _, c := range w.callsOf("CreateVpcEndpoint") {
		in := c.Input.(*ec2.CreateVpcEndpointInput)
		if aws.ToString(in.ServiceName) != svcName {
			t.Errorf("CreateVpcEndpoint service name %q, want %q", aws.ToString(in.ServiceName), svcName)
		}
		if aws.ToString(in.ClientToken) == "" || len(aws.ToString(in.ClientToken)) > 64 {
			t.Errorf("bad client token %q", aws.ToString(in.ClientToken))
		}
		tags := tagsMap(specTags(in.TagSpecifications))
		if tags[live.TagProject] != "demo" || tags[live.TagName] == "" {
			t.Errorf("ownership tags missing: %v", tags)
		}
		switch c.Account {
		case "222222222222":
			if aws.ToBool(in.PrivateDnsEnabled) {
				t.Errorf("consumer.web must be created with private DNS off")
			}
			if tags["app"] != "web" || tags[live.TagName] != "web" {
				t.Errorf("consumer.web tags: %v", tags)
			}
		case "333333333333":
			if aws.ToString(in.ServiceRegion) != "us-east-1" || c.Region != "us-west-2" {
				t.Errorf("cross-region consumer: region %s serviceRegion %q", c.Region, aws.ToString(in.ServiceRegion))
			}
		}
	}
	web := w.endpoints[res.Created["consumer.web"]]
	if !aws.ToBool(web.ep.PrivateDnsEnabled) || web.ep.State != "available" {
		t.Errorf("consumer.web: private DNS %v state %s", aws.ToBool(web.ep.PrivateDnsEnabled), web.ep.State)
	}
	svcTags := tagsMap(w.services[res.Created["provider.api"]].cfg.Tags)
	if svcTags[live.TagName] != "api" || svcTags["team"] != "platform" {
		t.Errorf("service tags %v", svcTags)
	}
	for _, a := range []string{"provider.api", "consumer.web", "consumer.west", "provider.api.notification[0]"} {
		if res.Created[a] == "" {
			t.Errorf("no created id for %s: %v", a, res.Created)
		}
	}
	if s := res.Summary(); s.Added != 6 || s.Accepted != 2 || s.Done != 8 {
		t.Errorf("summary %+v", s)
	}
	var buf bytes.Buffer
	if err := WriteSummary(&buf, res); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "Apply complete: 6 added, 0 changed, 0 destroyed, 2 accepted, 0 rejected.\n"; got != want {
		t.Errorf("summary text %q, want %q", got, want)
	}
	phases := map[Progress]int{}
	for _, e := range events {
		phases[e.Progress]++
		if e.Address == "" || e.Action == "" {
			t.Errorf("event without address/action: %+v", e)
		}
	}
	if phases[ProgressStarted] == 0 || phases[ProgressWaiting] == 0 || phases[ProgressDone] == 0 || phases[ProgressFailed] != 0 {
		t.Errorf("event phases %v", phases)
	}
}

func TestRunIsIdempotentThroughClientTokens(t *testing.T) {
	w := newFakeWorld()
	r1, err := run(t, w, fullPlan(), fastOpts())
	if err != nil {
		t.Fatal(err)
	}
	nsvc, nep := len(w.services), len(w.endpoints)
	// The same plan applied again (a retried apply) returns the same resources.
	r2, _ := run(t, w, fullPlan(), fastOpts())
	if len(w.services) != nsvc || len(w.endpoints) != nep {
		t.Errorf("repeated creates made new resources: %d/%d services, %d/%d endpoints", len(w.services), nsvc, len(w.endpoints), nep)
	}
	for _, a := range []string{"provider.api", "consumer.web", "consumer.west"} {
		if r1.Created[a] != r2.Created[a] {
			t.Errorf("%s: %s then %s", a, r1.Created[a], r2.Created[a])
		}
	}
}

func TestClientToken(t *testing.T) {
	in := &ec2.CreateVpcEndpointInput{VpcId: aws.String("vpc-1"), ServiceName: aws.String("svc")}
	a := ClientToken("p", "consumer.a", "create", in)
	if a != ClientToken("p", "consumer.a", "create", in) {
		t.Error("not deterministic")
	}
	if len(a) > 64 || !strings.HasPrefix(a, "plink-") {
		t.Errorf("token %q", a)
	}
	other := []string{
		ClientToken("q", "consumer.a", "create", in),
		ClientToken("p", "consumer.b", "create", in),
		ClientToken("p", "consumer.a", "replace:vpce-1", in),
		ClientToken("p", "consumer.a", "create", &ec2.CreateVpcEndpointInput{VpcId: aws.String("vpc-2"), ServiceName: aws.String("svc")}),
	}
	for i, o := range other {
		if o == a {
			t.Errorf("variant %d gives the same token", i)
		}
	}
	if ClientToken("p", "x", "create", func() {}) == "" {
		t.Error("unencodable params must still give a token")
	}
}

func TestPartialFailureConsumer(t *testing.T) {
	w := newFakeWorld()
	w.injectFault("CreateVpcEndpoint|222222222222", "InvalidSubnetID.NotFound", 1)
	p := withManaged(fullPlan(), w)
	res, err := run(t, w, p, fastOpts())
	if !errors.Is(err, ErrFailed) {
		t.Fatalf("err %v, want ErrFailed", err)
	}
	web := statusOf(t, res, "consumer.web")
	if web.Status != StatusFailed || web.Error == nil || web.Error.Code != "InvalidSubnetID.NotFound" ||
		web.Error.Call != "CreateVpcEndpoint" || !strings.Contains(web.Error.Hint, "checkout") {
		t.Errorf("consumer.web: %+v %+v", web, web.Error)
	}
	acc := statusOf(t, res, "provider.api.connection[consumer.web]")
	if acc.Status != StatusNotAttempted || !strings.Contains(acc.Reason, "consumer.web") {
		t.Errorf("accept of failed consumer: %+v", acc)
	}
	for _, a := range []string{"provider.api", "consumer.west", "provider.api.connection[consumer.west]", "provider.api.notification[0]", "consumer.s3"} {
		if c := statusOf(t, res, a); c.Status != StatusDone {
			t.Errorf("%s: %s %+v (independent work must go on)", a, c.Status, c.Error)
		}
	}
	var buf bytes.Buffer
	_ = WriteSummary(&buf, res)
	out := buf.String()
	for _, want := range []string{"Apply failed: 1 failed, 1 not attempted", "Failed:", "InvalidSubnetID.NotFound", "hint:",
		"Not attempted:", "depends on consumer.web, which failed", "Done:", "plink plan again"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	// Re-applying a plan of what is left finishes the job.
	left := &plan.Plan{Project: "demo"}
	for _, c := range p.Changes {
		if c.Address == "consumer.web" || c.Address == "provider.api.connection[consumer.web]" {
			c.Refs = map[string]string{}
			if c.Kind == plan.KindEndpoint {
				c.After.ServiceName = aws.ToString(w.services[res.Created["provider.api"]].cfg.ServiceName)
			} else {
				c.ParentID = res.Created["provider.api"]
				c.Refs["endpointId"] = "consumer.web"
			}
			left.Changes = append(left.Changes, c)
		}
	}
	res2, err := run(t, w, left, fastOpts())
	if err != nil {
		t.Fatalf("second run: %v %+v", err, res2.Changes)
	}
}

func TestPartialFailureService(t *testing.T) {
	w := newFakeWorld()
	w.injectFault("CreateVpcEndpointServiceConfiguration", "InvalidParameter", 1)
	res, err := run(t, w, withManaged(fullPlan(), w), fastOpts())
	if !errors.Is(err, ErrFailed) {
		t.Fatalf("err %v", err)
	}
	if c := statusOf(t, res, "provider.api"); c.Status != StatusFailed || c.Error.Code != "InvalidParameter" {
		t.Errorf("provider: %+v", c)
	}
	for _, c := range res.Changes {
		if strings.HasPrefix(c.Address, "provider.api.") || c.Address == "consumer.web" || c.Address == "consumer.west" {
			if c.Status != StatusNotAttempted || !strings.Contains(c.Reason, "provider.api") {
				t.Errorf("%s: %s %q", c.Address, c.Status, c.Reason)
			}
		}
	}
	if c := statusOf(t, res, "consumer.s3"); c.Status != StatusDone {
		t.Errorf("independent consumer: %+v", c)
	}
	if n := len(w.callsOf("CreateVpcEndpoint")); n != 1 {
		t.Errorf("CreateVpcEndpoint calls %d, want 1 (only the independent consumer)", n)
	}
}

func TestAcceptUnsuccessfulItem(t *testing.T) {
	w := newFakeWorld()
	// The fake numbers ids in creation order: service 1, endpoints next.
	res, err := func() (*Result, error) {
		w.unsuccessful["*"] = "InvalidVpcEndpointState"
		return run(t, w, fullPlan(), fastOpts())
	}()
	if !errors.Is(err, ErrFailed) {
		t.Fatalf("err %v", err)
	}
	failedAccepts := 0
	for _, a := range []string{"provider.api.connection[consumer.web]", "provider.api.connection[consumer.west]"} {
		c := statusOf(t, res, a)
		if c.Status == StatusFailed {
			failedAccepts++
			if c.Error.Code != "InvalidVpcEndpointState" || c.Error.Call != "AcceptVpcEndpointConnections" {
				t.Errorf("%s error %+v", a, c.Error)
			}
		}
	}
	if failedAccepts != 2 {
		t.Errorf("failed accepts %d, want 2", failedAccepts)
	}
	web := statusOf(t, res, "consumer.web")
	// Its endpoint was made: done, with private DNS left waiting for the
	// accept that failed.
	if web.Status != StatusDone || !strings.Contains(web.Message, "created vpce-") ||
		web.Awaiting != "private DNS is still off: turning it on waits for provider.api.connection[consumer.web], which failed; plink apply turns it on once that is fixed" {
		t.Errorf("consumer.web: %+v", web)
	}
	if n := len(w.callsOf("ModifyVpcEndpoint")); n != 0 {
		t.Errorf("private DNS enabled without acceptance: %d calls", n)
	}
}

func TestAcceptRetriesUntilConnectionVisible(t *testing.T) {
	w := newFakeWorld()
	id := "vpce-later"
	p := &plan.Plan{Project: "demo", Changes: []plan.Change{
		{Address: "provider.api.connection[" + id + "]", Kind: plan.KindConnection, Action: plan.Accept, Account: "payments",
			Region: "us-east-1", Parent: "provider.api", ParentID: "vpce-svc-x", ID: id},
	}}
	w.services["vpce-svc-x"] = &fakeService{account: "111111111111", region: "us-east-1", cfg: fakeServiceCfg("vpce-svc-x", "n")}
	w.injectFault("AcceptVpcEndpointConnections", "InvalidVpcEndpointId.NotFound", 0)
	calls := 0
	opts := fastOpts()
	opts.Events = func(e Event) {
		if e.Progress == ProgressWaiting {
			calls++
			w.mu.Lock()
			w.endpoints[id] = &fakeEndpoint{account: "222222222222", region: "us-east-1", serviceID: "vpce-svc-x", ep: fakeEndpointVal(id, "pendingAcceptance")}
			w.mu.Unlock()
		}
	}
	res, err := Run(context.Background(), p, w.clients(), opts)
	if err != nil {
		t.Fatalf("%v %+v", err, res.Changes)
	}
	if calls != 1 || len(w.callsOf("AcceptVpcEndpointConnections")) != 2 {
		t.Errorf("waiting events %d, accept calls %d", calls, len(w.callsOf("AcceptVpcEndpointConnections")))
	}
}

func TestTargets(t *testing.T) {
	w := newFakeWorld()
	opts := fastOpts()
	opts.Targets = []string{"consumer.west"}
	res, err := run(t, w, fullPlan(), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Status{
		"provider.api": StatusDone, "consumer.west": StatusDone,
		"provider.api.principal[" + pCheck + "]": StatusDone, "provider.api.principal[" + pAnal + "]": StatusDone,
		"consumer.web": StatusExcluded, "provider.api.connection[consumer.west]": StatusExcluded,
		"provider.api.notification[0]": StatusExcluded,
	}
	for a, st := range want {
		if c := statusOf(t, res, a); c.Status != st {
			t.Errorf("%s: %s, want %s", a, c.Status, st)
		}
	}
	if !res.OK() {
		t.Error("excluded changes must not make the result fail")
	}
	var buf bytes.Buffer
	_ = WriteSummary(&buf, res)
	if !strings.Contains(buf.String(), "outside the targets") {
		t.Errorf("summary: %s", buf.String())
	}

	// A provider target takes its children.
	opts.Targets = []string{"provider.api"}
	res, _ = run(t, newFakeWorld(), fullPlan(), opts)
	if c := statusOf(t, res, "provider.api.notification[0]"); c.Status != StatusDone {
		t.Errorf("child of targeted provider: %s", c.Status)
	}
	// ... and, through its connections, the consumers they accept.
	if c := statusOf(t, res, "consumer.web"); c.Status != StatusDone {
		t.Errorf("consumer.web: %s", c.Status)
	}

	opts.Targets = []string{"consumer.nope"}
	if _, err := run(t, newFakeWorld(), fullPlan(), opts); err == nil || !strings.Contains(err.Error(), "target consumer.nope has no change in the plan") {
		t.Errorf("unknown target: %v", err)
	}
}

func fakeServiceCfg(id, name string) ecService {
	return ecService{ServiceId: aws.String(id), ServiceName: aws.String(name), ServiceState: "Available", AcceptanceRequired: aws.Bool(true)}
}
