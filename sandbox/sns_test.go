package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"

	"github.com/plinkdev/plink/sandbox"
)

// TestSNSGetTopicAttributesBotocore: SNS GetTopicAttributes of world topics
// through unmodified boto3.
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

// TestSNSGetTopicAttributesGoSDK: the Go SDK's SNS client reads world
// topics' attributes and gets SNS's errors, each with its code and status.
func TestSNSGetTopicAttributesGoSDK(t *testing.T) {
	srv := start(t)
	ctx := context.Background()
	client := func(alias, region string) *sns.Client {
		return sns.NewFromConfig(srv.ConfigRegion(t, alias, region))
	}
	pay := client("payments", "us-east-1")
	const open = "arn:aws:sns:us-east-1:111111111111:pl-events"
	out, err := pay.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(open)})
	if err != nil {
		t.Fatal(err)
	}
	a := out.Attributes
	if a["TopicArn"] != open || a["Owner"] != payments || a["DisplayName"] != "PrivateLink events" || !strings.Contains(a["Policy"], `"vpce.amazonaws.com"`) {
		t.Fatalf("attributes: %v", a)
	}
	closed, err := pay.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String("arn:aws:sns:us-east-1:111111111111:pl-events-closed")})
	if err != nil {
		t.Fatal(err)
	}
	var pol struct {
		ID        string `json:"Id"`
		Statement []struct {
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(closed.Attributes["Policy"]), &pol); err != nil || pol.ID != "__default_policy_ID" ||
		pol.Statement[0].Condition["StringEquals"]["AWS:SourceOwner"] != payments {
		t.Fatalf("default policy: %v %s", err, closed.Attributes["Policy"])
	}
	setPolicies(t, srv, "arn:aws:iam::333333333333:user/analytics-admin", doc(allowS("ec2:*", "*")))
	for _, c := range []struct {
		name, alias, region, arn, code string
		status                         int
	}{
		{"no such topic", "payments", "us-east-1", "arn:aws:sns:us-east-1:111111111111:nope", "NotFound", 404},
		{"not an ARN", "payments", "us-east-1", "not-an-arn", "InvalidParameter", 400},
		{"another region", "payments", "us-west-2", open, "InvalidParameter", 400},
		{"another account's topic", "checkout", "us-east-1", open, "AuthorizationError", 403},
		{"denied by the identity policy", "analytics", "us-east-1", "arn:aws:sns:us-east-1:333333333333:t", "AccessDenied", 403},
	} {
		in := &sns.GetTopicAttributesInput{}
		if c.arn != "" {
			in.TopicArn = aws.String(c.arn)
		}
		_, err := client(c.alias, c.region).GetTopicAttributes(ctx, in)
		var ae smithy.APIError
		var re *awshttp.ResponseError
		if !errors.As(err, &ae) || ae.ErrorCode() != c.code || !errors.As(err, &re) || re.HTTPStatusCode() != c.status {
			t.Errorf("%s: %v, want %s (%d)", c.name, err, c.code, c.status)
		}
	}
}
