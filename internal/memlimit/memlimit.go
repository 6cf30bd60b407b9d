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
// to 3/2 of the live heap when that is more (the live heap and 64 MiB
// above 128 MiB live, and 5/4 of it above 256 MiB: tightRoom), so that a
// topology whose live set outgrows base is never collected back to back.
// The limit counts all the runtime's memory, not the heap alone, so it
// leaves the heap room to grow by that margin less the runtime's own
// memory (stacks, metadata: 40–50 MB in a large run): a short plan trades
// GC work for a lower peak. A long run says so (Loosen) and then gets the
// runtime's memory on top, a GC at every 50% of growth (GOGC=50). stop
// ends the raising (for tests).
func Follow(base int64) (stop func()) {
	debug.SetMemoryLimit(base)
	sample := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}
	var stopped atomic.Bool
	var rearm func(*sentinel)
	rearm = func(*sentinel) {
		if stopped.Load() {
			return
		}
		metrics.Read(sample)
		var v [5]int64
		for i, s := range sample {
			if s.Value.Kind() != metrics.KindUint64 {
				runtime.SetFinalizer(new(sentinel), rearm)
				return
			}
			v[i] = int64(s.Value.Uint64())
		}
		debug.SetMemoryLimit(limitFor(base, v[0], v[1]-v[2]-v[3]-v[4], loose.Load()))
		runtime.SetFinalizer(new(sentinel), rearm)
	}
	runtime.SetFinalizer(new(sentinel), rearm)
	return func() { stopped.Store(true) }
}

// loose is set by Loosen.
var loose atomic.Bool

// Loosen gives the heap its room above the runtime's own memory from the
// next GC on: for a run that holds its live set for minutes (apply at
// 10,000 consumers: 95–120 MB live for 130 s), where the tight limit made
// the collector run back to back, 44–49% of apply's CPU (docs/scale.md).
// Short runs (plan, validate) keep the tight limit and its lower peak.
func Loosen() { loose.Store(true) }

// tightRoom caps the tight limit's room above the live heap: a plan of
// 50,000 consumers holds 230–240 MB live once computed, and half of it
// again as room put its peak at 350 MB (docs/scale.md); 64 MiB costs it a
// few more collections while it renders. A quarter of the live heap is
// the least room, so that a larger heap is not collected back to back.
const tightRoom = 64 << 20

// limitFor is the soft limit after a GC found live bytes of live heap
// while the runtime held other bytes beside the heap's objects.
func limitFor(base, live, other int64, loose bool) int64 {
	room := live / 2
	if !loose {
		room = max(live/4, min(room, tightRoom))
	}
	limit := live + room
	if loose {
		limit += max(other, 0)
	}
	return max(base, limit)
}

// sentinel is garbage whose finalizer runs once a GC cycle has found it
// unreachable. It holds a pointer so that it is never batched with other
// objects by the tiny allocator, whose finalizers may not run.
type sentinel struct{ _ *byte }
