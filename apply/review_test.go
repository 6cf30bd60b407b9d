package apply

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/plan"
)

// A targeted delete runs although the rejections and notification removals
// it is ordered after (same provider) are outside the targets.
func TestTargetedDeleteNotHeldByExcludedOrdering(t *testing.T) {
	w := newFakeWorld()
	opts := fastOpts()
	opts.Targets = []string{"consumer.web"}
	res, err := run(t, w, removalPlan(w), opts)
	if err != nil {
		t.Fatalf("%v %+v", err, res.Changes)
	}
	if c := statusOf(t, res, "consumer.web"); c.Status != StatusDone {
		t.Errorf("consumer.web: %s %s", c.Status, c.Reason)
	}
	for _, a := range []string{"provider.api.connection[vpce-stray]", "provider.api.notification[0]", "provider.api"} {
		if c := statusOf(t, res, a); c.Status != StatusExcluded {
			t.Errorf("%s: %s", a, c.Status)
		}
	}
	if acts := w.actions(true); strings.Join(acts, ",") != "DeleteVpcEndpoints" {
		t.Errorf("calls %v", acts)
	}

	// Targeted together, the ordering still holds.
	w = newFakeWorld()
	opts.Targets = []string{"consumer.web", "provider.api.connection[vpce-stray]"}
	if res, err := run(t, w, removalPlan(w), opts); err != nil {
		t.Fatalf("%v %+v", err, res.Changes)
	}
	if acts := w.actions(true); strings.Join(acts, ",") != "RejectVpcEndpointConnections,DeleteVpcEndpoints" {
		t.Errorf("calls %v: the rejection comes first", acts)
	}
}

// serviceCreatePlan creates one service, whose wait polls
// DescribeVpcEndpointServiceConfigurations.
func serviceCreatePlan() *plan.Plan {
	return &plan.Plan{Project: "demo", Changes: fullPlan().Changes[:1]}
}

// A poll round whose Describe fails does not fail the waits at once: only
// pollErrorsTolerated failures in a row do, with the last error.
func TestWaitToleratesPollErrors(t *testing.T) {
	w := newFakeWorld()
	w.injectFault("DescribeVpcEndpointServiceConfigurations", "RequestLimitExceeded", pollErrorsTolerated-1)
	res, err := run(t, w, serviceCreatePlan(), fastOpts())
	if err != nil {
		t.Fatalf("%d failed polls must be tolerated: %v %+v", pollErrorsTolerated-1, err, res.Changes)
	}

	w = newFakeWorld()
	w.injectFault("DescribeVpcEndpointServiceConfigurations|111111111111", "RequestLimitExceeded", pollErrorsTolerated-1)
	w.injectFault("DescribeVpcEndpointServiceConfigurations", "InternalError", 1)
	res, err = run(t, w, serviceCreatePlan(), fastOpts())
	if !errors.Is(err, ErrFailed) {
		t.Fatal(err)
	}
	c := statusOf(t, res, "provider.api")
	if c.Status != StatusFailed || c.Error.Code != "InternalError" || c.Error.Call != "DescribeVpcEndpointServiceConfigurations" ||
		!strings.Contains(c.Error.Message, "3 poll rounds in a row failed") || !strings.Contains(c.Error.Message, "injected InternalError") {
		t.Errorf("%+v %+v", c, c.Error)
	}

	// A success in between starts the count again.
	w = newFakeWorld()
	w.pendingDescribes = 2
	n := 0
	opts := fastOpts()
	opts.onPoll = func(_, _, _ string, _, _ int) {
		if n++; n == pollErrorsTolerated {
			w.injectFault("DescribeVpcEndpointServiceConfigurations", "InternalError", pollErrorsTolerated-1)
		}
	}
	w.injectFault("DescribeVpcEndpointServiceConfigurations", "InternalError", pollErrorsTolerated-1)
	if res, err := run(t, w, serviceCreatePlan(), opts); err != nil {
		t.Fatalf("%v %+v", err, res.Changes)
	}
}

// runGuarded runs p and fails the test if Run does not return: a hung wait.
func runGuarded(t *testing.T, ctx context.Context, w *fakeWorld, p *plan.Plan, opts Options) (*Result, error) {
	t.Helper()
	type out struct {
		res *Result
		err error
	}
	ch := make(chan out, 1)
	go func() {
		res, err := Run(ctx, p, w.clients(), opts)
		ch <- out{res, err}
	}()
	select {
	case o := <-ch:
		return o.res, o.err
	case <-time.After(time.Minute):
		t.Fatal("Run hung")
		return nil, nil
	}
}

// A Describe that never answers does not hang the wait: its timeout ends
// it, and the error says no poll answered.
func TestWaitTimeoutWhileDescribeHangs(t *testing.T) {
	w := newFakeWorld()
	w.hang["DescribeVpcEndpointServiceConfigurations"] = 1
	opts := fastOpts()
	opts.ServiceTimeout = 50 * time.Millisecond
	opts.describeTimeout = time.Hour
	// Run returns: the timed-out wait ends it, and the end of the run ends
	// the call left hanging.
	res, err := runGuarded(t, context.Background(), w, serviceCreatePlan(), opts)
	if !errors.Is(err, ErrFailed) {
		t.Fatal(err)
	}
	c := statusOf(t, res, "provider.api")
	if c.Status != StatusFailed || c.Error.Code != "Timeout" || c.Error.Call != "wait" ||
		!strings.Contains(c.Error.Message, "no DescribeVpcEndpointServiceConfigurations call answered") {
		t.Errorf("%+v %+v", c, c.Error)
	}
}

// Each Describe of a poll round has its own deadline: a call that hangs
// counts as a failed round, and the next round goes on.
func TestHungDescribeCallTimesOut(t *testing.T) {
	w := newFakeWorld()
	w.hang["DescribeVpcEndpointServiceConfigurations"] = 1
	opts := fastOpts()
	opts.ServiceTimeout = time.Hour
	opts.describeTimeout = 20 * time.Millisecond
	res, err := runGuarded(t, context.Background(), w, serviceCreatePlan(), opts)
	if err != nil || w.hung != 1 {
		t.Fatalf("%v %+v (hung %d)", err, res.Changes, w.hung)
	}

	// Hanging every time: the wait fails with the call's timeout.
	w = newFakeWorld()
	w.hang["DescribeVpcEndpointServiceConfigurations"] = 1 << 30
	res, err = runGuarded(t, context.Background(), w, serviceCreatePlan(), opts)
	if !errors.Is(err, ErrFailed) {
		t.Fatal(err)
	}
	c := statusOf(t, res, "provider.api")
	if c.Status != StatusFailed || c.Error.Code != "RequestTimeout" || c.Error.Call != "DescribeVpcEndpointServiceConfigurations" ||
		!strings.Contains(c.Error.Message, "AWS did not answer within 20ms") || !strings.Contains(c.Error.Hint, "account payments (111111111111) in us-east-1") {
		t.Errorf("%+v %+v", c, c.Error)
	}
}

// Deleting what a cross-account, cross-region replace removes is bounded,
// paced and explained in the old account and region.
func TestDeleteOldUsesPriorScopeForBoundsPacingAndHints(t *testing.T) {
	p := func(w *fakeWorld) *plan.Plan {
		w.services["vpce-svc-1"] = &fakeService{account: "111111111111", region: "us-east-1", cfg: fakeServiceCfg("vpce-svc-1", "svc-1")}
		w.services["vpce-svc-1"].cfg.AcceptanceRequired = aws.Bool(false)
		w.endpoints["vpce-old"] = &fakeEndpoint{account: "333333333333", region: "us-west-2", serviceID: "vpce-svc-1", ep: fakeEndpointVal("vpce-old", "available")}
		return &plan.Plan{Project: "demo", Changes: []plan.Change{{Address: "consumer.web", Kind: plan.KindEndpoint, Action: plan.Replace,
			Account: "checkout", AccountID: "222222222222", Region: "us-east-1", ID: "vpce-old", ReplaceReasons: []string{"account", "region"},
			PriorAccount: "analytics", PriorAccountID: "333333333333", PriorRegion: "us-west-2",
			Before: &plan.Values{ServiceName: "svc-1"}, After: &plan.Values{ServiceName: "svc-1"}}}}
	}
	w := newFakeWorld()
	pl := p(w)
	g, err := buildSchedule(pl)
	if err != nil {
		t.Fatal(err)
	}
	opts := fastOpts()
	opts.Pace = true
	r := newRunner(pl, g, w.clients(), opts.withDefaults(pl))
	if res := r.run(context.Background()); !res.OK() {
		t.Fatalf("%+v", res.Changes)
	}
	for _, key := range []string{"analytics|us-west-2|endpoint", "checkout|us-east-1|endpoint"} {
		if r.sems[key] == nil {
			t.Errorf("no bound %s in %v", key, keys(r.sems))
		}
		if r.limiters[key] == nil {
			t.Errorf("no pacing %s in %v", key, keys(r.limiters))
		}
	}

	w = newFakeWorld()
	pl = p(w)
	w.injectFault("DeleteVpcEndpoints", "UnauthorizedOperation", 1)
	res, err := run(t, w, pl, fastOpts())
	if !errors.Is(err, ErrFailed) {
		t.Fatal(err)
	}
	if c := statusOf(t, res, "consumer.web"); c.Error == nil || !strings.Contains(c.Error.Hint, "account analytics (333333333333) in us-west-2") {
		t.Errorf("%+v %+v", c, c.Error)
	}
	w = newFakeWorld()
	pl = p(w)
	w.unsuccessful["vpce-old"] = "VpcEndpointLimitExceeded"
	res, _ = run(t, w, pl, fastOpts())
	if c := statusOf(t, res, "consumer.web"); c.Error == nil || !strings.Contains(c.Error.Hint, "account analytics (333333333333) in us-west-2") {
		t.Errorf("unsuccessful item: %+v %+v", c, c.Error)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The connections checked before a service delete are listed page by
// page: one on the second page still stops the delete.
func TestServiceDeleteListsConnectionsOfEveryPage(t *testing.T) {
	w := newFakeWorld()
	w.connPageSize = 1
	p := removalPlan(w)
	p.Changes = p.Changes[4:] // only the service delete: two connections left
	res, err := run(t, w, p, fastOpts())
	if err == nil {
		t.Fatalf("service deleted with connections left: %+v", res.Changes)
	}
	if c := statusOf(t, res, "provider.api"); c.Error == nil || !strings.Contains(c.Error.Message, "2 connected endpoint(s)") {
		t.Errorf("provider.api: %+v", c.Error)
	}
	d := w.callsOf("DescribeVpcEndpointConnections")
	if len(d) < 2 {
		t.Fatalf("describe calls %+v", d)
	}
	for i, c := range d[:2] {
		in := c.Input.(*ec2.DescribeVpcEndpointConnectionsInput)
		if aws.ToInt32(in.MaxResults) != 1000 || len(in.Filters) != 1 || aws.ToString(in.Filters[0].Name) != "service-id" ||
			(i == 1) != (aws.ToString(in.NextToken) != "") {
			t.Errorf("describe %d: %+v", i, in)
		}
	}
}

// Adopts count as adopted, as the plan says, not as changed.
func TestSummaryCountsAdopts(t *testing.T) {
	r := &Result{Changes: []ChangeResult{
		{Address: "provider.legacy", Action: plan.Adopt, Status: StatusDone},
		{Address: "consumer.legacy", Action: plan.Adopt, Status: StatusDone},
		{Address: "consumer.web", Action: plan.Update, Status: StatusDone},
	}}
	s := r.Summary()
	if s.Adopted != 2 || s.Changed != 1 {
		t.Errorf("summary %+v", s)
	}
	var b bytes.Buffer
	if err := WriteSummary(&b, r); err != nil {
		t.Fatal(err)
	}
	if b.String() != "Apply complete: 0 added, 1 changed, 0 destroyed, 0 accepted, 0 rejected, 2 adopted.\n" {
		t.Errorf("%q", b.String())
	}
	j, _ := json.Marshal(s)
	if !strings.Contains(string(j), `"adopted":2`) {
		t.Errorf("json %s", j)
	}

	// Without adopts the line is as it always was.
	r.Changes = r.Changes[2:]
	b.Reset()
	_ = WriteSummary(&b, r)
	if b.String() != "Apply complete: 0 added, 1 changed, 0 destroyed, 0 accepted, 0 rejected.\n" {
		t.Errorf("%q", b.String())
	}
}
