package apply_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

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
	p := plan.Compute(m, snap, plan.Options{})
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

func writeManifest(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var _ = errors.Is

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
	// analytics-payments-west, payments-ingest, the analytics principal, and
	// analytics-ingest with its principal.
	if s.Destroyed != 5 {
		t.Errorf("destroyed %d, want 5: %+v", s.Destroyed, res.Changes)
	}
	e.converged("removed.yaml")
}
