package cli

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/internal/iostreams"
	"github.com/plinkdev/plink/lease"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/quota"
	"github.com/plinkdev/plink/reconcile/shard"
	"github.com/plinkdev/plink/sandbox"
)

// lockSession opens the in-process sandbox of dir for the quickstart
// manifest, as apply does.
func lockSession(t *testing.T, dir string, settings map[string]any) (*Factory, *manifest.Manifest, *awsSession, *strings.Builder) {
	return lockSessionOf(t, dir, settings, shard.Selection{})
}

// lockSessionOf is lockSession for the run of a shard (sel).
func lockSessionOf(t *testing.T, dir string, settings map[string]any, sel shard.Selection) (*Factory, *manifest.Manifest, *awsSession, *strings.Builder) {
	t.Helper()
	ios, _, _, errOut := iostreams.Test()
	f := &Factory{IO: ios, Config: newConfig(), Getenv: func(string) string { return "" }}
	f.Config.v.Set("sandbox", true)
	f.Config.v.Set("sandbox-dir", dir)
	f.Config.v.Set("lock", true)
	for k, v := range settings {
		f.Config.v.Set(k, v)
	}
	m, diags, err := loadManifest([]string{quickstart}, quota.Table{})
	if err != nil || diags.HasErrors() {
		t.Fatalf("%v %v", err, diags)
	}
	sess, err := openAWS(context.Background(), f, m, awsRun{runScope: runScope{shard: sel}, session: sessionSettings(f)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sess.Close() })
	b := &strings.Builder{}
	f.IO.ErrOut = writerFunc(func(p []byte) (int, error) { errOut.Write(p); return b.Write(p) })
	return f, m, sess, b
}

// shardOf is sess for the run of the shard sel.
func shardOf(sess *awsSession, sel shard.Selection) *awsSession {
	return &awsSession{Session: sess.WithShard(sel)}
}

type writerFunc func([]byte) (int, error)

func (w writerFunc) Write(p []byte) (int, error) { return w(p) }

// TestLockLostStopsTheRun: a lease lost mid-run (deleted by hand) cancels
// the run's context with the loss as cause and says so; a second run is
// refused while the first holds it; --lock=false takes nothing.
func TestLockLostStopsTheRun(t *testing.T) {
	defer func(ttl time.Duration) { leaseTTL = ttl }(leaseTTL)
	leaseTTL = 600 * time.Millisecond
	ctx := context.Background()
	f, m, sess, stderr := lockSession(t, t.TempDir(), nil)
	lctx, unlock, err := lockProject(ctx, f, leaseSettingsOf(f), m, sess, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	_, _, err = lockProject(ctx, f, leaseSettingsOf(f), m, sess, nil)
	var held *lease.HeldError
	var ee *exitError
	if !errors.As(err, &held) || !errors.As(err, &ee) || !strings.Contains(ee.Hint, "--lock-timeout") || strings.Contains(ee.Hint, "shards") {
		t.Fatalf("second lock: %v", err)
	}
	// A shard is refused while the whole project's lease is held, naming
	// its holder and that lease.
	_, _, err = lockProject(ctx, f, leaseSettingsOf(f), m, shardOf(sess, shard.Selection{Accounts: []string{"checkout"}}), nil)
	if !errors.As(err, &held) || !errors.As(err, &ee) || strings.Contains(ee.Hint, "--lock=false") ||
		!strings.Contains(err.Error(), "holds the lease (placement group plink-lease-payments-privatelink in account payments (111111111111) region us-east-1)") ||
		!strings.Contains(ee.Hint, "--group-name plink-lease-payments-privatelink ") {
		t.Fatalf("a shard's lock beside the project's: %v (hint %q)", err, ee.Hint)
	}

	c, err := sess.ClientsIn(ctx, "payments", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.EC2.DeletePlacementGroup(ctx, &ec2.DeletePlacementGroupInput{GroupName: aws.String("plink-lease-payments-privatelink")}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-lctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the run's context was not cancelled when the lease was lost")
	}
	var lost *lease.LostError
	if !errors.As(context.Cause(lctx), &lost) {
		t.Errorf("cause %v", context.Cause(lctx))
	}
	if !strings.Contains(stderr.String(), "plink: lost the lease of project payments-privatelink (placement group plink-lease-payments-privatelink in account payments (111111111111) region us-east-1): the placement group was deleted; stopping: no new change starts") {
		t.Errorf("stderr: %s", stderr)
	}
	unlock()
	if n := strings.Count(stderr.String(), "lost the lease"); n != 1 {
		t.Errorf("the loss was reported %d times:\n%s", n, stderr)
	}

	// --lock=false: nothing taken.
	f.Config.v.Set("lock", false)
	nctx, none, err := lockProject(ctx, f, leaseSettingsOf(f), m, sess, nil)
	none()
	if err != nil || nctx != ctx {
		t.Errorf("--lock=false: %v", err)
	}
	out, err := c.EC2.DescribePlacementGroups(ctx, &ec2.DescribePlacementGroupsInput{})
	if err != nil || len(out.PlacementGroups) != 0 {
		t.Errorf("--lock=false created a lease: %v %+v", err, out)
	}
}

// TestLockCallErrors: a lease the credentials may not create, or may not
// delete at the end, is reported with what to do.
func TestLockCallErrors(t *testing.T) {
	ctx := context.Background()
	f, m, sess, stderr := lockSession(t, t.TempDir(), nil)
	sess.Sandbox().Inject(sandbox.Fault{Action: "DescribePlacementGroups", Code: "UnauthorizedOperation", Times: -1})
	_, _, err := lockProject(ctx, f, leaseSettingsOf(f), m, sess, nil)
	var ee *exitError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "taking the lease of project payments-privatelink: reading the lease (placement group plink-lease-payments-privatelink in account payments (111111111111) region us-east-1)") ||
		!strings.Contains(ee.Hint, "ec2:CreatePlacementGroup") || !strings.Contains(ee.Hint, "--lock=false") {
		t.Fatalf("denied read: %v (hint %q)", err, ee.Hint)
	}
	sess.Sandbox().ClearFaults()

	_, unlock, err := lockProject(ctx, f, leaseSettingsOf(f), m, sess, nil)
	if err != nil {
		t.Fatal(err)
	}
	sess.Sandbox().Inject(sandbox.Fault{Action: "DeletePlacementGroup", Code: "UnauthorizedOperation", Times: -1})
	unlock()
	if s := stderr.String(); !strings.Contains(s, "plink: releasing the lease (placement group plink-lease-payments-privatelink") ||
		!strings.Contains(s, "hint: the lease expires by itself at the latest 2m0s after its last renewal; or delete it: aws ec2 delete-placement-group --group-name plink-lease-payments-privatelink --region us-east-1 (in account payments (111111111111))") {
		t.Errorf("release error: %s", s)
	}

	// A foreign group of the lease's name.
	sess.Sandbox().ClearFaults()
	c, _ := sess.ClientsIn(ctx, "payments", "us-east-1")
	if _, err := c.EC2.DeletePlacementGroup(ctx, &ec2.DeletePlacementGroupInput{GroupName: aws.String("plink-lease-payments-privatelink")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EC2.CreatePlacementGroup(ctx, &ec2.CreatePlacementGroupInput{GroupName: aws.String("plink-lease-payments-privatelink"), Strategy: "cluster"}); err != nil {
		t.Fatal(err)
	}
	_, _, err = lockProject(ctx, f, leaseSettingsOf(f), m, sess, nil)
	if !errors.As(err, &ee) || !strings.Contains(ee.Hint, "rename or delete that placement group") {
		t.Errorf("foreign: %v", err)
	}

	// An interrupted wait is left for report to name.
	if _, err := c.EC2.DeletePlacementGroup(ctx, &ec2.DeletePlacementGroupInput{GroupName: aws.String("plink-lease-payments-privatelink")}); err != nil {
		t.Fatal(err)
	}
	if _, unlock2, err := lockProject(ctx, f, leaseSettingsOf(f), m, sess, nil); err != nil {
		t.Fatal(err)
	} else {
		defer unlock2()
	}
	f.Config.v.Set("lock-timeout", time.Minute)
	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, _, err = lockProject(cctx, f, leaseSettingsOf(f), m, sess, nil)
	if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ee) {
		t.Errorf("interrupted wait: %v", err)
	}
	if !strings.Contains(stderr.String(), "plink: waiting up to 1m0s (--lock-timeout) for the lease of project payments-privatelink: ") {
		t.Errorf("no waiting note: %s", stderr)
	}
}

// TestShardLeases: each shard takes a lease of its own, so two shards hold
// theirs at once; the whole project's lease and a shard's exclude each
// other both ways, as do two shards that share an account and region, and
// the refusal names the holder's lease.
func TestShardLeases(t *testing.T) {
	ctx := context.Background()
	f, m, sess, _ := lockSession(t, t.TempDir(), nil)
	lock := func(accounts, regions []string) (func(), error) {
		t.Helper()
		_, unlock, err := lockProject(ctx, f, leaseSettingsOf(f), m, shardOf(sess, shard.Selection{Accounts: accounts, Regions: regions}), nil)
		return unlock, err
	}
	refused := func(err error, holder string) {
		t.Helper()
		var held *lease.HeldError
		var ee *exitError
		if !errors.As(err, &held) || !errors.As(err, &ee) || !strings.Contains(err.Error(), holder) ||
			!strings.Contains(ee.Hint, "--group-name "+held.Info.Name+" ") {
			t.Fatalf("want refused naming %q, got %v", holder, err)
		}
	}
	checkout, err := lock([]string{"checkout"}, nil)
	if err != nil {
		t.Fatalf("shard checkout: %v", err)
	}
	both, err := lock([]string{"payments", "analytics"}, []string{"us-east-1"})
	if err != nil {
		t.Fatalf("shard analytics+payments beside shard checkout: %v", err)
	}
	west, err := lock([]string{"payments"}, []string{"us-west-2"})
	if err != nil {
		t.Fatalf("shard payments@us-west-2 beside payments+analytics@us-east-1: %v", err)
	}
	// Overlapping shards and the whole project are refused.
	_, err = lock(nil, nil)
	refused(err, "holds the lease of shard ")
	_, err = lock([]string{"checkout", "search"}, nil)
	refused(err, "holds the lease of shard checkout (placement group plink-lease-payments-privatelink.shard.checkout in account payments (111111111111) region us-east-1)")
	_, err = lock(nil, []string{"us-west-2"})
	refused(err, "holds the lease of shard ")
	_, err = lock([]string{"checkout"}, nil) // the same shard again
	refused(err, "holds the lease of shard checkout (placement group plink-lease-payments-privatelink.shard.checkout ")
	checkout()
	both()
	west()

	// The whole project's lease keeps every shard out, and the other way.
	all, err := lock(nil, nil)
	if err != nil {
		t.Fatalf("the project's lease once the shards are done: %v", err)
	}
	_, err = lock([]string{"checkout"}, nil)
	refused(err, "holds the lease (placement group plink-lease-payments-privatelink in account payments (111111111111) region us-east-1)")
	all()
	c, err := sess.ClientsIn(ctx, "payments", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := c.EC2.DescribePlacementGroups(ctx, &ec2.DescribePlacementGroupsInput{}); err != nil || len(out.PlacementGroups) != 0 {
		t.Errorf("leases left behind: %v %+v", err, out)
	}
}

// TestShardLeaseInTheProjectsHome: a shard whose accounts do not reach the
// project's home account still takes its lease there, with clients made
// for it.
func TestShardLeaseInTheProjectsHome(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	mf := dir + "/plink.yaml"
	if err := os.WriteFile(mf, []byte(`version: 1
project: homes
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111" }
  analytics: { id: "333333333333" }
providers:
  - name: payments-api
    account: payments
    networkLoadBalancerArns: ["`+paymentsNLB+`"]
  - name: analytics-ingest
    account: analytics
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/net/analytics-ingest/031000000005c0c1"]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	ios, _, _, _ := iostreams.Test()
	f := &Factory{IO: ios, Config: newConfig(), Getenv: func(string) string { return "" }}
	f.Config.v.Set("sandbox", true)
	f.Config.v.Set("sandbox-dir", dir+"/.plink")
	f.Config.v.Set("lock", true)
	m, diags, err := loadManifest([]string{mf}, quota.Table{})
	if err != nil || diags.HasErrors() {
		t.Fatalf("%v %v", err, diags)
	}
	sess, err := openAWS(ctx, f, m, awsRun{runScope: runScope{shard: shard.Selection{Accounts: []string{"analytics"}}}, session: sessionSettings(f)})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if got := sess.Accounts(); len(got) != 1 || got[0] != "analytics" {
		t.Fatalf("the shard's resolver has %v, want only analytics", got)
	}
	_, unlock, err := lockProject(ctx, f, leaseSettingsOf(f), m, sess, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := sess.ClientsIn(ctx, "payments", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.EC2.DescribePlacementGroups(ctx, &ec2.DescribePlacementGroupsInput{})
	if err != nil || len(out.PlacementGroups) != 1 || aws.ToString(out.PlacementGroups[0].GroupName) != "plink-lease-homes.shard.analytics" {
		t.Fatalf("the shard's lease in payments: %v %+v", err, out)
	}
	unlock()
	if _, err := sess.ClientsIn(ctx, "nobody", "us-east-1"); err == nil || !strings.Contains(err.Error(), `unknown account "nobody"`) {
		t.Errorf("clients of an account the manifest lacks: %v", err)
	}
}
