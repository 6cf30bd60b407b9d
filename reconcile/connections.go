package reconcile

import (
	"context"
	"time"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

// Decisions are one round of plink connections: what the providers'
// rules decide of the pending connections, and what is not carried out.
type Decisions struct {
	// Planned is the round's read and plan (for its diagnostics).
	Planned *Planned
	// Run are the accepts and rejects to carry out.
	Run *plan.Plan
	// Skipped are the rejects left out: the plan has errors, or the
	// manifest's newest edit does not load.
	Skipped []plan.Change
}

// DecideConnections reads live state, plans, and keeps the connections
// part of the plan. When the plan has errors (or with noRejects: the
// manifest's newest edit does not load) it accepts what the rules
// positively allow and rejects nothing: errors may mean a consumer was
// not matched and so looks undeclared, and a reject cannot be undone.
func (s *Session) DecideConnections(ctx context.Context, m *manifest.Manifest, noRejects bool) (*Decisions, error) {
	pl, err := s.Plan(ctx, m, PlanRequest{})
	if err != nil {
		return nil, err
	}
	p := plan.Connections(pl.Plan)
	d := &Decisions{Planned: pl, Run: p}
	if p.HasErrors() || noRejects {
		var keep []plan.Change
		for _, c := range p.Changes {
			if c.Action == plan.Reject {
				d.Skipped = append(d.Skipped, c)
				continue
			}
			keep = append(keep, c)
		}
		p.Changes = keep
	}
	return d, nil
}

// RunConnections carries out the decisions with apply: an accept is done
// when AWS takes it (the next round sees the rest). Once ctx ends nothing
// new starts, while calls in flight finish (bounded by st), so the log
// says exactly what was done.
func (s *Session) RunConnections(ctx context.Context, d *Decisions, opts apply.Options, st Stopping) ([]apply.ChangeResult, error) {
	opts.Targets = nil
	opts.NoWait = true
	opts.Heartbeat = -1
	opts.Stop = ctx.Done()
	callCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	unhook := context.AfterFunc(ctx, func() { time.AfterFunc(st.InFlight, cancel) })
	defer unhook()
	res, err := apply.Run(callCtx, d.Run, apply.FromClientSource(s.source(s.resolver)), opts)
	if res == nil {
		return nil, err
	}
	apply.Explain(callCtx, res, s.authzDecoder()) // what AWS refused, decoded when the credentials may
	return res.Changes, err
}
