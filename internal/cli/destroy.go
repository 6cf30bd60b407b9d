package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/reconcile"
)

// destroyMode is plink destroy's (and plan --destroy's) part of the run's
// scope: every plan of its session deletes what the manifest owns.
type destroyMode struct {
	deleteAdopted bool
}

func newDestroyCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "destroy [-f PATH]... | destroy FILE",
		Short: "Delete everything the manifest owns: endpoints, then services; adopted resources are released",
		Long: `Plan the deletion of everything the manifest owns — every endpoint service and
endpoint tagged with its project, in every account and region it names, also
those no longer declared — show the plan, ask for confirmation, and carry it
out in reverse order: connections that must be cut, endpoints, then services.

A resource the manifest adopts (adopt: ID) was there before plink: it is
released (plink's tags are removed, nothing else changes) unless
--delete-adopted is given. A protected resource (protect: true, or its
plink:protect tag) makes the plan an error. Deleting a service with connected
endpoints the manifest does not declare needs --allow-disconnect.

With -out FILE the plan is saved and nothing is changed; 'plink destroy FILE'
carries it out later, refusing (as apply FILE does) unless the plan computed
then is exactly the saved one. A second destroy finds nothing to do.

Without a terminal, destroy refuses to run unless --auto-approve is given.`,
		Example: `  plink destroy --sandbox --auto-approve -f testdata/examples/quickstart.yaml
  plink destroy -f manifests/ -out destroy.json && plink destroy destroy.json
  plink destroy -f manifests/ --target consumer.checkout-payments`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := outputFormat(f, "text", "json")
			if err != nil {
				return err
			}
			aws := newAWSRun(f, cmd, format)
			aws.destroy = &destroyMode{deleteAdopted: f.Config.Bool("delete-adopted")}
			run := newApplyRun(f, aws)
			rs := run.runScope
			ctx, cancel := withTimeout(cmd.Context(), run.timeout)
			defer cancel()
			out := run.out
			if len(args) == 1 {
				if len(run.files) > 0 || out != "" {
					return flagErrorf("give either a saved plan FILE, or -f manifests (and -out FILE to save the plan), not both")
				}
				return withVerdict(ctx, f, run, func(f *Factory) error { return applySaved(ctx, f, run, args[0]) })
			}
			if out == "" {
				return withVerdict(ctx, f, run, func(f *Factory) error { return applyManifest(ctx, f, run) })
			}
			if len(run.apply.Targets) > 0 {
				// a saved plan is carried out whole: saving a targeted one
				// would destroy more than the plan shown
				return flagErrorf("--target cannot be used with -out: a saved destroy plan is carried out whole; run 'plink destroy --target ADDRESS' without -out, or save the whole destroy plan")
			}
			m, paths, err := runManifest(f, run.manifestRun)
			if err != nil {
				return err
			}
			sess, err := openAWS(ctx, f, m, run.awsRun)
			if err != nil {
				return err
			}
			defer sess.Close()
			pl, err := planShown(ctx, f, m, sess, reconcile.PlanRequest{})
			if err != nil {
				return err
			}
			p := pl.Plan
			if err := renderPlan(f, format, p, run.verbose); err != nil {
				return err
			}
			if p.HasErrors() {
				return fmt.Errorf("the plan has errors; not saving it to %s", out)
			}
			if err := checkTargets(p, m, run.apply.Targets); err != nil {
				return err
			}
			sp := savedPlan{ManifestPaths: paths, Sandbox: run.session.Sandbox, AllowDisconnect: run.allowDisconnect,
				Destroy: true, DeleteAdopted: rs.destroy.deleteAdopted}
			if err := writeSavedPlan(out, p, sp); err != nil {
				return err
			}
			if format != "json" {
				fmt.Fprintf(f.IO.ErrOut, "\nSaved the destroy plan to %s. To perform exactly these actions, run:\n  plink destroy %s%s\n", out, run.sandboxFlag(), out)
			}
			return planExit(p, run.detailedExitcode)
		},
	}
	addFileFlag(cmd)
	addAWSFlags(cmd)
	cmd.Flags().Bool("auto-approve", false, "destroy without asking for confirmation (required without a terminal)")
	cmd.Flags().StringArray("target", nil, "limit to this resource address and what it depends on (repeatable)")
	cmd.Flags().String("out", "", "save the destroy plan to FILE for 'plink destroy FILE', changing nothing")
	cmd.Flags().Duration("timeout", 0, "give up after this long (e.g. 30m; 0 means no limit)")
	cmd.Flags().Duration("wait-timeout", apply.DefaultTimeout, "longest wait for one resource to be deleted")
	cmd.Flags().BoolP("verbose", "v", false, "also list resources that need no change")
	cmd.Flags().Bool("detailed-exitcode", false, "with -out: exit 2 when there is something to destroy, 0 when nothing; otherwise exit 2 when live state has not settled yet")
	cmd.Flags().Bool("delete-adopted", false, "delete resources the manifest adopts, instead of releasing them (removing plink's tags)")
	addAllowDisconnectFlag(cmd)
	addLockFlags(cmd) // destroy holds the project's lease as apply does
	return cmd
}

// checkSavedDestroy refuses a saved plan applied by the wrong command: a
// destroy plan only by 'plink destroy FILE' (typing destroy is the consent,
// never a flag in an editable file), and a plan of 'plink plan' only by
// apply. --delete-adopted must be given again, as --allow-disconnect.
func checkSavedDestroy(rs runScope, sp *savedPlan, file string) error {
	switch {
	case sp.Destroy && rs.destroy == nil:
		return withHint(fmt.Errorf("%s is a destroy plan: it deletes everything its manifest owns", file),
			"review it with 'plink show "+file+"', then run 'plink destroy "+file+"'")
	case !sp.Destroy && rs.destroy != nil:
		return withHint(fmt.Errorf("%s is not a destroy plan; it was saved by 'plink plan -out'", file),
			"apply it with 'plink apply "+file+"', or save a destroy plan with 'plink destroy -out FILE'")
	case sp.DeleteAdopted && (rs.destroy == nil || !rs.destroy.deleteAdopted):
		return withHint(fmt.Errorf("%s was planned with --delete-adopted: it deletes resources the manifest adopted instead of releasing them", file),
			"review the plan with 'plink show "+file+"', then pass --delete-adopted to destroy too")
	}
	return nil
}

// convergedMessage is the last line of a run that left nothing to do.
func convergedMessage(rs runScope) string {
	if rs.destroy != nil {
		return "Nothing the manifest owns is left."
	}
	return "Live state matches the manifest."
}

// commandName is the command a hint tells the user to run again.
func commandName(rs runScope) string {
	if rs.destroy != nil {
		return "destroy"
	}
	return "apply"
}

// commandTitle is commandName capitalized, as it starts a sentence.
func commandTitle(rs runScope) string {
	n := commandName(rs)
	return strings.ToUpper(n[:1]) + n[1:]
}
