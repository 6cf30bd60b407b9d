package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/internal/shard"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

// shardMode is a run limited to a shard of a pipeline matrix.
type shardMode struct {
	sel shard.Selection
	// planned holds the addresses of the run's first plan; waiting those
	// left for a later run because they depended on another shard's work.
	planned, waiting map[string]bool
	// awaited holds, as of the last plan, the accepts another shard makes
	// for this shard's endpoints (provider.P.connection[consumer.C]).
	awaited map[string]bool
	// changes are the waiting changes by address, as last planned.
	changes map[string]plan.Change
}

// addShardFlags adds --account and --region to a command that plans.
func addShardFlags(cmd *cobra.Command) {
	cmd.Flags().StringArray("account", nil, "own only this account's resources (an alias under accounts:; repeatable); other accounts are read only for what this shard's plan needs from them")
	cmd.Flags().StringArray("region", nil, "own only this region's resources (repeatable; with --account, those accounts in these regions)")
}

// useShard reads --account and --region (flag > PLINK_ACCOUNT and
// PLINK_REGION > config file); openAWS checks them against the manifest.
func useShard(f *Factory, cmd *cobra.Command) {
	f.shard = nil
	if cmd.Flags().Lookup("account") == nil {
		return
	}
	sel := shard.Selection{Accounts: splitList(f.Config.Strings("account")), Regions: splitList(f.Config.Strings("region"))}
	if sel.All() && cmd.Flags().Lookup("shard-wait") != nil && f.Config.Duration("shard-wait") > 0 {
		fmt.Fprintf(f.IO.ErrOut, "plink: warning: --shard-wait %s has no effect without --account or --region: a whole-manifest apply waits for no other shard\n", f.Config.Duration("shard-wait"))
	}
	if !sel.All() {
		f.shard = &shardMode{sel: sel}
	}
}

// useSavedShard makes apply FILE plan the shard the file was planned for:
// given no --account/--region, it is the file's; given others, it is
// refused, since that plan would not be the saved one.
func useSavedShard(f *Factory, sp *savedPlan, file string) error {
	saved := shard.Selection{Accounts: sp.Accounts, Regions: sp.Regions}
	now := f.selection()
	switch {
	case now.All() && saved.All():
	case now.All():
		f.shard = &shardMode{sel: saved}
		fmt.Fprintf(f.IO.ErrOut, "plink: %s was planned for the shard of %s: applying that shard\n", file, saved)
	case !slices.Equal(slices.Sorted(slices.Values(now.Accounts)), slices.Sorted(slices.Values(saved.Accounts))) ||
		!slices.Equal(slices.Sorted(slices.Values(now.Regions)), slices.Sorted(slices.Values(saved.Regions))):
		was := "the whole manifest"
		if !saved.All() {
			was = "the shard of " + saved.String()
		}
		return withHint(fmt.Errorf("%s was planned for %s, not for the shard of %s", file, was, now),
			"apply it without --account/--region (it applies what it was planned for), or plan that shard again: plink plan --account ... -out FILE")
	}
	return nil
}

func splitList(in []string) []string {
	var out []string
	for _, s := range in {
		for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// selection is the run's shard (the zero Selection: everything).
func (f *Factory) selection() shard.Selection {
	if f.shard == nil {
		return shard.Selection{}
	}
	return f.shard.sel
}

// shardManifest is the manifest the run reads and plans: in a shard, its
// entries and those they connect to.
func shardManifest(f *Factory, m *manifest.Manifest) *manifest.Manifest {
	return shard.Manifest(m, f.selection())
}

// credentialManifest checks the shard against m and returns m with only
// the accounts the run reaches: a shard verifies and assumes no other
// account's role.
func credentialManifest(f *Factory, m *manifest.Manifest) (*manifest.Manifest, error) {
	sel := f.selection()
	if sel.All() {
		return m, nil
	}
	if err := shard.Check(m, sel); err != nil {
		return nil, flagErrorf("%v", err)
	}
	return shard.Limit(m, shard.Reach(shard.Manifest(m, sel), sel)), nil
}

// shardReadOption is live.ReadOptions.Shard for the run (nil: no shard).
func shardReadOption(f *Factory) func(account, region string) bool {
	sel := f.selection()
	if sel.All() {
		return nil
	}
	return sel.Owns
}

// filterShard keeps the shard's changes of p (planned from sm and snap)
// and says on stderr which wait for another shard.
func filterShard(f *Factory, sm *manifest.Manifest, p *plan.Plan, snap *live.Snapshot) *plan.Plan {
	sel := f.selection()
	out, waiting := shard.Filter(p, sel)
	if f.shard != nil {
		f.shard.awaited = map[string]bool{}
		for _, k := range shard.Awaited(sm, p, snap, sel) {
			f.shard.awaited[k] = true
		}
	}
	if f.shard != nil && f.shard.planned == nil && out != nil {
		f.shard.planned = map[string]bool{}
		for _, c := range out.Changes {
			f.shard.planned[c.Address] = true
		}
	}
	for _, c := range waiting {
		if f.shard.waiting == nil {
			f.shard.waiting = map[string]bool{}
		}
		f.shard.waiting[c.Address] = true
	}
	if f.shard != nil && out != nil {
		// What waits for another shard is still this shard's change: shown,
		// counted and costed, marked with what it waits for; apply leaves it
		// (runnable). The cost is the shard's share, not the whole plan's.
		cp := *out
		marked := markWaiting(out, waiting)
		if f.shard.changes == nil {
			f.shard.changes = map[string]plan.Change{}
		}
		for _, c := range marked {
			f.shard.changes[c.Address] = c
		}
		cp.Changes = append(slices.Clone(out.Changes), marked...)
		cp.Cost = plan.EstimateCost(cp.Changes, planOptions(f, sm))
		cp.Unsettled = plan.Unsettled(&cp, snap) // of the shard's resources only
		out = &cp
	}
	if len(waiting) > 0 && !f.quietShardNotes {
		// With --shard-wait apply may make every one of them: all are
		// named, with their action, since the plan above cannot show them.
		wait := f.Config.Duration("shard-wait")
		addrs := make([]string, 0, len(waiting))
		for _, c := range waiting {
			addrs = append(addrs, string(c.Action)+" "+c.Address)
		}
		list, how := shortList(addrs), "apply leaves them to the next run (or --shard-wait)"
		if wait > 0 {
			list, how = strings.Join(addrs, ", "), fmt.Sprintf("apply makes them once possible, within --shard-wait %s", wait)
		}
		fmt.Fprintf(f.IO.ErrOut, "plink: %s: %s for another shard to apply what they depend on (%s; marked \"waits for\" in the plan); %s\n",
			sel, waitVerb(len(waiting)), list, how)
	}
	return out
}

// markWaiting returns the waiting changes with WaitsFor set to the
// addresses they depend on that the shard's own plan does not make.
func markWaiting(own *plan.Plan, waiting []plan.Change) []plan.Change {
	mine := map[string]bool{}
	for _, c := range own.Changes {
		mine[c.Address] = true
	}
	out := make([]plan.Change, 0, len(waiting))
	for _, c := range waiting {
		c.WaitsFor = nil
		for _, d := range c.DependsOn {
			if !mine[d] {
				c.WaitsFor = append(c.WaitsFor, d)
			}
		}
		if len(c.WaitsFor) == 0 { // depends on a waiting change of its own
			c.WaitsFor = []string{"another shard"}
		}
		out = append(out, c)
	}
	return out
}

// runnable is p without the changes that wait for another shard: what
// apply can make now.
func runnable(p *plan.Plan) *plan.Plan {
	if !slices.ContainsFunc(p.Changes, func(c plan.Change) bool { return len(c.WaitsFor) > 0 }) {
		return p
	}
	out := *p
	out.Changes = slices.DeleteFunc(slices.Clone(p.Changes), func(c plan.Change) bool { return len(c.WaitsFor) > 0 })
	return &out
}

// unblocked drops from apply's confirming plan the changes this run did
// not plan: ones that waited for another shard, or new ones (a connection
// from an endpoint another shard created). Shards run in parallel, so
// those appear while this one runs; the next run makes them. They are not
// this run's failure to converge.
func unblocked(f *Factory, after *plan.Plan) *plan.Plan {
	if f.shard == nil || after == nil {
		return after
	}
	out := *after
	out.Changes = nil
	n := 0
	for _, c := range after.Changes {
		if c.Action != plan.NoOp && (f.shard.waiting[c.Address] || !f.shard.planned[c.Address]) {
			// still waiting is not "became possible": only a change that
			// no longer waits, or is new, is
			if len(c.WaitsFor) == 0 {
				n++
			}
			continue
		}
		out.Changes = append(out.Changes, c)
	}
	if n > 0 {
		fmt.Fprintf(f.IO.ErrOut, "plink: %s became possible while this shard ran (other shards applied what they need); the next run applies them\n", plural(n, "change"))
	}
	return &out
}

func newShardsCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "shards -f MANIFEST --max-accounts N",
		Short: "Split the manifest's accounts into shards for a pipeline matrix (JSON)",
		Long: `Print a JSON matrix of shards of at most N accounts each, balanced by the
providers and consumers they own. Each entry's args (--account A --account B)
limit plink plan, apply, drift, status and connections to that shard; a GitHub Actions matrix takes
the document as it is (strategy.matrix: ${{ fromJSON(...) }}). See
docs/pipelines.md.`,
		Example: `  plink shards -f manifests/ --max-accounts 20
  plink shards -f manifests/ --max-accounts 20 | jq -c .`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, _, err := manifestFromFlags(f)
			if err != nil {
				return err
			}
			n := f.Config.Int("max-accounts")
			jobs, err := shard.Matrix(m, n)
			if err != nil {
				return flagErrorf("%v", err)
			}
			enc := json.NewEncoder(f.IO.Out)
			enc.SetIndent("", "  ")
			return enc.Encode(struct {
				Include []shard.Job `json:"include"`
			}{jobs})
		},
	}
	addFileFlag(cmd)
	cmd.Flags().Int("max-accounts", 10, "most accounts in one shard")
	return cmd
}

// owns reports whether a resource of the account (alias, or id when the
// alias is empty) in the region belongs to the run's shard. What names no
// account or region is the shard's as far as it names nothing else, as a
// plan diagnostic is.
func owns(f *Factory, m *manifest.Manifest, alias, accountID, region string) bool {
	sel := f.selection()
	if sel.All() {
		return true
	}
	if alias == "" && accountID != "" {
		for a, acc := range m.Accounts {
			if acc != nil && acc.ID == accountID {
				alias = a
			}
		}
		if alias == "" {
			alias = accountID // an account the manifest does not know: never the shard's
		}
	}
	if alias != "" && len(sel.Accounts) > 0 && !slices.Contains(sel.Accounts, alias) {
		return false
	}
	return region == "" || len(sel.Regions) == 0 || slices.Contains(sel.Regions, region)
}
