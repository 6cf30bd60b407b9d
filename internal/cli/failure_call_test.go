package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFailureNamesAssumeRole: an account whose role cannot be assumed is a
// read failure of drift and status that names the call that failed,
// sts:AssumeRole (as stderr does), not the EC2 call that needed the role.
func TestFailureNamesAssumeRole(t *testing.T) {
	world, err := os.ReadFile("../../sandbox/worlds/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const id = "333333333333" // analytics
	trust := "      - arn: arn:aws:iam::" + id + ":role/plink\n        trustedPrincipals: [arn:aws:iam::999999999999:user/plink-operator]\n        trustedAccounts: [\"" + id + "\"]\n"
	if !strings.Contains(string(world), trust) {
		t.Fatalf("the default world's role/plink in %s is not as expected", id)
	}
	text := strings.Replace(string(world), trust, "      - arn: arn:aws:iam::"+id+":role/plink\n        trustedPrincipals: []\n", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "world.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"drift", "status"} {
		code, stdout, stderr := runPlink(t, "", false, cmd, "-f", quickstart, "--sandbox", "--sandbox-dir", filepath.Join(dir, ".plink"), "--sandbox-world", path, "-o", "json")
		var doc struct {
			Failures []struct{ Account, Call, Error string }
		}
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("%s: exit %d, %v\nstdout:\n%s\nstderr:\n%s", cmd, code, err, stdout, stderr)
		}
		n := 0
		for _, f := range doc.Failures {
			if f.Account != "analytics" {
				continue
			}
			n++
			if f.Call != "sts:AssumeRole" || !strings.Contains(f.Error, "AccessDenied") {
				t.Errorf("%s: failure %+v, want call sts:AssumeRole", cmd, f)
			}
		}
		if n == 0 {
			t.Errorf("%s: no failure of analytics: exit %d\n%s\n%s", cmd, code, stdout, stderr)
		}
	}
}
