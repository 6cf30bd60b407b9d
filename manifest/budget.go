package manifest

import "go.yaml.in/yaml/v3"

// Alias expansion is the one way a small YAML file can stand for a huge
// document ("billion laughs"). The nodes a file holds are bounded by its size
// (MaxFileBytes), so they are not budgeted; the nodes its aliases add are,
// with a budget that grows with the document: a manifest that shares a tag
// map or subnet list among thousands of consumers loads, a file whose
// aliases multiply it does not.
const (
	minAliasNodes = 200_000 // what aliases may add to any document
	aliasFactor   = 4       // ... or this many times the document's own nodes
)

// aliasBudget is how many nodes the aliases of a document with n nodes of
// its own may expand to.
func aliasBudget(n int) int { return max(minAliasNodes, aliasFactor*n) }

// checkAliases walks one file's document in order, adding up what each alias
// expands to. When the sum passes the budget it reports the alias where it
// did and returns false: nothing of the file is decoded then.
func (l *loader) checkAliases(file string, root *yaml.Node) bool {
	own := countNodes(root)
	budget := aliasBudget(own)
	sizes := map[*yaml.Node]int{}
	total := 0
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if n.Kind == yaml.AliasNode {
			total += expandedSize(n.Alias, sizes, budget+1)
			if total > budget {
				l.sink.errorf(Pos{File: file, Line: n.Line, Column: n.Column}, CodeSyntax,
					"alias small values (a tag map, a subnet list) rather than whole objects, or write the values out",
					"YAML aliases expand this file to more than %d nodes beyond its own %d (the limit is %d times a file's own nodes, and at least %d); the alias here passes it",
					budget, own, aliasFactor, minAliasNodes)
				return false
			}
			return true
		}
		for _, c := range n.Content {
			if !walk(c) {
				return false
			}
		}
		return true
	}
	return walk(root)
}

// countNodes counts the nodes of a document as written, an alias as one.
func countNodes(n *yaml.Node) int {
	c := 1
	if n.Kind != yaml.AliasNode {
		for _, k := range n.Content {
			c += countNodes(k)
		}
	}
	return c
}

// expandedSize is the number of nodes n stands for with its aliases
// expanded, saturating at limit. Sizes are memoized per node, so a chain of
// aliases of aliases costs one walk of each anchored value.
func expandedSize(n *yaml.Node, sizes map[*yaml.Node]int, limit int) int {
	if n == nil {
		return 1
	}
	if n.Kind == yaml.AliasNode {
		return expandedSize(n.Alias, sizes, limit)
	}
	if s, ok := sizes[n]; ok {
		return s
	}
	sizes[n] = limit // a node that contains itself (yaml.v3 refuses those) would be over the limit
	s := 1
	for _, c := range n.Content {
		s += expandedSize(c, sizes, limit)
		if s >= limit {
			s = limit
			break
		}
	}
	sizes[n] = s
	return s
}
