package cli

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plinkdev/plink/internal/iostreams"
)

// TestSecondSignalExitsAtOnce: the first signal cancels the run, the second
// calls exit(130) without waiting for it.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	sigs := make(chan os.Signal, 2)
	sigs <- syscall.SIGTERM
	sigs <- os.Interrupt
	exited := make(chan int, 1)
	Run([]string{"sandbox", "serve", "--addr", "127.0.0.1:0"}, ios, func(string) string { return "" }, sigs, func(c int) { exited <- c })
	select {
	case c := <-exited:
		if c != ExitSignal {
			t.Fatalf("exit(%d), want %d", c, ExitSignal)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("exit was not called")
	}
	for _, want := range []string{"plink: SIGTERM received: stopping", "plink: SIGINT received again: exiting at once"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
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
	if code != ExitOK || !strings.Contains(out.String(), "plink sandbox serving at") {
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
