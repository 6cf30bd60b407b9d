package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// unreadableManifest names, for analytics, a role the sandbox will not let
// plink assume (role/plink-external wants the external id plink-sandbox).
const unreadableManifest = `version: 1
project: status-unreadable
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111" }
  checkout: { id: "222222222222" }
  analytics: { id: "333333333333", roleArn: "arn:aws:iam::333333333333:role/plink-external", externalId: wrong }
providers:
  - name: payments-api
    account: payments
    networkLoadBalancerArns: ["` + paymentsNLB + `"]
    acceptanceRequired: true
    allowedPrincipals: [{ account: checkout }]
consumers:
  - name: checkout-payments
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a]
    securityGroupIds: [sg-02100000000000001]
    provider: payments-api
  - name: analytics-s3
    account: analytics
    vpcId: vpc-03100000000000001
    subnetIds: [subnet-0310000000000000a]
    securityGroupIds: [sg-03100000000000001]
    serviceName: com.amazonaws.us-east-1.s3
`

// TestStatusWithAnUnreadableAccount: with one account's role not
// assumable, status still reports the readable accounts and names the
// other and why, in text and in JSON (printed, the failure listed, the
// verdict incomplete), exit 1; the summary line says the same.
func TestStatusWithAnUnreadableAccount(t *testing.T) {
	dir := t.TempDir()
	mf := filepath.Join(dir, "plink.yaml")
	if err := os.WriteFile(mf, []byte(unreadableManifest), 0o600); err != nil {
		t.Fatal(err)
	}
	sb := []string{"--sandbox", "--sandbox-dir", filepath.Join(dir, "sb"), "--no-color", "-f", mf}
	// Apply what can be applied (without analytics), so payments and
	// checkout have something to show.
	readable := strings.Replace(unreadableManifest, unreadableManifest[strings.Index(unreadableManifest, "  - name: analytics-s3"):], "", 1)
	readable = strings.Replace(readable, "  analytics: { id: \"333333333333\", roleArn: \"arn:aws:iam::333333333333:role/plink-external\", externalId: wrong }\n", "", 1)
	rf := filepath.Join(dir, "readable.yaml")
	if err := os.WriteFile(rf, []byte(readable), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := runPlink(t, "", false, "apply", "--auto-approve", "--sandbox", "--sandbox-dir", filepath.Join(dir, "sb"), "-f", rf); code != ExitOK {
		t.Fatalf("apply: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}

	code, stdout, stderr := runPlink(t, "", false, append([]string{"status", "--output", "json"}, sb...)...)
	if code != ExitError {
		t.Fatalf("status --output json: exit %d, want %d\nstdout: %s\nstderr: %s", code, ExitError, stdout, stderr)
	}
	var r struct {
		Scopes []struct {
			Account string `json:"account"`
		} `json:"scopes"`
		Summary struct {
			Verdict string `json:"verdict"`
			Failed  int    `json:"failed"`
		} `json:"summary"`
		Failures []struct {
			Account   string `json:"account"`
			AccountID string `json:"accountId"`
			Error     string `json:"error"`
		} `json:"failures"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("status --output json printed no report: %v\nstdout: %s\nstderr: %s", err, stdout, stderr)
	}
	if r.Summary.Verdict != "incomplete" || r.Summary.Failed != len(r.Failures) || len(r.Failures) == 0 {
		t.Errorf("summary %+v, failures %+v", r.Summary, r.Failures)
	}
	for _, fl := range r.Failures {
		if fl.Account != "analytics" || fl.AccountID != "333333333333" || !strings.Contains(fl.Error, "AccessDenied") {
			t.Errorf("failure %+v, want analytics' AssumeRole denied alone", fl)
		}
	}
	read := map[string]bool{}
	for _, sc := range r.Scopes {
		read[sc.Account] = true
	}
	if !read["payments"] || !read["checkout"] {
		t.Errorf("scopes read %v, want payments and checkout", read)
	}
	for _, want := range []string{"account analytics (333333333333)", "role/plink-external", "Incomplete: "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	code, stdout, stderr = runPlink(t, "", false, append([]string{"status"}, sb...)...)
	if code != ExitError {
		t.Fatalf("status: exit %d, want %d\nstdout: %s\nstderr: %s", code, ExitError, stdout, stderr)
	}
	for _, want := range []string{"payments (111111111111) us-east-1", "in account analytics (333333333333) region us-east-1: AccessDenied", "sts:AssumeRole on resource: arn:aws:iam::333333333333:role/plink-external",
		"Incomplete: 1 read failed (account analytics (333333333333)); in what was read: "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s\nstderr: %s", want, stdout, stderr)
		}
	}
}
