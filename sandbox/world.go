package sandbox

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/plinkdev/plink/internal/bounded"
)

//go:embed worlds/default.yaml
var defaultWorldYAML []byte

// World is the fixed part of a sandbox: regions, accounts with their
// identities and assumable roles, and per account and region the AZ mapping,
// VPCs, subnets, security groups and load balancers. It is read from YAML
// (see worlds/default.yaml) and never changed by API calls.
type World struct {
	// Regions lists the regions the sandbox serves.
	Regions []string `yaml:"regions"`
	// Operator is the alias of the account whose first credential is the
	// operator (tooling) identity returned by OperatorCredentials.
	Operator string `yaml:"operator"`
	// Accounts lists the AWS accounts.
	Accounts []Account `yaml:"accounts"`
	// Quotas changes AWS's default PrivateLink quotas for every account of
	// the world; a field left 0 keeps the default (DefaultQuotas).
	Quotas Quotas `yaml:"quotas"`
	// Metrics are the CloudWatch metric series GetMetricData serves
	// (cloudwatch.go); SetMetric changes them while serving.
	Metrics []MetricSeries `yaml:"metrics"`
	// HostedZones are the Route 53 hosted zones of the accounts
	// (route53.go).
	HostedZones []HostedZone `yaml:"hostedZones"`
	// ResourceConfigurations and ServiceNetworks are the VPC Lattice
	// resources Resource and ServiceNetwork endpoints connect to, with whom
	// their owners share them (ec2_lattice.go).
	ResourceConfigurations []ResourceConfiguration `yaml:"resourceConfigurations"`
	ServiceNetworks        []ServiceNetwork        `yaml:"serviceNetworks"`
}

// Quotas are the PrivateLink quotas the sandbox enforces (AWS PrivateLink
// quotas, per account and region unless said otherwise).
type Quotas struct {
	// InterfaceEndpointsPerVPC counts Interface and Gateway Load Balancer
	// endpoints together, per VPC (AWS default 50, adjustable).
	InterfaceEndpointsPerVPC int `yaml:"interfaceEndpointsPerVpc"`
	// ResourceEndpointsPerVPC and ServiceNetworkEndpointsPerVPC are the
	// quotas of Resource and ServiceNetwork endpoints per VPC (AWS default
	// 200 and 50, adjustable), each their own.
	ResourceEndpointsPerVPC       int `yaml:"resourceEndpointsPerVpc"`
	ServiceNetworkEndpointsPerVPC int `yaml:"serviceNetworkEndpointsPerVpc"`
	// GatewayEndpointsPerRegion counts Gateway endpoints per account and
	// region (AWS default 20, adjustable).
	GatewayEndpointsPerRegion int `yaml:"gatewayEndpointsPerRegion"`
	// GatewayEndpointsPerVPC is AWS's hard limit of 255 per VPC.
	GatewayEndpointsPerVPC int `yaml:"gatewayEndpointsPerVpc"`
	// EndpointPolicyCharacters is the size of an endpoint policy, white
	// space included (AWS 20,480, not adjustable).
	EndpointPolicyCharacters int `yaml:"endpointPolicyCharacters"`
}

// DefaultQuotas are AWS's default PrivateLink quotas.
var DefaultQuotas = Quotas{
	InterfaceEndpointsPerVPC:      50,
	ResourceEndpointsPerVPC:       200,
	ServiceNetworkEndpointsPerVPC: 50,
	GatewayEndpointsPerRegion:     20,
	GatewayEndpointsPerVPC:        255,
	EndpointPolicyCharacters:      20480,
}

// Effective returns q with every unset (0) quota at its default.
func (q Quotas) Effective() Quotas {
	pick := func(v, def int) int {
		if v == 0 {
			return def
		}
		return v
	}
	return Quotas{
		InterfaceEndpointsPerVPC:      pick(q.InterfaceEndpointsPerVPC, DefaultQuotas.InterfaceEndpointsPerVPC),
		ResourceEndpointsPerVPC:       pick(q.ResourceEndpointsPerVPC, DefaultQuotas.ResourceEndpointsPerVPC),
		ServiceNetworkEndpointsPerVPC: pick(q.ServiceNetworkEndpointsPerVPC, DefaultQuotas.ServiceNetworkEndpointsPerVPC),
		GatewayEndpointsPerRegion:     pick(q.GatewayEndpointsPerRegion, DefaultQuotas.GatewayEndpointsPerRegion),
		GatewayEndpointsPerVPC:        pick(q.GatewayEndpointsPerVPC, DefaultQuotas.GatewayEndpointsPerVPC),
		EndpointPolicyCharacters:      pick(q.EndpointPolicyCharacters, DefaultQuotas.EndpointPolicyCharacters),
	}
}

// Account is one AWS account of the world.
type Account struct {
	// Alias is a short unique name such as "payments".
	Alias string `yaml:"alias"`
	// ID is the 12-digit account id.
	ID string `yaml:"id"`
	// Credentials are the long-term access keys of principals in the account.
	Credentials []Credential `yaml:"credentials"`
	// Roles are the IAM roles of the account that STS AssumeRole can assume.
	Roles []Role `yaml:"roles"`
	// Regions holds the account's network per region name.
	Regions map[string]RegionWorld `yaml:"regions"`
	// Organization is the id (o-...) of the AWS Organizations organization
	// the account belongs to, if any: what is shared with the organization
	// is shared with it.
	Organization string `yaml:"organization"`
}

// Credential is a long-term access key and the IAM principal it acts as.
type Credential struct {
	AccessKeyID     string `yaml:"accessKeyId"`
	SecretAccessKey string `yaml:"secretAccessKey"`
	// PrincipalArn is the IAM user (or root) ARN the key belongs to.
	PrincipalArn string `yaml:"principalArn"`
	// Policies are the principal's IAM identity policies, each a JSON
	// document. Without any the principal may do everything; with some,
	// every call is authorized as IAM does (authz.go, docs/authorization.md).
	Policies []string `yaml:"policies"`
}

// Role is an assumable IAM role and its trust policy, reduced to lists.
type Role struct {
	Arn string `yaml:"arn"`
	// TrustedPrincipals are principal ARNs allowed to assume the role.
	TrustedPrincipals []string `yaml:"trustedPrincipals"`
	// TrustedAccounts are account ids all of whose principals may assume it.
	TrustedAccounts []string `yaml:"trustedAccounts"`
	// ExternalID, when set, must be passed as sts:ExternalId.
	ExternalID string `yaml:"externalId"`
	// Policies are the role's IAM identity policies (JSON documents), which
	// its sessions are authorized with; none means allow-all.
	Policies []string `yaml:"policies"`
}

// RegionWorld is an account's network in one region.
type RegionWorld struct {
	// AvailabilityZones maps this account's AZ names to AZ ids.
	AvailabilityZones map[string]string `yaml:"availabilityZones"`
	VPCs              []VPC             `yaml:"vpcs"`
	LoadBalancers     []LoadBalancer    `yaml:"loadBalancers"`
	// TargetGroups of the load balancers (elb_targets.go); a network load
	// balancer that none names gets one healthy target per zone.
	TargetGroups []TargetGroup `yaml:"targetGroups"`
	// Topics are the account's SNS topics in the region (sns.go).
	Topics []Topic `yaml:"topics"`
}

// VPC is a virtual private cloud with its subnets and security groups.
type VPC struct {
	ID             string          `yaml:"id"`
	CIDR           string          `yaml:"cidr"`
	Name           string          `yaml:"name"`
	Subnets        []Subnet        `yaml:"subnets"`
	SecurityGroups []SecurityGroup `yaml:"securityGroups"`
	// RouteTables of the VPC (ec2_routetables.go); without a main one the
	// VPC gets an implicit main table.
	RouteTables []RouteTable `yaml:"routeTables"`
}

// Subnet is a subnet in one availability zone (named in the owner's mapping).
type Subnet struct {
	ID               string `yaml:"id"`
	AvailabilityZone string `yaml:"availabilityZone"`
	CIDR             string `yaml:"cidr"`
	// IPv6CIDR is the subnet's IPv6 block (a /64), if it has one.
	IPv6CIDR string `yaml:"ipv6Cidr"`
	Name     string `yaml:"name"`
}

// SecurityGroup is a VPC security group.
type SecurityGroup struct {
	ID          string `yaml:"id"`
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
}

// LoadBalancer is an Elastic Load Balancing v2 load balancer.
type LoadBalancer struct {
	Arn string `yaml:"arn"`
	// Type is network, gateway or application.
	Type    string   `yaml:"type"`
	VpcID   string   `yaml:"vpcId"`
	Subnets []string `yaml:"subnets"`
	// State is active (default), provisioning, active_impaired or failed.
	State string `yaml:"state"`
	// Scheme is internal (default) or internet-facing.
	Scheme string `yaml:"scheme"`
	// CrossZone is the load_balancing.cross_zone.enabled attribute (off by
	// default for network and gateway load balancers, as in AWS).
	CrossZone bool `yaml:"crossZone"`
}

// DefaultWorld returns a fresh copy of the embedded default world
// (worlds/default.yaml): accounts payments, checkout, analytics and the
// tooling operator, in us-east-1 and us-west-2.
func DefaultWorld() *World {
	w, err := parseWorld(defaultWorldYAML, "worlds/default.yaml")
	if err != nil {
		panic("sandbox: embedded default world is invalid: " + err.Error())
	}
	return w
}

// LoadWorld reads and validates a world YAML file. Unknown fields are errors.
// It is read as every file plink reads: a regular file of at most 64 MiB,
// its depth and width bounded before the YAML parser sees it.
func LoadWorld(path string) (*World, error) {
	b, err := bounded.ReadFile(path, 64<<20)
	if err != nil {
		return nil, err
	}
	if se := bounded.ScanYAML(b, bounded.Limits{}); se != nil {
		return nil, fmt.Errorf("%s:%d:%d: %s", path, se.Line, se.Column, se.Problem())
	}
	return parseWorld(b, path)
}

func parseWorld(b []byte, name string) (*World, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var w World
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	w.defaultTargetGroups()
	if err := w.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &w, nil
}

var (
	reAccountID = regexp.MustCompile(`^\d{12}$`)
	reVpcID     = regexp.MustCompile(`^vpc-[0-9a-f]{8,17}$`)
	reSubnetID  = regexp.MustCompile(`^subnet-[0-9a-f]{8,17}$`)
	reSgID      = regexp.MustCompile(`^sg-[0-9a-f]{8,17}$`)
	reLBArn     = regexp.MustCompile(`^arn:aws:elasticloadbalancing:([a-z0-9-]+):(\d{12}):loadbalancer/(net|gwy|app)/([A-Za-z0-9-]+)/[0-9a-f]{16}$`)
	reRoleArn   = regexp.MustCompile(`^arn:aws:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)$`)
)

// validate checks the world for consistency and collects every problem.
func (w *World) validate() error {
	wc := &worldCheck{regions: map[string]bool{}, aliases: map[string]bool{}, ids: map[string]bool{}, keys: map[string]bool{}, resIDs: map[string]bool{}}
	for _, r := range w.Regions {
		wc.regions[r] = true
	}
	if len(wc.regions) == 0 {
		wc.bad("regions: at least one region is required")
	}
	for ai, a := range w.Accounts {
		wc.account(fmt.Sprintf("accounts[%d] (%s)", ai, a.Alias), a)
	}
	wc.quotas(w.Quotas)
	wc.errs = append(wc.errs, w.validateTargets()...)
	wc.errs = append(wc.errs, w.validateRouteTables()...)
	wc.errs = append(wc.errs, w.validateLattice()...)
	wc.errs = append(wc.errs, w.validateZones()...)
	if w.Operator != "" && !wc.aliases[w.Operator] {
		wc.bad("operator: no account with alias %q", w.Operator)
	}
	return errors.Join(wc.errs...)
}

// worldCheck collects the problems of a world, and what must be unique
// across it.
type worldCheck struct {
	errs    []error
	regions map[string]bool // the world's regions
	// aliases, ids and keys are the account aliases, account ids and
	// access key ids seen; resIDs the ids of VPCs, subnets, security
	// groups and load balancers.
	aliases, ids, keys, resIDs map[string]bool
}

func (wc *worldCheck) bad(format string, a ...any) {
	wc.errs = append(wc.errs, fmt.Errorf(format, a...))
}

// uniq refuses a resource id seen before.
func (wc *worldCheck) uniq(kind, id string) {
	if wc.resIDs[id] {
		wc.bad("%s %s: duplicate id", kind, id)
	}
	wc.resIDs[id] = true
}

// account checks one account (at where): its alias and id, credentials,
// roles and regions.
func (wc *worldCheck) account(where string, a Account) {
	if a.Alias == "" || wc.aliases[a.Alias] {
		wc.bad("%s: alias missing or duplicate", where)
	}
	wc.aliases[a.Alias] = true
	if !reAccountID.MatchString(a.ID) || wc.ids[a.ID] {
		wc.bad("%s: id %q must be 12 unique digits", where, a.ID)
	}
	wc.ids[a.ID] = true
	for _, c := range a.Credentials {
		if len(c.AccessKeyID) < 16 || c.SecretAccessKey == "" || wc.keys[c.AccessKeyID] {
			wc.bad("%s: credential %q: access key id (16+ chars, unique) and secret are required", where, c.AccessKeyID)
		}
		wc.keys[c.AccessKeyID] = true
		if !strings.HasPrefix(c.PrincipalArn, "arn:aws:iam::"+a.ID+":") {
			wc.bad("%s: credential %s: principalArn %q must be an IAM ARN in account %s", where, c.AccessKeyID, c.PrincipalArn, a.ID)
		}
		if _, err := parsePolicies(c.PrincipalArn, c.Policies); err != nil {
			wc.bad("%s: credential %s: policies: %v", where, c.AccessKeyID, err)
		}
	}
	for _, r := range a.Roles {
		m := reRoleArn.FindStringSubmatch(r.Arn)
		if m == nil || m[1] != a.ID {
			wc.bad("%s: role %q must be arn:aws:iam::%s:role/NAME", where, r.Arn, a.ID)
		}
		if _, err := parsePolicies(r.Arn, r.Policies); err != nil {
			wc.bad("%s: role %s: policies: %v", where, r.Arn, err)
		}
	}
	for rname, rw := range a.Regions {
		wc.region(where+" region "+rname, rname, a.ID, rw)
	}
}

// region checks one region of account accountID (at where): its zones, VPCs,
// topics and load balancers.
func (wc *worldCheck) region(where, rname, accountID string, rw RegionWorld) {
	if !wc.regions[rname] {
		wc.bad("%s: region not listed in regions", where)
	}
	azIDs := map[string]bool{}
	for name, id := range rw.AvailabilityZones {
		if !strings.HasPrefix(name, rname) || id == "" || azIDs[id] {
			wc.bad("%s: availability zone %s=%s must be named after the region and map to a unique id", where, name, id)
		}
		azIDs[id] = true
	}
	subnets := map[string]string{} // subnet id -> VPC id
	for _, v := range rw.VPCs {
		wc.vpc(where, v, rw.AvailabilityZones, subnets)
	}
	wc.errs = append(wc.errs, validateTopics(where, rw.Topics)...)
	for _, lb := range rw.LoadBalancers {
		wc.loadBalancer(where, rname, accountID, lb, subnets)
	}
}

// vpc checks a VPC, its subnets (recorded in subnets) and its security
// groups.
func (wc *worldCheck) vpc(where string, v VPC, zones map[string]string, subnets map[string]string) {
	if !reVpcID.MatchString(v.ID) {
		wc.bad("%s: vpc id %q is malformed", where, v.ID)
	}
	wc.uniq("vpc", v.ID)
	pfx, err := netip.ParsePrefix(v.CIDR)
	if err != nil || !pfx.Addr().Is4() {
		wc.bad("%s: vpc %s: cidr %q is not an IPv4 CIDR", where, v.ID, v.CIDR)
	}
	for _, s := range v.Subnets {
		if !reSubnetID.MatchString(s.ID) {
			wc.bad("%s: subnet id %q is malformed", where, s.ID)
		}
		wc.uniq("subnet", s.ID)
		subnets[s.ID] = v.ID
		if _, ok := zones[s.AvailabilityZone]; !ok {
			wc.bad("%s: subnet %s: availability zone %q is not in availabilityZones", where, s.ID, s.AvailabilityZone)
		}
		sp, err := netip.ParsePrefix(s.CIDR)
		if err != nil || !sp.Addr().Is4() || sp.Bits() > 28 || (pfx.IsValid() && (!pfx.Contains(sp.Addr()) || sp.Bits() < pfx.Bits())) {
			wc.bad("%s: subnet %s: cidr %q must be an IPv4 /16../28 inside the VPC %s", where, s.ID, s.CIDR, v.CIDR)
		}
		if s.IPv6CIDR != "" {
			if p6, err := netip.ParsePrefix(s.IPv6CIDR); err != nil || !p6.Addr().Is6() || p6.Addr().Is4In6() || p6.Bits() != 64 || p6.Masked() != p6 {
				wc.bad("%s: subnet %s: ipv6Cidr %q must be an IPv6 /64 block", where, s.ID, s.IPv6CIDR)
			}
		}
	}
	for _, g := range v.SecurityGroups {
		if !reSgID.MatchString(g.ID) {
			wc.bad("%s: security group id %q is malformed", where, g.ID)
		}
		wc.uniq("security group", g.ID)
	}
}

// loadBalancer checks a load balancer of account accountID in region rname: its
// ARN, type, subnets (in its VPC) and state.
func (wc *worldCheck) loadBalancer(where, rname, accountID string, lb LoadBalancer, subnets map[string]string) {
	m := reLBArn.FindStringSubmatch(lb.Arn)
	if m == nil || m[1] != rname || m[2] != accountID {
		wc.bad("%s: load balancer %q must be an elasticloadbalancing ARN in %s/%s: arn:aws:elasticloadbalancing:%s:%s:loadbalancer/net|gwy|app/NAME/ID, ID 16 lowercase hex digits",
			where, lb.Arn, rname, accountID, rname, accountID)
		return
	}
	wc.uniq("load balancer", lb.Arn)
	want := map[string]string{"net": "network", "gwy": "gateway", "app": "application"}[m[3]]
	if lb.Type != want {
		wc.bad("%s: load balancer %s: type %q does not match its ARN (%s)", where, lb.Arn, lb.Type, want)
	}
	for _, s := range lb.Subnets {
		if vpc, ok := subnets[s]; !ok || vpc != lb.VpcID {
			wc.bad("%s: load balancer %s: subnet %s is not in vpc %s", where, lb.Arn, s, lb.VpcID)
		}
	}
	switch lb.State {
	case "", "active", "provisioning", "active_impaired", "failed":
	default:
		wc.bad("%s: load balancer %s: unknown state %q", where, lb.Arn, lb.State)
	}
}

// quotas refuses a negative quota.
func (wc *worldCheck) quotas(q Quotas) {
	for name, v := range map[string]int{
		"interfaceEndpointsPerVpc":      q.InterfaceEndpointsPerVPC,
		"resourceEndpointsPerVpc":       q.ResourceEndpointsPerVPC,
		"serviceNetworkEndpointsPerVpc": q.ServiceNetworkEndpointsPerVPC,
		"gatewayEndpointsPerRegion":     q.GatewayEndpointsPerRegion,
		"gatewayEndpointsPerVpc":        q.GatewayEndpointsPerVPC,
		"endpointPolicyCharacters":      q.EndpointPolicyCharacters,
	} {
		if v < 0 {
			wc.bad("quotas.%s: %d is negative (leave it out or 0 for AWS's default)", name, v)
		}
	}
}

// account looks an account up by alias or id.
func (w *World) account(aliasOrID string) *Account {
	for i := range w.Accounts {
		if w.Accounts[i].Alias == aliasOrID || w.Accounts[i].ID == aliasOrID {
			return &w.Accounts[i]
		}
	}
	return nil
}
