package cli

import (
	"strings"
	"testing"
)

const latticeExample = "../../testdata/examples/lattice.yaml"

// The VPC Lattice example applies as its comment says: a resource endpoint
// and a service-network endpoint are created (no acceptance, the
// configuration shared and its gateway's zones checked), drift finds
// nothing, the second apply says "No changes.", and graph and status show
// what the endpoints connect to.
func TestLatticeExampleAppliesTwice(t *testing.T) {
	dir := t.TempDir()
	sb := []string{"--sandbox", "--sandbox-dir", dir, "--no-color", "-f", latticeExample}
	code, out, stderr := runPlink(t, "", false, append([]string{"plan", "--detailed-exitcode"}, sb...)...)
	// PL102 for orders-db counts only the zones its resource gateway
	// serves: checkout's subnets a and c cover both.
	if code != ExitChanges || !strings.Contains(out, "consumer.orders-db") || !strings.Contains(out, "resourceConfigurationArn") ||
		!strings.Contains(out, "2 to add") || strings.Contains(out, "PL24") || strings.Contains(out, "consumer.orders-db: vpc-02100000000000001 has subnets") {
		t.Fatalf("plan: exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	code, out, stderr = runPlink(t, "", false, append([]string{"apply", "--auto-approve"}, sb...)...)
	if code != ExitOK || !strings.Contains(out, "Apply complete") {
		t.Fatalf("first apply: exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	code, out, stderr = runPlink(t, "", false, append([]string{"drift"}, sb...)...)
	if code != ExitOK {
		t.Fatalf("drift after apply: exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	code, out, stderr = runPlink(t, "", false, append([]string{"apply", "--auto-approve"}, sb...)...)
	if code != ExitOK || !strings.Contains(out, "No changes.") {
		t.Fatalf("second apply: exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	code, out, stderr = runPlink(t, "", false, append([]string{"graph"}, sb...)...)
	if code != ExitOK || !strings.Contains(out, "rcfg-0111000000000000a (resource configuration of payments)") || !strings.Contains(out, "sn-0111000000000000a (service network of payments)") {
		t.Fatalf("graph: exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	code, out, stderr = runPlink(t, "", false, append([]string{"status"}, sb...)...)
	if code != ExitOK || !strings.Contains(out, "metrics: not read: AWS publishes Resource and ServiceNetwork endpoint metrics in AWS/VpcLattice") || strings.Contains(out, "$0.00/month") {
		t.Fatalf("status: exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
}
