package cli

import (
	"os"
	"strings"
	"testing"
)

// TestDestroyApplyCycles: a resource destroyed and applied again more
// often than the ClientTokens' stale bound, within AWS's token retention
// (the sandbox keeps them 24 hours, as AWS does), is still made each time.
func TestDestroyApplyCycles(t *testing.T) {
	dir := t.TempDir()
	manifest := dir + "/gw.yaml"
	if err := os.WriteFile(manifest, []byte(`version: 1
project: cycles
defaults: { region: us-east-1 }
accounts:
  checkout: { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/plink" }
consumers:
  - name: s3
    account: checkout
    type: Gateway
    vpcId: vpc-02100000000000001
    routeTableIds: [rtb-02100000000000001]
    serviceName: com.amazonaws.us-east-1.s3
`), 0o644); err != nil {
		t.Fatal(err)
	}
	sb := []string{"--sandbox", "--sandbox-dir", dir + "/sb", "--auto-approve", "-f", manifest}
	for i := range 8 {
		for _, cmd := range []string{"apply", "destroy"} {
			code, out, stderr := runPlink(t, "", false, append([]string{cmd}, sb...)...)
			if code != ExitOK || strings.Contains(out+stderr, "StaleClientToken") {
				t.Fatalf("cycle %d, %s: exit %d\n%s\n%s", i+1, cmd, code, out, stderr)
			}
		}
	}
}
