package drift_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/drift"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
	"github.com/plinkdev/plink/status"
)

const paymentsNLB = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"

// TestTargetHealthAgainstSandbox: through the SDK, a zone of checkout's
// endpoint without a healthy target (cross-zone off) is a PL116 warning in
// the plan and a target_health drift item (exit 2) naming the zone, the
// consumer and the target group; healthy again, both clear (exit 0). A
// failed target health read is exit 1 and leaves the rest checked.
func TestTargetHealthAgainstSandbox(t *testing.T) {
	ctx := context.Background()
	srv := sandboxtest.Start(t)
	m, err := manifest.Parse("drift.yaml", []byte(e2eManifest))
	if err != nil {
		t.Fatal(err)
	}
	src := live.APISourceFunc(func(_ context.Context, account, region string) (live.EC2API, live.ELBAPI, error) {
		c := srv.Clients(t, account, region)
		return c.EC2, c.ELB, nil
	})
	var deny bool
	elb := func(_ context.Context, account, region string) (status.ELBAPI, error) {
		if deny {
			return nil, errors.New("AccessDenied: not authorized to perform elasticloadbalancing:DescribeTargetGroups")
		}
		return srv.Clients(t, account, region).ELB, nil
	}
	s, err := live.ReadAPIs(ctx, m, src, live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	clients := apply.ClientsFunc(func(_ context.Context, account, region string) (apply.EC2API, error) {
		return srv.Clients(t, account, region).EC2, nil
	})
	if _, err := apply.Run(ctx, plan.Compute(m, s, plan.Options{}), clients, apply.Options{PollInterval: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	check := func() (*plan.Plan, *drift.Report) {
		t.Helper()
		s, err := live.ReadAPIs(ctx, m, src, live.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		th, err := status.ReadTargetHealthAPIs(ctx, m, s, elb, status.ReadOptions{})
		var re *live.ReadError
		if err != nil && !errors.As(err, &re) {
			t.Fatal(err)
		}
		p := plan.Compute(m, s, plan.Options{LoadBalancerHealth: th.LoadBalancers})
		return p, drift.BuildWith(m, s, p, drift.Options{LoadBalancerHealth: th.LoadBalancers, HealthFailures: th.Failures})
	}
	pl116 := func(p *plan.Plan) []plan.Diagnostic {
		var out []plan.Diagnostic
		for _, d := range p.Diagnostics {
			if d.Code == plan.CodeTargetHealth {
				out = append(out, d)
			}
		}
		return out
	}

	p, r := check()
	if r.ExitCode() != 0 || len(pl116(p)) != 0 {
		t.Fatalf("healthy: exit %d, PL116 %+v\n%s", r.ExitCode(), pl116(p), text(r))
	}

	// use1-az4 is us-east-1c to payments and us-east-1b (subnet b) to checkout.
	if err := srv.Sandbox.ForceTargetHealth(paymentsNLB, "use1-az4", "unhealthy"); err != nil {
		t.Fatal(err)
	}
	p, r = check()
	if d := pl116(p); len(d) != 1 || d[0].Severity != plan.SeverityWarning || d[0].Address != "provider.payments-api" ||
		!strings.Contains(d[0].Message, "use1-az4") || !strings.Contains(d[0].Message, "consumer.checkout-payments (endpoint vpce-") ||
		!strings.Contains(d[0].Message, "targetgroup/payments-api-tg/") || p.HasErrors() {
		t.Errorf("broken zone: PL116 %+v", d)
	}
	if r.ExitCode() != 2 || len(r.Items) != 1 {
		t.Fatalf("broken zone: exit %d, items %+v\n%s", r.ExitCode(), r.Items, text(r))
	}
	it := r.Items[0]
	if it.Kind != drift.TargetHealth || it.Address != "provider.payments-api" || it.ZoneID != "use1-az4" || it.Code != plan.CodeTargetHealth ||
		len(it.Consumers) != 1 || it.Consumers[0].Consumer != "checkout-payments" || it.Consumers[0].AccountID != "222222222222" ||
		len(it.TargetGroups) != 1 || it.Account != "payments" || !strings.HasPrefix(it.ID, "vpce-svc-") {
		t.Errorf("target_health item %+v", it)
	}
	out := text(r)
	for _, want := range []string{"target_health: use1-az4: load balancer net/payments-api has no healthy target there and cross-zone load balancing is off", "consumer.checkout-payments (endpoint vpce-", "of account checkout 222222222222", "hint: fix the targets in use1-az4"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	validateJSON(t, r)

	// A failed target health read: exit 1, named, the rest still checked.
	deny = true
	_, r = check()
	if r.ExitCode() != 1 || len(r.Failures) != 1 || r.Failures[0].Account != "payments" ||
		len(r.Checked) != 3 || len(r.Items) != 0 {
		t.Errorf("denied: exit %d, failures %+v, checked %v, items %+v", r.ExitCode(), r.Failures, r.Checked, r.Items)
	}
	deny = false

	// Healthy again: clear.
	if err := srv.Sandbox.ForceTargetHealth(paymentsNLB, "", "healthy"); err != nil {
		t.Fatal(err)
	}
	if p, r = check(); r.ExitCode() != 0 || len(pl116(p)) != 0 {
		t.Errorf("restored: exit %d, PL116 %+v\n%s", r.ExitCode(), pl116(p), text(r))
	}
}

func text(r *drift.Report) string {
	var b bytes.Buffer
	_ = drift.Text(&b, r)
	return b.String()
}

func validateJSON(t *testing.T, r *drift.Report) {
	t.Helper()
	sch, err := jsonschema.NewCompiler().Compile("../schemas/drift.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := drift.JSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("report does not match schemas/drift.schema.json: %v\n%s", err, buf.String())
	}
}
