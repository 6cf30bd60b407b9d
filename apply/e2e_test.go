package apply_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// env is one sandbox and the manifest-driven pipeline against it:
// manifest.Load → live.Read → plan.Compute → apply.Run.
type env struct {
	t   *testing.T
	srv *sandboxtest.Server
	// planOpts are the options plans are computed with.
	planOpts plan.Options
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := sandboxtest.Start(t, sandbox.Options{AutoVerifyPrivateDNS: true})
	return &env{t: t, srv: srv}
}

func (e *env) resolver(m *manifest.Manifest) *awsenv.Resolver {
	e.t.Helper()
	key, secret, err := e.srv.Sandbox.OperatorCredentials()
	if err != nil {
		e.t.Fatal(err)
	}
	r, err := awsenv.New(context.Background(), m, awsenv.Options{Endpoint: e.srv.URL,
		BaseCredentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// plan loads the manifest (a file under testdata, or a path) and plans it
// against the sandbox's live state.
func (e *env) plan(path string) (*plan.Plan, *awsenv.Resolver) {
	e.t.Helper()
	if !filepath.IsAbs(path) {
		path = filepath.Join("testdata", path)
	}
	m, err := manifest.Load(path)
	if err != nil {
		e.t.Fatalf("load %s: %v", path, err)
	}
	r := e.resolver(m)
	snap, err := live.Read(context.Background(), m, r, live.ReadOptions{})
	if err != nil {
		e.t.Fatalf("read: %v", err)
	}
	if len(snap.Failures) > 0 {
		e.t.Fatalf("read failures: %+v", snap.Failures)
	}
	p := plan.Compute(m, snap, e.planOpts)
	if p.HasErrors() {
		e.t.Fatalf("plan has errors: %+v", p.Diagnostics)
	}
	return p, r
}

func opts() apply.Options {
	return apply.Options{PollInterval: time.Millisecond, ServiceTimeout: 10 * time.Second,
		EndpointTimeout: 10 * time.Second, DeleteTimeout: 10 * time.Second}
}

// apply plans path and applies the plan, failing the test on any error.
func (e *env) apply(path string) *apply.Result {
	e.t.Helper()
	p, r := e.plan(path)
	res, err := apply.Run(context.Background(), p, apply.FromClientSource(r), opts())
	if err != nil {
		var b strings.Builder
		_ = apply.WriteSummary(&b, res)
		e.t.Fatalf("apply %s: %v\n%s", path, err, b.String())
	}
	return res
}

// converged asserts that a re-read plans no change and that applying that
// plan makes no mutating call.
func (e *env) converged(path string) {
	e.t.Helper()
	p, r := e.plan(path)
	if p.HasChanges() {
		var b strings.Builder
		for _, c := range p.Changes {
			if c.Action != plan.NoOp {
				b.WriteString("  " + string(c.Action) + " " + c.Address + "\n")
			}
		}
		e.t.Fatalf("after apply, the plan still has changes:\n%s", b.String())
	}
	e.srv.Sandbox.ResetCalls()
	if _, err := apply.Run(context.Background(), p, apply.FromClientSource(r), opts()); err != nil {
		e.t.Fatalf("second apply: %v", err)
	}
	for _, c := range e.srv.Sandbox.Calls() {
		if c.Mutating {
			e.t.Errorf("second apply made a mutating call: %+v", c)
		}
	}
}

func TestE2ECreateConvergeNoOp(t *testing.T) {
	e := newEnv(t)
	res := e.apply("full.yaml")
	s := res.Summary()
	if s.Accepted != 2 || s.Added == 0 {
		t.Errorf("summary %+v", s)
	}
	e.converged("full.yaml")
}

func TestE2EChangeEachAttributeThenBack(t *testing.T) {
	e := newEnv(t)
	e.apply("full.yaml")
	res := e.apply("changed.yaml")
	if s := res.Summary(); s.Changed == 0 || s.Added != 0 || s.Destroyed != 0 {
		t.Errorf("in-place changes expected, got %+v", s)
	}
	e.converged("changed.yaml")
	// Back again: removes the policy (ResetPolicy), restores subnets and tags.
	e.apply("full.yaml")
	e.converged("full.yaml")
}

func TestE2ERemoveConsumerPrincipalProvider(t *testing.T) {
	e := newEnv(t)
	e.apply("full.yaml")
	res := e.apply("removed.yaml")
	s := res.Summary()
	// analytics-payments-west (its connection rejected first, as it is no
	// longer declared), payments-ingest, the analytics principal, and the
	// analytics-ingest service (its principals go with it).
	if s.Destroyed != 4 || s.Rejected != 1 {
		t.Errorf("destroyed %d, rejected %d; want 4, 1: %+v", s.Destroyed, s.Rejected, res.Changes)
	}
	e.converged("removed.yaml")
}

// serviceName returns the name of the live service a result created.
func (e *env) serviceName(res *apply.Result, addr string) string {
	e.t.Helper()
	c := e.srv.Clients(e.t, "payments", "us-east-1")
	ids := []string{res.Created[addr]}
	region := "us-east-1"
	if addr == "provider.analytics-ingest" {
		c = e.srv.Clients(e.t, "analytics", "us-west-2")
		region = "us-west-2"
	}
	out, err := c.EC2.DescribeVpcEndpointServiceConfigurations(context.Background(), &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: ids})
	if err != nil || len(out.ServiceConfigurations) != 1 {
		e.t.Fatalf("describe %s in %s: %v", ids, region, err)
	}
	return aws.ToString(out.ServiceConfigurations[0].ServiceName)
}

// unownedEndpoint creates an endpoint plink does not own, as another tool would.
func (e *env) unownedEndpoint(alias, region, vpc, subnet, service string) string {
	e.t.Helper()
	c := e.srv.Clients(e.t, alias, region)
	out, err := c.EC2.CreateVpcEndpoint(context.Background(), &ec2.CreateVpcEndpointInput{
		VpcId: aws.String(vpc), ServiceName: aws.String(service), SubnetIds: []string{subnet},
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, PrivateDnsEnabled: aws.Bool(false)})
	if err != nil {
		e.t.Fatalf("create unowned endpoint in %s/%s: %v", alias, region, err)
	}
	return aws.ToString(out.VpcEndpoint.VpcEndpointId)
}

func TestE2EUndeclaredConnectionRejectedAndServiceWithConnectionsDeleted(t *testing.T) {
	e := newEnv(t)
	res := e.apply("full.yaml")
	// analytics may connect to payments-api, but declares no consumer in
	// us-east-1: rejectUndeclared rejects it.
	stray := e.unownedEndpoint("analytics", "us-east-1", "vpc-03100000000000001", "subnet-0310000000000000a", e.serviceName(res, "provider.payments-api"))
	// payments connects to analytics-ingest from outside the manifest.
	other := e.unownedEndpoint("payments", "us-west-2", "vpc-01200000000000001", "subnet-0120000000000000c", e.serviceName(res, "provider.analytics-ingest"))

	res = e.apply("full.yaml")
	if s := res.Summary(); s.Rejected != 1 || s.Done != 1 {
		t.Errorf("want one rejection, got %+v %+v", s, res.Changes)
	}
	e.converged("full.yaml")

	// Deleting analytics-ingest would cut off the endpoint nobody declared:
	// the plan shows the reject and refuses without AllowDisconnect.
	m, err := manifest.Load(filepath.Join("testdata", "removed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := live.Read(context.Background(), m, e.resolver(m), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := plan.Compute(m, snap, plan.Options{})
	rejectAddr := "provider.analytics-ingest.connection[" + other + "]"
	var codes []string
	for _, d := range p.Diagnostics {
		codes = append(codes, d.Code)
	}
	if !slices.Contains(codes, plan.CodeDisconnect) {
		t.Errorf("no %s without AllowDisconnect: %v", plan.CodeDisconnect, codes)
	}
	if _, err := apply.Run(context.Background(), p, apply.FromClientSource(e.resolver(m)), opts()); err == nil {
		t.Error("apply ran a plan with a disconnect error")
	}
	// With it, the reject is a change of its own, done before the delete.
	e.planOpts.AllowDisconnect = true
	res = e.apply("removed.yaml")
	if c := find(t, res, rejectAddr); c.Status != apply.StatusDone {
		t.Errorf("%s: %+v", rejectAddr, c)
	}
	if c := find(t, res, "provider.analytics-ingest"); c.Status != apply.StatusDone {
		t.Errorf("provider.analytics-ingest: %+v", c)
	}
	e.converged("removed.yaml")
	// Neither unowned endpoint was deleted: plink never deletes what it does not own.
	for _, x := range []struct{ alias, region, id string }{{"analytics", "us-east-1", stray}, {"payments", "us-west-2", other}} {
		out, err := e.srv.Clients(t, x.alias, x.region).EC2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{x.id}})
		if err != nil || len(out.VpcEndpoints) != 1 || strings.EqualFold(string(out.VpcEndpoints[0].State), "deleted") {
			t.Errorf("unowned endpoint %s: %v %+v", x.id, err, out)
		}
	}
}

func find(t *testing.T, r *apply.Result, addr string) apply.ChangeResult {
	t.Helper()
	for _, c := range r.Changes {
		if c.Address == addr {
			return c
		}
	}
	t.Fatalf("no change %s in %+v", addr, r.Changes)
	return apply.ChangeResult{}
}

// A failure injected at each step leaves a partial result; planning again
// from live state and applying finishes the job.
func TestE2EPartialFailureThenConverge(t *testing.T) {
	cases := []struct {
		name, before, manifest, action, account string
		failed                                  int // changes failed, when not 1
		times                                   int // calls failed, when not 1
	}{
		{"service create", "", "full.yaml", "CreateVpcEndpointServiceConfiguration", "111111111111", 0, 0},
		{"principals", "", "full.yaml", "ModifyVpcEndpointServicePermissions", "333333333333", 0, 0},
		{"endpoint create", "", "full.yaml", "CreateVpcEndpoint", "222222222222", 0, 0},
		// One call accepts both connections of payments-api: both fail.
		{"accept", "", "full.yaml", "AcceptVpcEndpointConnections", "", 2, 0},
		{"private DNS after accept", "", "full.yaml", "ModifyVpcEndpoint", "222222222222", 0, 0},
		{"notification", "", "full.yaml", "CreateVpcEndpointConnectionNotification", "", 0, 0},
		// A wait fails when 3 poll rounds in a row fail.
		{"wait", "", "full.yaml", "DescribeVpcEndpoints", "333333333333", 0, 3},
		{"update service", "full.yaml", "changed.yaml", "ModifyVpcEndpointServiceConfiguration", "", 0, 0},
		{"update endpoint", "full.yaml", "changed.yaml", "ModifyVpcEndpoint", "", 0, 0},
		{"update tags", "full.yaml", "changed.yaml", "CreateTags", "", 0, 0},
		{"reject", "full.yaml", "removed.yaml", "RejectVpcEndpointConnections", "", 0, 0},
		{"endpoint delete", "full.yaml", "removed.yaml", "DeleteVpcEndpoints", "333333333333", 0, 0},
		{"principal removal", "full.yaml", "removed.yaml", "ModifyVpcEndpointServicePermissions", "", 0, 0},
		{"service delete", "full.yaml", "removed.yaml", "DeleteVpcEndpointServiceConfigurations", "", 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			if tc.before != "" {
				e.apply(tc.before)
			}
			p, r := e.plan(tc.manifest)
			e.srv.Sandbox.Inject(sandbox.Fault{Action: tc.action, Account: tc.account, Code: "UnauthorizedOperation", Times: max(tc.times, 1)})
			res, err := apply.Run(context.Background(), p, apply.FromClientSource(r), opts())
			if !errors.Is(err, apply.ErrFailed) {
				t.Fatalf("err = %v, want ErrFailed", err)
			}
			failed := 0
			for _, c := range res.Changes {
				if c.Status == apply.StatusFailed {
					failed++
					if c.Error == nil || c.Error.Code != "UnauthorizedOperation" || c.Error.Hint == "" {
						t.Errorf("%s: error %+v", c.Address, c.Error)
					}
				}
			}
			want := tc.failed
			if want == 0 {
				want = 1
			}
			if failed != want {
				t.Errorf("failed changes: %d, want %d", failed, want)
			}
			var b strings.Builder
			if err := apply.WriteSummary(&b, res); err != nil || !strings.Contains(b.String(), "UnauthorizedOperation") {
				t.Errorf("summary: %v\n%s", err, b.String())
			}
			e.srv.Sandbox.ClearFaults()
			e.apply(tc.manifest)
			e.converged(tc.manifest)
		})
	}
}

// A consumer and a provider removed and later declared again with the same
// parameters derive the same ClientTokens as the first time; AWS, and the
// sandbox, answer those with the deleted resources for a while. apply sees
// the deleted answer, creates anew with a token salted by the deleted id,
// and says so. Twice, so the second re-creation salts past the first.
func TestE2EReAddAfterDeleteGetsNewResources(t *testing.T) {
	e := newEnv(t)
	first := e.apply("full.yaml")
	var seen []string
	for round := 1; round <= 2; round++ {
		e.apply("removed.yaml")
		e.converged("removed.yaml")

		p, r := e.plan("full.yaml")
		var events []apply.Event
		o := opts()
		o.Events = func(ev apply.Event) { events = append(events, ev) }
		res, err := apply.Run(context.Background(), p, apply.FromClientSource(r), o)
		if err != nil {
			var b strings.Builder
			_ = apply.WriteSummary(&b, res)
			t.Fatalf("round %d: re-adding: %v\n%s", round, err, b.String())
		}
		for _, addr := range []string{"consumer.payments-ingest", "consumer.analytics-payments-west", "provider.analytics-ingest"} {
			c := find(t, res, addr)
			if c.Status != apply.StatusDone || c.ID == "" || c.ID == first.Created[addr] || slices.Contains(seen, c.ID) {
				t.Errorf("round %d: %s: %+v, want a new resource (first %s, earlier %v)", round, addr, c, first.Created[addr], seen)
			}
			if addr == "consumer.payments-ingest" {
				// Its provider is new, and so is the service name in its
				// create: a new token, no deleted answer.
				seen = append(seen, c.ID)
				continue
			}
			if !strings.Contains(c.Message, "deleted since)") || strings.Contains(c.Message, "token") {
				t.Errorf("round %d: %s: message %q does not say the token was answered with a deleted resource", round, addr, c.Message)
			}
			said := false
			for _, ev := range events {
				said = said || (ev.Address == addr && strings.Contains(ev.Message, "made by an earlier run is"))
			}
			if !said {
				t.Errorf("round %d: %s: no event says a deleted resource was returned: %+v", round, addr, events)
			}
			seen = append(seen, c.ID)
		}
		// The new endpoints exist and are available (one after acceptance).
		for _, x := range []struct{ alias, region, addr string }{
			{"payments", "us-west-2", "consumer.payments-ingest"}, {"analytics", "us-west-2", "consumer.analytics-payments-west"}} {
			id := find(t, res, x.addr).ID
			out, err := e.srv.Clients(t, x.alias, x.region).EC2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
			if err != nil || len(out.VpcEndpoints) != 1 || !strings.EqualFold(string(out.VpcEndpoints[0].State), "available") {
				t.Errorf("round %d: %s %s: %v %+v", round, x.addr, id, err, out)
			}
		}
		e.converged("full.yaml")
	}
}

// Adopting a hand-made service whose tags the manifest does not declare:
// the plan shows them removed, apply removes them, and the topology
// converges (a second apply makes no mutating call).
func TestE2EAdoptWithUndeclaredTagsConverges(t *testing.T) {
	e := newEnv(t)
	pay := e.srv.Clients(t, "payments", "us-east-1").EC2
	out, err := pay.CreateVpcEndpointServiceConfiguration(context.Background(), &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{"arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"},
		AcceptanceRequired:      aws.Bool(false),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcEndpointService,
			Tags: []ec2types.Tag{{Key: aws.String("owner"), Value: aws.String("alice")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.ServiceConfiguration.ServiceId)
	path := filepath.Join(t.TempDir(), "adopt.yaml")
	manifestText := `version: 1
project: adopt-tags
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/plink" }
providers:
  - name: api
    account: payments
    adopt: ` + id + `
    networkLoadBalancerArns: [arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1]
`
	if err := os.WriteFile(path, []byte(manifestText), 0o644); err != nil {
		t.Fatal(err)
	}
	res := e.apply(path)
	if s := res.Summary(); s.Adopted != 1 {
		t.Fatalf("summary %+v, want one adopted", s)
	}
	e.converged(path)
}
