package apply

import (
	"fmt"
	"sort"
	"strings"

	"github.com/plinkdev/plink/plan"
)

// stage is one unit of work of a change; most changes have one.
type stage int

const (
	stMain       stage = iota // the change itself (create, update, delete, ...)
	stDNS                     // PrivateDNSAfterAccept: enable private DNS once accepted
	stDeleteOld               // replace: delete the replaced resource
	stDNSHandoff              // replace in one VPC: enable private DNS once the old endpoint is gone
	stSettle                  // wait until what the change made is usable (unless Options.NoWait)
)

func (s stage) String() string {
	switch s {
	case stDNS:
		return "private DNS"
	case stDeleteOld:
		return "delete replaced"
	case stDNSHandoff:
		return "private DNS handoff"
	case stSettle:
		return "settle"
	}
	return "main"
}

// rank orders the work: additions first, removals in reverse. A step runs
// after the steps it depends on, which always rank lower, so the schedule
// has no cycles.
type rank int

const (
	rankServiceUp rank = 1 + iota
	rankPrincipalAdd
	rankEndpointUp
	rankAccept
	rankDNSRecord // verification record (written and verified) before private DNS is turned on
	rankDNS
	rankNotificationUp
	rankReject
	rankNotificationDelete
	rankEndpointDelete
	rankDNSHandoff
	rankPrincipalRemove
	rankDNSRecordDelete
	rankServiceDelete
	rankSettle
)

type stepState int

const (
	statePending stepState = iota
	stateDone
	stateFailed
	stateSkipped
)

// step is one stage of one change: a node of the dependency graph.
type step struct {
	cs    *changeState
	stage stage
	rank  rank
	batch string // steps with the same non-empty batch run in one AWS call
	deps  []*step
	// after are steps that must finish first but whose failure does not
	// stop this one (ordering only).
	after []*step

	// written by the scheduler only
	state  stepState
	reason string // why skipped
	// root is the address whose failure made this step skip.
	root string

	// written by the worker, read by the scheduler after the unit returns
	err  *Error
	note string // what was done
}

func (s *step) terminal() bool { return s.state != statePending }

// changeState is a change of the plan being applied.
type changeState struct {
	c        *plan.Change
	groups   []string // provider addresses the change belongs to
	steps    []*step
	excluded bool
	// dnsHandoff: a replaced endpoint whose private DNS is turned on only
	// after the old endpoint (same VPC, same service) is deleted.
	dnsHandoff bool
	// accepted: the plan accepts this endpoint's connection, so the
	// endpoint it makes is usable only once available (not while it waits
	// for acceptance); a replace deletes the old one only then.
	accepted bool
}

func (cs *changeState) inGroup(g string) bool {
	for _, x := range cs.groups {
		if x == g {
			return true
		}
	}
	return false
}

// schedule is the plan turned into steps with dependencies: what runs, and after what.
type schedule struct {
	changes []*changeState
	byAddr  map[string]*changeState
	steps   []*step
}

// byAction are the ranks of the kinds whose steps run in batches, by
// action.
var byAction = map[plan.Kind]map[plan.Action]rank{
	plan.KindPrincipal:  {plan.Create: rankPrincipalAdd, plan.Update: rankPrincipalAdd, plan.Delete: rankPrincipalRemove},
	plan.KindConnection: {plan.Accept: rankAccept, plan.Reject: rankReject},
}

// lifecycle are the ranks of the kinds that are created (also updated,
// replaced and, where adopt is set, adopted) and deleted.
var lifecycle = map[plan.Kind]struct {
	up, delete rank
	adopt      bool
}{
	plan.KindService:      {rankServiceUp, rankServiceDelete, true},
	plan.KindEndpoint:     {rankEndpointUp, rankEndpointDelete, true},
	plan.KindNotification: {rankNotificationUp, rankNotificationDelete, false},
	plan.KindDNSRecord:    {rankDNSRecord, rankDNSRecordDelete, false},
}

// rankOf is the rank of stage st of change c.
func rankOf(c *plan.Change, st stage) (rank, error) {
	if st == stSettle {
		return rankSettle, nil
	}
	if r, ok := byAction[c.Kind][c.Action]; ok {
		return r, nil
	}
	if lc, ok := lifecycle[c.Kind]; ok {
		switch {
		case c.Kind == plan.KindEndpoint && st == stDNS:
			return rankDNS, nil
		case c.Kind == plan.KindEndpoint && st == stDNSHandoff:
			return rankDNSHandoff, nil
		case st == stDeleteOld, c.Action == plan.Delete:
			return lc.delete, nil
		case c.Action == plan.Create, c.Action == plan.Update, c.Action == plan.Replace, c.Action == plan.Adopt && lc.adopt:
			return lc.up, nil
		}
	}
	return 0, fmt.Errorf("change %s: apply does not know how to %s a %s", c.Address, c.Action, c.Kind)
}

// buildSchedule turns the plan's changes (no-ops dropped) into steps.
func buildSchedule(p *plan.Plan) (*schedule, error) { return buildScheduleSettled(p, false) }

// settles reports whether a change leaves an endpoint or connection that
// takes a while to become usable: a created, replaced or modified endpoint
// (pending, then available or pendingAcceptance), an accepted connection
// (pending, then available).
func settles(c *plan.Change) bool {
	switch c.Kind {
	case plan.KindEndpoint:
		// (an adopt applies the manifest's updates as well: waited for as
		// an update is)
		return c.Action == plan.Create || c.Action == plan.Replace || (c.Action == plan.Update || c.Action == plan.Adopt) && reconfigures(c)
	case plan.KindConnection:
		return c.Action == plan.Accept
	case plan.KindNotification:
		// listed only after a while (eventual consistency): a plan made
		// right after would create it again
		return c.Action == plan.Create || c.Action == plan.Replace
	}
	return false
}

// reconfigures reports whether an endpoint update changes what makes AWS
// take the endpoint through pending again: its subnets, IP address type or
// DNS settings. Tags, policy and security groups apply at once.
func reconfigures(c *plan.Change) bool {
	b, a := c.Before, c.After
	if b == nil || a == nil {
		return false
	}
	return strings.Join(b.SubnetIDs, ",") != strings.Join(a.SubnetIDs, ",") || b.IPAddressType != a.IPAddressType ||
		b.DNSRecordIPType != a.DNSRecordIPType || !boolPtrEq(b.PrivateDNSEnabled, a.PrivateDNSEnabled)
}

// buildScheduleSettled is buildSchedule with, when settle is set, a last stage
// for every change that settles: apply then ends only when what it made is
// usable, so "matches the manifest" never hides a pending endpoint.
func buildScheduleSettled(p *plan.Plan, settle bool) (*schedule, error) {
	sc, errs := collectChanges(p)
	providers := sc.providersByServiceName()
	for _, cs := range sc.changes {
		if err := sc.group(cs, providers); err != "" {
			errs = append(errs, err)
		}
		for _, st := range stagesOf(cs, settle) {
			r, err := rankOf(cs.c, st)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			s := &step{cs: cs, stage: st, rank: r, batch: batchOf(cs.c, st)}
			cs.steps = append(cs.steps, s)
			sc.steps = append(sc.steps, s)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("plan cannot be applied:\n  %s", strings.Join(errs, "\n  "))
	}
	sc.link()
	return sc, nil
}

// collectChanges is a schedule of the plan's changes that do something,
// without steps yet; a change listed twice is an error.
func collectChanges(p *plan.Plan) (*schedule, []string) {
	sc := &schedule{byAddr: map[string]*changeState{}}
	var errs []string
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Action == plan.NoOp || c.Action == "" {
			continue
		}
		if _, dup := sc.byAddr[c.Address]; dup {
			errs = append(errs, fmt.Sprintf("change %s: appears twice in the plan", c.Address))
			continue
		}
		cs := &changeState{c: c}
		sc.changes = append(sc.changes, cs)
		sc.byAddr[c.Address] = cs
	}
	return sc, errs
}

// providersByServiceName maps the service names in the plan to the
// provider addresses they belong to, to place endpoints in groups.
func (sc *schedule) providersByServiceName() map[string]string {
	byName := map[string]string{}
	for _, cs := range sc.changes {
		addr := cs.c.Address
		switch cs.c.Kind {
		case plan.KindService:
		case plan.KindDNSRecord:
			// a kept service whose name this plan verifies: its
			// consumers turn private DNS on after the record's step
			addr = cs.c.Parent
		default:
			continue
		}
		for _, v := range []*plan.Values{cs.c.Before, cs.c.After} {
			if v != nil && v.ServiceName != "" && (byName[v.ServiceName] == "" || cs.c.Kind == plan.KindService) {
				byName[v.ServiceName] = addr
			}
		}
	}
	return byName
}

// providerOf is the address of the provider whose service v (the endpoint
// change c's before or after) uses, or "". With useRefs, what the plan
// says (a serviceName reference, a dependency on a service) comes first.
func (sc *schedule) providerOf(providers map[string]string, c *plan.Change, v *plan.Values, useRefs bool) string {
	if useRefs {
		if a := c.Refs["serviceName"]; a != "" {
			return a
		}
	}
	if v != nil && v.ServiceName != "" {
		if a, ok := providers[v.ServiceName]; ok {
			return a
		}
	}
	if useRefs {
		for _, d := range c.DependsOn {
			if x, ok := sc.byAddr[d]; ok && x.c.Kind == plan.KindService {
				return d
			}
		}
	}
	return ""
}

// group places a change in the groups of the providers it belongs to: a
// replaced endpoint in both its new and its old provider's. It returns
// what is wrong, or "".
func (sc *schedule) group(cs *changeState, providers map[string]string) string {
	join := func(g string) {
		if g != "" && !cs.inGroup(g) {
			cs.groups = append(cs.groups, g)
		}
	}
	c := cs.c
	switch c.Kind {
	case plan.KindService:
		join(c.Address)
	case plan.KindPrincipal, plan.KindConnection, plan.KindNotification, plan.KindDNSRecord:
		join(c.Parent)
		if c.Parent == "" {
			return fmt.Sprintf("change %s: %s has no parent provider", c.Address, c.Kind)
		}
	case plan.KindEndpoint:
		switch c.Action {
		case plan.Delete:
			join(sc.providerOf(providers, c, c.Before, false))
		case plan.Replace:
			join(sc.providerOf(providers, c, c.After, true))
			join(sc.providerOf(providers, c, c.Before, false))
		default:
			join(sc.providerOf(providers, c, c.After, true))
		}
	}
	return ""
}

// stagesOf are the stages of a change, in order; it marks a replaced
// endpoint that needs a private DNS handoff.
func stagesOf(cs *changeState, settle bool) []stage {
	c := cs.c
	stages := []stage{stMain}
	if c.Kind == plan.KindEndpoint && c.PrivateDNSAfterAccept && c.Action != plan.Delete {
		stages = append(stages, stDNS)
	}
	if c.Action == plan.Replace {
		stages = append(stages, stDeleteOld)
		if c.Kind == plan.KindEndpoint && !c.PrivateDNSAfterAccept && needsHandoff(c) {
			cs.dnsHandoff = true
			stages = append(stages, stDNSHandoff)
		}
	}
	if settle && settles(c) {
		stages = append(stages, stSettle)
	}
	return stages
}

// batchOf is the key of the AWS call a step shares with others: the main
// stage of connections and principals of one provider, account, region
// and action run in one call. "" runs alone.
func batchOf(c *plan.Change, st stage) string {
	if st != stMain || (c.Kind != plan.KindConnection && c.Kind != plan.KindPrincipal) {
		return ""
	}
	return string(c.Action) + "|" + c.Account + "|" + c.Region + "|" + c.Parent
}

// needsHandoff: a replaced endpoint that keeps private DNS in the same VPC
// for the same service cannot have it on while the old one does.
func needsHandoff(c *plan.Change) bool {
	b, a := c.Before, c.After
	if a == nil || b == nil || a.PrivateDNSEnabled == nil || !*a.PrivateDNSEnabled {
		return false
	}
	if b.PrivateDNSEnabled == nil || !*b.PrivateDNSEnabled {
		return false
	}
	if a.VPCID != b.VPCID {
		return false
	}
	if latticeChange(c) {
		// a Resource or ServiceNetwork endpoint's private DNS names are its
		// configuration's or network's
		return a.ResourceConfigurationARN == b.ResourceConfigurationARN && a.ServiceNetworkARN == b.ServiceNetworkARN
	}
	return a.ServiceName == "" || b.ServiceName == "" || a.ServiceName == b.ServiceName || len(c.Refs) > 0
}

// endpointOfConnection is the address of the endpoint change a connection
// change is about, or "".
func (sc *schedule) endpointOfConnection(c *plan.Change) string {
	if a := c.Refs["endpointId"]; a != "" {
		return a
	}
	id := connEndpointID(c)
	if id == "" {
		return ""
	}
	for _, cs := range sc.changes {
		if cs.c.Kind == plan.KindEndpoint && cs.c.ID == id {
			return cs.c.Address
		}
	}
	return ""
}

// connEndpointID is the endpoint id a connection change names in the plan.
func connEndpointID(c *plan.Change) string {
	if c.After != nil && c.After.EndpointID != "" {
		return c.After.EndpointID
	}
	if c.Before != nil && c.Before.EndpointID != "" {
		return c.Before.EndpointID
	}
	if strings.HasPrefix(c.ID, "vpce-") {
		return c.ID
	}
	return ""
}

// link gives every step its dependencies (deps: it runs only once they
// succeed) and the steps it is merely ordered after (after), each in the
// order the scheduler tries them.
func (sc *schedule) link() {
	accepts, rejects := sc.connectionSteps()
	groups := sc.groupIndex()
	for _, s := range sc.steps {
		l := linker{s: s, seen: map[*step]bool{}}
		l.explicit(sc)
		mates := groups.mates(s)
		l.byRank(mates)
		l.aroundConnections(sc, accepts[s.cs.c.Address], rejects[s.cs.c.Address], mates)
		sort.SliceStable(s.deps, func(i, j int) bool { return s.deps[i].rank < s.deps[j].rank })
	}
}

// connectionSteps are the accept and the reject steps, by the address of
// the endpoint they act on.
func (sc *schedule) connectionSteps() (accepts, rejects map[string][]*step) {
	accepts, rejects = map[string][]*step{}, map[string][]*step{}
	for _, s := range sc.steps {
		if s.rank != rankAccept && s.rank != rankReject {
			continue
		}
		ep := sc.endpointOfConnection(s.cs.c)
		switch {
		case ep == "":
		case s.rank == rankAccept:
			accepts[ep] = append(accepts[ep], s)
		default:
			rejects[ep] = append(rejects[ep], s)
		}
	}
	return accepts, rejects
}

// groupIndex holds the steps by group, in plan order: a step's implicit
// dependencies are among those of its groups (a provider's), not among
// every step, which was quadratic: 27 s to link a plan of 10,000 consumers.
type groupIndex struct {
	byGroup map[string][]*step
	index   map[*step]int // a step's place in the plan
}

func (sc *schedule) groupIndex() groupIndex {
	gi := groupIndex{byGroup: map[string][]*step{}, index: make(map[*step]int, len(sc.steps))}
	for i, s := range sc.steps {
		gi.index[s] = i
		for _, grp := range s.cs.groups {
			gi.byGroup[grp] = append(gi.byGroup[grp], s)
		}
	}
	return gi
}

// mates are the steps that share a group with s (s among them), each
// once, in plan order.
func (gi groupIndex) mates(s *step) []*step {
	if len(s.cs.groups) == 1 {
		return gi.byGroup[s.cs.groups[0]]
	}
	set := map[*step]bool{}
	var out []*step
	for _, grp := range s.cs.groups {
		for _, u := range gi.byGroup[grp] {
			if !set[u] {
				set[u] = true
				out = append(out, u)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return gi.index[out[i]] < gi.index[out[j]] })
	return out
}

// linker adds the dependencies of one step.
type linker struct {
	s    *step
	seen map[*step]bool
}

// dep makes s depend on u, once, if u ranks lower (so no cycle forms).
func (l linker) dep(u *step) {
	if u != l.s && u.rank < l.s.rank && !l.seen[u] {
		l.seen[u] = true
		l.s.deps = append(l.s.deps, u)
	}
}

// depOnChange makes s depend on every step of the change at addr.
func (l linker) depOnChange(sc *schedule, addr string) {
	if x, ok := sc.byAddr[addr]; ok {
		for _, u := range x.steps {
			l.dep(u)
		}
	}
}

// explicit: what the plan says (dependencies, parent, references), and
// the change's own earlier stages.
func (l linker) explicit(sc *schedule) {
	c := l.s.cs.c
	explicit := append([]string{}, c.DependsOn...)
	if c.Parent != "" {
		explicit = append(explicit, c.Parent)
	}
	for _, a := range c.Refs {
		explicit = append(explicit, a)
	}
	for _, a := range explicit {
		l.depOnChange(sc, a)
	}
	for _, u := range l.s.cs.steps {
		l.dep(u)
	}
}

// byRank: the implicit dependencies among a provider's steps, by what
// each step's rank needs done before it.
func (l linker) byRank(mates []*step) {
	s := l.s
	for _, u := range mates {
		switch s.rank {
		case rankEndpointUp:
			if u.rank == rankServiceUp || u.rank == rankPrincipalAdd {
				l.dep(u)
			}
		case rankNotificationUp, rankPrincipalAdd, rankDNSRecord, rankAccept:
			if u.rank == rankServiceUp {
				l.dep(u)
			}
		case rankEndpointDelete:
			// Removals go in reverse order within a provider: its
			// rejections and notification removals first (ordering only).
			if u.rank == rankReject || u.rank == rankNotificationDelete {
				s.after = append(s.after, u)
			}
		case rankPrincipalRemove:
			if u.rank == rankEndpointDelete && u.cs.c.Kind == plan.KindEndpoint {
				// endpoints that used the service (group of their Before)
				l.dep(u)
			}
			if u.rank == rankPrincipalAdd {
				// A swap adds before it removes: the accounts the new
				// principals admit are never left without access, and a
				// failed add keeps the old principal.
				l.dep(u)
			}
		case rankServiceDelete:
			if u.rank >= rankReject && u.rank < rankServiceDelete {
				l.dep(u)
			}
		}
	}
}

// aroundConnections orders an endpoint's steps around the accept and
// reject of its connection (accepts and rejects of the endpoint at the
// step's address), and an accept after the endpoint it accepts.
func (l linker) aroundConnections(sc *schedule, accepts, rejects, mates []*step) {
	s, c := l.s, l.s.cs.c
	if s.rank == rankDNS {
		for _, u := range accepts {
			l.dep(u)
		}
		// Private DNS is turned on once the name is verified.
		for _, u := range mates {
			if u.rank == rankDNSRecord {
				l.dep(u)
			}
		}
	}
	if s.rank == rankSettle {
		// ordering only: a targeted apply that leaves the accept out
		// waits for pendingAcceptance, not for the accept
		s.after = append(s.after, accepts...)
	}
	if s.stage == stDeleteOld && c.Kind == plan.KindEndpoint {
		// A replace deletes the old endpoint only once the new one
		// carries traffic: after its accept (a failed accept keeps the
		// old one), and endpointDelete waits until it is available.
		for _, u := range accepts {
			l.dep(u)
			s.cs.accepted = true
		}
	}
	if s.rank == rankEndpointDelete && s.stage == stMain {
		// Reject an endpoint's connection before deleting the endpoint,
		// whatever the rejection's outcome.
		s.after = append(s.after, rejects...)
	}
	if s.rank == rankAccept {
		if ep := sc.endpointOfConnection(c); ep != "" {
			l.depOnChange(sc, ep)
		}
	}
}

// applyTargets marks every change outside the targets (their children, for a
// provider, and everything they depend on) as excluded.
func (sc *schedule) applyTargets(targets []string) error {
	if len(targets) == 0 {
		return nil
	}
	keep := map[*changeState]bool{}
	var unknown []string
	for _, t := range targets {
		found := false
		for _, cs := range sc.changes {
			a := cs.c.Address
			if a == t || strings.HasPrefix(a, t+".") || strings.HasPrefix(a, t+"[") {
				keep[cs] = true
				found = true
			}
		}
		if !found {
			unknown = append(unknown, t)
		}
	}
	if len(unknown) > 0 {
		var valid []string
		for _, cs := range sc.changes {
			valid = append(valid, cs.c.Address)
		}
		return fmt.Errorf("target %s has no change in the plan; changes are: %s",
			strings.Join(unknown, ", "), strings.Join(valid, ", "))
	}
	// Close over dependencies.
	var stack []*changeState
	for cs := range keep {
		stack = append(stack, cs)
	}
	for len(stack) > 0 {
		cs := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, s := range cs.steps {
			for _, d := range s.deps {
				if !keep[d.cs] {
					keep[d.cs] = true
					stack = append(stack, d.cs)
				}
			}
		}
	}
	for _, cs := range sc.changes {
		cs.excluded = !keep[cs]
	}
	// Ordering-only edges to excluded steps go: those steps never run, and
	// the steps ordered after them must not wait for them.
	for _, s := range sc.steps {
		kept := s.after[:0]
		for _, u := range s.after {
			if !u.cs.excluded {
				kept = append(kept, u)
			}
		}
		s.after = kept
	}
	return nil
}

// Targeted returns the addresses of the changes an apply of p limited to
// targets carries out: the targets, their children and what they depend
// on, as Run decides them (Options.Targets). With no targets it is every
// change. The CLI shows exactly these before asking for consent.
func Targeted(p *plan.Plan, targets []string) (map[string]bool, error) {
	sc, err := buildSchedule(p)
	if err != nil {
		return nil, err
	}
	if err := sc.applyTargets(targets); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, cs := range sc.changes {
		if !cs.excluded {
			out[cs.c.Address] = true
		}
	}
	return out, nil
}
