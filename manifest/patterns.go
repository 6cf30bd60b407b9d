package manifest

import "regexp"

// Patterns shared by the validator and schemas/manifest.schema.json; a test
// checks that the schema's patterns are these exact strings. They use only
// syntax that both Go's RE2 and ECMAScript understand.
const (
	patProject       = `^[a-z0-9][a-z0-9-]{0,62}$`
	patName          = `^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`
	patAlias         = `^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`
	patAccountID     = `^[0-9]{12}$`
	patRegion        = `^[a-z]{2}(-gov|-iso[a-z]?)?-(central|north|south|east|west|northeast|northwest|southeast|southwest)-[1-9]$`
	patRoleARN       = `^arn:aws(-cn|-us-gov)?:iam::([0-9]{12}):role/[A-Za-z0-9+=,.@_/-]{1,512}$`
	patPrincipalARN  = `^(\*|arn:aws(-cn|-us-gov)?:iam::([0-9]{12}):(root|role/[A-Za-z0-9+=,.@_/-]{1,512}|user/[A-Za-z0-9+=,.@_/-]{1,512}))$`
	patNLBARN        = `^arn:aws(-cn|-us-gov)?:elasticloadbalancing:([a-z0-9-]+):([0-9]{12}):loadbalancer/net/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}$`
	patGWLBARN       = `^arn:aws(-cn|-us-gov)?:elasticloadbalancing:([a-z0-9-]+):([0-9]{12}):loadbalancer/gwy/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}$`
	patTopicARN      = `^arn:aws(-cn|-us-gov)?:sns:([a-z0-9-]+):([0-9]{12}):[A-Za-z0-9_-]{1,256}(\.fifo)?$`
	patVPCID         = `^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`
	patSubnetID      = `^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`
	patSecurityGroup = `^sg-([0-9a-f]{8}|[0-9a-f]{17})$`
	patServiceID     = `^vpce-svc-([0-9a-f]{8}|[0-9a-f]{17})$`
	patEndpointID    = `^vpce-([0-9a-f]{8}|[0-9a-f]{17})$`
	patServiceName   = `^[a-z0-9]+(\.[a-z0-9-]+)+$`
	patDNSName       = `^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$`
	patExternalID    = `^[A-Za-z0-9+=,.@:/_-]{2,}$`
)

var (
	reProject       = regexp.MustCompile(patProject)
	reName          = regexp.MustCompile(patName)
	reAlias         = regexp.MustCompile(patAlias)
	reAccountID     = regexp.MustCompile(patAccountID)
	reRegion        = regexp.MustCompile(patRegion)
	reRoleARN       = regexp.MustCompile(patRoleARN)
	rePrincipalARN  = regexp.MustCompile(patPrincipalARN)
	reNLBARN        = regexp.MustCompile(patNLBARN)
	reGWLBARN       = regexp.MustCompile(patGWLBARN)
	reTopicARN      = regexp.MustCompile(patTopicARN)
	reVPCID         = regexp.MustCompile(patVPCID)
	reSubnetID      = regexp.MustCompile(patSubnetID)
	reSecurityGroup = regexp.MustCompile(patSecurityGroup)
	reServiceID     = regexp.MustCompile(patServiceID)
	reEndpointID    = regexp.MustCompile(patEndpointID)
	reServiceName   = regexp.MustCompile(patServiceName)
	reDNSName       = regexp.MustCompile(patDNSName)
	reExternalID    = regexp.MustCompile(patExternalID)
)

// Enumerations shared with the schema.
var (
	notificationEvents = []string{"Connect", "Accept", "Reject", "Delete"}
	serviceIPTypes     = []string{"ipv4", "ipv6"}
	endpointIPTypes    = []string{"ipv4", "ipv6", "dualstack"}
	dnsRecordIPTypes   = []string{"ipv4", "ipv6", "dualstack", "service-defined"}
	policyVersions     = []string{"2012-10-17", "2008-10-17"}
	policyEffects      = []string{"Allow", "Deny"}
)

// Limits.
const (
	maxPolicyChars = 20480
	maxTagKey      = 128
	maxTagValue    = 256
	maxTags        = 50
	maxDNSName     = 255
)

// partition returns the ARN partition of a region.
func partition(region string) string {
	switch {
	case len(region) >= 3 && region[:3] == "cn-":
		return "aws-cn"
	case len(region) >= 7 && region[:7] == "us-gov-":
		return "aws-us-gov"
	}
	return "aws"
}

// RootARN is the IAM principal ARN for a whole account in region's partition.
func RootARN(accountID, region string) string {
	return "arn:" + partition(region) + ":iam::" + accountID + ":root"
}
