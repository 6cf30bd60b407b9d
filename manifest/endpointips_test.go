package manifest

import (
	"strings"
	"testing"
)

func TestFixedIPsAndServiceRegionLoad(t *testing.T) {
	m := load(t, gatewayHeader+`  - name: c
    account: a
    vpcId: vpc-01234567
    subnetIds: [subnet-01234567, subnet-89abcdef]
    ipAddressType: dualstack
    ipAddresses:
      subnet-01234567: { ipv4: 10.0.1.10, ipv6: "2600:1f18::10" }
    serviceName: com.amazonaws.vpce.us-west-2.vpce-svc-0123456789abcdef0
    serviceRegion: us-west-2
  - {name: iam, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], serviceName: com.amazonaws.iam, serviceRegion: us-east-1}
`)
	c := m.Consumers[0]
	if ips := c.IPAddresses["subnet-01234567"]; ips == nil || ips.IPv4 != "10.0.1.10" || ips.IPv6 != "2600:1f18::10" || ips.Pos.Line != 14 {
		t.Fatalf("ipAddresses %+v", ips)
	}
	if c.ServiceRegion != "us-west-2" {
		t.Fatalf("serviceRegion %q", c.ServiceRegion)
	}
}

func TestFixedIPsAndServiceRegionErrors(t *testing.T) {
	for _, tc := range []struct{ name, consumer, want string }{
		{"subnet not listed", "{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], ipAddresses: {subnet-89abcdef: {ipv4: 10.0.1.10}}, serviceName: com.amazonaws.us-east-1.sqs}",
			"p.yaml:8:92: error: `ipAddresses` of consumer `c` names subnet subnet-89abcdef, which is not in its `subnetIds` (subnet-01234567)"},
		{"malformed subnet key", "{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], ipAddresses: {sub-1: {ipv4: 10.0.1.10}}, serviceName: com.amazonaws.us-east-1.sqs}",
			"p.yaml:8:92: error: invalid subnet id `sub-1` in `ipAddresses` of consumer `c`; expected subnet- and 8 or 17 hex digits"},
		{"bad ipv4", "{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], ipAddresses: {subnet-01234567: {ipv4: 10.0.1.300}}, serviceName: com.amazonaws.us-east-1.sqs}",
			"p.yaml:8:116: error: invalid IPv4 address `10.0.1.300` in `ipAddresses.subnet-01234567.ipv4` of consumer `c`; write one address such as 10.0.1.10"},
		{"ipv6 in ipv4 field", `{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], ipAddresses: {subnet-01234567: {ipv4: "::1"}}, serviceName: com.amazonaws.us-east-1.sqs}`,
			"p.yaml:8:116: error: invalid IPv4 address `::1` in `ipAddresses.subnet-01234567.ipv4` of consumer `c`; write one address such as 10.0.1.10"},
		{"non-canonical ipv6", `{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], ipAddressType: ipv6, ipAddresses: {subnet-01234567: {ipv6: "2600:1F18:0::10"}}, serviceName: com.amazonaws.us-east-1.sqs}`,
			"p.yaml:8:137: error: IPv6 address `2600:1F18:0::10` in `ipAddresses.subnet-01234567.ipv6` of consumer `c` is not in canonical form; write `2600:1f18::10`"},
		{"empty entry", "{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], ipAddresses: {subnet-01234567: {}}, serviceName: com.amazonaws.us-east-1.sqs}",
			"p.yaml:8:92: error: `ipAddresses.subnet-01234567` of consumer `c` sets neither `ipv4` nor `ipv6`"},
		{"ipv6 without dualstack", `{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], ipAddresses: {subnet-01234567: {ipv4: 10.0.1.10, ipv6: "2600::10"}}, serviceName: com.amazonaws.us-east-1.sqs}`,
			"p.yaml:8:133: error: `ipAddresses.subnet-01234567.ipv6` of consumer `c` is set, but its ipAddressType is ipv4 (the default), which has no IPv6 address"},
		{"dualstack needs both", "{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], ipAddressType: dualstack, ipAddresses: {subnet-01234567: {ipv4: 10.0.1.10}}, serviceName: com.amazonaws.us-east-1.sqs}",
			"p.yaml:8:118: error: `ipAddresses.subnet-01234567` of consumer `c` needs `ipv6`: its ipAddressType is dualstack"},
		{"ipv6 type with ipv4", `{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], ipAddressType: ipv6, ipAddresses: {subnet-01234567: {ipv4: 10.0.1.10}}, serviceName: com.amazonaws.us-east-1.sqs}`,
			"p.yaml:8:113: error: `ipAddresses.subnet-01234567` of consumer `c` needs `ipv6`: its ipAddressType is ipv6\n" +
				"p.yaml:8:137: error: `ipAddresses.subnet-01234567.ipv4` of consumer `c` is set, but its ipAddressType is ipv6, which has no IPv4 address"},
		{"gateway with addresses", "{name: c, account: a, type: Gateway, vpcId: vpc-01234567, routeTableIds: [rtb-01234567], ipAddresses: {subnet-01234567: {ipv4: 10.0.1.10}}, serviceName: com.amazonaws.us-east-1.s3}",
			"p.yaml:8:107: error: consumer `c` is a gateway endpoint (type: Gateway), which has no `ipAddresses`"},
		{"service region with provider", "{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], provider: api, serviceRegion: us-west-2}",
			"p.yaml:8:108: error: consumer `c` sets `serviceRegion` with `provider`; a provider's service is in the provider's region"},
		{"malformed service region", "{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], serviceName: com.amazonaws.iam, serviceRegion: west}",
			"p.yaml:8:125: error: invalid region `west`; expected a region name like us-west-2"},
		{"service region disagrees with the name", "{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], serviceName: com.amazonaws.eu-west-1.s3, serviceRegion: us-west-2}",
			"p.yaml:8:134: error: consumer `c` sets `serviceRegion: us-west-2`, but its service com.amazonaws.eu-west-1.s3 is in eu-west-1"},
		{"another region without serviceRegion", "{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], serviceName: com.amazonaws.us-west-2.s3}",
			"p.yaml:8:91: error: consumer `c` in us-east-1 names service com.amazonaws.us-west-2.s3 of region us-west-2 without `serviceRegion`"},
		{"gateway across regions", "{name: c, account: a, type: Gateway, vpcId: vpc-01234567, routeTableIds: [rtb-01234567], serviceName: com.amazonaws.us-west-2.s3, serviceRegion: us-west-2}",
			"p.yaml:8:150: error: consumer `c` is a gateway endpoint (type: Gateway), which connects within its own region only"},
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

// Two consumers that fix the same address in one subnet are refused at
// load, naming both positions: AWS would refuse the second endpoint's
// address (InvalidIPAddress.InUse) at every apply.
func TestFixedIPsSharedBetweenConsumers(t *testing.T) {
	doc := gatewayHeader + `  - name: c1
    account: a
    vpcId: vpc-01234567
    subnetIds: [subnet-01234567]
    ipAddresses:
      subnet-01234567: { ipv4: 10.0.1.10 }
    serviceName: com.amazonaws.us-east-1.sqs
  - name: c2
    account: a
    vpcId: vpc-01234567
    subnetIds: [subnet-01234567, subnet-89abcdef]
    ipAddresses:
      subnet-89abcdef: { ipv4: 10.0.1.10 }
      subnet-01234567: { ipv4: 10.0.1.10 }
    serviceName: com.amazonaws.us-east-1.sns
`
	_, err := Parse("p.yaml", []byte(doc))
	if err == nil {
		t.Fatal("loaded")
	}
	var lines []string
	for _, d := range err.(Diagnostics) {
		if d.Code == "PL014" {
			continue
		}
		lines = append(lines, d.String()+" (hint: "+d.Hint+")")
	}
	want := "p.yaml:21:32: error: address 10.0.1.10 in subnet-01234567 is fixed by both consumer `c1` (line 13, column 32) and consumer `c2` (hint: give each consumer its own address in subnet-01234567 (AWS gives an address to one network interface only))"
	if got := strings.Join(lines, "\n"); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// The same address in another subnet is another address.
	ok := strings.Replace(doc, "      subnet-01234567: { ipv4: 10.0.1.10 }\n    serviceName: com.amazonaws.us-east-1.sns", "    serviceName: com.amazonaws.us-east-1.sns", 1)
	ok = strings.Replace(ok, "subnetIds: [subnet-01234567, subnet-89abcdef]", "subnetIds: [subnet-89abcdef]", 1)
	if _, err := Parse("p.yaml", []byte(ok)); err != nil {
		t.Errorf("same address in another subnet: %v", err)
	}
}
