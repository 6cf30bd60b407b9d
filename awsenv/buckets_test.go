package awsenv

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/plinkdev/plink/manifest"
)

// TestRetriesWaitForTheCallersPacer: a call made with PaceRetries waits
// for the pacer before each retry and not before its first attempt (the
// caller paced that); a call without it does not wait.
func TestRetriesWaitForTheCallersPacer(t *testing.T) {
	hermetic(t)
	t.Setenv("AWS_RETRY_MODE", "standard")
	f := &fakeSTS{keys: map[string]string{"AKIDBASE": "111111111111"}, throttle: 2}
	url := startFake(t, f)
	m := mf(&manifest.Account{Alias: "payments", ID: "111111111111"})
	r := newResolver(t, m, Options{Endpoint: url, BaseCredentials: static("AKIDBASE"), maxBackoff: 10 * time.Millisecond})
	waits := 0
	ctx := PaceRetries(context.Background(), func(context.Context) error { waits++; return nil })
	if err := r.Verify(ctx); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if len(f.calls) != 3 || waits != 2 {
		t.Errorf("%d calls and %d waits, want 3 calls (2 throttled) and a wait before each of the 2 retries", len(f.calls), waits)
	}

	// A pacer that fails ends the call with its error.
	f.throttle = 1
	stop := errors.New("the run was stopped")
	r = newResolver(t, m, Options{Endpoint: url, BaseCredentials: static("AKIDBASE"), maxBackoff: 10 * time.Millisecond})
	if err := r.Verify(PaceRetries(context.Background(), func(context.Context) error { return stop })); !errors.Is(err, stop) {
		t.Errorf("Verify with a failing pacer: %v, want its error", err)
	}
}

// TestThrottlingOneBucketDoesNotSlowAnother: adaptive mode slows the
// calls of the bucket that was throttled (here CreateVpcEndpoint's), not
// every call of the client: a Describe gets its attempt at once, and so
// does a CreateVpcEndpoint that its caller paces (PaceRetries).
func TestThrottlingOneBucketDoesNotSlowAnother(t *testing.T) {
	r := newRetryer(aws.RetryModeAdaptive, time.Minute, 0, &retryCounter{})()
	op := func(name string) context.Context { return middleware.WithOperationName(context.Background(), name) }
	throttled := &smithy.GenericAPIError{Code: "RequestLimitExceeded", Message: "Request limit exceeded."}
	attempt := func(name string) (func(error) error, error) {
		ctx, cancel := context.WithTimeout(op(name), 200*time.Millisecond)
		defer cancel()
		return r.(aws.RetryerV2).GetAttemptToken(ctx)
	}
	for range 50 {
		release, err := attempt("CreateVpcEndpoint")
		if err != nil {
			break // the bucket's rate is down: what this test wanted
		}
		_ = release(throttled)
	}
	if _, err := attempt("CreateVpcEndpoint"); err == nil {
		t.Fatal("the throttled bucket gave an attempt at once: adaptive mode did not slow it, so this test shows nothing")
	}
	for _, other := range []string{"DescribeVpcEndpoints", "CreateVpcEndpointServiceConfiguration", "AcceptVpcEndpointConnections"} {
		if _, err := attempt(other); err != nil {
			t.Errorf("%s waited for CreateVpcEndpoint's throttling: %v", other, err)
		}
	}
	// A CreateVpcEndpoint its caller paces is not held back: the pacing
	// is the caller's.
	ctx, cancel := context.WithTimeout(PaceRetries(op("CreateVpcEndpoint"), func(context.Context) error { return nil }), 200*time.Millisecond)
	defer cancel()
	if _, err := r.(aws.RetryerV2).GetAttemptToken(ctx); err != nil {
		t.Errorf("a paced CreateVpcEndpoint waited for adaptive mode: %v", err)
	}
}

// TestBucketRetryerAnswersAsItsBuckets: what the SDK asks a client's
// retryer without a call's context (attempts, which errors are retried,
// the backoff's bound) is answered as every bucket's retryer answers it,
// in both modes, though no bucket's retryer is built for it.
func TestBucketRetryerAnswersAsItsBuckets(t *testing.T) {
	errs := []error{
		&smithy.GenericAPIError{Code: "RequestLimitExceeded", Message: "Request limit exceeded."},
		&smithy.GenericAPIError{Code: "Throttling"},
		&smithy.GenericAPIError{Code: "InvalidParameterValue"},
		&smithy.GenericAPIError{Code: "UnauthorizedOperation"},
		errors.New("connection reset by peer"),
		context.DeadlineExceeded,
	}
	for _, mode := range []aws.RetryMode{aws.RetryModeAdaptive, aws.RetryModeStandard} {
		b := newRetryer(mode, time.Minute, 20*time.Millisecond, &retryCounter{})().(*budgetRetryer).RetryerV2.(*bucketRetryer)
		if len(b.byBucket) != 0 {
			t.Errorf("%s: %d buckets' retryers built before any call", mode, len(b.byBucket))
		}
		bucket := b.make()
		if b.MaxAttempts() != bucket.MaxAttempts() || b.MaxAttempts() != budgetMaxAttempts {
			t.Errorf("%s: MaxAttempts %d, a bucket's %d", mode, b.MaxAttempts(), bucket.MaxAttempts())
		}
		for _, err := range errs {
			if got, want := b.IsErrorRetryable(err), bucket.IsErrorRetryable(err); got != want {
				t.Errorf("%s: IsErrorRetryable(%v) = %v, a bucket's %v", mode, err, got, want)
			}
		}
		for attempt := 1; attempt < 8; attempt++ {
			if d, err := b.RetryDelay(attempt, errs[0]); err != nil || d > 20*time.Millisecond {
				t.Errorf("%s: RetryDelay(%d) = %s, %v, want at most the 20ms cap", mode, attempt, d, err)
			}
		}
	}
}

// BenchmarkNewRetryer: the retryer every SDK client builds (B/op is what
// one client holds before its first call).
func BenchmarkNewRetryer(b *testing.B) {
	mk := newRetryer(aws.RetryModeAdaptive, time.Minute, 0, &retryCounter{})
	b.ReportAllocs()
	for b.Loop() {
		_ = mk()
	}
}
