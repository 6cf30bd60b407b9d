package apply

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/awsenv"
)

// EC2API is the part of *ec2.Client that apply calls. *ec2.Client satisfies it.
type EC2API interface {
	CreateVpcEndpointServiceConfiguration(ctx context.Context, in *ec2.CreateVpcEndpointServiceConfigurationInput, optFns ...func(*ec2.Options)) (*ec2.CreateVpcEndpointServiceConfigurationOutput, error)
	ModifyVpcEndpointServiceConfiguration(ctx context.Context, in *ec2.ModifyVpcEndpointServiceConfigurationInput, optFns ...func(*ec2.Options)) (*ec2.ModifyVpcEndpointServiceConfigurationOutput, error)
	DeleteVpcEndpointServiceConfigurations(ctx context.Context, in *ec2.DeleteVpcEndpointServiceConfigurationsInput, optFns ...func(*ec2.Options)) (*ec2.DeleteVpcEndpointServiceConfigurationsOutput, error)
	DescribeVpcEndpointServiceConfigurations(ctx context.Context, in *ec2.DescribeVpcEndpointServiceConfigurationsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServiceConfigurationsOutput, error)
	ModifyVpcEndpointServicePermissions(ctx context.Context, in *ec2.ModifyVpcEndpointServicePermissionsInput, optFns ...func(*ec2.Options)) (*ec2.ModifyVpcEndpointServicePermissionsOutput, error)

	CreateVpcEndpoint(ctx context.Context, in *ec2.CreateVpcEndpointInput, optFns ...func(*ec2.Options)) (*ec2.CreateVpcEndpointOutput, error)
	ModifyVpcEndpoint(ctx context.Context, in *ec2.ModifyVpcEndpointInput, optFns ...func(*ec2.Options)) (*ec2.ModifyVpcEndpointOutput, error)
	DeleteVpcEndpoints(ctx context.Context, in *ec2.DeleteVpcEndpointsInput, optFns ...func(*ec2.Options)) (*ec2.DeleteVpcEndpointsOutput, error)
	DescribeVpcEndpoints(ctx context.Context, in *ec2.DescribeVpcEndpointsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error)

	AcceptVpcEndpointConnections(ctx context.Context, in *ec2.AcceptVpcEndpointConnectionsInput, optFns ...func(*ec2.Options)) (*ec2.AcceptVpcEndpointConnectionsOutput, error)
	RejectVpcEndpointConnections(ctx context.Context, in *ec2.RejectVpcEndpointConnectionsInput, optFns ...func(*ec2.Options)) (*ec2.RejectVpcEndpointConnectionsOutput, error)
	DescribeVpcEndpointConnections(ctx context.Context, in *ec2.DescribeVpcEndpointConnectionsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointConnectionsOutput, error)

	CreateVpcEndpointConnectionNotification(ctx context.Context, in *ec2.CreateVpcEndpointConnectionNotificationInput, optFns ...func(*ec2.Options)) (*ec2.CreateVpcEndpointConnectionNotificationOutput, error)
	ModifyVpcEndpointConnectionNotification(ctx context.Context, in *ec2.ModifyVpcEndpointConnectionNotificationInput, optFns ...func(*ec2.Options)) (*ec2.ModifyVpcEndpointConnectionNotificationOutput, error)
	DeleteVpcEndpointConnectionNotifications(ctx context.Context, in *ec2.DeleteVpcEndpointConnectionNotificationsInput, optFns ...func(*ec2.Options)) (*ec2.DeleteVpcEndpointConnectionNotificationsOutput, error)
	DescribeVpcEndpointConnectionNotifications(ctx context.Context, in *ec2.DescribeVpcEndpointConnectionNotificationsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointConnectionNotificationsOutput, error)

	CreateTags(ctx context.Context, in *ec2.CreateTagsInput, optFns ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error)
	DeleteTags(ctx context.Context, in *ec2.DeleteTagsInput, optFns ...func(*ec2.Options)) (*ec2.DeleteTagsOutput, error)
}

var _ EC2API = (*ec2.Client)(nil)

// Clients gives the EC2 client for an account (the manifest alias,
// plan.Change.Account) in a region. Implementations should configure the
// SDK's adaptive retry mode: apply leaves throttling to it.
type Clients interface {
	EC2(ctx context.Context, account, region string) (EC2API, error)
}

// ClientsFunc adapts a function to Clients.
type ClientsFunc func(ctx context.Context, account, region string) (EC2API, error)

// EC2 calls f.
func (f ClientsFunc) EC2(ctx context.Context, account, region string) (EC2API, error) {
	return f(ctx, account, region)
}

// FromClientSource adapts an awsenv.ClientSource (an *awsenv.Resolver) to
// Clients, through awsenv.Client. It gives Route 53 clients too
// (DNSClients).
func FromClientSource(src awsenv.ClientSource) Clients { return sourceClients{src} }

type sourceClients struct{ src awsenv.ClientSource }

func (s sourceClients) EC2(ctx context.Context, account, region string) (EC2API, error) {
	return awsenv.Client(ctx, s.src, account, region, "EC2", func(c *awsenv.Clients) EC2API { return c.EC2 })
}

// Route53 is the account's Route 53 client (signed for Route 53's region).
func (s sourceClients) Route53(ctx context.Context, account, region string) (Route53API, error) {
	return awsenv.Client(ctx, s.src, account, region, "Route 53", func(c *awsenv.Clients) Route53API { return c.Route53() })
}
