package manifest

import (
	"errors"
	"os"
	"testing"
)

// FuzzLoad checks that no input makes loading or linting panic, and that
// every failure is reported as positioned Diagnostics. Seeds: the fixtures
// and testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	for _, path := range append(fixtureFiles(f, "valid-*"), append(fixtureFiles(f, "invalid-*"), fixtureFiles(f, "lint-*")...)...) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("fuzz.yaml", data)
		if err != nil {
			var ds Diagnostics
			if !errors.As(err, &ds) || len(ds) == 0 {
				t.Fatalf("error is not Diagnostics: %#v", err)
			}
			for _, d := range ds {
				if d.File != "fuzz.yaml" || d.Message == "" || d.Severity != SeverityError || d.Code == "" {
					t.Fatalf("malformed diagnostic %#v", d)
				}
			}
			if m != nil {
				t.Fatal("manifest returned with errors")
			}
			return
		}
		for _, d := range Lint(m) {
			if d.Code == "" || d.Message == "" {
				t.Fatalf("malformed lint diagnostic %#v", d)
			}
		}
	})
}
