package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"reflect"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/reconcile"
)

func newConnectionsCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "connections [-f PATH]... [--watch 30s]",
		Short: "Accept and reject pending connections by the manifest's rules, and nothing else",
		Long: `Apply only the providers' connection rules: accept the connections of declared
consumers (connections.acceptDeclared) and of accounts in connections.acceptFrom,
and reject the others (connections.rejectUndeclared). Nothing else is created,
changed or deleted, so it is safe to run every minute for SaaS onboarding, with
its own least-privilege policy (plink iam-policy --for connections).

Every decision is one line on stdout: the endpoint, its account, the rule that
decided and the outcome (JSON lines with --output json). When the plan has
errors, accepts still go ahead but rejects are skipped: plink never rejects
on a view it cannot trust.

With --watch INTERVAL it runs a round every INTERVAL until SIGTERM or SIGINT,
then stops cleanly (exit 0): a round in progress starts nothing new and its
calls in flight finish. Without --watch it runs one round: exit 0 when every
decision was carried out, 1 otherwise.`,
		Example: `  plink connections -f manifests/
  plink connections -f manifests/ --watch 30s --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := outputFormat(f, "text", "json")
			if err != nil {
				return err
			}
			run, err := newConnectionsRun(f, cmd, format)
			if err != nil {
				return err
			}
			every := run.watch
			m, paths, err := runManifest(f, run.manifestRun)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st := stateOf(ctx)
			if every > 0 {
				st.setStopNote("the watch ends: the round in progress starts no new decision, its accept and reject calls in flight get up to %s to finish", st.inflightBound())
			} else {
				st.setStopNote("no new decision is started, accept and reject calls in flight get up to %s to finish", st.inflightBound())
			}
			if every == 0 {
				var cancel context.CancelFunc
				ctx, cancel = withTimeout(ctx, run.timeout)
				defer cancel()
			}
			// A shard decides the connections of its own providers' services.
			sess, err := openAWS(ctx, f, m, run.awsRun)
			if err != nil {
				return err
			}
			if every == 0 {
				defer sess.Close()
				return connectionsRound(ctx, f, run, m, sess, false, false, nil)
			}
			w := &watched{paths: paths, m: m, run: run, sess: sess, leftSaid: map[string]bool{}}
			defer func() { _ = w.sess.Close() }()
			return watchConnections(ctx, f, w, every)
		},
	}
	addFileFlag(cmd)
	addAWSFlags(cmd)
	cmd.Flags().Duration("watch", 0, "run a round every INTERVAL (e.g. 30s) until SIGTERM or SIGINT")
	cmd.Flags().Duration("timeout", 0, "without --watch: give up after this long (0 means no limit)")
	addShardFlags(cmd)
	return cmd
}

// watched is the manifest a --watch loop decides by: read again before
// every round, since a decision on a stale manifest may be a reject that
// cannot be undone (an endpoint of an account just added to acceptFrom).
type watched struct {
	paths []string
	// m is the newest manifest that loaded; stale says the files changed
	// since into something that does not load.
	m     *manifest.Manifest
	stale bool
	run   connectionsRun
	sess  *awsSession
	// leftSaid holds the connections left pending that were already
	// said, so a loop says each once, not every round.
	leftSaid map[string]bool
}

// reload reads the manifest again. An edit that does not load keeps the
// last valid manifest, is said every round, and makes the round reject
// nothing: what the newest readable manifest would reject is unknown. An
// edit that changes the accounts opens a session for the new ones.
func (w *watched) reload(ctx context.Context, f *Factory) error {
	format := w.run.format
	m, diags, err := loadManifest(w.paths, w.run.quotas)
	if err == nil && diags.HasErrors() {
		var why []string
		for _, d := range diags.Errors() {
			why = append(why, diagnosticLine(d))
		}
		if len(why) > 3 {
			why = append(why[:3], fmt.Sprintf("and %d more", len(why)-3))
		}
		err = errors.New(strings.Join(why, "\n"))
	}
	if err != nil {
		w.stale = true
		logRoundError(f, format, fmt.Errorf("manifest %s no longer loads; this round decides by the last one that did, and rejects nothing until it loads again:\n%w",
			strings.Join(w.paths, ", "), err))
		return nil
	}
	w.stale = false
	if m.Digest == w.m.Digest {
		return nil
	}
	if !reflect.DeepEqual(m.Accounts, w.m.Accounts) {
		sess, err := openAWS(ctx, f, m, w.run.awsRun)
		if err != nil {
			w.stale = true
			return fmt.Errorf("manifest %s changed its accounts, and they cannot be reached; deciding by the last manifest, rejecting nothing: %w", strings.Join(w.paths, ", "), err)
		}
		_ = w.sess.Close()
		w.sess = sess
	}
	w.m = m
	if format == "json" {
		return writeJSON(f.IO.Out, map[string]any{"type": "reloaded", "time": time.Now().UTC(), "manifest": strings.Join(w.paths, ", "), "digest": m.Digest})
	}
	fmt.Fprintf(f.IO.ErrOut, "plink: connections: manifest %s changed; deciding by the new one\n", strings.Join(w.paths, ", "))
	return nil
}

// watchConnections runs rounds until ctx ends (a signal), reading the
// manifest again before each; SIGHUP starts a round at once. A failed
// round is logged and the next one tries again. The stop is clean: exit 0.
func watchConnections(ctx context.Context, f *Factory, w *watched, every time.Duration) error {
	format := w.run.format
	t := time.NewTicker(every)
	defer t.Stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for first := true; ; first = false {
		err := error(nil)
		if !first {
			err = w.reload(ctx, f)
		}
		if err == nil {
			err = connectionsRound(ctx, f, w.run, w.m, w.sess, true, w.stale, w.leftSaid)
		}
		var ee *exitError
		if err != nil && ctx.Err() == nil && !(errors.As(err, &ee) && ee.Err == nil) {
			// a silent exit is a round whose decisions were logged already
			logRoundError(f, format, err)
		}
		select {
		case <-ctx.Done():
			if format == "json" {
				return writeJSON(f.IO.Out, map[string]any{"type": "stopped", "time": time.Now().UTC(), "reason": context.Cause(ctx).Error()})
			}
			fmt.Fprintf(f.IO.ErrOut, "plink: connections: stopped (%s)\n", context.Cause(ctx))
			return nil
		case <-t.C:
		case <-hup:
		}
	}
}

func logRoundError(f *Factory, format string, err error) {
	msg := err.Error()
	var ee *exitError
	if errors.As(err, &ee) && ee.Hint != "" {
		msg += " (hint: " + ee.Hint + ")"
	}
	if format == "json" {
		_ = writeJSON(f.IO.Out, map[string]any{"type": "error", "time": time.Now().UTC(), "error": msg})
		return
	}
	// the round's own error may name the command already ("connections: 1
	// of 2 decisions failed"): the prefix is said once
	msg = strings.TrimPrefix(msg, "connections: ")
	fmt.Fprintf(f.IO.ErrOut, "plink: connections: %s\n", strings.ReplaceAll(msg, "\n", "\n  "))
}

// decision is one line of the connections log.
type decision struct {
	Type         string      `json:"type"` // "decision"
	Time         time.Time   `json:"time"`
	Action       plan.Action `json:"action"`
	Endpoint     string      `json:"endpoint"`
	Account      string      `json:"account"`
	AccountAlias string      `json:"accountAlias,omitempty"`
	Service      string      `json:"service"`
	ServiceID    string      `json:"serviceId"`
	Rule         string      `json:"rule"`
	Reason       string      `json:"reason"`
	// Status is done, failed, kept (a reject that a fresh read showed to
	// be of this project's endpoint) or skipped (a reject on a plan with
	// errors, or not attempted).
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// connectionsRound reads live state, plans, and carries out the rules'
// accepts and rejects, logging each decision.
// With noRejects (the manifest's newest edit does not load) it rejects
// nothing, as when the plan has errors.
// Connections no rule decides are said too (leftSaid, when not nil,
// remembers which were, across the rounds of a loop). A round that is not
// one of a --watch loop (watching) ends with its summary.
func connectionsRound(ctx context.Context, f *Factory, run connectionsRun, m *manifest.Manifest, sess *awsSession, watching, noRejects bool, leftSaid map[string]bool) error {
	format := run.format
	d, err := sess.DecideConnections(ctx, m, noRejects)
	if err != nil {
		return err
	}
	sayShardWaits(f, sess, d.Planned.Waiting)
	full := d.Planned.Plan
	sayLeftPending(f, format, full, leftSaid)
	p, skipped := d.Run, d.Skipped
	skipWhy := "the plan has errors (listed above); plink never rejects on a view it cannot trust"
	if noRejects {
		skipWhy = "the manifest's newest edit does not load; plink rejects nothing until it does"
	}
	if len(skipped) > 0 && !noRejects {
		verb := "is"
		if len(skipped) > 1 {
			verb = "are"
		}
		logRoundError(f, format, fmt.Errorf("the plan has errors, so %s %s skipped:\n%s", plural(len(skipped), "reject"), verb, strings.Join(reconcile.ErrorDiagnostics(full), "\n")))
	}
	var results []apply.ChangeResult
	var runErr error
	if p.HasChanges() {
		results, runErr = runDecisions(ctx, sess, d, run.apply)
	}
	byAddr := map[string]apply.ChangeResult{}
	for _, r := range results {
		byAddr[r.Address] = r
	}
	failed, n := 0, 0
	for _, c := range append(append([]plan.Change(nil), p.Changes...), skipped...) {
		if c.Action == plan.NoOp {
			continue
		}
		n++
		d := newDecision(m, c)
		if r, ok := byAddr[c.Address]; ok {
			switch {
			case r.Status == apply.StatusKept:
				d.Status = "kept"
			case r.Status == apply.StatusDone:
				d.Status = "done"
			case r.Status == apply.StatusFailed:
				d.Status, failed = "failed", failed+1
			default:
				d.Status, failed = "skipped", failed+1
			}
			if r.Error != nil {
				d.Error = r.Error.Error()
			} else if d.Status == "skipped" {
				d.Error = r.Reason
			}
		} else {
			d.Status, d.Error = "skipped", skipWhy
		}
		logDecision(f, format, d)
	}
	if !watching {
		// A single round ends with its outcome, so that a JSON reader can
		// tell "nothing to decide" from a round that never got to decide.
		switch {
		case format == "json":
			if err := writeJSON(f.IO.Out, map[string]any{"type": "summary", "decisions": n, "failed": failed, "skipped": len(skipped)}); err != nil {
				return err
			}
		case n == 0:
			fmt.Fprintln(f.IO.Out, "No connections to accept or reject.")
		}
	}
	if runErr != nil && ctx.Err() == nil && !errors.Is(runErr, apply.ErrFailed) {
		return runErr
	}
	if failed > 0 || len(skipped) > 0 {
		// each decision's line says what failed and why; the round's error
		// says what to do about it (in --watch, logged, exit status unchanged)
		return withHint(fmt.Errorf("connections: %d of %s failed or %s skipped", failed+len(skipped), plural(n, "decision"), agree(failed+len(skipped), "was", "were")),
			"fix the cause named above (a refused call: plink iam-policy --for connections --check) and run 'plink connections' again; it decides from live state")
	}
	return nil
}

// sayLeftPending logs the pending connections the rules leave waiting:
// undeclared ones while rejectUndeclared is false (PL030), declared ones
// while acceptDeclared is false (PL031). Nothing decides them, and a
// connection that waits with nobody told is an onboarding that stalls.
func sayLeftPending(f *Factory, format string, p *plan.Plan, said map[string]bool) {
	for _, d := range p.Diagnostics {
		if d.Code != plan.CodeUndeclaredPending && d.Code != plan.CodeDeclaredWaits {
			continue
		}
		if said != nil {
			if said[d.Message] {
				continue
			}
			said[d.Message] = true
		}
		if format == "json" {
			_ = writeJSON(f.IO.Out, map[string]any{"type": "left_pending", "time": time.Now().UTC(), "code": d.Code, "address": d.Address, "message": d.Message, "hint": d.Hint})
			continue
		}
		fmt.Fprintf(f.IO.Out, "%s left pending (%s): %s (hint: %s)\n", time.Now().UTC().Format(time.RFC3339), d.Code, d.Message, d.Hint)
	}
}

// runDecisions has the engine carry out the round's decisions. A signal
// starts nothing new, while calls in flight finish (bounded), so the log
// says exactly what was done.
func runDecisions(ctx context.Context, sess *awsSession, d *reconcile.Decisions, opts apply.Options) ([]apply.ChangeResult, error) {
	stateOf(ctx).setActivity("accepting and rejecting %s", plural(len(reconcile.Remaining(d.Run, nil)), "connection"))
	return sess.RunConnections(ctx, d, sess.ApplyOptions(opts), reconcile.Stopping{InFlight: stateOf(ctx).inflightBound()})
}

func newDecision(m *manifest.Manifest, c plan.Change) decision {
	d := decision{Type: "decision", Time: time.Now().UTC(), Action: c.Action, Endpoint: c.ID,
		Service: c.Parent, ServiceID: c.ParentID, Rule: plan.ConnectionRule(c), Reason: c.Reason}
	if c.Before != nil {
		d.Account = c.Before.EndpointOwner
	}
	for alias, a := range m.Accounts {
		if a != nil && a.ID == d.Account {
			d.AccountAlias = alias
		}
	}
	return d
}

func logDecision(f *Factory, format string, d decision) {
	if format == "json" {
		_ = writeJSON(f.IO.Out, d)
		return
	}
	acct := d.Account
	if d.AccountAlias != "" {
		acct = fmt.Sprintf("%s (%s)", d.AccountAlias, d.Account)
	}
	line := fmt.Sprintf("%s %s %s of account %s at %s (%s): %s: %s", d.Time.Format(time.RFC3339), d.Action, d.Endpoint, acct, d.Service, d.ServiceID, d.Rule, d.Status)
	if d.Error != "" {
		line += " - " + d.Error
	}
	fmt.Fprintln(f.IO.Out, line)
}
