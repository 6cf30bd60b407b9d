package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/plinkdev/plink/live"
)

// destroyPlan is Compute with Options.Destroy: the deletion of everything
// the manifest owns — every live service and endpoint tagged with its
// project, in every account-region read — as ordinary changes, so that
// apply carries it out like any plan (connections rejected, endpoints
// deleted, then services). A resource the manifest adopts by id is released
// instead: an update whose after-tags lack plink's tags, leaving it as it
// was found. Protected resources make the plan an error (PL226), and
// endpoints the manifest does not declare that a deleted service would cut
// off follow the disconnect rule (PL225 unless AllowDisconnect).
func (c *computer) destroyPlan() *Plan {
	c.destroyScopes()
	c.deletes()
	c.adoptedDeletes()
	c.dnsRecordDeletes()
	c.addServiceBreaks()
	c.release()
	c.disconnects()
	c.destroyProtection()
	p := &Plan{
		FormatVersion:  FormatVersion,
		Project:        c.m.Project,
		ManifestDigest: c.m.Digest,
		PlinkVersion:   c.opts.PlinkVersion,
		Changes:        c.changes,
		Diagnostics:    c.diags,
		Fingerprints:   fingerprints(c.s),
	}
	sortChanges(p.Changes)
	sortDiagnostics(p.Diagnostics)
	p.Cost = cost(p.Changes, c.opts)
	return p
}

// destroyScopes reports every account-region of a manifest entry that was
// not read: destroy must not say "nothing to do" where it did not look.
func (c *computer) destroyScopes() {
	for _, p := range c.m.Providers {
		addr := "provider." + p.Name
		if a := c.account(addr, p.Account); a != nil {
			c.checkRead(addr, p.Account, a.ID, c.region(p.Region))
		}
	}
	for _, cm := range c.m.Consumers {
		addr := "consumer." + cm.Name
		if a := c.account(addr, cm.Account); a != nil {
			c.checkRead(addr, cm.Account, a.ID, c.region(cm.Region))
		}
	}
}

// adoptedIDs maps the live ids the manifest adopts to the adopting entry's
// address.
func (c *computer) adoptedIDs() map[string]string {
	out := map[string]string{}
	for _, p := range c.m.Providers {
		if p.Adopt != "" {
			out[p.Adopt] = "provider." + p.Name
		}
	}
	for _, cm := range c.m.Consumers {
		if cm.Adopt != "" {
			out[cm.Adopt] = "consumer." + cm.Name
		}
	}
	return out
}

// adoptedDeletes, with DeleteAdopted, deletes what the manifest adopts but
// apply never tagged (an adopt not applied yet): the manifest claims it
// all the same. One tagged by another project is not this manifest's.
func (c *computer) adoptedDeletes() {
	if !c.opts.DeleteAdopted {
		return
	}
	planned := map[string]bool{}
	for _, ch := range c.changes {
		planned[ch.ID] = true
	}
	adopted := c.adoptedIDs()
	ids := make([]string, 0, len(adopted))
	for id := range adopted {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		addr := adopted[id]
		if planned[id] {
			continue
		}
		if sv := c.svcByID[id]; sv != nil && sv.Tags[live.TagProject] == "" && c.readOK(sv.AccountID, sv.Region) {
			ch := Change{Address: addr, Kind: KindService, Action: Delete, Account: c.alias(sv.AccountID), AccountID: sv.AccountID,
				Region: sv.Region, ID: sv.ID, Before: liveServiceValues(sv)}
			c.changes = append(c.changes, ch)
		}
		if ep := c.epByID[id]; ep != nil && ep.Tags[live.TagProject] == "" && c.readOK(ep.AccountID, ep.Region) {
			c.changes = append(c.changes, Change{Address: addr, Kind: KindEndpoint, Action: Delete, Account: c.alias(ep.AccountID),
				AccountID: ep.AccountID, Region: ep.Region, ID: ep.ID, Before: c.liveEndpointValues(ep)})
		}
	}
	// an endpoint deleted here may be connected to a service deleted above
	deps := map[string]string{}
	for _, ch := range c.changes {
		if ch.Kind == KindEndpoint && ch.Action == Delete {
			deps[ch.ID] = ch.Address
		}
	}
	for i := range c.changes {
		ch := &c.changes[i]
		if ch.Kind != KindService || ch.Action != Delete || c.svcByID[ch.ID] == nil {
			continue
		}
		for _, cn := range c.svcByID[ch.ID].Connections {
			if a := deps[cn.EndpointID]; a != "" && !contains(ch.DependsOn, a) {
				ch.DependsOn = append(ch.DependsOn, a)
			}
		}
		sort.Strings(ch.DependsOn)
	}
}

// release turns the deletion of a resource the manifest adopts into an
// update that removes plink's tags: it was there before plink and stays
// after it, as it was found. With DeleteAdopted it is deleted.
func (c *computer) release() {
	if c.opts.DeleteAdopted {
		return
	}
	adopted := c.adoptedIDs()
	for i := range c.changes {
		ch := &c.changes[i]
		if ch.Action != Delete || adopted[ch.ID] == "" || ch.Before == nil {
			continue
		}
		after := *ch.Before
		after.Tags = map[string]string{}
		for k, v := range ch.Before.Tags {
			if !strings.HasPrefix(k, "plink:") {
				after.Tags[k] = v
			}
		}
		if len(after.Tags) == 0 {
			after.Tags = nil
		}
		ch.Action = Update
		ch.Release = true
		ch.After = &after
		ch.Breaks = nil
		ch.DependsOn = nil
		ch.Reason = fmt.Sprintf("adopted by %s (adopt: %s): released, not deleted", adopted[ch.ID], ch.ID)
		ch.Warnings = append(ch.Warnings, fmt.Sprintf("%s is kept and plink's tags are removed; plink no longer manages it (--delete-adopted deletes it instead)", ch.ID))
	}
}

// destroyProtection refuses to delete what is protected: by its live tag
// (TagProtect) or by a manifest entry of its name with protect: true, even
// if that was never applied.
func (c *computer) destroyProtection() {
	protected := map[string]bool{}
	for addr := range c.protectedAddrs() {
		protected[addr] = true
	}
	for _, ch := range c.changes {
		if ch.Action != Delete || (ch.Kind != KindService && ch.Kind != KindEndpoint) {
			continue
		}
		base := ch.Address
		if i := strings.IndexByte(base, '['); i >= 0 {
			base = base[:i]
		}
		tagged := ch.Before != nil && ch.Before.Tags[TagProtect] == "true"
		if !tagged && !protected[base] {
			continue
		}
		why := "protect: true in the manifest"
		if tagged {
			why = fmt.Sprintf("tag %s=true, set by protect: true", TagProtect)
		}
		c.diag(SeverityError, CodeProtected, ch.Address, ch.Account, ch.Region,
			fmt.Sprintf("%s (%s, account %s region %s) is protected (%s) and destroy deletes it", ch.Address, ch.ID, c.accountLabel(ch.AccountID), ch.Region, why),
			"set protect: false on it and apply, then destroy again")
	}
}
