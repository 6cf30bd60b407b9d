package manifest

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/plinkdev/plink/quota"
)

// Consumer types (`type:`). A Gateway Load Balancer endpoint is an
// Interface consumer whose provider fronts gateway load balancers: its
// type follows from the provider and is never written.
const (
	TypeInterface = "Interface"
	TypeGateway   = "Gateway"
)

var consumerTypes = []string{TypeInterface, TypeGateway, TypeResource, TypeServiceNetwork}

const patRouteTableID = `^rtb-([0-9a-f]{8}|[0-9a-f]{17})$`

var reRouteTableID = regexp.MustCompile(patRouteTableID)

// gatewayServices are the AWS services that offer gateway endpoints
// (com.amazonaws.REGION.NAME).
var gatewayServices = []string{"s3", "dynamodb"}

// IsGateway reports whether the consumer is a gateway endpoint (type: Gateway).
func (c *Consumer) IsGateway() bool { return c.Type == TypeGateway }

// GatewayService reports whether name is a service with gateway endpoints
// in region: com.amazonaws.REGION.s3 or com.amazonaws.REGION.dynamodb.
func GatewayService(name, region string) bool {
	for _, s := range gatewayServices {
		if name == "com.amazonaws."+region+"."+s {
			return true
		}
	}
	return false
}

// validateGateway checks what depends on a consumer's type: an interface
// consumer needs subnets and has no route tables; a gateway consumer has
// route tables, an AWS service and none of an interface endpoint's network
// settings.
func (l *loader) validateGateway(c *Consumer, what string) {
	if c.Type == "GatewayLoadBalancer" && l.ok(c, "type") {
		l.invalid(c, "type", "a Gateway Load Balancer endpoint's type follows from its provider; leave `type` out",
			"invalid `type` value `GatewayLoadBalancer` in %s; valid values are %s", what, strings.Join(consumerTypes, ", "))
	} else {
		l.checkEnum(c, "type", c.Type, consumerTypes)
	}
	_, subnetsSet := l.pos[posKey{c, "subnetIds"}]
	if !c.IsGateway() {
		if !subnetsSet && l.ok(c, "subnetIds") {
			l.sink.errorf(ownerPos(c), CodeRequired, "", "missing required field `subnetIds` in %s", what)
		}
		if len(c.RouteTableIDs) > 0 && l.ok(c, "type") {
			l.sink.errorf(l.at(c, "routeTableIds"), CodeConflict, "set `type: Gateway` for an S3 or DynamoDB gateway endpoint",
				"%s sets `routeTableIds`, which only gateway endpoints have", what)
		}
		return
	}
	conflict := func(field string, set bool, hint string) {
		if set {
			l.sink.errorf(l.at(c, field), CodeConflict, hint, "%s is a gateway endpoint (type: Gateway), which has no `%s`", what, field)
		}
	}
	conflict("subnetIds", subnetsSet, "remove `subnetIds`; a gateway endpoint works through `routeTableIds`")
	conflict("securityGroupIds", len(c.SecurityGroupIDs) > 0, "remove `securityGroupIds`")
	conflict("privateDnsEnabled", c.PrivateDNSEnabled, "remove `privateDnsEnabled`")
	conflict("dnsOptions", c.DNSOptions != nil, "remove `dnsOptions`")
	conflict("ipAddressType", c.IPAddressType != "", "remove `ipAddressType`")
	conflict("ipAddresses", len(c.IPAddresses) > 0, "remove `ipAddresses`; a gateway endpoint has no network interfaces")
	conflict("provider", c.Provider != "", "set `serviceName: com.amazonaws.REGION.s3` (or .dynamodb); gateway endpoints connect to AWS services only")
	l.checkList(c, "routeTableIds", c.RouteTableIDs, func(p, v string) {
		l.checkID(c, p, v, reRouteTableID, "route table id", "rtb- and 8 or 17 hex digits")
	})
}

// lintGateways runs the gateway endpoints' offline checks: a service
// without gateway endpoints (PL014), a route table that two endpoints for
// one service share (PL013; AWS keeps one route to a prefix list per
// table), and more gateway endpoints in an account-region than AWS's
// quota of gatewaysPerRegion (PL015; per account, AWS's "Gateway VPC
// endpoints per Region").
func lintGateways(m *Manifest, gatewaysPerRegion int) []Diagnostic {
	var ds []Diagnostic
	add := func(pos Pos, sev Severity, code, hint, format string, args ...any) {
		ds = append(ds, Diagnostic{Pos: pos, Severity: sev, Code: code, Message: fmt.Sprintf(format, args...), Hint: hint})
	}
	type rtKey struct{ account, region, service, table string }
	tables := map[rtKey]*Consumer{}
	type regionKey struct{ account, region string }
	perRegion := map[regionKey][]*Consumer{}
	for _, c := range m.Consumers {
		if !c.IsGateway() {
			continue
		}
		acct := cmp.Or(accountID(m, c.Account), c.Account)
		perRegion[regionKey{acct, c.Region}] = append(perRegion[regionKey{acct, c.Region}], c)
		if c.ServiceName != "" && c.Region != "" && !GatewayService(c.ServiceName, c.Region) {
			add(c.Pos, SeverityError, LintNoGatewayService,
				fmt.Sprintf("use serviceName com.amazonaws.%s.s3 or com.amazonaws.%s.dynamodb, or drop `type: Gateway` for an interface endpoint", c.Region, c.Region),
				"consumer `%s` is a gateway endpoint for %s, which has none in %s; only S3 and DynamoDB have gateway endpoints", c.Name, c.ServiceName, c.Region)
		}
		for _, rt := range slices.Compact(slices.Sorted(slices.Values(c.RouteTableIDs))) {
			k := rtKey{acct, c.Region, c.ServiceName, rt}
			if first := tables[k]; first != nil && first != c {
				add(c.Pos, SeverityError, LintRouteTableShared, "list each route table in one gateway endpoint per service",
					"consumers `%s` and `%s` both list route table %s for %s; a route table has one route to the service's prefix list, so AWS refuses the second endpoint", first.Name, c.Name, rt, c.ServiceName)
				continue
			}
			tables[k] = c
		}
	}
	for _, cs := range perRegion {
		if len(cs) <= gatewaysPerRegion {
			continue
		}
		c := cs[gatewaysPerRegion]
		add(c.Pos, SeverityWarning, LintGatewaysPerRegion,
			"request an increase in Service Quotas (Amazon VPC: \"Gateway VPC endpoints per Region\") before applying",
			"%d gateway endpoints are declared in account `%s` %s, more than %s of %d per Region; consumer `%s` is the %s",
			len(cs), c.Account, c.Region, quotaName(gatewaysPerRegion, quota.DefaultGatewayEndpointsPerRegion), gatewaysPerRegion, c.Name, ordinal(gatewaysPerRegion+1))
	}
	return ds
}
