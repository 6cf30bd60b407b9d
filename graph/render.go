package graph

import (
	"fmt"
	"io"
	"strings"
)

// colours per state, shared by both renderers.
var colours = map[State]string{
	Declared:  "#455a64",
	Missing:   "#6a1b9a",
	Going:     "#8d6e63",
	Pending:   "#ef6c00",
	Available: "#2e7d32",
	Rejected:  "#c62828",
	Drifted:   "#d81b60",
	Unknown:   "#757575",
}

var stateOrder = []State{Declared, Missing, Going, Pending, Available, Rejected, Drifted, Unknown}

func kindLabel(k NodeKind) string {
	switch k {
	case Service:
		return "endpoint service"
	case Endpoint:
		return "endpoint"
	}
	return "external"
}

func nodeLines(n Node, live bool) []string {
	lines := []string{n.Name}
	meta := kindLabel(n.Kind)
	switch {
	case n.Kind == External && n.LiveID != "" && n.Account != "":
		meta = "endpoint of " + n.Account
	case n.Kind == External && n.Account != "":
		meta = "not declared in the manifest" // a lattice target of an account of the manifest, named with its alias
	}
	if n.Region != "" {
		meta += " · " + n.Region
	}
	lines = append(lines, meta)
	if n.LiveID != "" && n.LiveID != n.Name {
		lines = append(lines, n.LiveID)
	}
	if live && n.State != "" && n.State != Available {
		lines = append(lines, string(n.State))
	}
	return lines
}

type ew struct {
	w   io.Writer
	err error
}

func (e *ew) p(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// Mermaid writes the graph as a Mermaid flowchart: one subgraph per account
// (labelled alias and id), services as subroutine shapes, endpoints as
// stadiums, edges labelled with region (and state), node colours by
// classDef and edge colours by linkStyle.
func Mermaid(w io.Writer, g *Graph) error {
	e := &ew{w: w}
	e.p("flowchart LR\n")
	if g.Project != "" {
		e.p("  %%%% plink project %s\n", g.Project)
	}
	used := map[State]bool{}
	writeNode := func(indent string, n Node) {
		label := mmEscape(strings.Join(nodeLines(n, g.Live), "\n"))
		label = strings.ReplaceAll(label, "\n", "<br/>")
		open, close := "([", "])"
		switch n.Kind {
		case Service:
			open, close = "[[", "]]"
		case External:
			open, close = "[/", "/]"
		}
		e.p("%s%s%s\"%s\"%s", indent, n.ID, open, label, close)
		if g.Live && n.State != "" {
			e.p(":::%s", n.State)
			used[n.State] = true
		}
		e.p("\n")
	}
	for _, a := range g.Accounts {
		e.p("  subgraph acct_%s[\"%s\"]\n", safeID(a.Alias), mmEscape(accountLabel(a)))
		e.p("    direction TB\n")
		for _, n := range a.Nodes {
			writeNode("    ", n)
		}
		e.p("  end\n")
	}
	for _, n := range g.Externals {
		writeNode("  ", n)
	}
	for _, ed := range g.Edges {
		arrow := "-->"
		if ed.State == Drifted || ed.State == Missing || ed.State == Going || ed.State == Unknown {
			arrow = "-.->"
		}
		e.p("  %s %s|\"%s\"| %s\n", ed.From, arrow, mmEscape(ed.Label(g.Live)), ed.To)
	}
	for _, st := range stateOrder {
		if used[st] {
			e.p("  classDef %s stroke:%s,stroke-width:2px,color:%s\n", st, colours[st], colours[st])
		}
	}
	if g.Live {
		for i, ed := range g.Edges {
			e.p("  linkStyle %d stroke:%s,stroke-width:2px,color:%s\n", i, colours[ed.State], colours[ed.State])
		}
	}
	return e.err
}

func accountLabel(a Account) string {
	if a.ID == "" {
		return a.Alias
	}
	return a.Alias + " (" + a.ID + ")"
}

// mmEscape makes text safe inside a quoted Mermaid label.
func mmEscape(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;").Replace(s)
}

func safeID(s string) string { return strings.TrimPrefix(nodeID("", s), "_") }

// DOT writes the graph in Graphviz DOT: one cluster per account (labelled
// alias and id), services as components, endpoints as rounded boxes, edges
// labelled with region (and state) and coloured by state.
func DOT(w io.Writer, g *Graph) error {
	e := &ew{w: w}
	name := "plink"
	if g.Project != "" {
		name = g.Project
	}
	e.p("digraph %s {\n", dotQuote(name))
	e.p("  rankdir=LR;\n  compound=true;\n  fontname=\"Helvetica\";\n")
	e.p("  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=10];\n")
	writeNode := func(indent string, n Node) {
		attrs := []string{"label=" + dotQuote(strings.Join(nodeLines(n, g.Live), "\n"))}
		switch n.Kind {
		case Service:
			attrs = append(attrs, "shape=component")
		case Endpoint:
			attrs = append(attrs, "shape=box", `style="rounded"`)
		default:
			attrs = append(attrs, "shape=box", `style="dashed,rounded"`)
		}
		if g.Live && n.State != "" {
			attrs = append(attrs, "color="+dotQuote(colours[n.State]), "fontcolor="+dotQuote(colours[n.State]))
		}
		e.p("%s%s [%s];\n", indent, n.ID, strings.Join(attrs, ", "))
	}
	for _, a := range g.Accounts {
		e.p("  subgraph cluster_%s {\n", safeID(a.Alias))
		e.p("    label=%s;\n    style=\"rounded\";\n    color=\"#90a4ae\";\n", dotQuote(accountLabel(a)))
		for _, n := range a.Nodes {
			writeNode("    ", n)
		}
		e.p("  }\n")
	}
	for _, n := range g.Externals {
		writeNode("  ", n)
	}
	for _, ed := range g.Edges {
		attrs := []string{"label=" + dotQuote(strings.ReplaceAll(ed.Label(g.Live), " · ", "\n"))}
		if g.Live {
			attrs = append(attrs, "color="+dotQuote(colours[ed.State]), "fontcolor="+dotQuote(colours[ed.State]))
			if ed.State == Drifted || ed.State == Missing || ed.State == Going || ed.State == Unknown {
				attrs = append(attrs, `style="dashed"`)
			}
		}
		e.p("  %s -> %s [%s];\n", ed.From, ed.To, strings.Join(attrs, ", "))
	}
	e.p("}\n")
	return e.err
}

// dotQuote quotes a DOT string: backslash and quote escaped, newlines as \n
// (centred lines).
func dotQuote(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
	return `"` + s + `"`
}
