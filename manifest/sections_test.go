package manifest

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// genBlockManifest writes a valid manifest of n consumers in the shape
// internal/scale generates (n/50 accounts, n/4 providers, block style as
// yaml.v3 writes it), with a policy, tags and notifications here and there
// so that every kind of value goes through parseSections.
func genBlockManifest(n int) []byte {
	accounts, providers := max(4, n/50), max(1, n/4)
	alias := func(a int) string { return fmt.Sprintf("acct%03d", a) }
	id := func(a int) string { return fmt.Sprintf("%012d", 100000000000+a) }
	m := &Manifest{Version: Version, Project: "scale", Accounts: map[string]*Account{},
		Defaults: Defaults{Region: "us-east-1", Tags: map[string]string{"generator": "plink-test"}}}
	for a := 1; a <= accounts; a++ {
		m.Accounts[alias(a)] = &Account{ID: id(a), RoleARN: "arn:aws:iam::" + id(a) + ":role/plink"}
	}
	for p := range providers {
		a := p%accounts + 1
		mp := &Provider{Name: fmt.Sprintf("p%05d", p), Account: alias(a),
			NetworkLoadBalancerARNs: []string{fmt.Sprintf("arn:aws:elasticloadbalancing:us-east-1:%s:loadbalancer/net/p%05d/%016x", id(a), p, p+1)},
			AcceptanceRequired:      p%2 == 0}
		for k := 1; k <= 4; k++ {
			mp.AllowedPrincipals = append(mp.AllowedPrincipals, Principal{Account: alias((p/providers+k+p)%accounts + 1)})
		}
		if p%5 == 0 {
			mp.Tags = map[string]string{"tier": "gold"}
		}
		m.Providers = append(m.Providers, mp)
	}
	for c := range n {
		a := (c/providers+c)%accounts + 1
		mc := &Consumer{Name: fmt.Sprintf("c%05d", c), Account: alias(a), Provider: fmt.Sprintf("p%05d", c%providers),
			VPCID:            fmt.Sprintf("vpc-%017x", a),
			SubnetIDs:        []string{fmt.Sprintf("subnet-%017x", 3*a), fmt.Sprintf("subnet-%017x", 3*a+1), fmt.Sprintf("subnet-%017x", 3*a+2)},
			SecurityGroupIDs: []string{fmt.Sprintf("sg-%017x", a)}}
		if c%7 == 0 {
			mc.Tags = map[string]string{"team": "payments", "cost-center": "4711"}
		}
		if c%11 == 0 {
			mc.Policy = map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Effect": "Allow", "Principal": "*", "Action": []any{"execute-api:Invoke"}, "Resource": "*"}}}
		}
		m.Consumers = append(m.Consumers, mc)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Generated: %d consumers.\n", n)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// loadBoth loads files with parseSections and with the whole-document
// parse, and reports how many files parseSections took.
func loadBoth(srcs []source) (fast *Manifest, fastErr error, sections int, whole *Manifest, wholeErr error) {
	// load takes each file's text out of its list: each load gets a copy.
	l := newLoader()
	fast, fastErr = l.load(slices.Clone(srcs))
	w := newLoader()
	w.whole = true
	whole, wholeErr = w.load(slices.Clone(srcs))
	return fast, fastErr, l.sections, whole, wholeErr
}

// diagText renders every field of an error's diagnostics.
func diagText(err error) string {
	ds, ok := err.(Diagnostics)
	if !ok {
		return fmt.Sprint(err)
	}
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "%s [%s %s] hint=%q\n", d, d.Code, d.Severity, d.Hint)
	}
	return b.String()
}

// sameBothWays fails t unless both paths give the same Manifest and the
// same diagnostics, and returns whether parseSections took every file.
func sameBothWays(t *testing.T, name string, srcs []source) bool {
	t.Helper()
	fast, fastErr, n, whole, wholeErr := loadBoth(srcs)
	if f, w := diagText(fastErr), diagText(wholeErr); f != w {
		t.Errorf("%s: diagnostics differ\nsections:\n%s\nwhole document:\n%s", name, f, w)
		return n == len(srcs)
	}
	if !reflect.DeepEqual(fast, whole) {
		t.Errorf("%s: manifests differ\nsections: %+v\nwhole document: %+v", name, fast, whole)
	}
	return n == len(srcs)
}

// corpus gathers manifests: the fixtures, the examples, the manifests in
// cmd/plink's scripts, the fuzz seeds and generated ones. fast names those
// parseSections must take (as written, before mutation).
func corpus(t *testing.T) (files map[string][]byte, fast map[string]bool) {
	t.Helper()
	files, fast = map[string][]byte{}, map[string]bool{}
	add := func(name string, data []byte, mustBeFast bool) {
		files[name] = data
		if mustBeFast {
			fast[name] = true
		}
	}
	for _, pattern := range []string{fixtures + "/*.yaml", fixtures + "/*/*.yaml", "../testdata/examples/*.yaml", "../apply/testdata/*.yaml"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			valid := strings.Contains(p, "valid-") && !strings.Contains(p, "invalid-") || strings.Contains(p, "examples")
			add(p, data, valid)
		}
	}
	scripts, _ := filepath.Glob("../testdata/script/*.txtar")
	for _, p := range scripts {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for name, body := range txtarFiles(data) {
			if strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") {
				add(p+"/"+name, body, false)
			}
		}
	}
	seeds, _ := filepath.Glob("testdata/fuzz/FuzzLoad/*")
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		_, lit, ok := strings.Cut(string(data), "[]byte(")
		s, err := strconv.Unquote(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(lit), ")")))
		if !ok || err != nil {
			t.Fatalf("%s: not a fuzz seed: %v", p, err)
		}
		add(p, []byte(s), false)
	}
	add("gen-block-300.yaml", genBlockManifest(300), true)
	add("gen-flow-300.yaml", genManifest(300, false), true)
	add("gen-aliases-300.yaml", genManifest(300, true), false)
	if len(files) < 60 {
		t.Fatalf("corpus has only %d files", len(files))
	}
	return files, fast
}

// txtarFiles reads the files of a txtar archive.
func txtarFiles(data []byte) map[string][]byte {
	out := map[string][]byte{}
	var name string
	var body []byte
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if n, ok := strings.CutPrefix(strings.TrimSpace(l), "-- "); ok && strings.HasSuffix(n, " --") {
			if name != "" {
				out[name] = body
			}
			name, body = strings.TrimSuffix(n, " --"), nil
			continue
		}
		if name != "" {
			body = append(body, l...)
		}
	}
	if name != "" {
		out[name] = body
	}
	return out
}

// mutate makes a small edit of data: a line deleted, repeated, indented
// differently or swapped with the next, or a YAML indicator inserted.
func mutate(rng *rand.Rand, data []byte) []byte {
	lines := strings.SplitAfter(string(data), "\n")
	i := rng.Intn(len(lines))
	switch rng.Intn(6) {
	case 0:
		lines = append(lines[:i:i], lines[i+1:]...)
	case 1:
		lines = append(lines[:i+1:i+1], lines[i:]...)
	case 2:
		lines[i] = strings.Repeat(" ", 1+rng.Intn(3)) + lines[i]
	case 3:
		lines[i] = strings.TrimPrefix(lines[i], "  ")
	case 4:
		if i+1 < len(lines) {
			lines[i], lines[i+1] = lines[i+1], lines[i]
		}
	default:
		ins := []string{"- ", ": ", "&a ", "*a", "\"", "'", "[", "{", "}", "\t", "# ", "|\n", "? ", "!!str ", "---\n", "%YAML 1.2\n", "\r", "\u2028", "<<: *a\n", "x: 1\n"}
		j := rng.Intn(len(lines[i]) + 1)
		lines[i] = lines[i][:j] + ins[rng.Intn(len(ins))] + lines[i][j:]
	}
	return []byte(strings.Join(lines, ""))
}

// TestSectionsMatchWholeDocument holds parseSections to the whole-document
// parse: the same Manifest and the same diagnostics (positions, messages,
// hints) for every manifest of the corpus and for mutants of each, valid or
// not; and parseSections takes every valid one.
func TestSectionsMatchWholeDocument(t *testing.T) {
	files, fast := corpus(t)
	rng := rand.New(rand.NewSource(1))
	mutants := 40
	if testing.Short() {
		mutants = 8
	}
	took, mutantsTaken, total := 0, 0, 0
	for _, name := range sortedKeys(files) {
		data := files[name]
		ok := sameBothWays(t, name, []source{{name: "m.yaml", data: data}})
		if fast[name] && !ok {
			t.Errorf("%s: parseSections did not take it", name)
		}
		if ok {
			took++
		}
		for k := range mutants {
			total++
			if sameBothWays(t, fmt.Sprintf("%s (mutant %d)", name, k), []source{{name: "m.yaml", data: mutate(rng, data)}}) {
				mutantsTaken++
			}
		}
	}
	for _, dir := range []string{"valid-multi", "invalid-multi"} {
		paths, _ := filepath.Glob(filepath.Join(fixtures, dir, "*.yaml"))
		var srcs []source
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			srcs = append(srcs, source{name: p, data: data})
		}
		if ok := sameBothWays(t, dir, srcs); dir == "valid-multi" && !ok {
			t.Errorf("%s: parseSections did not take every file", dir)
		}
	}
	t.Logf("parseSections took %d of %d files and %d of %d mutants", took, len(files), mutantsTaken, total)
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestSectionsTakeOrLeave names what parseSections takes and what it leaves
// to the whole-document parse; both give the same result either way.
func TestSectionsTakeOrLeave(t *testing.T) {
	const head = "version: 1\nproject: p\naccounts:\n  a: {id: \"111111111111\"}\n"
	const c1 = "  - name: c1\n    account: a\n    region: us-east-1\n    vpcId: vpc-01234567\n    subnetIds: [subnet-01234567]\n    serviceName: com.amazonaws.us-east-1.s3\n"
	const c2 = "  - name: c2\n    account: a\n    region: us-east-1\n    vpcId: vpc-01234567\n    subnetIds: [subnet-89abcdef]\n    serviceName: com.amazonaws.us-east-1.s3\n"
	var filler string // more than a batch of entries
	for i := 0; len(filler) <= batchBytes; i++ {
		filler += strings.Replace(c2, "name: c2", fmt.Sprintf("name: f%d", i), 1)
	}
	for _, tc := range []struct {
		name, text string
		take       bool
	}{
		{"block lists", head + "consumers:\n" + c1 + c2, true},
		{"comments and blank lines", "# top\n\n" + head + "consumers:\n  # first\n" + c1 + "\n# between\n" + c2 + "# end\n", true},
		{"document start", "---\n" + head + "consumers:\n" + c1, true},
		{"document start with a comment", "--- # m\n" + head + "consumers:\n" + c1, true},
		{"list at its key's column", head + "consumers:\n" + strings.ReplaceAll(strings.ReplaceAll(c1+c2, "\n  ", "\n"), "  - ", "- ")[0:] + "providers: []\n", true},
		{"anchor and alias in one entry", head + "consumers:\n" + c1 + "    tags: &t {a: b}\n    x: *t\n", true},
		{"CRLF", strings.ReplaceAll(head+"consumers:\n"+c1+c2, "\n", "\r\n"), true},
		{"flow list", head + "consumers: [{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], serviceName: a.b}]\n", true},
		{"type error in an entry", head + "consumers:\n" + c1 + "  - 7\n" + c2, true},
		{"unknown top-level key with a list", head + "consumer:\n" + c1, true},
		{"repeated key", head + "consumers:\n" + c1 + "consumers:\n" + c2, true},
		{"wrong version", strings.Replace(head, "version: 1", "version: 2", 1) + "consumers:\n" + c1, true},
		{"alias across entries of one batch", head + "consumers:\n" + strings.Replace(c1, "name: c1", "name: &n c1", 1) + strings.Replace(c2, "name: c2", "name: *n", 1), true},
		{"alias across batches", head + "consumers:\n" + strings.Replace(c1, "name: c1", "name: &n c1", 1) + filler + strings.Replace(c2, "name: c2", "name: *n", 1), false},
		{"alias across sections", "x: &r us-east-1\n" + head + "consumers:\n" + strings.Replace(c1, "us-east-1\n", "*r\n", 1), false},
		{"syntax error in an entry", head + "consumers:\n" + c1 + "  - name: [c\n" + c2, false},
		{"syntax error in a list never decoded", strings.Replace(head, "version: 1", "version: 2", 1) + "consumers:\n" + c1 + "  - name: [c\n", false},
		{"syntax error in a section", head + "defaults: {region: \n" + "consumers:\n" + c1, false},
		{"entry less indented", head + "consumers:\n    - name: c0\n" + c1, false},
		{"entry more indented after a dash", head + "consumers:\n" + c1 + "   - name: c3\n", false},
		{"not an entry at the list's column", head + "consumers:\n" + c1 + "  name: c3\n", false},
		{"dash at column 0 under a mapping", head + "- a\n", false},
		{"dash at column 0 after an inline value", head + "consumers: []\n- a\n", false},
		{"dash at column 0 after an indented list", head + "consumers:\n" + c1 + "- name: c3\n", false},
		{"two documents", head + "---\nversion: 1\n", false},
		{"document end", head + "...\n", false},
		{"directive", "%YAML 1.2\n---\n" + head, false},
		{"quoted key", head + "\"consumers\":\n" + c1, false},
		{"key with a tab after the colon", head + "consumers:\t[]\n", false},
		{"tab in indentation", head + "consumers:\n" + c1 + "\t\n", false},
		{"lone CR", head + "consumers:\n" + c1 + "\r" + c2, false},
		{"line separator", head + "project: a\u2028b\n", false},
		{"indented document", "  version: 1\n  project: p\n", false},
		{"empty", "", false},
		{"comments only", "# nothing\n", false},
		{"tagged list", head + "consumers: !!seq\n" + c1, true},
		{"aliases past the budget", head + "x: &a [" + strings.Repeat("1, ", 1000) + "1]\ny: [" + strings.Repeat("*a, ", 250) + "*a]\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if took := sameBothWays(t, tc.name, []source{{name: "m.yaml", data: []byte(tc.text)}}); took != tc.take {
				t.Errorf("parseSections took it: %v, want %v", took, tc.take)
			}
		})
	}
}

// TestSectionsLargeManifests: generated manifests of both shapes load the
// same both ways, and the block-style one through parseSections.
func TestSectionsLargeManifests(t *testing.T) {
	n := 5_000
	if testing.Short() {
		n = 1_000
	}
	for name, data := range map[string][]byte{"block": genBlockManifest(n), "flow": genManifest(n, false)} {
		if !sameBothWays(t, name, []source{{name: name + ".yaml", data: data}}) {
			t.Errorf("%s: parseSections did not take it", name)
		}
		m, err := Parse(name+".yaml", data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(m.Consumers) != n {
			t.Errorf("%s: %d consumers, want %d", name, len(m.Consumers), n)
		}
	}
}

// BenchmarkLoadLarge loads a 10,000-consumer manifest in internal/scale's
// block style (or the file named by $PLINK_BENCH_MANIFEST) both ways,
// reporting the live heap's peak while loading (sampled every millisecond)
// beside -benchmem's allocations.
func BenchmarkLoadLarge(b *testing.B) {
	data := genBlockManifest(10_000)
	if f := os.Getenv("PLINK_BENCH_MANIFEST"); f != "" {
		var err error
		if data, err = os.ReadFile(f); err != nil {
			b.Fatal(err)
		}
	}
	for _, whole := range []bool{false, true} {
		name := "sections"
		if whole {
			name = "whole"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			peak := heapPeak(func() {
				for b.Loop() {
					l := newLoader()
					l.whole = whole
					if _, err := l.load([]source{{name: "big.yaml", data: data}}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}

// heapPeak runs f and returns the largest live heap (bytes in heap
// objects, live or not yet swept) seen while it ran.
func heapPeak(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(stop)
	<-done
	return peak.Load()
}

// FuzzSections holds parseSections to the whole-document parse on any
// input: the same Manifest and the same diagnostics.
func FuzzSections(f *testing.F) {
	for _, path := range append(fixtureFiles(f, "valid-*"), fixtureFiles(f, "invalid-*")...) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameBothWays(t, "fuzz", []source{{name: "fuzz.yaml", data: data}})
	})
}
