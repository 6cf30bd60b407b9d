package manifest

import (
	"encoding/binary"
	"strings"
	"testing"
	"unicode/utf16"
)

func utf16LE(s string, bom bool) []byte {
	var b []byte
	if bom {
		b = append(b, 0xFF, 0xFE)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// Every syntax and encoding error has a line and a column (yaml.v3 gives
// a line only, or none for encoding errors), and none quotes the file.
func TestSyntaxAndEncodingErrorsArePositioned(t *testing.T) {
	const head = "version: 1\nproject: x\n"
	for _, tc := range []struct {
		name string
		data []byte
		want string // the rendered diagnostic
		hint string // part of the hint, if any
	}{
		{"tab indentation", []byte(head + "accounts:\n\ta: {id: \"111111111111\"}\n"),
			"x.yaml:4:1: error: invalid YAML: found character that cannot start any token", "indent with spaces"},
		{"tab after spaces", []byte(head + "accounts:\n  a:\n  \tid: \"111111111111\"\n"),
			"x.yaml:5:3: error: invalid YAML: found character that cannot start any token", "indent with spaces"},
		{"key indented less", []byte(head + "accounts:\n  a:\n    id: \"111111111111\"\n   profile: x\n"),
			"x.yaml:6:4: error: invalid YAML: did not find expected key (in the structure that starts at line 4)", "check the indentation"},
		{"list entry indented more", []byte(head + "consumers:\n  - name: a\n   account: b\n"),
			"x.yaml:5:4: error: invalid YAML: did not find expected '-' indicator (in the structure that starts at line 4)", "check the indentation"},
		{"two colons", []byte(head + "accounts: a: b\n"),
			"x.yaml:3:11: error: invalid YAML: mapping values are not allowed in this context", "check the indentation"},
		{"two colons after a repeated key", []byte(head + "project: a: b\n"),
			"x.yaml:3:11: error: invalid YAML: mapping values are not allowed in this context", "check the indentation"},
		{"error on line 1", []byte("version: 1: 2\n"),
			"x.yaml:1:10: error: invalid YAML: mapping values are not allowed in this context", ""},
		{"unclosed quote", []byte(head + "accounts: \"abc\n"),
			"x.yaml:3:11: error: invalid YAML: found unexpected end of stream", ""},
		{"invalid UTF-8", []byte(head + "accounts:\n  a: {id: \"1111\xff11111111\"}\n"),
			"x.yaml:4:16: error: invalid UTF-8: the file is not UTF-8 text from here on", "save the file as UTF-8"},
		{"invalid UTF-8 after multibyte", []byte(head + "# café\xc3\n"),
			"x.yaml:3:7: error: invalid UTF-8: the file is not UTF-8 text from here on", "save the file as UTF-8"},
		{"control character", []byte(head + "accounts: {}\r\n# bell \x07\n"),
			"x.yaml:4:8: error: control character U+0007 is not allowed in YAML", "escape"},
		{"UTF-16 without a byte order mark", utf16LE(head, false),
			"x.yaml:1:1: error: the file looks UTF-16 encoded but has no byte order mark; a manifest is UTF-8 text", "save the file as UTF-8"},
		{"UTF-16 with an unpaired surrogate", append(utf16LE(head+"# x", true), 0x00, 0xDC),
			"x.yaml:3:4: error: invalid UTF-16: the file has a UTF-16 byte order mark, but this is not a UTF-16 character", "save the file as UTF-8"},
		{"UTF-16 with a syntax error", utf16LE(head+"accounts:\n\ta: {}\n", true),
			"x.yaml:4:1: error: invalid YAML: found character that cannot start any token", "indent with spaces"},
		{"UTF-32", append([]byte{0xFF, 0xFE, 0, 0}, 'v', 0, 0, 0),
			"x.yaml:1:1: error: the file is UTF-32 encoded; a manifest is UTF-8 (or UTF-16) text", "save the file as UTF-8"},
		{"binary", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDRsecret"),
			"x.yaml:1:1: error: the file holds binary data, not YAML text", "names a plink manifest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", tc.data)
			ds, ok := err.(Diagnostics)
			if !ok || len(ds) != 1 {
				t.Fatalf("err = %v; want one diagnostic", err)
			}
			if got := ds[0].String(); got != tc.want || ds[0].Code != CodeSyntax {
				t.Errorf("got  %s (%s)\nwant %s", got, ds[0].Code, tc.want)
			}
			if !strings.Contains(ds[0].Hint, tc.hint) {
				t.Errorf("hint %q does not mention %q", ds[0].Hint, tc.hint)
			}
			if strings.Contains(ds[0].Message, "secret") || strings.Contains(ds[0].Message, "IHDR") {
				t.Errorf("message quotes the file: %s", ds[0].Message)
			}
		})
	}
}

// YAML allows UTF-16 with a byte order mark, and UTF-8 with one: both load,
// with the same positions as the UTF-8 text.
func TestByteOrderMarks(t *testing.T) {
	doc := "version: 1\nproject: x\ndefaults: {region: us-east-1}\naccounts:\n  a: {id: \"111111111111\"}\n"
	for name, data := range map[string][]byte{
		"utf-16": utf16LE(doc, true),
		"utf-8":  append([]byte{0xEF, 0xBB, 0xBF}, doc...),
	} {
		m, err := Parse("x.yaml", data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p := m.Accounts["a"].Pos; p.Line != 5 || p.Column != 3 {
			t.Errorf("%s: account at %s, want 5:3", name, p)
		}
	}
}

// A text file that is not a manifest (here a private key) is refused
// without quoting it.
func TestOtherTextIsNotQuoted(t *testing.T) {
	_, err := Parse("key.pem", []byte("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAsecret\n-----END RSA PRIVATE KEY-----\n"))
	if err == nil || strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "BEGIN") {
		t.Fatalf("err = %v", err)
	}
	if want := "key.pem:1:1: error: a manifest must be a mapping with `version`, `project`, `accounts`, `providers` and `consumers`, got a string"; err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}
