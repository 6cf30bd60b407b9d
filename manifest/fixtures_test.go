package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fixtures = "../testdata/manifests"

// validFixtures lists every valid-* file or directory.
func validFixtures(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(fixtures, "valid-*"))
	if err != nil || len(paths) < 6 {
		t.Fatalf("want at least 6 valid fixtures, got %v (%v)", paths, err)
	}
	return paths
}

func TestValidFixturesLoadAndLintClean(t *testing.T) {
	for _, path := range validFixtures(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			m, err := Load(path)
			if err != nil {
				t.Fatalf("Load(%s):\n%v", path, err)
			}
			if ds := Lint(m); len(ds) > 0 {
				t.Errorf("Lint(%s):\n%v", path, Diagnostics(ds))
			}
			for _, f := range m.Files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(string(data), "# yaml-language-server: $schema=https://raw.githubusercontent.com/plinkdev/plink/main/schemas/manifest.schema.json\n") {
					t.Errorf("%s does not start with the yaml-language-server schema comment", f)
				}
			}
		})
	}
}

// diagLines renders err's diagnostics one per line, with paths relative to
// the fixtures directory.
func diagLines(t *testing.T, err error) []string {
	t.Helper()
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("error is %T, not Diagnostics: %v", err, err)
	}
	var lines []string
	for _, d := range ds {
		d.File = filepath.ToSlash(strings.TrimPrefix(d.File, fixtures+string(filepath.Separator)))
		lines = append(lines, strings.ReplaceAll(d.String(), fixtures+"/", ""))
	}
	return lines
}
