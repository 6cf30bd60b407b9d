package manifest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/plinkdev/plink/quota"
)

// Lint check ids. Each is documented in docs/manifest.md; ids are stable and
// never reused.
const (
	LintDuplicatePrivateDNS   = "PL001" // error: two endpoints in one VPC with private DNS for one service
	LintAcceptanceNoPrincipal = "PL002" // warning: acceptance required but no principals
	LintWildcardPrincipal     = "PL003" // error: arn "*" without allowWildcard
	LintNoSecurityGroup       = "PL004" // warning: endpoint without security groups
	LintRegionNotServed       = "PL005" // error: consumer region not served by the provider
	LintDuplicatePrincipal    = "PL006" // warning: a principal listed twice
	LintSingleSubnet          = "PL007" // warning: endpoint in fewer than two subnets
	LintPrincipalNotAllowed   = "PL008" // error: consumer account not in the provider's principals
	LintPrivateDNSNoName      = "PL009" // error: private DNS on for a provider without privateDnsName
	LintConnectionsNoEffect   = "PL010" // warning: connection rules on a service that accepts automatically
	LintGatewayEndpoint       = "PL011" // error: consumer of a gateway load balancer service breaks its limits
	LintEndpointsPerVPC       = "PL012" // warning: more endpoints in one VPC than AWS's default quota
	LintRouteTableShared      = "PL013" // error: two gateway endpoints for one service list the same route table
	LintNoGatewayService      = "PL014" // error: a gateway endpoint for a service that has none
	LintGatewaysPerRegion     = "PL015" // warning: more gateway endpoints in one account-region than AWS's default quota
	LintGWLBCrossRegion       = "PL016" // error: supportedRegions on a Gateway Load Balancer provider
	LintWildcardAutoAccept    = "PL017" // warning: every AWS principal allowed and accepted automatically
)

// lintRules are the offline checks, one function per rule (or per group of
// codes one decision yields). Each adds its findings to the linter; Lint
// sorts them, so the order here is only the order of reading.
var lintRules = []func(*linter){
	lintPrincipals,          // PL002, PL003, PL006
	lintGWLBCrossRegion,     // PL016
	lintWildcardAutoAccept,  // PL017
	lintConnectionsNoEffect, // PL010
	lintEndpointsPerVPC,     // PL012
	lintDuplicatePrivateDNS, // PL001
	lintEndpointShape,       // PL011 (Gateway Load Balancer endpoints), PL004, PL007
	lintConsumerReach,       // PL009, PL005, PL008
	func(l *linter) { l.ds = append(l.ds, lintGateways(l.m, l.quotas.GatewayEndpointsPerRegion)...) }, // PL013, PL014, PL015
}

// linter is what every rule reads (the manifest, providers by name) and
// where it writes.
type linter struct {
	m      *Manifest
	provs  map[string]*Provider
	quotas quota.Table // effective: AWS's defaults where the project raised none
	ds     Diagnostics
}

func (l *linter) add(pos Pos, sev Severity, code, hint, format string, args ...any) {
	l.ds = append(l.ds, Diagnostic{Pos: pos, Severity: sev, Code: code, Message: fmt.Sprintf(format, args...), Hint: hint})
}

// provider is the manifest provider consumer c connects to, or nil (a
// serviceName consumer, or an unknown provider, which validation reports).
func (l *linter) provider(c *Consumer) *Provider {
	if c.Provider == "" {
		return nil
	}
	return l.provs[c.Provider]
}

// Lint runs the offline checks on a loaded manifest: pitfalls that AWS
// refuses or that bite in production, found without calling AWS. It returns
// errors and warnings sorted by position; m is not changed. The quota
// checks use AWS's default quotas.
func Lint(m *Manifest) []Diagnostic { return LintWith(m, quota.Table{}) }

// LintWith is Lint against the project's quotas (the config's
// endpoints-per-vpc, where a quota was raised), so that PL012 and PL015
// agree with plan's PL230.
func LintWith(m *Manifest, q quota.Table) []Diagnostic {
	l := &linter{m: m, provs: map[string]*Provider{}, quotas: q.Effective()}
	for _, p := range m.Providers {
		if _, dup := l.provs[p.Name]; !dup {
			l.provs[p.Name] = p
		}
	}
	for _, rule := range lintRules {
		rule(l)
	}
	l.ds.Sort()
	return l.ds
}

// lintPrincipals: acceptance with nobody allowed (PL002), a wildcard
// without its opt-in (PL003), a principal listed twice (PL006).
func lintPrincipals(l *linter) {
	for _, p := range l.m.Providers {
		if p.AcceptanceRequired && len(p.AllowedPrincipals) == 0 {
			l.add(p.Pos, SeverityWarning, LintAcceptanceNoPrincipal, "add `allowedPrincipals`, such as {account: ALIAS}",
				"provider `%s` requires acceptance but allows no principals; no one can request a connection", p.Name)
		}
		seen := map[string]Pos{}
		for _, pr := range p.AllowedPrincipals {
			arn := principalARN(l.m, p, pr)
			if arn == "*" && !pr.AllowWildcard {
				l.add(pr.Pos, SeverityError, LintWildcardPrincipal, "add `allowWildcard: true` to the principal if every AWS account may really connect",
					"provider `%s` allows every AWS principal (`*`) without the explicit opt-in", p.Name)
			}
			if arn == "" {
				continue
			}
			if first, dup := seen[arn]; dup {
				l.add(pr.Pos, SeverityWarning, LintDuplicatePrincipal, "remove one of the two entries",
					"provider `%s` allows principal %s twice; first at %s", p.Name, arn, posRef(pr.Pos, first))
				continue
			}
			seen[arn] = pr.Pos
		}
	}
}

// lintGWLBCrossRegion (PL016): cross-Region access is documented for
// endpoint services of interface endpoints (Network Load Balancers); a
// Gateway Load Balancer endpoint connects within its Region.
func lintGWLBCrossRegion(l *linter) {
	for _, p := range l.m.Providers {
		if len(p.GatewayLoadBalancerARNs) > 0 && len(p.SupportedRegions) > 0 {
			l.add(p.Pos, SeverityError, LintGWLBCrossRegion, "remove `supportedRegions`; put a provider (with its own Gateway Load Balancer) in each Region that needs it",
				"provider `%s` fronts Gateway Load Balancers and lists `supportedRegions` %s; AWS offers cross-Region access only for endpoint services of interface endpoints (Network Load Balancers)", p.Name, strings.Join(p.SupportedRegions, ", "))
		}
	}
}

// lintWildcardAutoAccept (PL017): every AWS principal allowed, and every
// connection accepted without a decision.
func lintWildcardAutoAccept(l *linter) {
	for _, p := range l.m.Providers {
		if p.AcceptanceRequired {
			continue
		}
		for _, pr := range p.AllowedPrincipals {
			if principalARN(l.m, p, pr) == "*" && pr.AllowWildcard {
				l.add(pr.Pos, SeverityWarning, LintWildcardAutoAccept, "set `acceptanceRequired: true` (with `connections` rules to accept whom you mean), or list the principals that may connect",
					"provider `%s` allows every AWS principal (`*`) and accepts every connection automatically: its load balancer is reachable from any AWS account, although it has no public IP address", p.Name)
			}
		}
	}
}

// lintConnectionsNoEffect (PL010): connection rules where AWS accepts
// every connection itself.
func lintConnectionsNoEffect(l *linter) {
	for _, p := range l.m.Providers {
		if !p.AcceptanceRequired && (len(p.Connections.AcceptFrom) > 0 || p.Connections.RejectUndeclared || p.Connections.AcceptDeclared != nil) {
			l.add(p.Pos, SeverityWarning, LintConnectionsNoEffect, "set `acceptanceRequired: true` or remove `connections`",
				"provider `%s` does not require acceptance, so AWS accepts every connection and `connections` has no effect", p.Name)
		}
	}
}

// lintEndpointsPerVPC (PL012): AWS refuses the 51st interface or Gateway
// Load Balancer endpoint in a VPC unless the quota was raised. Reported
// once per VPC, at the first consumer over it. Gateway endpoints have
// their own quota (PL015), Resource and ServiceNetwork endpoints theirs
// (200 and 50 per VPC).
func lintEndpointsPerVPC(l *linter) {
	type vpcKey struct{ account, region, vpc string }
	keyOf := func(c *Consumer) vpcKey {
		return vpcKey{cmp.Or(accountID(l.m, c.Account), c.Account), c.Region, c.VPCID}
	}
	counted := func(c *Consumer) bool { return !c.IsGateway() && !c.IsLattice() }
	perVPC := map[vpcKey]int{}
	for _, c := range l.m.Consumers {
		if counted(c) {
			perVPC[keyOf(c)]++
		}
	}
	seenVPC := map[vpcKey]int{}
	for _, c := range l.m.Consumers {
		if !counted(c) {
			continue
		}
		k := keyOf(c)
		limit := l.quotas.EndpointsPerVPC
		if seenVPC[k]++; c.VPCID != "" && seenVPC[k] == limit+1 {
			l.add(c.Pos, SeverityWarning, LintEndpointsPerVPC,
				"request an increase in Service Quotas (Amazon VPC: \"Interface and Gateway Load Balancer endpoints per VPC\") before applying, or spread the endpoints over more VPCs; set endpoints-per-vpc when the quota was raised",
				"%d endpoints are declared in VPC %s (account `%s`, %s), more than %s of %d interface and Gateway Load Balancer endpoints per VPC; consumer `%s` is the %s",
				perVPC[k], c.VPCID, c.Account, c.Region, quotaName(limit, quota.DefaultEndpointsPerVPC), limit, c.Name, ordinal(limit+1))
		}
	}
}

// lintDuplicatePrivateDNS (PL001): AWS refuses a second private hosted
// zone for one service in one VPC.
func lintDuplicatePrivateDNS(l *linter) {
	type dnsKey struct{ account, region, vpc, service string }
	seen := map[dnsKey]*Consumer{}
	for _, c := range l.m.Consumers {
		if !c.PrivateDNSEnabled || c.VPCID == "" {
			continue
		}
		p := l.provider(c)
		service := c.ServiceName
		if p != nil {
			service = "provider:" + p.Name
		}
		if service == "" || (p != nil && p.PrivateDNSName == "") {
			continue
		}
		k := dnsKey{accountID(l.m, c.Account), c.Region, c.VPCID, service}
		if first, dup := seen[k]; dup {
			l.add(c.Pos, SeverityError, LintDuplicatePrivateDNS, "set `privateDnsEnabled: false` on all but one of them",
				"consumers `%s` and `%s` both enable private DNS for %s in %s; AWS allows one such endpoint per VPC", first.Name, c.Name, serviceLabel(c), c.VPCID)
		} else {
			seen[k] = c
		}
	}
}

// gatewayLB reports whether p fronts Gateway Load Balancers only, so that
// its consumers are Gateway Load Balancer endpoints.
func gatewayLB(p *Provider) bool {
	return p != nil && len(p.GatewayLoadBalancerARNs) > 0 && len(p.NetworkLoadBalancerARNs) == 0
}

// lintEndpointShape: what a Gateway Load Balancer endpoint cannot take
// (PL011), and an interface endpoint without security groups (PL004) or
// in a single zone (PL007).
func lintEndpointShape(l *linter) {
	for _, c := range l.m.Consumers {
		if p := l.provider(c); gatewayLB(p) {
			if len(c.SubnetIDs) > 1 {
				l.add(c.Pos, SeverityError, LintGatewayEndpoint, "declare one consumer per subnet",
					"consumer `%s` connects to gateway load balancer provider `%s` and so is a Gateway Load Balancer endpoint, which takes exactly one subnet; it lists %d", c.Name, p.Name, len(c.SubnetIDs))
			}
			if len(c.SecurityGroupIDs) > 0 {
				l.add(c.Pos, SeverityError, LintGatewayEndpoint, "remove `securityGroupIds`",
					"consumer `%s` is a Gateway Load Balancer endpoint, which does not support security groups", c.Name)
			}
			if c.PrivateDNSEnabled {
				l.add(c.Pos, SeverityError, LintGatewayEndpoint, "remove `privateDnsEnabled`",
					"consumer `%s` is a Gateway Load Balancer endpoint, which does not support private DNS", c.Name)
			}
			continue
		}
		if c.IsGateway() {
			continue
		}
		if len(c.SecurityGroupIDs) == 0 {
			l.add(c.Pos, SeverityWarning, LintNoSecurityGroup, "list the security groups that should guard the endpoint in `securityGroupIds`",
				"consumer `%s` has no security group; AWS attaches the VPC's default security group", c.Name)
		}
		if len(c.SubnetIDs) < 2 {
			l.add(c.Pos, SeverityWarning, LintSingleSubnet, "list a subnet in each Availability Zone the clients use",
				"consumer `%s` uses %d subnet(s); an endpoint in a single Availability Zone fails with that zone", c.Name, len(c.SubnetIDs))
		}
	}
}

// lintConsumerReach: what keeps a consumer from its manifest provider:
// private DNS without a name (PL009), a region the provider does not
// serve (PL005), an account it does not allow (PL008).
func lintConsumerReach(l *linter) {
	for _, c := range l.m.Consumers {
		p := l.provider(c)
		if p == nil {
			continue
		}
		if c.PrivateDNSEnabled && p.PrivateDNSName == "" && !gatewayLB(p) {
			l.add(c.Pos, SeverityError, LintPrivateDNSNoName, "set `privateDnsName` on the provider, or `privateDnsEnabled: false`",
				"consumer `%s` enables private DNS, but provider `%s` has no `privateDnsName`", c.Name, p.Name)
		}
		if c.Region != "" && p.Region != "" && c.Region != p.Region && !slices.Contains(p.SupportedRegions, c.Region) {
			l.add(c.Pos, SeverityError, LintRegionNotServed, fmt.Sprintf("add %s to `supportedRegions` of provider `%s`", c.Region, p.Name),
				"consumer `%s` is in %s, but provider `%s` is in %s and does not list %s in `supportedRegions`", c.Name, c.Region, p.Name, p.Region, c.Region)
		}
		if msg, hint := notAllowed(l.m, p, c); msg != "" {
			l.add(c.Pos, SeverityError, LintPrincipalNotAllowed, hint, "%s", msg)
		}
	}
}

// notAllowed explains why consumer c could never connect to provider p, or
// returns "" when some allowed principal admits c's account. Consumers in the
// provider's own account are not judged.
func notAllowed(m *Manifest, p *Provider, c *Consumer) (msg, hint string) {
	cid, pid := accountID(m, c.Account), accountID(m, p.Account)
	if cid == "" || cid == pid {
		return "", ""
	}
	for _, pr := range p.AllowedPrincipals {
		arn := principalARN(m, p, pr)
		if arn == "*" || arnAccount(arn) == cid {
			return "", ""
		}
	}
	return fmt.Sprintf("consumer `%s` in account `%s` (%s) can never connect: provider `%s` does not allow that account in `allowedPrincipals`", c.Name, c.Account, cid, p.Name),
		fmt.Sprintf("add {account: %s} to allowedPrincipals of provider `%s`", c.Account, p.Name)
}

// principalARN is the principal's resolved ARN, resolving it here when the
// manifest was built in code rather than loaded.
func principalARN(m *Manifest, p *Provider, pr Principal) string {
	switch {
	case pr.Resolved != "":
		return pr.Resolved
	case pr.ARN != "":
		return pr.ARN
	case pr.Account != "":
		if id := accountID(m, pr.Account); id != "" {
			return RootARN(id, p.Region)
		}
	}
	return ""
}

func accountID(m *Manifest, alias string) string {
	if a, ok := m.Accounts[alias]; ok && a != nil {
		return a.ID
	}
	return ""
}

// arnAccount returns the account field of an ARN.
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

func serviceLabel(c *Consumer) string {
	if c.Provider != "" {
		return "provider `" + c.Provider + "`"
	}
	return c.ServiceName
}

// quotaName names the quota a lint counts against: AWS's default, or the
// project's own where it set a raised one.
func quotaName(limit, awsDefault int) string {
	if limit == awsDefault {
		return "AWS's default quota"
	}
	return "the project's quota"
}

// ordinal is n as an English ordinal: 51st, 52nd, 53rd, 111th, 121st.
func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suffix)
}
