package scale

import (
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/reconcile"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

var terraformBinary = flag.Bool("scale.terraform", false, "TestTerraformTopology also runs the plink binary's no-change plan against the served topology, with and without 20 ms a call and AWS's buckets, and logs calls, wall time and peak RSS beside Terraform's refresh")

// terraformK is the size of Terraform's refresh comparison: 40 services,
// 40 load balancers, 160 endpoints in one account.
const terraformK = 40

// TestTerraformTopology holds a no-change plan of Terraform's topology
// (GenerateTerraformTopology(40): one account, 40 services each behind its
// own NLB, an interface endpoint of each in each of 4 VPCs) to its
// page-and-permissions bound exactly, and to at least 8 times fewer calls
// than the AWS provider's refresh of the same resources (531: 11 fixed, 2
// per service, 2 per endpoint, 3 per load balancer). With
// --target-health=all it adds exactly lint PL116's reads.
func TestTerraformTopology(t *testing.T) {
	w, y := GenerateTerraformTopology(terraformK)
	m := parse(t, "terraform-40.yaml", y)
	if len(m.Providers) != terraformK || len(m.Consumers) != 4*terraformK {
		t.Fatalf("topology: %d providers, %d consumers", len(m.Providers), len(m.Consumers))
	}
	srv := sandboxtest.StartWorld(t, w, sandbox.Options{Seed: 1})
	e := &env{url: srv.URL, sb: srv.Sandbox, m: m}
	p, r := e.plan(t)
	if sum := p.Summary(); sum.Add != terraformK+4*terraformK || len(p.Changes) != sum.Add {
		t.Fatalf("plan of the empty world: %+v, %d changes", sum, len(p.Changes))
	}
	e.apply(t, p, r)

	want := expectedCalls(m, true).Total()
	if total(want) != 53 {
		t.Fatalf("the bound of Terraform's topology is %d calls, want 53:\n%s", total(want), formatCounts(want))
	}
	tf := terraformCalls(m)
	if tf != 531 {
		t.Fatalf("Terraform's refresh of the topology: %d calls, want 531", tf)
	}

	e.sb.ResetCalls()
	start := time.Now()
	p, r = e.plan(t)
	wall := time.Since(start)
	if p.HasChanges() {
		t.Fatalf("the plan after apply has changes: %+v", p.Summary())
	}
	got := callsByAction(e.sb.Calls())
	if diff := diffBeyondRetries(got, want, r.RetryStats()); len(diff) > 0 {
		t.Errorf("no-change plan: calls differ from the bound:\n  %s", strings.Join(diff, "\n  "))
	}
	n := total(got) - retried(r.RetryStats())
	if float64(n) > 1.1*float64(total(want)) || tf < 8*n {
		t.Errorf("no-change plan: %d calls, bound %d (%.2f×), Terraform %d (%.1f× plink's)", n, total(want), float64(n)/float64(total(want)), tf, float64(tf)/float64(n))
	}
	t.Logf("no-change plan: %d calls (bound %d, %.2f×), Terraform's refresh %d: %.1f× fewer; %v in process (not asserted)",
		n, total(want), float64(n)/float64(total(want)), tf, float64(tf)/float64(n), wall.Round(time.Millisecond))

	// --target-health=all reads lint PL116's target health behind every
	// consumed service: one DescribeTargetGroups for the account-region
	// and one DescribeLoadBalancerAttributes per load balancer (no target
	// group is registered).
	e.sb.ResetCalls()
	all := map[string]bool{}
	for _, pr := range m.Providers {
		all[pr.Name] = true
	}
	_, r = e.planHealth(t, m, reconcile.HealthAll)
	wantAll := add(want, expectedHealth(m, all, 0))
	if diff := diffBeyondRetries(callsByAction(e.sb.Calls()), wantAll, r.RetryStats()); len(diff) > 0 {
		t.Errorf("no-change plan with --target-health=all: calls differ:\n  %s", strings.Join(diff, "\n  "))
	}

	if *terraformBinary {
		terraformSideBySide(t, y, want, tf)
	}
}

// retried is the number of calls a plan's clients sent again, after a
// throttling or a server or network error.
func retried(s awsenv.RetryStats) int { return int(s.Throttled + s.Transient) }

// diffBeyondRetries is diffCounts(got, want), except that got may exceed
// want by as many calls in all as the clients retried: on a loaded machine
// a call of the in-process sandbox may time out or lose its connection and
// be sent again, which the bound does not model.
func diffBeyondRetries(got, want map[string]int, s awsenv.RetryStats) []string {
	diff := diffCounts(got, want)
	extra := 0
	for k, v := range got {
		if v < want[k] {
			return diff
		}
		extra += v - want[k]
	}
	for k := range want {
		if got[k] < want[k] {
			return diff
		}
	}
	if extra == retried(s) {
		return nil
	}
	return append(diff, fmt.Sprintf("(%d calls retried)", retried(s)))
}

// terraformSideBySide runs the plink binary's no-change plan of the
// topology y as the table does (a process of its own, the sandbox served
// from this one): it applies the topology once, then plans
// it three times with no injected latency and three times with 20 ms a
// call and AWS's buckets, and logs calls, wall time and peak RSS beside
// Terraform's refresh.
func terraformSideBySide(t *testing.T, y []byte, want map[string]int, tf int) {
	bin := buildPlink(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "m.yaml"), y, 0o644); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state.json")
	serve := func(opts sandbox.Options) (*sandbox.Sandbox, *httptest.Server, string, string) {
		w, _ := GenerateTerraformTopology(terraformK)
		opts.Seed, opts.StatePath = 1, state
		sb, err := sandbox.New(w, opts)
		if err != nil {
			t.Fatal(err)
		}
		key, secret, err := sb.OperatorCredentials()
		if err != nil {
			t.Fatal(err)
		}
		return sb, httptest.NewServer(sb.Handler()), key, secret
	}
	// (applied in process: plink apply paces its creates at AWS's rate,
	// 0.3 a second in one account-region)
	sb, srv, _, _ := serve(sandbox.Options{})
	e := &env{url: srv.URL, sb: sb, m: parse(t, "m.yaml", y)}
	p, r := e.plan(t)
	e.apply(t, p, r)
	srv.Close()
	for _, opts := range []sandbox.Options{{}, {Latency: latency, Throttle: true}} {
		sb, srv, key, secret := serve(opts)
		var runs []string
		for i := 0; i < 3; i++ {
			if i > 0 && opts.Throttle {
				// the bucket of the account-region refills (100 at 20/s):
				// back to back, the third plan finds it drained
				time.Sleep(5 * time.Second)
			}
			sb.ResetCalls()
			p := plink(t, bin, dir, srv.URL, key, secret, "plan", "-f", "m.yaml", "--detailed-exitcode")
			if p.code != 0 {
				srv.Close()
				t.Fatalf("plan: exit %d\n%s", p.code, tail(p.stderr+p.stdout))
			}
			got := callsByAction(sb.Calls())
			if diff := diffCounts(got, want); len(diff) > 0 && !strings.Contains(p.stderr, "retr") {
				t.Errorf("plink plan: calls differ from the bound:\n  %s\nthrottled: %v\nstderr: %s", strings.Join(diff, "\n  "), sb.Throttled(), tail(p.stderr))
			}
			runs = append(runs, fmt.Sprintf("%d calls in %.2f s, %d MB", total(got), p.wall.Seconds(), p.rssKiB/1024))
		}
		srv.Close()
		t.Logf("plink plan (latency %v, throttle %v): %s; bound %d; Terraform's refresh %d calls (%.1f× plink's) plus %.1f s of start-up",
			opts.Latency, opts.Throttle, strings.Join(runs, "; "), total(want), tf, float64(tf)/float64(total(want)), terraformStartup)
	}
}
