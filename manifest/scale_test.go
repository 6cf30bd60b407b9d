package manifest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// genManifest writes a valid manifest of 50 accounts, 100 providers and n
// consumers, at most 40 per VPC. With aliases, the principal list, subnet
// lists, security groups and tags are written once and aliased everywhere
// else, as people do to keep large manifests short.
func genManifest(n int, aliases bool) []byte {
	const accounts, providers = 50, 100
	id := func(a int) string { return fmt.Sprintf("%012d", 100000000000+a) }
	var b bytes.Buffer
	b.WriteString("version: 1\nproject: scale\ndefaults:\n  region: us-east-1\naccounts:\n")
	for a := range accounts {
		fmt.Fprintf(&b, "  a%02d: {id: %q}\n", a, id(a))
	}
	b.WriteString("providers:\n")
	for p := range providers {
		fmt.Fprintf(&b, "  - name: p%03d\n    account: a%02d\n    networkLoadBalancerArns: [arn:aws:elasticloadbalancing:us-east-1:%s:loadbalancer/net/p%03d/%016x]\n",
			p, p%accounts, id(p%accounts), p, p+1)
		if aliases && p > 0 {
			b.WriteString("    allowedPrincipals: *all\n")
			continue
		}
		b.WriteString("    allowedPrincipals:")
		if aliases {
			b.WriteString(" &all")
		}
		b.WriteString("\n")
		for a := range accounts {
			fmt.Fprintf(&b, "      - account: a%02d\n", a)
		}
	}
	b.WriteString("consumers:\n")
	for c := range n {
		vpc := c / 40
		fmt.Fprintf(&b, "  - name: c%05d\n    account: a%02d\n    vpcId: vpc-%017x\n    provider: p%03d\n", c, c%accounts, vpc, c%providers)
		switch {
		case aliases && c > 0:
			b.WriteString("    subnetIds: *subnets\n    securityGroupIds: *groups\n    tags: *tags\n")
		case aliases:
			b.WriteString("    subnetIds: &subnets [subnet-0000000000000000a, subnet-0000000000000000b, subnet-0000000000000000c]\n" +
				"    securityGroupIds: &groups [sg-0000000000000000a]\n" +
				"    tags: &tags {team: platform, tier: gold, cost-center: \"4711\", owner: payments, env: prod}\n")
		default:
			fmt.Fprintf(&b, "    subnetIds: [subnet-%017x, subnet-%017x, subnet-%017x]\n    securityGroupIds: [sg-%017x]\n", 3*vpc, 3*vpc+1, 3*vpc+2, vpc)
		}
	}
	return b.Bytes()
}

// loadClean loads and lints data, failing on any error diagnostic.
func loadClean(t *testing.T, data []byte) *Manifest {
	t.Helper()
	m, err := Parse("big.yaml", data)
	if err != nil {
		msg := err.Error()
		if len(msg) > 2000 {
			msg = msg[:2000] + "..."
		}
		t.Fatalf("Parse: %s", msg)
	}
	if ds := Diagnostics(Lint(m)); ds.HasErrors() {
		t.Fatalf("Lint: %v", ds.Errors()[:min(5, len(ds.Errors()))])
	}
	return m
}

// A manifest's size is not limited by a node budget: 50,000 consumers load
// and validate (it panicked above about 9,500, when a fixed budget ran out
// half way through the consumers list).
func TestLoadFiftyThousandConsumers(t *testing.T) {
	if testing.Short() {
		t.Skip("loads an 11 MiB manifest")
	}
	m := loadClean(t, genManifest(50_000, false))
	if len(m.Consumers) != 50_000 || len(m.Providers) != 100 {
		t.Fatalf("got %d consumers, %d providers", len(m.Consumers), len(m.Providers))
	}
	if c := m.Consumers[49_999]; c.Name != "c49999" || len(c.SubnetIDs) != 3 || c.Pos.Line == 0 {
		t.Errorf("last consumer = %+v", c)
	}
}

// Aliases that share small values among 20,000 consumers (and a principal
// list among 100 providers) stay well inside the alias budget.
func TestLoadSharedAliases(t *testing.T) {
	m := loadClean(t, genManifest(20_000, true))
	if len(m.Consumers) != 20_000 {
		t.Fatalf("got %d consumers", len(m.Consumers))
	}
	c := m.Consumers[19_999]
	if len(c.SubnetIDs) != 3 || c.Tags["owner"] != "payments" || len(m.Providers[99].AllowedPrincipals) != 50 {
		t.Errorf("aliases not followed: %+v %+v", c, m.Providers[99])
	}
}

// A list of 20,000 aliases of one consumer expands past the alias budget:
// an error at the alias where it does, not a panic, and nothing decoded.
func TestAliasListOfObjectsIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nproject: p\ndefaults: {region: us-east-1}\naccounts: {a: {id: \"111111111111\"}}\nconsumers:\n")
	b.WriteString("  - &c {name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567, subnet-89abcdef], securityGroupIds: [sg-01234567], serviceName: com.amazonaws.us-east-1.s3, tags: {a: b, c: d}}\n")
	for range 20_000 {
		b.WriteString("  - *c\n")
	}
	_, err := Parse("list.yaml", []byte(b.String()))
	ds := wantDiag(t, err, CodeSyntax)
	if len(ds) != 1 {
		t.Fatalf("want one diagnostic, got %d: %v", len(ds), ds[:min(3, len(ds))])
	}
	// Each alias stands for 22 nodes; 200,000 / 22 = 9,090 fit (line 9,097).
	if want := "list.yaml:9097:5: error: YAML aliases expand this file"; !strings.HasPrefix(ds[0].String(), want) {
		t.Errorf("got %s\nwant prefix %s", ds[0], want)
	}
}

// A list of 20,000 aliases of one scalar is cheap; it loads as far as the
// aliases go and fails on what the values mean (the same subnet repeated).
func TestAliasListOfScalars(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nproject: p\ndefaults: {region: us-east-1}\naccounts: {a: {id: \"111111111111\"}}\n" +
		"consumers:\n  - name: c\n    account: a\n    vpcId: vpc-01234567\n    serviceName: com.amazonaws.us-east-1.s3\n    subnetIds:\n      - &s subnet-01234567\n")
	for range 20_000 {
		b.WriteString("      - *s\n")
	}
	_, err := Parse("scalars.yaml", []byte(b.String()))
	ds := wantDiag(t, err, CodeDuplicateName)
	if ds[0].Line != 12 || ds[0].Column != 9 {
		t.Errorf("first diagnostic at %s, want scalars.yaml:12:9: %v", ds[0].Pos, ds[0])
	}
}

// "Billion laughs": nine levels of ten aliases each would expand to 10^9
// nodes. It is refused before decoding, at the alias that passes the budget.
func TestAliasBombIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nproject: p\nx0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "x%d: &a%d [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	b.WriteString("consumers: [{name: c, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], serviceName: a.b, policy: {Statement: *a8}}]\n")
	_, err := Parse("bomb.yaml", []byte(b.String()))
	ds := wantDiag(t, err, CodeSyntax)
	want := "bomb.yaml:8:10: error: YAML aliases expand this file to more than 200000 nodes beyond its own 131"
	if len(ds) != 1 || !strings.HasPrefix(ds[0].String(), want) || ds[0].Hint == "" {
		t.Errorf("got %v\nwant one diagnostic starting %s", ds, want)
	}
}

// wantDiag checks that err is Diagnostics whose first entry has code.
func wantDiag(t *testing.T, err error, code string) Diagnostics {
	t.Helper()
	ds, ok := err.(Diagnostics)
	if !ok || len(ds) == 0 {
		t.Fatalf("err = %T %v; want Diagnostics", err, err)
	}
	if ds[0].Code != code {
		t.Fatalf("first diagnostic %v has code %s, want %s", ds[0], ds[0].Code, code)
	}
	return ds
}

// BenchmarkLoad loads and lints a generated manifest of 10,000 consumers
// (issue 13: validate under a second at this size).
func BenchmarkLoad(b *testing.B) {
	data := genManifest(10_000, false)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := Parse("big.yaml", data)
		if err != nil {
			b.Fatal(err)
		}
		Lint(m)
	}
}
