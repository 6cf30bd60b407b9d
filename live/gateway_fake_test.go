package live

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// DescribeRouteTables makes fakeAWS an EC2API; its tests declare no
// gateway consumers, so it is never called there.
func (f *fakeAWS) DescribeRouteTables(_ context.Context, in *ec2.DescribeRouteTablesInput, _ ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error) {
	defer f.leave()
	if err := f.enter(callRouteTables, in); err != nil {
		return nil, err
	}
	return &ec2.DescribeRouteTablesOutput{}, nil
}
