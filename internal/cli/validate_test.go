package cli

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plinkdev/plink/manifest"
)

// TestValidateEveryFixture runs `plink validate` on every fixture as a user
// would: valid ones exit 0, invalid ones exit 1 and print every error the
// loader finds, each as file:line:col: error CODE: message (the exact texts are
// held by the manifest package's fixture table).
func TestValidateEveryFixture(t *testing.T) {
	fixtures, err := filepath.Glob("../../testdata/manifests/*")
	if err != nil || len(fixtures) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, path := range fixtures {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runPlink(t, "", false, "validate", "-f", path)
			switch {
			case strings.HasPrefix(name, "valid-"):
				if code != ExitOK || !strings.Contains(stdout, "is valid") {
					t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
				}
			case strings.HasPrefix(name, "invalid-"):
				if code != ExitError {
					t.Fatalf("exit %d, want %d\nstderr: %s", code, ExitError, stderr)
				}
				_, lerr := manifest.Load(path)
				var diags manifest.Diagnostics
				if !errors.As(lerr, &diags) {
					t.Fatalf("Load: %v", lerr)
				}
				for _, d := range diags {
					if !strings.Contains(stderr, diagnosticLine(d)+"\n") {
						t.Errorf("stderr lacks %q", diagnosticLine(d))
					}
					if d.Line == 0 {
						t.Errorf("error without a position: %s", d.String())
					}
				}
			}
		})
	}
}
