package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/render"
	"github.com/plinkdev/plink/reconcile"
)

func newPlanCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan [-f PATH]...",
		Short: "Show what apply would change: live state of every account diffed against the manifest",
		Long: `Read live state from every account and region in the manifest, diff it against
the manifest and print the plan. Nothing is changed.

Lint PL116 (no healthy target behind a consumed service in a zone) needs
calls AWS offers only per load balancer and target group. By default
(--target-health=changed) plan reads target health only behind the providers
whose consumers it creates, replaces, moves to other subnets or accepts, so a
plan with nothing to change makes none of those calls; --target-health=all
reads it behind every provider with consumers, --target-health=off never.

With -out FILE the plan is saved, with the manifest's digest and a fingerprint of
every live resource read, for 'plink apply FILE' in a later pipeline step.`,
		Example: `  plink plan -f manifests/
  plink plan --sandbox -f testdata/examples/quickstart.yaml
  plink plan -f manifests/ -out plan.json --detailed-exitcode`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := outputFormat(f, "text", "json", "markdown")
			if err != nil {
				return err
			}
			run, err := newPlanRun(f, cmd, format)
			if err != nil {
				return err
			}
			m, paths, err := runManifest(f, run.manifestRun)
			if err != nil {
				return err
			}
			rs := run.runScope
			ctx, cancel := withTimeout(cmd.Context(), run.timeout)
			defer cancel()
			sess, err := openAWS(ctx, f, m, run.awsRun)
			if err != nil {
				return err
			}
			defer sess.Close()
			pl, err := planShown(ctx, f, m, sess, reconcile.PlanRequest{TargetHealth: run.health, Lints: true})
			if err != nil {
				return err
			}
			p := pl.Plan
			if err := renderPlan(f, format, p, run.verbose); err != nil {
				return err
			}
			if out := run.out; out != "" {
				if p.HasErrors() {
					return fmt.Errorf("plan has errors; not saving it to %s", out)
				}
				sel := rs.shard
				sp := savedPlan{ManifestPaths: paths, Sandbox: run.session.Sandbox, AllowDisconnect: run.session.Plan.AllowDisconnect, Accounts: sel.Accounts, Regions: sel.Regions}
				verb := "apply"
				if rs.destroy != nil {
					sp.Destroy, sp.DeleteAdopted, verb = true, rs.destroy.deleteAdopted, "destroy"
				}
				if err := writeSavedPlan(out, p, sp); err != nil {
					return err
				}
				if format != "json" {
					fmt.Fprintf(f.IO.ErrOut, "\nSaved the plan to %s. To perform exactly these actions, run:\n  plink %s %s%s\n", out, verb, run.sandboxFlag(), out)
				}
			}
			return planExit(p, run.detailedExitcode)
		},
	}
	addFileFlag(cmd)
	addAWSFlags(cmd)
	cmd.Flags().String("out", "", "save the plan to FILE for 'plink apply FILE'")
	cmd.Flags().Bool("detailed-exitcode", false, "exit 0 when there are no changes, 2 when there are, 1 on error")
	cmd.Flags().BoolP("verbose", "v", false, "also list resources that need no change")
	cmd.Flags().Duration("timeout", 0, "give up after this long (e.g. 5m; 0 means no limit)")
	cmd.Flags().Bool("destroy", false, "plan what 'plink destroy' would do: delete everything the manifest owns")
	cmd.Flags().Bool("delete-adopted", false, "with --destroy: delete adopted resources instead of releasing them")
	cmd.Flags().String("target-health", HealthChanged, "where to read target health for lint PL116 (a DescribeTargetHealth per target group, a DescribeLoadBalancerAttributes per load balancer): changed (behind the providers whose consumers the plan creates, replaces, moves to other subnets or accepts), all (every provider with consumers; a bare --target-health, or true) or off (false); drift and status always read all of it")
	cmd.Flags().Lookup("target-health").NoOptDefVal = HealthAll
	addAllowDisconnectFlag(cmd)
	addShardFlags(cmd)
	return cmd
}

// addAllowDisconnectFlag adds --allow-disconnect to plan and apply.
func addAllowDisconnectFlag(cmd *cobra.Command) {
	cmd.Flags().Bool("allow-disconnect", false, "allow the plan to cut off connected endpoints that the manifest does not declare (deleting or replacing their service, removing their region, rejectUndeclared, or an account leaving the manifest)")
}

// renderPlan writes p in the chosen format to stdout; verbose also lists
// resources that need no change.
func renderPlan(f *Factory, format string, p *plan.Plan, verbose bool) error {
	return renderPlanView(f, format, p, render.TextOptions{Verbose: verbose})
}

// renderPlanView is renderPlan with the text view's options (colour is the
// terminal's).
func renderPlanView(f *Factory, format string, p *plan.Plan, opts render.TextOptions) error {
	switch format {
	case "json":
		return render.JSON(f.IO.Out, p)
	case "markdown":
		return render.Markdown(f.IO.Out, p)
	}
	opts.Color = f.IO.ColorEnabled()
	return render.Text(f.IO.Out, p, opts)
}

// planExit decides the exit status of plan and show: 1 when the plan has
// errors, 2 with --detailed-exitcode (detailed) when it has changes.
func planExit(p *plan.Plan, detailed bool) error {
	if p.HasErrors() {
		return silentExit(ExitError)
	}
	if detailed && p.HasChanges() {
		return silentExit(ExitChanges)
	}
	return nil
}

func newShowCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "show FILE",
		Short:   "Render a plan saved with 'plink plan -out FILE'",
		Example: "  plink show plan.json\n  plink show plan.json --output json\n  plink show plan.json --output markdown > comment.md",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			run, err := newShowRun(f)
			if err != nil {
				return err
			}
			_, p, err := readPlanFile(args[0])
			if err != nil {
				return err
			}
			if err := renderPlan(f, run.format, p, run.verbose); err != nil {
				return err
			}
			return planExit(p, run.detailedExitcode)
		},
	}
	cmd.Flags().Bool("detailed-exitcode", false, "exit 0 when the saved plan has no changes, 2 when it has")
	cmd.Flags().BoolP("verbose", "v", false, "also list resources that need no change")
	return cmd
}

// parseTargetHealth reads a --target-health value.
func parseTargetHealth(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case HealthAll, "true":
		return HealthAll, nil
	case HealthChanged:
		return HealthChanged, nil
	case HealthOff, "false":
		return HealthOff, nil
	}
	return "", fmt.Errorf("%s is not all, changed or off", quoteSetting(s))
}

// targetHealthMode is the run's --target-health, from the flag, PLINK_TARGET_HEALTH
// or the config file; a value from the latter two that the flag would
// refuse is refused naming where it came from.
func targetHealthMode(f *Factory, cmd *cobra.Command) (string, error) {
	raw := f.Config.String("target-health")
	m, err := parseTargetHealth(raw)
	if err == nil {
		return m, nil
	}
	where := "config file " + f.Config.File()
	if fl := cmd.Flags().Lookup("target-health"); fl != nil && fl.Changed {
		where = "--target-health"
	} else if _, ok := os.LookupEnv(envPrefix + "_TARGET_HEALTH"); ok {
		where = envPrefix + "_TARGET_HEALTH"
	}
	return "", flagErrorf("invalid %s: %v; give all, changed or off (true means all, false off)", where, err)
}
