package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// policyString decodes an endpoint policy written as a YAML string holding
// JSON (what Terraform's jsonencode produces and users paste) into the same
// values as the mapping form, so that it is validated the same way. Every
// key and value inside is positioned where it is in the file: exactly for a
// block scalar (policy: |) and for a one-line string without escapes, else
// at the best line and column the string's layout allows.
func (d *decoder) policyString(n *yaml.Node, owner any, path string) (map[string]any, bool) {
	text := n.Value
	where := func(off int) Pos { return d.inString(n, text, off) }
	what := "`" + path + "`"
	if c, ok := owner.(*Consumer); ok && c.Name != "" {
		what = "policy of consumer `" + c.Name + "`"
	}
	if strings.TrimSpace(text) == "" {
		d.sink.errorf(d.at(n), CodePolicy, "write the policy as a YAML mapping, or as a JSON object in a string (jsonencode's output)",
			"%s: the string is empty; expected a policy document", what)
		return nil, false
	}
	p := &jsonPolicy{d: d, owner: owner, raw: []byte(text), where: where}
	p.dec = json.NewDecoder(bytes.NewReader(p.raw))
	p.dec.UseNumber()
	v, err := p.value(path)
	if err == nil {
		if _, extra := p.dec.Token(); extra != io.EOF {
			err = p.fail(p.tokenStart(), "more after the JSON object; a policy string holds one object")
		}
	}
	if err != nil {
		var pe *policyStringError
		if !errors.As(err, &pe) {
			off := int(p.dec.InputOffset())
			var se *json.SyntaxError
			if errors.As(err, &se) {
				off = int(se.Offset) // the offending byte
			}
			pe = &policyStringError{pos: where(max(off, 0)), msg: "not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
			// Said in plink's words where encoding/json's differ between
			// Go releases (1.27 reports both of these otherwise).
			comma, ok := trailingComma(p.raw, off)
			if !ok && off > 0 { // Offset counts the bytes read, the offending one among them
				comma, ok = trailingComma(p.raw, off-1)
			}
			switch {
			case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || (se != nil && off >= len(p.raw)):
				pe = &policyStringError{pos: where(len(text)), msg: "not valid JSON: the string ends before the JSON does"}
			case ok:
				pe = &policyStringError{pos: where(comma), msg: fmt.Sprintf("not valid JSON: a comma before `%c`; JSON allows none after the last element", p.raw[nextNonSpace(p.raw, comma+1)])}
			}
		}
		d.sink.errorf(pe.pos, CodePolicy, "a policy string must hold one JSON object, as jsonencode writes it; or write the policy as a YAML mapping",
			"%s: %s", what, pe.msg)
		return nil, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		d.sink.errorf(where(p.first), CodePolicy, "a policy is a JSON object: {\"Version\": \"2012-10-17\", \"Statement\": [...]}",
			"%s: the string holds %s, not a JSON object", what, jsonKind(v))
		return nil, false
	}
	return m, true
}

type policyStringError struct {
	pos Pos
	msg string
}

func (e *policyStringError) Error() string { return e.msg }

// jsonPolicy walks the JSON tokens of a policy string, recording where each
// value and key starts, under the same paths toAny uses.
type jsonPolicy struct {
	d     *decoder
	owner any
	raw   []byte
	dec   *json.Decoder
	where func(int) Pos
	first int // offset of the top-level value
	depth int
}

// tokenStart is the offset of the next token: past whitespace and the
// separators encoding/json consumes silently.
func (p *jsonPolicy) tokenStart() int {
	off := int(p.dec.InputOffset())
	for off < len(p.raw) && strings.IndexByte(" \t\r\n,:", p.raw[off]) >= 0 {
		off++
	}
	return off
}

func (p *jsonPolicy) fail(off int, format string, args ...any) error {
	return &policyStringError{pos: p.where(off), msg: fmt.Sprintf(format, args...)}
}

func (p *jsonPolicy) value(path string) (any, error) {
	off := p.tokenStart()
	if p.depth == 0 {
		p.first = off
	}
	p.d.pos[posKey{p.owner, path}] = p.where(off)
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if p.depth++; p.depth > 64 {
			return nil, p.fail(off, "nested more than 64 levels deep")
		}
		defer func() { p.depth-- }()
		if t == '{' {
			m := map[string]any{}
			for p.dec.More() {
				koff := p.tokenStart()
				kt, err := p.dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				if _, dup := m[k]; dup {
					return nil, p.fail(koff, "`%s` appears twice in one object; JSON keys must be unique", k)
				}
				p.d.pos[posKey{p.owner, path + "." + k + "#key"}] = p.where(koff)
				v, err := p.value(path + "." + k)
				if err != nil {
					return nil, err
				}
				m[k] = v
			}
			_, err := p.dec.Token() // '}'
			return m, err
		}
		var s []any
		for i := 0; p.dec.More(); i++ {
			v, err := p.value(fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		if s == nil {
			s = []any{}
		}
		_, err := p.dec.Token() // ']'
		return s, err
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i, nil
		}
		f, err := t.Float64()
		if err != nil {
			return nil, p.fail(off, "number %s is out of range", t)
		}
		return f, nil
	}
	return tok, nil // string, bool or nil
}

// inString maps a byte offset in a string scalar's value to the file: a
// block scalar's lines are the lines after its indicator, indented as its
// first non-empty line; a flow scalar starts at the node (past its quote).
func (d *decoder) inString(n *yaml.Node, text string, off int) Pos {
	off = min(off, len(text))
	before := text[:off]
	line := strings.Count(before, "\n")
	col := utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:])
	pos := d.at(n)
	switch n.Style {
	case yaml.LiteralStyle:
		pos.Line = n.Line + 1 + line
		pos.Column = d.blockIndent(n) + 1 + col
	case yaml.FoldedStyle:
		pos.Line = n.Line + 1 + line // folding joins lines: the best guess
		pos.Column = d.blockIndent(n) + 1 + col
	default:
		pos.Line = n.Line + line
		if line == 0 {
			pos.Column = n.Column + col
			if n.Style == yaml.DoubleQuotedStyle || n.Style == yaml.SingleQuotedStyle {
				pos.Column++
			}
		} else {
			pos.Column = 1 + col
		}
	}
	return pos
}

// blockIndent is the indentation of a block scalar's content: that of its
// first non-empty line in the source, else one more than its parent's key.
func (d *decoder) blockIndent(n *yaml.Node) int {
	for i := n.Line; i < len(d.lines); i++ { // d.lines[i] is line i+1
		l := d.lines[i]
		if strings.TrimSpace(l) == "" {
			continue
		}
		return len(l) - len(strings.TrimLeft(l, " "))
	}
	return n.Column
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "a number"
}

// trailingComma finds the comma of a trailing comma (",}" or ",]", spaces
// between) at or just before off, where a JSON syntax error was reported.
func trailingComma(b []byte, off int) (int, bool) {
	if off < 0 || off >= len(b) {
		return 0, false
	}
	comma := off
	if b[off] != ',' { // reported at the closing bracket: the comma is before it
		comma = off - 1
		for comma >= 0 && isJSONSpace(b[comma]) {
			comma--
		}
		if comma < 0 || b[comma] != ',' || (b[off] != '}' && b[off] != ']') {
			return 0, false
		}
	}
	next := nextNonSpace(b, comma+1)
	if next >= len(b) || (b[next] != '}' && b[next] != ']') {
		return 0, false
	}
	return comma, true
}

// nextNonSpace is the index of the first byte at or after i that is not
// JSON whitespace (len(b) when there is none).
func nextNonSpace(b []byte, i int) int {
	for i < len(b) && isJSONSpace(b[i]) {
		i++
	}
	return i
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
