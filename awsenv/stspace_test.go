package awsenv_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// The sandbox's STS bucket scaled down (sandbox.Options.ThrottleScale):
// 10 tokens, refilled at 2 a second per caller account and region, so that
// a few more accounts than 10 overdraw it as 200 accounts overdraw AWS's.
const (
	stsScale = 0.1
	stsRate  = awsenv.DefaultSTSRate * stsScale
)

var paceRegions = []string{"us-east-1", "us-west-2"}

const operatorArn = "arn:aws:iam::999999999999:user/plink-operator"

// paceWorld is n accounts, each with role/plink trusting the operator, and
// an operator account, in two regions.
func paceWorld(n int) *sandbox.World {
	w := &sandbox.World{Regions: paceRegions, Operator: "operator"}
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("1000000000%02d", i)
		a := sandbox.Account{
			Alias: fmt.Sprintf("acct%02d", i), ID: id,
			Roles:   []sandbox.Role{{Arn: "arn:aws:iam::" + id + ":role/plink", TrustedPrincipals: []string{operatorArn}}},
			Regions: map[string]sandbox.RegionWorld{},
		}
		for r, region := range paceRegions {
			a.Regions[region] = sandbox.RegionWorld{AvailabilityZones: map[string]string{
				region + "a": fmt.Sprintf("use%d-az1", r+1), region + "b": fmt.Sprintf("use%d-az2", r+1)}}
		}
		w.Accounts = append(w.Accounts, a)
	}
	w.Accounts = append(w.Accounts, sandbox.Account{Alias: "operator", ID: "999999999999",
		Credentials: []sandbox.Credential{{AccessKeyID: "AKIAPACEOPERATOR0001", SecretAccessKey: "pace-operator-secret", PrincipalArn: operatorArn}}})
	return w
}

// paceManifest names the world's n accounts, each reached through its
// role, and reads them in both regions.
func paceManifest(n int) *manifest.Manifest {
	m := &manifest.Manifest{Version: 1, Project: "pace", Accounts: map[string]*manifest.Account{},
		Defaults: manifest.Defaults{Region: paceRegions[0], Regions: paceRegions}}
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("1000000000%02d", i)
		alias := fmt.Sprintf("acct%02d", i)
		m.Accounts[alias] = &manifest.Account{Alias: alias, ID: id, RoleARN: "arn:aws:iam::" + id + ":role/plink"}
	}
	return m
}

// wireLog is an HTTP transport that records, in the order they were sent,
// the action of every request and, for AssumeRole, when its answer came
// back.
type wireLog struct {
	mu     sync.Mutex
	events []string // "send <Action> [role]" and "assumed <role>"
}

func (l *wireLog) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	action, role := form.Get("Action"), form.Get("RoleArn")
	l.add(strings.TrimSpace("send " + action + " " + role))
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && action == "AssumeRole" && resp.StatusCode == http.StatusOK {
		l.add("assumed " + role)
	}
	return resp, err
}

func (l *wireLog) add(e string) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

func (l *wireLog) log() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.events...)
}

func isolated(t *testing.T) {
	awsenv.Isolate(func(k, v string) {
		t.Setenv(k, v) // restored after the test
		if v == "" {
			os.Unsetenv(k)
		}
	}, t.TempDir())
}

// paceResolver reaches srv as the operator, at stsRate requests a second
// through STS (0: unpaced), over log when it is not nil.
func paceResolver(t *testing.T, srv *sandboxtest.Server, m *manifest.Manifest, rate float64, log *wireLog) *awsenv.Resolver {
	t.Helper()
	return paceResolverIn(context.Background(), t, srv, m, rate, log)
}

// paceResolverIn is paceResolver for a run whose context is run.
func paceResolverIn(run context.Context, t *testing.T, srv *sandboxtest.Server, m *manifest.Manifest, rate float64, log *wireLog) *awsenv.Resolver {
	t.Helper()
	opts := awsenv.Options{
		Endpoint:        srv.URL,
		BaseCredentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("AKIAPACEOPERATOR0001", "pace-operator-secret", "")),
		Region:          paceRegions[0],
		STSRate:         rate,
	}
	if log != nil {
		opts.HTTPClient = &http.Client{Transport: log}
	}
	r, err := awsenv.New(run, m, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// callsOf counts a sandbox's calls (or refusals) of one action, by account.
func callsOf(calls []sandbox.Call, action string) map[string]int {
	out := map[string]int{}
	for _, c := range calls {
		if c.Action == action {
			out[c.Account] += c.Count
		}
	}
	return out
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestAssumeRolePacedOncePerAccount: 16 roles assumed from one operator
// through an STS bucket of 10 tokens at 2 a second. Paced (Options.STSRate),
// no AssumeRole is throttled; every account's role is assumed exactly once
// for the whole run, though each account has clients in two regions, is
// verified twice and is called in both regions. Unpaced, the same run
// overdraws the bucket.
func TestAssumeRolePacedOncePerAccount(t *testing.T) {
	const n = 16
	isolated(t)
	t.Run("paced", func(t *testing.T) {
		srv := sandboxtest.StartWorld(t, paceWorld(n), sandbox.Options{Throttle: true, ThrottleScale: stsScale})
		r := paceResolver(t, srv, paceManifest(n), stsRate, nil)
		ctx := context.Background()
		if err := r.Verify(ctx); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		for _, alias := range r.Accounts() {
			for _, region := range paceRegions {
				c, err := r.Clients(ctx, alias, region)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := c.EC2.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{}); err != nil {
					t.Fatalf("%s %s: %v", alias, region, err)
				}
			}
		}
		if err := r.Verify(ctx); err != nil {
			t.Fatalf("second Verify: %v", err)
		}
		calls := srv.Sandbox.Calls()
		if th := callsOf(srv.Sandbox.Throttled(), "AssumeRole"); len(th) > 0 {
			t.Errorf("AssumeRole throttled %d times: %v", sum(th), th)
		}
		assumed := callsOf(calls, "AssumeRole")
		if len(assumed) != 1 || assumed["999999999999"] != n {
			t.Errorf("AssumeRole calls by caller account: %v, want %d from the operator", assumed, n)
		}
		ids := callsOf(calls, "GetCallerIdentity")
		zones := callsOf(calls, "DescribeAvailabilityZones")
		for i := 1; i <= n; i++ {
			id := fmt.Sprintf("1000000000%02d", i)
			if ids[id] != 1 || zones[id] != len(paceRegions) {
				t.Errorf("account %s: %d GetCallerIdentity, %d DescribeAvailabilityZones; want 1 and %d", id, ids[id], zones[id], len(paceRegions))
			}
		}
		if st := r.RetryStats(); st.Throttled != 0 {
			t.Errorf("retries after throttling: %+v", st)
		}
	})
	t.Run("unpaced", func(t *testing.T) {
		srv := sandboxtest.StartWorld(t, paceWorld(n), sandbox.Options{Throttle: true, ThrottleScale: stsScale})
		r := paceResolver(t, srv, paceManifest(n), 0, nil)
		if err := r.Verify(context.Background()); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if th := callsOf(srv.Sandbox.Throttled(), "AssumeRole"); sum(th) == 0 {
			t.Errorf("no AssumeRole throttled without pacing: the bucket is not overdrawn, so the paced case proves nothing")
		}
	})
}

// TestReadsStartAsEachRoleIsAssumed: live.Read through Resolver.Verified
// reads an account as soon as its own role is assumed and verified. With
// 16 roles through a bucket of 10 at 2 a second, the last roles wait for
// tokens; the reads of the first accounts go out before the last role is
// even asked for. Verify afterwards asks nothing again.
func TestReadsStartAsEachRoleIsAssumed(t *testing.T) {
	const n = 16
	isolated(t)
	srv := sandboxtest.StartWorld(t, paceWorld(n), sandbox.Options{Throttle: true, ThrottleScale: stsScale})
	log := &wireLog{}
	m := paceManifest(n)
	r := paceResolver(t, srv, m, stsRate, log)
	ctx := context.Background()
	firsts := 0
	snap, err := live.Read(ctx, m, r.Verified(func() { firsts++ }), live.ReadOptions{})
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if len(snap.Scopes) != n*len(paceRegions) {
		t.Errorf("read %d scopes, want %d", len(snap.Scopes), n*len(paceRegions))
	}
	if firsts != 1 {
		t.Errorf("first called %d times, want once", firsts)
	}
	before := len(srv.Sandbox.Calls())
	if err := r.Verify(ctx); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	calls := srv.Sandbox.Calls()
	if len(calls) != before || sum(callsOf(calls, "GetCallerIdentity")) != n || sum(callsOf(calls, "AssumeRole")) != n {
		t.Errorf("Verify after the read asked again: %d AssumeRole, %d GetCallerIdentity for %d accounts",
			sum(callsOf(calls, "AssumeRole")), sum(callsOf(calls, "GetCallerIdentity")), n)
	}
	if th := srv.Sandbox.Throttled(); len(th) > 0 {
		t.Errorf("throttled: %+v", th)
	}
	events := log.log()
	firstRead, lastAssume := -1, -1
	for i, e := range events {
		if firstRead < 0 && strings.HasPrefix(e, "send Describe") {
			firstRead = i
		}
		if strings.HasPrefix(e, "send AssumeRole") {
			lastAssume = i
		}
	}
	if firstRead < 0 || lastAssume < 0 || firstRead > lastAssume {
		t.Errorf("the first read (event %d) was not sent before the last AssumeRole (event %d):\n%s",
			firstRead, lastAssume, strings.Join(events, "\n"))
	}
	reads := 0
	for _, e := range events[:lastAssume] {
		if strings.HasPrefix(e, "send Describe") {
			reads++
		}
	}
	t.Logf("%d reads went out before the last of %d roles was asked for (%d events)", reads, n, len(events))
}

// TestVerifiedReportsEveryUnreachableAccount: an account whose role cannot
// be assumed fails its own reads, the others are read, and Verify names it
// (and only it) without assuming its role a second time.
func TestVerifiedReportsEveryUnreachableAccount(t *testing.T) {
	const n = 4
	isolated(t)
	w := paceWorld(n)
	w.Accounts[1].Roles[0].TrustedPrincipals = nil // acct02 trusts nobody
	w.Accounts[3].Roles[0].ExternalID = "needed"   // acct04 wants an external id
	srv := sandboxtest.StartWorld(t, w, sandbox.Options{})
	m := paceManifest(n)
	r := paceResolver(t, srv, m, stsRate, nil)
	ctx := context.Background()
	snap, err := live.Read(ctx, m, r.Verified(nil), live.ReadOptions{})
	var re *live.ReadError
	if !errors.As(err, &re) {
		t.Fatalf("read: %v, want a ReadError", err)
	}
	failed := map[string]bool{}
	for _, f := range re.Failures {
		failed[f.Account] = true
	}
	if len(failed) != 2 || !failed["acct02"] || !failed["acct04"] {
		t.Errorf("failed accounts %v, want acct02 and acct04", failed)
	}
	if len(snap.Zones) == 0 {
		t.Errorf("the reachable accounts were not read")
	}
	err = r.Verify(ctx)
	if err == nil {
		t.Fatal("Verify succeeded")
	}
	text := err.Error()
	for _, want := range []string{"account acct02 (100000000002): cannot assume role", "account acct04 (100000000004): cannot assume role"} {
		if !strings.Contains(text, want) {
			t.Errorf("Verify's error lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "acct01") || strings.Contains(text, "acct03") {
		t.Errorf("Verify names a reachable account:\n%s", text)
	}
	var ae *awsenv.AccountError
	if !errors.As(err, &ae) {
		t.Errorf("not an AccountError: %T", err)
	}
	// One AssumeRole per account: the failed ones too were asked once.
	if got := sum(callsOf(srv.Sandbox.Calls(), "AssumeRole")); got != n {
		t.Errorf("%d AssumeRole calls for %d accounts", got, n)
	}
	if _, err := r.Verified(nil).ClientsFor(ctx, "nope", "us-east-1"); err == nil || !strings.Contains(err.Error(), `unknown account "nope"`) {
		t.Errorf("unknown account: %v", err)
	}
}

// TestVerifyAccountAfterCancel: a check cut short by its context is not
// kept: the next caller checks again, and succeeds.
func TestVerifyAccountAfterCancel(t *testing.T) {
	isolated(t)
	srv := sandboxtest.StartWorld(t, paceWorld(1), sandbox.Options{})
	r := paceResolver(t, srv, paceManifest(1), stsRate, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.VerifyAccount(ctx, "acct01"); err == nil {
		t.Fatal("VerifyAccount with a cancelled context succeeded")
	}
	if err := r.VerifyAccount(context.Background(), "acct01"); err != nil {
		t.Fatalf("VerifyAccount after a cancelled one: %v", err)
	}
}

// TestSTSWaitEndsWithTheRun: a role waiting for an STS token is not
// asked for while it waits; when the run's context ends first, its account
// fails with the context's error and the others stand.
func TestSTSWaitEndsWithTheRun(t *testing.T) {
	isolated(t)
	srv := sandboxtest.StartWorld(t, paceWorld(2), sandbox.Options{})
	// 0.01 a second: one token now, the next in 100 s.
	r := paceResolver(t, srv, paceManifest(2), 0.01, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := r.Verify(ctx)
	if err == nil || !strings.Contains(err.Error(), "context deadline exceeded") {
		t.Fatalf("Verify: %v", err)
	}
	var ae *awsenv.AccountError
	if !errors.As(err, &ae) || strings.Count(err.Error(), "account acct0") != 1 {
		t.Errorf("want one account's error: %v", err)
	}
	if got := sum(callsOf(srv.Sandbox.Calls(), "AssumeRole")); got != 1 {
		t.Errorf("%d AssumeRole calls, want the one the bucket allowed", got)
	}
}

// TestSTSWaitEndsWhenTheRunStops: an account's credentials cache assumes
// its role with a context that the caller's cancellation does not reach;
// the wait for an STS token still ends when the run (the context the
// Resolver was made with) does, so the role is never asked for after it.
func TestSTSWaitEndsWhenTheRunStops(t *testing.T) {
	isolated(t)
	srv := sandboxtest.StartWorld(t, paceWorld(2), sandbox.Options{})
	run, stop := context.WithCancelCause(context.Background())
	r := paceResolverIn(run, t, srv, paceManifest(2), 0.01, nil)
	if err := r.VerifyAccount(context.Background(), "acct01"); err != nil {
		t.Fatal(err)
	}
	// acct02's role waits 100 s for its token, unless the run ends.
	done := make(chan error, 1)
	go func() { done <- r.VerifyAccount(context.Background(), "acct02") }()
	stop(errors.New("the run was interrupted"))
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "waiting for the STS request rate (--sts-rate 0.01): the run was interrupted") {
		t.Fatalf("VerifyAccount: %v", err)
	}
	if got := sum(callsOf(srv.Sandbox.Calls(), "AssumeRole")); got != 1 {
		t.Errorf("%d AssumeRole calls, want 1", got)
	}
}
