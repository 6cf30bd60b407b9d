package plan_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

// BenchmarkComputeLarge plans a manifest against a snapshot read from a
// served world, both written by internal/scale's TestDumpSnapshot
// ($PLINK_BENCH_DIR/scale-$PLINK_BENCH_N.yaml and .json, or -applied.json
// with $PLINK_BENCH_APPLIED set), and reports the
// plan's memory per change: what it holds once computed (retained-B/change,
// after a GC) and the highest heap seen while computing (peak-MB, sampled
// every 20 ms with GOGC=10, so about the live heap's peak, above the
// manifest and snapshot, base-MB). With $PLINK_BENCH_HEAP set
// it also writes the heap profile of the computed plan there.
func BenchmarkComputeLarge(b *testing.B) {
	dir, n := os.Getenv("PLINK_BENCH_DIR"), os.Getenv("PLINK_BENCH_N")
	if dir == "" || n == "" {
		b.Skip("PLINK_BENCH_DIR and PLINK_BENCH_N not set (internal/scale's TestDumpSnapshot writes them)")
	}
	base := filepath.Join(dir, "scale-"+n)
	m, err := manifest.Load(base + ".yaml")
	if err != nil {
		b.Fatal(err)
	}
	world := base + ".json"
	if os.Getenv("PLINK_BENCH_APPLIED") != "" {
		world = base + "-applied.json"
	}
	data, err := os.ReadFile(world)
	if err != nil {
		b.Fatal(err)
	}
	var s live.Snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		b.Fatal(err)
	}
	data = nil
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapAlloc
		var peak atomic.Uint64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			var ms runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > peak.Load() {
					peak.Store(ms.HeapAlloc)
				}
			}
		}()
		gogc := debug.SetGCPercent(10)
		p := plan.Compute(m, &s, plan.Options{})
		debug.SetGCPercent(gogc)
		close(stop)
		<-done
		runtime.GC()
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapAlloc-base)/float64(len(p.Changes)), "retained-B/change")
		b.ReportMetric(float64(peak.Load()-base)/(1<<20), "peak-MB")
		b.ReportMetric(float64(base)/(1<<20), "base-MB")
		b.ReportMetric(float64(len(p.Changes)), "changes")
		b.ReportMetric(float64(cap(p.Changes)-len(p.Changes)), "spare-changes")
		if out := os.Getenv("PLINK_BENCH_HEAP"); out != "" && i == 0 {
			f, err := os.Create(out)
			if err != nil {
				b.Fatal(err)
			}
			if err := pprof.WriteHeapProfile(f); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
		runtime.KeepAlive(p)
	}
}
