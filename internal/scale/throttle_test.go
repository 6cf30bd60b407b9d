package scale

import (
	"context"
	"strings"
	"testing"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// TestApplyUnderThrottling applies a topology with ten endpoints per
// account-region against a sandbox that throttles like AWS (CreateVpcEndpoint:
// a burst of 4, then 0.3 per second per account and region). Without
// pacing, apply gave up on throttled creates once the SDK's retries were
// spent; with apply.Options.Pace it converges. It takes about 20 seconds of
// waiting for tokens, so -short skips it.
func TestApplyUnderThrottling(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: waits about 20s for AWS-like throttling buckets")
	}
	w, y := Generate(2, 10, 40, 1)
	m := parse(t, "throttled.yaml", y)
	srv := sandboxtest.StartWorld(t, w, sandbox.Options{Seed: 1, Throttle: true})
	e := &env{url: srv.URL, sb: srv.Sandbox, m: m}
	p, r := e.plan(t)
	opts := applyOptions()
	opts.Pace = true
	res, err := apply.Run(context.Background(), p, apply.FromClientSource(r), opts)
	if err != nil {
		var b strings.Builder
		if res != nil {
			_ = apply.WriteSummary(&b, res)
		}
		t.Fatalf("apply under AWS-like throttling: %v\n%s\ncalls:\n%s", err, b.String(), formatCounts(callsByAction(e.sb.Calls())))
	}
}
