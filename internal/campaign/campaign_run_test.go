package campaign

import (
	"context"
	"sync"
	"time"
)

// Config bounds a campaign.
type Config struct {
	// Faults is the number of fault runs, Kills the number of kill points
	// (kill runs go on until that many applies were killed mid-way), Pairs
	// the number of concurrent pairs of each kind.
	Faults, Kills, Pairs int
	// Seed is the first run's seed; run i uses Seed+i.
	Seed int64
	// Budget bounds the campaign's wall time: no run starts after it, and
	// runs still going a grace period later are abandoned (not counted).
	Budget time.Duration
	// Parallel is how many runs go at once, each with its own sandbox.
	Parallel int
	// Plink runs the plink binary for kill runs; kill runs are skipped
	// when Plink.Argv is empty.
	Plink Plink
	// WaitLease makes every other kill run wait for the killed run's lease
	// to expire instead of breaking it (slow: lease.DefaultTTL).
	WaitLease bool
	// Progress, when set, is told of every finished run.
	Progress func(Result)
}

// Grace is how long runs may go on past the budget before they are
// abandoned.
const Grace = 5 * time.Minute

type job struct {
	kind string
	seed int64
}

// Run carries out the campaign and returns the results of the runs that
// finished, in the order they finished.
func Run(ctx context.Context, cfg Config) []Result {
	start := time.Now()
	ctx, cancel := context.WithDeadline(ctx, start.Add(cfg.Budget+Grace))
	defer cancel()
	if cfg.Parallel < 1 {
		cfg.Parallel = 1
	}
	if len(cfg.Plink.Argv) == 0 {
		cfg.Kills = 0
	}
	var (
		mu      sync.Mutex
		results []Result
		issued  = map[string]int{}
		running = map[string]int{}
		killed  int
		seed    = cfg.Seed
	)
	// next hands out runs round-robin over the kinds, so that a campaign
	// cut short by its budget still has runs of every kind.
	kinds := []string{KindFaults, KindKills, KindPairSame, KindPairTwo}
	turn := 0
	want := func(kind string) bool {
		switch kind {
		case KindFaults:
			return issued[kind] < cfg.Faults
		case KindKills:
			// Kill runs whose apply ends before the kill point are not
			// kill points: go on until enough were killed.
			return cfg.Kills > 0 && killed+running[kind] < cfg.Kills && issued[kind] < 3*cfg.Kills
		default:
			return issued[kind] < cfg.Pairs
		}
	}
	next := func() (job, bool) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(start) > cfg.Budget {
			return job{}, false
		}
		for range kinds {
			k := kinds[turn%len(kinds)]
			turn++
			if want(k) {
				issued[k]++
				running[k]++
				seed++
				return job{k, seed - 1}, true
			}
		}
		return job{}, false
	}
	var wg sync.WaitGroup
	for range cfg.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j, ok := next()
				if !ok {
					return
				}
				var r Result
				switch j.kind {
				case KindFaults:
					r = FaultRun(ctx, j.seed)
				case KindKills:
					r = KillRun(ctx, j.seed, cfg.Plink, cfg.WaitLease && j.seed%2 == 1)
				case KindPairSame:
					r = PairRun(ctx, j.seed, true)
				case KindPairTwo:
					r = PairRun(ctx, j.seed, false)
				}
				mu.Lock()
				running[j.kind]--
				if ctx.Err() != nil {
					mu.Unlock()
					return // abandoned past the grace period: not counted
				}
				if r.Killed {
					killed++
				}
				results = append(results, r)
				mu.Unlock()
				if cfg.Progress != nil {
					cfg.Progress(r)
				}
			}
		}()
	}
	wg.Wait()
	return results
}
