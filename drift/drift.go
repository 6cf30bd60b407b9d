// Package drift owns the drift report: what differs between a manifest and
// live state, as a plain value built from a computed plan and the snapshot it
// was computed from, and its renderings (JSON per schemas/drift.schema.json,
// JUnit XML, Markdown, text and a one-line summary).
//
// It is pure: it must not call AWS, read files, compute plans or decide exit
// behaviour beyond ExitCode. The command layer reads, plans, calls Build and
// picks a renderer.
package drift

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/plinkdev/plink/finding"
	"github.com/plinkdev/plink/health"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

// FormatVersion is the version of the JSON drift document
// (schemas/drift.schema.json). Bump the minor for additive changes, the
// major for breaking ones.
const FormatVersion = "1.3"

// Kind says what sort of difference an Item is.
type Kind string

// Kinds of drift.
const (
	// Changed: an attribute was changed outside plink (Before is live, After
	// is what the manifest declares).
	Changed Kind = "changed"
	// Missing: a declared resource does not exist. plink keeps no state, so
	// "deleted by hand" and "never created" look the same and are both
	// reported as missing.
	Missing Kind = "missing"
	// Unmanaged: a resource tagged with the project that the manifest no
	// longer declares (plan would delete it).
	Unmanaged Kind = "unmanaged"
	// NotAdopted: a resource the manifest adopts by id is not tagged yet.
	NotAdopted Kind = "not_adopted"
	// PrincipalAdded: an allowed principal added by hand.
	PrincipalAdded Kind = "principal_added"
	// PrincipalRemoved: a declared allowed principal removed by hand.
	PrincipalRemoved Kind = "principal_removed"
	// PendingConnection: a connection waiting for acceptance that nobody
	// accepted (or rejected).
	PendingConnection Kind = "pending_connection"
	// UndeclaredConnection: an available connection from an account that is
	// neither a declared consumer nor listed in acceptFrom.
	UndeclaredConnection Kind = "undeclared_connection"
	// PrivateDNSUnverified: the service's private DNS name is not verified
	// (a provider's item), or a consumer's private DNS is off until it is
	// (a consumer's item: plink turns it on after the verification).
	PrivateDNSUnverified Kind = "private_dns_unverified"
	// LoadBalancerMissing: a load balancer the service uses no longer exists.
	LoadBalancerMissing Kind = "load_balancer_missing"
	// LoadBalancerZoneLost: the service's load balancers together no longer
	// cover an AZ the service offers, or a declared consumer uses.
	LoadBalancerZoneLost Kind = "load_balancer_zone_lost"
	// TargetHealth: a zone of a provider's service where consumers have
	// endpoints, but a load balancer behind it has no healthy target and
	// cross-zone load balancing is off: their connections are reset. Built
	// from health.ZoneFindings (Options.LoadBalancerHealth), as plan's
	// PL116 and status's finding; one item per load balancer and zone.
	TargetHealth Kind = "target_health"
	// Unplannable: live state makes the manifest impossible to plan (a
	// subnet or VPC deleted, a load balancer taken by another service, …):
	// the plan error it raised, with its code. It is drift, not a failure of
	// the run: plink found out what is wrong.
	Unplannable Kind = "unplannable"
)

// Severity of an Item (finding.Severity).
type Severity = finding.Severity

// Severities. Every item is drift (exit code 2); the severity only ranks them.
const (
	SeverityError   = finding.Error
	SeverityWarning = finding.Warning
)

// Report is the drift report of one project.
type Report struct {
	FormatVersion string `json:"formatVersion"`
	Project       string `json:"project"`
	// Items are sorted by address, kind, attribute.
	Items []Item `json:"items"`
	// Checked lists the resource addresses that were compared (every
	// provider and consumer of the manifest in a scope that was read, and
	// every unmanaged resource found), sorted. A JUnit report has one test
	// case per entry.
	Checked []string `json:"checked"`
	// Failures are the reads that failed; resources in those account-regions
	// are not checked and not in Checked.
	Failures []Failure `json:"failures,omitempty"`
	// Errors are plan errors that keep plink from checking: raised on the
	// manifest alone (an undeclared account alias, an invalid policy, …) or
	// on an account-region that was not read. Errors that live state
	// raises are drift items of kind unplannable instead.
	Errors []Error `json:"errors,omitempty"`
	// Incomplete is why the check is incomplete beyond Failures and
	// Errors, as the caller found out (credentials that failed their
	// check, the --timeout that ran out): it makes the verdict incomplete.
	Incomplete string `json:"incomplete,omitempty"`
}

// Verdicts of a report (Report.Verdict). The summary line (Summary), the
// JSON's verdict, exitCode and summary (MarshalJSON) and the exit code
// (ExitCode) all come from the verdict, so that they cannot disagree.
const (
	// VerdictNoDrift: every resource checked matches the manifest (exit 0).
	VerdictNoDrift = "no_drift"
	// VerdictDrift: there is drift of some kind (exit 2).
	VerdictDrift = "drift"
	// VerdictIncomplete: plink could not find out — a read failed, the
	// manifest has errors of its own or Incomplete says why — whatever was
	// found in the rest (exit 1).
	VerdictIncomplete = "incomplete"
)

// Error is a plan error diagnostic that is not drift (see Report.Errors).
type Error struct {
	Code    string `json:"code"`
	Address string `json:"address,omitempty"`
	Account string `json:"account,omitempty"`
	Region  string `json:"region,omitempty"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}

// Item is one difference.
type Item struct {
	// Address is the plan address of the resource (provider.NAME,
	// provider.NAME.principal[ARN], consumer.NAME, ...).
	Address string `json:"address"`
	// Resource is the top-level address (provider.NAME or consumer.NAME)
	// that the item belongs to.
	Resource  string   `json:"resource"`
	Kind      Kind     `json:"kind"`
	Severity  Severity `json:"severity"`
	Account   string   `json:"account,omitempty"`
	AccountID string   `json:"accountId,omitempty"`
	Region    string   `json:"region,omitempty"`
	ID        string   `json:"id,omitempty"`
	// Attribute names the attribute that changed, for kind changed.
	Attribute string `json:"attribute,omitempty"`
	Message   string `json:"message"`
	// Hint says what to do about it.
	Hint string `json:"hint,omitempty"`
	// Code is the plan diagnostic (PL1xx, PL2xx) the item comes from, if any.
	Code string `json:"code,omitempty"`
	// Before is the live value, After the declared one, when they apply.
	Before any `json:"before,omitempty"`
	After  any `json:"after,omitempty"`
	// ZoneID, Consumers and TargetGroups detail a target_health item: the
	// Availability Zone id, the endpoints whose connections from it are
	// reset, and the load balancer's target groups.
	ZoneID       string            `json:"zoneId,omitempty"`
	Consumers    []health.Affected `json:"consumers,omitempty"`
	TargetGroups []string          `json:"targetGroups,omitempty"`
}

// Finding is the item in the shared vocabulary: its code is the plan
// diagnostic's, or else its kind; its subject is the address.
func (it Item) Finding() finding.Finding {
	return finding.Finding{Code: cmp.Or(it.Code, string(it.Kind)), Severity: it.Severity, Subject: it.Address, Message: it.Message, Hint: it.Hint}
}

// Failure is an account-region that could not be read (finding.Failure).
type Failure = finding.Failure

// Exit codes of ExitCode, the ones `plink drift` exits with.
const (
	ExitNoDrift    = 0
	ExitReadFailed = 1
	ExitDrift      = 2
)

// Verdict is the report's verdict, decided from what it holds: incomplete
// when plink could not find out — a read failed, the manifest has errors of
// its own or Incomplete says why (the report is incomplete, so the job is
// broken whatever else it found) — else drift when there is an item of any
// kind, else no_drift.
func (r *Report) Verdict() string {
	switch {
	case len(r.Failures) > 0 || len(r.Errors) > 0 || r.Incomplete != "":
		return VerdictIncomplete
	case len(r.Items) > 0:
		return VerdictDrift
	}
	return VerdictNoDrift
}

// ExitCode is the verdict's exit code: 0 no_drift, 2 drift, 1 incomplete.
func (r *Report) ExitCode() int { return exitCode(r.Verdict()) }

func exitCode(verdict string) int {
	switch verdict {
	case VerdictNoDrift:
		return ExitNoDrift
	case VerdictDrift:
		return ExitDrift
	}
	return ExitReadFailed
}

// HasDrift reports whether the report has any item.
func (r *Report) HasDrift() bool { return len(r.Items) > 0 }

// Options add what the caller read beyond the live snapshot.
type Options struct {
	// LoadBalancerHealth is the target health of the providers' load
	// balancers (status.ReadTargetHealth); nil: not read, no target_health
	// items.
	LoadBalancerHealth []health.LoadBalancerHealth
	// HealthFailures are the target health reads that failed: reported as
	// failures (exit 1) without leaving the rest of their account-region
	// unchecked.
	HealthFailures []live.Failure
}

// Build is BuildWith without Options: configuration drift only.
func Build(m *manifest.Manifest, s *live.Snapshot, p *plan.Plan) *Report {
	return BuildWith(m, s, p, Options{})
}

// BuildWith makes the drift report of manifest m from the snapshot s and the
// plan p that was computed from both. Every non-no-op change is a drift item
// (children of a resource that is missing or unmanaged as a whole are folded
// into it); the snapshot adds what a plan does not change: undeclared
// connected endpoints, unverified private DNS and load balancers gone or
// shrunk. Resources in account-regions that failed to read are left out and
// the failures are reported instead. With opts.LoadBalancerHealth, each
// zone whose consumers' connections are reset is a target_health item.
// Nil s or p count as empty.
func BuildWith(m *manifest.Manifest, s *live.Snapshot, p *plan.Plan, opts Options) *Report {
	if s == nil {
		s = &live.Snapshot{}
	}
	if p == nil {
		p = &plan.Plan{}
	}
	b := &builder{m: m, s: s, p: p, seen: map[string]bool{}}
	b.aliases()
	r := &Report{FormatVersion: FormatVersion, Items: []Item{}, Checked: []string{}}
	if m != nil {
		r.Project = m.Project
	} else {
		r.Project = p.Project
	}
	for _, f := range append(slices.Clone(s.Failures), opts.HealthFailures...) {
		alias := f.Account
		if alias == "" {
			alias = b.alias[f.AccountID]
		}
		r.Failures = append(r.Failures, Failure{Account: alias, AccountID: f.AccountID, Region: f.Region, Call: f.Call, Error: f.Error})
	}
	slices.SortFunc(r.Failures, func(a, b Failure) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.Region, b.Region), cmp.Compare(a.Call, b.Call))
	})
	// States first: their items say more than the plan's generic ones
	// for the same address, and add keeps the first.
	b.states()
	b.fromPlan()
	b.fromSnapshot()
	b.fromHealth(opts.LoadBalancerHealth)
	r.Errors = b.fromDiagnostics()

	checked := map[string]bool{}
	if m != nil {
		for _, pr := range m.Providers {
			if !b.failed(b.accountID(pr.Account), b.region(pr.Region)) {
				checked["provider."+pr.Name] = true
			}
		}
		for _, c := range m.Consumers {
			if !b.failed(b.accountID(c.Account), b.region(c.Region)) {
				checked["consumer."+c.Name] = true
			}
		}
	}
	for _, it := range b.items {
		checked[it.Resource] = true
	}
	for a := range checked {
		r.Checked = append(r.Checked, a)
	}
	sort.Strings(r.Checked)
	r.Items = append(r.Items, b.items...)
	slices.SortStableFunc(r.Items, func(a, b Item) int {
		return cmp.Or(cmp.Compare(a.Resource, b.Resource), cmp.Compare(a.Address, b.Address), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Attribute, b.Attribute), cmp.Compare(a.Message, b.Message))
	})
	return r
}

type builder struct {
	m     *manifest.Manifest
	s     *live.Snapshot
	p     *plan.Plan
	alias map[string]string // account id -> alias
	items []Item
	seen  map[string]bool // address|kind|attribute
}

func (b *builder) aliases() {
	b.alias = map[string]string{}
	if b.m != nil {
		for k, a := range b.m.Accounts {
			if a != nil {
				b.alias[a.ID] = k
			}
		}
	}
	for _, sc := range b.s.Scopes {
		if sc.Account != "" && b.alias[sc.AccountID] == "" {
			b.alias[sc.AccountID] = sc.Account
		}
	}
}

func (b *builder) accountID(alias string) string {
	if b.m != nil {
		if a := b.m.Accounts[alias]; a != nil {
			return a.ID
		}
	}
	return ""
}

func (b *builder) region(r string) string {
	if r == "" && b.m != nil {
		return b.m.Defaults.Region
	}
	return r
}

// failed reports whether the account-region could not be read (a failure
// without a region covers every region of the account).
func (b *builder) failed(accountID, region string) bool {
	for _, f := range b.s.Failures {
		if f.AccountID == accountID && (f.Region == "" || region == "" || f.Region == region) {
			return true
		}
	}
	return false
}

func (b *builder) add(it Item) {
	if it.Resource == "" {
		it.Resource = TopLevel(it.Address)
	}
	if it.Account == "" {
		it.Account = b.alias[it.AccountID]
	}
	if it.AccountID == "" {
		it.AccountID = b.accountID(it.Account)
	}
	if it.Severity == "" {
		it.Severity = SeverityError
	}
	key := it.Address + "|" + string(it.Kind) + "|" + it.Attribute
	if it.Kind == LoadBalancerMissing {
		key += "|" + show(it.After) // one item per load balancer gone
	}
	if it.Kind == TargetHealth {
		key += "|" + it.ZoneID + "|" + it.Message // one per load balancer and zone
	}
	if b.seen[key] {
		return
	}
	b.seen[key] = true
	b.items = append(b.items, it)
}

// TopLevel returns the provider.NAME or consumer.NAME part of an address.
func TopLevel(address string) string {
	head := address
	if i := strings.IndexByte(head, '['); i >= 0 {
		head = head[:i]
	}
	parts := strings.SplitN(head, ".", 3)
	if len(parts) < 2 {
		return address
	}
	top := parts[0] + "." + parts[1]
	// A top-level address with an id (an orphan sharing its name, such as
	// consumer.web[vpce-1]) is a resource of its own, not a child of
	// consumer.web.
	if rest := address[len(top):]; strings.HasPrefix(rest, "[") {
		if end := strings.IndexByte(rest, ']'); end >= 0 {
			return top + rest[:end+1]
		}
	}
	return top
}

// fromPlan turns the plan's changes into items: what the plan would do is
// what differs from the manifest.
func (b *builder) fromPlan() {
	whole := b.wholeChanges()
	for _, c := range b.p.Changes {
		if !b.drifted(c, whole) {
			continue
		}
		base := Item{Address: c.Address, Account: c.Account, AccountID: c.AccountID, Region: c.Region, ID: c.ID}
		switch c.Action {
		case plan.Update, plan.Replace:
			b.changedAttributes(c, base)
		case plan.Create:
			b.add(b.missing(c, base))
		case plan.Delete:
			b.add(b.unmanaged(c, base))
		case plan.Accept, plan.Reject:
			b.pendingConnection(c, base)
		case plan.Adopt:
			it := base
			it.Kind = NotAdopted
			it.Severity = SeverityWarning
			it.Message = fmt.Sprintf("%s %s is adopted by the manifest but not tagged yet; plink apply would tag it", kindNoun(c.Kind), c.ID)
			b.add(it)
		default:
			it := base
			it.Kind = Changed
			it.Message = fmt.Sprintf("%s differs from the manifest (plan action %s)", kindNoun(c.Kind), c.Action)
			b.add(it)
		}
	}
}

// wholeChanges are the addresses of services and endpoints the plan creates,
// deletes or replaces as a whole: their children's changes are part of it.
// (A replaced service's principals and notifications are made anew on its
// replacement: part of the replace, not drift of their own.)
func (b *builder) wholeChanges() map[string]bool {
	whole := map[string]bool{}
	for _, c := range b.p.Changes {
		if (c.Kind == plan.KindService || c.Kind == plan.KindEndpoint) && (c.Action == plan.Create || c.Action == plan.Delete || c.Action == plan.Replace) {
			whole[c.Address] = true
		}
	}
	return whole
}

// drifted reports whether change c is drift of its own: it does something,
// in an account-region that was read, not as part of its parent's whole
// change, to a resource that is not deleted or being deleted (a declared
// resource in that state is reported by states).
func (b *builder) drifted(c plan.Change, whole map[string]bool) bool {
	if c.Action == plan.NoOp || c.Action == "" {
		// Nothing differs (and phaseOf, a scan of the snapshot, is not
		// needed for all but a few of a large plan's changes).
		return false
	}
	if b.failed(c.AccountID, c.Region) || (c.Parent != "" && whole[c.Parent]) {
		return false
	}
	ph, ok := b.phaseOf(c)
	return !ok || (ph != live.PhaseGone && ph != live.PhaseGoing)
}

// changedAttributes reports an update or replace: one changed item per
// attribute changed outside plink, or one for the resource when no
// attribute says why.
func (b *builder) changedAttributes(c plan.Change, base Item) {
	diffs, ok := b.outsideDiffs(c, base)
	if !ok {
		return
	}
	what := kindNoun(c.Kind)
	suffix := ""
	if c.Action == plan.Replace {
		suffix = " (forces replacement)"
	}
	if len(diffs) == 0 && !slices.Contains(c.ReplaceReasons, "state") {
		// (A replace for its state alone is reported by states, which
		// names the state.)
		it := base
		it.Kind = Changed
		it.Message = what + " differs from the manifest" + suffix
		it.Hint = hintApply
		b.add(it)
	}
	for _, d := range diffs {
		if d.After == nil && c.Refs[d.Name] == c.Address {
			continue // its own new value (a replacement's name): not drift
		}
		it := base
		it.Kind = Changed
		it.Attribute = d.Name
		it.Before, it.After = d.Before, d.After
		r := suffix
		if c.Action == plan.Replace && len(c.ReplaceReasons) > 0 && !slices.Contains(c.ReplaceReasons, d.Name) {
			r = ""
		}
		it.Message = fmt.Sprintf("%s changed outside plink: %s is %s, %s%s", what, d.Name, show(d.Before), b.declaredValue(c, d), r)
		it.Hint = hintApply
		b.add(it)
	}
}

// outsideDiffs are the attributes of c changed outside plink: not a DNS
// verification that is not verified yet (the provider's
// private_dns_unverified item, from fromSnapshot, with AWS's state and what
// to do), nor private DNS the plan turns on once the provider's name is
// verified (deferred by plink; reported by dnsDeferred). Not ok when those
// were all the change had; ok with none when it had none to begin with.
func (b *builder) outsideDiffs(c plan.Change, base Item) (diffs []plan.AttrDiff, ok bool) {
	diffs = plan.DiffAll(c.Before, c.After)
	if c.Kind == plan.KindDNSRecord {
		diffs = slices.DeleteFunc(diffs, func(d plan.AttrDiff) bool {
			v, _ := d.Before.(string)
			return d.Name == "verification" && v != "" && v != "verified"
		})
		if len(diffs) == 0 {
			return nil, false
		}
	}
	if by := plan.PrivateDNSVerifiedBy(&c); by != "" && c.Kind == plan.KindEndpoint {
		if i := slices.IndexFunc(diffs, func(d plan.AttrDiff) bool { return d.Name == "privateDnsEnabled" }); i >= 0 {
			b.dnsDeferred(base, by, diffs[i])
			diffs = slices.Delete(diffs, i, i+1)
			if len(diffs) == 0 {
				return nil, false
			}
		}
	}
	return diffs, true
}

// declaredValue says what the manifest declares for an attribute d of c.
func (b *builder) declaredValue(c plan.Change, d plan.AttrDiff) string {
	if d.After != nil {
		return "the manifest says " + show(d.After)
	}
	if ref := c.Refs[d.Name]; ref != "" {
		// A value that comes from a resource the plan creates: that
		// resource is missing (reported on its own).
		return fmt.Sprintf("the manifest takes it from %s, %s", ref, b.fate(ref))
	}
	return "the manifest does not set it"
}

// missing is the item of a create: a declared resource that does not exist.
func (b *builder) missing(c plan.Change, base Item) Item {
	it := base
	it.Kind = Missing
	switch c.Kind {
	case plan.KindPrincipal:
		it.Kind = PrincipalRemoved
		it.After = principalOf(c.After)
		it.Message = fmt.Sprintf("allowed principal %s is declared but not allowed (removed by hand?)", principalOf(c.After))
	case plan.KindNotification:
		it.Message = "connection notification is declared but does not exist"
	case plan.KindDNSRecord:
		it.Message = "the TXT record that verifies the provider's private DNS name does not exist"
		if c.After != nil && c.After.RecordName != "" {
			it.Message = fmt.Sprintf("TXT record %s in hosted zone %s, which verifies the provider's private DNS name, does not exist (deleted by hand, or not written yet)", c.After.RecordName, c.After.ZoneID)
		}
		it.Hint = hintApply
	default:
		it.Message = fmt.Sprintf("%s %s does not exist: deleted by hand or never created (plink keeps no state, so it cannot tell which)", kindNoun(c.Kind), b.declared(c.Address))
		it.Hint = "run plink apply to create it; if it was deleted on purpose, remove " + c.Address + " from the manifest"
	}
	return it
}

// unmanaged is the item of a delete: a resource of the project that the
// manifest does not declare.
func (b *builder) unmanaged(c plan.Change, base Item) Item {
	it := base
	it.Kind = Unmanaged
	switch c.Kind {
	case plan.KindPrincipal:
		it.Kind = PrincipalAdded
		it.Before = principalOf(c.Before)
		if it.Before == "" {
			it.Before = c.ID
		}
		it.Message = fmt.Sprintf("allowed principal %s was added by hand; the manifest does not declare it", show(it.Before))
	case plan.KindNotification:
		it.Message = "connection notification exists but the manifest does not declare it"
	default:
		it.Message = fmt.Sprintf("%s %s is tagged with this project but no longer in the manifest", kindNoun(c.Kind), c.ID)
		if len(c.Breaks) > 0 {
			it.Message += "; deleting it breaks: " + strings.Join(c.Breaks, "; ")
		}
		it.Hint = "plink apply deletes it; to keep it, declare it again (or remove its plink tags to let it go unmanaged)"
	}
	return it
}

// pendingConnection reports an accept or reject the plan would make: a
// connection nobody acted on, or a connected endpoint a rejectUndeclared
// reject would cut off.
func (b *builder) pendingConnection(c plan.Change, base Item) {
	if c.ID == "" && c.Refs["endpointId"] != "" {
		// the accept of an endpoint the plan creates: that endpoint is
		// reported missing; no connection exists yet
		return
	}
	it := base
	it.Kind = PendingConnection
	it.Severity = SeverityWarning
	ep, owner, state := connOf(c)
	if c.Action == plan.Reject && live.EndpointPhase(state) == live.PhaseUsable {
		// Connected, not pending: a rejectUndeclared reject cuts an
		// endpoint off that is in use.
		it.Kind = UndeclaredConnection
		it.Message = fmt.Sprintf("endpoint %s of account %s is connected but is neither a declared consumer nor in acceptFrom: plink apply would reject it (connections.rejectUndeclared)", ep, b.named(owner))
		if b.m != nil && !b.inManifest(owner) {
			it.Message += "; the account is not in the manifest, so plink can neither see nor delete the endpoint"
		}
		b.add(it)
		return
	}
	verb := "declared; plink apply would accept it"
	if c.Action == plan.Reject {
		verb = "undeclared; plink apply would reject it"
	}
	it.Message = fmt.Sprintf("connection from endpoint %s (account %s) is %s and nobody accepted it: %s", ep, b.named(owner), state, verb)
	b.add(it)
}

func (b *builder) named(accountID string) string {
	if a := b.alias[accountID]; a != "" {
		return a + " " + accountID
	}
	if accountID == "" {
		return "unknown"
	}
	return accountID
}

func connOf(c plan.Change) (endpoint, owner, state string) {
	for _, v := range []*plan.Values{c.Before, c.After} {
		if v == nil {
			continue
		}
		endpoint = cmp.Or(endpoint, v.EndpointID)
		owner = cmp.Or(owner, v.EndpointOwner)
		if c.Before == v {
			state = cmp.Or(state, v.State)
		}
	}
	endpoint = cmp.Or(endpoint, c.ID)
	state = cmp.Or(state, "pendingAcceptance")
	return
}

func principalOf(v *plan.Values) string {
	if v == nil {
		return ""
	}
	return v.Principal
}

func kindNoun(k plan.Kind) string {
	switch k {
	case plan.KindService:
		return "endpoint service"
	case plan.KindEndpoint:
		return "endpoint"
	case plan.KindPrincipal:
		return "allowed principal"
	case plan.KindConnection:
		return "connection"
	case plan.KindNotification:
		return "connection notification"
	case plan.KindDNSRecord:
		return "private DNS verification record"
	}
	return "resource"
}

// show renders a value for a human message: strings as they are, lists in
// brackets, absent as (none).
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "(none)"
	case string:
		if x == "" {
			return `""`
		}
		return x
	case []string:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = show(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]string:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = e
		}
		return show(m)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = show(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := slices.Sorted(maps.Keys(x))
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + show(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// dnsDeferred reports a consumer's private DNS that the plan turns on once
// its provider's private DNS name is verified (verifiedBy, the provider's
// dns_record change): off because plink waits for the verification, not
// because someone turned it off.
func (b *builder) dnsDeferred(base Item, verifiedBy string, d plan.AttrDiff) {
	prov := strings.TrimSuffix(verifiedBy, ".dns_record")
	name, state := "", "not verified yet"
	for _, pr := range b.m.Providers {
		if "provider."+pr.Name != prov {
			continue
		}
		name = " " + pr.PrivateDNSName
		if svc := b.serviceFor(pr, b.accountID(pr.Account), b.region(pr.Region)); svc != nil && svc.PrivateDNSState != "" && svc.PrivateDNSName == pr.PrivateDNSName {
			state = svc.PrivateDNSState
		}
	}
	it := base
	it.Kind = PrivateDNSUnverified
	it.Severity = SeverityWarning
	it.Attribute = d.Name
	it.Before, it.After = d.Before, d.After
	why := "it is " + state
	switch state {
	case "failed":
		why = "its verification failed"
	case "pendingVerification":
		why = "AWS is verifying it"
	}
	it.Message = fmt.Sprintf("private DNS is off until %s's private DNS name%s is verified (%s): plink turns it on then, as the manifest says", prov, name, why)
	it.Hint = "see " + prov + "'s private_dns_unverified item; once the name is verified, plink apply turns private DNS on"
	b.add(it)
}

// unverifiedDNS says what a private DNS name that is not verified means and
// what to do: for a provider whose record plink writes (privateDns with a
// zone), what plink wrote and why AWS may not find it; otherwise the record
// to publish.
func (b *builder) unverifiedDNS(pr *manifest.Provider, svc *live.Service) (msg, hint string) {
	record := live.VerificationRecordName(svc.PrivateDNSTXTName, svc.PrivateDNSName)
	txt := fmt.Sprintf("TXT %s = %s", record, svc.PrivateDNSTXTValue)
	zone, zoneName := "", ""
	if z := b.s.DNSZoneFor(pr.Name); pr.ManagesDNSRecord() && z != nil && z.ZoneID != "" {
		zone, zoneName = z.ZoneID, strings.TrimSuffix(z.ZoneName, ".")
	}
	switch {
	case zone != "" && svc.PrivateDNSState == "failed":
		msg = fmt.Sprintf("private DNS name %s failed verification: AWS did not find %s in public DNS, although plink wrote it in hosted zone %s; consumers cannot use the name", svc.PrivateDNSName, txt, zone)
		label, ns := zone, zoneName
		if zoneName != "" {
			label += " (" + zoneName + ")"
		} else {
			ns = live.VerificationDomain(svc.PrivateDNSName)
		}
		hint = fmt.Sprintf("check that hosted zone %s is the one public DNS delegates the domain to (dig NS %s; dig TXT %s), then run plink apply: it starts the verification again", label, ns, record)
	case zone != "" && svc.PrivateDNSState == "pendingVerification":
		msg = fmt.Sprintf("private DNS name %s is being verified (pendingVerification): plink wrote %s in hosted zone %s; consumers cannot use the name until AWS has verified it", svc.PrivateDNSName, txt, zone)
		hint = "run plink apply to wait for the verification and turn private DNS on where the manifest asks for it"
	case zone != "":
		msg = fmt.Sprintf("private DNS name %s is %s, not verified: consumers cannot use it", svc.PrivateDNSName, svc.PrivateDNSState)
		hint = "run plink apply: it writes " + txt + " in hosted zone " + zone + " and verifies the name"
	default:
		msg = fmt.Sprintf("private DNS name %s is %s, not verified: consumers cannot use it", svc.PrivateDNSName, svc.PrivateDNSState)
		if svc.PrivateDNSTXTName != "" {
			msg += fmt.Sprintf(" (publish %s)", txt)
		}
	}
	return msg, hint
}

// fromSnapshot adds what the plan does not carry as changes.
func (b *builder) fromSnapshot() {
	if b.m == nil {
		return
	}
	for _, pr := range b.m.Providers {
		acct := b.accountID(pr.Account)
		region := b.region(pr.Region)
		if b.failed(acct, region) {
			continue
		}
		svc := b.serviceFor(pr, acct, region)
		if svc == nil || !live.ServicePhase(svc.State).Live() {
			continue // absent, going or broken: states reports it
		}
		base := Item{Address: "provider." + pr.Name, Account: pr.Account, AccountID: acct, Region: region, ID: svc.ID}
		b.connections(pr, svc, base)
		if svc.PrivateDNSName != "" && svc.PrivateDNSState != "" && svc.PrivateDNSState != "verified" {
			it := base
			it.Kind = PrivateDNSUnverified
			it.Severity = SeverityWarning
			it.Attribute = "privateDnsState"
			it.Before = svc.PrivateDNSState
			it.After = "verified"
			it.Message, it.Hint = b.unverifiedDNS(pr, svc)
			b.add(it)
		}
		b.loadBalancersLost(svc, base)
		b.consumerZones(pr, svc, acct, region)
	}
}

// loadBalancersLost reports the service's load balancers that are gone,
// and the AZs the service offers that none of its load balancers covers
// any more. Coverage is the union: two load balancers in a/b/c and a/b
// cover c.
func (b *builder) loadBalancersLost(svc *live.Service, base Item) {
	covered := map[string]bool{}
	var names []string
	for _, arn := range append(slices.Clone(svc.NetworkLoadBalancerARNs), svc.GatewayLoadBalancerARNs...) {
		lb := b.loadBalancer(arn)
		if lb == nil || !live.LoadBalancerPhase(lb.State).Exists() {
			if !b.lbRead(base.AccountID, base.Region) {
				continue
			}
			it := base
			it.Kind = LoadBalancerMissing
			it.Attribute = "loadBalancer"
			it.Before = nil
			it.After = arn
			it.Message = fmt.Sprintf("load balancer %s that the service uses no longer exists", arn)
			it.Hint = "recreate it, or point networkLoadBalancerArns (gatewayLoadBalancerArns) of " + base.Address + " at one that exists and run plink apply"
			it.Code = plan.CodeLBMissing
			b.add(it)
			continue
		}
		names = append(names, lb.Name)
		for _, z := range lb.Zones {
			covered[z] = true
		}
	}
	var lost []string
	for _, z := range svc.AvailabilityZones {
		if len(names) > 0 && !covered[z] {
			lost = append(lost, z)
		}
	}
	if len(lost) == 0 {
		return
	}
	it := base
	it.Kind = LoadBalancerZoneLost
	it.Attribute = "availabilityZones"
	it.Before = append([]string{}, slices.Sorted(maps.Keys(covered))...) // [] in JSON, never null
	it.After = svc.AvailabilityZones
	it.Message = fmt.Sprintf("load balancer %s no longer covers %s, where the service is offered: endpoints there have no target", strings.Join(names, " and "), strings.Join(lost, ", "))
	if len(names) > 1 {
		it.Message = fmt.Sprintf("load balancers %s together no longer cover %s, where the service is offered: endpoints there have no target", strings.Join(names, " and "), strings.Join(lost, ", "))
	}
	it.Hint = "enable the load balancer in those AZs (add a subnet there), or move consumers to subnets in the AZs it covers"
	b.add(it)
}

// connections reports the provider's connections that the manifest does
// not account for and the plan does not act on. A connection is declared
// when its endpoint is the endpoint of a declared consumer of this provider
// — by endpoint, not by account: an account with one declared consumer may
// have others nobody declared. Reported are:
//   - an available one that is neither declared nor from an acceptFrom
//     account (undeclared_connection); when its owner account is outside
//     the manifest, the message says plink can neither see nor delete it
//     (an account that left the manifest strands what plink made there);
//   - one waiting in pendingAcceptance that nothing will accept or reject
//     (pending_connection: with rejectUndeclared false plan only warns,
//     PL030, and the endpoint's owner waits).
//
// Connections the plan accepts, rejects or deletes are reported from the
// plan; rejected, expired and failed ones are not connections any more.
func (b *builder) connections(pr *manifest.Provider, svc *live.Service, base Item) {
	declared, unread := b.declaredConnections(pr)
	acceptFrom := b.acceptFrom(pr)
	planned := map[string]bool{} // endpoints whose connection the plan decides
	for _, c := range b.p.Changes {
		if c.Kind == plan.KindConnection && (c.Action == plan.Accept || c.Action == plan.Reject) {
			ep, _, _ := connOf(c)
			planned[ep] = true
		}
	}
	service := fmt.Sprintf("service %s (%s)", svc.ID, base.Address)
	for _, conn := range svc.Connections {
		if planned[conn.EndpointID] || b.deletes(conn.EndpointID) || unread[conn.OwnerID] {
			continue // reported from the plan (an endpoint of this project it deletes is unmanaged)
		}
		it := base
		it.Address = fmt.Sprintf("%s.connection[%s]", base.Address, conn.EndpointID)
		it.ID = conn.EndpointID
		it.Severity = SeverityWarning
		outside := b.m.Accounts != nil && !b.inManifest(conn.OwnerID)
		switch live.EndpointPhase(conn.State) {
		case live.PhaseUsable:
			if declared[conn.EndpointID] != "" || acceptFrom[conn.OwnerID] {
				continue // (acceptFrom accounts are customers: outside the manifest by design)
			}
			it.Kind = UndeclaredConnection
			it.Message, it.Hint = b.undeclaredConnection(conn, service, outside)
			b.add(it)
		case live.PhaseWaiting:
			why := "it is not a declared consumer, its account is not in acceptFrom, and rejectUndeclared is false"
			if d := declared[conn.EndpointID]; d != "" {
				why = "it is the endpoint of " + d + " but acceptDeclared is false"
			} else if acceptFrom[conn.OwnerID] {
				why = "its account is in acceptFrom but the plan does not accept it"
			}
			it.Kind = PendingConnection
			it.Message = fmt.Sprintf("connection from endpoint %s (account %s) to %s waits in pendingAcceptance and plink will neither accept nor reject it: %s", conn.EndpointID, b.named(conn.OwnerID), service, why)
			if outside {
				it.Message += "; the account is not in the manifest"
			}
			it.Hint = "declare its consumer (or add its account to connections.acceptFrom) to accept it, or set connections.rejectUndeclared: true to reject it; until then its owner waits"
			b.add(it)
		}
	}
}

// declaredConnections are the endpoints of the provider's declared
// consumers (endpoint id → consumer address), live or planned, and the
// accounts of declared consumers that were not read: any connection from
// one may be its consumer's, and the read failure is reported instead.
func (b *builder) declaredConnections(pr *manifest.Provider) (declared map[string]string, unread map[string]bool) {
	declared, unread = map[string]string{}, map[string]bool{}
	for _, c := range b.m.Consumers {
		if c.Provider != pr.Name {
			continue
		}
		cacct, cregion := b.accountID(c.Account), b.region(c.Region)
		if b.failed(cacct, cregion) {
			unread[cacct] = true
		}
		if ep := b.endpointFor(c, cacct, cregion); ep != nil {
			declared[ep.ID] = "consumer." + c.Name
		}
		if id := b.planID("consumer." + c.Name); id != "" {
			declared[id] = "consumer." + c.Name
		}
	}
	return declared, unread
}

// acceptFrom are the account ids (and aliases) in the provider's
// connections.acceptFrom.
func (b *builder) acceptFrom(pr *manifest.Provider) map[string]bool {
	set := map[string]bool{}
	for _, id := range pr.Connections.AcceptFromIDs {
		set[id] = true
	}
	for _, a := range pr.Connections.AcceptFrom {
		set[a] = true
		if id := b.accountID(a); id != "" {
			set[id] = true
		}
	}
	return set
}

// undeclaredConnection says what is wrong with a connected endpoint that
// is neither declared nor from acceptFrom, and, for one of an account the
// manifest does not name (outside), what to do.
func (b *builder) undeclaredConnection(conn live.Connection, service string, outside bool) (msg, hint string) {
	if !outside {
		return fmt.Sprintf("endpoint %s of account %s is connected to %s but is neither a declared consumer nor in acceptFrom", conn.EndpointID, b.named(conn.OwnerID), service), ""
	}
	return fmt.Sprintf("endpoint %s of account %s, which the manifest does not name, is connected to %s: plink cannot read that account, so it can neither see nor delete the endpoint (if plink made it before the account left the manifest, it stays connected and billed)", conn.EndpointID, conn.OwnerID, service),
		fmt.Sprintf("if it is the project's, declare account %s again (without its consumers), run plink apply to delete the endpoint, then remove the account; or delete it in account %s (aws ec2 delete-vpc-endpoints --vpc-endpoint-ids %s); if it is a customer's, add the account to connections.acceptFrom", conn.OwnerID, conn.OwnerID, conn.EndpointID)
}

// inManifest reports whether an account id is one of the manifest's
// accounts.
func (b *builder) inManifest(accountID string) bool {
	for _, a := range b.m.Accounts {
		if a != nil && a.ID == accountID {
			return true
		}
	}
	return false
}

// consumerZones reports declared consumers of the provider with subnets in
// an AZ (compared by AZ id) that none of the service's load balancers covers
// any more.
func (b *builder) consumerZones(pr *manifest.Provider, svc *live.Service, acct, region string) {
	lbZoneIDs := map[string]bool{}
	found := false
	for _, arn := range append(slices.Clone(svc.NetworkLoadBalancerARNs), svc.GatewayLoadBalancerARNs...) {
		lb := b.loadBalancer(arn)
		if lb == nil || !live.LoadBalancerPhase(lb.State).Exists() {
			continue
		}
		found = true
		for _, z := range lb.Zones {
			if id := b.zoneID(acct, region, z); id != "" {
				lbZoneIDs[id] = true
			}
		}
	}
	if !found || len(lbZoneIDs) == 0 {
		return
	}
	for _, c := range b.m.Consumers {
		if c.Provider != pr.Name {
			continue
		}
		cacct, cregion := b.accountID(c.Account), b.region(c.Region)
		if cregion != region || b.failed(cacct, cregion) {
			continue // cross-region consumers see the service's zones of their own region
		}
		var lost []string
		for _, sid := range c.SubnetIDs {
			for _, sn := range b.s.Subnets {
				if sn.ID == sid && sn.AccountID == cacct && sn.ZoneID != "" && !lbZoneIDs[sn.ZoneID] {
					lost = append(lost, fmt.Sprintf("%s (%s)", sn.ZoneID, sid))
				}
			}
		}
		if len(lost) == 0 {
			continue
		}
		b.add(Item{
			Address: "consumer." + c.Name, Account: c.Account, AccountID: cacct, Region: cregion,
			Kind: LoadBalancerZoneLost, Attribute: "zones", Code: plan.CodeSubnetAZNotServed,
			Message: fmt.Sprintf("subnets in %s are in AZs where no load balancer of provider %s runs: traffic there fails", strings.Join(lost, ", "), pr.Name),
			Hint:    "enable a load balancer of provider." + pr.Name + " in those AZs, or move subnetIds of consumer." + c.Name + " to subnets in AZs it covers",
		})
	}
}

func (b *builder) zoneID(acct, region, name string) string {
	for _, z := range b.s.Zones {
		if z.AccountID == acct && z.Region == region && z.Name == name {
			return z.ID
		}
	}
	return ""
}

// lbRead reports whether the reader looked at load balancers in the scope
// at all (it might read them only for providers it found).
func (b *builder) lbRead(accountID, region string) bool {
	for _, sc := range b.s.Scopes {
		if sc.AccountID == accountID && sc.Region == region {
			return true
		}
	}
	return false
}

func (b *builder) loadBalancer(arn string) *live.LoadBalancer {
	for i := range b.s.LoadBalancers {
		if b.s.LoadBalancers[i].ARN == arn {
			return &b.s.LoadBalancers[i]
		}
	}
	return nil
}

// serviceFor finds the live service of a provider: by the plan's id, the
// adopted id, or the plink tags. Of several, one that exists wins over one
// that is going, and that over one that is gone (AWS lists a deleted
// service for a while).
func (b *builder) serviceFor(pr *manifest.Provider, acct, region string) *live.Service {
	return liveFor(b, b.s.Services, "provider."+pr.Name, pr.Name, pr.Adopt, acct, region,
		func(x *live.Service) (string, string, string, map[string]string, live.Phase) {
			return x.AccountID, x.Region, x.ID, x.Tags, live.ServicePhase(x.State)
		})
}

// endpointFor is serviceFor for a consumer's endpoint.
func (b *builder) endpointFor(c *manifest.Consumer, acct, region string) *live.Endpoint {
	return liveFor(b, b.s.Endpoints, "consumer."+c.Name, c.Name, c.Adopt, acct, region,
		func(x *live.Endpoint) (string, string, string, map[string]string, live.Phase) {
			return x.AccountID, x.Region, x.ID, x.Tags, live.EndpointPhase(x.State)
		})
}

// liveFor is the resource of a manifest entry among xs (see serviceFor);
// of returns a resource's account, region, id, tags and phase.
func liveFor[T any](b *builder, xs []T, addr, name, adopt, acct, region string,
	of func(*T) (string, string, string, map[string]string, live.Phase)) *T {
	want := adopt
	if id := b.planID(addr); id != "" {
		want = id
	}
	var best *T
	var bestPhase live.Phase
	for i := range xs {
		a, r, id, tags, ph := of(&xs[i])
		if a != acct || r != region {
			continue
		}
		if (want != "" && id == want) || (want == "" && tags[live.TagProject] == b.m.Project && tags[live.TagName] == name) {
			if best == nil || rank(ph) < rank(bestPhase) {
				best, bestPhase = &xs[i], ph
			}
		}
	}
	return best
}

// rank orders phases for choosing among resources of one name: the one
// that exists (or will) first, then broken, going, gone.
func rank(p live.Phase) int {
	switch p {
	case live.PhaseBroken:
		return 1
	case live.PhaseGoing:
		return 2
	case live.PhaseGone:
		return 3
	}
	return 0
}

// fate says what the plan does to the resource at addr, whose value
// another change takes.
func (b *builder) fate(addr string) string {
	for _, c := range b.p.Changes {
		if c.Address == addr {
			switch c.Action {
			case plan.Create:
				return "which does not exist"
			case plan.Replace:
				return "which plink apply replaces"
			}
		}
	}
	return "which plink apply creates"
}

// deletes reports whether the plan deletes the live resource id.
func (b *builder) deletes(id string) bool {
	for _, c := range b.p.Changes {
		if c.ID == id && c.Action == plan.Delete {
			return true
		}
	}
	return false
}

// planID is the live id the plan matched to a top-level address.
func (b *builder) planID(addr string) string {
	for _, c := range b.p.Changes {
		if c.Address == addr && c.ID != "" {
			return c.ID
		}
	}
	return ""
}

// phaseOf is the phase of the live resource a change names by id, when the
// snapshot has it.
func (b *builder) phaseOf(c plan.Change) (live.Phase, bool) {
	switch c.Kind {
	case plan.KindService:
		for _, svc := range b.s.Services {
			if c.ID != "" && svc.ID == c.ID {
				return live.ServicePhase(svc.State), true
			}
		}
	case plan.KindEndpoint:
		for _, ep := range b.s.Endpoints {
			if c.ID != "" && ep.ID == c.ID {
				return live.EndpointPhase(ep.State), true
			}
		}
	case plan.KindConnection:
		if _, _, state := connOf(c); c.Before != nil && c.Before.State != "" {
			return live.EndpointPhase(state), true
		}
	}
	return live.PhaseUnknown, false
}

// Hints shared by several kinds.
const hintApply = "run plink apply to restore what the manifest declares, or change the manifest to match"

// declared says what the manifest declares at a top-level address, for a
// message about it being absent: where, and what it is made of.
func (b *builder) declared(addr string) string {
	if b.m == nil {
		return addr
	}
	for _, pr := range b.m.Providers {
		if "provider."+pr.Name == addr {
			lbs := make([]string, 0, len(pr.NetworkLoadBalancerARNs)+len(pr.GatewayLoadBalancerARNs))
			for _, arn := range append(slices.Clone(pr.NetworkLoadBalancerARNs), pr.GatewayLoadBalancerARNs...) {
				lbs = append(lbs, lbShort(arn))
			}
			out := fmt.Sprintf("%s (declared in %s region %s", addr, b.named(b.accountID(pr.Account)), b.region(pr.Region))
			if len(lbs) > 0 {
				out += " with load balancer " + strings.Join(lbs, ", ")
			}
			if pr.Adopt != "" {
				out += ", adopt: " + pr.Adopt
			}
			return out + ")"
		}
	}
	for _, c := range b.m.Consumers {
		if "consumer."+c.Name == addr {
			to := c.ServiceName
			if c.Provider != "" {
				to = "provider." + c.Provider
			}
			if arn := c.LatticeARN(); arn != "" {
				to = arn // a Resource or ServiceNetwork consumer
			}
			out := fmt.Sprintf("%s (declared in %s region %s, VPC %s, connecting to %s", addr, b.named(b.accountID(c.Account)), b.region(c.Region), c.VPCID, to)
			if c.Adopt != "" {
				out += ", adopt: " + c.Adopt
			}
			return out + ")"
		}
	}
	return addr
}

// lbShort is a load balancer ARN's type/name part ("net/payments-api").
func lbShort(arn string) string {
	if _, rest, ok := strings.Cut(arn, ":loadbalancer/"); ok {
		parts := strings.Split(rest, "/")
		if len(parts) >= 2 {
			return parts[0] + "/" + parts[1]
		}
	}
	return arn
}
