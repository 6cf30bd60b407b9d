package live

import (
	"context"
	"slices"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// callInterfaces is the read of the network interfaces of the subnets
// consumers fix addresses in: made only in an account-region with a
// consumer that fixes its addresses (ipAddresses). DescribeVpcEndpoints
// names an endpoint's interfaces (NetworkInterfaceIds) but not their
// addresses, and another interface may already hold a fixed address.
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

// NetworkInterface is a network interface (of any kind: an endpoint's, an
// instance's, a load balancer's) that holds an address a consumer of its
// account-region fixes in its subnet (ipAddresses): the plan reports the
// address as taken unless the interface is the consumer's own endpoint's.
type NetworkInterface struct {
	AccountID   string `json:"accountId"`
	Region      string `json:"region"`
	ID          string `json:"id"`
	SubnetID    string `json:"subnetId"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type,omitempty"`
	// Addresses are the fixed addresses it holds (only those: its others
	// are no concern of the plan's).
	Addresses []string `json:"addresses"`
}

// readAddresses reads the network interfaces of the subnets the scope's
// consumers fix addresses in (ipAddresses), with one DescribeNetworkInterfaces
// call (by subnet-id filter) and none when no consumer there fixes
// addresses. It fills in Addresses of the endpoints of eps that belong to
// such a consumer, and keeps as Interfaces those that hold a fixed address.
func (rd *reader) readAddresses(ctx context.Context, sc *scopeState, eps []Endpoint) {
	names, ids, subnets := set{}, set{}, set{}
	fixed := set{} // "SUBNET=ADDRESS" a consumer of the scope fixes
	for _, c := range sc.consumers {
		if len(c.IPAddresses) == 0 {
			continue
		}
		names.add(c.Name)
		names.add(c.RenamedFrom...)
		ids.add(c.Adopt)
		for sn, ips := range c.IPAddresses {
			if ips == nil {
				continue
			}
			subnets.add(sn)
			for _, a := range []string{ips.IPv4, ips.IPv6} {
				if a != "" {
					fixed.add(sn + "=" + a)
				}
			}
		}
	}
	if len(subnets) == 0 {
		return
	}
	api, ok := sc.ec2.(ENIAPI)
	if !ok {
		return // a fake without the call: addresses stay unknown
	}
	got, err := readByID(rd, ctx, sc, callInterfaces, "subnet-id", subnets, func(ctx context.Context, f []ec2types.Filter, token *string) ([]ec2types.NetworkInterface, *string, error) {
		out, err := api.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{MaxResults: aws.Int32(pageSize), Filters: f, NextToken: token})
		return listed(out, err, func(o *ec2.DescribeNetworkInterfacesOutput) ([]ec2types.NetworkInterface, *string) {
			return o.NetworkInterfaces, o.NextToken
		})
	})
	if err != nil {
		return
	}
	byID := map[string]ENIAddress{}
	var holders []NetworkInterface
	for _, n := range got {
		sn := aws.ToString(n.SubnetId)
		a := ENIAddress{SubnetID: sn, IPv4: aws.ToString(n.PrivateIpAddress)}
		var all []string
		for _, p := range n.PrivateIpAddresses {
			all = append(all, aws.ToString(p.PrivateIpAddress))
		}
		if a.IPv4 != "" && !slices.Contains(all, a.IPv4) {
			all = append(all, a.IPv4)
		}
		for _, v6 := range n.Ipv6Addresses {
			all = append(all, aws.ToString(v6.Ipv6Address))
			if a.IPv6 == "" || aws.ToBool(v6.IsPrimaryIpv6) {
				a.IPv6 = aws.ToString(v6.Ipv6Address)
			}
		}
		byID[aws.ToString(n.NetworkInterfaceId)] = a
		var held []string
		for _, addr := range all {
			if fixed[sn+"="+addr] {
				held = append(held, addr)
			}
		}
		if len(held) > 0 {
			sort.Strings(held)
			holders = append(holders, NetworkInterface{AccountID: sc.AccountID, Region: sc.Region, ID: aws.ToString(n.NetworkInterfaceId),
				SubnetID: sn, Description: aws.ToString(n.Description), Type: string(n.InterfaceType), Addresses: held})
		}
	}
	for i := range eps {
		ep := &eps[i]
		if len(ep.NetworkInterfaceIDs) == 0 || !ids[ep.ID] && (ep.Tags[TagProject] != rd.m.Project || !names[ep.Tags[TagName]]) {
			continue
		}
		for _, id := range ep.NetworkInterfaceIDs {
			if a, ok := byID[id]; ok {
				ep.Addresses = append(ep.Addresses, a)
			}
		}
		sort.Slice(ep.Addresses, func(x, y int) bool { return ep.Addresses[x].SubnetID < ep.Addresses[y].SubnetID })
		ep.AddressesRead = true
	}
	if len(holders) > 0 {
		rd.add(func(s *Snapshot) { s.Interfaces = append(s.Interfaces, holders...) })
	}
}
