package cli

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// runState is one run's stop state: what the command is doing now (for
// the report of a timeout or an interrupt and the watchdog's last line),
// the context --timeout bounds, and the watchdog. It is made by run for
// each process run and travels with the run's context (stateOf), so the
// Factory keeps only what every run shares. Its methods are safe on nil,
// which is a run with no watchdog and no trace (a test that builds the
// command tree itself).
type runState struct {
	errOut io.Writer
	// trace logs each new activity with its time (PLINK_TRACE=phases).
	trace      bool
	traceStart time.Time
	traceOnce  sync.Once

	activity atomic.Value
	// ctx is the command's context once --timeout applies (withTimeout).
	ctx atomic.Pointer[context.Context]

	// exit ends the process; nil in-process (tests), where no watchdog runs.
	exit     func(int)
	done     chan struct{}
	watchdog sync.Once
	// stopBound replaces StopBound in tests.
	stopBound time.Duration

	// stopNote says what a stop does to the command's work in flight,
	// for the first signal's line (setStopNote); "" is the generic one.
	stopNote atomic.Value
	// forced decides the code of an exit forced by a second signal
	// (onForce: the verdict's, once written).
	forced atomic.Pointer[func(int) int]
}

// setStopNote says what stopping does to this command's work in flight:
// "apply's calls in flight get up to 8s to finish", "the server stops".
func (st *runState) setStopNote(format string, args ...any) {
	if st != nil {
		st.stopNote.Store(fmt.Sprintf(format, args...))
	}
}

// stopMessage is the rest of the first signal's line: what stopping does.
func (st *runState) stopMessage() string {
	if st != nil {
		if s, _ := st.stopNote.Load().(string); s != "" {
			return s
		}
	}
	return fmt.Sprintf("no new work is started, reads stop now, calls in flight get up to %s to finish", st.inflightBound())
}

// onForce registers how an exit forced by a second signal ends this run's
// output: given the signal's code, it writes what must still be written
// (the JSON verdict) and returns the code to exit with.
func (st *runState) onForce(f func(code int) int) {
	if st != nil {
		st.forced.Store(&f)
	}
}

// forceCode is the code a forced exit ends the process with, once the
// run's output has been ended for it (onForce).
func (st *runState) forceCode(code int) int {
	if st != nil {
		if f := st.forced.Load(); f != nil {
			return (*f)(code)
		}
	}
	return code
}

type runStateKey struct{}

// withRunState is ctx carrying st.
func withRunState(ctx context.Context, st *runState) context.Context {
	return context.WithValue(ctx, runStateKey{}, st)
}

// stateOf is the run's state carried by ctx, or nil.
func stateOf(ctx context.Context) *runState {
	st, _ := ctx.Value(runStateKey{}).(*runState)
	return st
}

// bound is how long plink waits, after an interrupt or a --timeout, for
// the command to return.
func (st *runState) bound() time.Duration {
	if st != nil && st.stopBound > 0 {
		return st.stopBound
	}
	return StopBound
}

// inflightBound is how long AWS calls in flight may go on after a stop:
// most of the stop bound, so the command reports before the watchdog.
func (st *runState) inflightBound() time.Duration { return st.bound() * 4 / 5 }

// setActivity records what the command is doing now. With
// PLINK_TRACE=phases each new activity is also logged on stderr with the
// time since the start, to see where a long run's time goes.
func (st *runState) setActivity(format string, args ...any) {
	if st == nil {
		return
	}
	activity := fmt.Sprintf(format, args...)
	if st.trace && activity != st.currentActivity() {
		st.traceOnce.Do(func() { st.traceStart = time.Now() })
		fmt.Fprintf(st.errOut, "plink: [%7.1fs] %s\n", time.Since(st.traceStart).Seconds(), activity)
	}
	st.activity.Store(activity)
}

// currentActivity is what the command is doing now ("starting" before it
// says).
func (st *runState) currentActivity() string {
	if st != nil {
		if s, _ := st.activity.Load().(string); s != "" {
			return s
		}
	}
	return "starting"
}

// setContext records the context --timeout bounds, for the stop report.
func (st *runState) setContext(ctx context.Context) {
	if st != nil {
		st.ctx.Store(&ctx)
	}
}

// stopContext is the context whose cause the stop report names: the
// command's once --timeout applies, else the process's.
func (st *runState) stopContext(process context.Context) context.Context {
	if st != nil {
		if c := st.ctx.Load(); c != nil {
			return *c
		}
	}
	return process
}

// startWatchdog, once the run's context is done, gives the command the
// stop bound to return, then exits the process: a call that ignores its
// context (a hung connection, a stuck server) cannot keep plink alive.
func (st *runState) startWatchdog() {
	if st == nil || st.exit == nil {
		return
	}
	st.watchdog.Do(func() {
		bound := st.bound()
		go func() {
			t := time.NewTimer(bound)
			defer t.Stop()
			select {
			case <-t.C:
				fmt.Fprintf(st.errOut, "plink: still %s %s after stopping; exiting without waiting for it\n", st.currentActivity(), bound)
				st.exit(ExitError)
			case <-st.done:
			}
		}()
	})
}
