package manifest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/plinkdev/plink/internal/bounded"
)

// loadAlloc loads the files and returns the diagnostics and the bytes
// allocated while loading.
func loadAlloc(t testing.TB, paths ...string) (Diagnostics, uint64) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Load(paths...)
	runtime.ReadMemStats(&after)
	var ds Diagnostics
	if err != nil && !errors.As(err, &ds) {
		t.Fatalf("error is not Diagnostics: %v", err)
	}
	return ds, after.TotalAlloc - before.TotalAlloc
}

// TestHostileInputsAreRefusedWhileScanning has one row per input of issue
// 23's table, generated here: each is refused with M002 at the line and
// column where a bound is passed, in a message of a few hundred bytes,
// allocating a small part of what the file holds (the file's bytes
// themselves aside) — the YAML libraries never see these files.
func TestHostileInputsAreRefusedWhileScanning(t *testing.T) {
	const hdr = "version: 1\nproject: p\n"
	var keys strings.Builder
	keys.WriteString(hdr + "x:\n")
	for i := range 2_000_000 {
		fmt.Fprintf(&keys, "  k%07d: 1\n", i)
	}
	for _, tc := range []struct {
		name      string
		doc       string
		line, col int
		message   string
	}{
		// 0.5 MB; was 33 s and 19.7 GB. The top-level mapping is one level,
		// so the 64th `{` passes the bound.
		{"100,000 nested flow mappings", hdr + "x: " + strings.Repeat("{a: ", 100_000) + "1" + strings.Repeat("}", 100_000) + "\n",
			3, 4 + 63*4, "nesting deeper than 64 levels"},
		// was 21 s and 14.7 GB (plan), killed after 60 s (validate).
		{"100,000 nested flow sequences", hdr + "x: " + strings.Repeat("[ ", 100_000) + "1" + strings.Repeat(" ]", 100_000) + "\n",
			3, 4 + 63*2, "nesting deeper than 64 levels"},
		// 5 MB; was killed after 60 s.
		{"5,000,000 unclosed [", hdr + "x: " + strings.Repeat("[", 5_000_000) + "\n",
			3, 4 + 63, "nesting deeper than 64 levels"},
		// 28 MB, under the 64 MiB cap; was killed after 60 s.
		{"a mapping of 2,000,000 keys", keys.String(),
			4 + 200_000, 3, "a mapping or list with more than 200000 entries"},
		// 60 MB; the error quoted the whole value (60,000,251 bytes).
		{"a 60 MB value on one line", "version: 1\nproject: " + strings.Repeat("a", 60_000_000) + "\n",
			2, 10, "a value of 60,000,000 bytes; a valid value is at most 1 MiB (1,048,576 bytes)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "hostile.yaml")
			if err := os.WriteFile(path, []byte(tc.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			ds, alloc := loadAlloc(t, path)
			if len(ds) != 1 {
				t.Fatalf("got %d diagnostics, want 1:\n%.2000s", len(ds), ds.Error())
			}
			d := ds[0]
			if d.Code != CodeSyntax || d.Line != tc.line || d.Column != tc.col || !strings.Contains(d.Message, tc.message) {
				t.Fatalf("got %s (%s), want %s at %d:%d: %s", d, d.Code, CodeSyntax, tc.line, tc.col, tc.message)
			}
			if d.Hint == "" {
				t.Errorf("no hint says what would be valid: %s", d)
			}
			if n := len(d.Message) + len(d.Hint); n > 400 {
				t.Errorf("message and hint are %d bytes", n)
			}
			// ReadFile holds the file once (a build with -race copies it
			// once more); everything else is small: no tree is built.
			if limit := 2*uint64(len(tc.doc)) + 8<<20; alloc > limit {
				t.Errorf("loading allocated %d bytes, more than twice the file (%d) and 8 MiB", alloc, len(tc.doc))
			}
		})
	}
}

// TestErrorsQuoteLittle: a value an error names is cut to a prefix with
// its length, no message is longer than a few hundred bytes whatever the
// input, and a value shaped like a secret is never echoed.
func TestErrorsQuoteLittle(t *testing.T) {
	long := strings.Repeat("a", 900_000) // under the 1 MiB bound for one value
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"a project name of 900,000 characters", "version: 1\nproject: " + long + "\n",
			"invalid project `" + strings.Repeat("a", bounded.QuotePrefix) + "…` (900,000 characters); use 1-63"},
		{"an unknown field of 900,000 characters", "version: 1\nproject: p\n? " + long + "\n: 1\n",
			"unknown field `" + strings.Repeat("a", bounded.QuotePrefix) + "…` (900,000 characters); valid fields are"},
		{"a string where a number belongs", "version: 1\nproject: p\naccounts: {a: {id: \"111111111111\"}}\nproviders: [{name: p, account: a, acceptanceRequired: " + long + "}]\n",
			"got string \"" + strings.Repeat("a", bounded.QuotePrefix) + "…\" (900,000 characters)"},
		{"an unknown account of 900,000 characters", "version: 1\nproject: p\ndefaults: {region: us-east-1}\naccounts: {a: {id: \"111111111111\"}}\nconsumers: [{name: c, account: " + long + ", vpcId: vpc-01234567, subnetIds: [subnet-01234567], serviceName: a.b}]\n",
			"unknown account `" + strings.Repeat("a", bounded.QuotePrefix) + "…` (900,000 characters)"},
		{"a secret as the project", "version: 1\nproject: " + secret + "\n",
			"invalid project `(a value shaped like an AWS secret key or session token, not shown)`"},
		{"a secret where a boolean belongs", "version: 1\nproject: p\naccounts: {a: {id: \"111111111111\"}}\nproviders: [{name: p, account: a, acceptanceRequired: " + secret + "}]\n",
			"got string (a value shaped like an AWS secret key or session token, not shown)"},
		{"a secret as a key", "version: 1\nproject: p\n" + secret + ": 1\n",
			"unknown field `(a value shaped like an AWS secret key or session token, not shown)`"},
		{"an unknown anchor of 900,000 characters", "version: 1\nproject: *" + long + "\n",
			"invalid YAML: unknown anchor '" + strings.Repeat("a", 20)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tc.doc))
			var ds Diagnostics
			if !errors.As(err, &ds) || len(ds) == 0 {
				t.Fatalf("got %v, want diagnostics", err)
			}
			found := false
			for _, d := range ds {
				if len(d.Message) > maxMessage || len(d.Hint) > maxMessage {
					t.Errorf("a message of %d bytes and a hint of %d", len(d.Message), len(d.Hint))
				}
				if strings.Contains(d.Message+d.Hint, "EXAMPLEKEY") {
					t.Errorf("the secret is echoed: %s", d)
				}
				found = found || strings.Contains(d.Message, tc.want)
			}
			if !found {
				t.Errorf("no message has %q:\n%.3000s", tc.want, ds.Error())
			}
		})
	}
}

// TestErrorfCapsEveryMessage: whatever a check composes, errorf cuts the
// message and the hint to maxMessage bytes at a character boundary.
func TestErrorfCapsEveryMessage(t *testing.T) {
	var s diagSink
	s.errorf(Pos{}, CodeInvalid, strings.Repeat("é", 1000), "%s %s", composed(strings.Repeat("é", 1000)), "x")
	d := s.list[0]
	if len(d.Message) > maxMessage || len(d.Hint) > maxMessage || !strings.HasSuffix(d.Message, "é…") || !strings.HasSuffix(d.Hint, "é…") {
		t.Fatalf("message %d bytes %q…, hint %d bytes", len(d.Message), d.Message[len(d.Message)-10:], len(d.Hint))
	}
}

// TestLegitimateScaleIsWithinBounds: the largest manifests plink must load
// pass the scan with room to spare (the bounds are several times what they
// need).
func TestLegitimateScaleIsWithinBounds(t *testing.T) {
	data := genManifest(50_000, false)
	if se := bounded.ScanYAML(data, bounded.Limits{MaxEntries: bounded.DefaultMaxEntries / 2, MaxWidth: bounded.DefaultMaxWidth / 2}); se != nil {
		t.Fatalf("a manifest of 50,000 consumers passes half the bounds: %v", se)
	}
}

// FuzzLoadBounded loads arbitrary text under small bounds and fails when
// the scan lets through a document whose tree passes them (the scan must
// never count less than yaml.v3 builds), or when one load allocates more
// than maxFuzzAlloc: a few MiB for inputs of some KiB, so that no input can
// make the loader's memory grow out of proportion. Run it in CI with
// -fuzztime; the seeds are the shapes of issue 23, small.
func FuzzLoadBounded(f *testing.F) {
	for _, seed := range []string{
		"version: 1\nproject: p\nx: " + strings.Repeat("{a: ", 20) + "1" + strings.Repeat("}", 20) + "\n",
		"version: 1\nproject: p\nx: " + strings.Repeat("[", 40) + "\n",
		"version: 1\nproject: p\nx:\n" + strings.Repeat("  k: 1\n", 60),
		"version: 1\nproject: p\nx:\n- - - - - - - - - - a\n",
		"a: &a [1, 2]\nb: [*a, *a, *a]\nc: |\n  [[[[\n'd': \"{{{\"\n? e\n: f # [[\n",
		"version: 1\nproject: " + strings.Repeat("a", 300) + "\n",
	} {
		f.Add([]byte(seed))
	}
	small := bounded.Limits{MaxDepth: 8, MaxWidth: 40, MaxEntries: 400, MaxScalar: 256}
	f.Fuzz(func(t *testing.T, data []byte) {
		if se := bounded.ScanYAML(data, small); se == nil {
			var doc yaml.Node
			if yaml.Unmarshal(data, &doc) == nil {
				depth, width, entries := treeSize(&doc, 0)
				if depth > small.MaxDepth || width > small.MaxWidth || entries > small.MaxEntries {
					t.Fatalf("the scan passed a tree of depth %d, width %d, %d entries (bounds %d, %d, %d)",
						depth, width, entries, small.MaxDepth, small.MaxWidth, small.MaxEntries)
				}
			}
		}
		saved := limits
		limits = small
		defer func() { limits = saved }()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Parse("fuzz.yaml", data)
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > maxFuzzAlloc {
			t.Fatalf("one load of %d bytes allocated %d bytes", len(data), alloc)
		}
		var ds Diagnostics
		if err != nil && !errors.As(err, &ds) {
			t.Fatalf("error is not Diagnostics: %v", err)
		}
		for _, d := range ds {
			if len(d.Message) > maxMessage || len(d.Hint) > maxMessage {
				t.Fatalf("a message of %d bytes", len(d.Message))
			}
		}
	})
}

// maxFuzzAlloc bounds one load of a fuzz input (at most some KiB, under
// FuzzLoadBounded's small bounds).
const maxFuzzAlloc = 16 << 20

// treeSize measures a yaml.v3 tree as the scan counts it: collections
// nested, the most entries in one, and entries in all (aliases not
// expanded: budget.go bounds those).
func treeSize(n *yaml.Node, depth int) (maxDepth, width, entries int) {
	maxDepth = depth
	switch n.Kind {
	case yaml.MappingNode:
		width = len(n.Content) / 2
	case yaml.SequenceNode:
		width = len(n.Content)
	}
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		depth++
		maxDepth = depth
		entries = width
	}
	for _, c := range n.Content {
		d, w, e := treeSize(c, depth)
		maxDepth, width, entries = max(maxDepth, d), max(width, w), entries+e
	}
	return maxDepth, width, entries
}

// TestLargeSyntaxErrorsAreNotRelocated: goccy/go-yaml, which gives the
// column of a syntax error, takes some 200 bytes of memory per byte and more
// than linear time, so a file over maxLocateBytes keeps yaml.v3's line and
// the line's first column — and loading it allocates a fraction of what
// goccy would (about 200 MB here).
func TestLargeSyntaxErrorsAreNotRelocated(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nproject: p\nx:\n")
	for range 60_000 {
		b.WriteString("  - {a: 1, b: 2}\n")
	}
	b.WriteString("y: [unclosed\n")
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	ds, alloc := loadAlloc(t, path)
	if len(ds) != 1 || ds[0].Code != CodeSyntax || ds[0].Line < 60_000 || ds[0].Column != 1 {
		t.Fatalf("got %v", ds)
	}
	if alloc > 100<<20 {
		t.Errorf("loading a 1 MB file with a syntax error allocated %d MB", alloc>>20)
	}
}

// TestEntriesAreBoundedAcrossFiles: the entry bound holds for a manifest's
// files together, so that a directory of files each under it does not add
// up to a load past it.
func TestEntriesAreBoundedAcrossFiles(t *testing.T) {
	saved := limits
	limits = bounded.Limits{MaxEntries: 10}
	defer func() { limits = saved }()
	file := "version: 1\nproject: p\n" + strings.Repeat("# c\n", 4) // 6 entries, comments counted
	_, err := ParseFiles(map[string][]byte{"a.yaml": []byte(file), "b.yaml": []byte(file)})
	var ds Diagnostics
	if !errors.As(err, &ds) || len(ds) != 1 {
		t.Fatalf("got %v", err)
	}
	want := "b.yaml:5:1: error: the manifest's files together hold more than 10 entries in all"
	if !strings.HasPrefix(ds[0].String(), want) || ds[0].Code != CodeSyntax {
		t.Fatalf("got %s (%s), want %s", ds[0], ds[0].Code, want)
	}
	if _, err := ParseFiles(map[string][]byte{"a.yaml": []byte(file)}); err != nil {
		t.Fatalf("one file under the bound: %v", err)
	}
}
