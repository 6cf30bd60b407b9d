package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/export"
)

// TestTimedOutRunSaysOnlyTheStop: a run cut by --timeout while the roles
// are assumed (paced to one per 100 s, so two of the quick start's three
// accounts are still waiting) exits 1 with one line naming the stop and
// what the run was doing, and the --timeout hint: the accounts' errors are
// the deadline's (errors.Is through credentialsError's list), not news.
func TestTimedOutRunSaysOnlyTheStop(t *testing.T) {
	code, stdout, stderr := runPlink(t, "", false, "plan", "-f", quickstart, "--sandbox", "--sandbox-dir", t.TempDir(), "--sts-rate", "0.01", "--timeout", "2s")
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if code != ExitError || stdout != "" || len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "plink: timed out after 2s (--timeout) while ") ||
		lines[1] != "hint: raise --timeout (0 means no limit); a slow or throttling account is named by the progress output" {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
}

// TestStopHidesOnlyContextErrors: report says only the stop when every
// error of the run is the end of its context, found through the chain
// (credentialsError's accounts, export's failed reads, %w): an account or
// a read that failed for another reason is named, with the stop after it.
func TestStopHidesOnlyContextErrors(t *testing.T) {
	late := func(alias string) error {
		return &awsenv.AccountError{Alias: alias, ID: "111111111111", Err: fmt.Errorf("assume role arn:aws:iam::111111111111:role/plink: %w", context.DeadlineExceeded)}
	}
	denied := &awsenv.AccountError{Alias: "checkout", ID: "222222222222", Err: errors.New("cannot assume role: AccessDenied"), Hint: "check the role's trust policy"}
	read := func(err error) export.Failure {
		return export.Failure{Account: "payments", AccountID: "111111111111", Region: "us-east-1", Call: "DescribeVpcEndpoints", Err: err}
	}
	timedOut := &TimedOut{After: 2 * time.Second}
	const stopOnly = "plink: timed out after 2s (--timeout) while resolving credentials\n" +
		"hint: raise --timeout (0 means no limit); a slow or throttling account is named by the progress output\n"
	for _, c := range []struct {
		name string
		err  error
		stop error
		want string
	}{
		{"every account late", credentialsError(errors.Join(late("payments"), late("analytics"))), timedOut, stopOnly},
		{"one account refused", credentialsError(errors.Join(late("payments"), denied)), timedOut,
			"plink: account payments (111111111111): assume role arn:aws:iam::111111111111:role/plink: context deadline exceeded\n" +
				"plink: account checkout (222222222222): cannot assume role: AccessDenied\n" +
				"hint: check the role's trust policy\n" +
				"plink: timed out after 2s (--timeout) while resolving credentials\n"},
		{"every read canceled", &export.ReadError{Failures: []export.Failure{read(fmt.Errorf("operation error EC2: %w", context.Canceled)), read(context.Canceled)}},
			&Interrupted{Signal: "SIGINT"},
			"plink: interrupted by SIGINT while resolving credentials\n" +
				"hint: run the command again: plink plans from live state, so a new run finishes what this one left\n"},
		{"one read refused", &export.ReadError{Failures: []export.Failure{read(context.Canceled), read(errors.New("UnauthorizedOperation"))}},
			&Interrupted{Signal: "SIGINT"},
			"plink: export: DescribeVpcEndpoints in account payments (111111111111) region us-east-1: context canceled\n" +
				"plink: export: DescribeVpcEndpoints in account payments (111111111111) region us-east-1: UnauthorizedOperation\n" +
				"plink: interrupted by SIGINT while resolving credentials\n"},
		{"not stopped", credentialsError(late("payments")), nil,
			"plink: account payments (111111111111): assume role arn:aws:iam::111111111111:role/plink: context deadline exceeded\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var w bytes.Buffer
			if code := report(&w, "plink plan", c.err, c.stop, "resolving credentials"); code != ExitError || w.String() != c.want {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 1, stderr:\n%s", code, w.String(), c.want)
			}
		})
	}
}
