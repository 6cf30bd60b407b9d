package bounded

import (
	"encoding/json"
)

// ScanJSON checks a JSON document against the limits in one pass over its
// bytes, before encoding/json decodes it, and returns the first bound
// passed or the first key repeated in one object (encoding/json keeps the
// last of them, while other tools show the first: a file that says two
// things is refused), or nil. Its memory is bounded by the depth limit and
// the keys of the objects open at a time. Text that is not JSON is left to
// the decoder to refuse.
func ScanJSON(data []byte, lim Limits) *ScanError {
	s := &jscan{data: data, lim: lim.withDefaults()}
	s.run()
	return s.err
}

type jlevel struct {
	object bool
	count  int
	expect bool // the next value starts an entry
	key    bool // in an object: the next string is a key
	// keys maps each key of an object to its offset, for duplicates.
	keys map[string]int
}

type jscan struct {
	data    []byte
	i       int
	lim     Limits
	stack   []jlevel
	entries int
	err     *ScanError
}

func (s *jscan) failAt(off int, kind string, limit int) {
	line, col := Position(s.data, off)
	s.err = &ScanError{Line: line, Column: col, Kind: kind, Limit: limit}
}

// value counts an entry of the innermost collection if one starts here.
func (s *jscan) value() bool {
	if len(s.stack) == 0 {
		return true
	}
	top := &s.stack[len(s.stack)-1]
	if !top.expect {
		return true
	}
	top.expect = false
	top.count++
	if top.count > s.lim.MaxWidth {
		s.failAt(s.i, TooWide, s.lim.MaxWidth)
		return false
	}
	s.entries++
	if s.entries > s.lim.MaxEntries {
		s.failAt(s.i, TooMany, s.lim.MaxEntries)
		return false
	}
	return true
}

func (s *jscan) run() {
	for s.i < len(s.data) && s.err == nil {
		c := s.data[s.i]
		switch c {
		case '{', '[':
			if !s.value() {
				return
			}
			s.stack = append(s.stack, jlevel{object: c == '{', expect: true, key: c == '{'})
			if len(s.stack) > s.lim.MaxDepth {
				s.failAt(s.i, TooDeep, s.lim.MaxDepth)
				return
			}
			s.i++
		case '}', ']':
			if len(s.stack) > 0 {
				s.stack = s.stack[:len(s.stack)-1]
			}
			s.i++
		case ',':
			if len(s.stack) > 0 {
				top := &s.stack[len(s.stack)-1]
				top.expect = true
				top.key = top.object
			}
			s.i++
		case ':':
			s.i++
		case '"':
			start := s.i
			end, escaped := s.skipString()
			if end-start > s.lim.MaxScalar {
				line, col := Position(s.data, start)
				s.err = &ScanError{Line: line, Column: col, Kind: TooLong, Limit: s.lim.MaxScalar, Length: end - start}
				return
			}
			if n := len(s.stack); n > 0 && s.stack[n-1].object && s.stack[n-1].key {
				if !s.value() {
					return
				}
				top := &s.stack[n-1]
				top.key = false
				if !s.addKey(top, start, end, escaped) {
					return
				}
			} else if !s.value() {
				return
			}
			s.i = end
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			if !s.value() {
				return
			}
			for s.i < len(s.data) {
				c := s.data[s.i]
				if c == ',' || c == ']' || c == '}' || c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == ':' || c == '"' || c == '[' || c == '{' {
					break
				}
				s.i++
			}
		}
	}
}

// skipString returns the offset after the string that starts at s.i, and
// whether it holds escapes.
func (s *jscan) skipString() (end int, escaped bool) {
	for j := s.i + 1; j < len(s.data); j++ {
		switch s.data[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped
		}
	}
	return len(s.data), escaped
}

// addKey records the key data[start:end] (quotes included) of an object,
// refusing one it already has.
func (s *jscan) addKey(top *jlevel, start, end int, escaped bool) bool {
	raw := s.data[start:end]
	var key string
	if escaped {
		// "\u0061" and "a" are one key: compare keys as decoded.
		if json.Unmarshal(raw, &key) != nil {
			return true // not a JSON string: the decoder reports it
		}
	} else if len(raw) >= 2 {
		key = string(raw[1 : len(raw)-1])
	}
	if top.keys == nil {
		top.keys = map[string]int{}
	}
	if first, dup := top.keys[key]; dup {
		line, col := Position(s.data, start)
		fl, fc := Position(s.data, first)
		s.err = &ScanError{Line: line, Column: col, Kind: DuplicateKey, FirstLine: fl, FirstColumn: fc, Key: Quote(key)}
		return false
	}
	top.keys[key] = start
	return true
}
