package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/reconcile/shard"
)

// addShardFlags adds --account and --region to a command that plans.
func addShardFlags(cmd *cobra.Command) {
	cmd.Flags().StringArray("account", nil, "own only this account's resources (an alias under accounts:; repeatable); other accounts are read only for what this shard's plan needs from them")
	cmd.Flags().StringArray("region", nil, "own only this region's resources (repeatable; with --account, those accounts in these regions)")
}

// useShard reads --account and --region (flag > PLINK_ACCOUNT and
// PLINK_REGION > config file): the run's shard; openAWS checks it
// against the manifest.
func useShard(f *Factory, cmd *cobra.Command) shard.Selection {
	if cmd.Flags().Lookup("account") == nil {
		return shard.Selection{}
	}
	sel := shard.Selection{Accounts: splitList(f.Config.Strings("account")), Regions: splitList(f.Config.Strings("region"))}
	if sel.All() && cmd.Flags().Lookup("shard-wait") != nil && f.Config.Duration("shard-wait") > 0 {
		fmt.Fprintf(f.IO.ErrOut, "plink: warning: --shard-wait %s has no effect without --account or --region: a whole-manifest apply waits for no other shard\n", f.Config.Duration("shard-wait"))
	}
	return sel
}

// useSavedShard is the shard apply FILE plans: given no --account/--region
// (now), it is the one the file was planned for; given others, it is
// refused, since that plan would not be the saved one.
func useSavedShard(f *Factory, now shard.Selection, sp *savedPlan, file string) (shard.Selection, error) {
	saved := shard.Selection{Accounts: sp.Accounts, Regions: sp.Regions}
	switch {
	case now.All() && saved.All():
	case now.All():
		fmt.Fprintf(f.IO.ErrOut, "plink: %s was planned for the shard of %s: applying that shard\n", file, saved)
		return saved, nil
	case !slices.Equal(slices.Sorted(slices.Values(now.Accounts)), slices.Sorted(slices.Values(saved.Accounts))) ||
		!slices.Equal(slices.Sorted(slices.Values(now.Regions)), slices.Sorted(slices.Values(saved.Regions))):
		was := "the whole manifest"
		if !saved.All() {
			was = "the shard of " + saved.String()
		}
		return now, withHint(fmt.Errorf("%s was planned for %s, not for the shard of %s", file, was, now),
			"apply it without --account/--region (it applies what it was planned for), or plan that shard again: plink plan --account ... -out FILE")
	}
	return now, nil
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
			run := newShardsRun(f)
			m, _, err := runManifest(f, run.manifestRun)
			if err != nil {
				return err
			}
			jobs, err := shard.Matrix(m, run.maxAccounts)
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
