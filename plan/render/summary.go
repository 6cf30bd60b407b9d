package render

import (
	"bytes"
	"fmt"

	"github.com/plinkdev/plink/plan"
)

// Lines that the text and Markdown views share, so that both say the same.

// costLine is the cost estimate sentence, or "" when the plan has no
// changes or the estimate does not move.
func costLine(p *plan.Plan) string {
	c := p.Cost
	if c == nil || !p.HasChanges() || (c.EndpointAZsDelta == 0 && c.MonthlyDelta == 0) {
		return ""
	}
	sign := "+"
	amount := c.MonthlyDelta
	if amount < 0 {
		sign, amount = "-", -amount
	}
	return fmt.Sprintf("Cost estimate: %s$%.2f/month (%+d endpoint-AZs; %s).", sign, amount, c.EndpointAZsDelta, c.Note)
}

// summaryLine is the plan's last word: the counts, or why there are none.
func summaryLine(p *plan.Plan) string {
	s := p.Summary()
	switch {
	case p.HasChanges():
		line := fmt.Sprintf("Plan: %d to add, %d to change, %d to destroy, %d to accept, %d to reject", s.Add, s.Change, s.Destroy, s.Accept, s.Reject)
		if s.Adopt > 0 {
			line += fmt.Sprintf(", %d to adopt", s.Adopt)
		}
		return line + "."
	case p.HasErrors():
		return "No changes planned, but the plan has errors."
	case len(plan.Unsettled(p, nil)) > 0:
		// a setting waits for something outside plink: not "matches"
		return "No changes now, but live state does not match the manifest yet: a setting waits (see PL111 above)."
	default:
		return "No changes. Live state matches the manifest."
	}
}

// errorsLine says that a plan with errors cannot be applied, or is "".
func errorsLine(p *plan.Plan) string {
	n := countErrors(p.Diagnostics)
	switch n {
	case 0:
		return ""
	case 1:
		return "The plan has 1 error and cannot be applied."
	}
	return fmt.Sprintf("The plan has %d errors and cannot be applied.", n)
}

// roundTrip returns p as decoded from its JSON document: the views draw
// from this value, so they can only show what the JSON holds.
func roundTrip(p *plan.Plan) (*plan.Plan, error) {
	var buf bytes.Buffer
	if err := JSON(&buf, p); err != nil {
		return nil, err
	}
	dp, err := Decode(&buf)
	if err != nil {
		return nil, fmt.Errorf("render: %v", err)
	}
	return dp, nil
}
