package reconcile

import (
	"context"
	"strings"
	"sync"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

// Apply's confirming read starts beside apply: each account-region is read
// as soon as no change still running can alter what is read there, while
// the run goes on elsewhere. At 10,000 consumers the busiest
// account-region's creates queue for two minutes behind AWS's bucket while
// the others are long done, and the whole confirming read after the last
// call took 14 s (docs/scale.md); read this way, only the last
// account-regions are left for after it.

// earlyConfirm is Confirm's first read and plan, started by Apply.
type earlyConfirm struct {
	m      *manifest.Manifest
	gates  *scopeGates
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	c      *computed
	err    error
}

// confirmEarly starts the confirming read of m beside the apply of run,
// each account-region gated on the changes that touch it. It says nothing
// through the hooks; Confirm says what it does when it takes the result.
func (s *Session) confirmEarly(ctx context.Context, m *manifest.Manifest, run *plan.Plan) *earlyConfirm {
	ectx, cancel := context.WithCancel(ctx)
	e := &earlyConfirm{m: m, gates: newScopeGates(m, run), ctx: ectx, cancel: cancel, done: make(chan struct{})}
	quiet := *s
	quiet.opts.Hooks = Hooks{}
	quiet.gate = e.gates.wait
	go func() {
		defer close(e.done)
		e.c, e.err = quiet.compute(ectx, m, PlanRequest{})
	}()
	return e
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
	select {
	case <-e.done:
	case <-ctx.Done():
		e.cancel()
		<-e.done
	}
	if e.err != nil || ctx.Err() != nil {
		return nil
	}
	return s.filtered(e.c)
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

// gateKey is a part of an account (by id) and region that a change
// touches. Region anyRegion is every region of the account, part anyPart
// every part; everywhere is all of them.
type gateKey struct {
	id, region string
	part       live.Part
}

const (
	anyRegion  = "*"
	anyAccount = "*"
	anyPart    = live.Part("*")
)

var everywhere = gateKey{anyAccount, anyRegion, anyPart}

// scopeGates holds each part of an account-region's read until every
// change of the run that touches it has ended (apply.Options.Ended).
type scopeGates struct {
	mu       sync.Mutex
	ids      map[string]string // account alias → id
	open     map[gateKey]int   // changes not ended, by key they touch
	pending  map[string][][]gateKey
	waiters  map[gateKey]chan struct{}
	released bool
}

func newScopeGates(m *manifest.Manifest, run *plan.Plan) *scopeGates {
	g := &scopeGates{ids: map[string]string{}, open: map[gateKey]int{}, pending: map[string][][]gateKey{}, waiters: map[gateKey]chan struct{}{}}
	for alias, a := range m.Accounts {
		if a != nil {
			g.ids[alias] = a.ID
		}
	}
	ix := newServiceIndex(m)
	for i := range run.Changes {
		c := &run.Changes[i]
		if c.Action == plan.NoOp {
			continue
		}
		keys := touches(c, ix)
		for _, k := range keys {
			g.open[k]++
		}
		g.pending[c.Address] = append(g.pending[c.Address], keys)
	}
	return g
}

// ready reports whether part k may be read: no change that touches it,
// its account-region, its account or everything is still open.
func (g *scopeGates) ready(k gateKey) bool {
	if g.released {
		return true
	}
	for _, w := range []gateKey{k, {k.id, k.region, anyPart}, {k.id, anyRegion, k.part}, {k.id, anyRegion, anyPart}, everywhere} {
		if g.open[w] > 0 {
			return false
		}
	}
	return true
}

// wait is live.ReadOptions.Gate: it returns once part of the
// account-region may be read, or ctx's error.
func (g *scopeGates) wait(ctx context.Context, alias, region string, part live.Part) error {
	g.mu.Lock()
	id, ok := g.ids[alias]
	if !ok {
		id = alias
	}
	k := gateKey{id, region, part}
	if g.ready(k) {
		g.mu.Unlock()
		return nil
	}
	ch := g.waiters[k]
	if ch == nil {
		ch = make(chan struct{})
		g.waiters[k] = ch
	}
	g.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ended is apply.Options.Ended: the change at addr will not change again.
func (g *scopeGates) ended(addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	list := g.pending[addr]
	if len(list) == 0 {
		return // a no-op, or not of this run
	}
	keys := list[0]
	if len(list) == 1 {
		delete(g.pending, addr)
	} else {
		g.pending[addr] = list[1:]
	}
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
	g.released = true
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

// touches lists the parts of account-regions whose read a change can
// alter while apply carries it out: in its own account-region (and, for a
// move, the one it leaves), and across accounts where AWS links the two
// sides of a connection. A change whose reach is not known holds every
// read back until it ends.
func touches(c *plan.Change, ix serviceIndex) []gateKey {
	at := func(part live.Part) []gateKey {
		out := []gateKey{{c.AccountID, c.Region, part}}
		if c.PriorAccountID != "" || c.PriorRegion != "" {
			prior := out[0]
			if c.PriorAccountID != "" {
				prior.id = c.PriorAccountID
			}
			if c.PriorRegion != "" {
				prior.region = c.PriorRegion
			}
			out = append(out, prior)
		}
		return out
	}
	switch c.Kind {
	case plan.KindPrincipal, plan.KindNotification:
		// A service's permissions and notifications (an endpoint's own
		// notifications are listed with them).
		return at(live.PartServices)
	case plan.KindDNSRecord:
		// The record, in its zone's account, verifies the service's
		// private DNS name, read in the provider's.
		if svc, ok := ix.providers[strings.TrimPrefix(c.Parent, "provider.")]; ok && c.Parent != "" {
			svc.part = live.PartServices
			return append(at(live.PartServices), svc)
		}
		return []gateKey{everywhere}
	case plan.KindService:
		if c.Action == plan.Create {
			return at(live.PartServices) // no endpoint connects to a service not made yet
		}
		// A service deleted or changed changes its endpoints' side.
		return []gateKey{everywhere}
	case plan.KindConnection:
		// Accepting, rejecting or cutting a connection changes the
		// endpoint's state in its owner's account: the consumer's
		// account-region when the manifest declares it, else any region.
		if ep, ok := ix.endpointOf(c); ok {
			return append(at(live.PartConnections), ep)
		}
		return []gateKey{everywhere}
	case plan.KindEndpoint:
		// Making, changing or deleting an endpoint changes the connections
		// its service lists.
		if svc, ok := ix.serviceScope(c); ok {
			out := at(live.PartEndpoints)
			if svc != (gateKey{}) {
				svc.part = live.PartConnections
				out = append(out, svc)
			}
			return out
		}
		return []gateKey{everywhere}
	}
	return []gateKey{everywhere}
}

// endpointOf is the endpoints part a connection change alters: its
// declared consumer's account-region (connection[consumer.NAME]), or
// every region of the endpoint's owner.
func (ix serviceIndex) endpointOf(c *plan.Change) (gateKey, bool) {
	if i := strings.Index(c.Address, ".connection[consumer."); i >= 0 {
		name := strings.TrimSuffix(c.Address[i+len(".connection[consumer."):], "]")
		if k, ok := ix.own[name]; ok {
			k.part = live.PartEndpoints
			return k, true
		}
	}
	if owner := connectionOwner(c); owner != "" {
		return gateKey{owner, anyRegion, live.PartEndpoints}, true
	}
	return gateKey{}, false
}

// connectionOwner is the account id of the endpoint a connection change
// is of.
func connectionOwner(c *plan.Change) string {
	for _, v := range []*plan.Values{c.After, c.Before} {
		if v != nil && v.EndpointOwner != "" {
			return v.EndpointOwner
		}
	}
	return ""
}

// serviceIndex says where the manifest's entries live: each provider by
// its name and by the names of its consumers (consumers), each consumer
// by its name (own).
type serviceIndex struct {
	providers, consumers, own map[string]gateKey
}

func newServiceIndex(m *manifest.Manifest) serviceIndex {
	region := func(r string) string {
		if r == "" {
			return m.Defaults.Region
		}
		return r
	}
	providers := map[string]gateKey{}
	for _, p := range m.Providers {
		if p == nil {
			continue
		}
		if a := m.Accounts[p.Account]; a != nil {
			providers[p.Name] = gateKey{id: a.ID, region: region(p.Region)}
		}
	}
	ix := serviceIndex{providers: providers, consumers: map[string]gateKey{}, own: map[string]gateKey{}}
	for _, c := range m.Consumers {
		if c == nil {
			continue
		}
		if a := m.Accounts[c.Account]; a != nil {
			ix.own[c.Name] = gateKey{id: a.ID, region: region(c.Region)}
		}
		if c.Provider == "" {
			continue
		}
		if k, ok := providers[c.Provider]; ok {
			ix.consumers[c.Name] = k
		}
	}
	return ix
}

// serviceScope is the account-region of the service an endpoint change's
// endpoint connects to: its provider's, when the manifest declares the
// consumer with one; none for an AWS service (its side is read nowhere);
// ok false when it is not known.
func (ix serviceIndex) serviceScope(c *plan.Change) (gateKey, bool) {
	if name, ok := strings.CutPrefix(c.Address, "consumer."); ok {
		if k, ok := ix.consumers[name]; ok {
			return k, true
		}
	}
	for _, v := range []*plan.Values{c.After, c.Before} {
		if v != nil && v.ServiceName != "" {
			return gateKey{}, awsService(v.ServiceName)
		}
	}
	return gateKey{}, false
}

// awsService reports whether a service name is one of AWS's own
// (com.amazonaws.REGION.s3), not an endpoint service of some account
// (com.amazonaws.vpce.REGION.vpce-svc-…).
func awsService(name string) bool {
	return strings.HasPrefix(name, "com.amazonaws.") && !strings.HasPrefix(name, "com.amazonaws.vpce.") && !strings.Contains(name, "vpce-svc-")
}
