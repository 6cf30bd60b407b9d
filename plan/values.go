package plan

import (
	"reflect"
	"sort"
)

// Attr is one attribute of a Values, named by its JSON field name. Value is
// a string, bool, []string or map[string]string.
type Attr struct {
	Name  string
	Value any
}

// Attributes lists the attributes that are set, in a fixed display order.
// A nil Values has none.
func (v *Values) Attributes() []Attr {
	if v == nil {
		return nil
	}
	var out []Attr
	str := func(name, s string) {
		if s != "" {
			out = append(out, Attr{name, s})
		}
	}
	strp := func(name string, s *string) {
		if s != nil {
			out = append(out, Attr{name, *s})
		}
	}
	boolp := func(name string, b *bool) {
		if b != nil {
			out = append(out, Attr{name, *b})
		}
	}
	list := func(name string, l []string) {
		if len(l) > 0 {
			out = append(out, Attr{name, l})
		}
	}
	str("type", v.Type)
	str("serviceName", v.ServiceName)
	list("networkLoadBalancerArns", v.NetworkLoadBalancerARNs)
	list("gatewayLoadBalancerArns", v.GatewayLoadBalancerARNs)
	boolp("acceptanceRequired", v.AcceptanceRequired)
	strp("privateDnsName", v.PrivateDNSName)
	list("supportedIpAddressTypes", v.SupportedIPAddressTypes)
	list("supportedRegions", v.SupportedRegions)
	str("payerResponsibility", v.PayerResponsibility)
	str("resourceConfigurationArn", v.ResourceConfigurationARN)
	str("serviceNetworkArn", v.ServiceNetworkARN)
	str("vpcId", v.VPCID)
	str("serviceRegion", v.ServiceRegion)
	list("subnetIds", v.SubnetIDs)
	list("ipAddresses", v.IPAddresses)
	list("securityGroupIds", v.SecurityGroupIDs)
	list("routeTableIds", v.RouteTableIDs)
	boolp("privateDnsEnabled", v.PrivateDNSEnabled)
	str("dnsRecordIpType", v.DNSRecordIPType)
	boolp("privateDnsOnlyForInboundResolverEndpoint", v.PrivateDNSOnlyForInboundResolverEndpoint)
	str("privateDnsPreference", v.PrivateDNSPreference)
	list("privateDnsSpecifiedDomains", v.PrivateDNSSpecifiedDomains)
	str("ipAddressType", v.IPAddressType)
	str("policy", v.Policy)
	str("principal", v.Principal)
	str("endpointId", v.EndpointID)
	str("endpointOwner", v.EndpointOwner)
	str("state", v.State)
	str("topicArn", v.TopicARN)
	list("events", v.Events)
	str("zoneId", v.ZoneID)
	str("recordName", v.RecordName)
	list("recordValues", v.RecordValues)
	str("verification", v.Verification)
	if len(v.Tags) > 0 {
		out = append(out, Attr{"tags", v.Tags})
	}
	return out
}

// AttrDiff is one attribute that differs between Before and After; a side
// that does not set the attribute has a nil value.
type AttrDiff struct {
	Name          string
	Before, After any
}

// unmanaged are attributes AWS assigns or that describe state rather than
// configuration: they are shown but never make a change.
var unmanaged = map[string]bool{"state": true, "endpointId": true, "endpointOwner": true}

// Diff lists the managed attributes whose values differ between before and
// after, in display order: what a change changes. For endpoint services the
// AWS-assigned service name is not compared.
func Diff(kind Kind, before, after *Values) []AttrDiff {
	return diffValues(before, after, func(name string) bool {
		return unmanaged[name] || (kind == KindService && name == "serviceName")
	})
}

// DiffAll lists every attribute whose values differ between before and
// after, in display order, the ones AWS assigns and the state too: what a
// report of differences (drift, a saved plan against a new one) shows.
func DiffAll(before, after *Values) []AttrDiff {
	return diffValues(before, after, func(string) bool { return false })
}

// diffValues lists the attributes that differ, in display order, leaving
// out those skip names.
func diffValues(before, after *Values, skip func(name string) bool) []AttrDiff {
	ba, aa := before.Attributes(), after.Attributes()
	b, a := attrMap(ba), attrMap(aa)
	var out []AttrDiff
	seen := map[string]bool{}
	add := func(attrs []Attr) {
		for _, at := range attrs {
			name := at.Name
			if seen[name] || skip(name) {
				continue
			}
			seen[name] = true
			if !reflect.DeepEqual(b[name], a[name]) {
				out = append(out, AttrDiff{Name: name, Before: b[name], After: a[name]})
			}
		}
	}
	add(aa)
	add(ba)
	// keep display order stable regardless of which side set an attribute
	sort.SliceStable(out, func(i, j int) bool { return AttrRank(out[i].Name) < AttrRank(out[j].Name) })
	return out
}

// AttrRank is an attribute's place in display order (unknown names last).
func AttrRank(name string) int {
	for i, n := range attrOrder {
		if n == name {
			return i
		}
	}
	return len(attrOrder)
}

var attrOrder = []string{
	"type", "serviceName", "networkLoadBalancerArns", "gatewayLoadBalancerArns",
	"acceptanceRequired", "privateDnsName", "supportedIpAddressTypes", "supportedRegions", "payerResponsibility",
	"resourceConfigurationArn", "serviceNetworkArn",
	"vpcId", "serviceRegion", "subnetIds", "ipAddresses", "securityGroupIds", "routeTableIds", "privateDnsEnabled",
	"dnsRecordIpType", "privateDnsOnlyForInboundResolverEndpoint", "privateDnsPreference", "privateDnsSpecifiedDomains", "ipAddressType",
	"policy", "principal", "endpointId", "endpointOwner", "state", "topicArn", "events",
	"zoneId", "recordName", "recordValues", "verification", "tags",
}

func attrMap(attrs []Attr) map[string]any {
	m := make(map[string]any, len(attrs))
	for _, a := range attrs {
		m[a.Name] = a.Value
	}
	return m
}

// Summary counts a plan's changes by what they do. A replace counts as one
// add and one destroy, as in Terraform.
type Summary struct {
	Add     int `json:"add"`
	Change  int `json:"change"`
	Destroy int `json:"destroy"`
	Accept  int `json:"accept"`
	Reject  int `json:"reject"`
	Adopt   int `json:"adopt"`
}

// Summary counts the plan's changes.
func (p *Plan) Summary() Summary {
	var s Summary
	for _, c := range p.Changes {
		switch c.Action {
		case Create:
			s.Add++
		case Update:
			s.Change++
		case Delete:
			s.Destroy++
		case Replace:
			s.Add++
			s.Destroy++
		case Accept:
			s.Accept++
		case Reject:
			s.Reject++
		case Adopt:
			s.Adopt++
		}
	}
	return s
}

// HasChanges reports whether applying the plan would change anything.
func (p *Plan) HasChanges() bool {
	for _, c := range p.Changes {
		if c.Action != NoOp {
			return true
		}
	}
	return false
}

// HasErrors reports whether the plan has an error diagnostic; such a plan
// must not be applied.
func (p *Plan) HasErrors() bool {
	for _, d := range p.Diagnostics {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}
