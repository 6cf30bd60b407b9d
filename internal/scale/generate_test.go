package scale

import (
	"fmt"
	"strings"
	"testing"

	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/sandbox"
)

// parse loads a generated manifest and fails on load or lint errors.
func parse(t testing.TB, name string, y []byte) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse(name, y)
	if err != nil {
		t.Fatalf("generated manifest %s does not load: %v", name, err)
	}
	for _, d := range manifest.Lint(m) {
		if d.Severity == manifest.SeverityError {
			t.Errorf("generated manifest %s: lint: %s", name, d)
		}
	}
	return m
}

func TestGenerateIsValid(t *testing.T) {
	for _, size := range []struct{ a, p, c int }{{1, 1, 1}, {1, 3, 9}, {2, 2, 0}, {5, 20, 60}, {50, 500, 2000}} {
		t.Run(fmt.Sprintf("%dx%dx%d", size.a, size.p, size.c), func(t *testing.T) {
			w, y := Generate(size.a, size.p, size.c, 1)
			if _, err := sandbox.New(w, sandbox.Options{}); err != nil {
				t.Fatalf("generated world is invalid: %v", err)
			}
			m := parse(t, "gen.yaml", y)
			if len(m.Accounts) != size.a || len(m.Providers) != size.p || len(m.Consumers) != size.c {
				t.Fatalf("got %d accounts, %d providers, %d consumers", len(m.Accounts), len(m.Providers), len(m.Consumers))
			}
			for _, d := range manifest.Lint(m) {
				t.Logf("%s", d)
			}
			_ = strings.TrimSpace
		})
	}
}
