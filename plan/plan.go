package plan

import "github.com/plinkdev/plink/finding"

// FormatVersion is the version of the JSON plan document (schemas/plan.schema.json).
// Bump the minor for additive changes, the major for breaking ones.
// 1.1: a no-op change carries no values, but an endpoint service's after
// values (noop.go).
const FormatVersion = "1.1"

// Action is what a change does to a resource.
type Action string

const (
	Create  Action = "create"
	Update  Action = "update"
	Replace Action = "replace"
	Delete  Action = "delete"
	Accept  Action = "accept"
	Reject  Action = "reject"
	Adopt   Action = "adopt"
	NoOp    Action = "no-op"
)

// Kind is the type of resource a change is about.
type Kind string

const (
	KindService      Kind = "endpoint_service"        // provider.NAME
	KindPrincipal    Kind = "principal"               // provider.NAME.principal[ARN]
	KindConnection   Kind = "connection"              // provider.NAME.connection[vpce-ID | consumer.NAME]
	KindNotification Kind = "connection_notification" // provider.NAME.notification[N]
	KindEndpoint     Kind = "endpoint"                // consumer.NAME
	KindDNSRecord    Kind = "dns_record"              // provider.NAME.dns_record
)

// Plan is the value plan.Compute returns: every change needed to make live
// state match the manifest, with diagnostics. It is rendered as text or JSON
// and executed by package apply; nothing in it is recomputed there.
type Plan struct {
	FormatVersion  string `json:"formatVersion"`
	Project        string `json:"project"`
	ManifestDigest string `json:"manifestDigest,omitempty"`
	PlinkVersion   string `json:"plinkVersion,omitempty"`
	// Destroy marks a plan of plink destroy (or plan --destroy): its goal
	// is that nothing the manifest owns is left, not that live state
	// matches the manifest.
	Destroy bool `json:"destroy,omitempty"`
	// Changes are in apply order; no-op changes are kept so that renderers and
	// drift reports can list what was checked, without their values
	// (noop.go).
	Changes     []Change     `json:"changes"`
	Diagnostics []Diagnostic `json:"diagnostics,omitempty"`
	Cost        *Cost        `json:"cost,omitempty"`
	// Unsettled says, as read, what keeps a plan without changes from
	// meaning that live state matches the manifest (Unsettled).
	Unsettled []string `json:"unsettled,omitempty"`
	// Fingerprints maps every live resource id the plan was computed from to a
	// hash of what was read, so a saved plan can detect a changed world.
	Fingerprints map[string]string `json:"fingerprints,omitempty"`
}

// Change is one action on one resource.
type Change struct {
	Address   string `json:"address"`
	Kind      Kind   `json:"kind"`
	Action    Action `json:"action"`
	Account   string `json:"account"` // alias from the manifest
	AccountID string `json:"accountId"`
	Region    string `json:"region"`
	// ID is the live id when the resource exists (vpce-svc-…, vpce-…, vpce-nfn-…,
	// or the principal ARN).
	ID string `json:"id,omitempty"`
	// Parent is the address of the owning provider for principals,
	// connections and notifications; ParentID its live id when known.
	Parent   string `json:"parent,omitempty"`
	ParentID string `json:"parentId,omitempty"`
	// Before and After are the read and the desired values. Changes may
	// share one Values (Compute's principals and accepts do), and its
	// maps and lists the manifest's: read-only, copy to change.
	Before *Values `json:"before,omitempty"`
	After  *Values `json:"after,omitempty"`
	// Refs name values known only after apply: attribute → address whose
	// created resource supplies it (e.g. "serviceName": "provider.api").
	// Changes may share one map (a provider's consumers do): read-only.
	Refs map[string]string `json:"refs,omitempty"`
	// ReplaceReasons name the attributes that force a replace.
	ReplaceReasons []string `json:"replaceReasons,omitempty"`
	// PrivateDNSAfterAccept: the endpoint is created with private DNS off and
	// it is turned on once its connection is accepted (AWS cannot before).
	PrivateDNSAfterAccept bool `json:"privateDnsAfterAccept,omitempty"`
	// PrivateDNSWaitsFor says, with PrivateDNSAfterAccept, what turning
	// private DNS on waits for: the connection's acceptance, the
	// verification of the provider's private DNS name (its dns_record
	// change), or both (PrivateDNSNote).
	PrivateDNSWaitsFor []string `json:"privateDnsWaitsFor,omitempty"`
	// Reason says why an accept or reject is planned (which declared
	// consumer, acceptFrom entry or rejectUndeclared setting).
	Reason string `json:"reason,omitempty"`
	// ConfirmForeign is set on a reject of a connection whose endpoint the
	// plan did not know as this project's: apply re-reads the endpoint in
	// its owner account first and keeps the connection if it carries this
	// project's tag (a concurrent run made it after this plan's read).
	ConfirmForeign bool `json:"confirmForeign,omitempty"`
	// Release is set on the update of a destroy that gives an adopted
	// resource back: apply removes plink's own tags (and only then).
	Release bool `json:"release,omitempty"`
	// Breaks says what a delete or removal breaks, for the reader of the plan.
	Breaks   []string `json:"breaks,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	// DependsOn lists addresses that must be applied first. Changes may
	// share one list (a provider's children do): read-only.
	DependsOn []string `json:"dependsOn,omitempty"`
	// PriorAccount, PriorAccountID and PriorRegion say where the resource a
	// replace removes lives, when the manifest moved it to another account
	// or region (ReplaceReasons then include "account" or "region").
	PriorAccount   string `json:"priorAccount,omitempty"`
	PriorAccountID string `json:"priorAccountId,omitempty"`
	PriorRegion    string `json:"priorRegion,omitempty"`
	// WaitsFor names the changes of another shard (addresses) that this
	// change of a shard's plan needs first: it is shown, counted and costed
	// as any change, but the shard's apply leaves it for a later run (or
	// makes it within --shard-wait once the other shard has).
	WaitsFor []string `json:"waitsFor,omitempty"`
}

// Values are a resource's attributes as plink manages them; only the fields
// of the change's Kind are set. Pointers distinguish "false" from "unset".
type Values struct {
	// Type is the endpoint service type (Interface | GatewayLoadBalancer) or
	// the endpoint type (Interface | GatewayLoadBalancer | Gateway).
	Type string `json:"type,omitempty"`

	// endpoint service
	NetworkLoadBalancerARNs []string `json:"networkLoadBalancerArns,omitempty"`
	GatewayLoadBalancerARNs []string `json:"gatewayLoadBalancerArns,omitempty"`
	AcceptanceRequired      *bool    `json:"acceptanceRequired,omitempty"`
	PrivateDNSName          *string  `json:"privateDnsName,omitempty"`
	SupportedIPAddressTypes []string `json:"supportedIpAddressTypes,omitempty"`
	SupportedRegions        []string `json:"supportedRegions,omitempty"`
	// PayerResponsibility is EndpointOwner or ServiceOwner, set only when
	// the manifest sets payerResponsibility.
	PayerResponsibility string `json:"payerResponsibility,omitempty"`
	ServiceName         string `json:"serviceName,omitempty"` // also set on endpoints

	// endpoint
	VPCID         string   `json:"vpcId,omitempty"`
	ServiceRegion string   `json:"serviceRegion,omitempty"`
	SubnetIDs     []string `json:"subnetIds,omitempty"`
	// IPAddresses are an endpoint's fixed addresses ("SUBNET=ADDRESS",
	// sorted): only those the manifest fixes, on both sides.
	IPAddresses                              []string `json:"ipAddresses,omitempty"`
	SecurityGroupIDs                         []string `json:"securityGroupIds,omitempty"`
	RouteTableIDs                            []string `json:"routeTableIds,omitempty"` // gateway endpoints
	PrivateDNSEnabled                        *bool    `json:"privateDnsEnabled,omitempty"`
	DNSRecordIPType                          string   `json:"dnsRecordIpType,omitempty"`
	PrivateDNSOnlyForInboundResolverEndpoint *bool    `json:"privateDnsOnlyForInboundResolverEndpoint,omitempty"`
	IPAddressType                            string   `json:"ipAddressType,omitempty"`
	Policy                                   string   `json:"policy,omitempty"` // normalized JSON
	// ResourceConfigurationARN and ServiceNetworkARN are what a Resource or
	// ServiceNetwork endpoint connects to (a change replaces it);
	// PrivateDNSPreference and PrivateDNSSpecifiedDomains (sorted) its
	// private DNS options.
	ResourceConfigurationARN   string   `json:"resourceConfigurationArn,omitempty"`
	ServiceNetworkARN          string   `json:"serviceNetworkArn,omitempty"`
	PrivateDNSPreference       string   `json:"privateDnsPreference,omitempty"`
	PrivateDNSSpecifiedDomains []string `json:"privateDnsSpecifiedDomains,omitempty"`

	// principal
	Principal string `json:"principal,omitempty"`

	// connection
	EndpointID    string `json:"endpointId,omitempty"`
	EndpointOwner string `json:"endpointOwner,omitempty"`
	State         string `json:"state,omitempty"`

	// notification
	TopicARN string   `json:"topicArn,omitempty"`
	Events   []string `json:"events,omitempty"`

	// dns_record: the TXT record that verifies a provider's private DNS
	// name, in a Route 53 hosted zone, and the name's verification state
	// (verified after a create or update).
	ZoneID       string   `json:"zoneId,omitempty"`
	RecordName   string   `json:"recordName,omitempty"`
	RecordValues []string `json:"recordValues,omitempty"`
	Verification string   `json:"verification,omitempty"`

	Tags map[string]string `json:"tags,omitempty"`
}

// Severity of a diagnostic (finding.Severity).
type Severity = finding.Severity

const (
	SeverityError   = finding.Error
	SeverityWarning = finding.Warning
	// SeverityInfo is a note: something plink could not check (PL117),
	// which stops nothing.
	SeverityInfo = finding.Info
)

// Diagnostic is a finding about the manifest against live state (live lint)
// or a problem that makes the plan impossible. A plan with an error
// diagnostic must not be applied.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	Code     string   `json:"code"` // stable id, e.g. PL101
	Address  string   `json:"address,omitempty"`
	Account  string   `json:"account,omitempty"`
	Region   string   `json:"region,omitempty"`
	Message  string   `json:"message"`
	Hint     string   `json:"hint,omitempty"`
}

// Finding is the diagnostic in the shared vocabulary; its subject is the
// address.
func (d Diagnostic) Finding() finding.Finding {
	return finding.Finding{Code: d.Code, Severity: d.Severity, Subject: d.Address, Message: d.Message, Hint: d.Hint}
}

// Cost is the estimated monthly cost change of the plan's interface
// endpoints (per endpoint-AZ hour), in USD.
type Cost struct {
	MonthlyDelta float64 `json:"monthlyDelta"`
	Currency     string  `json:"currency"`
	// EndpointAZHoursDelta is the change in endpoint-AZs billed per hour.
	EndpointAZsDelta int    `json:"endpointAzsDelta"`
	Note             string `json:"note,omitempty"`
}
