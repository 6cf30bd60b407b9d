// Package memlimit owns plink's default soft memory limit: the one piece of
// runtime tuning the binary does. It is separate from cmd so that main stays
// wiring and the tuning has its own test.
package memlimit

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// Default is the soft memory limit when neither GOMEMLIMIT nor GOGC is set:
// a large plan collects before its heap doubles (GOGC=100). Plan at 10,000
// consumers peaks at 125 MB RSS with it, 146–169 MB without
// (docs/scale.md); small runs never reach it.
const Default = 96 << 20

// ApplyDefault sets the default limit unless the user tuned the runtime
// (GOMEMLIMIT or GOGC set): the user's own tuning wins.
func ApplyDefault(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" && getenv("GOGC") == "" {
		Follow(Default)
	}
}

// Follow sets the soft memory limit to base and, after every GC, raises it
// to 3/2 of the live heap when that is more: a topology whose live set
// outgrows base pays a GC at every 50% of growth (GOGC=50), never one back
// to back, which a fixed limit below the live set would cause. stop ends
// the raising (for tests).
func Follow(base int64) (stop func()) {
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
