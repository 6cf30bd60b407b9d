// Package iampolicy owns the least-privilege IAM policies plink needs: per
// mode (plan, drift and export read; apply also writes) and per account of
// a manifest, with writes scoped to the manifest's accounts and regions and
// to resources tagged with the manifest's project, plus the operator's
// sts:AssumeRole policy. The action lists in actions.go are the single
// source of truth. Tests run every flow against the sandbox, which
// authorizes each call as IAM does, under exactly these policies (no call
// may be denied) and with each grant taken away in turn (some call must
// be): the policies are sufficient and minimal.
//
// It is pure: it must not call AWS or IAM, and it does not print. The
// command layer picks the mode and renders the documents with JSON.
package iampolicy

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/plinkdev/plink/lease"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

// Mode is the plink command a policy is for.
type Mode string

// Modes.
const (
	Plan   Mode = "plan"
	Apply  Mode = "apply"
	Drift  Mode = "drift"
	Export Mode = "export"
	// Connections is plink connections: the reads of plan, and accepting
	// and rejecting connections of the project's endpoint services only.
	Connections Mode = "connections"
	// Status is plink status: the reads of plan, target groups, target
	// health, load balancer attributes and CloudWatch metrics.
	Status Mode = "status"
	// Destroy is plink destroy: apply's policy. Destroy is apply of a
	// plan that deletes what the project owns and releases what it
	// adopted (DeleteTags), under the project's lease; a policy of the
	// deletes alone would be proven by the destroy flows only, and a
	// destroy of a half-applied project meets whatever apply left, so it
	// is not narrower (docs/authorization.md).
	Destroy Mode = "destroy"
)

// Modes lists the valid modes in the order documented.
var Modes = []Mode{Plan, Apply, Destroy, Drift, Export, Connections, Status}

// AnyAccount is the key of the single document For returns without a
// manifest: it applies to every account.
const AnyAccount = "*"

// TagProject is the tag whose value scopes writes to one project.
const TagProject = "plink:project"

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one policy statement. Condition maps an operator to keys
// and their values.
type Statement struct {
	Sid       string                         `json:"Sid"`
	Effect    string                         `json:"Effect"`
	Action    []string                       `json:"Action"`
	Resource  []string                       `json:"Resource"`
	Condition map[string]map[string][]string `json:"Condition,omitempty"`
}

// Actions returns every action the document allows, sorted and unique.
func (d Document) Actions() []string {
	var out []string
	for _, s := range d.Statement {
		out = append(out, s.Action...)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// Allows reports whether any statement allows action (exact match; plink
// writes no wildcards).
func (d Document) Allows(action string) bool {
	for _, s := range d.Statement {
		if slices.Contains(s.Action, action) {
			return true
		}
	}
	return false
}

// ParseMode checks a mode name.
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown mode %q: valid modes are plan, apply, destroy, drift, export, connections and status", s)
}

// Live is what live state adds to a manifest's policy: the names of the
// endpoint services of its providers that exist (ServiceNames, keyed by
// provider name; see ServiceNames). An endpoint to a provider whose
// service exists is granted to that name exactly; one to a provider whose
// service does not exist yet (or is replaced) can only be granted by its
// owner and the names AWS gives services in its region, since
// CreateVpcEndpoint authorizes no endpoint-service resource that a tag
// could scope (awsauthz).
type Live struct {
	ServiceNames map[string]string
	// DNSRecords are the verification records the plan writes or deletes
	// (see DNSRecords), by account alias: a record of a provider that left
	// privateDns is deleted from its service's plink:dns-zone tag alone, so
	// only live state says which zone and name it is.
	DNSRecords map[string][]DNSRecord
	// Read says live state was read (LiveOf): then the apply policy's
	// grants on the project's endpoints and services (change, delete,
	// retag, vpce:AllowMultiRegion, reading permissions) cover only the
	// regions where the manifest declares them or the plan changes them
	// (Touched), and vpce:AllowMultiRegion only where they are
	// cross-region (the manifest's, or MultiRegion). Without it they
	// cover every region plink reads: a resource that left the manifest
	// is deleted where it is, and only live state says where.
	Read bool
	// Touched and MultiRegion are, by account alias, "REGION TYPE" (TYPE
	// vpc-endpoint or vpc-endpoint-service) of the resources the plan
	// changes, and of those that are cross-region before or after.
	Touched, MultiRegion map[string]map[string]bool
	// Released are, by account alias, the ARNs of the adopted resources
	// the plan releases (removes plink's tags from): an entry that left
	// the manifest is released where it is.
	Released map[string][]string
}

// touched is what LiveOf records of p's changes other than no-ops: where
// each changes an endpoint or service (where it was too, when it moves),
// and whether that one is cross-region.
func touched(p *plan.Plan) (all, multi map[string]map[string]bool) {
	all, multi = map[string]map[string]bool{}, map[string]map[string]bool{}
	put := func(set map[string]map[string]bool, alias, key string) {
		if set[alias] == nil {
			set[alias] = map[string]bool{}
		}
		set[alias][key] = true
	}
	for _, c := range p.Changes {
		if c.Action == plan.NoOp {
			continue
		}
		typ := "vpc-endpoint-service"
		if strings.HasPrefix(c.Address, "consumer.") {
			typ = "vpc-endpoint"
		}
		cross := false
		for _, v := range []*plan.Values{c.Before, c.After} {
			if v != nil && (len(v.SupportedRegions) > 0 || v.ServiceRegion != "") {
				cross = true
			}
		}
		for _, at := range [][2]string{{c.Account, c.Region}, {cmp.Or(c.PriorAccount, c.Account), cmp.Or(c.PriorRegion, c.Region)}} {
			put(all, at[0], at[1]+" "+typ)
			if cross {
				put(multi, at[0], at[1]+" "+typ)
			}
		}
	}
	return all, multi
}

// DNSRecord is a verification record in a hosted zone.
type DNSRecord struct{ ZoneID, Name string }

// DNSRecords returns, by account alias, the records of p's dns_record
// changes (other than no-ops) that name their zone and record.
func DNSRecords(p *plan.Plan) map[string][]DNSRecord {
	out := map[string][]DNSRecord{}
	for _, c := range p.Changes {
		if c.Kind != plan.KindDNSRecord || c.Action == plan.NoOp {
			continue
		}
		for _, v := range []*plan.Values{c.Before, c.After} {
			if v != nil && v.ZoneID != "" && v.RecordName != "" && !slices.Contains(out[c.Account], DNSRecord{v.ZoneID, v.RecordName}) {
				out[c.Account] = append(out[c.Account], DNSRecord{v.ZoneID, strings.ToLower(strings.TrimSuffix(v.RecordName, "."))})
			}
		}
	}
	return out
}

// LiveOf is what a plan says of live state for the policy: its services'
// names and the verification records it changes.
func LiveOf(p *plan.Plan) Live {
	all, multi := touched(p)
	rel := map[string][]string{}
	for _, c := range p.Changes {
		if !c.Release || c.ID == "" || c.Action == plan.NoOp {
			continue
		}
		typ := "vpc-endpoint-service/"
		if c.Kind == plan.KindEndpoint {
			typ = "vpc-endpoint/"
		}
		rel[c.Account] = append(rel[c.Account], arn(c.Region, c.AccountID, typ+c.ID))
	}
	return Live{ServiceNames: ServiceNames(p), DNSRecords: DNSRecords(p), Read: true, Touched: all, MultiRegion: multi, Released: rel}
}

// ServiceNames returns the name of each provider's live service that plan
// p keeps (no change, update or adopt), keyed by provider name: a service
// that p creates or replaces has no name yet (or a new one).
func ServiceNames(p *plan.Plan) map[string]string {
	out := map[string]string{}
	for _, c := range p.Changes {
		name, ok := strings.CutPrefix(c.Address, "provider.")
		if c.Kind != plan.KindService || !ok || c.After == nil || c.After.ServiceName == "" {
			continue
		}
		switch c.Action {
		case plan.NoOp, plan.Update, plan.Adopt:
			out[name] = c.After.ServiceName
		}
	}
	return out
}

// Unpinned lists the providers whose consumers' CreateVpcEndpoint the
// policy of m with lv grants by owner and name pattern, not by exact
// name: those plink creates whose service lv does not name. Each is
// "PROVIDER (ACCOUNT_ID, REGION)".
func Unpinned(m *manifest.Manifest, lv Live) []string {
	if m == nil {
		return nil
	}
	used := map[string]bool{}
	for _, c := range m.Consumers {
		used[c.Provider] = true
	}
	var out []string
	for _, p := range m.Providers {
		if !used[p.Name] || p.Adopt != "" || lv.ServiceNames[p.Name] != "" {
			continue
		}
		id := ""
		if a := m.Accounts[p.Account]; a != nil {
			id = a.ID
		}
		out = append(out, fmt.Sprintf("%s (%s, %s)", p.Name, id, cmp.Or(p.Region, m.Defaults.Region)))
	}
	sort.Strings(out)
	return out
}

// For returns the policy each account needs to run plink in mode, keyed by
// account alias. Without a manifest (m nil) it returns one document under
// AnyAccount with account and region wildcards and the project condition
// reduced to "has a plink:project tag".
func For(mode Mode, m *manifest.Manifest) (map[string]Document, error) {
	return ForLive(mode, m, Live{})
}

// ForLive is For with what live state says (Live): endpoints to providers
// whose service exists are granted to its exact name.
func ForLive(mode Mode, m *manifest.Manifest, lv Live) (map[string]Document, error) {
	if _, err := ParseMode(string(mode)); err != nil {
		return nil, err
	}
	if mode == Destroy {
		mode = Apply
	}
	out := map[string]Document{}
	if m == nil {
		star := []string{"*"}
		out[AnyAccount] = build(mode, scope{account: "*", readRegions: star, providerRegions: star, consumerRegions: star, interfaceRegions: star, gatewayRegions: star,
			providers: true, consumers: true, notifications: true, leaseRegion: "*", topics: []string{"arn:aws:sns:*:*:*"},
			dnsDomains: star, dnsZones: star, payer: true, permTagKeys: star, permTagRegions: star, latticeRegions: star,
			latticeTargets:  []string{"arn:aws:vpc-lattice:*:*:resourceconfiguration/*", "arn:aws:vpc-lattice:*:*:servicenetwork/*"},
			latticeGateways: []string{"arn:aws:vpc-lattice:*:*:resourcegateway/*"}, serviceNetworks: true})
		return out, nil
	}
	if len(m.Accounts) == 0 {
		return nil, fmt.Errorf("manifest declares no accounts; add at least one under accounts")
	}
	all := manifestRegions(m)
	home, homeRegion := lease.Home(m)
	region := func(r string) string { return cmp.Or(r, m.Defaults.Region) }
	providers := map[string]*manifest.Provider{}
	for _, p := range m.Providers {
		providers[p.Name] = p
	}
	// The notification topics each account reads (package live chooses
	// the account: the topic's own, when one of its providers is there).
	topics := map[string][]string{}
	for _, t := range live.NotificationTopics(m, nil) {
		topics[t.Account] = append(topics[t.Account], t.ARN)
	}
	for alias, a := range m.Accounts {
		sc := scope{account: a.ID, project: m.Project, readRegions: all, vpcs: map[string]bool{}, subnets: map[string]bool{}, sgs: map[string]bool{}, rtbs: map[string]bool{},
			ownerNames: map[string]map[string]bool{}, owners: map[string]map[string]bool{}, namedServices: map[string]map[string]bool{}, topics: topics[alias]}
		put := func(set map[string]map[string]bool, region, v string) {
			if set[region] == nil {
				set[region] = map[string]bool{}
			}
			set[region][v] = true
		}
		if alias == home {
			sc.leaseRegion = homeRegion
		}
		pr, cr := map[string]bool{}, map[string]bool{}
		ir, gr := map[string]bool{}, map[string]bool{}
		for _, p := range m.Providers {
			if p.Account != alias {
				continue
			}
			sc.providers = true
			pr[region(p.Region)] = true
			if slices.ContainsFunc(p.SupportedRegions, func(r string) bool { return r != region(p.Region) }) {
				sc.multiRegionServices = append(sc.multiRegionServices, region(p.Region))
			}
			if p.Adopt != "" {
				sc.adopted = append(sc.adopted, arn(region(p.Region), a.ID, "vpc-endpoint-service/"+p.Adopt))
			}
			if len(p.Notifications) > 0 {
				sc.notifications = true
			}
			if p.ManagesDNSRecord() {
				sc.dnsDomains = append(sc.dnsDomains, live.VerificationDomain(p.PrivateDNS.Name))
				sc.dnsZones = append(sc.dnsZones, cmp.Or(p.PrivateDNS.Route53HostedZoneID, "*"))
			}
			if p.PayerResponsibility != "" {
				sc.payer = true
			}
			for _, pr := range p.AllowedPrincipals {
				for k := range pr.Tags {
					sc.permTagKeys = append(sc.permTagKeys, k)
					sc.permTagRegions = append(sc.permTagRegions, region(p.Region))
				}
			}
		}
		sc.live = lv.Read
		sc.released = lv.Released[alias]
		sc.touched, sc.multi = map[string]bool{}, map[string]bool{}
		maps.Copy(sc.touched, lv.Touched[alias])
		maps.Copy(sc.multi, lv.MultiRegion[alias])
		for _, p := range m.Providers {
			if p.Account == alias && slices.ContainsFunc(p.SupportedRegions, func(r string) bool { return r != region(p.Region) }) {
				sc.multi[region(p.Region)+" vpc-endpoint-service"] = true
			}
		}
		for _, c := range m.Consumers {
			if c.Account != alias {
				continue
			}
			from := c.ServiceRegion
			if p := providers[c.Provider]; p != nil {
				from = region(p.Region)
			}
			if from != "" && from != region(c.Region) {
				sc.multi[region(c.Region)+" vpc-endpoint"] = true
			}
		}
		for _, r := range lv.DNSRecords[alias] {
			sc.dnsZones = append(sc.dnsZones, r.ZoneID)
			sc.dnsRecords = append(sc.dnsRecords, r.Name)
		}
		// The VPC Lattice targets: read by plan with the consumer's own
		// credentials on their ARNs; a resource configuration's gateway
		// with its owner's, when the owner is an account of the manifest.
		for _, c := range m.Consumers {
			if !c.IsLattice() || c.LatticeARN() == "" {
				continue
			}
			if c.Account == alias {
				sc.latticeTargets = append(sc.latticeTargets, c.LatticeARN())
				sc.latticeRegions = append(sc.latticeRegions, region(c.Region))
				sc.serviceNetworks = sc.serviceNetworks || c.Type == manifest.TypeServiceNetwork
			}
			if owner, r := manifest.LatticeARNOwner(c.LatticeARN()); owner == a.ID && c.Type == manifest.TypeResource {
				sc.latticeGateways = append(sc.latticeGateways, "arn:aws:vpc-lattice:"+r+":"+a.ID+":resourcegateway/*")
			}
		}
		for _, c := range m.Consumers {
			if c.Account != alias {
				continue
			}
			sc.consumers = true
			if len(c.Notifications) > 0 {
				if sc.notifyRegions == nil {
					sc.notifyRegions = map[string]bool{}
				}
				sc.notifyRegions[region(c.Region)] = true
			}
			r := region(c.Region)
			cr[r] = true
			if c.Type == "Gateway" {
				gr[r] = true
			} else {
				ir[r] = true
			}
			vpc := arn(r, a.ID, "vpc/"+c.VPCID)
			sc.vpcs[vpc] = true
			for _, s := range c.SubnetIDs {
				sc.subnets[arn(r, a.ID, "subnet/"+s)] = true
			}
			for _, g := range c.SecurityGroupIDs {
				sc.sgs[arn(r, a.ID, "security-group/"+g)] = true
			}
			for _, t := range c.RouteTableIDs {
				sc.rtbs[arn(r, a.ID, "route-table/"+t)] = true
			}
			if c.Adopt != "" {
				sc.adopted = append(sc.adopted, arn(r, a.ID, "vpc-endpoint/"+c.Adopt))
			}
			// The service the endpoint may be created to: a provider of the
			// manifest that plink creates by its owner and the names AWS
			// gives services in its region (the id of a service created in
			// the same run is not known yet), any other service by its exact
			// name.
			// An adopted provider's name is known, and names one service.
			// So is a provider's whose service exists (Live).
			if p := providers[c.Provider]; p != nil && p.Adopt != "" {
				put(sc.namedServices, r, "com.amazonaws.vpce."+region(p.Region)+"."+p.Adopt)
			} else if name := lv.ServiceNames[c.Provider]; p != nil && name != "" {
				put(sc.namedServices, r, name)
			} else if p != nil {
				put(sc.ownerNames, r, "com.amazonaws.vpce."+region(p.Region)+".vpce-svc-*")
				if pa := m.Accounts[p.Account]; pa != nil {
					put(sc.owners, r, pa.ID)
				}
			} else if c.ServiceName != "" {
				put(sc.namedServices, r, c.ServiceName)
			}
		}
		sc.providerRegions, sc.consumerRegions = sortedSet(pr), sortedSet(cr)
		sc.interfaceRegions, sc.gatewayRegions = sortedSet(ir), sortedSet(gr)
		out[alias] = build(mode, sc)
	}
	return out, nil
}

// Operator returns the policy of the identity that runs plink (the
// operator): sts:AssumeRole on every role the manifest names. It is nil
// when no account uses roleArn.
func Operator(m *manifest.Manifest) *Document {
	if m == nil {
		return nil
	}
	roles := map[string]bool{}
	for _, a := range m.Accounts {
		if a.RoleARN != "" {
			roles[a.RoleARN] = true
		}
	}
	if len(roles) == 0 {
		return nil
	}
	return &Document{Version: "2012-10-17", Statement: []Statement{{
		Sid: "PlinkAssumeAccountRoles", Effect: "Allow", Action: slices.Clone(assumeRole), Resource: sortedSet(roles),
	}}}
}

type scope struct {
	account string
	project string // "" without a manifest
	// readRegions are every region plink reads (the manifest's regions):
	// changes and deletes reach them, since a resource removed from the
	// manifest is deleted where it is.
	readRegions []string
	// providerRegions and consumerRegions are where the account has
	// providers and consumers: the only regions it creates services and
	// endpoints in.
	providerRegions, consumerRegions []string
	// interfaceRegions and gatewayRegions are where it has interface (and
	// Gateway Load Balancer) endpoints, with subnets, and gateway
	// endpoints, with route tables.
	interfaceRegions, gatewayRegions []string
	providers, consumers             bool
	// multiRegionServices are the regions of the account's providers that
	// support other regions (cross-region connections).
	multiRegionServices []string
	// notifications: the account's providers declare notifications.
	notifications bool
	// notifyRegions are the regions where its consumers declare
	// notifications of their own (on their endpoints).
	notifyRegions map[string]bool
	vpcs          map[string]bool
	subnets       map[string]bool
	sgs           map[string]bool
	rtbs          map[string]bool // gateway consumers' route tables
	// ownerNames and owners are the ec2:VpceServiceName patterns and
	// ec2:VpceServiceOwner account ids of the manifest's providers the
	// account's consumers use, created in ownerRegions; namedServices are
	// the serviceName entries, created in namedRegions.
	// Each is per region of the consumers (the region of the endpoint
	// created): an endpoint is granted only the services consumed from
	// its own region.
	ownerNames, owners, namedServices map[string]map[string]bool
	adopted                           []string
	// leaseRegion is where the project's lease lives when this account is
	// its home (lease.Home), else "".
	leaseRegion string
	// topics are the ARNs of the SNS topics whose access policy this
	// account reads for the providers' notifications (live.NotificationTopics).
	topics []string
	// live: Live.Read; touched and multi are "REGION TYPE" of the
	// resources the plan changes and of those that are cross-region (the
	// manifest's and the plan's).
	live           bool
	touched, multi map[string]bool
	// released are the ARNs live state says the plan releases: with the
	// adopted ones (released by destroy), those whose plink:project apply
	// may remove.
	released []string
	// dnsDomains are the verification domains of the account's providers
	// with privateDns (plink writes their TXT records in Route 53),
	// dnsZones the hosted zones ("*": found by name) and dnsRecords the
	// records live state says the plan changes (Live.DNSRecords).
	dnsDomains, dnsZones, dnsRecords []string
	// payer: a provider of the account sets payerResponsibility.
	payer bool
	// permTagKeys are the tag keys the account's providers set on their
	// allowed principals' permissions, in permTagRegions.
	permTagKeys, permTagRegions []string
	// latticeTargets are the resource configurations and service networks
	// the account's consumers connect to, in latticeRegions;
	// latticeGateways the resource gateways of the account's own resource
	// configurations that consumers of the manifest name.
	latticeTargets, latticeRegions, latticeGateways []string
	// serviceNetworks: the account's consumers include ServiceNetwork
	// endpoints, each also an association of its network.
	serviceNetworks bool
}

// regionSid is sid with region appended (us-west-2: UsWest2), for the
// statements made one per region.
func regionSid(sid, region string) string {
	var b strings.Builder
	b.WriteString(sid)
	for _, part := range strings.Split(region, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// touchedRegions are the regions of set's "REGION TYPE" entries of typ.
func touchedRegions(set map[string]bool, typ string) []string {
	var out []string
	for k := range set {
		if r, t, _ := strings.Cut(k, " "); t == typ {
			out = append(out, r)
		}
	}
	return out
}

// zoneARNs are the ARNs of hosted zones ("*": any zone of the account:
// Route 53's ARNs name no account, and a role reaches its own zones only).
func zoneARNs(zones []string) []string {
	var out []string
	for _, z := range sortedSet(toSet(zones)) {
		out = append(out, "arn:aws:route53:::hostedzone/"+z)
	}
	if slices.Contains(zones, "*") {
		return []string{"arn:aws:route53:::hostedzone/*"}
	}
	return out
}

func arn(region, account, resource string) string {
	return "arn:aws:ec2:" + region + ":" + account + ":" + resource
}

// cond is a statement's Condition.
type cond = map[string]map[string][]string

func build(mode Mode, sc scope) Document {
	d := Document{Version: "2012-10-17"}
	add := func(s Statement) {
		sort.Strings(s.Action)
		s.Action = slices.Compact(s.Action)
		sort.Strings(s.Resource)
		s.Resource = slices.Compact(s.Resource)
		if len(s.Resource) > 0 && len(s.Action) > 0 {
			d.Statement = append(d.Statement, s)
		}
	}
	regionCond := func() cond {
		rs := sc.readRegions
		if len(rs) == 0 || slices.Contains(rs, "*") {
			return nil
		}
		return cond{"StringEquals": {"aws:RequestedRegion": slices.Clone(rs)}}
	}
	in := func(regions []string, kind string) []string {
		var out []string
		for _, r := range regions {
			out = append(out, arn(r, sc.account, kind+"/*"))
		}
		return out
	}
	// sts:GetCallerIdentity, which every mode calls, needs no permission
	// and cannot be denied (see SrcGetCallerIdentity), so it is not
	// granted.
	//
	// DescribeVpcEndpointServicePermissions, unlike the other reads, is
	// authorized on the service it names: it gets the account's own
	// services, not "*".
	// Where the apply policy manages the project's services and
	// endpoints: every region plink reads, or, with live state (Live.Read),
	// where the manifest declares them or the plan changes them.
	svcRegions, epRegions := sc.readRegions, sc.readRegions
	if sc.live && mode == Apply {
		svcRegions = slices.Concat(sc.providerRegions, touchedRegions(sc.touched, "vpc-endpoint-service"))
		epRegions = slices.Concat(sc.consumerRegions, touchedRegions(sc.touched, "vpc-endpoint"))
		svcRegions, epRegions = sortedSet(toSet(svcRegions)), sortedSet(toSet(epRegions))
	}
	permsRead := Statement{Sid: "PlinkReadServicePermissions", Effect: "Allow", Action: slices.Clone(readServicePermissions),
		Resource: in(svcRegions, "vpc-endpoint-service"), Condition: regionCond()}
	switch mode {
	case Export:
		add(Statement{Sid: "PlinkExportRead", Effect: "Allow", Action: slices.Clone(readExport), Resource: []string{"*"}, Condition: regionCond()})
		add(permsRead)
		return d
	default:
		add(Statement{Sid: "PlinkRead", Effect: "Allow", Action: append(slices.Clone(readEC2), readELB...), Resource: []string{"*"}, Condition: regionCond()})
		add(permsRead)
		// plink plan reads the access policy of the notification topics
		// (lint PL117; no other command does): authorized on each topic. A
		// topic may be in a region plink reads nothing else in, so no
		// region condition: the ARNs name the regions.
		if mode == Plan {
			add(Statement{Sid: "PlinkReadNotificationTopics", Effect: "Allow", Action: slices.Clone(readTopics), Resource: slices.Clone(sc.topics)})
			// And the VPC Lattice targets of Resource and ServiceNetwork
			// consumers (lints PL130, PL102), each on its own ARN, and the
			// gateways of the account's own resource configurations (their
			// ids are not in the manifest: the region's).
			add(Statement{Sid: "PlinkReadLatticeTargets", Effect: "Allow", Action: slices.Clone(readLatticeTargets), Resource: slices.Clone(sc.latticeTargets)})
			add(Statement{Sid: "PlinkReadLatticeGateways", Effect: "Allow", Action: slices.Clone(readLatticeGateways), Resource: slices.Clone(sc.latticeGateways)})
		}
		// The verification records of private DNS names (live/route53.go):
		// the zone found by name (no resource-level permissions), the
		// record read in its zone. Route 53 is global: no region
		// condition.
		if len(sc.dnsDomains) > 0 {
			add(Statement{Sid: "PlinkFindDNSZones", Effect: "Allow", Action: slices.Clone(findZones), Resource: []string{"*"}})
		}
		add(Statement{Sid: "PlinkReadDNSRecords", Effect: "Allow", Action: slices.Clone(readRecords), Resource: zoneARNs(sc.dnsZones)})
	}
	if mode == Plan || mode == Drift {
		add(Statement{Sid: "PlinkTargetHealthRead", Effect: "Allow", Action: slices.Clone(readTargetHealth), Resource: []string{"*"}, Condition: regionCond()})
	}
	if mode == Status {
		add(Statement{Sid: "PlinkStatusRead", Effect: "Allow", Action: slices.Clone(readStatus), Resource: []string{"*"}, Condition: regionCond()})
		return d
	}
	tagged := func(key string) cond {
		k := key + "/" + TagProject
		if sc.project == "" {
			return cond{"Null": {k: {"false"}}}
		}
		return cond{"StringEquals": {k: {sc.project}}}
	}
	if mode == Connections && sc.providers {
		// Only services carrying the project's tag, in the regions the
		// manifest declares them: a loop that runs every minute must not
		// decide for anyone else's service.
		add(Statement{Sid: "PlinkDecideConnections", Effect: "Allow", Action: slices.Clone(decideConnections),
			Resource: in(sc.providerRegions, "vpc-endpoint-service"), Condition: tagged("aws:ResourceTag")})
		// Accepting or rejecting an endpoint in another region than the
		// service's also needs vpce:AllowMultiRegion on the service: only
		// services that support other regions have such endpoints.
		mr := sortedSet(toSet(sc.multiRegionServices))
		if sc.project == "" {
			mr = sc.providerRegions
		}
		add(Statement{Sid: "PlinkDecideCrossRegionConnections", Effect: "Allow", Action: slices.Clone(multiRegion),
			Resource: in(mr, "vpc-endpoint-service")})
	}
	if mode == Apply || mode == Connections && sc.providers {
		// When AWS refuses a write, EC2 says why only in an encoded
		// message: apply and connections decode it into the action and
		// resource refused (and iam-policy --check into the statement to
		// add). It is granted apart, on "*" (the action has no resources
		// or condition keys), so a team that will not let the role read
		// authorization contexts (they can show other policies' effects)
		// removes this one statement; plink then lists every statement
		// the refused call depends on instead.
		add(Statement{Sid: "PlinkDecodeDenialReasons", Effect: "Allow", Action: slices.Clone(decodeDenials), Resource: []string{"*"}})
	}
	if mode != Apply {
		return d
	}

	// setsOnlyOwnProject lets a tag call set plink:project only to this
	// project (and leave it alone otherwise): retagging must not move a
	// resource into another project's reach.
	setsOnlyOwnProject := func(c cond) cond {
		if sc.project == "" {
			return c
		}
		c["StringEqualsIfExists"] = map[string][]string{"aws:RequestTag/" + TagProject: {sc.project}}
		return c
	}
	// Creates are scoped to the regions where the manifest declares
	// resources of the account, of that kind; changes and deletes to every
	// region plink reads, because a resource removed from the manifest is
	// deleted where it is, and the project tag already scopes them.
	manage := sc.readRegions
	var created, createdBy []string
	if sc.providers {
		add(Statement{Sid: "PlinkCreateEndpointServices", Effect: "Allow", Action: slices.Clone(createService),
			Resource: in(sc.providerRegions, "vpc-endpoint-service"), Condition: tagged("aws:RequestTag")})
		created = append(created, in(sc.providerRegions, "vpc-endpoint-service")...)
		createdBy = append(createdBy, createActions[1])
	}
	if sc.consumers {
		if sc.project == "" {
			add(Statement{Sid: "PlinkCreateEndpoints", Effect: "Allow", Action: slices.Clone(createEndpoint),
				Resource: in(sc.consumerRegions, "vpc-endpoint"), Condition: tagged("aws:RequestTag")})
		}
		// One statement per region of endpoints: an endpoint is granted
		// the services its own region's consumers use, not those of every
		// region of the account (IAM cannot tie a condition's values to a
		// resource's region within one statement). The Sids carry the
		// region (PlinkCreateEndpointsUsWest2): Sids are unique in a
		// policy, and stay the same whatever other regions the manifest
		// has.
		for _, r := range sortedSet(toSet(slices.Concat(slices.Collect(maps.Keys(sc.ownerNames)), slices.Collect(maps.Keys(sc.namedServices))))) {
			if len(sc.ownerNames[r]) > 0 {
				// Endpoints to the manifest's providers: by owner account
				// and the service names AWS gives in the providers' regions.
				c := tagged("aws:RequestTag")
				c["StringEquals"]["ec2:VpceServiceOwner"] = sortedSet(sc.owners[r])
				c["StringLike"] = map[string][]string{"ec2:VpceServiceName": sortedSet(sc.ownerNames[r])}
				add(Statement{Sid: regionSid("PlinkCreateEndpoints", r), Effect: "Allow", Action: slices.Clone(createEndpoint),
					Resource: in([]string{r}, "vpc-endpoint"), Condition: c})
			}
			if len(sc.namedServices[r]) > 0 {
				c := tagged("aws:RequestTag")
				c["StringEquals"]["ec2:VpceServiceName"] = sortedSet(sc.namedServices[r])
				add(Statement{Sid: regionSid("PlinkCreateEndpointsToNamedServices", r), Effect: "Allow", Action: slices.Clone(createEndpoint),
					Resource: in([]string{r}, "vpc-endpoint"), Condition: c})
			}
		}
		var network []string
		if sc.project == "" {
			network = append(append(in(sc.consumerRegions, "vpc"), in(sc.consumerRegions, "subnet")...), in(sc.consumerRegions, "security-group")...)
			network = append(network, in(sc.consumerRegions, "route-table")...)
		} else {
			network = append(append(sortedSet(sc.vpcs), sortedSet(sc.subnets)...), sortedSet(sc.sgs)...)
			network = append(network, sortedSet(sc.rtbs)...)
		}
		add(Statement{Sid: "PlinkUseEndpointNetwork", Effect: "Allow", Action: slices.Clone(createEndpoint), Resource: network})
		// ModifyVpcEndpoint authorizes the subnets, security groups and
		// route tables it removes as well as those it adds, and what it
		// removes comes from live state (a dropped subnet, the VPC's
		// default security group, an adopted endpoint's own): so any of
		// them in the consumers' VPCs, by ec2:Vpc, which the reference
		// lists for the subnets and security groups of ModifyVpcEndpoint.
		var vc cond
		if sc.project != "" {
			vc = cond{"ArnEquals": {"ec2:Vpc": sortedSet(sc.vpcs)}}
		}
		add(Statement{Sid: "PlinkChangeEndpointNetwork", Effect: "Allow", Action: slices.Clone(changeEndpoint),
			Resource:  append(in(sc.interfaceRegions, "subnet"), in(sc.interfaceRegions, "security-group")...),
			Condition: vc})
		// It lists no ec2:Vpc for route tables: those of the regions with
		// gateway endpoints. The endpoint itself must carry the project's
		// tag (PlinkManageOwnEndpoints), and AWS associates an endpoint
		// only with route tables of its own VPC.
		add(Statement{Sid: "PlinkChangeGatewayRouteTables", Effect: "Allow", Action: slices.Clone(changeEndpoint),
			Resource: in(sc.gatewayRegions, "route-table")})
		created = append(created, in(sc.consumerRegions, "vpc-endpoint")...)
		createdBy = append(createdBy, createActions[0])
	}
	if len(created) > 0 {
		add(Statement{Sid: "PlinkTagOnCreate", Effect: "Allow", Action: slices.Clone(tagOnCreate), Resource: created,
			Condition: cond{"StringEquals": {"ec2:CreateAction": sortedSet(toSet(createdBy))}}})
	}
	if sc.providers {
		acts := slices.Clone(manageService)
		if sc.notifications {
			acts = append(acts, manageNotifications...)
		}
		if len(sc.dnsDomains) > 0 {
			acts = append(acts, verifyDNS...)
		}
		if sc.payer {
			acts = append(acts, setPayer...)
		}
		add(Statement{Sid: "PlinkManageOwnEndpointServices", Effect: "Allow", Action: acts,
			Resource: in(svcRegions, "vpc-endpoint-service"), Condition: tagged("aws:ResourceTag")})
	}
	// Every account may hold a service of the project that left the
	// manifest: deleting it (and its notifications) needs no more. With
	// live state, only where one is.
	add(Statement{Sid: "PlinkDeleteOwnEndpointServices", Effect: "Allow", Action: slices.Clone(deleteService),
		Resource: in(svcRegions, "vpc-endpoint-service"), Condition: tagged("aws:ResourceTag")})
	add(Statement{Sid: "PlinkManageOwnEndpoints", Effect: "Allow", Action: slices.Clone(manageEndpoint), Resource: in(epRegions, "vpc-endpoint"), Condition: tagged("aws:ResourceTag")})
	if len(sc.notifyRegions) > 0 {
		// Consumers' own connection notifications (VpcEndpointId): on the
		// project's endpoints, in the regions of the consumers that
		// declare them.
		add(Statement{Sid: "PlinkManageEndpointNotifications", Effect: "Allow", Action: append(slices.Clone(manageNotifications), "ec2:DeleteVpcEndpointConnectionNotifications"),
			Resource: in(sortedSet(sc.notifyRegions), "vpc-endpoint"), Condition: tagged("aws:ResourceTag")})
	}
	owned := append(in(svcRegions, "vpc-endpoint-service"), in(epRegions, "vpc-endpoint")...)
	add(Statement{Sid: "PlinkRetagOwnResources", Effect: "Allow", Action: slices.Clone(retag), Resource: owned, Condition: setsOnlyOwnProject(tagged("aws:ResourceTag"))})
	// Removing tags: never plink:project itself (that would put a
	// resource out of every run's reach), except from what apply releases.
	uc := tagged("aws:ResourceTag")
	if sc.project != "" {
		uc["ForAllValues:StringNotEquals"] = map[string][]string{"aws:TagKeys": {TagProject}}
		add(Statement{Sid: "PlinkReleaseAdopted", Effect: "Allow", Action: slices.Clone(untag), Resource: sortedSet(toSet(slices.Concat(sc.adopted, sc.released))), Condition: tagged("aws:ResourceTag")})
	}
	add(Statement{Sid: "PlinkUntagOwnResources", Effect: "Allow", Action: slices.Clone(untag), Resource: owned, Condition: uc})
	// vpce:AllowMultiRegion is checked besides the EC2 call on the endpoint
	// or service whenever another region is involved: creating a
	// cross-region endpoint or a service with supported regions, changing
	// or removing supported regions, deleting such a service or endpoint,
	// accepting or rejecting a cross-region connection. A service or
	// endpoint removed from the manifest may still be cross-region, so it
	// is granted on the account's own endpoints and services wherever
	// plink reads, not only where the manifest is cross-region today; the
	// EC2 call itself stays scoped by the project tag.
	// With live state it is granted only where the manifest or the plan
	// has such a resource (scope.multi).
	mr := append(in(manage, "vpc-endpoint-service"), in(manage, "vpc-endpoint")...)
	if sc.live {
		mr = nil
		for _, k := range sortedSet(sc.multi) {
			region, typ, _ := strings.Cut(k, " ")
			mr = append(mr, arn(region, sc.account, typ+"/*"))
		}
	}
	add(Statement{Sid: "PlinkMultiRegion", Effect: "Allow", Action: slices.Clone(multiRegion), Resource: mr})
	if len(sc.dnsZones) > 0 {
		// The TXT records that verify the providers' private DNS names:
		// in their zones, TXT only, named under their domains (or, from
		// live state, the records the plan deletes); the change's status
		// is read by its id (change/*: no id is known before).
		names := sortedSet(toSet(sc.dnsRecords))
		for _, d := range sortedSet(toSet(sc.dnsDomains)) {
			names = append(names, "*."+d)
		}
		add(Statement{Sid: "PlinkWriteDNSVerification", Effect: "Allow", Action: slices.Clone(writeRecords), Resource: zoneARNs(sc.dnsZones),
			Condition: cond{"ForAllValues:StringEquals": {"route53:ChangeResourceRecordSetsRecordTypes": {"TXT"}},
				"ForAllValues:StringLike": {"route53:ChangeResourceRecordSetsNormalizedRecordNames": names}}})
		add(Statement{Sid: "PlinkWaitDNSChanges", Effect: "Allow", Action: slices.Clone(waitChange), Resource: []string{"arn:aws:route53:::change/*"}})
	}
	if len(sc.permTagKeys) > 0 {
		// Tags on allowed principals' permissions (vpce-svc-perm-…): they
		// carry no plink tag, so the keys the manifest sets are the scope.
		// Setting: the keys the manifest declares. Removing: a key the
		// manifest no longer declares is known only to live state, so any
		// key but plink's.
		notPlink := cond{"ForAllValues:StringNotLike": {"aws:TagKeys": {"plink:*"}}}
		keys := cond{"ForAllValues:StringEquals": {"aws:TagKeys": sortedSet(toSet(sc.permTagKeys))}}
		if sc.project == "" {
			keys = notPlink // without a manifest: any but plink's
		}
		perms := in(sortedSet(toSet(sc.permTagRegions)), "vpc-endpoint-service-permission")
		add(Statement{Sid: "PlinkTagServicePermissions", Effect: "Allow", Action: slices.Clone(tagPermissions[:1]), Resource: perms, Condition: keys})
		add(Statement{Sid: "PlinkUntagServicePermissions", Effect: "Allow", Action: slices.Clone(tagPermissions[1:]), Resource: slices.Clone(perms), Condition: notPlink})
	}
	if len(sc.latticeRegions) > 0 {
		// Resource and ServiceNetwork endpoints name no service (no
		// ec2:VpceServiceName), and CreateVpcEndpoint authorizes no VPC
		// Lattice resource (awsauthz): only the project tag and the
		// absence of a service name scope them.
		c := tagged("aws:RequestTag")
		if c["Null"] == nil {
			c["Null"] = map[string][]string{}
		}
		c["Null"]["ec2:VpceServiceName"] = []string{"true"}
		add(Statement{Sid: "PlinkCreateLatticeEndpoints", Effect: "Allow", Action: slices.Clone(createEndpoint),
			Resource: in(sortedSet(toSet(sc.latticeRegions)), "vpc-endpoint"), Condition: c})
		if sc.serviceNetworks {
			// A ServiceNetwork endpoint is also an association of the
			// network with the endpoint, a permission of its own that
			// supports no resource-level permissions (awsauthz).
			add(Statement{Sid: "PlinkAssociateServiceNetworks", Effect: "Allow", Action: slices.Clone(associateServiceNetworks), Resource: []string{"*"}})
		}
	}
	if len(sc.adopted) > 0 {
		// Adopted resources carry no plink tag until apply tags them, so
		// they are named by ARN; apply tags them first, and every other
		// change to them is then a change to a resource of the project.
		// One that already carries plink:project with another value is
		// another project's (plink refuses it, PL211): the condition on
		// its current tag (aws:ResourceTag, which the reference lists for
		// CreateTags on endpoints and services) refuses it too.
		ac := setsOnlyOwnProject(cond{})
		if sc.project != "" {
			ac["StringEqualsIfExists"]["aws:ResourceTag/"+TagProject] = []string{sc.project}
		}
		add(Statement{Sid: "PlinkAdoptResources", Effect: "Allow", Action: slices.Clone(tagOnCreate), Resource: slices.Clone(sc.adopted), Condition: ac})
	}
	if sc.leaseRegion != "" {
		// The project's lease (package lease): one placement group, named
		// for the project and tagged with it, and one per shard applied
		// (named for the project and the shard), in its home account and
		// region; DescribePlacementGroups has no resource-level permissions.
		name := lease.Name(sc.project)
		if sc.project == "" {
			name = lease.NamePrefix + "*"
		}
		res := []string{arn(sc.leaseRegion, sc.account, "placement-group/"+name)}
		if sc.project != "" {
			res = append(res, arn(sc.leaseRegion, sc.account, "placement-group/"+lease.ShardPrefix(sc.project)+"*"))
		}
		var rc cond
		if sc.leaseRegion != "*" {
			rc = cond{"StringEquals": {"aws:RequestedRegion": {sc.leaseRegion}}}
		}
		add(Statement{Sid: "PlinkLeaseRead", Effect: "Allow", Action: slices.Clone(readLease), Resource: []string{"*"}, Condition: rc})
		add(Statement{Sid: "PlinkLeaseCreate", Effect: "Allow", Action: slices.Clone(createLease), Resource: res, Condition: tagged("aws:RequestTag")})
		add(Statement{Sid: "PlinkLeaseTagOnCreate", Effect: "Allow", Action: slices.Clone(tagOnCreate), Resource: res,
			Condition: cond{"StringEquals": {"ec2:CreateAction": {"CreatePlacementGroup"}}}})
		add(Statement{Sid: "PlinkLeaseManage", Effect: "Allow", Action: slices.Clone(manageLease), Resource: res, Condition: setsOnlyOwnProject(tagged("aws:ResourceTag"))})
		// The lease removes one tag, the holder's: DeleteTags may remove
		// that one only (never plink:project, which would put the lease
		// out of every run's reach).
		wc := tagged("aws:ResourceTag")
		wc["ForAllValues:StringEquals"] = map[string][]string{"aws:TagKeys": {lease.TagHolder}}
		add(Statement{Sid: "PlinkLeaseWithdraw", Effect: "Allow", Action: slices.Clone(withdrawLease), Resource: slices.Clone(res), Condition: wc})
	}
	return d
}

// Regions are the regions plink reads every account of m in: the
// manifest's defaults, its providers' and consumers' regions and the
// regions its providers support.
func Regions(m *manifest.Manifest) []string { return manifestRegions(m) }

// Reads returns the read actions mode calls in every account and region
// (not the lease's, see Lease), in the order the policy lists them.
func Reads(mode Mode) []string {
	switch mode {
	case Export:
		return append(slices.Clone(readExport), readServicePermissions...)
	case Plan, Drift:
		return append(append(append(slices.Clone(readEC2), readServicePermissions...), readELB...), readTargetHealth...)
	case Status:
		return append(append(append(slices.Clone(readEC2), readServicePermissions...), readELB...), readStatus...)
	}
	return append(append(slices.Clone(readEC2), readServicePermissions...), readELB...)
}

func manifestRegions(m *manifest.Manifest) []string {
	set := map[string]bool{}
	if m.Defaults.Region != "" {
		set[m.Defaults.Region] = true
	}
	for _, r := range m.Defaults.Regions {
		set[r] = true
	}
	for _, p := range m.Providers {
		if p.Region != "" {
			set[p.Region] = true
		}
		for _, r := range p.SupportedRegions {
			set[r] = true
		}
	}
	for _, c := range m.Consumers {
		if c.Region != "" {
			set[c.Region] = true
		}
	}
	return sortedSet(set)
}

func toSet(list []string) map[string]bool {
	set := map[string]bool{}
	for _, v := range list {
		set[v] = true
	}
	return set
}

func sortedSet(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// JSON writes the documents as one JSON object keyed by account alias
// (sorted), indented, with a final newline.
func JSON(w io.Writer, docs map[string]Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(docs)
}

// MarshalDocument renders one document as indented JSON, ready for
// `aws iam put-role-policy --policy-document`.
func MarshalDocument(d Document) ([]byte, error) {
	data, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}
