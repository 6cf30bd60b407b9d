package bounded

import (
	"strings"
	"testing"
)

// small limits, so that each case is a few lines.
var small = Limits{MaxDepth: 3, MaxWidth: 3, MaxEntries: 12, MaxScalar: 40}

func TestScanYAML(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		kind      string // "" for no error
		line, col int
	}{
		{"flat mapping", "a: 1\nb: 2\nc: 3\n", "", 0, 0},
		{"mapping too wide", "a: 1\nb: 2\nc: 3\nd: 4\n", TooWide, 4, 1},
		{"list too wide", "x:\n  - 1\n  - 2\n  - 3\n  - 4\n", TooWide, 5, 3},
		{"indentless list entries count for the list", "x:\n- 1\n- 2\n- 3\n- 4\n", TooWide, 5, 1},
		{"indentless list ends at the next key", "x:\n- 1\ny:\n- 1\nz: 1\n", "", 0, 0},
		{"keys after indentless lists count for their mapping", "x:\n- 1\ny:\n- 1\nz:\n- 1\nw: 1\n", TooWide, 7, 1},
		{"block nesting", "a:\n  b:\n    c: 1\n", "", 0, 0},
		{"block nesting too deep", "a:\n  b:\n    c:\n      d: 1\n", TooDeep, 4, 7},
		{"compact lists too deep", "- - - - a\n", TooDeep, 1, 7},
		{"list of mappings", "- a: 1\n  b: 2\n- a: 1\n", "", 0, 0},
		{"flow nesting too deep", "a: [[[1]]]\n", TooDeep, 1, 6},
		{"flow mappings too deep", "a: {b: {c: {d: 1}}}\n", TooDeep, 1, 12},
		{"flow list too wide", "a: [1, 2, 3, 4]\n", TooWide, 1, 14},
		{"flow mapping too wide", "a: {b: 1, c: 2, d: 3, e: 4}\n", TooWide, 1, 23},
		{"flow over lines", "a: [1,\n  2,\n  3,\n  4]\n", TooWide, 4, 3},
		{"unclosed brackets", "a: " + strings.Repeat("[", 1000), TooDeep, 1, 6},
		{"brackets in double quotes", `a: "[[[[{{{{"` + "\n", "", 0, 0},
		{"brackets in single quotes", "a: '[[[[''{{{{'\n", "", 0, 0},
		{"escaped quote", `a: "\"[[[["` + "\nb: 1\n", "", 0, 0},
		{"brackets in a comment", "a: 1 # [[[[[\n# {{{{{{\n", "", 0, 0},
		{"brackets in a plain scalar", "a: x[[[[\n", "", 0, 0},
		{"brackets in a block scalar", "a: |\n  [[[[[\n  - - - -\n\n  {{{{\nb: 1\n", "", 0, 0},
		{"block scalar ends at its parent's indentation", "a:\n  b: >-\n    [[[[\n  c:\n    d: [[1]]\n", TooDeep, 5, 8},
		{"anchors and aliases", "a: &x [1]\nb: *x\nc: !!str y\n", "", 0, 0},
		{"entries in all", "a: [1, 2, 3]\nb: [1, 2, 3]\nc: [1, 2, [3]]\n", TooMany, 3, 12},
		{"comments count as entries", strings.Repeat("#\n", 13), TooMany, 13, 1},
		{"value too long", "a: " + strings.Repeat("x", 41) + "\n", TooLong, 1, 4},
		{"quoted value too long", `a: "` + strings.Repeat("x", 39) + `"` + "\n", TooLong, 1, 4},
		{"plain value over lines too long", "a: " + strings.Repeat("xxxxxxxxxx\n  ", 4) + "x\n", TooLong, 1, 4},
		{"block scalar too long", "a: |\n" + strings.Repeat("  xxxxxxxxxx\n", 4), TooLong, 1, 4},
		{"flow value too long", "a: [" + strings.Repeat("x", 41) + "]\n", TooLong, 1, 5},
		{"documents", "a: [[1]]\n---\nb: [[1]]\n", "", 0, 0},
		{"explicit keys", "? [1]\n: [2]\n", "", 0, 0},
		{"quoted keys", `"a": 1` + "\n'b': 2\n\"c\": 3\n\"d\": 4\n", TooWide, 4, 1},
		{"invalid YAML is left to the parser", "a: b: c: d: e: f\n", "", 0, 0},
		{"columns count characters", "é: [[[1]]]\n", TooDeep, 1, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ScanYAML([]byte(tc.doc), small)
			if tc.kind == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("not refused; want %s at %d:%d", tc.kind, tc.line, tc.col)
			}
			if err.Kind != tc.kind || err.Line != tc.line || err.Column != tc.col {
				t.Fatalf("got %s at %d:%d (%v); want %s at %d:%d", err.Kind, err.Line, err.Column, err, tc.kind, tc.line, tc.col)
			}
		})
	}
}

// TestScanYAMLDefaults: the default limits say what would be valid.
func TestScanYAMLDefaults(t *testing.T) {
	err := ScanYAML([]byte("a: "+strings.Repeat("[", 65)), Limits{})
	if err == nil || err.Kind != TooDeep || err.Limit != DefaultMaxDepth || err.Column != 3+64 {
		t.Fatalf("got %v", err)
	}
	want := "line 1, column 67: nesting deeper than 64 levels; a valid file nests at most 64 mappings and lists inside each other"
	if err.Error() != want {
		t.Fatalf("got %q\nwant %q", err.Error(), want)
	}
}
