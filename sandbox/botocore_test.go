package sandbox_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBotocore drives the sandbox with boto3, an independent client of the
// same wire protocols. It is skipped where python3 with boto3 is missing.
func TestBotocore(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		t.Skip("python3 with boto3 not available")
	}
	srv := start(t)
	cmd := exec.Command("python3", "testdata/botocore_check.py", srv.URL)
	cmd.Env = append(cmd.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("botocore check failed: %v\n%s", err, out)
	}
}
