// Command plink manages AWS PrivateLink declaratively. See README.md.
package main

import (
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"syscall"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/internal/cli"
	"github.com/plinkdev/plink/internal/iostreams"
)

func main() {
	if os.Getenv("GOMEMLIMIT") == "" && os.Getenv("GOGC") == "" { // the user's own tuning wins
		softMemoryLimit(defaultMemoryLimit)
	}
	exit(run())
}

// exit ends the process, first killing the credential helpers plink
// started that still run, and anything else below it (a helper the SDK
// ran for a role chain): os.Exit skips deferred calls and context
// callbacks, and a helper must not outlive plink.
func exit(code int) {
	awsenv.StopHelpers()
	awsenv.StopChildren()
	os.Exit(code)
}

// run is the whole program. SIGINT and SIGTERM are handled like
// Terraform: the first stops the command (servers stop, no new work
// starts, what was done is reported), a second exits at once.
func run() int {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	return cli.Run(os.Args[1:], iostreams.System(), os.Getenv, sigs, exit)
}

// defaultMemoryLimit is the soft memory limit when neither GOMEMLIMIT nor
// GOGC is set: a large plan collects before its heap doubles (GOGC=100).
// Plan at 10,000 consumers peaks at 125 MB RSS with it, 146–169 MB
// without (docs/scale.md); small runs never reach it.
const defaultMemoryLimit = 96 << 20

// softMemoryLimit sets the soft memory limit to base and, after every GC,
// raises it to 3/2 of the live heap when that is more: a topology whose
// live set outgrows base pays a GC at every 50% of growth (GOGC=50), never
// one back to back, which a fixed limit below the live set would cause.
// stop ends the raising (for tests).
func softMemoryLimit(base int64) (stop func()) {
	debug.SetMemoryLimit(base)
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var stopped atomic.Bool
	var rearm func(*sentinel)
	rearm = func(*sentinel) {
		if stopped.Load() {
			return
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			live := int64(sample[0].Value.Uint64())
			debug.SetMemoryLimit(max(base, live+live/2))
		}
		runtime.SetFinalizer(new(sentinel), rearm)
	}
	runtime.SetFinalizer(new(sentinel), rearm)
	return func() { stopped.Store(true) }
}

// sentinel is garbage whose finalizer runs once a GC cycle has found it
// unreachable. It holds a pointer so that it is never batched with other
// objects by the tiny allocator, whose finalizers may not run.
type sentinel struct{ _ *byte }
