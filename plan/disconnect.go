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

// disconnects lists every way this plan takes a service away from
// connected endpoints as a disconnect: a reject of each such endpoint's
// connection, counted in the summary, under one consent. The ways are
//
//   - deleting or replacing the service: AWS deletes a service only once no
//     endpoint is connected, so each connected endpoint that the plan does
//     not delete itself is rejected first;
//   - removing a region from supportedRegions: endpoints connected from
//     that region lose the service (AWS does not refuse the removal);
//   - rejecting, by connections.rejectUndeclared, an available connection
//     whose account the plan (or someone before it) stopped allowing.
//
// Cutting off an endpoint that the manifest does not declare is error
// PL225 unless Options.AllowDisconnect. Connections from accounts that
// leave the manifest are accountsLeaving's (PL233).
func (c *computer) disconnects() {
	d := c.newDisconnects()
	for i := range c.changes {
		svc := &c.changes[i]
		if svc.Kind != KindService || svc.ID == "" {
			continue
		}
		if sv := c.svcByID[svc.ID]; sv != nil {
			d.serviceCuts(svc, sv)
		}
	}
	d.ruledCuts()
	d.report()
	c.changes = append(c.changes, d.rejects...)
}

// disconnects is what disconnects gathers: the endpoints cut off, by
// provider and cause, and the rejects that cut them off.
type disconnects struct {
	c       *computer
	deleted map[string]bool // endpoint ids this plan deletes
	leaving map[string]bool // endpoint ids of accounts leaving the manifest (accountsLeaving)
	planned map[string]bool // addresses of connection changes
	cuts    []*cut
	rejects []Change
}

// cut is the strangers (endpoints the manifest does not declare) one
// provider cuts off for one cause, for PL225.
type cut struct {
	svc       *Change
	cause     string // what the plan does to them, for the message
	alt       string // what else the user may do, for the hint
	strangers []string
}

func (c *computer) newDisconnects() *disconnects {
	d := &disconnects{c: c, deleted: map[string]bool{}, planned: map[string]bool{}}
	for _, ch := range c.changes {
		if ch.Kind == KindEndpoint && (ch.Action == Delete || ch.Action == Replace) && ch.ID != "" {
			d.deleted[ch.ID] = true
		}
		if ch.Kind == KindConnection {
			d.planned[ch.Address] = true
		}
	}
	d.leaving = c.accountsLeaving(d.deleted)
	return d
}

// serviceCuts cuts off the connected endpoints of a service the plan
// deletes or replaces, or of the regions its update stops supporting.
func (d *disconnects) serviceCuts(svc *Change, sv *live.Service) {
	conns := append([]live.Connection(nil), sv.Connections...)
	sort.Slice(conns, func(i, j int) bool { return conns[i].EndpointID < conns[j].EndpointID })
	switch {
	case svc.Action == Delete || svc.Action == Replace:
		verb := map[Action]string{Delete: "deleted", Replace: "replaced"}[svc.Action]
		k := &cut{svc: svc, cause: "would be " + verb + " with", alt: "or keep the provider (and its service) in the manifest"}
		d.cuts = append(d.cuts, k)
		for _, cn := range conns {
			if !connected(cn) || d.deleted[cn.EndpointID] {
				continue
			}
			d.cutOff(svc, sv, cn, fmt.Sprintf("%s is %s: AWS deletes an endpoint service only once no endpoint is connected", svc.Address, verb), verb, k)
		}
	case svc.Action == Update && svc.Before != nil && svc.After != nil:
		dropped := droppedRegions(svc)
		if len(dropped) == 0 {
			return
		}
		k := &cut{svc: svc, cause: "would stop supporting " + strings.Join(dropped, ", ") + " with",
			alt: fmt.Sprintf("or keep %s in supportedRegions of %s", strings.Join(dropped, ", "), svc.Address)}
		d.cuts = append(d.cuts, k)
		for _, cn := range conns {
			if !connected(cn) || d.deleted[cn.EndpointID] || !contains(dropped, cn.Region) {
				continue
			}
			d.cutOff(svc, sv, cn, fmt.Sprintf("%s is removed from supportedRegions of %s: an endpoint in that region loses the service", cn.Region, svc.Address),
				"stops serving in "+cn.Region, k)
		}
	}
}

// droppedRegions are the supportedRegions a service's update removes.
func droppedRegions(svc *Change) []string {
	var dropped []string
	for _, r := range svc.Before.SupportedRegions {
		if !contains(svc.After.SupportedRegions, r) {
			dropped = append(dropped, r)
		}
	}
	return dropped
}

// cutOff rejects connection cn of service sv (the plan's change svc),
// unless a connection change is planned for it already: a declared
// consumer's endpoint is warned about (PL112), a stranger is one of k's.
func (d *disconnects) cutOff(svc *Change, sv *live.Service, cn live.Connection, reason, verb string, k *cut) {
	c := d.c
	addr := fmt.Sprintf("%s.connection[%s]", svc.Address, cn.EndpointID)
	if d.planned[addr] {
		return
	}
	d.planned[addr] = true
	ch := Change{Address: addr, Kind: KindConnection, Action: Reject,
		Account: c.alias(sv.AccountID), AccountID: sv.AccountID, Region: sv.Region, ID: cn.EndpointID,
		Parent: svc.Address, ParentID: sv.ID,
		Before: &Values{EndpointID: cn.EndpointID, EndpointOwner: cn.OwnerID, State: cn.State},
		After:  &Values{EndpointID: cn.EndpointID, EndpointOwner: cn.OwnerID, State: stateRejected}}
	ch.Reason = reason
	ch.Breaks = []string{fmt.Sprintf("endpoint %s in account %s is disconnected", cn.EndpointID, c.accountLabel(cn.OwnerID))}
	if live.EndpointPhase(cn.State) != live.PhaseUsable {
		ch.Breaks = []string{fmt.Sprintf("endpoint %s in account %s (%s) is rejected and never connects", cn.EndpointID, c.accountLabel(cn.OwnerID), cn.State)}
	}
	if decl := c.declaredEndpoint(cn.EndpointID); decl != "" {
		c.diag(SeverityWarning, CodeDisconnectDeclared, decl, c.alias(sv.AccountID), sv.Region,
			fmt.Sprintf("%s (%s) is cut off from %s, which this plan %s; it carries no traffic until replaced", decl, cn.EndpointID, svc.Address, verb),
			"point the consumer at a service the manifest keeps, or remove it together with the provider")
	} else {
		// a request still waiting for acceptance carries no traffic:
		// turning it away is listed (the reject), but is no disconnect
		// to consent to
		if !d.leaving[cn.EndpointID] && live.EndpointPhase(cn.State) != live.PhaseWaiting {
			k.strangers = append(k.strangers, fmt.Sprintf("%s of account %s (%s)", cn.EndpointID, c.accountLabel(cn.OwnerID), cn.State))
		}
		ch.ConfirmForeign = true
		if c.opts.AllowDisconnect {
			ch.Warnings = append(ch.Warnings, "the manifest does not declare this endpoint; disconnected because --allow-disconnect was given")
		}
	}
	d.rejects = append(d.rejects, ch)
}

// ruledCuts are the rejects of available connections by
// connections.rejectUndeclared (their accounts are no longer allowed):
// disconnects as well, one cut per provider.
func (d *disconnects) ruledCuts() {
	c := d.c
	ruled := map[string]*cut{}
	for i := range c.changes {
		ch := &c.changes[i]
		if ConnectionRule(*ch) != RuleRejectUndeclared || ch.Before == nil || d.deleted[ch.ID] || d.leaving[ch.ID] {
			continue
		}
		if ph := live.EndpointPhase(ch.Before.State); ph != live.PhaseUsable && ph != live.PhaseSettling {
			continue // a pending request turned away is not a disconnect
		}
		k := ruled[ch.Parent]
		if k == nil {
			k = &cut{svc: &Change{Address: ch.Parent, Account: ch.Account, Region: ch.Region},
				cause: "would reject (connections.rejectUndeclared: their accounts are no longer allowed principals)",
				alt:   "or keep their accounts in allowedPrincipals (or connections.acceptFrom) of " + ch.Parent}
			ruled[ch.Parent] = k
			d.cuts = append(d.cuts, k)
		}
		k.strangers = append(k.strangers, fmt.Sprintf("%s of account %s (%s)", ch.ID, c.accountLabel(ch.Before.EndpointOwner), ch.Before.State))
		if c.opts.AllowDisconnect {
			ch.Warnings = append(ch.Warnings, "the endpoint is available and the manifest does not declare it; disconnected because --allow-disconnect was given")
		}
	}
}

// report is PL225 for each cut that has strangers, unless
// --allow-disconnect consented.
func (d *disconnects) report() {
	if d.c.opts.AllowDisconnect {
		return
	}
	for _, k := range d.cuts {
		if len(k.strangers) == 0 {
			continue
		}
		svc := k.svc
		d.c.diag(SeverityError, CodeDisconnect, svc.Address, svc.Account, svc.Region,
			fmt.Sprintf("%s %s %d connected endpoint(s) that the manifest does not declare, cutting them off: %s", svc.Address, k.cause, len(k.strangers), strings.Join(k.strangers, ", ")),
			"tell their owners first; then run again with --allow-disconnect, "+k.alt)
	}
}

// accountsLeaving reports connections to the project's kept services from
// accounts that lose access in this plan and that the plan does not read
// (PL233): the manifest no longer names them (every named account is read
// in every region the manifest uses and each region a connection comes
// from). And connections from such accounts that it does not admit and
// that stay open (PL032). It returns the endpoint ids PL233 covers.
//
// The provider cannot tell whose endpoint a connection is: the connection
// names the endpoint's id, owner account and region, and the tags AWS
// returns with it are the connection's own, not the endpoint's. plink reads
// only the manifest's accounts, so once an account is gone from the
// manifest, the endpoints plink made there can be neither seen nor
// deleted. So every connected endpoint of an account that the manifest
// does not name, and whose last allowed principal the plan removes, is
// reported before it is too late: either it is a consumer the manifest
// dropped with its account (remove the consumers first, apply, then the
// account), or a customer the provider stops admitting (consent with
// --allow-disconnect). Accounts the manifest still admits (a principal in
// the account, "*", or connections.acceptFrom) are customers and never
// reported.
func (c *computer) accountsLeaving(deleted map[string]bool) map[string]bool {
	out := map[string]bool{}
	for _, ps := range c.provs {
		sv := ps.svc
		if !ps.ok || sv == nil || ps.action == Create || ps.action == Replace {
			continue
		}
		conns := append([]live.Connection(nil), sv.Connections...)
		sort.Slice(conns, func(i, j int) bool { return conns[i].EndpointID < conns[j].EndpointID })
		var gone, open []string
		for _, cn := range conns {
			region := cn.Region
			if region == "" {
				region = sv.Region
			}
			// Where the plan read the owner's account-region, it sees the
			// endpoint itself: the project's is deleted or kept by the
			// manifest, another's is a stranger for disconnects above.
			if !connected(cn) || deleted[cn.EndpointID] || c.readOK(cn.OwnerID, region) || cn.OwnerID == ps.accountID ||
				allowsSomeIn(ps.principals, cn.OwnerID) || contains(ps.p.Connections.AcceptFromIDs, cn.OwnerID) {
				continue
			}
			what := fmt.Sprintf("%s of account %s (%s)", cn.EndpointID, cn.OwnerID, cn.State)
			switch {
			case allowsSomeIn(sv.Principals, cn.OwnerID):
				gone = append(gone, what)
				out[cn.EndpointID] = true
			case live.EndpointPhase(cn.State) != live.PhaseWaiting && !ps.p.Connections.RejectUndeclared:
				open = append(open, what)
			}
		}
		if len(gone) > 0 {
			sev, verb := SeverityError, "would lose"
			if c.opts.AllowDisconnect {
				sev, verb = SeverityWarning, "loses"
			}
			after := "they stay connected"
			if ps.p.Connections.RejectUndeclared {
				after = "their available connections are rejected (connections.rejectUndeclared), the endpoints stay"
			}
			c.diag(sev, CodeAccountLeaves, ps.addr, ps.alias, ps.region,
				fmt.Sprintf("%s: %d connected endpoint(s) belong to accounts that leave the manifest and %s their allowed principal in this plan: %s; %s, and plink, which reads only the manifest's accounts, could no longer see or delete them", ps.addr, len(gone), verb, strings.Join(gone, ", "), after),
				"if they are endpoints of the project's consumers: keep the account (and its principal) in the manifest, remove or move its consumers, apply (plink deletes their endpoints), then remove the account; if they are a customer's that you stop admitting, tell the owner and run again with --allow-disconnect")
		}
		if len(open) > 0 {
			c.diag(SeverityWarning, CodeForeignOpen, ps.addr, ps.alias, ps.region,
				fmt.Sprintf("%s has %d connection(s) from accounts the manifest neither names nor admits, left open: %s", ps.addr, len(open), strings.Join(open, ", ")),
				"plink cannot read those accounts: delete the endpoints in their owner account if they are the project's (aws ec2 delete-vpc-endpoints), admit the accounts (allowedPrincipals or connections.acceptFrom) if they are customers', or set connections.rejectUndeclared: true to close them")
		}
	}
	return out
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
