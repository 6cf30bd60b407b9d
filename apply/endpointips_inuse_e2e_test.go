package apply_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plinkdev/plink/plan"
)

// A fixed address another network interface holds in its subnet is
// reported by the plan (PL120, naming the holder) instead of failing the
// apply halfway with InvalidIPAddress.InUse, and the consumer's own
// endpoint holding it is never reported.
func TestE2EFixedAddressInUse(t *testing.T) {
	e := newEnv(t)
	held := fixedManifest(t, sqsConsumer+`    subnetIds: [subnet-0210000000000000a]
    ipAddresses:
      subnet-0210000000000000a: { ipv4: 10.21.0.100 }
`)
	e.apply(held)
	e.converged(held)
	sqs := e.planOf(held).Changes[0].ID

	inUse := func(p *plan.Plan) []string {
		var out []string
		for _, d := range p.Diagnostics {
			if d.Code == plan.CodeAddressInUse {
				if d.Severity != plan.SeverityError {
					t.Errorf("PL120 severity %s", d.Severity)
				}
				out = append(out, d.Message+" | "+d.Hint)
			}
		}
		return out
	}
	// Another project's consumer names the address.
	doc, err := os.ReadFile(held)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "other.yaml")
	text := strings.Replace(strings.Replace(string(doc), "project: fixed", "project: other", 1), "checkout-sqs", "checkout-sns", 1)
	text = strings.Replace(text, ".sqs", ".sns", 1)
	if err := os.WriteFile(other, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	got := inUse(e.planOf(other))
	if len(got) != 1 || !strings.HasPrefix(got[0], "consumer.checkout-sns: fixed address 10.21.0.100 in subnet-0210000000000000a is held by network interface eni-") ||
		!strings.Contains(got[0], " of endpoint "+sqs+", which this manifest does not manage: AWS gives an address to one network interface only | choose another address of subnet-0210000000000000a") {
		t.Errorf("other project: PL120 %q", got)
	}

	// In the same project: one consumer is removed, a new one takes its
	// address. Apply creates before it deletes, so AWS would refuse it.
	moved := fixedManifest(t, strings.Replace(strings.Replace(sqsConsumer, "checkout-sqs", "checkout-sns", 1), ".sqs", ".sns", 1)+`    subnetIds: [subnet-0210000000000000a]
    ipAddresses:
      subnet-0210000000000000a: { ipv4: 10.21.0.100 }
`)
	got = inUse(e.planOf(moved))
	if len(got) != 1 || !strings.Contains(got[0], " of endpoint "+sqs+" (consumer.checkout-sqs): AWS gives") {
		t.Errorf("same project: PL120 %q", got)
	}

	// An address nobody holds plans as before.
	free := strings.Replace(text, "10.21.0.100", "10.21.0.120", 1)
	if err := os.WriteFile(other, []byte(free), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := inUse(e.planOf(other)); len(got) != 0 {
		t.Errorf("free address: PL120 %q", got)
	}
}
