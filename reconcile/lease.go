package reconcile

// The run's lease around mutating runs (package lease): the project's, or
// a shard's own; taken before live state is read again for the apply,
// renewed while the run lasts, released at the end.
// See docs/concurrency.md.

import (
	"context"
	"fmt"
	"time"

	"github.com/plinkdev/plink/lease"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

// LeaseScope is the lease the run takes for m: the project's, or with a
// shard the shard's own (beside the project's, in the project's home),
// and how to name it ("project P", "shard S of project P").
func (s *Session) LeaseScope(m *manifest.Manifest) (lease.Scope, string) {
	alias, region := lease.Home(m)
	acct := alias
	if a, ok := m.Accounts[alias]; ok {
		acct = fmt.Sprintf("%s (%s)", alias, a.ID)
	}
	sel := s.opts.Shard
	scope := lease.Scope{Project: m.Project, Account: acct, Region: region, Accounts: sel.Accounts, Regions: sel.Regions}
	what := "project " + m.Project
	if scope.Shard() {
		what = fmt.Sprintf("shard %s of project %s", lease.Selection(sel.Accounts, sel.Regions), m.Project)
	}
	return scope, what
}

// LockOptions are how a lease is taken and kept.
type LockOptions struct {
	TTL  time.Duration
	Wait time.Duration
	// Waiting is called while another run holds the lease.
	Waiting func(lease.Info)
	// Lost is called once if the lease is lost mid-run.
	Lost func(error)
	// Network is the read the plan shown was made from, when there is
	// one: the read under the lease takes its network as is
	// (live.ReadOptions.Network), since no run of plink changes it.
	Network *live.Snapshot
}

// Held is a lease the run holds, renewed until Release.
type Held struct {
	// Context is cancelled, with the *lease.LostError as cause, if the
	// lease is lost mid-run, so that nothing new starts.
	Context context.Context
	l       *lease.Lease
	parent  context.Context
	cancel  context.CancelCauseFunc
	ahead   *backgroundPlan // Replan's read, started by Lock
}

// Lock takes the run's lease of m (LeaseScope) and keeps it renewed, so
// that shards applied at once do not wait for one another while a
// whole-project run and a shard, or two overlapping shards, still exclude
// each other (package lease). Release must be called.
func (s *Session) Lock(ctx context.Context, m *manifest.Manifest, opts LockOptions) (*Held, error) {
	alias, region := lease.Home(m)
	scope, _ := s.LeaseScope(m)
	// A shard may not read the home account otherwise: its clients are
	// made for the lease.
	c, err := s.ClientsIn(ctx, alias, region)
	if err != nil {
		return nil, err
	}
	lopts := lease.Options{TTL: opts.TTL, Wait: opts.Wait, Waiting: opts.Waiting}
	if s.sandbox != nil {
		// The in-process sandbox is consistent at once: no need to let
		// a takeover settle for as long as on AWS.
		lopts.Settle, lopts.Poll = 200*time.Millisecond, 200*time.Millisecond
	}
	// The read under the lease (Replan) starts once the lease is written
	// and overlaps its wait for a rival to show; one a rival cut short
	// has its context cancelled, and only the last one counts.
	var ahead *backgroundPlan
	lopts.Ahead = func(actx context.Context) { ahead = s.readAhead(actx, m, opts.Network) }
	l, err := lease.Acquire(ctx, c.EC2, scope, lopts)
	if err != nil {
		if ahead != nil {
			ahead.cancel()
		}
		return nil, err
	}
	if ahead != nil && ahead.ctx.Err() == nil {
		s.ahead = ahead
	}
	lctx, cancel := context.WithCancelCause(ctx)
	l.Keep(context.WithoutCancel(ctx), func(err error) {
		if opts.Lost != nil {
			opts.Lost(err)
		}
		cancel(err)
	})
	return &Held{Context: lctx, l: l, parent: ctx, cancel: cancel, ahead: s.ahead}, nil
}

// backgroundPlan is a read and plan of m running beside the rest of the
// run: Replan's, started by Lock, and Confirm's first, started by Apply.
type backgroundPlan struct {
	m      *manifest.Manifest
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	c      *computed
	err    error
}

// inBackground starts a read and plan of m under ctx with a quiet copy of
// the session that set adjusts. It says nothing through the hooks: the
// caller says what it does when it takes the result.
func (s *Session) inBackground(ctx context.Context, m *manifest.Manifest, set func(*Session)) *backgroundPlan {
	bctx, cancel := context.WithCancel(ctx)
	b := &backgroundPlan{m: m, ctx: bctx, cancel: cancel, done: make(chan struct{})}
	quiet := *s
	quiet.opts.Hooks = Hooks{}
	set(&quiet)
	go func() {
		defer close(b.done)
		b.c, b.err = quiet.compute(bctx, m, PlanRequest{})
	}()
	return b
}

// result waits for the plan and returns it; nil if it failed or ctx
// ended first (then it is cancelled).
func (b *backgroundPlan) result(ctx context.Context) *computed {
	select {
	case <-b.done:
	case <-ctx.Done():
		b.cancel()
		<-b.done
	}
	if b.err != nil || ctx.Err() != nil {
		return nil
	}
	return b.c
}

// readAhead starts Replan's read and plan of m under ctx, taking the
// network of the read the plan shown was made from, if any.
func (s *Session) readAhead(ctx context.Context, m *manifest.Manifest, network *live.Snapshot) *backgroundPlan {
	return s.inBackground(ctx, m, func(q *Session) { q.network = network })
}

// planUnderLease is Plan of m for Replan: the read Lock started ahead
// when it is still good, else a new one. A read ahead that failed is
// made again (its reading said once), so that its error is the one a
// read under the lease gives.
func (s *Session) planUnderLease(ctx context.Context, m *manifest.Manifest) (*Planned, error) {
	a := s.ahead
	s.ahead = nil
	if a == nil || a.m != m || a.ctx.Err() != nil {
		return s.Plan(ctx, m, PlanRequest{})
	}
	defer a.cancel()
	s.opts.Hooks.activity("resolving credentials of %s", plural(len(m.Accounts), "account"))
	if s.opts.Hooks.Reading != nil {
		s.opts.Hooks.Reading(DescribeScopes(m))
	}
	c := a.result(ctx)
	if c == nil {
		again := *s // the same shard state; its reading said once
		again.opts.Hooks.Reading = nil
		return again.Plan(ctx, m, PlanRequest{})
	}
	s.opts.Hooks.activity("planning")
	return s.filtered(c), nil
}

// Release gives the lease back within bound (also after an interrupt or
// a timeout). A lease lost meanwhile is a *lease.LostError; cut says the
// run's context had ended before (the loss was reported as it happened,
// or the run was stopped).
func (h *Held) Release(bound time.Duration) (cut bool, err error) {
	defer h.cancel(nil)
	if h.ahead != nil {
		h.ahead.cancel()
	}
	rctx, done := context.WithTimeout(context.WithoutCancel(h.parent), bound)
	defer done()
	err = h.l.Release(rctx)
	return context.Cause(h.Context) != nil, err
}
