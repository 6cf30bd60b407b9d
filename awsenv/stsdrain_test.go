package awsenv_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// spendSTSBucket empties the operator's STS bucket as another process with
// the same credentials would (a pipeline's plan step before its apply
// step): AssumeRole through a client of its own, unpaced and never
// retried, until the bucket refuses one.
func spendSTSBucket(t *testing.T, srv *sandboxtest.Server) {
	t.Helper()
	client := sts.New(sts.Options{
		Region:       paceRegions[0],
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAPACEOPERATOR0001", "pace-operator-secret", ""),
		Retryer:      aws.NopRetryer{},
	})
	for i := 0; i < 1000; i++ {
		_, err := client.AssumeRole(context.Background(), &sts.AssumeRoleInput{
			RoleArn: aws.String("arn:aws:iam::100000000001:role/plink"), RoleSessionName: aws.String("other-process")})
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "Throttling" {
			return
		}
		if err != nil {
			t.Fatalf("spending the STS bucket: %v", err)
		}
	}
	t.Fatal("the STS bucket refused none of 1000 AssumeRoles: is it throttling?")
}

// TestAssumeRoleAfterAnotherProcess: another process with the same
// operator has just spent the STS bucket (AWS's size: 100 tokens, 20 a
// second), and this run's limiter starts full. The first refusals drain
// the limiter, so the other roles go at the bucket's rate instead of
// spending the limiter's burst into a bucket that refuses it.
func TestAssumeRoleAfterAnotherProcess(t *testing.T) {
	const n = 60
	isolated(t)
	srv := sandboxtest.StartWorld(t, paceWorld(n), sandbox.Options{Throttle: true})
	spendSTSBucket(t, srv)
	srv.Sandbox.ResetCalls()
	r := paceResolver(t, srv, paceManifest(n), awsenv.DefaultSTSRate, nil)
	if err := r.Verify(context.Background()); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	refused := sum(callsOf(srv.Sandbox.Throttled(), "AssumeRole"))
	t.Logf("%d AssumeRoles for %d roles, %d refused for throttling", sum(callsOf(srv.Sandbox.Calls(), "AssumeRole")), n, refused)
	// The first attempts find the bucket empty; the few sent while their
	// refusal was on its way are refused too (one in each of 3 runs).
	if refused > 10 {
		t.Errorf("%d AssumeRoles refused after the bucket was found empty", refused)
	}
}
