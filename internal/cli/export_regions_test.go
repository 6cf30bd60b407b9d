package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// export -f takes its regions from the manifest (defaults.region,
// defaults.regions, entries' regions) when no --region is given; --region
// still wins, and a manifest without any region says so.
func TestExportRegionsFromManifest(t *testing.T) {
	sb := []string{"--sandbox", "--sandbox-dir", t.TempDir()}
	if code, _, stderr := runPlink(t, "", false, append([]string{"apply", "--auto-approve", "-f", quickstart}, sb...)...); code != ExitOK {
		t.Fatalf("apply: %s", stderr)
	}
	code, out, stderr := runPlink(t, "", false, append([]string{"export", "-f", quickstart}, sb...)...)
	if code != ExitOK {
		t.Fatalf("export -f without --region: exit %d: %s", code, stderr)
	}
	// The quick start's analytics consumer is in us-west-2, the rest in
	// us-east-1 (defaults.region): both are read.
	if !strings.Contains(out, "region: us-west-2") || !strings.Contains(out, "payments-api") {
		t.Errorf("export -f read only some regions:\n%s", out)
	}
	code, only, stderr := runPlink(t, "", false, append([]string{"export", "-f", quickstart, "--region", "us-west-2"}, sb...)...)
	if code != ExitOK {
		t.Fatalf("export -f --region us-west-2: exit %d: %s", code, stderr)
	}
	if strings.Contains(only, "networkLoadBalancerArns") || only == out {
		t.Errorf("--region us-west-2 did not win over the manifest's regions:\n%s", only)
	}

	// An --account flag wins over the manifest's account of its alias:
	// export assumes the flag's role (which the sandbox does not have).
	code, _, stderr = runPlink(t, "", false, append([]string{"export", "-f", quickstart, "--account", "payments=111111111111:role/other"}, sb...)...)
	if code != ExitError || !strings.Contains(stderr, "account payments (111111111111): cannot assume role arn:aws:iam::111111111111:role/other") {
		t.Errorf("export -f --account payments=…: exit %d: %s", code, stderr)
	}

	accountsOnly := filepath.Join(t.TempDir(), "accounts.yaml")
	if err := os.WriteFile(accountsOnly, []byte("version: 1\nproject: p\naccounts:\n  payments: { id: \"111111111111\" }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runPlink(t, "", false, append([]string{"export", "-f", accountsOnly}, sb...)...)
	if code != ExitError || !strings.Contains(stderr, "no region given: the manifest names none (defaults.region, defaults.regions, or an entry's region); pass --region REGION (repeatable)") {
		t.Errorf("export -f of a manifest without regions: exit %d: %s", code, stderr)
	}
}
