package awsenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/plinkdev/plink/manifest"
)

// AccountError is a failure to reach one account: which account, why, and
// what to do about it.
type AccountError struct {
	Alias string
	ID    string
	Err   error
	// Hint says what to do, e.g. "run `aws sso login --profile X`".
	Hint string
}

// Error says which account and why; the hint is kept apart (Hint) so the
// CLI can print it on a line of its own.
func (e *AccountError) Error() string {
	return fmt.Sprintf("account %s (%s): %v", e.Alias, e.ID, e.Err)
}

func (e *AccountError) Unwrap() error { return e.Err }

// WrongAccountError says that an account's credentials reached another account.
type WrongAccountError struct {
	Alias    string
	Expected string
	Actual   string
	ARN      string // the caller identity that landed
}

func (e *WrongAccountError) Error() string {
	return fmt.Sprintf("credentials for account `%s` landed in %s (%s), expected %s", e.Alias, e.Actual, e.ARN, e.Expected)
}

// Verify checks every account concurrently (VerifyAccount): its
// credentials work and land in the declared account id. It returns nil,
// or every account's error joined (each an *AccountError), sorted by
// alias. Accounts already verified in this run are not asked again.
func (r *Resolver) Verify(ctx context.Context) error {
	aliases := r.Accounts()
	errs := make([]error, len(aliases))
	var wg sync.WaitGroup
	for i, alias := range aliases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.VerifyAccount(ctx, alias)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// verifyState is one account's verification: done is closed when err is
// final.
type verifyState struct {
	done chan struct{}
	err  error
}

// VerifyAccount checks one account, as Verify does for all, once per
// Resolver: concurrent callers share one check, and later ones get its
// result without a call. A check cut short because ctx ended is not kept,
// so another caller checks again. The error of an account the Resolver
// knows is an *AccountError.
func (r *Resolver) VerifyAccount(ctx context.Context, alias string) error {
	acc, ok := r.accounts[alias]
	if !ok {
		return fmt.Errorf("unknown account %q: accounts are %v", alias, r.Accounts())
	}
	r.mu.Lock()
	v := r.verified[alias]
	if v == nil {
		v = &verifyState{done: make(chan struct{})}
		r.verified[alias] = v
		r.mu.Unlock()
		v.err = r.verifyAccount(ctx, acc)
		if v.err != nil && ctx.Err() != nil {
			r.mu.Lock()
			delete(r.verified, alias)
			r.mu.Unlock()
		}
		close(v.done)
		return v.err
	}
	r.mu.Unlock()
	select {
	case <-v.done:
		return v.err
	case <-ctx.Done():
		// The context's own error, as a call cut short says it: callers
		// tell a run that ended from a failed account by it.
		return &AccountError{Alias: acc.Alias, ID: acc.ID, Err: ctx.Err()}
	}
}

// Verified returns a ClientSource that hands out an account's clients
// once its credentials are verified (VerifyAccount), and the account's
// error instead when they fail. A reader that starts on every account at
// once (live.Read) so reads each account as soon as its own role is
// assumed, rather than after every role is; Verify afterwards reports
// every account that failed, without asking again. first, when not nil,
// is called once, when the first account is verified.
func (r *Resolver) Verified(first func()) ClientSource {
	return &verifiedSource{r: r, first: first}
}

type verifiedSource struct {
	r     *Resolver
	first func()
	once  sync.Once
}

func (v *verifiedSource) ClientsFor(ctx context.Context, account, region string) (*Clients, error) {
	if err := v.r.VerifyAccount(ctx, account); err != nil {
		return nil, err
	}
	if v.first != nil {
		v.once.Do(v.first)
	}
	return v.r.Clients(ctx, account, region)
}

// Identity returns the ARN the base credentials (the default chain or
// Options.BaseCredentials) resolve to, asked once.
func (r *Resolver) Identity(ctx context.Context) (string, error) {
	o := r.identity
	o.once.Do(func() {
		cfg := r.base.Copy()
		cfg.Region = r.homeRegion()
		out, err := sts.NewFromConfig(cfg, func(o *sts.Options) { r.endpoint(&o.BaseEndpoint) }).
			GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			o.err = err
			return
		}
		o.s = aws.ToString(out.Arn)
	})
	return o.s, o.err
}

func (r *Resolver) verifyAccount(ctx context.Context, acc *manifest.Account) error {
	fail := func(err error, hint string) error {
		return &AccountError{Alias: acc.Alias, ID: acc.ID, Err: err, Hint: hint}
	}
	c, err := r.Clients(ctx, acc.Alias, r.homeRegion())
	if err != nil {
		var ae *AccountError
		if errors.As(err, &ae) {
			return err
		}
		return fail(err, "")
	}
	// Retrieve credentials first so that a failed AssumeRole is told apart
	// from a failed GetCallerIdentity.
	if acc.RoleARN != "" {
		cfg, _ := r.accountConfig(ctx, acc)
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			hint, err := r.assumeRoleError(ctx, acc, err)
			return fail(err, hint)
		}
	}
	out, err := c.STS().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fail(err, r.hintFor(acc, err))
	}
	if got := aws.ToString(out.Account); got != acc.ID {
		return fail(&WrongAccountError{Alias: acc.Alias, Expected: acc.ID, Actual: got, ARN: aws.ToString(out.Arn)},
			r.wrongAccountHint(acc))
	}
	return nil
}

func (r *Resolver) assumeRoleError(ctx context.Context, acc *manifest.Account, err error) (hint string, _ error) {
	code := ErrorCode(err)
	if code == "AccessDenied" || code == "AccessDeniedException" {
		who := "the source credentials"
		if acc.Profile != "" {
			who = "profile " + acc.Profile
		} else if id, ierr := r.Identity(ctx); ierr == nil && id != "" {
			who = id
		}
		hint := "check the role's trust policy"
		if acc.ExternalID != "" {
			// The external id is a shared secret of sorts (it guards against
			// the confused deputy); logs must not carry it.
			hint += " and its sts:ExternalId condition against the manifest's externalId for account " + acc.Alias
		} else {
			hint += " (and whether it requires an externalId)"
		}
		return hint, fmt.Errorf("cannot assume role %s from %s: %s", acc.RoleARN, who, apiMessage(err))
	}
	return r.hintFor(acc, err), fmt.Errorf("assume role %s: %w", acc.RoleARN, err)
}

func (r *Resolver) wrongAccountHint(acc *manifest.Account) string {
	switch {
	case acc.RoleARN != "":
		return fmt.Sprintf("check that roleArn %s is in account %s", acc.RoleARN, acc.ID)
	case acc.Profile != "":
		return fmt.Sprintf("check that profile %s is for account %s, or fix the account id in the manifest", acc.Profile, acc.ID)
	default:
		return "set a profile or roleArn for this account, or fix the account id in the manifest"
	}
}

// hintFor says what to do about a credentials error, or "".
func (r *Resolver) hintFor(acc *manifest.Account, err error) string {
	// A request that never got an answer is a network problem, not a
	// credentials one, whatever the credential provider wraps it in.
	var send *smithyhttp.RequestSendError
	if errors.As(err, &send) {
		return "AWS could not be reached: check the network or proxy, and AWS_ENDPOINT_URL / AWS_REGION if set"
	}
	if IsExpired(err) {
		profile := acc.Profile
		if profile == "" {
			profile = os.Getenv("AWS_PROFILE")
		}
		if profile == "" {
			profile = "default"
		}
		return fmt.Sprintf("run `aws sso login --profile %s` or refresh your credentials", profile)
	}
	if IsCredentialError(err) {
		return "no usable AWS credentials: set AWS_PROFILE, run `aws sso login`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
	}
	return ""
}

var expiredCodes = map[string]bool{
	"ExpiredToken":                true,
	"ExpiredTokenException":       true,
	"InvalidClientTokenId":        true,
	"UnrecognizedClientException": true,
}

// IsExpired reports whether err says the credentials are expired or invalid
// (expired session token, unknown access key, expired SSO session).
func IsExpired(err error) bool {
	if err == nil {
		return false
	}
	var sso *ssocreds.InvalidTokenError
	if errors.As(err, &sso) {
		return true
	}
	return expiredCodes[ErrorCode(err)]
}

// IsCredentialError reports whether err is about the caller's credentials
// rather than the call: none found, expired, invalid, or an AssumeRole that
// failed. Every call with the same credentials would fail the same way.
func IsCredentialError(err error) bool {
	if err == nil {
		return false
	}
	if IsExpired(err) {
		return true
	}
	switch ErrorCode(err) {
	case "AuthFailure", "SignatureDoesNotMatch", "InvalidAccessKeyId":
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "get identity:") || strings.Contains(msg, "failed to retrieve credentials") ||
		strings.Contains(msg, "failed to refresh cached credentials")
}

// ErrorCode returns the AWS error code of err (the innermost API error), or "".
func ErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// apiMessage is "Code: message" for an API error, else the error text.
func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if m := ae.ErrorMessage(); m != "" {
			return ae.ErrorCode() + ": " + m
		}
		return ae.ErrorCode()
	}
	return err.Error()
}

// Describe formats an AWS error for people and for stable output: the API
// error's code and message without request ids, or the error's text.
func Describe(err error) string { return apiMessage(err) }
