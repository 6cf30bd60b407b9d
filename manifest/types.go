package manifest

// Version is the only manifest schema version this build understands.
const Version = 1

// Manifest is the desired model: what one or more manifest files declare,
// merged, defaulted and validated.
type Manifest struct {
	Version   int                 `yaml:"version" json:"version"`
	Project   string              `yaml:"project" json:"project"`
	Defaults  Defaults            `yaml:"defaults,omitempty" json:"defaults,omitempty"`
	Accounts  map[string]*Account `yaml:"accounts" json:"accounts"`
	Providers []*Provider         `yaml:"providers,omitempty" json:"providers,omitempty"`
	Consumers []*Consumer         `yaml:"consumers,omitempty" json:"consumers,omitempty"`

	// Files lists the files the manifest was loaded from, in load order.
	Files []string `yaml:"-" json:"-"`
	// Digest is the SHA-256 (hex) of the loaded files' bytes, in load order.
	Digest string `yaml:"-" json:"-"`
}

// Defaults apply to every provider and consumer that does not set the field.
type Defaults struct {
	Region string `yaml:"region,omitempty" json:"region,omitempty"`
	// Regions are more regions the project lives in: every account is read
	// in each of them (besides the regions providers and consumers use), so
	// resources removed from the manifest are found there and deleted even
	// after nothing else is declared in the region.
	Regions []string `yaml:"regions,omitempty" json:"regions,omitempty"`
	// Tags are merged into every provider's and consumer's Tags by Load; an
	// object without tags of its own shares this map rather than a copy, so
	// the tags of a loaded manifest are read-only: copy a map before
	// changing it (plan's desiredTags does).
	Tags map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
}

// Account is one AWS account plink reads and writes, reached either through a
// shared-config profile or by assuming a role (optionally with an external id).
type Account struct {
	ID         string `yaml:"id" json:"id"`
	RoleARN    string `yaml:"roleArn,omitempty" json:"roleArn,omitempty"`
	ExternalID string `yaml:"externalId,omitempty" json:"externalId,omitempty"`
	Profile    string `yaml:"profile,omitempty" json:"profile,omitempty"`

	// Alias is the key under `accounts:`; filled in by the loader.
	Alias string `yaml:"-" json:"-"`
	Pos   Pos    `yaml:"-" json:"-"`
}

// Provider is a VPC endpoint service in front of Network or Gateway Load Balancers.
type Provider struct {
	Name string `yaml:"name" json:"name"`
	// RenamedFrom lists names the provider had before: a live service of
	// this project tagged with one of them (and none with Name) is the
	// provider's, renamed in place instead of replaced.
	RenamedFrom             []string `yaml:"renamedFrom,omitempty" json:"renamedFrom,omitempty"`
	Account                 string   `yaml:"account" json:"account"`
	Region                  string   `yaml:"region,omitempty" json:"region,omitempty"`
	NetworkLoadBalancerARNs []string `yaml:"networkLoadBalancerArns,omitempty" json:"networkLoadBalancerArns,omitempty"`
	GatewayLoadBalancerARNs []string `yaml:"gatewayLoadBalancerArns,omitempty" json:"gatewayLoadBalancerArns,omitempty"`
	AcceptanceRequired      bool     `yaml:"acceptanceRequired,omitempty" json:"acceptanceRequired,omitempty"`
	PrivateDNSName          string   `yaml:"privateDnsName,omitempty" json:"privateDnsName,omitempty"`
	// PrivateDNS is the long form of PrivateDNSName: with it plink also
	// publishes the TXT record AWS verifies the name by, in a public hosted
	// zone of the provider's account, and starts the verification. The
	// loader copies its Name into PrivateDNSName.
	PrivateDNS              *PrivateDNS `yaml:"privateDns,omitempty" json:"privateDns,omitempty"`
	SupportedIPAddressTypes []string    `yaml:"supportedIpAddressTypes,omitempty" json:"supportedIpAddressTypes,omitempty"`
	// PayerResponsibility is who pays for the endpoints' costs:
	// EndpointOwner (AWS's default) or ServiceOwner. AWS cannot set it back
	// from ServiceOwner (plan error PL239).
	PayerResponsibility string            `yaml:"payerResponsibility,omitempty" json:"payerResponsibility,omitempty"`
	SupportedRegions    []string          `yaml:"supportedRegions,omitempty" json:"supportedRegions,omitempty"`
	AllowedPrincipals   []Principal       `yaml:"allowedPrincipals,omitempty" json:"allowedPrincipals,omitempty"`
	Connections         Connections       `yaml:"connections,omitempty" json:"connections,omitempty"`
	Notifications       []Notification    `yaml:"notifications,omitempty" json:"notifications,omitempty"`
	Tags                map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
	// Adopt names an existing endpoint service (vpce-svc-...) that plink takes
	// ownership of by tagging it, instead of creating a new one.
	Adopt string `yaml:"adopt,omitempty" json:"adopt,omitempty"`
	// Protect forbids any plan that deletes or replaces the service
	// (Terraform's prevent_destroy); it is recorded as a tag, so removing
	// the entry does not lift it.
	Protect bool `yaml:"protect,omitempty" json:"protect,omitempty"`

	Pos Pos `yaml:"-" json:"-"`
}

// PrivateDNS is a provider's private DNS name and where plink publishes
// the TXT record that verifies it.
type PrivateDNS struct {
	Name string `yaml:"name" json:"name"`
	// Route53HostedZoneID is the public hosted zone (Z...) in the
	// provider's account that holds Name; empty: the zone whose name is the
	// longest suffix of Name, found with ListHostedZonesByName.
	Route53HostedZoneID string `yaml:"route53HostedZoneId,omitempty" json:"route53HostedZoneId,omitempty"`
}

// ManagesDNSRecord reports whether plink publishes the verification record
// of the provider's private DNS name (the long form, privateDns, is set).
func (p *Provider) ManagesDNSRecord() bool { return p.PrivateDNS != nil && p.PrivateDNS.Name != "" }

// Principal is one entry of allowedPrincipals: exactly one of Account (an
// alias from `accounts:`), ARN (an IAM principal ARN, or `"*"`, which also
// needs AllowWildcard) or Service (an AWS service principal) is set.
type Principal struct {
	Account string `yaml:"account,omitempty" json:"account,omitempty"`
	ARN     string `yaml:"arn,omitempty" json:"arn,omitempty"`
	// Service is an AWS service principal such as
	// elasticloadbalancing.amazonaws.com, allowed as AWS takes it.
	Service string `yaml:"service,omitempty" json:"service,omitempty"`
	// AllowWildcard is the explicit opt-in for arn: "*".
	AllowWildcard bool `yaml:"allowWildcard,omitempty" json:"allowWildcard,omitempty"`
	// Tags go on the service permission AWS makes for the principal
	// (vpce-svc-perm-...), exactly as written: no defaults.tags, no plink
	// tags (the permission belongs to its service).
	Tags map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`

	// Resolved is the principal ARN after alias resolution; set by the loader.
	Resolved string `yaml:"-" json:"-"`
	Pos      Pos    `yaml:"-" json:"-"`
}

// Connections says which pending endpoint connections plink accepts or rejects.
type Connections struct {
	// AcceptDeclared accepts connections from consumers declared in the manifest.
	AcceptDeclared *bool `yaml:"acceptDeclared,omitempty" json:"acceptDeclared,omitempty"`
	// AcceptFrom lists account ids or aliases whose endpoints, managed
	// elsewhere, are accepted.
	AcceptFrom []string `yaml:"acceptFrom,omitempty" json:"acceptFrom,omitempty"`
	// RejectUndeclared rejects every other pending connection.
	RejectUndeclared bool `yaml:"rejectUndeclared,omitempty" json:"rejectUndeclared,omitempty"`

	// AcceptFromIDs is AcceptFrom with aliases resolved to account ids.
	AcceptFromIDs []string `yaml:"-" json:"-"`
}

// AcceptsDeclared reports whether declared consumers are accepted (default true).
func (c Connections) AcceptsDeclared() bool { return c.AcceptDeclared == nil || *c.AcceptDeclared }

// Notification is a connection notification to an SNS topic.
type Notification struct {
	TopicARN string   `yaml:"topicArn" json:"topicArn"`
	Events   []string `yaml:"events" json:"events"`

	Pos Pos `yaml:"-" json:"-"`
}

// Consumer is a VPC endpoint: an interface endpoint, a Gateway Load
// Balancer endpoint (for a provider with gateway load balancers), or with
// Type Gateway an S3 or DynamoDB gateway endpoint in route tables.
type Consumer struct {
	Name string `yaml:"name" json:"name"`
	// RenamedFrom lists names the consumer had before: a live endpoint of
	// this project tagged with one of them (and none with Name) is the
	// consumer's, renamed in place instead of replaced.
	RenamedFrom []string `yaml:"renamedFrom,omitempty" json:"renamedFrom,omitempty"`
	Account     string   `yaml:"account" json:"account"`
	Region      string   `yaml:"region,omitempty" json:"region,omitempty"`
	// Type is Interface (the default, also for a Gateway Load Balancer
	// endpoint, whose type follows from its provider), Gateway, Resource (a
	// VPC Lattice resource configuration) or ServiceNetwork (a VPC Lattice
	// service network).
	Type      string   `yaml:"type,omitempty" json:"type,omitempty"`
	VPCID     string   `yaml:"vpcId" json:"vpcId"`
	SubnetIDs []string `yaml:"subnetIds,omitempty" json:"subnetIds,omitempty"`
	// IPAddresses fixes, per subnet of SubnetIDs, the private addresses the
	// endpoint's network interface there takes (CreateVpcEndpoint's
	// SubnetConfigurations); a subnet not listed gets addresses from AWS.
	IPAddresses      map[string]*SubnetIPs `yaml:"ipAddresses,omitempty" json:"ipAddresses,omitempty"`
	SecurityGroupIDs []string              `yaml:"securityGroupIds,omitempty" json:"securityGroupIds,omitempty"`
	// RouteTableIDs are the route tables a gateway endpoint adds its
	// service's prefix-list route to (Type Gateway only).
	RouteTableIDs []string `yaml:"routeTableIds,omitempty" json:"routeTableIds,omitempty"`
	// Provider names a provider in the manifest; ServiceName names any other
	// service (AWS-managed or external). Exactly one is set.
	Provider    string `yaml:"provider,omitempty" json:"provider,omitempty"`
	ServiceName string `yaml:"serviceName,omitempty" json:"serviceName,omitempty"`
	// ServiceRegion is the region of ServiceName's service when it is not
	// the consumer's own (cross-region PrivateLink; serviceName only: a
	// provider's region is its own).
	ServiceRegion string `yaml:"serviceRegion,omitempty" json:"serviceRegion,omitempty"`
	// ResourceConfigurationARN is the VPC Lattice resource configuration a
	// Resource endpoint connects to (type: Resource only).
	ResourceConfigurationARN string `yaml:"resourceConfigurationArn,omitempty" json:"resourceConfigurationArn,omitempty"`
	// ServiceNetworkARN is the VPC Lattice service network a ServiceNetwork
	// endpoint connects to (type: ServiceNetwork only).
	ServiceNetworkARN string            `yaml:"serviceNetworkArn,omitempty" json:"serviceNetworkArn,omitempty"`
	PrivateDNSEnabled bool              `yaml:"privateDnsEnabled,omitempty" json:"privateDnsEnabled,omitempty"`
	DNSOptions        *DNSOptions       `yaml:"dnsOptions,omitempty" json:"dnsOptions,omitempty"`
	IPAddressType     string            `yaml:"ipAddressType,omitempty" json:"ipAddressType,omitempty"`
	Policy            map[string]any    `yaml:"policy,omitempty" json:"policy,omitempty"`
	Tags              map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
	// Notifications are the endpoint's own connection notifications
	// (CreateVpcEndpointConnectionNotification with VpcEndpointId;
	// interface endpoints only).
	Notifications []Notification `yaml:"notifications,omitempty" json:"notifications,omitempty"`
	// Adopt names an existing endpoint (vpce-...) to take ownership of.
	Adopt string `yaml:"adopt,omitempty" json:"adopt,omitempty"`
	// Protect forbids any plan that deletes or replaces the endpoint.
	Protect bool `yaml:"protect,omitempty" json:"protect,omitempty"`

	Pos Pos `yaml:"-" json:"-"`
}

// SubnetIPs are the fixed private addresses of an endpoint's network
// interface in one subnet.
type SubnetIPs struct {
	IPv4 string `yaml:"ipv4,omitempty" json:"ipv4,omitempty"`
	IPv6 string `yaml:"ipv6,omitempty" json:"ipv6,omitempty"`

	Pos Pos `yaml:"-" json:"-"`
}

// DNSOptions mirrors the endpoint's DnsOptions.
type DNSOptions struct {
	DNSRecordIPType                          string `yaml:"dnsRecordIpType,omitempty" json:"dnsRecordIpType,omitempty"`
	PrivateDNSOnlyForInboundResolverEndpoint *bool  `yaml:"privateDnsOnlyForInboundResolverEndpoint,omitempty" json:"privateDnsOnlyForInboundResolverEndpoint,omitempty"`
	// PrivateDNSPreference says which of a Resource or ServiceNetwork
	// endpoint's domains get a private hosted zone (ALL_DOMAINS,
	// VERIFIED_DOMAINS_ONLY, VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS,
	// SPECIFIED_DOMAINS_ONLY); with private DNS on only.
	PrivateDNSPreference string `yaml:"privateDnsPreference,omitempty" json:"privateDnsPreference,omitempty"`
	// PrivateDNSSpecifiedDomains are the domains the two SPECIFIED
	// preferences name.
	PrivateDNSSpecifiedDomains []string `yaml:"privateDnsSpecifiedDomains,omitempty" json:"privateDnsSpecifiedDomains,omitempty"`
}

// Pos is a position in a manifest file, 1-based.
type Pos struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}
