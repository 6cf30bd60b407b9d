package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/sandbox"
)

const healthManifest = `version: 1
project: health-cli
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111" }
  checkout: { id: "222222222222" }
providers:
  - name: payments-api
    account: payments
    networkLoadBalancerArns: ["` + paymentsNLB + `"]
    acceptanceRequired: true
    allowedPrincipals: [{ account: checkout }]
consumers:
  - name: checkout-payments
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]
    securityGroupIds: [sg-02100000000000001]
    provider: payments-api
`

// writeWorld writes the default world with the payments NLB's target in
// zone (a payments zone name) set to state.
func writeWorld(t *testing.T, path, zone, state string) {
	t.Helper()
	w := sandbox.DefaultWorld()
	n := 0
	for ai := range w.Accounts {
		rw := w.Accounts[ai].Regions["us-east-1"]
		for gi := range rw.TargetGroups {
			tg := &rw.TargetGroups[gi]
			if len(tg.LoadBalancers) == 0 || tg.LoadBalancers[0] != paymentsNLB {
				continue
			}
			for ti := range tg.Targets {
				if tg.Targets[ti].AvailabilityZone == zone {
					tg.Targets[ti].State = state
					n++
				}
			}
		}
	}
	if n == 0 {
		t.Fatalf("no target of %s in %s", paymentsNLB, zone)
	}
	data, err := yaml.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestPlanAndDriftReadTargetHealth: plink plan warns PL116 and plink drift
// reports target_health (exit 2) for a zone of checkout's endpoint without
// a healthy target, read through the SDK from the sandbox; healthy again,
// neither does (drift exit 0).
func TestPlanAndDriftReadTargetHealth(t *testing.T) {
	dir := t.TempDir()
	mf, world := filepath.Join(dir, "plink.yaml"), filepath.Join(dir, "world.yaml")
	if err := os.WriteFile(mf, []byte(healthManifest), 0o600); err != nil {
		t.Fatal(err)
	}
	// us-east-1c to payments is use1-az4, checkout's us-east-1b (subnet b).
	writeWorld(t, world, "us-east-1c", "healthy")
	sb := []string{"--sandbox", "--sandbox-dir", filepath.Join(dir, ".plink"), "--sandbox-world", world, "-f", mf}
	if code, out, stderr := runPlink(t, "", false, append([]string{"apply", "--auto-approve"}, sb...)...); code != ExitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, stderr := runPlink(t, "", false, append([]string{"plan", "--detailed-exitcode"}, sb...)...)
	if code != ExitOK || strings.Contains(out, "PL116") {
		t.Fatalf("healthy plan: exit %d\n%s\n%s", code, out, stderr)
	}
	if code, out, stderr := runPlink(t, "", false, append([]string{"drift"}, sb...)...); code != ExitOK {
		t.Fatalf("healthy drift: exit %d\n%s\n%s", code, out, stderr)
	}

	writeWorld(t, world, "us-east-1c", "unhealthy")
	// (A plan with nothing to change reads target health only when asked:
	// --target-health=all.)
	code, out, stderr = runPlink(t, "", false, append([]string{"plan", "--detailed-exitcode", "--no-color", "--target-health=all"}, sb...)...)
	if code != ExitOK || !strings.Contains(out, "Warning PL116 (payments us-east-1): provider.payments-api: load balancer net/payments-api has no healthy target in use1-az4") ||
		!strings.Contains(out, "consumer.checkout-payments (endpoint vpce-") || !strings.Contains(out, "targetgroup/payments-api-tg/") {
		t.Errorf("broken plan: exit %d (a warning is no change: want 0)\n%s\n%s", code, out, stderr)
	}
	// --target-health=false skips the reads, and so the lint.
	if code, out, stderr := runPlink(t, "", false, append([]string{"plan", "--detailed-exitcode", "--target-health=false"}, sb...)...); code != ExitOK || strings.Contains(out, "PL116") {
		t.Errorf("plan --target-health=false: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, stderr = runPlink(t, "", false, append([]string{"drift", "--output", "json"}, sb...)...)
	if code != ExitChanges || !strings.Contains(out, `"kind": "target_health"`) || !strings.Contains(out, `"zoneId": "use1-az4"`) ||
		!strings.Contains(out, `"consumer": "checkout-payments"`) || !strings.Contains(stderr, "drift: 1 resource drifted") {
		t.Errorf("broken drift: exit %d, want 2\n%s\n%s", code, out, stderr)
	}

	writeWorld(t, world, "us-east-1c", "healthy")
	if code, out, stderr := runPlink(t, "", false, append([]string{"drift"}, sb...)...); code != ExitOK {
		t.Errorf("restored drift: exit %d\n%s\n%s", code, out, stderr)
	}
}

// A failed target health read is a warning on stderr naming the call, the
// account and region, with the permissions to grant; the plan goes on.
func TestWarnHealthFailures(t *testing.T) {
	var b strings.Builder
	warnHealthFailures(&b, []live.Failure{{Account: "payments", AccountID: "111111111111", Region: "us-east-1", Call: "DescribeTargetGroups", Error: "AccessDenied: not authorized"}})
	got := b.String()
	for _, want := range []string{"plink: warning: target health not checked, lint PL116 skipped: DescribeTargetGroups in account payments (111111111111) region us-east-1: AccessDenied: not authorized\n",
		"  hint: plan needs elasticloadbalancing:DescribeTargetGroups, DescribeTargetHealth and DescribeLoadBalancerAttributes there (see plink iam-policy --for plan)\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("warning lacks %q:\n%s", want, got)
		}
	}
}
