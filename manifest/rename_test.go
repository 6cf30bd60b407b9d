package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// renameDoc is a manifest with two providers and two consumers; the
// arguments are each entry's extra lines.
func renameDoc(p1, p2, c1, c2 string) string {
	const lb = `networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/n/0123456789abcdef"]`
	const lb2 = `networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/m/0123456789abcdef"]`
	return "version: 1\nproject: p\ndefaults: {region: us-east-1}\naccounts: {a: {id: \"111111111111\"}}\n" +
		"providers:\n" +
		"- name: api\n  account: a\n  " + lb + "\n" + p1 +
		"- name: web\n  account: a\n  " + lb2 + "\n" + p2 +
		"consumers:\n" +
		"- name: chk\n  account: a\n  vpcId: vpc-01234567\n  subnetIds: [subnet-01234567]\n  provider: api\n" + c1 +
		"- name: ana\n  account: a\n  vpcId: vpc-01234567\n  subnetIds: [subnet-01234567]\n  provider: web\n" + c2
}

func TestRenamedFromValid(t *testing.T) {
	doc := renameDoc("  renamedFrom: [payments-api, api-v0]\n", "", "  renamedFrom: [checkout]\n",
		// a consumer may take a former provider name: names are per kind
		"  renamedFrom: [old-web, api-v1]\n")
	m, err := Parse("x.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Providers[0].RenamedFrom; !slices.Equal(got, []string{"payments-api", "api-v0"}) {
		t.Errorf("provider RenamedFrom = %v", got)
	}
	if got := m.Consumers[1].RenamedFrom; !slices.Equal(got, []string{"old-web", "api-v1"}) {
		t.Errorf("consumer RenamedFrom = %v", got)
	}
	if m.Providers[1].RenamedFrom != nil {
		t.Errorf("unset RenamedFrom = %v, want nil", m.Providers[1].RenamedFrom)
	}
}

func TestRenamedFromErrors(t *testing.T) {
	tests := []struct{ name, p1, p2, c1, c2, want string }{
		{name: "invalid name", p1: "  renamedFrom: [Old_API]\n",
			want: "x.yaml:9:17: error: invalid name `Old_API` in `renamedFrom` of provider `api`; use 1-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit"},
		{name: "own name", c1: "  renamedFrom: [chk]\n",
			want: "x.yaml:18:17: error: consumer `chk` lists its own name in `renamedFrom`"},
		{name: "name of another provider", p1: "  renamedFrom: [old, web]\n",
			want: "x.yaml:9:22: error: `web` in `renamedFrom` of provider `api` is the name of another provider, defined at line 10, column 9; a former name must be free"},
		{name: "name of another consumer", c2: "  renamedFrom: [chk]\n",
			want: "x.yaml:23:17: error: `chk` in `renamedFrom` of consumer `ana` is the name of another consumer, defined at line 13, column 9; a former name must be free"},
		{name: "listed by two entries", p1: "  renamedFrom: [old]\n", p2: "  renamedFrom: [old]\n",
			want: "x.yaml:13:17: error: `old` in `renamedFrom` of provider `web` is also listed by provider `api` at line 9, column 17"},
		{name: "listed twice in one entry", c1: "  renamedFrom: [old, old]\n",
			want: "x.yaml:18:22: error: `old` is listed twice in `renamedFrom`; first at line 18, column 17"},
		{name: "not a list", c1: "  renamedFrom: old\n",
			want: "x.yaml:18:16: error: `renamedFrom` must be a list, got string \"old\""},
		{name: "every error at once", p1: "  renamedFrom: [api, -x]\n", c1: "  renamedFrom: [ana]\n",
			want: "x.yaml:9:17: error: provider `api` lists its own name in `renamedFrom`\n" +
				"x.yaml:9:22: error: invalid name `-x` in `renamedFrom` of provider `api`; use 1-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit\n" +
				"x.yaml:19:17: error: `ana` in `renamedFrom` of consumer `chk` is the name of another consumer, defined at line 20, column 9; a former name must be free"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(renameDoc(tt.p1, tt.p2, tt.c1, tt.c2)))
			if err == nil {
				t.Fatalf("no error; want\n%s", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error =\n%s\nwant\n%s", err, tt.want)
			}
		})
	}
}

// TestRenamedFromHints checks the hints that say what to do.
func TestRenamedFromHints(t *testing.T) {
	_, err := Parse("x.yaml", []byte(renameDoc("  renamedFrom: [old, web, api]\n", "  renamedFrom: [old]\n", "", "")))
	var diags Diagnostics
	if !errors.As(err, &diags) || len(diags) != 3 {
		t.Fatalf("diagnostics = %v", diags)
	}
	want := map[string]string{
		CodeConflict:      "",
		CodeDuplicateName: "a live resource can be renamed to one entry only; keep the name in one list",
	}
	for _, d := range diags {
		if _, ok := want[d.Code]; !ok || d.Hint == "" {
			t.Errorf("%s: code %s, hint %q", d, d.Code, d.Hint)
		}
		if h := want[d.Code]; h != "" && d.Hint != h {
			t.Errorf("%s: hint %q, want %q", d, d.Hint, h)
		}
	}
}

// TestRenamedFromSchema: the editor's schema accepts renamedFrom lists and
// rejects a malformed former name, as the loader does.
func TestRenamedFromSchema(t *testing.T) {
	s := compileSchema(t)
	for _, tc := range []struct {
		doc   string
		valid bool
	}{
		{renameDoc("  renamedFrom: [payments-api]\n", "", "  renamedFrom: [checkout, chk-v1]\n", ""), true},
		{renameDoc("  renamedFrom: [Old_API]\n", "", "", ""), false},
		{renameDoc("", "", "  renamedFrom: old\n", ""), false},
	} {
		path := filepath.Join(t.TempDir(), "m.yaml")
		if err := os.WriteFile(path, []byte(tc.doc), 0o600); err != nil {
			t.Fatal(err)
		}
		err := s.Validate(yamlToJSON(t, path))
		if (err == nil) != tc.valid {
			t.Errorf("schema validation of\n%s\n= %v, want valid=%v", tc.doc, err, tc.valid)
		}
	}
}
