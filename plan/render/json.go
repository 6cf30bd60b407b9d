// Package render draws a plan.Plan for people and programs: JSON writes
// the versioned document described by schemas/plan.schema.json, Text the
// Terraform-like human view, Markdown a pull-request comment. Text and
// Markdown are drawn from the plan after a round trip through its JSON
// encoding, so no view can disagree with the JSON.
//
// The package only renders: it must not compute or change a plan, call
// AWS, or decide exit codes. It writes to the io.Writer it is given and
// uses colour only when asked to.
package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/plinkdev/plink/plan"
)

// document is the JSON plan: the Plan's own fields plus a summary for
// readers that do not want to count.
type document struct {
	*plan.Plan
	Summary plan.Summary `json:"summary"`
}

// JSON writes p as the versioned JSON document (schemas/plan.schema.json),
// indented, with a final newline.
func JSON(w io.Writer, p *plan.Plan) error {
	if p == nil {
		return fmt.Errorf("render: no plan to write")
	}
	doc := document{Plan: p, Summary: p.Summary()}
	if doc.FormatVersion == "" {
		cp := *p
		cp.FormatVersion = plan.FormatVersion
		doc.Plan = &cp
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("render: writing plan JSON: %w", err)
	}
	return nil
}

// Decode reads a JSON plan document written by JSON. It accepts any 1.x
// format version (minor versions only add fields) and refuses others.
func Decode(r io.Reader) (*plan.Plan, error) {
	var doc document
	doc.Plan = &plan.Plan{}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("reading plan JSON: %w", err)
	}
	major := func(v string) string { return strings.SplitN(v, ".", 2)[0] }
	if doc.FormatVersion == "" {
		return nil, fmt.Errorf("reading plan JSON: formatVersion is missing; is this a plink plan?")
	}
	if major(doc.FormatVersion) != major(plan.FormatVersion) {
		v := doc.FormatVersion
		if len(v) > 40 {
			v = v[:40] + "…" // the file is untrusted: never echo it whole
		}
		return nil, fmt.Errorf("reading plan JSON: formatVersion %q is not supported; this plink reads %s.x", v, major(plan.FormatVersion))
	}
	return doc.Plan, nil
}
