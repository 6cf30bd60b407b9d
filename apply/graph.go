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

// Phases order the work: additions first, removals in reverse. A step runs
// after the steps it depends on, which are always in earlier phases, so the
// schedule has no cycles.
const (
	phServiceUp = 1 + iota
	phPrincipalAdd
	phEndpointUp
	phAccept
	phDNSRecord // verification record (written and verified) before private DNS is turned on
	phDNS
	phNotificationUp
	phReject
	phNotificationDelete
	phEndpointDelete
	phDNSHandoff
	phPrincipalRemove
	phDNSRecordDelete
	phServiceDelete
	phSettle
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
	phase int
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

// byAction are the phases of the kinds whose steps run in batches, by
// action.
var byAction = map[plan.Kind]map[plan.Action]int{
	plan.KindPrincipal:  {plan.Create: phPrincipalAdd, plan.Update: phPrincipalAdd, plan.Delete: phPrincipalRemove},
	plan.KindConnection: {plan.Accept: phAccept, plan.Reject: phReject},
}

// lifecycle are the phases of the kinds that are created (also updated,
// replaced and, where adopt is set, adopted) and deleted.
var lifecycle = map[plan.Kind]struct {
	up, delete int
	adopt      bool
}{
	plan.KindService:      {phServiceUp, phServiceDelete, true},
	plan.KindEndpoint:     {phEndpointUp, phEndpointDelete, true},
	plan.KindNotification: {phNotificationUp, phNotificationDelete, false},
	plan.KindDNSRecord:    {phDNSRecord, phDNSRecordDelete, false},
}

func phaseOf(c *plan.Change, st stage) (int, error) {
	if st == stSettle {
		return phSettle, nil
	}
	if ph, ok := byAction[c.Kind][c.Action]; ok {
		return ph, nil
	}
	if lc, ok := lifecycle[c.Kind]; ok {
		switch {
		case c.Kind == plan.KindEndpoint && st == stDNS:
			return phDNS, nil
		case c.Kind == plan.KindEndpoint && st == stDNSHandoff:
			return phDNSHandoff, nil
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
	g := &schedule{byAddr: map[string]*changeState{}}
	var errs []string
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Action == plan.NoOp || c.Action == "" {
			continue
		}
		if _, dup := g.byAddr[c.Address]; dup {
			errs = append(errs, fmt.Sprintf("change %s: appears twice in the plan", c.Address))
			continue
		}
		cs := &changeState{c: c}
		g.changes = append(g.changes, cs)
		g.byAddr[c.Address] = cs
	}

	// Service names → provider addresses, to place endpoints in groups.
	svcByName := map[string]string{}
	for _, cs := range g.changes {
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
			if v != nil && v.ServiceName != "" && (svcByName[v.ServiceName] == "" || cs.c.Kind == plan.KindService) {
				svcByName[v.ServiceName] = addr
			}
		}
	}
	providerOf := func(c *plan.Change, v *plan.Values, useRefs bool) string {
		if useRefs {
			if a := c.Refs["serviceName"]; a != "" {
				return a
			}
		}
		if v != nil && v.ServiceName != "" {
			if a, ok := svcByName[v.ServiceName]; ok {
				return a
			}
		}
		if useRefs {
			for _, d := range c.DependsOn {
				if x, ok := g.byAddr[d]; ok && x.c.Kind == plan.KindService {
					return d
				}
			}
		}
		return ""
	}
	add := func(cs *changeState, g string) {
		if g != "" && !cs.inGroup(g) {
			cs.groups = append(cs.groups, g)
		}
	}

	for _, cs := range g.changes {
		c := cs.c
		switch c.Kind {
		case plan.KindService:
			add(cs, c.Address)
		case plan.KindPrincipal, plan.KindConnection, plan.KindNotification, plan.KindDNSRecord:
			if c.Parent == "" {
				errs = append(errs, fmt.Sprintf("change %s: %s has no parent provider", c.Address, c.Kind))
			}
			add(cs, c.Parent)
		case plan.KindEndpoint:
			switch c.Action {
			case plan.Delete:
				add(cs, providerOf(c, c.Before, false))
			case plan.Replace:
				add(cs, providerOf(c, c.After, true))
				add(cs, providerOf(c, c.Before, false))
			default:
				add(cs, providerOf(c, c.After, true))
			}
		}

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
		for _, st := range stages {
			ph, err := phaseOf(c, st)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			s := &step{cs: cs, stage: st, phase: ph}
			switch {
			case st != stMain:
			case c.Kind == plan.KindConnection:
				s.batch = string(c.Action) + "|" + c.Account + "|" + c.Region + "|" + c.Parent
			case c.Kind == plan.KindPrincipal:
				s.batch = string(c.Action) + "|" + c.Account + "|" + c.Region + "|" + c.Parent
			}
			cs.steps = append(cs.steps, s)
			g.steps = append(g.steps, s)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("plan cannot be applied:\n  %s", strings.Join(errs, "\n  "))
	}
	g.link()
	return g, nil
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
func (g *schedule) endpointOfConnection(c *plan.Change) string {
	if a := c.Refs["endpointId"]; a != "" {
		return a
	}
	id := connEndpointID(c)
	if id == "" {
		return ""
	}
	for _, cs := range g.changes {
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

func (g *schedule) link() {
	// Accept and reject steps by the endpoint address they act on.
	acceptsOf := map[string][]*step{}
	rejectsOf := map[string][]*step{}
	for _, s := range g.steps {
		if s.phase == phAccept || s.phase == phReject {
			if ep := g.endpointOfConnection(s.cs.c); ep != "" {
				if s.phase == phAccept {
					acceptsOf[ep] = append(acceptsOf[ep], s)
				} else {
					rejectsOf[ep] = append(rejectsOf[ep], s)
				}
			}
		}
	}
	// Steps by group, in plan order: a step's implicit dependencies are
	// among those of its groups (a provider's), not among every step, which
	// was quadratic: 27 s to link a plan of 10,000 consumers.
	index := make(map[*step]int, len(g.steps))
	byGroup := map[string][]*step{}
	for i, s := range g.steps {
		index[s] = i
		for _, grp := range s.cs.groups {
			byGroup[grp] = append(byGroup[grp], s)
		}
	}
	for _, s := range g.steps {
		seen := map[*step]bool{}
		dep := func(u *step) {
			if u != s && u.phase < s.phase && !seen[u] {
				seen[u] = true
				s.deps = append(s.deps, u)
			}
		}
		c := s.cs.c
		// Explicit: what the plan says, and the change's own earlier stages.
		explicit := append([]string{}, c.DependsOn...)
		if c.Parent != "" {
			explicit = append(explicit, c.Parent)
		}
		for _, a := range c.Refs {
			explicit = append(explicit, a)
		}
		for _, a := range explicit {
			if x, ok := g.byAddr[a]; ok {
				for _, u := range x.steps {
					dep(u)
				}
			}
		}
		for _, u := range s.cs.steps {
			dep(u)
		}
		// Implicit, by group.
		for _, u := range groupMates(s, byGroup, index) {
			switch s.phase {
			case phEndpointUp:
				if u.phase == phServiceUp || u.phase == phPrincipalAdd {
					dep(u)
				}
			case phNotificationUp, phPrincipalAdd, phDNSRecord:
				if u.phase == phServiceUp {
					dep(u)
				}
			case phAccept:
				if u.phase == phServiceUp {
					dep(u)
				}
			case phEndpointDelete:
				// Removals go in reverse order within a provider: its
				// rejections and notification removals first (ordering only).
				if u.phase == phReject || u.phase == phNotificationDelete {
					s.after = append(s.after, u)
				}
			case phPrincipalRemove:
				if u.phase == phEndpointDelete && u.cs.c.Kind == plan.KindEndpoint {
					// endpoints that used the service (group of their Before)
					dep(u)
				}
				if u.phase == phPrincipalAdd {
					// A swap adds before it removes: the accounts the new
					// principals admit are never left without access, and a
					// failed add keeps the old principal.
					dep(u)
				}
			case phServiceDelete:
				if u.phase >= phReject && u.phase < phServiceDelete {
					dep(u)
				}
			}
		}
		if s.phase == phDNS {
			for _, u := range acceptsOf[c.Address] {
				dep(u)
			}
			// Private DNS is turned on once the name is verified.
			for _, u := range groupMates(s, byGroup, index) {
				if u.phase == phDNSRecord {
					dep(u)
				}
			}
		}
		if s.phase == phSettle {
			// ordering only: a targeted apply that leaves the accept out
			// waits for pendingAcceptance, not for the accept
			s.after = append(s.after, acceptsOf[c.Address]...)
		}
		if s.stage == stDeleteOld && c.Kind == plan.KindEndpoint {
			// A replace deletes the old endpoint only once the new one
			// carries traffic: after its accept (a failed accept keeps the
			// old one), and endpointDelete waits until it is available.
			for _, u := range acceptsOf[c.Address] {
				dep(u)
				s.cs.accepted = true
			}
		}
		if s.phase == phEndpointDelete && s.stage == stMain {
			// Reject an endpoint's connection before deleting the endpoint,
			// whatever the rejection's outcome.
			s.after = append(s.after, rejectsOf[c.Address]...)
		}
		if s.phase == phAccept {
			if ep := g.endpointOfConnection(c); ep != "" {
				if x, ok := g.byAddr[ep]; ok {
					for _, u := range x.steps {
						dep(u)
					}
				}
			}
		}
		sort.SliceStable(s.deps, func(i, j int) bool { return s.deps[i].phase < s.deps[j].phase })
	}
}

// groupMates are the steps that share a group with s (s among them), each
// once, in plan order.
func groupMates(s *step, byGroup map[string][]*step, index map[*step]int) []*step {
	if len(s.cs.groups) == 1 {
		return byGroup[s.cs.groups[0]]
	}
	set := map[*step]bool{}
	var out []*step
	for _, grp := range s.cs.groups {
		for _, u := range byGroup[grp] {
			if !set[u] {
				set[u] = true
				out = append(out, u)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return index[out[i]] < index[out[j]] })
	return out
}

// applyTargets marks every change outside the targets (their children, for a
// provider, and everything they depend on) as excluded.
func (g *schedule) applyTargets(targets []string) error {
	if len(targets) == 0 {
		return nil
	}
	keep := map[*changeState]bool{}
	var unknown []string
	for _, t := range targets {
		found := false
		for _, cs := range g.changes {
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
		for _, cs := range g.changes {
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
	for _, cs := range g.changes {
		cs.excluded = !keep[cs]
	}
	// Ordering-only edges to excluded steps go: those steps never run, and
	// the steps ordered after them must not wait for them.
	for _, s := range g.steps {
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
	g, err := buildSchedule(p)
	if err != nil {
		return nil, err
	}
	if err := g.applyTargets(targets); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, cs := range g.changes {
		if !cs.excluded {
			out[cs.c.Address] = true
		}
	}
	return out, nil
}
