package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Verdicts: how a run that changes AWS (apply, destroy) ended. The
// sentence printed, the JSON line and the exit code all come from one
// verdict value (runVerdict.emit), so that they cannot disagree.
const (
	// verdictConverged: nothing is left to do; live state matches the
	// manifest (or, for destroy, nothing the manifest owns is left).
	verdictConverged = "converged"
	// verdictNotConverged: nothing more this run can do, but something
	// still waits: a pending resource, a deferred setting, another shard.
	verdictNotConverged = "not_converged"
	// verdictTargets: the targeted resources converged; others remain.
	verdictTargets = "targets_converged"
	// verdictFailed: the run failed (a plan with errors, a refused or
	// failed call, a confirming read that still differs): exit 1.
	verdictFailed = "failed"
	// verdictInterrupted: a signal, --timeout or the lost lease cut the
	// run short: exit 1.
	verdictInterrupted = "interrupted"
)

// runVerdict is how an apply or destroy ended. A run that failed ends
// with verdictFailed or verdictInterrupted (exit 1), whose sentence is the
// error report prints; with --output json the verdict line is written too,
// so every JSON run ends with one (withVerdict).
type runVerdict struct {
	Verdict   string   `json:"verdict"`
	Message   string   `json:"message"`
	Unsettled []string `json:"unsettled,omitempty"`
	// Details are the lines a failure lists under its message (what the
	// confirming read still found to change, the calls that failed).
	Details []string `json:"details,omitempty"`
	// Remaining counts the changes left outside --target.
	Remaining int `json:"remaining,omitempty"`
	ExitCode  int `json:"exitCode"`
}

// newVerdict decides the verdict from what is still unsettled and what
// remains outside the targets; the exit code follows --detailed-exitcode.
// applied says the run carried out changes (its sentence says so).
func newVerdict(run applyRun, unsettled []string, remainingOutsideTargets int, applied bool) runVerdict {
	v := runVerdict{Verdict: verdictConverged, Message: convergedMessage(run.runScope), Unsettled: unsettled}
	switch {
	case len(unsettled) > 0:
		v.Verdict, v.Message = verdictNotConverged, "Live state has not converged yet:"
		if applied {
			v.Message = "Apply finished, but live state has not converged yet:"
		}
		if run.detailedExitcode {
			v.ExitCode = ExitChanges
		}
	case remainingOutsideTargets > 0:
		v.Verdict, v.Remaining = verdictTargets, remainingOutsideTargets
		done := "The targeted resources match the manifest"
		if run.destroy != nil {
			done = "The targeted resources are destroyed"
		}
		v.Message = fmt.Sprintf("%s; %s outside the targets %s (run plink plan).", done, plural(remainingOutsideTargets, "change"), agree(remainingOutsideTargets, "remains", "remain"))
	}
	return v
}

// emit prints the verdict (one JSON line, or the sentence with what is
// unsettled) and returns the command's exit as an error, nil for 0.
func (v runVerdict) emit(f *Factory, format string) error {
	if o, ok := f.IO.Out.(*verdictOut); ok && o.ctx != nil && stopCause(o.ctx) != nil && v.ExitCode == ExitChanges {
		// A stopped run exits 1 whatever it found (report): its verdict
		// says so, not "not converged, exit 2" (stopped while waiting).
		v.Verdict, v.ExitCode = verdictInterrupted, ExitError
	}
	if err := writeVerdict(f.IO.Out, v, format); err != nil {
		return err
	}
	if err := v.exit(); err != nil {
		return emitted{err}
	}
	return nil
}

// exit is the verdict's exit code as the command's error (nil for 0).
func (v runVerdict) exit() error {
	if v.ExitCode != ExitOK {
		return silentExit(v.ExitCode)
	}
	return nil
}

// emitted marks a command's exit as decided by a verdict already written.
type emitted struct{ error }

func (e emitted) Unwrap() error { return e.error }

// writeVerdict writes v to w, through the run's verdictOut when w is
// one (it records the code, or writes nothing once a forced exit ended
// the output).
func writeVerdict(w io.Writer, v runVerdict, format string) error {
	if o, ok := w.(*verdictOut); ok {
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.ended {
			return nil
		}
		o.said, o.code, w = true, v.ExitCode, o.w
	}
	if format == "json" {
		return writeJSON(w, map[string]any{"type": "verdict", "verdict": v})
	}
	msg := v.Message
	if len(v.Unsettled) > 0 {
		msg += "\n  " + strings.Join(v.Unsettled, "\n  ")
	}
	_, err := fmt.Fprintln(w, msg)
	return err
}

// verdictOut is an apply's or destroy's stdout. A second signal that
// forces the exit ends it (end): the last line written is then a verdict
// whose code is the one the process exits with, the verdict already
// written or, in JSON, an interrupted one written for the forced exit.
type verdictOut struct {
	mu sync.Mutex
	w  io.Writer
	// ctx is the run's: once stopped, its verdict is interrupted (emit).
	ctx context.Context
	// said: a verdict was written, with code.
	said bool
	code int
	// ended: the process is exiting; what the command writes is dropped.
	ended bool
}

func (o *verdictOut) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ended {
		return len(p), nil
	}
	return o.w.Write(p)
}

// end ends the output for an exit forced with code and returns the code
// to exit with: the verdict's when one was written, else code, after an
// interrupted verdict line in JSON (which always ends with a verdict).
func (o *verdictOut) end(run applyRun, code int, why string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ended {
		return code
	}
	o.ended = true
	if o.said {
		return o.code
	}
	if run.format == "json" {
		v := runVerdict{Verdict: verdictInterrupted, Message: commandTitle(run.runScope) + " interrupted (" + why + "): exited at once; live state may be partly changed", ExitCode: code}
		_ = writeJSON(o.w, map[string]any{"type": "verdict", "verdict": v})
	}
	return code
}

// withVerdict runs an apply or destroy and makes sure its JSON output ends
// with a verdict line: a run that failed before or while changing AWS
// (nothing written by emit) gets verdictFailed, or verdictInterrupted when
// ctx was cut short, with the error's first line as its message. The text
// output is unchanged: report prints the error. do runs with f writing to
// a verdictOut, so that an exit forced by a second signal ends the output
// with a verdict of the code it exits with.
func withVerdict(ctx context.Context, f *Factory, run applyRun, do func(f *Factory) error) error {
	o := &verdictOut{w: f.IO.Out, ctx: ctx}
	ios := *f.IO
	ios.Out = o
	fv := *f
	fv.IO = &ios
	st := stateOf(ctx)
	st.setStopNote("no new work is started, reads stop now, %s's calls in flight get up to %s to finish", commandName(run.runScope), st.inflightBound())
	st.onForce(func(code int) int { return o.end(run, code, "a second signal") })
	err := do(&fv)
	var done emitted
	if err == nil || errors.As(err, &done) || run.format != "json" {
		return err
	}
	v := runVerdict{Verdict: verdictFailed, ExitCode: ExitError}
	if c := stopCause(ctx); c != nil {
		v.Verdict, v.Message = verdictInterrupted, commandTitle(run.runScope)+" interrupted ("+strings.TrimPrefix(c.Error(), "interrupted by ")+")"
	} else if ctx.Err() != nil {
		v.Verdict, v.Message = verdictInterrupted, context.Cause(ctx).Error()
	}
	var ee *exitError
	if v.Message == "" && errors.As(err, &ee) && ee.Err == nil {
		// said already (the manifest's diagnostics, the plan's errors)
		v.Message = commandTitle(run.runScope) + " failed: see the diagnostics above"
	} else if v.Message == "" {
		v.Message, v.Details = errorLines(err)
	}
	if werr := writeVerdict(o, v, "json"); werr != nil {
		return werr
	}
	return err
}

// errorLines is an error's first line, for a failed verdict's message,
// and the lines listed under it, trimmed, for its details.
func errorLines(err error) (string, []string) {
	first, rest, _ := strings.Cut(err.Error(), "\n")
	var details []string
	for _, l := range strings.Split(rest, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			details = append(details, l)
		}
	}
	return first, details
}
