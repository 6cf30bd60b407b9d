package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/plinkdev/plink/iampolicy"
	"github.com/plinkdev/plink/iampolicy/check"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/sandbox"
)

const checkManifestV1 = `version: 1
project: cli-check
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/plink" }
  checkout: { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/plink" }
providers:
  - name: payments-api
    account: payments
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"]
    allowedPrincipals: [{ account: checkout }]
consumers:
  - name: checkout-payments
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]
    securityGroupIds: [sg-02100000000000001]
    provider: payments-api
`

// checkManifestV2 drops a subnet and adds one: a ModifyVpcEndpoint.
var checkManifestV2 = strings.Replace(checkManifestV1, "subnet-0210000000000000b]", "subnet-0210000000000000c]", 1)

// withPolicies writes dir/world.yaml: the default world with each
// account's role/plink given plink's policy for mode, less the statements
// drop names, plus extra statements.
func withPolicies(t *testing.T, dir, manifestText string, mode iampolicy.Mode, drop map[string]string, extra ...string) {
	t.Helper()
	m, err := manifest.Parse("m.yaml", []byte(manifestText))
	if err != nil {
		t.Fatal(err)
	}
	docs, err := iampolicy.For(mode, m)
	if err != nil {
		t.Fatal(err)
	}
	world, err := os.ReadFile("../../sandbox/worlds/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(world)
	for alias, d := range docs {
		d.Statement = slices.DeleteFunc(slices.Clone(d.Statement), func(s iampolicy.Statement) bool { return s.Sid == drop[alias] })
		data, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		doc := string(data)
		if len(extra) > 0 {
			doc = strings.TrimSuffix(doc, "]}") + "," + strings.Join(extra, ",") + "]}"
		}
		quoted, _ := json.Marshal(doc) // a JSON string is a YAML double-quoted scalar
		line := "      - arn: arn:aws:iam::" + m.Accounts[alias].ID + ":role/plink\n"
		if !strings.Contains(text, line) {
			t.Fatalf("the default world has no %q", line)
		}
		text = strings.Replace(text, line, line+"        policies: ["+string(quoted)+"]\n", 1)
	}
	if err := os.WriteFile(filepath.Join(dir, "world.yaml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestIAMPolicyCheck: plink iam-policy --check against the sandbox, under
// the printed policy (exit 0) and with one statement missing (exit 2,
// naming the call, the action and resource refused and the statement),
// changing nothing.
func TestIAMPolicyCheck(t *testing.T) {
	dir := t.TempDir()
	mf := filepath.Join(dir, "plink.yaml")
	write := func(text string) {
		if err := os.WriteFile(mf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sb := []string{"--sandbox", "--sandbox-dir", dir, "-f", mf}
	write(checkManifestV1)
	if code, _, stderr := runPlink(t, "", false, append([]string{"apply", "--auto-approve"}, sb...)...); code != ExitOK {
		t.Fatalf("apply: exit %d\n%s", code, stderr)
	}
	write(checkManifestV2)

	withPolicies(t, dir, checkManifestV2, iampolicy.Apply, nil)
	code, out, stderr := runPlink(t, "", false, append([]string{"iam-policy", "--check"}, sb...)...)
	if code != ExitOK || out != "every call is allowed\n" || !strings.Contains(stderr, " 0 denied, 0 could not be checked; verdict: every call allowed (exit 0)") ||
		!strings.Contains(stderr, "note: the lease's take-over and release (ec2:CreateTags, ec2:DeleteTags and ec2:DeletePlacementGroup on placement-group/plink-lease-cli-check") {
		t.Fatalf("under the printed policy: exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}

	// The printed apply policy decodes AWS's reason (PlinkDecodeDenialReasons).
	withPolicies(t, dir, checkManifestV2, iampolicy.Apply, map[string]string{"checkout": "PlinkChangeEndpointNetwork"})
	code, out, stderr = runPlink(t, "", false, append([]string{"iam-policy", "--check", "--for", "apply"}, sb...)...)
	if code != ExitChanges {
		t.Fatalf("one statement missing: exit %d, want 2\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	for _, want := range []string{
		"checkout (222222222222) us-east-1:\n  denied   ec2:ModifyVpcEndpoint (DryRun) for consumer.checkout-payments\n",
		"refused: ec2:ModifyVpcEndpoint on arn:aws:ec2:us-east-1:222222222222:subnet/subnet-0210000000000000",
		"reason: no identity-based policy allows ec2:ModifyVpcEndpoint on arn:aws:ec2:us-east-1:222222222222:subnet/",
		`add this statement (plink iam-policy --for apply):`, `"Sid": "PlinkChangeEndpointNetwork"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr, "1 denied") {
		t.Errorf("summary: %s", stderr)
	}

	// The same as JSON; and plan still has the change to make: nothing
	// was changed.
	code, out, _ = runPlink(t, "", false, append([]string{"iam-policy", "--check", "--output", "json"}, sb...)...)
	var rep check.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitChanges {
		t.Fatalf("json: exit %d, %v\n%s", code, err, out)
	}
	if rep.FormatVersion != check.FormatVersion || rep.Mode != iampolicy.Apply || rep.Count(check.Denied) != 1 || rep.Count(check.Allowed) == 0 {
		t.Errorf("json report: %s", out)
	}
	if err := os.Remove(filepath.Join(dir, "world.yaml")); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runPlink(t, "", false, append([]string{"plan", "--detailed-exitcode", "--no-color"}, sb...)...)
	if code != ExitChanges || !strings.Contains(out, "consumer.checkout-payments") {
		t.Errorf("after the check, plan: exit %d\n%s", code, out)
	}
}

// --for destroy prints apply's policy, and --check --for destroy asks about
// the deletes of plink destroy's plan (dry runs: nothing is deleted).
func TestIAMPolicyCheckDestroy(t *testing.T) {
	dir := t.TempDir()
	mf := filepath.Join(dir, "plink.yaml")
	if err := os.WriteFile(mf, []byte(checkManifestV1), 0o644); err != nil {
		t.Fatal(err)
	}
	sb := []string{"--sandbox", "--sandbox-dir", dir, "-f", mf}
	if code, _, stderr := runPlink(t, "", false, append([]string{"apply", "--auto-approve"}, sb...)...); code != ExitOK {
		t.Fatalf("apply: exit %d\n%s", code, stderr)
	}
	withPolicies(t, dir, checkManifestV1, iampolicy.Destroy, nil)
	code, out, stderr := runPlink(t, "", false, append([]string{"iam-policy", "--check", "--for", "destroy", "--output", "json"}, sb...)...)
	var rep check.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitOK {
		t.Fatalf("--check --for destroy: exit %d, %v\n%s\n%s", code, err, out, stderr)
	}
	deletes := 0
	for _, r := range rep.Results {
		if r.DryRun && r.Status == check.Allowed && (r.Call == "ec2:DeleteVpcEndpoints" || r.Call == "ec2:DeleteVpcEndpointServiceConfigurations") {
			deletes++
		}
	}
	if rep.Mode != iampolicy.Destroy || deletes < 2 {
		t.Errorf("want the destroy plan's deletes asked about and allowed:\n%s", out)
	}
	code, out, _ = runPlink(t, "", false, append([]string{"plan", "--detailed-exitcode", "--no-color"}, sb...)...)
	if code != ExitOK {
		t.Errorf("after the check, plan: exit %d (something changed)\n%s", code, out)
	}
}

// The errors of --check: no manifest, an output it does not write, and an
// account plink cannot reach (exit 1, could not find out).
func TestIAMPolicyCheckErrors(t *testing.T) {
	dir := t.TempDir()
	mf := filepath.Join(dir, "plink.yaml")
	if code, _, stderr := runPlink(t, "", false, "iam-policy", "--check", "--sandbox", "--sandbox-dir", dir); code != ExitError ||
		!strings.Contains(stderr, "--check needs the manifest (-f PATH)") {
		t.Errorf("no manifest: exit %d: %s", code, stderr)
	}
	bad := strings.Replace(checkManifestV1, "role/plink\" }\nproviders", "role/nobody\" }\nproviders", 1)
	if err := os.WriteFile(mf, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runPlink(t, "", false, "iam-policy", "--check", "--output", "markdown", "--sandbox", "--sandbox-dir", dir, "-f", mf); code != ExitError ||
		!strings.Contains(stderr, `invalid --output "markdown"`) {
		t.Errorf("--output markdown: exit %d: %s", code, stderr)
	}
	code, out, stderr := runPlink(t, "", false, "iam-policy", "--check", "--sandbox", "--sandbox-dir", dir, "-f", mf)
	if code != ExitError || out != "" || !strings.Contains(stderr, "role/nobody") {
		t.Errorf("unreachable account: exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
}

// With a permission missing, the sandbox's call log shows that --check
// made only reads and dry runs: every mutating call was a DryRun.
func TestIAMPolicyCheckMakesOnlyReadsAndDryRuns(t *testing.T) {
	srv := servedSandbox(t)
	m, err := manifest.Parse("m.yaml", []byte(checkManifestV1))
	if err != nil {
		t.Fatal(err)
	}
	docs, err := iampolicy.For(iampolicy.Apply, m)
	if err != nil {
		t.Fatal(err)
	}
	for alias, d := range docs {
		if alias == "payments" {
			d.Statement = slices.DeleteFunc(slices.Clone(d.Statement), func(s iampolicy.Statement) bool { return s.Sid == "PlinkCreateEndpointServices" })
		}
		data, _ := json.Marshal(d)
		if err := srv.Sandbox.SetPolicies("arn:aws:iam::"+m.Accounts[alias].ID+":role/plink", string(data)); err != nil {
			t.Fatal(err)
		}
	}
	mf := filepath.Join(t.TempDir(), "plink.yaml")
	if err := os.WriteFile(mf, []byte(checkManifestV1), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runPlink(t, "", false, "iam-policy", "--check", "-f", mf)
	if code != ExitChanges || !strings.Contains(out, "denied   ec2:CreateVpcEndpointServiceConfiguration (DryRun) for provider.payments-api") ||
		!strings.Contains(out, "later    ec2:CreateVpcEndpoint (DryRun) for consumer.checkout-payments") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	mutating := 0
	for _, c := range srv.Sandbox.Calls() {
		if c.Mutating {
			mutating += c.Count
			if c.DryRuns != c.Count {
				t.Errorf("%s:%s in %s: %d calls, %d of them dry runs", c.Service, c.Action, c.Account, c.Count, c.DryRuns)
			}
		}
	}
	if mutating == 0 {
		t.Error("no mutating call was asked about")
	}
}

// An answer that is neither an allowance nor a refusal: plink could not
// find out, exit 1, and the report says what AWS answered.
func TestIAMPolicyCheckUnknownAnswer(t *testing.T) {
	srv := servedSandbox(t)
	srv.Sandbox.Inject(sandbox.Fault{Action: "DescribeVpcs", Account: "222222222222", Code: "InvalidParameterValue", Times: -1})
	mf := filepath.Join(t.TempDir(), "plink.yaml")
	if err := os.WriteFile(mf, []byte(checkManifestV1), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runPlink(t, "", false, "iam-policy", "--check", "--for", "plan", "-f", mf)
	if code != ExitError || !strings.Contains(out, "  unknown  ec2:DescribeVpcs: InvalidParameterValue") || !strings.Contains(stderr, "1 could not be checked") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
}

// renderCheck's other lines: a call left for later, a refused permission
// plink's policy does not grant, a plan that could not be made.
func TestRenderCheckLines(t *testing.T) {
	var b strings.Builder
	rep := &check.Report{Mode: iampolicy.Apply, PlanError: "reading live state: UnauthorizedOperation", Results: []check.Result{
		{Account: "checkout", AccountID: "222222222222", Region: "us-east-1", Call: "ec2:CreateVpcEndpoint", DryRun: true, Change: "consumer.c",
			Status: check.Skipped, Reason: "its service (provider.p) is created in this run"},
		{Account: "checkout", AccountID: "222222222222", Region: "us-east-1", Call: "ec2:DescribeVpcs", Status: check.Denied,
			Action: "ec2:DescribeVpcs", Reason: "UnauthorizedOperation (encoded message not decoded)", DecodeNote: "not decoded", Missing: true},
		{Account: "checkout", AccountID: "222222222222", Region: "us-east-1", Call: "ec2:CreateVpcEndpoint", DryRun: true, Status: check.Denied, Decoded: true,
			Action: "ec2:CreateVpcEndpoint", Resource: "arn:aws:ec2:us-east-1:222222222222:route-table/rtb-x", Reason: "no identity-based policy allows", Missing: true},
		{Account: "checkout", AccountID: "222222222222", Region: "us-east-1", Call: "ec2:CreateVpcEndpoint", DryRun: true, Status: check.Denied, Decoded: true,
			Action: "ec2:CreateVpcEndpoint", Resource: "arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/*", Reason: "no identity-based policy allows", Statements: []iampolicy.Statement{
				{Sid: "PlinkCreateEndpointsUsEast1", Effect: "Allow", Action: []string{"ec2:CreateVpcEndpoint"}, Resource: []string{"*"}},
				{Sid: "PlinkCreateEndpointsToNamedServicesUsEast1", Effect: "Allow", Action: []string{"ec2:CreateVpcEndpoint"}, Resource: []string{"*"}}}},
		{Account: "checkout", AccountID: "222222222222", Region: "us-east-1", Call: "ec2:DeleteVpcEndpoints", DryRun: true, Status: check.Denied,
			Action: "ec2:DeleteVpcEndpoints", Reason: "UnauthorizedOperation (encoded message not decoded)", Statements: []iampolicy.Statement{
				{Sid: "PlinkManageOwnEndpoints", Effect: "Allow", Action: []string{"ec2:DeleteVpcEndpoints"}, Resource: []string{"*"}},
				{Sid: "PlinkMultiRegion", Effect: "Allow", Action: []string{"vpce:AllowMultiRegion"}, Resource: []string{"*"}}}},
	}}
	if err := renderCheck(&b, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  later    ec2:CreateVpcEndpoint (DryRun) for consumer.c: its service (provider.p) is created in this run\n",
		"           note: not decoded\n",
		"           plink iam-policy --for apply grants no ec2:DescribeVpcs: it is not a call this command needs\n",
		"           AWS did not say which permission it refused; the call depends on every one of these statements (plink iam-policy --for apply): attach those missing\n" +
			"           {\n             \"Sid\": \"PlinkManageOwnEndpoints\",",
		"             \"Sid\": \"PlinkMultiRegion\",",
		"           plink iam-policy --for apply grants ec2:CreateVpcEndpoint on no arn:aws:ec2:us-east-1:222222222222:route-table/rtb-x: print it again for this manifest (-f PATH --live) and attach it\n",
		"           statements of plink iam-policy --for apply that grant ec2:CreateVpcEndpoint on arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/*, each under its own conditions: attach the one this call needs\n" +
			"           {\n             \"Sid\": \"PlinkCreateEndpointsUsEast1\",",
		"the plan's writes were not checked: the plan could not be made: reading live state: UnauthorizedOperation\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
	rep.Verdict, rep.NotChecked = check.Denied, 1 // as check.Run leaves them
	if s := checkSummary(rep); s != "iam-policy --check --for apply: 5 calls: 0 allowed, 4 denied, 1 could not be checked (1 left for later: they act on what this plan creates; "+
		"run --check again once it exists), the plan's writes not checked (the plan could not be made); verdict: denied (exit 2)" {
		t.Errorf("summary %q", s)
	}
	if err := renderCheck(failWriter{}, rep); err == nil {
		t.Error("no error from a failing writer")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

// On a fresh project every call that can be asked is allowed, but the
// writes on what the plan creates first cannot be asked yet: the check
// says so and exits 1 (not known), never 0 — a pipeline gate must not
// pass on calls nobody asked about.
func TestIAMPolicyCheckLeftForLaterIsNotAllowed(t *testing.T) {
	srv := servedSandbox(t)
	m, err := manifest.Parse("m.yaml", []byte(checkManifestV1))
	if err != nil {
		t.Fatal(err)
	}
	docs, err := iampolicy.For(iampolicy.Apply, m)
	if err != nil {
		t.Fatal(err)
	}
	for alias, d := range docs {
		data, _ := json.Marshal(d)
		if err := srv.Sandbox.SetPolicies("arn:aws:iam::"+m.Accounts[alias].ID+":role/plink", string(data)); err != nil {
			t.Fatal(err)
		}
	}
	mf := filepath.Join(t.TempDir(), "plink.yaml")
	if err := os.WriteFile(mf, []byte(checkManifestV1), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runPlink(t, "", false, "iam-policy", "--check", "-f", mf)
	later := regexp.MustCompile(`, 0 denied, (\d+) could not be checked \((\d+) left for later: .*; verdict: not known to be allowed \(exit 1\)\n`).FindStringSubmatch(stderr)
	if code != ExitError || later == nil || later[1] != later[2] || later[1] == "0" || !strings.Contains(out, "cannot be asked about until it exists") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	// The JSON says the same: the verdict, and the calls not checked.
	code, out, _ = runPlink(t, "", false, "iam-policy", "--check", "--output", "json", "-f", mf)
	var rep check.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitError || rep.Verdict != check.Unknown ||
		fmt.Sprint(rep.NotChecked) != later[1] || rep.NotChecked != rep.Count(check.Skipped) {
		t.Errorf("json: exit %d, %v, verdict %q, notChecked %d, want %s\n%s", code, err, rep.Verdict, rep.NotChecked, later[1], out)
	}
}

// plink iam-policy --live grants endpoints to a provider whose service
// exists by its exact name; without it (or before the service exists) the
// policy grants any service of the provider's account and region, and
// plink says so.
func TestIAMPolicyLive(t *testing.T) {
	dir := t.TempDir()
	mf := filepath.Join(dir, "plink.yaml")
	if err := os.WriteFile(mf, []byte(checkManifestV1), 0o644); err != nil {
		t.Fatal(err)
	}
	sb := []string{"--sandbox", "--sandbox-dir", dir, "-f", mf}
	const note = "note: the endpoint services of payments-api (111111111111, us-east-1) do not exist yet (or were not read: --live)"
	statements := func(out string) map[string]iampolicy.Statement {
		t.Helper()
		var docs map[string]iampolicy.Document
		if err := json.Unmarshal([]byte(out), &docs); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		byID := map[string]iampolicy.Statement{}
		for _, s := range docs["checkout"].Statement {
			byID[s.Sid] = s
		}
		return byID
	}
	code, out, stderr := runPlink(t, "", false, "iam-policy", "-f", mf)
	if code != ExitOK || !strings.Contains(stderr, note) {
		t.Fatalf("static: exit %d\n%s", code, stderr)
	}
	if _, ok := statements(out)["PlinkCreateEndpointsUsEast1"]; !ok {
		t.Fatalf("static: no PlinkCreateEndpointsUsEast1\n%s", out)
	}
	code, out, stderr = runPlink(t, "", false, append([]string{"iam-policy", "--live"}, sb...)...)
	if _, ok := statements(out)["PlinkCreateEndpointsUsEast1"]; code != ExitOK || !ok || !strings.Contains(stderr, note) {
		t.Fatalf("--live before the first apply: exit %d\n%s\n%s", code, out, stderr)
	}
	if code, _, stderr := runPlink(t, "", false, append([]string{"apply", "--auto-approve"}, sb...)...); code != ExitOK {
		t.Fatalf("apply: exit %d\n%s", code, stderr)
	}
	code, out, stderr = runPlink(t, "", false, append([]string{"iam-policy", "--live"}, sb...)...)
	if code != ExitOK || strings.Contains(stderr, "note: the endpoint services") {
		t.Fatalf("--live: exit %d\n%s", code, stderr)
	}
	st := statements(out)
	named, ok := st["PlinkCreateEndpointsToNamedServicesUsEast1"]
	if _, wide := st["PlinkCreateEndpointsUsEast1"]; wide || !ok {
		t.Fatalf("--live once payments-api exists: %s", out)
	}
	names := named.Condition["StringEquals"]["ec2:VpceServiceName"]
	if len(names) != 1 || !strings.HasPrefix(names[0], "com.amazonaws.vpce.us-east-1.vpce-svc-") || strings.HasSuffix(names[0], "*") {
		t.Errorf("the service's exact name: %v", names)
	}
	if code, _, stderr := runPlink(t, "", false, "iam-policy", "--live"); code != ExitError || !strings.Contains(stderr, "--live needs the manifest (-f PATH)") {
		t.Errorf("--live without -f: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runPlink(t, "", false, append([]string{"iam-policy", "--live", "--for", "plan"}, sb...)...); code != ExitError ||
		!strings.Contains(stderr, "--live changes only the apply policy") {
		t.Errorf("--live --for plan: exit %d: %s", code, stderr)
	}
}
