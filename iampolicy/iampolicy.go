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
	"slices"
	"sort"
	"strings"

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
	if m == nil {
		return map[string]Document{AnyAccount: build(mode, anyAccountScope())}, nil
	}
	if len(m.Accounts) == 0 {
		return nil, fmt.Errorf("manifest declares no accounts; add at least one under accounts")
	}
	sr := newScoper(m, lv)
	out := map[string]Document{}
	for alias, a := range m.Accounts {
		out[alias] = build(mode, sr.scope(alias, a))
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
