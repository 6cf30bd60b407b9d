package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlanNamesEveryUnreachableAccount: plan reads each account as soon as
// its role is assumed (readLive through awsenv's Verified), and still
// stops on credentials the way it did when every role was assumed before
// any read: exit 1, nothing on stdout, and one error with its hint per
// account whose role cannot be assumed, in alias order, naming no other.
func TestPlanNamesEveryUnreachableAccount(t *testing.T) {
	world, err := os.ReadFile("../../sandbox/worlds/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(world)
	for _, id := range []string{"222222222222", "333333333333"} { // checkout, analytics
		trust := "      - arn: arn:aws:iam::" + id + ":role/plink\n        trustedPrincipals: [arn:aws:iam::999999999999:user/plink-operator]\n        trustedAccounts: [\"" + id + "\"]\n"
		if !strings.Contains(text, trust) {
			t.Fatalf("the default world's role/plink in %s is not as expected", id)
		}
		text = strings.Replace(text, trust, "      - arn: arn:aws:iam::"+id+":role/plink\n        trustedPrincipals: []\n", 1)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "world.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runPlink(t, "", false, "plan", "-f", quickstart, "--sandbox", "--sandbox-dir", filepath.Join(dir, ".plink"), "--sandbox-world", path)
	refused := func(alias, id string) string {
		return "plink: account " + alias + " (" + id + "): cannot assume role arn:aws:iam::" + id + ":role/plink from arn:aws:iam::999999999999:user/plink-operator: AccessDenied: User: arn:aws:iam::999999999999:user/plink-operator is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::" + id + ":role/plink\n" +
			"hint: check the role's trust policy (and whether it requires an externalId)\n"
	}
	want := refused("analytics", "333333333333") + refused("checkout", "222222222222")
	if code != ExitError || stdout != "" || stderr != want {
		t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 1, no stdout, stderr:\n%s", code, stdout, stderr, want)
	}
}

// TestSTSRateSetting: --sts-rate paces the roles a run assumes. At 0.01 a
// second the first of the quick start's three roles is assumed at once and
// the next only after 100 s, so a run bounded to 2 s ends waiting for it;
// at 0 nothing is paced. A negative rate is refused.
func TestSTSRateSetting(t *testing.T) {
	code, _, stderr := runPlink(t, "", false, "plan", "-f", quickstart, "--sandbox", "--sandbox-dir", t.TempDir(), "--sts-rate", "0.01", "--timeout", "2s")
	if code != ExitError || !strings.Contains(stderr, "plink: timed out after 2s (--timeout) while ") {
		t.Errorf("--sts-rate 0.01: exit %d, stderr:\n%s", code, stderr)
	}
	code, _, stderr = runPlink(t, "", false, "plan", "-f", quickstart, "--sandbox", "--sandbox-dir", t.TempDir(), "--sts-rate", "0", "--timeout", "1m")
	if code != ExitOK || strings.Contains(stderr, "timed out") {
		t.Errorf("--sts-rate 0: exit %d, stderr:\n%s", code, stderr)
	}
	code, _, stderr = runPlink(t, "", false, "plan", "-f", quickstart, "--sandbox", "--sandbox-dir", t.TempDir(), "--sts-rate", "-1")
	if code != ExitError || !strings.Contains(stderr, "invalid --sts-rate -1: give 0 or more") {
		t.Errorf("--sts-rate -1: exit %d, stderr:\n%s", code, stderr)
	}
}
