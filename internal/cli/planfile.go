package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/plinkdev/plink/internal/atomicfile"
	"github.com/plinkdev/plink/internal/bounded"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/render"
	"github.com/plinkdev/plink/reconcile"
)

// planFileFormat names the saved-plan format; a reader refuses others.
// Format 2: a no-op change carries no values (an endpoint service only its
// after values), so a plan of format 1 would differ from the plan made
// again on every no-op; it is refused by name instead.
const planFileFormat = "plink-saved-plan/2"

// maxPlanFileBytes caps a saved plan's size. A saved plan of the largest
// manifest plink must load (internal/scale: 50,000 consumers, 12,500
// providers, 1,000 accounts, every resource to create) is 98 MB (93 MiB); the cap
// leaves room for a plan of replacements (before and after values) of that
// size, and refuses a file padded with junk before decoding it.
var maxPlanFileBytes int64 = 256 << 20 // a var: tests lower it

// planLimits bound a saved plan's structure. The plan of 50,000 consumers
// lists 137,440 changes in one array and holds 2,615,910 entries in all,
// more than the bounds of a manifest: one array may hold 1,048,576 entries
// and the file 16,777,216 (the size cap comes first for any file that
// could reach them); depth and the longest value are bounded as in every
// file.
var planLimits = bounded.Limits{MaxWidth: 1 << 20, MaxEntries: 1 << 24}

// savedPlan is what `plink plan -out FILE` writes: the plan (with the
// manifest digest and the fingerprint of every live resource it read) and
// where the manifest came from. `plink apply FILE` treats it as a promise,
// not a program: it plans again from the manifest and live state and
// carries out that plan only if its changes are the saved ones.
type savedPlan struct {
	Format        string    `json:"format"`
	CreatedAt     time.Time `json:"createdAt"`
	ManifestPaths []string  `json:"manifestPaths"`
	Sandbox       bool      `json:"sandbox"`
	// AllowDisconnect records --allow-disconnect; apply FILE must be given
	// it again, so consent to an outage is never taken from an editable file.
	AllowDisconnect bool `json:"allowDisconnect,omitempty"`
	// Destroy marks a plan of 'plink destroy -out FILE', applied only by
	// 'plink destroy FILE'; DeleteAdopted records --delete-adopted, which
	// must be given again, as --allow-disconnect.
	Destroy       bool `json:"destroy,omitempty"`
	DeleteAdopted bool `json:"deleteAdopted,omitempty"`
	// Accounts and Regions are the shard (--account, --region) the plan
	// was made for: apply FILE plans that shard again, and refuses another.
	Accounts []string        `json:"accounts,omitempty"`
	Regions  []string        `json:"regions,omitempty"`
	Plan     json.RawMessage `json:"plan"`
}

// writeSavedPlan writes p with the settings in sp.
func writeSavedPlan(path string, p *plan.Plan, sp savedPlan) error {
	var buf bytes.Buffer
	if err := render.JSON(&buf, p); err != nil {
		return err
	}
	sp.Format, sp.CreatedAt, sp.Plan = planFileFormat, time.Now().UTC(), buf.Bytes()
	data, err := json.MarshalIndent(sp, "", "  ")
	if err != nil {
		return err
	}
	// 0600: a plan lists accounts, principals and policies; it is for the
	// pipeline that made it, not for everyone on the machine.
	if err := atomicfile.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write plan file: %w", err)
	}
	return nil
}

// readPlanFile reads a saved plan as strictly as manifest.Load reads a
// manifest: a size cap, the depth and width bounds of every file plink
// reads, no key twice in one object (encoding/json would keep the last one
// while other tools show the first), and no field this plink does not
// write. Errors name the file, line and column, and quote at most a short
// prefix of what the file holds. Passing here proves nothing about who
// wrote the file: apply still plans again and compares (planDifference).
func readPlanFile(path string) (*savedPlan, *plan.Plan, error) {
	data, err := bounded.ReadFile(path, maxPlanFileBytes)
	if errors.Is(err, bounded.ErrTooLarge) {
		return nil, nil, withHint(fmt.Errorf("read plan file: %w", err), "a saved plan of 50,000 consumers is far smaller; write it again with 'plink plan -out FILE'")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read plan file: %w", err)
	}
	const rewrite = "the file was edited or is not a saved plan; write it again with 'plink plan -out FILE'"
	if se := bounded.ScanJSON(data, planLimits); se != nil {
		return nil, nil, withHint(fmt.Errorf("%s:%d:%d: %s", path, se.Line, se.Column, se.Problem()), rewrite)
	}
	var sp savedPlan
	if err := json.Unmarshal(data, &sp); err != nil || sp.Format == "" {
		return nil, nil, withHint(fmt.Errorf("%s is not a saved plink plan", path), "write one with 'plink plan -out FILE'")
	}
	if sp.Format != planFileFormat {
		return nil, nil, withHint(fmt.Errorf("%s is a saved plan of format %s; this plink reads %q", path, reconcile.QuoteValue(sp.Format), planFileFormat), "re-run 'plink plan -out FILE' with this version of plink")
	}
	if uf := unknownField(data, reflect.TypeFor[savedPlanFields]()); uf != nil {
		line, col := bounded.Position(data, uf.offset)
		return nil, nil, withHint(fmt.Errorf("%s:%d:%d: unknown field %q in %s; valid fields are %s", path, line, col, bounded.Quote(uf.name), uf.in, strings.Join(uf.valid, ", ")), rewrite)
	}
	p, err := render.Decode(bytes.NewReader(sp.Plan))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return &sp, p, nil
}

// savedPlanFields is the saved plan as unknownField checks it: the plan is
// the document render.JSON writes (the Plan's fields and a summary).
type savedPlanFields struct {
	savedPlan
	Plan struct {
		*plan.Plan
		Summary plan.Summary `json:"summary"`
	} `json:"plan"`
}

// fieldError is a key of a JSON object that its Go type has no field for.
type fieldError struct {
	offset int    // where the key starts
	name   string // the key
	in     string // the object, as a path ("plan.changes[3]")
	valid  []string
}

// unknownField walks the JSON in data along type t and returns the first
// key that no field of the struct type at its place names exactly (json
// tags; encoding/json would also take a key in another case), or nil.
// Maps, interfaces and json.RawMessage hold any keys. data has passed
// ScanJSON, so the walk's depth is bounded; text that is not JSON ends the
// walk (the decoder says what is wrong). It reads bytes, not tokens: a
// plan of 50,000 consumers is walked in a fraction of its decoding time.
func unknownField(data []byte, t reflect.Type) *fieldError {
	w := &fieldWalker{data: data, fields: map[reflect.Type]map[string]reflect.Type{}}
	return w.walk(t)
}

type fieldWalker struct {
	data   []byte
	i      int
	fields map[reflect.Type]map[string]reflect.Type
	path   []any // keys (string) and indexes (int) down to the value walked
}

func (w *fieldWalker) ws() {
	for w.i < len(w.data) && (w.data[w.i] == ' ' || w.data[w.i] == '\t' || w.data[w.i] == '\n' || w.data[w.i] == '\r') {
		w.i++
	}
}

// str reads the string at w.i; ok is false if there is none.
func (w *fieldWalker) str() (s string, start int, ok bool) {
	if w.i >= len(w.data) || w.data[w.i] != '"' {
		return "", 0, false
	}
	start = w.i
	escaped := false
	for j := w.i + 1; j < len(w.data); j++ {
		switch w.data[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			w.i = j + 1
			if !escaped {
				return string(w.data[start+1 : j]), start, true
			}
			err := json.Unmarshal(w.data[start:j+1], &s)
			return s, start, err == nil
		}
	}
	return "", 0, false
}

// skip skips one value of any kind.
func (w *fieldWalker) skip() bool {
	depth := 0
	for w.i < len(w.data) {
		switch c := w.data[w.i]; c {
		case '"':
			if _, _, ok := w.str(); !ok {
				return false
			}
			if depth == 0 {
				return true
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return true // the end of the scalar's object or list
			}
			if depth--; depth == 0 {
				w.i++
				return true
			}
		case ',', ':', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return true
			}
		}
		w.i++
	}
	return depth == 0
}

func (w *fieldWalker) walk(t reflect.Type) *fieldError {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	w.ws()
	if w.i >= len(w.data) {
		return nil
	}
	switch {
	case t == reflect.TypeFor[json.RawMessage](), t == reflect.TypeFor[time.Time]():
	case t.Kind() == reflect.Struct && w.data[w.i] == '{':
		fields, ok := w.fields[t]
		if !ok {
			fields = jsonFields(t)
			w.fields[t] = fields
		}
		w.i++
		for {
			w.ws()
			if w.i < len(w.data) && w.data[w.i] == '}' {
				w.i++
				return nil
			}
			key, start, ok := w.str()
			if !ok {
				w.i = len(w.data)
				return nil
			}
			ft, known := fields[key]
			if !known {
				return &fieldError{offset: start, name: key, in: w.where(), valid: slices.Sorted(maps.Keys(fields))}
			}
			w.ws()
			if w.i >= len(w.data) || w.data[w.i] != ':' {
				w.i = len(w.data)
				return nil
			}
			w.i++
			w.path = append(w.path, key)
			if fe := w.walk(ft); fe != nil {
				return fe
			}
			w.path = w.path[:len(w.path)-1]
			w.ws()
			if w.i < len(w.data) && w.data[w.i] == ',' {
				w.i++
			}
		}
	case (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && w.data[w.i] == '[':
		w.i++
		for n := 0; ; n++ {
			w.ws()
			if w.i >= len(w.data) {
				return nil
			}
			if w.data[w.i] == ']' {
				w.i++
				return nil
			}
			w.path = append(w.path, n)
			if fe := w.walk(t.Elem()); fe != nil {
				return fe
			}
			w.path = w.path[:len(w.path)-1]
			w.ws()
			if w.i < len(w.data) && w.data[w.i] == ',' {
				w.i++
			}
		}
	}
	// Maps, interfaces, scalars, and values of the wrong kind (which the
	// decoder refuses): any content.
	if !w.skip() {
		w.i = len(w.data)
	}
	return nil
}

// where names the object being walked: "plan.changes[3]".
func (w *fieldWalker) where() string {
	if len(w.path) == 0 {
		return "the saved plan"
	}
	var b strings.Builder
	for _, p := range w.path {
		switch p := p.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(bounded.Quote(p))
		case int:
			fmt.Fprintf(&b, "[%d]", p)
		}
	}
	return b.String()
}

// jsonFields maps the JSON names of a struct's fields (embedded structs'
// fields promoted, outer fields first) to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		var embedded []reflect.Type
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if f.Anonymous && name == "" {
				et := f.Type
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				embedded = append(embedded, et)
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, dup := fields[name]; !dup {
				fields[name] = f.Type
			}
		}
		for _, et := range embedded {
			add(et)
		}
	}
	add(t)
	return fields
}
