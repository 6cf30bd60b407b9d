package render_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/internal/scenario"
	"github.com/plinkdev/plink/plan/render"
)

// TestInfoDiagnostic: a note (severity info, such as PL117's "could not
// check") is valid plan JSON, survives the JSON round trip, and is drawn
// as a Note in text (cyan on a terminal) and markdown.
func TestInfoDiagnostic(t *testing.T) {
	p := compute(scenario.All()[1]) // no changes
	p.Diagnostics = append(p.Diagnostics,
		plan.Diagnostic{Severity: plan.SeverityInfo, Code: plan.CodeTopicClosed, Address: "provider.payments-api.notification[0]", Account: "payments",
			Region: "us-east-1", Message: "could not check", Hint: "run plan again"},
		plan.Diagnostic{Severity: plan.SeverityWarning, Code: plan.CodeTopicClosed, Message: "would never receive"})
	var js bytes.Buffer
	if err := render.JSON(&js, p); err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := loadSchema(t).Validate(inst); err != nil {
		t.Errorf("a plan with a note does not match %s: %v", schemaPath, err)
	}
	decoded, err := render.Decode(bytes.NewReader(js.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var text, color, md bytes.Buffer
	if err := render.Text(&text, decoded, render.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "  Note PL117 (payments us-east-1): could not check\n    hint: run plan again\n"
	if !strings.Contains(text.String(), want) {
		t.Errorf("text lacks %q:\n%s", want, text.String())
	}
	if err := render.Text(&color, decoded, render.TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(color.String(), "\x1b[36m\x1b[1mNote\x1b[0m PL117") {
		t.Errorf("color text has no cyan Note:\n%q", color.String())
	}
	if err := render.Markdown(&md, decoded); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "- ℹ **Note** `PL117` (payments us-east-1): could not check") {
		t.Errorf("markdown has no note:\n%s", md.String())
	}
}
