package apply_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

// The state matrix, plan side, through the real SDK against the sandbox:
// every state AWS reports for an endpoint (and for a service) crossed with
// every intent the manifest can have for it gives one plan action and one
// exit code (0 nothing to do, 2 changes, 1 the plan has errors); where the
// plan can be applied, one apply converges: a fresh plan has no change.
// A new state or intent is one row. The drift side is drift/matrix_test.go.

const (
	mxConsumer = "consumer.checkout-payments"
	mxProvider = "provider.payments-api"
)

// exitOf is the exit code plan --detailed-exitcode gives for p.
func exitOf(p *plan.Plan) int {
	switch {
	case p.HasErrors():
		return 1
	case p.HasChanges():
		return 2
	}
	return 0
}

// intent changes the manifest (and, for "not ours" and "adopted", the
// live resource's tags) before planning; id is the resource's live id.
type intent struct {
	name  string
	setup func(t *testing.T, e *env, m *manifest.Manifest, id string)
}

func untag(t *testing.T, e *env, alias, region, id string) {
	t.Helper()
	_, err := e.srv.Clients(t, alias, region).EC2.DeleteTags(context.Background(), &ec2.DeleteTagsInput{Resources: []string{id},
		Tags: []ec2types.Tag{{Key: aws.String(live.TagProject)}, {Key: aws.String(live.TagName)}}})
	if err != nil {
		t.Fatal(err)
	}
}

func protectTag(t *testing.T, e *env, alias, region, id string) {
	t.Helper()
	_, err := e.srv.Clients(t, alias, region).EC2.CreateTags(context.Background(), &ec2.CreateTagsInput{Resources: []string{id},
		Tags: []ec2types.Tag{{Key: aws.String(plan.TagProtect), Value: aws.String("true")}}})
	if err != nil {
		t.Fatal(err)
	}
}

func consumerNamed(m *manifest.Manifest, name string) *manifest.Consumer {
	for _, c := range m.Consumers {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func withoutConsumer(m *manifest.Manifest, name string) {
	kept := m.Consumers[:0]
	for _, c := range m.Consumers {
		if c.Name != name {
			kept = append(kept, c)
		}
	}
	m.Consumers = kept
}

var endpointIntents = []intent{
	{"declared", func(*testing.T, *env, *manifest.Manifest, string) {}},
	{"changed", func(_ *testing.T, _ *env, m *manifest.Manifest, _ string) {
		consumerNamed(m, "checkout-payments").Tags = map[string]string{"app": "checkout", "tier": "gold"}
	}},
	{"removed", func(_ *testing.T, _ *env, m *manifest.Manifest, _ string) { withoutConsumer(m, "checkout-payments") }},
	{"adopted", func(t *testing.T, e *env, m *manifest.Manifest, id string) {
		untag(t, e, "checkout", "us-east-1", id)
		consumerNamed(m, "checkout-payments").Adopt = id
	}},
	{"protected", func(t *testing.T, e *env, m *manifest.Manifest, id string) {
		protectTag(t, e, "checkout", "us-east-1", id)
		consumerNamed(m, "checkout-payments").Protect = true
	}},
	{"not ours", func(t *testing.T, e *env, m *manifest.Manifest, id string) {
		untag(t, e, "checkout", "us-east-1", id)
		withoutConsumer(m, "checkout-payments")
	}},
}

type want struct {
	action plan.Action // on the resource's address; "" for none
	exit   int
}

func TestStateMatrixEndpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("state matrix against the sandbox")
	}
	// payments-api requires acceptance, accepts declared consumers and
	// rejects undeclared ones; checkout-payments is one of its consumers.
	table := map[string]map[string]want{
		"pendingAcceptance": {"declared": {"", 2}, "changed": {plan.Update, 2}, "removed": {plan.Delete, 2},
			"adopted": {plan.Adopt, 2}, "protected": {"", 2}, "not ours": {"", 2}},
		"pending": {"declared": {"", 0}, "changed": {plan.Update, 2}, "removed": {plan.Delete, 2},
			"adopted": {plan.Adopt, 2}, "protected": {"", 0}, "not ours": {"", 0}},
		// an available connection from an account that is still allowed is
		// kept even when undeclared; a pending one is rejected
		"available": {"declared": {"", 0}, "changed": {plan.Update, 2}, "removed": {plan.Delete, 2},
			"adopted": {plan.Adopt, 2}, "protected": {"", 0}, "not ours": {"", 0}},
		"rejected": {"declared": {plan.Replace, 2}, "changed": {plan.Replace, 2}, "removed": {plan.Delete, 2},
			"adopted": {plan.Replace, 2}, "protected": {plan.Replace, 1}, "not ours": {"", 0}},
		"expired": {"declared": {plan.Replace, 2}, "changed": {plan.Replace, 2}, "removed": {plan.Delete, 2},
			"adopted": {plan.Replace, 2}, "protected": {plan.Replace, 1}, "not ours": {"", 0}},
		"failed": {"declared": {plan.Replace, 2}, "changed": {plan.Replace, 2}, "removed": {plan.Delete, 2},
			"adopted": {plan.Replace, 2}, "protected": {plan.Replace, 1}, "not ours": {"", 0}},
		"deleting": {"declared": {plan.Create, 2}, "changed": {plan.Create, 2}, "removed": {"", 0},
			"adopted": {"", 1}, "protected": {plan.Create, 2}, "not ours": {"", 0}},
		"deleted": {"declared": {plan.Create, 2}, "changed": {plan.Create, 2}, "removed": {"", 0},
			"adopted": {"", 1}, "protected": {plan.Create, 2}, "not ours": {"", 0}},
	}
	for _, state := range []string{"pendingAcceptance", "pending", "available", "rejected", "expired", "failed", "deleting", "deleted"} {
		for _, in := range endpointIntents {
			w := table[state][in.name]
			t.Run(state+"/"+in.name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				res := e.apply("full.yaml")
				id := res.Created[mxConsumer]
				m := loadFull(t)
				in.setup(t, e, m, id)
				if err := e.srv.Sandbox.ForceEndpointState(id, state); err != nil {
					t.Fatal(err)
				}
				p := e.planManifest(m)
				checkRow(t, p, mxConsumer, w)
				// plink never deletes or rejects what is not its own
				for _, c := range p.Changes {
					if in.name == "not ours" && c.ID == id && c.Kind == plan.KindEndpoint {
						t.Errorf("foreign endpoint planned: %s %s", c.Action, c.Address)
					}
					if c.Kind == plan.KindConnection && c.Action == plan.Reject && c.ID == id && in.name != "not ours" && in.name != "removed" {
						t.Errorf("this project's endpoint rejected: %+v", c)
					}
				}
				// a forced pending never settles by itself: apply would wait
				// it out; every other plannable row converges in one apply
				if w.exit == 2 && state != "pending" {
					e.applyPlan(t, m, p)
					if again := e.planManifest(m); again.HasChanges() || again.HasErrors() {
						t.Errorf("not converged after one apply: %s", summary(again))
					}
				}
			})
		}
	}
}

func TestStateMatrixService(t *testing.T) {
	if testing.Short() {
		t.Skip("state matrix against the sandbox")
	}
	intents := []intent{
		{"declared", func(*testing.T, *env, *manifest.Manifest, string) {}},
		{"changed", func(_ *testing.T, _ *env, m *manifest.Manifest, _ string) {
			m.Providers[0].Tags = map[string]string{"service": "payments", "tier": "gold"}
		}},
		{"protected", func(t *testing.T, e *env, m *manifest.Manifest, id string) {
			protectTag(t, e, "payments", "us-east-1", id)
			m.Providers[0].Protect = true
		}},
	}
	table := map[string]map[string]want{
		"Pending":   {"declared": {"", 0}, "changed": {plan.Update, 2}, "protected": {"", 0}},
		"Available": {"declared": {"", 0}, "changed": {plan.Update, 2}, "protected": {"", 0}},
		// a Failed service serves nobody: replaced (an error when protected)
		"Failed": {"declared": {plan.Replace, 2}, "changed": {plan.Replace, 2}, "protected": {plan.Replace, 1}},
		// going or gone: created anew
		"Deleting": {"declared": {plan.Create, 2}, "changed": {plan.Create, 2}, "protected": {plan.Create, 2}},
		"Deleted":  {"declared": {plan.Create, 2}, "changed": {plan.Create, 2}, "protected": {plan.Create, 2}},
	}
	for _, state := range []string{"Pending", "Available", "Failed", "Deleting", "Deleted"} {
		for _, in := range intents {
			w := table[state][in.name]
			t.Run(state+"/"+in.name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				res := e.apply("full.yaml")
				id := res.Created[mxProvider]
				m := loadFull(t)
				in.setup(t, e, m, id)
				if err := e.srv.Sandbox.ForceServiceState(id, state); err != nil {
					t.Fatal(err)
				}
				p := e.planManifest(m)
				checkRow(t, p, mxProvider, w)
			})
		}
	}
	// removed from the manifest: an Available service is deleted (its
	// consumers with it); a going or gone one is left alone
	for _, tt := range []struct {
		state  string
		action plan.Action
	}{{"Available", plan.Delete}, {"Deleting", ""}, {"Deleted", ""}} {
		t.Run(tt.state+"/removed", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			res := e.apply("full.yaml")
			id := res.Created[mxProvider]
			m := loadFull(t)
			m.Providers = m.Providers[1:]
			kept := m.Consumers[:0]
			for _, c := range m.Consumers {
				if c.Provider != "payments-api" {
					kept = append(kept, c)
				}
			}
			m.Consumers = kept
			if err := e.srv.Sandbox.ForceServiceState(id, tt.state); err != nil {
				t.Fatal(err)
			}
			p := e.planManifest(m)
			if got := actionOf(p, mxProvider); got != tt.action {
				t.Errorf("action %q, want %q: %s", got, tt.action, summary(p))
			}
			if p.HasErrors() {
				t.Errorf("errors: %s", summary(p))
			}
		})
	}
}

// A provider's load balancer in each state: deleted by hand or failed, the
// declared provider cannot be planned (exit 1) and nothing is deleted
// because of it; provisioning behind a service that has it already, or
// impaired, it plans as usual.
func TestStateMatrixLoadBalancer(t *testing.T) {
	for _, tt := range []struct {
		state string
		exit  int
		code  string
	}{
		{"", 1, plan.CodeLBMissing},
		{"failed", 1, plan.CodeLBNotActive},
		{"provisioning", 0, ""},
		{"active_impaired", 0, ""},
		{"active", 0, ""},
	} {
		t.Run("state="+tt.state, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.apply("full.yaml")
			m := loadFull(t)
			if err := e.srv.Sandbox.ForceLoadBalancerState(m.Providers[0].NetworkLoadBalancerARNs[0], tt.state); err != nil {
				t.Fatal(err)
			}
			p := e.planManifest(m)
			if exitOf(p) != tt.exit || tt.code != "" && !hasCode(p, tt.code) {
				t.Errorf("exit %d, want %d with %s: %s", exitOf(p), tt.exit, tt.code, summary(p))
			}
			for _, c := range p.Changes {
				if c.Action == plan.Delete || c.Action == plan.Replace {
					t.Errorf("planned %s %s", c.Action, c.Address)
				}
			}
		})
	}
	// a new provider on a load balancer still provisioning is refused
	e := newEnv(t)
	m := loadFull(t)
	if err := e.srv.Sandbox.ForceLoadBalancerState(m.Providers[0].NetworkLoadBalancerARNs[0], "provisioning"); err != nil {
		t.Fatal(err)
	}
	if p := e.planManifest(m); exitOf(p) != 1 || !hasCode(p, plan.CodeLBNotActive) {
		t.Errorf("new provider on a provisioning load balancer: %s", summary(p))
	}
}

func checkRow(t *testing.T, p *plan.Plan, addr string, w want) {
	t.Helper()
	if got := actionOf(p, addr); got != w.action {
		t.Errorf("action on %s: %q, want %q\n%s", addr, got, w.action, summary(p))
	}
	if got := exitOf(p); got != w.exit {
		t.Errorf("exit code %d, want %d\n%s", got, w.exit, summary(p))
	}
}

func actionOf(p *plan.Plan, addr string) plan.Action {
	for _, c := range p.Changes {
		if c.Address == addr && c.Action != plan.NoOp {
			return c.Action
		}
	}
	return ""
}

func hasCode(p *plan.Plan, code string) bool {
	for _, d := range p.Diagnostics {
		if d.Code == code {
			return true
		}
	}
	return false
}

func summary(p *plan.Plan) string {
	var b strings.Builder
	for _, c := range p.Changes {
		if c.Action != plan.NoOp {
			fmt.Fprintf(&b, "  %s %s %s\n", c.Action, c.Address, c.ID)
		}
	}
	for _, d := range p.Diagnostics {
		if d.Severity == plan.SeverityError {
			fmt.Fprintf(&b, "  %s %s: %s\n", d.Code, d.Address, d.Message)
		}
	}
	return b.String()
}

func loadFull(t *testing.T) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Load(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// planManifest plans m against the sandbox, errors and all.
func (e *env) planManifest(m *manifest.Manifest) *plan.Plan {
	e.t.Helper()
	snap, err := live.Read(context.Background(), m, e.resolver(m), live.ReadOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	return plan.Compute(m, snap, e.planOpts)
}

func (e *env) applyPlan(t *testing.T, m *manifest.Manifest, p *plan.Plan) {
	t.Helper()
	if _, err := apply.Run(context.Background(), p, apply.FromClientSource(e.resolver(m)), opts()); err != nil {
		t.Fatalf("apply: %v", err)
	}
}
