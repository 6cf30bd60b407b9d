package awsenv

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/middleware"
)

// ThrottleBucket names the request-rate bucket an action draws from. AWS
// throttles EC2 per account, region and class of action (its API
// throttling documentation): endpoint create, modify and delete; connection
// accept and reject; tags; other mutating calls; and non-mutating calls.
// Other services' actions fall in the same classes by their verb.
func ThrottleBucket(action string) string {
	switch {
	case action == "CreateVpcEndpoint" || action == "ModifyVpcEndpoint" || action == "DeleteVpcEndpoints":
		return "endpoint"
	case action == "AcceptVpcEndpointConnections" || action == "RejectVpcEndpointConnections":
		return "accept"
	case action == "CreateTags" || action == "DeleteTags":
		return "tags"
	case strings.HasPrefix(action, "Describe"):
		return "describe"
	default:
		return "service"
	}
}

// bucketRetryer keeps a retryer per throttling bucket (ThrottleBucket of
// the call's operation) within one client. Adaptive mode slows a client
// after throttling; one rate per client let 582 throttled
// CreateVpcEndpoint calls of a 10,000-consumer apply hold back every
// Describe of those clients, and apply's confirming read took 150 s
// instead of 20. AWS's buckets are per class, and so is the slowing now.
//
// A call whose caller paces it (PaceRetries) is not slowed by adaptive
// mode at all: its attempts already wait for a token at 95% of the
// bucket's rate, and adaptive mode, after one throttled attempt, would
// send them below that rate for minutes (at 10,000 consumers the first
// request of a bucket can reach AWS seconds after it left, behind the
// run's first burst of 1,600 creates, so each bucket may refuse one).
type bucketRetryer struct {
	// RetryerV2 answers what is asked without a call's context (which
	// errors are retried, the backoff): it is the same for every bucket,
	// and the same as paced's, which answers it (adaptive mode asks its
	// own standard retryer, built from the same options): no retryer is
	// built for a bucket no call uses.
	aws.RetryerV2
	make func() aws.RetryerV2
	// paced is the standard retryer of paced calls: retries, backoff and
	// budget as any call's, without a client-side rate.
	paced aws.RetryerV2

	mu       sync.Mutex
	byBucket map[string]aws.RetryerV2
}

func newBucketRetryer(make func() aws.RetryerV2, paced aws.RetryerV2) *bucketRetryer {
	return &bucketRetryer{RetryerV2: paced, make: make, paced: paced, byBucket: map[string]aws.RetryerV2{}}
}

// of is the retryer of the call's bucket.
func (b *bucketRetryer) of(ctx context.Context) aws.RetryerV2 {
	if _, ok := ctx.Value(retryPacerKey{}).(*retryPacer); ok {
		return b.paced
	}
	bucket := ThrottleBucket(middleware.GetOperationName(ctx))
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.byBucket[bucket]
	if r == nil {
		r = b.make()
		b.byBucket[bucket] = r
	}
	return r
}

func (b *bucketRetryer) GetAttemptToken(ctx context.Context) (func(error) error, error) {
	return b.of(ctx).GetAttemptToken(ctx)
}
func (b *bucketRetryer) GetRetryToken(ctx context.Context, opErr error) (func(error) error, error) {
	return b.of(ctx).GetRetryToken(ctx, opErr)
}

// retryPacerKey marks a call whose retries wait for a pacer (PaceRetries).
type retryPacerKey struct{}

type retryPacer struct {
	wait     func(context.Context) error
	attempts atomic.Int32
}

// PaceRetries returns ctx for one AWS call whose first attempt the caller
// has paced (apply waits for a token of the call's bucket before it makes
// the call): every retry of the call waits for wait too. A retry that did
// not wait would take the token the next call was paced on, that call
// would be throttled in turn, and so on: at 10,000 consumers one throttled
// CreateVpcEndpoint became 582.
func PaceRetries(ctx context.Context, wait func(context.Context) error) context.Context {
	return context.WithValue(ctx, retryPacerKey{}, &retryPacer{wait: wait})
}

// paceRetries is the middleware of PaceRetries: after the retry loop's
// start, before signing, every attempt but the first waits.
func paceRetries(stack *middleware.Stack) error {
	return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("plinkPaceRetries",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			if p, ok := ctx.Value(retryPacerKey{}).(*retryPacer); ok && p.attempts.Add(1) > 1 {
				if err := p.wait(ctx); err != nil {
					return middleware.FinalizeOutput{}, middleware.Metadata{}, err
				}
			}
			return next.HandleFinalize(ctx, in)
		}), "Retry", middleware.After)
}
