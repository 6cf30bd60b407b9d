package sandbox_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/plinkdev/plink/sandbox"
)

// TestSNSGetTopicAttributesBotocore: SNS GetTopicAttributes of world topics
// through unmodified boto3 (plink's Go build has no SNS client yet).
func TestSNSGetTopicAttributesBotocore(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		t.Skip("python3 with boto3 not available")
	}
	srv := start(t)
	setPolicies(t, srv, "arn:aws:iam::333333333333:user/analytics-admin", doc(allowS("ec2:*", "*")))
	cmd := exec.Command("python3", "testdata/botocore_sns.py", srv.URL)
	cmd.Env = append(cmd.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("boto3 SNS check failed: %v\n%s", err, out)
	}
	counted := false
	for _, c := range srv.Sandbox.Calls() {
		counted = counted || (c.Service == "sns" && c.Action == "GetTopicAttributes" && c.Account == payments && c.Region == "us-east-1" && c.Count == 4)
	}
	if !counted {
		t.Fatalf("SNS calls not counted: %+v", srv.Sandbox.Calls())
	}
}

func TestWorldTopicValidation(t *testing.T) {
	w := sandbox.DefaultWorld()
	rw := w.Accounts[0].Regions["us-east-1"]
	rw.Topics = append(rw.Topics,
		sandbox.Topic{Name: "bad name"},
		sandbox.Topic{Name: "pl-events"},
		sandbox.Topic{Name: "t1", Policy: "{"},
		sandbox.Topic{Name: "t2", Policy: `{"Version": "2012-10-17"}`})
	w.Accounts[0].Regions["us-east-1"] = rw
	_, err := sandbox.New(w, sandbox.Options{})
	if err == nil {
		t.Fatal("invalid topics accepted")
	}
	for _, want := range []string{`topic "bad name": name must be`, `topic "pl-events": duplicate name`, "topic t1: policy is not a JSON object", "topic t2: policy has no Statement"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nlacks %q", err, want)
		}
	}
}
