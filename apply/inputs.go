package apply

// The requests a change makes, as pure functions of the change: apply
// sends them, and plink iam-policy --check sends the same ones with
// DryRun, so that what is asked about is what apply will do.

import (
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/plan"
)

// ServiceCreateInput is the CreateVpcEndpointServiceConfiguration of a
// create of the service values a for the change at address (no token).
func ServiceCreateInput(project, address string, a *plan.Values) *ec2.CreateVpcEndpointServiceConfigurationInput {
	return &ec2.CreateVpcEndpointServiceConfigurationInput{
		AcceptanceRequired:      a.AcceptanceRequired,
		NetworkLoadBalancerArns: a.NetworkLoadBalancerARNs,
		GatewayLoadBalancerArns: a.GatewayLoadBalancerARNs,
		PrivateDnsName:          nonEmpty(a.PrivateDNSName),
		SupportedIpAddressTypes: a.SupportedIPAddressTypes,
		SupportedRegions:        a.SupportedRegions,
		TagSpecifications:       tagSpec(types.ResourceTypeVpcEndpointService, OwnedTags(project, address, a.Tags)),
	}
}

// ServiceModifyInput is the ModifyVpcEndpointServiceConfiguration that
// takes service id from b to a, or nil when nothing but tags differs.
func ServiceModifyInput(id string, b, a *plan.Values) *ec2.ModifyVpcEndpointServiceConfigurationInput {
	in := &ec2.ModifyVpcEndpointServiceConfigurationInput{ServiceId: aws.String(id)}
	changed := false
	in.AddNetworkLoadBalancerArns, in.RemoveNetworkLoadBalancerArns = setDiff(b.NetworkLoadBalancerARNs, a.NetworkLoadBalancerARNs)
	in.AddGatewayLoadBalancerArns, in.RemoveGatewayLoadBalancerArns = setDiff(b.GatewayLoadBalancerARNs, a.GatewayLoadBalancerARNs)
	in.AddSupportedIpAddressTypes, in.RemoveSupportedIpAddressTypes = setDiff(b.SupportedIPAddressTypes, a.SupportedIPAddressTypes)
	in.AddSupportedRegions, in.RemoveSupportedRegions = setDiff(b.SupportedRegions, a.SupportedRegions)
	for _, l := range [][]string{in.AddNetworkLoadBalancerArns, in.RemoveNetworkLoadBalancerArns, in.AddGatewayLoadBalancerArns,
		in.RemoveGatewayLoadBalancerArns, in.AddSupportedIpAddressTypes, in.RemoveSupportedIpAddressTypes,
		in.AddSupportedRegions, in.RemoveSupportedRegions} {
		changed = changed || len(l) > 0
	}
	if a.AcceptanceRequired != nil && (b.AcceptanceRequired == nil || *a.AcceptanceRequired != *b.AcceptanceRequired) {
		in.AcceptanceRequired = a.AcceptanceRequired
		changed = true
	}
	if before, after := strOr(b.PrivateDNSName), strOr(a.PrivateDNSName); before != after {
		if after == "" {
			in.RemovePrivateDnsName = aws.Bool(true)
		} else {
			in.PrivateDnsName = aws.String(after)
		}
		changed = true
	}
	if !changed {
		return nil
	}
	return in
}

// EndpointCreateInput is the CreateVpcEndpoint of a create of the
// endpoint values a for the change at address (no token), to the service
// named name, of type typ. deferDNS leaves private DNS off until the
// connection is accepted (plan.Change.PrivateDNSAfterAccept).
func EndpointCreateInput(project, address, region, name string, typ types.VpcEndpointType, a *plan.Values, deferDNS bool) *ec2.CreateVpcEndpointInput {
	in := &ec2.CreateVpcEndpointInput{
		VpcId:           aws.String(a.VPCID),
		ServiceName:     nonEmptyString(name),
		VpcEndpointType: typ,
		// a Resource or ServiceNetwork endpoint names its target instead
		ResourceConfigurationArn: nonEmptyString(a.ResourceConfigurationARN),
		ServiceNetworkArn:        nonEmptyString(a.ServiceNetworkARN),
		SubnetIds:                a.SubnetIDs,
		SecurityGroupIds:         a.SecurityGroupIDs,
		RouteTableIds:            a.RouteTableIDs,
		IpAddressType:            types.IpAddressType(a.IPAddressType),
		DnsOptions:               dnsOptions(a, !deferDNS),
		TagSpecifications:        tagSpec(types.ResourceTypeVpcEndpoint, OwnedTags(project, address, a.Tags)),
	}
	if a.ServiceRegion != "" && a.ServiceRegion != region {
		in.ServiceRegion = aws.String(a.ServiceRegion)
	}
	in.SubnetConfigurations = subnetConfigurations(a.IPAddresses, nil)
	if a.PrivateDNSEnabled != nil {
		in.PrivateDnsEnabled = aws.Bool(*a.PrivateDNSEnabled && !deferDNS)
	}
	if a.Policy != "" {
		in.PolicyDocument = aws.String(a.Policy)
	}
	return in
}

// EndpointModifyInput is the ModifyVpcEndpoint that takes endpoint id
// from b to a, or nil when nothing but tags differs. dnsAfterAccept
// leaves turning private DNS on to after the accept.
func EndpointModifyInput(id string, b, a *plan.Values, dnsAfterAccept bool) *ec2.ModifyVpcEndpointInput {
	in := &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(id)}
	in.AddSubnetIds, in.RemoveSubnetIds = setDiff(b.SubnetIDs, a.SubnetIDs)
	in.AddSecurityGroupIds, in.RemoveSecurityGroupIds = setDiff(b.SecurityGroupIDs, a.SecurityGroupIDs)
	in.AddRouteTableIds, in.RemoveRouteTableIds = setDiff(b.RouteTableIDs, a.RouteTableIDs)
	// A subnet added with a fixed address, or whose fixed address
	// changes, gets its SubnetConfiguration (AWS replaces the network
	// interface of an existing subnet to move it).
	if moved := plan.ChangedAddressSubnets(b.IPAddresses, a.IPAddresses); len(moved) > 0 {
		in.SubnetConfigurations = subnetConfigurations(a.IPAddresses, moved)
	}
	changed := len(in.AddSubnetIds)+len(in.RemoveSubnetIds)+len(in.AddSecurityGroupIds)+len(in.RemoveSecurityGroupIds)+
		len(in.AddRouteTableIds)+len(in.RemoveRouteTableIds)+len(in.SubnetConfigurations) > 0
	if a.Policy != b.Policy {
		if a.Policy == "" {
			in.ResetPolicy = aws.Bool(true)
		} else {
			in.PolicyDocument = aws.String(a.Policy)
		}
		changed = true
	}
	if a.PrivateDNSEnabled != nil && (b.PrivateDNSEnabled == nil || *a.PrivateDNSEnabled != *b.PrivateDNSEnabled) {
		// Turning private DNS on waits for acceptance when the plan says so.
		if !(*a.PrivateDNSEnabled && dnsAfterAccept) {
			in.PrivateDnsEnabled = a.PrivateDNSEnabled
			changed = true
		}
	}
	inboundChanged := !boolPtrEq(a.PrivateDNSOnlyForInboundResolverEndpoint, b.PrivateDNSOnlyForInboundResolverEndpoint)
	// A Resource or ServiceNetwork endpoint's preference is sent when it
	// changes and private DNS stays (or goes) on; AWS drops it by itself
	// when private DNS goes off.
	prefChanged := a.PrivateDNSPreference != "" && (a.PrivateDNSPreference != b.PrivateDNSPreference || !slices.Equal(a.PrivateDNSSpecifiedDomains, b.PrivateDNSSpecifiedDomains))
	if a.DNSRecordIPType != b.DNSRecordIPType || (inboundChanged && !dnsAfterAccept) || prefChanged {
		in.DnsOptions = dnsOptions(a, !dnsAfterAccept)
		if in.DnsOptions != nil {
			changed = true
		}
	}
	if a.IPAddressType != b.IPAddressType && a.IPAddressType != "" {
		in.IpAddressType = types.IpAddressType(a.IPAddressType)
		changed = true
	}
	if !changed {
		return nil
	}
	return in
}

// nonEmptyString is s, or nil for "".
func nonEmptyString(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
