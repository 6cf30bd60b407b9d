package awsenv

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plinkdev/plink/manifest"
)

// TestThrottlingBeyondTheSDKsAttemptsIsAbsorbed: the SDK's default of 3
// attempts no longer ends a call; throttling is retried (and counted) until
// it stops.
func TestThrottlingBeyondTheSDKsAttemptsIsAbsorbed(t *testing.T) {
	hermetic(t)
	// Standard mode and short backoffs: adaptive mode's client-side rate
	// limit and the SDK's exponential delays would add seconds of waiting
	// to this test and nothing to what it checks.
	t.Setenv("AWS_RETRY_MODE", "standard")
	f := &fakeSTS{keys: map[string]string{"AKIDBASE": "111111111111"}, throttle: 5}
	url := startFake(t, f)
	m := mf(&manifest.Account{Alias: "payments", ID: "111111111111"})
	r := newResolver(t, m, Options{Endpoint: url, BaseCredentials: static("AKIDBASE"), maxBackoff: 50 * time.Millisecond})
	if err := r.Verify(context.Background()); err != nil {
		t.Fatalf("Verify after 3 throttled attempts: %v", err)
	}
	if len(f.calls) != 6 {
		t.Errorf("calls %v, want 5 throttled and 1 answered", f.calls)
	}
	if got := r.RetryStats(); got.Throttled != 5 || got.Transient != 0 {
		t.Errorf("retry stats %+v, want 5 throttled", got)
	}
}

// TestRetryBudgetEndsACall: a call throttled without end fails once its
// time budget is spent, saying so and how to raise it.
func TestRetryBudgetEndsACall(t *testing.T) {
	hermetic(t)
	f := &fakeSTS{keys: map[string]string{"AKIDBASE": "111111111111"}, throttle: 1 << 30}
	url := startFake(t, f)
	m := mf(&manifest.Account{Alias: "payments", ID: "111111111111"})
	r := newResolver(t, m, Options{Endpoint: url, BaseCredentials: static("AKIDBASE"), RetryBudget: time.Second})
	start := time.Now()
	err := r.Verify(context.Background())
	took := time.Since(start)
	if !errors.Is(err, ErrRetryBudget) || !strings.Contains(err.Error(), "the retry budget is 1s; raise it with --retry-budget") ||
		!strings.Contains(err.Error(), "Throttling") {
		t.Fatalf("err = %v, want the budget named with the last error", err)
	}
	// Past the budget by at most one backoff (the SDK's first delays are
	// under 2 s).
	if took < time.Second || took > 6*time.Second {
		t.Errorf("took %s with a 1s budget", took)
	}
	if len(f.calls) < 2 {
		t.Errorf("calls %v: not retried", f.calls)
	}
}

// TestMaxAttemptsStillCaps: AWS_MAX_ATTEMPTS, when a user sets it, caps
// the attempts as the SDK documents.
func TestMaxAttemptsStillCaps(t *testing.T) {
	hermetic(t)
	t.Setenv("AWS_MAX_ATTEMPTS", "2")
	f := &fakeSTS{keys: map[string]string{"AKIDBASE": "111111111111"}, throttle: 100}
	url := startFake(t, f)
	m := mf(&manifest.Account{Alias: "payments", ID: "111111111111"})
	r := newResolver(t, m, Options{Endpoint: url, BaseCredentials: static("AKIDBASE")})
	if err := r.Verify(context.Background()); err == nil || errors.Is(err, ErrRetryBudget) {
		t.Fatalf("err = %v, want the attempts exhausted", err)
	}
	if len(f.calls) != 2 {
		t.Errorf("calls %v, want 2 attempts", f.calls)
	}
}
