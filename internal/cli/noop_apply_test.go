package cli

import (
	"context"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/internal/iostreams"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// servedSandbox starts a sandbox on loopback and points the AWS SDK's
// default chain at it as the operator, as a user of 'plink sandbox serve'
// does; the manifest's roles are assumed through it.
func servedSandbox(t *testing.T) *sandboxtest.Server {
	t.Helper()
	awsenv.Isolate(func(k, v string) {
		t.Setenv(k, v)
		if v == "" {
			os.Unsetenv(k)
		}
	}, t.TempDir())
	srv := sandboxtest.Start(t)
	key, secret, err := srv.Sandbox.OperatorCredentials()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", key)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_REGION", "us-east-1")
	return srv
}

// mutatingCalls lists the mutating calls the sandbox counted, "Action xN".
func mutatingCalls(sb *sandbox.Sandbox) []string {
	var out []string
	for _, c := range sb.Calls() {
		if c.Mutating {
			out = append(out, c.Action)
		}
	}
	return out
}

// TestNoOpApplyMakesNoMutatingCall: an apply with nothing to change (a
// cron that applies every few minutes) writes nothing to AWS, not even
// the lease; an apply with changes still takes and releases the lease.
func TestNoOpApplyMakesNoMutatingCall(t *testing.T) {
	srv := servedSandbox(t)
	args := []string{"apply", "--auto-approve", "--no-color", "-f", quickstart}
	code, out, stderr := runPlink(t, "", false, args...)
	if code != ExitOK || !strings.Contains(out, "Apply complete") {
		t.Fatalf("first apply: exit %d\n%s\n%s", code, out, stderr)
	}
	calls := strings.Join(mutatingCalls(srv.Sandbox), " ")
	if !strings.Contains(calls, "CreatePlacementGroup") || !strings.Contains(calls, "DeletePlacementGroup") {
		t.Fatalf("an apply with changes must take and release the lease; mutating calls: %s", calls)
	}

	srv.Sandbox.ResetCalls()
	code, out, stderr = runPlink(t, "", false, args...)
	if code != ExitOK || !strings.Contains(out, "No changes.") {
		t.Fatalf("second apply: exit %d\n%s\n%s", code, out, stderr)
	}
	if m := mutatingCalls(srv.Sandbox); len(m) > 0 {
		t.Fatalf("a no-op apply made mutating calls: %v", m)
	}
	// The same for a saved plan with nothing in it.
	planFile := t.TempDir() + "/plan.json"
	if code, _, stderr := runPlink(t, "", false, "plan", "-out", planFile, "-f", quickstart); code != ExitOK {
		t.Fatalf("plan -out: exit %d\n%s", code, stderr)
	}
	srv.Sandbox.ResetCalls()
	if code, out, stderr := runPlink(t, "", false, "apply", planFile); code != ExitOK || !strings.Contains(out, "No changes.") {
		t.Fatalf("apply of a no-op saved plan: exit %d\n%s\n%s", code, out, stderr)
	}
	if m := mutatingCalls(srv.Sandbox); len(m) > 0 {
		t.Fatalf("a no-op saved plan's apply made mutating calls: %v", m)
	}
}

// changingReader answers the confirmation prompt, but first runs change:
// live state moves between the plan shown and the lease being taken.
type changingReader struct {
	once   sync.Once
	change func()
	r      io.Reader
}

func (c *changingReader) Read(p []byte) (int, error) {
	c.once.Do(c.change)
	return c.r.Read(p)
}

// TestApplyReplansUnderTheLease: apply plans without the lease, so what it
// shows may be overtaken before it holds the lease. A plan that now does
// less (what it showed was made meanwhile) is carried out, i.e. nothing is
// left; a plan that would do something not shown is refused rather than
// carried out without consent.
func TestApplyReplansUnderTheLease(t *testing.T) {
	srv := servedSandbox(t)
	if code, out, stderr := runPlink(t, "", false, "apply", "--auto-approve", "-f", quickstart); code != ExitOK {
		t.Fatalf("first apply: exit %d\n%s\n%s", code, out, stderr)
	}
	ctx := context.Background()
	checkout := srv.Clients(t, "checkout").EC2
	endpointOf := func(typ string) string {
		eps, err := checkout.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range eps.VpcEndpoints {
			if string(e.VpcEndpointType) == typ && e.State != "deleted" && e.State != "deleting" {
				return aws.ToString(e.VpcEndpointId)
			}
		}
		t.Fatalf("no %s endpoint in checkout", typ)
		return ""
	}
	remove := func(id string) {
		if _, err := checkout.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id}}); err != nil {
			t.Fatal(err)
		}
	}
	// run applies with the prompt answered after change ran, as a user
	// reading the plan while live state moves.
	run := func(change func()) (int, string, string) {
		ios, _, out, errOut := iostreams.Test()
		ios.SetTTY(true, true, false)
		ios.In = &changingReader{r: strings.NewReader("yes\n"), change: change}
		code := Main(ctx, []string{"apply", "--no-color", "-f", quickstart}, ios, func(string) string { return "" })
		return code, out.String(), errOut.String()
	}

	// The gateway endpoint is taken away; while the user reads the plan
	// that re-creates it, another run re-creates it: nothing is left.
	remove(endpointOf("Gateway"))
	code, out, errOut := run(func() {
		if code, o, e := runPlink(t, "", false, "apply", "--auto-approve", "-f", quickstart); code != ExitOK {
			t.Errorf("the concurrent apply: exit %d\n%s\n%s", code, o, e)
		}
	})
	if code != ExitOK || !strings.Contains(errOut, "The changes shown were made meanwhile") || strings.Contains(out, "Apply complete") {
		t.Fatalf("apply whose changes were made meanwhile: exit %d, want 0 with nothing done\n%s\n%s", code, out, errOut)
	}

	// The gateway endpoint is taken away; while the user reads the plan,
	// the interface endpoint goes too: the plan under the lease would
	// re-create it, which nobody approved.
	remove(endpointOf("Gateway"))
	code, out, errOut = run(func() { remove(endpointOf("Interface")) })
	if code != ExitError {
		t.Fatalf("apply whose plan was overtaken: exit %d, want %d\n%s\n%s", code, ExitError, out, errOut)
	}
	if !strings.Contains(errOut, "live state changed between the plan shown and taking the lease") ||
		!strings.Contains(errOut, `consumer.checkout-payments: action is "no-op" in the plan shown, "create" now`) || strings.Contains(errOut, "saved plan") {
		t.Fatalf("the refusal does not say what changed:\n%s", errOut)
	}
	if strings.Contains(out, "Apply complete") {
		t.Fatalf("an overtaken plan was carried out:\n%s", out)
	}
}
