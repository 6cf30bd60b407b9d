package plan

import (
	"fmt"
	"math"
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

// ---- providers ----

func serviceType(p *manifest.Provider) string {
	if len(p.GatewayLoadBalancerARNs) > 0 {
		return typeGateway
	}
	return typeInterface
}

func liveServiceValues(sv *live.Service) *Values {
	t := sv.Type
	if t == "" {
		t = typeInterface
		if len(sv.GatewayLoadBalancerARNs) > 0 {
			t = typeGateway
		}
	}
	return &Values{
		Type:                    t,
		ServiceName:             sv.Name,
		NetworkLoadBalancerARNs: sorted(sv.NetworkLoadBalancerARNs),
		GatewayLoadBalancerARNs: sorted(sv.GatewayLoadBalancerARNs),
		AcceptanceRequired:      ptr(sv.AcceptanceRequired),
		PrivateDNSName:          optString(sv.PrivateDNSName),
		SupportedIPAddressTypes: sorted(sv.SupportedIPAddressTypes),
		SupportedRegions:        sorted(sv.SupportedRegions, sv.Region),
		Tags:                    liveTags(sv.Tags),
	}
}

func (c *computer) desiredServiceValues(ps *provState, prior *live.Service) *Values {
	p := ps.p
	ipTypes := sorted(p.SupportedIPAddressTypes)
	if ipTypes == nil {
		if prior != nil && len(prior.SupportedIPAddressTypes) > 0 {
			ipTypes = sorted(prior.SupportedIPAddressTypes)
		} else {
			ipTypes = []string{"ipv4"}
		}
	}
	return &Values{
		Type:                    serviceType(p),
		NetworkLoadBalancerARNs: sorted(p.NetworkLoadBalancerARNs),
		GatewayLoadBalancerARNs: sorted(p.GatewayLoadBalancerARNs),
		AcceptanceRequired:      ptr(p.AcceptanceRequired),
		PrivateDNSName:          optString(p.PrivateDNSName),
		SupportedIPAddressTypes: ipTypes,
		SupportedRegions:        sorted(p.SupportedRegions, ps.region),
		Tags:                    c.desiredTags(p.Name, p.Tags),
	}
}

func (c *computer) desiredPrincipals(ps *provState) []string {
	var out []string
	for _, pr := range ps.p.AllowedPrincipals {
		switch {
		case pr.Resolved != "":
			out = append(out, pr.Resolved)
		case pr.ARN != "":
			out = append(out, pr.ARN)
		case pr.Account != "":
			if a := c.m.Accounts[pr.Account]; a != nil {
				out = append(out, rootARN(a.ID))
			}
		}
	}
	return sorted(out)
}

func (c *computer) resolveProviders() {
	for _, p := range c.m.Providers {
		ps := &provState{p: p, addr: "provider." + p.Name, alias: p.Account, region: c.region(p.Region),
			newPrincipals: map[string]bool{}, declared: map[string]string{}}
		c.provs = append(c.provs, ps)
		c.provByNm[p.Name] = ps
		acct := c.account(ps.addr, p.Account)
		if acct == nil {
			continue
		}
		ps.accountID = acct.ID
		ps.principals = c.desiredPrincipals(ps)
		c.checkRead(ps.addr, ps.alias, ps.accountID, ps.region)
		svc, adopted, ok := match(c, ps.addr, "endpoint service", p.Name, p.Adopt, ps.accountID, ps.region, c.svcByName, c.svcByID, svcRef)
		if !ok {
			continue
		}
		ps.ok = true
		ps.svc = svc
		c.serviceChange(ps, adopted)
		var have []string
		if ps.action != Create && ps.action != Replace {
			have = ps.svc.Principals
		}
		for _, arn := range ps.principals {
			if !contains(have, arn) {
				ps.newPrincipals[arn] = true
			}
		}
		c.providerLint(ps)
	}
}

func (c *computer) serviceChange(ps *provState, adopted bool) {
	ch := Change{Address: ps.addr, Kind: KindService, Account: ps.alias, AccountID: ps.accountID, Region: ps.region}
	ps.after = c.desiredServiceValues(ps, ps.svc)
	ch.After = ps.after
	if ps.svc == nil {
		ch.Action = Create
		ch.Refs = map[string]string{"serviceName": ps.addr}
		if ps.p.PrivateDNSName != "" {
			ch.Warnings = append(ch.Warnings, fmt.Sprintf("private DNS name %s must be verified with a DNS TXT record after creation before consumers can use it", ps.p.PrivateDNSName))
		}
		ps.action = Create
		c.changes = append(c.changes, ch)
		return
	}
	sv := ps.svc
	ch.ID = sv.ID
	ch.Before = liveServiceValues(sv)
	if ch.Before.Type != ch.After.Type {
		ch.ReplaceReasons = append(ch.ReplaceReasons, "type")
	}
	c.scopeReasons(&ch, sv.AccountID, sv.Region)
	switch {
	case len(ch.ReplaceReasons) > 0:
		ch.Action = Replace
		ch.Refs = map[string]string{"serviceName": ps.addr}
		ch.Breaks = c.serviceBreaks(sv)
	case adopted:
		ch.Action = Adopt
		ch.After.ServiceName = sv.Name
		ps.svcName = sv.Name
	default:
		ch.After.ServiceName = sv.Name
		ps.svcName = sv.Name
		ch.Action = NoOp
		if len(Diff(KindService, ch.Before, ch.After)) > 0 {
			ch.Action = Update
		}
	}
	ps.action = ch.Action
	c.changes = append(c.changes, ch)
}

// scopeReasons adds replace reasons when a matched resource lives in another
// account or region than the manifest now says.
func (c *computer) scopeReasons(ch *Change, accountID, region string) {
	if accountID == ch.AccountID && region == ch.Region {
		return
	}
	if accountID != ch.AccountID {
		ch.ReplaceReasons = append(ch.ReplaceReasons, "account")
	}
	if region != ch.Region {
		ch.ReplaceReasons = append(ch.ReplaceReasons, "region")
	}
	ch.PriorAccount = c.alias(accountID)
	ch.PriorAccountID = accountID
	ch.PriorRegion = region
}

// serviceBreaks lists the endpoints connected to a service that is removed.
func (c *computer) serviceBreaks(sv *live.Service) []string {
	var conns []live.Connection
	for _, cn := range sv.Connections {
		switch cn.State {
		case stateAvailable, statePendingAcceptance, statePending:
			conns = append(conns, cn)
		}
	}
	if len(conns) == 0 {
		return nil
	}
	sort.Slice(conns, func(i, j int) bool { return conns[i].EndpointID < conns[j].EndpointID })
	noun := "endpoints"
	if len(conns) == 1 {
		noun = "endpoint"
	}
	out := []string{fmt.Sprintf("endpoint service %s has %d connected %s; they lose their connection", sv.ID, len(conns), noun)}
	for _, cn := range conns {
		out = append(out, fmt.Sprintf("endpoint %s of account %s, %s", cn.EndpointID, c.accountLabel(cn.OwnerID), cn.State))
	}
	return out
}

func (c *computer) providerLint(ps *provState) {
	if !c.readOK(ps.accountID, ps.region) {
		return
	}
	p := ps.p
	zones := map[string]bool{}
	known := false
	check := func(arns []string, want, field string) {
		for _, arn := range arns {
			lb := c.lbs[arn]
			if lb == nil {
				c.diag(SeverityError, CodeLBMissing, ps.addr, ps.alias, ps.region,
					fmt.Sprintf("%s: load balancer %s does not exist in account %s region %s", ps.addr, arn, c.accountLabel(ps.accountID), ps.region),
					"create the load balancer first or correct the ARN in "+field)
				continue
			}
			if lb.Type != want {
				c.diag(SeverityError, CodeLBType, ps.addr, ps.alias, ps.region,
					fmt.Sprintf("%s: load balancer %s is of type %s, but %s needs type %s", ps.addr, lb.Name, lb.Type, field, want),
					"endpoint services front network load balancers (networkLoadBalancerArns) or gateway load balancers (gatewayLoadBalancerArns)")
				continue
			}
			for _, z := range lb.Zones {
				if id := c.zoneIDs[key{lb.AccountID, lb.Region, z}]; id != "" {
					zones[id] = true
					known = true
				}
			}
		}
	}
	check(p.NetworkLoadBalancerARNs, "network", "networkLoadBalancerArns")
	check(p.GatewayLoadBalancerARNs, "gateway", "gatewayLoadBalancerArns")
	if !known && ps.svc != nil {
		for _, id := range ps.svc.AvailabilityZoneIDs {
			zones[id] = true
			known = true
		}
		for _, z := range ps.svc.AvailabilityZones {
			if id := c.zoneIDs[key{ps.svc.AccountID, ps.svc.Region, z}]; id != "" {
				zones[id] = true
				known = true
			}
		}
	}
	if known {
		ps.azIDs = zones
	}
	if sv := ps.svc; sv != nil && ps.action != Replace && p.PrivateDNSName != "" && sv.PrivateDNSName == p.PrivateDNSName &&
		sv.PrivateDNSState != "" && sv.PrivateDNSState != "verified" {
		hint := fmt.Sprintf("publish a TXT record named %s with value %q in the domain's DNS zone, then run: aws ec2 start-vpc-endpoint-service-private-dns-verification --service-id %s",
			sv.PrivateDNSTXTName, sv.PrivateDNSTXTValue, sv.ID)
		c.diag(SeverityWarning, CodeDNSNotVerified, ps.addr, ps.alias, ps.region,
			fmt.Sprintf("%s: private DNS name %s is not verified (%s); consumers cannot enable private DNS until it is", ps.addr, p.PrivateDNSName, sv.PrivateDNSState),
			hint)
	}
}

// providerChildren plans principals, connections and notifications of a
// provider whose service is kept, created or replaced.
func (c *computer) providerChildren(ps *provState) {
	if !ps.ok {
		return
	}
	fresh := ps.action == Create || ps.action == Replace
	var sv *live.Service
	if !fresh {
		sv = ps.svc
	}
	c.principalChanges(ps, sv)
	if sv != nil {
		c.connectionChanges(ps, sv)
	}
	c.notificationChanges(ps, sv)
}

func (c *computer) child(ps *provState, kind Kind, addr string) Change {
	ch := Change{Address: addr, Kind: kind, Account: ps.alias, AccountID: ps.accountID, Region: ps.region, Parent: ps.addr}
	if ps.svc != nil && ps.action != Replace {
		ch.ParentID = ps.svc.ID
	}
	if ps.action == Create || ps.action == Replace {
		ch.DependsOn = []string{ps.addr}
	}
	return ch
}

func (c *computer) principalChanges(ps *provState, sv *live.Service) {
	var have []string
	if sv != nil {
		have = sorted(sv.Principals)
	}
	for _, arn := range ps.principals {
		ch := c.child(ps, KindPrincipal, fmt.Sprintf("%s.principal[%s]", ps.addr, arn))
		ch.After = &Values{Principal: arn}
		if contains(have, arn) {
			ch.Action = NoOp
			ch.ID = arn
			ch.Before = &Values{Principal: arn}
		} else {
			ch.Action = Create
		}
		c.changes = append(c.changes, ch)
	}
	for _, arn := range have {
		if contains(ps.principals, arn) {
			continue
		}
		ch := c.child(ps, KindPrincipal, fmt.Sprintf("%s.principal[%s]", ps.addr, arn))
		ch.Action = Delete
		ch.ID = arn
		ch.Before = &Values{Principal: arn}
		ch.Breaks, ch.Warnings = c.principalBreaks(ps, sv, arn)
		c.changes = append(c.changes, ch)
	}
}

// principalBreaks lists the connections from a removed principal's account
// that stay open: AWS does not close existing connections.
func (c *computer) principalBreaks(ps *provState, sv *live.Service, arn string) (breaks, warnings []string) {
	acct := principalAccount(arn)
	for _, cn := range sv.Connections {
		if cn.State != stateAvailable && cn.State != statePendingAcceptance {
			continue
		}
		if acct != "*" && cn.OwnerID != acct {
			continue
		}
		if allows(ps.principals, cn.OwnerID) {
			continue
		}
		if ps.p.Connections.RejectUndeclared && !c.connectionWanted(ps, cn) {
			breaks = append(breaks, fmt.Sprintf("connection %s of account %s, %s, is rejected (connections.rejectUndeclared)", cn.EndpointID, c.accountLabel(cn.OwnerID), cn.State))
			continue
		}
		breaks = append(breaks, fmt.Sprintf("connection %s of account %s, %s, stays open: AWS keeps existing connections when a principal is removed", cn.EndpointID, c.accountLabel(cn.OwnerID), cn.State))
	}
	if len(breaks) > 0 && !ps.p.Connections.RejectUndeclared {
		warnings = append(warnings, fmt.Sprintf("to close connections the manifest does not declare, set connections.rejectUndeclared: true on %s", ps.addr))
	}
	return breaks, warnings
}

// connectionWanted reports whether a connection comes from a declared
// consumer or an acceptFrom account.
func (c *computer) connectionWanted(ps *provState, cn live.Connection) bool {
	return ps.declared[cn.EndpointID] != "" || contains(ps.p.Connections.AcceptFromIDs, cn.OwnerID)
}

func (c *computer) connectionChanges(ps *provState, sv *live.Service) {
	conns := append([]live.Connection(nil), sv.Connections...)
	sort.Slice(conns, func(i, j int) bool { return conns[i].EndpointID < conns[j].EndpointID })
	cfg := ps.p.Connections
	var waiting []string
	for _, cn := range conns {
		declared := ps.declared[cn.EndpointID]
		fromList := contains(cfg.AcceptFromIDs, cn.OwnerID)
		var action Action
		var why string
		switch cn.State {
		case statePendingAcceptance:
			switch {
			case declared != "" && cfg.AcceptsDeclared():
				action, why = Accept, "endpoint of "+declared
			case fromList:
				action, why = Accept, "account "+cn.OwnerID+" is in connections.acceptFrom"
			case declared != "":
				// declared, but acceptance is left to someone else
			case cfg.RejectUndeclared:
				action, why = Reject, "not declared in the manifest (connections.rejectUndeclared)"
			default:
				waiting = append(waiting, fmt.Sprintf("%s (account %s)", cn.EndpointID, c.accountLabel(cn.OwnerID)))
			}
		case stateAvailable:
			if cfg.RejectUndeclared && declared == "" && !fromList && !allows(ps.principals, cn.OwnerID) {
				action, why = Reject, "account "+cn.OwnerID+" is no longer an allowed principal and the connection is not declared (connections.rejectUndeclared)"
			}
		}
		if action == "" {
			continue
		}
		ch := c.child(ps, KindConnection, fmt.Sprintf("%s.connection[%s]", ps.addr, cn.EndpointID))
		ch.Action = action
		ch.ID = cn.EndpointID
		ch.Before = &Values{EndpointID: cn.EndpointID, EndpointOwner: cn.OwnerID, State: cn.State}
		after := stateAvailable
		if action == Reject {
			after = stateRejected
			if cn.State == stateAvailable {
				ch.Breaks = []string{fmt.Sprintf("endpoint %s in account %s is disconnected", cn.EndpointID, c.accountLabel(cn.OwnerID))}
			}
		}
		ch.After = &Values{EndpointID: cn.EndpointID, EndpointOwner: cn.OwnerID, State: after}
		ch.Reason = why
		c.changes = append(c.changes, ch)
	}
	if len(waiting) > 0 {
		c.diag(SeverityWarning, CodeUndeclaredPending, ps.addr, ps.alias, ps.region,
			fmt.Sprintf("%s has %d pending connection(s) the manifest does not declare: %s", ps.addr, len(waiting), strings.Join(waiting, ", ")),
			"declare them as consumers, list their accounts in connections.acceptFrom, or set connections.rejectUndeclared: true to reject them")
	}
}

func (c *computer) notificationChanges(ps *provState, sv *live.Service) {
	used := map[int]bool{}
	var have []live.Notification
	if sv != nil {
		have = append(have, sv.Notifications...)
		sort.Slice(have, func(i, j int) bool { return have[i].ID < have[j].ID })
	}
	for i, n := range ps.p.Notifications {
		ch := c.child(ps, KindNotification, fmt.Sprintf("%s.notification[%d]", ps.addr, i))
		ch.After = &Values{TopicARN: n.TopicARN, Events: sorted(n.Events)}
		ch.Action = Create
		for j, h := range have {
			if used[j] || h.TopicARN != n.TopicARN {
				continue
			}
			used[j] = true
			ch.ID = h.ID
			ch.Before = &Values{TopicARN: h.TopicARN, Events: sorted(h.Events)}
			ch.Action = NoOp
			if len(Diff(KindNotification, ch.Before, ch.After)) > 0 {
				ch.Action = Update
			}
			break
		}
		c.changes = append(c.changes, ch)
	}
	for j, h := range have {
		if used[j] {
			continue
		}
		ch := c.child(ps, KindNotification, fmt.Sprintf("%s.notification[%s]", ps.addr, h.ID))
		ch.Action = Delete
		ch.ID = h.ID
		ch.Before = &Values{TopicARN: h.TopicARN, Events: sorted(h.Events)}
		c.changes = append(c.changes, ch)
	}
}

// ---- consumers ----

// normalizePolicy is NormalizePolicy for live policies, remembered by
// text: most endpoints carry the same default policy.
func (c *computer) normalizePolicy(raw string) string {
	if pol, ok := c.policies[raw]; ok {
		return pol
	}
	pol, err := NormalizePolicy(raw)
	if err != nil {
		pol = strings.TrimSpace(raw)
	}
	c.policies[raw] = pol
	return pol
}

func (c *computer) liveEndpointValues(ep *live.Endpoint) *Values {
	t := ep.Type
	if t == "" {
		t = typeInterface
	}
	sr := ep.ServiceRegion
	if sr == ep.Region {
		sr = ""
	}
	pol := c.normalizePolicy(ep.Policy)
	return &Values{
		Type:                                     t,
		VPCID:                                    ep.VPCID,
		ServiceName:                              ep.ServiceName,
		ServiceRegion:                            sr,
		SubnetIDs:                                sorted(ep.SubnetIDs),
		SecurityGroupIDs:                         sorted(ep.SecurityGroupIDs),
		PrivateDNSEnabled:                        ptr(ep.PrivateDNSEnabled),
		DNSRecordIPType:                          ep.DNSRecordIPType,
		PrivateDNSOnlyForInboundResolverEndpoint: ep.PrivateDNSOnlyForInboundResolverEndpoint,
		IPAddressType:                            ep.IPAddressType,
		Policy:                                   pol,
		Tags:                                     liveTags(ep.Tags),
	}
}

type consState struct {
	c         *manifest.Consumer
	addr      string
	alias     string
	accountID string
	region    string
	prov      *provState
	ep        *live.Endpoint
}

func (c *computer) resolveConsumers() {
	for _, cm := range c.m.Consumers {
		cs := &consState{c: cm, addr: "consumer." + cm.Name, alias: cm.Account, region: c.region(cm.Region)}
		acct := c.account(cs.addr, cm.Account)
		if acct == nil {
			continue
		}
		cs.accountID = acct.ID
		c.checkRead(cs.addr, cs.alias, cs.accountID, cs.region)
		if cm.Provider != "" {
			cs.prov = c.provByNm[cm.Provider]
			if cs.prov == nil {
				c.diag(SeverityError, CodeUnknownProvider, cs.addr, cs.alias, cs.region,
					fmt.Sprintf("%s names provider %q, which is not declared", cs.addr, cm.Provider),
					"declare the provider under providers, or use serviceName for a service managed elsewhere")
				continue
			}
			if !cs.prov.ok {
				// the provider's own error is reported; claim the endpoint so
				// it is not deleted, but plan nothing for it
				match(c, cs.addr, "endpoint", cm.Name, cm.Adopt, cs.accountID, cs.region, c.epByName, c.epByID, epRef)
				continue
			}
		} else if cm.ServiceName != "" {
			for _, ps := range c.provs {
				if ps.ok && ps.svcName != "" && ps.svcName == cm.ServiceName {
					cs.prov = ps
				}
			}
		}
		ep, adopted, ok := match(c, cs.addr, "endpoint", cm.Name, cm.Adopt, cs.accountID, cs.region, c.epByName, c.epByID, epRef)
		if !ok {
			continue
		}
		cs.ep = ep
		c.endpointChange(cs, adopted)
		c.consumerLint(cs)
	}
}

func (c *computer) endpointChange(cs *consState, adopted bool) {
	cm := cs.c
	ch := Change{Address: cs.addr, Kind: KindEndpoint, Account: cs.alias, AccountID: cs.accountID, Region: cs.region}
	after := &Values{
		Type:              typeInterface,
		VPCID:             cm.VPCID,
		SubnetIDs:         sorted(cm.SubnetIDs),
		SecurityGroupIDs:  sorted(cm.SecurityGroupIDs),
		PrivateDNSEnabled: ptr(cm.PrivateDNSEnabled),
		IPAddressType:     cm.IPAddressType,
		Tags:              c.desiredTags(cm.Name, cm.Tags),
	}
	if cm.DNSOptions != nil {
		after.DNSRecordIPType = cm.DNSOptions.DNSRecordIPType
		after.PrivateDNSOnlyForInboundResolverEndpoint = cm.DNSOptions.PrivateDNSOnlyForInboundResolverEndpoint
	}
	pol, err := NormalizePolicyMap(cm.Policy)
	if err != nil {
		c.diag(SeverityError, CodeInvalidPolicy, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: %v", cs.addr, err), "write policy as an IAM policy document with Version and Statement")
	}
	after.Policy = pol
	acceptance := false
	ps := cs.prov
	switch {
	case ps != nil && cm.Provider != "":
		if ps.after != nil && ps.after.Type == typeGateway {
			after.Type = typeGateway
		}
		if ps.svcName != "" {
			after.ServiceName = ps.svcName
		} else {
			ch.Refs = map[string]string{"serviceName": ps.addr}
			ch.DependsOn = append(ch.DependsOn, ps.addr)
		}
		if ps.region != cs.region {
			after.ServiceRegion = ps.region
		}
		acceptance = ps.p.AcceptanceRequired
		c.consumerChecks(cs, ps, after)
	default:
		after.ServiceName = cm.ServiceName
		if ps != nil {
			acceptance = ps.p.AcceptanceRequired
			if ps.after != nil && ps.after.Type == typeGateway {
				after.Type = typeGateway
			}
			c.consumerChecks(cs, ps, after)
		} else if vs := c.visible[key{cs.accountID, cs.region, cm.ServiceName}]; vs != nil {
			acceptance = vs.AcceptanceRequired
		}
		if ps == nil && cs.ep != nil && cs.ep.ServiceName == cm.ServiceName && cs.ep.Type != "" {
			after.Type = cs.ep.Type
		}
	}
	if ep := cs.ep; ep != nil {
		before := c.liveEndpointValues(ep)
		ch.ID = ep.ID
		ch.Before = before
		// unset options take what AWS has, so defaults never show as drift
		if after.DNSRecordIPType == "" {
			after.DNSRecordIPType = before.DNSRecordIPType
		}
		if after.PrivateDNSOnlyForInboundResolverEndpoint == nil {
			after.PrivateDNSOnlyForInboundResolverEndpoint = before.PrivateDNSOnlyForInboundResolverEndpoint
		}
		if after.IPAddressType == "" {
			after.IPAddressType = before.IPAddressType
		}
		if before.Type != after.Type {
			ch.ReplaceReasons = append(ch.ReplaceReasons, "type")
		}
		if before.VPCID != after.VPCID {
			ch.ReplaceReasons = append(ch.ReplaceReasons, "vpcId")
		}
		if after.ServiceName == "" || before.ServiceName != after.ServiceName {
			ch.ReplaceReasons = append(ch.ReplaceReasons, "serviceName")
		}
		if before.ServiceRegion != after.ServiceRegion {
			ch.ReplaceReasons = append(ch.ReplaceReasons, "serviceRegion")
		}
		c.scopeReasons(&ch, ep.AccountID, ep.Region)
		switch {
		case len(ch.ReplaceReasons) > 0:
			ch.Action = Replace
			ch.Breaks = []string{fmt.Sprintf("endpoint %s is deleted before its replacement is created; clients in %s lose access to %s meanwhile", ep.ID, ep.VPCID, ep.ServiceName)}
		case adopted:
			ch.Action = Adopt
		default:
			ch.Action = NoOp
			if len(Diff(KindEndpoint, before, after)) > 0 {
				ch.Action = Update
			}
		}
		if ch.Action != Replace && ep.State == statePendingAcceptance && *after.PrivateDNSEnabled && !ep.PrivateDNSEnabled {
			ch.PrivateDNSAfterAccept = true
		}
		if ch.Action != Replace && ps != nil && ps.svcName != "" {
			ps.declared[ep.ID] = cs.addr
		}
	} else {
		ch.Action = Create
	}
	ch.After = after
	if (ch.Action == Create || ch.Action == Replace) && acceptance && *after.PrivateDNSEnabled {
		ch.PrivateDNSAfterAccept = true
	}
	if ps != nil && (ch.Action == Create || ch.Action == Replace) {
		if root := rootARN(cs.accountID); ps.newPrincipals[root] {
			ch.DependsOn = append(ch.DependsOn, fmt.Sprintf("%s.principal[%s]", ps.addr, root))
		} else if ps.newPrincipals["*"] {
			ch.DependsOn = append(ch.DependsOn, ps.addr+".principal[*]")
		}
	}
	c.changes = append(c.changes, ch)
	if ps != nil && (ch.Action == Create || ch.Action == Replace) && ps.p.AcceptanceRequired && ps.p.Connections.AcceptsDeclared() {
		acc := c.child(ps, KindConnection, fmt.Sprintf("%s.connection[%s]", ps.addr, cs.addr))
		acc.Action = Accept
		acc.Refs = map[string]string{"endpointId": cs.addr}
		acc.DependsOn = append(acc.DependsOn, cs.addr)
		acc.After = &Values{EndpointOwner: cs.accountID, State: stateAvailable}
		acc.Reason = "endpoint of " + cs.addr + ", created by this plan"
		c.changes = append(c.changes, acc)
	}
}

// consumerChecks reports what makes a consumer unable to reach its provider.
func (c *computer) consumerChecks(cs *consState, ps *provState, after *Values) {
	if !allows(ps.principals, cs.accountID) {
		c.diag(SeverityError, CodePrincipalMissing, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s in account %s is not allowed to connect to %s: its allowedPrincipals do not include arn:aws:iam::%s:root", cs.addr, c.accountLabel(cs.accountID), ps.addr, cs.accountID),
			fmt.Sprintf("add `- account: %s` to allowedPrincipals of %s", cs.alias, ps.addr))
	}
	if after.ServiceRegion != "" && !contains(ps.p.SupportedRegions, cs.region) {
		c.diag(SeverityError, CodeRegionUnsupported, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s in %s connects to %s in %s, but %s is not in its supportedRegions", cs.addr, cs.region, ps.addr, ps.region, cs.region),
			fmt.Sprintf("add %s to supportedRegions of %s", cs.region, ps.addr))
	}
}

func (c *computer) consumerLint(cs *consState) {
	if !c.readOK(cs.accountID, cs.region) {
		return
	}
	cm := cs.c
	if c.vpcs[key{cs.accountID, cs.region, cm.VPCID}] == nil {
		c.diag(SeverityError, CodeVPCMissing, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: VPC %s does not exist in account %s region %s", cs.addr, cm.VPCID, c.accountLabel(cs.accountID), cs.region),
			"check vpcId, account and region")
	}
	epZones := map[string]string{} // zone id → subnet
	for _, id := range sorted(cm.SubnetIDs) {
		sn := c.subnets[key{cs.accountID, cs.region, id}]
		if sn == nil {
			c.diag(SeverityError, CodeSubnetMissing, cs.addr, cs.alias, cs.region,
				fmt.Sprintf("%s: subnet %s does not exist in account %s region %s", cs.addr, id, c.accountLabel(cs.accountID), cs.region),
				"check subnetIds, account and region")
			continue
		}
		if sn.VPCID != cm.VPCID {
			c.diag(SeverityError, CodeSubnetWrongVPC, cs.addr, cs.alias, cs.region,
				fmt.Sprintf("%s: subnet %s is in %s, not in the endpoint's VPC %s", cs.addr, id, sn.VPCID, cm.VPCID),
				"use subnets of "+cm.VPCID)
			continue
		}
		if z := c.subnetZoneID(sn); z != "" {
			epZones[z] = id
		}
	}
	for _, id := range sorted(cm.SecurityGroupIDs) {
		g := c.sgs[key{cs.accountID, cs.region, id}]
		if g == nil {
			c.diag(SeverityError, CodeSGMissing, cs.addr, cs.alias, cs.region,
				fmt.Sprintf("%s: security group %s does not exist in account %s region %s", cs.addr, id, c.accountLabel(cs.accountID), cs.region),
				"check securityGroupIds, account and region")
			continue
		}
		if g.VPCID != cm.VPCID {
			c.diag(SeverityError, CodeSGWrongVPC, cs.addr, cs.alias, cs.region,
				fmt.Sprintf("%s: security group %s is in %s, not in the endpoint's VPC %s", cs.addr, id, g.VPCID, cm.VPCID),
				"use security groups of "+cm.VPCID)
		}
	}
	served, source := c.servedZones(cs)
	if served != nil {
		var bad []string
		for z, sn := range epZones {
			if !served[z] {
				bad = append(bad, fmt.Sprintf("%s (%s)", sn, z))
			}
		}
		if len(bad) > 0 {
			sort.Strings(bad)
			c.diag(SeverityError, CodeSubnetAZNotServed, cs.addr, cs.alias, cs.region,
				fmt.Sprintf("%s: subnets %s are in Availability Zones where %s has no load balancer", cs.addr, strings.Join(bad, ", "), source),
				"use subnets in "+strings.Join(keys(served), ", ")+" (AZ ids), or enable the load balancer in those zones")
		}
	}
	var uncovered []string
	seen := map[string]bool{}
	for _, sn := range c.vpcSubnets[key{cs.accountID, cs.region, cm.VPCID}] {
		z := c.subnetZoneID(sn)
		if z == "" || seen[z] || epZones[z] != "" || (served != nil && !served[z]) {
			continue
		}
		seen[z] = true
		uncovered = append(uncovered, z)
	}
	if len(uncovered) > 0 && len(epZones) > 0 {
		sort.Strings(uncovered)
		c.diag(SeverityWarning, CodeVPCAZNotCovered, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: %s has subnets in %s, where the endpoint has no subnet; clients there cross AZs and lose access if another AZ fails", cs.addr, cm.VPCID, strings.Join(uncovered, ", ")),
			"add a subnet in each of those AZs to subnetIds")
	}
}

// servedZones returns the AZ ids the consumer's service has load balancers
// in, when known and in the consumer's region.
func (c *computer) servedZones(cs *consState) (map[string]bool, string) {
	if ps := cs.prov; ps != nil {
		if ps.region != cs.region || ps.azIDs == nil {
			return nil, ""
		}
		return ps.azIDs, ps.addr
	}
	vs := c.visible[key{cs.accountID, cs.region, cs.c.ServiceName}]
	if vs == nil || (vs.ServiceRegion != "" && vs.ServiceRegion != cs.region) {
		return nil, ""
	}
	out := map[string]bool{}
	for _, id := range vs.AvailabilityZoneIDs {
		out[id] = true
	}
	if len(out) > 0 {
		return out, cs.c.ServiceName
	}
	if len(vs.AvailabilityZones) == 0 {
		return nil, ""
	}
	for _, z := range vs.AvailabilityZones {
		id := c.zoneIDs[key{cs.accountID, cs.region, z}]
		if id == "" {
			return nil, ""
		}
		out[id] = true
	}
	return out, cs.c.ServiceName
}

func (c *computer) subnetZoneID(sn *live.Subnet) string {
	if sn.ZoneID != "" {
		return sn.ZoneID
	}
	return c.zoneIDs[key{sn.AccountID, sn.Region, sn.Zone}]
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ---- deletes ----

// deletes plans the removal of resources tagged for this project that no
// manifest entry claims, in account-regions that were read completely.
func (c *computer) deletes() {
	epDeletes := map[string]string{}
	for i := range c.s.Endpoints {
		ep := &c.s.Endpoints[i]
		if c.claimed[ep.ID] || ep.Tags[live.TagProject] != c.m.Project || c.m.Project == "" || !c.readOK(ep.AccountID, ep.Region) {
			continue
		}
		addr := "consumer." + ownedName(ep.Tags, ep.ID)
		epDeletes[ep.ID] = addr
		ch := Change{Address: addr, Kind: KindEndpoint, Action: Delete, Account: c.alias(ep.AccountID), AccountID: ep.AccountID,
			Region: ep.Region, ID: ep.ID, Before: c.liveEndpointValues(ep)}
		if ep.State == stateAvailable {
			ch.Breaks = []string{fmt.Sprintf("clients in %s lose access to %s through this endpoint", ep.VPCID, ep.ServiceName)}
		}
		c.changes = append(c.changes, ch)
	}
	for i := range c.s.Services {
		sv := &c.s.Services[i]
		if c.claimed[sv.ID] || sv.Tags[live.TagProject] != c.m.Project || c.m.Project == "" || !c.readOK(sv.AccountID, sv.Region) {
			continue
		}
		ch := Change{Address: "provider." + ownedName(sv.Tags, sv.ID), Kind: KindService, Action: Delete, Account: c.alias(sv.AccountID),
			AccountID: sv.AccountID, Region: sv.Region, ID: sv.ID, Before: liveServiceValues(sv), Breaks: c.serviceBreaks(sv)}
		for _, cn := range sv.Connections {
			if a := epDeletes[cn.EndpointID]; a != "" {
				ch.DependsOn = append(ch.DependsOn, a)
			}
		}
		sort.Strings(ch.DependsOn)
		c.changes = append(c.changes, ch)
	}
}

// ---- ordering, cost, fingerprints ----

// phase is a change's place in apply order: services and principal
// additions, endpoints, accepts, notifications, then removals in reverse.
func phase(ch *Change) int {
	switch ch.Kind {
	case KindService:
		if ch.Action == Delete {
			return 8
		}
		return 0
	case KindPrincipal:
		if ch.Action == Delete {
			return 7
		}
		return 1
	case KindEndpoint:
		if ch.Action == Delete {
			return 6
		}
		return 2
	case KindConnection:
		if ch.Action == Reject {
			return 5
		}
		return 3
	case KindNotification:
		return 4
	}
	return 9
}

func sortChanges(chs []Change) {
	sort.SliceStable(chs, func(i, j int) bool {
		pi, pj := phase(&chs[i]), phase(&chs[j])
		if pi != pj {
			return pi < pj
		}
		return chs[i].Address < chs[j].Address
	})
}

func sortDiagnostics(ds []Diagnostic) {
	sev := func(s Severity) int {
		if s == SeverityError {
			return 0
		}
		return 1
	}
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if sev(a.Severity) != sev(b.Severity) {
			return sev(a.Severity) < sev(b.Severity)
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		if a.Address != b.Address {
			return a.Address < b.Address
		}
		return a.Message < b.Message
	})
}

// cost estimates the monthly change in interface endpoint charges; nil when
// the plan touches no endpoint.
func cost(chs []Change, opts Options) *Cost {
	azs := 0
	usd := 0.0
	touched := false
	for _, ch := range chs {
		if ch.Kind != KindEndpoint || ch.Action == NoOp {
			continue
		}
		touched = true
		n := 0
		if ch.After != nil && ch.Action != Delete && ch.After.Type == typeInterface {
			n += len(ch.After.SubnetIDs)
		}
		if ch.Before != nil && ch.Before.Type == typeInterface && (ch.Action == Delete || ch.Action == Replace || ch.Action == Update || ch.Action == Adopt) {
			n -= len(ch.Before.SubnetIDs)
		}
		azs += n
		usd += float64(n) * opts.price(ch.Region) * opts.hours()
	}
	if !touched {
		return nil
	}
	price := opts.price("us-east-1")
	return &Cost{
		MonthlyDelta:     math.Round(usd*100) / 100,
		Currency:         "USD",
		EndpointAZsDelta: azs,
		Note:             fmt.Sprintf("estimate: $%.4g per endpoint-AZ-hour, %g hours a month, data processing not included", price, opts.hours()),
	}
}

// fingerprints are the live package's fingerprints of every service and
// endpoint the plan was computed from, so that plan and apply agree on one
// definition.
func fingerprints(s *live.Snapshot) map[string]string {
	f := s.Fingerprints()
	if len(f) == 0 {
		return nil
	}
	return f
}
