package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/plinkdev/plink/quota"
)

func TestLintFixture(t *testing.T) {
	want := []string{
		"lint-pitfalls.yaml:11:5: warning: provider `closed` requires acceptance but allows no principals; no one can request a connection [PL002]",
		"lint-pitfalls.yaml:16:5: warning: provider `open` does not require acceptance, so AWS accepts every connection and `connections` has no effect [PL010]",
		"lint-pitfalls.yaml:20:9: error: provider `open` allows every AWS principal (`*`) without the explicit opt-in [PL003]",
		"lint-pitfalls.yaml:22:9: warning: provider `open` allows principal arn:aws:iam::222222222222:root twice; first at line 21, column 9 [PL006]",
		"lint-pitfalls.yaml:42:5: error: consumers `s3-a` and `s3-b` both enable private DNS for com.amazonaws.us-east-1.s3 in vpc-0123456789abcdef0; AWS allows one such endpoint per VPC [PL001]",
		"lint-pitfalls.yaml:42:5: warning: consumer `s3-b` has no security group; AWS attaches the VPC's default security group [PL004]",
		"lint-pitfalls.yaml:42:5: warning: consumer `s3-b` uses 1 subnet(s); an endpoint in a single Availability Zone fails with that zone [PL007]",
		"lint-pitfalls.yaml:48:5: error: consumer `west` is in us-west-2, but provider `partners` is in us-east-1 and does not list us-west-2 in `supportedRegions` [PL005]",
		"lint-pitfalls.yaml:48:5: error: consumer `west` enables private DNS, but provider `partners` has no `privateDnsName` [PL009]",
		"lint-pitfalls.yaml:56:5: error: consumer `outsider` in account `stranger` (444444444444) can never connect: provider `partners` does not allow that account in `allowedPrincipals` [PL008]",
		"lint-pitfalls.yaml:62:5: error: consumer `inspect` connects to gateway load balancer provider `firewall` and so is a Gateway Load Balancer endpoint, which takes exactly one subnet; it lists 2 [PL011]",
		"lint-pitfalls.yaml:62:5: error: consumer `inspect` is a Gateway Load Balancer endpoint, which does not support private DNS [PL011]",
		"lint-pitfalls.yaml:62:5: error: consumer `inspect` is a Gateway Load Balancer endpoint, which does not support security groups [PL011]",
	}
	m, err := Load(filepath.Join(fixtures, "lint-pitfalls.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range Lint(m) {
		if d.Hint == "" {
			t.Errorf("%s has no hint", d)
		}
		got = append(got, strings.TrimPrefix(d.String(), fixtures+"/")+" ["+d.Code+"]")
	}
	if !slices.Equal(got, want) {
		t.Errorf("lint differs\ngot:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// codeManifest builds a manifest in code, as other packages' tests do, to
// check that Lint needs no positions or resolved fields.
func codeManifest() *Manifest {
	return &Manifest{
		Version: 1, Project: "p",
		Accounts: map[string]*Account{
			"prov": {ID: "111111111111", Alias: "prov"},
			"cons": {ID: "222222222222", Alias: "cons"},
		},
		Providers: []*Provider{{
			Name: "api", Account: "prov", Region: "us-east-1",
			NetworkLoadBalancerARNs: []string{"arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/api/0123456789abcdef"},
			PrivateDNSName:          "api.example.com",
		}},
		Consumers: []*Consumer{{
			Name: "c", Account: "cons", Region: "us-east-1", VPCID: "vpc-01234567",
			SubnetIDs:        []string{"subnet-01234567", "subnet-89abcdef"},
			SecurityGroupIDs: []string{"sg-01234567"},
			Provider:         "api",
		}},
	}
}

func codes(ds []Diagnostic) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Code)
	}
	return out
}

func TestLintPrincipals(t *testing.T) {
	tests := []struct {
		name       string
		principals []Principal
		consumerIn string
		want       []string
	}{
		{"no principals", nil, "cons", []string{LintPrincipalNotAllowed}},
		{"account alias allows", []Principal{{Account: "cons"}}, "cons", nil},
		{"role in the account allows", []Principal{{ARN: "arn:aws:iam::222222222222:role/x"}}, "cons", nil},
		{"other account does not", []Principal{{ARN: "arn:aws:iam::333333333333:root"}}, "cons", []string{LintPrincipalNotAllowed}},
		{"wildcard with opt-in allows everyone (and warns: no acceptance)", []Principal{{ARN: "*", AllowWildcard: true}}, "cons", []string{LintWildcardAutoAccept}},
		{"wildcard without opt-in", []Principal{{ARN: "*"}}, "cons", []string{LintWildcardPrincipal}},
		{"same account is not judged", nil, "prov", nil},
		{"duplicate via alias and arn", []Principal{{Account: "cons"}, {ARN: "arn:aws:iam::222222222222:root"}}, "cons", []string{LintDuplicatePrincipal}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := codeManifest()
			m.Providers[0].AllowedPrincipals = tt.principals
			m.Consumers[0].Account = tt.consumerIn
			if got := codes(Lint(m)); !slices.Equal(got, tt.want) {
				t.Errorf("codes = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLintConsumerChecks(t *testing.T) {
	tests := []struct {
		name   string
		modify func(m *Manifest)
		want   []string
	}{
		{"clean", func(m *Manifest) { m.Providers[0].AllowedPrincipals = []Principal{{Account: "cons"}} }, nil},
		{"cross-region listed", func(m *Manifest) {
			m.Providers[0].AllowedPrincipals = []Principal{{Account: "cons"}}
			m.Providers[0].SupportedRegions = []string{"eu-west-1"}
			m.Consumers[0].Region = "eu-west-1"
		}, nil},
		{"cross-region not listed", func(m *Manifest) {
			m.Providers[0].AllowedPrincipals = []Principal{{Account: "cons"}}
			m.Consumers[0].Region = "eu-west-1"
		}, []string{LintRegionNotServed}},
		{"private DNS twice in one VPC", func(m *Manifest) {
			m.Providers[0].AllowedPrincipals = []Principal{{Account: "cons"}}
			c2 := *m.Consumers[0]
			c2.Name = "c2"
			m.Consumers[0].PrivateDNSEnabled = true
			c2.PrivateDNSEnabled = true
			m.Consumers = append(m.Consumers, &c2)
		}, []string{LintDuplicatePrivateDNS}},
		{"private DNS once per VPC in two VPCs", func(m *Manifest) {
			m.Providers[0].AllowedPrincipals = []Principal{{Account: "cons"}}
			c2 := *m.Consumers[0]
			c2.Name, c2.VPCID = "c2", "vpc-89abcdef"
			m.Consumers[0].PrivateDNSEnabled = true
			c2.PrivateDNSEnabled = true
			m.Consumers = append(m.Consumers, &c2)
		}, nil},
		{"no security group and one subnet", func(m *Manifest) {
			m.Providers[0].AllowedPrincipals = []Principal{{Account: "cons"}}
			m.Consumers[0].SecurityGroupIDs = nil
			m.Consumers[0].SubnetIDs = m.Consumers[0].SubnetIDs[:1]
		}, []string{LintNoSecurityGroup, LintSingleSubnet}},
		{"acceptance without principals", func(m *Manifest) {
			m.Providers[0].AcceptanceRequired = true
			m.Consumers = nil
		}, []string{LintAcceptanceNoPrincipal}},
		{"connections without acceptance", func(m *Manifest) {
			m.Providers[0].Connections.RejectUndeclared = true
			m.Consumers = nil
		}, []string{LintConnectionsNoEffect}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := codeManifest()
			tt.modify(m)
			ds := Lint(m)
			if got := codes(ds); !slices.Equal(got, tt.want) {
				t.Errorf("codes = %v, want %v\n%v", got, tt.want, Diagnostics(ds))
			}
		})
	}
}

// PL012: the 51st endpoint declared in one VPC (same account and region)
// is over AWS's default quota; a warning once per VPC, at that consumer. A
// VPC id reused in another account or region is another VPC.
func TestLintEndpointsPerVPC(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nproject: p\ndefaults: {region: us-east-1}\naccounts: {a: {id: \"111111111111\"}, b: {id: \"222222222222\"}}\nconsumers:\n")
	add := func(name, account, region, vpc string) {
		fmt.Fprintf(&b, "  - {name: %s, account: %s, region: %s, vpcId: %s, subnetIds: [subnet-01234567, subnet-89abcdef], securityGroupIds: [sg-01234567], serviceName: com.amazonaws.%s.s3}\n", name, account, region, vpc, region)
	}
	for i := range 52 {
		add(fmt.Sprintf("full-%d", i), "a", "us-east-1", "vpc-0000000a")
	}
	for i := range 50 {
		add(fmt.Sprintf("other-account-%d", i), "b", "us-east-1", "vpc-0000000a")
		add(fmt.Sprintf("other-region-%d", i), "a", "us-west-2", "vpc-0000000a")
	}
	m, err := Parse("q.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	var got []Diagnostic
	for _, d := range Lint(m) {
		if d.Code == LintEndpointsPerVPC {
			got = append(got, d)
		}
	}
	want := "q.yaml:56:5: warning: 52 endpoints are declared in VPC vpc-0000000a (account `a`, us-east-1), more than AWS's default quota of 50 interface and Gateway Load Balancer endpoints per VPC; consumer `full-50` is the 51st"
	if len(got) != 1 || got[0].String() != want || !strings.Contains(got[0].Hint, "request an increase in Service Quotas") {
		t.Errorf("got %v\nwant %s", got, want)
	}
}

// A raised quota (the config's endpoints-per-vpc) moves PL012 with it, as
// it moves plan's PL230: 52 endpoints are within a quota of 100, and over
// one of 51 at the 52nd consumer, named as the project's quota.
func TestLintWithRaisedQuota(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nproject: p\ndefaults: {region: us-east-1}\naccounts: {a: {id: \"111111111111\"}}\nconsumers:\n")
	for i := range 52 {
		fmt.Fprintf(&b, "  - {name: c-%d, account: a, vpcId: vpc-0000000a, subnetIds: [subnet-01234567], securityGroupIds: [sg-01234567], serviceName: com.amazonaws.us-east-1.s3}\n", i)
	}
	m, err := Parse("q.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	pl012 := func(q quota.Table) []string {
		var got []string
		for _, d := range LintWith(m, q) {
			if d.Code == LintEndpointsPerVPC {
				got = append(got, d.String())
			}
		}
		return got
	}
	if got := pl012(quota.Table{EndpointsPerVPC: 100}); len(got) != 0 {
		t.Errorf("quota 100: got %v, want no PL012", got)
	}
	want := "q.yaml:57:5: warning: 52 endpoints are declared in VPC vpc-0000000a (account `a`, us-east-1), more than the project's quota of 51 interface and Gateway Load Balancer endpoints per VPC; consumer `c-51` is the 52nd"
	if got := pl012(quota.Table{EndpointsPerVPC: 51}); len(got) != 1 || got[0] != want {
		t.Errorf("quota 51: got %v\nwant %s", got, want)
	}
}

func TestOrdinal(t *testing.T) {
	for n, want := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 51: "51st", 102: "102nd", 111: "111th", 113: "113th", 123: "123rd"} {
		if got := ordinal(n); got != want {
			t.Errorf("ordinal(%d) = %s, want %s", n, got, want)
		}
	}
}

// The endpoint policy size is a hard limit: an error at load, whose hint
// says Service Quotas cannot raise it.
func TestPolicySizeIsHardLimit(t *testing.T) {
	doc := "version: 1\nproject: p\ndefaults: {region: us-east-1}\naccounts: {a: {id: \"111111111111\"}}\nconsumers:\n" +
		"  - name: c\n    account: a\n    vpcId: vpc-01234567\n    subnetIds: [subnet-01234567]\n    serviceName: com.amazonaws.us-east-1.s3\n" +
		"    policy: {Statement: [{Effect: Allow, Action: \"*\", Resource: \"*\", Sid: " + strings.Repeat("x", 20_500) + "}]}\n"
	_, err := Parse("p.yaml", []byte(doc))
	ds := wantDiag(t, err, CodePolicy)
	if !strings.Contains(ds[0].Message, "AWS accepts at most 20480") || !strings.Contains(ds[0].Hint, "Service Quotas cannot raise it") {
		t.Errorf("got %v (hint %q)", ds[0], ds[0].Hint)
	}
}

// A Gateway Load Balancer provider with supportedRegions is an error
// (PL016); a wildcard principal on a provider that accepts automatically
// is a warning (PL017), and not when acceptance is required.
func TestLintGWLBRegionsAndOpenWildcard(t *testing.T) {
	doc := `version: 1
project: p
defaults: {region: us-east-1}
accounts:
  prov: {id: "111111111111"}
providers:
  - name: inspect
    account: prov
    gatewayLoadBalancerArns: [arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/gwy/fw/0123456789abcdef]
    supportedRegions: [us-west-2]
    allowedPrincipals: [{account: prov}]
  - name: open
    account: prov
    networkLoadBalancerArns: [arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/open/0123456789abcdef]
    acceptanceRequired: false
    allowedPrincipals: [{arn: "*", allowWildcard: true}]
  - name: gated
    account: prov
    networkLoadBalancerArns: [arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/gated/0123456789abcdef]
    acceptanceRequired: true
    allowedPrincipals: [{arn: "*", allowWildcard: true}]
`
	path := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range Lint(m) {
		if d.Code != LintGWLBCrossRegion && d.Code != LintWildcardAutoAccept {
			continue
		}
		if d.Hint == "" {
			t.Errorf("%s has no hint", d)
		}
		got = append(got, fmt.Sprintf("%d:%d %s %s", d.Pos.Line, d.Pos.Column, d.Severity, d.Code))
		if d.Code == LintGWLBCrossRegion && (!strings.Contains(d.Message, "`inspect`") || !strings.Contains(d.Message, "us-west-2")) {
			t.Errorf("message: %s", d.Message)
		}
	}
	want := []string{"7:5 error PL016", "16:25 warning PL017"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
