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
	SrcVPCE        = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_vpce.html"
	SrcELB         = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html#awselasticloadbalancingv2-actions-as-permissions"
	SrcSTS         = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html#awssecuritytokenservice-actions-as-permissions"
	SrcCloudWatch  = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html#amazoncloudwatch-actions-as-permissions"
	SrcSNS         = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html#amazonsns-actions-as-permissions"
	SrcGuideIAM    = "https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-iam.html"
	SrcCFNService  = "CloudFormation's resource schema for AWS::EC2::VPCEndpointService, https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpcendpointservice.html (its create, update and delete handler permissions list vpce:AllowMultiRegion; read as rendered by the stackql awscc provider docs)"
	SrcFIS         = "https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html#disrupt-vpc-endpoint (ModifyVpcEndpoint on a cross-Region endpoint needs vpce:AllowMultiRegion)"
	SrcTagCreate   = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html (tag on create needs ec2:CreateTags; ec2:CreateAction names the create action)"
	SrcCreateVPCE  = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html"
	SrcGetCallerID = "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html (no permissions are required)"
)

// AllowMultiRegion is the permission-only action AWS PrivateLink checks in
// addition to the API action wherever a call involves another region.
const AllowMultiRegion = "vpce:AllowMultiRegion"

// ResourceType is one resource type of the reference's "Resource types"
// table: its ARN template and the condition keys it carries.
type ResourceType struct {
	// Service is the IAM prefix whose table defines the type.
	Service string
	// ARN is the template, with ${Partition}, ${Region}, ${Account} and one
	// id variable.
	ARN string
	// Keys are the condition keys AWS sets for a resource of this type.
	Keys []string
}

// Row is one resource-type line of an action: a resource of this type named
// by the request is authorized, with the type's keys and RequestKeys.
type Row struct {
	// Type names a ResourceType; "" means the action supports no
	// resource-level permissions (Resource must be "*").
	Type string
	// Required is the reference's asterisk: every call names one.
	Required bool
	// RequestKeys are keys the request itself sets on this resource
	// (aws:RequestTag/${TagKey}, aws:TagKeys, ec2:CreateAction, …).
	RequestKeys []string
}

// Action is one row of the table.
type Action struct {
	// Service is the IAM service prefix (ec2, elasticloadbalancing, sts,
	// cloudwatch, sns) and Name the API action.
	Service, Name string
	// Access is the reference's access level.
	Access string
	Rows   []Row
	// Dependent are further permissions AWS checks for some calls of this
	// action (vpce:AllowMultiRegion, ec2:CreateTags on tag-on-create).
	Dependent []string
	// MultiRegion says when vpce:AllowMultiRegion is checked ("" never).
	MultiRegion string
	// NoAuth marks an action AWS answers without any permission.
	NoAuth bool
	// Source is the citation of the row.
	Source string
	// Verified names the published source the row (or the part named) was
	// checked against in writing it; empty means the row is inferred from
	// the reference's conventions and is not verified.
	Verified string
	// Note says what is inferred, or why the row is as it is.
	Note string
}

// Permission is the "service:Name" string policies name.
func (a Action) Permission() string { return a.Service + ":" + a.Name }

var tagKeys = []string{"aws:ResourceTag/${TagKey}", "ec2:ResourceTag/${TagKey}", "ec2:Region"}

// Types are the resource types the table's rows name, by name.
var Types = map[string]ResourceType{
	"vpc":                  {"ec2", "arn:${Partition}:ec2:${Region}:${Account}:vpc/${VpcId}", append(cp(tagKeys), "ec2:Tenancy", "ec2:VpcID")},
	"subnet":               {"ec2", "arn:${Partition}:ec2:${Region}:${Account}:subnet/${SubnetId}", append(cp(tagKeys), "ec2:AvailabilityZone", "ec2:SubnetID", "ec2:Vpc")},
	"security-group":       {"ec2", "arn:${Partition}:ec2:${Region}:${Account}:security-group/${SecurityGroupId}", append(cp(tagKeys), "ec2:SecurityGroupID", "ec2:Vpc")},
	"route-table":          {"ec2", "arn:${Partition}:ec2:${Region}:${Account}:route-table/${RouteTableId}", append(cp(tagKeys), "ec2:RouteTableID", "ec2:Vpc")},
	"vpc-endpoint":         {"ec2", "arn:${Partition}:ec2:${Region}:${Account}:vpc-endpoint/${VpcEndpointId}", append(cp(tagKeys), "ec2:VpceServiceName", "ec2:VpceServiceOwner")},
	"vpc-endpoint-service": {"ec2", "arn:${Partition}:ec2:${Region}:${Account}:vpc-endpoint-service/${VpcEndpointServiceId}", append(cp(tagKeys), "ec2:VpceServicePrivateDnsName", "ec2:VpceSupportedRegion")},
	"placement-group":      {"ec2", "arn:${Partition}:ec2:${Region}:${Account}:placement-group/${PlacementGroupName}", append(cp(tagKeys), "ec2:PlacementGroupStrategy")},
	"role":                 {"iam", "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}", []string{"aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"}},
	"topic":                {"sns", "arn:${Partition}:sns:${Region}:${Account}:${TopicName}", []string{"aws:ResourceTag/${TagKey}"}},
}

func cp(s []string) []string { return append([]string(nil), s...) }

var (
	star       = []Row{{}}
	createTags = []string{"aws:RequestTag/${TagKey}", "aws:TagKeys"}
	network    = []Row{{Type: "route-table"}, {Type: "security-group"}, {Type: "subnet"}}
)

func ec2(name, access string, rows []Row, note string) Action {
	return Action{Service: "ec2", Name: name, Access: access, Rows: rows, Source: SrcEC2, Note: note}
}

func svcRow(keys ...string) []Row {
	return []Row{{Type: "vpc-endpoint-service", Required: true, RequestKeys: keys}}
}

// table is every action the sandbox serves, with what AWS authorizes for it.
var table = []Action{
	ec2("DescribeVpcs", "List", star, ""),
	ec2("DescribeSubnets", "List", star, ""),
	ec2("DescribeSecurityGroups", "List", star, ""),
	ec2("DescribeAvailabilityZones", "List", star, ""),
	ec2("DescribeRouteTables", "List", star, ""),
	ec2("DescribeNetworkInterfaces", "List", star, "Read by plan and drift only for the endpoints of consumers that fix their addresses (ipAddresses)."),
	ec2("DescribeVpcEndpointServiceConfigurations", "List", star, ""),
	ec2("DescribeVpcEndpointServices", "List", star, ""),
	ec2("DescribeVpcEndpointConnections", "List", star, ""),
	ec2("DescribeVpcEndpoints", "List", star, ""),
	ec2("DescribeVpcEndpointConnectionNotifications", "List", star, ""),
	ec2("DescribeTags", "List", star, ""),
	ec2("DescribePlacementGroups", "List", star, ""),
	ec2("DescribeVpcEndpointServicePermissions", "List", svcRow(),
		"Unlike the other Describe calls it takes a service id and is authorized on that service's ARN."),
	withMulti(withDep(verified(ec2("CreateVpcEndpointServiceConfiguration", "Write", svcRow(append(cp(createTags), "ec2:VpceServicePrivateDnsName", "ec2:VpceSupportedRegion")...), ""),
		"ec2:VpceServicePrivateDnsName on the service: "+SrcGuideIAM),
		"ec2:CreateTags", AllowMultiRegion),
		"SupportedRegion names a region other than the service's own", SrcCFNService),
	withMulti(withDep(verified(ec2("ModifyVpcEndpointServiceConfiguration", "Write", svcRow("ec2:VpceServicePrivateDnsName", "ec2:VpceSupportedRegion"), ""),
		"ec2:VpceServicePrivateDnsName on the service: "+SrcGuideIAM), AllowMultiRegion),
		"AddSupportedRegion or RemoveSupportedRegion names a region other than the service's own", SrcCFNService),
	withMulti(withDep(ec2("DeleteVpcEndpointServiceConfigurations", "Write", svcRow(), ""), AllowMultiRegion),
		"the service supports a region other than its own", SrcCFNService),
	ec2("ModifyVpcEndpointServicePermissions", "Permissions management", svcRow(), ""),
	ec2("StartVpcEndpointServicePrivateDnsVerification", "Write", svcRow(), ""),
	withMulti(withDep(ec2("AcceptVpcEndpointConnections", "Write", svcRow(), ""), AllowMultiRegion),
		"an endpoint accepted is in a region other than the service's", ""),
	withMulti(withDep(ec2("RejectVpcEndpointConnections", "Write", svcRow(), ""), AllowMultiRegion),
		"an endpoint rejected is in a region other than the service's", ""),
	withMulti(withDep(verified(ec2("CreateVpcEndpoint", "Write", append([]Row{
		{Type: "vpc-endpoint", Required: true, RequestKeys: append(cp(createTags), "ec2:VpceServiceName", "ec2:VpceServiceOwner")},
		{Type: "vpc", Required: true},
	}, network...),
		"Each subnet, security group and route table the request names is authorized. Without SecurityGroupId nothing is "+
			"authorized for security groups: the reference marks security-group optional for this action, and the VPC's default "+
			"group that the API reference says is then used is chosen by the service, not named by the request (settled so; not "+
			"verified against a call to AWS). The provider's endpoint service is not a resource of this action: which services an "+
			"endpoint may reach is said by ec2:VpceServiceName and ec2:VpceServiceOwner on the vpc-endpoint row, and the provider's "+
			"allowed principals decide the rest."),
		"resources vpc-endpoint (with ec2:VpceServiceOwner), vpc, security-group, subnet and route-table, and no endpoint service: "+
			"the PrivateLink guide's example \"Control VPC endpoints creation based on the service owner\", "+SrcGuideIAM),
		"ec2:CreateTags", AllowMultiRegion),
		"ServiceRegion names a region other than the endpoint's", "reported, not checked by the author: AWS's error for a cross-region create quoted in issue 18, \"not authorized to perform ec2:CreateVpcEndpoint on resource …vpc-endpoint/* because no identity-based policy allows the vpce:AllowMultiRegion action\""),
	withMulti(withDep(ec2("ModifyVpcEndpoint", "Write", append([]Row{{Type: "vpc-endpoint", Required: true}}, network...),
		"Subnets, security groups and route tables added and removed are all authorized."), AllowMultiRegion),
		"the endpoint's service is in another region", SrcFIS),
	withMulti(withDep(ec2("DeleteVpcEndpoints", "Write", []Row{{Type: "vpc-endpoint", Required: true}}, ""), AllowMultiRegion),
		"the endpoint's service is in another region", ""),
	ec2("CreateVpcEndpointConnectionNotification", "Write", []Row{{Type: "vpc-endpoint"}, {Type: "vpc-endpoint-service"}},
		"Authorized on the endpoint or the service the notification is for."),
	ec2("ModifyVpcEndpointConnectionNotification", "Write", []Row{{Type: "vpc-endpoint"}, {Type: "vpc-endpoint-service"}},
		"Inferred: authorized on the endpoint or service the notification belongs to."),
	ec2("DeleteVpcEndpointConnectionNotifications", "Write", []Row{{Type: "vpc-endpoint"}, {Type: "vpc-endpoint-service"}},
		"Inferred: authorized on the endpoint or service each notification belongs to."),
	{Service: "ec2", Name: "CreateTags", Access: "Tagging", Rows: []Row{
		{Type: "vpc-endpoint", RequestKeys: append(cp(createTags), "ec2:CreateAction")},
		{Type: "vpc-endpoint-service", RequestKeys: append(cp(createTags), "ec2:CreateAction")},
		{Type: "placement-group", RequestKeys: append(cp(createTags), "ec2:CreateAction")},
	}, Source: SrcEC2, Verified: SrcTagCreate,
		Note: "Also checked, with ec2:CreateAction set to the create action, when a create call carries TagSpecification."},
	{Service: "ec2", Name: "DeleteTags", Access: "Tagging", Rows: []Row{
		{Type: "vpc-endpoint", RequestKeys: createTags},
		{Type: "vpc-endpoint-service", RequestKeys: createTags},
		{Type: "placement-group", RequestKeys: createTags},
	}, Source: SrcEC2},
	withDep(ec2("CreatePlacementGroup", "Write", []Row{{Type: "placement-group", Required: true, RequestKeys: createTags}}, ""), "ec2:CreateTags"),
	ec2("DeletePlacementGroup", "Write", []Row{{Type: "placement-group", Required: true}}, ""),

	{Service: "elasticloadbalancing", Name: "DescribeLoadBalancers", Access: "Read", Rows: star, Source: SrcELB},
	{Service: "elasticloadbalancing", Name: "DescribeTags", Access: "Read", Rows: star, Source: SrcELB},
	{Service: "elasticloadbalancing", Name: "DescribeTargetGroups", Access: "Read", Rows: star, Source: SrcELB},
	{Service: "elasticloadbalancing", Name: "DescribeTargetHealth", Access: "Read", Rows: star, Source: SrcELB},
	{Service: "elasticloadbalancing", Name: "DescribeLoadBalancerAttributes", Access: "Read", Rows: star, Source: SrcELB},

	{Service: "sts", Name: "GetCallerIdentity", Access: "Read", Rows: star, NoAuth: true, Source: SrcSTS, Verified: SrcGetCallerID,
		Note: "Answered for any valid credentials; an explicit deny has no effect."},
	{Service: "sts", Name: "AssumeRole", Access: "Write", Rows: []Row{{Type: "role", Required: true}}, Source: SrcSTS,
		Note: "The caller's identity policy is evaluated on the role's ARN in addition to the role's trust list."},
	{Service: "sts", Name: "DecodeAuthorizationMessage", Access: "Write", Rows: star, Source: SrcSTS},

	{Service: "cloudwatch", Name: "GetMetricData", Access: "Read", Rows: star, Source: SrcCloudWatch},

	{Service: "sns", Name: "GetTopicAttributes", Access: "Read", Rows: []Row{{Type: "topic", Required: true}}, Source: SrcSNS,
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

// Keys returns the condition keys AWS sets when it authorizes a resource of
// row r: the type's keys and the row's request keys. Global keys (aws:…
// request context such as aws:RequestedRegion) are not listed.
func (r Row) Keys() []string {
	var out []string
	if t, ok := Types[r.Type]; ok {
		out = append(out, t.Keys...)
	}
	return append(out, r.RequestKeys...)
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
