package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/plinkdev/plink/internal/iostreams"
)

// TestShardPlanCountsWhatWaits: a shard whose consumers wait for another
// shard's service is not "matches": its plan shows, counts and costs them
// (exit 2 with --detailed-exitcode), marked with what they wait for, and
// its apply makes what it can and says it has not converged.
func TestShardPlanCountsWhatWaits(t *testing.T) {
	sb := []string{"--sandbox", "--sandbox-dir", t.TempDir(), "--no-color", "-f", quickstart, "--account", "checkout"}

	code, out, stderr := runPlink(t, "", false, append([]string{"plan", "--detailed-exitcode"}, sb...)...)
	if code != ExitChanges {
		t.Fatalf("checkout's plan: exit %d, want 2\n%s\n%s", code, out, stderr)
	}
	if strings.Contains(out, "No changes") || strings.Contains(out, "matches") {
		t.Fatalf("a shard whose endpoints are missing says it matches:\n%s", out)
	}
	if !strings.Contains(out, "consumer.checkout-payments will be created") || !strings.Contains(out, "! waits for provider.payments-api") {
		t.Fatalf("the waiting consumer is not shown with what it waits for:\n%s", out)
	}

	code, out, stderr = runPlink(t, "", false, append([]string{"plan", "--output", "json"}, sb...)...)
	if code != ExitOK {
		t.Fatalf("plan -o json: exit %d\n%s", code, stderr)
	}
	var p struct {
		Changes []struct {
			Address  string   `json:"address"`
			Action   string   `json:"action"`
			WaitsFor []string `json:"waitsFor"`
		} `json:"changes"`
		Summary struct {
			Add int `json:"add"`
		} `json:"summary"`
		Cost *struct {
			MonthlyDelta     float64 `json:"monthlyDelta"`
			EndpointAZsDelta int     `json:"endpointAzsDelta"`
		} `json:"cost"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var waiting []string
	for _, c := range p.Changes {
		if len(c.WaitsFor) > 0 {
			waiting = append(waiting, c.Address+"<"+strings.Join(c.WaitsFor, ","))
		}
	}
	if len(waiting) != 1 || !strings.HasPrefix(waiting[0], "consumer.checkout-payments<provider.payments-api,provider.payments-api.principal[") {
		t.Errorf("waiting changes %v, want checkout-payments waiting for provider.payments-api", waiting)
	}
	// checkout's own: its interface endpoint (3 subnets) and its gateway
	// endpoint (free); not analytics' or payments' endpoints.
	if p.Cost == nil || p.Cost.EndpointAZsDelta != 3 || p.Cost.MonthlyDelta <= 0 {
		t.Errorf("the shard's cost is %+v, want +3 endpoint-AZs (checkout's endpoint only)", p.Cost)
	}

	code, out, stderr = runPlink(t, "", false, append([]string{"apply", "--auto-approve", "--detailed-exitcode"}, sb...)...)
	if code != ExitChanges {
		t.Fatalf("checkout's apply: exit %d, want 2 (not converged)\n%s\n%s", code, out, stderr)
	}
	if strings.Contains(out, "matches the manifest") || !strings.Contains(out, "has not converged yet") || !strings.Contains(out, "Apply complete: 1 added") {
		t.Errorf("checkout's apply (the gateway endpoint made, the consumer waiting):\n%s", out)
	}
	if strings.Contains(stderr, "became possible") {
		t.Errorf("nothing became possible (no other shard ran), yet:\n%s", stderr)
	}
	// Again: only the waiting consumer is left; text and JSON say that
	// nothing was applied, and why.
	code, out, stderr = runPlink(t, "", false, append([]string{"apply", "--auto-approve", "--detailed-exitcode"}, sb...)...)
	if code != ExitChanges || !strings.Contains(out, "Nothing to apply now: 1 change waits for another shard.") || strings.Contains(out, "Apply complete") {
		t.Errorf("checkout's second apply: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, _ = runPlink(t, "", false, append([]string{"apply", "--auto-approve", "--detailed-exitcode", "--output", "json"}, sb...)...)
	if code != ExitChanges || !strings.Contains(out, `"message":"Nothing to apply now: 1 change waits for another shard."`) || !strings.Contains(out, `"waiting":1`) {
		t.Errorf("checkout's second apply -o json: exit %d\n%s", code, out)
	}
}

// TestInterruptedShardWaitIsNotComplete: a signal during --shard-wait
// ends the run as any interrupted apply: "Apply interrupted", what still
// waited not attempted, exit 1.
func TestInterruptedShardWaitIsNotComplete(t *testing.T) {
	dir := t.TempDir()
	args := []string{"apply", "--sandbox", "--sandbox-dir", dir, "--no-color", "-f", quickstart, "--account", "checkout", "--auto-approve", "--shard-wait", "1m"}
	ios, _, _, _ := iostreams.Test()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	ios.Out, ios.ErrOut = out, errOut
	sigs := make(chan os.Signal, 1)
	done := make(chan int, 1)
	go func() { done <- Run(args, ios, func(string) string { return "" }, sigs, func(int) {}) }()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(errOut.String(), "(--shard-wait) for other shards"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the shard wait did not start\n%s\n%s", out, errOut)
		}
	}
	sigs <- os.Interrupt
	code := <-done
	if code != ExitError {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out.String(), "Apply complete") || !strings.Contains(out.String(), "Apply interrupted (SIGINT)") ||
		!strings.Contains(out.String(), "consumer.checkout-payments") || !strings.Contains(out.String(), "1 not attempted") {
		t.Errorf("the summary of an interrupted shard wait:\n%s", out)
	}
}

// TestShardSavedPlanApplies: a shard's saved plan (plan --account X -out)
// is applied with the same --account: planned again for that shard, it
// matches, and the shard's changes are made.
func TestShardSavedPlanApplies(t *testing.T) {
	dir := t.TempDir()
	sb := []string{"--sandbox", "--sandbox-dir", dir, "--no-color"}
	planFile := dir + "/payments.plan"
	code, out, stderr := runPlink(t, "", false, append([]string{"plan", "-f", quickstart, "--account", "payments", "-out", planFile, "--detailed-exitcode"}, sb...)...)
	if code != ExitChanges {
		t.Fatalf("plan --account payments -out: exit %d\n%s\n%s", code, out, stderr)
	}
	// Another shard's flags are refused: that plan would not be the saved one.
	code, _, stderr = runPlink(t, "", false, append([]string{"apply", planFile, "--account", "checkout"}, sb...)...)
	if code != ExitError || !strings.Contains(stderr, "was planned for the shard of account payments, not for the shard of account checkout") {
		t.Fatalf("apply of payments' plan as checkout: exit %d\n%s", code, stderr)
	}
	// Without flags, the file's shard is applied.
	code, out, stderr = runPlink(t, "", false, append([]string{"apply", planFile}, sb...)...)
	if code != ExitOK || !strings.Contains(out, "Apply complete") || !strings.Contains(stderr, "was planned for the shard of account payments: applying that shard") {
		t.Fatalf("apply of the shard's saved plan: exit %d\n%s\n%s", code, out, stderr)
	}
	// With the same flags, a second saved plan of the shard applies too.
	if code, out, stderr = runPlink(t, "", false, append([]string{"plan", "-f", quickstart, "--account", "payments", "-out", planFile}, sb...)...); code != ExitOK {
		t.Fatalf("second plan: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, stderr = runPlink(t, "", false, append([]string{"apply", planFile, "--account", "payments"}, sb...)...)
	if code != ExitOK {
		t.Fatalf("apply --account payments of its saved plan: exit %d\n%s\n%s", code, out, stderr)
	}
}
