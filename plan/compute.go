package plan

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unsafe"

	"github.com/plinkdev/plink/health"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/pricing"
	"github.com/plinkdev/plink/quota"
)

// Pricing defaults: the documented us-east-1 price of one interface
// endpoint in one Availability Zone for one hour, and hours in a month
// (pricing's).
const (
	DefaultPricePerAZHour = pricing.DefaultPerAZHour
	DefaultHoursPerMonth  = pricing.DefaultHoursPerMonth
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
	// AllowDisconnect lets a plan cut off connected endpoints that the
	// manifest does not declare as a side effect of deleting or replacing a
	// service (the CLI's --allow-disconnect). Without it such a plan has an
	// error diagnostic, because with --auto-approve it is a customer outage.
	AllowDisconnect bool
	// EndpointsPerVPC is the quota of interface and Gateway Load Balancer
	// endpoints per VPC that plan warns about; 0 means AWS's default,
	// DefaultEndpointsPerVPC.
	EndpointsPerVPC int
	// Destroy plans the deletion of everything the manifest owns instead
	// of its convergence (plink destroy; see destroyPlan). DeleteAdopted
	// deletes adopted resources too, instead of releasing them.
	Destroy, DeleteAdopted bool
	// LoadBalancerHealth is the target health of the providers' load
	// balancers, read by the caller (status.ReadTargetHealth): each zone
	// where consumers' endpoints would have their connections reset is a
	// PL116 warning (health.go). Nil: not read, no lint.
	LoadBalancerHealth []health.LoadBalancerHealth
}

// prices is the options' price table.
func (o Options) prices() pricing.Table {
	return pricing.Table{PerAZHour: o.PricePerAZHour, Default: o.DefaultPrice, HoursPerMonth: o.HoursPerMonth}
}

// quotas is the options' quota table, AWS's defaults where none is set.
func (o Options) quotas() quota.Table {
	return quota.Table{EndpointsPerVPC: o.EndpointsPerVPC}.Effective()
}

// Connection states plink acts on.
const (
	statePendingAcceptance = "pendingAcceptance"
	stateAvailable         = "available"
	stateVerified          = "verified"
	statePending           = "pending"
	stateRejected          = "rejected"
)

const (
	typeInterface           = "Interface"
	typeGatewayLoadBalancer = "GatewayLoadBalancer"
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
	if opts.Destroy {
		p := c.destroyPlan()
		p.Destroy = true
		return p
	}
	// Fingerprints first: marshalling every resource was 15 MB of garbage
	// at 50,000 consumers, which at the end met the plan's largest heap.
	fps := fingerprints(s)
	c.reserve()
	c.resolveProviders()
	dropNoOpValues(c.changes)
	n := len(c.changes)
	c.resolveConsumers()
	dropNoOpValues(c.changes[n:])
	for _, ps := range c.provs {
		n = len(c.changes)
		c.providerChildren(ps)
		dropNoOpValues(c.changes[n:])
		ps.planned()
	}
	c.consumerNotifications()
	c.deletes()
	c.dnsRecordDeletes()
	c.quotaChecks()
	c.targetHealth()
	c.notificationTopics()
	c.disconnects()
	c.addServiceBreaks()
	c.protection(c.protectedAddrs())
	dropNoOpValues(c.changes)
	p := &Plan{
		FormatVersion:  FormatVersion,
		Project:        m.Project,
		ManifestDigest: m.Digest,
		PlinkVersion:   opts.PlinkVersion,
		Changes:        c.changes,
		Diagnostics:    c.diags,
		Fingerprints:   fps,
	}
	sortChanges(p.Changes)
	sortDiagnostics(p.Diagnostics)
	p.Cost = cost(p.Changes, opts)
	p.Unsettled = Unsettled(p, s)
	return p
}

// reserve makes room, before the first change, for the changes to come:
// each provider's service and allowed principals; an endpoint per
// consumer, and the accept of its connection when the plan creates it and
// its provider requires acceptance (a usable connection is no change); and
// a little more. Grown by append instead, the largest plans held the old
// array beside a new one 1.25 times its size (50 MB and more at 50,000
// consumers, docs/scale.md), and the providers' changes alone, appended
// before a later reserve, were 25 MB of garbage; a count that falls short
// only appends, one too high costs a Change (392 bytes) each.
func (c *computer) reserve() {
	n := 16 + len(c.m.Providers)/8
	accepting := map[string]bool{} // providers that require acceptance
	for _, p := range c.m.Providers {
		n += 1 + len(p.AllowedPrincipals)
		if p.AcceptanceRequired {
			accepting[p.Name] = true
		}
	}
	for _, cm := range c.m.Consumers {
		if cm == nil {
			continue
		}
		n++
		if cm.Provider != "" && accepting[cm.Provider] && len(c.epByName[cm.Name]) == 0 {
			n++
		}
	}
	c.changes = slices.Grow(c.changes, n)
}

// sharedKey names values that many changes of a plan have alike: an
// untagged principal's (Principal) and an accepted connection's
// (EndpointOwner).
type sharedKey struct {
	kind Kind
	id   string
}

// principalValues are the values of principal arn with tags: one Values
// for every provider that allows an untagged arn.
func (c *computer) principalValues(arn string, tags map[string]string) *Values {
	if len(tags) > 0 {
		return &Values{Principal: arn, Tags: tags}
	}
	return c.sharedValues(sharedKey{KindPrincipal, arn}, func() *Values { return &Values{Principal: arn} })
}

// acceptedValues are the after values of an accepted connection of an
// endpoint of account owner: one Values for each owner.
func (c *computer) acceptedValues(owner string) *Values {
	return c.sharedValues(sharedKey{KindConnection, owner}, func() *Values { return &Values{EndpointOwner: owner, State: stateAvailable} })
}

// sharedValues is the one Values of k, made by mk the first time. At 50,000
// consumers against the empty world a Values (592 bytes) for each of
// 137,440 creates and accepts was most of the plan's memory, and about half
// of them are alike (docs/scale.md): changes share them, so a change's
// values are read-only (Change).
func (c *computer) sharedValues(k sharedKey, mk func() *Values) *Values {
	if v := c.shared[k]; v != nil {
		return v
	}
	if c.shared == nil {
		c.shared = map[sharedKey]*Values{}
	}
	v := mk()
	c.shared[k] = v
	return v
}

// valuesSlab is how many Values newValues carves from one allocation: as
// many as fit in the largest small size class (32 KB).
const valuesSlab = 32 << 10 / int(unsafe.Sizeof(Values{}))

// newValues is a new Values for a change; kept, the change's values will
// be in the plan (a create's, a service's), and they are carved from a
// slab: a Values is 608 bytes, allocated alone 640, 2 MB more at 50,000
// consumers. A slab lives while any of its Values does, so values a no-op
// may drop (noop.go) are not carved.
func (c *computer) newValues(kept bool) *Values {
	if !kept {
		return &Values{}
	}
	if len(c.slab) == 0 {
		c.slab = make([]Values, valuesSlab)
	}
	v := &c.slab[0]
	c.slab = c.slab[1:]
	return v
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
	// going maps ids of resources being deleted, or deleted and still
	// listed by AWS, to their state: the plan treats them as absent.
	going map[string]string
	// leftovers are resources carrying an entry's plink:name beside the
	// one kept for it (an interrupted replace), by id; they are deleted.
	leftovers map[string]leftover

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
	lbIdx    *lbIndex // lbIndex()
	// shared are the values changes share (sharedValues).
	shared map[sharedKey]*Values
	slab   []Values // newValues
}

type provState struct {
	p         *manifest.Provider
	addr      string
	alias     string
	accountID string
	region    string
	ok        bool // account known and no blocking match error
	svc       *live.Service
	// renamedFrom is the former name (from the manifest's renamedFrom)
	// under which svc was found; "" when found by its name or not at all.
	renamedFrom string
	action      Action
	after       *Values
	// principals are the desired principal ARNs, sorted; newPrincipals maps
	// those that the plan adds to their change's address (principalAddr),
	// one string for the change and the endpoints that depend on it.
	principals    []string
	newPrincipals map[string]string
	// svcName is the live service name consumers can use now; "" when the
	// service is created or replaced by this plan.
	svcName string
	// azIDs are the AZ ids the service has load balancers in (nil: unknown).
	azIDs map[string]bool
	// declared maps endpoint ids of kept consumer endpoints to their address.
	declared map[string]string
	// creating maps an account id to the declared consumers of this
	// provider whose endpoints the plan creates there: a pending connection
	// from that account may be one of them, made after the account's
	// endpoints were read (reads of accounts are not one instant). Kept
	// only for a live service with connections: no other's are planned.
	creating map[string][]string
	// dnsVerifies: the plan verifies the service's private DNS name
	// (privatedns.go), so consumers turn private DNS on after that.
	dnsVerifies bool
	// refs is serviceNameRef's map; self is the DependsOn of a child while
	// the plan creates or replaces the service (child).
	refs map[string]string
	self []string
}

// planned drops what only the provider's consumers and its children
// (providerChildren) read, once they are planned: held until the plan was
// done, it was 7 MB at 50,000 consumers.
func (ps *provState) planned() {
	ps.azIDs, ps.newPrincipals, ps.declared, ps.creating = nil, nil, nil, nil
}

// serviceNameRef is the Refs of a change that takes the service's name
// from this provider's change: one map shared by the provider's change and
// every change of its consumers (a map per endpoint was 23 MB at 50,000
// consumers, docs/scale.md), so a change's Refs are read-only.
func (ps *provState) serviceNameRef() map[string]string {
	if ps.refs == nil {
		ps.refs = map[string]string{"serviceName": ps.addr}
	}
	return ps.refs
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
		going:       map[string]string{},
		leftovers:   map[string]leftover{},
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
	c.indexScopes()
	c.indexOwned()
	c.indexNetwork()
	return c
}

// indexScopes records which account-regions were read and which failed,
// and the accounts' aliases.
func (c *computer) indexScopes() {
	m, s := c.m, c.s
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
}

// indexOwned indexes the live services and endpoints by id, and the
// project's by the name they are tagged with; those deleted or being
// deleted are only recorded as going.
func (c *computer) indexOwned() {
	m, s := c.m, c.s
	for i := range s.Services {
		sv := &s.Services[i]
		if ph := live.ServicePhase(sv.State); ph == live.PhaseGone || ph == live.PhaseGoing {
			// A service being deleted, or deleted and still listed, is not
			// there for the plan: it is neither matched nor deleted again.
			c.going[sv.ID] = sv.State
			continue
		}
		c.svcByID[sv.ID] = sv
		if sv.Tags[live.TagProject] == m.Project && m.Project != "" {
			n := ownedName(sv.Tags, sv.ID)
			c.svcByName[n] = append(c.svcByName[n], sv)
		}
	}
	for i := range s.Endpoints {
		ep := &s.Endpoints[i]
		if ph := live.EndpointPhase(ep.State); ph == live.PhaseGone || ph == live.PhaseGoing {
			c.going[ep.ID] = ep.State
			continue
		}
		c.epByID[ep.ID] = ep
		if ep.Tags[live.TagProject] == m.Project && m.Project != "" {
			n := ownedName(ep.Tags, ep.ID)
			c.epByName[n] = append(c.epByName[n], ep)
		}
	}
}

// indexNetwork indexes the load balancers, VPCs, zones, subnets, security
// groups and visible services of the snapshot.
func (c *computer) indexNetwork() {
	s := c.s
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
	id, accountID, region, state string
	tags                         map[string]string
}

// fit is how a live resource that carries a manifest entry's plink:name
// compares with the entry on the attributes that force a replace.
type fit struct {
	// reasons name the replace-forcing attributes (account and region
	// included) where the resource differs from the entry; none: it matches.
	reasons []string
	// identity states the resource's replace-forcing values; two resources
	// with equal identities are interchangeable for the entry.
	identity string
}

// leftover is a live resource that carries a manifest entry's plink:name
// beside the one kept for the entry: what an interrupted replace leaves.
// The plan deletes it as an orphan of the project.
type leftover struct {
	addr              string // the entry's address
	keptID            string
	accountID, region string // where the leftover is
}

// doomedLeftover reports whether id is a leftover that this plan deletes
// (its account-region was read completely).
func (c *computer) doomedLeftover(id string) bool {
	lo, ok := c.leftovers[id]
	return ok && c.readOK(lo.accountID, lo.region)
}

// match finds the live resource for a manifest entry: by plink:name tag
// within the project (name is the entry's name, or the former name from its
// renamedFrom that lookupName chose), else by an explicit adopt id. ok is false when an
// error diagnostic was reported and nothing must be planned for the entry.
//
// Several resources carry the name when a replace (create the new one, then
// delete the old) was interrupted; fitOf compares each with the entry and
// pickDuplicate keeps one, leaving the others to be deleted. A nil fitOf
// claims every candidate and keeps none (the entry cannot be planned, and
// nothing of it may be deleted).
func match[T any](c *computer, addr, kind, name, adopt, accountID, region string, byName map[string][]T, byID map[string]T, ref func(T) liveRef, fitOf func(T) fit) (found T, adopted, ok bool) {
	var zero T
	if cands := byName[name]; len(cands) > 0 {
		if fitOf == nil {
			for _, t := range cands {
				c.claimed[ref(t).id] = true
			}
			return zero, false, false
		}
		if len(cands) == 1 {
			c.claimed[ref(cands[0]).id] = true
			return cands[0], false, true
		}
		refs := make([]liveRef, len(cands))
		fits := make([]fit, len(cands))
		for i, t := range cands {
			refs[i], fits[i] = ref(t), fitOf(t)
		}
		i := c.pickDuplicate(addr, kind, name, accountID, region, refs, fits)
		if i < 0 {
			return zero, false, false
		}
		return cands[i], false, true
	}
	if adopt == "" {
		return zero, false, true
	}
	t, exists := byID[adopt]
	if st, gone := c.going[adopt]; !exists && gone {
		c.diag(SeverityError, CodeAdoptGoing, addr, c.alias(accountID), region,
			fmt.Sprintf("%s adopts %s, which is %s in account %s region %s", addr, adopt, st, c.accountLabel(accountID), region),
			"remove adopt to create a new "+kind+" once it is gone, or adopt another one")
		return zero, false, false
	}
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

// lookupName is the plink:name under which an entry's live resource is
// found: its own name when some live resource of the project carries it,
// else the first name of renamedFrom that one carries (the entry was
// renamed), else its own name (nothing exists yet). Resources under the
// names not chosen stay unclaimed and are deleted as orphans.
func lookupName[T any](name string, renamedFrom []string, byName map[string][]T) string {
	if len(byName[name]) > 0 {
		return name
	}
	for _, old := range renamedFrom {
		if old != name && len(byName[old]) > 0 {
			return old
		}
	}
	return name
}

// renameWarning says that a change's resource was found under a former
// name: it keeps its id unless the change replaces it anyway.
func renameWarning(ch *Change, prefix, old, noun string) {
	from := prefix + old
	if ch.Action == Replace {
		ch.Warnings = append(ch.Warnings, fmt.Sprintf("renamed from %s: %s %s carries the former name and is replaced (%s)", from, noun, ch.ID, strings.Join(ch.ReplaceReasons, ", ")))
		return
	}
	ch.Warnings = append(ch.Warnings, fmt.Sprintf("renamed from %s: %s %s is kept and its %s tag rewritten", from, noun, ch.ID, live.TagName))
}

// pickDuplicate chooses which of several live resources carrying an entry's
// plink:name to keep, and returns its index; the others become leftovers.
// Resources that are failed or going away count only when nothing else is
// left. Among the rest, one that matches the entry on every replace-forcing
// attribute wins; when none does, they must be interchangeable (equal
// identities), or the choice is the user's: PL212, nothing is claimed for
// deletion and -1 is returned. Ties go to the healthiest state, then the
// lowest id (AWS ids carry no order), so every plan makes the same choice.
func (c *computer) pickDuplicate(addr, kind, name, accountID, region string, refs []liveRef, fits []fit) int {
	var alive, all []int
	for i, r := range refs {
		all = append(all, i)
		if stateRank(r.state) < rankGone {
			alive = append(alive, i)
		}
	}
	pool := alive
	if len(pool) == 0 {
		pool = all
	}
	var best []int
	for _, i := range pool {
		if len(fits[i].reasons) == 0 {
			best = append(best, i)
		}
	}
	if len(best) == 0 {
		for _, i := range pool[1:] {
			if fits[i].identity != fits[pool[0]].identity {
				c.ambiguous(addr, kind, name, accountID, region, refs, fits)
				return -1
			}
		}
		best = pool
	}
	sort.Slice(best, func(a, b int) bool {
		ra, rb := refs[best[a]], refs[best[b]]
		if sa, sb := stateRank(ra.state), stateRank(rb.state); sa != sb {
			return sa < sb
		}
		return ra.id < rb.id
	})
	keep := best[0]
	c.claimed[refs[keep].id] = true
	for i, r := range refs {
		if i != keep {
			c.leftovers[r.id] = leftover{addr: addr, keptID: refs[keep].id, accountID: r.accountID, region: r.region}
		}
	}
	return keep
}

// ambiguous reports PL212: several resources carry an entry's name, none
// matches the entry and they differ, so plink cannot tell which one the
// interrupted replace meant to keep. All are claimed: none is deleted.
func (c *computer) ambiguous(addr, kind, name, accountID, region string, refs []liveRef, fits []fit) {
	order := make([]int, len(refs))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return refs[order[a]].id < refs[order[b]].id })
	var list []string
	for _, i := range order {
		c.claimed[refs[i].id] = true
		list = append(list, fmt.Sprintf("%s (%s)", refs[i].id, fits[i].identity))
	}
	del := "aws ec2 delete-vpc-endpoints --vpc-endpoint-ids"
	if kind == kindServiceNoun {
		del = "aws ec2 delete-vpc-endpoint-service-configurations --service-ids"
	}
	c.diag(SeverityError, CodeDuplicateName, addr, c.alias(accountID), region,
		fmt.Sprintf("%d live %ss are tagged %s=%s %s=%s, none matches %s and they differ: %s", len(refs), kind, live.TagProject, c.m.Project, live.TagName, name, addr, strings.Join(list, "; ")),
		fmt.Sprintf("a replace was probably interrupted; change %s to match the %s to keep (plink then deletes the others), or delete the unwanted ones (%s ID) or remove their plink tags, then run plan again", addr, kind, del))
}

// Resource states, ranked for choosing among duplicates: usable, on its
// way, gone (failed, rejected, expired, deleting or deleted).
const (
	rankAvailable = iota
	rankPending
	rankGone
)

func stateRank(state string) int {
	if state == "" {
		return rankPending
	}
	ph := live.EndpointPhase(state)
	if ph == live.PhaseUnknown {
		ph = live.ServicePhase(state)
	}
	switch ph {
	case live.PhaseUsable:
		return rankAvailable
	case live.PhaseSettling, live.PhaseWaiting:
		return rankPending
	}
	return rankGone
}

const (
	kindServiceNoun  = "endpoint service"
	kindEndpointNoun = "endpoint"
)

func svcRef(s *live.Service) liveRef { return liveRef{s.ID, s.AccountID, s.Region, s.State, s.Tags} }
func epRef(e *live.Endpoint) liveRef { return liveRef{e.ID, e.AccountID, e.Region, e.State, e.Tags} }

// scopeFit lists account and region where a resource is not where the entry
// says, and states where it is.
func (c *computer) scopeFit(accountID, region, wantAccountID, wantRegion string) ([]string, string) {
	var reasons []string
	if accountID != wantAccountID {
		reasons = append(reasons, "account")
	}
	if region != wantRegion {
		reasons = append(reasons, "region")
	}
	return reasons, fmt.Sprintf("account %s %s", c.accountLabel(accountID), region)
}

// desiredTags merges defaults.tags, the entry's tags and plink's own tags.
func (c *computer) desiredTags(name string, tags map[string]string, protect bool) map[string]string {
	out := make(map[string]string, len(c.m.Defaults.Tags)+len(tags)+2)
	for k, v := range c.m.Defaults.Tags {
		out[k] = v
	}
	for k, v := range tags {
		out[k] = v
	}
	out[live.TagProject] = c.m.Project
	out[live.TagName] = name
	if protect {
		out[TagProtect] = "true"
	} else {
		delete(out, TagProtect)
	}
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

// sorted is in without "", drop's strings and duplicates, sorted. A list
// that is so already is returned itself, capped so that an append copies
// (a copy of each consumer's subnets and groups was 5 MB at 50,000
// consumers, docs/scale.md): like the values that hold it, read-only.
func sorted(in []string, drop ...string) []string {
	if len(in) == 0 {
		return nil
	}
	if clean(in, drop) {
		return in[:len(in):len(in)]
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

// clean reports whether in is strictly increasing, without "" or drop's
// strings: what sorted makes of it.
func clean(in, drop []string) bool {
	for i, s := range in {
		if s == "" || (i > 0 && in[i-1] >= s) || contains(drop, s) {
			return false
		}
	}
	return true
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
