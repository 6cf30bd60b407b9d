package reconcile

import (
	"cmp"
	"context"
	"strings"
	"sync"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

// Apply's confirming read starts beside apply. At 10,000 consumers the
// busiest account-region's creates queue for two minutes behind AWS's
// bucket while the others are long done, and the whole confirming read
// after the last call took 14 s (docs/scale.md), most of it one
// DescribeVpcEndpointServicePermissions per service. So the network
// (which plink never changes) is taken from the read under the lease, or
// read at once, and each account-region's services, with their
// permissions and notifications, once no change still running can alter
// them. Endpoints and connections, which others make, accept and delete
// at any time (an undeclared endpoint to a rejectUndeclared service; one
// still pending when the run began), and which tell whether what apply
// made has settled, are read after the last call, as all of it was
// before: a few calls per account-region.

// earlyConfirm is Confirm's first read and plan, started by Apply.
type earlyConfirm struct {
	*backgroundPlan
	gates *scopeGates
}

// confirmEarly starts the confirming read of m beside the apply of run,
// each account-region's services gated on the changes that touch them.
// It takes the network of the read under the lease, when there was one:
// plink changes no network, and reading it again competed with apply's
// first calls for the CPU (at 10,000 consumers, 2,400 calls beside
// 2,500 service creates and 10,000 principals).
func (s *Session) confirmEarly(ctx context.Context, m *manifest.Manifest, run *plan.Plan) *earlyConfirm {
	gates := newScopeGates(m, run)
	return &earlyConfirm{backgroundPlan: s.inBackground(ctx, m, func(q *Session) { q.gate, q.network = gates.wait, s.leased }), gates: gates}
}

// takeEarly is Confirm's first plan: the read started beside apply, when
// it is of m and finished without error; nil otherwise (Confirm reads
// anew).
func (s *Session) takeEarly(ctx context.Context, m *manifest.Manifest) *Planned {
	e := s.early
	s.early = nil
	if e == nil {
		return nil
	}
	defer e.cancel()
	e.gates.release() // apply has returned: nothing is left to wait for
	if e.m != m {
		return nil
	}
	if c := e.result(ctx); c != nil {
		return s.filtered(c)
	}
	return nil
}

// dropEarly abandons the read started beside apply (the run failed,
// was stopped, or waits for other shards before it confirms).
func (s *Session) dropEarly() {
	if s.early != nil {
		s.early.gates.release()
		s.early.cancel()
		s.early = nil
	}
}

// gateKey is an account (by id) and region whose services a change
// touches; everywhere is every account-region.
type gateKey struct{ id, region string }

var everywhere = gateKey{"*", "*"}

// scopeGates holds each account-region's services until every change of
// the run that touches them has ended (apply.Options.Ended), and every
// endpoint and connection until the run has ended (release).
type scopeGates struct {
	mu      sync.Mutex
	ids     map[string]string    // account alias → id
	open    map[gateKey]int      // changes not ended, by key they touch
	touched map[string][]gateKey // by address, until the change ends
	waiters map[gateKey]chan struct{}
	// ran is closed by release.
	ran      chan struct{}
	released bool
}

func newScopeGates(m *manifest.Manifest, run *plan.Plan) *scopeGates {
	g := &scopeGates{ids: map[string]string{}, open: map[gateKey]int{}, touched: map[string][]gateKey{},
		waiters: map[gateKey]chan struct{}{}, ran: make(chan struct{})}
	for alias, a := range m.Accounts {
		if a != nil {
			g.ids[alias] = a.ID
		}
	}
	providers := providerScopes(m)
	for i := range run.Changes {
		c := &run.Changes[i]
		if c.Action == plan.NoOp {
			continue
		}
		keys := touches(c, providers)
		for _, k := range keys {
			g.open[k]++
		}
		if len(keys) > 0 {
			g.touched[c.Address] = keys // a plan's addresses are unique
		}
	}
	return g
}

// ready reports whether the services of account-region k may be read: no
// change that touches them, or everything, is open.
func (g *scopeGates) ready(k gateKey) bool {
	return g.released || g.open[k] == 0 && g.open[everywhere] == 0
}

// wait is live.ReadOptions.Gate: it returns once part of the
// account-region may be read, or ctx's error.
func (g *scopeGates) wait(ctx context.Context, alias, region string, part live.Part) error {
	ch := g.ran
	if part == live.PartServices {
		ch = g.servicesOf(alias, region)
	}
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// servicesOf is what a read of an account-region's services waits for:
// nil when they may be read now.
func (g *scopeGates) servicesOf(alias, region string) chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	id, ok := g.ids[alias]
	if !ok {
		id = alias
	}
	k := gateKey{id, region}
	if g.ready(k) {
		return nil
	}
	ch := g.waiters[k]
	if ch == nil {
		ch = make(chan struct{})
		g.waiters[k] = ch
	}
	return ch
}

// ended is apply.Options.Ended: the change at addr will not change again.
func (g *scopeGates) ended(addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	keys, ok := g.touched[addr]
	if !ok {
		return // a no-op, touches no services, or not of this run
	}
	delete(g.touched, addr)
	zero := false
	for _, k := range keys {
		if g.open[k]--; g.open[k] == 0 {
			delete(g.open, k)
			zero = true
		}
	}
	if zero {
		g.wake()
	}
}

// release opens every gate: apply has returned.
func (g *scopeGates) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.released {
		g.released = true
		close(g.ran)
	}
	g.wake()
}

func (g *scopeGates) wake() {
	for k, ch := range g.waiters {
		if g.ready(k) {
			close(ch)
			delete(g.waiters, k)
		}
	}
}

// touches lists the account-regions whose services (their configuration,
// permissions and notifications) a change can alter while apply carries
// it out: its own (and, for a move, the one it leaves); for a private DNS
// record, the provider's, whose name it verifies; every one for a change
// whose reach is not known. Endpoints and connections alter no service's
// part: none.
func touches(c *plan.Change, providers map[string]gateKey) []gateKey {
	own := []gateKey{{c.AccountID, c.Region}}
	if c.PriorAccountID != "" || c.PriorRegion != "" {
		prior := own[0]
		if c.PriorAccountID != "" {
			prior.id = c.PriorAccountID
		}
		if c.PriorRegion != "" {
			prior.region = c.PriorRegion
		}
		own = append(own, prior)
	}
	switch c.Kind {
	case plan.KindPrincipal, plan.KindNotification:
		// A service's permissions and notifications (an endpoint's own
		// notifications are listed with them).
		return own
	case plan.KindDNSRecord:
		if svc, ok := providers[strings.TrimPrefix(c.Parent, "provider.")]; ok && c.Parent != "" {
			return append(own, svc)
		}
		return []gateKey{everywhere}
	case plan.KindService:
		if c.Action == plan.Create {
			return own
		}
		// A service replaced or deleted: where its successor or its
		// endpoints' side may show is not followed here.
		return []gateKey{everywhere}
	case plan.KindEndpoint, plan.KindConnection:
		return nil
	}
	return []gateKey{everywhere}
}

// providerScopes is where each provider of the manifest lives, by name.
func providerScopes(m *manifest.Manifest) map[string]gateKey {
	out := map[string]gateKey{}
	for _, p := range m.Providers {
		if p == nil {
			continue
		}
		if a := m.Accounts[p.Account]; a != nil {
			out[p.Name] = gateKey{a.ID, cmp.Or(p.Region, m.Defaults.Region)}
		}
	}
	return out
}
