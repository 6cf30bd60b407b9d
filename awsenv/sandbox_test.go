package awsenv

import (
	"context"
	"strings"
	"testing"

	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// The sandbox's default world: operator credentials may assume role/plink in
// every account; analytics' plink-external role requires ExternalId
// "plink-sandbox".
func sandboxAccounts() *manifest.Manifest {
	return mf(
		&manifest.Account{Alias: "payments", ID: "111111111111", RoleARN: "arn:aws:iam::111111111111:role/plink"},
		&manifest.Account{Alias: "checkout", ID: "222222222222", RoleARN: "arn:aws:iam::222222222222:role/plink"},
		&manifest.Account{Alias: "analytics", ID: "333333333333", RoleARN: "arn:aws:iam::333333333333:role/plink-external", ExternalID: "plink-sandbox"},
	)
}

func sandboxResolver(t *testing.T, srv *sandboxtest.Server, m *manifest.Manifest, key string) *Resolver {
	t.Helper()
	k, secret, err := srv.Sandbox.OperatorCredentials()
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		k = key
	}
	return newResolver(t, m, Options{Endpoint: srv.URL, BaseCredentials: staticSecret(k, secret)})
}

func TestVerifySandboxMultiAccount(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	r := sandboxResolver(t, srv, sandboxAccounts(), "")
	if err := r.Verify(context.Background()); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	id, err := r.Identity(context.Background())
	if err != nil || id != "arn:aws:iam::999999999999:user/plink-operator" {
		t.Errorf("identity %q, %v", id, err)
	}
}

func TestVerifySandboxErrors(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	m := sandboxAccounts()
	m.Accounts["analytics"].ExternalID = "wrong"
	m.Accounts["checkout"].ID = "999999999999"
	err := sandboxResolver(t, srv, m, "").Verify(context.Background())
	if err == nil {
		t.Fatal("Verify succeeded")
	}
	for _, want := range []string{
		"account analytics (333333333333): cannot assume role arn:aws:iam::333333333333:role/plink-external from arn:aws:iam::999999999999:user/plink-operator: AccessDenied: ",
		"check the role's trust policy and its sts:ExternalId condition against the manifest's externalId for account analytics",
		"account checkout (999999999999): credentials for account `checkout` landed in 222222222222",
		"expected 999999999999: check that roleArn arn:aws:iam::222222222222:role/plink is in account 999999999999",
	} {
		if !strings.Contains(explain(err), want) {
			t.Errorf("error lacks %q:\n%v", want, explain(err))
		}
	}
	if strings.Contains(explain(err), "wrong") {
		t.Errorf("the external id is printed: %v", explain(err))
	}
	if strings.Contains(err.Error(), "account payments") {
		t.Errorf("payments reported: %v", err)
	}
}

func TestVerifySandboxUnknownKey(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	m := mf(&manifest.Account{Alias: "payments", ID: "111111111111"})
	err := sandboxResolver(t, srv, m, "AKIAUNKNOWNKEY000000").Verify(context.Background())
	if err == nil || !strings.Contains(explain(err), "account payments (111111111111): ") ||
		!strings.Contains(explain(err), "run `aws sso login --profile default` or refresh your credentials") {
		t.Fatalf("got %v", explain(err))
	}
}

func TestVerifySandboxThrottlingRetried(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	srv.Sandbox.Inject(sandbox.Fault{Action: "GetCallerIdentity", Code: "Throttling", Times: 2})
	srv.Sandbox.Inject(sandbox.Fault{Action: "AssumeRole", Code: "RequestLimitExceeded", Times: 1})
	if err := sandboxResolver(t, srv, sandboxAccounts(), "").Verify(context.Background()); err != nil {
		t.Fatalf("Verify with throttling: %v", err)
	}
}
