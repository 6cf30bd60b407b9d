package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validate's PL012 counts against the config's endpoints-per-vpc, as
// plan's PL230 does: 52 endpoints in one VPC warn at the 51st under AWS's
// default quota, and not at all once the project says it raised it to 60.
func TestValidateHonoursRaisedQuota(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("version: 1\nproject: p\ndefaults: {region: us-east-1}\naccounts: {a: {id: \"111111111111\"}}\nconsumers:\n")
	for i := range 52 {
		fmt.Fprintf(&b, "  - {name: c-%d, account: a, vpcId: vpc-0000000a, subnetIds: [subnet-01234567], securityGroupIds: [sg-01234567], serviceName: com.amazonaws.us-east-1.s3}\n", i)
	}
	mf := filepath.Join(dir, "m.yaml")
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(mf, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("endpoints-per-vpc: 60\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, stderr := runPlink(t, "", false, "validate", "-f", mf)
	if !strings.Contains(stderr, "warning PL012") || !strings.Contains(stderr, "AWS's default quota of 50") || !strings.Contains(stderr, "consumer `c-50` is the 51st") {
		t.Errorf("default quota: want PL012 at the 51st consumer, got:\n%s", stderr)
	}
	code, _, stderr := runPlink(t, "", false, "validate", "-f", mf, "--config", cfg)
	if code != 0 || strings.Contains(stderr, "PL012") {
		t.Errorf("endpoints-per-vpc: 60: want no PL012 and exit 0, got exit %d:\n%s", code, stderr)
	}
}
