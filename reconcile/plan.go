package reconcile

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/reconcile/shard"
	"github.com/plinkdev/plink/status"
)

// What plink plan reads of target health for lint PL116 (--target-health).
const (
	// HealthAll reads it behind every provider that has consumers.
	HealthAll = "all"
	// HealthChanged reads it only behind the providers whose consumers
	// the plan creates, replaces, moves to other subnets or accepts.
	HealthChanged = "changed"
	// HealthOff reads none.
	HealthOff = "off"
)

// PlanRequest says what a read-and-plan reads besides live state.
type PlanRequest struct {
	// TargetHealth is where to read target health for lint PL116
	// (HealthAll, HealthChanged; "" or HealthOff: nowhere).
	TargetHealth string
	// Lints also reads what only plink plan's lints need: the
	// notification topics' policies (PL117) and the VPC Lattice targets of
	// Resource and ServiceNetwork consumers (PL240, PL241).
	Lints bool
}

// Planned is one read-and-plan.
type Planned struct {
	// Plan is the run's plan: in a shard, the shard's changes, with those
	// that wait for another shard marked (WaitsFor).
	Plan     *plan.Plan
	Snapshot *live.Snapshot
	// HealthFailures are where target health could not be read: the plan
	// is right, only its lint PL116 is missing there.
	HealthFailures []live.Failure
	// Waiting are the changes that wait for another shard to apply what
	// they depend on (a shard's run only).
	Waiting []plan.Change
}

// Plan verifies credentials, reads live state and computes the plan: the
// one way every command reads and plans.
func (s *Session) Plan(ctx context.Context, m *manifest.Manifest, req PlanRequest) (*Planned, error) {
	c, err := s.compute(ctx, m, req)
	if err != nil {
		return nil, err
	}
	return s.filtered(c), nil
}

// computed is a read and the plan computed from it, not yet filtered to
// the run's shard (which records the shard's state).
type computed struct {
	sm   *manifest.Manifest // the shard's manifest
	snap *live.Snapshot
	p    *plan.Plan
	th   *status.Snapshot
}

// compute is Plan's read and computation; it changes nothing of s, so it
// may run beside the run's other work (Lock's read ahead).
func (s *Session) compute(ctx context.Context, m *manifest.Manifest, req PlanRequest) (*computed, error) {
	snap, err := s.read(ctx, m, req.Lints)
	if err != nil {
		return nil, err
	}
	sm := s.shardManifest(m)
	opts := s.planOptions()
	mode := req.TargetHealth
	if mode == "" || opts.Destroy {
		mode = HealthOff
	}
	sel := s.opts.Shard
	s.opts.Hooks.activity("planning")
	p, th := PlanWithTargetHealth(mode, sm, snap, opts,
		func(p *plan.Plan) []plan.Change {
			own, waiting := shard.Filter(p, sel)
			if own == nil {
				return waiting
			}
			if len(waiting) == 0 {
				return own.Changes // without a shard: p's own, not a copy of 137,440 at 50,000
			}
			return append(slices.Clone(own.Changes), waiting...)
		},
		func(hm *manifest.Manifest) *status.Snapshot { return s.readTargetHealth(ctx, hm, snap) })
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	return &computed{sm: sm, snap: snap, p: p, th: th}, nil
}

// filtered is Plan's result of c: in a shard, its changes, and the
// shard's state recorded.
func (s *Session) filtered(c *computed) *Planned {
	out := &Planned{Snapshot: c.snap}
	if c.th != nil {
		out.HealthFailures = c.th.Failures
	}
	s.opts.Hooks.activity("planning")
	out.Plan, out.Waiting = s.filter(c.sm, c.p, c.snap)
	return out
}

// Read reads live state of m (the shard's manifest in a shard), each
// account as soon as its credentials are verified, and returns every
// account that could not be reached as one error (*awsenv.AccountError
// each). On a failed read the partial snapshot comes back with the error.
func (s *Session) Read(ctx context.Context, m *manifest.Manifest) (*live.Snapshot, error) {
	return s.read(ctx, m, false)
}

func (s *Session) read(ctx context.Context, m *manifest.Manifest, lints bool) (*live.Snapshot, error) {
	s.opts.Hooks.activity("resolving credentials of %s", plural(len(m.Accounts), "account"))
	reading := sync.OnceFunc(func() {
		if s.opts.Hooks.Reading != nil {
			s.opts.Hooks.Reading(DescribeScopes(m))
		}
	})
	snap, err := live.Read(ctx, s.shardManifest(m), s.source(s.resolver.Verified(reading)), live.ReadOptions{PerScope: s.opts.Parallelism, Shard: s.shardReadOption(), Topics: lints, LatticeTargets: lints, Gate: s.gate, Network: s.network})
	if verr := s.resolver.Verify(ctx); verr != nil {
		return nil, CredentialsError(verr)
	}
	reading()
	return snap, err
}

// CredentialsError lists every account that could not be reached (err
// from Verify), each with what to do about it.
func CredentialsError(err error) error {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var b strings.Builder
	for i, e := range errs {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(e.Error())
		var ae *awsenv.AccountError
		if errors.As(e, &ae) && ae.Hint != "" {
			b.WriteString("\n  hint: " + ae.Hint)
		}
	}
	return &AccountsError{msg: b.String(), errs: errs}
}

// AccountsError is CredentialsError's list: its text has each account's
// hint under its error, and errors.Is and errors.As see every account's
// error (did every account fail because the run ended?).
type AccountsError struct {
	msg  string
	errs []error
}

func (e *AccountsError) Error() string   { return e.msg }
func (e *AccountsError) Unwrap() []error { return e.errs }

// PlanWithTargetHealth computes the plan of m against snap (plan.Compute
// with opts) with the target health read for lint PL116 as mode says:
// HealthOff reads none; HealthAll reads it behind every provider with
// consumers; HealthChanged plans first without it, and reads it (then
// plans again: the plan is a pure function) only behind the providers
// whose consumers own's changes of that plan create, replace, move to
// other subnets or accept (targetHealthProviders) — none for a plan that
// changes nothing. own picks the changes that are the run's (a shard's);
// nil means all. read reads the target health behind the consumed
// services of the manifest it is given (m with only those consumers).
// The snapshot read, if any, comes back with the plan.
func PlanWithTargetHealth(mode string, m *manifest.Manifest, snap *live.Snapshot, opts plan.Options, own func(*plan.Plan) []plan.Change, read func(*manifest.Manifest) *status.Snapshot) (*plan.Plan, *status.Snapshot) {
	if mode == HealthOff || opts.Destroy {
		return plan.Compute(m, snap, opts), nil
	}
	hm := m
	var first *plan.Plan
	if mode != HealthAll {
		p := plan.Compute(m, snap, opts)
		first = p
		changes := p.Changes
		if own != nil {
			changes = own(p)
		}
		names := targetHealthProviders(m, changes)
		if len(names) == 0 {
			return p, nil
		}
		hm = withConsumersOf(m, names)
	}
	th := read(hm)
	if th == nil {
		th = &status.Snapshot{}
	}
	if len(th.LoadBalancers) == 0 && first != nil {
		// no health to lint (plan/health.go skips it): the first plan is
		// the plan, and computing it again would only double the time
		return first, th
	}
	if first != nil {
		// PL116 added to the plan made: the same plan as computing again
		// with the health (plan.TestLintTargetHealthIsComputeWithHealth),
		// without a second plan in memory.
		plan.LintTargetHealth(first, m, snap, opts, th.LoadBalancers)
		return first, th
	}
	opts.LoadBalancerHealth = th.LoadBalancers
	return plan.Compute(m, snap, opts), th
}

// targetHealthProviders are the names of m's providers where lint PL116
// can change a decision of the plan: those of the consumers that changes
// create, replace or move to other subnets (an update of subnetIds), and
// of the declared consumers whose connections it accepts.
func targetHealthProviders(m *manifest.Manifest, changes []plan.Change) map[string]bool {
	provider := map[string]string{}
	for _, c := range m.Consumers {
		if c != nil && c.Provider != "" {
			provider["consumer."+c.Name] = c.Provider
		}
	}
	out := map[string]bool{}
	for _, ch := range changes {
		addr := ""
		switch {
		case ch.Kind == plan.KindEndpoint && (ch.Action == plan.Create || ch.Action == plan.Replace):
			addr = ch.Address
		case ch.Kind == plan.KindEndpoint && ch.Action == plan.Update && ch.Before != nil && ch.After != nil &&
			!slices.Equal(sortedCopy(ch.Before.SubnetIDs), sortedCopy(ch.After.SubnetIDs)):
			addr = ch.Address
		case ch.Kind == plan.KindConnection && ch.Action == plan.Accept:
			addr = plan.AcceptedConsumer(ch)
		}
		if p := provider[addr]; p != "" {
			out[p] = true
		}
	}
	return out
}

func sortedCopy(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return out
}

// withConsumersOf is a copy of m whose consumers are only those of the
// named providers: what ReadTargetHealth then reads behind.
func withConsumersOf(m *manifest.Manifest, providers map[string]bool) *manifest.Manifest {
	out := *m
	out.Consumers = nil
	for _, c := range m.Consumers {
		if c != nil && providers[c.Provider] {
			out.Consumers = append(out.Consumers, c)
		}
	}
	return &out
}

// readTargetHealth reads the target health behind m's providers that have
// consumers (status.ReadTargetHealth), for plan's lint and drift's
// target_health items. Failed reads are in the result's Failures; nothing
// is read, and no call made, when no provider has consumers.
func (s *Session) readTargetHealth(ctx context.Context, m *manifest.Manifest, snap *live.Snapshot) *status.Snapshot {
	n := len(status.ConsumedServices(m, snap))
	if n == 0 {
		return &status.Snapshot{}
	}
	s.opts.Hooks.activity("reading target health behind %s", plural(n, "service"))
	th, _ := status.ReadTargetHealth(ctx, m, snap, s.source(s.resolver), status.ReadOptions{Concurrency: s.opts.Parallelism})
	return th
}
