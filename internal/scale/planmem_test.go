package scale

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

var (
	planMemDump    = flag.String("scale.dump", "", "TestDumpSnapshot: write N consumers' manifest and the empty world's snapshot to DIR as N:DIR (scale-N.yaml, scale-N.json), for plan's BenchmarkComputeLarge")
	planMemApplied = flag.Bool("scale.dumpapplied", false, "TestDumpSnapshot: apply the manifest first and write the applied world's snapshot (scale-N-applied.json)")
)

// TestDumpSnapshot writes a generated manifest and the snapshot read of its
// empty world, so plan's memory can be profiled without a sandbox:
//
//	go test -run TestDumpSnapshot -scale.dump=50000:/tmp/pm ./internal/scale
//	PLINK_BENCH_DIR=/tmp/pm PLINK_BENCH_N=50000 go test -run XXX -bench ComputeLarge -benchmem ./plan
func TestDumpSnapshot(t *testing.T) {
	if *planMemDump == "" {
		t.Skip("-scale.dump=N:DIR not set")
	}
	var n int
	var dir string
	if _, err := fmt.Sscanf(strings.Replace(*planMemDump, ":", " ", 1), "%d %s", &n, &dir); err != nil {
		t.Fatalf("-scale.dump=%q: want N:DIR: %v", *planMemDump, err)
	}
	if n <= 0 || dir == "" {
		t.Fatalf("-scale.dump=%q: want N:DIR", *planMemDump)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w, y := Generate(max(1, n/50), n/4, n, 1)
	base := filepath.Join(dir, fmt.Sprintf("scale-%d", n))
	if err := os.WriteFile(base+".yaml", y, 0o644); err != nil {
		t.Fatal(err)
	}
	m := parse(t, "scale.yaml", y)
	srv := sandboxtest.StartWorld(t, w, sandbox.Options{Seed: 1})
	e := &env{url: srv.URL, sb: srv.Sandbox, m: m}
	r := e.resolver(t)
	ctx := context.Background()
	if err := r.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	snap, err := live.Read(ctx, m, r, live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := base + ".json"
	if *planMemApplied {
		p, r := e.plan(t)
		if res := e.apply(t, p, r); res == nil {
			t.Fatal("apply: no result")
		}
		if snap, err = live.Read(ctx, m, e.resolver(t), live.ReadOptions{}); err != nil {
			t.Fatal(err)
		}
		out = base + "-applied.json"
	}
	b, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

var (
	abBins    = flag.String("scale.abbins", "", "TestPlanRSSAB: comma-separated plink binaries whose plan's VmHWM to compare, run alternately")
	abSize    = flag.Int("scale.absize", 10000, "TestPlanRSSAB: consumers")
	abRuns    = flag.Int("scale.abruns", 2, "TestPlanRSSAB: runs of each binary")
	abApplied = flag.Bool("scale.abapplied", false, "TestPlanRSSAB: apply the manifest first (in process) and plan the applied world")
	abStderr  = flag.String("scale.abstderr", "", "TestPlanRSSAB: write each run's stderr to DIR/BIN-RUN.stderr (with SCALE_GODEBUG=gctrace=1, the heap at every GC)")
)

// TestPlanRSSAB serves a generated world (no added latency, as docs/scale.md's
// memory figures) and runs `plink plan` of each binary in turn, logging
// its VmHWM, wall time and the load average: two builds compared in one
// sitting on a shared machine.
//
//	go test ./internal/scale -run TestPlanRSSAB -args -scale.abbins=/tmp/old,/tmp/new -scale.absize=50000
func TestPlanRSSAB(t *testing.T) {
	if *abBins == "" {
		t.Skip("-scale.abbins not set")
	}
	n := *abSize
	dir := t.TempDir()
	w, y := Generate(max(1, n/50), n/4, n, 1)
	if err := os.WriteFile(filepath.Join(dir, "m.yaml"), y, 0o644); err != nil {
		t.Fatal(err)
	}
	m := parse(t, "m.yaml", y)
	srv := sandboxtest.StartWorld(t, w, sandbox.Options{Seed: 1})
	e := &env{url: srv.URL, sb: srv.Sandbox, m: m}
	if *abApplied {
		p, r := e.plan(t)
		e.apply(t, p, r)
	}
	key, secret, err := e.sb.OperatorCredentials()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < *abRuns; i++ {
		for _, bin := range strings.Split(*abBins, ",") {
			load, _ := os.ReadFile("/proc/loadavg")
			p := plink(t, bin, dir, e.url, key, secret, "plan", "-f", "m.yaml", "--detailed-exitcode")
			if p.code != 0 && p.code != 2 {
				t.Fatalf("%s: exit %d\n%s", bin, p.code, tail(p.stderr+p.stdout))
			}
			if *abStderr != "" {
				if err := os.WriteFile(filepath.Join(*abStderr, fmt.Sprintf("%s-%d.stderr", filepath.Base(bin), i)), []byte(p.stderr), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			t.Logf("%d consumers applied=%v %s: VmHWM %d MB, wall %.1fs, load %s", n, *abApplied, filepath.Base(bin), p.rssKiB/1024, p.wall.Seconds(), strings.Join(strings.Fields(string(load))[:3], " "))
		}
	}
}
