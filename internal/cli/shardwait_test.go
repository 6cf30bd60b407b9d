package cli

import (
	"strings"
	"testing"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

// TestShardWaitInSequence runs quickstart's shards one after another, as a
// matrix whose jobs do not overlap would: what waits for another shard is
// said, counts as not converged (exit 2 with --detailed-exitcode), and is
// done by the next run of its shard. (internal/scale's TestShardsConverge
// runs them at once, where --shard-wait makes one round converge.)
func TestShardWaitInSequence(t *testing.T) {
	sb := []string{"--sandbox", "--sandbox-dir", t.TempDir(), "-f", quickstart, "--auto-approve", "--detailed-exitcode"}
	apply := func(args ...string) (string, string) {
		t.Helper()
		code, stdout, stderr := runPlink(t, "", false, append(append([]string{"apply"}, sb...), args...)...)
		if code != ExitChanges {
			t.Fatalf("apply %v: exit %d, want 2 (not converged: waits for another shard)\n%s\n%s", args, code, stderr, stdout)
		}
		return stdout, stderr
	}
	// checkout's endpoint to payments-api waits for the payments shard;
	// nobody makes the service within the wait.
	out, errOut := apply("--account", "checkout", "--shard-wait", "1s")
	for _, want := range []string{"waiting up to 1s (--shard-wait) for other shards", "consumer.checkout-payments", "still waiting after --shard-wait 1s; the next run applies them"} {
		if !strings.Contains(out+errOut, want) {
			t.Errorf("checkout's first run does not say %q:\n%s\n%s", want, errOut, out)
		}
	}
	// payments makes the service; its accept of checkout's endpoint
	// waits, and without --shard-wait the next run is named.
	out, errOut = apply("--account", "payments")
	if !strings.Contains(out, "the next run (or --shard-wait) applies them") || strings.Contains(errOut, "--shard-wait) for other shards") {
		t.Errorf("payments' run without --shard-wait:\n%s\n%s", errOut, out)
	}
	// checkout's endpoint now has its service.
	out, _ = apply("--account", "checkout", "--shard-wait", "1s")
	if !strings.Contains(out, "consumer.checkout-payments will be created") {
		t.Errorf("checkout's second run does not create its endpoint:\n%s", out)
	}
	// payments accepts it (analytics' endpoint still waits for its shard).
	out, errOut = apply("--account", "payments", "--shard-wait", "2s")
	if !strings.Contains(out, "provider.payments-api.connection[") || !strings.Contains(out, "1 accepted") {
		t.Errorf("payments' second run does not accept checkout's endpoint:\n%s\n%s", errOut, out)
	}
}

// TestShardWaitReady: which changes of a fresh plan carry out a wait, and
// which waits are over because somebody else did the work.
func TestShardWaitReady(t *testing.T) {
	const accept = "provider.api.connection[consumer.web]"
	pending := map[string]bool{"consumer.web": true, accept: true, "consumer.gone": true, "provider.api.connection[consumer.db]": true}
	full := &plan.Plan{Changes: []plan.Change{
		{Address: "provider.api", Kind: plan.KindService, Action: plan.NoOp, ID: "vpce-svc-1"},
		{Address: "consumer.web", Kind: plan.KindEndpoint, Action: plan.Create},
		{Address: "consumer.db", Kind: plan.KindEndpoint, Action: plan.NoOp, ID: "vpce-db"},
		{Address: "consumer.gone", Kind: plan.KindEndpoint, Action: plan.NoOp, ID: "vpce-gone"},
		{Address: "provider.api.connection[vpce-x]", Kind: plan.KindConnection, Action: plan.Reject, Parent: "provider.api", Reason: "not declared in the manifest (connections.rejectUndeclared)"},
	}}
	own := &plan.Plan{Changes: full.Changes[1:]}
	snap := &live.Snapshot{Services: []live.Service{{ID: "vpce-svc-1", Connections: []live.Connection{{EndpointID: "vpce-db", State: "available"}}}}}
	run := readyChanges(pending, own, full, nil, snap)
	if len(run) != 1 || run[0].Address != "consumer.web" {
		t.Errorf("ready = %v, want only consumer.web (a reject the plan did not list as waiting is never done)", run)
	}
	// db's connection is accepted (by plink connections, say): its wait is
	// over; gone's create became a no-op: over too; web's accept is not.
	for w, want := range map[string]bool{"consumer.web": true, accept: true, "consumer.gone": false, "provider.api.connection[consumer.db]": false} {
		if pending[w] != want {
			t.Errorf("pending[%s] = %v, want %v", w, pending[w], want)
		}
	}
	// The accept of web's endpoint, addressed by its id once it exists,
	// carries out the wait addressed by the consumer.
	delete(pending, "consumer.web") // made
	own.Changes = []plan.Change{{Address: "provider.api.connection[vpce-web]", Kind: plan.KindConnection, Action: plan.Accept, Parent: "provider.api", Reason: "endpoint of consumer.web"}}
	run = readyChanges(pending, own, full, []plan.Change{{Address: "consumer.web"}}, snap)
	if len(run) != 1 || run[0].Address != "provider.api.connection[vpce-web]" {
		t.Errorf("ready = %v, want the accept of web's endpoint", run)
	}
}

func TestConnectionKey(t *testing.T) {
	for addr, want := range map[string][2]string{
		"provider.api.connection[consumer.web]": {"provider.api", "consumer.web"},
		"provider.api.connection[vpce-123]":     {},
		"consumer.web":                          {},
	} {
		p, c, ok := connectionKey(addr)
		if [2]string{p, c} != want || ok != (want[0] != "") {
			t.Errorf("connectionKey(%s) = %s, %s, %v", addr, p, c, ok)
		}
	}
}
