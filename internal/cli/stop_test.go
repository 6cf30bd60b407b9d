package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plinkdev/plink/internal/iostreams"
)

// TestSecondSignalExitsAtOnce: the first signal cancels the run, a second
// one after SignalGrace calls exit(130) without waiting for it; one within
// SignalGrace is the same interrupt.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	sigs := make(chan os.Signal, 2)
	exited := make(chan int, 1)
	h := &runtimeHooks{exit: func(c int) { exited <- c }, done: make(chan struct{})}
	defer close(h.done)
	cancelled := make(chan error, 1)
	go watchSignals(ios.ErrOut, sigs, func(cause error) { cancelled <- cause }, h)
	sigs <- syscall.SIGTERM
	sigs <- os.Interrupt // at once: the same interrupt
	if c := <-cancelled; c.Error() != "interrupted by SIGTERM" {
		t.Fatalf("cancelled with %v", c)
	}
	select {
	case c := <-exited:
		t.Fatalf("exit(%d) within the grace", c)
	case <-time.After(SignalGrace + 200*time.Millisecond):
	}
	sigs <- os.Interrupt
	select {
	case c := <-exited:
		if c != ExitSignal {
			t.Fatalf("exit(%d), want %d", c, ExitSignal)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("exit was not called")
	}
	for _, want := range []string{"plink: SIGTERM received: stopping; no new work is started", "plink: SIGINT received again: exiting at once"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
	if n := strings.Count(errOut.String(), "received"); n != 2 {
		t.Errorf("%d signal lines, want 2:\n%s", n, errOut.String())
	}
}

// TestFirstSignalStopsTheRun: one signal stops a command that waits on its
// context (sandbox serve) and Run returns; exit is never called.
func TestFirstSignalStopsTheRun(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	sigs := make(chan os.Signal, 1)
	exited := make(chan int, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		sigs <- os.Interrupt
	}()
	code := Run([]string{"sandbox", "serve", "--addr", "127.0.0.1:0"}, ios, func(string) string { return "" }, sigs, func(c int) { exited <- c })
	if code != ExitOK || !strings.Contains(out.String(), "plink sandbox serving at") || !strings.Contains(errOut.String(), "stopping; the sandbox stops taking requests and exits") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out.String(), errOut.String())
	}
	select {
	case c := <-exited:
		t.Fatalf("exit(%d) called", c)
	default:
	}
}

// TestWatchdogBoundsTheStop: once the run's context is done, a command that
// does not return within StopBound is ended by exit(1), naming its activity.
func TestWatchdogBoundsTheStop(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	exited := make(chan int, 1)
	st := &runState{errOut: ios.ErrOut, exit: func(c int) { exited <- c }, done: make(chan struct{}), stopBound: 500 * time.Millisecond}
	st.setActivity("waiting for consumer.a")
	start := time.Now()
	st.startWatchdog()
	st.startWatchdog() // once only
	select {
	case c := <-exited:
		if c != ExitError || time.Since(start) < st.stopBound {
			t.Fatalf("exit(%d) after %s", c, time.Since(start))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the watchdog did not exit")
	}
	if !strings.Contains(errOut.String(), "plink: still waiting for consumer.a 500ms after stopping; exiting without waiting for it") {
		t.Fatalf("stderr: %s", errOut.String())
	}
	select {
	case <-exited:
		t.Fatal("exit called twice")
	default:
	}
}

// TestSignalTwiceAtOnceIsOneInterrupt: GNU timeout -s INT signals plink
// and its process group, so two signals arrive together: that is one
// interrupt (the clean stop: exit 1, the verdict line says so), not the
// forced exit.
func TestSignalTwiceAtOnceIsOneInterrupt(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	sigs := make(chan os.Signal, 2)
	sigs <- os.Interrupt
	sigs <- os.Interrupt
	exited := make(chan int, 1)
	code := Run([]string{"apply", "--sandbox", "--sandbox-dir", t.TempDir(), "-f", quickstart, "--auto-approve", "-o", "json", "--detailed-exitcode"},
		ios, func(string) string { return "" }, sigs, func(c int) { exited <- c })
	if code != ExitError || strings.Contains(errOut.String(), "received again") || !strings.Contains(errOut.String(), "plink: interrupted by SIGINT while ") {
		t.Fatalf("exit %d, want 1 from the clean stop\nstderr: %s", code, errOut.String())
	}
	select {
	case c := <-exited:
		t.Fatalf("exit(%d) called", c)
	default:
	}
	v := lastVerdict(t, out.Bytes())
	if v.Verdict != verdictInterrupted || v.ExitCode != ExitError {
		t.Fatalf("verdict %+v, want interrupted with exit code 1\nstdout: %s", v, out.String())
	}
}

// lastVerdict is the verdict of the last line of a JSON run's stdout.
func lastVerdict(t *testing.T, out []byte) runVerdict {
	t.Helper()
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	var line struct {
		Type    string     `json:"type"`
		Verdict runVerdict `json:"verdict"`
	}
	if err := json.Unmarshal(lines[len(lines)-1], &line); err != nil || line.Type != "verdict" {
		t.Fatalf("the last line is not a verdict (%v): %s", err, lines[len(lines)-1])
	}
	return line.Verdict
}

// TestForcedExitEndsWithItsVerdict: an exit forced by a later second
// signal exits with the code of the verdict already written, or writes an
// interrupted verdict with the code it exits with; nothing is written
// after it.
func TestForcedExitEndsWithItsVerdict(t *testing.T) {
	run := applyRun{awsRun: awsRun{manifestRun: manifestRun{format: "json"}}}
	var b bytes.Buffer
	o := &verdictOut{w: &b}
	if code := o.end(run, ExitSignal, "a second signal"); code != ExitSignal {
		t.Fatalf("code %d, want %d", code, ExitSignal)
	}
	if v := lastVerdict(t, b.Bytes()); v.Verdict != verdictInterrupted || v.ExitCode != ExitSignal {
		t.Fatalf("verdict %+v, want interrupted with %d", v, ExitSignal)
	}
	if err := writeVerdict(o, runVerdict{Verdict: verdictFailed, ExitCode: ExitError}, "json"); err != nil {
		t.Fatal(err)
	}
	fmt_, _ := o.Write([]byte("late\n"))
	if v := lastVerdict(t, b.Bytes()); v.ExitCode != ExitSignal || fmt_ != 5 || strings.Contains(b.String(), "late") {
		t.Fatalf("written after the forced exit: %s", b.String())
	}

	b.Reset()
	o = &verdictOut{w: &b}
	if err := writeVerdict(o, runVerdict{Verdict: verdictInterrupted, ExitCode: ExitError}, "json"); err != nil {
		t.Fatal(err)
	}
	if code := o.end(run, ExitSignal, "a second signal"); code != ExitError {
		t.Fatalf("code %d, want the verdict's %d", code, ExitError)
	}
	if n := strings.Count(b.String(), `"type":"verdict"`); n != 1 {
		t.Fatalf("%d verdict lines: %s", n, b.String())
	}
}

// TestConnectionsSignalSaysWhatStops: the first signal's line says what
// stopping does to the command running, not to an apply.
func TestConnectionsSignalSaysWhatStops(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	sigs := make(chan os.Signal, 1)
	go func() {
		time.Sleep(500 * time.Millisecond)
		sigs <- os.Interrupt
	}()
	code := Run([]string{"connections", "--sandbox", "--sandbox-dir", t.TempDir(), "-f", quickstart, "--watch", "1m"},
		ios, func(string) string { return "" }, sigs, func(int) {})
	if code != ExitOK || !strings.Contains(errOut.String(), "SIGINT received: stopping; the watch ends: the round in progress starts no new decision") ||
		strings.Contains(errOut.String(), "apply's") {
		t.Fatalf("exit %d\nstderr: %s", code, errOut.String())
	}
}

// TestApplySignalSaysWhatStops: while an apply or destroy runs, the first
// signal's line speaks of its calls in flight.
func TestApplySignalSaysWhatStops(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	st := &runState{errOut: ios.ErrOut}
	ctx := withRunState(context.Background(), st)
	var during string
	_ = withVerdict(ctx, &Factory{IO: ios}, applyRun{awsRun: awsRun{runScope: runScope{destroy: &destroyMode{}}}}, func(*Factory) error {
		during = st.stopMessage()
		return nil
	})
	if want := "no new work is started, reads stop now, destroy's calls in flight get up to 8s to finish"; during != want {
		t.Fatalf("stop message %q, want %q", during, want)
	}
}

// TestStoppedRunVerdictSaysExitOne: a run stopped while it waits (its
// verdict would be not converged, exit 2) exits 1 as every stopped run
// does, and its verdict line says 1 too.
func TestStoppedRunVerdictSaysExitOne(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(&Interrupted{Signal: "SIGINT"})
	run := applyRun{awsRun: awsRun{manifestRun: manifestRun{format: "json"}}, detailedExitcode: true}
	err := withVerdict(ctx, &Factory{IO: ios}, run, func(f *Factory) error {
		return newVerdict(run, []string{"consumer.c: endpoint vpce-1 is still pending"}, 0, true).emit(f, "json")
	})
	if code := report(io.Discard, "plink apply", err, stopCause(ctx), "waiting"); code != ExitError {
		t.Fatalf("exit %d, want 1", code)
	}
	if v := lastVerdict(t, out.Bytes()); v.Verdict != verdictInterrupted || v.ExitCode != ExitError || len(v.Unsettled) != 1 {
		t.Fatalf("verdict %+v, want interrupted with exit code 1", v)
	}
}
