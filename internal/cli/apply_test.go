package cli

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/internal/iostreams"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/reconcile"
)

// runPlink runs the CLI in-process with test streams; tty makes stdin and
// stdout terminals so prompts are shown.
func runPlink(t *testing.T, stdin string, tty bool, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	ios.SetTTY(tty, tty, false)
	code = Main(context.Background(), args, ios, func(string) string { return "" })
	return code, out.String(), errOut.String()
}

const quickstart = "../../testdata/examples/quickstart.yaml"

func TestApplyAsksForConfirmationOnATerminal(t *testing.T) {
	dir := t.TempDir()
	sb := []string{"--sandbox", "--sandbox-dir", dir, "--no-color", "-f", quickstart}

	// Anything but "yes" cancels, and nothing is created.
	code, out, stderr := runPlink(t, "y\n", true, append([]string{"apply"}, sb...)...)
	if code != ExitError {
		t.Fatalf("apply answered %q: exit %d, want %d\nstderr: %s", "y", code, ExitError, stderr)
	}
	if !strings.Contains(out, "Only 'yes' will be accepted") || !strings.Contains(stderr, "Apply cancelled.") {
		t.Fatalf("missing prompt or cancel message:\nstdout: %s\nstderr: %s", out, stderr)
	}
	if code, _, _ := runPlink(t, "", false, append([]string{"plan", "--detailed-exitcode"}, sb...)...); code != ExitChanges {
		t.Fatalf("after a cancelled apply, plan exit %d, want %d (changes still pending)", code, ExitChanges)
	}

	// "yes" applies.
	code, out, stderr = runPlink(t, "yes\n", true, append([]string{"apply"}, sb...)...)
	if code != ExitOK {
		t.Fatalf("apply answered yes: exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	if !strings.Contains(out, "Apply complete: 9 added") {
		t.Fatalf("no apply summary:\n%s", out)
	}

	// With nothing to do there is no question at all.
	code, out, _ = runPlink(t, "", true, append([]string{"apply"}, sb...)...)
	if code != ExitOK || strings.Contains(out, "Enter a value") || !strings.Contains(out, "No changes.") {
		t.Fatalf("second apply: exit %d, output:\n%s", code, out)
	}
}

func TestApplyRefusesWithoutTerminalBeforeReadingAWS(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runPlink(t, "yes\n", false, "apply", "--sandbox", "--sandbox-dir", dir, "-f", quickstart)
	if code != ExitError || !strings.Contains(stderr, "refusing to apply without confirmation") {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	if fileExists(dir + "/sandbox-state.json") {
		t.Fatalf("the sandbox was opened although apply was refused")
	}
}

func TestSavedPlanErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content, want string
	}{
		{"not-json.json", "hello", "is not a saved plink plan"},
		{"other-format.json", `{"format":"plink-saved-plan/9","plan":{}}`, `format "plink-saved-plan/9"`},
	} {
		p := dir + "/" + tc.name
		if err := writeFile(p, tc.content); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runPlink(t, "", false, "show", p)
		if code != ExitError || !strings.Contains(stderr, tc.want) {
			t.Errorf("show %s: exit %d, stderr %q, want %q", tc.name, code, stderr, tc.want)
		}
	}
	code, _, stderr := runPlink(t, "", false, "show", dir+"/missing.json")
	if code != ExitError || !strings.Contains(stderr, "missing.json") {
		t.Errorf("show missing: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runPlink(t, "", false, "apply", dir+"/x.json", "-f", quickstart)
	if code != ExitError || !strings.Contains(stderr, "not both") {
		t.Errorf("apply FILE -f: exit %d, stderr %q", code, stderr)
	}
}

func writeFile(p, content string) error { return os.WriteFile(p, []byte(content), 0o644) }

func TestWaitProgressOnATerminalIsThrottled(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	ios.SetTTY(false, false, true)
	e := newEventPrinter(&Factory{IO: ios}, "text")
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 25; i++ { // a poll every second for 25s
		e.print(apply.Event{Time: start.Add(time.Duration(i) * time.Second), Address: "consumer.a", Progress: apply.ProgressWaiting,
			Message: "waiting for available", Elapsed: time.Duration(i) * time.Second})
	}
	if got := strings.Count(errOut.String(), "consumer.a: waiting"); got != 3 {
		t.Fatalf("%d wait lines in 25s, want 3 (at 0s, 10s, 20s):\n%s", got, errOut.String())
	}

	ios, _, _, errOut = iostreams.Test() // not a terminal: no wait lines at all
	e = newEventPrinter(&Factory{IO: ios}, "text")
	e.print(apply.Event{Time: start, Address: "consumer.a", Progress: apply.ProgressWaiting})
	e.print(apply.Event{Time: start, Address: "consumer.a", Progress: apply.ProgressDone, Message: "created vpce-1"})
	if strings.Contains(errOut.String(), "waiting") || !strings.Contains(errOut.String(), "consumer.a: done - created vpce-1") {
		t.Fatalf("log output:\n%s", errOut.String())
	}
}

// TestFlagsReachTheOptions: --no-wait and --allow-disconnect (as flags, or
// as PLINK_* settings) reach apply's and plan's options.
func TestFlagsReachTheOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want bool
	}{
		{"unset", nil, nil, false},
		{"flags", []string{"--no-wait", "--allow-disconnect"}, nil, true},
		{"env", nil, map[string]string{"PLINK_NO_WAIT": "true", "PLINK_ALLOW_DISCONNECT": "true"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			ios, _, _, _ := iostreams.Test()
			f := &Factory{IO: ios, Config: newConfig()}
			cmd := newApplyCmd(f)
			if err := cmd.ParseFlags(tc.args); err != nil {
				t.Fatal(err)
			}
			if err := f.Config.load("", cmd.Flags()); err != nil {
				t.Fatal(err)
			}
			if got := applySettings(f).NoWait; got != tc.want {
				t.Errorf("NoWait = %v, want %v", got, tc.want)
			}
			if got := sessionSettings(f).Plan.AllowDisconnect; got != tc.want {
				t.Errorf("AllowDisconnect = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestLeaseNetworkOnlyWithoutAPrompt: the read under the lease takes the
// shown plan's network only with --auto-approve, when it was read seconds
// before; after a prompt it reads the network again.
func TestLeaseNetworkOnlyWithoutAPrompt(t *testing.T) {
	pl := &reconcile.Planned{Snapshot: &live.Snapshot{}}
	if got := leaseNetwork(applyRun{autoApprove: true}, pl); got != pl.Snapshot {
		t.Error("--auto-approve: the shown plan's network not taken")
	}
	if got := leaseNetwork(applyRun{}, pl); got != nil {
		t.Error("after a prompt: the shown plan's network taken")
	}
	if got := leaseNetwork(applyRun{autoApprove: true}, nil); got != nil {
		t.Error("no plan shown: a network taken")
	}
}

// TestLeasedPlanErrorsRefuseWithTheirCodes: a plan read under the lease
// with errors the shown plan did not have is refused naming each error
// with its code, saying nothing was applied, and what to do.
func TestLeasedPlanErrorsRefuseWithTheirCodes(t *testing.T) {
	ok := &plan.Plan{Diagnostics: []plan.Diagnostic{{Severity: plan.SeverityWarning, Code: "PL230", Address: "consumer.a", Message: "near the quota"}}}
	if err := leasedPlanErrors(applyRun{}, ok); err != nil {
		t.Fatalf("a plan without errors refused: %v", err)
	}
	bad := &plan.Plan{Diagnostics: []plan.Diagnostic{{Severity: plan.SeverityError, Code: "PL107", Address: "consumer.a",
		Message: "consumer.a: subnet subnet-1 does not exist in account app (141414141414) region us-west-2"}}}
	err := leasedPlanErrors(applyRun{}, bad)
	var ee *exitError
	if err == nil || !errors.As(err, &ee) || ee.Hint == "" ||
		!strings.Contains(err.Error(), "nothing was applied") || !strings.Contains(err.Error(), "PL107 consumer.a: subnet subnet-1 does not exist") || strings.Contains(err.Error(), "consumer.a: consumer.a") {
		t.Errorf("refusal: %v", err)
	}
}
