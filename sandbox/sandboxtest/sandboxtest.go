// Package sandboxtest starts a sandbox for a test and hands out real
// aws-sdk-go-v2 configurations and clients pointed at it.
//
// It owns nothing but test plumbing: every server it starts listens on
// 127.0.0.1 and is closed by t.Cleanup.
package sandboxtest

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/plinkdev/plink/sandbox"
)

// Server is a running sandbox.
type Server struct {
	// URL is the endpoint URL (http://127.0.0.1:PORT).
	URL string
	// Sandbox is the sandbox behind URL, for faults, call counts and Save.
	Sandbox *sandbox.Sandbox
}

// Clients are SDK clients for one account and region.
type Clients struct {
	EC2 *ec2.Client
	ELB *elbv2.Client
	STS *sts.Client
}

// Start starts a sandbox with the default world and the given options
// (at most one is used) and stops it when the test ends.
func Start(t testing.TB, opts ...sandbox.Options) *Server {
	t.Helper()
	return StartWorld(t, sandbox.DefaultWorld(), opts...)
}

// StartWorld is Start with a world of the test's choosing.
func StartWorld(t testing.TB, w *sandbox.World, opts ...sandbox.Options) *Server {
	t.Helper()
	var o sandbox.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	sb, err := sandbox.New(w, o)
	if err != nil {
		t.Fatalf("sandboxtest: %v", err)
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	return &Server{URL: srv.URL, Sandbox: sb}
}

// Config returns an aws.Config for the account (alias or id) in us-east-1,
// with static credentials and BaseEndpoint set to the sandbox.
func (s *Server) Config(t testing.TB, accountAlias string) aws.Config {
	t.Helper()
	return s.ConfigRegion(t, accountAlias, "us-east-1")
}

// ConfigRegion is Config for a region of the caller's choosing.
func (s *Server) ConfigRegion(t testing.TB, accountAlias, region string) aws.Config {
	t.Helper()
	key, secret, err := s.Sandbox.Credentials(accountAlias)
	if err != nil {
		t.Fatalf("sandboxtest: %v", err)
	}
	return s.StaticConfig(key, secret, "", region)
}

// StaticConfig returns an aws.Config with the given (possibly temporary)
// credentials pointed at the sandbox.
func (s *Server) StaticConfig(key, secret, token, region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(key, secret, token)),
		BaseEndpoint: aws.String(s.URL),
	}
}

// Clients returns EC2, ELBv2 and STS clients for the account in region
// (us-east-1 if region is empty).
func (s *Server) Clients(t testing.TB, accountAlias string, region ...string) *Clients {
	t.Helper()
	r := "us-east-1"
	if len(region) > 0 && region[0] != "" {
		r = region[0]
	}
	return ClientsFor(s.ConfigRegion(t, accountAlias, r))
}

// ClientsFor builds clients from any config.
func ClientsFor(cfg aws.Config) *Clients {
	return &Clients{EC2: ec2.NewFromConfig(cfg), ELB: elbv2.NewFromConfig(cfg), STS: sts.NewFromConfig(cfg)}
}

// AssumeRole assumes roleArn with the given clients' identity and returns a
// config that acts as the role session in region.
func (s *Server) AssumeRole(t testing.TB, c *Clients, roleArn, externalID, region string) aws.Config {
	t.Helper()
	in := &sts.AssumeRoleInput{RoleArn: aws.String(roleArn), RoleSessionName: aws.String("plink-test")}
	if externalID != "" {
		in.ExternalId = aws.String(externalID)
	}
	out, err := c.STS.AssumeRole(context.Background(), in)
	if err != nil {
		t.Fatalf("sandboxtest: assume %s: %v", roleArn, err)
	}
	cr := out.Credentials
	return s.StaticConfig(*cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken, region)
}
