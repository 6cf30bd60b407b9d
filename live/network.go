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
	seen := set{}
	page := func(ctx context.Context, f []ec2types.Filter, token *string) (*string, error) {
		out, err := sc.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(pageSize), Filters: f, NextToken: token})
		if err != nil {
			return nil, err
		}
		for _, s := range out.Subnets {
			id := aws.ToString(s.SubnetId)
			if seen[id] {
				continue
			}
			seen.add(id)
			sn := Subnet{AccountID: sc.AccountID, Region: sc.Region, ID: id,
				VPCID: aws.ToString(s.VpcId), Zone: aws.ToString(s.AvailabilityZone), ZoneID: aws.ToString(s.AvailabilityZoneId),
				CIDR: aws.ToString(s.CidrBlock)}
			for _, a := range s.Ipv6CidrBlockAssociationSet {
				if a.Ipv6CidrBlockState == nil || a.Ipv6CidrBlockState.State == ec2types.SubnetCidrBlockStateCodeAssociated {
					sn.IPv6CIDR = aws.ToString(a.Ipv6CidrBlock)
					break
				}
			}
			got = append(got, sn)
		}
		return out.NextToken, nil
	}
	if len(sc.vpcs) > 0 {
		if err := rd.readByID(ctx, sc, callSubnets, "vpc-id", sc.vpcs, page); err != nil {
			return
		}
	}
	missing := set{}
	for id := range sc.subnets {
		if !seen[id] {
			missing.add(id)
		}
	}
	if len(missing) > 0 {
		if err := rd.readByID(ctx, sc, callSubnets, "subnet-id", missing, page); err != nil {
			return
		}
	}
	rd.add(func(s *Snapshot) { s.Subnets = append(s.Subnets, got...) })
}

func (rd *reader) readVPCs(ctx context.Context, sc *scopeState) {
	var got []VPC
	err := rd.readByID(ctx, sc, callVPCs, "vpc-id", sc.vpcs, func(ctx context.Context, f []ec2types.Filter, token *string) (*string, error) {
		out, err := sc.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(pageSize), Filters: f, NextToken: token})
		if err != nil {
			return nil, err
		}
		for _, v := range out.Vpcs {
			got = append(got, VPC{AccountID: sc.AccountID, Region: sc.Region, ID: aws.ToString(v.VpcId), CIDR: aws.ToString(v.CidrBlock)})
		}
		return out.NextToken, nil
	})
	if err == nil {
		rd.add(func(s *Snapshot) { s.VPCs = append(s.VPCs, got...) })
	}
}

func (rd *reader) readGroups(ctx context.Context, sc *scopeState) {
	var got []SecurityGroup
	err := rd.readByID(ctx, sc, callGroups, "group-id", sc.groups, func(ctx context.Context, f []ec2types.Filter, token *string) (*string, error) {
		out, err := sc.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(pageSize), Filters: f, NextToken: token})
		if err != nil {
			return nil, err
		}
		for _, g := range out.SecurityGroups {
			got = append(got, SecurityGroup{AccountID: sc.AccountID, Region: sc.Region, ID: aws.ToString(g.GroupId),
				VPCID: aws.ToString(g.VpcId), Name: aws.ToString(g.GroupName)})
		}
		return out.NextToken, nil
	})
	if err == nil {
		rd.add(func(s *Snapshot) { s.SecurityGroups = append(s.SecurityGroups, got...) })
	}
}
