// Package scenario builds the hand-made manifests and live snapshots that
// the plan and plan/render tests share: a small payments topology in three
// accounts, in the states the tests need, and a generated large topology
// for benchmarks.
//
// Manifests are built as the loader would leave them (aliases, resolved
// principals, acceptFrom ids and regions filled in). The package only
// builds values; it must not compute plans or touch AWS.
package scenario

import (
	"fmt"
	"strings"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

// Names used across scenarios.
const (
	Project   = "payments-privatelink"
	Payments  = "111111111111"
	Checkout  = "222222222222"
	Analytics = "333333333333"
	Outsider  = "444444444444"
	Partner   = "555555555555"

	NLB      = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments/50dc6c495c0c9188"
	GWLB     = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/gwy/inspect/7e1bc3a0b4d1f2aa"
	ALB      = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/web/0a1b2c3d4e5f6789"
	Topic    = "arn:aws:sns:us-east-1:111111111111:pl-events"
	SvcID    = "vpce-svc-0pay111"
	SvcName  = "com.amazonaws.vpce.us-east-1.vpce-svc-0pay111"
	CheckEP  = "vpce-0chk1"
	DNSName  = "api.payments.example.com"
	USEast1  = "us-east-1"
	USWest2  = "us-west-2"
	AWSDeflt = "{\n  \"Version\": \"2008-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Principal\": \"*\",\n      \"Action\": \"*\",\n      \"Resource\": \"*\"\n    }\n  ]\n}"
)

// Scenario is one named manifest/snapshot pair.
type Scenario struct {
	Name     string
	Manifest *manifest.Manifest
	Snapshot *live.Snapshot
}

// All returns every scenario, in a fixed order. Each call builds fresh
// values, so callers may modify them.
func All() []Scenario {
	all := []Scenario{
		{"new-topology", Manifest(), Infra()},
		{"no-changes", Manifest(), Converged()},
		PrincipalAddedRemoved(),
		SubnetMoved(),
		PolicyReformatted(),
		PolicyChanged(),
		ServiceDeletedWithConnections(),
		UndeclaredPending(false),
		UndeclaredPending(true),
		DeclaredPendingAccept(),
		AcceptFrom(),
		CrossRegionConsumer(),
		Adopted(),
		ReplaceReasons(),
		Lints(),
		ForeignUntouched(),
		ReadFailures(),
		InterruptedReplace(),
		Renamed(),
	}
	for _, sc := range all {
		// what the scenario did to services shows in what consumers see
		sc.Snapshot.VisibleServices = nil
		AddVisible(sc.Snapshot)
	}
	return all
}

// AddVisible adds what each scope's account would see through
// DescribeVpcEndpointServices, as the reader records it: every service of
// the snapshot whose principals allow the account (or that it owns), in
// the service's region or a supported one.
func AddVisible(s *live.Snapshot) {
	for _, sc := range s.Scopes {
		for _, sv := range s.Services {
			allowed := sv.AccountID == sc.AccountID
			for _, p := range sv.Principals {
				allowed = allowed || p == "*" || strings.Contains(p, ":"+sc.AccountID+":")
			}
			inRegion := sv.Region == sc.Region
			for _, r := range sv.SupportedRegions {
				inRegion = inRegion || r == sc.Region
			}
			if !allowed || !inRegion {
				continue
			}
			s.VisibleServices = append(s.VisibleServices, live.VisibleService{AccountID: sc.AccountID, Region: sc.Region,
				ServiceName: sv.Name, ServiceID: sv.ID, Type: sv.Type, Owner: sv.AccountID, ServiceRegion: sv.Region,
				AcceptanceRequired: sv.AcceptanceRequired, PrivateDNSName: sv.PrivateDNSName,
				SupportedIPAddressTypes: sv.SupportedIPAddressTypes})
		}
	}
}

// Manifest is the base manifest: provider payments-api in account payments
// and consumer checkout-payments in account checkout, both in us-east-1.
func Manifest() *manifest.Manifest {
	return &manifest.Manifest{
		Version: 1,
		Project: Project,
		Digest:  "sha256-of-the-manifest-files",
		Defaults: manifest.Defaults{
			Region: USEast1,
			Tags:   map[string]string{"team": "platform"},
		},
		Accounts: map[string]*manifest.Account{
			"payments":  {ID: Payments, RoleARN: "arn:aws:iam::111111111111:role/plink", Alias: "payments"},
			"checkout":  {ID: Checkout, Profile: "checkout-admin", Alias: "checkout"},
			"analytics": {ID: Analytics, Profile: "analytics-admin", Alias: "analytics"},
		},
		Providers: []*manifest.Provider{PaymentsAPI()},
		Consumers: []*manifest.Consumer{CheckoutPayments()},
	}
}

// PaymentsAPI is the base provider.
func PaymentsAPI() *manifest.Provider {
	return &manifest.Provider{
		Name:                    "payments-api",
		Account:                 "payments",
		Region:                  USEast1,
		NetworkLoadBalancerARNs: []string{NLB},
		AcceptanceRequired:      true,
		PrivateDNSName:          DNSName,
		SupportedIPAddressTypes: []string{"ipv4"},
		SupportedRegions:        []string{USWest2},
		AllowedPrincipals: []manifest.Principal{
			{Account: "checkout", Resolved: "arn:aws:iam::222222222222:root"},
			{Account: "analytics", Resolved: "arn:aws:iam::333333333333:root"},
		},
		Notifications: []manifest.Notification{{TopicARN: Topic, Events: []string{"Connect", "Accept"}}},
		Tags:          map[string]string{"service": "payments"},
	}
}

// CheckoutPayments is the base consumer.
func CheckoutPayments() *manifest.Consumer {
	return &manifest.Consumer{
		Name:              "checkout-payments",
		Account:           "checkout",
		Region:            USEast1,
		VPCID:             "vpc-0bbb",
		SubnetIDs:         []string{"subnet-0b1b", "subnet-0b1a"},
		SecurityGroupIDs:  []string{"sg-0b1"},
		Provider:          "payments-api",
		PrivateDNSEnabled: true,
	}
}

// AnalyticsPayments is a cross-region consumer in us-west-2.
func AnalyticsPayments() *manifest.Consumer {
	return &manifest.Consumer{
		Name:             "analytics-payments",
		Account:          "analytics",
		Region:           USWest2,
		VPCID:            "vpc-0ccc",
		SubnetIDs:        []string{"subnet-0c2a", "subnet-0c2b"},
		SecurityGroupIDs: []string{"sg-0c2"},
		Provider:         "payments-api",
	}
}

// Infra is the world before plink ran: scopes, zones, load balancers, VPCs,
// subnets and security groups, but no services or endpoints.
func Infra() *live.Snapshot {
	return &live.Snapshot{
		Scopes: []live.Scope{
			{Account: "payments", AccountID: Payments, Region: USEast1},
			{Account: "checkout", AccountID: Checkout, Region: USEast1},
			{Account: "analytics", AccountID: Analytics, Region: USWest2},
		},
		LoadBalancers: []live.LoadBalancer{
			{AccountID: Payments, Region: USEast1, ARN: ALB, Name: "web", Type: "application", State: "active", Zones: []string{"us-east-1a", "us-east-1b"}},
			{AccountID: Payments, Region: USEast1, ARN: GWLB, Name: "inspect", Type: "gateway", State: "active", Zones: []string{"us-east-1a", "us-east-1b"}},
			{AccountID: Payments, Region: USEast1, ARN: NLB, Name: "payments", Type: "network", State: "active", Zones: []string{"us-east-1a", "us-east-1b"}},
		},
		VPCs: []live.VPC{
			{AccountID: Checkout, Region: USEast1, ID: "vpc-0bbb", CIDR: "10.1.0.0/16"},
			{AccountID: Checkout, Region: USEast1, ID: "vpc-0bbd", CIDR: "10.2.0.0/16"},
			{AccountID: Analytics, Region: USWest2, ID: "vpc-0ccc", CIDR: "10.3.0.0/16"},
		},
		Subnets: []live.Subnet{
			// checkout's us-east-1a is use1-az2 and us-east-1b is use1-az1:
			// AZ names differ from the payments account's.
			{AccountID: Checkout, Region: USEast1, ID: "subnet-0b1a", VPCID: "vpc-0bbb", Zone: "us-east-1a", ZoneID: "use1-az2"},
			{AccountID: Checkout, Region: USEast1, ID: "subnet-0b1b", VPCID: "vpc-0bbb", Zone: "us-east-1b", ZoneID: "use1-az1"},
			{AccountID: Checkout, Region: USEast1, ID: "subnet-0b1c", VPCID: "vpc-0bbb", Zone: "us-east-1b", ZoneID: "use1-az1"},
			{AccountID: Checkout, Region: USEast1, ID: "subnet-0d1a", VPCID: "vpc-0bbd", Zone: "us-east-1a", ZoneID: "use1-az2"},
			{AccountID: Checkout, Region: USEast1, ID: "subnet-0d1b", VPCID: "vpc-0bbd", Zone: "us-east-1b", ZoneID: "use1-az1"},
			{AccountID: Analytics, Region: USWest2, ID: "subnet-0c2a", VPCID: "vpc-0ccc", Zone: "us-west-2a", ZoneID: "usw2-az1"},
			{AccountID: Analytics, Region: USWest2, ID: "subnet-0c2b", VPCID: "vpc-0ccc", Zone: "us-west-2b", ZoneID: "usw2-az2"},
		},
		SecurityGroups: []live.SecurityGroup{
			{AccountID: Checkout, Region: USEast1, ID: "sg-0b1", VPCID: "vpc-0bbb", Name: "payments-clients"},
			{AccountID: Checkout, Region: USEast1, ID: "sg-0d1", VPCID: "vpc-0bbd", Name: "payments-clients-2"},
			{AccountID: Analytics, Region: USWest2, ID: "sg-0c2", VPCID: "vpc-0ccc", Name: "payments-clients"},
		},
		Zones: []live.Zone{
			{AccountID: Payments, Region: USEast1, Name: "us-east-1a", ID: "use1-az1"},
			{AccountID: Payments, Region: USEast1, Name: "us-east-1b", ID: "use1-az2"},
			{AccountID: Payments, Region: USEast1, Name: "us-east-1c", ID: "use1-az4"},
			{AccountID: Checkout, Region: USEast1, Name: "us-east-1a", ID: "use1-az2"},
			{AccountID: Checkout, Region: USEast1, Name: "us-east-1b", ID: "use1-az1"},
			{AccountID: Checkout, Region: USEast1, Name: "us-east-1c", ID: "use1-az4"},
			{AccountID: Analytics, Region: USWest2, Name: "us-west-2a", ID: "usw2-az1"},
			{AccountID: Analytics, Region: USWest2, Name: "us-west-2b", ID: "usw2-az2"},
		},
	}
}

func ownTags(name string, extra map[string]string) map[string]string {
	t := map[string]string{"team": "platform", live.TagProject: Project, live.TagName: name}
	for k, v := range extra {
		t[k] = v
	}
	return t
}

// PaymentsService is the live service matching PaymentsAPI.
func PaymentsService() live.Service {
	return live.Service{
		AccountID: Payments, Region: USEast1, ID: SvcID, Name: SvcName,
		Type: "Interface", State: "Available", AcceptanceRequired: true,
		NetworkLoadBalancerARNs: []string{NLB},
		AvailabilityZones:       []string{"us-east-1a", "us-east-1b"},
		PrivateDNSName:          DNSName,
		PrivateDNSState:         "verified",
		PrivateDNSTXTName:       "_pl7x2.api.payments.example.com",
		PrivateDNSTXTValue:      "vpce:0fH3kq9Zp",
		SupportedIPAddressTypes: []string{"ipv4"},
		SupportedRegions:        []string{USEast1, USWest2},
		Tags:                    ownTags("payments-api", map[string]string{"service": "payments"}),
		Principals:              []string{"arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"},
		Connections: []live.Connection{
			{EndpointID: CheckEP, OwnerID: Checkout, State: "available", Region: USEast1},
		},
		Notifications: []live.Notification{{ID: "vpce-nfn-0aaa", TopicARN: Topic, Events: []string{"Accept", "Connect"}, State: "Enabled"}},
	}
}

// CheckoutEndpoint is the live endpoint matching CheckoutPayments.
func CheckoutEndpoint() live.Endpoint {
	return live.Endpoint{
		AccountID: Checkout, Region: USEast1, ID: CheckEP, Type: "Interface",
		VPCID: "vpc-0bbb", ServiceName: SvcName, State: "available",
		SubnetIDs:           []string{"subnet-0b1a", "subnet-0b1b"},
		SecurityGroupIDs:    []string{"sg-0b1"},
		PrivateDNSEnabled:   true,
		DNSRecordIPType:     "ipv4",
		IPAddressType:       "ipv4",
		Policy:              AWSDeflt,
		Tags:                ownTags("checkout-payments", nil),
		NetworkInterfaceIDs: []string{"eni-0a1", "eni-0b1"},
	}
}

// Converged is the world after the base manifest was applied.
func Converged() *live.Snapshot {
	s := Infra()
	s.Services = []live.Service{PaymentsService()}
	s.Endpoints = []live.Endpoint{CheckoutEndpoint()}
	AddVisible(s)
	return s
}

// PrincipalAddedRemoved drops the analytics principal (which has an open
// connection) and adds a CI role.
func PrincipalAddedRemoved() Scenario {
	m := Manifest()
	m.Providers[0].AllowedPrincipals = []manifest.Principal{
		{Account: "checkout", Resolved: "arn:aws:iam::222222222222:root"},
		{ARN: "arn:aws:iam::444444444444:role/ci", Resolved: "arn:aws:iam::444444444444:role/ci"},
	}
	s := Converged()
	s.Services[0].Connections = append(s.Services[0].Connections,
		live.Connection{EndpointID: "vpce-0ana1", OwnerID: Analytics, State: "available", Region: USWest2})
	return Scenario{"principal-added-removed", m, s}
}

// SubnetMoved moves the consumer from subnet-0b1b to subnet-0b1c.
func SubnetMoved() Scenario {
	m := Manifest()
	m.Consumers[0].SubnetIDs = []string{"subnet-0b1a", "subnet-0b1c"}
	return Scenario{"subnet-moved", m, Converged()}
}

// PolicyReformatted has a manifest policy that AWS stores reformatted.
func PolicyReformatted() Scenario {
	m := Manifest()
	m.Consumers[0].Policy = map[string]any{
		"Version": "2012-10-17",
		"Statement": map[string]any{
			"Effect":    "Allow",
			"Principal": "*",
			"Action":    []any{"execute-api:Invoke", "execute-api:Invoke", "execute-api:GET"},
			"Resource":  "arn:aws:execute-api:us-east-1:111111111111:*",
		},
	}
	s := Converged()
	s.Endpoints[0].Policy = `{"Statement":[{"Resource":["arn:aws:execute-api:us-east-1:111111111111:*"],"Action":["execute-api:GET","execute-api:Invoke"],"Principal":"*","Effect":"Allow"}],
	  "Version":"2012-10-17"}`
	return Scenario{"policy-reformatted", m, s}
}

// PolicyChanged restricts the consumer's endpoint policy, which is AWS's
// default full-access policy live.
func PolicyChanged() Scenario {
	m := Manifest()
	m.Consumers[0].Policy = map[string]any{
		"Version": "2008-10-17",
		"Statement": []any{map[string]any{
			"Effect":    "Allow",
			"Principal": "*",
			"Action":    "*",
			"Resource":  "*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": "o-abc123"}},
		}},
	}
	return Scenario{"policy-changed", m, Converged()}
}

// ServiceDeletedWithConnections removes everything from the manifest while
// the service still has connected endpoints.
func ServiceDeletedWithConnections() Scenario {
	m := Manifest()
	m.Providers = nil
	m.Consumers = nil
	s := Converged()
	s.Services[0].Connections = append(s.Services[0].Connections,
		live.Connection{EndpointID: "vpce-0ext1", OwnerID: Outsider, State: "available", Region: USEast1})
	return Scenario{"service-deleted-with-connections", m, s}
}

// UndeclaredPending has a pending connection nobody declared; with reject
// the provider sets rejectUndeclared.
func UndeclaredPending(reject bool) Scenario {
	m := Manifest()
	name := "undeclared-pending-warn"
	if reject {
		name = "undeclared-pending-reject"
		m.Providers[0].Connections.RejectUndeclared = true
	}
	s := Converged()
	s.Services[0].Connections = append(s.Services[0].Connections,
		live.Connection{EndpointID: "vpce-0ext1", OwnerID: Outsider, State: "pendingAcceptance", Region: USEast1})
	return Scenario{name, m, s}
}

// DeclaredPendingAccept has the declared consumer's endpoint waiting for
// acceptance, with private DNS still off.
func DeclaredPendingAccept() Scenario {
	s := Converged()
	s.Services[0].Connections[0].State = "pendingAcceptance"
	s.Endpoints[0].State = "pendingAcceptance"
	s.Endpoints[0].PrivateDNSEnabled = false
	return Scenario{"declared-pending-accept", Manifest(), s}
}

// AcceptFrom accepts a partner account's endpoint managed elsewhere.
func AcceptFrom() Scenario {
	m := Manifest()
	m.Providers[0].Connections.AcceptFrom = []string{Partner}
	m.Providers[0].Connections.AcceptFromIDs = []string{Partner}
	m.Providers[0].AllowedPrincipals = append(m.Providers[0].AllowedPrincipals,
		manifest.Principal{ARN: "arn:aws:iam::555555555555:root", Resolved: "arn:aws:iam::555555555555:root"})
	s := Converged()
	s.Services[0].Principals = append(s.Services[0].Principals, "arn:aws:iam::555555555555:root")
	s.Services[0].Connections = append(s.Services[0].Connections,
		live.Connection{EndpointID: "vpce-0prt1", OwnerID: Partner, State: "pendingAcceptance", Region: USEast1})
	return Scenario{"accept-from", m, s}
}

// CrossRegionConsumer adds a consumer in us-west-2 of the us-east-1 service.
func CrossRegionConsumer() Scenario {
	m := Manifest()
	m.Consumers = append(m.Consumers, AnalyticsPayments())
	return Scenario{"cross-region-consumer", m, Converged()}
}

// Adopted takes over a service and an endpoint that were made by hand.
func Adopted() Scenario {
	m := Manifest()
	m.Providers[0].Adopt = SvcID
	m.Consumers[0].Adopt = CheckEP
	s := Converged()
	s.Services[0].Tags = map[string]string{"service": "payments", "owner": "alice"}
	s.Services[0].AcceptanceRequired = false
	s.Endpoints[0].Tags = nil
	return Scenario{"adopted-resource", m, s}
}

// ReplaceReasons has one resource for each attribute that forces a
// replacement.
func ReplaceReasons() Scenario {
	m := Manifest()
	m.Providers = append(m.Providers, &manifest.Provider{
		Name: "inspection", Account: "payments", Region: USEast1,
		GatewayLoadBalancerARNs: []string{GWLB},
		AllowedPrincipals:       []manifest.Principal{{Account: "checkout", Resolved: "arn:aws:iam::222222222222:root"}},
	})
	// vpcId moved
	m.Consumers[0].VPCID = "vpc-0bbd"
	m.Consumers[0].SubnetIDs = []string{"subnet-0d1a", "subnet-0d1b"}
	m.Consumers[0].SecurityGroupIDs = []string{"sg-0d1"}
	m.Consumers = append(m.Consumers,
		// serviceName changed
		&manifest.Consumer{Name: "partner-feed", Account: "checkout", Region: USEast1, VPCID: "vpc-0bbb",
			SubnetIDs: []string{"subnet-0b1a"}, SecurityGroupIDs: []string{"sg-0b1"},
			ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-0new"},
		// serviceRegion changed
		AnalyticsPayments(),
		// endpoint type changed
		&manifest.Consumer{Name: "checkout-payments-2", Account: "checkout", Region: USEast1, VPCID: "vpc-0bbb",
			SubnetIDs: []string{"subnet-0b1a", "subnet-0b1b"}, SecurityGroupIDs: []string{"sg-0b1"}, Provider: "payments-api"},
	)
	s := Converged()
	s.Services = append(s.Services, live.Service{
		AccountID: Payments, Region: USEast1, ID: "vpce-svc-0insp", Name: "com.amazonaws.vpce.us-east-1.vpce-svc-0insp",
		Type: "Interface", State: "Available", NetworkLoadBalancerARNs: []string{NLB},
		AvailabilityZones: []string{"us-east-1a", "us-east-1b"}, SupportedIPAddressTypes: []string{"ipv4"},
		Tags:       ownTags("inspection", nil),
		Principals: []string{"arn:aws:iam::222222222222:root"},
		Connections: []live.Connection{
			{EndpointID: "vpce-0gw1", OwnerID: Checkout, State: "available", Region: USEast1},
		},
	})
	s.Endpoints = append(s.Endpoints,
		live.Endpoint{AccountID: Checkout, Region: USEast1, ID: "vpce-0feed", Type: "Interface", VPCID: "vpc-0bbb",
			ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-0old", State: "available",
			SubnetIDs: []string{"subnet-0b1a"}, SecurityGroupIDs: []string{"sg-0b1"}, DNSRecordIPType: "ipv4", IPAddressType: "ipv4",
			Tags: ownTags("partner-feed", nil)},
		live.Endpoint{AccountID: Analytics, Region: USWest2, ID: "vpce-0ana1", Type: "Interface", VPCID: "vpc-0ccc",
			ServiceName: SvcName, ServiceRegion: USWest2, State: "available",
			SubnetIDs: []string{"subnet-0c2a", "subnet-0c2b"}, SecurityGroupIDs: []string{"sg-0c2"}, DNSRecordIPType: "ipv4", IPAddressType: "ipv4",
			Tags: ownTags("analytics-payments", nil)},
		live.Endpoint{AccountID: Checkout, Region: USEast1, ID: "vpce-0gw2", Type: "GatewayLoadBalancer", VPCID: "vpc-0bbb",
			ServiceName: SvcName, State: "available",
			SubnetIDs: []string{"subnet-0b1a", "subnet-0b1b"}, SecurityGroupIDs: []string{"sg-0b1"},
			Tags: ownTags("checkout-payments-2", nil)},
	)
	s.Services[0].Connections = append(s.Services[0].Connections,
		live.Connection{EndpointID: "vpce-0ana1", OwnerID: Analytics, State: "available", Region: USWest2},
		live.Connection{EndpointID: "vpce-0gw2", OwnerID: Checkout, State: "available", Region: USEast1})
	return Scenario{"replace-reasons", m, s}
}

// Lints breaks every live lint rule at least once.
func Lints() Scenario {
	m := Manifest()
	// PL101: subnet-0b1c is use1-az1 in checkout's mapping (served), so add
	// a subnet in use1-az4 where the NLB has no zone.
	m.Consumers[0].SubnetIDs = []string{"subnet-0b1a", "subnet-0b1e"}
	// PL102: vpc-0bbb also has subnets in use1-az1 the endpoint does not use.
	// PL105: the service's private DNS name is pending verification.
	// PL020: analytics no longer allowed; PL021: us-west-2 not supported.
	m.Providers[0].AllowedPrincipals = m.Providers[0].AllowedPrincipals[:1]
	m.Providers[0].SupportedRegions = nil
	m.Providers = append(m.Providers,
		// PL103 and PL104
		&manifest.Provider{Name: "web", Account: "payments", Region: USEast1,
			NetworkLoadBalancerARNs: []string{ALB, "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/gone/1111111111111111"},
			AllowedPrincipals:       []manifest.Principal{{Account: "checkout", Resolved: "arn:aws:iam::222222222222:root"}}},
	)
	m.Consumers = append(m.Consumers,
		AnalyticsPayments(),
		// PL106, PL107, PL108
		&manifest.Consumer{Name: "web-clients", Account: "checkout", Region: USEast1, VPCID: "vpc-0gone",
			SubnetIDs: []string{"subnet-0gone"}, SecurityGroupIDs: []string{"sg-0gone"}, Provider: "web"},
		// PL109, PL110
		&manifest.Consumer{Name: "web-clients-2", Account: "checkout", Region: USEast1, VPCID: "vpc-0bbb",
			SubnetIDs: []string{"subnet-0d1a"}, SecurityGroupIDs: []string{"sg-0d1"}, Provider: "web"},
	)
	s := Converged()
	s.Subnets = append(s.Subnets, live.Subnet{AccountID: Checkout, Region: USEast1, ID: "subnet-0b1e", VPCID: "vpc-0bbb", Zone: "us-east-1c", ZoneID: "use1-az4"})
	s.Services[0].PrivateDNSState = "pendingVerification"
	return Scenario{"lints", m, s}
}

// ForeignUntouched puts resources that plink does not own next to the
// converged ones: an untagged service, an endpoint of another project with
// the same name as ours.
func ForeignUntouched() Scenario {
	s := Converged()
	foreign := PaymentsService()
	foreign.ID, foreign.Name = "vpce-svc-0hand", "com.amazonaws.vpce.us-east-1.vpce-svc-0hand"
	foreign.Tags = map[string]string{"owner": "bob"}
	other := PaymentsService()
	other.ID, other.Name = "vpce-svc-0oth", "com.amazonaws.vpce.us-east-1.vpce-svc-0oth"
	other.Tags = map[string]string{live.TagProject: "other-project", live.TagName: "payments-api"}
	ep := CheckoutEndpoint()
	ep.ID = "vpce-0oth1"
	ep.Tags = map[string]string{live.TagProject: "other-project", live.TagName: "checkout-payments"}
	s.Services = append(s.Services, foreign, other)
	s.Endpoints = append(s.Endpoints, ep)
	return Scenario{"foreign-untouched", Manifest(), s}
}

// ReadFailures has the checkout account's endpoints unreadable: the
// endpoint looks missing and an orphan there must not be deleted.
func ReadFailures() Scenario {
	s := Converged()
	s.Endpoints = nil
	s.Failures = []live.Failure{{Account: "checkout", AccountID: Checkout, Region: USEast1,
		Call: "DescribeVpcEndpoints", Error: "AccessDenied: not authorized to perform ec2:DescribeVpcEndpoints"}}
	s.Scopes = s.Scopes[:2] // analytics was not read at all
	m := Manifest()
	m.Consumers = append(m.Consumers, AnalyticsPayments())
	return Scenario{"read-failures", m, s}
}

// InterruptedReplace is the world after an apply that moved the checkout
// consumer to vpc-0bbd stopped halfway: the new endpoint exists (pending
// acceptance) beside the old one, both tagged checkout-payments. A consumer
// removed from the manifest also left two endpoints of one name, one per
// account and region.
func InterruptedReplace() Scenario {
	m := Manifest()
	m.Consumers[0].VPCID = "vpc-0bbd"
	m.Consumers[0].SubnetIDs = []string{"subnet-0d1a", "subnet-0d1b"}
	m.Consumers[0].SecurityGroupIDs = []string{"sg-0d1"}
	s := Converged()
	moved := CheckoutEndpoint()
	moved.ID, moved.VPCID, moved.State = "vpce-0chk2", "vpc-0bbd", "pendingAcceptance"
	moved.SubnetIDs, moved.SecurityGroupIDs = []string{"subnet-0d1a", "subnet-0d1b"}, []string{"sg-0d1"}
	moved.PrivateDNSEnabled = false
	moved.NetworkInterfaceIDs = []string{"eni-0d1", "eni-0d2"}
	east := live.Endpoint{AccountID: Checkout, Region: USEast1, ID: "vpce-0lgc1", Type: "Interface", VPCID: "vpc-0bbb",
		ServiceName: SvcName, State: "available", SubnetIDs: []string{"subnet-0b1a"}, SecurityGroupIDs: []string{"sg-0b1"},
		DNSRecordIPType: "ipv4", IPAddressType: "ipv4", Tags: ownTags("legacy-feed", nil)}
	west := live.Endpoint{AccountID: Analytics, Region: USWest2, ID: "vpce-0lgc2", Type: "Interface", VPCID: "vpc-0ccc",
		ServiceName: SvcName, ServiceRegion: USEast1, State: "available", SubnetIDs: []string{"subnet-0c2a"}, SecurityGroupIDs: []string{"sg-0c2"},
		DNSRecordIPType: "ipv4", IPAddressType: "ipv4", Tags: ownTags("legacy-feed", nil)}
	s.Endpoints = append(s.Endpoints, moved, east, west)
	s.Services[0].Connections = append(s.Services[0].Connections,
		live.Connection{EndpointID: "vpce-0chk2", OwnerID: Checkout, State: "pendingAcceptance", Region: USEast1},
		live.Connection{EndpointID: "vpce-0lgc1", OwnerID: Checkout, State: "available", Region: USEast1},
		live.Connection{EndpointID: "vpce-0lgc2", OwnerID: Analytics, State: "available", Region: USWest2})
	return Scenario{"interrupted-replace", m, s}
}

// Renamed renames the converged provider to payments-api-v2 and the
// consumer to checkout-to-payments, each with renamedFrom naming the old
// name: both are updated in place (their plink:name tags), nothing is
// created or destroyed.
func Renamed() Scenario {
	m := Manifest()
	m.Providers[0].Name = "payments-api-v2"
	m.Providers[0].RenamedFrom = []string{"payments-api"}
	m.Consumers[0].Name = "checkout-to-payments"
	m.Consumers[0].RenamedFrom = []string{"checkout-v0", "checkout-payments"}
	m.Consumers[0].Provider = "payments-api-v2"
	return Scenario{"renamed", m, Converged()}
}

// Generate builds a converged topology of the given size for benchmarks:
// providers spread over accounts, each consumer in another account than its
// provider, with a little drift so the plan has real work.
func Generate(accounts, providers, consumers int) (*manifest.Manifest, *live.Snapshot) {
	m := &manifest.Manifest{Version: 1, Project: "bench", Defaults: manifest.Defaults{Region: USEast1, Tags: map[string]string{"team": "platform"}},
		Accounts: map[string]*manifest.Account{}}
	s := &live.Snapshot{}
	ids := make([]string, accounts)
	for a := 0; a < accounts; a++ {
		alias := fmt.Sprintf("acct%02d", a)
		ids[a] = fmt.Sprintf("%012d", 100000000000+a)
		m.Accounts[alias] = &manifest.Account{ID: ids[a], Alias: alias}
		s.Scopes = append(s.Scopes, live.Scope{Account: alias, AccountID: ids[a], Region: USEast1})
		for z, name := range []string{"us-east-1a", "us-east-1b", "us-east-1c"} {
			s.Zones = append(s.Zones, live.Zone{AccountID: ids[a], Region: USEast1, Name: name, ID: fmt.Sprintf("use1-az%d", (z+a)%3+1)})
		}
		vpc := fmt.Sprintf("vpc-%04d", a)
		s.VPCs = append(s.VPCs, live.VPC{AccountID: ids[a], Region: USEast1, ID: vpc})
		for z := 0; z < 3; z++ {
			s.Subnets = append(s.Subnets, live.Subnet{AccountID: ids[a], Region: USEast1, ID: fmt.Sprintf("subnet-%04d%d", a, z), VPCID: vpc,
				Zone: fmt.Sprintf("us-east-1%c", 'a'+z), ZoneID: fmt.Sprintf("use1-az%d", (z+a)%3+1)})
		}
		s.SecurityGroups = append(s.SecurityGroups, live.SecurityGroup{AccountID: ids[a], Region: USEast1, ID: fmt.Sprintf("sg-%04d", a), VPCID: vpc})
	}
	tags := func(name string) map[string]string {
		return map[string]string{"team": "platform", live.TagProject: "bench", live.TagName: name}
	}
	svcIdx := map[string]int{}
	for p := 0; p < providers; p++ {
		a := p % accounts
		name := fmt.Sprintf("svc-%04d", p)
		lb := fmt.Sprintf("arn:aws:elasticloadbalancing:us-east-1:%s:loadbalancer/net/%s/%016d", ids[a], name, p)
		prov := &manifest.Provider{Name: name, Account: fmt.Sprintf("acct%02d", a), Region: USEast1,
			NetworkLoadBalancerARNs: []string{lb}, AcceptanceRequired: true, SupportedIPAddressTypes: []string{"ipv4"}}
		var principals []string
		for k := 1; k <= 4; k++ {
			o := (a + k) % accounts
			arn := "arn:aws:iam::" + ids[o] + ":root"
			prov.AllowedPrincipals = append(prov.AllowedPrincipals, manifest.Principal{Account: fmt.Sprintf("acct%02d", o), Resolved: arn})
			principals = append(principals, arn)
		}
		m.Providers = append(m.Providers, prov)
		s.LoadBalancers = append(s.LoadBalancers, live.LoadBalancer{AccountID: ids[a], Region: USEast1, ARN: lb, Name: name, Type: "network", State: "active",
			Zones: []string{"us-east-1a", "us-east-1b", "us-east-1c"}})
		svcID := fmt.Sprintf("vpce-svc-%08d", p)
		svcIdx[name] = len(s.Services)
		s.Services = append(s.Services, live.Service{AccountID: ids[a], Region: USEast1, ID: svcID, Name: "com.amazonaws.vpce.us-east-1." + svcID,
			Type: "Interface", State: "Available", AcceptanceRequired: true, NetworkLoadBalancerARNs: []string{lb},
			AvailabilityZones: []string{"us-east-1a", "us-east-1b", "us-east-1c"}, SupportedIPAddressTypes: []string{"ipv4"},
			Tags: tags(name), Principals: principals})
	}
	for c := 0; c < consumers; c++ {
		p := c % providers
		pa := p % accounts
		a := (pa + 1 + c%4) % accounts
		name := fmt.Sprintf("use-%05d", c)
		vpc := fmt.Sprintf("vpc-%04d", a)
		subnets := []string{fmt.Sprintf("subnet-%04d0", a), fmt.Sprintf("subnet-%04d1", a), fmt.Sprintf("subnet-%04d2", a)}
		m.Consumers = append(m.Consumers, &manifest.Consumer{Name: name, Account: fmt.Sprintf("acct%02d", a), Region: USEast1, VPCID: vpc,
			SubnetIDs: subnets, SecurityGroupIDs: []string{fmt.Sprintf("sg-%04d", a)}, Provider: fmt.Sprintf("svc-%04d", p), PrivateDNSEnabled: c%2 == 0})
		if c%10 == 9 {
			continue // not created yet
		}
		epID := fmt.Sprintf("vpce-%08d", c)
		ep := live.Endpoint{AccountID: ids[a], Region: USEast1, ID: epID, Type: "Interface", VPCID: vpc,
			ServiceName: s.Services[svcIdx[fmt.Sprintf("svc-%04d", p)]].Name, State: "available", SubnetIDs: subnets[:2+c%2],
			SecurityGroupIDs: []string{fmt.Sprintf("sg-%04d", a)}, PrivateDNSEnabled: c%2 == 0, DNSRecordIPType: "ipv4", IPAddressType: "ipv4",
			Policy: AWSDeflt, Tags: tags(name)}
		s.Endpoints = append(s.Endpoints, ep)
		svc := &s.Services[svcIdx[fmt.Sprintf("svc-%04d", p)]]
		state := "available"
		if c%7 == 0 {
			state = "pendingAcceptance"
		}
		svc.Connections = append(svc.Connections, live.Connection{EndpointID: epID, OwnerID: ids[a], State: state})
	}
	return m, s
}
