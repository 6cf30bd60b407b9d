package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plinkdev/plink/internal/bounded"
)

// TestReadPlanFileIsStrict: a saved plan is read as strictly as a manifest
// (issue 24.5): a key twice in one object (which encoding/json reads
// last-wins while other JSON tools show the first), a field plink does not
// write, nesting past the bounds and a file past the size cap are each
// refused by name, file, line and column — before the plan is decoded, and
// so before anything is planned or applied. The untouched file reads.
func TestReadPlanFileIsStrict(t *testing.T) {
	dir := t.TempDir()
	saved := filepath.Join(dir, "plan.json")
	if code, _, stderr := runPlink(t, "", false, "plan", "-f", quickstart, "-out", saved, "--sandbox", "--sandbox-dir", dir); code != ExitOK {
		t.Fatalf("plan -out: exit %d\n%s", code, stderr)
	}
	raw, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	orig := string(raw)
	if _, _, err := readPlanFile(saved); err != nil {
		t.Fatalf("the untouched plan: %v", err)
	}
	// at is the line and column of the n-th (0-based) occurrence of s in the
	// edited text.
	at := func(text, s string, n int) string {
		off := 0
		for range n + 1 {
			i := strings.Index(text[off:], s)
			if i < 0 {
				t.Fatalf("%q not in the plan", s)
			}
			off += i + 1
		}
		line, col := bounded.Position([]byte(text), off-1)
		return ":" + itoa(line) + ":" + itoa(col) + ": "
	}
	lastBrace := strings.LastIndex(orig, "}")
	planEnd := strings.LastIndex(orig[:lastBrace], "}") // the plan is the last field
	for _, tc := range []struct {
		name string
		text string
		want func(text string) []string
	}{
		{"duplicate action", strings.Replace(orig, `"action": "create"`, `"action": "delete", "action": "create"`, 1),
			func(text string) []string {
				return []string{at(text, `"action"`, 1) + `duplicate key "action"; first defined at line`}
			}},
		{"two plans", orig[:lastBrace] + `, "plan": {"formatVersion": "1.0", "project": "other", "changes": []}}` + "\n",
			func(text string) []string {
				return []string{at(text, `"plan"`, 1) + `duplicate key "plan"; first defined at line`}
			}},
		{"unknown top-level field", strings.Replace(orig, `"format":`, `"padding": "xxxx", "format":`, 1),
			func(text string) []string {
				return []string{at(text, `"padding"`, 0) + `unknown field "padding" in the saved plan; valid fields are accounts, allowDisconnect, createdAt`}
			}},
		{"unknown field in a change", strings.Replace(orig, `"action": "create"`, `"action": "create", "runThis": "rm -rf /"`, 1),
			func(text string) []string {
				return []string{at(text, `"runThis"`, 0) + `unknown field "runThis" in plan.changes[0]; valid fields are `, "action"}
			}},
		{"unknown field after nested values", orig[:planEnd] + `, "trailing": 1` + orig[planEnd:],
			func(text string) []string {
				return []string{at(text, `"trailing"`, 0) + `unknown field "trailing" in plan; valid fields are `}
			}},
		{"a field in another case", strings.Replace(orig, `"action": "create"`, `"Action": "create"`, 1),
			func(text string) []string {
				return []string{at(text, `"Action"`, 0) + `unknown field "Action" in plan.changes[0]`}
			}},
		{"nesting past the bound", orig[:lastBrace] + `, "x": ` + strings.Repeat("[", 100) + "\n",
			func(text string) []string {
				return []string{":" + itoa(strings.Count(orig[:lastBrace], "\n")+1) + ":", "nesting deeper than 64 levels"}
			}},
		{"a long value", strings.Replace(orig, `"format":`, `"padding": "`+strings.Repeat("x", 2<<20)+`", "format":`, 1),
			func(text string) []string {
				return []string{at(text, `"xxxx`, 0) + "a value of 2,097,154 bytes; a valid value is at most 1 MiB"}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".json")
			if err := os.WriteFile(path, []byte(tc.text), 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := readPlanFile(path)
			if err == nil {
				t.Fatal("read")
			}
			msg := err.Error()
			for _, w := range tc.want(tc.text) {
				if !strings.Contains(msg, path+w) && !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			if !strings.HasPrefix(msg, path+":") {
				t.Errorf("error does not start with the file's position: %s", msg)
			}
			if len(msg) > 600 {
				t.Errorf("error of %d bytes", len(msg))
			}
			if hint := hintOf(err); !strings.Contains(hint, "plink plan -out FILE") {
				t.Errorf("hint %q", hint)
			}
		})
	}

	t.Run("apply refuses it", func(t *testing.T) {
		path := filepath.Join(dir, "apply-dup.json")
		if err := os.WriteFile(path, []byte(strings.Replace(orig, `"action": "create"`, `"action": "delete", "action": "create"`, 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runPlink(t, "", false, "apply", path, "--sandbox", "--sandbox-dir", dir)
		if code != ExitError || !strings.Contains(stderr, `duplicate key "action"`) || strings.Contains(stdout, "Apply complete") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
	})

	t.Run("size cap", func(t *testing.T) {
		saved := maxPlanFileBytes
		maxPlanFileBytes = int64(len(orig) - 1)
		defer func() { maxPlanFileBytes = saved }()
		_, _, err := readPlanFile(filepath.Join(dir, "plan.json"))
		if err == nil || !strings.Contains(err.Error(), "plan.json is larger than the") || !strings.Contains(hintOf(err), "plink plan -out FILE") {
			t.Fatalf("got %v (hint %q)", err, hintOf(err))
		}
	})
}

func itoa(n int) string { return bounded.Thousands(n) }

func hintOf(err error) string {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.Hint
	}
	return ""
}
