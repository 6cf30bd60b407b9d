package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDriftJSONVerdict: drift -o json gives the verdict and exit code its
// run exits with, and the summary line it prints, before apply (drift, 2),
// after it (no_drift, 0) and with an account it cannot read (incomplete,
// 1): the sentence, the JSON and the exit code are one value.
func TestDriftJSONVerdict(t *testing.T) {
	dir := t.TempDir()
	sb := []string{"--sandbox", "--sandbox-dir", filepath.Join(dir, "sb"), "--no-color"}
	unreadable := filepath.Join(dir, "unreadable.yaml")
	if err := os.WriteFile(unreadable, []byte(unreadableManifest), 0o600); err != nil {
		t.Fatal(err)
	}
	check := func(name, mf string, wantVerdict string, wantExit int) {
		t.Helper()
		code, stdout, stderr := runPlink(t, "", false, append([]string{"drift", "-o", "json", "-f", mf}, sb...)...)
		var doc struct {
			Verdict  *string `json:"verdict"`
			ExitCode *int    `json:"exitCode"`
			Summary  string  `json:"summary"`
		}
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, stdout)
		}
		if doc.Verdict == nil || doc.ExitCode == nil {
			t.Fatalf("%s: no verdict or exitCode in the JSON:\n%s", name, stdout)
		}
		if code != wantExit || *doc.ExitCode != code || *doc.Verdict != wantVerdict {
			t.Errorf("%s: exit %d, JSON verdict %q exitCode %d; want %q and %d\nstderr: %s", name, code, *doc.Verdict, *doc.ExitCode, wantVerdict, wantExit, stderr)
		}
		if doc.Summary == "" || !strings.Contains(stderr, doc.Summary+"\n") {
			t.Errorf("%s: JSON summary %q is not the line printed:\n%s", name, doc.Summary, stderr)
		}
	}
	check("before apply", quickstart, "drift", ExitChanges)
	if code, _, stderr := runPlink(t, "", false, append([]string{"apply", "--auto-approve", "-f", quickstart}, sb...)...); code != ExitOK {
		t.Fatalf("apply: exit %d\n%s", code, stderr)
	}
	check("after apply", quickstart, "no_drift", ExitOK)
	check("unreadable account", unreadable, "incomplete", ExitError)
}
