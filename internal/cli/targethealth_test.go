package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/sandbox"
)

// healthCalls are the target-health calls (lint PL116's reads) the sandbox
// counted, per account id: "DescribeTargetGroups 1, ..." joined.
func healthCalls(sb *sandbox.Sandbox) map[string]map[string]int {
	out := map[string]map[string]int{}
	for _, c := range sb.Calls() {
		switch c.Action {
		case "DescribeTargetGroups", "DescribeTargetHealth", "DescribeLoadBalancerAttributes":
			if out[c.Account] == nil {
				out[c.Account] = map[string]int{}
			}
			out[c.Account][c.Action] += c.Count
		}
	}
	return out
}

// The quickstart's providers: payments-api (payments, 111111111111: one
// load balancer with one target group, consumed from checkout and
// analytics) and analytics-ingest (analytics, 333333333333: one load
// balancer, one target group, consumed from payments).
var (
	paymentsHealth  = map[string]int{"DescribeTargetGroups": 1, "DescribeTargetHealth": 1, "DescribeLoadBalancerAttributes": 1}
	analyticsHealth = map[string]int{"DescribeTargetGroups": 1, "DescribeTargetHealth": 1, "DescribeLoadBalancerAttributes": 1}
)

func sameCounts(got, want map[string]map[string]int) bool {
	if len(got) != len(want) {
		return false
	}
	for acct, w := range want {
		g := got[acct]
		if len(g) != len(w) {
			return false
		}
		for k, v := range w {
			if g[k] != v {
				return false
			}
		}
	}
	return true
}

// TestPlanTargetHealthWhereThePlanActs: plink plan reads target health
// (lint PL116) as --target-health says, counted by the sandbox through the
// SDK: by default (changed) a plan with nothing to change makes no
// target-health call; a plan that moves a consumer to other subnets, that
// creates one, or that accepts one's connection reads exactly that
// consumer's provider; all (also a bare --target-health, and true) reads
// every consumed provider; off (and false) none.
func TestPlanTargetHealthWhereThePlanActs(t *testing.T) {
	srv := servedSandbox(t)
	sb := srv.Sandbox
	if code, out, stderr := runPlink(t, "", false, "apply", "--auto-approve", "-f", quickstart); code != ExitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, stderr)
	}
	both := map[string]map[string]int{"111111111111": paymentsHealth, "333333333333": analyticsHealth}
	none := map[string]map[string]int{}
	plan := func(wantCode int, want map[string]map[string]int, args ...string) string {
		t.Helper()
		sb.ResetCalls()
		code, out, stderr := runPlink(t, "", false, append([]string{"plan", "--detailed-exitcode", "--no-color"}, args...)...)
		if code != wantCode {
			t.Fatalf("plan %v: exit %d, want %d\n%s\n%s", args, code, wantCode, out, stderr)
		}
		if got := healthCalls(sb); !sameCounts(got, want) {
			t.Errorf("plan %v: target-health calls %v, want %v", args, got, want)
		}
		return out
	}
	plan(ExitOK, none, "-f", quickstart)
	plan(ExitOK, none, "-f", quickstart, "--target-health=changed")
	plan(ExitOK, both, "-f", quickstart, "--target-health=all")
	plan(ExitOK, both, "-f", quickstart, "--target-health")
	plan(ExitOK, both, "-f", quickstart, "--target-health=true")
	plan(ExitOK, none, "-f", quickstart, "--target-health=off")
	plan(ExitOK, none, "-f", quickstart, "--target-health=false")

	// A zone of payments-api without a healthy target: a plan that changes
	// nothing does not look (no PL116); one that moves checkout-payments to
	// other subnets (drops subnet c, use1-az4 is b's) reads payments' only,
	// and warns.
	if err := sb.ForceTargetHealth(paymentsNLB, "us-east-1c", "unhealthy"); err != nil {
		t.Fatal(err)
	}
	if out := plan(ExitOK, none, "-f", quickstart); strings.Contains(out, "PL116") {
		t.Errorf("a plan with no change warned PL116 without reading target health:\n%s", out)
	}
	data, err := os.ReadFile(quickstart)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	moved := filepath.Join(dir, "moved.yaml")
	text := strings.Replace(string(data), "subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b, subnet-0210000000000000c]", "subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]", 1)
	if text == string(data) {
		t.Fatal("quickstart's checkout-payments subnets changed; update the test")
	}
	if err := os.WriteFile(moved, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	out := plan(ExitChanges, map[string]map[string]int{"111111111111": paymentsHealth}, "-f", moved)
	if !strings.Contains(out, "Warning PL116 (payments us-east-1): provider.payments-api") {
		t.Errorf("a plan moving checkout-payments did not warn PL116 for its provider:\n%s", out)
	}
	plan(ExitChanges, none, "-f", moved, "--target-health=off")

	// A new consumer of analytics-ingest: analytics' health only.
	added := filepath.Join(dir, "added.yaml")
	text = string(data) + `
  - name: payments-analytics-b
    account: payments
    vpcId: vpc-01100000000000001
    subnetIds: [subnet-0110000000000000c]
    securityGroupIds: [sg-01100000000000001]
    provider: analytics-ingest
`
	if err := os.WriteFile(added, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	out = plan(ExitChanges, map[string]map[string]int{"333333333333": analyticsHealth}, "-f", added)
	if !strings.Contains(out, "+ consumer.payments-analytics-b") {
		t.Errorf("the plan does not create payments-analytics-b:\n%s", out)
	}

	// checkout-payments' connection waits for acceptance again: the plan
	// accepts it and reads payments' health only.
	eps, err := srv.Clients(t, "checkout").EC2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{
		Filters: []types.Filter{{Name: aws.String("tag:plink:name"), Values: []string{"checkout-payments"}}},
	})
	if err != nil || len(eps.VpcEndpoints) != 1 {
		t.Fatalf("checkout-payments' endpoint: %v %v", eps, err)
	}
	if err := sb.ForceEndpointState(aws.ToString(eps.VpcEndpoints[0].VpcEndpointId), "pendingAcceptance"); err != nil {
		t.Fatal(err)
	}
	out = plan(ExitChanges, map[string]map[string]int{"111111111111": paymentsHealth}, "-f", quickstart)
	if !strings.Contains(out, "accept") {
		t.Errorf("the plan does not accept checkout-payments' connection:\n%s", out)
	}
}

// A --target-health value plan does not know is refused, naming where it
// came from; before anything is read.
func TestTargetHealthRefusesUnknownValues(t *testing.T) {
	srv := servedSandbox(t)
	code, _, stderr := runPlink(t, "", false, "plan", "-f", quickstart, "--target-health=some")
	if code != ExitError || !strings.Contains(stderr, `invalid --target-health: "some" is not all, changed or off; give all, changed or off (true means all, false off)`) {
		t.Errorf("--target-health=some: exit %d\n%s", code, stderr)
	}
	t.Setenv("PLINK_TARGET_HEALTH", "yes")
	code, _, stderr = runPlink(t, "", false, "plan", "-f", quickstart)
	if code != ExitError || !strings.Contains(stderr, `invalid PLINK_TARGET_HEALTH: "yes" is not all, changed or off; give all, changed or off (true means all, false off)`) {
		t.Errorf("PLINK_TARGET_HEALTH=yes: exit %d\n%s", code, stderr)
	}
	t.Setenv("PLINK_TARGET_HEALTH", "false")
	if code, out, stderr := runPlink(t, "", false, "apply", "--auto-approve", "-f", quickstart); code != ExitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, stderr)
	}
	srv.Sandbox.ResetCalls()
	if code, out, stderr := runPlink(t, "", false, "plan", "-f", quickstart, "--target-health=all"); code != ExitOK || len(healthCalls(srv.Sandbox)) == 0 {
		t.Errorf("the flag must win over PLINK_TARGET_HEALTH: exit %d, calls %v\n%s\n%s", code, healthCalls(srv.Sandbox), out, stderr)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "plink.yaml")
	if err := os.WriteFile(cfg, []byte("target-health: sometimes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Unsetenv("PLINK_TARGET_HEALTH")
	code, _, stderr = runPlink(t, "", false, "plan", "-f", quickstart, "--config", cfg)
	if code != ExitError || !strings.Contains(stderr, "invalid config file "+cfg+`: "sometimes" is not all, changed or off`) {
		t.Errorf("config target-health: sometimes: exit %d\n%s", code, stderr)
	}
}

// Shell completion offers --target-health's values.
func TestTargetHealthCompletes(t *testing.T) {
	_, out, _ := runPlink(t, "", false, "__complete", "plan", "--target-health=")
	if !strings.HasPrefix(out, "changed\nall\noff\n") {
		t.Errorf("completion of --target-health:\n%s", out)
	}
}
