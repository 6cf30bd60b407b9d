package manifest

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	goccy "github.com/goccy/go-yaml"
	goccyparser "github.com/goccy/go-yaml/parser"
	"go.yaml.in/yaml/v3"

	"github.com/plinkdev/plink/internal/bounded"
)

// Load reads a manifest from paths, each a file or a directory whose
// *.yaml and *.yml files are read in name order (not recursively). All files
// are merged into one Manifest: every file declares `version` and the same
// `project`; accounts, providers and consumers are unique by name across
// files. Load decodes strictly, applies defaults, resolves references and
// validates; on any problem it returns a nil Manifest and a Diagnostics
// error listing every problem found, sorted by position.
func Load(paths ...string) (*Manifest, error) {
	var sink diagSink
	if len(paths) == 0 {
		sink.errorf(Pos{}, CodeRead, "pass a manifest file or a directory of *.yaml files", "no manifest path given")
		return nil, sink.list
	}
	var srcs []source
	seen := map[string]bool{}
	var total int64
	add := func(name string) {
		abs, err := filepath.Abs(name)
		if err == nil {
			if seen[abs] {
				return
			}
			seen[abs] = true
		}
		data, err := ReadFileCapped(name, min(maxFileBytes, maxTotalBytes-total))
		var fe *bounded.FileError
		switch {
		case errors.As(err, &fe) && fe.Kind == ErrNotRegular:
			sink.errorf(Pos{File: name}, CodeRead, "point the path at a manifest file, or remove the entry",
				"cannot read manifest: it is %s; a manifest must be a regular file", fe.What)
			return
		case errors.As(err, &fe) && fe.Kind == ErrTooLarge && maxTotalBytes-total < maxFileBytes:
			sink.errorf(Pos{File: name}, CodeRead, "split the project into several manifests",
				"cannot read manifest: the manifest's files together are larger than the %s limit", formatBytes(maxTotalBytes))
			return
		case errors.As(err, &fe) && fe.Kind == ErrTooLarge:
			sink.errorf(Pos{File: name}, CodeRead, "split the manifest into several files in one directory",
				"cannot read manifest: it is %s for one manifest file", fe.What)
			return
		case err != nil:
			sink.errorf(Pos{File: name}, CodeRead, "", "cannot read manifest: %s", pathErr(err))
			return
		}
		total += int64(len(data))
		srcs = append(srcs, source{name: name, data: data})
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			sink.errorf(Pos{File: p}, CodeRead, "", "cannot read manifest: %s", pathErr(err))
			continue
		}
		if !fi.IsDir() {
			add(p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			sink.errorf(Pos{File: p}, CodeRead, "", "cannot read manifest directory: %s", pathErr(err))
			continue
		}
		n := 0
		for _, e := range entries { // ReadDir sorts by name
			ext := filepath.Ext(e.Name())
			if ext != ".yaml" && ext != ".yml" {
				continue
			}
			// Sub-directories (and links to them) are not read. Any other
			// *.yaml entry is read as a manifest file: one that is not a
			// regular file is an error, never skipped, since leaving a file
			// out would plan its resources for deletion.
			full := filepath.Join(p, e.Name())
			if fi, err := os.Stat(full); err == nil && fi.IsDir() {
				continue
			}
			n++
			add(full)
		}
		if n == 0 {
			sink.errorf(Pos{File: p}, CodeRead, "", "directory has no *.yaml or *.yml files")
		}
	}
	if len(sink.list) > 0 {
		return nil, sink.list
	}
	return parse(srcs)
}

func pathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse loads a manifest from one file's contents; name is used in
// positions. It does everything Load does except reading files.
func Parse(name string, data []byte) (*Manifest, error) {
	return parse([]source{{name: name, data: data}})
}

// ParseFiles loads a manifest from several files' contents, merged in the
// order given, as Load does for a directory.
func ParseFiles(files map[string][]byte) (*Manifest, error) {
	var srcs []source
	for _, name := range slices.Sorted(maps.Keys(files)) {
		srcs = append(srcs, source{name: name, data: files[name]})
	}
	return parse(srcs)
}

type source struct {
	name string
	data []byte
}

// loader holds the state of one Load: the diagnostics found so far and the
// position of every decoded value.
type loader struct {
	sink diagSink
	pos  map[posKey]Pos
	bad  map[posKey]bool
	// strs is the decoders' table of strings (decoder.str).
	strs map[string]string
	// regionDefaulted marks providers and consumers whose region came from
	// defaults.region.
	regionDefaulted map[any]bool
	// entries counts the entries (and comments) of the files scanned so far.
	entries int
	// whole turns parseSections off (tests compare the two paths);
	// sections counts the files it loaded.
	whole    bool
	sections int
}

func parse(srcs []source) (*Manifest, error) { return newLoader().load(srcs) }

func newLoader() *loader {
	return &loader{pos: map[posKey]Pos{}, bad: map[posKey]bool{}, regionDefaulted: map[any]bool{}, strs: map[string]string{}}
}

func (l *loader) load(srcs []source) (*Manifest, error) {
	h := sha256.New()
	m := &Manifest{}
	var files []*Manifest
	for i, src := range srcs {
		// Nothing reads a file's text once it is decoded: Load's copy
		// (19 MB at 50,000 consumers) goes before validation.
		srcs[i].data = nil
		m.Files = append(m.Files, src.name)
		// Name and length frame each file's bytes, so moving text from one
		// file to another (or renaming a file) changes the digest too.
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.Base(src.name), len(src.data))
		h.Write(src.data)
		if fm := l.parseFile(src); fm != nil {
			files = append(files, fm)
		}
	}
	m.Digest = hex.EncodeToString(h.Sum(nil))
	l.merge(m, files)
	l.applyDefaults(m)
	l.validate(m)
	if len(l.sink.list) > 0 {
		l.sink.list.sortBy(m.Files)
		return nil, l.sink.list
	}
	return m, nil
}

// parserProblems are the messages of yaml.v3's parser errors, whose line
// numbers it reports 0-based (scanner errors are 1-based).
var parserProblems = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"found undefined tag handle",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
}

var reUnknownAnchor = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

var reYAMLLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseFile decodes one file, reading its version first. It returns nil
// when the file cannot be decoded at all.
func (l *loader) parseFile(src source) *Manifest {
	file := src.name
	text, ok := l.checkText(file, src.data)
	if !ok {
		return nil
	}
	// Depth and width are bounded before yaml.v3 (or goccy/go-yaml, for the
	// position of a syntax error) builds anything: both take time and
	// memory far beyond a file's size on deep or wide input.
	// The entry bound holds for the manifest's files together: a
	// directory of files each under it must not add up past it.
	lim := limits
	full := cmp.Or(lim.MaxEntries, bounded.DefaultMaxEntries)
	lim.MaxEntries = max(full-l.entries, 1) // at least 1: a zero bound means the default
	n, se := bounded.ScanYAMLEntries(text, lim)
	l.entries += n
	if se != nil {
		pos := Pos{File: file, Line: se.Line, Column: se.Column}
		if se.Kind == bounded.TooMany && l.entries > n {
			l.sink.errorf(pos, CodeSyntax, boundHint(se.Kind), "the manifest's files together hold more than %d entries in all (this file's count passes it here); a valid manifest has at most %d entries in all its files' mappings and lists together", full, full)
			return nil
		}
		l.sink.errorf(pos, CodeSyntax, boundHint(se.Kind), "%s", se.Problem())
		return nil
	}
	if !l.whole {
		if fm, ok := l.parseSections(file, text); ok {
			return fm
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(text))
	var doc yaml.Node
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) {
		l.sink.errorf(Pos{File: file, Line: 1, Column: 1}, CodeVersion, "start the file with `version: 1` and `project: NAME`", "file is empty; expected a manifest")
		return nil
	}
	if err != nil {
		l.syntaxError(file, text, err)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		l.sink.errorf(Pos{File: file, Line: extra.Line, Column: extra.Column}, CodeSyntax, "split the documents into separate files in one directory", "a manifest file holds one YAML document; found another one here")
		return nil
	} else if !errors.Is(err, io.EOF) {
		l.syntaxError(file, text, err)
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		l.sink.errorf(Pos{File: file, Line: 1, Column: 1}, CodeVersion, "start the file with `version: 1` and `project: NAME`", "file is empty; expected a manifest")
		return nil
	}
	if !l.checkAliases(file, doc.Content[0]) {
		return nil
	}
	fm := &Manifest{}
	d := newDecoder(file, &l.sink, l.pos, l.bad)
	d.strs = l.strs
	d.text = text
	root := d.resolve(doc.Content[0])
	if root == nil {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
			l.sink.errorf(d.at(root), CodeVersion, "start the file with `version: 1` and `project: NAME`", "file is empty; expected a manifest")
			return nil
		}
		// The value is not quoted: a path that names some other text file
		// (a key, a config) must not have its content echoed.
		l.sink.errorf(d.at(root), CodeType, "check that the path names a plink manifest", "a manifest must be a mapping with `version`, `project`, `accounts`, `providers` and `consumers`, got %s", kindOf(root))
		return nil
	}
	if !l.checkVersion(d, root) {
		return nil
	}
	d.decodeStruct(root, elemOf(fm), fm, "")
	return fm
}

// checkVersion reads `version` before anything else: fields mean what the
// version says they mean, so nothing else is decoded under a wrong one.
func (l *loader) checkVersion(d *decoder, root *yaml.Node) bool {
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if k.Kind != yaml.ScalarNode || k.Value != "version" {
			continue
		}
		v := d.resolve(root.Content[i+1])
		if v == nil {
			return false
		}
		if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!int" {
			if n, err := strconv.Atoi(v.Value); err == nil && n == Version {
				return true
			}
		}
		val := describe(v)
		if v.Kind == yaml.ScalarNode && (v.ShortTag() == "!!int" || v.ShortTag() == "!!float") {
			val = v.Value
		}
		l.sink.errorf(d.at(v), CodeVersion, fmt.Sprintf("write `version: %d`", Version), "unsupported manifest version %s; this build of plink supports version %d", val, Version)
		return false
	}
	l.sink.errorf(d.at(root), CodeVersion, fmt.Sprintf("add `version: %d` at the top of the file", Version), "missing required field `version`; this build of plink supports version %d", Version)
	return false
}

// kindOf says what a node is without quoting its value.
func kindOf(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!str":
			return "a string"
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		}
		return "a scalar"
	}
	return describe(n)
}

func (l *loader) syntaxError(file string, text []byte, err error) {
	msg := err.Error()
	line := 0 // yaml.v3 gives a line only, and for parser errors the line where the enclosing block starts
	parserError := false
	if m := reYAMLLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		// yaml.v3 reports parser (not scanner) errors with a 0-based line.
		if parserError = slices.Contains(parserProblems, msg); parserError {
			line++
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	pos := Pos{File: file, Line: line}
	// A second parser that reports where the problem is (not where its
	// context starts) gives the column, and the line when it agrees.
	if gl, gc, ok := locateSyntaxError(text); ok && (gl == line || line == 0 || parserError && gl > line) {
		pos.Line, pos.Column = gl, gc
		if parserError && gl > line {
			msg += fmt.Sprintf(" (in the structure that starts at line %d)", line)
		}
	}
	if m := reUnknownAnchor.FindStringSubmatch(msg); m != nil && pos.Line == 0 {
		pos.Line, pos.Column = offsetPos(text, bytes.Index(text, []byte("*"+m[1])))
	}
	if pos.Line == 0 {
		pos.Line = 1
	}
	if pos.Column == 0 && msg == "mapping values are not allowed in this context" {
		pos.Column = secondColon(text, pos.Line)
	}
	if pos.Column == 0 {
		pos.Column = firstColumn(text, pos.Line)
	}
	hint := ""
	switch {
	case lineHasTab(text, pos.Line):
		hint = "indent with spaces; YAML does not allow tabs in indentation"
	case slices.Contains([]string{"did not find expected key", "did not find expected '-' indicator", "mapping values are not allowed in this context", "block sequence entries are not allowed in this context"}, msg) ||
		strings.HasPrefix(msg, "did not find expected key") || strings.HasPrefix(msg, "did not find expected '-' indicator"):
		hint = "check the indentation: the keys of one mapping, and the entries of one list, start in the same column"
	}
	// yaml.v3's message may quote the file (an anchor's name): cut it whole
	// if it is long, rather than each value in it.
	l.sink.errorf(pos, CodeSyntax, hint, "invalid YAML: %s", composed(bounded.Quote(msg)))
}

// boundHint says what to do about a file refused by bounded.ScanYAML.
func boundHint(kind string) string {
	switch kind {
	case bounded.TooDeep:
		return "a manifest nests fewer than 10 levels; check for unclosed [ or { and for a runaway generator"
	case bounded.TooWide:
		return fmt.Sprintf("split the list over several files in one directory; one mapping or list holds at most %s entries", bounded.Thousands(bounded.DefaultMaxWidth))
	}
	return "split the manifest into several files in one directory"
}

// maxLocateBytes is the largest text handed to goccy/go-yaml to locate a
// syntax error. It takes some 200 bytes of memory per byte of input and
// more than linear time (measured: 340 KB in 0.9 s and 99 MB, 1 MB in 4.4 s,
// 4 MB of short flow lists in 28 s and 1.35 GB), so on a larger file the
// error keeps yaml.v3's line and the line's first column.
const maxLocateBytes = 256 << 10

// locateSyntaxError parses text with goccy/go-yaml, used only for the
// position of an error yaml.v3 has already found. Its duplicate-key errors
// are not syntax (the decoder reports those as M007) and are ignored.
func locateSyntaxError(text []byte) (line, col int, ok bool) {
	if len(text) > maxLocateBytes {
		return 0, 0, false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	_, err := goccyparser.ParseBytes(text, 0)
	var se *goccy.SyntaxError
	if !errors.As(err, &se) || se.Token == nil || se.Token.Position == nil || strings.Contains(se.Message, "already defined") {
		return 0, 0, false
	}
	return se.Token.Position.Line, se.Token.Position.Column, se.Token.Position.Line > 0 && se.Token.Position.Column > 0
}

// offsetPos turns a byte offset into a line and column; a negative offset
// gives 0, 0.
func offsetPos(text []byte, off int) (line, col int) {
	if off < 0 {
		return 0, 0
	}
	before := text[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	if i := bytes.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i+1:]
	}
	return line, utf8.RuneCount(before) + 1
}

// nthLine returns line n (1-based) of text, without its line break.
func nthLine(text []byte, n int) []byte {
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(text, '\n')
		if j < 0 {
			return nil
		}
		text = text[j+1:]
	}
	if j := bytes.IndexByte(text, '\n'); j >= 0 {
		text = text[:j]
	}
	return bytes.TrimSuffix(text, []byte("\r"))
}

// firstColumn is the column of the first character on line n that is not a
// space, or 1.
func firstColumn(text []byte, n int) int {
	for i, r := range []rune(string(nthLine(text, n))) {
		if r != ' ' {
			return i + 1
		}
	}
	return 1
}

// secondColon is the column of the second ": " (or ":" at the end) on line
// n outside quotes, the usual cause of "mapping values are not allowed"
// (`key: a: b`), or 0.
func secondColon(text []byte, n int) int {
	line := []rune(string(nthLine(text, n)))
	var quote rune
	seen := 0
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
		case r == '#' && (i == 0 || line[i-1] == ' '):
			return 0
		case r == ':' && (i+1 == len(line) || line[i+1] == ' '):
			if seen++; seen == 2 {
				return i + 1
			}
		}
	}
	return 0
}

func lineHasTab(text []byte, n int) bool { return bytes.IndexByte(nthLine(text, n), '\t') >= 0 }

// at returns the position of the value at path inside owner, falling back
// to the owner's own position.
func (l *loader) at(owner any, path string) Pos {
	if p, ok := l.pos[posKey{owner, path}]; ok {
		return p
	}
	return ownerPos(owner)
}

func ownerPos(owner any) Pos {
	switch o := owner.(type) {
	case *Account:
		return o.Pos
	case *Provider:
		return o.Pos
	case *Consumer:
		return o.Pos
	case *SubnetIPs:
		return o.Pos
	case *Principal:
		return o.Pos
	case *Notification:
		return o.Pos
	}
	return Pos{}
}

// ok reports whether the value at path decoded cleanly (so that validating
// it adds something beyond the error already reported).
func (l *loader) ok(owner any, path string) bool { return !l.bad[posKey{owner, path}] }

// merge combines the files' manifests into m, reporting names defined twice
// and top-level values that disagree.
func (l *loader) merge(m *Manifest, files []*Manifest) {
	var projectFrom, regionFrom *Manifest
	tagFrom := map[string]*Manifest{}
	m.Accounts = map[string]*Account{}
	for _, fm := range files {
		m.Version = fm.Version
		if fm.Project != "" && l.ok(fm, "project") {
			if projectFrom == nil {
				m.Project, projectFrom = fm.Project, fm
			} else if fm.Project != m.Project {
				l.sink.errorf(l.at(fm, "project"), CodeConflict, "every file of a manifest names the same project",
					"project `%s` differs from project `%s` set at %s", fm.Project, m.Project, posRef(l.at(fm, "project"), l.at(projectFrom, "project")))
			}
		}
		if r := fm.Defaults.Region; r != "" {
			if regionFrom == nil {
				m.Defaults.Region, regionFrom = r, fm
			} else if r != m.Defaults.Region {
				l.sink.errorf(l.at(fm, "defaults.region"), CodeConflict, "",
					"defaults.region `%s` differs from `%s` set at %s", r, m.Defaults.Region, posRef(l.at(fm, "defaults.region"), l.at(regionFrom, "defaults.region")))
			}
		}
		l.checkList(fm, "defaults.regions", fm.Defaults.Regions, func(ep, v string) {
			l.checkID(fm, ep, v, reRegion, "region", "a region name like us-west-2")
		})
		for _, r := range fm.Defaults.Regions {
			if !slices.Contains(m.Defaults.Regions, r) {
				m.Defaults.Regions = append(m.Defaults.Regions, r)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(fm.Defaults.Tags)) {
			v := fm.Defaults.Tags[k]
			if first, dup := tagFrom[k]; dup {
				if m.Defaults.Tags[k] != v {
					l.sink.errorf(l.at(fm, "defaults.tags."+k), CodeConflict, "",
						"default tag `%s` is `%s` here but `%s` at %s", k, v, m.Defaults.Tags[k], posRef(l.at(fm, "defaults.tags."+k), l.at(first, "defaults.tags."+k)))
				}
				continue
			}
			if m.Defaults.Tags == nil {
				m.Defaults.Tags = map[string]string{}
			}
			m.Defaults.Tags[k], tagFrom[k] = v, fm
		}
		for _, alias := range slices.Sorted(maps.Keys(fm.Accounts)) {
			a := fm.Accounts[alias]
			if first, dup := m.Accounts[alias]; dup {
				l.sink.errorf(a.Pos, CodeDuplicateName, "account aliases are unique across all files of a manifest",
					"duplicate account alias `%s`; also defined at %s", alias, posRef(a.Pos, first.Pos))
				continue
			}
			m.Accounts[alias] = a
		}
		m.Providers = append(m.Providers, fm.Providers...)
		m.Consumers = append(m.Consumers, fm.Consumers...)
	}
	if len(files) > 0 && m.Version == 0 {
		m.Version = Version
	}
	provs := map[string]*Provider{}
	for _, p := range m.Providers {
		if p.Name == "" {
			continue
		}
		if first, dup := provs[p.Name]; dup {
			l.sink.errorf(l.at(p, "name"), CodeDuplicateName, "provider names are unique across all files of a manifest",
				"duplicate provider name `%s`; also defined at %s", p.Name, posRef(l.at(p, "name"), l.at(first, "name")))
			continue
		}
		provs[p.Name] = p
	}
	cons := map[string]*Consumer{}
	for _, c := range m.Consumers {
		if c.Name == "" {
			continue
		}
		if first, dup := cons[c.Name]; dup {
			l.sink.errorf(l.at(c, "name"), CodeDuplicateName, "consumer names are unique across all files of a manifest",
				"duplicate consumer name `%s`; also defined at %s", c.Name, posRef(l.at(c, "name"), l.at(first, "name")))
			continue
		}
		cons[c.Name] = c
	}
}

// applyDefaults fills in defaults.region and defaults.tags.
func (l *loader) applyDefaults(m *Manifest) {
	apply := func(owner any, region *string, tags *map[string]string) {
		if *region == "" && m.Defaults.Region != "" && l.ok(owner, "region") {
			*region = m.Defaults.Region
			l.regionDefaulted[owner] = true
		}
		switch {
		case len(m.Defaults.Tags) == 0:
		case len(*tags) == 0:
			// shared, not copied: one map per object was 26 MB at 50,000
			// consumers (docs/scale.md); a loaded manifest's tags are
			// read-only (Defaults.Tags)
			*tags = m.Defaults.Tags
		default:
			merged := maps.Clone(m.Defaults.Tags)
			maps.Copy(merged, *tags)
			*tags = merged
		}
	}
	for _, p := range m.Providers {
		apply(p, &p.Region, &p.Tags)
	}
	for _, c := range m.Consumers {
		apply(c, &c.Region, &c.Tags)
	}
}
