package live

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// callInterfaces is the read of endpoints' network interfaces: made only in
// an account-region with a consumer that fixes its addresses (ipAddresses),
// for that consumer's endpoints. DescribeVpcEndpoints names an endpoint's
// interfaces (NetworkInterfaceIds) but not their addresses.
const callInterfaces = "DescribeNetworkInterfaces"

// ENIAPI is the EC2 call that reads network interfaces; *ec2.Client has it.
// It is apart from EC2API so that fakes of the reader's other calls need
// not implement it.
type ENIAPI interface {
	DescribeNetworkInterfaces(context.Context, *ec2.DescribeNetworkInterfacesInput, ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error)
}

// ENIAddress is the private address of an endpoint's network interface in
// one subnet.
type ENIAddress struct {
	SubnetID string `json:"subnetId"`
	IPv4     string `json:"ipv4,omitempty"`
	IPv6     string `json:"ipv6,omitempty"`
}

// readAddresses fills in Addresses of the endpoints of eps that belong to
// a consumer of the scope that fixes its addresses: one
// DescribeNetworkInterfaces call (by network-interface-id filter) for all
// of them, none when no consumer there fixes addresses.
func (rd *reader) readAddresses(ctx context.Context, sc *scopeState, eps []Endpoint) {
	names, ids := set{}, set{}
	for _, c := range sc.consumers {
		if len(c.IPAddresses) == 0 {
			continue
		}
		names.add(c.Name)
		names.add(c.RenamedFrom...)
		ids.add(c.Adopt)
	}
	if len(names) == 0 {
		return
	}
	enis := set{}
	var want []int
	for i := range eps {
		ep := &eps[i]
		if ids[ep.ID] || (ep.Tags[TagProject] == rd.m.Project && names[ep.Tags[TagName]]) {
			if len(ep.NetworkInterfaceIDs) > 0 {
				enis.add(ep.NetworkInterfaceIDs...)
				want = append(want, i)
			}
		}
	}
	if len(enis) == 0 {
		return
	}
	api, ok := sc.ec2.(ENIAPI)
	if !ok {
		return // a fake without the call: addresses stay unknown
	}
	got, err := readByID(rd, ctx, sc, callInterfaces, "network-interface-id", enis, func(ctx context.Context, f []ec2types.Filter, token *string) ([]ec2types.NetworkInterface, *string, error) {
		out, err := api.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{MaxResults: aws.Int32(pageSize), Filters: f, NextToken: token})
		return listed(out, err, func(o *ec2.DescribeNetworkInterfacesOutput) ([]ec2types.NetworkInterface, *string) {
			return o.NetworkInterfaces, o.NextToken
		})
	})
	if err != nil {
		return
	}
	byID := map[string]ENIAddress{}
	for _, n := range got {
		a := ENIAddress{SubnetID: aws.ToString(n.SubnetId), IPv4: aws.ToString(n.PrivateIpAddress)}
		for _, v6 := range n.Ipv6Addresses {
			if a.IPv6 == "" || aws.ToBool(v6.IsPrimaryIpv6) {
				a.IPv6 = aws.ToString(v6.Ipv6Address)
			}
		}
		byID[aws.ToString(n.NetworkInterfaceId)] = a
	}
	for _, i := range want {
		ep := &eps[i]
		for _, id := range ep.NetworkInterfaceIDs {
			if a, ok := byID[id]; ok {
				ep.Addresses = append(ep.Addresses, a)
			}
		}
		sort.Slice(ep.Addresses, func(x, y int) bool { return ep.Addresses[x].SubnetID < ep.Addresses[y].SubnetID })
		ep.AddressesRead = true
	}
}
