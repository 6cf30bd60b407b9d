package iampolicy

// The action lists below are the single source of truth for what plink
// calls in AWS; TestPolicyCoversSandboxCalls runs every flow against the
// sandbox and fails when plink makes a call that is not listed here.
//
// Resource types and condition keys follow the Service Authorization
// Reference for Amazon EC2 ("Actions, resources, and condition keys for
// Amazon EC2"):
//   - Describe* actions support no resource-level permissions: Resource "*".
//   - CreateVpcEndpointServiceConfiguration: vpc-endpoint-service, with
//     aws:RequestTag/${TagKey} and aws:TagKeys.
//   - Modify/DeleteVpcEndpointServiceConfiguration(s),
//     ModifyVpcEndpointServicePermissions, Accept/RejectVpcEndpointConnections,
//     StartVpcEndpointServicePrivateDnsVerification,
//     CreateVpcEndpointConnectionNotification: vpc-endpoint-service, with
//     aws:ResourceTag/${TagKey}.
//   - CreateVpcEndpoint: vpc-endpoint (aws:RequestTag/${TagKey}) plus the
//     vpc, subnet and security-group it uses (no tag condition on those).
//   - ModifyVpcEndpoint: vpc-endpoint (aws:ResourceTag/${TagKey}) plus the
//     subnets, security groups and route tables (gateway endpoints) it adds.
//   - DeleteVpcEndpoints: vpc-endpoint (aws:ResourceTag/${TagKey}).
//   - CreateTags: the tagged resource, with ec2:CreateAction to allow it only
//     as part of a create call.
//   - CreatePlacementGroup: placement-group, with aws:RequestTag/${TagKey};
//     DeletePlacementGroup, CreateTags, DeleteTags: placement-group, with
//     aws:ResourceTag/${TagKey}; DescribePlacementGroups: "*". (The
//     project's lease, package lease.)
//   - Modify/DeleteVpcEndpointConnectionNotification(s) take a notification
//     id whose resource type the reference does not scope by tag; plink
//     grants them on "*" limited to the manifest's regions by
//     aws:RequestedRegion.

// readEC2 are the EC2 reads of plan and drift (the live reader).
var readEC2 = []string{
	"ec2:DescribeAvailabilityZones",
	"ec2:DescribeRouteTables", // gateway consumers' route tables
	"ec2:DescribeSecurityGroups",
	"ec2:DescribeSubnets",
	"ec2:DescribeVpcEndpointConnectionNotifications",
	"ec2:DescribeVpcEndpointConnections",
	"ec2:DescribeVpcEndpointServiceConfigurations",
	"ec2:DescribeVpcEndpointServicePermissions",
	"ec2:DescribeVpcEndpointServices",
	"ec2:DescribeVpcEndpoints",
	"ec2:DescribeVpcs",
}

// readELB are the load balancer reads of plan and drift.
var readELB = []string{
	"elasticloadbalancing:DescribeLoadBalancers",
	"elasticloadbalancing:DescribeTags",
}

// readTargetHealth are the reads plan (lint PL116) and drift (item
// target_health) add: the target health behind the services of providers
// that have consumers (status.ReadTargetHealth). None supports
// resource-level permissions.
var readTargetHealth = []string{
	"elasticloadbalancing:DescribeLoadBalancerAttributes",
	"elasticloadbalancing:DescribeTargetGroups",
	"elasticloadbalancing:DescribeTargetHealth",
}

// readStatus are the reads plink status adds to plan's: target health
// behind the services and endpoint and service metrics. None of them
// supports resource-level permissions.
var readStatus = []string{
	"cloudwatch:GetMetricData",
	"elasticloadbalancing:DescribeLoadBalancerAttributes",
	"elasticloadbalancing:DescribeTargetGroups",
	"elasticloadbalancing:DescribeTargetHealth",
}

// readExport are the reads of export: services with their permissions,
// notifications and connections, and endpoints.
var readExport = []string{
	"ec2:DescribeVpcEndpointConnectionNotifications",
	"ec2:DescribeVpcEndpointConnections",
	"ec2:DescribeVpcEndpointServiceConfigurations",
	"ec2:DescribeVpcEndpointServicePermissions",
	"ec2:DescribeVpcEndpoints",
}

// identity is called by every mode to check which account a credential
// reaches.
var identity = []string{"sts:GetCallerIdentity"}

// createService creates endpoint services (tagged on create).
var createService = []string{"ec2:CreateVpcEndpointServiceConfiguration"}

// manageService changes, deletes and handles connections of endpoint
// services that carry the project tag.
var manageService = []string{
	"ec2:AcceptVpcEndpointConnections",
	"ec2:CreateVpcEndpointConnectionNotification",
	"ec2:DeleteVpcEndpointServiceConfigurations",
	"ec2:ModifyVpcEndpointServiceConfiguration",
	"ec2:ModifyVpcEndpointServicePermissions",
	"ec2:RejectVpcEndpointConnections",
	"ec2:StartVpcEndpointServicePrivateDnsVerification",
}

// decideConnections are the writes of plink connections, on the project's
// endpoint services.
var decideConnections = []string{
	"ec2:AcceptVpcEndpointConnections",
	"ec2:RejectVpcEndpointConnections",
}

// manageNotifications changes and deletes connection notifications.
var manageNotifications = []string{
	"ec2:DeleteVpcEndpointConnectionNotifications",
	"ec2:ModifyVpcEndpointConnectionNotification",
}

// createEndpoint creates interface endpoints (tagged on create).
var createEndpoint = []string{"ec2:CreateVpcEndpoint"}

// endpointNetwork are the actions that name a VPC, subnets and security
// groups.
var endpointNetwork = []string{"ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpoint"}

// manageEndpoint changes and deletes endpoints that carry the project tag.
var manageEndpoint = []string{"ec2:DeleteVpcEndpoints", "ec2:ModifyVpcEndpoint"}

// retag changes tags of resources that already carry the project tag.
var retag = []string{"ec2:CreateTags", "ec2:DeleteTags"}

// tagOnCreate is CreateTags as part of the create calls.
var tagOnCreate = []string{"ec2:CreateTags"}

// createActions are the ec2:CreateAction values CreateTags is allowed with:
// [0] for endpoints, [1] for endpoint services.
var createActions = []string{"CreateVpcEndpoint", "CreateVpcEndpointServiceConfiguration"}

// readLease reads the project's lease (its home account only).
var readLease = []string{"ec2:DescribePlacementGroups"}

// createLease creates the lease's placement group (tagged on create).
var createLease = []string{"ec2:CreatePlacementGroup"}

// manageLease renews, takes over and releases the lease.
var manageLease = []string{"ec2:CreateTags", "ec2:DeleteTags", "ec2:DeletePlacementGroup"}

// assumeRole is what the operator identity needs on each account's role.
var assumeRole = []string{"sts:AssumeRole"}

// multiRegion is the permission-only action AWS checks for cross-region
// PrivateLink: creating an endpoint to a service in another region, and
// setting a service's supported regions.
var multiRegion = []string{"vpce:AllowMultiRegion"}
