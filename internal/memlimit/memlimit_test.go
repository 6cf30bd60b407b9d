package memlimit

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestSoftMemoryLimitFollowsTheLiveHeap: the limit starts at base and,
// once the live heap outgrows it, is raised after a GC to 3/2 of the live
// heap, so a large topology is not collected back to back.
func TestSoftMemoryLimitFollowsTheLiveHeap(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	const base = 4 << 20
	stop := Follow(base)
	defer stop()
	if got := debug.SetMemoryLimit(-1); got != base {
		t.Fatalf("limit %d, want %d", got, base)
	}
	live := make([][]byte, 64) // 64 MiB kept live
	for i := range live {
		live[i] = make([]byte, 1<<20)
	}
	deadline := time.Now().Add(10 * time.Second)
	for debug.SetMemoryLimit(-1) < 64<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("limit %d after GCs with 64 MiB live, want above 64 MiB", debug.SetMemoryLimit(-1))
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got := debug.SetMemoryLimit(-1); got > 128<<20 {
		t.Errorf("limit %d with 64 MiB live, want about 96 MiB", got)
	}
	runtime.KeepAlive(live)
}

// TestUserTuningWins: with GOMEMLIMIT or GOGC set, plink leaves the limit
// alone; with neither, the default applies.
func TestUserTuningWins(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	for _, env := range []map[string]string{{"GOMEMLIMIT": "1GiB"}, {"GOGC": "200"}} {
		debug.SetMemoryLimit(math.MaxInt64)
		ApplyDefault(func(k string) string { return env[k] })
		if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
			t.Errorf("with %v the limit became %d; the user's tuning must win", env, got)
		}
	}
	ApplyDefault(func(string) string { return "" })
	if got := debug.SetMemoryLimit(-1); got != Default {
		t.Errorf("without tuning the limit is %d, want %d", got, Default)
	}
}

// A loosened limit adds the runtime's own memory to 3/2 of the live heap,
// so the heap keeps half its live set as room (GOGC=50); the tight one does
// not, and base is the floor of both.
func TestLoosenedLimitAddsTheRuntimesMemory(t *testing.T) {
	const mib = 1 << 20
	for _, tt := range []struct {
		live, runtime int64
		loose         bool
		want          int64
	}{
		{100 * mib, 50 * mib, false, 150 * mib},
		{100 * mib, 50 * mib, true, 200 * mib},
		{10 * mib, 50 * mib, false, 96 * mib},
		{10 * mib, 50 * mib, true, 96 * mib},
		{100 * mib, -1, true, 150 * mib},
		// Tight above 128 MiB live: 64 MiB of room, and a quarter of the
		// live heap above 256 MiB; loose keeps half.
		{200 * mib, 50 * mib, false, 264 * mib},
		{400 * mib, 50 * mib, false, 500 * mib},
		{200 * mib, 50 * mib, true, 350 * mib},
	} {
		if got := limitFor(96*mib, tt.live, tt.runtime, tt.loose); got != tt.want {
			t.Errorf("limitFor(live %d MiB, runtime %d MiB, loose %v) = %d MiB, want %d MiB", tt.live/mib, tt.runtime/mib, tt.loose, got/mib, tt.want/mib)
		}
	}
}

// After Loosen the limit a GC sets is above 3/2 of the live heap by the
// runtime's memory beside it.
func TestLoosenRaisesTheLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	defer loose.Store(false)
	stop := Follow(4 << 20)
	defer stop()
	live := make([][]byte, 64)
	for i := range live {
		live[i] = make([]byte, 1<<20)
	}
	Loosen()
	deadline := time.Now().Add(10 * time.Second)
	for debug.SetMemoryLimit(-1) <= 96<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("limit %d after GCs with 64 MiB live and Loosen, want above 3/2 of it", debug.SetMemoryLimit(-1))
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(live)
}
