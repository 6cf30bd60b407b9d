//go:build unix

package awsenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// helperProfile writes an AWS config whose default profile's
// credential_process is script, and returns the directory the script may
// write to.
func helperProfile(t *testing.T, script string) string {
	t.Helper()
	dir := hermetic(t)
	path := filepath.Join(dir, "helper.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := "[default]\ncredential_process = " + path + "\n"
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// hangingHelper records its pid and the pid of a child it starts, then
// waits for that child, which sleeps for 10 minutes.
const hangingHelper = `echo $$ >> "$(dirname "$0")/pids"
sleep 600 &
echo $! >> "$(dirname "$0")/pids"
wait
`

// helperPids waits (bounded) until the hanging helper has written both pids.
func helperPids(t *testing.T, dir string) []int {
	t.Helper()
	for range 600 {
		b, _ := os.ReadFile(filepath.Join(dir, "pids"))
		if f := strings.Fields(string(b)); len(f) == 2 {
			var pids []int
			for _, s := range f {
				n, err := strconv.Atoi(s)
				if err != nil {
					t.Fatal(err)
				}
				pids = append(pids, n)
			}
			return pids
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the credential helper never started")
	return nil
}

// alive reports whether pid is a process that has not ended (a zombie,
// ended but not yet reaped by its new parent, counts as ended).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !os.IsNotExist(err) // without /proc, kill(pid, 0) is the answer
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

// waitGone polls until none of pids is alive. The bound only ends a
// failing test; it says nothing about how fast the kill must be.
func waitGone(t *testing.T, pids []int) {
	t.Helper()
	for range 600 {
		left := false
		for _, p := range pids {
			left = left || alive(p)
		}
		if !left {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, p := range pids {
		if alive(p) {
			syscall.Kill(p, syscall.SIGKILL)
			t.Errorf("credential helper process %d outlived the run", p)
		}
	}
}

// A run that ends (--timeout, SIGINT, SIGTERM cancel its context) kills a
// credential helper still running, and what the helper started, although
// the SDK's credentials cache does not pass the caller's cancellation on.
func TestHungCredentialHelperKilledWhenTheRunEnds(t *testing.T) {
	dir := helperProfile(t, hangingHelper)
	srv := sandboxtest.Start(t)
	run, end := context.WithCancelCause(context.Background())
	defer end(nil)
	r, err := New(run, mf(&manifest.Account{Alias: "payments", ID: "111111111111"}), Options{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Clients(run, "payments", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := c.STS().GetCallerIdentity(run, &sts.GetCallerIdentityInput{})
		errc <- err
	}()
	pids := helperPids(t, dir)
	end(errors.New("timed out after 3s (--timeout)"))
	if err := <-errc; err == nil {
		t.Fatal("the call succeeded without credentials")
	}
	waitGone(t, pids)
}

// StopHelpers, which plink calls before it exits, kills a helper that the
// run's context has not (yet) stopped.
func TestStopHelpersKillsRunningHelpers(t *testing.T) {
	dir := helperProfile(t, hangingHelper)
	r, err := New(context.Background(), mf(&manifest.Account{Alias: "payments", ID: "111111111111"}), Options{Endpoint: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := r.base.Credentials.Retrieve(context.Background())
		errc <- err
	}()
	pids := helperPids(t, dir)
	StopHelpers()
	err = <-errc
	if err == nil || !strings.Contains(err.Error(), "error in credential_process") {
		t.Fatalf("a killed helper: %v", err)
	}
	waitGone(t, pids)
}

// A working helper's credentials reach AWS: the replacement provider reads
// the output the SDK's would.
func TestCredentialHelperCredentialsAreUsed(t *testing.T) {
	srv := sandboxtest.Start(t)
	key, secret, err := srv.Sandbox.Credentials("payments")
	if err != nil {
		t.Fatal(err)
	}
	helperProfile(t, fmt.Sprintf(`echo '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}'`+"\n", key, secret))
	r, err := New(context.Background(), mf(&manifest.Account{Alias: "payments", ID: "111111111111"}), Options{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Clients(context.Background(), "payments", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.STS().GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || *id.Account != "111111111111" {
		t.Fatalf("identity through the credential helper: %v %v", id, err)
	}
}

// Every way a helper can fail is an error naming the command and what
// was wrong, never the helper's output (it may hold a secret).
func TestCredentialHelperErrors(t *testing.T) {
	for _, tc := range []struct{ name, script, want string }{
		{"exit status", "echo oops >&2; exit 3\n", "error in credential_process"},
		{"not JSON", "echo 'AKIASECRETISH not json'\n", "its output is not the credentials JSON"},
		{"version", `echo '{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "S"}'` + "\n", "Version is 2, want 1"},
		{"no key", `echo '{"Version": 1, "SecretAccessKey": "S"}'` + "\n", "no AccessKeyId"},
		{"no secret", `echo '{"Version": 1, "AccessKeyId": "A"}'` + "\n", "no SecretAccessKey"},
		{"too much output", "head -c 2000000 /dev/zero\n", "printed more than 1048576 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			helperProfile(t, tc.script)
			r, err := New(context.Background(), mf(&manifest.Account{Alias: "payments", ID: "111111111111"}), Options{Endpoint: "http://127.0.0.1:1"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.base.Credentials.Retrieve(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "helper.sh") {
				t.Fatalf("got %v, want %q naming the command", err, tc.want)
			}
			if strings.Contains(err.Error(), "AKIASECRETISH") {
				t.Fatalf("the helper's output is in the error: %v", err)
			}
		})
	}
}

// The helper's own time bound and a caller that gives up both kill it.
func TestCredentialHelperTimeoutAndCallerKill(t *testing.T) {
	dir := helperProfile(t, hangingHelper)
	old := helperTimeout
	helperTimeout = 200 * time.Millisecond
	defer func() { helperTimeout = old }()
	p := &processProvider{command: filepath.Join(dir, "helper.sh"), stop: context.Background()}
	_, err := p.Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "it ran longer than 200ms") {
		t.Fatalf("timeout: %v", err)
	}
	waitGone(t, helperPids(t, dir))

	os.Remove(filepath.Join(dir, "pids"))
	helperTimeout = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := p.Retrieve(ctx); errc <- err }()
	pids := helperPids(t, dir)
	cancel()
	if err := <-errc; err == nil || !strings.Contains(err.Error(), "the call that needed it ended") {
		t.Fatalf("caller gave up: %v", err)
	}
	waitGone(t, pids)
}
