package bounded

import (
	"bytes"
	"unicode/utf8"
)

// ScanYAML checks a YAML document against the limits in one pass over its
// bytes, before any YAML library parses it, and returns the first bound
// passed, or nil. It is a tokenizer, not a parser: it follows block
// indentation, "- " and "? " indicators and "key:" entries, flow
// collections, quoted scalars (which may hold brackets and span lines),
// block scalars, comments, anchors, aliases and tags, and counts the
// collections each entry opens or adds to. Its memory is bounded by the
// depth limit; it never fails on text that is not valid YAML (the parser
// that runs next says what is wrong). It errs towards counting too deep or
// too wide, never less than a YAML parser would build.
func ScanYAML(data []byte, lim Limits) *ScanError {
	_, err := ScanYAMLEntries(data, lim)
	return err
}

// ScanYAMLEntries is ScanYAML that also returns the entries counted (with
// comments), so that a reader of several files can bound them together.
func ScanYAMLEntries(data []byte, lim Limits) (int, *ScanError) {
	s := &yscan{data: data, lim: lim.withDefaults(), plainFrom: -1}
	s.run()
	return s.entries, s.err
}

type ylevel struct {
	indent int  // column (0-based, bytes from the line start) of the entries
	seq    bool // a sequence, else a mapping
	// indentless marks a sequence written at its parent key's indentation
	// ("key:\n- a"), which a key at that column ends.
	indentless bool
	count      int
}

type flevel struct {
	count  int
	expect bool // the next token starts an entry
}

type yscan struct {
	// plainFrom is the start of the plain scalar that ended the last line,
	// or -1: a plain scalar may go on, on the lines that follow.
	plainFrom int
	data      []byte
	i         int // next byte
	ls        int // offset of the current line's start
	lim       Limits
	block     []ylevel
	flow      []flevel
	entries   int
	err       *ScanError
}

func (s *yscan) fail(kind string, limit int) { s.failAt(s.i, kind, limit) }

func (s *yscan) failAt(off int, kind string, limit int) {
	line, col := Position(s.data, off)
	s.err = &ScanError{Line: line, Column: col, Kind: kind, Limit: limit}
}

// Position turns a byte offset into a 1-based line and a 1-based column
// counted in characters.
func Position(data []byte, off int) (line, col int) {
	off = min(off, len(data))
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	if i := bytes.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i+1:]
	}
	return line, utf8.RuneCount(before) + 1
}

// checkLength refuses a value written from offset from to s.i that is
// longer than MaxScalar, at its start.
func (s *yscan) checkLength(from int) bool {
	if n := s.i - from; n > s.lim.MaxScalar {
		line, col := Position(s.data, from)
		s.err = &ScanError{Line: line, Column: col, Kind: TooLong, Limit: s.lim.MaxScalar, Length: n}
		return false
	}
	return true
}

func (s *yscan) depth() int { return len(s.block) + len(s.flow) }

// entry counts one entry in all; false when it passes MaxEntries.
func (s *yscan) entry() bool {
	s.entries++
	if s.entries > s.lim.MaxEntries {
		s.fail(TooMany, s.lim.MaxEntries)
		return false
	}
	return true
}

// enter records a block entry of a sequence (seq) or mapping at column c,
// which starts at offset at.
func (s *yscan) enter(c int, seq bool, at int) bool {
	i := s.i
	s.i = at // for the position of an error
	defer func() { s.i = i }()
	if n := len(s.block); n > 0 {
		top := &s.block[n-1]
		if top.indent == c && !seq && top.seq && top.indentless {
			s.block = s.block[:n-1] // a key after "key:\n- a" ends the list
		}
	}
	if n := len(s.block); n > 0 {
		top := &s.block[n-1]
		if top.indent == c {
			switch {
			case top.seq == seq:
				top.count++
				if top.count > s.lim.MaxWidth {
					s.fail(TooWide, s.lim.MaxWidth)
					return false
				}
				return s.entry()
			case seq && !top.seq:
				s.block = append(s.block, ylevel{indent: c, seq: true, indentless: true, count: 1})
				return s.checkDepth() && s.entry()
			default:
				// A key where a list's entries are: not valid YAML; the
				// parser says so. Count it as a new mapping in its place.
				s.block[n-1] = ylevel{indent: c, count: 1}
				return s.entry()
			}
		}
	}
	s.block = append(s.block, ylevel{indent: c, seq: seq, count: 1})
	return s.checkDepth() && s.entry()
}

func (s *yscan) checkDepth() bool {
	if s.depth() > s.lim.MaxDepth {
		s.fail(TooDeep, s.lim.MaxDepth)
		return false
	}
	return true
}

// sep reports whether offset i is a separator after an indicator: a space,
// a tab, a line break or the end.
func (s *yscan) sep(i int) bool {
	if i >= len(s.data) {
		return true
	}
	c := s.data[i]
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

func (s *yscan) col() int { return s.i - s.ls }

// skipLine moves to the start of the next line.
func (s *yscan) skipLine() {
	if j := bytes.IndexByte(s.data[s.i:], '\n'); j >= 0 {
		s.i += j + 1
	} else {
		s.i = len(s.data)
	}
	s.ls = s.i
}

func (s *yscan) skipSpaces() {
	for s.i < len(s.data) && (s.data[s.i] == ' ' || s.data[s.i] == '\t') {
		s.i++
	}
}

func (s *yscan) run() {
	for s.i < len(s.data) && s.err == nil {
		s.ls = s.i
		for s.i < len(s.data) && s.data[s.i] == ' ' {
			s.i++
		}
		indent := s.col()
		s.skipSpaces()
		if s.i >= len(s.data) {
			return
		}
		switch c := s.data[s.i]; {
		case c == '#':
			if !s.entry() {
				return
			}
			s.skipLine()
			continue
		case c == '\n' || c == '\r':
			s.skipLine()
			continue
		case indent == 0 && c == '%':
			s.skipLine() // a directive
			continue
		case indent == 0 && (bytes.HasPrefix(s.data[s.i:], []byte("---")) || bytes.HasPrefix(s.data[s.i:], []byte("..."))) && s.sep(s.i+3):
			s.block = s.block[:0] // a new document
			s.i += 3
			s.line(-1)
			continue
		}
		for n := len(s.block); n > 0 && s.block[n-1].indent > indent; n-- {
			s.block = s.block[:n-1]
		}
		s.line(indent)
	}
}

// line scans the rest of a line in block context, from s.i, and leaves s.i
// at the start of the next line (or beyond, after a scalar or flow
// collection that spans lines). parent is the column of the node the
// line's content belongs to, for a block scalar's extent.
func (s *yscan) line(parent int) {
	keyed := false // a key was seen: what follows is its value, not a key
	first := true  // nothing but spaces before s.i on this line
	for ; s.err == nil; first = false {
		s.skipSpaces()
		if s.i >= len(s.data) {
			return
		}
		c := s.data[s.i]
		if c == '#' && !s.entry() {
			return
		}
		if c == '\n' || c == '\r' || c == '#' {
			s.skipLine()
			return
		}
		col := s.col()
		switch {
		case (c == '-' || c == '?') && s.sep(s.i+1) && !keyed:
			if !s.enter(col, c == '-', s.i) {
				return
			}
			parent = col
			s.i++
			continue
		case c == ':' && s.sep(s.i+1):
			parent = col
			s.i++
			keyed = true
			continue
		}
		// One node: properties, then a scalar, alias or flow collection.
		start := s.i
		from, cont := s.i, s.plainFrom
		s.plainFrom = -1
		block := s.item()
		if s.err != nil {
			return
		}
		if block {
			s.skipLine()
			s.skipBlockScalar(parent)
			s.checkLength(from)
			return
		}
		if s.i > from && isPlainStart(s.data[from]) {
			// A plain scalar: alone on a line after one that ended with a
			// plain scalar, it may be that scalar going on.
			if cont >= 0 && first {
				from = cont
			}
			if !s.checkLength(from) {
				return
			}
			if s.i >= len(s.data) || s.data[s.i] == '\n' || s.data[s.i] == '\r' || s.data[s.i] == ' ' || s.data[s.i] == '#' {
				s.plainFrom = from
			}
		}
		s.skipSpaces()
		if !keyed && s.i < len(s.data) && s.data[s.i] == ':' && (s.sep(s.i+1) || s.flowKeyEnd()) {
			if !s.enter(col, false, start) {
				return
			}
			parent = col
			keyed = true
			s.i++
			continue
		}
		// Anything after a value on its line is the parser's to refuse.
		if s.i < len(s.data) && s.data[s.i] != '\n' {
			s.skipLine()
		} else if s.i < len(s.data) {
			s.i++
			s.ls = s.i
		}
		return
	}
}

// isPlainStart reports whether a node that starts with c is a plain
// scalar (item's default case).
func isPlainStart(c byte) bool {
	switch c {
	case '&', '!', '*', '|', '>', '"', '\'', '[', '{', '\n', '\r', '#':
		return false
	}
	return true
}

// flowKeyEnd: "key":value without a space is a key after a quoted scalar
// or a flow collection (the last byte before the colon).
func (s *yscan) flowKeyEnd() bool {
	if s.i == 0 {
		return false
	}
	p := s.data[s.i-1]
	return p == '"' || p == '\'' || p == ']' || p == '}'
}

// item scans one node's properties and content in block context. It
// returns true at a block scalar indicator (| or >), with s.i after it.
func (s *yscan) item() bool {
	for s.i < len(s.data) && s.err == nil {
		switch c := s.data[s.i]; c {
		case '&', '!':
			s.skipToken(false)
			s.skipSpaces()
			continue
		case '*':
			s.skipToken(false)
			return false
		case '|', '>':
			s.i++
			return true
		case '"':
			s.quoted('"')
			return false
		case '\'':
			s.quoted('\'')
			return false
		case '[', '{':
			s.flowCollection()
			return false
		case '\n', '\r', '#':
			return false
		default:
			s.plain()
			return false
		}
	}
	return false
}

// skipToken skips an anchor, alias or tag: to the next space, or in flow
// context also to a flow indicator.
func (s *yscan) skipToken(flow bool) {
	s.i++
	for s.i < len(s.data) {
		c := s.data[s.i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || flow && (c == ',' || c == '[' || c == ']' || c == '{' || c == '}') {
			return
		}
		s.i++
	}
}

// plain skips a plain scalar in block context, to ": ", " #" or the line's
// end.
func (s *yscan) plain() {
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '\n' || c == '\r':
			return
		case c == ':' && s.sep(s.i+1):
			return
		case c == '#' && s.i > 0 && (s.data[s.i-1] == ' ' || s.data[s.i-1] == '\t'):
			return
		}
		s.i++
	}
}

// quoted skips a single- or double-quoted scalar, which may span lines,
// and checks its length.
func (s *yscan) quoted(q byte) {
	from := s.i
	defer s.checkLength(from)
	s.i++
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '\\' && q == '"':
			s.i++
			if s.i < len(s.data) && s.data[s.i] == '\n' {
				s.ls = s.i + 1
			}
		case c == q && q == '\'' && s.i+1 < len(s.data) && s.data[s.i+1] == '\'':
			s.i++
		case c == q:
			s.i++
			return
		case c == '\n':
			s.ls = s.i + 1
		}
		s.i++
	}
}

// skipBlockScalar skips the lines of a block scalar whose indicator was on
// the previous line: blank lines and lines indented more than parent.
func (s *yscan) skipBlockScalar(parent int) {
	for s.i < len(s.data) {
		j := s.i
		for j < len(s.data) && s.data[j] == ' ' {
			j++
		}
		if j < len(s.data) && s.data[j] != '\n' && s.data[j] != '\r' && j-s.i <= parent {
			return
		}
		s.skipLine()
	}
}

// flowCollection scans a flow collection from its opening bracket to the
// matching close, across lines.
func (s *yscan) flowCollection() {
	base := len(s.flow)
	open := func() bool {
		s.flow = append(s.flow, flevel{expect: true})
		if !s.checkDepth() { // at the bracket that passes the bound
			return false
		}
		s.i++
		return true
	}
	// entry counts an entry of the innermost collection when one starts.
	entry := func() bool {
		top := &s.flow[len(s.flow)-1]
		if !top.expect {
			return true
		}
		top.expect = false
		top.count++
		if top.count > s.lim.MaxWidth {
			s.fail(TooWide, s.lim.MaxWidth)
			return false
		}
		return s.entry()
	}
	if !open() {
		return
	}
	for s.i < len(s.data) && s.err == nil {
		c := s.data[s.i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			s.i++
		case c == '\n':
			s.i++
			s.ls = s.i
		case c == '#' && s.i > 0 && (s.data[s.i-1] == ' ' || s.data[s.i-1] == '\t' || s.data[s.i-1] == '\n'):
			if !s.entry() {
				return
			}
			for s.i < len(s.data) && s.data[s.i] != '\n' {
				s.i++
			}
		case c == ']' || c == '}':
			s.i++
			s.flow = s.flow[:len(s.flow)-1]
			if len(s.flow) == base {
				return
			}
		case c == ',':
			s.flow[len(s.flow)-1].expect = true
			s.i++
		case c == '[' || c == '{':
			if !entry() || !open() {
				return
			}
		case c == ':' && (s.sep(s.i+1) || s.i+1 < len(s.data) && bytes.IndexByte([]byte(",[]{}"), s.data[s.i+1]) >= 0):
			s.i++ // a value follows: part of the same entry
		case c == '?' && s.sep(s.i+1):
			s.i++
		case c == '&' || c == '!':
			if !entry() {
				return
			}
			s.skipToken(true)
		case c == '*':
			if !entry() {
				return
			}
			s.skipToken(true)
		case c == '"' || c == '\'':
			if !entry() {
				return
			}
			s.quoted(c)
		default:
			if !entry() {
				return
			}
			from := s.i
			s.flowPlain()
			if !s.checkLength(from) {
				return
			}
		}
	}
	// Unclosed at the end of the text: the parser reports it; the bounds
	// held up to here.
	s.flow = s.flow[:base]
}

// flowPlain skips a plain scalar inside a flow collection: to a flow
// indicator, ": " or the line's end (a plain scalar may go on, on the next
// line, without starting an entry).
func (s *yscan) flowPlain() {
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == ',' || c == '[' || c == ']' || c == '{' || c == '}' || c == '\n':
			return
		case c == ':' && (s.sep(s.i+1) || s.i+1 < len(s.data) && bytes.IndexByte([]byte(",[]{}"), s.data[s.i+1]) >= 0):
			return
		case c == '#' && (s.data[s.i-1] == ' ' || s.data[s.i-1] == '\t'):
			return
		}
		s.i++
	}
}
