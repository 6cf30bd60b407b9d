package live

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// The subnets, VPCs and security groups consumers name, read by id filter
// (readByID) so that an id that does not exist is simply absent.

// readSubnets reads every subnet of the consumers' VPCs, not only the ones
// they name: an AZ the VPC has and the endpoint does not cover (PL102) is
// seen only that way. A named subnet outside those VPCs (a mistake the plan
// reports) is read by id in a second call, made only when one is missing.
func (rd *reader) readSubnets(ctx context.Context, sc *scopeState) {
	var got []Subnet
	err := readInVPCs(rd, ctx, sc, callSubnets, sc.vpcs, "subnet-id", sc.subnets, func(ctx context.Context, f []ec2types.Filter, token *string) ([]ec2types.Subnet, *string, error) {
		out, err := sc.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(pageSize), Filters: f, NextToken: token})
		return listed(out, err, func(o *ec2.DescribeSubnetsOutput) ([]ec2types.Subnet, *string) { return o.Subnets, o.NextToken })
	}, func(s ec2types.Subnet) string { return aws.ToString(s.SubnetId) }, func(s ec2types.Subnet) {
		sn := Subnet{AccountID: sc.AccountID, Region: sc.Region, ID: aws.ToString(s.SubnetId),
			VPCID: aws.ToString(s.VpcId), Zone: aws.ToString(s.AvailabilityZone), ZoneID: aws.ToString(s.AvailabilityZoneId),
			CIDR: aws.ToString(s.CidrBlock)}
		for _, a := range s.Ipv6CidrBlockAssociationSet {
			if a.Ipv6CidrBlockState == nil || a.Ipv6CidrBlockState.State == ec2types.SubnetCidrBlockStateCodeAssociated {
				sn.IPv6CIDR = aws.ToString(a.Ipv6CidrBlock)
				break
			}
		}
		got = append(got, sn)
	})
	if err == nil {
		rd.add(func(s *Snapshot) { s.Subnets = append(s.Subnets, got...) })
	}
}

// readInVPCs reads by id filter (readByID) the resources of the VPCs vpcs
// and then, in a second call made only when some of the named ids were not
// among them, those ids by idFilter: a named resource outside those VPCs (a
// mistake the plan reports) is seen only that way. keep takes each
// resource once (id gives its id), in the order read.
func readInVPCs[T any](rd *reader, ctx context.Context, sc *scopeState, call string, vpcs set, idFilter string, named set,
	page func(ctx context.Context, filters []ec2types.Filter, token *string) ([]T, *string, error), id func(T) string, keep func(T)) error {
	seen := set{}
	once := func(items []T) {
		for _, x := range items {
			if k := id(x); !seen[k] {
				seen.add(k)
				keep(x)
			}
		}
	}
	if len(vpcs) > 0 {
		items, err := readByID(rd, ctx, sc, call, "vpc-id", vpcs, page)
		if err != nil {
			return err
		}
		once(items)
	}
	missing := set{}
	for n := range named {
		if !seen[n] {
			missing.add(n)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	items, err := readByID(rd, ctx, sc, call, idFilter, missing, page)
	if err != nil {
		return err
	}
	once(items)
	return nil
}

// readNamed reads by id filter (readByID) the resources of one kind that
// consumers name and adds them, each as convert makes it, to the
// snapshot's slice into.
func readNamed[Item, T any](rd *reader, ctx context.Context, sc *scopeState, call, filter string, ids set,
	page func(ctx context.Context, filters []ec2types.Filter, token *string) ([]Item, *string, error),
	convert func(Item) T, into func(*Snapshot) *[]T) {
	items, err := readByID(rd, ctx, sc, call, filter, ids, page)
	if err != nil {
		return
	}
	var got []T
	for _, x := range items {
		got = append(got, convert(x))
	}
	rd.add(func(s *Snapshot) { *into(s) = append(*into(s), got...) })
}

func (rd *reader) readVPCs(ctx context.Context, sc *scopeState) {
	readNamed(rd, ctx, sc, callVPCs, "vpc-id", sc.vpcs, func(ctx context.Context, f []ec2types.Filter, token *string) ([]ec2types.Vpc, *string, error) {
		out, err := sc.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(pageSize), Filters: f, NextToken: token})
		return listed(out, err, func(o *ec2.DescribeVpcsOutput) ([]ec2types.Vpc, *string) { return o.Vpcs, o.NextToken })
	}, func(v ec2types.Vpc) VPC {
		return VPC{AccountID: sc.AccountID, Region: sc.Region, ID: aws.ToString(v.VpcId), CIDR: aws.ToString(v.CidrBlock)}
	}, func(s *Snapshot) *[]VPC { return &s.VPCs })
}

func (rd *reader) readGroups(ctx context.Context, sc *scopeState) {
	readNamed(rd, ctx, sc, callGroups, "group-id", sc.groups, func(ctx context.Context, f []ec2types.Filter, token *string) ([]ec2types.SecurityGroup, *string, error) {
		out, err := sc.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(pageSize), Filters: f, NextToken: token})
		return listed(out, err, func(o *ec2.DescribeSecurityGroupsOutput) ([]ec2types.SecurityGroup, *string) {
			return o.SecurityGroups, o.NextToken
		})
	}, func(g ec2types.SecurityGroup) SecurityGroup {
		return SecurityGroup{AccountID: sc.AccountID, Region: sc.Region, ID: aws.ToString(g.GroupId),
			VPCID: aws.ToString(g.VpcId), Name: aws.ToString(g.GroupName)}
	}, func(s *Snapshot) *[]SecurityGroup { return &s.SecurityGroups })
}
