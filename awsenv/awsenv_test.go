package awsenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"

	"github.com/plinkdev/plink/awsenv/awsenvtest"
	"github.com/plinkdev/plink/manifest"
)

// hermetic keeps the developer's AWS settings out of a test; the shared
// config files are in the returned directory.
func hermetic(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	Isolate(testEnv(t), dir)
	return dir
}

// testEnv is Isolate's setenv for a test: restored when the test ends.
func testEnv(t *testing.T) func(string, string) {
	return func(k, v string) {
		t.Setenv(k, v)
		if v == "" {
			os.Unsetenv(k)
		}
	}
}

func static(key string) aws.CredentialsProvider { return staticSecret(key, "secret") }

func staticSecret(key, secret string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(key, secret, "")
}

func mf(accounts ...*manifest.Account) *manifest.Manifest {
	m := &manifest.Manifest{Version: 1, Project: "payments privatelink!", Accounts: map[string]*manifest.Account{}}
	for _, a := range accounts {
		m.Accounts[a.Alias] = a
	}
	return m
}

// fakeSTS is an STS speaking the Query protocol: an access key's account is
// keys[akid]; roles maps a role ARN to the account it is in; errors maps an
// action (or "akid:action") to an error code returned instead.
type fakeSTS struct {
	mu       sync.Mutex
	keys     map[string]string
	roles    map[string]string
	errs     map[string]string
	throttle int // answer this many next calls with Throttling
	calls    []string
	assumed  []string // "role|session|externalId"
}

func (f *fakeSTS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	action := r.Form.Get("Action")
	akid := ""
	if m := regexp.MustCompile(`Credential=([^/]+)/`).FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		akid = m[1]
	}
	f.mu.Lock()
	f.calls = append(f.calls, akid+":"+action)
	code := f.errs[akid+":"+action]
	if code == "" {
		code = f.errs[action]
	}
	if f.throttle > 0 {
		f.throttle--
		code = "Throttling"
	}
	account := f.keys[akid]
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	if code != "" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s from fake sts</Message></Error><RequestId>r1</RequestId></ErrorResponse>`, code, code)
		return
	}
	switch action {
	case "GetCallerIdentity":
		arn := "arn:aws:iam::" + account + ":user/" + akid
		fmt.Fprintf(w, `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>%s</Arn><UserId>%s</UserId><Account>%s</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`, arn, akid, account)
	case "AssumeRole":
		role := r.Form.Get("RoleArn")
		f.mu.Lock()
		f.assumed = append(f.assumed, role+"|"+r.Form.Get("RoleSessionName")+"|"+r.Form.Get("ExternalId"))
		newKey := fmt.Sprintf("ASIA%d", len(f.assumed))
		f.keys[newKey] = f.roles[role]
		f.mu.Unlock()
		fmt.Fprintf(w, `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>%s/plink</Arn><AssumedRoleId>AROA:plink</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleResponse>`, newKey, role)
	default:
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<ErrorResponse><Error><Code>InvalidAction</Code><Message>%s</Message></Error></ErrorResponse>`, action)
	}
}

func startFake(t *testing.T, f *fakeSTS) string {
	if f.keys == nil {
		f.keys = map[string]string{}
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv.URL
}

func newResolver(t *testing.T, m *manifest.Manifest, opts Options) *Resolver {
	t.Helper()
	r, err := New(context.Background(), m, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestVerifyAllAccountsAndRoles(t *testing.T) {
	hermetic(t)
	f := &fakeSTS{
		keys:  map[string]string{"AKIDBASE": "111111111111"},
		roles: map[string]string{"arn:aws:iam::222222222222:role/plink": "222222222222"},
	}
	url := startFake(t, f)
	m := mf(
		&manifest.Account{Alias: "payments", ID: "111111111111"},
		&manifest.Account{Alias: "checkout", ID: "222222222222", RoleARN: "arn:aws:iam::222222222222:role/plink", ExternalID: "ext-42"},
	)
	r := newResolver(t, m, Options{Endpoint: url, BaseCredentials: static("AKIDBASE")})
	if err := r.Verify(context.Background()); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if want := []string{"arn:aws:iam::222222222222:role/plink|plink-payments-privatelink-|ext-42"}; fmt.Sprint(f.assumed) != fmt.Sprint(want) {
		t.Errorf("assumed %v, want %v", f.assumed, want)
	}
	// Credentials are cached: a second Verify assumes no role again.
	if err := r.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(f.assumed) != 1 {
		t.Errorf("role assumed %d times, want 1 (cached)", len(f.assumed))
	}
}

func TestVerifyErrorsNameAccountsWithHints(t *testing.T) {
	hermetic(t)
	f := &fakeSTS{
		keys:  map[string]string{"AKIDBASE": "999999999999", "AKIDEXPIRED": "333333333333"},
		roles: map[string]string{},
		errs: map[string]string{
			"AKIDEXPIRED:GetCallerIdentity": "ExpiredToken",
			"AssumeRole":                    "AccessDenied",
		},
	}
	url := startFake(t, f)
	dir := hermetic(t)
	if err := os.WriteFile(filepath.Join(dir, "credentials"), []byte("[old]\naws_access_key_id = AKIDEXPIRED\naws_secret_access_key = x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte("[profile old]\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := mf(
		&manifest.Account{Alias: "payments", ID: "111111111111"},
		&manifest.Account{Alias: "checkout", ID: "222222222222", RoleARN: "arn:aws:iam::222222222222:role/plink", ExternalID: "ext-42"},
		&manifest.Account{Alias: "legacy", ID: "333333333333", Profile: "old"},
		&manifest.Account{Alias: "missing", ID: "444444444444", Profile: "nope"},
	)
	r := newResolver(t, m, Options{Endpoint: url, BaseCredentials: static("AKIDBASE")})
	err := r.Verify(context.Background())
	if err == nil {
		t.Fatal("Verify succeeded, want errors")
	}
	msg := explain(err)
	if strings.Contains(msg, "ext-42") {
		t.Errorf("the external id is printed:\n%s", msg)
	}
	for _, want := range []string{
		"account payments (111111111111): credentials for account `payments` landed in 999999999999 (arn:aws:iam::999999999999:user/AKIDBASE), expected 111111111111: set a profile or roleArn",
		"account checkout (222222222222): cannot assume role arn:aws:iam::222222222222:role/plink from arn:aws:iam::999999999999:user/AKIDBASE: AccessDenied: AccessDenied from fake sts: check the role's trust policy and its sts:ExternalId condition against the manifest's externalId for account checkout",
		"account legacy (333333333333):",
		"run `aws sso login --profile old` or refresh your credentials",
		"account missing (444444444444): load profile \"nope\"",
		"check that profile \"nope\" exists",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	// All four accounts are reported, sorted by alias, each an *AccountError.
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok || len(joined.Unwrap()) != 4 {
		t.Fatalf("want 4 joined errors, got %T %v", err, err)
	}
	var aliases []string
	for _, e := range joined.Unwrap() {
		var ae *AccountError
		if !errors.As(e, &ae) {
			t.Fatalf("%T is not an *AccountError", e)
		}
		aliases = append(aliases, ae.Alias)
	}
	if fmt.Sprint(aliases) != "[checkout legacy missing payments]" {
		t.Errorf("aliases %v", aliases)
	}
	var wrong *WrongAccountError
	if !errors.As(err, &wrong) || wrong.Actual != "999999999999" {
		t.Errorf("want a WrongAccountError, got %v", wrong)
	}
}

func TestVerifyAssumeRoleOtherFailure(t *testing.T) {
	hermetic(t)
	f := &fakeSTS{keys: map[string]string{"AKIDBASE": "1"}, errs: map[string]string{"AssumeRole": "RegionDisabledException"}}
	url := startFake(t, f)
	m := mf(&manifest.Account{Alias: "checkout", ID: "222222222222", RoleARN: "arn:aws:iam::222222222222:role/plink"})
	r := newResolver(t, m, Options{Endpoint: url, BaseCredentials: static("AKIDBASE"), RetryMaxAttempts: 1})
	err := r.Verify(context.Background())
	if err == nil || !strings.Contains(err.Error(), "account checkout (222222222222): assume role arn:aws:iam::222222222222:role/plink:") ||
		!strings.Contains(err.Error(), "RegionDisabledException") {
		t.Fatalf("got %v", err)
	}
}

func TestVerifyAccessDeniedFromProfileNamesProfile(t *testing.T) {
	dir := hermetic(t)
	f := &fakeSTS{keys: map[string]string{"AKIDPROF": "1"}, errs: map[string]string{"AssumeRole": "AccessDenied"}}
	url := startFake(t, f)
	os.WriteFile(filepath.Join(dir, "credentials"), []byte("[ops]\naws_access_key_id = AKIDPROF\naws_secret_access_key = x\n"), 0o600)
	m := mf(&manifest.Account{Alias: "checkout", ID: "222222222222", Profile: "ops", RoleARN: "arn:aws:iam::222222222222:role/plink"})
	r := newResolver(t, m, Options{Endpoint: url})
	err := r.Verify(context.Background())
	if err == nil || !strings.Contains(explain(err), "from profile ops") || !strings.Contains(explain(err), "whether it requires an externalId") {
		t.Fatalf("got %v", err)
	}
}

func TestVerifyNoCredentials(t *testing.T) {
	hermetic(t)
	f := &fakeSTS{}
	url := startFake(t, f)
	m := mf(&manifest.Account{Alias: "payments", ID: "111111111111"})
	r := newResolver(t, m, Options{Endpoint: url, RetryMaxAttempts: 1})
	err := r.Verify(context.Background())
	if err == nil || !strings.Contains(explain(err), "account payments (111111111111):") || !strings.Contains(explain(err), "no usable AWS credentials") {
		t.Fatalf("got %v", err)
	}
	if len(f.calls) != 0 {
		t.Errorf("calls without credentials reached the server: %v", f.calls)
	}
}

func TestThrottlingIsRetriedBySDK(t *testing.T) {
	hermetic(t)
	f := &fakeSTS{keys: map[string]string{"AKIDBASE": "111111111111"}, throttle: 2}
	url := startFake(t, f)
	m := mf(&manifest.Account{Alias: "payments", ID: "111111111111"})
	r := newResolver(t, m, Options{Endpoint: url, BaseCredentials: static("AKIDBASE")})
	if err := r.Verify(context.Background()); err != nil {
		t.Fatalf("Verify after throttling: %v", err)
	}
	if len(f.calls) != 3 {
		t.Errorf("calls %v, want 2 throttled and 1 answered", f.calls)
	}
}

func TestThrottlingBeyondMaxAttemptsFails(t *testing.T) {
	hermetic(t)
	f := &fakeSTS{keys: map[string]string{"AKIDBASE": "111111111111"}, throttle: 100}
	url := startFake(t, f)
	m := mf(&manifest.Account{Alias: "payments", ID: "111111111111"})
	r := newResolver(t, m, Options{Endpoint: url, BaseCredentials: static("AKIDBASE"), RetryMaxAttempts: 2})
	err := r.Verify(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Throttling") {
		t.Fatalf("got %v", err)
	}
	if len(f.calls) != 2 {
		t.Errorf("calls %v, want 2 attempts", f.calls)
	}
}

func TestRetryModeDefaultsToAdaptive(t *testing.T) {
	hermetic(t)
	m := mf(&manifest.Account{Alias: "payments", ID: "111111111111"})
	r := newResolver(t, m, Options{BaseCredentials: static("A")})
	if got := r.Config().RetryMode; got != aws.RetryModeAdaptive {
		t.Errorf("retry mode %q, want adaptive", got)
	}
	c, err := r.Clients(context.Background(), "payments", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.EC2.Options().RetryMode; got != aws.RetryModeAdaptive {
		t.Errorf("ec2 retry mode %q", got)
	}

	t.Setenv("AWS_RETRY_MODE", "standard")
	t.Setenv("AWS_MAX_ATTEMPTS", "7")
	r = newResolver(t, m, Options{BaseCredentials: static("A")})
	if got := r.Config(); got.RetryMode != aws.RetryModeStandard || got.RetryMaxAttempts != 7 {
		t.Errorf("env not honoured: mode %q attempts %d", got.RetryMode, got.RetryMaxAttempts)
	}
	r = newResolver(t, m, Options{BaseCredentials: static("A"), RetryMaxAttempts: 3})
	if got := r.Config(); got.RetryMaxAttempts != 3 {
		t.Errorf("Options.RetryMaxAttempts not applied: %d", got.RetryMaxAttempts)
	}
	c, _ = r.Clients(context.Background(), "payments", "us-east-1")
	if got := c.ELB.Options().Retryer.MaxAttempts(); got != 3 {
		t.Errorf("elb retryer max attempts %d, want 3", got)
	}
}

func TestEndpoints(t *testing.T) {
	hermetic(t)
	m := mf(&manifest.Account{Alias: "payments", ID: "111111111111"})
	t.Setenv("AWS_ENDPOINT_URL", "http://from-env:1")
	r := newResolver(t, m, Options{BaseCredentials: static("A")})
	c, err := r.Clients(context.Background(), "payments", "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(c.EC2.Options().BaseEndpoint); got != "http://from-env:1" {
		t.Errorf("AWS_ENDPOINT_URL not honoured: %q", got)
	}
	t.Setenv("AWS_ENDPOINT_URL_EC2", "http://ec2-env:1")
	r = newResolver(t, m, Options{BaseCredentials: static("A")})
	c, _ = r.Clients(context.Background(), "payments", "eu-west-1")
	if got := aws.ToString(c.EC2.Options().BaseEndpoint); got != "http://ec2-env:1" {
		t.Errorf("AWS_ENDPOINT_URL_EC2 not honoured: %q", got)
	}
	r = newResolver(t, m, Options{BaseCredentials: static("A"), Endpoint: "http://sandbox:2"})
	c, _ = r.Clients(context.Background(), "payments", "eu-west-1")
	for name, got := range map[string]*string{"ec2": c.EC2.Options().BaseEndpoint, "elb": c.ELB.Options().BaseEndpoint, "sts": c.STS().Options().BaseEndpoint} {
		if aws.ToString(got) != "http://sandbox:2" {
			t.Errorf("%s endpoint %q, want the Options.Endpoint override", name, aws.ToString(got))
		}
	}
	if c.EC2.Options().Region != "eu-west-1" || c.AccountID != "111111111111" || c.Account != "payments" {
		t.Errorf("clients for wrong scope: %+v", c)
	}
}

func TestClientsReusedAndErrors(t *testing.T) {
	hermetic(t)
	m := mf(&manifest.Account{Alias: "payments", ID: "111111111111"})
	r := newResolver(t, m, Options{BaseCredentials: static("A")})
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([]*Clients, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = r.ClientsFor(ctx, "payments", "us-west-2")
		}()
	}
	wg.Wait()
	for _, c := range got {
		if c == nil || c != got[0] {
			t.Fatalf("clients not shared: %p vs %p", c, got[0])
		}
	}
	other, _ := r.Clients(ctx, "payments", "us-east-1")
	if other == got[0] {
		t.Error("regions share clients")
	}
	if _, err := r.Clients(ctx, "nobody", "us-east-1"); err == nil || err.Error() != `unknown account "nobody": accounts are [payments]` {
		t.Errorf("unknown alias: %v", err)
	}
	if _, err := r.Clients(ctx, "payments", ""); err == nil || err.Error() != "account payments (111111111111): no region given" {
		t.Errorf("no region: %v", err)
	}
	var _ ClientSource = r
}

// TestRarelyUsedClientsBuiltOnFirstUse: STS, CloudWatch, SNS, Route 53
// and VPC Lattice are not built with the Clients; on first use each is
// built once, however many ask at once, with the endpoint override and the
// region (Route 53: Route53Region's); Clients made by NewClients return
// what they were given, nil included.
func TestRarelyUsedClientsBuiltOnFirstUse(t *testing.T) {
	hermetic(t)
	m := mf(&manifest.Account{Alias: "payments", ID: "111111111111"})
	r := newResolver(t, m, Options{BaseCredentials: static("A"), Endpoint: "http://sandbox:2"})
	c, err := r.Clients(context.Background(), "payments", "cn-north-1")
	if err != nil {
		t.Fatal(err)
	}
	if c.sts.v != nil || c.cloudWatch.v != nil || c.sns.v != nil || c.route53.v != nil || c.lattice.v != nil {
		t.Fatal("a rarely used client was built with the Clients")
	}
	type opts struct{ endpoint, region string }
	get := func() []any { return []any{c.STS(), c.CloudWatch(), c.SNS(), c.Route53(), c.Lattice()} }
	var wg sync.WaitGroup
	got := make([][]any, 8)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i] = get() }()
	}
	wg.Wait()
	for _, g := range got[1:] {
		for j := range g {
			if g[j] != got[0][j] {
				t.Fatalf("client %d built more than once: %p vs %p", j, g[j], got[0][j])
			}
		}
	}
	for name, o := range map[string]opts{
		"sts":        {aws.ToString(c.STS().Options().BaseEndpoint), c.STS().Options().Region},
		"cloudwatch": {aws.ToString(c.CloudWatch().Options().BaseEndpoint), c.CloudWatch().Options().Region},
		"sns":        {aws.ToString(c.SNS().Options().BaseEndpoint), c.SNS().Options().Region},
		"lattice":    {aws.ToString(c.Lattice().Options().BaseEndpoint), c.Lattice().Options().Region},
	} {
		if o != (opts{"http://sandbox:2", "cn-north-1"}) {
			t.Errorf("%s: endpoint and region %+v", name, o)
		}
	}
	if o := c.Route53().Options(); aws.ToString(o.BaseEndpoint) != "http://sandbox:2" || o.Region != "cn-northwest-1" {
		t.Errorf("route53: endpoint %q region %q, want the override, signed for cn-northwest-1", aws.ToString(o.BaseEndpoint), o.Region)
	}

	b := NewClients(Built{Account: "a", AccountID: "1", Region: "r", EC2: c.EC2, STS: c.STS(), Route53: c.Route53()})
	if b.EC2 != c.EC2 || b.STS() != c.STS() || b.Route53() != c.Route53() || b.CloudWatch() != nil || b.SNS() != nil || b.Lattice() != nil ||
		b.ELB != nil || b.Account != "a" || b.AccountID != "1" || b.Region != "r" {
		t.Errorf("NewClients changed what it was given: %+v", b)
	}
}

func TestAPIOptionsAndHTTPClientReachEveryClient(t *testing.T) {
	hermetic(t)
	f := &fakeSTS{keys: map[string]string{"AKIDBASE": "111111111111"}}
	url := startFake(t, f)
	var n int
	var mu sync.Mutex
	hc := &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
		mu.Lock()
		n++
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(req)
	})}
	counter := &awsenvtest.Counter{}
	m := mf(&manifest.Account{Alias: "payments", ID: "111111111111"})
	r := newResolver(t, m, Options{Endpoint: url, BaseCredentials: static("AKIDBASE"), HTTPClient: hc,
		APIOptions: []func(*middleware.Stack) error{counter.Middleware}})
	c, _ := r.Clients(context.Background(), "payments", "us-east-1")
	if _, err := c.STS().GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if n != 1 || counter.String() != "STS.GetCallerIdentity=1" {
		t.Errorf("http calls %d, counted %s", n, counter)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestSessionName(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "plink",
		"payments-privatelink":  "plink-payments-privatelink",
		"a b/c:d":               "plink-a-b-c-d",
		"x@y.z,w=v+u":           "plink-x@y.z,w=v+u",
		strings.Repeat("p", 80): "plink-" + strings.Repeat("p", 58),
	} {
		if got := SessionName(in); got != want {
			t.Errorf("SessionName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorClassifiers(t *testing.T) {
	if !IsExpired(&ssocreds.InvalidTokenError{}) || !IsCredentialError(fmt.Errorf("x: %w", &ssocreds.InvalidTokenError{})) {
		t.Error("SSO token error not classified as expired")
	}
	if IsExpired(nil) || IsCredentialError(nil) || IsCredentialError(errors.New("boom")) {
		t.Error("false positives")
	}
	if ErrorCode(errors.New("plain")) != "" || Describe(errors.New("plain")) != "plain" {
		t.Error("plain errors")
	}
}

func TestNewFailsOnUnknownAWSProfile(t *testing.T) {
	hermetic(t)
	t.Setenv("AWS_PROFILE", "nope")
	_, err := New(context.Background(), mf(), Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "load AWS configuration: ") || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("got %v", err)
	}
}

func TestVerifyProfileLandsInWrongAccount(t *testing.T) {
	dir := hermetic(t)
	f := &fakeSTS{keys: map[string]string{"AKIDPROF": "555555555555"}}
	url := startFake(t, f)
	os.WriteFile(filepath.Join(dir, "credentials"), []byte("[ops]\naws_access_key_id = AKIDPROF\naws_secret_access_key = x\n"), 0o600)
	m := mf(&manifest.Account{Alias: "checkout", ID: "222222222222", Profile: "ops"})
	err := newResolver(t, m, Options{Endpoint: url}).Verify(context.Background())
	want := "account checkout (222222222222): credentials for account `checkout` landed in 555555555555 (arn:aws:iam::555555555555:user/AKIDPROF), expected 222222222222: check that profile ops is for account 222222222222, or fix the account id in the manifest"
	if err == nil || explain(err) != want {
		t.Fatalf("got  %v\nwant %s", explain(err), want)
	}
}

// explain renders err as "ERROR: HINT" per account, the way a reader sees
// both (the CLI prints the hint on its own line).
func explain(err error) string {
	if err == nil {
		return "<nil>"
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var lines []string
	for _, e := range errs {
		s := e.Error()
		var ae *AccountError
		if errors.As(e, &ae) && ae.Hint != "" {
			s += ": " + ae.Hint
		}
		lines = append(lines, s)
	}
	return strings.Join(lines, "\n")
}

// TestOneConnectionPoolForEveryClient: without an HTTPClient option every
// account-region's clients share one transport, so calls from many of them
// reuse connections instead of each client opening its own (at 10,000
// consumers that was ~1,900 connections and 14 MB of buffers).
func TestOneConnectionPoolForEveryClient(t *testing.T) {
	hermetic(t)
	// Without a CA bundle the SDK's config carries no HTTP client, and
	// each service client would build one of its own.
	t.Setenv("AWS_CA_BUNDLE", "")
	os.Unsetenv("AWS_CA_BUNDLE")
	f := &fakeSTS{keys: map[string]string{"AKIDBASE": "111111111111"}}
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(f)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	m := mf(&manifest.Account{Alias: "payments", ID: "111111111111"}, &manifest.Account{Alias: "checkout", ID: "111111111111"})
	r := newResolver(t, m, Options{Endpoint: srv.URL, BaseCredentials: static("AKIDBASE")})
	ctx := context.Background()
	var first aws.HTTPClient
	for _, alias := range []string{"payments", "checkout"} {
		for _, region := range []string{"us-east-1", "us-west-2", "eu-west-1"} {
			c, err := r.Clients(ctx, alias, region)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.STS().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
				t.Fatal(err)
			}
			// the transport puts a connection back in its pool from its
			// read loop, just after the response is read
			time.Sleep(20 * time.Millisecond)
			for _, hc := range []aws.HTTPClient{c.EC2.Options().HTTPClient, c.ELB.Options().HTTPClient, c.STS().Options().HTTPClient, c.CloudWatch().Options().HTTPClient} {
				if first == nil {
					first = hc
				}
				if hc != first {
					t.Fatalf("%s/%s: a client with an HTTP client of its own (%T)", alias, region, hc)
				}
			}
		}
	}
	if _, ok := first.(*awshttp.BuildableClient); ok {
		t.Error("the shared client is buildable: every SDK client would clone it with a transport of its own")
	}
	// One pool reuses its connection (Go's transport may dial a spare
	// when a request races a connection's return to the pool); a
	// transport per client opens one per account-region at least.
	if n := conns.Load(); n >= 6 {
		t.Errorf("6 account-regions' calls, one after another, opened %d connections: one each", n)
	}
}
