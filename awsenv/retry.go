package awsenv

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
)

// DefaultRetryBudget is how long one AWS call keeps being retried through
// throttling and transient errors when Options.RetryBudget is zero.
const DefaultRetryBudget = 5 * time.Minute

// budgetMaxAttempts is the attempt limit of plink's retryer: high enough
// that the time budget, not a count, ends the retries of a call.
const budgetMaxAttempts = 10000

// ErrRetryBudget is wrapped by the error of a call that was still failing
// with retryable errors when its retry budget ran out.
var ErrRetryBudget = errors.New("retry budget spent")

// RetryStats count the retries of every client a Resolver built, so that
// progress output can say how hard AWS is pushing back.
type RetryStats struct {
	// Throttled counts retries after a throttling error
	// (RequestLimitExceeded, Throttling, ...).
	Throttled int64
	// Transient counts retries after other retryable errors: 5xx,
	// connection resets, timeouts.
	Transient int64
}

type retryCounter struct{ throttled, transient atomic.Int64 }

func (c *retryCounter) stats() RetryStats {
	return RetryStats{Throttled: c.throttled.Load(), Transient: c.transient.Load()}
}

// RetryStats returns how many retries the Resolver's clients made so far.
func (r *Resolver) RetryStats() RetryStats { return r.retries.stats() }

// callStartKey marks, in a call's context, when its first attempt began.
type callStartKey struct{}

// markCallStart records the start of every call (before the retry loop),
// so the retryer can tell how much of the budget a call has spent.
func markCallStart(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("plinkRetryBudgetStart",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			return next.HandleInitialize(middleware.WithStackValue(ctx, callStartKey{}, time.Now()), in)
		}), middleware.Before)
}

// newRetryer returns the SDK's standard or adaptive retryer with a very
// high attempt limit and no retry quota, one per throttling bucket of the
// client (bucketRetryer), wrapped so that a call stops being retried once
// it has spent budget; every retry is counted.
func newRetryer(mode aws.RetryMode, budget, maxBackoff time.Duration, counter *retryCounter) func() aws.Retryer {
	return func() aws.Retryer {
		std := func(o *retry.StandardOptions) {
			o.MaxAttempts = budgetMaxAttempts
			if maxBackoff > 0 {
				o.MaxBackoff = maxBackoff
				o.Backoff = retry.NewExponentialJitterBackoff(maxBackoff)
			}
			// The quota bucket would end retries by count across calls;
			// the budget ends them by time instead.
			o.RateLimiter = ratelimit.None
		}
		base := func() aws.RetryerV2 {
			if mode == aws.RetryModeStandard {
				return retry.NewStandard(std)
			}
			return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
				o.StandardOptions = append(o.StandardOptions, std)
			})
		}
		return &budgetRetryer{RetryerV2: newBucketRetryer(base, retry.NewStandard(std)), budget: budget, counter: counter}
	}
}

// budgetRetryer is an SDK retryer that refuses a retry once the call has
// spent its time budget. It changes nothing else: which errors are
// retried, the backoff and the adaptive rate limit are the SDK's.
type budgetRetryer struct {
	aws.RetryerV2
	budget  time.Duration
	counter *retryCounter
}

// GetRetryToken is asked before every retry, with the call's context.
func (b *budgetRetryer) GetRetryToken(ctx context.Context, opErr error) (func(error) error, error) {
	if start, ok := middleware.GetStackValue(ctx, callStartKey{}).(time.Time); ok && b.budget > 0 {
		if spent := time.Since(start); spent >= b.budget {
			return nil, fmt.Errorf("%w: retried for %s (the retry budget is %s; raise it with --retry-budget)",
				ErrRetryBudget, spent.Round(time.Second), b.budget)
		}
	}
	release, err := b.RetryerV2.GetRetryToken(ctx, opErr)
	if err == nil {
		if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(opErr) == aws.TrueTernary {
			b.counter.throttled.Add(1)
		} else {
			b.counter.transient.Add(1)
		}
	}
	return release, err
}
