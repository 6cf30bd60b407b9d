package live

import (
	"time"

	"github.com/plinkdev/plink/finding"
)

// Tag keys plink writes on everything it creates; they are how a live
// resource is matched to a manifest entry.
const (
	TagProject = "plink:project"
	TagName    = "plink:name"
)

// Snapshot is what the reader saw across every account and region of a
// manifest. It is plain data: serializable for saved plans and golden tests.
// Slices are sorted (by account, region, id) so two reads of the same world
// serialize identically.
type Snapshot struct {
	// Scopes lists the account-regions that were read.
	Scopes          []Scope          `json:"scopes"`
	Services        []Service        `json:"services,omitempty"`
	Endpoints       []Endpoint       `json:"endpoints,omitempty"`
	LoadBalancers   []LoadBalancer   `json:"loadBalancers,omitempty"`
	VPCs            []VPC            `json:"vpcs,omitempty"`
	Subnets         []Subnet         `json:"subnets,omitempty"`
	SecurityGroups  []SecurityGroup  `json:"securityGroups,omitempty"`
	Zones           []Zone           `json:"zones,omitempty"`
	VisibleServices []VisibleService `json:"visibleServices,omitempty"`
	// RouteTables are those of the VPCs gateway consumers name (gateway.go).
	RouteTables []RouteTable `json:"routeTables,omitempty"`
	// Topics are the access policies of the SNS topics the manifest's
	// providers send connection notifications to (topics.go), by ARN.
	Topics []Topic `json:"topics,omitempty"`
	// DNSZones are the public hosted zones found for the private DNS names
	// of providers with privateDns, DNSRecords the verification TXT records
	// read in them and in the zones services name in plink:dns-zone
	// (route53.go).
	DNSZones   []DNSZone   `json:"dnsZones,omitempty"`
	DNSRecords []DNSRecord `json:"dnsRecords,omitempty"`
	// EndpointNotifications are endpoints' own connection notifications,
	// read where a consumer declares one or the project has a service
	// (consumernotifications.go).
	EndpointNotifications []EndpointNotification `json:"endpointNotifications,omitempty"`
	// LatticeTargets are the VPC Lattice resource configurations and service
	// networks of Resource and ServiceNetwork consumers, as their accounts
	// see them (lattice.go).
	LatticeTargets []LatticeTarget `json:"latticeTargets,omitempty"`
	// Interfaces are the network interfaces that hold an address a
	// consumer of their account-region fixes in their subnet (addresses.go).
	Interfaces []NetworkInterface `json:"interfaces,omitempty"`
	// Failures are reads that failed after retries; a snapshot with failures
	// is incomplete for the scopes named.
	Failures []Failure `json:"failures,omitempty"`
}

// Scope is one account (alias and id) in one region.
type Scope struct {
	Account   string `json:"account"`
	AccountID string `json:"accountId"`
	Region    string `json:"region"`
}

// Service is an endpoint service configuration with its permissions,
// connections and notifications, as its owner sees it.
type Service struct {
	AccountID               string            `json:"accountId"`
	Region                  string            `json:"region"`
	ID                      string            `json:"id"`
	Name                    string            `json:"name"`
	Type                    string            `json:"type"` // Interface | GatewayLoadBalancer
	State                   string            `json:"state"`
	AcceptanceRequired      bool              `json:"acceptanceRequired"`
	NetworkLoadBalancerARNs []string          `json:"networkLoadBalancerArns,omitempty"`
	GatewayLoadBalancerARNs []string          `json:"gatewayLoadBalancerArns,omitempty"`
	AvailabilityZones       []string          `json:"availabilityZones,omitempty"` // names, in the owner's mapping
	AvailabilityZoneIDs     []string          `json:"availabilityZoneIds,omitempty"`
	PrivateDNSName          string            `json:"privateDnsName,omitempty"`
	PrivateDNSState         string            `json:"privateDnsState,omitempty"` // pendingVerification | verified | failed
	PrivateDNSTXTName       string            `json:"privateDnsTxtName,omitempty"`
	PrivateDNSTXTValue      string            `json:"privateDnsTxtValue,omitempty"`
	SupportedIPAddressTypes []string          `json:"supportedIpAddressTypes,omitempty"`
	SupportedRegions        []string          `json:"supportedRegions,omitempty"`
	Tags                    map[string]string `json:"tags,omitempty"`
	Principals              []string          `json:"principals,omitempty"` // allowed principal ARNs, sorted
	// PrincipalTags are the tags of the service permissions, by principal
	// (only those with tags).
	PrincipalTags map[string]map[string]string `json:"principalTags,omitempty"`
	// PayerResponsibility is ServiceOwner when the service owner pays for
	// the endpoints; empty for AWS's default, the endpoint owner.
	PayerResponsibility string         `json:"payerResponsibility,omitempty"`
	Connections         []Connection   `json:"connections,omitempty"`
	Notifications       []Notification `json:"notifications,omitempty"`
}

// Connection is an endpoint's connection to a service, seen by the provider.
type Connection struct {
	EndpointID string    `json:"endpointId"`
	OwnerID    string    `json:"ownerId"`
	State      string    `json:"state"` // pendingAcceptance | pending | available | rejected | deleting | deleted | failed | expired
	Region     string    `json:"region,omitempty"`
	Created    time.Time `json:"created,omitempty"`
}

// Notification is a connection notification on a service.
type Notification struct {
	ID       string   `json:"id"`
	TopicARN string   `json:"topicArn"`
	Events   []string `json:"events"`
	State    string   `json:"state,omitempty"`
}

// Endpoint is a VPC endpoint (interface, Gateway Load Balancer or gateway)
// as its owner sees it.
type Endpoint struct {
	AccountID                                string            `json:"accountId"`
	Region                                   string            `json:"region"`
	ID                                       string            `json:"id"`
	Type                                     string            `json:"type"` // Interface | GatewayLoadBalancer | Gateway | Resource | ServiceNetwork
	VPCID                                    string            `json:"vpcId"`
	ServiceName                              string            `json:"serviceName"`
	ServiceRegion                            string            `json:"serviceRegion,omitempty"`
	State                                    string            `json:"state"`
	SubnetIDs                                []string          `json:"subnetIds,omitempty"`
	SecurityGroupIDs                         []string          `json:"securityGroupIds,omitempty"`
	PrivateDNSEnabled                        bool              `json:"privateDnsEnabled"`
	DNSRecordIPType                          string            `json:"dnsRecordIpType,omitempty"`
	PrivateDNSOnlyForInboundResolverEndpoint *bool             `json:"privateDnsOnlyForInboundResolverEndpoint,omitempty"`
	IPAddressType                            string            `json:"ipAddressType,omitempty"`
	Policy                                   string            `json:"policy,omitempty"` // raw JSON as AWS returns it
	Tags                                     map[string]string `json:"tags,omitempty"`
	NetworkInterfaceIDs                      []string          `json:"networkInterfaceIds,omitempty"`
	// Addresses are the private addresses of the endpoint's network
	// interfaces, per subnet; read (AddressesRead) only for the endpoints
	// of consumers that fix them (ipAddresses).
	Addresses     []ENIAddress `json:"addresses,omitempty"`
	AddressesRead bool         `json:"addressesRead,omitempty"`
	// RouteTableIDs are a gateway endpoint's route tables.
	RouteTableIDs []string `json:"routeTableIds,omitempty"`
	// ResourceConfigurationARN and ServiceNetworkARN are what a Resource or
	// ServiceNetwork endpoint connects to, with its private DNS preference
	// and specified domains (DnsOptions).
	ResourceConfigurationARN   string   `json:"resourceConfigurationArn,omitempty"`
	ServiceNetworkARN          string   `json:"serviceNetworkArn,omitempty"`
	PrivateDNSPreference       string   `json:"privateDnsPreference,omitempty"`
	PrivateDNSSpecifiedDomains []string `json:"privateDnsSpecifiedDomains,omitempty"`
	// Created is the endpoint's CreationTimestamp: status spares endpoints
	// younger than its window from being called idle.
	Created time.Time `json:"created,omitzero"`
}

// LoadBalancer is an ELBv2 load balancer that a provider names.
type LoadBalancer struct {
	AccountID string   `json:"accountId"`
	Region    string   `json:"region"`
	ARN       string   `json:"arn"`
	Name      string   `json:"name"`
	Type      string   `json:"type"` // network | gateway | application
	State     string   `json:"state"`
	Zones     []string `json:"zones"` // AZ names, in the owner's mapping
}

// VPC is a VPC in a consumer's account.
type VPC struct {
	AccountID string `json:"accountId"`
	Region    string `json:"region"`
	ID        string `json:"id"`
	CIDR      string `json:"cidr,omitempty"`
}

// Subnet is a subnet with both its AZ name and AZ id (names differ per account).
type Subnet struct {
	AccountID string `json:"accountId"`
	Region    string `json:"region"`
	ID        string `json:"id"`
	VPCID     string `json:"vpcId"`
	Zone      string `json:"zone"`
	ZoneID    string `json:"zoneId"`
	CIDR      string `json:"cidr,omitempty"`
	// IPv6CIDR is the subnet's associated IPv6 block, if any: dualstack and
	// ipv6 endpoints need one.
	IPv6CIDR string `json:"ipv6Cidr,omitempty"`
}

// SecurityGroup is a security group.
type SecurityGroup struct {
	AccountID string `json:"accountId"`
	Region    string `json:"region"`
	ID        string `json:"id"`
	VPCID     string `json:"vpcId"`
	Name      string `json:"name,omitempty"`
}

// Zone maps an AZ name to its id for one account and region.
type Zone struct {
	AccountID string `json:"accountId"`
	Region    string `json:"region"`
	Name      string `json:"name"`
	ID        string `json:"id"`
}

// VisibleService is a service as a consumer account sees it through
// DescribeVpcEndpointServices (only services it may connect to).
type VisibleService struct {
	AccountID           string   `json:"accountId"` // the caller
	Region              string   `json:"region"`    // the caller's region
	ServiceName         string   `json:"serviceName"`
	ServiceID           string   `json:"serviceId,omitempty"`
	Type                string   `json:"type,omitempty"` // Interface | Gateway | GatewayLoadBalancer (s3 has two services of one name)
	Owner               string   `json:"owner"`
	ServiceRegion       string   `json:"serviceRegion,omitempty"`
	AcceptanceRequired  bool     `json:"acceptanceRequired"`
	AvailabilityZones   []string `json:"availabilityZones,omitempty"` // names, in the caller's mapping
	AvailabilityZoneIDs []string `json:"availabilityZoneIds,omitempty"`
	PrivateDNSName      string   `json:"privateDnsName,omitempty"`
	// SupportedIPAddressTypes are ipv4 and/or ipv6 (empty: not reported).
	SupportedIPAddressTypes []string `json:"supportedIpAddressTypes,omitempty"`
}

// Failure is a read that failed: which call, in which account and region,
// and why (finding.Failure, the one failure type of every report).
type Failure = finding.Failure
