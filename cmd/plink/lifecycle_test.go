package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plinkdev/plink/sandbox"
)

// runPlinkIn runs the plink binary with env and returns its exit code and
// output.
func runPlinkIn(ctx context.Context, t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	path, err := exec.LookPath("plink")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// TestRemoveConsumerWithAWSDelays: against a served sandbox with AWS-like
// delays (endpoints pending and deleting for seconds, services Pending and
// Deleting) and a few server errors, removing a consumer applies with exit
// 0, and the plan right after has no changes: a deleting or deleted
// endpoint is gone, not a resource to destroy again.
func TestRemoveConsumerWithAWSDelays(t *testing.T) {
	if testing.Short() {
		t.Skip("runs plink against a sandbox with delays of seconds")
	}
	env := slowSandbox(t, sandbox.Options{EndpointAvailableDelay: 3 * time.Second, ServiceAvailableDelay: 2 * time.Second,
		ServiceDeleteDelay: 2 * time.Second, ErrorRate: 0.05, Seed: 11, AutoVerifyPrivateDNS: true})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	src, err := os.ReadFile(quickstart)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	full := filepath.Join(dir, "full.yaml")
	if err := os.WriteFile(full, src, 0o644); err != nil {
		t.Fatal(err)
	}
	// the same topology without its cross-region consumer
	text := string(src)
	i := strings.Index(text, "  - name: analytics-payments")
	if i < 0 {
		t.Fatal("quickstart has no consumer analytics-payments")
	}
	j := strings.Index(text[i+1:], "  - name: ")
	cut := text[:i]
	if j >= 0 {
		cut += text[i+1+j:]
	}
	less := filepath.Join(dir, "less.yaml")
	if err := os.WriteFile(less, []byte(cut), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		args []string
		exit int
		want string
	}{
		{[]string{"apply", "--auto-approve", "-f", full}, 0, "Live state matches the manifest."},
		{[]string{"plan", "-f", full, "--detailed-exitcode"}, 0, "No changes."},
		{[]string{"apply", "--auto-approve", "-f", less}, 0, "Live state matches the manifest."},
		{[]string{"plan", "-f", less, "--detailed-exitcode"}, 0, "No changes."},
		{[]string{"drift", "-f", less}, 0, "no drift"},
		{[]string{"apply", "--auto-approve", "-f", less}, 0, "No changes."},
	} {
		code, out, errs := runPlinkIn(ctx, t, env, step.args...)
		if code != step.exit || !strings.Contains(out, step.want) {
			t.Fatalf("plink %s: exit %d, want %d and %q\nstdout: %s\nstderr: %s", strings.Join(step.args, " "), code, step.exit, step.want, out, errs)
		}
		if os.Getenv("PLINK_DEBUG_TEST") != "" {
			t.Logf("plink %s:\n%s\n%s", strings.Join(step.args, " "), out, errs)
		}
	}
}
