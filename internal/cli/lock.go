package cli

// The run's lease around mutating runs (package lease): the project's, or
// a shard's own; taken before live state is read again for the apply,
// renewed while the run lasts, released at the end.
// See docs/concurrency.md.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/internal/shard"
	"github.com/plinkdev/plink/lease"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

// addLockFlags adds --lock and --lock-timeout to a mutating command.
func addLockFlags(cmd *cobra.Command) {
	cmd.Flags().Bool("lock", true, "hold the project's lease on AWS while running, so that a second run of the project waits or stops (docs/concurrency.md)")
	cmd.Flags().Duration("lock-timeout", 0, "how long to wait for the lease while another run holds it (0: stop at once)")
}

// releaseBound is how long releasing the lease may take once the run is
// over (also after an interrupt or --timeout: within StopBound).
const releaseBound = 5 * time.Second

// leaseTTL is the lease's TTL; tests shorten it to see renewals.
var leaseTTL = lease.DefaultTTL

// lockProject takes the run's lease unless --lock=false and keeps it
// renewed: the project's, or with --account/--region the shard's own
// (beside the project's, in the project's home), so that shards applied at
// once do not wait for one another while a whole-project run and a shard,
// or two overlapping shards, still exclude each other (package lease). The
// context it returns is cancelled, with the *lease.LostError as cause, if
// the lease is lost mid-run, so that nothing new starts; the function it
// returns releases the lease and must be deferred.
func lockProject(ctx context.Context, f *Factory, m *manifest.Manifest, sess *awsSession) (context.Context, func(), error) {
	if !f.Config.Bool("lock") {
		return ctx, func() {}, nil
	}
	alias, region := lease.Home(m)
	acct := alias
	if a, ok := m.Accounts[alias]; ok {
		acct = fmt.Sprintf("%s (%s)", alias, a.ID)
	}
	sel := f.selection()
	scope := lease.Scope{Project: m.Project, Account: acct, Region: region, Accounts: sel.Accounts, Regions: sel.Regions}
	what := "project " + m.Project
	if scope.Shard() {
		what = fmt.Sprintf("shard %s of project %s", lease.Selection(sel.Accounts, sel.Regions), m.Project)
	}
	f.setActivity("taking the lease of %s in account %s region %s", what, acct, region)
	// A shard may not read the home account otherwise: its clients are
	// made for the lease.
	c, err := sess.clientsIn(ctx, alias, region)
	if err != nil {
		return nil, nil, lockError(ctx, scope, err)
	}
	wait := f.Config.Duration("lock-timeout")
	opts := lease.Options{
		TTL:  leaseTTL,
		Wait: wait,
		Waiting: func(info lease.Info) {
			of := ""
			if info.Name != "" && info.Name != lease.Name(m.Project) {
				of = " (the lease of shard " + cmp.Or(info.Shard, info.Name) + ")"
			}
			fmt.Fprintf(f.IO.ErrOut, "plink: waiting up to %s (--lock-timeout) for the lease of %s: %s holds it%s until %s unless renewed\n",
				wait, what, info.Holder, of, info.Expires.UTC().Format(time.RFC3339))
		},
	}
	if sess.sandbox != nil {
		// The in-process sandbox is consistent at once: no need to let
		// a takeover settle for as long as on AWS.
		opts.Settle, opts.Poll = 200*time.Millisecond, 200*time.Millisecond
	}
	l, err := lease.Acquire(ctx, c.EC2, scope, opts)
	if err != nil {
		return nil, nil, lockError(ctx, scope, err)
	}
	lctx, cancel := context.WithCancelCause(ctx)
	l.Keep(context.WithoutCancel(ctx), func(err error) {
		fmt.Fprintf(f.IO.ErrOut, "plink: %v; stopping: no new change starts (another run of the project may be running)\n", err)
		cancel(err)
	})
	unlock := func() {
		defer cancel(nil)
		rctx, done := context.WithTimeout(context.WithoutCancel(ctx), releaseBound)
		defer done()
		var lost *lease.LostError
		switch err := l.Release(rctx); {
		case errors.As(err, &lost):
			// already said when it was lost; say it again if it was found only now
			if context.Cause(lctx) == nil {
				fmt.Fprintf(f.IO.ErrOut, "plink: %v\n", err)
			}
		case err != nil:
			fmt.Fprintf(f.IO.ErrOut, "plink: %v\nhint: the lease expires by itself at the latest %s after its last renewal; or delete it: aws ec2 delete-placement-group --group-name %s --region %s (in account %s)\n",
				err, leaseTTL, scope.Name(), region, acct)
		}
	}
	return lctx, unlock, nil
}

// leaseDifference is planDifference of the approved plan and the plan read
// again under the lease (replanUnderLease). For a shard, the changes the
// approved plan showed waiting for another shard are left out on both
// sides: shards applied at once each hold their own lease, so another
// shard's apply may have made them possible meanwhile (its service's name
// now known, the endpoint to accept now there), which is what they waited
// for; they were approved as the shard's changes. Every other change must
// still be exactly the approved one, or made already (a no-op now).
func leaseDifference(f *Factory, approved, now *plan.Plan) string {
	if f.shard == nil {
		return planDifferenceFrom(approved, now, "the plan shown", true)
	}
	waited := map[string]bool{}
	for _, c := range approved.Changes {
		if len(c.WaitsFor) > 0 {
			waited[waitKey(c)] = true
		}
	}
	if len(waited) == 0 {
		return planDifferenceFrom(approved, now, "the plan shown", true)
	}
	drop := func(p *plan.Plan) *plan.Plan {
		cp := *p
		cp.Changes = nil
		for _, c := range p.Changes {
			if !waited[waitKey(c)] {
				cp.Changes = append(cp.Changes, c)
			}
		}
		return &cp
	}
	return planDifferenceFrom(drop(approved), drop(now), "the plan shown", true)
}

// waitKey names a change across plans: the accept of a declared
// consumer's endpoint by the consumer (shard.AcceptKey), whether the
// endpoint exists yet or not; any other change by its address.
func waitKey(c plan.Change) string {
	if k := shard.AcceptKey(c); k != "" {
		return k
	}
	return c.Address
}

// lockError adds what to do to a failure to take the lease; one cut
// short by an interrupt or --timeout is left for report to name.
func lockError(ctx context.Context, scope lease.Scope, err error) error {
	var held *lease.HeldError
	var foreign *lease.ForeignError
	switch {
	case errors.As(err, &held):
		return withHint(err, fmt.Sprintf("wait for that run to finish, or pass --lock-timeout 10m to wait for it; if no run is active (it was killed), the lease expires by itself, or delete it: aws ec2 delete-placement-group --group-name %s --region %s (in account %s); docs/concurrency.md",
			cmp.Or(held.Info.Name, scope.Name()), scope.Region, scope.Account))
	case errors.As(err, &foreign):
		return withHint(err, "rename or delete that placement group, or run with --lock=false (nothing then keeps two runs of the project apart; docs/concurrency.md)")
	case ctx.Err() != nil:
		return err
	}
	return withHint(fmt.Errorf("taking the lease of project %s: %w", scope.Project, err),
		"plink needs ec2:CreatePlacementGroup, DescribePlacementGroups, DeletePlacementGroup, CreateTags and DeleteTags in account "+scope.Account+" (see 'plink iam-policy --for apply'), or run with --lock=false")
}
