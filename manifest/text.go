package manifest

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
)

// checkText makes sure one file is YAML text before the YAML parser sees it,
// so that encoding problems get a line and a column (yaml.v3 reports them
// with neither) and so that a binary file is refused without quoting it. A
// UTF-16 file with a byte order mark, which YAML allows, is converted to
// UTF-8, and a UTF-8 byte order mark is dropped. It returns the text to parse,
// or false after reporting the first problem.
func (l *loader) checkText(file string, data []byte) ([]byte, bool) {
	fail := func(line, col int, hint, format string, args ...any) ([]byte, bool) {
		l.sink.errorf(Pos{File: file, Line: line, Column: col}, CodeSyntax, hint, format, args...)
		return nil, false
	}
	const saveUTF8 = "save the file as UTF-8"
	switch {
	case bytes.HasPrefix(data, []byte{0, 0, 0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0xFF, 0xFE, 0, 0}):
		return fail(1, 1, saveUTF8, "the file is UTF-32 encoded; a manifest is UTF-8 (or UTF-16) text")
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		text, line, col, ok := fromUTF16(data[2:], data[0] == 0xFE)
		if !ok {
			return fail(line, col, saveUTF8, "invalid UTF-16: the file has a UTF-16 byte order mark, but this is not a UTF-16 character")
		}
		data = text
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case looksUTF16(data):
		return fail(1, 1, saveUTF8, "the file looks UTF-16 encoded but has no byte order mark; a manifest is UTF-8 text")
	}
	// A NUL near the start marks a binary file (git's test): say so rather
	// than name the first odd byte.
	binary := bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case binary && (r == 0 || r == utf8.RuneError && size == 1 || !yamlChar(r)):
			return fail(line, col, "check that the path names a plink manifest",
				"the file holds binary data, not YAML text")
		case r == utf8.RuneError && size == 1:
			return fail(line, col, saveUTF8+"; if it is not a manifest, check the path",
				"invalid UTF-8: the file is not UTF-8 text from here on")
		case !yamlChar(r):
			return fail(line, col, "remove it, or write it as an escape such as \\x07 inside a double-quoted string",
				"control character %U is not allowed in YAML", r)
		}
		i += size
		switch {
		case r == '\n', r == '\r' && (i == len(data) || data[i] != '\n'):
			line, col = line+1, 1
		case r == '\r':
		default:
			col++
		}
	}
	return data, true
}

// yamlChar reports whether YAML allows r in a stream (the check yaml.v3's
// reader makes, "control characters are not allowed").
func yamlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || (r >= 0x20 && r <= 0x7E) || r == 0x85 ||
		(r >= 0xA0 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// fromUTF16 converts UTF-16 (after its byte order mark) to UTF-8. On an odd
// length or an unpaired surrogate it returns the line and column there.
func fromUTF16(b []byte, bigEndian bool) (text []byte, line, col int, ok bool) {
	line, col = 1, 1
	unit := func(i int) uint16 {
		if bigEndian {
			return uint16(b[i])<<8 | uint16(b[i+1])
		}
		return uint16(b[i+1])<<8 | uint16(b[i])
	}
	out := make([]byte, 0, len(b)/2)
	for i := 0; i < len(b); i += 2 {
		if i+1 >= len(b) {
			return nil, line, col, false
		}
		r := rune(unit(i))
		if utf16.IsSurrogate(r) {
			if r >= 0xDC00 || i+3 >= len(b) {
				return nil, line, col, false
			}
			r = utf16.DecodeRune(r, rune(unit(i+2)))
			if r == utf8.RuneError {
				return nil, line, col, false
			}
			i += 2
		}
		out = utf8.AppendRune(out, r)
		if r == '\n' {
			line, col = line+1, 1
		} else if r != '\r' {
			col++
		}
	}
	return out, line, col, true
}

// looksUTF16 reports whether data starts with two ASCII characters in UTF-16
// without a byte order mark ("v\x00e\x00" or "\x00v\x00e").
func looksUTF16(b []byte) bool {
	ascii := func(c byte) bool { return c == '\t' || c == '\n' || c == '\r' || c >= 0x20 && c < 0x7F }
	return len(b) >= 4 && (b[1] == 0 && b[3] == 0 && ascii(b[0]) && ascii(b[2]) ||
		b[0] == 0 && b[2] == 0 && ascii(b[1]) && ascii(b[3]))
}
