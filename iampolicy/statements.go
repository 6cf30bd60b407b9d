package iampolicy

import (
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/plinkdev/plink/lease"
)

// cond is a statement's Condition.
type cond = map[string]map[string][]string

// build is the policy of one account (sc) for mode: the reads every mode
// makes, then what connections and apply write. The order of the
// statements is the order of the calls below.
func build(mode Mode, sc scope) Document {
	p := newPolicy(mode, sc)
	if !p.reads() {
		return p.d
	}
	if mode == Connections && sc.providers {
		p.decideConnections()
	}
	if mode == Apply || mode == Connections && sc.providers {
		p.decodeDenials()
	}
	if mode != Apply {
		return p.d
	}
	p.creates()
	p.manageOwn()
	p.tagOwn()
	p.multiRegion()
	p.dnsVerification()
	p.servicePermissionTags()
	p.latticeEndpoints()
	p.adoption()
	p.lease()
	return p.d
}

// policy is a document being built for one account and mode.
type policy struct {
	mode Mode
	sc   scope
	d    Document
	// svcRegions and epRegions are where the apply policy manages the
	// project's services and endpoints: every region plink reads, or,
	// with live state (Live.Read), where the manifest declares them or
	// the plan changes them.
	svcRegions, epRegions []string
}

func newPolicy(mode Mode, sc scope) *policy {
	p := &policy{mode: mode, sc: sc, d: Document{Version: "2012-10-17"}, svcRegions: sc.readRegions, epRegions: sc.readRegions}
	if sc.live && mode == Apply {
		p.svcRegions = sortedSet(toSet(slices.Concat(sc.providerRegions, touchedRegions(sc.touched, "vpc-endpoint-service"))))
		p.epRegions = sortedSet(toSet(slices.Concat(sc.consumerRegions, touchedRegions(sc.touched, "vpc-endpoint"))))
	}
	return p
}

// add appends s with its actions and resources sorted and deduplicated;
// a statement without either is left out.
func (p *policy) add(s Statement) {
	sort.Strings(s.Action)
	s.Action = slices.Compact(s.Action)
	sort.Strings(s.Resource)
	s.Resource = slices.Compact(s.Resource)
	if len(s.Resource) > 0 && len(s.Action) > 0 {
		p.d.Statement = append(p.d.Statement, s)
	}
}

// allow adds an Allow statement.
func (p *policy) allow(sid string, actions, resources []string, c cond) {
	p.add(Statement{Sid: sid, Effect: "Allow", Action: slices.Clone(actions), Resource: resources, Condition: c})
}

// regionCond limits a statement to the regions plink reads (none when it
// reads every region).
func (p *policy) regionCond() cond {
	rs := p.sc.readRegions
	if len(rs) == 0 || slices.Contains(rs, "*") {
		return nil
	}
	return cond{"StringEquals": {"aws:RequestedRegion": slices.Clone(rs)}}
}

// in are the ARNs of every resource of kind of the account in regions.
func (p *policy) in(regions []string, kind string) []string {
	var out []string
	for _, r := range regions {
		out = append(out, arn(r, p.sc.account, kind+"/*"))
	}
	return out
}

// tagged requires the project's tag under key (aws:RequestTag on a
// create, aws:ResourceTag on a change); without a manifest, any project's.
func (p *policy) tagged(key string) cond {
	k := key + "/" + TagProject
	if p.sc.project == "" {
		return cond{"Null": {k: {"false"}}}
	}
	return cond{"StringEquals": {k: {p.sc.project}}}
}

// setsOnlyOwnProject lets a tag call set plink:project only to this
// project (and leave it alone otherwise): retagging must not move a
// resource into another project's reach.
func (p *policy) setsOnlyOwnProject(c cond) cond {
	if p.sc.project == "" {
		return c
	}
	c["StringEqualsIfExists"] = map[string][]string{"aws:RequestTag/" + TagProject: {p.sc.project}}
	return c
}

// reads grants what the mode reads. It reports whether the mode may write
// too (export and status only read).
//
// sts:GetCallerIdentity, which every mode calls, needs no permission and
// cannot be denied (see SrcGetCallerIdentity), so it is not granted.
func (p *policy) reads() bool {
	sc := p.sc
	// DescribeVpcEndpointServicePermissions, unlike the other reads, is
	// authorized on the service it names: it gets the account's own
	// services, not "*".
	permsRead := Statement{Sid: "PlinkReadServicePermissions", Effect: "Allow", Action: slices.Clone(readServicePermissions),
		Resource: p.in(p.svcRegions, "vpc-endpoint-service"), Condition: p.regionCond()}
	if p.mode == Export {
		p.allow("PlinkExportRead", readExport, []string{"*"}, p.regionCond())
		p.add(permsRead)
		return false
	}
	p.allow("PlinkRead", append(slices.Clone(readEC2), readELB...), []string{"*"}, p.regionCond())
	p.add(permsRead)
	if p.mode == Plan {
		// plink plan reads the access policy of the notification topics
		// (lint PL117; no other command does): authorized on each topic. A
		// topic may be in a region plink reads nothing else in, so no
		// region condition: the ARNs name the regions.
		p.allow("PlinkReadNotificationTopics", readTopics, slices.Clone(sc.topics), nil)
		// And the VPC Lattice targets of Resource and ServiceNetwork
		// consumers (lints PL130, PL102), each on its own ARN, and the
		// gateways of the account's own resource configurations (their
		// ids are not in the manifest: the region's).
		p.allow("PlinkReadLatticeTargets", readLatticeTargets, slices.Clone(sc.latticeTargets), nil)
		p.allow("PlinkReadLatticeGateways", readLatticeGateways, slices.Clone(sc.latticeGateways), nil)
	}
	// The verification records of private DNS names (live/route53.go):
	// the zone found by name (no resource-level permissions), the record
	// read in its zone. Route 53 is global: no region condition.
	if len(sc.dnsDomains) > 0 {
		p.allow("PlinkFindDNSZones", findZones, []string{"*"}, nil)
	}
	p.allow("PlinkReadDNSRecords", readRecords, zoneARNs(sc.dnsZones), nil)
	if p.mode == Plan || p.mode == Drift {
		p.allow("PlinkTargetHealthRead", readTargetHealth, []string{"*"}, p.regionCond())
	}
	if p.mode == Status {
		p.allow("PlinkStatusRead", readStatus, []string{"*"}, p.regionCond())
		return false
	}
	return true
}

// decideConnections grants plink connections its accepts and rejects.
func (p *policy) decideConnections() {
	sc := p.sc
	// Only services carrying the project's tag, in the regions the
	// manifest declares them: a loop that runs every minute must not
	// decide for anyone else's service.
	p.allow("PlinkDecideConnections", decideConnections, p.in(sc.providerRegions, "vpc-endpoint-service"), p.tagged("aws:ResourceTag"))
	// Accepting or rejecting an endpoint in another region than the
	// service's also needs vpce:AllowMultiRegion on the service: only
	// services that support other regions have such endpoints.
	mr := sortedSet(toSet(sc.multiRegionServices))
	if sc.project == "" {
		mr = sc.providerRegions
	}
	p.allow("PlinkDecideCrossRegionConnections", multiRegion, p.in(mr, "vpc-endpoint-service"), nil)
}

// decodeDenials: when AWS refuses a write, EC2 says why only in an
// encoded message: apply and connections decode it into the action and
// resource refused (and iam-policy --check into the statement to add).
// It is granted apart, on "*" (the action has no resources or condition
// keys), so a team that will not let the role read authorization contexts
// (they can show other policies' effects) removes this one statement;
// plink then lists every statement the refused call depends on instead.
func (p *policy) decodeDenials() {
	p.allow("PlinkDecodeDenialReasons", decodeDenials, []string{"*"}, nil)
}

// creates grants creating the account's services and endpoints, where
// the manifest declares resources of the account of that kind (changes
// and deletes reach every region plink reads, because a resource removed
// from the manifest is deleted where it is, and the project tag already
// scopes them), and tagging them as they are created.
func (p *policy) creates() {
	sc := p.sc
	var created, createdBy []string
	if sc.providers {
		p.allow("PlinkCreateEndpointServices", createService, p.in(sc.providerRegions, "vpc-endpoint-service"), p.tagged("aws:RequestTag"))
		created = append(created, p.in(sc.providerRegions, "vpc-endpoint-service")...)
		createdBy = append(createdBy, createActions[1])
	}
	if sc.consumers {
		p.createEndpoints()
		p.endpointNetwork()
		created = append(created, p.in(sc.consumerRegions, "vpc-endpoint")...)
		createdBy = append(createdBy, createActions[0])
	}
	if len(created) > 0 {
		p.allow("PlinkTagOnCreate", tagOnCreate, created, cond{"StringEquals": {"ec2:CreateAction": sortedSet(toSet(createdBy))}})
	}
}

// createEndpoints grants creating the account's endpoints to the services
// its consumers use.
func (p *policy) createEndpoints() {
	sc := p.sc
	if sc.project == "" {
		p.allow("PlinkCreateEndpoints", createEndpoint, p.in(sc.consumerRegions, "vpc-endpoint"), p.tagged("aws:RequestTag"))
	}
	// One statement per region of endpoints: an endpoint is granted the
	// services its own region's consumers use, not those of every region
	// of the account (IAM cannot tie a condition's values to a resource's
	// region within one statement). The Sids carry the region
	// (PlinkCreateEndpointsUsWest2): Sids are unique in a policy, and stay
	// the same whatever other regions the manifest has.
	for _, r := range sortedSet(toSet(slices.Concat(slices.Collect(maps.Keys(sc.ownerNames)), slices.Collect(maps.Keys(sc.namedServices))))) {
		if len(sc.ownerNames[r]) > 0 {
			// Endpoints to the manifest's providers: by owner account and
			// the service names AWS gives in the providers' regions.
			c := p.tagged("aws:RequestTag")
			c["StringEquals"]["ec2:VpceServiceOwner"] = sortedSet(sc.owners[r])
			c["StringLike"] = map[string][]string{"ec2:VpceServiceName": sortedSet(sc.ownerNames[r])}
			p.allow(regionSid("PlinkCreateEndpoints", r), createEndpoint, p.in([]string{r}, "vpc-endpoint"), c)
		}
		if len(sc.namedServices[r]) > 0 {
			c := p.tagged("aws:RequestTag")
			c["StringEquals"]["ec2:VpceServiceName"] = sortedSet(sc.namedServices[r])
			p.allow(regionSid("PlinkCreateEndpointsToNamedServices", r), createEndpoint, p.in([]string{r}, "vpc-endpoint"), c)
		}
	}
}

// endpointNetwork grants placing endpoints in the consumers' VPCs,
// subnets, security groups and route tables, and changing them.
func (p *policy) endpointNetwork() {
	sc := p.sc
	var network []string
	if sc.project == "" {
		network = append(append(p.in(sc.consumerRegions, "vpc"), p.in(sc.consumerRegions, "subnet")...), p.in(sc.consumerRegions, "security-group")...)
		network = append(network, p.in(sc.consumerRegions, "route-table")...)
	} else {
		network = append(append(sortedSet(sc.vpcs), sortedSet(sc.subnets)...), sortedSet(sc.sgs)...)
		network = append(network, sortedSet(sc.rtbs)...)
	}
	p.allow("PlinkUseEndpointNetwork", createEndpoint, network, nil)
	// ModifyVpcEndpoint authorizes the subnets, security groups and route
	// tables it removes as well as those it adds, and what it removes
	// comes from live state (a dropped subnet, the VPC's default security
	// group, an adopted endpoint's own): so any of them in the consumers'
	// VPCs, by ec2:Vpc, which the reference lists for the subnets and
	// security groups of ModifyVpcEndpoint.
	var vc cond
	if sc.project != "" {
		vc = cond{"ArnEquals": {"ec2:Vpc": sortedSet(sc.vpcs)}}
	}
	p.allow("PlinkChangeEndpointNetwork", changeEndpoint, append(p.in(sc.interfaceRegions, "subnet"), p.in(sc.interfaceRegions, "security-group")...), vc)
	// It lists no ec2:Vpc for route tables: those of the regions with
	// gateway endpoints. The endpoint itself must carry the project's tag
	// (PlinkManageOwnEndpoints), and AWS associates an endpoint only with
	// route tables of its own VPC.
	p.allow("PlinkChangeGatewayRouteTables", changeEndpoint, p.in(sc.gatewayRegions, "route-table"), nil)
}

// manageOwn grants changing and deleting the project's services and
// endpoints, and the consumers' own notifications.
func (p *policy) manageOwn() {
	sc := p.sc
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
		p.allow("PlinkManageOwnEndpointServices", acts, p.in(p.svcRegions, "vpc-endpoint-service"), p.tagged("aws:ResourceTag"))
	}
	// Every account may hold a service of the project that left the
	// manifest: deleting it (and its notifications) needs no more. With
	// live state, only where one is.
	p.allow("PlinkDeleteOwnEndpointServices", deleteService, p.in(p.svcRegions, "vpc-endpoint-service"), p.tagged("aws:ResourceTag"))
	p.allow("PlinkManageOwnEndpoints", manageEndpoint, p.in(p.epRegions, "vpc-endpoint"), p.tagged("aws:ResourceTag"))
	if len(sc.notifyRegions) > 0 {
		// Consumers' own connection notifications (VpcEndpointId): on the
		// project's endpoints, in the regions of the consumers that
		// declare them.
		p.allow("PlinkManageEndpointNotifications", append(slices.Clone(manageNotifications), "ec2:DeleteVpcEndpointConnectionNotifications"),
			p.in(sortedSet(sc.notifyRegions), "vpc-endpoint"), p.tagged("aws:ResourceTag"))
	}
}

// tagOwn grants retagging the project's resources, and removing their
// tags: never plink:project itself (that would put a resource out of
// every run's reach), except from what apply releases.
func (p *policy) tagOwn() {
	sc := p.sc
	owned := append(p.in(p.svcRegions, "vpc-endpoint-service"), p.in(p.epRegions, "vpc-endpoint")...)
	p.allow("PlinkRetagOwnResources", retag, owned, p.setsOnlyOwnProject(p.tagged("aws:ResourceTag")))
	uc := p.tagged("aws:ResourceTag")
	if sc.project != "" {
		uc["ForAllValues:StringNotEquals"] = map[string][]string{"aws:TagKeys": {TagProject}}
		p.allow("PlinkReleaseAdopted", untag, sortedSet(toSet(slices.Concat(sc.adopted, sc.released))), p.tagged("aws:ResourceTag"))
	}
	p.allow("PlinkUntagOwnResources", untag, owned, uc)
}

// multiRegion grants vpce:AllowMultiRegion, which is checked besides the
// EC2 call on the endpoint or service whenever another region is
// involved: creating a cross-region endpoint or a service with supported
// regions, changing or removing supported regions, deleting such a
// service or endpoint, accepting or rejecting a cross-region connection.
// A service or endpoint removed from the manifest may still be
// cross-region, so it is granted on the account's own endpoints and
// services wherever plink reads, not only where the manifest is
// cross-region today; the EC2 call itself stays scoped by the project
// tag. With live state it is granted only where the manifest or the plan
// has such a resource (scope.multi).
func (p *policy) multiRegion() {
	sc := p.sc
	mr := append(p.in(sc.readRegions, "vpc-endpoint-service"), p.in(sc.readRegions, "vpc-endpoint")...)
	if sc.live {
		mr = nil
		for _, k := range sortedSet(sc.multi) {
			region, typ, _ := strings.Cut(k, " ")
			mr = append(mr, arn(region, sc.account, typ+"/*"))
		}
	}
	p.allow("PlinkMultiRegion", multiRegion, mr, nil)
}

// dnsVerification grants the TXT records that verify the providers'
// private DNS names: in their zones, TXT only, named under their domains
// (or, from live state, the records the plan deletes); the change's
// status is read by its id (change/*: no id is known before).
func (p *policy) dnsVerification() {
	sc := p.sc
	if len(sc.dnsZones) == 0 {
		return
	}
	names := sortedSet(toSet(sc.dnsRecords))
	for _, d := range sortedSet(toSet(sc.dnsDomains)) {
		names = append(names, "*."+d)
	}
	p.allow("PlinkWriteDNSVerification", writeRecords, zoneARNs(sc.dnsZones),
		cond{"ForAllValues:StringEquals": {"route53:ChangeResourceRecordSetsRecordTypes": {"TXT"}},
			"ForAllValues:StringLike": {"route53:ChangeResourceRecordSetsNormalizedRecordNames": names}})
	p.allow("PlinkWaitDNSChanges", waitChange, []string{"arn:aws:route53:::change/*"}, nil)
}

// servicePermissionTags grants the tags on allowed principals'
// permissions (vpce-svc-perm-…): they carry no plink tag, so the keys the
// manifest sets are the scope. Setting: the keys the manifest declares.
// Removing: a key the manifest no longer declares is known only to live
// state, so any key but plink's.
func (p *policy) servicePermissionTags() {
	sc := p.sc
	if len(sc.permTagKeys) == 0 {
		return
	}
	notPlink := cond{"ForAllValues:StringNotLike": {"aws:TagKeys": {"plink:*"}}}
	keys := cond{"ForAllValues:StringEquals": {"aws:TagKeys": sortedSet(toSet(sc.permTagKeys))}}
	if sc.project == "" {
		keys = notPlink // without a manifest: any but plink's
	}
	perms := p.in(sortedSet(toSet(sc.permTagRegions)), "vpc-endpoint-service-permission")
	p.allow("PlinkTagServicePermissions", tagPermissions[:1], perms, keys)
	p.allow("PlinkUntagServicePermissions", tagPermissions[1:], slices.Clone(perms), notPlink)
}

// latticeEndpoints grants Resource and ServiceNetwork endpoints. They
// name no service (no ec2:VpceServiceName), and CreateVpcEndpoint
// authorizes no VPC Lattice resource (awsauthz): only the project tag and
// the absence of a service name scope them.
func (p *policy) latticeEndpoints() {
	sc := p.sc
	if len(sc.latticeRegions) == 0 {
		return
	}
	c := p.tagged("aws:RequestTag")
	if c["Null"] == nil {
		c["Null"] = map[string][]string{}
	}
	c["Null"]["ec2:VpceServiceName"] = []string{"true"}
	p.allow("PlinkCreateLatticeEndpoints", createEndpoint, p.in(sortedSet(toSet(sc.latticeRegions)), "vpc-endpoint"), c)
	if sc.serviceNetworks {
		// A ServiceNetwork endpoint is also an association of the network
		// with the endpoint, a permission of its own that supports no
		// resource-level permissions (awsauthz).
		p.allow("PlinkAssociateServiceNetworks", associateServiceNetworks, []string{"*"}, nil)
	}
}

// adoption grants tagging adopted resources. They carry no plink tag
// until apply tags them, so they are named by ARN; apply tags them first,
// and every other change to them is then a change to a resource of the
// project. One that already carries plink:project with another value is
// another project's (plink refuses it, PL211): the condition on its
// current tag (aws:ResourceTag, which the reference lists for CreateTags
// on endpoints and services) refuses it too.
func (p *policy) adoption() {
	sc := p.sc
	if len(sc.adopted) == 0 {
		return
	}
	ac := p.setsOnlyOwnProject(cond{})
	if sc.project != "" {
		ac["StringEqualsIfExists"]["aws:ResourceTag/"+TagProject] = []string{sc.project}
	}
	p.allow("PlinkAdoptResources", tagOnCreate, slices.Clone(sc.adopted), ac)
}

// lease grants the project's lease (package lease): one placement group,
// named for the project and tagged with it, and one per shard applied
// (named for the project and the shard), in its home account and region;
// DescribePlacementGroups has no resource-level permissions.
func (p *policy) lease() {
	sc := p.sc
	if sc.leaseRegion == "" {
		return
	}
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
	p.allow("PlinkLeaseRead", readLease, []string{"*"}, rc)
	p.allow("PlinkLeaseCreate", createLease, res, p.tagged("aws:RequestTag"))
	p.allow("PlinkLeaseTagOnCreate", tagOnCreate, res, cond{"StringEquals": {"ec2:CreateAction": {"CreatePlacementGroup"}}})
	p.allow("PlinkLeaseManage", manageLease, res, p.setsOnlyOwnProject(p.tagged("aws:ResourceTag")))
	// The lease removes one tag, the holder's: DeleteTags may remove that
	// one only (never plink:project, which would put the lease out of
	// every run's reach).
	wc := p.tagged("aws:ResourceTag")
	wc["ForAllValues:StringEquals"] = map[string][]string{"aws:TagKeys": {lease.TagHolder}}
	p.allow("PlinkLeaseWithdraw", withdrawLease, slices.Clone(res), wc)
}
