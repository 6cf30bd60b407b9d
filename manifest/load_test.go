package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadFullResolvesAndDefaults(t *testing.T) {
	path := filepath.Join(fixtures, "valid-full.yaml")
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := wantDigest(t, path); m.Digest != want {
		t.Errorf("Digest = %s, want %s", m.Digest, want)
	}
	if !slices.Equal(m.Files, []string{path}) {
		t.Errorf("Files = %v", m.Files)
	}
	if m.Version != 1 || m.Project != "payments-privatelink" {
		t.Errorf("version/project = %d/%s", m.Version, m.Project)
	}
	a := m.Accounts["payments"]
	if a.Alias != "payments" || a.Pos.Line != 11 || a.Pos.Column != 3 || a.ExternalID != "plink-payments" {
		t.Errorf("account payments = %+v", a)
	}
	p := m.Providers[0]
	if p.Pos.Line != 21 || p.Pos.Column != 5 || p.Pos.File != path {
		t.Errorf("provider Pos = %+v", p.Pos)
	}
	var resolved []string
	for _, pr := range p.AllowedPrincipals {
		resolved = append(resolved, pr.Resolved)
	}
	if want := []string{"arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:role/ci"}; !slices.Equal(resolved, want) {
		t.Errorf("Resolved = %v, want %v", resolved, want)
	}
	if want := []string{"555555555555", "333333333333"}; !slices.Equal(p.Connections.AcceptFromIDs, want) {
		t.Errorf("AcceptFromIDs = %v, want %v", p.Connections.AcceptFromIDs, want)
	}
	if !p.Connections.AcceptsDeclared() || !p.Connections.RejectUndeclared {
		t.Errorf("connections = %+v", p.Connections)
	}
	if p.Notifications[0].Pos.Line == 0 || len(p.Notifications[0].Events) != 4 {
		t.Errorf("notification = %+v", p.Notifications[0])
	}
	c := m.Consumers[0]
	if c.Region != "us-east-1" {
		t.Errorf("consumer region = %q, want the default us-east-1", c.Region)
	}
	if want := map[string]string{"team": "platform", "cost-center": "4711", "service": "checkout"}; !mapsEqual(c.Tags, want) {
		t.Errorf("consumer tags = %v, want defaults merged: %v", c.Tags, want)
	}
	if c.DNSOptions == nil || c.DNSOptions.DNSRecordIPType != "dualstack" || c.DNSOptions.PrivateDNSOnlyForInboundResolverEndpoint == nil {
		t.Errorf("dnsOptions = %+v", c.DNSOptions)
	}
	pol, err := json.Marshal(c.Policy)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Statement":[{"Action":["execute-api:Invoke"],"Condition":{"StringEquals":{"aws:PrincipalAccount":"222222222222"}},"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:root"]},"Resource":"*","Sid":"AllowCheckout"}],"Version":"2012-10-17"}`; string(pol) != want {
		t.Errorf("policy JSON = %s\nwant %s", pol, want)
	}
	if m.Consumers[1].Policy["Statement"].(map[string]any)["Effect"] != "Allow" {
		t.Errorf("JSON-style policy not decoded: %v", m.Consumers[1].Policy)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestLoadDirectoryMergesInNameOrder(t *testing.T) {
	dir := filepath.Join(fixtures, "valid-multi")
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "00-accounts.yaml"), filepath.Join(dir, "10-providers.yaml"), filepath.Join(dir, "20-consumers.yml")}
	if !slices.Equal(m.Files, want) {
		t.Errorf("Files = %v, want %v", m.Files, want)
	}
	if m.Digest != wantDigest(t, want...) {
		t.Errorf("Digest is not the sha256 of the files in load order")
	}
	p, c := m.Providers[0], m.Consumers[0]
	if p.Region != "us-gov-west-1" || c.Region != "us-gov-west-1" {
		t.Errorf("regions = %s, %s; want defaults.region from another file", p.Region, c.Region)
	}
	if p.AllowedPrincipals[0].Resolved != "arn:aws-us-gov:iam::222222222222:root" {
		t.Errorf("Resolved = %s, want the GovCloud partition", p.AllowedPrincipals[0].Resolved)
	}
	if c.Pos.File != want[2] || p.Pos.File != want[1] {
		t.Errorf("positions name the wrong files: %v, %v", p.Pos, c.Pos)
	}
	if c.Tags["owner"] != "spoke-team" || p.Tags["owner"] != "network-team" {
		t.Errorf("tags: provider %v, consumer %v", p.Tags, c.Tags)
	}

	// The same file named twice, directly and through its directory, is read once.
	m2, err := Load(want[0], dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(m2.Files) != 3 || m2.Digest != m.Digest {
		t.Errorf("Files = %v; a repeated file must be read once", m2.Files)
	}
}

func TestLoadReadErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(empty, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.yaml")
	tests := []struct {
		name  string
		paths []string
		want  []string
	}{
		{"no paths", nil, []string{"error: no manifest path given"}},
		{"missing file", []string{missing}, []string{missing + ": error: cannot read manifest: no such file or directory"}},
		{"directory without yaml", []string{empty}, []string{empty + ": error: directory has no *.yaml or *.yml files"}},
		{"all reported", []string{missing, empty}, []string{
			missing + ": error: cannot read manifest: no such file or directory",
			empty + ": error: directory has no *.yaml or *.yml files",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Load(tt.paths...)
			if m != nil || err == nil {
				t.Fatalf("Load = %v, %v; want an error", m, err)
			}
			if got := strings.Split(err.Error(), "\n"); !slices.Equal(got, tt.want) {
				t.Errorf("error =\n%s\nwant\n%s", err, strings.Join(tt.want, "\n"))
			}
			var ds Diagnostics
			if !errors.As(err, &ds) || ds[0].Code != CodeRead {
				t.Errorf("want Diagnostics with code %s, got %#v", CodeRead, err)
			}
		})
	}
}

func TestLoadUnreadableFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can read any file")
	}
	f := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(f, []byte("version: 1\n"), 0o000); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(f); err == nil || !strings.Contains(err.Error(), "cannot read manifest: permission denied") {
		t.Errorf("err = %v", err)
	}
}

func TestParse(t *testing.T) {
	const doc = "version: 1\nproject: p\naccounts: {a: {id: \"111111111111\"}}\n"
	m, err := Parse("inline.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if m.Files[0] != "inline.yaml" || m.Accounts["a"].Pos != (Pos{File: "inline.yaml", Line: 3, Column: 12}) {
		t.Errorf("Parse: files %v, account pos %+v", m.Files, m.Accounts["a"].Pos)
	}
	tests := []struct{ name, doc, want string }{
		{"string version", "version: \"1\"\nproject: p\n", `x.yaml:1:10: error: unsupported manifest version string "1"; this build of plink supports version 1`},
		{"float version", "version: 1.5\nproject: p\n", `x.yaml:1:10: error: unsupported manifest version 1.5; this build of plink supports version 1`},
		{"list document", "- version: 1\n", "x.yaml:1:1: error: a manifest must be a mapping with `version`, `project`, `accounts`, `providers` and `consumers`, got a list"},
		{"null document", "~\n", "x.yaml:1:1: error: file is empty; expected a manifest"},
		{"merge key", "version: 1\nproject: p\nbase: &b {id: \"111111111111\"}\n", "x.yaml:3:1: error: unknown field `base`; valid fields are `version`, `project`, `defaults`, `accounts`, `providers`, `consumers`"},
		{"merge key used", "version: 1\nproject: p\naccounts:\n  a: {<<: {id: \"111111111111\"}}\n", "x.yaml:4:7: error: YAML merge keys (<<) are not supported"},
		{"non-string key", "version: 1\nproject: p\naccounts: {1: {id: \"111111111111\"}}\n", "x.yaml:3:12: error: keys in `accounts` must be strings, got integer 1"},
		{"int where string with hint", "version: 1\nproject: 7\n", "x.yaml:2:10: error: `project` must be a string, got integer 7"},
		{"null scalar", "version: 1\nproject: p\naccounts: {a: {id: \"111111111111\", profile: }}\n", "x.yaml:3:45: error: `profile` must be a string, got null"},
		{"null pointer bool", "version: 1\nproject: p\nconsumers: [{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], serviceName: a.b, dnsOptions: {privateDnsOnlyForInboundResolverEndpoint: null}}]\n",
			"x.yaml:3:13: error: consumer `c` has no region; set `region` or `defaults.region`\n" +
				"x.yaml:3:32: error: unknown account `a` in consumer `c`; no accounts are defined\n" +
				"x.yaml:3:159: error: `dnsOptions.privateDnsOnlyForInboundResolverEndpoint` must be a boolean, got null"},
		{"policy with infinity", "version: 1\nproject: p\ndefaults: {region: us-east-1}\naccounts: {a: {id: \"111111111111\"}}\nconsumers: [{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], serviceName: a.b, policy: {Statement: {Effect: Allow, Action: '*', Condition: {NumericLessThan: {k: .inf}}}}}]\n",
			"x.yaml:5:186: error: `policy.Statement.Condition.NumericLessThan.k` cannot be represented in JSON: number .inf"},
		{"empty profile", "version: 1\nproject: p\naccounts: {a: {id: \"111111111111\", profile: \"\"}}\n", "x.yaml:3:45: error: `profile` in account `a` is empty; name a profile from the AWS shared config, or drop the field"},
		{"external id too long", "version: 1\nproject: p\naccounts: {a: {id: \"111111111111\", roleArn: \"arn:aws:iam::111111111111:role/r\", externalId: " + strings.Repeat("x", 1300) + "}}\n", "x.yaml:3:93: error: `externalId` of account `a` is longer than 1224 characters"},
		{"alias shape", "version: 1\nproject: p\naccounts: {\"-bad\": {id: \"111111111111\"}}\n", "x.yaml:3:12: error: invalid account alias `-bad`; use up to 63 letters, digits, `-` and `_`, starting with a letter or digit"},
		{"empty events", "version: 1\nproject: p\ndefaults: {region: us-east-1}\naccounts: {a: {id: \"111111111111\"}}\nproviders: [{name: p, account: a, networkLoadBalancerArns: [\"arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/n/0123456789abcdef\"], notifications: [{topicArn: \"arn:aws:sns:us-east-1:111111111111:t\", events: []}]}]\n",
			"x.yaml:5:228: error: `events` is empty; list one or more of Connect, Accept, Reject, Delete"},
		{"adopted twice", "version: 1\nproject: p\ndefaults: {region: us-east-1}\naccounts: {a: {id: \"111111111111\"}}\nconsumers:\n- {name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], serviceName: a.b, adopt: vpce-01234567}\n- {name: d, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], serviceName: a.b, adopt: vpce-01234567}\n",
			"x.yaml:7:101: error: `vpce-01234567` is adopted twice; also adopted at line 6, column 101"},
		{"duplicate acceptFrom", "version: 1\nproject: p\ndefaults: {region: us-east-1}\naccounts: {a: {id: \"111111111111\"}}\nproviders: [{name: p, account: a, networkLoadBalancerArns: [\"arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/n/0123456789abcdef\"], connections: {acceptFrom: [a, a]}}]\n",
			"x.yaml:5:183: error: `a` is listed twice in `connections.acceptFrom`; first at line 5, column 180"},
		{"too many tags", "version: 1\nproject: p\ndefaults: {region: us-east-1}\naccounts: {a: {id: \"111111111111\"}}\nconsumers: [{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], serviceName: a.b, tags: {" + manyTags(49) + "}}]\n",
			"x.yaml:5:110: error: consumer `c` has 49 tags (with defaults.tags); at most 48 fit next to plink's own two"},
		{"long tag key and value", "version: 1\nproject: p\ndefaults: {region: us-east-1, tags: {" + strings.Repeat("k", 129) + ": v, ok: " + strings.Repeat("v", 257) + "}}\n",
			"x.yaml:3:38: error: tag key `" + strings.Repeat("k", 64) + "…` (129 characters) is longer than 128 characters\nx.yaml:3:172: error: value of tag `ok` is longer than 256 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tt.doc))
			if err == nil {
				t.Fatalf("no error; want\n%s", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error =\n%s\nwant\n%s", err, tt.want)
			}
		})
	}
}

func manyTags(n int) string {
	var parts []string
	for i := range n {
		parts = append(parts, "t"+strings.Repeat("x", i)+": v")
	}
	return strings.Join(parts, ", ")
}

func TestParseFilesMergesInNameOrder(t *testing.T) {
	m, err := ParseFiles(map[string][]byte{
		"b.yaml": []byte("version: 1\nproject: p\naccounts: {b: {id: \"222222222222\"}}\n"),
		"a.yaml": []byte("version: 1\nproject: p\naccounts: {a: {id: \"111111111111\"}}\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Files, []string{"a.yaml", "b.yaml"}) || len(m.Accounts) != 2 {
		t.Errorf("files %v, accounts %v", m.Files, m.Accounts)
	}
}

func TestAliasesAreFollowed(t *testing.T) {
	doc := "version: 1\nproject: p\ndefaults: {region: us-east-1}\naccounts: {a: {id: \"111111111111\"}}\n" +
		"consumers:\n" +
		"- {name: c, account: a, vpcId: vpc-01234567, subnetIds: &subnets [subnet-01234567, subnet-89abcdef], serviceName: a.b}\n" +
		"- {name: d, account: a, vpcId: vpc-01234567, subnetIds: *subnets, serviceName: a.c}\n"
	m, err := Parse("x.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Consumers[1].SubnetIDs, []string{"subnet-01234567", "subnet-89abcdef"}) {
		t.Errorf("subnets = %v", m.Consumers[1].SubnetIDs)
	}
}

func TestDiagnostics(t *testing.T) {
	ds := Diagnostics{
		{Pos: Pos{File: "b.yaml", Line: 1, Column: 1}, Severity: SeverityWarning, Code: "PL004", Message: "w"},
		{Pos: Pos{File: "a.yaml", Line: 9, Column: 2}, Severity: SeverityError, Code: "M004", Message: "e2", Hint: "h"},
		{Pos: Pos{File: "a.yaml", Line: 9, Column: 1}, Severity: SeverityError, Code: "M004", Message: "e1"},
	}
	ds.Sort()
	want := "a.yaml:9:1: error: e1\na.yaml:9:2: error: e2\nb.yaml:1:1: warning: w"
	if ds.Error() != want {
		t.Errorf("Error() =\n%s\nwant\n%s", ds.Error(), want)
	}
	if !ds.HasErrors() || len(ds.Errors()) != 2 || len(ds.Warnings()) != 1 || ds.Warnings().HasErrors() {
		t.Errorf("HasErrors/Errors/Warnings wrong")
	}
	b, err := json.Marshal(ds[1])
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"file":"a.yaml","line":9,"column":2,"severity":"error","code":"M004","message":"e2","hint":"h"}`; string(b) != want {
		t.Errorf("JSON = %s\nwant %s", b, want)
	}
	if got := (Diagnostic{Message: "m"}).Error(); got != "error: m" {
		t.Errorf("no position: %q", got)
	}
	if got := (Pos{File: "f", Line: 3}).String(); got != "f:3" {
		t.Errorf("Pos without column: %q", got)
	}
}

func TestSuggest(t *testing.T) {
	valid := []string{"name", "account", "region", "subnetIds", "securityGroupIds", "vpcId", "privateDnsEnabled"}
	for got, want := range map[string]string{
		"subnet": "subnetIds", "subnets": "subnetIds", "vpcID": "vpcId", "regoin": "region",
		"privateDNS": "privateDnsEnabled", "acount": "account", "colour": "", "x": "", "nme": "name",
	} {
		if s := suggest(got, valid); s != want {
			t.Errorf("suggest(%q) = %q, want %q", got, s, want)
		}
	}
}

func TestPolicyShapes(t *testing.T) {
	const head = "version: 1\nproject: p\ndefaults: {region: us-east-1}\naccounts: {a: {id: \"111111111111\"}}\nconsumers:\n- name: c\n  account: a\n  vpcId: vpc-01234567\n  subnetIds: [subnet-01234567]\n  serviceName: a.b\n  policy:\n"
	tests := []struct{ name, policy, want string }{
		{"statement not a list or mapping", "    Statement: 5\n", "x.yaml:12:16: error: policy of consumer `c`: `Statement` must be a statement or a list of statements"},
		{"empty statement list", "    Statement: []\n", "x.yaml:12:16: error: policy of consumer `c`: `Statement` is an empty list"},
		{"non-string id and sid", "    Id: 5\n    Statement: {Sid: 6, Effect: Allow, Action: '*'}\n",
			"x.yaml:12:9: error: policy of consumer `c`: `Id` must be a string\nx.yaml:13:22: error: policy of consumer `c`: `Sid` must be a string"},
		{"bad actions", "    Statement: {Effect: Allow, Action: [1, \"\"], Resource: \"\"}\n",
			"x.yaml:12:41: error: policy of consumer `c`: `Action` must hold non-empty strings\nx.yaml:12:44: error: policy of consumer `c`: `Action` must hold non-empty strings\nx.yaml:12:59: error: policy of consumer `c`: `Resource` is empty"},
		{"action of wrong type", "    Statement: {Effect: Allow, Action: {a: b}}\n", "x.yaml:12:40: error: policy of consumer `c`: `Action` must be a string or a list of strings"},
		{"principal string", "    Statement: {Effect: Allow, Action: '*', NotPrincipal: me}\n", "x.yaml:12:59: error: policy of consumer `c`: `NotPrincipal` must be \"*\" or a mapping like {AWS: [ARN, ...]}"},
		{"principal values", "    Statement: {Effect: Allow, Action: '*', Principal: {AWS: [1], Service: {}}}\n",
			"x.yaml:12:63: error: policy of consumer `c`: principal values must be strings\nx.yaml:12:76: error: policy of consumer `c`: principal values must be a string or a list of strings"},
		{"unknown element without suggestion", "    Statement: {Effect: Allow, Action: '*', Foo: 1}\n", "x.yaml:12:45: error: policy of consumer `c`: unknown element `Foo`; valid elements are `Sid`, `Effect`, `Principal`, `NotPrincipal`, `Action`, `NotAction`, `Resource`, `NotResource`, `Condition`"},
		{"condition not a mapping", "    Statement: {Effect: Allow, Action: '*', Condition: [x]}\n", "x.yaml:12:56: error: policy of consumer `c`: `Condition` must be a mapping of operator to {key: value}"},
		{"too large", "    Statement: {Effect: Allow, Action: '*', Resource: [" + strings.Repeat("\"arn:aws:s3:::bucket-with-a-long-name/*\", ", 600) + "]}\n",
			"x.yaml:12:5: error: policy of consumer `c`: it is 24658 characters as JSON; AWS accepts at most 20480"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(head+tt.policy))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error =\n%v\nwant\n%s", err, tt.want)
			}
		})
	}
}

func TestUnknownAnchorIsPositioned(t *testing.T) {
	_, err := Parse("x.yaml", []byte("version: 1\nproject: *nope\n"))
	if err == nil || err.Error() != "x.yaml:2:10: error: invalid YAML: unknown anchor 'nope' referenced" {
		t.Errorf("err = %v", err)
	}
}

// wantDigest is the documented digest: SHA-256 over, per file in load
// order, its base name, NUL, its length, NUL and its bytes.
func wantDigest(t *testing.T, paths ...string) string {
	t.Helper()
	h := sha256.New()
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.Base(p), len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Moving text from one file to another changes the digest, though the
// bytes read, back to back, are the same.
func TestDigestFramesFiles(t *testing.T) {
	ma, err := ParseFiles(map[string][]byte{
		"a.yaml": []byte("version: 1\nproject: p\n# note\n"),
		"b.yaml": []byte("version: 1\nproject: p\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	mb, err := ParseFiles(map[string][]byte{
		"a.yaml": []byte("version: 1\nproject: p\n"),
		"b.yaml": []byte("# note\nversion: 1\nproject: p\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if ma.Digest == mb.Digest {
		t.Fatal("same digest after moving a line from a.yaml to b.yaml")
	}
}
