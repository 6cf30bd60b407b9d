package scale

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
)

// The benchmark topology: 50 accounts, 500 providers, 2,000 consumers.
var large = size{50, 500, 2000}

// timed is the sandbox's handler, timing the requests it serves, so that a
// benchmark can tell the sandbox's share of the time from plink's.
type timed struct {
	h        http.Handler
	requests atomic.Int64
	ns       atomic.Int64
}

func (t *timed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	t.h.ServeHTTP(w, r)
	t.ns.Add(int64(time.Since(start)))
	t.requests.Add(1)
}

// shared is a benchmark environment that outlives one run of a benchmark
// function: go test runs it once with b.N = 1 and again with the real b.N,
// and applying 2,000 endpoints twice would be wasted time.
type shared struct {
	*env
	handler *timed
	srv     *httptest.Server
}

var sharedEnvs struct {
	sync.Mutex
	m map[string]*shared
}

// closeShared stops every shared server (from TestMain).
func closeShared() {
	sharedEnvs.Lock()
	defer sharedEnvs.Unlock()
	for _, s := range sharedEnvs.m {
		s.srv.Close()
	}
	sharedEnvs.m = nil
}

// sharedEnv returns the environment for sz, applied or empty, building it
// on first use. Building an applied one plans and applies the whole
// topology and logs where the time went.
func sharedEnv(b *testing.B, sz size, applied bool) *shared {
	b.Helper()
	key := fmt.Sprintf("%v applied=%v", sz, applied)
	sharedEnvs.Lock()
	defer sharedEnvs.Unlock()
	if s := sharedEnvs.m[key]; s != nil {
		return s
	}
	start := time.Now()
	w, y := Generate(sz.accounts, sz.providers, sz.consumers, 1)
	m := parse(b, "scale.yaml", y)
	generated := time.Since(start)
	sb, err := sandbox.New(w, sandbox.Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	h := &timed{h: sb.Handler()}
	srv := httptest.NewServer(h)
	s := &shared{env: &env{url: srv.URL, sb: sb, m: m}, handler: h, srv: srv}
	if sharedEnvs.m == nil {
		sharedEnvs.m = map[string]*shared{}
	}
	if !applied {
		sharedEnvs.m[key] = s
		return s
	}
	t0 := time.Now()
	p, r := s.plan(b)
	planned := time.Since(t0)
	sb.ResetCalls()
	h.ns.Store(0)
	t0 = time.Now()
	res := s.apply(b, p, r)
	applyTime := time.Since(t0)
	calls := callsByAction(sb.Calls())
	b.Logf("setup of %s: generate %v, first plan %v (%d changes), apply %v (%d changes; sandbox handlers busy %v summed over concurrent requests)\napply calls: %s",
		sz, generated.Round(time.Millisecond), planned.Round(time.Millisecond), len(p.Changes), applyTime.Round(time.Millisecond),
		len(res.Changes), time.Duration(h.ns.Load()).Round(time.Millisecond), inline(calls))
	sharedEnvs.m[key] = s
	return s
}

// benchPlan measures what `plink plan` does against the environment: new
// clients (every role assumed anew), Verify, live.Read and plan.Compute.
// Besides ns/op, B/op and allocs/op (which include the in-process
// sandbox's own work), it reports the API calls per plan, the time of each
// stage, and the time the sandbox spent serving (summed over concurrent
// requests).
func benchPlan(b *testing.B, sz size, applied bool) {
	s := sharedEnv(b, sz, applied)
	ctx := context.Background()
	s.sb.ResetCalls()
	s.handler.ns.Store(0)
	s.handler.requests.Store(0)
	var verify, read, compute time.Duration
	var p *plan.Plan
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		r := s.resolver(b)
		if err := r.Verify(ctx); err != nil {
			b.Fatalf("verify: %v", err)
		}
		t1 := time.Now()
		snap, err := live.Read(ctx, s.m, r, live.ReadOptions{})
		if err != nil {
			b.Fatalf("read: %v", err)
		}
		t2 := time.Now()
		p = plan.Compute(s.m, snap, plan.Options{})
		t3 := time.Now()
		verify += t1.Sub(t0)
		read += t2.Sub(t1)
		compute += t3.Sub(t2)
	}
	b.StopTimer()
	if p.HasErrors() {
		b.Fatalf("plan has errors: %+v", p.Diagnostics)
	}
	sum := p.Summary()
	if applied && p.HasChanges() {
		b.Fatalf("the plan against the applied topology has changes: %+v", sum)
	}
	if !applied && (sum.Add != len(p.Changes)-sum.Accept || sum.Add == 0) {
		b.Fatalf("the plan against the empty sandbox should only create and accept: %+v", sum)
	}
	calls := callsByAction(s.sb.Calls())
	n := float64(b.N)
	b.ReportMetric(float64(total(calls))/n, "calls/op")
	b.ReportMetric(float64(verify.Nanoseconds())/n, "verify-ns/op")
	b.ReportMetric(float64(read.Nanoseconds())/n, "read-ns/op")
	b.ReportMetric(float64(compute.Nanoseconds())/n, "compute-ns/op")
	b.ReportMetric(float64(s.handler.ns.Load())/n, "sandbox-ns/op")
	perOp := map[string]int{}
	for k, v := range calls {
		perOp[k] = v / b.N
	}
	if want := expectedCalls(s.m, applied).Total(); len(diffCounts(perOp, want)) > 0 {
		b.Errorf("calls per plan differ from the budget:\n  %s", strings.Join(diffCounts(perOp, want), "\n  "))
	}
	b.Logf("b.N=%d, %d changes %+v; calls per plan: %s", b.N, len(p.Changes), sum, inline(perOp))
}

// BenchmarkPlanScale plans the applied 50-account topology: every resource
// exists, the plan has no changes.
func BenchmarkPlanScale(b *testing.B) { benchPlan(b, large, true) }

// BenchmarkPlanScaleEmpty plans the same topology against an empty sandbox:
// every service, principal and endpoint is a create.
func BenchmarkPlanScaleEmpty(b *testing.B) { benchPlan(b, large, false) }
