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
	region := func(r string) string { return cmp.Or(r, m.Defaults.Region) }
	accountID := func(alias string) string {
		if a := m.Accounts[alias]; a != nil {
			return a.ID
		}
		return ""
	}
	aliasOf := map[string]string{}
	for alias, a := range m.Accounts {
		if a != nil {
			aliasOf[a.ID] = alias
		}
	}
	nodes := map[string][]Node{} // alias -> nodes
	externals := map[string]Node{}
	failed := func(acct, reg string) bool {
		if s == nil {
			return false
		}
		for _, f := range s.Failures {
			if f.AccountID == acct && (f.Region == "" || f.Region == reg) {
				return true
			}
		}
		return false
	}

	services := map[string]*live.Service{} // provider name -> live service
	for _, p := range m.Providers {
		n := Node{ID: nodeID("p", p.Name), Name: p.Name, Kind: Service, Region: region(p.Region), Account: p.Account}
		if s != nil {
			acct := accountID(p.Account)
			if failed(acct, n.Region) {
				n.State = Unknown
			} else if svc := findService(s, m.Project, p, acct, n.Region); svc != nil {
				services[p.Name] = svc
				n.LiveID = svc.ID
				n.State = fromPhase(live.ServicePhase(svc.State))
			} else {
				n.State = Missing
			}
		}
		nodes[p.Account] = append(nodes[p.Account], n)
	}

	claimed := map[string]bool{} // endpoint ids that belong to declared consumers
	placed := map[string]bool{}  // lattice targets drawn in their owner's account
	for _, c := range m.Consumers {
		n := Node{ID: nodeID("c", c.Name), Name: c.Name, Kind: Endpoint, Region: region(c.Region), Account: c.Account}
		acct := accountID(c.Account)
		var ep *live.Endpoint
		if s != nil {
			if failed(acct, n.Region) {
				n.State = Unknown
			} else if ep = findEndpoint(s, m.Project, c, acct, n.Region); ep != nil {
				n.LiveID = ep.ID
				claimed[ep.ID] = true
			} else {
				n.State = Missing
			}
		}
		nodes[c.Account] = append(nodes[c.Account], n)

		e := Edge{From: n.ID, State: Declared}
		var to string
		toRegion := n.Region
		if arn := c.LatticeARN(); arn != "" {
			// a VPC Lattice resource configuration or service network,
			// outside the manifest
			owner, reg := manifest.LatticeARNOwner(arn)
			to, toRegion = nodeID("x", arn[strings.LastIndexByte(arn, '/')+1:]), cmp.Or(reg, n.Region)
			if alias := aliasOf[owner]; alias != "" {
				// owned by an account of the manifest: drawn in it, named
				// by its alias
				if !placed[to] {
					placed[to] = true
					nodes[alias] = append(nodes[alias], Node{ID: to, Name: latticeName(arn, alias), Kind: External, Region: toRegion, Account: alias})
				}
			} else {
				externals[to] = Node{ID: to, Name: latticeName(arn, owner), Kind: External, Region: toRegion}
			}
		} else if c.Provider != "" {
			to = nodeID("p", c.Provider)
			for _, p := range m.Providers {
				if p.Name == c.Provider {
					toRegion = region(p.Region)
				}
			}
		} else {
			to = nodeID("x", c.ServiceName)
			toRegion = serviceRegion(c.ServiceName, n.Region)
			if c.ServiceRegion != "" {
				toRegion = c.ServiceRegion // com.amazonaws.iam carries no region
			}
			externals[to] = Node{ID: to, Name: c.ServiceName, Kind: External, Region: toRegion}
		}
		e.To = to
		e.Region = n.Region
		if toRegion != n.Region {
			e.Region = n.Region + " → " + toRegion
		}
		if s != nil {
			e.State = edgeState(n.State, ep, services[c.Provider])
			if n.State == "" {
				n.State = e.State
				nodes[c.Account][len(nodes[c.Account])-1].State = e.State
			}
		}
		g.Edges = append(g.Edges, e)
	}

	// Undeclared connections to declared services.
	if s != nil {
		for _, p := range m.Providers {
			svc := services[p.Name]
			if svc == nil {
				continue
			}
			for _, conn := range svc.Connections {
				// An undeclared endpoint is drawn while it is (or will be)
				// connected; going, gone or broken it is no drift.
				if claimed[conn.EndpointID] || !live.EndpointPhase(conn.State).Live() {
					continue
				}
				n := Node{ID: nodeID("x", conn.EndpointID), Name: conn.EndpointID, Kind: External, Region: cmp.Or(conn.Region, svc.Region), LiveID: conn.EndpointID, State: Drifted}
				st := Drifted
				if alias := aliasOf[conn.OwnerID]; alias != "" {
					n.Account = alias
					nodes[alias] = append(nodes[alias], n)
				} else {
					n.Account = conn.OwnerID
					externals[n.ID] = n
				}
				reg := n.Region
				if reg != svc.Region {
					reg += " → " + svc.Region
				}
				g.Edges = append(g.Edges, Edge{From: n.ID, To: nodeID("p", p.Name), Region: reg, State: st})
			}
		}
	}

	aliases := make([]string, 0, len(m.Accounts))
	for alias := range m.Accounts {
		aliases = append(aliases, alias)
	}
	sort.Strings(aliases)
	for _, alias := range aliases {
		ns := nodes[alias]
		sortNodes(ns)
		g.Accounts = append(g.Accounts, Account{Alias: alias, ID: accountID(alias), Nodes: ns})
	}
	for _, n := range externals {
		g.Externals = append(g.Externals, n)
	}
	sortNodes(g.Externals)
	slices.SortStableFunc(g.Edges, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.To, b.To), cmp.Compare(a.From, b.From))
	})
	return g
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
