package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/iampolicy"
	"github.com/plinkdev/plink/iampolicy/check"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/reconcile"
)

func newIAMPolicyCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "iam-policy [--for plan|apply|destroy|drift|export|connections|status] [-f PATH]... [--live] [--check]",
		Short: "Print the least-privilege IAM policies plink's role needs in each account, or check them against AWS",
		Long: `Print, per account alias, the IAM policy document the role plink uses there needs:
read-only for plan, drift, export and status (status adds CloudWatch metrics); for
connections, also accepting and rejecting connections of the project's endpoint
services; for apply (and destroy, which is apply of a plan that deletes: the
same policy), writes scoped by the
aws:ResourceTag/plink:project and aws:RequestTag/plink:project conditions and by
the manifest's accounts, regions, VPCs, subnets, security groups and services.
Without a manifest, one generic document ("*") is printed.

CreateVpcEndpoint authorizes no endpoint-service resource, so which services
an endpoint may reach is said only by the service's name and owner. An
endpoint to a provider whose service does not exist yet can only be granted
for the names AWS gives services in that account and region; with --live
(and -f), plink reads the providers' services (with the plan policy's reads)
and grants endpoints to those that exist by their exact names; it also grants
changes, deletes and vpce:AllowMultiRegion on the project's endpoints and
services only where the manifest has them or the plan changes them. Print the
policy again with --live after the first apply.

With --check (and -f), ask AWS, with each account's credentials, whether the
calls of the command would be allowed: the reads themselves, and every write of
the current plan (apply, connections) as an EC2 call with DryRun=true, so
nothing is changed. Each denied call is reported per account and region with the
reason AWS gives (decoded with sts:DecodeAuthorizationMessage when the
credentials may) and the statement of the printed policy that grants it.
Exit status with --check, the verdict its last line and its JSON ("verdict") give:
0 every call allowed; 2 a call denied; 1 not known to be allowed: a call could not
be checked (credentials, an unexpected answer, or a call left for later because it
acts on what the plan creates first) or the plan could not be made.`,
		Example: "  plink iam-policy --for apply -f manifests/\n  plink iam-policy --for apply --live -f manifests/\n  plink iam-policy --for drift\n  plink iam-policy --check --for apply -f manifests/",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			run, err := newIAMPolicyRun(f, cmd)
			if err != nil {
				return err
			}
			mode := run.mode
			if run.check {
				return runIAMCheck(cmd.Context(), f, run)
			}
			var m *manifest.Manifest
			if files := run.files; len(files) > 0 {
				if m, err = loadValid(f, files, run.quotas, run.format); err != nil {
					return err
				}
			}
			var lv iampolicy.Live
			if run.live {
				if m == nil {
					return flagErrorf("--live needs the manifest (-f PATH): it reads the services of its providers")
				}
				if mode != iampolicy.Apply {
					return flagErrorf("--live changes only the apply policy (its CreateVpcEndpoint); drop it or use --for apply")
				}
				if lv, err = readLivePolicyInputs(cmd.Context(), f, run.awsRun, m); err != nil {
					return err
				}
			}
			docs, err := iampolicy.ForLive(mode, m, lv)
			if err != nil {
				return err
			}
			if mode == iampolicy.Apply {
				if un := iampolicy.Unpinned(m, lv); len(un) > 0 {
					fmt.Fprintf(f.IO.ErrOut, "note: the endpoint services of %s do not exist yet (or were not read: --live), so their consumers' "+
						"CreateVpcEndpoint is granted for any service of that account and region (ec2:VpceServiceOwner, ec2:VpceServiceName "+
						"com.amazonaws.vpce.REGION.vpce-svc-*); once they exist, print the policy again with --live to grant their names only\n",
						strings.Join(un, ", "))
				}
			}
			if op := iampolicy.Operator(m); op != nil && m != nil {
				docs = withOperator(docs, *op)
			}
			return iampolicy.JSON(f.IO.Out, docs)
		},
	}
	addFileFlag(cmd)
	addAWSFlags(cmd)
	cmd.Flags().String("for", "apply", "the command the policy is for: plan, apply, destroy (apply's policy), drift, export, connections or status")
	cmd.Flags().Bool("live", false, "read the manifest's live endpoint services (with the plan policy's reads) and grant endpoints to them by exact name")
	cmd.Flags().Bool("check", false, "ask AWS whether the command's calls are allowed (reads, and writes as DryRun); changes nothing")
	cmd.Flags().Duration("timeout", 0, "with --check: give up after this long (0 means no limit)")
	return cmd
}

// withOperator adds the operator identity's own policy (sts:AssumeRole on
// every account's role) under the key "operator".
func withOperator(docs map[string]iampolicy.Document, op iampolicy.Document) map[string]iampolicy.Document {
	out := make(map[string]iampolicy.Document, len(docs)+1)
	for k, v := range docs {
		out[k] = v
	}
	if len(op.Statement) > 0 {
		out["operator"] = op
	}
	return out
}

// readLivePolicyInputs is what --live reads: the plan of m, for the names
// of the providers' services that exist and that it keeps.
func readLivePolicyInputs(ctx context.Context, f *Factory, run awsRun, m *manifest.Manifest) (iampolicy.Live, error) {
	ctx, cancel := withTimeout(ctx, run.timeout)
	defer cancel()
	sess, err := openAWS(ctx, f, m, run)
	if err != nil {
		return iampolicy.Live{}, err
	}
	defer sess.Close()
	stateOf(ctx).setActivity("resolving credentials of %s", plural(len(m.Accounts), "account"))
	if err := sess.Verify(ctx); err != nil {
		return iampolicy.Live{}, credentialsError(err)
	}
	pl, err := planShown(ctx, f, m, sess, reconcile.PlanRequest{})
	if err != nil {
		return iampolicy.Live{}, err
	}
	return iampolicy.LiveOf(pl.Plan), nil
}

// runIAMCheck is plink iam-policy --check.
func runIAMCheck(ctx context.Context, f *Factory, run iamPolicyRun) error {
	format, mode := run.format, run.mode
	files := run.files
	if len(files) == 0 {
		return flagErrorf("--check needs the manifest (-f PATH): it asks AWS about the calls plink makes for it")
	}
	m, err := loadValid(f, files, run.quotas, format)
	if err != nil {
		return err
	}
	ctx, cancel := withTimeout(ctx, run.timeout)
	defer cancel()
	if mode == iampolicy.Destroy {
		run.destroy = &destroyMode{} // the plan checked is plink destroy's
	}
	sess, err := openAWS(ctx, f, m, run.awsRun)
	if err != nil {
		return err
	}
	defer sess.Close()
	stateOf(ctx).setActivity("resolving credentials of %s", plural(len(m.Accounts), "account"))
	if err := sess.Verify(ctx); err != nil {
		return credentialsError(err)
	}
	stateOf(ctx).setActivity("checking the calls of plink %s", mode)
	rep, err := sess.CheckPolicy(ctx, mode, m)
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return silentExit(ExitError)
	}
	if format == "json" {
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := renderCheck(f.IO.Out, rep); err != nil {
		return err
	}
	if rep.LeaseNote != "" {
		fmt.Fprintln(f.IO.ErrOut, "note: "+rep.LeaseNote)
	}
	fmt.Fprintln(f.IO.ErrOut, checkSummary(rep))
	// One verdict (the report's, which the summary and JSON give too): 0
	// only when every call was asked about and allowed. A call left for
	// later (it names a resource the plan creates first) is not known to
	// be allowed: a gate must not pass on it.
	switch rep.Verdict {
	case check.Denied:
		return silentExit(ExitChanges)
	case check.Allowed:
		return nil
	}
	return silentExit(ExitError)
}

// checkSummary is the last line of a check: what was asked and answered,
// and the verdict the exit status gives.
func checkSummary(r *check.Report) string {
	s := fmt.Sprintf("iam-policy --check --for %s: %s: %d allowed, %d denied, %d could not be checked",
		r.Mode, plural(len(r.Results), "call"), r.Count(check.Allowed), r.Count(check.Denied), r.NotChecked)
	if n := r.Count(check.Skipped); n > 0 {
		s += fmt.Sprintf(" (%d left for later: they act on what this plan creates; run --check again once it exists)", n)
	}
	if r.PlanError != "" {
		s += ", the plan's writes not checked (the plan could not be made)"
	}
	switch r.Verdict {
	case check.Denied:
		return s + "; verdict: denied (exit 2)"
	case check.Allowed:
		return s + "; verdict: every call allowed (exit 0)"
	}
	return s + "; verdict: not known to be allowed (exit 1)"
}

// renderCheck writes the denied, unknown and skipped calls, grouped by
// account and region, each denial with the statement to add.
func renderCheck(w io.Writer, r *check.Report) error {
	var b strings.Builder
	last := ""
	for _, x := range r.Results {
		if x.Status == check.Allowed {
			continue
		}
		if where := fmt.Sprintf("%s (%s) %s", x.Account, x.AccountID, x.Region); where != last {
			fmt.Fprintf(&b, "%s:\n", where)
			last = where
		}
		call := x.Call
		if x.DryRun {
			call += " (DryRun)"
		}
		if x.Change != "" {
			call += " for " + x.Change
		}
		switch x.Status {
		case check.Denied:
			fmt.Fprintf(&b, "  denied   %s\n", call)
			what := x.Action
			if x.Resource != "" {
				what += " on " + x.Resource
			}
			fmt.Fprintf(&b, "           refused: %s\n           reason: %s\n", what, x.Reason)
			if x.DecodeNote != "" {
				fmt.Fprintf(&b, "           note: %s\n", x.DecodeNote)
			}
			if x.Statement != nil {
				data, err := json.MarshalIndent(x.Statement, "           ", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintf(&b, "           add this statement (plink iam-policy --for %s):\n           %s\n", r.Mode, data)
			} else if len(x.Statements) > 0 && (x.Decoded || x.Resource != "") {
				// AWS named the permission; several statements grant it
				// under different conditions.
				fmt.Fprintf(&b, "           statements of plink iam-policy --for %s that grant %s, each under its own conditions: "+
					"attach the one this call needs\n", r.Mode, what)
				for _, s := range x.Statements {
					data, err := json.MarshalIndent(s, "           ", "  ")
					if err != nil {
						return err
					}
					fmt.Fprintf(&b, "           %s\n", data)
				}
			} else if len(x.Statements) > 0 {
				// AWS did not say which permission: every statement the
				// call depends on, none asserted.
				fmt.Fprintf(&b, "           AWS did not say which permission it refused; the call depends on every one of these statements "+
					"(plink iam-policy --for %s): attach those missing\n", r.Mode)
				for _, s := range x.Statements {
					data, err := json.MarshalIndent(s, "           ", "  ")
					if err != nil {
						return err
					}
					fmt.Fprintf(&b, "           %s\n", data)
				}
			} else if x.Resource != "" && x.Resource != "*" {
				fmt.Fprintf(&b, "           plink iam-policy --for %s grants %s on no %s: print it again for this manifest (-f PATH --live) and attach it\n",
					r.Mode, x.Action, x.Resource)
			} else {
				fmt.Fprintf(&b, "           plink iam-policy --for %s grants no %s: it is not a call this command needs\n", r.Mode, x.Action)
			}
		case check.Unknown:
			fmt.Fprintf(&b, "  unknown  %s: %s\n", call, x.Reason)
		case check.Skipped:
			fmt.Fprintf(&b, "  later    %s: %s\n", call, x.Reason)
		}
	}
	if r.PlanError != "" {
		fmt.Fprintf(&b, "the plan's writes were not checked: the plan could not be made: %s\n", r.PlanError)
	}
	if b.Len() == 0 {
		b.WriteString("every call is allowed\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
