package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

// normalizePolicy is NormalizePolicy for live policies, remembered by
// text: most endpoints carry the same default policy.
func (c *computer) normalizePolicy(raw string) string {
	if pol, ok := c.policies[raw]; ok {
		return pol
	}
	pol, err := NormalizePolicy(raw)
	if err != nil {
		pol = strings.TrimSpace(raw)
	}
	c.policies[raw] = pol
	return pol
}

func (c *computer) liveEndpointValues(ep *live.Endpoint) *Values {
	if ep.Type == typeGatewayEndpoint {
		return c.liveGatewayValues(ep)
	}
	t := ep.Type
	if t == "" {
		t = typeInterface
	}
	sr := ep.ServiceRegion
	if sr == ep.Region {
		sr = ""
	}
	pol := c.normalizePolicy(ep.Policy)
	return &Values{
		Type:                                     t,
		VPCID:                                    ep.VPCID,
		ServiceName:                              ep.ServiceName,
		ServiceRegion:                            sr,
		SubnetIDs:                                sorted(ep.SubnetIDs),
		SecurityGroupIDs:                         sorted(ep.SecurityGroupIDs),
		PrivateDNSEnabled:                        ptr(ep.PrivateDNSEnabled),
		DNSRecordIPType:                          ep.DNSRecordIPType,
		PrivateDNSOnlyForInboundResolverEndpoint: ep.PrivateDNSOnlyForInboundResolverEndpoint,
		IPAddressType:                            ep.IPAddressType,
		Policy:                                   pol,
		Tags:                                     liveTags(ep.Tags),
		ResourceConfigurationARN:                 ep.ResourceConfigurationARN,
		ServiceNetworkARN:                        ep.ServiceNetworkARN,
		PrivateDNSPreference:                     ep.PrivateDNSPreference,
		PrivateDNSSpecifiedDomains:               sorted(ep.PrivateDNSSpecifiedDomains),
	}
}

type consState struct {
	c         *manifest.Consumer
	addr      string
	alias     string
	accountID string
	region    string
	prov      *provState
	ep        *live.Endpoint
	// renamedFrom is the former name under which ep was found, or "".
	renamedFrom string
}

func (c *computer) resolveConsumers() {
	for _, cm := range c.m.Consumers {
		cs := &consState{c: cm, addr: "consumer." + cm.Name, alias: cm.Account, region: c.region(cm.Region)}
		acct := c.account(cs.addr, cm.Account)
		if acct == nil {
			continue
		}
		cs.accountID = acct.ID
		c.checkRead(cs.addr, cs.alias, cs.accountID, cs.region)
		if cm.Provider != "" {
			cs.prov = c.provByNm[cm.Provider]
			if cs.prov == nil {
				c.diag(SeverityError, CodeUnknownProvider, cs.addr, cs.alias, cs.region,
					fmt.Sprintf("%s names provider %q, which is not declared", cs.addr, cm.Provider),
					"declare the provider under providers, or use serviceName for a service managed elsewhere")
				continue
			}
			if !cs.prov.ok {
				// the provider's own error is reported; claim the endpoints so
				// they are not deleted, but plan nothing for them
				match(c, cs.addr, kindEndpointNoun, lookupName(cm.Name, cm.RenamedFrom, c.epByName), cm.Adopt, cs.accountID, cs.region, c.epByName, c.epByID, epRef, nil)
				continue
			}
		} else if cm.ServiceName != "" {
			for _, ps := range c.provs {
				if ps.ok && ps.svcName != "" && ps.svcName == cm.ServiceName {
					cs.prov = ps
				}
			}
		}
		name := lookupName(cm.Name, cm.RenamedFrom, c.epByName)
		ep, adopted, ok := match(c, cs.addr, kindEndpointNoun, name, cm.Adopt, cs.accountID, cs.region, c.epByName, c.epByID, epRef, c.endpointFit(cs))
		if !ok {
			continue
		}
		if ep == nil && cm.Adopt == "" {
			ep = c.repairEndpoint(cs)
		}
		cs.ep = ep
		if ep != nil && name != cm.Name && ep.Tags[live.TagName] != "" {
			cs.renamedFrom = name
		}
		// (a no-op's values go as soon as it is decided: noop.go)
		n := len(c.changes)
		if cm.IsGateway() {
			c.gatewayChange(cs, adopted)
			dropNoOpValues(c.changes[n:])
			continue
		}
		c.endpointChange(cs, adopted)
		c.consumerLint(cs)
		dropNoOpValues(c.changes[n:])
	}
}

// endpointChange plans a consumer's interface, Gateway Load Balancer or
// VPC Lattice endpoint: what the manifest declares, what the provider
// requires, how it compares with the live endpoint, and the accept of a
// connection the plan creates.
func (c *computer) endpointChange(cs *consState, adopted bool) {
	ch := Change{Address: cs.addr, Kind: KindEndpoint, Account: cs.alias, AccountID: cs.accountID, Region: cs.region}
	after := c.wantedEndpoint(cs, adopted)
	acceptance := c.providerTerms(cs, &ch, after)
	dnsWaitsAccept := false // private DNS is turned on after the connection is accepted
	if cs.ep != nil {
		dnsWaitsAccept = c.compareEndpoint(cs, &ch, after, adopted)
	} else {
		ch.Action = Create
		latticeDNS(cs.c, nil, after)
		if ps := cs.prov; ps != nil && ps.svc != nil && len(ps.svc.Connections) > 0 {
			// (only connectionChanges asks, of a live service's
			// connections: recorded for every provider, this was 6 MB at
			// 50,000 consumers)
			if ps.creating == nil {
				ps.creating = map[string][]string{}
			}
			ps.creating[cs.accountID] = append(ps.creating[cs.accountID], cs.addr)
		}
	}
	dnsWaitsVerify := c.deferUnverifiedDNS(cs, &ch, after)
	ch.After = after
	if cs.renamedFrom != "" {
		renameWarning(&ch, "consumer.", cs.renamedFrom, kindEndpointNoun)
	}
	created := ch.Action == Create || ch.Action == Replace
	if created && acceptance && *after.PrivateDNSEnabled {
		ch.PrivateDNSAfterAccept = true
		dnsWaitsAccept = true
	}
	ch.PrivateDNSWaitsFor = privateDNSWaits(&ch, dnsWaitsAccept, dnsWaitsVerify) // privatedns.go
	if created {
		if dep := c.principalFirst(cs); dep != "" {
			ch.DependsOn = append(ch.DependsOn, dep)
		}
	}
	c.reachChecks(cs, &ch)
	addressWarnings(&ch)
	c.addressHeld(cs, &ch)
	if ch.Action == Update && ch.Before != nil && ch.Before.Tags[live.TagName] == "" {
		ch.Warnings = append(ch.Warnings, fmt.Sprintf("%s lost its %s tag; the plan restores it", ch.ID, live.TagName))
	}
	c.changes = append(c.changes, ch)
	if created && c.acceptsCreated(cs) {
		c.changes = append(c.changes, c.acceptCreated(cs))
	}
}

// wantedEndpoint is the endpoint the manifest declares, as values (an
// invalid policy is an error diagnostic).
func (c *computer) wantedEndpoint(cs *consState, adopted bool) *Values {
	cm := cs.c
	after := c.newValues(cs.ep == nil) // a create's are kept
	*after = Values{
		VPCID:             cm.VPCID,
		SubnetIDs:         sorted(cm.SubnetIDs),
		IPAddresses:       wantedAddresses(cm),
		SecurityGroupIDs:  sorted(cm.SecurityGroupIDs),
		PrivateDNSEnabled: ptr(cm.PrivateDNSEnabled),
		IPAddressType:     cm.IPAddressType,
		Tags:              c.desiredTags(cm.Name, cm.Tags, cm.Protect),
	}
	if cs.ep != nil {
		markAdopted(after.Tags, cs.ep.Tags, cs.ep.ID, adopted) // adopted.go
	}
	if cm.DNSOptions != nil {
		after.DNSRecordIPType = cm.DNSOptions.DNSRecordIPType
		after.PrivateDNSOnlyForInboundResolverEndpoint = cm.DNSOptions.PrivateDNSOnlyForInboundResolverEndpoint
	}
	pol, err := NormalizePolicyMap(cm.Policy)
	if err != nil {
		c.diag(SeverityError, CodeInvalidPolicy, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: %v", cs.addr, err), "write policy as an IAM policy document with Version and Statement")
	}
	after.Policy = pol
	target := c.endpointTarget(cs, cs.ep)
	after.Type, after.ServiceName, after.ServiceRegion = target.Type, target.ServiceName, target.ServiceRegion
	after.ResourceConfigurationARN, after.ServiceNetworkARN = target.ResourceConfigurationARN, target.ServiceNetworkARN
	return after
}

// providerTerms applies what the service the endpoint connects to
// requires: the service's name from its change when the plan creates it,
// the consumer's checks against a provider of the manifest. It reports
// whether the service requires acceptance.
func (c *computer) providerTerms(cs *consState, ch *Change, after *Values) (acceptance bool) {
	ps := cs.prov
	if ps == nil {
		vs := c.visible[key{cs.accountID, cs.region, cs.c.ServiceName}]
		return vs != nil && vs.AcceptanceRequired
	}
	if cs.c.Provider != "" && ps.svcName == "" {
		ch.Refs = ps.serviceNameRef()
		ch.DependsOn = append(ch.DependsOn, ps.addr)
	}
	c.consumerChecks(cs, ps, after)
	return ps.p.AcceptanceRequired
}

// compareEndpoint compares the declared endpoint (after) with the live one:
// it sets the change's before values, its action and why it replaces, and
// reports whether private DNS waits for the connection's acceptance.
func (c *computer) compareEndpoint(cs *consState, ch *Change, after *Values, adopted bool) (dnsWaitsAccept bool) {
	cm, ep := cs.c, cs.ep
	before := c.liveEndpointValues(ep)
	before.IPAddresses = liveAddresses(ep, cm)
	ch.ID = ep.ID
	ch.Before = before
	takeLiveDefaults(cm, before, after)
	ch.ReplaceReasons = endpointReplaceReasons(before, after)
	c.scopeReasons(ch, ep.AccountID, ep.Region)
	if deadEndpoint(ep.State) {
		// A rejected or failed endpoint carries no traffic and cannot be
		// revived: the declared endpoint is created anew.
		ch.ReplaceReasons = append(ch.ReplaceReasons, "state")
		ch.Warnings = append(ch.Warnings, fmt.Sprintf("endpoint %s is %s: it carries no traffic, so it is replaced", ep.ID, ep.State))
	}
	if len(ch.ReplaceReasons) > 0 && len(cm.SecurityGroupIDs) == 0 {
		// The new endpoint gets its own VPC's default group from AWS.
		after.SecurityGroupIDs = nil
	}
	if len(ch.ReplaceReasons) == 0 {
		c.deferDNSForLeftover(cs, ch, after)
	}
	ch.Action = endpointAction(ch.ReplaceReasons, adopted, before, after)
	if ch.Action == Replace {
		ch.Breaks = []string{fmt.Sprintf("endpoint %s is deleted once its replacement is created; clients in %s that use its own DNS names or IPs for %s must move to the new endpoint's (private DNS moves over after the old endpoint is gone)", ep.ID, ep.VPCID, endpointTargetLabel(ep))}
	}
	if ch.Action != Replace && ep.State == statePendingAcceptance && *after.PrivateDNSEnabled && !ep.PrivateDNSEnabled {
		ch.PrivateDNSAfterAccept = true
		dnsWaitsAccept = true
	}
	if ps := cs.prov; ch.Action != Replace && ps != nil && ps.svcName != "" {
		ps.declared[ep.ID] = cs.addr
	}
	return dnsWaitsAccept
}

// endpointAction is the action of a declared endpoint (after) compared
// with the live one (before): replace when something forces it, adopt, an
// update when a managed attribute differs, else nothing.
func endpointAction(replaceReasons []string, adopted bool, before, after *Values) Action {
	switch {
	case len(replaceReasons) > 0:
		return Replace
	case adopted:
		return Adopt
	case len(Diff(KindEndpoint, before, after)) > 0:
		return Update
	}
	return NoOp
}

// takeLiveDefaults gives the declared endpoint what AWS has where the
// manifest leaves an option unset, so that defaults never show as drift.
func takeLiveDefaults(cm *manifest.Consumer, before, after *Values) {
	if after.DNSRecordIPType == "" {
		after.DNSRecordIPType = before.DNSRecordIPType
	}
	if after.PrivateDNSOnlyForInboundResolverEndpoint == nil {
		after.PrivateDNSOnlyForInboundResolverEndpoint = before.PrivateDNSOnlyForInboundResolverEndpoint
	}
	if after.IPAddressType == "" {
		after.IPAddressType = before.IPAddressType
	}
	latticeDNS(cm, before, after)
	if len(after.SecurityGroupIDs) == 0 {
		// AWS puts the VPC's default group on an endpoint created without
		// one and refuses to remove the last group.
		after.SecurityGroupIDs = before.SecurityGroupIDs
	}
	if o := after.PrivateDNSOnlyForInboundResolverEndpoint; o != nil && !*o && before.PrivateDNSOnlyForInboundResolverEndpoint == nil {
		after.PrivateDNSOnlyForInboundResolverEndpoint = nil // false is AWS's default, often not reported
	}
}

// principalFirst is the allowed principal of the provider's that the plan
// adds and that lets this consumer's account connect (its root, its role,
// or everyone), which a new endpoint waits for; "" if none.
func (c *computer) principalFirst(cs *consState) string {
	ps := cs.prov
	if ps == nil {
		return ""
	}
	if a := ps.newPrincipals[rootARN(cs.accountID)]; a != "" {
		return a
	} else if role := c.roleOf(cs.alias); role != "" && ps.newPrincipals[role] != "" {
		return ps.newPrincipals[role]
	}
	return ps.newPrincipals["*"]
}

// acceptsCreated reports whether the provider accepts the connection of an
// endpoint this plan creates: it requires acceptance and accepts declared
// consumers, or lists the consumer's account in acceptFrom.
func (c *computer) acceptsCreated(cs *consState) bool {
	ps := cs.prov
	if ps == nil || !ps.p.AcceptanceRequired {
		return false
	}
	return ps.p.Connections.AcceptsDeclared() || contains(ps.p.Connections.AcceptFromIDs, cs.accountID)
}

// acceptCreated is the accept of the connection of the endpoint this plan
// creates for cs.
func (c *computer) acceptCreated(cs *consState) Change {
	ps := cs.prov
	// The address and the reason are one string, cut in two: one
	// allocation instead of two, each rounded up to its size class.
	reason := "endpoint of " + cs.addr + ", created by this plan"
	if !ps.p.Connections.AcceptsDeclared() {
		reason += "; account " + cs.accountID + " is in connections.acceptFrom"
	}
	n := len(ps.addr) + len(".connection[") + len(cs.addr) + len("]")
	both := ps.addr + ".connection[" + cs.addr + "]" + reason
	acc := c.child(ps, KindConnection, both[:n])
	acc.Reason = both[n:]
	acc.Action = Accept
	acc.Refs = map[string]string{"endpointId": cs.addr}
	acc.DependsOn = append(acc.DependsOn, cs.addr)
	acc.After = c.acceptedValues(cs.accountID)
	return acc
}

// endpointTarget is what a consumer wants of the attributes that force an
// endpoint's replace (type, vpcId, serviceName, serviceRegion), given the
// live endpoint it is compared with (nil for a create). ServiceName is ""
// when the provider's service is created or replaced by this plan. It is
// a value, not a pointer: a Values on the heap for each consumer was 57 MB
// of garbage at 50,000 consumers (docs/scale.md).
func (c *computer) endpointTarget(cs *consState, ep *live.Endpoint) Values {
	cm, ps := cs.c, cs.prov
	if cm.IsGateway() {
		return Values{Type: typeGatewayEndpoint, VPCID: cm.VPCID, ServiceName: cm.ServiceName}
	}
	if cm.IsLattice() {
		return latticeTarget(cm) // lattice.go
	}
	v := Values{Type: typeInterface, VPCID: cm.VPCID}
	if ps != nil && ps.after != nil && ps.after.Type == typeGatewayLoadBalancer {
		v.Type = typeGatewayLoadBalancer
	}
	if ps != nil && cm.Provider != "" {
		v.ServiceName = ps.svcName
		if ps.region != cs.region {
			v.ServiceRegion = ps.region
		}
		return v
	}
	v.ServiceName = cm.ServiceName
	if cm.ServiceRegion != "" && cm.ServiceRegion != cs.region {
		v.ServiceRegion = cm.ServiceRegion
	}
	if ps == nil && ep != nil && ep.ServiceName == cm.ServiceName && ep.Type != "" {
		// a service managed elsewhere: its type is whatever AWS says
		v.Type = ep.Type
	}
	return v
}

// endpointReplaceReasons names the attributes, other than account and
// region, on which a live endpoint (before) differs from what the manifest
// wants (after) and that AWS cannot change in place.
func endpointReplaceReasons(before, after *Values) []string {
	var out []string
	if before.Type != after.Type {
		out = append(out, "type")
	}
	if before.VPCID != after.VPCID {
		out = append(out, "vpcId")
	}
	if latticeType(after.Type) {
		return append(out, latticeReplaceReasons(before, after)...)
	}
	if after.ServiceName == "" || before.ServiceName != after.ServiceName {
		out = append(out, "serviceName")
	}
	if before.ServiceRegion != after.ServiceRegion {
		out = append(out, "serviceRegion")
	}
	return out
}

// endpointFit compares a live endpoint that carries a consumer's name with
// the consumer, for choosing among several (see pickDuplicate).
func (c *computer) endpointFit(cs *consState) func(*live.Endpoint) fit {
	return func(ep *live.Endpoint) fit {
		before := c.liveEndpointValues(ep)
		target := c.endpointTarget(cs, ep)
		reasons := endpointReplaceReasons(before, &target)
		scope, where := c.scopeFit(ep.AccountID, ep.Region, cs.accountID, cs.region)
		id := fmt.Sprintf("%s in %s to %s", before.Type, before.VPCID, endpointTargetLabel(ep))
		if before.ServiceRegion != "" {
			id += " in " + before.ServiceRegion
		}
		return fit{reasons: append(reasons, scope...), identity: id + ", " + where}
	}
}

// consumerChecks reports what makes a consumer unable to reach its provider.
func (c *computer) consumerChecks(cs *consState, ps *provState, after *Values) {
	// The service's own account may always connect (AWS does not check its
	// permissions), as the manifest lint (PL008) and the sandbox agree.
	if cs.accountID != ps.accountID && !allows(ps.principals, cs.accountID) && !c.allowsRole(ps, cs) {
		c.diag(SeverityError, CodePrincipalMissing, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s in account %s is not allowed to connect to %s: %s", cs.addr, c.accountLabel(cs.accountID), ps.addr, c.principalsWanted(ps, cs)),
			c.principalHint(ps, cs))
	}
	if after.ServiceRegion != "" && !contains(ps.p.SupportedRegions, cs.region) {
		c.diag(SeverityError, CodeRegionUnsupported, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s in %s connects to %s in %s, but %s is not in its supportedRegions", cs.addr, cs.region, ps.addr, ps.region, cs.region),
			fmt.Sprintf("add %s to supportedRegions of %s", cs.region, ps.addr))
	}
}

// consumerLint checks a consumer against live state: its network, its
// addresses, and the zones its subnets are in against those the service
// serves.
func (c *computer) consumerLint(cs *consState) {
	if !c.readOK(cs.accountID, cs.region) {
		return
	}
	epZones := map[string]string{} // on the stack: one a consumer was 12 MB
	c.networkLint(cs, epZones)
	c.addressChecks(cs)
	if cs.c.IsLattice() {
		c.latticeLint(cs, epZones) // lattice.go
	}
	if sr := cs.c.ServiceRegion; sr != "" && sr != cs.region && cs.prov == nil {
		c.crossRegionZones(cs, sr)
	}
	served, source := c.servedZones(cs)
	if served != nil {
		c.unservedSubnets(cs, epZones, served, source)
	}
	c.uncoveredZones(cs, epZones, served)
}

// networkLint checks that the consumer's VPC, subnets and security groups
// exist, the latter two in its VPC, and records the zones of its subnets
// in epZones (zone id → subnet).
func (c *computer) networkLint(cs *consState, epZones map[string]string) {
	cm := cs.c
	if c.vpcs[key{cs.accountID, cs.region, cm.VPCID}] == nil {
		c.diag(SeverityError, CodeVPCMissing, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: VPC %s does not exist in account %s region %s", cs.addr, cm.VPCID, c.accountLabel(cs.accountID), cs.region),
			"check vpcId, account and region")
	}
	for _, id := range sorted(cm.SubnetIDs) {
		sn := c.subnets[key{cs.accountID, cs.region, id}]
		vpc := ""
		if sn != nil {
			vpc = sn.VPCID
		}
		if !c.inConsumerVPC(cs, "subnet", "subnetIds", id, vpc, CodeSubnetMissing, CodeSubnetWrongVPC) {
			continue
		}
		if z := c.subnetZoneID(sn); z != "" {
			epZones[z] = id
		}
	}
	for _, id := range sorted(cm.SecurityGroupIDs) {
		vpc := ""
		if g := c.sgs[key{cs.accountID, cs.region, id}]; g != nil {
			vpc = g.VPCID
		}
		c.inConsumerVPC(cs, "security group", "securityGroupIds", id, vpc, CodeSGMissing, CodeSGWrongVPC)
	}
}

// unservedSubnets is the error of subnets in zones where the service (or
// what source names) has no load balancer.
func (c *computer) unservedSubnets(cs *consState, epZones map[string]string, served map[string]bool, source string) {
	var bad []string
	for z, sn := range epZones {
		if !served[z] {
			bad = append(bad, fmt.Sprintf("%s (%s)", sn, z))
		}
	}
	if len(bad) == 0 {
		return
	}
	sort.Strings(bad)
	c.diag(SeverityError, CodeSubnetAZNotServed, cs.addr, cs.alias, cs.region,
		fmt.Sprintf("%s: subnets %s are in Availability Zones where %s has no load balancer", cs.addr, strings.Join(bad, ", "), source),
		"use subnets in "+strings.Join(keys(served), ", ")+" (AZ ids), or enable the load balancer in those zones")
}

// uncoveredZones warns about zones of the consumer's VPC, served by the
// service, where the endpoint has no subnet: clients there cross AZs.
func (c *computer) uncoveredZones(cs *consState, epZones map[string]string, served map[string]bool) {
	cm := cs.c
	var uncovered []string
	seen := map[string]bool{}
	for _, sn := range c.vpcSubnets[key{cs.accountID, cs.region, cm.VPCID}] {
		z := c.subnetZoneID(sn)
		if z == "" || seen[z] || epZones[z] != "" || (served != nil && !served[z]) || c.latticeUnserved(cs, z) {
			continue
		}
		seen[z] = true
		uncovered = append(uncovered, z)
	}
	if len(uncovered) > 0 && len(epZones) > 0 && !c.isGatewayConsumer(cs) {
		sort.Strings(uncovered)
		c.diag(SeverityWarning, CodeVPCAZNotCovered, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: %s has subnets in %s, where the endpoint has no subnet; clients there cross AZs and lose access if another AZ fails", cs.addr, cm.VPCID, strings.Join(uncovered, ", ")),
			"add a subnet in each of those AZs to subnetIds")
	}
}

// servedZones returns the AZ ids the consumer's service has load balancers
// in, when known and in the consumer's region.
func (c *computer) servedZones(cs *consState) (map[string]bool, string) {
	if ps := cs.prov; ps != nil {
		if ps.region != cs.region || ps.azIDs == nil {
			return nil, ""
		}
		return ps.azIDs, ps.addr
	}
	vs := c.visible[key{cs.accountID, cs.region, cs.c.ServiceName}]
	if vs == nil || (vs.ServiceRegion != "" && vs.ServiceRegion != cs.region) {
		return nil, ""
	}
	out := map[string]bool{}
	for _, id := range vs.AvailabilityZoneIDs {
		out[id] = true
	}
	if len(out) > 0 {
		return out, cs.c.ServiceName
	}
	if len(vs.AvailabilityZones) == 0 {
		return nil, ""
	}
	for _, z := range vs.AvailabilityZones {
		id := c.zoneIDs[key{cs.accountID, cs.region, z}]
		if id == "" {
			return nil, ""
		}
		out[id] = true
	}
	return out, cs.c.ServiceName
}

func (c *computer) subnetZoneID(sn *live.Subnet) string {
	if sn.ZoneID != "" {
		return sn.ZoneID
	}
	return c.zoneIDs[key{sn.AccountID, sn.Region, sn.Zone}]
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// roleOf is the role plink assumes in an account, or "".
func (c *computer) roleOf(alias string) string {
	if a := c.m.Accounts[alias]; a != nil {
		return a.RoleARN
	}
	return ""
}

// allowsRole reports whether the provider allows the very role plink acts
// as in the consumer's account: AWS admits that role's sessions, so an
// endpoint plink creates there may connect.
func (c *computer) allowsRole(ps *provState, cs *consState) bool {
	role := c.roleOf(cs.alias)
	return role != "" && contains(ps.principals, role)
}

// isGatewayConsumer reports whether the consumer is a Gateway Load Balancer
// endpoint, which has one subnet by design.
func (c *computer) isGatewayConsumer(cs *consState) bool {
	return cs.prov != nil && cs.prov.after != nil && cs.prov.after.Type == typeGatewayLoadBalancer
}

// deferDNSForLeftover keeps private DNS off on a kept endpoint while a
// leftover of the same interrupted replace, which this plan deletes, still
// has it on in the same VPC: AWS allows one endpoint per VPC with private
// DNS for a name, and apply deletes leftovers only after it updates the
// endpoints it keeps. The next plan turns private DNS on.
func (c *computer) deferDNSForLeftover(cs *consState, ch *Change, after *Values) {
	ep := cs.ep
	if after.PrivateDNSEnabled == nil || !*after.PrivateDNSEnabled || ep.PrivateDNSEnabled {
		return
	}
	for i := range c.s.Endpoints {
		old := &c.s.Endpoints[i]
		// Same VPC is enough: the leftover served this consumer, so its
		// service (even a replaced one) has the same private DNS name.
		if c.leftovers[old.ID].addr != cs.addr || !c.doomedLeftover(old.ID) || !old.PrivateDNSEnabled ||
			old.AccountID != ep.AccountID || old.Region != ep.Region || old.VPCID != ep.VPCID {
			continue
		}
		after.PrivateDNSEnabled = ptr(false)
		ch.Warnings = append(ch.Warnings, fmt.Sprintf("private DNS stays off while %s, the leftover this plan deletes, has it on in %s (AWS allows one endpoint per VPC with the private DNS name); the next apply turns it on", old.ID, old.VPCID))
		return
	}
}

// deferUnverifiedDNS keeps a consumer's private DNS as it is while its
// provider's private DNS name is not verified: AWS refuses to turn it on
// before, so planning it would only make apply fail. A warning says why;
// the next plan after verification turns it on.
func (c *computer) deferUnverifiedDNS(cs *consState, ch *Change, after *Values) (verifiedBy string) {
	ps := cs.prov
	if ps == nil || ps.p.PrivateDNSName == "" || after.PrivateDNSEnabled == nil || !*after.PrivateDNSEnabled {
		return ""
	}
	if ps.dnsVerifies && (ch.Before == nil || ch.Before.PrivateDNSEnabled == nil || !*ch.Before.PrivateDNSEnabled) {
		// This plan verifies the name (provider.NAME.dns_record): apply
		// turns private DNS on once it is verified.
		ch.PrivateDNSAfterAccept = true
		return ps.addr + ".dns_record"
	}
	if ps.svc == nil || (ps.svc.PrivateDNSName == ps.p.PrivateDNSName && ps.svc.PrivateDNSState == "verified") {
		// A service created by this plan: apply tries after acceptance and
		// leaves private DNS off if the name is not verified by then.
		return
	}
	if ch.Before != nil && ch.Before.PrivateDNSEnabled != nil && *ch.Before.PrivateDNSEnabled {
		return // already on: nothing to defer
	}
	after.PrivateDNSEnabled = ptr(false)
	if ch.Action == Update && len(Diff(KindEndpoint, ch.Before, after)) == 0 {
		ch.Action = NoOp
	}
	c.diag(SeverityWarning, CodeDNSWaits, cs.addr, cs.alias, cs.region,
		fmt.Sprintf("%s: private DNS stays off until %s's private DNS name %s is verified (AWS refuses it before)", cs.addr, ps.addr, ps.p.PrivateDNSName),
		"publish the TXT record shown for "+ps.addr+" and verify the name; the next apply turns private DNS on")
	return ""
}

// deadEndpoint reports whether an endpoint is in a state it never leaves
// for available: rejected by the provider, failed, expired, or going away.
func deadEndpoint(state string) bool {
	ph := live.EndpointPhase(state)
	return ph == live.PhaseBroken || ph == live.PhaseGone || ph == live.PhaseGoing
}

// inConsumerVPC reports a subnet or security group that does not exist in
// the consumer's account and region (vpcID "") or lies in another VPC than
// the endpoint's, and says whether it is usable.
func (c *computer) inConsumerVPC(cs *consState, what, field, id, vpcID, missing, wrong string) bool {
	switch {
	case vpcID == "":
		c.diag(SeverityError, missing, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: %s %s does not exist in account %s region %s", cs.addr, what, id, c.accountLabel(cs.accountID), cs.region),
			"check "+field+", account and region")
		return false
	case vpcID != cs.c.VPCID:
		c.diag(SeverityError, wrong, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: %s %s is in %s, not in the endpoint's VPC %s", cs.addr, what, id, vpcID, cs.c.VPCID),
			"use "+what+"s of "+cs.c.VPCID)
		return false
	}
	return true
}

// repairEndpoint finds the live endpoint of a consumer that lost its
// plink:name tag by hand: tagged with the project but not named, in the
// consumer's account, region and VPC, for its service. Exactly one such
// endpoint is claimed (the plan then rewrites the tag); with none or
// several, nothing is (a create, and the unnamed ones stay orphans).
func (c *computer) repairEndpoint(cs *consState) *live.Endpoint {
	want := c.endpointTarget(cs, nil)
	var found *live.Endpoint
	for i := range c.s.Endpoints {
		ep := &c.s.Endpoints[i]
		if c.claimed[ep.ID] || c.going[ep.ID] != "" || ep.Tags[live.TagProject] != c.m.Project || ep.Tags[live.TagName] != "" {
			continue
		}
		if ep.AccountID != cs.accountID || ep.Region != cs.region || ep.VPCID != cs.c.VPCID {
			continue
		}
		if !sameLatticeTarget(ep, &want) && (want.ServiceName == "" || ep.ServiceName != want.ServiceName) {
			continue
		}
		if found != nil {
			return nil
		}
		found = ep
	}
	if found != nil {
		c.claimed[found.ID] = true
	}
	return found
}

// principalsWanted says which principals of the provider would let plink
// create the consumer's endpoint: the account's root, the role plink acts
// as there (its roleArn), or "*"; and which principals of that account the
// provider allows instead, which do not (a role or user plink does not act
// as).
func (c *computer) principalsWanted(ps *provState, cs *consState) string {
	forms := []string{rootARN(cs.accountID)}
	if role := c.roleOf(cs.alias); role != "" {
		forms = append(forms, role+" (the role plink acts as there)")
	}
	msg := "its allowedPrincipals include none of " + strings.Join(forms, ", ") + " or *"
	var others []string
	for _, p := range ps.principals {
		if p != "*" && principalAccount(p) == cs.accountID {
			others = append(others, p)
		}
	}
	if len(others) > 0 {
		msg += fmt.Sprintf("; it allows %s of that account, which plink does not act as", strings.Join(others, ", "))
	}
	return msg
}

// principalHint names the manifest entries that would allow the consumer.
func (c *computer) principalHint(ps *provState, cs *consState) string {
	hint := fmt.Sprintf("add `- account: %s` (%s) to allowedPrincipals of %s", cs.alias, rootARN(cs.accountID), ps.addr)
	if role := c.roleOf(cs.alias); role != "" {
		hint += fmt.Sprintf(", or `- arn: %s` to allow only the role plink acts as", role)
	}
	return hint
}
