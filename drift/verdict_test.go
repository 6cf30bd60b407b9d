package drift

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

// TestJSONCarriesTheVerdict: the JSON report gives the verdict, its exit
// code and the summary line, and they are the ones ExitCode and Summary
// give, for each verdict: no drift, drift, and incomplete for a read that
// failed, a manifest error or a reason the caller gives.
func TestJSONCarriesTheVerdict(t *testing.T) {
	clean := &plan.Plan{Changes: []plan.Change{
		{Address: "provider.ledger", Kind: plan.KindService, Action: plan.NoOp, Account: "payments", AccountID: payID, Region: "us-east-1"},
	}}
	noFailures := testSnapshot()
	noFailures.Failures = nil
	reason := Build(nil, nil, nil)
	reason.Incomplete = "credentials of analytics failed their check"
	for _, tc := range []struct {
		name    string
		r       *Report
		verdict string
		exit    int
	}{
		{"clean", Build(nil, &live.Snapshot{}, clean), VerdictNoDrift, 0},
		{"drift", Build(testManifest(), noFailures, testPlan()), VerdictDrift, 2},
		{"read failed", Build(testManifest(), testSnapshot(), testPlan()), VerdictIncomplete, 1},
		{"manifest error", Build(testManifest(), &live.Snapshot{}, &plan.Plan{Diagnostics: []plan.Diagnostic{
			{Severity: plan.SeverityError, Code: plan.CodeUnknownAccount, Address: "provider.x", Message: "unknown account"},
		}}), VerdictIncomplete, 1},
		{"caller's reason", reason, VerdictIncomplete, 1},
	} {
		var buf bytes.Buffer
		if err := JSON(&buf, tc.r); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Verdict  *string `json:"verdict"`
			ExitCode *int    `json:"exitCode"`
			Summary  *string `json:"summary"`
		}
		if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if doc.Verdict == nil || doc.ExitCode == nil || doc.Summary == nil {
			t.Errorf("%s: JSON without verdict, exitCode or summary:\n%s", tc.name, buf.String())
			continue
		}
		if *doc.Verdict != tc.verdict || *doc.ExitCode != tc.exit || tc.r.Verdict() != tc.verdict || tc.r.ExitCode() != tc.exit {
			t.Errorf("%s: JSON verdict %q exitCode %d, report %q exit %d; want %q and %d", tc.name, *doc.Verdict, *doc.ExitCode, tc.r.Verdict(), tc.r.ExitCode(), tc.verdict, tc.exit)
		}
		if *doc.Summary != Summary(tc.r) {
			t.Errorf("%s: JSON summary %q, printed %q", tc.name, *doc.Summary, Summary(tc.r))
		}
	}
	if got := Summary(reason); got != "drift check incomplete: credentials of analytics failed their check; no drift in the rest: 0 resources match" {
		t.Errorf("summary with the caller's reason: %q", got)
	}
}
