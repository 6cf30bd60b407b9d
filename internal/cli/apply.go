package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/internal/memlimit"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/render"
	"github.com/plinkdev/plink/reconcile"
)

func newApplyCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "apply [-f PATH]... | apply FILE",
		Short: "Make live state match the manifest, across accounts, then confirm it converged",
		Long: `Plan, show the plan, ask for confirmation, and carry it out in order across
accounts: services and principals, then consumer endpoints, then acceptance of
declared connections in the providers' accounts, then private DNS and
notifications, then removals in reverse. Afterwards live state is read again
to confirm it matches the manifest.

With FILE, a plan saved by 'plink plan -out FILE' is applied without asking:
the manifest and live state are read and planned again, and apply refuses,
naming the first difference, unless that plan's changes are exactly the
saved ones (a changed manifest or live resource, or an edited file, is
refused). The plan computed now is the one carried out.

Without a terminal, apply refuses to run unless --auto-approve is given.`,
		Example: `  plink apply --sandbox --auto-approve -f testdata/examples/quickstart.yaml
  plink apply -f manifests/
  plink apply plan.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := outputFormat(f, "text", "json")
			if err != nil {
				return err
			}
			run := newApplyRun(f, newAWSRun(f, cmd, format))
			ctx, cancel := withTimeout(cmd.Context(), run.timeout)
			defer cancel()
			if len(args) == 1 {
				if len(run.files) > 0 {
					return flagErrorf("give either a saved plan FILE or -f manifests, not both")
				}
				return withVerdict(ctx, f, run, func(f *Factory) error { return applySaved(ctx, f, run, args[0]) })
			}
			return withVerdict(ctx, f, run, func(f *Factory) error { return applyManifest(ctx, f, run) })
		},
	}
	addFileFlag(cmd)
	addAWSFlags(cmd)
	cmd.Flags().Bool("auto-approve", false, "apply without asking for confirmation (required without a terminal)")
	cmd.Flags().StringArray("target", nil, "limit to this resource address and what it depends on (repeatable)")
	cmd.Flags().Duration("timeout", 0, "give up after this long (e.g. 30m; 0 means no limit)")
	cmd.Flags().Duration("wait-timeout", apply.DefaultTimeout, "longest wait for one resource to reach its state")
	cmd.Flags().BoolP("verbose", "v", false, "also list resources that need no change")
	cmd.Flags().Bool("detailed-exitcode", false, "exit 2 when apply finished but live state has not converged yet (a deferred setting, a resource still pending)")
	cmd.Flags().Bool("no-wait", false, "return once every call is made, without waiting for new or changed endpoints to become usable")
	cmd.Flags().Duration("shard-wait", 0, "with --account/--region: wait up to this long (e.g. 10m) for changes that need another shard's work first, and apply them once possible (shards running at once then converge in one round)")
	addAllowDisconnectFlag(cmd)
	addLockFlags(cmd)
	addShardFlags(cmd)
	return cmd
}

// applyRun is one run of apply or destroy: its scope, output format and
// settings, read once when the command starts (flag > PLINK_* > config
// file > default) and passed explicitly.
type applyRun struct {
	awsRun
	// autoApprove applies without asking (--auto-approve).
	autoApprove bool
	// lease is whether and how long to wait for the run's lease.
	lease leaseSettings
	// allowDisconnect is --allow-disconnect: a saved plan made with it
	// needs it again.
	allowDisconnect bool
	// detailedExitcode exits 2 while live state has not converged.
	detailedExitcode bool
	// verbose also lists resources that need no change.
	verbose bool
	// out is destroy's -out FILE: save the plan, change nothing.
	out string
	// apply are apply.Run's options: targets, parallelism, the waits
	// (also the bound of settling; none with NoWait).
	apply apply.Options
}

// newApplyRun reads the settings of an apply or destroy besides the
// shared ones (run).
func newApplyRun(f *Factory, run awsRun) applyRun {
	return applyRun{
		awsRun:           run,
		autoApprove:      f.Config.Bool("auto-approve"),
		lease:            leaseSettingsOf(f),
		allowDisconnect:  f.Config.Bool("allow-disconnect"),
		detailedExitcode: f.Config.Bool("detailed-exitcode"),
		verbose:          f.Config.Bool("verbose"),
		out:              f.Config.String("out"),
		apply:            applySettings(f),
	}
}

func applyManifest(ctx context.Context, f *Factory, run applyRun) error {
	format := run.format
	m, _, err := runManifest(f, run.manifestRun)
	if err != nil {
		return err
	}
	// Refuse before touching AWS when nobody can confirm.
	if !run.autoApprove && !f.IO.CanPrompt() {
		return withHint(errors.New("refusing to apply without confirmation: no terminal to ask on"),
			"review the plan with 'plink plan', then run 'plink apply --auto-approve' (or apply a saved plan: 'plink apply FILE')")
	}
	sess, err := openAWS(ctx, f, m, run.awsRun)
	if err != nil {
		return err
	}
	defer sess.Close()
	// Plan before taking the lease: an apply with nothing to do (a cron
	// that applies every few minutes) must make no mutating call at all,
	// and taking the lease is two (CreatePlacementGroup, DeletePlacementGroup).
	pl, err := planShown(ctx, f, m, sess, reconcile.PlanRequest{})
	if err != nil {
		return err
	}
	p := pl.Plan
	if format == "text" {
		shown, outside, err := targetedView(p, m, run.apply.Targets)
		if err != nil {
			return err
		}
		if _, unchanged := targetsUnchanged(p, m, run.apply.Targets); unchanged {
			// only the targets match (the verdict says what is left outside)
			if err := renderPlanView(f, "text", shown, render.TextOptions{Verbose: run.verbose, Targeted: true}); err != nil {
				return err
			}
		} else if err := renderPlan(f, "text", shown, run.verbose); err != nil {
			return err
		} else if outside > 0 {
			fmt.Fprintf(f.IO.Out, "\nOnly the targets and what they depend on are shown and will be carried out: %s outside the targets %s left for a later run.\n", plural(outside, "change"), agree(outside, "is", "are"))
		}
	}
	if p.HasErrors() {
		if format == "json" {
			_ = renderPlan(f, "json", p, run.verbose)
		}
		return withHint(errors.New("the plan has errors; nothing was applied"), "fix the errors listed above and run 'plink "+commandName(run.runScope)+"' again")
	}
	if err := checkTargets(p, m, run.apply.Targets); err != nil {
		return err
	}
	if n, ok := targetsUnchanged(p, m, run.apply.Targets); ok {
		// As Terraform: a target of the manifest with nothing to do (the
		// same targeted apply run again) is "No changes" for it, exit 0,
		// whatever is left outside it; apply would refuse a target with
		// no change.
		return noChanges(f, run, sess, p, false, n)
	}
	if !reconcile.Runnable(p).HasChanges() && !sess.ShardWaits() {
		// Nothing left to change, but a resource may still be on its way
		// (an endpoint pending after a run was killed mid-create): wait
		// for it as apply waits for what it makes itself, up to
		// --wait-timeout, not with --no-wait. Reading only, no lease.
		if !run.apply.NoWait {
			p = sess.Settle(ctx, m, p, pl.Snapshot, time.Now().Add(run.apply.EndpointTimeout))
		}
		return noChanges(f, run, sess, p, false, 0)
	}
	if !run.autoApprove {
		ok, err := confirm(f, "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(f.IO.ErrOut, "Apply cancelled.")
			return silentExit(ExitError)
		}
	}
	ctx, unlock, err := lockProject(ctx, f, run.lease, m, sess, leaseNetwork(run, pl))
	if err != nil {
		return err
	}
	defer unlock()
	if p, err = replanUnderLease(ctx, run, m, sess, p); err != nil {
		return err
	}
	return executeLeased(ctx, f, run, m, sess, p)
}

// leaseNetwork is the read whose network the read under the lease takes
// as is: the one the plan shown was made from, seconds before, with
// --auto-approve. After a prompt, which may wait for minutes, the network
// is read again: a subnet or group deleted meanwhile must refuse the run
// (PL106, PL107), not fail it half way (a stranger's finding).
func leaseNetwork(run applyRun, pl *reconcile.Planned) *live.Snapshot {
	if !run.autoApprove || pl == nil {
		return nil
	}
	return pl.Snapshot
}

// replanUnderLease reads live state again once the lease is held and
// returns that plan if its changes are the approved ones, or fewer of them
// (one made meanwhile is a no-op now), as a saved plan is checked: the
// first plan was read without the lease, so another run may have changed
// live state before this one took it. Without --lock there is no lease to
// have waited for: p is kept.
func replanUnderLease(ctx context.Context, run applyRun, m *manifest.Manifest, sess *awsSession, approved *plan.Plan) (*plan.Plan, error) {
	if !run.lease.lock {
		return approved, nil
	}
	now, d, err := sess.Replan(ctx, m, approved)
	if err != nil {
		return nil, err
	}
	if d != "" {
		return nil, withHint(fmt.Errorf("live state changed between the plan shown and taking the lease (another run of the project?); nothing was applied:\n  %s", d),
			"run 'plink "+commandName(run.runScope)+"' again to plan from the new live state")
	}
	return now, leasedPlanErrors(run, now)
}

// leasedPlanErrors refuses a plan read under the lease that has errors
// the plan shown did not: live state changed meanwhile (a subnet or group
// the manifest names was deleted while the prompt waited), which apply's
// own guard would refuse with a generic message.
func leasedPlanErrors(run applyRun, now *plan.Plan) error {
	if !now.HasErrors() {
		return nil
	}
	return withHint(fmt.Errorf("live state changed between the plan shown and taking the lease, and the plan has errors now; nothing was applied:\n  %s", strings.Join(reconcile.ErrorDiagnostics(now), "\n  ")),
		"restore what the errors name, or change the manifest to what exists now, and run 'plink "+commandName(run.runScope)+"' again")
}

func applySaved(ctx context.Context, f *Factory, run applyRun, file string) error {
	sp, saved, err := readPlanFile(file)
	if err != nil {
		return err
	}
	if sp.Sandbox != run.session.Sandbox {
		where := map[bool]string{true: "the sandbox", false: "AWS"}
		return withHint(fmt.Errorf("%s was planned against %s, not %s", file, where[sp.Sandbox], where[run.session.Sandbox]),
			"apply it the way it was planned (with or without --sandbox)")
	}
	if err := checkSavedDestroy(run.runScope, sp, file); err != nil {
		return err
	}
	if run.shard, err = useSavedShard(f, run.shard, sp, file); err != nil {
		return err
	}
	if sp.AllowDisconnect && !run.allowDisconnect {
		return withHint(fmt.Errorf("%s was planned with --allow-disconnect: it may cut off connected endpoints the manifest does not declare", file),
			"review the plan with 'plink show "+file+"', then pass --allow-disconnect to apply too")
	}
	// The file is untrusted: its manifest paths may name any file. The
	// loader reads only regular files within a size cap; of its messages
	// only the read errors are shown, since the others may quote whatever
	// file the paths name.
	m, diags, err := loadManifest(sp.ManifestPaths, run.quotas)
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		var why []string
		for _, d := range diags.Errors() {
			if d.Code == manifest.CodeRead {
				why = append(why, diagnosticLine(d))
			}
		}
		if len(why) == 0 {
			why = append(why, plural(len(diags.Errors()), "error"))
		}
		return withHint(fmt.Errorf("saved plan %s: its manifest %s no longer loads:\n  %s", file, strings.Join(sp.ManifestPaths, ", "), strings.Join(why, "\n  ")),
			"check the manifest with 'plink validate', then run 'plink plan -out FILE' again")
	}
	if m.Digest != saved.ManifestDigest {
		return staleError(file, []string{fmt.Sprintf("manifest %s changed (digest %.12s, planned with %.12s)", strings.Join(sp.ManifestPaths, ", "), m.Digest, saved.ManifestDigest)})
	}
	sess, err := openAWS(ctx, f, m, run.awsRun)
	if err != nil {
		return err
	}
	defer sess.Close()
	// A saved plan is a promise, not a program: plan again from the same
	// manifest and live state (of the same shard, --account/--region), and
	// carry out that plan only when its changes are exactly the saved ones.
	pl, err := planShown(ctx, f, m, sess, reconcile.PlanRequest{})
	if err != nil {
		return err
	}
	p := pl.Plan
	switch ck := reconcile.CheckSaved(saved, pl); {
	case len(ck.Stale) > 0:
		return staleError(file, ck.Stale)
	case ck.Difference != "":
		return withHint(fmt.Errorf("saved plan %s does not match the plan of its manifest and live state; nothing was applied:\n  %s", file, ck.Difference),
			"the file was edited or made by another plink; run 'plink plan -out FILE' again and review the new plan")
	}
	if p.HasErrors() {
		return withHint(fmt.Errorf("the plan has errors; nothing was applied:\n  %s", strings.Join(reconcile.ErrorDiagnostics(p), "\n  ")),
			"run 'plink plan' to see them, fix the manifest and plan again")
	}
	if !reconcile.Runnable(p).HasChanges() {
		return noChanges(f, run, sess, p, true, 0)
	}
	ctx, unlock, err := lockProject(ctx, f, run.lease, m, sess, nil)
	if err != nil {
		return err
	}
	defer unlock()
	if p, err = replanUnderLease(ctx, run, m, sess, p); err != nil {
		return err
	}
	return executeLeased(ctx, f, run, m, sess, p)
}

// noChanges ends an apply that has nothing to do: converged, or, while a
// setting is deferred or a resource still pending, not yet (exit 2 with
// --detailed-exitcode). summarize says the text output has not shown the
// plan's summary line yet (a saved plan's apply).
func noChanges(f *Factory, run applyRun, sess *awsSession, p *plan.Plan, summarize bool, outside int) error {
	format := run.format
	v := newVerdict(run, append(slices.Clone(p.Unsettled), sess.WaitNotes()...), outside, false)
	waiting := len(p.Changes) - len(reconcile.Runnable(p).Changes)
	if format == "json" {
		msg := "No changes."
		switch {
		case outside > 0:
			msg = "No changes for the targets."
		case waiting > 0:
			msg = fmt.Sprintf("Nothing to apply now: %s for another shard.", reconcile.WaitVerb(waiting))
		case v.Verdict != verdictConverged:
			msg = "No changes, but live state has not converged yet."
		}
		out := map[string]any{"type": "result", "changes": 0, "message": msg}
		if waiting > 0 {
			out["waiting"] = waiting
		}
		if err := writeJSON(f.IO.Out, out); err != nil {
			return err
		}
	} else if waiting > 0 {
		fmt.Fprintf(f.IO.Out, "Nothing to apply now: %s for another shard.\n", reconcile.WaitVerb(waiting))
	} else if summarize {
		fmt.Fprint(f.IO.Out, "No changes. ")
	} else if v.Verdict == verdictConverged {
		return v.exit() // the plan's summary line has said it
	}
	return v.emit(f, format)
}

func staleError(file string, what []string) error {
	return withHint(fmt.Errorf("saved plan %s is stale: the world has changed since it was planned:\n  %s", file, strings.Join(what, "\n  ")),
		"run 'plink plan -out FILE' again and review the new plan")
}

// confirm asks on the terminal; only "yes" approves.
func confirm(f *Factory, prompt string) (bool, error) {
	fmt.Fprint(f.IO.Out, prompt)
	line, err := bufio.NewReader(f.IO.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	return strings.TrimSpace(line) == "yes", nil
}

// executeLeased carries out p, the plan read again under the lease. When
// it has nothing left to do (what the plan shown would change was made
// meanwhile, by another run or by AWS settling: replanUnderLease accepts a
// plan that does less), the run ends as one without changes.
func executeLeased(ctx context.Context, f *Factory, run applyRun, m *manifest.Manifest, sess *awsSession, p *plan.Plan) error {
	if !reconcile.Runnable(p).HasChanges() && !sess.ShardWaits() {
		fmt.Fprintln(f.IO.ErrOut, "The changes shown were made meanwhile (by another run, or AWS settled); nothing is left to do.")
		return noChanges(f, run, sess, p, false, 0)
	}
	return execute(ctx, f, run, m, sess, p)
}

// execute has the engine carry out the plan (and wait for other shards),
// reports progress and the result, then has it re-read live state to
// confirm convergence, and renders the verdict.
func execute(ctx context.Context, f *Factory, run applyRun, m *manifest.Manifest, sess *awsSession, p *plan.Plan) error {
	format, rs := run.format, run.runScope
	events := newEventPrinter(f, format)
	events.run = stateOf(ctx)
	opts := sess.ApplyOptions(run.apply)
	opts.Events = events.print
	stateOf(ctx).setActivity("applying %s", plural(len(reconcile.Remaining(p, opts.Targets)), "change"))
	// A first signal or --timeout stops apply as Terraform does: nothing
	// new starts and waits end, while calls in flight get most of the stop
	// bound to finish (so the summary is exact); then they are abandoned.
	stopping := reconcile.Stopping{InFlight: stateOf(ctx).inflightBound()}
	// Apply holds its plan live for minutes: give the heap room above the
	// runtime's memory rather than collect back to back (internal/memlimit).
	memlimit.Loosen()
	res, runErr := sess.Apply(ctx, m, p, opts, stopping)
	if res == nil {
		return runErr
	}
	if runErr == nil && ctx.Err() == nil && sess.ShardWaits() {
		sayShardWait(f, sess)
		var waited reconcile.ShardWaitOutcome
		waited, runErr = sess.AwaitShards(ctx, m, opts, stopping, res)
		if len(waited.Blocked) > 0 {
			fmt.Fprintf(f.IO.ErrOut, "plink: the last plan while waiting for other shards had errors:\n  %s\n", strings.Join(waited.Blocked, "\n  "))
		}
	}
	if c := stopCause(ctx); c != nil {
		res.Interrupted = strings.TrimPrefix(c.Error(), "interrupted by ")
	} else if ctx.Err() != nil {
		res.Interrupted = context.Cause(ctx).Error() // the lease was lost
	}
	if format == "json" {
		if err := writeJSON(f.IO.Out, map[string]any{"type": "result", "result": res, "summary": res.Summary()}); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(f.IO.Out)
		if err := apply.WriteSummaryOf(f.IO.Out, res, commandTitle(rs)); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		// Interrupted or timed out: the summary above says what was done
		// and what was not; report names the cause and the activity.
		return silentExit(ExitError)
	}
	if runErr != nil {
		changed := "live state is partly changed"
		if res.Summary().Done == 0 {
			changed = "nothing was changed"
		}
		return withHint(errors.New(commandName(rs)+" did not finish; "+changed),
			"fix the cause above and run 'plink "+commandName(rs)+"' again: it plans from live state and finishes the job")
	}
	// Confirm: a fresh read must plan no changes (within the targets).
	stateOf(ctx).setActivity("confirming: re-reading live state")
	conf, err := sess.Confirm(ctx, m, opts.Targets)
	if err != nil {
		return fmt.Errorf("apply finished, but re-reading live state to confirm failed: %w", err)
	}
	if conf.BecamePossible > 0 {
		fmt.Fprintf(f.IO.ErrOut, "plink: %s became possible while this shard ran (other shards applied what they need); the next run applies them\n", plural(conf.BecamePossible, "change"))
	}
	if len(conf.Left) > 0 {
		return withHint(fmt.Errorf("apply finished, but live state does not match the manifest yet:\n  %s", strings.Join(conf.Left, "\n  ")),
			"run 'plink plan' to see the difference; AWS may still be settling")
	}
	// Nothing left to change is not yet "matches": a deferred setting, a
	// resource still pending, or a change waiting for another shard is
	// reported as not converged.
	outside := 0
	if len(opts.Targets) > 0 {
		outside = len(reconcile.Remaining(conf.After, nil))
	}
	unsettled := append(slices.Clone(conf.After.Unsettled), sess.WaitNotes()...)
	// what apply saw waiting (an endpoint that a service outside the
	// manifest has yet to accept), unless the confirming read said it
	addr := func(s string) string { return s[:strings.IndexAny(s+" ", " :")] }
	for _, u := range res.Unsettled() {
		if !slices.ContainsFunc(unsettled, func(s string) bool { return addr(s) == addr(u) }) {
			unsettled = append(unsettled, u)
		}
	}
	return newVerdict(run, unsettled, outside, true).emit(f, format)
}

// sayShardWait says that apply now waits for other shards (--shard-wait),
// and for what.
func sayShardWait(f *Factory, sess *awsSession) {
	waiting, awaited := sess.ShardPending()
	what := []string{}
	if waiting > 0 {
		what = append(what, reconcile.WaitVerb(waiting)+" for their work")
	}
	if awaited > 0 {
		what = append(what, fmt.Sprintf("%s for their accepts", strings.Replace(reconcile.WaitVerb(awaited), "change", "endpoint", 1)))
	}
	fmt.Fprintf(f.IO.ErrOut, "plink: waiting up to %s (--shard-wait) for other shards: in %s, %s\n", sess.Options().ShardWait, sess.Selection(), strings.Join(what, "; "))
}

// applySettings are apply.Run's options from the settings (flag >
// PLINK_* > config file > default).
func applySettings(f *Factory) apply.Options {
	return apply.Options{
		Parallelism:     f.Config.Int("parallelism"),
		Targets:         f.Config.Strings("target"),
		ServiceTimeout:  f.Config.Duration("wait-timeout"),
		EndpointTimeout: f.Config.Duration("wait-timeout"),
		DeleteTimeout:   f.Config.Duration("wait-timeout"),
		NoWait:          f.Config.Bool("no-wait"),
	}
}

// eventPrinter shows apply's progress: JSON lines with --output json,
// otherwise plain log lines on stderr (a terminal also sees waits).
type eventPrinter struct {
	f *Factory
	// run is told what apply waits for (nil: nobody asks).
	run    *runState
	format string
	mu     sync.Mutex
	// waited is when a wait was last shown per address: a terminal sees
	// what is being waited for and for how long, every waitEvery, not
	// every poll.
	waited map[string]time.Time
}

const waitEvery = 10 * time.Second

func newEventPrinter(f *Factory, format string) *eventPrinter {
	return &eventPrinter{f: f, format: format, waited: map[string]time.Time{}}
}

func (e *eventPrinter) print(ev apply.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.format == "json" {
		_ = writeJSON(e.f.IO.Out, map[string]any{"type": "event", "event": ev})
		return
	}
	if ev.Progress == apply.ProgressHeartbeat {
		// one line however long the wait: logs are never silent for long
		fmt.Fprintf(e.f.IO.ErrOut, "%s [%s]\n", ev.Message, ev.Elapsed)
		return
	}
	if ev.Progress == apply.ProgressWaiting {
		e.run.setActivity("waiting for %s", ev.Address)
		if !e.f.IO.IsStderrTTY() {
			return // logs get one line per start and end, not every poll
		}
		if last, ok := e.waited[ev.Address]; ok && ev.Time.Sub(last) < waitEvery {
			return
		}
		e.waited[ev.Address] = ev.Time
	}
	line := fmt.Sprintf("%s: %s", ev.Address, ev.Progress)
	if ev.Message != "" {
		line += " - " + ev.Message
	}
	if ev.Elapsed > 0 && ev.Progress != apply.ProgressStarted {
		line += fmt.Sprintf(" [%s]", ev.Elapsed.Round(100*time.Millisecond))
	}
	fmt.Fprintln(e.f.IO.ErrOut, line)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// checkTargets refuses a --target that names nothing in the plan, even
// when there is nothing to do: a typo must not look like success.
// targetedView is p as an apply limited to targets carries it out (the
// targets, their children and what they depend on: apply.Targeted), for
// the plan shown before consent, and how many changes it leaves out. With
// no targets, or targets that name nothing (checkTargets refuses those),
// it is p.
func targetedView(p *plan.Plan, m *manifest.Manifest, targets []string) (*plan.Plan, int, error) {
	if len(targets) == 0 || checkTargets(p, m, targets) != nil || !p.HasChanges() || p.HasErrors() {
		return p, 0, nil
	}
	keep := map[string]bool{} // targets with nothing to do keep nothing
	if _, unchanged := targetsUnchanged(p, m, targets); !unchanged {
		var err error
		if keep, err = apply.Targeted(p, targets); err != nil {
			return nil, 0, err
		}
	}
	view := *p
	view.Changes = nil
	view.Cost = nil // the estimate is the whole plan's
	outside := 0
	for _, c := range p.Changes {
		switch {
		case keep[c.Address] || (c.Action == plan.NoOp && reconcile.InTargets(c, targets)):
			view.Changes = append(view.Changes, c)
		case c.Action != plan.NoOp:
			outside++
		}
	}
	return &view, outside, nil
}

// declares reports whether m declares the resource at address t
// (provider.NAME, consumer.NAME).
func declares(m *manifest.Manifest, t string) bool {
	if m == nil {
		return false
	}
	for _, pr := range m.Providers {
		if t == "provider."+pr.Name {
			return true
		}
	}
	for _, c := range m.Consumers {
		if t == "consumer."+c.Name {
			return true
		}
	}
	return false
}

// targetsUnchanged reports whether targets (given, and naming resources
// of p: checkTargets) have nothing to do that this run could carry out,
// and how many changes p has outside them.
func targetsUnchanged(p *plan.Plan, m *manifest.Manifest, targets []string) (outside int, ok bool) {
	if len(targets) == 0 || p.HasErrors() || checkTargets(p, m, targets) != nil {
		return 0, false
	}
	if len(reconcile.Remaining(reconcile.Runnable(p), targets)) > 0 {
		return 0, false
	}
	return len(reconcile.Remaining(p, nil)), true
}

// A target that names a resource the manifest declares is one, even when
// the plan holds nothing of it (destroy --target run again, after the
// resource is gone): it has nothing to do (targetsUnchanged).
func checkTargets(p *plan.Plan, m *manifest.Manifest, targets []string) error {
	for _, t := range targets {
		found := declares(m, t)
		for _, c := range p.Changes {
			if reconcile.InTargets(c, []string{t}) {
				found = true
				break
			}
		}
		if !found {
			var top []string
			for _, c := range p.Changes {
				if c.Parent == "" {
					top = append(top, c.Address)
				}
			}
			if m != nil { // what the manifest declares, made or not
				for _, pr := range m.Providers {
					top = append(top, "provider."+pr.Name)
				}
				for _, c := range m.Consumers {
					top = append(top, "consumer."+c.Name)
				}
				slices.Sort(top)
				top = slices.Compact(top)
			}
			if len(top) == 0 {
				return flagErrorf("--target %s: the plan has no resources at all (nothing the manifest declares exists, and nothing is to be made)", t)
			}
			return flagErrorf("--target %s is not a resource of this manifest; valid addresses include %s", t, strings.Join(top, ", "))
		}
	}
	return nil
}
