package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

const paymentsNLB = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"

func TestSandboxForce(t *testing.T) {
	srv := sandboxtest.Start(t)
	prov := srv.Clients(t, "payments").EC2
	out, err := prov.CreateVpcEndpointServiceConfiguration(context.Background(), &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{paymentsNLB}})
	if err != nil {
		t.Fatal(err)
	}
	id := *out.ServiceConfiguration.ServiceId

	code, stdout, stderr := runPlink(t, "", false, "sandbox", "force", "service", id, "Failed", "--url", srv.URL)
	if code != ExitOK || stdout != "service "+id+" is now Failed\n" {
		t.Fatalf("force: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	got, err := prov.DescribeVpcEndpointServiceConfigurations(context.Background(), &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: []string{id}})
	if err != nil || got.ServiceConfigurations[0].ServiceState != types.ServiceStateFailed {
		t.Fatalf("after force: %v %v", got, err)
	}
	code, stdout, _ = runPlink(t, "", false, "sandbox", "force", "lb", paymentsNLB, "", "--url", srv.URL)
	if code != ExitOK || !strings.Contains(stdout, "is now deleted") {
		t.Fatalf("force lb delete: exit %d %s", code, stdout)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"vpc", "vpc-1", "x"}, `unknown resource "vpc" (valid: endpoint, service, load-balancer)`},
		{[]string{"endpoint", "vpce-0123", "available"}, "no endpoint vpce-0123"},
		{[]string{"service", id, "gone"}, `unknown state "gone" (valid: Pending, Available, Deleting, Deleted, Failed)`},
	} {
		code, _, stderr := runPlink(t, "", false, append(append([]string{"sandbox", "force"}, tc.args...), "--url", srv.URL)...)
		if code == ExitOK || !strings.Contains(stderr, tc.want) {
			t.Errorf("force %v: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
	code, _, stderr = runPlink(t, "", false, "sandbox", "force", "service", id, "Failed", "--url", "http://127.0.0.1:1")
	if code == ExitOK || !strings.Contains(stderr, "plink sandbox serve") {
		t.Fatalf("no sandbox: exit %d %s", code, stderr)
	}
}

// serve refuses a state file that does not validate, and reset --state
// removes it.
func TestSandboxServeRefusesBadState(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(p, []byte(`{"version": 1, "endpoints": {"vpce-1": null}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runPlink(t, "", false, "sandbox", "serve", "--addr", "127.0.0.1:0", "--state", p)
	if code == ExitOK || !strings.Contains(stderr, "state file "+p+" does not validate") || !strings.Contains(stderr, "endpoint vpce-1: empty entry") ||
		!strings.Contains(stderr, "plink sandbox reset --state "+p) {
		t.Fatalf("serve with a bad state: exit %d\n%s", code, stderr)
	}
	code, stdout, _ := runPlink(t, "", false, "sandbox", "reset", "--state", p)
	if _, err := os.Stat(p); code != ExitOK || !os.IsNotExist(err) || !strings.Contains(stdout, "reset") {
		t.Fatalf("reset --state: exit %d, %s, file: %v", code, stdout, err)
	}
}

// env exports AWS_DEFAULT_REGION too: AWS CLI v1 reads only that.
func TestSandboxEnvDefaultRegion(t *testing.T) {
	code, stdout, _ := runPlink(t, "", false, "sandbox", "env", "--account", "checkout")
	if code != ExitOK || !strings.Contains(stdout, "AWS_REGION=us-east-1\nexport AWS_DEFAULT_REGION=us-east-1\n") {
		t.Fatalf("env: exit %d\n%s", code, stdout)
	}
}
