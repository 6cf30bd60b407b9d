package reconcile

import (
	"errors"
	"testing"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/live"
)

// TestCredentialFailures: an account whose credentials failed is a
// failure of the report once — not again when a read of it failed already
// — and an error that names no account is kept too.
func TestCredentialFailures(t *testing.T) {
	if credentialFailures(nil, &live.Snapshot{}) != nil {
		t.Error("no error gave failures")
	}
	lv := &live.Snapshot{Failures: []live.Failure{{Account: "analytics", AccountID: "333333333333", Region: "us-east-1", Call: "DescribeAvailabilityZones", Error: "AccessDenied"}}}
	err := errors.Join(
		&awsenv.AccountError{Alias: "analytics", ID: "333333333333", Err: errors.New("cannot assume role")},
		&awsenv.AccountError{Alias: "checkout", ID: "222222222222", Err: errors.New("ExpiredToken: the SSO session has expired")},
		errors.New("no credentials in the default chain"),
	)
	got := credentialFailures(err, lv)
	if len(got) != 2 {
		t.Fatalf("failures %+v, want checkout's and the unnamed one", got)
	}
	if f := got[0]; f.Account != "checkout" || f.AccountID != "222222222222" || f.Call != "credentials" || f.Error != "ExpiredToken: the SSO session has expired" {
		t.Errorf("checkout's failure %+v", f)
	}
	if f := got[1]; f.AccountID != "" || f.Error != "no credentials in the default chain" {
		t.Errorf("unnamed failure %+v", f)
	}
}
