package cli

import (
	"strings"
	"testing"
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
	for _, want := range []string{`(create consumer.checkout-payments; marked "waits for" in the plan); apply makes them once possible, within --shard-wait 1s`,
		"waiting up to 1s (--shard-wait) for other shards", "still waiting after --shard-wait 1s; the next run applies them"} {
		if !strings.Contains(out+errOut, want) {
			t.Errorf("checkout's first run does not say %q:\n%s\n%s", want, errOut, out)
		}
	}
	// payments makes the service; its accept of checkout's endpoint
	// waits, and without --shard-wait the next run is named.
	out, errOut = apply("--account", "payments")
	if !strings.Contains(out, "the next run (or --shard-wait) applies them") || !strings.Contains(errOut, "apply leaves them to the next run (or --shard-wait)") || strings.Contains(errOut, "--shard-wait) for other shards") {
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
