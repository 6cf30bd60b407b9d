package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestNegativeSettingsRefused: a negative duration, count or rate means
// nothing in plink; it is refused before any work, from a flag or from
// PLINK_*, naming where the value came from.
func TestNegativeSettingsRefused(t *testing.T) {
	for _, tc := range []struct{ args, want string }{
		{"apply --sandbox --auto-approve --wait-timeout -1s", "invalid --wait-timeout -1s: give a duration of 0 or more"},
		{"apply --sandbox --auto-approve --lock-timeout -5m", "invalid --lock-timeout -5m0s"},
		{"plan --sandbox --retry-budget -1m", "invalid --retry-budget -1m0s"},
		{"plan --sandbox --parallelism -3", "invalid --parallelism -3: give 0 or more"},
		{"drift --sandbox --timeout -1s", "invalid --timeout -1s"},
		{"sandbox serve --error-rate -0.5", "invalid --error-rate -0.5: give 0 or more"},
	} {
		args := append(strings.Fields(tc.args), "--sandbox-dir", t.TempDir(), "-f", quickstart)
		if strings.HasPrefix(tc.args, "sandbox") {
			args = strings.Fields(tc.args)
		}
		code, _, stderr := runPlink(t, "", false, args...)
		if code != ExitError || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
	t.Setenv("PLINK_PARALLELISM", "-2")
	code, _, stderr := runPlink(t, "", false, "plan", "--sandbox", "--sandbox-dir", t.TempDir(), "-f", quickstart)
	if code != ExitError || !strings.Contains(stderr, "invalid PLINK_PARALLELISM -2") {
		t.Errorf("PLINK_PARALLELISM=-2: exit %d, %s", code, stderr)
	}
}

// TestExportJSON: export -o json prints the manifest as JSON, not YAML,
// with its keys in the manifest's order.
func TestExportJSON(t *testing.T) {
	sb := []string{"--sandbox", "--sandbox-dir", t.TempDir()}
	if code, _, stderr := runPlink(t, "", false, append([]string{"apply", "--auto-approve", "-f", quickstart}, sb...)...); code != ExitOK {
		t.Fatalf("apply: %s", stderr)
	}
	code, out, stderr := runPlink(t, "", false, append([]string{"export", "-f", quickstart, "--region", "us-east-1", "--output", "json"}, sb...)...)
	if code != ExitOK {
		t.Fatalf("export -o json: exit %d: %s", code, stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON (%v):\n%s", err, out)
	}
	if doc["project"] != "payments-privatelink" || doc["providers"] == nil {
		t.Errorf("the JSON manifest: %v", doc)
	}
	if strings.Index(out, `"version"`) > strings.Index(out, `"providers"`) {
		t.Errorf("keys out of the manifest's order:\n%s", out)
	}
	code, _, stderr = runPlink(t, "", false, append([]string{"export", "-f", quickstart, "--region", "us-east-1", "--output", "xml"}, sb...)...)
	if code != ExitError || !strings.Contains(stderr, `invalid --output "xml"`) {
		t.Errorf("export -o xml: exit %d: %s", code, stderr)
	}
}

// TestBadSettingsFromEnvAndFileRefused: a value its flag would refuse is
// refused from PLINK_* and the config file too, naming where it came
// from, instead of being read as zero; an unknown config key is warned of.
func TestBadSettingsFromEnvAndFileRefused(t *testing.T) {
	sb := []string{"plan", "--sandbox", "--sandbox-dir", t.TempDir(), "-f", quickstart}
	for _, tc := range []struct{ env, val, want string }{
		{"PLINK_TIMEOUT", "30", `invalid PLINK_TIMEOUT "30"`},
		{"PLINK_DETAILED_EXITCODE", "yes", `invalid PLINK_DETAILED_EXITCODE "yes"`},
		{"PLINK_RETRY_BUDGET", "300", "a duration with its unit, such as 5m0s"},
		{"PLINK_PARALLELISM", "abc", `invalid PLINK_PARALLELISM "abc"`},
	} {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv(tc.env, tc.val)
			code, _, stderr := runPlink(t, "", false, sb...)
			if code != ExitError || !strings.Contains(stderr, tc.want) {
				t.Errorf("%s=%s: exit %d, stderr %q, want %q", tc.env, tc.val, code, stderr, tc.want)
			}
		})
	}
	dir := t.TempDir()
	cfg := dir + "/plink.yaml"
	if err := os.WriteFile(cfg, []byte("lock-timeout: abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runPlink(t, "", false, "apply", "--config", cfg, "--sandbox", "--sandbox-dir", dir, "--auto-approve", "-f", quickstart)
	if code != ExitError || !strings.Contains(stderr, `invalid lock-timeout in config file `+cfg+` "abc"`) {
		t.Errorf("lock-timeout: abc in the config file: exit %d, %s", code, stderr)
	}
	if err := os.WriteFile(cfg, []byte("outptu: json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runPlink(t, "", false, "validate", "--config", cfg, "-f", quickstart)
	if code != ExitOK || !strings.Contains(stderr, `"outptu" is not a setting of plink`) || !strings.Contains(stderr, `did you mean "output"?`) {
		t.Errorf("a misspelt key: exit %d, %s", code, stderr)
	}
}
