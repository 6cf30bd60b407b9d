package plan_test

import (
	"testing"

	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/internal/scenario"
)

// A no-op change names its resource and carries no values, except an
// endpoint service's after values, which name the live service and its
// load balancers for apply and iam-policy.
func TestNoOpsCarryNoValues(t *testing.T) {
	p := compute(scenario.Manifest(), scenario.Converged())
	checkInvariants(t, p)
	kinds := map[plan.Kind]int{}
	for _, c := range p.Changes {
		if c.Action != plan.NoOp {
			t.Fatalf("converged world: %s %s", c.Action, c.Address)
		}
		kinds[c.Kind]++
		if c.ID == "" || c.Account == "" || c.AccountID == "" || c.Region == "" {
			t.Errorf("no-op %s does not name its resource: %+v", c.Address, c)
		}
		if c.Before != nil {
			t.Errorf("no-op %s keeps its before values %+v", c.Address, c.Before)
		}
		switch {
		case c.Kind == plan.KindService && (c.After == nil || c.After.ServiceName == "" || len(c.After.NetworkLoadBalancerARNs)+len(c.After.GatewayLoadBalancerARNs) == 0):
			t.Errorf("no-op service %s lost its service name or load balancers: %+v", c.Address, c.After)
		case c.Kind != plan.KindService && c.After != nil:
			t.Errorf("no-op %s keeps its after values %+v", c.Address, c.After)
		}
	}
	for _, k := range []plan.Kind{plan.KindService, plan.KindPrincipal, plan.KindEndpoint, plan.KindNotification} {
		if kinds[k] == 0 {
			t.Errorf("the converged scenario has no no-op %s: the test checks nothing for it (%v)", k, kinds)
		}
	}
}
