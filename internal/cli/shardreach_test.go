package cli

import (
	"os"
	"strings"
	"testing"
)

// A shard that owns a provider reads the account a connection on its
// service comes from, also when that account has no entry of the shard
// (the manifest declares it, but none of its consumers uses this
// provider): live reads the owner's endpoint to know whose it is. The
// shard's session had no clients for that account and every read of the
// shard failed ("unknown account"); now plan, and apply's reject, reach it.
func TestShardReadsTheAccountAConnectionComesFrom(t *testing.T) {
	srv, svcID, dir := onboardingWorld(t)
	mf := strings.TrimSuffix(dir, "plink.yaml") + "reach.yaml"
	manifest := strings.Replace(connectionsManifest,
		`  checkout: { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/plink" }`,
		`  checkout: { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/plink" }
  analytics: { id: "333333333333", roleArn: "arn:aws:iam::333333333333:role/plink" }`, 1)
	manifest = strings.Replace(manifest, `acceptFrom: ["222222222222"], `, "", 1)
	if err := os.WriteFile(mf, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	stranger := createEndpoint(t, srv, "analytics", svcID, "vpc-03100000000000001", "subnet-0310000000000000a", "sg-03100000000000001")

	code, out, stderr := runPlink(t, "", false, "plan", "-f", mf, "--account", "payments", "--detailed-exitcode", "--no-color")
	if code != ExitChanges || !strings.Contains(out, "provider.payments-api.connection["+stranger+"]") || strings.Contains(stderr, "unknown account") {
		t.Fatalf("plan of the payments shard: exit %d, want 2 with the reject of %s\n%s\n%s", code, stranger, out, stderr)
	}
	code, out, stderr = runPlink(t, "", false, "apply", "-f", mf, "--account", "payments", "--auto-approve", "--no-color")
	if code != ExitOK {
		t.Fatalf("apply of the payments shard: exit %d\n%s\n%s", code, out, stderr)
	}
	if st := connectionStates(t, srv)[stranger]; st != "rejected" {
		t.Errorf("the undeclared endpoint %s of analytics is %s, want rejected by the payments shard", stranger, st)
	}
}
