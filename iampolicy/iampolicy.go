// Package iampolicy owns the least-privilege IAM policies plink needs: per
// mode (plan, drift and export read; apply also writes) and per account of
// a manifest, with writes scoped to the manifest's accounts and regions and
// to resources tagged with the manifest's project, plus the operator's
// sts:AssumeRole policy. The action lists in actions.go are the single
// source of truth, checked against the sandbox's call counter in tests.
//
// It is pure: it must not call AWS or IAM, and it does not print. The
// command layer picks the mode and renders the documents with JSON.
package iampolicy

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/plinkdev/plink/lease"
	"github.com/plinkdev/plink/manifest"
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
)

// Modes lists the valid modes in the order documented.
var Modes = []Mode{Plan, Apply, Drift, Export, Connections, Status}

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
	return "", fmt.Errorf("unknown mode %q: valid modes are plan, apply, drift, export, connections and status", s)
}

// For returns the policy each account needs to run plink in mode, keyed by
// account alias. Without a manifest (m nil) it returns one document under
// AnyAccount with account and region wildcards and the project condition
// reduced to "has a plink:project tag".
func For(mode Mode, m *manifest.Manifest) (map[string]Document, error) {
	if _, err := ParseMode(string(mode)); err != nil {
		return nil, err
	}
	out := map[string]Document{}
	if m == nil {
		out[AnyAccount] = build(mode, scope{account: "*", regions: []string{"*"}, providers: true, consumers: true, leaseRegion: "*"})
		return out, nil
	}
	if len(m.Accounts) == 0 {
		return nil, fmt.Errorf("manifest declares no accounts; add at least one under accounts")
	}
	all := manifestRegions(m)
	home, homeRegion := lease.Home(m)
	for alias, a := range m.Accounts {
		sc := scope{account: a.ID, project: m.Project, readRegions: all, vpcs: map[string]bool{}, subnets: map[string]bool{}, sgs: map[string]bool{}, rtbs: map[string]bool{}}
		if alias == home {
			sc.leaseRegion = homeRegion
		}
		region := func(r string) string { return cmp.Or(r, m.Defaults.Region) }
		regions := map[string]bool{}
		for _, p := range m.Providers {
			if p.Account != alias {
				continue
			}
			sc.providers = true
			regions[region(p.Region)] = true
			sc.serviceRegions = append(sc.serviceRegions, region(p.Region))
			if p.Adopt != "" {
				sc.adopted = append(sc.adopted, arn(region(p.Region), a.ID, "vpc-endpoint-service/"+p.Adopt))
			}
			if len(p.Notifications) > 0 {
				sc.notifications = true
			}
			if len(p.SupportedRegions) > 0 {
				sc.multiRegion = true
			}
		}
		for _, c := range m.Consumers {
			if c.Account != alias {
				continue
			}
			sc.consumers = true
			r := region(c.Region)
			for _, p := range m.Providers {
				if p.Name == c.Provider && region(p.Region) != r {
					sc.multiRegion = true
				}
			}
			regions[r] = true
			sc.vpcs[arn(r, a.ID, "vpc/"+c.VPCID)] = true
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
		}
		sc.regions = sortedSet(regions)
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
	account     string
	project     string // "" without a manifest
	regions     []string
	readRegions []string
	providers   bool
	consumers   bool
	// notifications: the account's providers declare notifications.
	notifications bool
	// multiRegion: the account's providers serve other regions or its
	// consumers reach a service in another region (vpce:AllowMultiRegion).
	multiRegion bool
	vpcs        map[string]bool
	subnets     map[string]bool
	sgs         map[string]bool
	rtbs        map[string]bool // gateway consumers' route tables
	adopted     []string
	// serviceRegions are the regions of the account's providers.
	serviceRegions []string
	// leaseRegion is where the project's lease lives when this account is
	// its home (lease.Home), else "".
	leaseRegion string
}

func arn(region, account, resource string) string {
	return "arn:aws:ec2:" + region + ":" + account + ":" + resource
}

func build(mode Mode, sc scope) Document {
	d := Document{Version: "2012-10-17"}
	add := func(s Statement) {
		sort.Strings(s.Action)
		s.Action = slices.Compact(s.Action)
		sort.Strings(s.Resource)
		s.Resource = slices.Compact(s.Resource)
		if len(s.Resource) > 0 {
			d.Statement = append(d.Statement, s)
		}
	}
	regionCond := func() map[string]map[string][]string {
		rs := sc.readRegions
		if len(rs) == 0 || slices.Contains(rs, "*") {
			return nil
		}
		return map[string]map[string][]string{"StringEquals": {"aws:RequestedRegion": slices.Clone(rs)}}
	}
	add(Statement{Sid: "PlinkIdentity", Effect: "Allow", Action: slices.Clone(identity), Resource: []string{"*"}})
	switch mode {
	case Export:
		add(Statement{Sid: "PlinkExportRead", Effect: "Allow", Action: slices.Clone(readExport), Resource: []string{"*"}, Condition: regionCond()})
		return d
	default:
		add(Statement{Sid: "PlinkRead", Effect: "Allow", Action: append(slices.Clone(readEC2), readELB...), Resource: []string{"*"}, Condition: regionCond()})
	}
	if mode == Plan || mode == Drift {
		add(Statement{Sid: "PlinkTargetHealthRead", Effect: "Allow", Action: slices.Clone(readTargetHealth), Resource: []string{"*"}, Condition: regionCond()})
	}
	if mode == Status {
		add(Statement{Sid: "PlinkStatusRead", Effect: "Allow", Action: slices.Clone(readStatus), Resource: []string{"*"}, Condition: regionCond()})
		return d
	}
	if mode == Connections && (sc.providers || sc.project == "") {
		// Only services carrying the project's tag, in the regions the
		// manifest declares them: a loop that runs every minute must not
		// decide for anyone else's service.
		regions := sortedSet(toSet(sc.serviceRegions))
		if sc.project == "" {
			regions = sc.regions
		}
		var svcs []string
		for _, r := range regions {
			svcs = append(svcs, arn(r, sc.account, "vpc-endpoint-service/*"))
		}
		k := "aws:ResourceTag/" + TagProject
		cond := map[string]map[string][]string{"StringEquals": {k: {sc.project}}}
		if sc.project == "" {
			cond = map[string]map[string][]string{"Null": {k: {"false"}}}
		}
		add(Statement{Sid: "PlinkDecideConnections", Effect: "Allow", Action: slices.Clone(decideConnections), Resource: svcs, Condition: cond})
	}
	if mode != Apply {
		return d
	}

	tagged := func(key string) map[string]map[string][]string {
		k := key + "/" + TagProject
		if sc.project == "" {
			return map[string]map[string][]string{"Null": {k: {"false"}}}
		}
		return map[string]map[string][]string{"StringEquals": {k: {sc.project}}}
	}
	// Creates are scoped to the regions where the manifest declares
	// resources of the account; changes and deletes to every region plink
	// reads, because a resource removed from the manifest is deleted where
	// it is, and the project tag already scopes them.
	in := func(regions []string, kind string) []string {
		var out []string
		for _, r := range regions {
			out = append(out, arn(r, sc.account, kind+"/*"))
		}
		return out
	}
	manageRegions := sc.readRegions
	if len(manageRegions) == 0 {
		manageRegions = sc.regions
	}
	var created, createdBy []string
	if sc.providers {
		add(Statement{Sid: "PlinkCreateEndpointServices", Effect: "Allow", Action: slices.Clone(createService), Resource: in(sc.regions, "vpc-endpoint-service"), Condition: tagged("aws:RequestTag")})
		created = append(created, in(sc.regions, "vpc-endpoint-service")...)
		createdBy = append(createdBy, createActions[1])
	}
	if sc.consumers {
		add(Statement{Sid: "PlinkCreateEndpoints", Effect: "Allow", Action: slices.Clone(createEndpoint), Resource: in(sc.regions, "vpc-endpoint"), Condition: tagged("aws:RequestTag")})
		var network []string
		if sc.project == "" {
			network = append(append(in(sc.regions, "vpc"), in(sc.regions, "subnet")...), in(sc.regions, "security-group")...)
			network = append(network, in(sc.regions, "route-table")...)
		} else {
			network = append(append(sortedSet(sc.vpcs), sortedSet(sc.subnets)...), sortedSet(sc.sgs)...)
			network = append(network, sortedSet(sc.rtbs)...)
		}
		add(Statement{Sid: "PlinkUseEndpointNetwork", Effect: "Allow", Action: slices.Clone(endpointNetwork), Resource: network})
		created = append(created, in(sc.regions, "vpc-endpoint")...)
		createdBy = append(createdBy, createActions[0])
	}
	if len(created) > 0 {
		add(Statement{Sid: "PlinkTagOnCreate", Effect: "Allow", Action: slices.Clone(tagOnCreate), Resource: created,
			Condition: map[string]map[string][]string{"StringEquals": {"ec2:CreateAction": sortedSet(toSet(createdBy))}}})
	}
	owned := append(in(manageRegions, "vpc-endpoint-service"), in(manageRegions, "vpc-endpoint")...)
	add(Statement{Sid: "PlinkManageOwnEndpointServices", Effect: "Allow", Action: slices.Clone(manageService), Resource: in(manageRegions, "vpc-endpoint-service"), Condition: tagged("aws:ResourceTag")})
	add(Statement{Sid: "PlinkManageOwnEndpoints", Effect: "Allow", Action: slices.Clone(manageEndpoint), Resource: in(manageRegions, "vpc-endpoint"), Condition: tagged("aws:ResourceTag")})
	add(Statement{Sid: "PlinkRetagOwnResources", Effect: "Allow", Action: slices.Clone(retag), Resource: owned, Condition: tagged("aws:ResourceTag")})
	if sc.providers || sc.notifications || sc.project == "" {
		var rc map[string]map[string][]string
		if !slices.Contains(manageRegions, "*") && len(manageRegions) > 0 {
			rc = map[string]map[string][]string{"StringEquals": {"aws:RequestedRegion": slices.Clone(manageRegions)}}
		}
		add(Statement{Sid: "PlinkManageConnectionNotifications", Effect: "Allow", Action: slices.Clone(manageNotifications), Resource: []string{"*"}, Condition: rc})
	}
	if sc.multiRegion || sc.project == "" {
		// A permission-only action: cross-region endpoints and services
		// with supported regions need it besides the EC2 call itself.
		add(Statement{Sid: "PlinkMultiRegion", Effect: "Allow", Action: slices.Clone(multiRegion), Resource: []string{"*"}})
	}
	if len(sc.adopted) > 0 {
		// Adopted resources carry no plink tag until apply tags them, so they
		// are named by ARN.
		acts := []string{"ec2:CreateTags"}
		var svc, ep bool
		for _, a := range sc.adopted {
			svc = svc || strings.Contains(a, ":vpc-endpoint-service/")
			ep = ep || strings.Contains(a, ":vpc-endpoint/")
		}
		if svc {
			acts = append(acts, manageService...)
		}
		if ep {
			acts = append(acts, manageEndpoint...)
		}
		add(Statement{Sid: "PlinkAdoptResources", Effect: "Allow", Action: acts, Resource: slices.Clone(sc.adopted)})
	}
	if sc.leaseRegion != "" {
		// The project's lease (package lease): one placement group, named
		// for the project and tagged with it, in its home account and
		// region; DescribePlacementGroups has no resource-level permissions.
		name := lease.Name(sc.project)
		if sc.project == "" {
			name = lease.NamePrefix + "*"
		}
		res := []string{arn(sc.leaseRegion, sc.account, "placement-group/"+name)}
		var rc map[string]map[string][]string
		if sc.leaseRegion != "*" {
			rc = map[string]map[string][]string{"StringEquals": {"aws:RequestedRegion": {sc.leaseRegion}}}
		}
		add(Statement{Sid: "PlinkLeaseRead", Effect: "Allow", Action: slices.Clone(readLease), Resource: []string{"*"}, Condition: rc})
		add(Statement{Sid: "PlinkLeaseCreate", Effect: "Allow", Action: slices.Clone(createLease), Resource: res, Condition: tagged("aws:RequestTag")})
		add(Statement{Sid: "PlinkLeaseTagOnCreate", Effect: "Allow", Action: slices.Clone(tagOnCreate), Resource: res,
			Condition: map[string]map[string][]string{"StringEquals": {"ec2:CreateAction": {"CreatePlacementGroup"}}}})
		add(Statement{Sid: "PlinkLeaseManage", Effect: "Allow", Action: slices.Clone(manageLease), Resource: res, Condition: tagged("aws:ResourceTag")})
	}
	return d
}

func manifestRegions(m *manifest.Manifest) []string {
	set := map[string]bool{}
	if m.Defaults.Region != "" {
		set[m.Defaults.Region] = true
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
