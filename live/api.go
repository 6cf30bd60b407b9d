package live

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/plinkdev/plink/awsenv"
)

// EC2API is the part of the EC2 client the reader calls; *ec2.Client
// satisfies it and unit tests fake it.
type EC2API interface {
	DescribeVpcEndpointServiceConfigurations(context.Context, *ec2.DescribeVpcEndpointServiceConfigurationsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServiceConfigurationsOutput, error)
	DescribeVpcEndpointServicePermissions(context.Context, *ec2.DescribeVpcEndpointServicePermissionsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServicePermissionsOutput, error)
	DescribeVpcEndpointConnections(context.Context, *ec2.DescribeVpcEndpointConnectionsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointConnectionsOutput, error)
	DescribeVpcEndpointConnectionNotifications(context.Context, *ec2.DescribeVpcEndpointConnectionNotificationsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointConnectionNotificationsOutput, error)
	DescribeVpcEndpoints(context.Context, *ec2.DescribeVpcEndpointsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error)
	DescribeVpcEndpointServices(context.Context, *ec2.DescribeVpcEndpointServicesInput, ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServicesOutput, error)
	DescribeAvailabilityZones(context.Context, *ec2.DescribeAvailabilityZonesInput, ...func(*ec2.Options)) (*ec2.DescribeAvailabilityZonesOutput, error)
	DescribeSubnets(context.Context, *ec2.DescribeSubnetsInput, ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error)
	DescribeVpcs(context.Context, *ec2.DescribeVpcsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error)
	DescribeSecurityGroups(context.Context, *ec2.DescribeSecurityGroupsInput, ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
	DescribeRouteTables(context.Context, *ec2.DescribeRouteTablesInput, ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error)
}

// ELBAPI is the part of the ELBv2 client the reader calls.
type ELBAPI interface {
	DescribeLoadBalancers(context.Context, *elbv2.DescribeLoadBalancersInput, ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error)
}

// ClientSource hands out SDK clients per account alias and region;
// *awsenv.Resolver satisfies it.
type ClientSource = awsenv.ClientSource

// APISource hands out the reader's narrow APIs per account alias and region.
// ReadAPIs takes one, so tests can read from fakes.
type APISource interface {
	APIs(ctx context.Context, account, region string) (EC2API, ELBAPI, error)
}

// APISourceFunc adapts a function to APISource.
type APISourceFunc func(ctx context.Context, account, region string) (EC2API, ELBAPI, error)

// APIs calls f.
func (f APISourceFunc) APIs(ctx context.Context, account, region string) (EC2API, ELBAPI, error) {
	return f(ctx, account, region)
}

type clientAPIs struct{ src ClientSource }

func (c clientAPIs) APIs(ctx context.Context, account, region string) (EC2API, ELBAPI, error) {
	cl, err := c.src.ClientsFor(ctx, account, region)
	if err != nil {
		return nil, nil, err
	}
	return cl.EC2, cl.ELB, nil
}
