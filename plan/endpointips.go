package plan

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

// Codes of fixed endpoint addresses (ipAddresses) and of cross-region
// consumers of services outside the manifest.
const (
	CodeAddressOutside = "PL118" // error: a fixed endpoint address is not a usable address of its subnet (outside its CIDR, or one AWS reserves)
	CodeAddressHeld    = "PL235" // error: a replaced endpoint's fixed address is held by the endpoint it replaces
	CodeServiceNoZones = "PL119" // error: a cross-region consumer's service offers no Availability Zone in its region
	CodeAddressInUse   = "PL120" // error: a fixed endpoint address is held by another network interface of its subnet
)

// wantedAddresses are a consumer's fixed addresses as plan values:
// "SUBNET=ADDRESS", sorted.
func wantedAddresses(cm *manifest.Consumer) []string {
	var out []string
	for sn, ips := range cm.IPAddresses {
		if ips == nil {
			continue
		}
		if ips.IPv4 != "" {
			out = append(out, sn+"="+ips.IPv4)
		}
		if ips.IPv6 != "" {
			out = append(out, sn+"="+ips.IPv6)
		}
	}
	sort.Strings(out)
	return out
}

// liveAddresses are the live endpoint's addresses, as plan values, of the
// subnets and address families the consumer fixes (the others are AWS's
// to choose, never a diff). When the addresses were not read, the wanted
// ones stand in (nothing to compare with).
func liveAddresses(ep *live.Endpoint, cm *manifest.Consumer) []string {
	if len(cm.IPAddresses) == 0 {
		return nil
	}
	if !ep.AddressesRead {
		return wantedAddresses(cm)
	}
	var out []string
	for _, a := range ep.Addresses {
		ips := cm.IPAddresses[a.SubnetID]
		if ips == nil {
			continue
		}
		if ips.IPv4 != "" && a.IPv4 != "" {
			out = append(out, a.SubnetID+"="+a.IPv4)
		}
		if ips.IPv6 != "" && a.IPv6 != "" {
			out = append(out, a.SubnetID+"="+a.IPv6)
		}
	}
	sort.Strings(out)
	return out
}

// SubnetAddresses groups plan address values ("SUBNET=ADDRESS") by subnet:
// the IPv4 and IPv6 address of each.
func SubnetAddresses(values []string) map[string][2]string {
	out := map[string][2]string{}
	for _, v := range values {
		sn, addr, ok := strings.Cut(v, "=")
		if !ok {
			continue
		}
		a := out[sn]
		if strings.Contains(addr, ":") {
			a[1] = addr
		} else {
			a[0] = addr
		}
		out[sn] = a
	}
	return out
}

// ChangedAddressSubnets are the subnets whose fixed addresses differ
// between before and after (or that after adds), sorted.
func ChangedAddressSubnets(before, after []string) []string {
	b, a := SubnetAddresses(before), SubnetAddresses(after)
	var out []string
	for sn, want := range a {
		if b[sn] != want {
			out = append(out, sn)
		}
	}
	sort.Strings(out)
	return out
}

// addressWarnings say, for an update, which subnets' network interfaces
// AWS replaces to move them to their new fixed addresses (the subnet loses
// the endpoint for a moment). A subnet the update adds is not among them.
func addressWarnings(ch *Change) {
	if ch.Action != Update || ch.Before == nil || ch.After == nil {
		return
	}
	for _, sn := range ChangedAddressSubnets(ch.Before.IPAddresses, ch.After.IPAddresses) {
		if !contains(ch.Before.SubnetIDs, sn) {
			continue
		}
		var addrs []string
		for _, a := range SubnetAddresses(ch.After.IPAddresses)[sn] {
			if a != "" {
				addrs = append(addrs, a)
			}
		}
		ch.Warnings = append(ch.Warnings, fmt.Sprintf("AWS replaces the network interface of %s in %s to give it %s: clients in that subnet lose the endpoint for a moment",
			ch.ID, sn, strings.Join(addrs, " and ")))
	}
}

// addressHeld reports a replace whose new endpoint would take a fixed
// address the endpoint it replaces still holds: apply creates the new
// endpoint first, and AWS gives an address to one network interface only.
func (c *computer) addressHeld(cs *consState, ch *Change) {
	if ch.Action != Replace || cs.ep == nil || ch.After == nil {
		return
	}
	held := map[string]bool{}
	for _, a := range cs.ep.Addresses {
		held[a.SubnetID+"="+a.IPv4] = a.IPv4 != ""
		held[a.SubnetID+"="+a.IPv6] = a.IPv6 != ""
	}
	var taken []string
	for _, v := range ch.After.IPAddresses {
		if held[v] {
			taken = append(taken, strings.Replace(v, "=", " ", 1))
		}
	}
	if len(taken) == 0 {
		return
	}
	c.diag(SeverityError, CodeAddressHeld, cs.addr, cs.alias, cs.region,
		fmt.Sprintf("%s is replaced (%s), but %s, the endpoint it replaces, holds its fixed addresses %s until the new one is usable: AWS would refuse them to the new endpoint", cs.addr, strings.Join(ch.ReplaceReasons, ", "), cs.ep.ID, strings.Join(taken, ", ")),
		"apply the replace without those ipAddresses first (the new endpoint takes addresses from AWS), then add them back: the next apply moves its network interfaces to them in place")
}

// addressChecks report fixed addresses AWS would refuse: outside the
// subnet's CIDR (its IPv6 CIDR for an IPv6 address, which the subnet must
// have), or one of the five addresses AWS reserves in every subnet (the
// first four and the last of the block).
func (c *computer) addressChecks(cs *consState) {
	cm := cs.c
	subnets := make([]string, 0, len(cm.IPAddresses))
	for sn := range cm.IPAddresses {
		subnets = append(subnets, sn)
	}
	sort.Strings(subnets)
	for _, id := range subnets {
		ips := cm.IPAddresses[id]
		sn := c.subnets[key{cs.accountID, cs.region, id}]
		if ips == nil || sn == nil {
			continue // a missing subnet is PL107
		}
		for _, a := range []struct{ addr, cidr, family string }{{ips.IPv4, sn.CIDR, "IPv4"}, {ips.IPv6, sn.IPv6CIDR, "IPv6"}} {
			if a.addr == "" {
				continue
			}
			if msg := usableAddress(a.addr, a.cidr, a.family); msg != "" {
				c.diag(SeverityError, CodeAddressOutside, cs.addr, cs.alias, cs.region,
					fmt.Sprintf("%s: fixed address %s in %s %s", cs.addr, a.addr, id, msg),
					fmt.Sprintf("use an address of %s from its fifth to its second-to-last (AWS reserves the first four and the last)", describeCIDR(a.cidr, a.family)))
				continue
			}
			c.addressInUse(cs, id, a.addr)
		}
	}
}

// addressInUse reports a fixed address that a network interface other
// than the consumer's own endpoint's holds in its subnet (AWS:
// InvalidIPAddress.InUse). An interface of the endpoint a replace
// replaces is PL235's, not this.
func (c *computer) addressInUse(cs *consState, subnet, addr string) {
	var own []string
	if cs.ep != nil {
		own = cs.ep.NetworkInterfaceIDs
	}
	for i := range c.s.Interfaces {
		n := &c.s.Interfaces[i]
		if n.AccountID != cs.accountID || n.Region != cs.region || n.SubnetID != subnet || !contains(n.Addresses, addr) || contains(own, n.ID) {
			continue
		}
		c.diag(SeverityError, CodeAddressInUse, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: fixed address %s in %s is held by %s: AWS gives an address to one network interface only", cs.addr, addr, subnet, c.interfaceHolder(n)),
			"choose another address of "+subnet+", or free this one first (change or remove what holds it, apply, then add this address)")
		return
	}
}

// interfaceHolder names a network interface and what it belongs to: the
// consumer whose endpoint it is, or the endpoint or AWS's description.
func (c *computer) interfaceHolder(n *live.NetworkInterface) string {
	epID := ""
	if rest, ok := strings.CutPrefix(n.Description, "VPC Endpoint Interface "); ok {
		epID = strings.TrimSpace(rest)
	}
	if ep := c.epByID[epID]; ep != nil {
		if ep.Tags[live.TagProject] == c.m.Project && c.m.Project != "" {
			return fmt.Sprintf("network interface %s of endpoint %s (consumer.%s)", n.ID, ep.ID, ownedName(ep.Tags, ep.ID))
		}
		for _, cm := range c.m.Consumers {
			if cm.Adopt == ep.ID {
				return fmt.Sprintf("network interface %s of endpoint %s (consumer.%s, adopted)", n.ID, ep.ID, cm.Name)
			}
		}
		return fmt.Sprintf("network interface %s of endpoint %s, which this manifest does not manage", n.ID, ep.ID)
	}
	if epID != "" {
		return fmt.Sprintf("network interface %s of endpoint %s", n.ID, epID)
	}
	if n.Description != "" {
		return fmt.Sprintf("network interface %s (%s)", n.ID, n.Description)
	}
	return "network interface " + n.ID
}

func describeCIDR(cidr, family string) string {
	if cidr == "" {
		return "the subnet's " + family + " block (it has none: associate one with the subnet first)"
	}
	return cidr
}

// usableAddress says why addr is not an address AWS lets an interface take
// in the subnet block cidr, or "".
func usableAddress(addr, cidr, family string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return "is not an address"
	}
	if cidr == "" {
		return "cannot be used: the subnet has no " + family + " CIDR block"
	}
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return ""
	}
	p = p.Masked()
	if !p.Contains(a) {
		return "is outside the subnet's " + family + " CIDR block " + cidr
	}
	first := p.Addr()
	for i := 0; i < 4; i++ {
		if a == first {
			return fmt.Sprintf("is reserved by AWS (the %s address of %s)", [...]string{"network", "VPC router", "DNS", "future-use"}[i], cidr)
		}
		first = first.Next()
	}
	if a == lastAddr(p) {
		return "is reserved by AWS (the last address of " + cidr + ")"
	}
	return ""
}

// lastAddr is the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	bits := p.Bits()
	for i := range b {
		for j := 0; j < 8; j++ {
			if i*8+j >= bits {
				b[i] |= 0x80 >> j
			}
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// crossRegionZones reports a cross-region consumer of a service outside
// the manifest whose service, as DescribeVpcEndpointServices reports it in
// the service's region, offers no Availability Zone there: the endpoint
// would have nothing to reach. The consumer's own subnets may be in any
// zone of its region (AWS carries the traffic to the service's region), so
// zone ids of the two regions are never compared.
func (c *computer) crossRegionZones(cs *consState, serviceRegion string) {
	vs := c.visible[key{cs.accountID, cs.region, cs.c.ServiceName}]
	if vs == nil || vs.ServiceRegion == "" || vs.ServiceRegion == cs.region {
		return
	}
	if len(vs.AvailabilityZoneIDs) > 0 || len(vs.AvailabilityZones) > 0 {
		return
	}
	c.diag(SeverityError, CodeServiceNoZones, cs.addr, cs.alias, cs.region,
		fmt.Sprintf("%s: service %s offers no Availability Zone in %s; an endpoint in %s would reach nothing", cs.addr, cs.c.ServiceName, serviceRegion, cs.region),
		"ask the service's owner to enable its load balancer in a zone of "+serviceRegion+", or connect to it from another region")
}
