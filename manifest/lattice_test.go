package manifest

import (
	"fmt"
	"strings"
	"testing"
)

const (
	testRCFG = "arn:aws:vpc-lattice:us-east-1:222222222222:resourceconfiguration/rcfg-0123456789abcdef0"
	testSN   = "arn:aws:vpc-lattice:us-east-1:222222222222:servicenetwork/sn-0123456789abcdef0"
)

func TestLatticeConsumersLoad(t *testing.T) {
	m := load(t, gatewayHeader+`  - name: db
    account: a
    type: Resource
    vpcId: vpc-01234567
    subnetIds: [subnet-01234567]
    securityGroupIds: [sg-01234567]
    ipAddressType: dualstack
    resourceConfigurationArn: `+testRCFG+`
    privateDnsEnabled: true
    dnsOptions:
      privateDnsPreference: VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS
      privateDnsSpecifiedDomains: [db.example.com, "*.internal.example.com"]
  - {name: mesh, account: a, type: ServiceNetwork, vpcId: vpc-01234567, subnetIds: [subnet-01234567], serviceNetworkArn: `+testSN+`}
`)
	db, mesh := m.Consumers[0], m.Consumers[1]
	if !db.IsLattice() || db.LatticeARN() != testRCFG || db.DNSOptions.PrivateDNSPreference != "VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS" || len(db.DNSOptions.PrivateDNSSpecifiedDomains) != 2 {
		t.Fatalf("resource consumer %+v", db)
	}
	if !mesh.IsLattice() || mesh.LatticeARN() != testSN {
		t.Fatalf("service-network consumer %+v", mesh)
	}
	if acct, region := LatticeARNOwner(testSN); acct != "222222222222" || region != "us-east-1" {
		t.Fatalf("owner %s %s", acct, region)
	}
	if acct, _ := LatticeARNOwner("arn:aws:vpc-lattice:us-east-1:1:x"); acct != "" {
		t.Fatalf("malformed ARN owned by %q", acct)
	}
	if (&Consumer{}).LatticeARN() != "" {
		t.Fatal("an interface consumer has a lattice ARN")
	}
}

func TestLatticeConsumerErrors(t *testing.T) {
	const base = "name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567]"
	for _, tc := range []struct{ name, consumer, want string }{
		{"resource without arn", "{" + base + ", type: Resource}",
			"p.yaml:8:5: error: missing required field `resourceConfigurationArn` in consumer `c` (type: Resource)"},
		{"service network without arn", "{" + base + ", type: ServiceNetwork}",
			"p.yaml:8:5: error: missing required field `serviceNetworkArn` in consumer `c` (type: ServiceNetwork)"},
		{"malformed arn", "{" + base + ", type: Resource, resourceConfigurationArn: arn:aws:vpc-lattice:us-east-1:222222222222:resourceconfiguration/rcfg-1}",
			"p.yaml:8:120: error: invalid resourceConfiguration ARN `arn:aws:vpc-lattice:us-east-1:222222222222:resourceconfiguration/rcfg-1`; expected arn:aws:vpc-lattice:REGION:ACCOUNT:resourceconfiguration/rcfg- and 17 hex digits"},
		{"service network arn as resource", "{" + base + ", type: Resource, resourceConfigurationArn: " + testSN + "}",
			"p.yaml:8:120: error: invalid resourceConfiguration ARN `" + testSN + "`; expected arn:aws:vpc-lattice:REGION:ACCOUNT:resourceconfiguration/rcfg- and 17 hex digits"},
		{"arn of another region", "{" + base + ", type: ServiceNetwork, region: us-east-1, serviceNetworkArn: arn:aws:vpc-lattice:us-west-2:222222222222:servicenetwork/sn-0123456789abcdef0}",
			"p.yaml:8:138: error: consumer `c` in us-east-1 names `arn:aws:vpc-lattice:us-west-2:222222222222:servicenetwork/sn-0123456789abcdef0` of region us-west-2; a ServiceNetwork endpoint connects within its own region"},
		{"arn of another region than the default", "{" + base + ", type: ServiceNetwork, serviceNetworkArn: arn:aws:vpc-lattice:us-west-2:222222222222:servicenetwork/sn-0123456789abcdef0}",
			"p.yaml:8:119: error: consumer `c` in us-east-1 (defaults.region) names `arn:aws:vpc-lattice:us-west-2:222222222222:servicenetwork/sn-0123456789abcdef0` of region us-west-2; a ServiceNetwork endpoint connects within its own region"},
		{"both arns", "{" + base + ", type: Resource, resourceConfigurationArn: " + testRCFG + ", serviceNetworkArn: " + testSN + "}",
			"p.yaml:8:228: error: consumer `c` is a Resource endpoint, which takes `resourceConfigurationArn`, not `serviceNetworkArn`"},
		{"provider on resource", "{" + base + ", type: Resource, resourceConfigurationArn: " + testRCFG + ", provider: api}",
			"p.yaml:8:219: error: consumer `c` is a Resource endpoint (type: Resource), which has no `provider`; it takes `resourceConfigurationArn`, subnetIds, securityGroupIds, ipAddressType, privateDnsEnabled and dnsOptions"},
		{"service name on service network", "{" + base + ", type: ServiceNetwork, serviceNetworkArn: " + testSN + ", serviceName: com.amazonaws.us-east-1.s3}",
			"p.yaml:8:212: error: consumer `c` is a ServiceNetwork endpoint (type: ServiceNetwork), which has no `serviceName`; it takes `serviceNetworkArn`, subnetIds, securityGroupIds, ipAddressType, privateDnsEnabled and dnsOptions"},
		{"route tables on resource", "{" + base + ", type: Resource, resourceConfigurationArn: " + testRCFG + ", routeTableIds: [rtb-01234567]}",
			"p.yaml:8:224: error: consumer `c` sets `routeTableIds`, which only gateway endpoints have"},
		{"policy on resource", "{" + base + ", type: Resource, resourceConfigurationArn: " + testRCFG + ", policy: {Version: \"2012-10-17\", Statement: [{Effect: Allow, Principal: \"*\", Action: \"*\", Resource: \"*\"}]}}",
			"p.yaml:8:217: error: consumer `c` is a Resource endpoint (type: Resource), which has no `policy`; it takes `resourceConfigurationArn`, subnetIds, securityGroupIds, ipAddressType, privateDnsEnabled and dnsOptions"},
		{"service region on resource", "{" + base + ", type: Resource, resourceConfigurationArn: " + testRCFG + ", serviceRegion: us-west-2}",
			"p.yaml:8:224: error: consumer `c` is a Resource endpoint (type: Resource), which has no `serviceRegion`; it takes `resourceConfigurationArn`, subnetIds, securityGroupIds, ipAddressType, privateDnsEnabled and dnsOptions"},
		{"fixed addresses on resource", "{" + base + ", type: Resource, resourceConfigurationArn: " + testRCFG + ", ipAddresses: {subnet-01234567: {ipv4: 10.0.1.10}}}",
			"p.yaml:8:222: error: consumer `c` is a Resource endpoint (type: Resource), which has no `ipAddresses`; it takes `resourceConfigurationArn`, subnetIds, securityGroupIds, ipAddressType, privateDnsEnabled and dnsOptions"},
		{"inbound resolver option on service network", "{" + base + ", type: ServiceNetwork, serviceNetworkArn: " + testSN + ", dnsOptions: {privateDnsOnlyForInboundResolverEndpoint: true}}",
			"p.yaml:8:254: error: consumer `c` is a ServiceNetwork endpoint (type: ServiceNetwork), which has no `dnsOptions.privateDnsOnlyForInboundResolverEndpoint`; it takes `serviceNetworkArn`, subnetIds, securityGroupIds, ipAddressType, privateDnsEnabled and dnsOptions"},
		{"resource arn on interface", "{" + base + ", serviceName: com.amazonaws.us-east-1.sqs, resourceConfigurationArn: " + testRCFG + "}",
			"p.yaml:8:146: error: consumer `c` sets `resourceConfigurationArn`, which only resource endpoints (type: Resource) have; its type is Interface (the default)"},
		{"service network arn on gateway", "{name: c, account: a, type: Gateway, vpcId: vpc-01234567, routeTableIds: [rtb-01234567], serviceName: com.amazonaws.us-east-1.s3, serviceNetworkArn: " + testSN + "}",
			"p.yaml:8:154: error: consumer `c` sets `serviceNetworkArn`, which only service-network endpoints (type: ServiceNetwork) have; its type is Gateway"},
		{"preference on interface", "{" + base + ", serviceName: com.amazonaws.us-east-1.sqs, privateDnsEnabled: true, dnsOptions: {privateDnsPreference: ALL_DOMAINS}}",
			"p.yaml:8:180: error: consumer `c` sets `dnsOptions.privateDnsPreference`, which only Resource and ServiceNetwork endpoints have; its type is Interface (the default)"},
		{"specified domains on interface", "{" + base + ", serviceName: com.amazonaws.us-east-1.sqs, dnsOptions: {privateDnsSpecifiedDomains: [a.example.com]}}",
			"p.yaml:8:161: error: consumer `c` sets `dnsOptions.privateDnsSpecifiedDomains`, which only Resource and ServiceNetwork endpoints have; its type is Interface (the default)"},
		{"unknown preference", "{" + base + ", type: Resource, resourceConfigurationArn: " + testRCFG + ", privateDnsEnabled: true, dnsOptions: {privateDnsPreference: verified-domains-only}}",
			"p.yaml:8:269: error: invalid `privateDnsPreference` value `verified-domains-only`; valid values are ALL_DOMAINS, VERIFIED_DOMAINS_ONLY, VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS, SPECIFIED_DOMAINS_ONLY"},
		{"preference without private dns", "{" + base + ", type: Resource, resourceConfigurationArn: " + testRCFG + ", dnsOptions: {privateDnsPreference: ALL_DOMAINS}}",
			"p.yaml:8:244: error: consumer `c` sets `dnsOptions.privateDnsPreference` without `privateDnsEnabled: true`; AWS takes a preference only with private DNS on"},
		{"domains with a preference that takes none", "{" + base + ", type: Resource, resourceConfigurationArn: " + testRCFG + ", privateDnsEnabled: true, dnsOptions: {privateDnsPreference: ALL_DOMAINS, privateDnsSpecifiedDomains: [a.example.com]}}",
			"p.yaml:8:310: error: consumer `c` sets `dnsOptions.privateDnsSpecifiedDomains` with privateDnsPreference ALL_DOMAINS, which takes none"},
		{"domains without a preference", "{" + base + ", type: Resource, resourceConfigurationArn: " + testRCFG + ", privateDnsEnabled: true, dnsOptions: {privateDnsSpecifiedDomains: [a.example.com]}}",
			"p.yaml:8:275: error: consumer `c` sets `dnsOptions.privateDnsSpecifiedDomains` without a `privateDnsPreference` that takes them"},
		{"specified preference without domains", "{" + base + ", type: Resource, resourceConfigurationArn: " + testRCFG + ", privateDnsEnabled: true, dnsOptions: {privateDnsPreference: SPECIFIED_DOMAINS_ONLY}}",
			"p.yaml:8:269: error: consumer `c` sets privateDnsPreference SPECIFIED_DOMAINS_ONLY but names no `privateDnsSpecifiedDomains`"},
		{"malformed domain", "{" + base + ", type: Resource, resourceConfigurationArn: " + testRCFG + ", privateDnsEnabled: true, dnsOptions: {privateDnsPreference: SPECIFIED_DOMAINS_ONLY, privateDnsSpecifiedDomains: [not_a_domain]}}",
			"p.yaml:8:322: error: invalid domain name `not_a_domain`: its label `not_a_domain` has '_'; labels take letters, digits and hyphens only; expected a domain such as db.example.com or *.example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(gatewayHeader+"  - "+tc.consumer+"\n"))
			if err == nil {
				t.Fatal("loaded")
			}
			var lines []string
			for _, d := range err.(Diagnostics) {
				if d.Code == "PL014" {
					continue
				}
				lines = append(lines, d.String())
			}
			if got := strings.Join(lines, "\n"); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// PL012 counts interface and Gateway Load Balancer endpoints only:
// Resource and ServiceNetwork endpoints have quotas of their own.
func TestLintQuotaLeavesLatticeOut(t *testing.T) {
	doc := gatewayHeader
	for i := range 51 {
		doc += fmt.Sprintf("  - {name: db%d, account: a, type: Resource, vpcId: vpc-01234567, subnetIds: [subnet-01234567, subnet-89abcdef], securityGroupIds: [sg-01234567], resourceConfigurationArn: %s}\n", i, testRCFG)
	}
	m := load(t, doc)
	for _, d := range Lint(m) {
		if d.Code == LintEndpointsPerVPC {
			t.Errorf("lint %s", d)
		}
	}
}
