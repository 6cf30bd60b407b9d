package render_test

import (
	"strings"
	"testing"

	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/render"
)

// A principal's tags (the tags of its service permission) are shown as any
// resource's: on a create that tags it, and what an update changes.
func TestTextPrincipalTags(t *testing.T) {
	const arn1, arn2, arn3 = "arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root", "arn:aws:iam::444444444444:root"
	p := &plan.Plan{Project: "demo", Changes: []plan.Change{
		{Address: "provider.api.principal[" + arn1 + "]", Kind: plan.KindPrincipal, Action: plan.Create, Account: "payments", AccountID: "111111111111", Region: "us-east-1",
			Parent: "provider.api", After: &plan.Values{Principal: arn1, Tags: map[string]string{"team": "checkout"}}},
		{Address: "provider.api.principal[" + arn2 + "]", Kind: plan.KindPrincipal, Action: plan.Update, Account: "payments", AccountID: "111111111111", Region: "us-east-1",
			Parent: "provider.api", ID: arn2,
			Before: &plan.Values{Principal: arn2, Tags: map[string]string{"team": "old", "gone": "x"}},
			After:  &plan.Values{Principal: arn2, Tags: map[string]string{"team": "analytics", "tier": "1"}}},
		{Address: "provider.api.principal[" + arn3 + "]", Kind: plan.KindPrincipal, Action: plan.Create, Account: "payments", AccountID: "111111111111", Region: "us-east-1",
			Parent: "provider.api", After: &plan.Values{Principal: arn3}},
	}}
	var b strings.Builder
	if err := render.Text(&b, p, render.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		"  + provider.api.principal[" + arn1 + "] {\n      + tags = {\n          + team = checkout\n        }\n    }\n",
		"  ~ provider.api.principal[" + arn2 + "] {\n      ~ tags = {\n",
		"          - gone = x\n",
		"          ~ team = old -> analytics\n",
		"          + tier = 1\n",
		"  + provider.api.principal[" + arn3 + "]\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing\n%s\nin\n%s", want, got)
		}
	}
	if strings.Contains(got, "principal = ") || strings.Contains(got, "unchanged attributes hidden") {
		t.Errorf("the principal's ARN is repeated as an attribute:\n%s", got)
	}
}
