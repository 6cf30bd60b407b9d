// Package graph owns the topology picture of a manifest: accounts as boxes,
// endpoint services and endpoints as nodes, connections as edges labelled
// with their region and, when live state is given, their state. Build makes
// the value; Mermaid and DOT render it deterministically.
//
// It is pure: it must not call AWS, read files or run Graphviz. The command
// layer loads the manifest, optionally reads live state, and writes the
// rendering where the user asked.
package graph

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

// NodeKind is what a node stands for.
type NodeKind string

// Node kinds.
const (
	Service  NodeKind = "service"  // a provider's endpoint service
	Endpoint NodeKind = "endpoint" // a consumer's interface endpoint
	External NodeKind = "external" // a service or endpoint the manifest does not declare
)

// State is the state of an edge (a connection) or a node.
type State string

// States. Without live state every edge is Declared.
const (
	Declared  State = "declared"  // in the manifest; live state not read
	Missing   State = "missing"   // declared, but it does not exist (or AWS lists it as deleted)
	Going     State = "going"     // being deleted (deleting, Deleting)
	Pending   State = "pending"   // pending, pendingAcceptance, or a service Pending
	Available State = "available" // connected, or a service Available
	Rejected  State = "rejected"  // rejected, expired or failed: it exists but never carries traffic
	Drifted   State = "drifted"   // live differs from the manifest (undeclared, or connected elsewhere)
	Unknown   State = "unknown"   // the account could not be read, or a state plink does not know
)

// fromPhase draws a phase (live.EndpointPhase, ServicePhase: the one place
// a state gets its meaning). A gone resource is drawn as absent.
func fromPhase(p live.Phase) State {
	switch p {
	case live.PhaseGone:
		return Missing
	case live.PhaseGoing:
		return Going
	case live.PhaseSettling, live.PhaseWaiting:
		return Pending
	case live.PhaseUsable:
		return Available
	case live.PhaseBroken:
		return Rejected
	}
	return Unknown
}

// Graph is the picture of one manifest (and optionally its live state).
type Graph struct {
	Project string
	// Accounts in alias order; Groups without an account (AWS services,
	// other accounts) come after them in Externals.
	Accounts  []Account
	Externals []Node
	Edges     []Edge
	// Live says whether live state was used.
	Live bool
}

// Account is one box.
type Account struct {
	Alias string
	ID    string
	Nodes []Node
}

// Node is a service or endpoint.
type Node struct {
	// ID is a stable identifier safe for Mermaid and DOT.
	ID      string
	Name    string
	Kind    NodeKind
	Region  string
	Account string // alias, or an account id for external nodes
	// LiveID is the vpce-svc-/vpce- id when live state shows it.
	LiveID string
	State  State
}

// Edge is a connection from an endpoint to a service.
type Edge struct {
	From, To string // node IDs
	// Region is the endpoint's region, or "from → to" across regions.
	Region string
	State  State
}

// Label is the edge's text: region, and the state when live state was read.
func (e Edge) Label(live bool) string {
	if !live || e.State == Declared {
		return e.Region
	}
	return e.Region + " · " + string(e.State)
}

// Build makes the graph of m. With a snapshot s, edges carry the connection
// state and undeclared connections to declared services appear as drifted
// edges from external nodes.
func Build(m *manifest.Manifest, s *live.Snapshot) *Graph {
	g := &Graph{Live: s != nil}
	if m == nil {
		return g
	}
	g.Project = m.Project
	b := newBuilder(m, s)
	for _, p := range m.Providers {
		b.provider(p)
	}
	for _, c := range m.Consumers {
		g.Edges = append(g.Edges, b.consumer(c))
	}
	if s != nil {
		g.Edges = append(g.Edges, b.undeclaredConnections()...)
	}
	b.place(g)
	return g
}

// builder gathers the nodes of a graph, by account.
type builder struct {
	m       *manifest.Manifest
	s       *live.Snapshot    // nil without live state
	aliasOf map[string]string // account id -> alias
	nodes   map[string][]Node // alias -> nodes
	// externals are the nodes outside the manifest's accounts, by ID.
	externals map[string]Node
	services  map[string]*live.Service // provider name -> live service
	claimed   map[string]bool          // endpoint ids that belong to declared consumers
	placed    map[string]bool          // lattice targets drawn in their owner's account
}

func newBuilder(m *manifest.Manifest, s *live.Snapshot) *builder {
	b := &builder{m: m, s: s, aliasOf: map[string]string{}, nodes: map[string][]Node{}, externals: map[string]Node{},
		services: map[string]*live.Service{}, claimed: map[string]bool{}, placed: map[string]bool{}}
	for alias, a := range m.Accounts {
		if a != nil {
			b.aliasOf[a.ID] = alias
		}
	}
	return b
}

// region is r, or the manifest's default region when r is empty.
func (b *builder) region(r string) string { return cmp.Or(r, b.m.Defaults.Region) }

// accountID is the id of the account alias, or "".
func (b *builder) accountID(alias string) string {
	if a := b.m.Accounts[alias]; a != nil {
		return a.ID
	}
	return ""
}

// failed reports whether live state could not read account acct in
// region reg.
func (b *builder) failed(acct, reg string) bool {
	for _, f := range b.s.Failures {
		if f.AccountID == acct && (f.Region == "" || f.Region == reg) {
			return true
		}
	}
	return false
}

// provider draws provider p's service in its account, in its live state.
func (b *builder) provider(p *manifest.Provider) {
	n := Node{ID: nodeID("p", p.Name), Name: p.Name, Kind: Service, Region: b.region(p.Region), Account: p.Account}
	if b.s != nil {
		acct := b.accountID(p.Account)
		if b.failed(acct, n.Region) {
			n.State = Unknown
		} else if svc := findService(b.s, b.m.Project, p, acct, n.Region); svc != nil {
			b.services[p.Name] = svc
			n.LiveID = svc.ID
			n.State = fromPhase(live.ServicePhase(svc.State))
		} else {
			n.State = Missing
		}
	}
	b.nodes[p.Account] = append(b.nodes[p.Account], n)
}

// consumer draws consumer c's endpoint in its account and returns its
// edge to what it connects to. With live state the endpoint, unless it is
// missing or its account unread, takes the state of its connection.
func (b *builder) consumer(c *manifest.Consumer) Edge {
	n := Node{ID: nodeID("c", c.Name), Name: c.Name, Kind: Endpoint, Region: b.region(c.Region), Account: c.Account}
	var ep *live.Endpoint
	if b.s != nil {
		acct := b.accountID(c.Account)
		if b.failed(acct, n.Region) {
			n.State = Unknown
		} else if ep = findEndpoint(b.s, b.m.Project, c, acct, n.Region); ep != nil {
			n.LiveID = ep.ID
			b.claimed[ep.ID] = true
		} else {
			n.State = Missing
		}
	}
	i := len(b.nodes[c.Account])
	b.nodes[c.Account] = append(b.nodes[c.Account], n)

	to, toRegion := b.target(c, n.Region)
	e := Edge{From: n.ID, To: to, Region: n.Region, State: Declared}
	if toRegion != n.Region {
		e.Region = n.Region + " → " + toRegion
	}
	if b.s != nil {
		e.State = edgeState(n.State, ep, b.services[c.Provider])
		if n.State == "" {
			b.nodes[c.Account][i].State = e.State
		}
	}
	return e
}

// target is the node ID and region of what consumer c (an endpoint in
// region) connects to: a provider of the manifest, a VPC Lattice target
// (drawn in its owner's account when that is one of the manifest's), or
// an external service.
func (b *builder) target(c *manifest.Consumer, region string) (to, toRegion string) {
	if arn := c.LatticeARN(); arn != "" {
		// a VPC Lattice resource configuration or service network,
		// outside the manifest
		owner, reg := manifest.LatticeARNOwner(arn)
		to, toRegion = nodeID("x", arn[strings.LastIndexByte(arn, '/')+1:]), cmp.Or(reg, region)
		if alias := b.aliasOf[owner]; alias != "" {
			// owned by an account of the manifest: drawn in it, named
			// by its alias
			if !b.placed[to] {
				b.placed[to] = true
				b.nodes[alias] = append(b.nodes[alias], Node{ID: to, Name: latticeName(arn, alias), Kind: External, Region: toRegion, Account: alias})
			}
		} else {
			b.externals[to] = Node{ID: to, Name: latticeName(arn, owner), Kind: External, Region: toRegion}
		}
		return to, toRegion
	}
	if c.Provider != "" {
		toRegion = region
		for _, p := range b.m.Providers {
			if p.Name == c.Provider {
				toRegion = b.region(p.Region)
			}
		}
		return nodeID("p", c.Provider), toRegion
	}
	to = nodeID("x", c.ServiceName)
	toRegion = serviceRegion(c.ServiceName, region)
	if c.ServiceRegion != "" {
		toRegion = c.ServiceRegion // com.amazonaws.iam carries no region
	}
	b.externals[to] = Node{ID: to, Name: c.ServiceName, Kind: External, Region: toRegion}
	return to, toRegion
}

// undeclaredConnections draws the endpoints connected to declared
// services that no consumer declares, as drifted nodes and edges.
func (b *builder) undeclaredConnections() []Edge {
	var edges []Edge
	for _, p := range b.m.Providers {
		svc := b.services[p.Name]
		if svc == nil {
			continue
		}
		for _, conn := range svc.Connections {
			// An undeclared endpoint is drawn while it is (or will be)
			// connected; going, gone or broken it is no drift.
			if b.claimed[conn.EndpointID] || !live.EndpointPhase(conn.State).Live() {
				continue
			}
			n := Node{ID: nodeID("x", conn.EndpointID), Name: conn.EndpointID, Kind: External, Region: cmp.Or(conn.Region, svc.Region), LiveID: conn.EndpointID, State: Drifted}
			if alias := b.aliasOf[conn.OwnerID]; alias != "" {
				n.Account = alias
				b.nodes[alias] = append(b.nodes[alias], n)
			} else {
				n.Account = conn.OwnerID
				b.externals[n.ID] = n
			}
			reg := n.Region
			if reg != svc.Region {
				reg += " → " + svc.Region
			}
			edges = append(edges, Edge{From: n.ID, To: nodeID("p", p.Name), Region: reg, State: Drifted})
		}
	}
	return edges
}

// place puts the nodes in g: accounts in alias order, then the externals,
// each sorted, and the edges by target and source.
func (b *builder) place(g *Graph) {
	aliases := make([]string, 0, len(b.m.Accounts))
	for alias := range b.m.Accounts {
		aliases = append(aliases, alias)
	}
	sort.Strings(aliases)
	for _, alias := range aliases {
		ns := b.nodes[alias]
		sortNodes(ns)
		g.Accounts = append(g.Accounts, Account{Alias: alias, ID: b.accountID(alias), Nodes: ns})
	}
	for _, n := range b.externals {
		g.Externals = append(g.Externals, n)
	}
	sortNodes(g.Externals)
	slices.SortStableFunc(g.Edges, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.To, b.To), cmp.Compare(a.From, b.From))
	})
}

func sortNodes(ns []Node) {
	rank := map[NodeKind]int{Service: 0, Endpoint: 1, External: 2}
	slices.SortStableFunc(ns, func(a, b Node) int {
		return cmp.Or(cmp.Compare(rank[a.Kind], rank[b.Kind]), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
}

func edgeState(nodeState State, ep *live.Endpoint, svc *live.Service) State {
	if nodeState == Unknown || nodeState == Missing {
		return nodeState
	}
	if ep == nil {
		return Unknown
	}
	if svc != nil && ep.ServiceName != "" && svc.Name != "" && ep.ServiceName != svc.Name {
		return Drifted
	}
	st := ep.State
	if svc != nil {
		for _, conn := range svc.Connections {
			if conn.EndpointID == ep.ID {
				st = conn.State
			}
		}
	}
	return fromPhase(live.EndpointPhase(st))
}

// findService finds a provider's live service by adopt id or plink tags.
// AWS lists a deleted service for a while: it is not there. Of several,
// one that exists wins over one being deleted.
func findService(s *live.Snapshot, project string, p *manifest.Provider, acct, region string) *live.Service {
	var best *live.Service
	for i := range s.Services {
		svc := &s.Services[i]
		ph := live.ServicePhase(svc.State)
		if svc.AccountID != acct || svc.Region != region || !ph.Exists() {
			continue
		}
		if (p.Adopt != "" && svc.ID == p.Adopt) || (p.Adopt == "" && svc.Tags[live.TagProject] == project && svc.Tags[live.TagName] == p.Name) {
			if best == nil || rank(ph) < rank(live.ServicePhase(best.State)) {
				best = svc
			}
		}
	}
	return best
}

// findEndpoint is findService for a consumer's endpoint.
func findEndpoint(s *live.Snapshot, project string, c *manifest.Consumer, acct, region string) *live.Endpoint {
	var best *live.Endpoint
	for i := range s.Endpoints {
		ep := &s.Endpoints[i]
		ph := live.EndpointPhase(ep.State)
		if ep.AccountID != acct || ep.Region != region || !ph.Exists() {
			continue
		}
		if (c.Adopt != "" && ep.ID == c.Adopt) || (c.Adopt == "" && ep.Tags[live.TagProject] == project && ep.Tags[live.TagName] == c.Name) {
			if best == nil || rank(ph) < rank(live.EndpointPhase(best.State)) {
				best = ep
			}
		}
	}
	return best
}

// rank orders the phases of resources that share a name: the one that
// exists (or will) first, then broken, then going.
func rank(p live.Phase) int {
	switch p {
	case live.PhaseBroken:
		return 1
	case live.PhaseGoing:
		return 2
	}
	return 0
}

// serviceRegion guesses an AWS service name's region
// (com.amazonaws.REGION.svc, com.amazonaws.vpce.REGION.vpce-svc-…).
func serviceRegion(name, fallback string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		if i > 0 && strings.Count(p, "-") >= 2 && p[len(p)-1] >= '0' && p[len(p)-1] <= '9' {
			return p
		}
	}
	return fallback
}

// nodeID makes an identifier that Mermaid and DOT accept without quoting:
// a prefix, then letters, digits and underscores.
func nodeID(prefix, name string) string {
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteByte('_')
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-':
			b.WriteByte('_')
		case r == '_':
			b.WriteString("__")
		default:
			fmt.Fprintf(&b, "_%x_", r)
		}
	}
	return b.String()
}

// latticeName names a resource configuration or service network by its
// id and owner: "rcfg-0123… (resource configuration of 111111111111)".
func latticeName(arn, owner string) string {
	id := arn[strings.LastIndexByte(arn, '/')+1:]
	what := "service network"
	if strings.HasPrefix(id, "rcfg-") {
		what = "resource configuration"
	}
	if owner == "" {
		return id + " (" + what + ")"
	}
	return id + " (" + what + " of " + owner + ")"
}
