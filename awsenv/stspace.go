package awsenv

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
)

// DefaultSTSRate is the rate, in requests per second, that plink assumes
// one caller's STS bucket refills at when nothing says otherwise
// (Options.STSRate; plink's --sts-rate). AWS publishes no request rate for
// STS: its IAM and STS quotas page lists object, name and size quotas
// only, and its knowledge-centre article on STS throttling says that a
// per-account rate applies without giving it. The model is the sandbox's
// STS bucket (100 burst, 20 per second per caller account and region),
// which is what the scale figures in docs/scale.md were measured against.
const DefaultSTSRate = 20.0

// stsPaceMargin is the share of the STS rate plink uses, as apply uses 95%
// of EC2's buckets (apply.paceMargin): paced at exactly the bucket's rate,
// a request that reaches it a little early (network and signing jitter)
// finds it a fraction of a token short and is throttled.
const stsPaceMargin = 0.95

// stsBurstSeconds is the size of the modelled STS bucket in seconds of
// its rate: the sandbox's holds 100 tokens at 20 per second. plink's
// limiter holds 95% of it: the bucket's clock starts when the first
// request reaches it, plink's when the first leaves, and the first
// requests of a run open their connections while later ones reuse them, so
// the 101st request could reach a bucket the first 100 left a fraction of
// a token short (one throttled AssumeRole in three runs at 200 accounts
// with the full burst, none with 95%).
const stsBurstSeconds = 5

// stsSpread is how many times its rate a limiter spends its burst at. A
// full limiter does not mean a full bucket: another process with the same
// caller (a pipeline's plan step, just before its apply step) may have
// spent the bucket moments before. Spent at once, the burst would all be
// sent before the first refusal came back; spread over a second, the first
// refusal drains the limiter (stsPace.refused) while most of it still
// waits. That costs a run at most a second, and nothing to one whose roles
// outlast the burst: beyond it, the rate is the bound.
const stsSpread = 5

// stsLimiters are the STS limiters of the process, one per caller (the
// access key of the credentials that sign AssumeRole), STS endpoint,
// region and rate: every Resolver of a run (plink builds one more for the
// project's lease when a shard does not read its account) draws from the
// same one, as AWS's bucket is the caller's.
var stsLimiters struct {
	mu sync.Mutex
	m  map[stsKey]*stsPace
}

type stsKey struct {
	caller, endpoint, region string
	rate                     float64
}

// stsPace is one caller's limiter: bucket models the caller's STS bucket,
// spread spaces the requests that spend its burst.
type stsPace struct {
	bucket, spread *rate.Limiter
}

// stsLimiter returns the process's limiter for key, made on first use.
func stsLimiter(key stsKey) *stsPace {
	stsLimiters.mu.Lock()
	defer stsLimiters.mu.Unlock()
	if stsLimiters.m == nil {
		stsLimiters.m = map[stsKey]*stsPace{}
	}
	p := stsLimiters.m[key]
	if p == nil {
		paced := key.rate * stsPaceMargin
		burst := int(math.Max(1, math.Floor(key.rate*stsBurstSeconds*stsPaceMargin)))
		p = &stsPace{bucket: rate.NewLimiter(rate.Limit(paced), burst), spread: rate.NewLimiter(rate.Limit(paced*stsSpread), 1)}
		stsLimiters.m[key] = p
	}
	return p
}

// wait waits for a token. The spacing comes first, so a request waiting
// for its turn has taken no token from the bucket that a drain would miss.
func (p *stsPace) wait(ctx context.Context) error {
	if err := p.spread.Wait(ctx); err != nil {
		return err
	}
	return p.bucket.Wait(ctx)
}

// refused is told that STS refused a request for throttling: the caller's
// bucket is empty, whatever the limiter believed, so the limiter drops the
// whole tokens it holds and the next requests go at its rate. Taking only
// what it holds, each refusal drains it once (refusals of requests sent
// together do not add up to a debt) and it never goes faster than its rate.
func (p *stsPace) refused() {
	now := time.Now()
	if n := int(p.bucket.TokensAt(now)); n > 0 {
		// A token taken meanwhile by another request leaves the limiter
		// one in debt: slower, never faster.
		p.bucket.ReserveN(now, n)
	}
}

// paceAssumeRole returns the API option that makes every attempt of an
// STS client's calls (AssumeRole: the client is built for it alone) wait
// for a token of its caller's limiter before it is signed and sent. It
// sits after the retry middleware, so a retry waits too, and before
// signing, so a long wait never stales a signature. src are the
// credentials that sign the call: their access key names the caller. The
// wait also ends with stop (the run): an account's credentials cache
// calls AssumeRole with a context that its callers' cancellation does not
// reach, and a role still waiting for a token when the run ends must not
// be asked for afterwards. An attempt refused for throttling drains the
// limiter (stsPace.refused).
func paceAssumeRole(stop context.Context, src aws.CredentialsProvider, endpoint, region string, perSecond float64) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("plinkPaceAssumeRole",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				// The credentials are cached: this is the value signing
				// uses next. When they fail, signing reports it.
				var p *stsPace
				if creds, err := src.Retrieve(ctx); err == nil {
					p = stsLimiter(stsKey{caller: creds.AccessKeyID, endpoint: endpoint, region: region, rate: perSecond})
					wait, cancel := context.WithCancelCause(ctx)
					defer cancel(nil)
					if stop != nil {
						defer context.AfterFunc(stop, func() { cancel(context.Cause(stop)) })()
					}
					if err := p.wait(wait); err != nil {
						if cause := context.Cause(wait); cause != nil {
							err = cause
						}
						return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("waiting for the STS request rate (--sts-rate %g): %w", perSecond, err)
					}
				}
				out, md, err := next.HandleFinalize(ctx, in)
				if p != nil && err != nil && isThrottle(err) {
					p.refused()
				}
				return out, md, err
			}), "Retry", middleware.After)
	}
}

// isThrottle reports whether err is a throttling error, by the codes the
// retryer counts as throttling (budgetRetryer).
func isThrottle(err error) bool {
	return retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary
}

// withAPIOption returns opts with fn added, never writing into the
// backing array that opts shares with the configuration it came from.
func withAPIOption(opts []func(*middleware.Stack) error, fn func(*middleware.Stack) error) []func(*middleware.Stack) error {
	return append(slices.Clip(opts), fn)
}
