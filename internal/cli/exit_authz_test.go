package cli

import (
	"strings"
	"testing"
)

// plink apply refused by AWS for a missing permission: the output names
// the action, the account and region and, when the role may call
// sts:DecodeAuthorizationMessage, the permission and resource refused;
// when it may not, the command to decode the message. AWS's 2 KB encoded
// message is printed only in --output json.
func TestApplyUnauthorizedIsReadable(t *testing.T) {
	for _, c := range []struct {
		name, policy string
		want         []string
	}{
		{"decode allowed", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"ec2:CreateVpcEndpoint","Resource":"*"}]}`,
			[]string{"not authorized: no identity-based policy of account checkout (222222222222) in us-east-1 allows ec2:CreateVpcEndpoint on arn:aws:ec2:us-east-1:222222222222:",
				"hint: grant ec2:CreateVpcEndpoint on arn:aws:ec2:us-east-1:222222222222:"}},
		{"decode denied", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["ec2:CreateVpcEndpoint","sts:DecodeAuthorizationMessage"],"Resource":"*"}]}`,
			[]string{"not authorized to perform ec2:CreateVpcEndpoint in account checkout (222222222222) in us-east-1; AWS did not say which permission it refused",
				"the call needs every one of: ec2:CreateVpcEndpoint on vpc, vpc-endpoint",
				"aws sts decode-authorization-message --query DecodedMessage --output text --encoded-message MESSAGE"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := servedSandbox(t)
			if err := srv.Sandbox.SetPolicies("arn:aws:iam::222222222222:role/plink", c.policy); err != nil {
				t.Fatal(err)
			}
			code, out, stderr := runPlink(t, "", false, "apply", "--auto-approve", "--no-color", "-f", quickstart)
			all := out + stderr
			if code != ExitError || strings.Contains(all, "Encoded authorization failure message") {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q\nstdout: %s\nstderr: %s", w, out, stderr)
				}
			}
			for _, line := range strings.Split(all, "\n") {
				if len(line) > 600 {
					t.Errorf("a line of %d characters: %.120s…", len(line), line)
				}
			}
			if c.name != "decode denied" {
				return
			}
			code, out, _ = runPlink(t, "", false, "apply", "--auto-approve", "--output", "json", "-f", quickstart)
			if code != ExitError || !strings.Contains(out, `"encodedMessage":`) {
				t.Errorf("--output json carries no encodedMessage: exit %d\n%.2000s", code, out)
			}
		})
	}
}

// plink connections refused a reject: the decision names the permission
// and resource AWS refused (decoded with the provider's credentials).
func TestConnectionsUnauthorizedIsReadable(t *testing.T) {
	srv, svcID, manifestPath := onboardingWorld(t)
	stranger := createEndpoint(t, srv, "analytics", svcID, "vpc-03100000000000001", "subnet-0310000000000000a", "sg-03100000000000001")
	if err := srv.Sandbox.SetPolicies("arn:aws:iam::111111111111:role/plink",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"ec2:RejectVpcEndpointConnections","Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runPlink(t, "", false, "connections", "-f", manifestPath)
	want := "not authorized: no identity-based policy of account payments (111111111111) in us-east-1 allows ec2:RejectVpcEndpointConnections on arn:aws:ec2:us-east-1:111111111111:vpc-endpoint-service/" + svcID
	if code != ExitError || !strings.Contains(out+stderr, want) || strings.Contains(out+stderr, "Encoded authorization failure message") {
		t.Fatalf("exit %d, want 1 and %q\nstdout: %s\nstderr: %s", code, want, out, stderr)
	}
	// the round's error is the command's own, with what to do
	if !strings.Contains(stderr, "plink: connections: 1 of 1 decision failed or was skipped") ||
		!strings.Contains(stderr, "hint: fix the cause named above") || strings.Contains(stderr, "apply did not finish") {
		t.Errorf("stderr does not end with the connections error and its hint:\n%s", stderr)
	}
	if st := connectionStates(t, srv)[stranger]; st != "pendingacceptance" {
		t.Errorf("connection %s is %s, want it left pending", stranger, st)
	}
}
