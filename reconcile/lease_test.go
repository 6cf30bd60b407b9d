package reconcile

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plinkdev/plink/reconcile/shard"
)

// TestReplanTakesTheReadAhead: Lock starts the read under the lease once
// the lease is written, saying nothing; Replan takes that read, saying
// what a read of its own says, and plans as one does. A read ahead whose
// context ended (a rival showed), or of another manifest, is not taken.
func TestReplanTakesTheReadAhead(t *testing.T) {
	ctx := context.Background()
	m := load(t)
	s := open(t, m, t.TempDir(), shard.Selection{})
	var said []string
	s.opts.Hooks = Hooks{Activity: func(a string) { said = append(said, a) }, Reading: func(sc string) { said = append(said, "reading "+sc) }}
	approved, err := s.Plan(ctx, m, PlanRequest{})
	if err != nil {
		t.Fatal(err)
	}
	fresh := slices.Clone(said)
	said = nil
	held, err := s.Lock(ctx, m, LockOptions{TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release(time.Second)
	a := s.ahead
	if a == nil {
		t.Fatal("Lock started no read ahead")
	}
	if len(said) > 0 {
		t.Errorf("the read ahead said %q while the lease was taken", said)
	}
	now, d, err := s.Replan(held.Context, m, approved.Plan)
	if err != nil || d != "" {
		t.Fatalf("replan: %v %q", err, d)
	}
	if s.ahead != nil || a.c == nil || now != a.c.p {
		t.Error("Replan did not take the read ahead")
	}
	if !slices.Equal(said, fresh) {
		t.Errorf("Replan with the read ahead said %q, a read of its own %q", said, fresh)
	}
	if now.HasChanges() != approved.Plan.HasChanges() || len(now.Changes) != len(approved.Plan.Changes) {
		t.Errorf("the read ahead planned %d changes, a read of its own %d", len(now.Changes), len(approved.Plan.Changes))
	}

	// A read ahead that was cut short, of another manifest, or that
	// failed: a new read, its reading said once.
	for name, fn := range map[string]func(a *backgroundPlan){
		"cancelled":        func(a *backgroundPlan) { a.cancel() },
		"another manifest": func(a *backgroundPlan) { a.m = load(t) },
		"failed":           func(a *backgroundPlan) { a.err = errors.New("throttled") },
	} {
		a := s.readAhead(ctx, m, nil)
		<-a.done
		fn(a)
		s.ahead, said = a, nil
		now, d, err := s.Replan(held.Context, m, approved.Plan)
		if err != nil || d != "" {
			t.Fatalf("%s: replan: %v %q", name, err, d)
		}
		if a.c == nil || now == a.c.p {
			t.Errorf("%s: Replan took the read ahead", name)
		}
		if n := len(slices.DeleteFunc(said, func(a string) bool { return !strings.HasPrefix(a, "reading ") })); n != 1 {
			t.Errorf("%s: Replan said it reads %d times", name, n)
		}
	}
}

// TestReadUnderTheLeaseTakesTheNetwork: given the read the shown plan was
// made from, the read under the lease describes no subnet, VPC, security
// group or load balancer again, and plans what a read of its own plans.
func TestReadUnderTheLeaseTakesTheNetwork(t *testing.T) {
	ctx := context.Background()
	m := load(t)
	s := open(t, m, t.TempDir(), shard.Selection{})
	approved, err := s.Plan(ctx, m, PlanRequest{})
	if err != nil {
		t.Fatal(err)
	}
	count := func() (n, all int) { return sum(sandboxCalls(s, networkCalls...)), sum(sandboxCalls(s)) }
	net0, all0 := count()
	if net0 == 0 {
		t.Fatal("the first read described no network: the test proves nothing")
	}
	held, err := s.Lock(ctx, m, LockOptions{TTL: time.Minute, Network: approved.Snapshot})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release(time.Second)
	now, d, err := s.Replan(held.Context, m, approved.Plan)
	if err != nil || d != "" {
		t.Fatalf("replan: %v %q", err, d)
	}
	if net1, all1 := count(); net1 != net0 || all1 == all0 {
		t.Errorf("under the lease: %d network calls (want none) of %d calls", net1-net0, all1-all0)
	}
	if len(now.Changes) != len(approved.Plan.Changes) || now.HasChanges() != approved.Plan.HasChanges() {
		t.Errorf("the read under the lease planned %d changes, the first %d", len(now.Changes), len(approved.Plan.Changes))
	}
}
