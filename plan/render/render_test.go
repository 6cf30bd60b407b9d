package render_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/internal/scenario"
	"github.com/plinkdev/plink/plan/render"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const schemaPath = "../../schemas/plan.schema.json"

func compute(sc scenario.Scenario) *plan.Plan {
	return plan.Compute(sc.Manifest, sc.Snapshot, plan.Options{PlinkVersion: "v0.0.0-test"})
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./plan/render -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update if the change is intended)\n--- got:\n%s", path, got)
	}
}

func loadSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	s, err := c.Compile(schemaPath)
	if err != nil {
		t.Fatalf("compiling %s: %v", schemaPath, err)
	}
	return s
}

func TestGolden(t *testing.T) {
	schema := loadSchema(t)
	for _, sc := range scenario.All() {
		t.Run(sc.Name, func(t *testing.T) {
			p := compute(sc)
			var js, text, color, verbose bytes.Buffer
			if err := render.JSON(&js, p); err != nil {
				t.Fatal(err)
			}
			golden(t, sc.Name+".json.golden", js.Bytes())
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(inst); err != nil {
				t.Errorf("plan JSON does not match %s: %v", schemaPath, err)
			}
			if err := render.Text(&text, p, render.TextOptions{}); err != nil {
				t.Fatal(err)
			}
			golden(t, sc.Name+".txt.golden", text.Bytes())
			if strings.Contains(text.String(), "\x1b[") {
				t.Error("text without Color contains ANSI escapes")
			}
			if err := render.Text(&color, p, render.TextOptions{Color: true}); err != nil {
				t.Fatal(err)
			}
			golden(t, sc.Name+".color.golden", color.Bytes())
			if p.HasChanges() && !strings.Contains(color.String(), "\x1b[") {
				t.Error("text with Color has no ANSI escapes")
			}
			if err := render.Text(&verbose, p, render.TextOptions{Verbose: true}); err != nil {
				t.Fatal(err)
			}
			golden(t, sc.Name+".verbose.golden", verbose.Bytes())
		})
	}
}

// TestTextFromJSON proves the text view is drawn from the JSON data: the
// plan decoded from its JSON renders exactly as the original.
func TestTextFromJSON(t *testing.T) {
	for _, sc := range scenario.All() {
		p := compute(sc)
		var js bytes.Buffer
		if err := render.JSON(&js, p); err != nil {
			t.Fatal(err)
		}
		decoded, err := render.Decode(bytes.NewReader(js.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		for _, opts := range []render.TextOptions{{}, {Color: true}, {Verbose: true}} {
			var a, b bytes.Buffer
			if err := render.Text(&a, p, opts); err != nil {
				t.Fatal(err)
			}
			if err := render.Text(&b, decoded, opts); err != nil {
				t.Fatal(err)
			}
			if a.String() != b.String() {
				t.Errorf("%s %+v: Text(p) != Text(decode(JSON(p)))", sc.Name, opts)
			}
		}
		var js2 bytes.Buffer
		if err := render.JSON(&js2, decoded); err != nil {
			t.Fatal(err)
		}
		if js.String() != js2.String() {
			t.Errorf("%s: JSON(decode(JSON(p))) != JSON(p)", sc.Name)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"not json", "{", "reading plan JSON: unexpected EOF"},
		{"no version", `{"project":"x","changes":[]}`, "formatVersion is missing"},
		{"future major", `{"formatVersion":"2.0","project":"x","changes":[]}`, `formatVersion "2.0" is not supported; this plink reads 1.x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := render.Decode(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Decode error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := render.Decode(strings.NewReader(`{"formatVersion":"1.7","project":"x","changes":[]}`)); err != nil {
		t.Errorf("a newer minor version must be readable: %v", err)
	}
}

func TestJSONNilPlan(t *testing.T) {
	var b bytes.Buffer
	if err := render.JSON(&b, nil); err == nil {
		t.Fatal("JSON(nil) must fail")
	}
	if err := render.Text(&b, nil, render.TextOptions{}); err == nil {
		t.Fatal("Text(nil) must fail")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestWriteErrors(t *testing.T) {
	p := compute(scenario.All()[0])
	if err := render.JSON(failWriter{}, p); err == nil {
		t.Error("JSON to a failing writer must fail")
	}
	if err := render.Text(failWriter{}, p, render.TextOptions{}); err == nil {
		t.Error("Text to a failing writer must fail")
	}
}

func TestJSONDocument(t *testing.T) {
	p := compute(scenario.All()[0])
	var b bytes.Buffer
	if err := render.JSON(&b, p); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["formatVersion"] != plan.FormatVersion {
		t.Errorf("formatVersion = %v", doc["formatVersion"])
	}
	sum, _ := doc["summary"].(map[string]any)
	if sum["add"] != float64(p.Summary().Add) {
		t.Errorf("summary.add = %v, want %d", sum["add"], p.Summary().Add)
	}
	// an unversioned plan value is written with the current version
	p.FormatVersion = ""
	b.Reset()
	if err := render.JSON(&b, p); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"formatVersion": "`+plan.FormatVersion+`"`) {
		t.Error("JSON must fill in formatVersion")
	}
}

// TestSchemaCoversTypes keeps schemas/plan.schema.json and the Go types in
// agreement: every JSON field of the plan types is documented in the schema
// and the schema documents no field the types lack.
func TestSchemaCoversTypes(t *testing.T) {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties map[string]any `json:"properties"`
		Defs       map[string]struct {
			Properties map[string]any `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	check := func(where string, props map[string]any, typ reflect.Type, extra ...string) {
		fields := map[string]bool{}
		for _, e := range extra {
			fields[e] = true
		}
		for i := 0; i < typ.NumField(); i++ {
			name := strings.Split(typ.Field(i).Tag.Get("json"), ",")[0]
			if name == "" || name == "-" {
				continue
			}
			fields[name] = true
			if _, ok := props[name]; !ok {
				t.Errorf("%s: field %s.%s (%q) is not in the schema", where, typ.Name(), typ.Field(i).Name, name)
			}
		}
		for name := range props {
			if !fields[name] {
				t.Errorf("%s: schema property %q has no Go field in %s", where, name, typ.Name())
			}
		}
	}
	check("plan", schema.Properties, reflect.TypeOf(plan.Plan{}), "summary")
	check("change", schema.Defs["change"].Properties, reflect.TypeOf(plan.Change{}))
	check("values", schema.Defs["values"].Properties, reflect.TypeOf(plan.Values{}))
	check("diagnostic", schema.Defs["diagnostic"].Properties, reflect.TypeOf(plan.Diagnostic{}))
	check("cost", schema.Defs["cost"].Properties, reflect.TypeOf(plan.Cost{}))
	check("summary", schema.Defs["summary"].Properties, reflect.TypeOf(plan.Summary{}))
}

// TestSchemaRejects shows the schema is strict enough to catch drift.
func TestSchemaRejects(t *testing.T) {
	schema := loadSchema(t)
	bad := []string{
		`{"formatVersion":"1.0","project":"x","changes":[],"summary":{"add":0,"change":0,"destroy":0,"accept":0,"reject":0,"adopt":0},"surprise":1}`,
		`{"formatVersion":"2.0","project":"x","changes":[],"summary":{"add":0,"change":0,"destroy":0,"accept":0,"reject":0,"adopt":0}}`,
		`{"formatVersion":"1.0","project":"x","changes":[{"address":"a","kind":"endpoint","action":"explode","account":"a","accountId":"1","region":"r"}],"summary":{"add":0,"change":0,"destroy":0,"accept":0,"reject":0,"adopt":0}}`,
	}
	for _, b := range bad {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if schema.Validate(inst) == nil {
			t.Errorf("schema accepted %s", b)
		}
	}
}

// A --target view with nothing to do says so of the targets; the same plan
// without the option speaks of the whole of live state.
func TestTargetedNoChangesLine(t *testing.T) {
	p := plan.Compute(scenario.Manifest(), scenario.Converged(), plan.Options{})
	if p.HasChanges() {
		t.Fatalf("the converged scenario plans changes")
	}
	for _, tt := range []struct {
		targeted bool
		want     string
	}{{true, "No changes for the targets.\n"}, {false, "No changes. Live state matches the manifest.\n"}} {
		var b bytes.Buffer
		if err := render.Text(&b, p, render.TextOptions{Targeted: tt.targeted}); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(b.String(), tt.want) {
			t.Errorf("targeted %v: text ends %q, want %q", tt.targeted, b.String()[max(0, b.Len()-80):], tt.want)
		}
	}
}
