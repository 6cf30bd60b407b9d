package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plinkdev/plink/sandbox"
)

// slowSandbox serves a sandbox with o on loopback and returns the
// environment that points a plink process at it as the operator, away from
// the machine's AWS configuration.
func slowSandbox(t *testing.T, o sandbox.Options) []string {
	t.Helper()
	sb, err := sandbox.New(sandbox.DefaultWorld(), o)
	if err != nil {
		t.Fatal(err)
	}
	url, stop, err := sb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stop() })
	key, secret, err := sb.OperatorCredentials()
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "PLINK_") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+home, "XDG_CONFIG_HOME="+home,
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL="+url, "AWS_ACCESS_KEY_ID="+key, "AWS_SECRET_ACCESS_KEY="+secret, "AWS_REGION=us-east-1")
}

const quickstart = "../../testdata/examples/quickstart.yaml"

// plinkProc is a plink process (the test binary, registered by TestMain)
// whose stderr is read line by line as it comes.
type plinkProc struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	mu     sync.Mutex
	stderr strings.Builder
	lines  chan string
	done   chan struct{}
	exit   int
	took   time.Duration
}

func startPlink(t *testing.T, env []string, args ...string) *plinkProc {
	t.Helper()
	path, err := exec.LookPath("plink")
	if err != nil {
		t.Fatal(err)
	}
	p := &plinkProc{cmd: exec.Command(path, args...), lines: make(chan string, 1000), done: make(chan struct{})}
	p.cmd.Env = env
	p.cmd.Stdout = &p.stdout
	errPipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
		err := p.cmd.Wait()
		p.took = time.Since(start)
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			p.exit = ee.ExitCode()
		} else if err != nil {
			p.exit = -1
		}
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// waitLine waits for a stderr line containing s.
func (p *plinkProc) waitLine(t *testing.T, s string, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case l := <-p.lines:
			if strings.Contains(l, s) {
				return
			}
		case <-p.done:
			t.Fatalf("plink ended before printing %q:\nstdout: %s\nstderr: %s", s, p.stdout.String(), p.errText())
		case <-deadline:
			t.Fatalf("no %q within %s:\nstderr: %s", s, within, p.errText())
		}
	}
}

// wait waits for the process to end, at most within.
func (p *plinkProc) wait(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(within):
		t.Fatalf("plink still running %s later:\nstderr: %s", within, p.errText())
	}
}

func (p *plinkProc) errText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// TestTimeoutNamesThePhase: --timeout ends the process promptly with exit
// 1 and one line naming what it was doing, in whichever phase it falls.
func TestTimeoutNamesThePhase(t *testing.T) {
	if testing.Short() {
		t.Skip("runs plink against a slow sandbox")
	}
	for _, tc := range []struct {
		name    string
		latency time.Duration
		delay   time.Duration // endpoints stay pending this long
		timeout string
		args    []string
		phase   string
	}{
		// AssumeRole then GetCallerIdentity, each 3 s: past 2 s in credentials.
		{"credentials", 3 * time.Second, 0, "2s", []string{"plan"}, "while resolving credentials of 3 accounts"},
		// Credentials take 2 × 0.4 s; reading takes several rounds more.
		{"reading", 400 * time.Millisecond, 0, "1500ms", []string{"plan"}, "while reading live state of 3 accounts in 2 regions"},
		{"drift", 400 * time.Millisecond, 0, "1500ms", []string{"drift"}, "while reading live state of 3 accounts in 2 regions"},
		// Endpoints stay pending for a minute: apply is waiting for them.
		{"waiting", 0, time.Minute, "3s", []string{"apply", "--auto-approve"}, "while waiting for "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := slowSandbox(t, sandbox.Options{Latency: tc.latency, EndpointAvailableDelay: tc.delay})
			p := startPlink(t, env, append(tc.args, "-f", quickstart, "--timeout", tc.timeout)...)
			p.wait(t, 10*time.Second)
			d, _ := time.ParseDuration(tc.timeout)
			if p.exit != 1 {
				t.Fatalf("exit %d, want 1\nstderr: %s", p.exit, p.errText())
			}
			want := "plink: timed out after " + d.String() + " (--timeout) " + tc.phase
			if !strings.Contains(p.errText(), want) || !strings.Contains(p.errText(), "hint: raise --timeout") {
				t.Fatalf("stderr lacks %q:\n%s", want, p.errText())
			}
			if p.took > d+3*time.Second {
				t.Errorf("took %s with --timeout %s", p.took, d)
			}
			t.Logf("ended %s after start with --timeout %s", p.took.Round(10*time.Millisecond), d)
		})
	}
}

// TestSignalsDuringApply: the first SIGTERM stops an apply against a slow
// sandbox — no new work, a summary of what was done and what was not, exit
// 1 naming the phase.
func TestSignalsDuringApply(t *testing.T) {
	if testing.Short() {
		t.Skip("runs plink against a slow sandbox")
	}
	t.Run("one", func(t *testing.T) {
		t.Parallel()
		env := slowSandbox(t, sandbox.Options{Latency: 150 * time.Millisecond, EndpointAvailableDelay: time.Minute})
		p := startPlink(t, env, "apply", "--auto-approve", "-f", quickstart)
		p.waitLine(t, ": done - created vpce-svc-", 30*time.Second)
		sent := time.Now()
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		p.wait(t, 15*time.Second)
		stopped := time.Since(sent)
		stderr := p.errText()
		if p.exit != 1 {
			t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", p.exit, p.stdout.String(), stderr)
		}
		for _, want := range []string{
			"plink: SIGTERM received: stopping; no new work is started",
			"plink: interrupted by SIGTERM while ",
			"hint: run the command again",
		} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
		}
		if out := p.stdout.String(); !strings.Contains(out, "Apply interrupted (SIGTERM): ") || !strings.Contains(out, "not attempted") {
			t.Errorf("no summary of what was done and what was not:\n%s", out)
		}
		if stopped > 11*time.Second {
			t.Errorf("stopped %s after the signal", stopped)
		}
		t.Logf("stopped %s after SIGTERM", stopped.Round(10*time.Millisecond))
	})
	// A second signal (exit 130 at once) is tested in-process by
	// internal/cli's TestSecondSignalExitsAtOnce: here every call honours
	// its context, so the first signal ends the run within milliseconds.
}

// TestThrottlingAndServerErrorsAreAbsorbed: with AWS's throttling buckets
// at 0.3 and one call in ten failing with a 5xx, a plan and an apply
// succeed in one run, and the retries are reported.
func TestThrottlingAndServerErrorsAreAbsorbed(t *testing.T) {
	if testing.Short() {
		t.Skip("runs plink against a throttling sandbox")
	}
	env := slowSandbox(t, sandbox.Options{Throttle: true, ThrottleScale: 0.3, ErrorRate: 0.1, Seed: 7})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stderr strings.Builder
	for _, step := range []struct {
		args []string
		exit int
		want string
	}{
		{[]string{"plan", "-f", quickstart, "--detailed-exitcode"}, 2, "Plan: 9 to add"},
		{[]string{"apply", "--auto-approve", "-f", quickstart}, 0, "Live state matches the manifest."},
		{[]string{"plan", "-f", quickstart, "--detailed-exitcode"}, 0, "No changes."},
	} {
		path, _ := exec.LookPath("plink")
		cmd := exec.CommandContext(ctx, path, step.args...)
		cmd.Env = env
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		if code != step.exit || !strings.Contains(out.String(), step.want) {
			t.Fatalf("plink %s: exit %d, want %d and %q\nstdout: %s\nstderr: %s", strings.Join(step.args, " "), code, step.exit, step.want, out.String(), errb.String())
		}
		stderr.WriteString(errb.String())
	}
	t.Logf("retries reported:\n%s", grepLines(stderr.String(), "retries"))
	if !strings.Contains(stderr.String(), "retries in all (absorbed by backoff") {
		t.Errorf("the retries were not reported:\n%s", stderr.String())
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
