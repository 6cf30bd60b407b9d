package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/plinkdev/plink/live"
)

// TagProtect marks a resource whose manifest entry says protect: true. The
// tag outlives the entry: a protected resource removed from the manifest is
// still refused deletion, as Terraform's prevent_destroy cannot.
const TagProtect = "plink:protect"

// disconnects turns the side effects of deleting or replacing a service
// into changes: AWS deletes a service only once no endpoint is connected,
// so every connected endpoint that the plan does not delete itself is
// rejected first, and the plan says so. Cutting off an endpoint that the
// manifest does not declare is an error unless Options.AllowDisconnect.
func (c *computer) disconnects() {
	deleted := map[string]bool{} // endpoint ids this plan deletes
	for _, ch := range c.changes {
		if ch.Kind == KindEndpoint && (ch.Action == Delete || ch.Action == Replace) && ch.ID != "" {
			deleted[ch.ID] = true
		}
	}
	var rejects []Change
	for i := range c.changes {
		svc := &c.changes[i]
		if svc.Kind != KindService || (svc.Action != Delete && svc.Action != Replace) || svc.ID == "" {
			continue
		}
		sv := c.svcByID[svc.ID]
		if sv == nil {
			continue
		}
		conns := append([]live.Connection(nil), sv.Connections...)
		sort.Slice(conns, func(i, j int) bool { return conns[i].EndpointID < conns[j].EndpointID })
		var strangers []string
		base := svc.Address
		for _, cn := range conns {
			if !connected(cn) || deleted[cn.EndpointID] {
				continue
			}
			ch := Change{Address: fmt.Sprintf("%s.connection[%s]", base, cn.EndpointID), Kind: KindConnection, Action: Reject,
				Account: c.alias(sv.AccountID), AccountID: sv.AccountID, Region: sv.Region, ID: cn.EndpointID,
				Parent: svc.Address, ParentID: sv.ID,
				Before: &Values{EndpointID: cn.EndpointID, EndpointOwner: cn.OwnerID, State: cn.State},
				After:  &Values{EndpointID: cn.EndpointID, EndpointOwner: cn.OwnerID, State: stateRejected}}
			verb := "deleted"
			if svc.Action == Replace {
				verb = "replaced"
			}
			ch.Reason = fmt.Sprintf("%s is %s: AWS deletes an endpoint service only once no endpoint is connected", svc.Address, verb)
			ch.Breaks = []string{fmt.Sprintf("endpoint %s in account %s is disconnected", cn.EndpointID, c.accountLabel(cn.OwnerID))}
			if live.EndpointPhase(cn.State) != live.PhaseUsable {
				ch.Breaks = []string{fmt.Sprintf("endpoint %s in account %s (%s) is rejected and never connects", cn.EndpointID, c.accountLabel(cn.OwnerID), cn.State)}
			}
			if decl := c.declaredEndpoint(cn.EndpointID); decl != "" {
				c.diag(SeverityWarning, CodeDisconnectDeclared, decl, c.alias(sv.AccountID), sv.Region,
					fmt.Sprintf("%s (%s) is cut off from %s, which this plan %s; it carries no traffic until replaced", decl, cn.EndpointID, svc.Address, verb),
					"point the consumer at a service the manifest keeps, or remove it together with the provider")
			} else {
				strangers = append(strangers, fmt.Sprintf("%s of account %s (%s)", cn.EndpointID, c.accountLabel(cn.OwnerID), cn.State))
				ch.ConfirmForeign = true
				if c.opts.AllowDisconnect {
					ch.Warnings = append(ch.Warnings, "the manifest does not declare this endpoint; disconnected because --allow-disconnect was given")
				}
			}
			rejects = append(rejects, ch)
		}
		if len(strangers) > 0 && !c.opts.AllowDisconnect {
			c.diag(SeverityError, CodeDisconnect, svc.Address, c.alias(sv.AccountID), sv.Region,
				fmt.Sprintf("%s would be %s with %d connected endpoint(s) that the manifest does not declare, cutting them off: %s", svc.Address, map[Action]string{Delete: "deleted", Replace: "replaced"}[svc.Action], len(strangers), strings.Join(strangers, ", ")),
				"tell their owners first; then run again with --allow-disconnect, or keep the provider (and its service) in the manifest")
		}
	}
	c.changes = append(c.changes, rejects...)
}

// declaredEndpoint is the address of the manifest consumer whose kept
// endpoint is id, or "".
func (c *computer) declaredEndpoint(id string) string {
	for i := range c.changes {
		ch := &c.changes[i]
		if ch.Kind == KindEndpoint && ch.ID == id && ch.Action != Delete && ch.Action != Replace {
			return ch.Address
		}
	}
	return ""
}

// protection refuses changes that delete or replace a protected resource:
// a manifest entry with protect: true, or a live resource carrying
// TagProtect that the manifest no longer declares.
func (c *computer) protection(protected map[string]bool) {
	for _, ch := range c.changes {
		if ch.Action != Delete && ch.Action != Replace || (ch.Kind != KindService && ch.Kind != KindEndpoint) {
			continue
		}
		tagged := ch.Before != nil && ch.Before.Tags[TagProtect] == "true"
		switch {
		case ch.Action == Replace && protected[ch.Address]:
			c.diag(SeverityError, CodeProtected, ch.Address, ch.Account, ch.Region,
				fmt.Sprintf("%s is protected (protect: true) and this plan replaces %s (%s)", ch.Address, ch.ID, strings.Join(ch.ReplaceReasons, ", ")),
				"undo the change that forces the replace, or set protect: false, apply, and plan again")
		case ch.Action == Delete && tagged:
			c.diag(SeverityError, CodeProtected, ch.Address, ch.Account, ch.Region,
				fmt.Sprintf("%s (%s) is protected (tag %s=true, set by protect: true) and this plan deletes it", ch.Address, ch.ID, TagProtect),
				"to delete it, put it back in the manifest with protect: false and apply, then remove it")
		}
	}
}

// protectedAddrs are the addresses of manifest entries with protect: true.
func (c *computer) protectedAddrs() map[string]bool {
	out := map[string]bool{}
	for _, p := range c.m.Providers {
		if p.Protect {
			out["provider."+p.Name] = true
		}
	}
	for _, cm := range c.m.Consumers {
		if cm.Protect {
			out["consumer."+cm.Name] = true
		}
	}
	return out
}
