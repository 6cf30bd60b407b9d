package manifest

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/plinkdev/plink/finding"
	"github.com/plinkdev/plink/internal/bounded"
)

// Severity of a Diagnostic (finding.Severity).
type Severity = finding.Severity

// Severities. Load only ever reports errors; Lint reports both.
const (
	SeverityError   = finding.Error
	SeverityWarning = finding.Warning
)

// Codes of the problems Load reports. Lint checks have their own ids
// (PL001...), listed in lint.go and docs/manifest.md.
const (
	CodeRead          = "M001" // a file or directory cannot be read
	CodeSyntax        = "M002" // the file is not valid YAML
	CodeVersion       = "M003" // version missing or unsupported
	CodeUnknownField  = "M004" // a key that the object does not have
	CodeType          = "M005" // a value of the wrong type
	CodeRequired      = "M006" // a required field is missing
	CodeDuplicateKey  = "M007" // a key repeated in one mapping
	CodeDuplicateName = "M008" // a name or alias defined twice
	CodeReference     = "M009" // a reference to an undefined account or provider
	CodeInvalid       = "M010" // a malformed id, ARN, name or enum value
	CodeConflict      = "M011" // fields that exclude each other, or disagree
	CodePolicy        = "M012" // an endpoint policy that is not a valid policy document
)

// Diagnostic is one problem found in a manifest, at a position. Its JSON form
// is a flat object with the fields file, line, column, severity, code,
// message and hint.
type Diagnostic struct {
	Pos
	Severity Severity `json:"severity"`
	// Code is a stable id: M0xx for load errors, PL0xx for lint checks.
	Code    string `json:"code"`
	Message string `json:"message"`
	// Hint, when set, says what to do about it.
	Hint string `json:"hint,omitempty"`
}

// String renders the diagnostic as "file:line:col: severity: message".
func (d Diagnostic) String() string {
	sev := d.Severity
	if sev == "" {
		sev = SeverityError
	}
	if s := d.Pos.String(); s != "" {
		return s + ": " + string(sev) + ": " + d.Message
	}
	return string(sev) + ": " + d.Message
}

// Finding is the diagnostic in the shared vocabulary; its subject is the
// position.
func (d Diagnostic) Finding() finding.Finding {
	return finding.Finding{Code: d.Code, Severity: d.Severity, Subject: d.Pos.String(), Message: d.Message, Hint: d.Hint}
}

// Error makes a single Diagnostic usable as an error.
func (d Diagnostic) Error() string { return d.String() }

// String renders the position as file:line:col, leaving out the parts that
// are unknown.
func (p Pos) String() string {
	s := p.File
	if p.Line > 0 {
		s += ":" + strconv.Itoa(p.Line)
		if p.Column > 0 {
			s += ":" + strconv.Itoa(p.Column)
		}
	}
	return s
}

// IsValid reports whether the position names at least a file.
func (p Pos) IsValid() bool { return p.File != "" || p.Line > 0 }

// Diagnostics is a list of problems; as an error it prints one line per
// diagnostic.
type Diagnostics []Diagnostic

// Error renders one "file:line:col: severity: message" line per diagnostic.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Sort orders the diagnostics by file, line, column, then code and message.
// Files are compared in the order given by files when a file appears
// there, so that a multi-file manifest's diagnostics follow load order.
func (ds Diagnostics) Sort() { ds.sortBy(nil) }

func (ds Diagnostics) sortBy(files []string) {
	rank := func(f string) int {
		if i := slices.Index(files, f); i >= 0 {
			return i
		}
		return len(files)
	}
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(rank(a.File), rank(b.File)),
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity.IsError() {
			return true
		}
	}
	return false
}

// Errors returns only the error diagnostics.
func (ds Diagnostics) Errors() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity.IsError() {
			out = append(out, d)
		}
	}
	return out
}

// Warnings returns only the warning diagnostics.
func (ds Diagnostics) Warnings() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == SeverityWarning {
			out = append(out, d)
		}
	}
	return out
}

// diagSink collects diagnostics.
type diagSink struct{ list Diagnostics }

// errorf records an error. Its string arguments may hold values from the
// file, which is untrusted and may hold anything: each is cut as
// bounded.Cut does ("`aaaa…` (60,000,000 characters)"; a value shaped like a
// secret is not shown). A hint that names a value cuts it itself (quote).
// The message and hint are capped at maxMessage bytes whatever they hold,
// so that no input makes an error long. Arguments of type composed are
// made by plink from values already cut, and are kept whole.
func (s *diagSink) errorf(pos Pos, code, hint, format string, args ...any) {
	for i, a := range args {
		if v, ok := a.(string); ok {
			args[i] = cutArg(v)
		}
	}
	msg := placeNotes(fmt.Sprintf(format, args...))
	s.list = append(s.list, Diagnostic{Pos: pos, Severity: SeverityError, Code: code, Message: capText(msg), Hint: capText(hint)})
}

// composed is part of a message that plink composed from values it has
// already cut (a list of names); errorf does not cut it again.
type composed string

// maxMessage caps a message or hint, in bytes: a message names a few
// values of at most bounded.MaxQuote characters each.
const maxMessage = 600

// cutArg cuts a long value, marking where its length note goes with NUL
// bytes (which checkText refuses in a manifest, so no value holds one):
// placeNotes moves the note past the closing quote the format adds.
func cutArg(v string) string {
	short, note := bounded.Cut(v)
	if note == "" {
		return short
	}
	return short + "\x00" + note + "\x00"
}

// placeNotes puts each length note cutArg marked after the quote that
// closes its value: "`aaaa…` (60,000,000 characters)".
func placeNotes(msg string) string {
	for {
		i := strings.IndexByte(msg, 0)
		if i < 0 {
			return msg
		}
		j := strings.IndexByte(msg[i+1:], 0)
		if j < 0 {
			return strings.ReplaceAll(msg, "\x00", "")
		}
		j += i + 1
		note, rest := msg[i+1:j], msg[j+1:]
		closing := ""
		if rest != "" && strings.IndexByte("`\"'", rest[0]) >= 0 {
			closing, rest = rest[:1], rest[1:]
		}
		msg = msg[:i] + closing + note + rest
	}
}

// capText cuts s to maxMessage bytes, at a character boundary.
func capText(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
