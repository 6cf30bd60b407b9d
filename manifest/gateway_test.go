package manifest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

const gatewayHeader = `version: 1
project: p
defaults: {region: us-east-1}
accounts: {a: {id: "111111111111"}}
providers:
  - {name: api, account: a, networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/api/0123456789abcdef"]}
consumers:
`

func TestGatewayConsumerLoads(t *testing.T) {
	m := load(t, gatewayHeader+"  - {name: s3, account: a, type: Gateway, vpcId: vpc-01234567, routeTableIds: [rtb-01234567], serviceName: com.amazonaws.us-east-1.s3}\n")
	c := m.Consumers[0]
	if !c.IsGateway() || !slices.Equal(c.RouteTableIDs, []string{"rtb-01234567"}) || len(c.SubnetIDs) != 0 {
		t.Fatalf("consumer %+v", c)
	}
	if ds := Lint(m); len(ds) != 0 {
		t.Errorf("lint: %v", Diagnostics(ds))
	}
}

func TestGatewayConsumerErrors(t *testing.T) {
	for _, tc := range []struct{ name, consumer, want string }{
		{"interface without subnets", "{name: c, account: a, vpcId: vpc-01234567, serviceName: com.amazonaws.us-east-1.sqs}",
			"p.yaml:8:5: error: missing required field `subnetIds` in consumer `c`"},
		{"route tables on an interface endpoint", "{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], routeTableIds: [rtb-01234567], serviceName: com.amazonaws.us-east-1.sqs}",
			"p.yaml:8:93: error: consumer `c` sets `routeTableIds`, which only gateway endpoints have"},
		{"unknown type", "{name: c, account: a, type: gateway, vpcId: vpc-01234567, subnetIds: [subnet-01234567], serviceName: com.amazonaws.us-east-1.s3}",
			"p.yaml:8:33: error: invalid `type` value `gateway`; valid values are Interface, Gateway, Resource, ServiceNetwork"},
		{"gateway load balancer type", "{name: c, account: a, type: GatewayLoadBalancer, vpcId: vpc-01234567, subnetIds: [subnet-01234567], provider: api}",
			"p.yaml:8:33: error: invalid `type` value `GatewayLoadBalancer` in consumer `c`; valid values are Interface, Gateway, Resource, ServiceNetwork"},
		{"gateway with interface settings", "{name: c, account: a, type: Gateway, vpcId: vpc-01234567, subnetIds: [subnet-01234567], securityGroupIds: [sg-01234567], privateDnsEnabled: true, ipAddressType: ipv4, dnsOptions: {dnsRecordIpType: ipv4}, serviceName: com.amazonaws.us-east-1.s3}",
			"p.yaml:8:74: error: consumer `c` is a gateway endpoint (type: Gateway), which has no `subnetIds`\n" +
				"p.yaml:8:111: error: consumer `c` is a gateway endpoint (type: Gateway), which has no `securityGroupIds`\n" +
				"p.yaml:8:145: error: consumer `c` is a gateway endpoint (type: Gateway), which has no `privateDnsEnabled`\n" +
				"p.yaml:8:166: error: consumer `c` is a gateway endpoint (type: Gateway), which has no `ipAddressType`\n" +
				"p.yaml:8:184: error: consumer `c` is a gateway endpoint (type: Gateway), which has no `dnsOptions`"},
		{"gateway to a provider", "{name: c, account: a, type: Gateway, vpcId: vpc-01234567, routeTableIds: [rtb-01234567], provider: api}",
			"p.yaml:8:104: error: consumer `c` is a gateway endpoint (type: Gateway), which has no `provider`"},
		{"bad and repeated route tables", "{name: c, account: a, type: Gateway, vpcId: vpc-01234567, routeTableIds: [rtb-xyz, rtb-01234567, rtb-01234567], serviceName: com.amazonaws.us-east-1.s3}",
			"p.yaml:8:79: error: invalid route table id `rtb-xyz`; expected rtb- and 8 or 17 hex digits\n" +
				"p.yaml:8:102: error: `rtb-01234567` is listed twice in `routeTableIds`; first at line 8, column 88"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(gatewayHeader+"  - "+tc.consumer+"\n"))
			if err == nil {
				t.Fatal("loaded")
			}
			var lines []string
			for _, d := range err.(Diagnostics) {
				lines = append(lines, d.String())
				if d.Code == "" {
					t.Errorf("%s has no code", d)
				}
			}
			if got := strings.Join(lines, "\n"); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestLintGateways(t *testing.T) {
	gw := func(name, account, service string, tables ...string) string {
		return fmt.Sprintf("  - {name: %s, account: %s, type: Gateway, vpcId: vpc-01234567, routeTableIds: [%s], serviceName: %s}\n", name, account, strings.Join(tables, ", "), service)
	}
	doc := gatewayHeader +
		gw("s3-a", "a", "com.amazonaws.us-east-1.s3", "rtb-0000000a", "rtb-0000000b") +
		gw("s3-b", "a", "com.amazonaws.us-east-1.s3", "rtb-0000000b") +
		gw("ddb", "a", "com.amazonaws.us-east-1.dynamodb", "rtb-0000000b") +
		gw("sqs", "a", "com.amazonaws.us-east-1.sqs", "rtb-0000000c") +
		gw("west", "a", "com.amazonaws.us-west-2.s3", "rtb-0000000d")
	for i := range 17 {
		doc += gw(fmt.Sprintf("more-%d", i), "a", "com.amazonaws.us-east-1.dynamodb", fmt.Sprintf("rtb-1%07x", i))
	}
	// interface endpoints in the same VPC count toward neither quota
	doc += "  - {name: q, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567, subnet-01234568], securityGroupIds: [sg-01234567], serviceName: com.amazonaws.us-east-1.sqs}\n"
	m := load(t, doc)
	var got []string
	for _, d := range Lint(m) {
		if d.Hint == "" {
			t.Errorf("%s has no hint", d)
		}
		got = append(got, d.Code+" "+d.Message)
	}
	want := []string{
		"PL013 consumers `s3-a` and `s3-b` both list route table rtb-0000000b for com.amazonaws.us-east-1.s3; a route table has one route to the service's prefix list, so AWS refuses the second endpoint",
		"PL014 consumer `sqs` is a gateway endpoint for com.amazonaws.us-east-1.sqs, which has none in us-east-1; only S3 and DynamoDB have gateway endpoints",
		"PL014 consumer `west` is a gateway endpoint for com.amazonaws.us-west-2.s3, which has none in us-east-1; only S3 and DynamoDB have gateway endpoints",
		"PL015 22 gateway endpoints are declared in account `a` us-east-1, more than AWS's default quota of 20 per Region; consumer `more-15` is the 21st",
	}
	if !slices.Equal(got, want) {
		t.Errorf("lint:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
