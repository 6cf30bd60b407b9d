package apply

import (
	"fmt"
	"io"
	"strings"

	"github.com/plinkdev/plink/plan"
)

// actionSymbol is the plan's symbol of each action, so that a summary's
// lines read as the plan's did (an accept is ">", never a check mark that
// reads as success in the "Failed" or "Not attempted" sections).
var actionSymbol = map[plan.Action]string{
	plan.Create: "+", plan.Update: "~", plan.Replace: "-/+", plan.Delete: "-",
	plan.Accept: ">", plan.Reject: "x", plan.Adopt: "~",
}

// WriteSummary renders r for people: one closing line when every change is
// done ("Apply complete: N added, N changed, N destroyed, N accepted, N
// rejected.", with ", N adopted" before the period when something was
// adopted), else a report of what was done, what failed (with the AWS
// error and a hint) and what was not attempted (and why). It writes no
// colour; the caller decides about that.
func WriteSummary(w io.Writer, r *Result) error { return WriteSummaryOf(w, r, "Apply") }

// WriteSummaryOf is WriteSummary for the command named by verb ("Apply",
// "Destroy"), which starts each closing line.
func WriteSummaryOf(w io.Writer, r *Result, verb string) error {
	var b strings.Builder
	s := r.Summary()
	counts := fmt.Sprintf("%d added, %d changed, %d destroyed, %d accepted, %d rejected", s.Added, s.Changed, s.Destroyed, s.Accepted, s.Rejected)
	if s.Adopted > 0 {
		// Appended, so that scripts matching the line without it still match.
		counts += fmt.Sprintf(", %d adopted", s.Adopted)
	}
	if r.OK() && r.Interrupted == "" {
		fmt.Fprintf(&b, "%s complete: %s.\n", verb, counts)
		if s.Excluded > 0 {
			n, verb := excluded(s.Excluded)
			fmt.Fprintf(&b, "%s outside the targets %s not applied; run plink plan to see them.\n", n, verb)
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	if r.Interrupted != "" {
		fmt.Fprintf(&b, "%s interrupted (%s): %d failed, %d not attempted, %d done (%s).\n", verb, r.Interrupted, s.Failed, s.NotAttempted, s.Done, counts)
	} else {
		fmt.Fprintf(&b, "%s failed: %d failed, %d not attempted, %d done (%s).\n", verb, s.Failed, s.NotAttempted, s.Done, counts)
	}
	section := func(title string, st Status, line func(ChangeResult)) {
		first := true
		for _, c := range r.Changes {
			if c.Status != st && (st != StatusDone || c.Status != StatusKept) { // a kept reject is done
				continue
			}
			if first {
				fmt.Fprintf(&b, "\n%s:\n", title)
				first = false
			}
			line(c)
		}
	}
	head := func(c ChangeResult) string {
		sym := actionSymbol[c.Action]
		if sym == "" {
			sym = " "
		}
		return fmt.Sprintf("  %s %s (%s %s, %s)", sym, c.Address, c.Account, c.AccountID, c.Region)
	}
	section("Done", StatusDone, func(c ChangeResult) {
		fmt.Fprintf(&b, "%s", head(c))
		if c.Message != "" {
			fmt.Fprintf(&b, ": %s", c.Message)
		}
		b.WriteString("\n")
		if c.Awaiting != "" {
			fmt.Fprintf(&b, "      left waiting: %s\n", c.Awaiting)
		}
	})
	section("Failed", StatusFailed, func(c ChangeResult) {
		fmt.Fprintf(&b, "%s\n", head(c))
		if c.Message != "" {
			fmt.Fprintf(&b, "      done before the failure: %s\n", c.Message)
		}
		if c.Error != nil {
			fmt.Fprintf(&b, "      error: %s\n", c.Error.Error())
			if c.Error.Hint != "" {
				fmt.Fprintf(&b, "      hint: %s\n", c.Error.Hint)
			}
		}
	})
	section("Not attempted", StatusNotAttempted, func(c ChangeResult) {
		fmt.Fprintf(&b, "%s: %s\n", head(c), c.Reason)
		if c.Message != "" {
			fmt.Fprintf(&b, "      done: %s\n", c.Message)
		}
	})
	if s.Excluded > 0 {
		n, verb := excluded(s.Excluded)
		fmt.Fprintf(&b, "\n%s outside the targets %s not applied.\n", n, verb)
	}
	b.WriteString("\nNothing is rolled back. Run plink plan again: it plans from live state, and apply finishes the job.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// excluded is ("1 change", "was") or ("N changes", "were"), for the
// changes a targeted run left.
func excluded(n int) (string, string) {
	if n == 1 {
		return "1 change", "was"
	}
	return fmt.Sprintf("%d changes", n), "were"
}
