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

	"github.com/plinkdev/plink/lease"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/reconcile"
)

// addLockFlags adds --lock and --lock-timeout to a mutating command.
func addLockFlags(cmd *cobra.Command) {
	cmd.Flags().Bool("lock", true, "hold the project's lease on AWS while running, so that a second run of the project waits or stops (docs/concurrency.md)")
	cmd.Flags().Duration("lock-timeout", 0, "how long to wait for the lease while another run holds it (0: stop at once)")
}

// leaseSettings are --lock and --lock-timeout.
type leaseSettings struct {
	lock bool
	wait time.Duration
}

func leaseSettingsOf(f *Factory) leaseSettings {
	return leaseSettings{lock: f.Config.Bool("lock"), wait: f.Config.Duration("lock-timeout")}
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
// returns releases the lease and must be deferred. network is the read
// the plan shown was made from (nil for a saved plan): the read under the
// lease takes its network as is.
func lockProject(ctx context.Context, f *Factory, ls leaseSettings, m *manifest.Manifest, sess *awsSession, network *live.Snapshot) (context.Context, func(), error) {
	if !ls.lock {
		return ctx, func() {}, nil
	}
	scope, what := sess.LeaseScope(m)
	stateOf(ctx).setActivity("taking the lease of %s in account %s region %s", what, scope.Account, scope.Region)
	wait := ls.wait
	held, err := sess.Lock(ctx, m, reconcile.LockOptions{
		TTL:     leaseTTL,
		Wait:    wait,
		Network: network,
		Waiting: func(info lease.Info) {
			of := ""
			if info.Name != "" && info.Name != lease.Name(m.Project) {
				of = " (the lease of shard " + cmp.Or(info.Shard, info.Name) + ")"
			}
			fmt.Fprintf(f.IO.ErrOut, "plink: waiting up to %s (--lock-timeout) for the lease of %s: %s holds it%s until %s unless renewed\n",
				wait, what, info.Holder, of, info.Expires.UTC().Format(time.RFC3339))
		},
		Lost: func(err error) {
			fmt.Fprintf(f.IO.ErrOut, "plink: %v; stopping: no new change starts (another run of the project may be running)\n", err)
		},
	})
	if err != nil {
		return nil, nil, lockError(ctx, scope, err)
	}
	unlock := func() {
		cut, err := held.Release(releaseBound)
		var lost *lease.LostError
		switch {
		case errors.As(err, &lost):
			// already said when it was lost; say it again if it was found only now
			if !cut {
				fmt.Fprintf(f.IO.ErrOut, "plink: %v\n", err)
			}
		case err != nil:
			fmt.Fprintf(f.IO.ErrOut, "plink: %v\nhint: the lease expires by itself at the latest %s after its last renewal; or delete it: aws ec2 delete-placement-group --group-name %s --region %s (in account %s)\n",
				err, leaseTTL, scope.Name(), scope.Region, scope.Account)
		}
	}
	return held.Context, unlock, nil
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
