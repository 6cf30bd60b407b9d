package manifest

import (
	"bytes"
	"cmp"
	"reflect"
	"slices"

	"go.yaml.in/yaml/v3"
)

// A manifest of 50,000 consumers is 19 MB of YAML, and yaml.v3's node tree
// of it is some 400 MB. parseSections loads such a file without ever holding
// that tree: it cuts the text into its top-level entries and the entries of
// the `providers:` and `consumers:` block lists, parses each piece with
// yaml.v3 on its own (at its place in the file, so positions are the same),
// and decodes a list some 32 KB of entries at a time, dropping their nodes
// before parsing the next.
//
// It is a fast path only. It takes a file only when the cut is provably the
// same document: every top-level key is a plain `key:` at column 0, every
// list entry a `-` at the list's column, and each piece parses alone as one
// mapping entry or as the list entries it was cut to. Anything else (flow
// style or tags at the top level, directives, several documents, tabs in
// indentation, line breaks other than LF and CRLF, an alias to an anchor in
// another piece, aliases that expand past minAliasNodes, a piece with a
// syntax error) falls back to the whole-document parse, which reports
// exactly what it always did.
// TestSectionsMatchWholeDocument holds the two paths to the same Manifest
// and the same diagnostics.

// section is one top-level entry of a file: its key line, its value's lines
// and the comments and blank lines after it. The first section also holds
// what comes before it (comments, a `---` line).
type section struct {
	span
	// items are the entries of the value when it is a `providers:` or
	// `consumers:` block list; the key's own text is then
	// text[start:items[0].start].
	items []span
}

// keyEnd is the end of the section's text parsed with its key: all of it,
// or up to its first list entry.
func (s section) keyEnd() int {
	if s.items != nil {
		return s.items[0].start
	}
	return s.end
}

// span is a run of whole lines: text[start:end], whose first line is line
// (1-based) and starts with indent spaces.
type span struct {
	start, end, line, indent int
}

// lazyKeys are the top-level lists read a batch of entries at a time: those
// that grow with a project's size.
var lazyKeys = map[string]bool{"providers": true, "consumers": true}

// splitSections cuts text into sections, or reports false when the text
// uses anything the cut cannot prove safe.
func splitSections(text []byte) ([]section, bool) {
	// yaml.v3 breaks lines at CR, NEL, LS and PS as well: counting lines
	// by LF alone would put positions elsewhere.
	if bytes.Count(text, []byte("\r")) != bytes.Count(text, []byte("\r\n")) ||
		bytes.Contains(text, []byte("\u0085")) || bytes.Contains(text, []byte("\u2028")) || bytes.Contains(text, []byte("\u2029")) {
		return nil, false
	}
	var secs []section
	var cur *section
	// valueSeen is set once the current section's value has a line of its
	// own; seqIndent is then the column of its list's dashes, or -1 when
	// the value is not a list to cut.
	valueSeen, seqIndent := false, -1
	docStart := false
	addItem := func(off, line, indent int) {
		if n := len(cur.items); n > 0 {
			cur.items[n-1].end = off
		}
		cur.items = append(cur.items, span{start: off, line: line, indent: indent})
	}
	line := 0
	for off := 0; off < len(text); {
		next := len(text)
		if i := bytes.IndexByte(text[off:], '\n'); i >= 0 {
			next = off + i + 1
		}
		line++
		l := bytes.TrimSuffix(bytes.TrimSuffix(text[off:next], []byte("\n")), []byte("\r"))
		rest := bytes.TrimLeft(l, " ")
		indent := len(l) - len(rest)
		switch {
		case len(rest) > 0 && rest[0] == '\t':
			return nil, false // tabs around indentation: leave them to yaml.v3's errors
		case len(rest) == 0 || rest[0] == '#':
			// Blank or a comment: part of whatever it follows.
		case indent == 0 && cur == nil && !docStart && isDocStart(rest):
			docStart = true
		case indent == 0 && isItem(rest):
			// A list written at its key's column ("consumers:\n- a"). An
			// unseen value is a lazy key's (valueSeen is set for others).
			if cur == nil || valueSeen && seqIndent != 0 {
				return nil, false
			}
			valueSeen, seqIndent = true, 0
			addItem(off, line, 0)
		case indent == 0:
			key, inline, ok := keyLine(rest)
			if !ok {
				return nil, false
			}
			if cur != nil {
				cur.end = off
				if n := len(cur.items); n > 0 {
					cur.items[n-1].end = off
				}
			}
			start, startLine := off, line
			if cur == nil {
				start, startLine = 0, 1
			}
			secs = append(secs, section{span: span{start: start, line: startLine}})
			cur = &secs[len(secs)-1]
			valueSeen, seqIndent = inline, -1
			if !lazyKeys[key] {
				valueSeen = true // not cut: its lines are all one piece
			}
		case cur == nil:
			return nil, false // an indented document
		case !valueSeen:
			valueSeen = true
			if isItem(rest) {
				seqIndent = indent
				addItem(off, line, indent)
			}
		case seqIndent >= 0 && indent < seqIndent:
			return nil, false
		case seqIndent >= 0 && indent == seqIndent:
			if !isItem(rest) {
				return nil, false
			}
			addItem(off, line, indent)
		}
		off = next
	}
	if cur == nil {
		return nil, false
	}
	cur.end = len(text)
	if n := len(cur.items); n > 0 {
		cur.items[n-1].end = len(text)
	}
	return secs, true
}

// isDocStart reports a `---` line with nothing but a comment after it.
func isDocStart(l []byte) bool {
	if !bytes.HasPrefix(l, []byte("---")) {
		return false
	}
	r := bytes.TrimLeft(l[3:], " ")
	return len(r) == 0 || r[0] == '#' && len(r) < len(l)-3
}

// isItem reports a line (without its indentation) that starts a block
// list's entry.
func isItem(l []byte) bool { return l[0] == '-' && (len(l) == 1 || l[1] == ' ') }

// keyLine reads a top-level key line: a plain key of letters, digits, _ and
// -, then ':' and a space or the line's end. inline reports a value (not a
// comment) on the same line.
func keyLine(l []byte) (key string, inline, ok bool) {
	i := 0
	for i < len(l) && (l[i] >= 'a' && l[i] <= 'z' || l[i] >= 'A' && l[i] <= 'Z' || l[i] == '_' || i > 0 && (l[i] >= '0' && l[i] <= '9' || l[i] == '-')) {
		i++
	}
	if i == 0 || i == len(l) || l[i] != ':' {
		return "", false, false
	}
	r := l[i+1:]
	if len(r) > 0 && r[0] != ' ' {
		return "", false, false
	}
	r = bytes.TrimLeft(r, " ")
	return string(l[:i]), len(r) > 0 && r[0] != '#', true
}

// piece parses one piece of a file, text starting at the beginning of line
// (1-based), and returns its one node: a mapping of one entry for a
// section, a list of the given number of entries for a batch of a list's
// entries. The nodes are placed at their lines in the file. aliases adds
// what the piece's aliases expand to.
func piece(text []byte, line int, kind yaml.Kind, entries int, aliases *int) (*yaml.Node, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, false
	}
	n := doc.Content[0]
	if n.Kind != kind || kind == yaml.MappingNode && len(n.Content) != 2 || kind == yaml.SequenceNode && len(n.Content) != entries {
		return nil, false
	}
	if !countAliases(n, aliases) {
		return nil, false
	}
	shiftLines(n, line-1)
	return n, true
}

// countAliases adds to total what the aliases under n expand to, and
// reports false once the total passes minAliasNodes: below that every
// document passes checkAliases, above it the whole-document parse decides.
func countAliases(n *yaml.Node, total *int) bool {
	sizes := map[*yaml.Node]int{}
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if n.Kind == yaml.AliasNode {
			*total += expandedSize(n.Alias, sizes, minAliasNodes+1)
			return *total <= minAliasNodes
		}
		for _, c := range n.Content {
			if !walk(c) {
				return false
			}
		}
		return true
	}
	return walk(n)
}

// shiftLines moves every node under n down by d lines. An alias's target
// is under n too (anchors never cross pieces), so it is moved once.
func shiftLines(n *yaml.Node, d int) {
	n.Line += d
	for _, c := range n.Content {
		shiftLines(c, d)
	}
}

// lazyList is a `providers:` or `consumers:` list not yet parsed: decode
// parses and decodes it a batch of entries at a time (decodeLazy).
type lazyList struct {
	text  []byte
	items []span
	done  bool
	// batch holds the parsed entries from first on.
	batch []*yaml.Node
	first int
}

// batchBytes is about how much text of a list is parsed at once: yaml.v3
// allocates some 3 KB for each parse, a lot for one entry of 300 bytes,
// while a batch's nodes are a few hundred KB.
const batchBytes = 32 << 10

// parseSections is the fast path of parseFile. It reports false when it
// cannot take the file; it has then reported nothing and recorded nothing.
func (l *loader) parseSections(file string, text []byte) (*Manifest, bool) {
	secs, ok := splitSections(text)
	if !ok {
		return nil, false
	}
	aliases := 0
	root := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: make([]*yaml.Node, 2*len(secs))}
	lazy := map[*yaml.Node]*lazyList{}
	// The smallest sections first: a syntax error in a short one falls
	// back before a long one is parsed for nothing.
	order := make([]int, len(secs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(secs[a].keyEnd()-secs[a].start, secs[b].keyEnd()-secs[b].start) })
	for _, i := range order {
		s := secs[i]
		m, ok := piece(text[s.start:s.keyEnd()], s.line, yaml.MappingNode, 1, &aliases)
		if !ok {
			return nil, false
		}
		if i == 0 {
			root.Line, root.Column = m.Line, m.Column
		}
		k, v := m.Content[0], m.Content[1]
		if s.items != nil {
			if v.Kind != yaml.ScalarNode || v.Tag != "!!null" || v.Value != "" {
				return nil, false
			}
			// Where yaml.v3 places a block list: at its first dash.
			v = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: s.items[0].line, Column: s.items[0].indent + 1}
			lazy[v] = &lazyList{text: text, items: s.items}
		}
		root.Content[2*i], root.Content[2*i+1] = k, v
	}
	// Positions and failures go to tables of this attempt, and diagnostics
	// are dropped if it is abandoned half way.
	mark := len(l.sink.list)
	pos, bad := map[posKey]Pos{}, map[posKey]bool{}
	d := newDecoder(file, &l.sink, pos, bad)
	d.text, d.lazy, d.aliases, d.strs = text, lazy, aliases, l.strs
	fm := &Manifest{}
	if l.checkVersion(d, root) {
		d.decodeStruct(root, elemOf(fm), fm, "")
	} else {
		fm = nil
	}
	// A list that was not decoded (its key repeated, or the version wrong)
	// is still parsed: a syntax error in it is the file's
	// one error, as in the whole-document parse.
	for _, ll := range lazy {
		for i := 0; !ll.done && !d.abandoned && i < len(ll.items); i++ {
			d.lazyItem(ll, i)
		}
		ll.batch = nil
	}
	if d.abandoned {
		l.sink.list = l.sink.list[:mark]
		return nil, false
	}
	if len(l.pos) == 0 && len(l.bad) == 0 {
		l.pos, l.bad = pos, bad
	} else {
		for k, v := range pos {
			l.pos[k] = v
		}
		for k, v := range bad {
			l.bad[k] = v
		}
	}
	l.sections++
	return fm, true
}

// lazyItem returns entry i of a lazy list, parsing the batch that starts
// with it when it is not parsed yet, or abandons the fast path.
func (d *decoder) lazyItem(ll *lazyList, i int) *yaml.Node {
	if d.abandoned {
		return nil
	}
	if i >= ll.first && i < ll.first+len(ll.batch) {
		return ll.batch[i-ll.first]
	}
	j := i + 1
	for j < len(ll.items) && ll.items[j].end-ll.items[i].start <= batchBytes {
		j++
	}
	it := ll.items[i]
	n, ok := piece(ll.text[it.start:ll.items[j-1].end], it.line, yaml.SequenceNode, j-i, &d.aliases)
	if !ok {
		d.abandoned = true
		return nil
	}
	ll.batch, ll.first = n.Content, i
	return n.Content[0]
}

// decodeLazy decodes a lazy list into v (a slice of pointers to objects
// with a Pos: providers, consumers) as decode's slice case does, parsing
// one entry at a time.
func (d *decoder) decodeLazy(ll *lazyList, v reflect.Value, owner any, path string) {
	ll.done = true
	defer func() { ll.batch = nil }()
	out := reflect.MakeSlice(v.Type(), 0, len(ll.items))
	for i := range ll.items {
		c := d.lazyItem(ll, i)
		if c == nil {
			return
		}
		p := indexPath(path, i)
		if rc := d.resolve(c); rc == nil {
			continue
		} else if rc.Kind != yaml.MappingNode {
			d.typeError(c, owner, p, "a mapping")
			continue
		}
		ev := reflect.New(v.Type().Elem()).Elem()
		d.decode(c, ev, owner, p)
		if !ev.IsNil() {
			out = reflect.Append(out, ev)
		}
	}
	v.Set(out)
}
