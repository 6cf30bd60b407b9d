package plan_test

import (
	"strings"
	"testing"

	"github.com/plinkdev/plink/plan"
)

func TestNormalizePolicy(t *testing.T) {
	canonical := `{"Statement":[{"Action":["s3:GetObject","s3:PutObject"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-1","o-2"]}},"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root","arn:aws:iam::2:root"]},"Resource":["*"]}],"Version":"2012-10-17"}`
	same := []string{
		canonical,
		// key order, whitespace, single strings, order and duplicates in lists
		`{ "Version": "2012-10-17", "Statement": { "Effect": "Allow",
		   "Principal": {"AWS": ["arn:aws:iam::2:root", "arn:aws:iam::1:root"]},
		   "Resource": "*", "Action": ["s3:PutObject", "s3:GetObject", "s3:PutObject"],
		   "Condition": {"StringEquals": {"aws:PrincipalOrgID": ["o-2", "o-1"]}} } }`,
	}
	for _, in := range same {
		got, err := plan.NormalizePolicy(in)
		if err != nil {
			t.Fatal(err)
		}
		if got != canonical {
			t.Errorf("NormalizePolicy(%s)\n got %s\nwant %s", in, got, canonical)
		}
	}
	fullAccess := []string{
		"",
		"   ",
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
		`{"Version":"2008-10-17","Statement":[{"Sid":"all","Effect":"Allow","Principal":{"AWS":"*"},"Action":["*"],"Resource":["*"]}]}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`,
	}
	for _, in := range fullAccess {
		got, err := plan.NormalizePolicy(in)
		if err != nil || got != "" {
			t.Errorf("NormalizePolicy(%q) = %q, %v; want the default (\"\")", in, got, err)
		}
	}
	notFull := []string{
		`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"*","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}`,
	}
	for _, in := range notFull {
		got, err := plan.NormalizePolicy(in)
		if err != nil || got == "" {
			t.Errorf("NormalizePolicy(%s) = %q, %v; want a policy", in, got, err)
		}
	}
	// a missing Version is IAM's default, so it equals an explicit 2008-10-17
	a, _ := plan.NormalizePolicy(`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`)
	b, _ := plan.NormalizePolicy(`{"Version":"2008-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`)
	if a != b {
		t.Errorf("Version default: %s != %s", a, b)
	}
	// no HTML escaping of policy text
	c, _ := plan.NormalizePolicy(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:x:<a>&b"}]}`)
	if !strings.Contains(c, "arn:x:<a>&b") {
		t.Errorf("escaped: %s", c)
	}
}

func TestNormalizePolicyErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{`, "policy is not valid JSON"},
		{`[1]`, "policy must be a JSON object"},
		{`{"Version":"2012-10-17"}`, "policy has no Statement"},
		{`{"Statement":[]} {}`, "trailing data"},
	}
	for _, tt := range tests {
		_, err := plan.NormalizePolicy(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NormalizePolicy(%s) error = %v, want %q", tt.in, err, tt.want)
		}
	}
	if _, err := plan.NormalizePolicyMap(map[string]any{"Statement": make(chan int)}); err == nil {
		t.Error("an unmarshalable policy map must fail")
	}
	if got, err := plan.NormalizePolicyMap(nil); got != "" || err != nil {
		t.Errorf("nil map = %q, %v", got, err)
	}
}

func TestPrettyPolicy(t *testing.T) {
	if got := plan.PrettyPolicy(""); !strings.Contains(got, `"Effect": "Allow"`) || !strings.Contains(got, "\n") {
		t.Errorf("PrettyPolicy(\"\") = %s", got)
	}
	if got := plan.PrettyPolicy("not json"); got != "not json" {
		t.Errorf("PrettyPolicy of raw text = %q", got)
	}
}

func TestDiffAndAttributes(t *testing.T) {
	yes := true
	before := &plan.Values{ServiceName: "a", AcceptanceRequired: &yes, State: "available", Tags: map[string]string{"k": "v"}}
	after := &plan.Values{ServiceName: "b", State: "rejected", Tags: map[string]string{"k": "w"}}
	d := plan.Diff(plan.KindService, before, after)
	if len(d) != 2 || d[0].Name != "acceptanceRequired" || d[0].After != nil || d[1].Name != "tags" {
		t.Errorf("Diff = %+v", d)
	}
	if d := plan.Diff(plan.KindEndpoint, before, after); len(d) != 3 || d[0].Name != "serviceName" {
		t.Errorf("endpoint Diff = %+v", d)
	}
	var nilValues *plan.Values
	if nilValues.Attributes() != nil {
		t.Error("nil Values has attributes")
	}
	if plan.AttrRank("nope") <= plan.AttrRank("tags") {
		t.Error("unknown attributes sort last")
	}
}
