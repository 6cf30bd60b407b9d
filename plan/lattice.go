package plan

// Resource endpoints (type Resource, to a VPC Lattice resource
// configuration) and service-network endpoints (type ServiceNetwork, to a
// service network). They are VPC endpoints without a service name: what
// one connects to is its ARN, and a new ARN replaces the endpoint (AWS's
// ModifyVpcEndpoint cannot change it). Subnets, security groups, the IP
// address type and the private DNS options change in place. AWS has no
// acceptance step for them and no endpoint policy.

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

// latticeType reports whether an endpoint type is Resource or
// ServiceNetwork.
func latticeType(t string) bool {
	return t == manifest.TypeResource || t == manifest.TypeServiceNetwork
}

// latticeTarget is the replace-forcing part of a Resource or
// ServiceNetwork consumer: its type, VPC and ARN.
func latticeTarget(cm *manifest.Consumer) Values {
	v := Values{Type: cm.Type, VPCID: cm.VPCID}
	if cm.Type == manifest.TypeResource {
		v.ResourceConfigurationARN = cm.ResourceConfigurationARN
	} else {
		v.ServiceNetworkARN = cm.ServiceNetworkARN
	}
	return v
}

// latticeDNS sets the private DNS preference and domains a Resource or
// ServiceNetwork consumer wants. A preference left out takes what AWS
// reports (before), so AWS's default never shows as drift; with private
// DNS off there is none (AWS drops it).
func latticeDNS(cm *manifest.Consumer, before, after *Values) {
	if !latticeType(after.Type) {
		return
	}
	if d := cm.DNSOptions; d != nil {
		after.PrivateDNSPreference = d.PrivateDNSPreference
		after.PrivateDNSSpecifiedDomains = sorted(d.PrivateDNSSpecifiedDomains)
	}
	if after.PrivateDNSEnabled == nil || !*after.PrivateDNSEnabled {
		after.PrivateDNSPreference, after.PrivateDNSSpecifiedDomains = "", nil
		return
	}
	if after.PrivateDNSPreference == "" && before != nil && before.PrivateDNSEnabled != nil && *before.PrivateDNSEnabled {
		after.PrivateDNSPreference = before.PrivateDNSPreference
		if len(after.PrivateDNSSpecifiedDomains) == 0 {
			after.PrivateDNSSpecifiedDomains = before.PrivateDNSSpecifiedDomains
		}
	}
}

// latticeReplaceReasons are what a live Resource or ServiceNetwork
// endpoint (before) has other than the manifest's (after) and AWS cannot
// change in place: its ARN; a Resource endpoint's subnets; a subnet taken
// from a ServiceNetwork endpoint. The PrivateLink guide's document history
// (November 2026) says subnets can be added to service-network endpoints,
// and private DNS turned on and off on both kinds; it says nothing of
// changing a resource endpoint's subnets, or removing one from a
// service-network endpoint, so plink does neither in place. Subnets are
// compared only when after names them (a real desired state, not a fit).
func latticeReplaceReasons(before, after *Values) []string {
	var out []string
	if before.ResourceConfigurationARN != after.ResourceConfigurationARN {
		out = append(out, "resourceConfigurationArn")
	}
	if before.ServiceNetworkARN != after.ServiceNetworkARN {
		out = append(out, "serviceNetworkArn")
	}
	if len(after.SubnetIDs) == 0 {
		return out
	}
	switch after.Type {
	case manifest.TypeResource:
		if !slices.Equal(before.SubnetIDs, after.SubnetIDs) {
			out = append(out, "subnetIds")
		}
	case manifest.TypeServiceNetwork:
		for _, sn := range before.SubnetIDs {
			if !slices.Contains(after.SubnetIDs, sn) {
				return append(out, "subnetIds")
			}
		}
	}
	return out
}

// endpointTargetLabel names what an endpoint connects to, for messages:
// its service name, or its resource configuration or service network.
func endpointTargetLabel(ep *live.Endpoint) string {
	switch {
	case ep.ResourceConfigurationARN != "":
		return "resource configuration " + ep.ResourceConfigurationARN
	case ep.ServiceNetworkARN != "":
		return "service network " + ep.ServiceNetworkARN
	}
	return ep.ServiceName
}

// sameLatticeTarget reports whether a live endpoint is a Resource or
// ServiceNetwork endpoint to what want (latticeTarget) names.
func sameLatticeTarget(ep *live.Endpoint, want *Values) bool {
	return latticeType(want.Type) && ep.Type == want.Type &&
		ep.ResourceConfigurationARN == want.ResourceConfigurationARN && ep.ServiceNetworkARN == want.ServiceNetworkARN
}

// latticeCostNote says how many Resource and ServiceNetwork endpoint
// changes the estimate leaves out. AWS's PrivateLink pricing page
// (https://aws.amazon.com/privatelink/pricing/, "Resource endpoint
// pricing") prices resource endpoints by data processed only ($0.01 per GB
// for the first PB a month in a Region, $0.006 the next 4 PB, $0.004
// beyond, as for interface endpoints), with no endpoint-hour to estimate;
// service-network endpoints are billed through VPC Lattice
// (https://aws.amazon.com/vpc/lattice/pricing/) per resource and service
// associated. The estimate counts endpoint-hours only.
func latticeCostNote(chs []Change) string {
	n := 0
	for _, ch := range chs {
		if ch.Kind != KindEndpoint || ch.Action == NoOp {
			continue
		}
		if (ch.After != nil && latticeType(ch.After.Type)) || (ch.Before != nil && latticeType(ch.Before.Type)) {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %d Resource/ServiceNetwork endpoint change(s) not in it (AWS bills resource endpoints per GB processed, service-network endpoints through VPC Lattice; see docs/plan.md)", n)
}

// latticeTargetOf is what the consumer's account's VPC Lattice said of a
// Resource or ServiceNetwork consumer's target, or nil.
func (c *computer) latticeTargetOf(cs *consState) *live.LatticeTarget {
	arn := cs.c.LatticeARN()
	if arn == "" {
		return nil
	}
	for i := range c.s.LatticeTargets {
		lt := &c.s.LatticeTargets[i]
		if lt.ARN == arn && lt.AccountID == cs.accountID && lt.Region == cs.region {
			return lt
		}
	}
	return nil
}

// latticeUnserved reports whether zone z is one a Resource consumer's
// resource gateway is known not to serve: the consumer's VPC having
// subnets there is no gap in its coverage (PL102).
func (c *computer) latticeUnserved(cs *consState, z string) bool {
	t := c.latticeTargetOf(cs)
	return t != nil && t.ZonesRead && len(t.ZoneIDs) > 0 && !slices.Contains(t.ZoneIDs, z)
}

// latticeLint checks a Resource or ServiceNetwork consumer against what
// its account's VPC Lattice said of its target (live.LatticeTarget): not
// found (not shared with the account, or no such thing) is PL240 for an
// endpoint the plan creates and a warning for one that exists (it stops
// working); a subnet in a zone the resource gateway has no subnet in is
// PL241; what could not be read is PL130. Nothing is said when the target
// was not read (a source without VPC Lattice).
func (c *computer) latticeLint(cs *consState, epZones map[string]string) {
	cm := cs.c
	arn := cm.LatticeARN()
	t := c.latticeTargetOf(cs)
	if t == nil {
		return
	}
	what, call := "resource configuration", "GetResourceConfiguration"
	if cm.Type == manifest.TypeServiceNetwork {
		what, call = "service network", "GetServiceNetwork"
	}
	owner, _ := manifest.LatticeARNOwner(arn)
	acct := c.accountLabel(cs.accountID)
	switch {
	case t.Error != "":
		c.diag(SeverityInfo, CodeLatticeUnchecked, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: could not check that %s %s is shared with account %s: %s", cs.addr, what, arn, acct, t.Error),
			fmt.Sprintf("let plink's role in %s call vpc-lattice:%s (plink iam-policy --for plan)", cs.alias, call))
		return
	case !t.Visible:
		sev, msg := SeverityError, "AWS refuses the endpoint"
		if ep := cs.ep; ep != nil && !deadEndpoint(ep.State) && ep.ResourceConfigurationARN+ep.ServiceNetworkARN == arn {
			sev, msg = SeverityWarning, fmt.Sprintf("its endpoint %s stops reaching it", ep.ID)
		}
		c.diag(sev, CodeLatticeNotShared, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: %s %s is not shared with account %s, or does not exist (VPC Lattice %s: not found); %s", cs.addr, what, arn, acct, call, msg),
			fmt.Sprintf("ask its owner, account %s, to share it through AWS RAM with %s (or its organization), and accept the share in %s; or check %s", owner, cs.accountID, cs.accountID, map[bool]string{true: "resourceConfigurationArn", false: "serviceNetworkArn"}[cm.Type == manifest.TypeResource]))
		return
	}
	if t.ZonesError != "" {
		c.diag(SeverityInfo, CodeLatticeUnchecked, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: could not read the Availability Zones of resource gateway %s of %s in its owner's account %s: %s", cs.addr, t.ResourceGatewayID, arn, owner, t.ZonesError),
			fmt.Sprintf("let plink's role in account %s call vpc-lattice:GetResourceGateway and ec2:DescribeSubnets", owner))
		return
	}
	if !t.ZonesRead || len(t.ZoneIDs) == 0 {
		return
	}
	var bad []string
	for z, sn := range epZones {
		if !slices.Contains(t.ZoneIDs, z) {
			bad = append(bad, fmt.Sprintf("%s (%s)", sn, z))
		}
	}
	if len(bad) == 0 {
		return
	}
	sort.Strings(bad)
	c.diag(SeverityError, CodeLatticeZone, cs.addr, cs.alias, cs.region,
		fmt.Sprintf("%s: subnets %s are in Availability Zones where resource gateway %s of %s has no subnet; AWS refuses the endpoint there", cs.addr, strings.Join(bad, ", "), t.ResourceGatewayID, arn),
		fmt.Sprintf("use subnets in %s (AZ ids), or give the resource gateway subnets in those zones (account %s)", strings.Join(t.ZoneIDs, ", "), owner))
}
