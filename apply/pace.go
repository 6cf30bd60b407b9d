package apply

import (
	"golang.org/x/time/rate"

	"github.com/plinkdev/plink/awsenv"
)

// AWS's documented API throttling token buckets for EC2, per account and
// region: a burst and a refill rate per second. Paced calls wait for a token
// before they are sent, so a large apply stays inside the buckets instead of
// leaning on retries (the SDK's retries cannot wait out a 0.3/s refill for
// dozens of creates).
var awsBuckets = map[string]struct {
	burst int
	rate  float64
}{
	"endpoint": {4, 0.3},  // CreateVpcEndpoint, ModifyVpcEndpoint, DeleteVpcEndpoints
	"accept":   {10, 1},   // AcceptVpcEndpointConnections, RejectVpcEndpointConnections
	"tags":     {100, 10}, // CreateTags, DeleteTags
	"service":  {10, 1},   // endpoint service configuration, permissions, notifications
	"describe": {100, 20}, // non-mutating calls
}

// paceMargin is the share of a bucket's refill rate apply uses. Paced at
// the full rate, a call that reaches AWS a little sooner after the one
// before than it left plink (network and signing jitter) finds the bucket
// a fraction of a token short: it is throttled, its retry takes the next
// call's token, and every call after it is throttled once. At 2,000
// consumers that was 1,133 throttled CreateVpcEndpoint calls, and the SDK's
// adaptive retry mode then slowed every call of those clients, apply's
// confirming read among them (58 s instead of 1 s).
const paceMargin = 0.95

// bucketOf names the throttling bucket an EC2 action draws from.
func bucketOf(action string) string { return awsenv.ThrottleBucket(action) }

// limiter returns the pacing limiter of an account-region bucket, or nil
// when pacing is off.
func (r *runner) limiter(account, region, action string) *rate.Limiter {
	if !r.opts.Pace {
		return nil
	}
	bucket := bucketOf(action)
	key := account + "|" + region + "|" + bucket
	r.mu.Lock()
	defer r.mu.Unlock()
	l, ok := r.limiters[key]
	if !ok {
		b := awsBuckets[bucket]
		l = rate.NewLimiter(rate.Limit(b.rate*paceMargin), b.burst)
		r.limiters[key] = l
	}
	return l
}
