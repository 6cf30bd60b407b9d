package cli

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/plinkdev/plink/awsenv"
)

// A hint carried in an error's text (an inner error's, under its line)
// prints as "hint: ...", not prefixed "plink:   hint: ...", and once: not
// again as the outer error's hint, and with no usage hint after it.
func TestReportHintOnce(t *testing.T) {
	inner := errors.New("account checkout (222222222222): cannot assume role: AccessDenied\n  hint: check the role's trust policy")
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"usage error with its own hint", flagErrorf("--account nobody: no such account\n  hint: name an alias under accounts:"),
			"plink: --account nobody: no such account\nhint: name an alias under accounts:\n"},
		{"usage error without one", flagErrorf("--account nobody: no such account"),
			"plink: --account nobody: no such account\nhint: run 'plink plan --help' for usage\n"},
		{"the same hint inside and out", withHint(fmt.Errorf("taking the lease: %w", inner), "check the role's trust policy"),
			"plink: taking the lease: account checkout (222222222222): cannot assume role: AccessDenied\nhint: check the role's trust policy\n"},
		{"another hint outside", withHint(fmt.Errorf("taking the lease: %w", inner), "or run with --lock=false"),
			"plink: taking the lease: account checkout (222222222222): cannot assume role: AccessDenied\nhint: check the role's trust policy\nhint: or run with --lock=false\n"},
		{"a hint under each account", credentialsError(errors.Join(
			&awsenv.AccountError{Alias: "analytics", ID: "333333333333", Err: errors.New("refused"), Hint: "check the role's trust policy"},
			&awsenv.AccountError{Alias: "checkout", ID: "222222222222", Err: errors.New("refused"), Hint: "check the role's trust policy"})),
			"plink: account analytics (333333333333): refused\nhint: check the role's trust policy\nplink: account checkout (222222222222): refused\nhint: check the role's trust policy\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if code := report(&b, "plink plan", c.err, nil, ""); code != ExitError {
				t.Errorf("exit %d", code)
			}
			if b.String() != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), c.want)
			}
		})
	}

	// Through the command: an --account the manifest lacks.
	code, _, stderr := runPlink(t, "", false, "plan", "-f", quickstart, "--sandbox", "--sandbox-dir", filepath.Join(t.TempDir(), ".plink"), "--account", "nobody")
	want := "plink: --account nobody: the manifest declares no such account; it declares analytics, checkout, payments\n" +
		"hint: name an alias under accounts: (plink shards -f MANIFEST lists shards of them)\n"
	if code != ExitError || stderr != want {
		t.Errorf("exit %d, stderr:\n%s\nwant:\n%s", code, stderr, want)
	}
}
