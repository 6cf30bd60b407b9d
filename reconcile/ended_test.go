package reconcile

import (
	"context"
	"testing"
	"time"
)

// lateCancel is a context whose deadline has passed but whose cancel has
// not landed yet, as a timer late on a loaded machine leaves it.
type lateCancel struct {
	context.Context
	deadline time.Time
}

func (c lateCancel) Deadline() (time.Time, bool) { return c.deadline, true }

// A deadline that passed counts as the end of the run, once its cancel
// lands; a context with time left, or without a deadline, has not ended.
func TestEndedCountsAPassedDeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	late := lateCancel{Context: ctx, deadline: time.Now().Add(-time.Millisecond)}
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if !ended(late) {
		t.Error("a passed deadline is not an end")
	}
	if late.Err() == nil {
		t.Error("ended returned before the cancel landed")
	}
	if ended(context.Background()) {
		t.Error("a context without a deadline ended")
	}
	soon, stop := context.WithTimeout(context.Background(), time.Hour)
	defer stop()
	if ended(soon) {
		t.Error("a context with an hour left ended")
	}
}
