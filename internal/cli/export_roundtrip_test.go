package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plinkdev/plink/manifest"
)

// TestExportKeepsTheManifestsPolicy: export -f of an applied manifest
// carries what it cannot read from AWS: the providers' connections
// settings (rejectUndeclared, acceptDeclared) and defaults.region, which
// is not the first region in order (us-east-1 sorts before us-west-2).
// A plan of the export reports no changes, and keeps the settings.
func TestExportKeepsTheManifestsPolicy(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(quickstart)
	if err != nil {
		t.Fatal(err)
	}
	// defaults.region us-west-2, every entry but one in us-east-1, which
	// sorts first among the regions export reads
	src := strings.Replace(string(data), "  region: us-east-1\n  tags", "  region: us-west-2\n  tags", 1)
	for _, a := range []string{"payments\n", "checkout\n", "analytics\n    networkLoad"} {
		src = strings.ReplaceAll(src, "    account: "+a, "    account: "+strings.Replace(a, "\n", "\n    region: us-east-1\n", 1))
	}
	mf := filepath.Join(dir, "plink.yaml")
	if err := os.WriteFile(mf, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	sb := []string{"--sandbox", "--sandbox-dir", filepath.Join(dir, "sb"), "--no-color"}
	if code, _, stderr := runPlink(t, "", false, append([]string{"apply", "--auto-approve", "-f", mf}, sb...)...); code != ExitOK {
		t.Fatalf("apply: exit %d\n%s", code, stderr)
	}
	out := filepath.Join(dir, "exported.yaml")
	if code, _, stderr := runPlink(t, "", false, append([]string{"export", "-f", mf, "--out", out}, sb...)...); code != ExitOK {
		t.Fatalf("export: exit %d\n%s", code, stderr)
	}
	m, err := manifest.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Defaults.Region != "us-west-2" {
		t.Errorf("defaults.region %q, want the manifest's us-west-2", m.Defaults.Region)
	}
	for _, p := range m.Providers {
		if p.Name == "payments-api" && (!p.Connections.RejectUndeclared || !p.Connections.AcceptsDeclared()) {
			t.Errorf("payments-api connections %+v, want the manifest's acceptDeclared and rejectUndeclared", p.Connections)
		}
		if p.Name == "analytics-ingest" && p.Connections.RejectUndeclared {
			t.Errorf("analytics-ingest connections %+v: rejectUndeclared the manifest does not set", p.Connections)
		}
	}
	code, stdout, stderr := runPlink(t, "", false, append([]string{"plan", "--detailed-exitcode", "-f", out}, sb...)...)
	if code != ExitOK || !strings.Contains(stdout, "No changes") {
		t.Errorf("plan of the export: exit %d, want 0 and no changes\n%s%s", code, stdout, stderr)
	}
}
