package plan_test

import (
	"reflect"
	"testing"

	"github.com/plinkdev/plink/health"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/internal/scenario"
)

// TestLintTargetHealthIsComputeWithHealth: PL116 added to a plan made
// without target health is the plan Compute makes with it, for every
// health TestTargetHealthLint tries, destroy included (no lint), and for
// the generated topology with every load balancer unhealthy.
func TestLintTargetHealthIsComputeWithHealth(t *testing.T) {
	m := scenario.Manifest()
	cases := map[string][]health.LoadBalancerHealth{
		"one zone unhealthy": targets(false, "healthy", "unhealthy"),
		"nothing healthy":    targets(true, "unhealthy", "draining"),
		"not read":           nil,
		"healthy":            targets(false, "healthy", "healthy"),
		"cross-zone":         targets(true, "healthy", "unhealthy"),
		"another service":    {{AccountID: scenario.Payments, Region: scenario.USEast1, ARN: scenario.GWLB}},
	}
	worlds := []scenario.Scenario{{Name: "converged", Manifest: m, Snapshot: scenario.Converged()}, {Name: "nothing read", Manifest: m}}
	worlds = append(worlds, scenario.All()...)
	for name, lbs := range cases {
		for _, destroy := range []bool{false, true} {
			for _, w := range worlds {
				same(t, name+", "+w.Name, w.Manifest, w.Snapshot, plan.Options{Destroy: destroy}, lbs)
			}
		}
	}

	gm, gs := scenario.Generate(10, 40, 200)
	var lbs []health.LoadBalancerHealth
	for _, lb := range gs.LoadBalancers {
		var targets []health.TargetHealth
		for _, z := range lb.Zones {
			targets = append(targets, health.TargetHealth{ID: "i-" + z, Zone: z, State: "unhealthy"})
		}
		lbs = append(lbs, health.LoadBalancerHealth{AccountID: lb.AccountID, Region: lb.Region, ARN: lb.ARN,
			TargetGroups: []health.TargetGroupHealth{{ARN: lb.ARN + "/tg", Targets: targets}}})
	}
	if p := same(t, "generated", gm, gs, plan.Options{}, lbs); !contains(codes(p), "warning "+plan.CodeTargetHealth) {
		t.Errorf("generated topology, nothing healthy: no %s in %v", plan.CodeTargetHealth, codes(p))
	}
}

// same checks LintTargetHealth against Compute with the health and
// returns the plan.
func same(t *testing.T, name string, m *manifest.Manifest, s *live.Snapshot, opts plan.Options, lbs []health.LoadBalancerHealth) *plan.Plan {
	t.Helper()
	got := plan.Compute(m, s, opts)
	plan.LintTargetHealth(got, m, s, opts, lbs)
	opts.LoadBalancerHealth = lbs
	want := plan.Compute(m, s, opts)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: LintTargetHealth's diagnostics %v, Compute's with the health %v", name, codes(got), codes(want))
	}
	return got
}
