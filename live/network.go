package live

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// The subnets, VPCs and security groups consumers name, read by id filter
// (readByID) so that an id that does not exist is simply absent.

func (rd *reader) readSubnets(ctx context.Context, sc *scopeState) {
	var got []Subnet
	err := rd.readByID(ctx, sc, callSubnets, "subnet-id", sc.subnets, func(ctx context.Context, f []ec2types.Filter, token *string) (*string, error) {
		out, err := sc.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(pageSize), Filters: f, NextToken: token})
		if err != nil {
			return nil, err
		}
		for _, s := range out.Subnets {
			got = append(got, Subnet{AccountID: sc.AccountID, Region: sc.Region, ID: aws.ToString(s.SubnetId),
				VPCID: aws.ToString(s.VpcId), Zone: aws.ToString(s.AvailabilityZone), ZoneID: aws.ToString(s.AvailabilityZoneId),
				CIDR: aws.ToString(s.CidrBlock)})
		}
		return out.NextToken, nil
	})
	if err == nil {
		rd.add(func(s *Snapshot) { s.Subnets = append(s.Subnets, got...) })
	}
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
