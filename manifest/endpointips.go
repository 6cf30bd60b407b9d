package manifest

import (
	"maps"
	"net/netip"
	"slices"
	"strings"
)

// validateIPAddresses checks a consumer's fixed endpoint addresses
// (`ipAddresses`): each key a subnet of subnetIds, each address of its
// family, and the families the endpoint's ipAddressType needs (AWS: "You
// must provide an IPv4 address if the VPC endpoint supports IPv4", and
// likewise IPv6). Whether an address lies in its subnet's CIDR, outside
// AWS's reserved addresses, is checked at plan time against the live
// subnet.
func (l *loader) validateIPAddresses(c *Consumer, what string) {
	if len(c.IPAddresses) == 0 || c.IsGateway() || !l.ok(c, "ipAddresses") {
		return
	}
	needV4 := c.IPAddressType == "" || c.IPAddressType == "ipv4" || c.IPAddressType == "dualstack"
	needV6 := c.IPAddressType == "ipv6" || c.IPAddressType == "dualstack"
	ipType := c.IPAddressType
	if ipType == "" {
		ipType = "ipv4 (the default)"
	}
	for _, sn := range slices.Sorted(maps.Keys(c.IPAddresses)) {
		path := "ipAddresses." + sn
		keyAt := path + "#key"
		if _, ok := l.pos[posKey{c, path}]; ok {
			keyAt = path
		}
		if !reSubnetID.MatchString(sn) {
			l.invalid(c, keyAt, "", "invalid subnet id `%s` in `ipAddresses` of %s; expected subnet- and 8 or 17 hex digits", sn, what)
			continue
		}
		if !slices.Contains(c.SubnetIDs, sn) {
			l.sink.errorf(l.at(c, keyAt), CodeConflict, "add it to `subnetIds`, or remove its entry", "`ipAddresses` of %s names subnet %s, which is not in its `subnetIds` (%s)", what, sn, strings.Join(c.SubnetIDs, ", "))
			continue
		}
		ips := c.IPAddresses[sn]
		if ips == nil {
			continue // null: reported by the decoder
		}
		if ips.IPv4 == "" && ips.IPv6 == "" {
			l.sink.errorf(ownerPos(ips), CodeRequired, "", "`ipAddresses.%s` of %s sets neither `ipv4` nor `ipv6`", sn, what)
			continue
		}
		check := func(field, v string, want4 bool) {
			if v == "" || !l.ok(ips, field) {
				return
			}
			a, err := netip.ParseAddr(v)
			family := "IPv6"
			if want4 {
				family = "IPv4"
			}
			if err != nil || a.Zone() != "" || a.Is4() != want4 || a.Is4In6() {
				l.sink.errorf(l.at(ips, field), CodeInvalid, "", "invalid %s address `%s` in `ipAddresses.%s.%s` of %s; write one address such as %s", family, v, sn, field, what, map[bool]string{true: "10.0.1.10", false: "2600:1f18:1234:5601::10"}[want4])
				return
			}
			if a.String() != v {
				l.sink.errorf(l.at(ips, field), CodeInvalid, "", "%s address `%s` in `ipAddresses.%s.%s` of %s is not in canonical form; write `%s`", family, v, sn, field, what, a.String())
			}
		}
		check("ipv4", ips.IPv4, true)
		check("ipv6", ips.IPv6, false)
		switch {
		case needV4 && ips.IPv4 == "":
			l.sink.errorf(ownerPos(ips), CodeRequired, "AWS needs an IPv4 address for every subnet it is given addresses for when the endpoint supports IPv4", "`ipAddresses.%s` of %s needs `ipv4`: its ipAddressType is %s", sn, what, ipType)
		case !needV4 && ips.IPv4 != "":
			l.sink.errorf(l.at(ips, "ipv4"), CodeConflict, "set `ipAddressType: dualstack` for both families", "`ipAddresses.%s.ipv4` of %s is set, but its ipAddressType is %s, which has no IPv4 address", sn, what, ipType)
		}
		switch {
		case needV6 && ips.IPv6 == "":
			l.sink.errorf(ownerPos(ips), CodeRequired, "AWS needs an IPv6 address for every subnet it is given addresses for when the endpoint supports IPv6", "`ipAddresses.%s` of %s needs `ipv6`: its ipAddressType is %s", sn, what, ipType)
		case !needV6 && ips.IPv6 != "":
			l.sink.errorf(l.at(ips, "ipv6"), CodeConflict, "set `ipAddressType: dualstack` (or ipv6)", "`ipAddresses.%s.ipv6` of %s is set, but its ipAddressType is %s, which has no IPv6 address", sn, what, ipType)
		}
	}
}

// validateSharedAddresses reports two consumers that fix the same address
// in the same subnet (subnet ids are unique across accounts): AWS gives an
// address to one network interface only, so the second endpoint would fail
// with InvalidIPAddress.InUse at apply, and at every apply after it.
func (l *loader) validateSharedAddresses(m *Manifest) {
	type first struct {
		c   *Consumer
		pos Pos
	}
	seen := map[string]first{}
	for _, c := range m.Consumers {
		if c == nil || c.IsGateway() {
			continue
		}
		for _, sn := range slices.Sorted(maps.Keys(c.IPAddresses)) {
			ips := c.IPAddresses[sn]
			if ips == nil {
				continue
			}
			for _, f := range []struct{ field, v string }{{"ipv4", ips.IPv4}, {"ipv6", ips.IPv6}} {
				a, err := netip.ParseAddr(f.v)
				if f.v == "" || err != nil {
					continue
				}
				k := sn + "=" + a.String()
				pos := l.at(ips, f.field)
				if prev, dup := seen[k]; dup && prev.c != c {
					l.sink.errorf(pos, CodeConflict, "give each consumer its own address in "+sn+" (AWS gives an address to one network interface only)",
						"address %s in %s is fixed by both consumer `%s` (%s) and consumer `%s`", a, sn, prev.c.Name, posRef(pos, prev.pos), c.Name)
					continue
				}
				if _, dup := seen[k]; !dup {
					seen[k] = first{c, pos}
				}
			}
		}
	}
}

// validateServiceRegion checks a consumer's `serviceRegion`: only with
// `serviceName` (a provider's region is the provider's own), not on a
// gateway endpoint, and agreeing with a region the service name carries.
// A serviceName that names another region than the consumer's needs it:
// CreateVpcEndpoint looks the name up in the endpoint's own region
// otherwise.
func (l *loader) validateServiceRegion(c *Consumer, what string) {
	named := ServiceNameRegion(c.ServiceName)
	if c.ServiceRegion == "" {
		if named != "" && c.Region != "" && named != c.Region && !c.IsGateway() && l.ok(c, "serviceName") {
			l.sink.errorf(l.at(c, "serviceName"), CodeConflict, "add `serviceRegion: "+named+"` for a cross-region endpoint, or use the service's name in "+c.Region,
				"%s in %s names service %s of region %s without `serviceRegion`", what, c.Region, c.ServiceName, named)
		}
		return
	}
	if !l.ok(c, "serviceRegion") || !l.checkID(c, "serviceRegion", c.ServiceRegion, reRegion, "region", "a region name like us-west-2") {
		return
	}
	switch {
	case c.Provider != "":
		l.sink.errorf(l.at(c, "serviceRegion"), CodeConflict, "remove `serviceRegion`; plink connects across regions by itself when the provider's region differs", "%s sets `serviceRegion` with `provider`; a provider's service is in the provider's region", what)
	case c.IsGateway():
		l.sink.errorf(l.at(c, "serviceRegion"), CodeConflict, "remove `serviceRegion`", "%s is a gateway endpoint (type: Gateway), which connects within its own region only", what)
	case named != "" && named != c.ServiceRegion:
		l.sink.errorf(l.at(c, "serviceRegion"), CodeConflict, "make `serviceRegion` the region in the service name, or fix the name",
			"%s sets `serviceRegion: %s`, but its service %s is in %s", what, c.ServiceRegion, c.ServiceName, named)
	}
}

// ServiceNameRegion is the region a service name carries
// (com.amazonaws.us-east-1.s3, com.amazonaws.vpce.us-east-1.vpce-svc-…),
// or "" (com.amazonaws.iam, com.amazonaws.route53).
func ServiceNameRegion(name string) string {
	parts := strings.Split(name, ".")
	for i := 2; i < len(parts) && i <= 3; i++ {
		if reRegion.MatchString(parts[i]) {
			return parts[i]
		}
	}
	return ""
}
