package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

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
func summaryLine(p *plan.Plan, targeted bool) string {
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
	case len(p.Unsettled) > 0:
		// a resource on its way, a setting waiting for something outside
		// plink: not "matches"
		return "No changes now, but live state does not match the manifest yet: " + strings.Join(p.Unsettled, "; ") + "."
	case len(plan.Unsettled(p, nil)) > 0:
		return "No changes now, but live state does not match the manifest yet: a setting waits (see PL111 above)."
	case targeted:
		return "No changes for the targets."
	case p.Destroy:
		return "No changes. Nothing the manifest owns is left."
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
// from this value, so they can only show what the JSON holds. The document
// is taken apart: its frame (everything but the changes and diagnostics)
// goes through JSON and Decode whole, each change and diagnostic through
// its own encoding. The decoded value is the same as a whole document's,
// and a plan of tens of thousands of changes is never held as one JSON
// text (indented, then buffered again by the decoder) beside two plans.
func roundTrip(p *plan.Plan) (*plan.Plan, error) {
	dp, err := frameTrip(p)
	if err != nil {
		return nil, err
	}
	if p.Changes != nil {
		dp.Changes = make([]plan.Change, len(p.Changes))
	}
	for i := range p.Changes {
		if err := elementTrip(&p.Changes[i], &dp.Changes[i]); err != nil {
			return nil, err
		}
	}
	return dp, nil
}

// frameTrip is roundTrip of everything but the changes, which it leaves
// out: the text view decodes each one just before it draws it, so that a
// plan of 20,000 changes is not held twice.
func frameTrip(p *plan.Plan) (*plan.Plan, error) {
	if p == nil {
		return nil, fmt.Errorf("render: no plan to write")
	}
	frame := *p
	frame.Changes, frame.Diagnostics = nil, nil
	var buf bytes.Buffer
	if err := JSON(&buf, &frame); err != nil {
		return nil, err
	}
	dp, err := Decode(&buf)
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	if len(p.Diagnostics) > 0 { // omitempty: an empty list decodes as none
		dp.Diagnostics = make([]plan.Diagnostic, len(p.Diagnostics))
	}
	for i := range p.Diagnostics {
		if err := elementTrip(&p.Diagnostics[i], &dp.Diagnostics[i]); err != nil {
			return nil, err
		}
	}
	return dp, nil
}

// elementTrip encodes one element of the document as JSON does and decodes
// it into out.
func elementTrip[T any](in, out *T) error {
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("render: writing plan JSON: %w", err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("render: reading plan JSON: %w", err)
	}
	return nil
}
