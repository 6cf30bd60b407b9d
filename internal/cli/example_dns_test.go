package cli

import (
	"strings"
	"testing"
)

const verifiedDNS = "../../testdata/examples/verified-dns.yaml"

// The second example applies as the README says: the verification record
// is written and the name verified, private DNS is on for the consumer
// with fixed addresses, the resource endpoint is made (drift finds
// nothing), and the second apply says "No changes.".
func TestVerifiedDNSExampleAppliesTwice(t *testing.T) {
	dir := t.TempDir()
	sb := []string{"--sandbox", "--sandbox-dir", dir, "--no-color", "-f", verifiedDNS}
	code, out, stderr := runPlink(t, "", false, append([]string{"plan"}, sb...)...)
	if code != ExitOK || !strings.Contains(out, "provider.ledger-api.dns_record") || !strings.Contains(out, "+ consumer.checkout-orders-db") {
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
}
