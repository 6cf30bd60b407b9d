package manifest

import (
	"strings"
	"testing"
	"unsafe"
)

// TestRepeatedStringsShareOneCopy: the values consumers repeat (account,
// provider, VPC, subnet and group ids) are one string each in the loaded
// manifest, in a file parsed section by section as in one parsed whole.
func TestRepeatedStringsShareOneCopy(t *testing.T) {
	var b strings.Builder
	b.WriteString(`version: 1
project: p
defaults: { region: us-east-1 }
accounts:
  prov: { id: "111111111111" }
  cons: { id: "222222222222" }
providers:
  - name: api
    account: prov
    networkLoadBalancerArns: [arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/api/0123456789abcdef]
consumers:
`)
	for _, n := range []string{"a", "b", "c"} {
		b.WriteString(`  - name: ` + n + `
    account: cons
    provider: api
    vpcId: vpc-0123456789abcdef0
    subnetIds: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]
    securityGroupIds: [sg-0123456789abcdef0]
`)
	}
	fast, fastErr, sections, whole, wholeErr := loadBoth([]source{{name: "m.yaml", data: []byte(b.String())}})
	if fastErr != nil || wholeErr != nil || sections != 1 {
		t.Fatalf("load: %v / %v, %d files by sections", fastErr, wholeErr, sections)
	}
	for _, m := range []*Manifest{fast, whole} {
		shareOneCopy(t, m)
	}
}

func shareOneCopy(t *testing.T, m *Manifest) {
	t.Helper()
	same := func(what string, get func(*Consumer) string) {
		first := unsafe.StringData(get(m.Consumers[0]))
		for _, c := range m.Consumers[1:] {
			if unsafe.StringData(get(c)) != first {
				t.Errorf("%s: consumer %s holds its own copy of %q", what, c.Name, get(c))
			}
		}
	}
	same("account", func(c *Consumer) string { return c.Account })
	same("provider", func(c *Consumer) string { return c.Provider })
	same("vpcId", func(c *Consumer) string { return c.VPCID })
	same("subnetIds[1]", func(c *Consumer) string { return c.SubnetIDs[1] })
	same("securityGroupIds[0]", func(c *Consumer) string { return c.SecurityGroupIDs[0] })
}
