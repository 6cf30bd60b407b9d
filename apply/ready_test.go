package apply

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestReadyQueueStartsUnitsAsAScanWould: on random graphs, with steps
// failing at random and the steps that depend on a failed one skipped, the
// ready queue starts the same units in the same passes and order as a scan
// of every unit in order (what run did before the queue).
func TestReadyQueueStartsUnitsAsAScanWould(t *testing.T) {
	for seed := range uint64(300) {
		scan := startOrder(randomUnits(seed), func(units []*unit) (func() []int, func(*step)) {
			started := make([]bool, len(units))
			return func() []int {
				var pass []int
				for i, u := range units {
					if !started[i] && scanReady(u) {
						started[i] = true
						pass = append(pass, i)
						startUnit(u)
					}
				}
				return pass
			}, func(*step) {}
		})
		queued := startOrder(randomUnits(seed), func(units []*unit) (func() []int, func(*step)) {
			q := newReadyQueue(units)
			return func() []int {
				var pass []int
				for i := q.next(); i >= 0; i = q.next() {
					pass = append(pass, i)
					for _, s := range startUnit(units[i]) {
						q.finished(s)
					}
				}
				q.endPass()
				return pass
			}, q.finished
		})
		if !slices.EqualFunc(scan, queued, slices.Equal) {
			t.Fatalf("seed %d: passes of a scan %v, of the queue %v", seed, scan, queued)
		}
	}
}

// startOrder runs units as run does, with the passes newPass makes, the
// started units ending one at a time in the order they started; it
// returns the units each pass started.
func startOrder(units []*unit, newPass func([]*unit) (pass func() []int, finished func(*step))) [][]int {
	pass, finished := newPass(units)
	var order [][]int
	var running []*unit
	for {
		if p := pass(); len(p) > 0 {
			order = append(order, p)
			for _, i := range p {
				if len(units[i].run) > 0 {
					running = append(running, units[i])
				}
			}
			continue
		}
		if len(running) == 0 {
			return order
		}
		u := running[0]
		running = running[1:]
		for _, s := range u.run {
			s.state = stateDone
			if s.note == "fails" {
				s.state = stateFailed
			}
			finished(s)
		}
	}
}

// startUnit starts u as run does: a step whose dependency failed or was
// skipped is skipped, the others run. It returns the skipped steps.
func startUnit(u *unit) []*step {
	var skipped []*step
	u.run = nil
	for _, s := range u.steps {
		if s.failedDep() != nil {
			s.state = stateSkipped
			skipped = append(skipped, s)
			continue
		}
		u.run = append(u.run, s)
	}
	return skipped
}

// scanReady is what run asked of every unit before the queue.
func scanReady(u *unit) bool {
	for _, s := range u.steps {
		for _, d := range append(slices.Clone(s.deps), s.after...) {
			if !d.terminal() {
				return false
			}
		}
	}
	return true
}

// randomUnits are 40 steps in units of one to three, each depending (deps
// or after) on up to three earlier steps, a sixth of them failing.
func randomUnits(seed uint64) []*unit {
	rng := rand.New(rand.NewPCG(seed, 1))
	var steps []*step
	var units []*unit
	for len(steps) < 40 {
		u := &unit{}
		for range 1 + rng.IntN(3) {
			s := &step{}
			if rng.IntN(6) == 0 {
				s.note = "fails"
			}
			for range rng.IntN(4) {
				if len(steps) == 0 {
					break
				}
				d := steps[rng.IntN(len(steps))]
				if rng.IntN(3) == 0 {
					s.after = append(s.after, d)
				} else {
					s.deps = append(s.deps, d)
				}
			}
			u.steps = append(u.steps, s)
		}
		steps = append(steps, u.steps...)
		units = append(units, u)
	}
	// run's units are in schedule order, not in dependency order
	rng.Shuffle(len(units), func(i, j int) { units[i], units[j] = units[j], units[i] })
	return units
}
