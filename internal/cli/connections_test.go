package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/internal/iostreams"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// connectionsManifest: payments-api accepts its declared consumer and any
// endpoint of checkout (acceptFrom), and rejects the rest; analytics may
// connect (it is an allowed principal) but the manifest knows nothing of
// it.
const connectionsManifest = `version: 1
project: onboarding
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/plink" }
  checkout: { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/plink" }
providers:
  - name: payments-api
    account: payments
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"]
    acceptanceRequired: true
    allowedPrincipals: [{ account: checkout }, { arn: "arn:aws:iam::333333333333:root" }]
    connections: { acceptDeclared: true, acceptFrom: ["222222222222"], rejectUndeclared: true }
consumers:
  - name: checkout-payments
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a]
    securityGroupIds: [sg-02100000000000001]
    provider: payments-api
`

// syncBuffer is a bytes.Buffer safe to read while the command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// onboardingWorld starts a sandbox with payments-api made as apply would
// (tagged for the project, principals set) and points the AWS SDK's
// default chain at it as the operator.
func onboardingWorld(t *testing.T) (*sandboxtest.Server, string, string) {
	srv := servedSandbox(t)
	ctx := context.Background()
	pay := srv.Clients(t, "payments").EC2
	out, err := pay.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{"arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"},
		AcceptanceRequired:      aws.Bool(true),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcEndpointService,
			Tags: []ec2types.Tag{{Key: aws.String(live.TagProject), Value: aws.String("onboarding")}, {Key: aws.String(live.TagName), Value: aws.String("payments-api")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := out.ServiceConfiguration
	if _, err := pay.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: svc.ServiceId,
		AddAllowedPrincipals: []string{"arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"}}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/plink.yaml", []byte(connectionsManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	return srv, aws.ToString(svc.ServiceId), dir + "/plink.yaml"
}

func createEndpoint(t *testing.T, srv *sandboxtest.Server, account, service, vpc, subnet, sg string, tags ...string) string {
	t.Helper()
	in := &ec2.CreateVpcEndpointInput{VpcEndpointType: ec2types.VpcEndpointTypeInterface, VpcId: aws.String(vpc),
		ServiceName: aws.String("com.amazonaws.vpce.us-east-1." + service), SubnetIds: []string{subnet}, SecurityGroupIds: []string{sg}}
	if len(tags) > 0 {
		var ts []ec2types.Tag
		for i := 0; i+1 < len(tags); i += 2 {
			ts = append(ts, ec2types.Tag{Key: aws.String(tags[i]), Value: aws.String(tags[i+1])})
		}
		in.TagSpecifications = []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcEndpoint, Tags: ts}}
	}
	out, err := srv.Clients(t, account).EC2.CreateVpcEndpoint(context.Background(), in)
	if err != nil {
		t.Fatalf("create endpoint in %s: %v", account, err)
	}
	return aws.ToString(out.VpcEndpoint.VpcEndpointId)
}

// connectionStates is what the provider sees: endpoint id → state.
func connectionStates(t *testing.T, srv *sandboxtest.Server) map[string]string {
	t.Helper()
	out, err := srv.Clients(t, "payments").EC2.DescribeVpcEndpointConnections(context.Background(), &ec2.DescribeVpcEndpointConnectionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, c := range out.VpcEndpointConnections {
		states[aws.ToString(c.VpcEndpointId)] = strings.ToLower(string(c.VpcEndpointState))
	}
	return states
}

// TestConnectionsWatch runs plink connections --watch against the sandbox
// while endpoints appear: the declared consumer's and one of an acceptFrom
// account are accepted, one of an account the manifest does not know is
// rejected; every decision is logged once, and SIGTERM stops it cleanly.
func TestConnectionsWatch(t *testing.T) {
	srv, svcID, manifestPath := onboardingWorld(t)
	ios, _, _, _ := iostreams.Test()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	ios.Out, ios.ErrOut = out, errOut
	sigs := make(chan os.Signal, 1)
	exited := make(chan int, 1)
	done := make(chan int, 1)
	go func() {
		done <- Run([]string{"connections", "-f", manifestPath, "--watch", "1s", "--output", "json"}, ios,
			func(string) string { return "" }, sigs, func(c int) { exited <- c })
	}()

	// endpoints appear while it runs
	time.Sleep(300 * time.Millisecond)
	declared := createEndpoint(t, srv, "checkout", svcID, "vpc-02100000000000001", "subnet-0210000000000000a", "sg-02100000000000001",
		live.TagProject, "onboarding", live.TagName, "checkout-payments")
	fromList := createEndpoint(t, srv, "checkout", svcID, "vpc-02100000000000001", "subnet-0210000000000000b", "sg-02100000000000001")
	time.Sleep(1500 * time.Millisecond)
	stranger := createEndpoint(t, srv, "analytics", svcID, "vpc-03100000000000001", "subnet-0310000000000000a", "sg-03100000000000001")

	want := map[string]string{declared: "available", fromList: "available", stranger: "rejected"}
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := connectionStates(t, srv)
		ok := true
		for id, st := range want {
			ok = ok && got[id] == st
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("connections %v, want %v\nstdout: %s\nstderr: %s", got, want, out.String(), errOut.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // one more round: nothing is decided twice
	sigs <- syscall.SIGTERM
	var code int
	select {
	case code = <-done:
	case <-time.After(StopBound):
		t.Fatalf("connections --watch did not stop within %s of SIGTERM\nstderr: %s", StopBound, errOut.String())
	}
	if code != ExitOK {
		t.Fatalf("exit %d after SIGTERM, want 0\nstderr: %s", code, errOut.String())
	}
	select {
	case c := <-exited:
		t.Fatalf("the watchdog called exit(%d)", c)
	default:
	}

	got := map[string]decision{}
	var stopped bool
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var d decision
		if err := json.Unmarshal([]byte(l), &d); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		switch d.Type {
		case "decision":
			if _, dup := got[d.Endpoint]; dup {
				t.Errorf("%s decided twice:\n%s", d.Endpoint, out.String())
			}
			got[d.Endpoint] = d
		case "stopped":
			stopped = true
		case "error":
			t.Errorf("a round failed: %s", l)
		}
	}
	if !stopped {
		t.Errorf("no stopped line:\n%s", out.String())
	}
	for _, tt := range []struct {
		id, action, account, alias, rule string
	}{
		{declared, "accept", "222222222222", "checkout", "acceptDeclared"},
		{fromList, "accept", "222222222222", "checkout", "acceptFrom"},
		{stranger, "reject", "333333333333", "", "rejectUndeclared"},
	} {
		d, ok := got[tt.id]
		if !ok {
			t.Errorf("no decision for %s:\n%s", tt.id, out.String())
			continue
		}
		if string(d.Action) != tt.action || d.Account != tt.account || d.AccountAlias != tt.alias || d.Rule != tt.rule ||
			d.Status != "done" || d.Service != "provider.payments-api" || d.ServiceID != svcID || d.Reason == "" || d.Time.IsZero() {
			t.Errorf("decision for %s = %+v, want %s by %s from %s (%s)", tt.id, d, tt.action, tt.rule, tt.account, tt.alias)
		}
	}
	if len(got) != 3 {
		t.Errorf("%d decisions, want 3:\n%s", len(got), out.String())
	}
	if !strings.Contains(errOut.String(), "SIGTERM received") {
		t.Errorf("stderr: %s", errOut.String())
	}
}

// TestConnectionsRoundCost counts the AWS calls of one round with nothing
// to decide: the connections listing is made once per provider
// account-region, and the rest is plink's live read (see the report in
// docs/pipelines.md).
func TestConnectionsRoundCost(t *testing.T) {
	srv, _, manifestPath := onboardingWorld(t)
	srv.Sandbox.ResetCalls()
	code, out, stderr := runPlink(t, "", false, "connections", "-f", manifestPath)
	if code != ExitOK || !strings.Contains(out, "No connections to accept or reject.") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	total, byAction := 0, map[string]int{}
	for _, c := range srv.Sandbox.Calls() {
		total += c.Count
		byAction[c.Action] += c.Count
	}
	t.Logf("one round: %d calls: %v", total, byAction)
	if byAction["DescribeVpcEndpointConnections"] != 1 {
		t.Errorf("DescribeVpcEndpointConnections made %d times, want once (one provider account-region)", byAction["DescribeVpcEndpointConnections"])
	}
	for a := range byAction {
		if strings.HasPrefix(a, "Accept") || strings.HasPrefix(a, "Reject") || strings.HasPrefix(a, "Create") || strings.HasPrefix(a, "Modify") || strings.HasPrefix(a, "Delete") {
			t.Errorf("a round with nothing to decide called %s", a)
		}
	}
}

// TestConnectionsSkipsRejectsOnPlanErrors: with an error in the plan (a
// consumer's subnet does not exist) a stranger's connection is not
// rejected, and the run says so and exits 1; the text log names the
// endpoint, its account and the rule.
func TestConnectionsSkipsRejectsOnPlanErrors(t *testing.T) {
	srv, svcID, manifestPath := onboardingWorld(t)
	broken := strings.Replace(connectionsManifest, "subnetIds: [subnet-0210000000000000a]", "subnetIds: [subnet-02100000000000fff]", 1)
	if err := os.WriteFile(manifestPath, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	stranger := createEndpoint(t, srv, "analytics", svcID, "vpc-03100000000000001", "subnet-0310000000000000a", "sg-03100000000000001")
	code, out, stderr := runPlink(t, "", false, "connections", "-f", manifestPath)
	if code != ExitError {
		t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	want := "reject " + stranger + " of account 333333333333 at provider.payments-api (" + svcID + "): rejectUndeclared: skipped - the plan has errors"
	if !strings.Contains(out, want) {
		t.Errorf("stdout lacks %q:\n%s", want, out)
	}
	if !strings.Contains(stderr, "the plan has errors, so 1 reject is skipped") || !strings.Contains(stderr, "PL107") {
		t.Errorf("stderr: %s", stderr)
	}
	if st := connectionStates(t, srv)[stranger]; st != "pendingacceptance" {
		t.Errorf("connection %s is %s, want it left pending", stranger, st)
	}
}

// TestConnectionsWatchReloadsManifest: the loop reads the manifest again
// every round (SIGHUP starts one at once). While the newest edit does not
// load it decides by the last valid one and rejects nothing; once the edit
// adds an account to acceptFrom, that account's endpoint is accepted, not
// rejected by the manifest the loop started with.
func TestConnectionsWatchReloadsManifest(t *testing.T) {
	srv, svcID, manifestPath := onboardingWorld(t)
	ios, _, _, _ := iostreams.Test()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	ios.Out, ios.ErrOut = out, errOut
	sigs := make(chan os.Signal, 1)
	done := make(chan int, 1)
	go func() {
		done <- Run([]string{"connections", "-f", manifestPath, "--watch", "1h", "--output", "json"}, ios,
			func(string) string { return "" }, sigs, func(int) {})
	}()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s did not happen\nstdout: %s\nstderr: %s", what, out.String(), errOut.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	roundsStarted := func() int {
		n := 0
		for _, c := range srv.Sandbox.Calls() {
			if c.Action == "DescribeVpcEndpointConnections" {
				n += c.Count
			}
		}
		return n
	}
	// The first round has started: SIGHUP is being listened for.
	waitFor("the first round", func() bool { return roundsStarted() > 0 })

	// An edit that does not load; analytics (an allowed principal the
	// manifest does not accept) connects. The round decides by the last
	// valid manifest, which would reject it, but rejects nothing.
	valid, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifestPath, append(valid, []byte("consumers: [\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	stranger := createEndpoint(t, srv, "analytics", svcID, "vpc-03100000000000001", "subnet-0310000000000000a", "sg-03100000000000001")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor("the skipped reject", func() bool {
		return strings.Contains(out.String(), `"endpoint":"`+stranger+`"`) && strings.Contains(out.String(), `"status":"skipped"`)
	})
	if st := connectionStates(t, srv)[stranger]; st != "pendingacceptance" {
		t.Fatalf("while the manifest does not load, %s is %s, want pendingAcceptance (no reject)", stranger, st)
	}
	if !strings.Contains(out.String(), "no longer loads") {
		t.Fatalf("the broken edit is not said:\n%s", out.String())
	}

	// The edit is fixed and accepts analytics: the next round accepts.
	fixed := strings.Replace(string(valid), `acceptFrom: ["222222222222"]`, `acceptFrom: ["222222222222", "333333333333"]`, 1)
	if fixed == string(valid) {
		t.Fatal("the manifest has no acceptFrom to edit")
	}
	if err := os.WriteFile(manifestPath, []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor("the accept", func() bool { return connectionStates(t, srv)[stranger] == "available" })
	if !strings.Contains(out.String(), `"type":"reloaded"`) {
		t.Errorf("the reload is not logged:\n%s", out.String())
	}
	var decided []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var d decision
		if json.Unmarshal([]byte(l), &d) == nil && d.Type == "decision" && d.Endpoint == stranger {
			decided = append(decided, string(d.Action)+":"+d.Status)
		}
	}
	if strings.Join(decided, " ") != "reject:skipped accept:done" {
		t.Errorf("decisions on %s: %v, want a skipped reject, then a done accept\n%s", stranger, decided, out.String())
	}
	sigs <- syscall.SIGTERM
	select {
	case code := <-done:
		if code != ExitOK {
			t.Fatalf("exit %d after SIGTERM\nstderr: %s", code, errOut.String())
		}
	case <-time.After(StopBound):
		t.Fatalf("did not stop within %s of SIGTERM", StopBound)
	}
}

// TestConnectionsSaysWhatItLeavesPending: with rejectUndeclared false, an
// undeclared pending connection is decided by no rule; the round says so
// (PL030, with what to do), in text and JSON, and a loop says it once.
func TestConnectionsSaysWhatItLeavesPending(t *testing.T) {
	srv, svcID, manifestPath := onboardingWorld(t)
	body, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	lenient := strings.Replace(string(body), "rejectUndeclared: true", "rejectUndeclared: false", 1)
	if err := os.WriteFile(manifestPath, []byte(lenient), 0o644); err != nil {
		t.Fatal(err)
	}
	stranger := createEndpoint(t, srv, "analytics", svcID, "vpc-03100000000000001", "subnet-0310000000000000a", "sg-03100000000000001")
	code, out, stderr := runPlink(t, "", false, "connections", "-f", manifestPath)
	if code != ExitOK || !strings.Contains(out, "left pending (PL030)") || !strings.Contains(out, stranger) || !strings.Contains(out, "rejectUndeclared: true") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	code, out, _ = runPlink(t, "", false, "connections", "-f", manifestPath, "--output", "json")
	if code != ExitOK || !strings.Contains(out, `"type":"left_pending"`) || !strings.Contains(out, `"code":"PL030"`) || !strings.Contains(out, `"type":"summary"`) {
		t.Fatalf("json: exit %d\n%s", code, out)
	}
	if st := connectionStates(t, srv)[stranger]; st != "pendingacceptance" {
		t.Fatalf("%s is %s; nothing may decide it", stranger, st)
	}
	said := map[string]bool{}
	ios, _, outBuf, _ := iostreams.Test()
	f := &Factory{IO: ios, Config: newConfig(), Getenv: func(string) string { return "" }}
	m, _, err := loadManifest([]string{manifestPath}, quotas(f))
	if err != nil {
		t.Fatal(err)
	}
	run := connectionsRun{awsRun: awsRun{manifestRun: manifestRun{format: "text"}, session: sessionSettings(f)}}
	sess, err := openAWS(context.Background(), f, m, run.awsRun)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	for range 2 {
		if err := connectionsRound(context.Background(), f, run, m, sess, false, false, said); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(outBuf.String(), "left pending (PL030)"); n != 1 {
		t.Errorf("a loop said the pending connection %d times, want once:\n%s", n, outBuf)
	}
}
