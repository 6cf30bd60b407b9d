package awsenv

import (
	"context"
	"strings"
	"testing"

	"github.com/plinkdev/plink/awsenv/awsenvtest"
	"github.com/plinkdev/plink/manifest"
)

// TestVerifyAgainstMoto runs Verify over real HTTP against moto's STS:
// GetCallerIdentity with base credentials, and AssumeRole (with an external
// id) into a second account, whose credentials moto maps to that account.
func TestVerifyAgainstMoto(t *testing.T) {
	hermetic(t)
	url := awsenvtest.StartMoto(t)
	m := mf(
		&manifest.Account{Alias: "payments", ID: awsenvtest.MotoAccount},
		&manifest.Account{Alias: "checkout", ID: "222222222222", RoleARN: "arn:aws:iam::222222222222:role/plink", ExternalID: "x"},
	)
	r := newResolver(t, m, Options{Endpoint: url, BaseCredentials: static("AKIAMOTOBASE"), Region: "eu-west-1"})
	if err := r.Verify(context.Background()); err != nil {
		t.Fatalf("Verify: %v", err)
	}

	m = mf(&manifest.Account{Alias: "payments", ID: "111111111111"})
	r = newResolver(t, m, Options{Endpoint: url, BaseCredentials: static("AKIAMOTOBASE")})
	err := r.Verify(context.Background())
	if err == nil || !strings.Contains(err.Error(), "credentials for account `payments` landed in "+awsenvtest.MotoAccount) {
		t.Fatalf("got %v", err)
	}
}
