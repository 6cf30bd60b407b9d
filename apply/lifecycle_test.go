package apply_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// endpointStates reads the states of every endpoint of the project.
func endpointStates(t *testing.T, e *env) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, sc := range []struct{ alias, region string }{{"checkout", "us-east-1"}, {"analytics", "us-west-2"}, {"payments", "us-west-2"}} {
		res, err := e.srv.Clients(t, sc.alias, sc.region).EC2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, ep := range res.VpcEndpoints {
			out[aws.ToString(ep.VpcEndpointId)] = string(ep.State)
		}
	}
	return out
}

// With AWS-like delays, apply returns only once what it created is usable,
// says so in heartbeats while it waits, and --no-wait returns at once.
func TestApplyWaitsUntilUsable(t *testing.T) {
	srv := sandboxtest.Start(t, sandbox.Options{AutoVerifyPrivateDNS: true, EndpointAvailableDelay: 1500 * time.Millisecond})
	e := &env{t: t, srv: srv}
	p, r := e.plan("full.yaml")
	var mu sync.Mutex
	var beats []string
	o := opts()
	o.Heartbeat = 200 * time.Millisecond
	o.Events = func(ev apply.Event) {
		if ev.Progress == apply.ProgressHeartbeat {
			mu.Lock()
			beats = append(beats, ev.Message)
			mu.Unlock()
		}
	}
	if _, err := apply.Run(context.Background(), p, apply.FromClientSource(r), o); err != nil {
		t.Fatal(err)
	}
	for id, st := range endpointStates(t, e) {
		if live.EndpointPhase(st) != live.PhaseUsable {
			t.Errorf("endpoint %s is %s after apply", id, st)
		}
	}
	if len(beats) == 0 || !strings.HasPrefix(beats[0], "still waiting: ") || !strings.Contains(strings.Join(beats, "\n"), "endpoint") {
		t.Errorf("heartbeats = %q", beats)
	}

	// --no-wait: a fresh sandbox, and apply returns with endpoints pending
	srv2 := sandboxtest.Start(t, sandbox.Options{AutoVerifyPrivateDNS: true, EndpointAvailableDelay: 3 * time.Second})
	e2 := &env{t: t, srv: srv2}
	m, err := manifest.Load(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// without acceptance, nothing waits on an accept either
	for _, pr := range m.Providers {
		pr.AcceptanceRequired = false
	}
	r2 := e2.resolver(m)
	snap, err := live.Read(context.Background(), m, r2, live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p2 := plan.Compute(m, snap, plan.Options{})
	o2 := opts()
	o2.NoWait = true
	if _, err := apply.Run(context.Background(), p2, apply.FromClientSource(r2), o2); err != nil {
		t.Fatal(err)
	}
	pending := 0
	for _, st := range endpointStates(t, e2) {
		if live.EndpointPhase(st) == live.PhaseSettling {
			pending++
		}
	}
	if pending == 0 {
		t.Error("NoWait waited for the endpoints to be available")
	}
}

// Two runs of one project overlap: run B planned from a read of the
// consumer account made before run A created an endpoint there, and of the
// provider's connections made after. B's plan takes A's endpoint for an
// undeclared one; apply confirms with a fresh read and keeps it, while a
// truly foreign endpoint is rejected.
func TestRejectConfirmsForeign(t *testing.T) {
	e := newEnv(t)
	res := e.apply("full.yaml")
	svcName := e.serviceName(res, "provider.payments-api")
	m, err := manifest.Load(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c := e.srv.Clients(t, "analytics", "us-east-1").EC2
	create := func(tags []ec2types.Tag) string {
		out, err := c.CreateVpcEndpoint(context.Background(), &ec2.CreateVpcEndpointInput{
			VpcId: aws.String("vpc-03100000000000001"), ServiceName: aws.String(svcName), SubnetIds: []string{"subnet-0310000000000000a"},
			VpcEndpointType: ec2types.VpcEndpointTypeInterface, PrivateDnsEnabled: aws.Bool(false),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcEndpoint, Tags: tags}}})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.VpcEndpoint.VpcEndpointId)
	}
	ours := create([]ec2types.Tag{{Key: aws.String(live.TagProject), Value: aws.String(m.Project)}, {Key: aws.String(live.TagName), Value: aws.String("made-by-run-a")}})
	foreign := create(nil)
	r := e.resolver(m)
	snap, err := live.Read(context.Background(), m, r, live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// run B's stale view: the analytics account was read before A's endpoint existed
	kept := snap.Endpoints[:0]
	for _, ep := range snap.Endpoints {
		if ep.ID != ours {
			kept = append(kept, ep)
		}
	}
	snap.Endpoints = kept
	p := plan.Compute(m, snap, plan.Options{})
	for _, id := range []string{ours, foreign} {
		ch := findChange(t, p, "provider.payments-api.connection["+id+"]")
		if ch.Action != plan.Reject || !ch.ConfirmForeign {
			t.Fatalf("stale plan for %s: %+v", id, ch)
		}
	}
	out, err := apply.Run(context.Background(), p, apply.FromClientSource(r), opts())
	if err != nil {
		t.Fatal(err)
	}
	if cr := find(t, out, "provider.payments-api.connection["+ours+"]"); cr.Status != apply.StatusKept || !strings.Contains(cr.Message, "not rejected") {
		t.Errorf("ours: %+v", cr)
	}
	// the summary counts one reject: the kept one was not rejected
	if s := out.Summary(); s.Rejected != 1 || s.Done != 2 {
		t.Errorf("summary %+v: want 1 rejected of 2 done", s)
	}
	states := endpointStates(t, e)
	st, _ := e.srv.Clients(t, "analytics", "us-east-1").EC2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{ours, foreign}})
	for _, ep := range st.VpcEndpoints {
		states[aws.ToString(ep.VpcEndpointId)] = string(ep.State)
	}
	if live.EndpointPhase(states[ours]) == live.PhaseBroken {
		t.Errorf("this project's endpoint %s was rejected: %s", ours, states[ours])
	}
	if states[foreign] != "rejected" {
		t.Errorf("foreign endpoint %s is %s, want rejected", foreign, states[foreign])
	}
}

func findChange(t *testing.T, p *plan.Plan, addr string) plan.Change {
	t.Helper()
	for _, c := range p.Changes {
		if c.Address == addr {
			return c
		}
	}
	t.Fatalf("no change %s", addr)
	return plan.Change{}
}

// Stop (a first Ctrl-C) starts no new step and ends waits, while calls in
// flight finish: the result says what was done and what was not, and a
// later apply finishes the job.
func TestStopFinishesCallsInFlight(t *testing.T) {
	srv := sandboxtest.Start(t, sandbox.Options{AutoVerifyPrivateDNS: true, Latency: 150 * time.Millisecond})
	e := &env{t: t, srv: srv}
	p, r := e.plan("full.yaml")
	stop := make(chan struct{})
	o := opts()
	o.Stop = stop
	time.AfterFunc(400*time.Millisecond, func() { close(stop) })
	start := time.Now()
	res, err := apply.Run(context.Background(), p, apply.FromClientSource(r), o)
	if err == nil {
		t.Fatal("a stopped run reported success")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stopped run took %s", d)
	}
	s := res.Summary()
	if s.Done == 0 || s.NotAttempted == 0 {
		t.Errorf("summary %+v: want some done and some not attempted", s)
	}
	for _, c := range res.Changes {
		if c.Error != nil && c.Error.Code == "Canceled" {
			t.Errorf("%s: a call in flight was abandoned: %+v", c.Address, c.Error)
		}
	}
	e.apply("full.yaml")
	e.converged("full.yaml")
}

// Removing a provider together with its cross-region consumers (and so
// with the only mention of their region) still finds their endpoints,
// through the connections of the service: they are deleted as this
// project's, not taken for strangers and cut off.
func TestRemovedRegionEndpointsAreFound(t *testing.T) {
	e := newEnv(t)
	e.apply("full.yaml")
	m := loadFull(t)
	// keep only what lives in us-east-1 and has nothing to do with payments-api
	m.Providers = nil
	m.Consumers = nil
	snap, err := live.Read(context.Background(), m, e.resolver(m), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	west := false
	for _, sc := range snap.Scopes {
		west = west || sc.Region == "us-west-2" && sc.Account == "analytics"
	}
	if !west {
		t.Fatalf("us-west-2 was not read: %+v", snap.Scopes)
	}
	p := plan.Compute(m, snap, plan.Options{})
	if p.HasErrors() {
		t.Fatalf("plan errors: %s", summary(p))
	}
	if a := actionOf(p, "consumer.analytics-payments-west"); a != plan.Delete {
		t.Errorf("cross-region consumer: %q\n%s", a, summary(p))
	}
	e.applyPlan(t, m, p)
	if again := e.planManifest(m); again.HasChanges() {
		t.Errorf("not converged: %s", summary(again))
	}
}

// plink's own tags through the real SDK: a plink:name removed by hand is
// restored (not a replace); protect: true writes plink:protect, and the
// entry removed later is refused deletion; protect: false lifts it.
func TestOwnTagsRepairProtectRelease(t *testing.T) {
	e := newEnv(t)
	res := e.apply("full.yaml")
	id := res.Created[mxConsumer]
	chk := e.srv.Clients(t, "checkout", "us-east-1").EC2
	if _, err := chk.DeleteTags(context.Background(), &ec2.DeleteTagsInput{Resources: []string{id}, Tags: []ec2types.Tag{{Key: aws.String(live.TagName)}}}); err != nil {
		t.Fatal(err)
	}
	m := loadFull(t)
	p := e.planManifest(m)
	if a := actionOf(p, mxConsumer); a != plan.Update {
		t.Fatalf("lost name: %q\n%s", a, summary(p))
	}
	e.applyPlan(t, m, p)
	if again := e.planManifest(m); again.HasChanges() {
		t.Fatalf("name not restored: %s", summary(again))
	}

	consumerNamed(m, "checkout-payments").Protect = true
	e.applyPlan(t, m, e.planManifest(m))
	if again := e.planManifest(m); again.HasChanges() {
		t.Fatalf("protect tag not written: %s", summary(again))
	}
	gone := loadFull(t)
	withoutConsumer(gone, "checkout-payments")
	if p := e.planManifest(gone); !hasCode(p, plan.CodeProtected) {
		t.Errorf("protected endpoint removed from the manifest: %s", summary(p))
	}
	consumerNamed(m, "checkout-payments").Protect = false
	e.applyPlan(t, m, e.planManifest(m))
	if p := e.planManifest(gone); hasCode(p, plan.CodeProtected) || actionOf(p, mxConsumer) != plan.Delete {
		t.Errorf("protect: false did not lift it: %s", summary(p))
	}
}

// Destroy releases an adopted resource (its plink tags removed, the
// resource kept) and deletes the rest; a second destroy has nothing to do.
func TestDestroyReleasesAdopted(t *testing.T) {
	e := newEnv(t)
	res := e.apply("full.yaml")
	id := res.Created[mxConsumer]
	untag(t, e, "checkout", "us-east-1", id)
	m := loadFull(t)
	consumerNamed(m, "checkout-payments").Adopt = id
	e.applyPlan(t, m, e.planManifest(m)) // adopt: tags written again
	e.planOpts = plan.Options{Destroy: true, AllowDisconnect: true}
	p := e.planManifest(m)
	if a := actionOf(p, mxConsumer); a != plan.Update {
		t.Fatalf("adopted endpoint in a destroy: %q\n%s", a, summary(p))
	}
	e.applyPlan(t, m, p)
	out, err := e.srv.Clients(t, "checkout", "us-east-1").EC2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	if err != nil || len(out.VpcEndpoints) != 1 {
		t.Fatalf("released endpoint: %v %+v", err, out)
	}
	for _, tg := range out.VpcEndpoints[0].Tags {
		if strings.HasPrefix(aws.ToString(tg.Key), "plink:") {
			t.Errorf("released endpoint still carries %s", aws.ToString(tg.Key))
		}
	}
	if again := e.planManifest(m); again.HasChanges() {
		t.Errorf("second destroy: %s", summary(again))
	}
}

// Under eventual consistency (new resources unlisted for a while), what
// apply created is listed before it returns: the plan right after has
// nothing to do. A provider with a notification and no consumer makes the
// notification the last thing created (it used to be planned again).
func TestConvergedUnderEventualConsistency(t *testing.T) {
	srv := sandboxtest.Start(t, sandbox.Options{AutoVerifyPrivateDNS: true, ConsistencyDelay: 2 * time.Second})
	e := &env{t: t, srv: srv}
	m := loadFull(t)
	m.Providers = m.Providers[:1]
	m.Consumers = nil
	p := e.planManifest(m)
	if actionOf(p, mxProvider+".notification[0]") != plan.Create {
		t.Fatalf("no notification to create: %s", summary(p))
	}
	e.applyPlan(t, m, p)
	if again := e.planManifest(m); again.HasChanges() {
		t.Errorf("not converged right after apply: %s", summary(again))
	}
}
