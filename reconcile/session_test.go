package reconcile

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/reconcile/shard"
)

const quickstart = "../testdata/examples/quickstart.yaml"

func load(t *testing.T) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Load(quickstart)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func open(t *testing.T, m *manifest.Manifest, dir string, sel shard.Selection) *Session {
	t.Helper()
	var did []string
	s, err := Open(context.Background(), m, Options{Sandbox: true, SandboxDir: dir, Shard: sel,
		Hooks: Hooks{Activity: func(a string) { did = append(did, a) }}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if len(did) == 0 || did[0] != "starting the sandbox" {
		t.Errorf("activities %q, want the sandbox's start first", did)
	}
	return s
}

// TestSessionConverges drives one apply through the engine alone, as
// every command does: plan, apply, confirm; then nothing is left, and
// drift finds nothing.
func TestSessionConverges(t *testing.T) {
	ctx := context.Background()
	m := load(t)
	s := open(t, m, t.TempDir(), shard.Selection{})
	pl, err := s.Plan(ctx, m, PlanRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if !pl.Plan.HasChanges() || pl.Plan.HasErrors() || len(pl.Waiting) > 0 || s.ShardWaits() || s.WaitNotes() != nil {
		t.Fatalf("first plan: changes %v, errors %v, waiting %d", pl.Plan.HasChanges(), pl.Plan.HasErrors(), len(pl.Waiting))
	}
	res, err := s.Apply(ctx, m, pl.Plan, s.ApplyOptions(apply.Options{}), Stopping{InFlight: time.Second})
	if err != nil || res == nil {
		t.Fatalf("apply: %v", err)
	}
	conf, err := s.Confirm(ctx, m, nil)
	if err != nil || len(conf.Left) > 0 || conf.BecamePossible != 0 {
		t.Fatalf("confirm: %v %+v", err, conf)
	}
	again, err := s.Plan(ctx, m, PlanRequest{})
	if err != nil || Runnable(again.Plan).HasChanges() {
		t.Fatalf("second plan: %v, changes %v", err, Remaining(again.Plan, nil))
	}
	if ck := CheckSaved(again.Plan, again); len(ck.Stale) > 0 || ck.Difference != "" {
		t.Errorf("a plan compared with itself: %+v", ck)
	}
	r, stopped, err := s.Drift(ctx, m)
	if err != nil || stopped || len(r.Items) > 0 {
		t.Errorf("drift after apply: %v %v %+v", err, stopped, r)
	}
}

// TestSessionShard: a shard's plan marks what waits for another shard,
// apply leaves it (Runnable), and the session says what still waits.
func TestSessionShard(t *testing.T) {
	ctx := context.Background()
	m := load(t)
	if _, err := Open(ctx, m, Options{Sandbox: true, SandboxDir: t.TempDir(), Shard: shard.Selection{Accounts: []string{"nobody"}}}); err == nil || !strings.Contains(err.Error(), "nobody") {
		t.Errorf("a shard of an unknown account: %v", err)
	}
	s := open(t, m, t.TempDir(), shard.Selection{Accounts: []string{"checkout"}})
	pl, err := s.Plan(ctx, m, PlanRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pl.Waiting) == 0 || pl.Waiting[0].Address != "consumer.checkout-payments" {
		t.Fatalf("checkout's endpoint does not wait for payments' service: %+v", pl.Waiting)
	}
	if got := strings.Join(Remaining(Runnable(pl.Plan), nil), "; "); got != "consumer.checkout-s3: create" {
		t.Errorf("runnable changes %q, want only the gateway endpoint (the other waits)", got)
	}
	if notes := s.WaitNotes(); len(notes) != 2 || !strings.Contains(notes[0], "1 change waits for another shard (consumer.checkout-payments)") ||
		!strings.Contains(notes[1], "1 endpoint waits for another shard to accept its connection") {
		t.Errorf("wait notes %q", notes)
	}
	if w, a := s.ShardPending(); w != 1 || a != 1 || s.ShardWaits() {
		t.Errorf("pending %d and %d, waits %v (no shard wait set)", w, a, s.ShardWaits())
	}
	if !s.Owns(m, "checkout", "", "us-east-1") || s.Owns(m, "payments", "", "us-east-1") || s.Owns(m, "", "999999999999", "") {
		t.Error("the shard owns what it should not, or not what it should")
	}
}

// networkCalls are the calls that read the network, which plink never
// changes.
var networkCalls = []string{"DescribeSubnets", "DescribeVpcs", "DescribeSecurityGroups", "DescribeLoadBalancers"}

// sandboxCalls counts the session's sandbox calls of the actions given
// (every call without any), by account id and region.
func sandboxCalls(s *Session, actions ...string) map[[2]string]int {
	out := map[[2]string]int{}
	for _, c := range s.Sandbox().Calls() {
		if len(actions) == 0 || slices.Contains(actions, c.Action) {
			out[[2]string{c.Account, c.Region}] += c.Count
		}
	}
	return out
}

// sum is the total of sandboxCalls.
func sum(by map[[2]string]int) (n int) {
	for _, v := range by {
		n += v
	}
	return n
}
