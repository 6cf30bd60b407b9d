package cli

import (
	"fmt"
	"strings"
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
)

// runVerdict is the end of an apply or destroy that carried out (or had
// no) changes without failing: the failures end through report, exit 1.
type runVerdict struct {
	Verdict   string   `json:"verdict"`
	Message   string   `json:"message"`
	Unsettled []string `json:"unsettled,omitempty"`
	// Remaining counts the changes left outside --target.
	Remaining int `json:"remaining,omitempty"`
	ExitCode  int `json:"exitCode"`
}

// newVerdict decides the verdict from what is still unsettled and what
// remains outside the targets; the exit code follows --detailed-exitcode.
// applied says the run carried out changes (its sentence says so).
func newVerdict(f *Factory, unsettled []string, remainingOutsideTargets int, applied bool) runVerdict {
	v := runVerdict{Verdict: verdictConverged, Message: convergedMessage(f), Unsettled: unsettled}
	switch {
	case len(unsettled) > 0:
		v.Verdict, v.Message = verdictNotConverged, "Live state has not converged yet:"
		if applied {
			v.Message = "Apply finished, but live state has not converged yet:"
		}
		if f.Config.Bool("detailed-exitcode") {
			v.ExitCode = ExitChanges
		}
	case remainingOutsideTargets > 0:
		v.Verdict, v.Remaining = verdictTargets, remainingOutsideTargets
		v.Message = fmt.Sprintf("The targeted resources match the manifest; %s outside the targets remain (run plink plan).", plural(remainingOutsideTargets, "change"))
	}
	return v
}

// emit prints the verdict (one JSON line, or the sentence with what is
// unsettled) and returns the command's exit as an error, nil for 0.
func (v runVerdict) emit(f *Factory, format string) error {
	if format == "json" {
		if err := writeJSON(f.IO.Out, map[string]any{"type": "verdict", "verdict": v}); err != nil {
			return err
		}
	} else {
		msg := v.Message
		if len(v.Unsettled) > 0 {
			msg += "\n  " + strings.Join(v.Unsettled, "\n  ")
		}
		fmt.Fprintln(f.IO.Out, msg)
	}
	return v.exit()
}

// exit is the verdict's exit code as the command's error (nil for 0).
func (v runVerdict) exit() error {
	if v.ExitCode != ExitOK {
		return silentExit(v.ExitCode)
	}
	return nil
}
