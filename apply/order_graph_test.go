package apply

import (
	"testing"

	"github.com/plinkdev/plink/plan"
)

// The removal of a provider's principal waits for the principals it adds,
// deterministically (the sandbox test sees the order AWS does).
func TestPrincipalRemoveDependsOnAdd(t *testing.T) {
	p := &plan.Plan{Changes: []plan.Change{
		{Address: "provider.api.principal[arn:aws:iam::222222222222:root]", Kind: plan.KindPrincipal, Action: plan.Delete,
			Account: "payments", Region: "us-east-1", Parent: "provider.api", ParentID: "vpce-svc-1", ID: "arn:aws:iam::222222222222:root"},
		{Address: "provider.api.principal[arn:aws:iam::333333333333:root]", Kind: plan.KindPrincipal, Action: plan.Create,
			Account: "payments", Region: "us-east-1", Parent: "provider.api", ParentID: "vpce-svc-1", After: &plan.Values{Principal: "arn:aws:iam::333333333333:root"}},
	}}
	g, err := buildSchedule(p)
	if err != nil {
		t.Fatal(err)
	}
	rm, add := g.byAddr[p.Changes[0].Address].steps[0], g.byAddr[p.Changes[1].Address].steps[0]
	for _, d := range rm.deps {
		if d == add {
			return
		}
	}
	t.Errorf("the removal does not wait for the add: deps %v", rm.deps)
}
