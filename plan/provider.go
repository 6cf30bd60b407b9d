package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

func serviceType(p *manifest.Provider) string {
	if len(p.GatewayLoadBalancerARNs) > 0 {
		return typeGatewayLoadBalancer
	}
	return typeInterface
}

func liveServiceValues(sv *live.Service) *Values {
	t := sv.Type
	if t == "" {
		t = typeInterface
		if len(sv.GatewayLoadBalancerARNs) > 0 {
			t = typeGatewayLoadBalancer
		}
	}
	return &Values{
		Type:                    t,
		ServiceName:             sv.Name,
		NetworkLoadBalancerARNs: sorted(sv.NetworkLoadBalancerARNs),
		GatewayLoadBalancerARNs: sorted(sv.GatewayLoadBalancerARNs),
		AcceptanceRequired:      ptr(sv.AcceptanceRequired),
		PrivateDNSName:          optString(sv.PrivateDNSName),
		SupportedIPAddressTypes: sorted(sv.SupportedIPAddressTypes),
		SupportedRegions:        sorted(sv.SupportedRegions, sv.Region),
		PayerResponsibility:     sv.PayerResponsibility, // ServiceOwner, or "": AWS's default
		Tags:                    serviceTags(sv.Tags),
	}
}

// payerOf is a live service's payer responsibility: ServiceOwner, or
// EndpointOwner, AWS's default, which AWS reports as nothing.
func payerOf(sv *live.Service) string {
	if sv.PayerResponsibility == "" {
		return manifest.PayerEndpointOwner
	}
	return sv.PayerResponsibility
}

// serviceTags are a live service's tags as the plan compares them:
// without plink:dns-zone, which records the verification record plink
// wrote (privatedns.go) and is changed only with that record.
func serviceTags(tags map[string]string) map[string]string {
	out := liveTags(tags)
	if _, ok := out[live.TagDNSZone]; ok {
		delete(out, live.TagDNSZone)
		if len(out) == 0 {
			return nil
		}
	}
	return out
}

func (c *computer) desiredServiceValues(ps *provState, prior *live.Service) *Values {
	p := ps.p
	ipTypes := sorted(p.SupportedIPAddressTypes)
	if ipTypes == nil {
		if prior != nil && len(prior.SupportedIPAddressTypes) > 0 {
			ipTypes = sorted(prior.SupportedIPAddressTypes)
		} else {
			ipTypes = []string{"ipv4"}
		}
	}
	v := c.newValues(true) // a service keeps its after values (noop.go)
	*v = Values{
		Type:                    serviceType(p),
		NetworkLoadBalancerARNs: sorted(p.NetworkLoadBalancerARNs),
		GatewayLoadBalancerARNs: sorted(p.GatewayLoadBalancerARNs),
		AcceptanceRequired:      ptr(p.AcceptanceRequired),
		PrivateDNSName:          optString(p.PrivateDNSName),
		SupportedIPAddressTypes: ipTypes,
		SupportedRegions:        sorted(p.SupportedRegions, ps.region),
		PayerResponsibility:     p.PayerResponsibility,
		Tags:                    c.desiredTags(p.Name, p.Tags, p.Protect),
	}
	return v
}

func (c *computer) desiredPrincipals(ps *provState) []string {
	var out []string
	for _, pr := range ps.p.AllowedPrincipals {
		switch {
		case pr.Resolved != "":
			out = append(out, pr.Resolved)
		case pr.ARN != "":
			out = append(out, pr.ARN)
		case pr.Account != "":
			if a := c.m.Accounts[pr.Account]; a != nil {
				out = append(out, rootARN(a.ID))
			}
		}
	}
	return sorted(out)
}

func (c *computer) resolveProviders() {
	for _, p := range c.m.Providers {
		ps, adopted := c.resolveService(p)
		if !ps.ok {
			continue
		}
		ps.newPrincipals, ps.declared = map[string]string{}, map[string]string{}
		c.serviceChange(ps, adopted)
		c.dnsRecordChange(ps)
		var have []string
		if ps.action != Create && ps.action != Replace {
			have = ps.svc.Principals
		}
		for _, arn := range ps.principals {
			if !contains(have, arn) {
				ps.newPrincipals[arn] = principalAddr(ps, arn)
			}
		}
		c.providerLint(ps)
	}
}

// resolveService makes a provider's state and finds its live service:
// ps.ok when its account is known and nothing blocks the match, ps.svc
// the service (nil: none), and whether it is adopted. Compute plans from
// there (resolveProviders); LintTargetHealth needs no more.
func (c *computer) resolveService(p *manifest.Provider) (ps *provState, adopted bool) {
	ps = &provState{p: p, addr: "provider." + p.Name, alias: p.Account, region: c.region(p.Region)}
	c.provs = append(c.provs, ps)
	c.provByNm[p.Name] = ps
	acct := c.account(ps.addr, p.Account)
	if acct == nil {
		return ps, false
	}
	ps.accountID = acct.ID
	ps.principals = c.desiredPrincipals(ps)
	c.checkRead(ps.addr, ps.alias, ps.accountID, ps.region)
	name := lookupName(p.Name, p.RenamedFrom, c.svcByName)
	svc, adopted, ok := match(c, ps.addr, kindServiceNoun, name, p.Adopt, ps.accountID, ps.region, c.svcByName, c.svcByID, svcRef, c.serviceFit(ps))
	if !ok {
		return ps, false
	}
	ps.ok = true
	if svc == nil && p.Adopt == "" {
		svc = c.repairService(ps)
	}
	ps.svc = svc
	if svc != nil && name != p.Name && svc.Tags[live.TagName] != "" {
		ps.renamedFrom = name
	}
	return ps, adopted
}

// serviceFit compares a live service that carries a provider's name with
// the provider, for choosing among several (see pickDuplicate): the load
// balancer type and the account and region force a replace.
func (c *computer) serviceFit(ps *provState) func(*live.Service) fit {
	want := serviceType(ps.p)
	return func(sv *live.Service) fit {
		var reasons []string
		t := liveServiceValues(sv).Type
		if t != want {
			reasons = append(reasons, "type")
		}
		scope, where := c.scopeFit(sv.AccountID, sv.Region, ps.accountID, ps.region)
		return fit{reasons: append(reasons, scope...), identity: t + ", " + where}
	}
}

func (c *computer) serviceChange(ps *provState, adopted bool) {
	ch := Change{Address: ps.addr, Kind: KindService, Account: ps.alias, AccountID: ps.accountID, Region: ps.region}
	ps.after = c.desiredServiceValues(ps, ps.svc)
	ch.After = ps.after
	if ps.svc == nil {
		ch.Action = Create
		ch.Refs = ps.serviceNameRef()
		if ps.p.PrivateDNSName != "" && !ps.p.ManagesDNSRecord() {
			ch.Warnings = append(ch.Warnings, fmt.Sprintf("private DNS name %s must be verified with a DNS TXT record after creation before consumers can use it", ps.p.PrivateDNSName))
		}
		ps.action = Create
		c.changes = append(c.changes, ch)
		return
	}
	sv := ps.svc
	ch.ID = sv.ID
	ch.Before = liveServiceValues(sv)
	if ch.Before.Type != ch.After.Type {
		ch.ReplaceReasons = append(ch.ReplaceReasons, "type")
	}
	switch {
	case ch.After.PayerResponsibility == "":
		ch.Before.PayerResponsibility = "" // not managed: the manifest does not set it
	case ch.Before.PayerResponsibility == "":
		ch.Before.PayerResponsibility = payerOf(sv) // EndpointOwner: never a replace
	case ch.Before.PayerResponsibility == manifest.PayerServiceOwner && ch.After.PayerResponsibility != manifest.PayerServiceOwner:
		// AWS has no way back, and a replace cannot help: the new service
		// needs the load balancers the old one holds until it is deleted.
		c.diag(SeverityError, CodePayerBack, ps.addr, ps.alias, ps.region,
			fmt.Sprintf("%s: %s has payerResponsibility ServiceOwner, and AWS cannot set it back to EndpointOwner", ps.addr, sv.ID),
			"keep payerResponsibility: ServiceOwner (or leave the field out: plink then leaves it); to have endpoint owners pay again, remove the provider and apply (its service is deleted), then add it back")
		ch.After.PayerResponsibility = ch.Before.PayerResponsibility
	}
	c.scopeReasons(&ch, sv.AccountID, sv.Region)
	if live.ServicePhase(sv.State) == live.PhaseBroken {
		// A Failed service serves nobody and does not recover.
		ch.ReplaceReasons = append(ch.ReplaceReasons, "state")
		ch.Warnings = append(ch.Warnings, fmt.Sprintf("endpoint service %s is %s: it serves no endpoint, so it is replaced", sv.ID, sv.State))
	}
	switch {
	case len(ch.ReplaceReasons) > 0:
		ch.Action = Replace
		ch.Refs = ps.serviceNameRef() // Breaks: addServiceBreaks
	case adopted:
		ch.Action = Adopt
		ch.After.ServiceName = sv.Name
		ps.svcName = sv.Name
	default:
		ch.After.ServiceName = sv.Name
		ps.svcName = sv.Name
		ch.Action = NoOp
		if len(Diff(KindService, ch.Before, ch.After)) > 0 {
			ch.Action = Update
			ch.Breaks = append(ch.Breaks, droppedRegionBreaks(sv, ch.After.SupportedRegions)...)
		}
	}
	if ps.renamedFrom != "" {
		renameWarning(&ch, "provider.", ps.renamedFrom, kindServiceNoun)
	}
	if ch.Action == Update && sv.Tags[live.TagName] == "" {
		ch.Warnings = append(ch.Warnings, fmt.Sprintf("%s lost its %s tag; the plan restores it", sv.ID, live.TagName))
	}
	ps.action = ch.Action
	c.changes = append(c.changes, ch)
}

// droppedRegionBreaks says which live cross-region connections come from a
// region the service stops supporting: their endpoints lose the service.
func droppedRegionBreaks(sv *live.Service, keep []string) []string {
	var out []string
	for _, cn := range sv.Connections {
		if cn.Region == "" || cn.Region == sv.Region || contains(keep, cn.Region) {
			continue
		}
		if !connected(cn) {
			continue
		}
		out = append(out, fmt.Sprintf("endpoint %s of account %s in %s connects from a region the service stops supporting (%s); it loses the service", cn.EndpointID, cn.OwnerID, cn.Region, cn.State))
	}
	return out
}

// scopeReasons adds replace reasons when a matched resource lives in another
// account or region than the manifest now says.
func (c *computer) scopeReasons(ch *Change, accountID, region string) {
	if accountID == ch.AccountID && region == ch.Region {
		return
	}
	if accountID != ch.AccountID {
		ch.ReplaceReasons = append(ch.ReplaceReasons, "account")
	}
	if region != ch.Region {
		ch.ReplaceReasons = append(ch.ReplaceReasons, "region")
	}
	ch.PriorAccount = c.alias(accountID)
	ch.PriorAccountID = accountID
	ch.PriorRegion = region
}

// connected reports whether a connection holds an endpoint to its service:
// available, or on its way there (pendingAcceptance, pending).
func connected(cn live.Connection) bool {
	switch live.EndpointPhase(cn.State) {
	case live.PhaseUsable, live.PhaseWaiting, live.PhaseSettling:
		return true
	}
	return false
}

// serviceBreaks lists what removing a service breaks: the endpoints
// connected to it (available, or accepted and becoming so) that the plan
// does not delete or replace itself, and apart from them the requests still
// pendingAcceptance, which are turned away.
func (c *computer) serviceBreaks(sv *live.Service, gone map[string]bool) []string {
	var conns, pending []live.Connection
	for _, cn := range sv.Connections {
		switch {
		case gone[cn.EndpointID] || !connected(cn):
		case live.EndpointPhase(cn.State) == live.PhaseWaiting:
			pending = append(pending, cn)
		default:
			conns = append(conns, cn)
		}
	}
	var out []string
	list := func(cs []live.Connection, one, many, head string) {
		if len(cs) == 0 {
			return
		}
		sort.Slice(cs, func(i, j int) bool { return cs[i].EndpointID < cs[j].EndpointID })
		noun := many
		if len(cs) == 1 {
			noun = one
		}
		out = append(out, fmt.Sprintf(head, sv.ID, len(cs), noun))
		for _, cn := range cs {
			out = append(out, fmt.Sprintf("endpoint %s of account %s, %s", cn.EndpointID, c.accountLabel(cn.OwnerID), cn.State))
		}
	}
	list(conns, "endpoint; it loses its connection", "endpoints; they lose their connection", "endpoint service %s has %d connected %s")
	list(pending, "request is turned away", "requests are turned away", "endpoint service %s: %d pending %s")
	return out
}

// addServiceBreaks says, on each change that removes a live service (a
// delete, or the old service of a replace), what that breaks; it runs once
// the plan's changes are all known, to leave out the endpoints the plan
// deletes or replaces itself.
func (c *computer) addServiceBreaks() {
	gone := map[string]bool{}
	for _, ch := range c.changes {
		if ch.Kind == KindEndpoint && (ch.Action == Delete || ch.Action == Replace) && ch.ID != "" {
			gone[ch.ID] = true
		}
	}
	for i := range c.changes {
		ch := &c.changes[i]
		if ch.Kind != KindService || ch.Action != Delete && ch.Action != Replace {
			continue
		}
		if sv := c.svcByID[ch.ID]; sv != nil {
			ch.Breaks = append(ch.Breaks, c.serviceBreaks(sv, gone)...)
		}
	}
}

// providerLint checks a provider against live state: its load balancers
// (each exists, is free, active and of the right type), the zones they
// give the service (ps.azIDs), and a private DNS name not verified.
func (c *computer) providerLint(ps *provState) {
	if !c.readOK(ps.accountID, ps.region) {
		return
	}
	p := ps.p
	zones := map[string]bool{}
	for _, lbs := range []struct {
		arns        []string
		want, field string
	}{
		{p.NetworkLoadBalancerARNs, "network", "networkLoadBalancerArns"},
		{p.GatewayLoadBalancerARNs, "gateway", "gatewayLoadBalancerArns"},
	} {
		for _, arn := range lbs.arns {
			lb := c.loadBalancerLint(ps, arn, lbs.want, lbs.field)
			if lb == nil {
				continue
			}
			for _, z := range lb.Zones {
				if id := c.zoneIDs[key{lb.AccountID, lb.Region, z}]; id != "" {
					zones[id] = true
				}
			}
		}
	}
	if len(zones) == 0 && ps.svc != nil {
		c.liveServiceZones(ps.svc, zones)
	}
	if len(zones) > 0 {
		ps.azIDs = zones
	}
	c.unverifiedDNSLint(ps)
}

// loadBalancerLint checks one of a provider's load balancers (listed in
// field, of type want). It returns the load balancer when its zones are
// the service's: it exists and is of the type.
func (c *computer) loadBalancerLint(ps *provState, arn, want, field string) *live.LoadBalancer {
	lb := c.lbs[arn]
	if lb == nil {
		c.diag(SeverityError, CodeLBMissing, ps.addr, ps.alias, ps.region,
			fmt.Sprintf("%s: load balancer %s does not exist in account %s region %s", ps.addr, arn, c.accountLabel(ps.accountID), ps.region),
			"create the load balancer first or correct the ARN in "+field)
		return nil
	}
	c.loadBalancerTaken(ps, arn)
	switch ph := live.LoadBalancerPhase(lb.State); {
	case ph == live.PhaseBroken:
		c.diag(SeverityError, CodeLBNotActive, ps.addr, ps.alias, ps.region,
			fmt.Sprintf("%s: load balancer %s is %s; it serves no traffic and AWS refuses it for an endpoint service", ps.addr, lb.Name, lb.State),
			"fix or recreate the load balancer (and update the ARN in "+field+"), then plan again")
	case ph == live.PhaseSettling && (ps.svc == nil || !contains(ps.svc.NetworkLoadBalancerARNs, arn) && !contains(ps.svc.GatewayLoadBalancerARNs, arn)):
		c.diag(SeverityError, CodeLBNotActive, ps.addr, ps.alias, ps.region,
			fmt.Sprintf("%s: load balancer %s is still %s; AWS accepts it for an endpoint service only once it is active", ps.addr, lb.Name, lb.State),
			"wait until the load balancer is active (aws elbv2 describe-load-balancers), then plan again")
	}
	if lb.Type != want {
		c.diag(SeverityError, CodeLBType, ps.addr, ps.alias, ps.region,
			fmt.Sprintf("%s: load balancer %s is of type %s, but %s needs type %s", ps.addr, lb.Name, lb.Type, field, want),
			"endpoint services front network load balancers (networkLoadBalancerArns) or gateway load balancers (gatewayLoadBalancerArns)")
		return nil
	}
	return lb
}

// loadBalancerTaken reports a load balancer that another provider of the
// manifest names, or that another endpoint service fronts: AWS lets a load
// balancer serve one endpoint service.
func (c *computer) loadBalancerTaken(ps *provState, arn string) {
	if twin := c.providerNaming(arn, ps); twin != nil {
		c.diag(SeverityError, CodeLBTaken, ps.addr, ps.alias, ps.region,
			fmt.Sprintf("%s: load balancer %s is also named by provider.%s; AWS lets a load balancer serve one endpoint service", ps.addr, arn, twin.Name),
			"give each provider its own load balancers")
		return
	}
	other := c.serviceFronting(arn, ps)
	switch {
	case other == nil:
	case c.going[other.ID] != "" && other.Tags[live.TagProject] == c.m.Project:
		// Already being deleted, by AWS or an earlier run: no order of this
		// plan helps; the create succeeds once it is gone.
		c.diag(SeverityWarning, CodeLBFreedLater, ps.addr, ps.alias, ps.region,
			fmt.Sprintf("%s: load balancer %s still fronts %s, which is %s; AWS refuses the new service until it is gone", ps.addr, arn, other.ID, c.going[other.ID]),
			"wait until it is gone (aws ec2 describe-vpc-endpoint-service-configurations --service-ids "+other.ID+"), then plan again")
	case other.Tags[live.TagProject] == c.m.Project:
		// This project's service, gone from the manifest: the plan would
		// create the new service before deleting the old one, and AWS
		// refuses a second service on a load balancer, so apply would fail
		// half way. Refuse here.
		old := ownedName(other.Tags, other.ID)
		c.diag(SeverityError, CodeLBFreedLater, ps.addr, ps.alias, ps.region,
			fmt.Sprintf("%s: load balancer %s still fronts %s (provider.%s), which this plan would delete only after creating the new service; AWS refuses a second service on a load balancer, so apply would fail", ps.addr, arn, other.ID, old),
			fmt.Sprintf("if %s is provider.%s renamed, add `renamedFrom: [%s]` to it: the service is kept and only its plink:name tag rewritten; to make a new service on this load balancer instead, first apply the manifest without %s (the old service is deleted), then add it", ps.addr, old, old, ps.addr))
	default:
		owner := "untagged"
		if proj := other.Tags[live.TagProject]; proj != "" {
			owner = fmt.Sprintf("%s of project %s", other.Tags[live.TagName], proj)
		}
		c.diag(SeverityError, CodeLBTaken, ps.addr, ps.alias, ps.region,
			fmt.Sprintf("%s: load balancer %s already fronts endpoint service %s (%s); AWS lets a load balancer serve one endpoint service", ps.addr, arn, other.ID, owner),
			fmt.Sprintf("use another load balancer, or take the service over with `adopt: %s` if nothing else manages it", other.ID))
	}
}

// liveServiceZones adds the zone ids the live service offers to zones: the
// service's zones when none of its load balancers tells them.
func (c *computer) liveServiceZones(sv *live.Service, zones map[string]bool) {
	for _, id := range sv.AvailabilityZoneIDs {
		zones[id] = true
	}
	for _, z := range sv.AvailabilityZones {
		if id := c.zoneIDs[key{sv.AccountID, sv.Region, z}]; id != "" {
			zones[id] = true
		}
	}
}

// unverifiedDNSLint warns about the provider's private DNS name that AWS
// has not verified and that this plan does not verify (PL105).
func (c *computer) unverifiedDNSLint(ps *provState) {
	p, sv := ps.p, ps.svc
	if sv == nil || ps.action == Replace || ps.dnsVerifies || p.PrivateDNSName == "" || sv.PrivateDNSName != p.PrivateDNSName ||
		sv.PrivateDNSState == "" || sv.PrivateDNSState == "verified" {
		return
	}
	hint := fmt.Sprintf("publish a TXT record named %s with value %q in the domain's DNS zone, then run: aws ec2 start-vpc-endpoint-service-private-dns-verification --service-id %s",
		live.VerificationRecordName(sv.PrivateDNSTXTName, sv.PrivateDNSName), sv.PrivateDNSTXTValue, sv.ID)
	c.diag(SeverityWarning, CodeDNSNotVerified, ps.addr, ps.alias, ps.region,
		fmt.Sprintf("%s: private DNS name %s is not verified (%s); consumers cannot enable private DNS until it is", ps.addr, p.PrivateDNSName, sv.PrivateDNSState),
		hint)
}

// providerChildren plans principals, connections and notifications of a
// provider whose service is kept, created or replaced.
func (c *computer) providerChildren(ps *provState) {
	if !ps.ok {
		return
	}
	fresh := ps.action == Create || ps.action == Replace
	var sv *live.Service
	if !fresh {
		sv = ps.svc
	}
	c.principalChanges(ps, sv)
	if sv != nil {
		c.connectionChanges(ps, sv)
	}
	c.notificationChanges(ps, sv)
}

func (c *computer) child(ps *provState, kind Kind, addr string) Change {
	ch := Change{Address: addr, Kind: kind, Account: ps.alias, AccountID: ps.accountID, Region: ps.region, Parent: ps.addr}
	if ps.svc != nil && ps.action != Replace {
		ch.ParentID = ps.svc.ID
	}
	if ps.action == Create || ps.action == Replace {
		// One slice for all the provider's children (a slice each was a
		// MB at 50,000 consumers), capped so that an append copies: a
		// change's DependsOn is read-only, as its Refs are (Change).
		if ps.self == nil {
			ps.self = []string{ps.addr}
		}
		ch.DependsOn = ps.self[:1:1]
	}
	return ch
}

// principalAddr is the address of the change of a provider's allowed
// principal arn.
func principalAddr(ps *provState, arn string) string {
	return ps.addr + ".principal[" + arn + "]"
}

func (c *computer) principalChanges(ps *provState, sv *live.Service) {
	var have []string
	if sv != nil {
		have = sorted(sv.Principals)
	}
	tags := c.principalTags(ps)
	for _, arn := range ps.principals {
		addr := ps.newPrincipals[arn]
		if addr == "" {
			addr = principalAddr(ps, arn)
		}
		ch := c.child(ps, KindPrincipal, addr)
		ch.After = c.principalValues(arn, tags[arn])
		if contains(have, arn) {
			ch.Action = NoOp
			ch.ID = arn
			ch.Before = &Values{Principal: arn, Tags: liveTags(sv.PrincipalTags[arn])}
			if len(Diff(KindPrincipal, ch.Before, ch.After)) > 0 {
				ch.Action = Update // the tags of its service permission
			}
		} else {
			ch.Action = Create
		}
		c.changes = append(c.changes, ch)
	}
	for _, arn := range have {
		if contains(ps.principals, arn) {
			continue
		}
		ch := c.child(ps, KindPrincipal, principalAddr(ps, arn))
		ch.Action = Delete
		ch.ID = arn
		ch.Before = &Values{Principal: arn}
		ch.Breaks, ch.Warnings = c.principalBreaks(ps, sv, arn)
		c.changes = append(c.changes, ch)
	}
}

// principalBreaks lists the connections from a removed principal's account
// that stay open: AWS does not close existing connections.
func (c *computer) principalBreaks(ps *provState, sv *live.Service, arn string) (breaks, warnings []string) {
	acct := principalAccount(arn)
	for _, cn := range sv.Connections {
		if ph := live.EndpointPhase(cn.State); ph != live.PhaseUsable && ph != live.PhaseWaiting || c.doomedLeftover(cn.EndpointID) {
			continue
		}
		if acct != "*" && cn.OwnerID != acct {
			continue
		}
		if allowsSomeIn(ps.principals, cn.OwnerID) {
			continue
		}
		if ps.p.Connections.RejectUndeclared && !c.connectionWanted(ps, cn) {
			breaks = append(breaks, fmt.Sprintf("connection %s of account %s, %s, is rejected (connections.rejectUndeclared)", cn.EndpointID, c.accountLabel(cn.OwnerID), cn.State))
			continue
		}
		breaks = append(breaks, fmt.Sprintf("connection %s of account %s, %s, stays open: AWS keeps existing connections when a principal is removed", cn.EndpointID, c.accountLabel(cn.OwnerID), cn.State))
	}
	if len(breaks) > 0 && !ps.p.Connections.RejectUndeclared {
		warnings = append(warnings, fmt.Sprintf("to close connections the manifest does not declare, set connections.rejectUndeclared: true on %s", ps.addr))
	}
	return breaks, warnings
}

// connectionWanted reports whether a connection comes from a declared
// consumer or an acceptFrom account.
func (c *computer) connectionWanted(ps *provState, cn live.Connection) bool {
	return ps.declared[cn.EndpointID] != "" || contains(ps.p.Connections.AcceptFromIDs, cn.OwnerID)
}

func (c *computer) connectionChanges(ps *provState, sv *live.Service) {
	conns := append([]live.Connection(nil), sv.Connections...)
	sort.Slice(conns, func(i, j int) bool { return conns[i].EndpointID < conns[j].EndpointID })
	cfg := ps.p.Connections
	var waiting []string
	for _, cn := range conns {
		if c.doomedLeftover(cn.EndpointID) {
			// the leftover of an interrupted replace: the plan deletes the
			// endpoint, so its connection is neither accepted nor rejected
			continue
		}
		declared := ps.declared[cn.EndpointID]
		fromList := contains(cfg.AcceptFromIDs, cn.OwnerID)
		var action Action
		var why string
		switch live.EndpointPhase(cn.State) {
		case live.PhaseWaiting:
			switch {
			case declared != "" && cfg.AcceptsDeclared():
				action, why = Accept, "endpoint of "+declared
			case fromList:
				action, why = Accept, "account "+cn.OwnerID+" is in connections.acceptFrom"
			case declared != "":
				// declared, but acceptance is left to someone else: say so,
				// or the endpoint waits with nobody the wiser
				c.diag(SeverityWarning, CodeDeclaredWaits, declared, ps.alias, ps.region,
					fmt.Sprintf("%s (%s) waits for acceptance by %s: connections.acceptDeclared is false and account %s is not in acceptFrom", declared, cn.EndpointID, ps.addr, c.accountLabel(cn.OwnerID)),
					"accept it outside plink, set connections.acceptDeclared: true, or add the account to connections.acceptFrom")
			case cfg.RejectUndeclared && len(ps.creating[cn.OwnerID]) > 0:
				// Possibly the endpoint of a consumer this plan creates,
				// made by another run (a shard) after its account was
				// read: rejecting it would cut off the project's own. The
				// next run sees whose it is.
				c.diag(SeverityInfo, CodeConnectionUnseen, ps.addr, ps.alias, ps.region,
					fmt.Sprintf("%s has a pending connection from %s (account %s), where the plan creates %s: it may be that endpoint, made after the account was read, so it is neither accepted nor rejected now", ps.addr, cn.EndpointID, c.accountLabel(cn.OwnerID), strings.Join(ps.creating[cn.OwnerID], ", ")),
					"run plink plan again once the endpoint is listed: a declared consumer's endpoint is accepted, another rejected (connections.rejectUndeclared)")
			case cfg.RejectUndeclared:
				action, why = Reject, "not declared in the manifest (connections.rejectUndeclared)"
			default:
				waiting = append(waiting, fmt.Sprintf("%s (account %s)", cn.EndpointID, c.accountLabel(cn.OwnerID)))
			}
		case live.PhaseUsable:
			if cfg.RejectUndeclared && declared == "" && !fromList && !allowsSomeIn(ps.principals, cn.OwnerID) {
				action, why = Reject, "account "+cn.OwnerID+" is no longer an allowed principal and the connection is not declared (connections.rejectUndeclared)"
			}
		}
		if action == "" {
			continue
		}
		ch := c.child(ps, KindConnection, fmt.Sprintf("%s.connection[%s]", ps.addr, cn.EndpointID))
		ch.Action = action
		ch.ID = cn.EndpointID
		ch.Before = &Values{EndpointID: cn.EndpointID, EndpointOwner: cn.OwnerID, State: cn.State}
		after := stateAvailable
		if action == Reject {
			after = stateRejected
			if live.EndpointPhase(cn.State) == live.PhaseUsable {
				ch.Breaks = []string{fmt.Sprintf("endpoint %s in account %s is disconnected", cn.EndpointID, c.accountLabel(cn.OwnerID))}
			}
		}
		ch.After = &Values{EndpointID: cn.EndpointID, EndpointOwner: cn.OwnerID, State: after}
		ch.Reason = why
		ch.ConfirmForeign = action == Reject && !c.projectEndpoint(cn.EndpointID)
		c.changes = append(c.changes, ch)
	}
	if len(waiting) > 0 {
		c.diag(SeverityWarning, CodeUndeclaredPending, ps.addr, ps.alias, ps.region,
			fmt.Sprintf("%s has %d pending connection(s) the manifest does not declare: %s", ps.addr, len(waiting), strings.Join(waiting, ", ")),
			"declare them as consumers, list their accounts in connections.acceptFrom, or set connections.rejectUndeclared: true to reject them")
	}
}

func (c *computer) notificationChanges(ps *provState, sv *live.Service) {
	var have []live.Notification
	if sv != nil {
		have = append(have, sv.Notifications...)
		sort.Slice(have, func(i, j int) bool { return have[i].ID < have[j].ID })
	}
	c.changes = append(c.changes, matchNotifications(ps.addr, ps.p.Notifications, have, func(addr string) Change {
		return c.child(ps, KindNotification, addr)
	})...)
}

// matchNotifications pairs the notifications an entry at addr declares
// with those live (have), by topic: each declared one is a create, or a
// no-op or update of the live one on its topic; each live one left over
// is a delete. child makes a notification change under the entry. The
// provider's and a consumer's own notifications are planned alike.
func matchNotifications(addr string, declared []manifest.Notification, have []live.Notification, child func(addr string) Change) []Change {
	var out []Change
	used := map[int]bool{}
	for i, n := range declared {
		ch := child(fmt.Sprintf("%s.notification[%d]", addr, i))
		ch.After = &Values{TopicARN: n.TopicARN, Events: sorted(n.Events)}
		ch.Action = Create
		for j, h := range have {
			if used[j] || h.TopicARN != n.TopicARN {
				continue
			}
			used[j] = true
			ch.ID = h.ID
			ch.Before = &Values{TopicARN: h.TopicARN, Events: sorted(h.Events)}
			ch.Action = NoOp
			if len(Diff(KindNotification, ch.Before, ch.After)) > 0 {
				ch.Action = Update
			}
			break
		}
		out = append(out, ch)
	}
	for j, h := range have {
		if used[j] {
			continue
		}
		ch := child(fmt.Sprintf("%s.notification[%s]", addr, h.ID))
		ch.Action = Delete
		ch.ID = h.ID
		ch.Before = &Values{TopicARN: h.TopicARN, Events: sorted(h.Events)}
		out = append(out, ch)
	}
	return out
}

// serviceFronting returns a live service, other than the provider's own,
// that already fronts the load balancer arn.
func (c *computer) serviceFronting(arn string, ps *provState) *live.Service {
	for _, sv := range c.lbIndex().services[arn] {
		if ps.svc == nil || sv.ID != ps.svc.ID {
			return sv
		}
	}
	return nil
}

// providerNaming returns another provider of the manifest that names the
// load balancer arn too.
func (c *computer) providerNaming(arn string, ps *provState) *manifest.Provider {
	for _, p := range c.lbIndex().providers[arn] {
		if p != ps.p {
			return p
		}
	}
	return nil
}

// repairService finds the live service of a provider that lost its
// plink:name tag by hand: tagged with the project but not named, in the
// provider's account and region, fronting one of its load balancers (AWS
// lets a load balancer serve one service, so at most one can match).
func (c *computer) repairService(ps *provState) *live.Service {
	lbs := append(append([]string(nil), ps.p.NetworkLoadBalancerARNs...), ps.p.GatewayLoadBalancerARNs...)
	var found *live.Service
	for i := range c.s.Services {
		sv := &c.s.Services[i]
		if c.claimed[sv.ID] || c.going[sv.ID] != "" || sv.Tags[live.TagProject] != c.m.Project || sv.Tags[live.TagName] != "" {
			continue
		}
		if sv.AccountID != ps.accountID || sv.Region != ps.region {
			continue
		}
		hit := false
		for _, arn := range lbs {
			hit = hit || contains(sv.NetworkLoadBalancerARNs, arn) || contains(sv.GatewayLoadBalancerARNs, arn)
		}
		if !hit {
			continue
		}
		if found != nil {
			return nil
		}
		found = sv
	}
	if found != nil {
		c.claimed[found.ID] = true
	}
	return found
}

// projectEndpoint reports whether the snapshot holds endpoint id as one of
// this project's: a reject of its connection acts on what the plan saw, not
// on a guess that needs confirming.
func (c *computer) projectEndpoint(id string) bool {
	ep := c.epByID[id]
	return ep != nil && c.m.Project != "" && ep.Tags[live.TagProject] == c.m.Project
}
