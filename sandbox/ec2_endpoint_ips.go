package sandbox

// Fixed endpoint addresses (CreateVpcEndpoint's and ModifyVpcEndpoint's
// SubnetConfiguration.N) and DescribeNetworkInterfaces, which reports an
// endpoint's network interfaces with their addresses.

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
)

// subnetConfig is one SubnetConfiguration.N: the addresses the endpoint's
// network interface in the subnet takes.
type subnetConfig struct{ IPv4, IPv6 string }

// subnetConfigs reads SubnetConfiguration.N and checks each as AWS does:
// the subnet is one of the endpoint's (subnets), given once; each address
// of its family, in the subnet's block, not one of the five AWS reserves,
// and not held by another network interface; an IPv4 address when the
// endpoint supports IPv4 (ipType ipv4 or dualstack), an IPv6 one when it
// supports IPv6. own are the interfaces the endpoint has now (an address
// one of them holds in the same subnet is not "in use").
func (c *call) subnetConfigs(subnets []string, ipType string, own []eni) (map[string]subnetConfig, *apiError) {
	idx := c.p.indices("SubnetConfiguration")
	if len(idx) == 0 {
		return nil, nil
	}
	out := map[string]subnetConfig{}
	for _, i := range idx {
		pre := fmt.Sprintf("SubnetConfiguration.%d.", i)
		sub := c.p.str(pre + "SubnetId")
		if sub == "" {
			return nil, missingParam(pre + "SubnetId")
		}
		if !contains(subnets, sub) {
			return nil, invalidParam("The subnet configuration names subnet %s, which is not a subnet of the VPC endpoint (%v).", sub, subnets)
		}
		if _, dup := out[sub]; dup {
			return nil, invalidParam("The subnet %s is given more than one subnet configuration.", sub)
		}
		sc := subnetConfig{IPv4: c.p.str(pre + "Ipv4"), IPv6: c.p.str(pre + "Ipv6")}
		wantV4 := ipType == "" || ipType == "ipv4" || ipType == "dualstack"
		wantV6 := ipType == "ipv6" || ipType == "dualstack"
		switch {
		case wantV4 && sc.IPv4 == "":
			return nil, missingParam(pre + "Ipv4")
		case wantV6 && sc.IPv6 == "":
			return nil, missingParam(pre + "Ipv6")
		case !wantV4 && sc.IPv4 != "":
			return nil, invalidParam("An IPv4 address cannot be assigned to an endpoint of IP address type %s.", ipType)
		case !wantV6 && sc.IPv6 != "":
			return nil, invalidParam("An IPv6 address cannot be assigned to an endpoint of IP address type %s.", ipType)
		}
		si := c.net.subnets[sub]
		if si == nil {
			return nil, errf(400, "InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", sub)
		}
		for _, a := range []struct{ addr, cidr string }{{sc.IPv4, si.CIDR}, {sc.IPv6, si.IPv6CIDR}} {
			if a.addr == "" {
				continue
			}
			if err := c.usableAddress(sub, a.addr, a.cidr, a.addr == sc.IPv6, own); err != nil {
				return nil, err
			}
		}
		out[sub] = sc
	}
	return out, nil
}

// usableAddress checks one fixed address of a subnet block.
func (c *call) usableAddress(sub, addr, cidr string, v6 bool, own []eni) *apiError {
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Is4() == v6 || a.Is4In6() || a.Zone() != "" {
		family := "IPv4"
		if v6 {
			family = "IPv6"
		}
		return errf(400, "InvalidParameterValue", "Invalid %s address: %s", family, addr)
	}
	if cidr == "" {
		return errf(400, "InvalidParameterValue", "The subnet %s has no IPv6 CIDR block", sub)
	}
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return errf(500, "InternalError", "subnet %s has an invalid block %s", sub, cidr)
	}
	p = p.Masked()
	if !p.Contains(a) {
		return errf(400, "InvalidParameterValue", "Address %s does not fall within the subnet's address range", addr)
	}
	first := p.Addr()
	for range 4 {
		if a == first {
			return errf(400, "InvalidParameterValue", "Address %s is in subnet's reserved address range", addr)
		}
		first = first.Next()
	}
	if a == lastAddr(p) {
		return errf(400, "InvalidParameterValue", "Address %s is in subnet's reserved address range", addr)
	}
	for _, e := range own {
		if e.Subnet == sub && (e.IP == a.String() || e.IPv6 == a.String()) {
			return nil // the endpoint's own interface holds it already
		}
	}
	if holder := c.sb.addressHolder(sub, a.String()); holder != "" {
		return errf(400, "InvalidIPAddress.InUse", "Address %s is in use (network interface %s)", addr, holder)
	}
	return nil
}

// addressHolder is the network interface of a live endpoint that holds
// addr in subnet sub, or "".
func (s *Sandbox) addressHolder(sub, addr string) string {
	for _, id := range slices.Sorted(maps.Keys(s.st.Endpoints)) {
		ep := s.st.Endpoints[id]
		if st, gone := s.endpointState(ep, s.now()); gone || st == phaseDeleted {
			continue
		}
		for _, e := range ep.ENIs {
			if e.Subnet == sub && (e.IP == addr || e.IPv6 == addr) {
				return e.ID
			}
		}
	}
	return ""
}

// holdsFixed reports whether a live endpoint holds addr in sub as a fixed
// address (FixedIPs).
func (s *Sandbox) holdsFixed(sub, addr string) bool {
	id, ok := s.st.FixedIPs[sub+"|"+addr]
	if !ok {
		return false
	}
	ep := s.st.Endpoints[id]
	if ep == nil {
		return false
	}
	for _, e := range ep.ENIs {
		if e.Subnet == sub && (e.IP == addr || e.IPv6 == addr) {
			return true
		}
	}
	return false
}

// recordFixed notes the fixed addresses of an endpoint's interface.
func (s *Sandbox) recordFixed(epID string, e eni, fixed subnetConfig) {
	if s.st.FixedIPs == nil {
		s.st.FixedIPs = map[string]string{}
	}
	for _, a := range []string{fixed.IPv4, fixed.IPv6} {
		if a != "" {
			s.st.FixedIPs[e.Subnet+"|"+a] = epID
		}
	}
}

// lastAddr is the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := range b {
		for j := range 8 {
			if i*8+j >= p.Bits() {
				b[i] |= 0x80 >> j
			}
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// describeNetworkInterfaces serves the network interfaces of the caller's
// interface and Gateway Load Balancer endpoints in the region (the only
// interfaces the sandbox has): by NetworkInterfaceId.N, or filtered by
// network-interface-id, subnet-id, vpc-id, interface-type or
// requester-managed.
func describeNetworkInterfaces(c *call) ([]xn, *apiError) {
	fs := c.p.filters()
	if err := checkFilters(fs, endpointInterface{}.field); err != nil {
		return nil, err
	}
	ids := dedupe(c.p.list("NetworkInterfaceId"))
	sel, err := c.selectInterfaces(c.endpointInterfaces(), ids)
	if err != nil {
		return nil, err
	}
	var keep []endpointInterface
	for _, x := range sel {
		if matches(fs, x.field) {
			keep = append(keep, x)
		}
	}
	page, next, err := paginate(c, keep, netLimits, len(ids) > 0)
	if err != nil {
		return nil, err
	}
	items := make([]xn, len(page))
	for i, x := range page {
		items[i] = c.interfaceXN(x)
	}
	return []xn{set("networkInterfaceSet", items), opt("nextToken", next)}, nil
}

// endpointInterface is a network interface of an endpoint.
type endpointInterface struct {
	e  eni
	ep *endpoint
}

// field is the value of a DescribeNetworkInterfaces filter.
func (x endpointInterface) field(name string) ([]string, bool) {
	switch name {
	case "network-interface-id":
		return []string{x.e.ID}, true
	case "subnet-id":
		return []string{x.e.Subnet}, true
	case "vpc-id":
		if x.ep == nil {
			return nil, true
		}
		return []string{x.ep.VpcID}, true
	case "interface-type":
		return []string{"vpc_endpoint"}, true
	case "requester-managed":
		return []string{"true"}, true
	}
	return nil, false
}

// endpointInterfaces are the interfaces of the caller's endpoints in the
// call's region that are visible and not deleted, by endpoint id.
func (c *call) endpointInterfaces() []endpointInterface {
	var all []endpointInterface
	for _, id := range slices.Sorted(maps.Keys(c.sb.st.Endpoints)) {
		ep := c.sb.st.Endpoints[id]
		if ep.Account != c.account() || ep.Region != c.region || !c.sb.visible(ep.Created, c.now) {
			continue
		}
		if st, gone := c.sb.endpointState(ep, c.now); gone || st == phaseDeleted {
			continue
		}
		for _, e := range ep.ENIs {
			all = append(all, endpointInterface{e, ep})
		}
	}
	return all
}

// selectInterfaces are the interfaces named by ids, in their order (each
// must exist), or all of them when no id is named.
func (c *call) selectInterfaces(all []endpointInterface, ids []string) ([]endpointInterface, *apiError) {
	if len(ids) == 0 {
		return all, nil
	}
	var sel []endpointInterface
	for _, id := range ids {
		i := slices.IndexFunc(all, func(x endpointInterface) bool { return x.e.ID == id })
		if i < 0 {
			return nil, errf(400, "InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '%s' does not exist", id)
		}
		sel = append(sel, all[i])
	}
	return sel, nil
}

// interfaceXN is an interface as DescribeNetworkInterfaces lists it.
func (c *call) interfaceXN(x endpointInterface) xn {
	si := c.net.subnets[x.e.Subnet]
	az, azID := "", ""
	if si != nil {
		az, azID = si.AvailabilityZone, si.AZID
	}
	var v6 []xn
	if x.e.IPv6 != "" {
		v6 = []xn{el("item", tx("ipv6Address", x.e.IPv6), bl("isPrimaryIpv6", true))}
	}
	groups := make([]xn, len(x.ep.Groups))
	for j, g := range x.ep.Groups {
		groups[j] = el("item", tx("groupId", g))
	}
	return el("item",
		tx("networkInterfaceId", x.e.ID),
		tx("subnetId", x.e.Subnet),
		tx("vpcId", x.ep.VpcID),
		tx("availabilityZone", az),
		tx("availabilityZoneId", azID),
		tx("description", "VPC Endpoint Interface "+x.ep.ID),
		tx("ownerId", x.ep.Account),
		tx("requesterId", "727180483921"),
		bl("requesterManaged", true),
		tx("status", "in-use"),
		tx("interfaceType", "vpc_endpoint"),
		opt("privateIpAddress", x.e.IP),
		set("privateIpAddressesSet", []xn{el("item", tx("privateIpAddress", x.e.IP), bl("primary", true))}),
		set("ipv6AddressesSet", v6),
		set("groupSet", groups),
		bl("sourceDestCheck", true),
		set("tagSet", nil),
	)
}
