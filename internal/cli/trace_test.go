package cli

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/plinkdev/plink/internal/iostreams"
)

// TestTracePhases: PLINK_TRACE=phases logs each phase of a run with the
// time since its start; without it nothing of the kind is printed.
func TestTracePhases(t *testing.T) {
	args := []string{"plan", "--sandbox", "--sandbox-dir", t.TempDir(), "-f", quickstart}
	for _, trace := range []string{"phases", ""} {
		ios, _, _, errOut := iostreams.Test()
		env := func(k string) string {
			if k == "PLINK_TRACE" {
				return trace
			}
			return ""
		}
		if code := Main(context.Background(), args, ios, env); code != ExitOK {
			t.Fatalf("PLINK_TRACE=%q: exit %d\n%s", trace, code, errOut)
		}
		lines := regexp.MustCompile(`(?m)^plink: \[ *\d+\.\ds\] (.*)$`).FindAllStringSubmatch(errOut.String(), -1)
		if trace == "" {
			if len(lines) > 0 {
				t.Errorf("phases traced without PLINK_TRACE:\n%s", errOut)
			}
			continue
		}
		var phases []string
		for _, l := range lines {
			phases = append(phases, l[1])
		}
		got := strings.Join(phases, " | ")
		for _, want := range []string{"resolving credentials of 3 accounts", "reading live state of 3 accounts", "planning"} {
			if !strings.Contains(got, want) {
				t.Errorf("trace lacks %q: %s", want, got)
			}
		}
	}
}
