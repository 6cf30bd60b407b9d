package sandbox

// VPC Lattice through EC2: resource endpoints (VpcEndpointType Resource, to
// a resource configuration) and service-network endpoints (ServiceNetwork,
// to a service network). The configurations and networks are declared in
// the world (World.ResourceConfigurations, World.ServiceNetworks) with the
// accounts and organizations they are shared with through AWS RAM; the
// endpoints are made, described, modified and deleted through the same EC2
// calls as interface endpoints. AWS refuses: an ARN that does not exist or
// is not shared with the caller's account, an ARN of another region, a
// subnet in an Availability Zone a resource configuration's resource
// gateway does not serve, and the fields of other endpoint types
// (ServiceName, PolicyDocument, route tables).

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ResourceConfiguration is a VPC Lattice resource configuration: its owner
// is the account of its ARN.
type ResourceConfiguration struct {
	Arn string `yaml:"arn"`
	// Name is its name (GetResourceConfiguration); default the id.
	Name string `yaml:"name"`
	// SharedWith are the account ids (12 digits) and organization ids
	// (o-...) it is shared with through AWS RAM; its owner may always use it.
	SharedWith []string `yaml:"sharedWith"`
	// ResourceGateway is the gateway in the owner's VPC that carries its
	// traffic: a resource endpoint's subnets must be in the Availability
	// Zones of the gateway's subnets.
	ResourceGateway ResourceGateway `yaml:"resourceGateway"`
}

// ResourceGateway is a VPC Lattice resource gateway of the owner of a
// resource configuration, in the configuration's region.
type ResourceGateway struct {
	ID        string   `yaml:"id"`
	VpcID     string   `yaml:"vpcId"`
	SubnetIDs []string `yaml:"subnetIds"`
}

// ServiceNetwork is a VPC Lattice service network: its owner is the
// account of its ARN.
type ServiceNetwork struct {
	Arn string `yaml:"arn"`
	// SharedWith are the account ids and organization ids it is shared with.
	SharedWith []string `yaml:"sharedWith"`
}

var (
	reRCFGArn   = regexp.MustCompile(`^arn:aws:vpc-lattice:([a-z0-9-]+):(\d{12}):resourceconfiguration/rcfg-[0-9a-f]{17}$`)
	reSNArn     = regexp.MustCompile(`^arn:aws:vpc-lattice:([a-z0-9-]+):(\d{12}):servicenetwork/sn-[0-9a-f]{17}$`)
	reOrgID     = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	reGatewayID = regexp.MustCompile(`^rgw-[0-9a-f]{17}$`)
	dnsDomains  = regexp.MustCompile(`^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$`)
)

// privateDNSPreferences are DnsOptions.PrivateDnsPreference's values.
var privateDNSPreferences = []string{"ALL_DOMAINS", "VERIFIED_DOMAINS_ONLY", "VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS", "SPECIFIED_DOMAINS_ONLY"}

// validateLattice checks the world's resource configurations and service
// networks: well-formed unique ARNs of a world account and region, sharing
// with account or organization ids, zone ids the owner's region maps.
func (w *World) validateLattice() []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	seen := map[string]bool{}
	check := func(kind, arn string, re *regexp.Regexp, shared []string) (region string, owner *Account) {
		m := re.FindStringSubmatch(arn)
		if m == nil {
			bad("%s %q: malformed ARN", kind, arn)
			return "", nil
		}
		if seen[arn] {
			bad("%s %s: duplicate", kind, arn)
		}
		seen[arn] = true
		if !slices.Contains(w.Regions, m[1]) {
			bad("%s %s: region %s is not in regions", kind, arn, m[1])
		}
		owner = w.account(m[2])
		if owner == nil {
			bad("%s %s: owner %s is not an account of the world", kind, arn, m[2])
		}
		for _, s := range shared {
			if !reAccountID.MatchString(s) && !reOrgID.MatchString(s) {
				bad("%s %s: sharedWith %q is neither a 12-digit account id nor an organization id (o-...)", kind, arn, s)
			}
		}
		return m[1], owner
	}
	for _, rc := range w.ResourceConfigurations {
		region, owner := check("resource configuration", rc.Arn, reRCFGArn, rc.SharedWith)
		g := rc.ResourceGateway
		if !reGatewayID.MatchString(g.ID) {
			bad("resource configuration %s: resourceGateway.id %q must be rgw- and 17 hex digits", rc.Arn, g.ID)
		}
		if len(g.SubnetIDs) == 0 {
			bad("resource configuration %s: resourceGateway.subnetIds: a resource gateway has at least one subnet", rc.Arn)
		}
		if owner == nil || region == "" {
			continue
		}
		subnets := map[string]bool{}
		for _, v := range owner.Regions[region].VPCs {
			if v.ID == g.VpcID {
				for _, sn := range v.Subnets {
					subnets[sn.ID] = true
				}
			}
		}
		for _, sn := range g.SubnetIDs {
			if !subnets[sn] {
				bad("resource configuration %s: resource gateway subnet %s is not a subnet of %s's VPC %s in %s", rc.Arn, sn, owner.Alias, g.VpcID, region)
			}
		}
	}
	for _, sn := range w.ServiceNetworks {
		check("service network", sn.Arn, reSNArn, sn.SharedWith)
	}
	for _, a := range w.Accounts {
		if a.Organization != "" && !reOrgID.MatchString(a.Organization) {
			bad("account %s: organization %q must be an organization id (o- and 10 to 32 lowercase letters or digits)", a.Alias, a.Organization)
		}
	}
	return errs
}

// gatewayZones are the Availability Zone ids of a resource gateway's
// subnets, sorted.
func (s *Sandbox) gatewayZones(owner, region string, g ResourceGateway) []string {
	n := s.net(owner, region)
	var out []string
	for _, id := range g.SubnetIDs {
		if si, ok := n.subnets[id]; ok && !slices.Contains(out, si.AZID) {
			out = append(out, si.AZID)
		}
	}
	slices.Sort(out)
	return out
}

// sharedWith reports whether a Lattice resource of owner shared with the
// listed accounts and organizations may be used by account.
func (w *World) sharedWith(owner string, shared []string, account string) bool {
	if owner == account || slices.Contains(shared, account) {
		return true
	}
	a := w.account(account)
	return a != nil && a.Organization != "" && slices.Contains(shared, a.Organization)
}

// latticeTarget is what a Resource or ServiceNetwork endpoint connects to.
type latticeTarget struct {
	arn     string
	zoneIDs []string // resource configurations only
}

// resolveLattice finds the resource configuration or service network a
// Resource or ServiceNetwork endpoint names, as the caller may use it.
func (c *call) resolveLattice(typ, arn string) (*latticeTarget, *apiError) {
	field, re, kind := "ResourceConfigurationArn", reRCFGArn, "resource configuration"
	if typ == endpointTypeServiceNetwork {
		field, re, kind = "ServiceNetworkArn", reSNArn, "service network"
	}
	if arn == "" {
		return nil, missingParam(field)
	}
	m := re.FindStringSubmatch(arn)
	if m == nil {
		return nil, badParam("Invalid %s '%s'.", field, arn)
	}
	if m[1] != c.region {
		return nil, invalidParam("The %s %s is in region %s; a %s endpoint in %s must use one in %s.", kind, arn, m[1], typ, c.region, c.region)
	}
	notShared := invalidParam("The %s %s does not exist or is not shared with account %s.", kind, arn, c.account())
	if typ == endpointTypeServiceNetwork {
		for _, sn := range c.sb.world.ServiceNetworks {
			if sn.Arn == arn {
				if !c.sb.world.sharedWith(m[2], sn.SharedWith, c.account()) {
					return nil, notShared
				}
				return &latticeTarget{arn: arn}, nil
			}
		}
		return nil, notShared
	}
	for _, rc := range c.sb.world.ResourceConfigurations {
		if rc.Arn == arn {
			if !c.sb.world.sharedWith(m[2], rc.SharedWith, c.account()) {
				return nil, notShared
			}
			return &latticeTarget{arn: arn, zoneIDs: c.sb.gatewayZones(m[2], m[1], rc.ResourceGateway)}, nil
		}
	}
	return nil, notShared
}

// latticeTargetOf is the target an existing endpoint connects to, or nil
// if it is no longer there or no longer shared.
func (c *call) latticeTargetOf(ep *endpoint) *latticeTarget {
	arn := ep.ResourceConfigurationArn
	if ep.Type == endpointTypeServiceNetwork {
		arn = ep.ServiceNetworkArn
	}
	t, err := c.resolveLattice(ep.Type, arn)
	if err != nil {
		return nil
	}
	return t
}

// checkLatticeSubnets validates a Resource or ServiceNetwork endpoint's
// subnets: in the VPC, one per Availability Zone and, for a resource
// configuration, in a zone its resource gateway serves.
func (c *call) checkLatticeSubnets(subnets []string, vpcID string, t *latticeTarget) *apiError {
	if len(subnets) == 0 {
		return missingParam("SubnetId")
	}
	seenAZ := map[string]string{}
	for _, id := range subnets {
		if !strings.HasPrefix(id, "subnet-") {
			return errf(400, "InvalidSubnetId.Malformed", "Invalid Subnet Id: '%s' (expecting 'subnet-...')", id)
		}
		si, ok := c.net.subnets[id]
		if !ok {
			return errf(400, "InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
		}
		if si.VpcID != vpcID {
			return invalidParam("The subnet ID '%s' does not belong to the VPC '%s'", id, vpcID)
		}
		if other, dup := seenAZ[si.AZID]; dup {
			return errf(400, "DuplicateSubnetsInSameZone", "Found another VPC endpoint subnet in the availability zone of %s (%s). VPC endpoint subnets should be in different availability zones.", id, other)
		}
		seenAZ[si.AZID] = id
		if t != nil && t.zoneIDs != nil && !slices.Contains(t.zoneIDs, si.AZID) {
			return invalidParam("The resource gateway of resource configuration %s does not serve the availability zone of the subnet: %s (%s); it serves %s.", t.arn, id, si.AZID, strings.Join(t.zoneIDs, ", "))
		}
	}
	return nil
}

// latticeDNS reads and checks DnsOptions.PrivateDnsPreference and
// PrivateDnsSpecifiedDomain.N for an endpoint of type typ with private DNS
// on or off; set reports whether the request gives either.
func (c *call) latticeDNS(typ string, privateDNS bool) (pref string, domains []string, set bool, e *apiError) {
	pref = c.p.str("DnsOptions.PrivateDnsPreference")
	domains = dedupe(c.p.list("DnsOptions.PrivateDnsSpecifiedDomain"))
	if pref == "" && len(domains) == 0 {
		return "", nil, false, nil
	}
	if typ != endpointTypeResource && typ != endpointTypeServiceNetwork {
		return "", nil, true, invalidParam("PrivateDnsPreference and PrivateDnsSpecifiedDomains are only supported for Resource and ServiceNetwork endpoints")
	}
	if pref != "" && !slices.Contains(privateDNSPreferences, pref) {
		return "", nil, true, badParam("Invalid PrivateDnsPreference '%s'. Valid values are %s.", pref, strings.Join(privateDNSPreferences, ", "))
	}
	if !privateDNS {
		return "", nil, true, invalidParam("PrivateDnsPreference is only supported when private DNS is enabled")
	}
	specified := pref == "VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS" || pref == "SPECIFIED_DOMAINS_ONLY"
	switch {
	case len(domains) > 0 && !specified:
		return "", nil, true, invalidParam("PrivateDnsSpecifiedDomains can only be given with the private DNS preference VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS or SPECIFIED_DOMAINS_ONLY")
	case len(domains) == 0 && specified:
		return "", nil, true, invalidParam("The private DNS preference %s needs PrivateDnsSpecifiedDomains", pref)
	}
	for _, d := range domains {
		if !dnsDomains.MatchString(d) {
			return "", nil, true, badParam("Invalid domain name '%s' in PrivateDnsSpecifiedDomains", d)
		}
	}
	return pref, domains, true, nil
}

// createLatticeEndpoint is CreateVpcEndpoint for VpcEndpointType Resource
// and ServiceNetwork: no service name, policy or route tables; the default
// security group when none is given; pending, then available (nothing to
// accept).
func (c *call) createLatticeEndpoint(typ, vpcID string) (*endpoint, *apiError) {
	rcfg, sn := c.p.str("ResourceConfigurationArn"), c.p.str("ServiceNetworkArn")
	arn, other, otherField := rcfg, sn, "ServiceNetworkArn"
	if typ == endpointTypeServiceNetwork {
		arn, other, otherField = sn, rcfg, "ResourceConfigurationArn"
	}
	switch {
	case other != "":
		return nil, errf(400, "InvalidParameterCombination", "%s is not supported for %s endpoints", otherField, typ)
	case c.p.str("ServiceName") != "":
		return nil, errf(400, "InvalidParameterCombination", "ServiceName is not supported for %s endpoints", typ)
	case c.p.str("ServiceRegion") != "":
		return nil, errf(400, "InvalidParameterCombination", "ServiceRegion is not supported for %s endpoints", typ)
	case c.p.str("PolicyDocument") != "":
		return nil, invalidParam("Endpoint policies are not supported for %s endpoints", typ)
	case len(c.p.list("RouteTableId")) > 0:
		return nil, invalidParam("Route tables are only supported for Gateway endpoints")
	}
	t, err := c.resolveLattice(typ, arn)
	if err != nil {
		return nil, err
	}
	subnets := dedupe(c.p.list("SubnetId"))
	if err := c.checkLatticeSubnets(subnets, vpcID, t); err != nil {
		return nil, err
	}
	groups := dedupe(c.p.list("SecurityGroupId"))
	if len(groups) == 0 {
		groups = c.defaultGroup(vpcID)
	}
	if err := c.checkGroups(groups, vpcID); err != nil {
		return nil, err
	}
	if err := c.checkEndpointQuota(typ, vpcID); err != nil {
		return nil, err
	}
	ep := &endpoint{Account: c.account(), Region: c.region, VpcID: vpcID, Type: typ, Created: c.now, PhaseAt: c.now,
		IPAddressType: "ipv4", DNSRecordType: "ipv4", Phase: phasePending, Groups: groups}
	if typ == endpointTypeResource {
		ep.ResourceConfigurationArn = arn
	} else {
		ep.ServiceNetworkArn = arn
	}
	if t := c.p.str("IpAddressType"); t != "" {
		if t != "ipv4" && t != "ipv6" && t != "dualstack" {
			return nil, badParam("Invalid IpAddressType '%s'. Valid values are ipv4, ipv6 and dualstack.", t)
		}
		ep.IPAddressType = t
	}
	if t := c.p.str("DnsOptions.DnsRecordIpType"); t != "" {
		ep.DNSRecordType = t
	}
	if c.p.str("DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint") != "" {
		return nil, invalidParam("PrivateDnsOnlyForInboundResolverEndpoint is not supported for %s endpoints", typ)
	}
	pdns, _, err := c.p.boolean("PrivateDnsEnabled")
	if err != nil {
		return nil, err
	}
	ep.PrivateDNS = pdns
	pref, domains, _, err := c.latticeDNS(typ, pdns)
	if err != nil {
		return nil, err
	}
	ep.PrivateDNSPreference, ep.PrivateDNSDomains = pref, domains
	fixed, err := c.subnetConfigs(subnets, ep.IPAddressType, nil)
	if err != nil {
		return nil, err
	}
	tags, err := c.p.tagsFor("vpc-endpoint")
	if err != nil {
		return nil, err
	}
	ep.Tags = tags
	ep.ID = c.sb.newID("vpce")
	ep.DNSSuffix = c.sb.randAlnum(8)
	for _, sub := range subnets {
		ep.addSubnet(c, sub, fixed[sub])
	}
	return ep, nil
}

// defaultGroup is the VPC's default security group (its first by id), as
// AWS attaches to an endpoint created without one.
func (c *call) defaultGroup(vpcID string) []string {
	var ids []string
	for id, sg := range c.net.sgs {
		if sg.VpcID == vpcID {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if len(ids) == 0 {
		return nil
	}
	return ids[:1]
}

// modifyLatticeDNS applies PrivateDnsEnabled and the DNS preference of a
// ModifyVpcEndpoint to a Resource or ServiceNetwork endpoint.
func (c *call) modifyLatticeDNS(next *endpoint) *apiError {
	pdns, set, err := c.p.boolean("PrivateDnsEnabled")
	if err != nil {
		return err
	}
	if set {
		next.PrivateDNS = pdns
	}
	pref, domains, given, err := c.latticeDNS(next.Type, next.PrivateDNS)
	if err != nil {
		return err
	}
	switch {
	case given:
		next.PrivateDNSPreference, next.PrivateDNSDomains = pref, domains
	case !next.PrivateDNS:
		next.PrivateDNSPreference, next.PrivateDNSDomains = "", nil
	}
	return nil
}

// isLattice reports whether an endpoint type is Resource or ServiceNetwork.
func isLattice(typ string) bool {
	return typ == endpointTypeResource || typ == endpointTypeServiceNetwork
}

// notLatticeFields refuses the fields of Resource and ServiceNetwork
// endpoints in a request for an endpoint of another type.
func (c *call) notLatticeFields(typ string) *apiError {
	for f, t := range map[string]string{"ResourceConfigurationArn": endpointTypeResource, "ServiceNetworkArn": endpointTypeServiceNetwork} {
		if c.p.str(f) != "" {
			return errf(400, "InvalidParameterCombination", "%s is only supported for %s endpoints, not %s", f, t, typ)
		}
	}
	if c.p.str("DnsOptions.PrivateDnsPreference") != "" || len(c.p.list("DnsOptions.PrivateDnsSpecifiedDomain")) > 0 {
		return invalidParam("PrivateDnsPreference and PrivateDnsSpecifiedDomains are only supported for Resource and ServiceNetwork endpoints")
	}
	return nil
}

// latticeSubnetChange refuses the subnet changes a Resource or
// ServiceNetwork endpoint does not take: AWS documents adding subnets to
// service-network endpoints (PrivateLink guide, document history, November
// 2026) and no other change of their subnets.
func latticeSubnetChange(typ string, add, remove []string) *apiError {
	switch {
	case typ == endpointTypeResource && len(add)+len(remove) > 0:
		return invalidParam("The subnets of a Resource endpoint cannot be modified; create another endpoint")
	case typ == endpointTypeServiceNetwork && len(remove) > 0:
		return invalidParam("Subnets can only be added to a ServiceNetwork endpoint; create another endpoint to remove one")
	}
	return nil
}
