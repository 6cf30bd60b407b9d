package manifest

import (
	"fmt"
	"strings"
	"testing"
)

func TestPrivateDNSLongForm(t *testing.T) {
	doc := `version: 1
project: p
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111" }
providers:
  - name: long
    account: payments
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/a/0123456789abcdef"]
    privateDns: { name: api.example.com, route53HostedZoneId: Z0123ABC }
  - name: both
    account: payments
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/b/0123456789abcdef"]
    privateDnsName: b.example.com
    privateDns: { name: b.example.com }
  - name: short
    account: payments
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/c/0123456789abcdef"]
    privateDnsName: c.example.com
`
	m, err := Parse("m.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name    string
		manages bool
	}{{"api.example.com", true}, {"b.example.com", true}, {"c.example.com", false}}
	for i, p := range m.Providers {
		if p.PrivateDNSName != want[i].name || p.ManagesDNSRecord() != want[i].manages {
			t.Errorf("provider %s: privateDnsName %q, manages record %v; want %q, %v", p.Name, p.PrivateDNSName, p.ManagesDNSRecord(), want[i].name, want[i].manages)
		}
	}
	if z := m.Providers[0].PrivateDNS.Route53HostedZoneID; z != "Z0123ABC" {
		t.Errorf("zone %q", z)
	}
}

// A principal's permission takes at most 50 tags (none are plink's).
func TestPrincipalTagLimit(t *testing.T) {
	var b strings.Builder
	for i := range 51 {
		fmt.Fprintf(&b, "k%d: v, ", i)
	}
	doc := `version: 1
project: p
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111" }
providers:
  - name: api
    account: payments
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/a/0123456789abcdef"]
    allowedPrincipals:
      - { account: payments, tags: { ` + strings.TrimSuffix(b.String(), ", ") + ` } }
`
	_, err := Parse("m.yaml", []byte(doc))
	if err == nil || !strings.Contains(err.Error(), "m.yaml:11:36: error: a principal has 51 tags; AWS allows 50 on a service permission") {
		t.Fatalf("error: %v", err)
	}
}

// A DNS name plink refuses says why, and how to write it when the fix is
// plain (a final dot).
func TestDNSNameProblem(t *testing.T) {
	for name, want := range map[string]string{
		"DB.shop.internal.":                      "it ends with a dot; write it without: `DB.shop.internal`",
		"db.shop.internal":                       "",
		"*.shop.internal":                        "",
		"db..shop.internal":                      "it has an empty label (two dots in a row, or a leading dot)",
		"db.*.internal":                          "`*` may only be the whole first label (*.example.com)",
		"-db.shop.internal":                      "its label `-db` starts or ends with a hyphen",
		"db_1.shop.internal":                     "its label `db_1` has '_'; labels take letters, digits and hyphens only",
		"localhost":                              "it has one label; a DNS name has at least two, such as db.example.com",
		"db.shop.1":                              "its last label `1` is not a top-level domain (2 to 63 letters)",
		strings.Repeat("a", 64) + ".example.com": "its label `" + strings.Repeat("a", 64) + "` is 64 characters long; a label has at most 63",
	} {
		if got := dnsNameProblem(name); got != want {
			t.Errorf("dnsNameProblem(%q) = %q, want %q", name, got, want)
		}
	}
	// Through the loader: a specified domain and a provider's name.
	_, err := Parse("p.yaml", []byte(gatewayHeader+"  - {name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], type: Resource, resourceConfigurationArn: "+testRCFG+
		", privateDnsEnabled: true, dnsOptions: {privateDnsPreference: SPECIFIED_DOMAINS_ONLY, privateDnsSpecifiedDomains: [DB.shop.internal.]}}\n"))
	if err == nil || !strings.Contains(err.Error(), "error: invalid domain name `DB.shop.internal.`: it ends with a dot; write it without: `DB.shop.internal`; expected a domain such as db.example.com or *.example.com") {
		t.Errorf("specified domain: %v", err)
	}
}
