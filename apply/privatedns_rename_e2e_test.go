package apply_test

import (
	"strings"
	"testing"

	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
)

// recordNames are the names of the TXT records in a zone.
func (e *env) recordNames(zone string) []string {
	e.t.Helper()
	var out []string
	for _, r := range e.records(zone) {
		out = append(out, *r.Name)
	}
	return out
}

// A private DNS name changed to one plink writes no record for (no public
// zone) takes the record plink wrote for the old name, and the
// plink:dns-zone tag, with it: the plan shows the dns_record's delete.
// Switching back writes one record, not a second one beside a stale one.
func TestPrivateDNSRenameWithoutZoneDeletesOldRecord(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{})
	verified := dnsManifest(t, "    privateDns: { name: api.payments.example.com }")
	e.apply(verified)
	_, label, _, _ := e.service()
	old := label + ".api.payments.example.com."
	if names := e.recordNames("Z0PAYMENTS1"); len(names) != 1 || names[0] != old {
		t.Fatalf("records after the first apply: %v", names)
	}

	noZone := dnsManifest(t, "    privateDns: { name: api.payments.invalid }")
	p, _ := e.plan(noZone)
	ch := change(p, dnsAddr)
	if ch == nil || ch.Action != plan.Delete || ch.Before == nil || ch.Before.ZoneID != "Z0PAYMENTS1" || ch.Before.RecordName+"." != old ||
		len(ch.Warnings) == 0 || !strings.Contains(ch.Warnings[0], "api.payments.invalid") {
		t.Fatalf("plan of a name without a zone: %+v", ch)
	}
	if !hasCode(p, plan.CodeDNSNoZone) {
		t.Fatalf("no PL125: %+v", p.Diagnostics)
	}
	e.apply(noZone)
	if names := e.recordNames("Z0PAYMENTS1"); len(names) != 0 {
		t.Fatalf("the old record is left: %v", names)
	}
	if _, _, _, tags := e.service(); tags["plink:dns-zone"] != "" {
		t.Fatalf("the tag is left: %v", tags)
	}
	e.converged(noZone)

	// Back to the name with a zone: one record, the new one.
	e.apply(verified)
	state, label2, _, tags := e.service()
	if names := e.recordNames("Z0PAYMENTS1"); state != "verified" || len(names) != 1 || names[0] != label2+".api.payments.example.com." || tags["plink:dns-zone"] != "Z0PAYMENTS1" {
		t.Fatalf("after switching back: %s %v %v", state, names, tags)
	}
	e.converged(verified)
}

// privateDns removed altogether (no private DNS name left) deletes the
// record plink wrote and the tag.
func TestPrivateDNSRemovedDeletesRecord(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{})
	e.apply(dnsManifest(t, "    privateDns: { name: api.payments.example.com }"))
	none := dnsManifest(t, "")
	p, _ := e.plan(none)
	if ch := change(p, dnsAddr); ch == nil || ch.Action != plan.Delete || ch.Before == nil || ch.Before.ZoneID != "Z0PAYMENTS1" {
		t.Fatalf("plan without privateDns: %+v", ch)
	}
	e.apply(none)
	if names := e.recordNames("Z0PAYMENTS1"); len(names) != 0 {
		t.Fatalf("records left: %v", names)
	}
	if _, _, _, tags := e.service(); tags["plink:dns-zone"] != "" {
		t.Fatalf("tag left: %v", tags)
	}
	e.converged(none)
}
