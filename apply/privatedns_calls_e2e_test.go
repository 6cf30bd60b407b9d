package apply_test

import (
	"testing"

	"github.com/plinkdev/plink/sandbox"
)

// A plan with nothing to change reads the verification record once (the
// service's plink:dns-zone tag and the provider's zone name the same
// record), and looks up no zone when route53HostedZoneId names the zone
// plink wrote the record in; found by name, the zone is looked up.
func TestPrivateDNSNoChangePlanRoute53Calls(t *testing.T) {
	for _, tc := range []struct {
		name, privateDNS string
		lookups          int
	}{
		{"zone given", "    privateDns: { name: api.payments.example.com, route53HostedZoneId: Z0PAYMENTS1 }", 0},
		{"zone found by name", "    privateDns: { name: api.payments.example.com }", 2}, // api.payments.example.com, payments.example.com
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newDNSEnv(t, sandbox.Options{})
			path := dnsManifest(t, tc.privateDNS)
			e.apply(path)
			e.converged(path)
			e.srv.Sandbox.ResetCalls()
			if p, _ := e.plan(path); p.HasChanges() {
				t.Fatalf("plan has changes: %+v", p.Changes)
			}
			if n := e.callsOf("ListResourceRecordSets"); n != 1 {
				t.Errorf("ListResourceRecordSets calls = %d, want 1", n)
			}
			if n := e.callsOf("ListHostedZonesByName"); n != tc.lookups {
				t.Errorf("ListHostedZonesByName calls = %d, want %d", n, tc.lookups)
			}
		})
	}
}
