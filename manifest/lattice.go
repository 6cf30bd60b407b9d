package manifest

import (
	"regexp"
	"slices"
	"strings"
)

// Consumer types for VPC Lattice: a resource endpoint (a resource
// configuration shared with the consumer's account) and a service-network
// endpoint (a service network). Both are made with EC2's CreateVpcEndpoint;
// neither has a provider, a service name, an endpoint policy, route tables
// or fixed addresses, and neither waits for acceptance.
const (
	TypeResource       = "Resource"
	TypeServiceNetwork = "ServiceNetwork"
)

// Private DNS preferences of Resource and ServiceNetwork endpoints
// (DnsOptions.PrivateDnsPreference).
var privateDNSPreferences = []string{"ALL_DOMAINS", "VERIFIED_DOMAINS_ONLY", "VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS", "SPECIFIED_DOMAINS_ONLY"}

// specifiedPreference reports whether a preference takes
// privateDnsSpecifiedDomains.
func specifiedPreference(p string) bool {
	return p == "VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS" || p == "SPECIFIED_DOMAINS_ONLY"
}

const (
	patResourceConfigurationARN = `^arn:aws(-cn|-us-gov)?:vpc-lattice:([a-z0-9-]+):([0-9]{12}):resourceconfiguration/rcfg-[0-9a-f]{17}$`
	patServiceNetworkARN        = `^arn:aws(-cn|-us-gov)?:vpc-lattice:([a-z0-9-]+):([0-9]{12}):servicenetwork/sn-[0-9a-f]{17}$`
)

var (
	reResourceConfigurationARN = regexp.MustCompile(patResourceConfigurationARN)
	reServiceNetworkARN        = regexp.MustCompile(patServiceNetworkARN)
)

// IsLattice reports whether the consumer is a Resource or ServiceNetwork
// endpoint.
func (c *Consumer) IsLattice() bool { return c.Type == TypeResource || c.Type == TypeServiceNetwork }

// LatticeARN is the ARN a Resource or ServiceNetwork consumer connects to,
// or "".
func (c *Consumer) LatticeARN() string {
	switch c.Type {
	case TypeResource:
		return c.ResourceConfigurationARN
	case TypeServiceNetwork:
		return c.ServiceNetworkARN
	}
	return ""
}

// LatticeARNOwner is the account id and region an ARN of a resource
// configuration or service network carries ("" when malformed).
func LatticeARNOwner(arn string) (account, region string) {
	for _, re := range []*regexp.Regexp{reResourceConfigurationARN, reServiceNetworkARN} {
		if m := re.FindStringSubmatch(arn); m != nil {
			return m[3], m[2]
		}
	}
	return "", ""
}

// validateLattice checks what depends on a consumer being, or not being, a
// Resource or ServiceNetwork endpoint: the ARN each needs (well formed, in
// the consumer's region), and the options that only apply to one kind.
func (l *loader) validateLattice(c *Consumer, what string) {
	if !l.ok(c, "type") {
		return
	}
	if !c.IsLattice() {
		if c.ResourceConfigurationARN != "" {
			l.sink.errorf(l.at(c, "resourceConfigurationArn"), CodeConflict, "set `type: Resource` for a resource endpoint, or remove `resourceConfigurationArn`",
				"%s sets `resourceConfigurationArn`, which only resource endpoints (type: Resource) have; its type is %s", what, typeOrDefault(c.Type))
		}
		if c.ServiceNetworkARN != "" {
			l.sink.errorf(l.at(c, "serviceNetworkArn"), CodeConflict, "set `type: ServiceNetwork` for a service-network endpoint, or remove `serviceNetworkArn`",
				"%s sets `serviceNetworkArn`, which only service-network endpoints (type: ServiceNetwork) have; its type is %s", what, typeOrDefault(c.Type))
		}
		if d := c.DNSOptions; d != nil {
			if d.PrivateDNSPreference != "" {
				l.sink.errorf(l.at(c, "dnsOptions.privateDnsPreference"), CodeConflict, "remove it; AWS takes it for type Resource and ServiceNetwork only",
					"%s sets `dnsOptions.privateDnsPreference`, which only Resource and ServiceNetwork endpoints have; its type is %s", what, typeOrDefault(c.Type))
			}
			if len(d.PrivateDNSSpecifiedDomains) > 0 {
				l.sink.errorf(l.at(c, "dnsOptions.privateDnsSpecifiedDomains"), CodeConflict, "remove it; AWS takes it for type Resource and ServiceNetwork only",
					"%s sets `dnsOptions.privateDnsSpecifiedDomains`, which only Resource and ServiceNetwork endpoints have; its type is %s", what, typeOrDefault(c.Type))
			}
		}
		return
	}
	field, other, re, example := "resourceConfigurationArn", "serviceNetworkArn", reResourceConfigurationARN,
		"arn:aws:vpc-lattice:REGION:ACCOUNT:resourceconfiguration/rcfg- and 17 hex digits"
	value, otherValue := c.ResourceConfigurationARN, c.ServiceNetworkARN
	if c.Type == TypeServiceNetwork {
		field, other, re, example = other, field, reServiceNetworkARN, "arn:aws:vpc-lattice:REGION:ACCOUNT:servicenetwork/sn- and 17 hex digits"
		value, otherValue = otherValue, value
	}
	switch {
	case value == "":
		if l.ok(c, field) {
			l.sink.errorf(ownerPos(c), CodeRequired, "", "missing required field `%s` in %s (type: %s)", field, what, c.Type)
		}
	case l.checkID(c, field, value, re, strings.TrimSuffix(field, "Arn")+" ARN", example):
		if _, region := LatticeARNOwner(value); c.Region != "" && region != c.Region && !l.regionDefaulted[c] {
			l.sink.errorf(l.at(c, field), CodeConflict, "use a "+strings.TrimSuffix(field, "Arn")+" in "+c.Region+", or move the consumer to "+region,
				"%s in %s names `%s` of region %s; a %s endpoint connects within its own region", what, c.Region, value, region, c.Type)
		} else if c.Region != "" && region != c.Region {
			l.sink.errorf(l.at(c, field), CodeConflict, "use a "+strings.TrimSuffix(field, "Arn")+" in "+c.Region+", or set the consumer's `region: "+region+"`",
				"%s in %s (defaults.region) names `%s` of region %s; a %s endpoint connects within its own region", what, c.Region, value, region, c.Type)
		}
	}
	if otherValue != "" {
		l.sink.errorf(l.at(c, other), CodeConflict, "remove `"+other+"`",
			"%s is a %s endpoint, which takes `%s`, not `%s`", what, c.Type, field, other)
	}
	conflict := func(path string, set bool, hint string) {
		if set && l.ok(c, path) {
			l.sink.errorf(l.at(c, path), CodeConflict, hint, "%s is a %s endpoint (type: %s), which has no `%s`; it takes %s, subnetIds, securityGroupIds, ipAddressType, privateDnsEnabled and dnsOptions", what, c.Type, c.Type, path, "`"+field+"`")
		}
	}
	conflict("provider", c.Provider != "", "remove `provider`; a provider's endpoint service takes an Interface consumer")
	conflict("serviceName", c.ServiceName != "", "remove `serviceName`; the "+strings.TrimSuffix(field, "Arn")+" is named by `"+field+"`")
	conflict("serviceRegion", c.ServiceRegion != "", "remove `serviceRegion`")
	conflict("policy", c.Policy != nil, "remove `policy`; AWS takes endpoint policies on Interface and Gateway endpoints only")
	conflict("ipAddresses", len(c.IPAddresses) > 0, "remove `ipAddresses`; plink fixes addresses on Interface endpoints only")
	d := c.DNSOptions
	if d == nil {
		return
	}
	if d.PrivateDNSOnlyForInboundResolverEndpoint != nil {
		conflict("dnsOptions.privateDnsOnlyForInboundResolverEndpoint", true, "remove it; it applies to AWS services with both gateway and interface endpoints")
	}
	l.checkEnum(c, "dnsOptions.privateDnsPreference", d.PrivateDNSPreference, privateDNSPreferences)
	if d.PrivateDNSPreference != "" && !c.PrivateDNSEnabled && l.ok(c, "dnsOptions.privateDnsPreference") {
		l.sink.errorf(l.at(c, "dnsOptions.privateDnsPreference"), CodeConflict, "set `privateDnsEnabled: true`, or remove `privateDnsPreference`",
			"%s sets `dnsOptions.privateDnsPreference` without `privateDnsEnabled: true`; AWS takes a preference only with private DNS on", what)
	}
	valid := slices.Contains(privateDNSPreferences, d.PrivateDNSPreference)
	switch {
	case len(d.PrivateDNSSpecifiedDomains) > 0 && valid && !specifiedPreference(d.PrivateDNSPreference):
		l.sink.errorf(l.at(c, "dnsOptions.privateDnsSpecifiedDomains"), CodeConflict, "set `privateDnsPreference` to VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS or SPECIFIED_DOMAINS_ONLY, or remove the domains",
			"%s sets `dnsOptions.privateDnsSpecifiedDomains` with privateDnsPreference %s, which takes none", what, d.PrivateDNSPreference)
	case len(d.PrivateDNSSpecifiedDomains) > 0 && d.PrivateDNSPreference == "":
		l.sink.errorf(l.at(c, "dnsOptions.privateDnsSpecifiedDomains"), CodeConflict, "add `privateDnsPreference: VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS` or SPECIFIED_DOMAINS_ONLY",
			"%s sets `dnsOptions.privateDnsSpecifiedDomains` without a `privateDnsPreference` that takes them", what)
	case len(d.PrivateDNSSpecifiedDomains) == 0 && specifiedPreference(d.PrivateDNSPreference):
		l.sink.errorf(l.at(c, "dnsOptions.privateDnsPreference"), CodeRequired, "list the domains in `dnsOptions.privateDnsSpecifiedDomains`",
			"%s sets privateDnsPreference %s but names no `privateDnsSpecifiedDomains`", what, d.PrivateDNSPreference)
	}
	l.checkList(c, "dnsOptions.privateDnsSpecifiedDomains", d.PrivateDNSSpecifiedDomains, func(p, v string) {
		if why := dnsNameProblem(v); why != "" && l.ok(c, p) {
			l.invalid(c, p, "", "invalid domain name `%s`: %s; expected a domain such as db.example.com or *.example.com", v, why)
		}
	})
}

func typeOrDefault(t string) string {
	if t == "" {
		return "Interface (the default)"
	}
	return t
}
