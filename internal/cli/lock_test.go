package cli

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/internal/iostreams"
	"github.com/plinkdev/plink/internal/shard"
	"github.com/plinkdev/plink/lease"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/sandbox"
)

// lockSession opens the in-process sandbox of dir for the quickstart
// manifest, as apply does.
func lockSession(t *testing.T, dir string, settings map[string]any) (*Factory, *manifest.Manifest, *awsSession, *strings.Builder) {
	t.Helper()
	ios, _, _, errOut := iostreams.Test()
	f := &Factory{IO: ios, Config: newConfig(), Getenv: func(string) string { return "" }}
	f.Config.v.Set("sandbox", true)
	f.Config.v.Set("sandbox-dir", dir)
	f.Config.v.Set("lock", true)
	for k, v := range settings {
		f.Config.v.Set(k, v)
	}
	m, diags, err := loadManifest([]string{quickstart})
	if err != nil || diags.HasErrors() {
		t.Fatalf("%v %v", err, diags)
	}
	sess, err := openAWS(context.Background(), f, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sess.Close() })
	b := &strings.Builder{}
	f.IO.ErrOut = writerFunc(func(p []byte) (int, error) { errOut.Write(p); return b.Write(p) })
	return f, m, sess, b
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
	lctx, unlock, err := lockProject(ctx, f, m, sess)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	_, _, err = lockProject(ctx, f, m, sess)
	var held *lease.HeldError
	var ee *exitError
	if !errors.As(err, &held) || !errors.As(err, &ee) || !strings.Contains(ee.Hint, "--lock-timeout") || strings.Contains(ee.Hint, "shards") {
		t.Fatalf("second lock: %v", err)
	}
	// A shard is told why shards of one project take turns.
	f.shard = &shardMode{sel: shard.Selection{Accounts: []string{"checkout"}}}
	_, _, err = lockProject(ctx, f, m, sess)
	f.shard = nil
	if !errors.As(err, &ee) || !strings.Contains(ee.Hint, "shards of one project applied at once need --lock=false each") {
		t.Fatalf("a shard's second lock: %v", err)
	}

	c, err := sess.resolver.Clients(ctx, "payments", "us-east-1")
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
	nctx, none, err := lockProject(ctx, f, m, sess)
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
	sess.sandbox.Inject(sandbox.Fault{Action: "DescribePlacementGroups", Code: "UnauthorizedOperation", Times: -1})
	_, _, err := lockProject(ctx, f, m, sess)
	var ee *exitError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "taking the lease of project payments-privatelink: reading the lease (placement group plink-lease-payments-privatelink in account payments (111111111111) region us-east-1)") ||
		!strings.Contains(ee.Hint, "ec2:CreatePlacementGroup") || !strings.Contains(ee.Hint, "--lock=false") {
		t.Fatalf("denied read: %v (hint %q)", err, ee.Hint)
	}
	sess.sandbox.ClearFaults()

	_, unlock, err := lockProject(ctx, f, m, sess)
	if err != nil {
		t.Fatal(err)
	}
	sess.sandbox.Inject(sandbox.Fault{Action: "DeletePlacementGroup", Code: "UnauthorizedOperation", Times: -1})
	unlock()
	if s := stderr.String(); !strings.Contains(s, "plink: releasing the lease (placement group plink-lease-payments-privatelink") ||
		!strings.Contains(s, "hint: the lease expires by itself at the latest 2m0s after its last renewal; or delete it: aws ec2 delete-placement-group --group-name plink-lease-payments-privatelink --region us-east-1 (in account payments (111111111111))") {
		t.Errorf("release error: %s", s)
	}

	// A foreign group of the lease's name.
	sess.sandbox.ClearFaults()
	c, _ := sess.resolver.Clients(ctx, "payments", "us-east-1")
	if _, err := c.EC2.DeletePlacementGroup(ctx, &ec2.DeletePlacementGroupInput{GroupName: aws.String("plink-lease-payments-privatelink")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EC2.CreatePlacementGroup(ctx, &ec2.CreatePlacementGroupInput{GroupName: aws.String("plink-lease-payments-privatelink"), Strategy: "cluster"}); err != nil {
		t.Fatal(err)
	}
	_, _, err = lockProject(ctx, f, m, sess)
	if !errors.As(err, &ee) || !strings.Contains(ee.Hint, "rename or delete that placement group") {
		t.Errorf("foreign: %v", err)
	}

	// An interrupted wait is left for report to name.
	if _, err := c.EC2.DeletePlacementGroup(ctx, &ec2.DeletePlacementGroupInput{GroupName: aws.String("plink-lease-payments-privatelink")}); err != nil {
		t.Fatal(err)
	}
	if _, unlock2, err := lockProject(ctx, f, m, sess); err != nil {
		t.Fatal(err)
	} else {
		defer unlock2()
	}
	f.Config.v.Set("lock-timeout", time.Minute)
	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, _, err = lockProject(cctx, f, m, sess)
	if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ee) {
		t.Errorf("interrupted wait: %v", err)
	}
	if !strings.Contains(stderr.String(), "plink: waiting up to 1m0s (--lock-timeout) for the lease of project payments-privatelink: ") {
		t.Errorf("no waiting note: %s", stderr)
	}
}
