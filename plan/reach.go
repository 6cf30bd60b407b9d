package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/quota"
)

// DefaultEndpointsPerVPC is AWS's default quota of interface and Gateway
// Load Balancer endpoints in one VPC (quota.DefaultEndpointsPerVPC).
const DefaultEndpointsPerVPC = quota.DefaultEndpointsPerVPC

// reachChecks report, before apply tries, what AWS would refuse about a
// consumer's endpoint as far as live state tells: a service that does not
// exist or that the consumer's account cannot see, an IP address type the
// service or the subnets do not support, private DNS for a service without
// a private DNS name. Only endpoints the plan creates, replaces or changes
// in those respects are checked: a live endpoint is proof enough.
func (c *computer) reachChecks(cs *consState, ch *Change) {
	if !c.readOK(cs.accountID, cs.region) || ch.After == nil {
		return
	}
	after := ch.After
	fresh := ch.Action == Create || ch.Action == Replace
	ipChanged := fresh || ch.Before != nil && ch.Before.IPAddressType != after.IPAddressType
	dnsChanged := fresh || ch.Before != nil && ch.Before.PrivateDNSEnabled != nil && !*ch.Before.PrivateDNSEnabled && after.PrivateDNSEnabled != nil && *after.PrivateDNSEnabled
	if !fresh && !ipChanged && !dnsChanged {
		return
	}
	ps := cs.prov
	var vs *live.VisibleService
	if after.ServiceName != "" {
		vs = c.visible[key{cs.accountID, cs.region, after.ServiceName}]
	}
	// What the service offers: the manifest's word for a provider of this
	// manifest, AWS's (as the consumer's account sees it) otherwise.
	var ipTypes []string
	dnsName, dnsKnown := "", false
	switch {
	case ps != nil && ps.after != nil:
		ipTypes, dnsName, dnsKnown = ps.after.SupportedIPAddressTypes, ps.p.PrivateDNSName, true
	case vs != nil:
		ipTypes, dnsName, dnsKnown = vs.SupportedIPAddressTypes, vs.PrivateDNSName, true
	}
	if fresh && vs == nil && after.ServiceName != "" && c.mustSee(cs) {
		hint := fmt.Sprintf("check serviceName and region (aws ec2 describe-vpc-endpoint-services --service-names %s, run in account %s), or ask the service's owner to allow account %s", after.ServiceName, cs.accountID, cs.accountID)
		if ps != nil {
			hint = fmt.Sprintf("allow account %s in allowedPrincipals of %s (`- account: %s`)", cs.accountID, ps.addr, cs.alias)
		}
		c.diag(SeverityError, CodeServiceInvisible, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: service %s does not exist or is not visible to account %s in %s; AWS would refuse the endpoint (InvalidServiceName)", cs.addr, after.ServiceName, c.accountLabel(cs.accountID), cs.region),
			hint)
	}
	if ipChanged && after.IPAddressType != "" {
		c.ipTypeChecks(cs, after, ipTypes)
	}
	if dnsChanged && dnsKnown && dnsName == "" && after.PrivateDNSEnabled != nil && *after.PrivateDNSEnabled && after.Type == typeInterface {
		c.diag(SeverityError, CodeNoPrivateDNSName, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: privateDnsEnabled is true, but service %s has no private DNS name; AWS refuses private DNS for it", cs.addr, serviceLabel(cs, after)),
			"set privateDnsEnabled: false and use the endpoint's own DNS names, or give the provider a privateDnsName")
	}
}

// mustSee reports whether the consumer's account must see its service now:
// not when the plan is about to allow the account, when the account owns
// the service, or when the service was not looked up (its provider's
// service was found only by a tag repair).
func (c *computer) mustSee(cs *consState) bool {
	ps := cs.prov
	if ps == nil {
		return true
	}
	if ps.svc == nil || cs.accountID == ps.accountID {
		return false
	}
	if !allows(ps.principals, cs.accountID) && !c.allowsRole(ps, cs) {
		return false // PL220 says so already
	}
	if cs.region != ps.region && !contains(ps.svc.SupportedRegions, cs.region) {
		return false // this plan adds the region (or PL221 says it must)
	}
	if ps.p.Adopt != ps.svc.ID && ps.svc.Tags[live.TagName] != ps.p.Name {
		return false
	}
	root := rootARN(cs.accountID)
	if ps.newPrincipals[root] != "" || ps.newPrincipals["*"] != "" {
		return false
	}
	if role := c.roleOf(cs.alias); role != "" && ps.newPrincipals[role] != "" {
		return false
	}
	return true
}

func serviceLabel(cs *consState, after *Values) string {
	if after.ServiceName != "" {
		return after.ServiceName
	}
	if cs.prov != nil {
		return "of " + cs.prov.addr
	}
	return cs.c.ServiceName
}

// ipTypeChecks: a dualstack endpoint needs a service that supports IPv4 and
// IPv6 and subnets with both; an ipv6 one needs IPv6 on both sides.
func (c *computer) ipTypeChecks(cs *consState, after *Values, serviceTypes []string) {
	t := strings.ToLower(after.IPAddressType)
	var need []string
	switch t {
	case "dualstack":
		need = []string{"ipv4", "ipv6"}
	case "ipv6":
		need = []string{"ipv6"}
	case "ipv4":
		need = []string{"ipv4"}
	default:
		return
	}
	if len(serviceTypes) > 0 {
		var missing []string
		for _, n := range need {
			if !containsFold(serviceTypes, n) {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			hint := "use an ipAddressType the service supports (" + strings.Join(serviceTypes, ", ") + ")"
			if cs.prov != nil {
				hint += ", or add " + strings.Join(missing, " and ") + " to supportedIpAddressTypes of " + cs.prov.addr + " (its load balancers must be dualstack)"
			}
			c.diag(SeverityError, CodeIPTypeUnsupported, cs.addr, cs.alias, cs.region,
				fmt.Sprintf("%s: ipAddressType %s needs a service that supports %s, but service %s supports only %s", cs.addr, after.IPAddressType, strings.Join(need, " and "), serviceLabel(cs, after), strings.Join(serviceTypes, ", ")),
				hint)
		}
	}
	if t == "ipv4" {
		return
	}
	var bare []string
	for _, id := range after.SubnetIDs {
		sn := c.subnets[key{cs.accountID, cs.region, id}]
		if sn != nil && sn.IPv6CIDR == "" {
			bare = append(bare, id)
		}
	}
	if len(bare) > 0 {
		sort.Strings(bare)
		c.diag(SeverityError, CodeIPTypeUnsupported, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: ipAddressType %s needs subnets with an IPv6 CIDR block, but %s %s none", cs.addr, after.IPAddressType, strings.Join(bare, ", "), map[bool]string{true: "has", false: "have"}[len(bare) == 1]),
			"associate an IPv6 CIDR block with those subnets, use other subnets, or set ipAddressType: ipv4")
	}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// quotaChecks warn when a VPC would hold more interface and Gateway Load
// Balancer endpoints after apply than AWS's default quota allows: apply
// would fail half way with VpcEndpointLimitExceeded unless the quota was
// raised.
func (c *computer) quotaChecks() {
	limit := c.opts.quotas().EndpointsPerVPC
	type vpcKey struct{ account, region, vpc string }
	count := map[vpcKey]int{}
	first := map[vpcKey]string{} // the first endpoint created in each VPC
	for i := range c.s.Endpoints {
		ep := &c.s.Endpoints[i]
		// gateway, Resource and ServiceNetwork endpoints have quotas of
		// their own
		if c.going[ep.ID] != "" || ep.Type == "Gateway" || latticeType(ep.Type) {
			continue
		}
		count[vpcKey{ep.AccountID, ep.Region, ep.VPCID}]++
	}
	for _, ch := range c.changes {
		if ch.Kind != KindEndpoint {
			continue
		}
		switch ch.Action {
		case Delete:
			if ch.Before != nil && !latticeType(ch.Before.Type) {
				count[vpcKey{ch.AccountID, ch.Region, ch.Before.VPCID}]--
			}
		case Create, Replace:
			// a replace creates the new endpoint before it deletes the old
			if ch.After != nil && ch.After.Type != "Gateway" && !latticeType(ch.After.Type) {
				k := vpcKey{ch.AccountID, ch.Region, ch.After.VPCID}
				count[k]++
				if first[k] == "" {
					first[k] = ch.Address
				}
			}
		}
	}
	var keys []vpcKey // only the VPCs over the quota are sorted (every one was 5 MB at 50,000 consumers)
	for k := range first {
		if count[k] > limit {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		return a.account+a.region+a.vpc < b.account+b.region+b.vpc
	})
	for _, k := range keys {
		c.diag(SeverityWarning, CodeQuotaEndpoints, first[k], c.alias(k.account), k.region,
			fmt.Sprintf("VPC %s in account %s region %s would hold %d interface and Gateway Load Balancer endpoints; AWS's default quota is %d per VPC, so apply fails there (VpcEndpointLimitExceeded) unless it was raised", k.vpc, c.accountLabel(k.account), k.region, count[k], limit),
			"request an increase of \"Interface and Gateway Load Balancer endpoints per VPC\" in Service Quotas for that account and region; if it is already raised, set endpoints-per-vpc in plink's config to the new quota")
	}
}
