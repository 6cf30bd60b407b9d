package manifest

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/plinkdev/plink/internal/bounded"
)

// posKey names a value inside a decoded object: owner is a pointer to the
// nearest enclosing object that has a Pos (Account, Provider, Principal,
// Notification, Consumer, or the file's Manifest) and path is the value's
// path relative to it, such as "subnetIds[1]" or "connections.acceptFrom[0]".
type posKey struct {
	owner any
	path  string
}

// decoder turns one file's yaml.Node tree into the Go types, strictly:
// unknown fields, wrong types, duplicate keys and missing required fields are
// reported with their position, and decoding goes on so that every problem
// is found in one pass.
type decoder struct {
	file string
	sink *diagSink
	pos  map[posKey]Pos  // where each decoded value was written
	bad  map[posKey]bool // values that failed to decode; already reported
	// lines are the file's lines, for positions inside block scalars; made
	// from text when a block scalar policy is decoded.
	lines []string
	text  []byte
	// lazy are the lists parseSections left to parse one entry at a time;
	// aliases counts what the aliases parsed so far expand to; abandoned
	// is set when a piece cannot be parsed alone (see parseSections).
	lazy      map[*yaml.Node]*lazyList
	aliases   int
	abandoned bool
	// strs holds one copy of each short string decoded (the loader's):
	// account aliases, providers, VPC, subnet and group ids repeat across
	// thousands of consumers, and yaml.v3 makes each scalar anew.
	strs map[string]string
}

// str is s, as the copy decoded first when it is short enough to repeat.
func (d *decoder) str(s string) string {
	if d.strs == nil || len(s) > 64 {
		return s
	}
	if c, ok := d.strs[s]; ok {
		return c
	}
	d.strs[s] = s
	return s
}

func newDecoder(file string, sink *diagSink, pos map[posKey]Pos, bad map[posKey]bool) *decoder {
	return &decoder{file: file, sink: sink, pos: pos, bad: bad}
}

func (d *decoder) at(n *yaml.Node) Pos { return Pos{File: d.file, Line: n.Line, Column: n.Column} }

// requiredFields lists, per type, the yaml names that must be present.
var requiredFields = map[reflect.Type][]string{
	reflect.TypeFor[Manifest]():     {"version", "project"},
	reflect.TypeFor[Account]():      {"id"},
	reflect.TypeFor[Provider]():     {"name", "account"},
	reflect.TypeFor[Notification](): {"topicArn", "events"},
	reflect.TypeFor[PrivateDNS]():   {"name"},
	reflect.TypeFor[Consumer]():     {"name", "account", "vpcId"}, // subnetIds too, unless type: Gateway (validateGateway)
}

type fieldInfo struct {
	names []string       // yaml names in declaration order
	index map[string]int // yaml name -> struct field index
	pos   int            // index of the Pos field, or -1
	alias int            // index of the Alias field, or -1
}

var fieldCache sync.Map // reflect.Type -> *fieldInfo

func fieldsOf(t reflect.Type) *fieldInfo {
	if fi, ok := fieldCache.Load(t); ok {
		return fi.(*fieldInfo)
	}
	fi := &fieldInfo{index: map[string]int{}, pos: -1, alias: -1}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case name == "-" && f.Type == reflect.TypeFor[Pos]():
			fi.pos = i
		case name == "-" && f.Name == "Alias":
			fi.alias = i
		case name == "-" || name == "" || !f.IsExported():
		default:
			fi.names = append(fi.names, name)
			fi.index[name] = i
		}
	}
	fieldCache.Store(t, fi)
	return fi
}

// resolve follows an alias to the node it stands for. Documents whose
// aliases expand too far were refused before decoding (checkAliases), so
// following them here costs at most that budget.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias // yaml.v3 never makes an alias of an alias
	}
	return n
}

// quote writes a value Go-quoted, cut as bounded.Cut cuts it:
// "aaaa…" (60,000,000 characters).
func quote(v string) string {
	short, note := bounded.Cut(v)
	if bounded.LooksSecret(v) {
		return short // a description of the value, not the value
	}
	return strconv.Quote(short) + note
}

// describe says what a node holds, for "got ..." in type errors.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return "string " + quote(n.Value)
		case "!!int":
			return "integer " + bounded.Quote(n.Value)
		case "!!float":
			return "number " + bounded.Quote(n.Value)
		case "!!bool":
			return "boolean " + bounded.Quote(n.Value)
		case "!!null":
			return "null"
		default:
			return bounded.Quote(n.ShortTag()) + " " + quote(n.Value)
		}
	}
	return "an unexpected YAML node"
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// typeError reports that written, the value as written (an alias or the
// value itself), is not what path wants. A value written as an alias is
// reported where the alias is, not at its anchor (which may be a right
// value for the field it is on), and the message says where the anchor is.
func (d *decoder) typeError(written *yaml.Node, owner any, path, want string) {
	d.bad[posKey{owner, path}] = true
	n := d.resolve(written)
	hint := ""
	if want == "a string" && n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!int" || n.ShortTag() == "!!float" || n.ShortTag() == "!!bool") {
		hint = "quote the value: " + quote(n.Value)
	}
	if written != n {
		d.sink.errorf(d.at(written), CodeType, hint, "`%s` must be %s, got %s (alias *%s of the value anchored at %s)",
			path, want, describe(n), written.Value, posRef(d.at(written), d.at(n)))
		return
	}
	d.sink.errorf(d.at(n), CodeType, hint, "`%s` must be %s, got %s", path, want, describe(n))
}

// decode decodes n into v. owner and path locate the value for positions
// and messages.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, owner any, path string) {
	if n == nil {
		return
	}
	// A value written as an alias is positioned where the alias is, so
	// that a repeated value is not reported at its first use.
	d.pos[posKey{owner, path}] = d.at(n)
	written := n
	n = d.resolve(n)
	switch v.Kind() {
	case reflect.Pointer:
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" && v.Type().Elem().Kind() != reflect.Struct {
			d.typeError(written, owner, path, wantOf(v.Type().Elem()))
			return
		}
		nv := reflect.New(v.Type().Elem())
		if fi := fieldsOf0(v.Type().Elem()); fi != nil && fi.pos >= 0 {
			if n.Kind != yaml.MappingNode {
				d.typeError(written, owner, path, "a mapping")
				return // leaves a nil pointer, which the slice case drops
			}
			// A new object: positions below are relative to it.
			nv.Elem().Field(fi.pos).Set(reflect.ValueOf(d.at(n)))
			d.decodeStruct(n, nv.Elem(), nv.Interface(), "")
		} else {
			d.decode(n, nv.Elem(), owner, path)
		}
		v.Set(nv)
	case reflect.Struct:
		if fi := fieldsOf(v.Type()); fi.pos >= 0 && v.CanAddr() {
			if n.Kind != yaml.MappingNode {
				d.typeError(written, owner, path, "a mapping")
				return
			}
			v.Field(fi.pos).Set(reflect.ValueOf(d.at(n)))
			d.decodeStruct(n, v, v.Addr().Interface(), "")
			return
		}
		d.decodeStruct(n, v, owner, path)
	case reflect.Slice:
		if ll := d.lazy[n]; ll != nil {
			d.decodeLazy(ll, v, owner, path)
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.typeError(written, owner, path, "a list")
			return
		}
		// Objects (providers, principals, ...) that are not mappings are
		// reported and left out before the slice is made, so that element
		// addresses, which key positions, never change afterwards.
		elem := v.Type().Elem()
		isObject := false
		if fi := fieldsOf0(elem); fi != nil && fi.pos >= 0 {
			isObject = true
		} else if elem.Kind() == reflect.Pointer {
			if fi := fieldsOf0(elem.Elem()); fi != nil && fi.pos >= 0 {
				isObject = true
			}
		}
		type item struct {
			node *yaml.Node
			path string
		}
		var items []item
		for i, c := range n.Content {
			p := indexPath(path, i)
			if isObject {
				if rc := d.resolve(c); rc == nil {
					continue
				} else if rc.Kind != yaml.MappingNode {
					d.typeError(c, owner, p, "a mapping")
					continue
				}
			}
			items = append(items, item{c, p})
		}
		v.Set(reflect.MakeSlice(v.Type(), len(items), len(items)))
		for i, it := range items {
			d.decode(it.node, v.Index(i), owner, it.path)
		}
		if elem.Kind() == reflect.Pointer {
			// An element that failed to decode is left nil; the rest of
			// the loader must never see it.
			kept := v.Slice(0, 0)
			for i := range v.Len() {
				if !v.Index(i).IsNil() {
					kept = reflect.Append(kept, v.Index(i))
				}
			}
			v.Set(kept)
		}
	case reflect.Map:
		if v.Type() == reflect.TypeFor[map[string]any]() {
			d.decodeAny(n, v, owner, path)
			return
		}
		d.decodeMap(n, v, owner, path)
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
			d.typeError(written, owner, path, "a string")
			return
		}
		v.SetString(d.str(n.Value))
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.typeError(written, owner, path, "a boolean")
			return
		}
		v.SetBool(b)
	case reflect.Int:
		var i int
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
			d.typeError(written, owner, path, "an integer")
			return
		}
		v.SetInt(int64(i))
	default:
		panic("manifest: cannot decode into " + v.Type().String())
	}
}

func indexPath(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func fieldsOf0(t reflect.Type) *fieldInfo {
	if t.Kind() != reflect.Struct {
		return nil
	}
	return fieldsOf(t)
}

func wantOf(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int:
		return "an integer"
	case reflect.Slice:
		return "a list"
	default:
		return "a mapping"
	}
}

// pairs returns a mapping's key/value pairs after checking keys: keys must
// be plain strings, appear once, and not be merge keys.
func (d *decoder) pairs(n *yaml.Node, owner any, path string) [][2]*yaml.Node {
	out, _ := d.pairsMerged(n, owner, path)
	return out
}

// pairsMerged is pairs, and the keys that the mapping's merge keys (<<,
// refused) would have brought: errors about those fields would follow
// from the merge key's error.
func (d *decoder) pairsMerged(n *yaml.Node, owner any, path string) (out [][2]*yaml.Node, merged map[string]bool) {
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.resolve(n.Content[i])
		if k == nil {
			continue
		}
		if k.Kind != yaml.ScalarNode || (k.ShortTag() != "!!str" && k.ShortTag() != "!!merge") {
			d.sink.errorf(d.at(k), CodeType, "", "keys in `%s` must be strings, got %s", displayPath(path), describe(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			d.sink.errorf(d.at(k), CodeSyntax, "write the fields out, or use a YAML alias for the whole value", "YAML merge keys (<<) are not supported")
			if merged == nil {
				merged = map[string]bool{}
			}
			mergedKeys(d.resolve(n.Content[i+1]), merged)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.bad[posKey{owner, join(path, k.Value)}] = true
			d.sink.errorf(d.at(k), CodeDuplicateKey, "", "duplicate key `%s`; first defined at %s", k.Value, posRef(d.at(k), d.at(first)))
			continue
		}
		seen[k.Value] = k
		out = append(out, [2]*yaml.Node{k, n.Content[i+1]})
	}
	return out, merged
}

// mergedKeys adds the keys a merge key's value would bring: those of a
// mapping, or of each mapping (or alias of one) in a list.
func mergedKeys(v *yaml.Node, into map[string]bool) {
	if v == nil {
		return
	}
	maps := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		maps = v.Content
	}
	for _, m := range maps {
		if m.Kind == yaml.AliasNode {
			m = m.Alias
		}
		if m == nil || m.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if k := m.Content[i]; k.Kind == yaml.ScalarNode {
				into[k.Value] = true
			}
		}
	}
}

func displayPath(path string) string {
	if path == "" {
		return "this object"
	}
	return path
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, owner any, path string) {
	if n.Kind != yaml.MappingNode {
		d.typeError(n, owner, displayPath(path), "a mapping")
		return
	}
	fi := fieldsOf(v.Type())
	present := map[string]bool{}
	kvs, merged := d.pairsMerged(n, owner, path)
	for _, kv := range kvs {
		k, val := kv[0], kv[1]
		idx, ok := fi.index[k.Value]
		if !ok {
			d.unknownField(k, fi.names)
			continue
		}
		present[k.Value] = true
		d.decode(val, v.Field(idx), owner, join(path, k.Value))
	}
	for name := range merged {
		if !present[name] {
			// not decoded: the loader's checks of it would follow too
			d.bad[posKey{owner, join(path, name)}] = true
		}
	}
	for _, name := range requiredFields[v.Type()] {
		if !present[name] {
			d.bad[posKey{owner, join(path, name)}] = true
			if merged[name] {
				continue // the merge key's error says it
			}
			d.sink.errorf(d.at(n), CodeRequired, "", "missing required field `%s`%s", join(path, name), inWhat(v, path))
		}
	}
}

// inWhat names the object for a missing-field message.
func inWhat(v reflect.Value, path string) string {
	var kind, name string
	switch o := v.Addr().Interface().(type) {
	case *Provider:
		kind, name = "provider", o.Name
	case *Consumer:
		kind, name = "consumer", o.Name
	case *Account:
		kind, name = "account", o.Alias
	case *Notification:
		return " in notification"
	default:
		return ""
	}
	if name == "" {
		return " in " + kind
	}
	return fmt.Sprintf(" in %s `%s`", kind, name)
}

func (d *decoder) unknownField(k *yaml.Node, valid []string) {
	if s := suggest(k.Value, valid); s != "" {
		d.sink.errorf(d.at(k), CodeUnknownField, "", "unknown field `%s`; did you mean `%s`?", k.Value, s)
		return
	}
	d.sink.errorf(d.at(k), CodeUnknownField, "", "unknown field `%s`; valid fields are %s", k.Value, quoteList(valid))
}

// quoteList names valid values in a message: each cut as errorf cuts a
// value, and at most maxListed of them, since the names can come from the
// file (a manifest's 1,000 accounts).
func quoteList(names []string) composed {
	q := make([]string, 0, min(len(names), maxListed)+1)
	for i, n := range names {
		if i == maxListed {
			q = append(q, fmt.Sprintf("and %d more", len(names)-maxListed))
			break
		}
		q = append(q, "`"+bounded.Quote(n)+"`")
	}
	return composed(strings.Join(q, ", "))
}

// maxListed is how many names quoteList shows.
const maxListed = 24

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, owner any, path string) {
	if n.Kind != yaml.MappingNode {
		d.typeError(n, owner, path, "a mapping")
		return
	}
	m := reflect.MakeMap(v.Type())
	elem := v.Type().Elem()
	for _, kv := range d.pairs(n, owner, path) {
		k, val := kv[0], kv[1]
		ev := reflect.New(elem).Elem()
		if elem.Kind() == reflect.Pointer && elem.Elem().Kind() == reflect.Struct {
			// An object keyed by name (accounts): positioned at its key.
			rv := d.resolve(val)
			if rv == nil {
				continue
			}
			if rv.Kind != yaml.MappingNode {
				d.typeError(val, owner, join(path, k.Value), "a mapping")
				continue
			}
			obj := reflect.New(elem.Elem())
			fi := fieldsOf(elem.Elem())
			if fi.alias >= 0 {
				obj.Elem().Field(fi.alias).SetString(k.Value)
			}
			if fi.pos >= 0 {
				obj.Elem().Field(fi.pos).Set(reflect.ValueOf(d.at(k)))
			}
			d.pos[posKey{owner, join(path, k.Value)}] = d.at(k)
			d.decodeStruct(rv, obj.Elem(), obj.Interface(), "")
			ev.Set(obj)
		} else {
			d.decode(val, ev, owner, join(path, k.Value))
			d.pos[posKey{owner, join(path, k.Value) + "#key"}] = d.at(k)
		}
		m.SetMapIndex(reflect.ValueOf(k.Value), ev)
	}
	v.Set(m)
}

// decodeAny decodes a free-form mapping (an endpoint policy) into JSON
// compatible values: map[string]any, []any, string, bool, int64, float64, nil.
// A string holding a JSON object (jsonencode's output) decodes the same.
func (d *decoder) decodeAny(n *yaml.Node, v reflect.Value, owner any, path string) {
	if rn := d.resolve(n); rn != nil && rn.Kind == yaml.ScalarNode && rn.ShortTag() == "!!str" {
		if rn.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 && d.lines == nil {
			// Positions inside a block scalar read the file's lines.
			d.lines = strings.Split(string(d.text), "\n")
		}
		out, ok := d.policyString(rn, owner, path)
		if !ok {
			d.bad[posKey{owner, path}] = true
			return
		}
		v.Set(reflect.ValueOf(out))
		return
	}
	if n.Kind != yaml.MappingNode {
		d.typeError(n, owner, path, "a mapping, or a string holding a JSON object")
		return
	}
	out, ok := d.toAny(n, owner, path)
	if !ok {
		d.bad[posKey{owner, path}] = true
		return
	}
	v.Set(reflect.ValueOf(out))
}

func (d *decoder) toAny(n *yaml.Node, owner any, path string) (any, bool) {
	if n == nil {
		return nil, false
	}
	// A value written as an alias is positioned where the alias is, so
	// that a repeated value is not reported at its first use.
	d.pos[posKey{owner, path}] = d.at(n)
	n = d.resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		ok := true
		for _, kv := range d.pairs(n, owner, path) {
			v, vok := d.toAny(kv[1], owner, path+"."+kv[0].Value)
			d.pos[posKey{owner, path + "." + kv[0].Value + "#key"}] = d.at(kv[0])
			m[kv[0].Value] = v
			ok = ok && vok
		}
		return m, ok && len(m)*2 == len(n.Content)
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		ok := true
		for i, c := range n.Content {
			v, vok := d.toAny(c, owner, fmt.Sprintf("%s[%d]", path, i))
			s[i] = v
			ok = ok && vok
		}
		return s, ok
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, true
		case "!!bool":
			var b bool
			if n.Decode(&b) == nil {
				return b, true
			}
		case "!!int":
			var i int64
			if n.Decode(&i) == nil {
				return i, true
			}
		case "!!float":
			var f float64
			if n.Decode(&f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				return f, true
			}
		default:
			return n.Value, true
		}
		d.sink.errorf(d.at(n), CodeType, "quote it to make it a string", "`%s` cannot be represented in JSON: %s", path, describe(n))
		return nil, false
	}
	return nil, false
}

func elemOf(p any) reflect.Value { return reflect.ValueOf(p).Elem() }

// posRef names position to for a message at position from: just the line
// and column within the same file, the whole position otherwise.
func posRef(from, to Pos) string {
	if from.File == to.File && to.Line > 0 {
		if to.Column > 0 {
			return fmt.Sprintf("line %d, column %d", to.Line, to.Column)
		}
		return fmt.Sprintf("line %d", to.Line)
	}
	return to.String()
}
