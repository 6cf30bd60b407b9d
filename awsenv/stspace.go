package awsenv

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
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

// stsLimiters are the STS limiters of the process, one per caller (the
// access key of the credentials that sign AssumeRole), STS endpoint,
// region and rate: every Resolver of a run (plink builds one more for the
// project's lease when a shard does not read its account) draws from the
// same one, as AWS's bucket is the caller's.
var stsLimiters struct {
	mu sync.Mutex
	m  map[stsKey]*rate.Limiter
}

type stsKey struct {
	caller, endpoint, region string
	rate                     float64
}

// stsLimiter returns the process's limiter for key, made on first use.
func stsLimiter(key stsKey) *rate.Limiter {
	stsLimiters.mu.Lock()
	defer stsLimiters.mu.Unlock()
	if stsLimiters.m == nil {
		stsLimiters.m = map[stsKey]*rate.Limiter{}
	}
	l := stsLimiters.m[key]
	if l == nil {
		burst := int(math.Max(1, math.Floor(key.rate*stsBurstSeconds*stsPaceMargin)))
		l = rate.NewLimiter(rate.Limit(key.rate*stsPaceMargin), burst)
		stsLimiters.m[key] = l
	}
	return l
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
// be asked for afterwards.
func paceAssumeRole(stop context.Context, src aws.CredentialsProvider, endpoint, region string, perSecond float64) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("plinkPaceAssumeRole",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				// The credentials are cached: this is the value signing
				// uses next. When they fail, signing reports it.
				if creds, err := src.Retrieve(ctx); err == nil {
					l := stsLimiter(stsKey{caller: creds.AccessKeyID, endpoint: endpoint, region: region, rate: perSecond})
					wait, cancel := context.WithCancelCause(ctx)
					defer cancel(nil)
					if stop != nil {
						defer context.AfterFunc(stop, func() { cancel(context.Cause(stop)) })()
					}
					if err := l.Wait(wait); err != nil {
						if cause := context.Cause(wait); cause != nil {
							err = cause
						}
						return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("waiting for the STS request rate (--sts-rate %g): %w", perSecond, err)
					}
				}
				return next.HandleFinalize(ctx, in)
			}), "Retry", middleware.After)
	}
}

// withAPIOption returns opts with fn added, never writing into the
// backing array that opts shares with the configuration it came from.
func withAPIOption(opts []func(*middleware.Stack) error, fn func(*middleware.Stack) error) []func(*middleware.Stack) error {
	return append(slices.Clip(opts), fn)
}
