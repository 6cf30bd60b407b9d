package apply_test

import (
	"strings"
	"testing"

	"github.com/plinkdev/plink/plan"
)

// PL220 names every principal form that would let plink connect the
// consumer — the account's root, the role plink acts as there, or * —
// and the principal of that account that the provider allows instead.
func TestPrincipalMissingNamesTheForms(t *testing.T) {
	e := newEnv(t)
	doc := disco(acctAnalytics, "", `[{arn: "arn:aws:iam::333333333333:role/ci"}]`, "{}",
		"consumers:\n  - name: web\n    account: analytics\n    vpcId: vpc-03100000000000001\n    subnetIds: [subnet-0310000000000000a]\n    provider: api\n")
	p := e.planOf(writeManifest(t, "m.yaml", doc))
	d := findDiag(t, p, plan.CodePrincipalMissing)
	for _, want := range []string{"arn:aws:iam::333333333333:root", "arn:aws:iam::333333333333:role/plink (the role plink acts as there)",
		"it allows arn:aws:iam::333333333333:role/ci of that account"} {
		if !strings.Contains(d.Message, want) {
			t.Errorf("message lacks %q: %s", want, d.Message)
		}
	}
	if !strings.Contains(d.Hint, "`- account: analytics`") || !strings.Contains(d.Hint, "`- arn: arn:aws:iam::333333333333:role/plink`") {
		t.Errorf("hint: %s", d.Hint)
	}
}
