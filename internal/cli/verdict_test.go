package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// Categories a run's output can say, and the exit each one means in
// every command: 0 nothing to do / healthy, 2 changes / drift / findings
// / not converged, 1 plink could not find out (or failed).
const (
	catClean   = "clean"
	catChanges = "changes"
	catError   = "error"
)

var catExit = map[string]int{catClean: ExitOK, catChanges: ExitChanges, catError: ExitError}

// verdictCommand is one command of the contract: its arguments, whether it
// changes AWS (then each run starts from a copy of the state), and how its
// text and JSON outputs say which category the run ended in.
type verdictCommand struct {
	name     string
	args     []string
	mutating bool
	noShards bool // the command takes no --account/--region
	text     func(stdout string) string
	json     func(t *testing.T, stdout string) string
}

func lastJSONLine(t *testing.T, stdout string, typ string) map[string]any {
	t.Helper()
	var last map[string]any
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && (typ == "" || m["type"] == typ) {
			last = m
		}
	}
	return last
}

var verdictCommands = []verdictCommand{
	{
		name: "plan", args: []string{"plan", "--detailed-exitcode"},
		text: func(out string) string {
			switch {
			case strings.Contains(out, "cannot be applied"):
				return catError
			case strings.Contains(out, "\nPlan: "):
				return catChanges
			case strings.Contains(out, "No changes"):
				return catClean
			}
			return catError
		},
		json: func(t *testing.T, out string) string {
			var p struct {
				Summary     map[string]int `json:"summary"`
				Diagnostics []struct {
					Severity string `json:"severity"`
				} `json:"diagnostics"`
			}
			if json.Unmarshal([]byte(out), &p) != nil || p.Summary == nil {
				return catError
			}
			for _, d := range p.Diagnostics {
				if d.Severity == "error" {
					return catError
				}
			}
			for _, n := range p.Summary {
				if n > 0 {
					return catChanges
				}
			}
			return catClean
		},
	},
	{
		name: "drift", args: []string{"drift"},
		text: func(out string) string {
			switch {
			case strings.Contains(out, "drift check incomplete"):
				return catError
			case strings.Contains(out, "no drift:"):
				return catClean
			case strings.Contains(out, "drift: "):
				return catChanges
			}
			return catError
		},
		json: func(t *testing.T, out string) string {
			var r struct {
				Items    []json.RawMessage `json:"items"`
				Failures []json.RawMessage `json:"failures"`
				Errors   []json.RawMessage `json:"errors"`
				Checked  []json.RawMessage `json:"checked"`
			}
			if json.Unmarshal([]byte(out), &r) != nil || r.Checked == nil && r.Items == nil && r.Failures == nil {
				return catError
			}
			switch {
			case len(r.Failures) > 0 || len(r.Errors) > 0:
				return catError
			case len(r.Items) > 0:
				return catChanges
			}
			return catClean
		},
	},
	{
		name: "status", args: []string{"status"},
		text: func(out string) string {
			switch {
			case strings.Contains(out, "Healthy:"):
				return catClean
			case strings.Contains(out, "Findings:"):
				return catChanges
			}
			return catError
		},
		json: func(t *testing.T, out string) string {
			var r struct {
				Summary struct {
					Verdict string `json:"verdict"`
				} `json:"summary"`
			}
			_ = json.Unmarshal([]byte(out), &r)
			switch r.Summary.Verdict {
			case "healthy":
				return catClean
			case "findings":
				return catChanges
			}
			return catError
		},
	},
	{
		name: "apply", args: []string{"apply", "--auto-approve", "--detailed-exitcode", "--wait-timeout", "1s"}, mutating: true,
		text: applyTextCategory,
		json: applyJSONCategory,
	},
	{
		name: "destroy", args: []string{"destroy", "--auto-approve", "--detailed-exitcode", "--wait-timeout", "1s"}, mutating: true, noShards: true,
		text: applyTextCategory,
		json: applyJSONCategory,
	},
	{
		name: "connections", args: []string{"connections"}, mutating: true,
		text: func(out string) string {
			if strings.Contains(out, ": failed") || strings.Contains(out, ": skipped") {
				return catError
			}
			if strings.Contains(out, "No connections to accept or reject.") || strings.Contains(out, ": done") || strings.Contains(out, ": kept") {
				return catClean
			}
			return catError
		},
		json: func(t *testing.T, out string) string {
			if lastJSONLine(t, out, "summary") == nil {
				return catError // the round never ended
			}
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				var d decision
				if l == "" || json.Unmarshal([]byte(l), &d) != nil {
					continue
				}
				if d.Type == "error" {
					return catError
				}
				if d.Type == "decision" {
					if d.Status != "done" && d.Status != "kept" {
						return catError
					}
				}
			}
			return catClean
		},
	},
}

func applyTextCategory(out string) string {
	switch {
	case strings.Contains(out, "Apply failed") || strings.Contains(out, "Apply interrupted") ||
		strings.Contains(out, "Destroy failed") || strings.Contains(out, "Destroy interrupted"):
		return catError
	case strings.Contains(out, "has not converged yet"):
		return catChanges
	case strings.Contains(out, "matches the manifest") || strings.Contains(out, "Nothing the manifest owns is left"):
		return catClean
	}
	return catError
}

func applyJSONCategory(t *testing.T, out string) string {
	v := lastJSONLine(t, out, "verdict")
	if v == nil {
		t.Errorf("the JSON output ends without a verdict line:\n%s", out)
		return catError
	}
	switch v["verdict"].(map[string]any)["verdict"] {
	case verdictConverged, verdictTargets:
		return catClean
	case verdictNotConverged:
		return catChanges
	case verdictFailed, verdictInterrupted:
		return catError
	}
	t.Errorf("unknown verdict %v", v["verdict"])
	return catError
}

// verdictWorld is a state of the world the contract is checked in: a
// function that makes it from the applied quick start.
type verdictWorld struct {
	name  string
	apply bool // start from the applied quick start
	force func(t *testing.T, sb *sandbox.Sandbox, ep, svc string)
}

// TestVerdictContract: for plan, drift, status, apply, destroy and
// connections, for the whole manifest and for a shard, in each state of
// the world (nothing made, converged, an endpoint or service in each state
// AWS reports) and when the run is cut short by --timeout, the sentence
// printed, the JSON output and the exit code say the same thing.
func TestVerdictContract(t *testing.T) {
	worlds := []verdictWorld{
		{name: "empty"},
		{name: "converged", apply: true},
	}
	for _, st := range []string{"pendingAcceptance", "pending", "rejected", "failed", "deleted"} {
		worlds = append(worlds, verdictWorld{name: "endpoint-" + st, apply: true, force: func(t *testing.T, sb *sandbox.Sandbox, ep, _ string) {
			if err := sb.ForceEndpointState(ep, st); err != nil {
				t.Fatal(err)
			}
		}})
	}
	for _, st := range []string{"Failed", "Deleting"} {
		worlds = append(worlds, verdictWorld{name: "service-" + st, apply: true, force: func(t *testing.T, sb *sandbox.Sandbox, _, svc string) {
			if err := sb.ForceServiceState(svc, st); err != nil {
				t.Fatal(err)
			}
		}})
	}
	shards := map[string][]string{"whole": nil, "shard": {"--account", "checkout"}}
	if testing.Short() {
		worlds = worlds[:3]
		delete(shards, "shard")
	}
	for _, w := range worlds {
		base := verdictState(t, w)
		for shardName, shardArgs := range shards {
			for _, cmd := range verdictCommands {
				if cmd.noShards && shardArgs != nil {
					continue
				}
				t.Run(w.name+"/"+shardName+"/"+cmd.name, func(t *testing.T) {
					run := func(format string, extra ...string) (int, string, string) {
						dir := base
						if cmd.mutating {
							dir = copyDir(t, base)
						}
						args := append(append(append([]string{}, cmd.args...), "--sandbox", "--sandbox-dir", dir, "--no-color", "-f", quickstart, "--output", format), shardArgs...)
						return runPlink(t, "", false, append(args, extra...)...)
					}
					codeText, outText, errText := run("text")
					codeJSON, outJSON, errJSON := run("json")
					catText, catJSON := cmd.text(outText), cmd.json(t, outJSON)
					if catText != catJSON || codeText != codeJSON || catExit[catText] != codeText {
						t.Errorf("the text says %s (exit %d), the JSON %s (exit %d); %s means exit %d\n-- text stdout:\n%s\n-- text stderr:\n%s\n-- json stdout:\n%s\n-- json stderr:\n%s",
							catText, codeText, catJSON, codeJSON, catText, catExit[catText], outText, errText, outJSON, errJSON)
					}
					// Cut short: exit 1, and neither output claims an outcome.
					for _, format := range []string{"text", "json"} {
						code, out, stderr := run(format, "--timeout", "1ms")
						cat := cmd.text(out)
						if format == "json" {
							cat = cmd.json(t, out)
						}
						if code != ExitError || cat != catError || !strings.Contains(stderr, "timed out") {
							t.Errorf("--timeout 1ms, %s: exit %d, says %s\n%s\n%s", format, code, cat, out, stderr)
						}
					}
				})
			}
		}
	}
}

// verdictState makes the world w in a sandbox state directory and returns
// it: the quick start applied (when w.apply), then w.force.
func verdictState(t *testing.T, w verdictWorld) string {
	t.Helper()
	dir := t.TempDir()
	if !w.apply {
		return dir
	}
	if code, out, stderr := runPlink(t, "", false, "apply", "--sandbox", "--sandbox-dir", dir, "--auto-approve", "-f", quickstart); code != ExitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, stderr)
	}
	if w.force == nil {
		return dir
	}
	state := filepath.Join(dir, "sandbox-state.json")
	srv := sandboxtest.StartWorld(t, sandbox.DefaultWorld(), sandbox.Options{StatePath: state})
	ctx := context.Background()
	eps, err := srv.Clients(t, "checkout").EC2.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var ep string
	for _, e := range eps.VpcEndpoints {
		for _, tag := range e.Tags {
			if aws.ToString(tag.Key) == "plink:name" && aws.ToString(tag.Value) == "checkout-payments" {
				ep = aws.ToString(e.VpcEndpointId)
			}
		}
	}
	svcs, err := srv.Clients(t, "payments").EC2.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var svc string
	for _, s := range svcs.ServiceConfigurations {
		for _, tag := range s.Tags {
			if aws.ToString(tag.Key) == "plink:name" && aws.ToString(tag.Value) == "payments-api" {
				svc = aws.ToString(s.ServiceId)
			}
		}
	}
	if ep == "" || svc == "" {
		t.Fatalf("the applied quick start has no checkout-payments endpoint (%q) or payments-api service (%q)", ep, svc)
	}
	w.force(t, srv.Sandbox, ep, svc)
	if err := srv.Sandbox.Save(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// copyDir copies the sandbox state directory src into a new one.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		in, err := os.Open(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(filepath.Join(dst, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		out.Close()
	}
	return dst
}

// TestFailedRunEndsWithAVerdictLine: an apply or destroy that fails before
// changing anything still ends its JSON output with a verdict line, and
// the verdict, the exit code and the error printed agree; a failed apply
// that changed nothing does not say live state is partly changed.
func TestFailedRunEndsWithAVerdictLine(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "plink.yaml")
	if err := os.WriteFile(bad, []byte("version: 1\nproject: p\naccounts: {}\nconsumers: [{name: c, account: nope, vpcId: vpc-1, provider: x}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"apply", "destroy"} {
		code, stdout, stderr := runPlink(t, "", false, cmd, "--sandbox", "--auto-approve", "--output", "json", "-f", bad)
		if code != ExitError {
			t.Fatalf("%s: exit %d, want 1\n%s", cmd, code, stderr)
		}
		v := lastJSONLine(t, stdout, "verdict")
		if v == nil {
			t.Fatalf("%s: no verdict line:\n%s", cmd, stdout)
		}
		got := v["verdict"].(map[string]any)
		if got["verdict"] != verdictFailed || got["exitCode"] != float64(ExitError) || strings.Contains(got["message"].(string), "exit status") {
			t.Errorf("%s: verdict %v; want failed, exit 1, with a sentence", cmd, got)
		}
		if !strings.Contains(stdout, `"line": 4`) || !strings.Contains(stdout, "plink.yaml") {
			t.Errorf("%s: the error is not reported with its position:\n%s\n%s", cmd, stdout, stderr)
		}
	}
}

// TestFailedVerdictListsItsDetails: a failure whose message lists what it
// found (apply's confirming read: the changes still planned) carries the
// list in the verdict's details, not only on stderr.
func TestFailedVerdictListsItsDetails(t *testing.T) {
	err := withHint(errors.New("apply finished, but live state does not match the manifest yet:\n  provider.a.connection[vpce-1]: reject\n  consumer.b: create"), "run plink plan")
	msg, details := errorLines(err)
	if msg != "apply finished, but live state does not match the manifest yet:" ||
		!slices.Equal(details, []string{"provider.a.connection[vpce-1]: reject", "consumer.b: create"}) {
		t.Errorf("message %q, details %q", msg, details)
	}
	if msg, details := errorLines(errors.New("one line")); msg != "one line" || details != nil {
		t.Errorf("one line: %q %q", msg, details)
	}
}
