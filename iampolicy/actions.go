package iampolicy

// The action lists below are the single source of truth for what plink
// calls in AWS; TestPolicyCoversSandboxCalls runs every flow against the
// sandbox and fails when plink makes a call that is not listed here.
//
// Resource types and condition keys follow the Service Authorization
// Reference for Amazon EC2, "Actions, resources, and condition keys for
// Amazon EC2" (SrcEC2) and for AWS PrivateLink (SrcVPCE), as package
// awsauthz keeps them as data (checked against the reference's pages at
// awsauthz.DataCommit); the sandbox evaluates the printed policies against
// them:
//   - The Describe* calls plink makes support no resource-level
//     permissions (Resource "*"), except DescribeVpcEndpointServicePermissions,
//     which is authorized on the vpc-endpoint-service it names.
//   - CreateVpcEndpointServiceConfiguration: vpc-endpoint-service, with
//     aws:RequestTag/${TagKey} and aws:TagKeys.
//   - Modify/DeleteVpcEndpointServiceConfiguration(s),
//     ModifyVpcEndpointServicePermissions, Accept/RejectVpcEndpointConnections:
//     vpc-endpoint-service, with aws:ResourceTag/${TagKey}.
//   - Create/Modify/DeleteVpcEndpointConnectionNotification(s): the
//     vpc-endpoint or vpc-endpoint-service the notification is for, with
//     aws:ResourceTag/${TagKey}; plink's are all on services.
//   - CreateVpcEndpoint: vpc-endpoint (aws:RequestTag/${TagKey},
//     ec2:VpceServiceName, ec2:VpceServiceOwner) plus the vpc and each
//     subnet, security group and route table the request names; no
//     vpc-endpoint-service, so the service's tags cannot scope it (only its
//     name and owner: Live).
//   - ModifyVpcEndpoint: vpc-endpoint (aws:ResourceTag/${TagKey}) plus each
//     subnet, security group and route table it adds or removes; ec2:Vpc is
//     a key of its subnets and security groups, not of its route tables.
//   - DeleteVpcEndpoints: vpc-endpoint (aws:ResourceTag/${TagKey}).
//   - vpce:AllowMultiRegion (SrcVPCE): a permission-only action on the
//     vpc-endpoint or vpc-endpoint-service, without condition keys.
//   - CreateTags: the tagged resource, with aws:RequestTag/${TagKey} and
//     ec2:CreateAction (to allow it only as part of a create call).
//   - CreatePlacementGroup: placement-group, with aws:RequestTag/${TagKey};
//     DeletePlacementGroup, CreateTags, DeleteTags: placement-group, with
//     aws:ResourceTag/${TagKey}; DescribePlacementGroups: "*". (The
//     project's lease, package lease.)
//   - sts:GetCallerIdentity needs no permission (SrcGetCallerIdentity).
//   - sns:GetTopicAttributes: topic (SrcSNS).

// Sources cited above.
const (
	SrcEC2               = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html"
	SrcVPCE              = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsprivatelink.html"
	SrcGetCallerIdentity = "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html"
	SrcSNS               = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html"
)

// readEC2 are the EC2 reads of plan and drift (the live reader).
var readEC2 = []string{
	"ec2:DescribeAvailabilityZones",
	"ec2:DescribeNetworkInterfaces", // fixed endpoint addresses (ipAddresses)
	"ec2:DescribeRouteTables",       // gateway consumers' route tables
	"ec2:DescribeSecurityGroups",
	"ec2:DescribeSubnets",
	"ec2:DescribeVpcEndpointConnectionNotifications",
	"ec2:DescribeVpcEndpointConnections",
	"ec2:DescribeVpcEndpointServiceConfigurations",
	"ec2:DescribeVpcEndpointServices",
	"ec2:DescribeVpcEndpoints",
	"ec2:DescribeVpcs",
}

// readELB are the load balancer reads of plan and drift.
var readELB = []string{
	"elasticloadbalancing:DescribeLoadBalancers",
}

// readTopics reads the access policy of the SNS topics the providers'
// notifications name: plink plan only, for lint PL117; authorized on the
// topic (SrcSNS).
var readTopics = []string{"sns:GetTopicAttributes"}

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
	"ec2:DescribeVpcEndpoints",
}

// readServicePermissions reads the allowed principals of the account's
// services (plan, drift, export): authorized on the service.
var readServicePermissions = []string{"ec2:DescribeVpcEndpointServicePermissions"}

// createService creates endpoint services (tagged on create).
var createService = []string{"ec2:CreateVpcEndpointServiceConfiguration"}

// manageService changes and handles connections of endpoint services that
// carry the project tag (provider accounts).
var manageService = []string{
	"ec2:AcceptVpcEndpointConnections",
	"ec2:ModifyVpcEndpointServiceConfiguration",
	"ec2:ModifyVpcEndpointServicePermissions",
	"ec2:RejectVpcEndpointConnections",
}

// deleteService deletes endpoint services that carry the project tag and
// their notifications (any account: a provider removed from the manifest).
var deleteService = []string{
	"ec2:DeleteVpcEndpointConnectionNotifications",
	"ec2:DeleteVpcEndpointServiceConfigurations",
}

// decideConnections are the writes of plink connections, on the project's
// endpoint services.
var decideConnections = []string{
	"ec2:AcceptVpcEndpointConnections",
	"ec2:RejectVpcEndpointConnections",
}

// manageNotifications creates and changes connection notifications on the
// project's services (accounts whose providers declare notifications).
var manageNotifications = []string{
	"ec2:CreateVpcEndpointConnectionNotification",
	"ec2:ModifyVpcEndpointConnectionNotification",
}

// createEndpoint creates interface endpoints (tagged on create).
var createEndpoint = []string{"ec2:CreateVpcEndpoint"}

// changeEndpoint is the action that adds and removes subnets, security
// groups and route tables.
var changeEndpoint = []string{"ec2:ModifyVpcEndpoint"}

// manageEndpoint changes and deletes endpoints that carry the project tag.
var manageEndpoint = []string{"ec2:DeleteVpcEndpoints", "ec2:ModifyVpcEndpoint"}

// retag sets tags on resources that already carry the project tag; untag
// removes them.
var retag = []string{"ec2:CreateTags"}

var untag = []string{"ec2:DeleteTags"}

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
var manageLease = []string{"ec2:CreateTags", "ec2:DeletePlacementGroup"}

// withdrawLease removes the holder's tag from the lease (a take-over that
// was too slow withdraws): that tag only.
var withdrawLease = []string{"ec2:DeleteTags"}

// findZones finds the public hosted zone of a provider's private DNS
// name (live/route53.go): no resource-level permissions (awsauthz).
var findZones = []string{"route53:ListHostedZonesByName"}

// readRecords reads a verification record: on its hosted zone.
var readRecords = []string{"route53:ListResourceRecordSets"}

// writeRecords writes and deletes verification records (apply): on the
// hosted zone, with the record's type, name and action as keys.
var writeRecords = []string{"route53:ChangeResourceRecordSets"}

// waitChange waits until a record change is INSYNC: on change/ID.
var waitChange = []string{"route53:GetChange"}

// verifyDNS starts the verification of a service's private DNS name once
// its record is published.
var verifyDNS = []string{"ec2:StartVpcEndpointServicePrivateDnsVerification"}

// setPayer sets a service's payer responsibility.
var setPayer = []string{"ec2:ModifyVpcEndpointServicePayerResponsibility"}

// tagPermissions tags allowed principals' permissions (vpce-svc-perm-…).
var tagPermissions = []string{"ec2:CreateTags", "ec2:DeleteTags"}

// readLatticeTargets and readLatticeGateways are plink plan's reads of
// Resource and ServiceNetwork consumers' targets (live/lattice.go).
var (
	readLatticeTargets  = []string{"vpc-lattice:GetResourceConfiguration", "vpc-lattice:GetServiceNetwork"}
	readLatticeGateways = []string{"vpc-lattice:GetResourceGateway"}
)

// associateServiceNetworks is the permission VPC Lattice checks besides
// ec2:CreateVpcEndpoint for a ServiceNetwork endpoint (awsauthz); it
// supports no resource-level permissions.
var associateServiceNetworks = []string{"vpc-lattice:CreateServiceNetworkVpcEndpointAssociation"}

// decodeDenials reads the reason of a refused write (the encoded message
// of EC2's UnauthorizedOperation): apply and connections when a call is
// refused, iam-policy --check for each denial. No resource-level
// permissions (awsauthz.SrcSTS).
var decodeDenials = []string{"sts:DecodeAuthorizationMessage"}

// assumeRole is what the operator identity needs on each account's role.
var assumeRole = []string{"sts:AssumeRole"}

// multiRegion is the permission-only action AWS checks for cross-region
// PrivateLink: creating, changing or deleting an endpoint to a service in
// another region or a service with supported regions, and accepting or
// rejecting an endpoint in another region.
var multiRegion = []string{"vpce:AllowMultiRegion"}
