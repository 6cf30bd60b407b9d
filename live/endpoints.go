package live

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// readEndpoints reads the scope's interface, GWLB, gateway, resource and
// service-network endpoints and keeps those tagged for the project,
// adopted, or in a VPC a consumer names (a gateway endpoint: a VPC a
// gateway consumer names).
func (rd *reader) readEndpoints(ctx context.Context, sc *scopeState) {
	types := []ec2types.Filter{{Name: aws.String("vpc-endpoint-type"),
		Values: []string{string(ec2types.VpcEndpointTypeInterface), string(ec2types.VpcEndpointTypeGatewayLoadBalancer), string(ec2types.VpcEndpointTypeGateway),
			string(ec2types.VpcEndpointTypeResource), string(ec2types.VpcEndpointTypeServiceNetwork)}}}
	all, err := listAll(rd, ctx, sc, callEndpoints, func(ctx context.Context, token *string) ([]ec2types.VpcEndpoint, *string, error) {
		out, err := sc.ec2.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{MaxResults: aws.Int32(pageSize), Filters: types, NextToken: token})
		return listed(out, err, func(o *ec2.DescribeVpcEndpointsOutput) ([]ec2types.VpcEndpoint, *string) {
			return o.VpcEndpoints, o.NextToken
		})
	})
	if err != nil {
		return
	}
	var eps []Endpoint
	gwVPCs := gatewayVPCs(sc)
	for _, v := range all {
		ep := toEndpoint(&rd.in, sc, v)
		near := sc.consumerVPCs[ep.VPCID]
		if ep.Type == string(ec2types.VpcEndpointTypeGateway) {
			near = gwVPCs[ep.VPCID]
		}
		if rd.owned(ep.Tags, ep.ID) || near {
			eps = append(eps, ep)
		}
	}
	rd.readAddresses(ctx, sc, eps)
	rd.add(func(s *Snapshot) { s.Endpoints = append(s.Endpoints, eps...) })
}

func toEndpoint(in *interner, sc *scopeState, v ec2types.VpcEndpoint) Endpoint {
	ep := Endpoint{
		AccountID:           sc.AccountID,
		Region:              sc.Region,
		ID:                  aws.ToString(v.VpcEndpointId),
		Type:                in.str(string(v.VpcEndpointType)),
		VPCID:               in.ptr(v.VpcId),
		ServiceName:         in.ptr(v.ServiceName),
		ServiceRegion:       in.ptr(v.ServiceRegion),
		State:               in.str(lowerFirst(string(v.State))),
		SubnetIDs:           in.sorted(v.SubnetIds),
		PrivateDNSEnabled:   aws.ToBool(v.PrivateDnsEnabled),
		IPAddressType:       in.str(string(v.IpAddressType)),
		Policy:              in.ptr(v.PolicyDocument),
		Tags:                in.tags(v.Tags),
		NetworkInterfaceIDs: sortedCopy(v.NetworkInterfaceIds),
		RouteTableIDs:       in.sorted(v.RouteTableIds),

		ResourceConfigurationARN: in.ptr(v.ResourceConfigurationArn),
		ServiceNetworkARN:        in.ptr(v.ServiceNetworkArn),
	}
	if ep.AccountID == "" {
		ep.AccountID = aws.ToString(v.OwnerId)
	}
	if v.CreationTimestamp != nil {
		ep.Created = v.CreationTimestamp.UTC()
	}
	for _, g := range v.Groups {
		ep.SecurityGroupIDs = append(ep.SecurityGroupIDs, in.ptr(g.GroupId))
	}
	sort.Strings(ep.SecurityGroupIDs)
	if d := v.DnsOptions; d != nil {
		ep.DNSRecordIPType = in.str(string(d.DnsRecordIpType))
		ep.PrivateDNSOnlyForInboundResolverEndpoint = d.PrivateDnsOnlyForInboundResolverEndpoint
		ep.PrivateDNSPreference = in.ptr(d.PrivateDnsPreference)
		ep.PrivateDNSSpecifiedDomains = in.sorted(d.PrivateDnsSpecifiedDomains)
	}
	return ep
}
