package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

// Pricing defaults: the documented us-east-1 price of one interface
// endpoint in one Availability Zone for one hour, and hours in a month.
const (
	DefaultPricePerAZHour = 0.01
	DefaultHoursPerMonth  = 730
)

// Options tune Compute. The zero value is ready to use.
type Options struct {
	// PricePerAZHour overrides the USD price of one interface endpoint in one
	// AZ for one hour, by region. Regions not listed use DefaultPrice.
	PricePerAZHour map[string]float64
	// DefaultPrice is the price for regions not in PricePerAZHour; 0 means
	// DefaultPricePerAZHour.
	DefaultPrice float64
	// HoursPerMonth; 0 means DefaultHoursPerMonth.
	HoursPerMonth float64
	// PlinkVersion is recorded in the plan.
	PlinkVersion string
}

func (o Options) price(region string) float64 {
	if p, ok := o.PricePerAZHour[region]; ok {
		return p
	}
	if o.DefaultPrice > 0 {
		return o.DefaultPrice
	}
	return DefaultPricePerAZHour
}

func (o Options) hours() float64 {
	if o.HoursPerMonth > 0 {
		return o.HoursPerMonth
	}
	return DefaultHoursPerMonth
}

// Connection states plink acts on.
const (
	statePendingAcceptance = "pendingAcceptance"
	stateAvailable         = "available"
	statePending           = "pending"
	stateRejected          = "rejected"
)

const (
	typeInterface = "Interface"
	typeGateway   = "GatewayLoadBalancer"
)

// Compute diffs the manifest against the live snapshot and returns the plan.
// It never fails: problems that make the plan impossible are error
// diagnostics (see Plan.HasErrors). m and s are not modified.
func Compute(m *manifest.Manifest, s *live.Snapshot, opts Options) *Plan {
	if s == nil {
		s = &live.Snapshot{}
	}
	c := newComputer(m, s, opts)
	c.failures()
	c.resolveProviders()
	c.resolveConsumers()
	for _, ps := range c.provs {
		c.providerChildren(ps)
	}
	c.deletes()
	p := &Plan{
		FormatVersion:  FormatVersion,
		Project:        m.Project,
		ManifestDigest: m.Digest,
		PlinkVersion:   opts.PlinkVersion,
		Changes:        c.changes,
		Diagnostics:    c.diags,
		Fingerprints:   fingerprints(s),
	}
	sortChanges(p.Changes)
	sortDiagnostics(p.Diagnostics)
	p.Cost = cost(p.Changes, opts)
	return p
}

// key names a resource (or a region, with id "") in one account.
type key struct{ account, region, id string }

type computer struct {
	m       *manifest.Manifest
	s       *live.Snapshot
	opts    Options
	changes []Change
	diags   []Diagnostic

	aliasByID   map[string]string
	read        map[key]bool // account-regions read (id "")
	failed      map[key]bool
	notReadDiag map[key]bool

	svcByName map[string][]*live.Service
	svcByID   map[string]*live.Service
	epByName  map[string][]*live.Endpoint
	epByID    map[string]*live.Endpoint
	claimed   map[string]bool

	lbs        map[string]*live.LoadBalancer
	vpcs       map[key]*live.VPC
	subnets    map[key]*live.Subnet
	sgs        map[key]*live.SecurityGroup
	zoneIDs    map[key]string // id = zone name
	vpcSubnets map[key][]*live.Subnet
	visible    map[key]*live.VisibleService // id = service name

	provs    []*provState
	provByNm map[string]*provState
	policies map[string]string
}

type provState struct {
	p         *manifest.Provider
	addr      string
	alias     string
	accountID string
	region    string
	ok        bool // account known and no blocking match error
	svc       *live.Service
	action    Action
	after     *Values
	// principals are the desired principal ARNs, sorted; newPrincipals those
	// that the plan adds.
	principals    []string
	newPrincipals map[string]bool
	// svcName is the live service name consumers can use now; "" when the
	// service is created or replaced by this plan.
	svcName string
	// azIDs are the AZ ids the service has load balancers in (nil: unknown).
	azIDs map[string]bool
	// declared maps endpoint ids of kept consumer endpoints to their address.
	declared map[string]string
}

func newComputer(m *manifest.Manifest, s *live.Snapshot, opts Options) *computer {
	c := &computer{
		m: m, s: s, opts: opts,
		aliasByID:   map[string]string{},
		read:        map[key]bool{},
		failed:      map[key]bool{},
		notReadDiag: map[key]bool{},
		svcByName:   map[string][]*live.Service{},
		svcByID:     map[string]*live.Service{},
		epByName:    map[string][]*live.Endpoint{},
		epByID:      map[string]*live.Endpoint{},
		claimed:     map[string]bool{},
		lbs:         map[string]*live.LoadBalancer{},
		vpcs:        map[key]*live.VPC{},
		subnets:     map[key]*live.Subnet{},
		sgs:         map[key]*live.SecurityGroup{},
		zoneIDs:     map[key]string{},
		vpcSubnets:  map[key][]*live.Subnet{},
		visible:     map[key]*live.VisibleService{},
		provByNm:    map[string]*provState{},
		policies:    map[string]string{},
	}
	for _, sc := range s.Scopes {
		c.read[key{sc.AccountID, sc.Region, ""}] = true
		if sc.Account != "" {
			c.aliasByID[sc.AccountID] = sc.Account
		}
	}
	for alias, a := range m.Accounts {
		if a != nil {
			c.aliasByID[a.ID] = alias
		}
	}
	for _, f := range s.Failures {
		c.failed[key{f.AccountID, f.Region, ""}] = true
	}
	for i := range s.Services {
		sv := &s.Services[i]
		c.svcByID[sv.ID] = sv
		if sv.Tags[live.TagProject] == m.Project && m.Project != "" {
			n := ownedName(sv.Tags, sv.ID)
			c.svcByName[n] = append(c.svcByName[n], sv)
		}
	}
	for i := range s.Endpoints {
		ep := &s.Endpoints[i]
		c.epByID[ep.ID] = ep
		if ep.Tags[live.TagProject] == m.Project && m.Project != "" {
			n := ownedName(ep.Tags, ep.ID)
			c.epByName[n] = append(c.epByName[n], ep)
		}
	}
	for i := range s.LoadBalancers {
		lb := &s.LoadBalancers[i]
		c.lbs[lb.ARN] = lb
	}
	for i := range s.VPCs {
		v := &s.VPCs[i]
		c.vpcs[key{v.AccountID, v.Region, v.ID}] = v
	}
	for i := range s.Zones {
		z := &s.Zones[i]
		c.zoneIDs[key{z.AccountID, z.Region, z.Name}] = z.ID
	}
	for i := range s.Subnets {
		sn := &s.Subnets[i]
		c.subnets[key{sn.AccountID, sn.Region, sn.ID}] = sn
		vk := key{sn.AccountID, sn.Region, sn.VPCID}
		c.vpcSubnets[vk] = append(c.vpcSubnets[vk], sn)
	}
	for i := range s.SecurityGroups {
		g := &s.SecurityGroups[i]
		c.sgs[key{g.AccountID, g.Region, g.ID}] = g
	}
	for i := range s.VisibleServices {
		vs := &s.VisibleServices[i]
		c.visible[key{vs.AccountID, vs.Region, vs.ServiceName}] = vs
	}
	return c
}

func ownedName(tags map[string]string, id string) string {
	if n := tags[live.TagName]; n != "" {
		return n
	}
	return id
}

func (c *computer) diag(sev Severity, code, addr, account, region, msg, hint string) {
	c.diags = append(c.diags, Diagnostic{Severity: sev, Code: code, Address: addr, Account: account, Region: region, Message: msg, Hint: hint})
}

func (c *computer) alias(accountID string) string { return c.aliasByID[accountID] }

func (c *computer) accountLabel(accountID string) string {
	if a := c.alias(accountID); a != "" {
		return fmt.Sprintf("%s (%s)", a, accountID)
	}
	return accountID
}

// readOK reports whether an account-region was read completely: deletes and
// existence lint happen only there.
func (c *computer) readOK(accountID, region string) bool {
	k := key{accountID, region, ""}
	return c.read[k] && !c.failed[k]
}

// checkRead reports an error once per account-region that a manifest entry
// needs but that the snapshot does not cover.
func (c *computer) checkRead(addr, alias, accountID, region string) {
	k := key{accountID, region, ""}
	if c.read[k] || c.failed[k] || c.notReadDiag[k] {
		return
	}
	c.notReadDiag[k] = true
	c.diag(SeverityError, CodeScopeNotRead, addr, alias, region,
		fmt.Sprintf("account %s region %s was not read; the plan cannot tell what exists there", c.accountLabel(accountID), region),
		"run plan again with credentials for this account, or check the account's region in the manifest")
}

func (c *computer) failures() {
	for _, f := range c.s.Failures {
		c.diag(SeverityError, CodeReadFailure, "", f.Account, f.Region,
			fmt.Sprintf("reading account %s region %s failed: %s: %s", c.accountLabel(f.AccountID), f.Region, f.Call, f.Error),
			"the plan is incomplete for this account and region; fix access and run plan again")
	}
}

func (c *computer) region(r string) string {
	if r == "" {
		return c.m.Defaults.Region
	}
	return r
}

func (c *computer) account(addr, alias string) *manifest.Account {
	a := c.m.Accounts[alias]
	if a == nil {
		known := make([]string, 0, len(c.m.Accounts))
		for k := range c.m.Accounts {
			known = append(known, k)
		}
		sort.Strings(known)
		c.diag(SeverityError, CodeUnknownAccount, addr, alias, "",
			fmt.Sprintf("%s names account %q, which is not declared under accounts", addr, alias),
			"use one of: "+strings.Join(known, ", "))
	}
	return a
}

// liveRef is what matching needs to know about a live resource.
type liveRef struct {
	id, accountID, region string
	tags                  map[string]string
}

// match finds the live resource for a manifest entry: by plink:name tag
// within the project, else by an explicit adopt id. ok is false when an
// error diagnostic was reported and nothing must be planned for the entry.
func match[T any](c *computer, addr, kind, name, adopt, accountID, region string, byName map[string][]T, byID map[string]T, ref func(T) liveRef) (found T, adopted, ok bool) {
	var zero T
	if cands := byName[name]; len(cands) > 0 {
		if len(cands) > 1 {
			ids := make([]string, len(cands))
			for i, t := range cands {
				ids[i] = ref(t).id
				c.claimed[ids[i]] = true
			}
			sort.Strings(ids)
			c.diag(SeverityError, CodeDuplicateName, addr, c.alias(accountID), region,
				fmt.Sprintf("%d live %ss are tagged %s=%s %s=%s: %s", len(ids), kind, live.TagProject, c.m.Project, live.TagName, name, strings.Join(ids, ", ")),
				"delete or untag all but one of them, then run plan again")
			return zero, false, false
		}
		c.claimed[ref(cands[0]).id] = true
		return cands[0], false, true
	}
	if adopt == "" {
		return zero, false, true
	}
	t, exists := byID[adopt]
	if !exists {
		c.diag(SeverityError, CodeAdoptMissing, addr, c.alias(accountID), region,
			fmt.Sprintf("%s adopts %s, which does not exist in account %s region %s", addr, adopt, c.accountLabel(accountID), region),
			"check the id with the AWS console or CLI, or remove adopt to create a new "+kind)
		return zero, false, false
	}
	r := ref(t)
	c.claimed[r.id] = true
	if p := r.tags[live.TagProject]; p != "" {
		owner := fmt.Sprintf("project %q", p)
		if p == c.m.Project {
			owner = fmt.Sprintf("this project as %q", r.tags[live.TagName])
		}
		c.diag(SeverityError, CodeAdoptOwned, addr, c.alias(accountID), region,
			fmt.Sprintf("%s adopts %s, which plink already manages for %s", addr, adopt, owner),
			"plink never takes a resource from another owner; remove adopt or remove the resource's plink tags first")
		return zero, false, false
	}
	if r.accountID != accountID || r.region != region {
		c.diag(SeverityError, CodeAdoptWrongScope, addr, c.alias(accountID), region,
			fmt.Sprintf("%s adopts %s, which is in account %s region %s, not account %s region %s", addr, adopt, c.accountLabel(r.accountID), r.region, c.accountLabel(accountID), region),
			"set the entry's account and region to where the resource is")
		return zero, false, false
	}
	return t, true, true
}

func svcRef(s *live.Service) liveRef { return liveRef{s.ID, s.AccountID, s.Region, s.Tags} }
func epRef(e *live.Endpoint) liveRef { return liveRef{e.ID, e.AccountID, e.Region, e.Tags} }

// desiredTags merges defaults.tags, the entry's tags and plink's own tags.
func (c *computer) desiredTags(name string, tags map[string]string) map[string]string {
	out := make(map[string]string, len(c.m.Defaults.Tags)+len(tags)+2)
	for k, v := range c.m.Defaults.Tags {
		out[k] = v
	}
	for k, v := range tags {
		out[k] = v
	}
	out[live.TagProject] = c.m.Project
	out[live.TagName] = name
	return out
}

// liveTags drops the aws: tags that nobody but AWS can change.
func liveTags(tags map[string]string) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	out := make(map[string]string, len(tags))
	for k, v := range tags {
		if !strings.HasPrefix(k, "aws:") {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func sorted(in []string, drop ...string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, 0, len(in))
	for _, s := range in {
		skip := s == ""
		for _, d := range drop {
			skip = skip || s == d
		}
		if !skip {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	j := 0
	for i, s := range out {
		if i == 0 || out[j-1] != s {
			out[j] = s
			j++
		}
	}
	if j == 0 {
		return nil
	}
	return out[:j]
}

func ptr[T any](v T) *T { return &v }

// optString is nil for "": an unset string attribute.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func rootARN(accountID string) string { return "arn:aws:iam::" + accountID + ":root" }

// principalAccount returns the account id in an IAM principal ARN, or "*".
func principalAccount(arn string) string {
	if arn == "*" {
		return "*"
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 {
		return parts[4]
	}
	if len(arn) == 12 {
		return arn
	}
	return ""
}

// allows reports whether principals let accountID create endpoints: its root
// ARN or the wildcard.
func allows(principals []string, accountID string) bool {
	return contains(principals, "*") || contains(principals, rootARN(accountID))
}

// allowsSomeIn reports whether any allowed principal belongs to accountID
// (its root, a role or a user) or is the wildcard: such an account's
// existing connections are not undeclared strangers.
func allowsSomeIn(principals []string, accountID string) bool {
	for _, p := range principals {
		if p == "*" || principalAccount(p) == accountID {
			return true
		}
	}
	return false
}
