package plan

// The verification record of a provider's private DNS name
// (provider.NAME.dns_record): with the long form privateDns, plink
// publishes the TXT record AWS asks for (the service's
// PrivateDnsNameConfiguration) in a public hosted zone of the provider's
// account, starts the verification and waits for verified; consumers get
// private DNS after that.
//
// Route 53 records have no tags. Ownership is recorded on the service,
// which plink owns: the tag plink:dns-zone (live.TagDNSZone) names the zone
// plink wrote the record in. apply writes the tag before it creates the
// record and removes it again if the create finds a record there already,
// so the tag never claims a record someone else wrote. A record without the
// tag is never changed or deleted: if it holds the right value, plink only
// starts the verification; if not, the plan says so and leaves it.

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/plinkdev/plink/live"
)

// Codes of the verification record.
const (
	CodeDNSNoZone      = "PL125" // warning: no public hosted zone for a privateDns name: the record is left to the user (PL105)
	CodeDNSForeign     = "PL126" // warning: the verification record exists and plink did not write it; plink leaves it
	CodeDNSZoneInvalid = "PL238" // error: privateDns.route53HostedZoneId is not a public zone of the account for the name
)

// dnsAddr is the address of a provider's verification record.
func dnsAddr(providerAddr string) string { return providerAddr + ".dns_record" }

// dnsRecordChange plans the verification record of a provider whose
// service is planned (serviceChange) and sets ps.dnsVerifies when the plan
// verifies the name.
func (c *computer) dnsRecordChange(ps *provState) {
	p := ps.p
	if !p.ManagesDNSRecord() || !ps.ok || !c.readOK(ps.accountID, ps.region) {
		return
	}
	zone := c.verificationZone(ps)
	if zone == nil {
		return
	}
	ch := c.child(ps, KindDNSRecord, dnsAddr(ps.addr))
	ch.DependsOn = nil
	if ps.action == Create || ps.action == Replace {
		ch.DependsOn = []string{ps.addr}
	}
	sv := ps.svc
	fresh := sv == nil || ps.action == Create || ps.action == Replace
	before := c.ownedRecord(sv)
	after := &Values{ZoneID: zone.ZoneID, Verification: stateVerified}
	if !fresh {
		ch.ID = sv.ID
		// the service's name places its consumers' private DNS step after
		// this change (apply's graph)
		after.ServiceName = sv.Name
		if before != nil {
			before.ServiceName = sv.Name
		}
	}
	if fresh || sv.PrivateDNSName != p.PrivateDNSName || sv.PrivateDNSTXTName == "" {
		c.recordAfterService(ps, ch, before, after)
		return
	}
	name := live.VerificationRecordName(sv.PrivateDNSTXTName, sv.PrivateDNSName)
	value := live.TXTValue(sv.PrivateDNSTXTValue)
	if rec := c.s.DNSRecordAt(zone.ZoneID, name); before == nil && rec != nil && rec.Exists {
		c.foreignRecord(ps, ch, zone.ZoneID, rec, name, value)
		return
	}
	after.RecordName, after.RecordValues = name, []string{value}
	c.ownRecord(ps, ch, before, after)
}

// verificationZone is the public hosted zone the provider's verification
// record goes in; nil when it was not read (a snapshot without Route 53:
// PL105 as before) or there is none (PL238 for a zone the manifest names,
// else PL106).
func (c *computer) verificationZone(ps *provState) *live.DNSZone {
	p := ps.p
	zone := c.s.DNSZoneFor(p.Name)
	if zone == nil || zone.ZoneID != "" {
		return zone
	}
	if p.PrivateDNS.Route53HostedZoneID != "" {
		c.diag(SeverityError, CodeDNSZoneInvalid, ps.addr, ps.alias, ps.region,
			fmt.Sprintf("%s: %s", ps.addr, zone.Problem),
			"give the id of a public hosted zone of account "+c.accountLabel(ps.accountID)+" for "+live.VerificationDomain(p.PrivateDNSName)+" (aws route53 list-hosted-zones-by-name), or leave route53HostedZoneId out to use the zone found by name")
		return nil
	}
	c.diag(SeverityWarning, CodeDNSNoZone, ps.addr, ps.alias, ps.region,
		fmt.Sprintf("%s: %s; plink cannot publish the record that verifies %s", ps.addr, zone.Problem, p.PrivateDNSName),
		"publish it where the domain's DNS is served (PL105 shows the record), or create the public hosted zone in the provider's account")
	return nil
}

// recordAfterService plans the record of a service that does not have its
// private DNS name yet (created, replaced, or given a new name): AWS gives
// the record's name and value only once the service has the name, so apply
// reads them after the service change.
func (c *computer) recordAfterService(ps *provState, ch Change, before, after *Values) {
	ch.Refs = map[string]string{"recordName": ps.addr, "recordValues": ps.addr}
	ch.After = after
	ch.Action = Create
	if before != nil {
		ch.Action = Update
		ch.Before = before
	}
	ps.dnsVerifies = true
	c.changes = append(c.changes, ch)
}

// foreignRecord handles a record plink did not write (the service has no
// plink:dns-zone tag for it): never changed. Its value may still verify
// the name, which the plan then starts; a wrong value is PL126.
func (c *computer) foreignRecord(ps *provState, ch Change, zoneID string, rec *live.DNSRecord, name, value string) {
	sv := ps.svc
	if !slices.Contains(rec.Values, value) {
		c.diag(SeverityWarning, CodeDNSForeign, ps.addr, ps.alias, ps.region,
			fmt.Sprintf("%s: TXT record %s in hosted zone %s exists with %v, not the value AWS asks for; plink did not write it and leaves it", ps.addr, name, zoneID, rec.Values),
			fmt.Sprintf("set its value to %s, or delete it and plan again: plink then writes it", value))
		return
	}
	if sv.PrivateDNSState == stateVerified {
		return
	}
	ch.Warnings = append(ch.Warnings, fmt.Sprintf("TXT record %s in hosted zone %s holds the value AWS asks for, but plink did not write it: plink only starts the verification and never changes the record", name, zoneID))
	ch.Action = Update
	ch.Before = &Values{ServiceName: sv.Name, Verification: sv.PrivateDNSState}
	ch.After = &Values{ServiceName: sv.Name, Verification: stateVerified}
	ps.dnsVerifies = true
	c.changes = append(c.changes, ch)
}

// ownRecord plans the record plink writes (before: the one it wrote, nil
// if none) against the declared one (after, with the name and value AWS
// asks for).
func (c *computer) ownRecord(ps *provState, ch Change, before, after *Values) {
	sv := ps.svc
	ch.After = after
	switch {
	case before == nil:
		ch.Action = Create
		if sv.Tags[live.TagDNSZone] != "" {
			ch.Warnings = append(ch.Warnings, fmt.Sprintf("TXT record %s, which plink wrote in hosted zone %s, is missing; the plan writes it again", after.RecordName, sv.Tags[live.TagDNSZone]))
		}
	default:
		before.Verification = sv.PrivateDNSState
		ch.Before = before
		ch.Action = NoOp
		if len(Diff(KindDNSRecord, before, after)) > 0 {
			ch.Action = Update
		}
	}
	if ch.Action == Create && sv.PrivateDNSState == stateVerified {
		// The name is verified already (by a record elsewhere, or one
		// removed since): the record is written, nothing more.
		after.Verification = stateVerified
	}
	ps.dnsVerifies = ch.Action != NoOp
	c.changes = append(c.changes, ch)
}

// ownedRecord is the record plink wrote for a live service: the service
// carries plink:dns-zone and the record exists at its verification name in
// that zone. Nil when there is none.
func (c *computer) ownedRecord(sv *live.Service) *Values {
	if sv == nil || sv.Tags[live.TagDNSZone] == "" || sv.Tags[live.TagProject] != c.m.Project {
		return nil
	}
	zone := sv.Tags[live.TagDNSZone]
	name := live.VerificationRecordName(sv.PrivateDNSTXTName, sv.PrivateDNSName)
	rec := c.s.DNSRecordAt(zone, name)
	if rec == nil || !rec.Exists {
		return nil
	}
	return &Values{ZoneID: zone, RecordName: name, RecordValues: append([]string(nil), rec.Values...)}
}

// taggedRecord is the record a live service's plink:dns-zone tag says plink
// wrote, for its delete: its values when they were read (a provider with
// privateDns), else none (live reads no record for a service the manifest
// no longer gives privateDns; apply reads it just before deleting it).
func (c *computer) taggedRecord(sv *live.Service) *Values {
	if sv == nil || sv.Tags[live.TagDNSZone] == "" || sv.Tags[live.TagProject] != c.m.Project {
		return nil
	}
	if v := c.ownedRecord(sv); v != nil {
		return v
	}
	zone := sv.Tags[live.TagDNSZone]
	name := live.VerificationRecordName(sv.PrivateDNSTXTName, sv.PrivateDNSName)
	if rec := c.s.DNSRecordAt(zone, name); rec != nil || name == "" {
		return nil // read, and not there; or nothing to name
	}
	return &Values{ZoneID: zone, RecordName: name}
}

// dnsRecordDeletes plans the removal of records plink wrote for services
// the plan deletes, and for providers that no longer ask for one (the
// short form privateDnsName, or no name).
func (c *computer) dnsRecordDeletes() {
	n := len(c.changes)
	for i := 0; i < n; i++ {
		ch := c.changes[i]
		if ch.Kind != KindService || ch.Action != Delete && ch.Action != Replace {
			continue
		}
		if ch.Action == Replace && c.hasChange(dnsAddr(ch.Address)) {
			continue // the provider's own dns_record change replaces the record
		}
		// A service deleted, or replaced by one plink writes no record for
		// (no privateDns, or a name without a zone): its record goes, in
		// the account and region of the old service.
		sv := c.svcByID[ch.ID]
		if rec := c.taggedRecord(sv); rec != nil {
			d := Change{Address: dnsAddr(ch.Address), Kind: KindDNSRecord, Action: Delete, Account: cmp.Or(ch.PriorAccount, ch.Account),
				AccountID: cmp.Or(ch.PriorAccountID, ch.AccountID), Region: cmp.Or(ch.PriorRegion, ch.Region), ID: sv.ID, Parent: ch.Address, ParentID: sv.ID, Before: rec}
			c.changes = append(c.changes, d)
		}
	}
	for _, ps := range c.provs {
		if !ps.ok || ps.svc == nil || ps.action == Replace {
			continue
		}
		why := fmt.Sprintf("%s no longer sets privateDns: the TXT record plink wrote is deleted", ps.addr)
		if ps.p.ManagesDNSRecord() {
			// The name changes to one plink publishes no record for (no
			// public zone, or the zone given is not usable): the record
			// plink wrote for the old name goes. A name with a zone has its
			// own dns_record change, which deletes the old record.
			if c.hasChange(dnsAddr(ps.addr)) || strings.EqualFold(ps.svc.PrivateDNSName, ps.p.PrivateDNSName) {
				continue
			}
			if z := c.s.DNSZoneFor(ps.p.Name); z == nil || z.ZoneID != "" || !c.readOK(ps.accountID, ps.region) {
				continue // the new name's zone was not read: nothing is known
			}
			why = fmt.Sprintf("%s changes its private DNS name from %s to %s, for which plink writes no record: the TXT record plink wrote for %s is deleted",
				ps.addr, ps.svc.PrivateDNSName, ps.p.PrivateDNSName, ps.svc.PrivateDNSName)
		}
		if rec := c.taggedRecord(ps.svc); rec != nil {
			d := c.child(ps, KindDNSRecord, dnsAddr(ps.addr))
			d.Action, d.ID, d.Before = Delete, ps.svc.ID, rec
			d.Warnings = append(d.Warnings, why)
			c.changes = append(c.changes, d)
		}
	}
}

// hasChange reports whether the plan has a change at addr.
func (c *computer) hasChange(addr string) bool {
	for i := range c.changes {
		if c.changes[i].Address == addr {
			return true
		}
	}
	return false
}

// privateDNSWaits says what turning a consumer's private DNS on waits for
// (Change.PrivateDNSWaitsFor), when apply turns it on after the endpoint
// is made (PrivateDNSAfterAccept): its connection's acceptance, the
// verification of its provider's private DNS name (verifiedBy, the
// provider's dns_record change), or both.
func privateDNSWaits(ch *Change, accept bool, verifiedBy string) []string {
	if !ch.PrivateDNSAfterAccept {
		return nil
	}
	var out []string
	if accept {
		out = append(out, "the connection is accepted")
	}
	if verifiedBy != "" {
		out = append(out, fmt.Sprintf("%s verifies the provider's private DNS name", verifiedBy))
	}
	return out
}

// PrivateDNSNote is the plan's note on a change that turns private DNS on
// after the endpoint is made, or "": what it waits for.
func PrivateDNSNote(c *Change) string {
	if !c.PrivateDNSAfterAccept {
		return ""
	}
	waits := c.PrivateDNSWaitsFor
	if len(waits) == 0 {
		waits = []string{"the connection is accepted"} // a plan saved before PrivateDNSWaitsFor
	}
	return "privateDnsEnabled is turned on after " + strings.Join(waits, " and ")
}

// PrivateDNSVerifiedBy is the dns_record change (provider.NAME.dns_record)
// whose verification a change's private DNS waits for, or "".
func PrivateDNSVerifiedBy(c *Change) string {
	for _, w := range c.PrivateDNSWaitsFor {
		if addr, _, ok := strings.Cut(w, " verifies "); ok && strings.HasSuffix(addr, ".dns_record") {
			return addr
		}
	}
	return ""
}
