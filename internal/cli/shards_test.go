package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/live"
)

// TestShardsMatrix: plink shards prints a matrix GitHub Actions takes as it
// is, every account in one job; a bad --max-accounts is a usage error.
func TestShardsMatrix(t *testing.T) {
	code, stdout, stderr := runPlink(t, "", false, "shards", "-f", "../../testdata/examples/quickstart.yaml", "--max-accounts", "1")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Include []struct {
			Name     string   `json:"name"`
			Accounts []string `json:"accounts"`
			Args     string   `json:"args"`
		} `json:"include"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || len(doc.Include) < 2 {
		t.Fatalf("not a matrix (%v):\n%s", err, stdout)
	}
	for _, j := range doc.Include {
		if len(j.Accounts) != 1 || j.Args != "--account "+j.Accounts[0] {
			t.Errorf("job %+v", j)
		}
	}
	code, _, stderr = runPlink(t, "", false, "shards", "-f", "../../testdata/examples/quickstart.yaml", "--max-accounts", "0")
	if code != ExitError || !strings.Contains(stderr, "--max-accounts 0: a job needs at least one account") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// TestPlanRefusesAnUnknownShard: --account and --region must name what
// the manifest declares, before any AWS call, in every command that takes
// them.
func TestPlanRefusesAnUnknownShard(t *testing.T) {
	dir := t.TempDir()
	for _, command := range []string{"plan", "apply --auto-approve", "drift", "status", "connections"} {
		for _, tc := range []struct{ args, want string }{
			{"--account nosuch", "--account nosuch: the manifest declares no such account; it declares "},
			{"--region eu-north-9", "--region eu-north-9: the manifest uses no such region; it uses "},
		} {
			args := append(strings.Fields(command), "--sandbox", "--sandbox-dir", filepath.Join(dir, "sb"), "-f", "../../testdata/examples/quickstart.yaml")
			args = append(args, strings.Fields(tc.args)...)
			code, _, stderr := runPlink(t, "", false, args...)
			if code != ExitError || !strings.Contains(stderr, tc.want) {
				t.Errorf("%s %s: exit %d: %s", command, tc.args, code, stderr)
			}
		}
	}
}

// TestDriftInAShard: drift --account reports only the shard's entries.
// Nothing of quickstart exists yet, so every entry is missing; checkout's
// shard reads payments-api (its consumer's provider) but reports only
// checkout's consumers.
func TestDriftInAShard(t *testing.T) {
	sb := []string{"--sandbox", "--sandbox-dir", t.TempDir(), "-f", quickstart, "--output", "json"}
	drift := func(args ...string) (items []map[string]any, checked []string) {
		t.Helper()
		code, stdout, stderr := runPlink(t, "", false, append(append([]string{"drift"}, sb...), args...)...)
		if code != ExitChanges {
			t.Fatalf("drift %v: exit %d, want 2\n%s", args, code, stderr)
		}
		var r struct {
			Items   []map[string]any `json:"items"`
			Checked []string         `json:"checked"`
		}
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatalf("drift %v: %v\n%s", args, err, stdout)
		}
		return r.Items, r.Checked
	}
	all, _ := drift()
	if !slices.ContainsFunc(all, func(it map[string]any) bool { return it["account"] == "payments" }) {
		t.Fatalf("the full run reports nothing of payments: %v", all)
	}
	items, checked := drift("--account", "checkout")
	if len(items) == 0 {
		t.Fatal("checkout's shard reports nothing")
	}
	for _, it := range items {
		if it["account"] != "checkout" {
			t.Errorf("checkout's shard reports %v of %v", it["address"], it["account"])
		}
	}
	if want := []string{"consumer.checkout-payments", "consumer.checkout-s3"}; !slices.Equal(checked, want) {
		t.Errorf("checked %v, want %v", checked, want)
	}
	items, _ = drift("--region", "us-west-2")
	if len(items) != 1 || items[0]["address"] != "consumer.analytics-payments" {
		t.Errorf("us-west-2's shard reports %v, want consumer.analytics-payments alone", items)
	}
}

// TestStatusInAShard: status --account reports only findings, scopes and
// cost of the shard's account. checkout's endpoint to payments-api is
// rejected by hand (broken_endpoint, in checkout); payments-api allows an
// account with no endpoint (unused_principal, in payments).
func TestStatusInAShard(t *testing.T) {
	srv, svcID, manifestPath := onboardingWorld(t)
	ep := createEndpoint(t, srv, "checkout", svcID, "vpc-02100000000000001", "subnet-0210000000000000a", "sg-02100000000000001",
		live.TagProject, "onboarding", live.TagName, "checkout-payments")
	if _, err := srv.Clients(t, "payments").EC2.RejectVpcEndpointConnections(context.Background(), &ec2.RejectVpcEndpointConnectionsInput{
		ServiceId: aws.String(svcID), VpcEndpointIds: []string{ep}}); err != nil {
		t.Fatal(err)
	}
	type report struct {
		Findings []struct {
			Kind      string `json:"kind"`
			AccountID string `json:"accountId"`
		} `json:"findings"`
		Scopes []struct {
			Account string `json:"account"`
		} `json:"scopes"`
		Cost struct {
			ByAccount []struct {
				Key string `json:"key"`
			} `json:"byAccount"`
		} `json:"cost"`
	}
	status := func(args ...string) report {
		t.Helper()
		_, stdout, stderr := runPlink(t, "", false, append([]string{"status", "--output", "json", "-f", manifestPath}, args...)...)
		var r report
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatalf("status %v: %v\n%s\n%s", args, err, stdout, stderr)
		}
		return r
	}
	accounts := func(r report) []string {
		var out []string
		for _, fd := range r.Findings {
			if !slices.Contains(out, fd.AccountID) {
				out = append(out, fd.AccountID)
			}
		}
		slices.Sort(out)
		return out
	}
	if got := accounts(status()); !slices.Equal(got, []string{"111111111111", "222222222222"}) {
		t.Fatalf("the full run has findings in %v, want 111111111111 and 222222222222", got)
	}
	r := status("--account", "checkout")
	if len(r.Cost.ByAccount) != 1 {
		t.Errorf("checkout's shard costs %+v, want checkout's endpoint alone", r.Cost.ByAccount)
	}
	if got := accounts(r); !slices.Equal(got, []string{"222222222222"}) {
		t.Errorf("checkout's shard has findings in %v, want 222222222222 alone: %+v", got, r.Findings)
	}
	for _, sc := range r.Scopes {
		if sc.Account != "checkout" {
			t.Errorf("checkout's shard shows the scope of %s", sc.Account)
		}
	}
	for _, l := range r.Cost.ByAccount {
		if !strings.HasPrefix(l.Key, "checkout ") {
			t.Errorf("checkout's shard costs %s", l.Key)
		}
	}
	r = status("--account", "payments")
	if got := accounts(r); !slices.Equal(got, []string{"111111111111"}) {
		t.Errorf("payments' shard has findings in %v, want 111111111111 alone: %+v", got, r.Findings)
	}
}

// TestConnectionsInAShard: connections --account decides only on the
// shard's providers: checkout's shard leaves the pending connection to
// payments-api alone, payments' shard accepts it.
func TestConnectionsInAShard(t *testing.T) {
	srv, svcID, manifestPath := onboardingWorld(t)
	ep := createEndpoint(t, srv, "checkout", svcID, "vpc-02100000000000001", "subnet-0210000000000000a", "sg-02100000000000001")
	code, out, stderr := runPlink(t, "", false, "connections", "-f", manifestPath, "--account", "checkout")
	if code != ExitOK || !strings.Contains(out, "No connections to accept or reject.") {
		t.Fatalf("checkout's shard: exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	if st := connectionStates(t, srv)[ep]; st != "pendingacceptance" {
		t.Fatalf("checkout's shard left %s %s, want pendingacceptance", ep, st)
	}
	code, out, stderr = runPlink(t, "", false, "connections", "-f", manifestPath, "--account", "payments")
	if code != ExitOK || !strings.Contains(out, "accept "+ep+" of account checkout (222222222222)") {
		t.Fatalf("payments' shard: exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	if st := connectionStates(t, srv)[ep]; st != "available" {
		t.Errorf("payments' shard left %s %s, want available", ep, st)
	}
}
