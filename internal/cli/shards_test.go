package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestShardsMatrix: plink shards prints a matrix GitHub Actions takes as it
// is, every account in one job; a bad --max-accounts is a usage error.
func TestShardsMatrix(t *testing.T) {
	code, stdout, stderr := runPlink(t, "", false, "shards", "-f", "../../testdata/examples/quickstart.yaml", "--max-accounts", "1")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Include []struct {
			Name     string   `json:"name"`
			Accounts []string `json:"accounts"`
			Args     string   `json:"args"`
		} `json:"include"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || len(doc.Include) < 2 {
		t.Fatalf("not a matrix (%v):\n%s", err, stdout)
	}
	for _, j := range doc.Include {
		if len(j.Accounts) != 1 || j.Args != "--account "+j.Accounts[0] {
			t.Errorf("job %+v", j)
		}
	}
	code, _, stderr = runPlink(t, "", false, "shards", "-f", "../../testdata/examples/quickstart.yaml", "--max-accounts", "0")
	if code != ExitError || !strings.Contains(stderr, "--max-accounts 0: a job needs at least one account") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// TestPlanRefusesAnUnknownShard: --account and --region must name what
// the manifest declares, before any AWS call.
func TestPlanRefusesAnUnknownShard(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ args, want string }{
		{"--account nosuch", "--account nosuch: the manifest declares no such account; it declares "},
		{"--region eu-north-9", "--region eu-north-9: the manifest uses no such region; it uses "},
	} {
		args := append([]string{"plan", "--sandbox", "--sandbox-dir", filepath.Join(dir, "sb"), "-f", "../../testdata/examples/quickstart.yaml"}, strings.Fields(tc.args)...)
		code, _, stderr := runPlink(t, "", false, args...)
		if code != ExitError || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d: %s", tc.args, code, stderr)
		}
	}
}
