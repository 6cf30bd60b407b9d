package apply

import (
	"context"
	"fmt"
	"time"

	"github.com/plinkdev/plink/plan"
)

// waitFor polls check every PollInterval until it reports done, fails, or
// timeout passes. check returns the state it saw (for events and the timeout
// message). A waiting Event is emitted when the wait starts and whenever the
// observed state changes.
func (r *runner) waitFor(ctx context.Context, c *plan.Change, what string, timeout time.Duration,
	check func(ctx context.Context) (done bool, state string, err *Error)) *Error {
	start := time.Now()
	last := "\x00"
	for {
		done, state, err := check(ctx)
		if err != nil || done {
			return err
		}
		elapsed := time.Since(start)
		if state != last {
			msg := fmt.Sprintf("waiting for %s (timeout %s)", what, timeout)
			if state != "" {
				msg = fmt.Sprintf("waiting for %s, now %s (timeout %s)", what, state, timeout)
			}
			r.emit(c, PhaseWaiting, msg, elapsed)
			last = state
		}
		if elapsed >= timeout {
			now := state
			if now == "" {
				now = "not visible"
			}
			return &Error{Call: "wait", Code: "Timeout",
				Message: fmt.Sprintf("gave up waiting for %s after %s: still %s", what, timeout, now),
				Hint:    hint("Timeout", "wait", c)}
		}
		t := time.NewTimer(r.opts.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return toError("wait", c, ctx.Err())
		case <-t.C:
		}
	}
}
