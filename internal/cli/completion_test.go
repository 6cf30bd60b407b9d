package cli

import (
	"regexp"
	"strings"
	"testing"
)

// TestOutputCompletionMatchesCommands: what completion offers for --output
// is what each command accepts (its "valid values" error lists them).
func TestOutputCompletionMatchesCommands(t *testing.T) {
	quoted := regexp.MustCompile(`"([a-z]+)"`)
	for _, args := range [][]string{{"plan"}, {"show", "x.json"}, {"drift"}, {"validate"}, {"version"}, {"apply"}, {"destroy"}, {"connections"}, {"status"}} {
		t.Run(args[0], func(t *testing.T) {
			code, _, stderr := runPlink(t, "", false, append(args, "--output", "zzz")...)
			i := strings.Index(stderr, "valid values are ")
			if code != ExitError || i < 0 {
				t.Fatalf("exit %d, stderr: %s", code, stderr)
			}
			var accepted []string
			for _, m := range quoted.FindAllStringSubmatch(strings.SplitN(stderr[i:], "\n", 2)[0], -1) {
				accepted = append(accepted, m[1])
			}
			_, out, _ := runPlink(t, "", false, append([]string{"__complete"}, append(args, "--output", "")...)...)
			offered := strings.Fields(strings.Split(out, ":")[0])
			if strings.Join(offered, ",") != strings.Join(accepted, ",") {
				t.Errorf("completion offers %v, the command accepts %v", offered, accepted)
			}
		})
	}
}

func TestConnectionsWatchInterval(t *testing.T) {
	for _, w := range []string{"-5s", "10ms"} {
		code, _, stderr := runPlink(t, "", false, "connections", "-f", quickstart, "--watch", w)
		if code != ExitError || !strings.Contains(stderr, "invalid --watch") || !strings.Contains(stderr, "at least 1s") {
			t.Errorf("--watch %s: exit %d, stderr: %s", w, code, stderr)
		}
	}
}
