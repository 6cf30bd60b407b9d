package scale

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/sandbox"
)

// TestShardsConverge applies a topology as a pipeline matrix would: plink
// shards splits its accounts, and every shard's apply runs in parallel as
// its own process (with only its accounts owned) against a sandbox with
// AWS's delays and some 5xx. With --shard-wait a shard waits for what
// another shard makes (a consumer for its service, a provider's accept
// for its endpoint), so the first round converges and the second changes
// nothing; the result must equal one full apply of the same topology:
// the same services, principals, endpoints and connection states, no
// duplicate, and nothing declared rejected.
func TestShardsConverge(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds plink and applies a topology three times")
	}
	bin := buildPlink(t)
	const accounts, providers, consumers = 6, 12, 36
	w, y := Generate(accounts, providers, consumers, 3)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "m.yaml"), y, 0o644); err != nil {
		t.Fatal(err)
	}
	m := parse(t, "m.yaml", y)
	serve := func() (*env, func(args ...string) proc) {
		sb, err := sandbox.New(w, sandbox.Options{
			Seed:                   1,
			ServiceAvailableDelay:  2 * time.Second,
			EndpointAvailableDelay: 2 * time.Second,
			ConsistencyDelay:       300 * time.Millisecond,
			ErrorRate:              0.02,
		})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(sb.Handler())
		t.Cleanup(srv.Close)
		key, secret, err := sb.OperatorCredentials()
		if err != nil {
			t.Fatal(err)
		}
		return &env{url: srv.URL, sb: sb, m: m}, func(args ...string) proc {
			return plink(t, bin, dir, srv.URL, key, secret, args...)
		}
	}

	// One full apply.
	full, runFull := serve()
	if p := runFull("apply", "-f", "m.yaml", "--auto-approve"); p.code != 0 {
		t.Fatalf("full apply: exit %d\n%s", p.code, tail(p.stderr+p.stdout))
	}

	// The matrix.
	sharded, run := serve()
	out := run("shards", "-f", "m.yaml", "--max-accounts", "2")
	if out.code != 0 {
		t.Fatalf("plink shards: exit %d\n%s", out.code, out.stderr)
	}
	var matrix struct {
		Include []struct {
			Name     string   `json:"name"`
			Accounts []string `json:"accounts"`
			Args     string   `json:"args"`
		} `json:"include"`
	}
	if err := json.Unmarshal([]byte(out.stdout), &matrix); err != nil {
		t.Fatalf("plink shards printed no JSON matrix: %v\n%s", err, out.stdout)
	}
	if len(matrix.Include) != 3 {
		t.Fatalf("6 accounts at most 2 a shard: want 3 shards, got %d\n%s", len(matrix.Include), out.stdout)
	}
	seen := map[string]bool{}
	for _, j := range matrix.Include {
		for _, a := range j.Accounts {
			if seen[a] {
				t.Fatalf("account %s is in two shards:\n%s", a, out.stdout)
			}
			seen[a] = true
		}
	}

	// Two rounds of parallel shard applies, with the lock on: each shard
	// takes its own lease (docs/concurrency.md).
	for round := 1; round <= 2; round++ {
		var wg sync.WaitGroup
		res := make([]proc, len(matrix.Include))
		for i, j := range matrix.Include {
			wg.Add(1)
			go func() {
				defer wg.Done()
				args := append([]string{"apply", "-f", "m.yaml", "--auto-approve", "--shard-wait", "40s", "--detailed-exitcode"}, strings.Fields(j.Args)...)
				res[i] = run(args...)
			}()
		}
		wg.Wait()
		for i, p := range res {
			t.Logf("round %d, %s: exit %d", round, matrix.Include[i].Name, p.code)
			// --shard-wait makes the first round converge (docs/pipelines.md):
			// every shard exits 0, and round 2 finds nothing
			if p.code != 0 {
				t.Fatalf("round %d, %s: exit %d\n%s\n%s", round, matrix.Include[i].Name, p.code, tail(p.stderr), tail(p.stdout))
			}
			if round == 2 && !strings.Contains(p.stdout, "No changes.") {
				t.Errorf("round 2, %s changed something: the first round should have converged\n%s", matrix.Include[i].Name, tail(p.stdout))
			}
		}
		check := run("plan", "-f", "m.yaml", "--detailed-exitcode")
		if check.code != 0 {
			for i, p := range res {
				t.Logf("round %d, %s (exit %d):\n%s\n%s", round, matrix.Include[i].Name, p.code, tail(p.stderr), tail(p.stdout))
			}
			t.Fatalf("round %d: the full plan exits %d, want 0 (converged)\n%s", round, check.code, tail(check.stdout+check.stderr))
		}
	}
	want, got := project(t, full), project(t, sharded)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("the sharded applies differ from one full apply:\nfull:\n  %s\nsharded:\n  %s", strings.Join(want, "\n  "), strings.Join(got, "\n  "))
	}
	for _, l := range got {
		if strings.Contains(l, "rejected") {
			t.Errorf("a declared connection was rejected: %s", l)
		}
	}
}

// project lists what the sandbox holds for the project, without ids: a
// service per provider with its principals, an endpoint per consumer and
// the state of each connection, so two applies compare by name.
func project(t *testing.T, e *env) []string {
	t.Helper()
	snap, err := live.Read(context.Background(), e.m, e.resolver(t), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{} // endpoint id -> name
	var out []string
	for _, ep := range snap.Endpoints {
		if ep.Tags[live.TagProject] != Project {
			continue
		}
		names[ep.ID] = ep.Tags[live.TagName]
		out = append(out, fmt.Sprintf("endpoint %s %s/%s %s", ep.Tags[live.TagName], ep.AccountID, ep.Region, ep.State))
	}
	for _, s := range snap.Services {
		if s.Tags[live.TagProject] != Project {
			continue
		}
		out = append(out, fmt.Sprintf("service %s %s/%s principals %v", s.Tags[live.TagName], s.AccountID, s.Region, s.Principals))
		for _, c := range s.Connections {
			out = append(out, fmt.Sprintf("connection %s -> %s %s", names[c.EndpointID], s.Tags[live.TagName], c.State))
		}
	}
	sort.Strings(out)
	return out
}
