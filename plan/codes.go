package plan

// Diagnostic codes. They are stable: tools and CI scripts match on them,
// and docs/plan.md describes each. PL1xx are live lint (the manifest
// disagrees with the world it would be applied to); PL2xx are problems found
// while planning (the plan is wrong or incomplete); PL030 reports pending
// connections, PL031 declared connections waiting and PL032 connections
// left open from accounts outside the manifest. PL001–PL0xx otherwise
// belong to manifest lint (package manifest) and are not used here.
const (
	CodeReadFailure        = "PL201" // error: a live read failed; the snapshot is incomplete
	CodeScopeNotRead       = "PL202" // error: an account-region the manifest uses was not read
	CodeAdoptMissing       = "PL210" // error: adopt names an id that does not exist
	CodeAdoptOwned         = "PL211" // error: adopt names a resource plink already manages (another project or name)
	CodeDuplicateName      = "PL212" // error: several live resources carry the same plink:name and none can be chosen safely
	CodeUnknownAccount     = "PL213" // error: an entry names an account alias that is not declared
	CodeAdoptWrongScope    = "PL214" // error: the adopted resource is in another account or region
	CodeInvalidPolicy      = "PL215" // error: an endpoint policy is not a valid policy document
	CodePrincipalMissing   = "PL220" // error: a consumer's account is not an allowed principal of its provider
	CodeRegionUnsupported  = "PL221" // error: a cross-region consumer's region is not in supportedRegions
	CodeUnknownProvider    = "PL222" // error: a consumer names a provider that is not declared
	CodeLBTaken            = "PL223" // error: a provider's load balancer already fronts an endpoint service plink does not manage here
	CodeLBFreedLater       = "PL224" // error: a provider's load balancer fronts a service of this project that the plan deletes (AWS would refuse the new service first)
	CodeUndeclaredPending  = "PL030" // warning: pending connections nobody declared are left waiting
	CodeSubnetAZNotServed  = "PL101" // error: a consumer subnet is in an AZ the service has no load balancer in
	CodeVPCAZNotCovered    = "PL102" // warning: the consumer VPC has subnets in AZs the endpoint does not cover
	CodeLBMissing          = "PL103" // error: a provider's load balancer does not exist
	CodeLBType             = "PL104" // error: a provider's load balancer is not of type network/gateway
	CodeDNSNotVerified     = "PL105" // warning: the service's private DNS name is not verified
	CodeSGMissing          = "PL106" // error: a consumer security group does not exist
	CodeSubnetMissing      = "PL107" // error: a consumer subnet does not exist
	CodeVPCMissing         = "PL108" // error: a consumer VPC does not exist
	CodeSubnetWrongVPC     = "PL109" // error: a consumer subnet is in another VPC
	CodeSGWrongVPC         = "PL110" // error: a consumer security group is in another VPC
	CodeDNSWaits           = "PL111" // warning: a consumer's private DNS stays off until the provider's name is verified
	CodeDeclaredWaits      = "PL031" // warning: a declared consumer's connection waits for an acceptance plink will not give
	CodeDisconnect         = "PL225" // error: deleting or replacing a service would cut off endpoints the manifest does not declare (needs --allow-disconnect)
	CodeProtected          = "PL226" // error: the plan would delete or replace a resource marked protect: true
	CodeServiceInvisible   = "PL227" // error: a consumer's service does not exist or is not visible to the consumer's account
	CodeIPTypeUnsupported  = "PL228" // error: a consumer's ipAddressType is not supported by the service or by its subnets
	CodeNoPrivateDNSName   = "PL229" // error: privateDnsEnabled on a consumer whose service has no private DNS name
	CodeQuotaEndpoints     = "PL230" // error: a VPC would hold more interface and Gateway Load Balancer endpoints than the default quota
	CodeAdoptGoing         = "PL231" // error: adopt names a resource that is being deleted
	CodeLBNotActive        = "PL232" // error: a provider's load balancer is provisioning or failed
	CodeDisconnectDeclared = "PL112" // warning: deleting a service cuts off a declared consumer's endpoint
	CodeAccountLeaves      = "PL233" // error: accounts leaving the manifest (their principal removed) have endpoints connected to a service of the project
	CodeForeignOpen        = "PL032" // warning: connections from accounts the manifest neither names nor admits stay open
	CodeTargetHealth       = "PL116" // warning: a zone where consumers have endpoints has no healthy target behind the service and cross-zone is off
	CodeTopicClosed        = "PL117" // warning: a notification's SNS topic does not let vpce.amazonaws.com publish (info: its policy could not be read)
	CodeLatticeUnchecked   = "PL130" // info: a Resource or ServiceNetwork consumer's target (or its gateway's zones) could not be read
	CodeConnectionUnseen   = "PL131" // info: a pending connection from an account where the plan creates a declared consumer's endpoint is neither accepted nor rejected
	CodeLatticeNotShared   = "PL240" // error: a Resource or ServiceNetwork consumer's configuration or network is not shared with its account
	CodeLatticeZone        = "PL241" // error: a Resource consumer's subnet is in an AZ its configuration's resource gateway does not serve
)
