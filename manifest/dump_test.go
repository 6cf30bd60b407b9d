package manifest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDump(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(fixtures, os.Getenv("DUMP")))
	for _, p := range paths {
		_, err := Load(p)
		t.Logf("== %s", p)
		if err != nil {
			for _, l := range diagLines(t, err) {
				t.Log(l)
			}
		}
	}
}
