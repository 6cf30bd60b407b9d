package scale

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/reconcile"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
	"github.com/plinkdev/plink/status"
)

// TestMain keeps the SDK away from the machine's AWS configuration for
// every test and benchmark, and stops the servers benchmarks share.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "plink-scale-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	awsenv.Isolate(awsenv.ProcessEnv, dir)
	code := m.Run()
	closeShared()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is a generated topology served by a sandbox over real HTTP, and the
// pipeline plink runs against it: verify → read → compute, and apply.
type env struct {
	url string
	sb  *sandbox.Sandbox
	m   *manifest.Manifest
}

// newEnv generates a topology and serves it until the test ends.
func newEnv(tb testing.TB, accounts, providers, consumers int) *env {
	tb.Helper()
	w, y := Generate(accounts, providers, consumers, 1)
	m := parse(tb, fmt.Sprintf("scale-%d-%d-%d.yaml", accounts, providers, consumers), y)
	srv := sandboxtest.StartWorld(tb, w, sandbox.Options{Seed: 1})
	return &env{url: srv.URL, sb: srv.Sandbox, m: m}
}

// resolver builds fresh clients, as one plink run does: every account's role
// is assumed anew.
func (e *env) resolver(tb testing.TB) *awsenv.Resolver {
	tb.Helper()
	key, secret, err := e.sb.OperatorCredentials()
	if err != nil {
		tb.Fatal(err)
	}
	r, err := awsenv.New(context.Background(), e.m, awsenv.Options{
		Endpoint:        e.url,
		BaseCredentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(key, secret, "")),
		Region:          Regions[0],
	})
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// plan runs what `plink plan` runs: verify credentials, read live state,
// compute the plan, reading target health for lint PL116 as plan's
// default --target-health=changed does. It fails on read failures and plan
// errors.
func (e *env) plan(tb testing.TB) (*plan.Plan, *awsenv.Resolver) {
	tb.Helper()
	return e.planHealth(tb, e.m, reconcile.HealthChanged)
}

// planHealth is plan of m with --target-health=mode.
func (e *env) planHealth(tb testing.TB, m *manifest.Manifest, mode string) (*plan.Plan, *awsenv.Resolver) {
	tb.Helper()
	ctx := context.Background()
	r := e.resolver(tb)
	if err := r.Verify(ctx); err != nil {
		tb.Fatalf("verify: %v", err)
	}
	snap, err := live.Read(ctx, m, r, live.ReadOptions{})
	if err != nil {
		tb.Fatalf("read: %v", err)
	}
	p, th := reconcile.PlanWithTargetHealth(mode, m, snap, plan.Options{}, nil, func(hm *manifest.Manifest) *status.Snapshot {
		th, _ := status.ReadTargetHealth(ctx, hm, snap, r, status.ReadOptions{})
		return th
	})
	if th != nil && len(th.Failures) > 0 {
		tb.Fatalf("reading target health: %v", th.Failures)
	}
	if p.HasErrors() {
		tb.Fatalf("plan has errors: %+v", p.Diagnostics)
	}
	return p, r
}

// applyOptions waits briefly: the sandbox's state changes are immediate.
func applyOptions() apply.Options {
	return apply.Options{PollInterval: time.Millisecond, ServiceTimeout: time.Minute,
		EndpointTimeout: time.Minute, DeleteTimeout: time.Minute}
}

// apply applies p and fails on any error, with apply's summary.
func (e *env) apply(tb testing.TB, p *plan.Plan, r *awsenv.Resolver) *apply.Result {
	tb.Helper()
	res, err := apply.Run(context.Background(), p, apply.FromClientSource(r), applyOptions())
	if err != nil {
		var b strings.Builder
		if res != nil {
			_ = apply.WriteSummary(&b, res)
		}
		tb.Fatalf("apply: %v\n%s", err, b.String())
	}
	return res
}

// callsByAction sums the sandbox's call counters per action.
func callsByAction(calls []sandbox.Call) map[string]int {
	out := map[string]int{}
	for _, c := range calls {
		out[c.Action] += c.Count
	}
	return out
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// formatCounts renders counts one "Action n" per line, sorted by action.
func formatCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-45s %6d\n", k, m[k])
	}
	return b.String()
}

// inline renders counts on one line: "total N: Action n, ...".
func inline(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return fmt.Sprintf("total %d: %s", total(m), strings.Join(parts, ", "))
}
