package sandbox

// EC2 VPC endpoints, consumer side: create, modify, delete, describe.

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Endpoint types, as EC2 names them (VpcEndpointType). A gateway endpoint
// reaches an AWS service through route tables; a Gateway Load Balancer
// endpoint is a network interface in front of a Gateway Load Balancer's
// endpoint service: the word "Gateway" is all they share.
const (
	endpointTypeInterface           = "Interface"
	endpointTypeGateway             = "Gateway"
	endpointTypeGatewayLoadBalancer = "GatewayLoadBalancer"
	endpointTypeResource            = "Resource"
	endpointTypeServiceNetwork      = "ServiceNetwork"
)

// defaultPolicy is the policy AWS gives an endpoint created without one.
const defaultPolicy = `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`

var hostedZones = map[string]string{"us-east-1": "Z7HUB22UULQXV", "us-west-2": "Z1YSA3EXCYUU9Z"}

func hostedZone(region string) string {
	if z, ok := hostedZones[region]; ok {
		return z
	}
	return "Z" + strings.ToUpper(managedID(region, "zone")[9:22])
}

// ownEndpoint returns an endpoint of the caller in the call's region.
func (c *call) ownEndpoint(id string) (*endpoint, *apiError) {
	if id == "" {
		return nil, missingParam("VpcEndpointId")
	}
	ep, ok := c.sb.st.Endpoints[id]
	if ok && ep.Account == c.account() && ep.Region == c.region && c.sb.visible(ep.Created, c.now) {
		if _, gone := c.sb.endpointState(ep, c.now); !gone {
			return ep, nil
		}
	}
	if !strings.HasPrefix(id, "vpce-") || strings.HasPrefix(id, "vpce-svc-") {
		return nil, errf(400, "InvalidVpcEndpointId.Malformed", "Invalid id: \"%s\" (expecting \"vpce-...\")", id)
	}
	return nil, errf(400, "InvalidVpcEndpointId.NotFound", "The Vpc Endpoint Id '%s' does not exist", id)
}

// checkSubnets validates the subnets of an endpoint in vpc for service v.
func (c *call) checkSubnets(subnets []string, vpcID string, v *svcView, crossRegion bool) *apiError {
	supported := map[string]bool{}
	for _, id := range v.AZIDs {
		supported[id] = true
	}
	seenAZ := map[string]string{}
	for _, id := range subnets {
		if !strings.HasPrefix(id, "subnet-") {
			return errf(400, "InvalidSubnetId.Malformed", "Invalid Subnet Id: '%s' (expecting 'subnet-...; the Id may only contain lowercase alphanumeric characters and a single dash')", id)
		}
		si, ok := c.net.subnets[id]
		if !ok {
			return errf(400, "InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
		}
		if si.VpcID != vpcID {
			return invalidParam("The subnet ID '%s' does not belong to the VPC '%s'", id, vpcID)
		}
		if other, dup := seenAZ[si.AZID]; dup {
			return errf(400, "DuplicateSubnetsInSameZone", "Found another VPC endpoint subnet in the availability zone of %s (%s). VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.", id, other)
		}
		seenAZ[si.AZID] = id
		if !crossRegion && !supported[si.AZID] {
			return invalidParam("The VPC endpoint service %s does not support the availability zone of the subnet: %s.", v.Name, id)
		}
	}
	return nil
}

func (c *call) checkGroups(groups []string, vpcID string) *apiError {
	for _, g := range groups {
		sg, ok := c.net.sgs[g]
		if !ok || sg.VpcID != vpcID {
			return errf(400, "InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", g, vpcID)
		}
	}
	return nil
}

// dnsConflict returns an endpoint in vpc that already claims private DNS for
// name, if any.
func (c *call) dnsConflict(vpcID, dnsName, except string) *endpoint {
	for _, ep := range c.sb.st.Endpoints {
		if ep.ID == except || ep.Account != c.account() || ep.Region != c.region || ep.VpcID != vpcID || !ep.PrivateDNS || isLattice(ep.Type) {
			continue
		}
		if !c.sb.activeConnection(ep) {
			continue
		}
		if c.sb.endpointDNSName(ep) == dnsName {
			return ep
		}
	}
	return nil
}

// endpointDNSName is the private DNS name an endpoint's service offers.
func (s *Sandbox) endpointDNSName(ep *endpoint) string {
	if ep.ServiceID != "" {
		if sv, ok := s.st.Services[ep.ServiceID]; ok {
			return sv.PrivateDNSName
		}
		return ""
	}
	short := strings.TrimPrefix(ep.ServiceName, "com.amazonaws."+ep.ServiceRegion+".")
	return managedDNSName(short, ep.ServiceRegion)
}

func (c *call) checkPolicy(doc string) *apiError {
	if doc == "" {
		return nil
	}
	if max := c.sb.world.Quotas.Effective().EndpointPolicyCharacters; len([]rune(doc)) > max {
		return invalidParam("The policy document has %d characters; a VPC endpoint policy may have at most %d (quota \"Characters per VPC endpoint policy\")", len([]rune(doc)), max)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return invalidParam("The policy document is not valid JSON: %v", err)
	}
	if _, ok := v["Statement"]; !ok {
		return invalidParam("The policy document must contain a Statement")
	}
	return nil
}

func validIPType(t string, v *svcView) *apiError {
	switch t {
	case "ipv4":
		if contains(v.IPTypes, "ipv4") {
			return nil
		}
	case "ipv6":
		if contains(v.IPTypes, "ipv6") {
			return nil
		}
	case "dualstack":
		if contains(v.IPTypes, "ipv4") && contains(v.IPTypes, "ipv6") {
			return nil
		}
	default:
		return badParam("Invalid IpAddressType '%s'. Valid values are ipv4, ipv6 and dualstack.", t)
	}
	return invalidParam("The VPC endpoint service %s does not support the IP address type %s", v.Name, t)
}

func createVpcEndpoint(c *call) ([]xn, *apiError) {
	key, prior, err := c.idempotent()
	if err != nil {
		return nil, err
	}
	if ep := c.priorEndpoint(prior); ep != nil {
		return c.createdEndpoint(ep), nil
	}
	typ, err := c.newEndpointType()
	if err != nil {
		return nil, err
	}
	vpcID := c.p.str("VpcId")
	if vpcID == "" {
		return nil, missingParam("VpcId")
	}
	if _, ok := c.net.vpcs[vpcID]; !ok {
		return nil, errf(400, "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", vpcID)
	}
	var ep *endpoint
	if isLattice(typ) {
		ep, err = c.createLatticeEndpoint(typ, vpcID) // ec2_lattice.go
	} else {
		ep, err = c.createServiceEndpoint(typ, vpcID)
	}
	if err != nil {
		return nil, err
	}
	c.sb.st.Endpoints[ep.ID] = ep
	c.remember(key, ep.ID)
	return c.createdEndpoint(ep), nil
}

// createdEndpoint is CreateVpcEndpoint's answer.
func (c *call) createdEndpoint(ep *endpoint) []xn {
	return []xn{c.endpointXN("vpcEndpoint", ep), opt("clientToken", c.p.str("ClientToken"))}
}

// newEndpointType is the VpcEndpointType of a create (Gateway when not
// given, as AWS defaults), refused when the sandbox does not know it.
func (c *call) newEndpointType() (string, *apiError) {
	typ := c.p.str("VpcEndpointType")
	if typ == "" {
		typ = endpointTypeGateway
	}
	switch typ {
	case endpointTypeInterface, endpointTypeGateway, endpointTypeGatewayLoadBalancer, endpointTypeResource, endpointTypeServiceNetwork:
		return typ, nil
	}
	return "", badParam("Invalid VpcEndpointType '%s' (the sandbox supports Interface, Gateway, GatewayLoadBalancer, Resource and ServiceNetwork)", typ)
}

// createServiceEndpoint makes (without storing it) an Interface, Gateway
// or Gateway Load Balancer endpoint of type typ in vpc, to the service the
// call names, checking the request as AWS does, in AWS's order.
func (c *call) createServiceEndpoint(typ, vpcID string) (*endpoint, *apiError) {
	if err := c.notLatticeFields(typ); err != nil {
		return nil, err
	}
	v, err := c.requestedService(typ)
	if err != nil {
		return nil, err
	}
	subnets := dedupe(c.p.list("SubnetId"))
	groups := dedupe(c.p.list("SecurityGroupId"))
	if typ != endpointTypeGateway && len(c.p.list("RouteTableId")) > 0 {
		return nil, invalidParam("Route tables are only supported for Gateway endpoints")
	}
	ep := &endpoint{Account: c.account(), Region: c.region, VpcID: vpcID, Type: typ, ServiceName: v.Name, ServiceRegion: v.Region,
		Created: c.now, PhaseAt: c.now, IPAddressType: "ipv4", DNSRecordType: "ipv4"}
	if !v.Managed {
		ep.ServiceID = v.ID
	}
	if groups, err = c.placeEndpoint(ep, v, subnets, groups); err != nil {
		return nil, err
	}
	if err := c.checkSubnets(subnets, vpcID, v, v.Region != c.region); err != nil {
		return nil, err
	}
	if err := c.checkEndpointQuota(typ, vpcID); err != nil {
		return nil, err
	}
	fixed, err := c.newEndpointAddresses(ep, v, subnets)
	if err != nil {
		return nil, err
	}
	if err := c.newEndpointPolicy(ep); err != nil {
		return nil, err
	}
	pdns, pdnsSet, err := c.p.boolean("PrivateDnsEnabled")
	if err != nil {
		return nil, err
	}
	if typ == endpointTypeInterface {
		if err := c.applyPrivateDNS(ep, v, pdns, pdnsSet, ""); err != nil {
			return nil, err
		}
	} else if pdns {
		return nil, invalidParam("Private DNS is only supported for Interface endpoints")
	}
	tags, err := c.p.tagsFor("vpc-endpoint")
	if err != nil {
		return nil, err
	}
	ep.Tags = tags
	ep.Groups = groups
	ep.ID = c.sb.newID("vpce")
	ep.DNSSuffix = c.sb.randAlnum(8)
	for _, sub := range subnets {
		ep.addSubnet(c, sub, fixed[sub])
	}
	switch {
	case typ == endpointTypeGateway:
		ep.Phase = phaseAvailable
	case v.Accept:
		ep.Phase = phasePendingAcceptance
	default:
		ep.Phase = phasePending
	}
	return ep, nil
}

// requestedService is the service a create names (ServiceName, in
// ServiceRegion when given), as the consumer sees it.
func (c *call) requestedService(typ string) (*svcView, *apiError) {
	name := c.p.str("ServiceName")
	if name == "" {
		return nil, missingParam("ServiceName")
	}
	svcRegion := c.p.str("ServiceRegion")
	if svcRegion != "" {
		if err := c.checkRegions([]string{svcRegion}); err != nil {
			return nil, err
		}
	}
	return c.resolveService(name, svcRegion, typ)
}

// placeEndpoint checks where a new endpoint goes by its type: a gateway
// endpoint in route tables (no subnets or groups), a Gateway Load
// Balancer endpoint in exactly one subnet (no groups), an interface
// endpoint with security groups (the VPC's first when none is given). It
// returns the endpoint's groups.
func (c *call) placeEndpoint(ep *endpoint, v *svcView, subnets, groups []string) ([]string, *apiError) {
	switch ep.Type {
	case endpointTypeGateway:
		if len(subnets)+len(groups) > 0 {
			return nil, invalidParam("Subnets and security groups are not supported for Gateway endpoints")
		}
		ep.RouteTables = dedupe(c.p.list("RouteTableId"))
		if err := c.checkRouteTables(ep.RouteTables, ep.VpcID, v.Name, ""); err != nil {
			return nil, err
		}
	case endpointTypeGatewayLoadBalancer:
		if len(subnets) != 1 {
			return nil, invalidParam("A Gateway Load Balancer endpoint requires exactly one subnet")
		}
		if len(groups) > 0 {
			return nil, invalidParam("Security groups are not supported for Gateway Load Balancer endpoints")
		}
	case endpointTypeInterface:
		if len(groups) == 0 {
			for _, id := range slices.Sorted(maps.Keys(c.net.sgs)) {
				if c.net.sgs[id].VpcID == ep.VpcID {
					groups = []string{id}
					break
				}
			}
		}
		if err := c.checkGroups(groups, ep.VpcID); err != nil {
			return nil, err
		}
	}
	return groups, nil
}

// newEndpointAddresses sets a new endpoint's IP address type and DNS
// record type, and returns the fixed addresses of its subnets.
func (c *call) newEndpointAddresses(ep *endpoint, v *svcView, subnets []string) (map[string]subnetConfig, *apiError) {
	if t := c.p.str("IpAddressType"); t != "" {
		if err := validIPType(t, v); err != nil {
			return nil, err
		}
		ep.IPAddressType = t
	}
	if t := c.p.str("DnsOptions.DnsRecordIpType"); t != "" {
		ep.DNSRecordType = t
	}
	if ep.Type == endpointTypeGateway && len(c.p.indices("SubnetConfiguration")) > 0 {
		return nil, invalidParam("Subnet configurations are not supported for Gateway endpoints")
	}
	return c.subnetConfigs(subnets, ep.IPAddressType, nil)
}

// newEndpointPolicy sets a new endpoint's policy: the one given, or AWS's
// default (full access) for any but a Gateway Load Balancer endpoint.
func (c *call) newEndpointPolicy(ep *endpoint) *apiError {
	policy := c.p.str("PolicyDocument")
	if err := c.checkPolicy(policy); err != nil {
		return err
	}
	if policy == "" && ep.Type != endpointTypeGatewayLoadBalancer {
		policy = defaultPolicy
	}
	ep.Policy = policy
	return nil
}

// checkEndpointQuota refuses an endpoint of type typ in vpc that would
// exceed the world's quotas. Every endpoint counts until it is deleting
// (rejected, expired and failed ones still exist). Interface and Gateway
// Load Balancer endpoints share a quota; gateway, Resource and
// ServiceNetwork endpoints each have their own.
func (c *call) checkEndpointQuota(typ, vpcID string) *apiError {
	q := c.sb.world.Quotas.Effective()
	quotaKind := func(t string) string {
		if t == endpointTypeGatewayLoadBalancer {
			return endpointTypeInterface
		}
		return t
	}
	inVPC, gwRegion := 0, 0
	for _, ep := range c.sb.st.Endpoints {
		if ep.Account != c.account() || ep.Region != c.region || ep.Phase == phaseDeleting {
			continue
		}
		gateway := ep.Type == endpointTypeGateway
		if gateway {
			gwRegion++
		}
		if ep.VpcID == vpcID && quotaKind(ep.Type) == quotaKind(typ) {
			inVPC++
		}
	}
	limit := func(format string, a ...any) *apiError {
		return errf(400, "VpcEndpointLimitExceeded", "The maximum number of VPC endpoints has been reached: "+format, a...)
	}
	switch {
	case typ == endpointTypeResource && inVPC >= q.ResourceEndpointsPerVPC:
		return limit("VPC %s already has %d Resource endpoints (quota %d per VPC)", vpcID, inVPC, q.ResourceEndpointsPerVPC)
	case typ == endpointTypeServiceNetwork && inVPC >= q.ServiceNetworkEndpointsPerVPC:
		return limit("VPC %s already has %d ServiceNetwork endpoints (quota %d per VPC)", vpcID, inVPC, q.ServiceNetworkEndpointsPerVPC)
	case isLattice(typ):
	case typ != endpointTypeGateway && inVPC >= q.InterfaceEndpointsPerVPC:
		return limit("VPC %s already has %d interface and Gateway Load Balancer endpoints (quota %d per VPC)", vpcID, inVPC, q.InterfaceEndpointsPerVPC)
	case typ == endpointTypeGateway && gwRegion >= q.GatewayEndpointsPerRegion:
		return limit("account %s already has %d gateway endpoints in %s (quota %d per Region)", c.account(), gwRegion, c.region, q.GatewayEndpointsPerRegion)
	case typ == endpointTypeGateway && inVPC >= q.GatewayEndpointsPerVPC:
		return limit("VPC %s already has %d gateway endpoints (limit %d per VPC)", vpcID, inVPC, q.GatewayEndpointsPerVPC)
	}
	return nil
}

// priorEndpoint is the endpoint an identical earlier create made (the
// record idempotent returned), as it is now: live, deleting, or deleted;
// nil when there is none.
func (c *call) priorEndpoint(prior *tokenRecord) *endpoint {
	if prior == nil {
		return nil
	}
	if ep, ok := c.sb.st.Endpoints[prior.ResourceID]; ok {
		return ep
	}
	return prior.Endpoint
}

// applyPrivateDNS decides PrivateDnsEnabled for an interface endpoint.
func (c *call) applyPrivateDNS(ep *endpoint, v *svcView, want, explicit bool, except string) *apiError {
	if !explicit {
		// AWS's default is true; it only takes effect where the service has
		// a verified private DNS name.
		want = v.DNSName != "" && v.DNSState == "verified" && c.dnsConflict(ep.VpcID, v.DNSName, except) == nil
	}
	if want {
		if v.DNSName == "" {
			return invalidParam("Private DNS can't be enabled because the service %s does not provide a private DNS name.", v.Name)
		}
		if v.DNSState != "verified" {
			return invalidParam("Private DNS can only be enabled after the private DNS name %s of service %s is verified.", v.DNSName, v.Name)
		}
		if other := c.dnsConflict(ep.VpcID, v.DNSName, except); other != nil {
			return invalidParam("private-dns-enabled cannot be set because there is already a conflicting DNS domain for %s in the VPC %s (endpoint %s)", v.DNSName, ep.VpcID, other.ID)
		}
	}
	ep.PrivateDNS = want
	return nil
}

func (ep *endpoint) addSubnet(c *call, sub string, fixed subnetConfig) {
	ep.Subnets = append(ep.Subnets, sub)
	if ep.Type == endpointTypeGateway {
		return
	}
	ep.ENIs = append(ep.ENIs, c.newENI(ep.ID, sub, fixed))
}

// newENI is a new network interface of endpoint epID in sub with the fixed
// addresses, or the subnet's next free IPv4 address.
func (c *call) newENI(epID, sub string, fixed subnetConfig) eni {
	e := eni{Subnet: sub, ID: c.sb.newID("eni"), IP: fixed.IPv4, IPv6: fixed.IPv6}
	if e.IP == "" && fixed.IPv6 == "" {
		e.IP = c.sb.allocIP(sub, c.net.subnets[sub].CIDR)
	}
	c.sb.recordFixed(epID, e, fixed)
	return e
}

func (ep *endpoint) removeSubnet(sub string) {
	ep.Subnets = remove(ep.Subnets, sub)
	var keep []eni
	for _, e := range ep.ENIs {
		if e.Subnet != sub {
			keep = append(keep, e)
		}
	}
	ep.ENIs = keep
}

// dnsEntries returns the DNS names an interface endpoint answers to.
func (s *Sandbox) dnsEntries(ep *endpoint) []xn {
	if ep.Type != endpointTypeInterface {
		return nil
	}
	switch st, _ := s.endpointState(ep, s.now()); st {
	case phaseRejected, phaseDeleted, phaseExpired, phaseFailed:
		return nil
	}
	svcLabel := ep.ServiceID
	if svcLabel == "" {
		svcLabel = strings.TrimPrefix(ep.ServiceName, "com.amazonaws."+ep.ServiceRegion+".")
	}
	zone := hostedZone(ep.Region)
	base := fmt.Sprintf("%s-%s.%s.%s.vpce.amazonaws.com", ep.ID, ep.DNSSuffix, svcLabel, ep.Region)
	out := []xn{el("item", tx("dnsName", base), tx("hostedZoneId", zone))}
	n := s.net(ep.Account, ep.Region)
	for _, sub := range ep.Subnets {
		if si, ok := n.subnets[sub]; ok {
			out = append(out, el("item", tx("dnsName", fmt.Sprintf("%s-%s-%s.%s.%s.vpce.amazonaws.com", ep.ID, ep.DNSSuffix, si.AvailabilityZone, svcLabel, ep.Region)), tx("hostedZoneId", zone)))
		}
	}
	if ep.PrivateDNS {
		if name := s.endpointDNSName(ep); name != "" {
			out = append(out, el("item", tx("dnsName", name), tx("hostedZoneId", "Z"+strings.ToUpper(ep.DNSSuffix)+"PRIVATE")))
		}
	}
	return out
}

func (c *call) endpointXN(name string, ep *endpoint) xn {
	st, _ := c.sb.endpointState(ep, c.now)
	groups := make([]xn, 0, len(ep.Groups))
	for _, g := range ep.Groups {
		gname := ""
		if sg, ok := c.sb.net(ep.Account, ep.Region).sgs[g]; ok {
			gname = sg.Name
		}
		groups = append(groups, el("item", tx("groupId", g), tx("groupName", gname)))
	}
	enis := make([]string, len(ep.ENIs))
	for i, e := range ep.ENIs {
		enis[i] = e.ID
	}
	kids := []xn{
		tx("vpcEndpointId", ep.ID),
		tx("vpcEndpointType", ep.Type),
		tx("vpcId", ep.VpcID),
		opt("serviceName", ep.ServiceName),
		opt("resourceConfigurationArn", ep.ResourceConfigurationArn),
		opt("serviceNetworkArn", ep.ServiceNetworkArn),
		tx("state", st),
		opt("policyDocument", ep.Policy),
		strSet("routeTableIdSet", ep.RouteTables),
		strSet("subnetIdSet", ep.Subnets),
		set("groupSet", groups),
	}
	if ep.Type != endpointTypeGateway {
		dns := []xn{tx("dnsRecordIpType", ep.DNSRecordType), opt("privateDnsPreference", ep.PrivateDNSPreference)}
		if len(ep.PrivateDNSDomains) > 0 {
			dns = append(dns, strSet("privateDnsSpecifiedDomainSet", ep.PrivateDNSDomains))
		}
		kids = append(kids, tx("ipAddressType", ep.IPAddressType), el("dnsOptions", dns...))
	}
	kids = append(kids,
		bl("privateDnsEnabled", ep.PrivateDNS),
		bl("requesterManaged", false),
		strSet("networkInterfaceIdSet", enis),
		set("dnsEntrySet", c.sb.dnsEntries(ep)),
		ts("creationTimestamp", ep.Created),
		tagSetXN(ep.Tags),
		tx("ownerId", ep.Account),
		opt("serviceRegion", ep.ServiceRegion),
	)
	return el(name, kids...)
}

func modifyVpcEndpoint(c *call) ([]xn, *apiError) {
	ep, err := c.ownEndpoint(c.p.str("VpcEndpointId"))
	if err != nil {
		return nil, err
	}
	if st, _ := c.sb.endpointState(ep, c.now); st == phaseDeleting || st == phaseDeleted {
		return nil, errf(400, "IncorrectState", "The VPC endpoint %s is in state %s and cannot be modified", ep.ID, st)
	}
	m := newEndpointChange(c, ep)
	for _, step := range []func() *apiError{
		m.checkKinds, m.subnets, m.groups,
		func() *apiError { return c.modifyRouteTables(ep, &m.next) },
		m.policy, m.addresses, m.privateDNS, m.interfaces,
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	*ep = m.next
	return []xn{bl("return", true)}, nil
}

// endpointChange is a ModifyVpcEndpoint being checked: next becomes the
// endpoint only when every check passes.
type endpointChange struct {
	c    *call
	ep   *endpoint // as it is
	v    *svcView  // its service; nil when it no longer exists
	next endpoint  // as it will be
	// the subnets and security groups the call adds and removes
	addS, rmS, addG, rmG []string
	// kept are the endpoint's subnets that stay, fresh the added subnets
	// it does not have yet.
	kept, fresh []string
}

func newEndpointChange(c *call, ep *endpoint) *endpointChange {
	m := &endpointChange{c: c, ep: ep, v: c.endpointService(ep), next: *ep}
	m.next.Subnets = append([]string(nil), ep.Subnets...)
	m.next.ENIs = append([]eni(nil), ep.ENIs...)
	m.next.Groups = append([]string(nil), ep.Groups...)
	m.addS, m.rmS = dedupe(c.p.list("AddSubnetId")), dedupe(c.p.list("RemoveSubnetId"))
	m.addG, m.rmG = dedupe(c.p.list("AddSecurityGroupId")), dedupe(c.p.list("RemoveSecurityGroupId"))
	return m
}

// subnetsAfter are the endpoint's subnets once changed.
func (m *endpointChange) subnetsAfter() []string {
	return append(append([]string(nil), m.kept...), m.fresh...)
}

// checkKinds refuses the changes the endpoint's type does not allow.
func (m *endpointChange) checkKinds() *apiError {
	typ := m.ep.Type
	if typ != endpointTypeInterface && !isLattice(typ) && len(m.addG)+len(m.rmG) > 0 {
		return invalidParam("Security groups can only be modified on Interface, Resource and ServiceNetwork endpoints")
	}
	if typ == endpointTypeGateway && len(m.addS)+len(m.rmS) > 0 {
		return invalidParam("Subnets cannot be modified on Gateway endpoints")
	}
	return latticeSubnetChange(typ, m.addS, m.rmS) // ec2_lattice.go
}

// subnets checks the subnets removed (each the endpoint's) and the
// subnets the endpoint ends with, and removes those removed.
func (m *endpointChange) subnets() *apiError {
	c, ep := m.c, m.ep
	for _, s := range m.rmS {
		if !contains(m.next.Subnets, s) {
			return invalidParam("The subnet %s is not associated with the VPC endpoint %s", s, ep.ID)
		}
	}
	m.kept = m.next.Subnets
	for _, s := range m.rmS {
		m.kept = remove(m.kept, s)
	}
	for _, s := range m.addS {
		if !contains(m.kept, s) {
			m.fresh = append(m.fresh, s)
		}
	}
	if m.v != nil {
		if err := c.checkSubnets(m.subnetsAfter(), ep.VpcID, m.v, m.v.Region != c.region); err != nil {
			return err
		}
	}
	if isLattice(ep.Type) && len(m.addS)+len(m.rmS) > 0 {
		if err := c.checkLatticeSubnets(m.subnetsAfter(), ep.VpcID, c.latticeTargetOf(ep)); err != nil {
			return err
		}
	}
	for _, s := range m.rmS {
		m.next.removeSubnet(s)
	}
	return nil
}

// groups adds and removes security groups; an interface or lattice
// endpoint keeps at least one.
func (m *endpointChange) groups() *apiError {
	ep := m.ep
	if err := m.c.checkGroups(m.addG, ep.VpcID); err != nil {
		return err
	}
	for _, g := range m.rmG {
		if !contains(m.next.Groups, g) {
			return errf(400, "InvalidGroup.NotFound", "The security group '%s' is not associated with the VPC endpoint %s", g, ep.ID)
		}
		m.next.Groups = remove(m.next.Groups, g)
	}
	for _, g := range m.addG {
		if !contains(m.next.Groups, g) {
			m.next.Groups = append(m.next.Groups, g)
		}
	}
	if ep.Type == endpointTypeInterface && len(m.next.Groups) == 0 {
		return invalidParam("An Interface endpoint must have at least one security group")
	}
	if isLattice(ep.Type) && len(m.next.Groups) == 0 {
		return invalidParam("A %s endpoint must have at least one security group", ep.Type)
	}
	return nil
}

// policy sets the policy given, or resets it to AWS's default; a lattice
// endpoint has none.
func (m *endpointChange) policy() *apiError {
	c := m.c
	reset, _, err := c.p.boolean("ResetPolicy")
	if err != nil {
		return err
	}
	doc := c.p.str("PolicyDocument")
	if (doc != "" || reset) && isLattice(m.ep.Type) {
		return invalidParam("Endpoint policies are not supported for %s endpoints", m.ep.Type)
	}
	switch {
	case doc != "" && reset:
		return invalidParam("PolicyDocument and ResetPolicy cannot be used together")
	case doc != "":
		if err := c.checkPolicy(doc); err != nil {
			return err
		}
		m.next.Policy = doc
	case reset:
		m.next.Policy = defaultPolicy
	}
	return nil
}

// addresses sets the IP address type (one the service supports, while it
// exists) and the DNS record type.
func (m *endpointChange) addresses() *apiError {
	c := m.c
	if t := c.p.str("IpAddressType"); t != "" {
		if m.v != nil {
			if err := validIPType(t, m.v); err != nil {
				return err
			}
		}
		m.next.IPAddressType = t
	}
	if t := c.p.str("DnsOptions.DnsRecordIpType"); t != "" {
		m.next.DNSRecordType = t
	}
	return nil
}

// privateDNS changes a lattice endpoint's DNS options, or an interface
// endpoint's private DNS (on only while its service exists).
func (m *endpointChange) privateDNS() *apiError {
	c, ep, v := m.c, m.ep, m.v
	if isLattice(ep.Type) {
		return c.modifyLatticeDNS(&m.next) // ec2_lattice.go
	}
	if err := c.notLatticeFields(ep.Type); err != nil {
		return err
	}
	pdns, set, err := c.p.boolean("PrivateDnsEnabled")
	if err != nil || !set || pdns == ep.PrivateDNS {
		return err
	}
	if ep.Type != endpointTypeInterface {
		return invalidParam("Private DNS is only supported for Interface endpoints")
	}
	if pdns && v == nil {
		return invalidParam("The service of endpoint %s no longer exists", ep.ID)
	}
	if v == nil {
		m.next.PrivateDNS = false
		return nil
	}
	return c.applyPrivateDNS(&m.next, v, pdns, true, ep.ID)
}

// interfaces gives new subnets their network interfaces and replaces the
// interface of a subnet given new addresses, as AWS does; an available
// endpoint whose interfaces change goes through pending again.
func (m *endpointChange) interfaces() *apiError {
	c, ep := m.c, m.ep
	if ep.Type == endpointTypeGateway && len(c.p.indices("SubnetConfiguration")) > 0 {
		return invalidParam("Subnet configurations are not supported for Gateway endpoints")
	}
	fixed, err := c.subnetConfigs(m.subnetsAfter(), m.next.IPAddressType, ep.ENIs)
	if err != nil {
		return err
	}
	moved := 0
	for i, e := range m.next.ENIs {
		if f, ok := fixed[e.Subnet]; ok && (f.IPv4 != e.IP || f.IPv6 != e.IPv6) {
			m.next.ENIs[i] = c.newENI(ep.ID, e.Subnet, f)
			moved++
		}
	}
	for _, s := range m.fresh {
		m.next.addSubnet(c, s, fixed[s])
	}
	if len(m.fresh)+len(m.rmS)+moved > 0 {
		if st, _ := c.sb.endpointState(ep, c.now); st == phaseAvailable {
			m.next.Phase, m.next.PhaseAt, m.next.Hold = phasePending, c.now, false
		}
	}
	return nil
}

// endpointService returns the consumer view of an endpoint's service, or nil
// if the service no longer exists.
func (c *call) endpointService(ep *endpoint) *svcView {
	if ep.ServiceID == "" {
		for _, v := range c.sb.managedViews(ep.ServiceRegion) {
			if v.Name == ep.ServiceName && v.Type == ep.Type {
				return v
			}
		}
		return nil
	}
	if sv, ok := c.sb.st.Services[ep.ServiceID]; ok && c.sb.serviceLive(sv, c.now) {
		return c.sb.customView(sv)
	}
	return nil
}

func deleteVpcEndpoints(c *call) ([]xn, *apiError) {
	ids := c.p.list("VpcEndpointId")
	if len(ids) == 0 {
		return nil, missingParam("VpcEndpointId")
	}
	var bad []xn
	for _, id := range dedupe(ids) {
		ep, err := c.ownEndpoint(id)
		if err != nil {
			bad = append(bad, unsuccessful(id, err))
			continue
		}
		if ep.Phase != phaseDeleting {
			ep.Phase, ep.PhaseAt, ep.Hold = phaseDeleting, c.now, false
		}
	}
	return []xn{set("unsuccessful", bad)}, nil
}

func describeVpcEndpoints(c *call) ([]xn, *apiError) {
	ids := c.p.list("VpcEndpointId")
	fs := c.p.filters()
	field := func(ep *endpoint) fieldFunc {
		return func(name string) ([]string, bool) {
			st, _ := c.sb.endpointState(ep, c.now)
			switch name {
			case "service-name":
				return []string{ep.ServiceName}, true
			case "service-region":
				return []string{ep.ServiceRegion}, true
			case "vpc-id":
				return []string{ep.VpcID}, true
			case "vpc-endpoint-id":
				return []string{ep.ID}, true
			case "vpc-endpoint-state":
				return stateVariants(st), true
			case "vpc-endpoint-type":
				return []string{ep.Type}, true
			case "resource-configuration-arn":
				return []string{ep.ResourceConfigurationArn}, true
			case "service-network-arn":
				return []string{ep.ServiceNetworkArn}, true
			case "ip-address-type":
				return []string{ep.IPAddressType}, true
			}
			return tagFields(name, ep.Tags)
		}
	}
	if err := checkFilters(fs, field(&endpoint{})); err != nil {
		return nil, err
	}
	var list []*endpoint
	if len(ids) > 0 {
		for _, id := range dedupe(ids) {
			ep, err := c.ownEndpoint(id)
			if err != nil {
				return nil, err
			}
			list = append(list, ep)
		}
	} else {
		for _, ep := range c.sb.st.Endpoints {
			if ep.Account != c.account() || ep.Region != c.region || !c.sb.visible(ep.Created, c.now) {
				continue
			}
			if _, gone := c.sb.endpointState(ep, c.now); gone {
				continue
			}
			list = append(list, ep)
		}
		sortEndpoints(list)
	}
	var sel []*endpoint
	for _, ep := range list {
		if matches(fs, field(ep)) {
			sel = append(sel, ep)
		}
	}
	page, next, err := paginate(c, sel, vpceLimits, len(ids) > 0)
	if err != nil {
		return nil, err
	}
	items := make([]xn, len(page))
	for i, ep := range page {
		items[i] = c.endpointXN("item", ep)
	}
	return []xn{set("vpcEndpointSet", items), opt("nextToken", next)}, nil
}

func sortEndpoints(list []*endpoint) {
	sort.Slice(list, func(i, j int) bool {
		if !list[i].Created.Equal(list[j].Created) {
			return list[i].Created.Before(list[j].Created)
		}
		return list[i].ID < list[j].ID
	})
}

// stateVariants lets state filters match AWS's wire spelling
// ("pendingAcceptance") as well as the SDK enum spelling ("PendingAcceptance").
func stateVariants(st string) []string {
	if st == "" {
		return nil
	}
	return []string{st, strings.ToLower(st), strings.ToUpper(st[:1]) + st[1:]}
}
