package sandbox

// EC2 network reads: VPCs, subnets, security groups, availability zones. The
// network comes from the world and is read-only.

import (
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strings"
)

func ec2Handlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"DescribeVpcs":              describeVpcs,
		"DescribeSubnets":           describeSubnets,
		"DescribeSecurityGroups":    describeSecurityGroups,
		"DescribeAvailabilityZones": describeAvailabilityZones,
		"DescribeRouteTables":       describeRouteTables,
		"DescribeNetworkInterfaces": describeNetworkInterfaces,

		"CreateVpcEndpointServiceConfiguration":         createServiceConfiguration,
		"ModifyVpcEndpointServiceConfiguration":         modifyServiceConfiguration,
		"DeleteVpcEndpointServiceConfigurations":        deleteServiceConfigurations,
		"DescribeVpcEndpointServiceConfigurations":      describeServiceConfigurations,
		"DescribeVpcEndpointServicePermissions":         describeServicePermissions,
		"ModifyVpcEndpointServicePermissions":           modifyServicePermissions,
		"StartVpcEndpointServicePrivateDnsVerification": startPrivateDNSVerification,
		"ModifyVpcEndpointServicePayerResponsibility":   modifyPayerResponsibility, // ec2_provideroptions.go
		"DescribeVpcEndpointServices":                   describeEndpointServices,
		"DescribeVpcEndpointConnections":                describeEndpointConnections,
		"AcceptVpcEndpointConnections":                  acceptEndpointConnections,
		"RejectVpcEndpointConnections":                  rejectEndpointConnections,
		"CreateVpcEndpoint":                             createVpcEndpoint,
		"ModifyVpcEndpoint":                             modifyVpcEndpoint,
		"DeleteVpcEndpoints":                            deleteVpcEndpoints,
		"DescribeVpcEndpoints":                          describeVpcEndpoints,
		"CreateVpcEndpointConnectionNotification":       createConnectionNotification,
		"ModifyVpcEndpointConnectionNotification":       modifyConnectionNotification,
		"DeleteVpcEndpointConnectionNotifications":      deleteConnectionNotifications,
		"DescribeVpcEndpointConnectionNotifications":    describeConnectionNotifications,
		"CreateTags":   createTags,
		"DeleteTags":   deleteTags,
		"DescribeTags": describeTags,

		"CreatePlacementGroup":    createPlacementGroup,
		"DeletePlacementGroup":    deletePlacementGroup,
		"DescribePlacementGroups": describePlacementGroups,
	}
}

func describeVpcs(c *call) ([]xn, *apiError) {
	ids := c.p.list("VpcId")
	fs := c.p.filters()
	n := c.net
	field := func(v *VPC) fieldFunc {
		return func(name string) ([]string, bool) {
			switch name {
			case "vpc-id":
				return []string{v.ID}, true
			case "cidr", "cidr-block-association.cidr-block", "cidrBlock":
				return []string{v.CIDR}, true
			case "owner-id":
				return []string{c.account()}, true
			case "state":
				return []string{"available"}, true
			case "is-default":
				return []string{"false"}, true
			}
			return tagFields(name, nameTags(v.Name))
		}
	}
	if err := checkFilters(fs, field(&VPC{})); err != nil {
		return nil, err
	}
	var out []*VPC
	if len(ids) > 0 {
		for _, id := range ids {
			v, ok := n.vpcs[id]
			if !ok {
				return nil, errf(400, "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", id)
			}
			out = append(out, v)
		}
	} else {
		for _, id := range slices.Sorted(maps.Keys(n.vpcs)) {
			out = append(out, n.vpcs[id])
		}
	}
	var sel []*VPC
	for _, v := range out {
		if matches(fs, field(v)) {
			sel = append(sel, v)
		}
	}
	page, next, err := paginate(c, sel, netLimits, len(ids) > 0)
	if err != nil {
		return nil, err
	}
	items := make([]xn, len(page))
	for i, v := range page {
		items[i] = el("item",
			tx("vpcId", v.ID),
			tx("ownerId", c.account()),
			tx("state", "available"),
			tx("cidrBlock", v.CIDR),
			set("cidrBlockAssociationSet", []xn{el("item", tx("associationId", "vpc-cidr-assoc-"+v.ID[4:]), tx("cidrBlock", v.CIDR), el("cidrBlockState", tx("state", "associated")))}),
			tx("dhcpOptionsId", "dopt-"+v.ID[4:]),
			tx("instanceTenancy", "default"),
			bl("isDefault", false),
			tagSetXN(nameTags(v.Name)),
		)
	}
	return []xn{set("vpcSet", items), opt("nextToken", next)}, nil
}

func nameTags(name string) []tag {
	if name == "" {
		return nil
	}
	return []tag{{Key: "Name", Value: name}}
}

func describeSubnets(c *call) ([]xn, *apiError) {
	ids := c.p.list("SubnetId")
	fs := c.p.filters()
	n := c.net
	field := func(s *subnetInfo) fieldFunc {
		return func(name string) ([]string, bool) {
			switch name {
			case "subnet-id":
				return []string{s.ID}, true
			case "vpc-id":
				return []string{s.VpcID}, true
			case "availability-zone", "availabilityZone":
				return []string{s.AvailabilityZone}, true
			case "availability-zone-id", "availabilityZoneId":
				return []string{s.AZID}, true
			case "cidr-block", "cidr", "cidrBlock":
				return []string{s.CIDR}, true
			case "owner-id":
				return []string{c.account()}, true
			case "state":
				return []string{"available"}, true
			case "default-for-az":
				return []string{"false"}, true
			}
			return tagFields(name, nameTags(s.Name))
		}
	}
	if err := checkFilters(fs, field(&subnetInfo{})); err != nil {
		return nil, err
	}
	var out []*subnetInfo
	if len(ids) > 0 {
		for _, id := range ids {
			s, ok := n.subnets[id]
			if !ok {
				return nil, errf(400, "InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
			}
			out = append(out, s)
		}
	} else {
		for _, id := range slices.Sorted(maps.Keys(n.subnets)) {
			out = append(out, n.subnets[id])
		}
	}
	var sel []*subnetInfo
	for _, s := range out {
		if matches(fs, field(s)) {
			sel = append(sel, s)
		}
	}
	page, next, err := paginate(c, sel, netLimits, len(ids) > 0)
	if err != nil {
		return nil, err
	}
	items := make([]xn, len(page))
	for i, s := range page {
		free := 251
		if p, err := netip.ParsePrefix(s.CIDR); err == nil {
			free = (1 << (32 - p.Bits())) - 5
		}
		items[i] = el("item",
			tx("subnetId", s.ID),
			tx("subnetArn", "arn:aws:ec2:"+c.region+":"+c.account()+":subnet/"+s.ID),
			tx("state", "available"),
			tx("ownerId", c.account()),
			tx("vpcId", s.VpcID),
			tx("cidrBlock", s.CIDR),
			num("availableIpAddressCount", free),
			tx("availabilityZone", s.AvailabilityZone),
			tx("availabilityZoneId", s.AZID),
			bl("defaultForAz", false),
			bl("mapPublicIpOnLaunch", false),
			bl("assignIpv6AddressOnCreation", false),
			set("ipv6CidrBlockAssociationSet", ipv6Associations(s)),
			tagSetXN(nameTags(s.Name)),
		)
	}
	return []xn{set("subnetSet", items), opt("nextToken", next)}, nil
}

func describeSecurityGroups(c *call) ([]xn, *apiError) {
	ids := c.p.list("GroupId")
	names := c.p.list("GroupName")
	fs := c.p.filters()
	n := c.net
	field := func(g *sgInfo) fieldFunc {
		return func(name string) ([]string, bool) {
			switch name {
			case "group-id":
				return []string{g.ID}, true
			case "group-name":
				return []string{g.Name}, true
			case "vpc-id":
				return []string{g.VpcID}, true
			case "description":
				return []string{g.Description}, true
			case "owner-id":
				return []string{c.account()}, true
			}
			return tagFields(name, nil)
		}
	}
	if err := checkFilters(fs, field(&sgInfo{})); err != nil {
		return nil, err
	}
	var out []*sgInfo
	switch {
	case len(ids) > 0:
		for _, id := range ids {
			g, ok := n.sgs[id]
			if !ok {
				return nil, errf(400, "InvalidGroup.NotFound", "The security group '%s' does not exist", id)
			}
			out = append(out, g)
		}
	case len(names) > 0:
		for _, nm := range names {
			found := false
			for _, id := range slices.Sorted(maps.Keys(n.sgs)) {
				if n.sgs[id].Name == nm {
					out = append(out, n.sgs[id])
					found = true
				}
			}
			if !found {
				return nil, errf(400, "InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC", nm)
			}
		}
	default:
		for _, id := range slices.Sorted(maps.Keys(n.sgs)) {
			out = append(out, n.sgs[id])
		}
	}
	var sel []*sgInfo
	for _, g := range out {
		if matches(fs, field(g)) {
			sel = append(sel, g)
		}
	}
	page, next, err := paginate(c, sel, netLimits, len(ids)+len(names) > 0)
	if err != nil {
		return nil, err
	}
	items := make([]xn, len(page))
	for i, g := range page {
		items[i] = el("item",
			tx("ownerId", c.account()),
			tx("groupId", g.ID),
			tx("groupName", g.Name),
			tx("groupDescription", g.Description),
			tx("vpcId", g.VpcID),
			tx("securityGroupArn", "arn:aws:ec2:"+c.region+":"+c.account()+":security-group/"+g.ID),
			set("ipPermissions", nil),
			set("ipPermissionsEgress", []xn{el("item", tx("ipProtocol", "-1"), set("groups", nil),
				set("ipRanges", []xn{el("item", tx("cidrIp", "0.0.0.0/0"))}), set("ipv6Ranges", nil), set("prefixListIds", nil))}),
		)
	}
	return []xn{set("securityGroupInfo", items), opt("nextToken", next)}, nil
}

func describeAvailabilityZones(c *call) ([]xn, *apiError) {
	names := c.p.list("ZoneName")
	zids := c.p.list("ZoneId")
	fs := c.p.filters()
	azs := c.net.azs
	type az struct{ name, id string }
	field := func(z az) fieldFunc {
		return func(name string) ([]string, bool) {
			switch name {
			case "zone-name":
				return []string{z.name}, true
			case "zone-id":
				return []string{z.id}, true
			case "region-name":
				return []string{c.region}, true
			case "state":
				return []string{"available"}, true
			case "zone-type":
				return []string{"availability-zone"}, true
			case "opt-in-status":
				return []string{"opt-in-not-required"}, true
			case "group-name":
				return []string{c.region}, true
			}
			return nil, false
		}
	}
	if err := checkFilters(fs, field(az{})); err != nil {
		return nil, err
	}
	var all []az
	for _, nm := range slices.Sorted(maps.Keys(azs)) {
		all = append(all, az{nm, azs[nm]})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].name < all[j].name })
	for _, nm := range names {
		if _, ok := azs[nm]; !ok {
			return nil, badParam("Invalid availability zone: [%s]", nm)
		}
	}
	for _, id := range zids {
		found := false
		for _, z := range all {
			found = found || z.id == id
		}
		if !found {
			return nil, badParam("Invalid availability zone: [%s]", id)
		}
	}
	var items []xn
	for _, z := range all {
		if len(names)+len(zids) > 0 && !contains(names, z.name) && !contains(zids, z.id) {
			continue
		}
		if !matches(fs, field(z)) {
			continue
		}
		items = append(items, el("item",
			tx("zoneName", z.name),
			tx("zoneId", z.id),
			tx("zoneState", "available"),
			tx("regionName", c.region),
			tx("groupName", c.region),
			tx("networkBorderGroup", c.region),
			tx("optInStatus", "opt-in-not-required"),
			tx("zoneType", "availability-zone"),
			set("messageSet", nil),
		))
	}
	return []xn{set("availabilityZoneInfo", items)}, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ipv6Associations is a subnet's ipv6CidrBlockAssociationSet.
func ipv6Associations(s *subnetInfo) []xn {
	if s.IPv6CIDR == "" {
		return nil
	}
	return []xn{el("item",
		tx("associationId", "subnet-cidr-assoc-"+strings.TrimPrefix(s.ID, "subnet-")),
		tx("ipv6CidrBlock", s.IPv6CIDR),
		el("ipv6CidrBlockState", tx("state", "associated")))}
}
