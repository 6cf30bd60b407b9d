package sandbox

// Elastic Load Balancing v2 (awsquery, 2015-12-01): DescribeLoadBalancers and
// DescribeTags over the world's load balancers.

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// worldEpoch is the creation time reported for world resources.
var worldEpoch = time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)

func lbName(arn string) string {
	parts := strings.Split(arn, "/")
	if len(parts) < 3 {
		return arn
	}
	return parts[len(parts)-2]
}

func elbDescribeLoadBalancers(c *call) ([]xn, *apiError) {
	arns, names := c.p.list("LoadBalancerArns"), c.p.list("Names")
	if len(arns) > 0 && len(names) > 0 {
		return nil, errf(400, "ValidationError", "Load balancer names and load balancer ARNs cannot be specified at the same time")
	}
	n := c.net
	var list []LoadBalancer
	switch {
	case len(arns) > 0:
		for _, a := range arns {
			lb, ok := c.sb.lb(n, a)
			if !ok {
				return nil, errf(400, "LoadBalancerNotFound", "Load balancers '[%s]' not found", a)
			}
			list = append(list, lb)
		}
	case len(names) > 0:
		for _, nm := range names {
			found := false
			for _, a := range n.lbOrder {
				if lb, ok := c.sb.lb(n, a); ok && lbName(a) == nm {
					list = append(list, lb)
					found = true
				}
			}
			if !found {
				return nil, errf(400, "LoadBalancerNotFound", "Load balancers '[%s]' not found", nm)
			}
		}
	default:
		for _, a := range n.lbOrder {
			if lb, ok := c.sb.lb(n, a); ok {
				list = append(list, lb)
			}
		}
	}
	size, hasSize, err := c.p.integer("PageSize")
	if err != nil {
		return nil, err
	}
	if hasSize && (size < 1 || size > 400) {
		return nil, errf(400, "ValidationError", "1 validation error detected: Value '%d' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400", size)
	}
	start := 0
	if m := c.p.str("Marker"); m != "" {
		v, ok := decodeToken(m, c.action)
		if !ok || v > len(list) {
			return nil, errf(400, "ValidationError", "Invalid marker")
		}
		start = v
	}
	end := len(list)
	next := ""
	if hasSize && start+size < end {
		end = start + size
		next = encodeToken(end, c.action)
	}
	items := make([]xn, 0, end-start)
	for i := range list[start:end] {
		items = append(items, c.lbXN(&list[start+i]))
	}
	return []xn{members("LoadBalancers", items), opt("NextMarker", next)}, nil
}

func (c *call) lbXN(lb *LoadBalancer) xn {
	n := c.net
	name := lbName(lb.Arn)
	state := lb.State
	if state == "" {
		state = "active"
	}
	scheme := lb.Scheme
	if scheme == "" {
		scheme = "internal"
	}
	h := sha256.Sum256([]byte(lb.Arn))
	dns := name + "-" + hex.EncodeToString(h[:])[:16] + ".elb." + c.region + ".amazonaws.com"
	if scheme == "internal" {
		dns = "internal-" + dns
	}
	var azs []xn
	for _, sub := range lb.Subnets {
		si := n.subnets[sub]
		if si == nil {
			continue
		}
		azs = append(azs, el("member", tx("ZoneName", si.AvailabilityZone), tx("SubnetId", sub), members("LoadBalancerAddresses", nil)))
	}
	kids := []xn{
		tx("LoadBalancerArn", lb.Arn),
		tx("DNSName", dns),
		tx("CanonicalHostedZoneId", hostedZone(c.region)),
		tx("CreatedTime", worldEpoch.Format("2006-01-02T15:04:05.000Z")),
		tx("LoadBalancerName", name),
		tx("Scheme", scheme),
		tx("VpcId", lb.VpcID),
		el("State", tx("Code", state)),
		tx("Type", lb.Type),
		members("AvailabilityZones", azs),
		tx("IpAddressType", "ipv4"),
	}
	if lb.Type == "application" {
		var groups []xn
		for id, sg := range n.sgs {
			if sg.VpcID == lb.VpcID {
				groups = append(groups, tx("member", id))
				break
			}
		}
		kids = append(kids, members("SecurityGroups", groups))
	}
	return el("member", kids...)
}

func elbDescribeTags(c *call) ([]xn, *apiError) {
	arns := c.p.list("ResourceArns")
	if len(arns) == 0 {
		return nil, errf(400, "ValidationError", "1 validation error detected: Value null at 'resourceArns' failed to satisfy constraint: Member must not be null")
	}
	var items []xn
	for _, a := range arns {
		lb, ok := c.sb.lb(c.net, a)
		if !ok {
			return nil, errf(400, "LoadBalancerNotFound", "Load balancers '[%s]' not found", a)
		}
		tags := []xn{el("member", tx("Key", "Name"), tx("Value", lbName(lb.Arn)))}
		items = append(items, el("member", tx("ResourceArn", a), members("Tags", tags)))
	}
	return []xn{members("TagDescriptions", items)}, nil
}
