package plan_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/plinkdev/plink/health"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/internal/scenario"
	"github.com/plinkdev/plink/plan/render"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// targets is the payments NLB's target group with a target per zone name
// of the payments account (us-east-1a is use1-az1, us-east-1b use1-az2).
func targets(crossZone bool, a, b string) []health.LoadBalancerHealth {
	return []health.LoadBalancerHealth{{AccountID: scenario.Payments, Region: scenario.USEast1, ARN: scenario.NLB, CrossZone: crossZone,
		TargetGroups: []health.TargetGroupHealth{{
			ARN:     "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/payments/73e2d6bc24d8a067",
			Targets: []health.TargetHealth{{ID: "i-0a", Zone: "us-east-1a", State: a}, {ID: "i-0b", Zone: "us-east-1b", State: b}},
		}}}}
}

// TestTargetHealthLint: a zone of the service where checkout's endpoint has
// a subnet (use1-az2, checkout's us-east-1a) and the load balancer has no
// healthy target, cross-zone off, is a PL116 warning naming the zone, the
// consumer and the target group; the plan itself is unchanged.
func TestTargetHealthLint(t *testing.T) {
	m := scenario.Manifest()
	p := plan.Compute(m, scenario.Converged(), plan.Options{LoadBalancerHealth: targets(false, "healthy", "unhealthy")})
	d := diag(t, p, plan.CodeTargetHealth)
	if d.Severity != plan.SeverityWarning || d.Address != "provider.payments-api" || d.Account != "payments" || d.Region != scenario.USEast1 || p.HasErrors() {
		t.Errorf("diagnostic %+v (errors: %v)", d, p.HasErrors())
	}
	if base := plan.Compute(m, scenario.Converged(), plan.Options{}); len(base.Changes) != len(p.Changes) || base.HasChanges() != p.HasChanges() {
		t.Errorf("the lint changed the plan's changes")
	}
	var text bytes.Buffer
	if err := render.Text(&text, p, render.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "target-health.txt.golden", text.Bytes())

	for name, lbs := range map[string][]health.LoadBalancerHealth{
		"not read":        nil,
		"healthy":         targets(false, "healthy", "healthy"),
		"cross-zone":      targets(true, "healthy", "unhealthy"),
		"another service": {{AccountID: scenario.Payments, Region: scenario.USEast1, ARN: scenario.GWLB}},
		"a zone not used": targets(false, "healthy", "healthy")[:0],
	} {
		if cs := codes(plan.Compute(m, scenario.Converged(), plan.Options{LoadBalancerHealth: lbs})); contains(cs, "warning "+plan.CodeTargetHealth) {
			t.Errorf("%s: diagnostics %v have %s", name, cs, plan.CodeTargetHealth)
		}
	}
	// Nothing healthy anywhere: both zones of the endpoint; destroy does not lint.
	p = plan.Compute(m, scenario.Converged(), plan.Options{LoadBalancerHealth: targets(true, "unhealthy", "draining")})
	if n := count(codes(p), "warning "+plan.CodeTargetHealth); n != 2 {
		t.Errorf("nothing healthy: %d PL116, want one per zone of the endpoint (%v)", n, codes(p))
	}
	p = plan.Compute(m, scenario.Converged(), plan.Options{Destroy: true, LoadBalancerHealth: targets(false, "healthy", "unhealthy")})
	if contains(codes(p), "warning "+plan.CodeTargetHealth) {
		t.Errorf("destroy plan lints target health: %v", codes(p))
	}
}

func contains(l []string, s string) bool { return count(l, s) > 0 }

func count(l []string, s string) int {
	n := 0
	for _, x := range l {
		if x == s {
			n++
		}
	}
	return n
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./plan -run TestTargetHealthLint -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update if the change is intended)\n--- got:\n%s", path, got)
	}
}
