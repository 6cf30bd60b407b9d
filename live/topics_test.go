package live_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// Topics of the default world (payments, us-east-1): pl-events lets
// vpce.amazonaws.com publish, pl-events-closed has AWS's default policy.
const (
	topicOpen   = "arn:aws:sns:us-east-1:111111111111:pl-events"
	topicClosed = "arn:aws:sns:us-east-1:111111111111:pl-events-closed"
	topicGone   = "arn:aws:sns:us-east-1:111111111111:pl-gone"
	// topicForeign is checkout's: analytics may not read it.
	topicForeign = "arn:aws:sns:us-east-1:222222222222:checkout-events"
)

// topicsManifest has providers in payments (us-east-1 and us-west-2) and
// analytics naming four distinct topics, two of them twice.
func topicsManifest(t *testing.T) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse("topics.yaml", []byte(`version: 1
project: `+project+`
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/plink" }
  analytics: { id: "333333333333", roleArn: "arn:aws:iam::333333333333:role/plink" }
providers:
  - name: payments-api
    account: payments
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"]
    notifications:
      - { topicArn: "`+topicOpen+`", events: [Connect] }
      - { topicArn: "`+topicClosed+`", events: [Connect] }
      - { topicArn: "`+topicGone+`", events: [Connect] }
  - name: payments-west
    account: payments
    region: us-west-2
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-west-2:111111111111:loadbalancer/net/payments-api/012000000005c0c1"]
    notifications:
      - { topicArn: "`+topicOpen+`", events: [Accept] }
  - name: ingest
    account: analytics
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/net/analytics-ingest/031000000005c0c1"]
    notifications:
      - { topicArn: "`+topicClosed+`", events: [Connect] }
      - { topicArn: "`+topicForeign+`", events: [Connect] }
`))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// topicCalls is how many GetTopicAttributes calls reached the sandbox, by
// "account region".
func topicCalls(srv *sandboxtest.Server) (map[string]int, int) {
	out, n := map[string]int{}, 0
	for _, c := range srv.Sandbox.Calls() {
		if c.Service == "sns" {
			out[c.Account+" "+c.Action+" "+c.Region] += c.Count
			n += c.Count
		}
	}
	return out, n
}

func topicsByARN(s *live.Snapshot) map[string]live.Topic {
	out := map[string]live.Topic{}
	for _, t := range s.Topics {
		out[t.ARN] = t
	}
	return out
}

// TestReadTopicsSandbox: each distinct topic the providers name is read
// once, in its region, by its own account when a provider of that account
// names it (pl-events-closed: payments, not analytics), else by the first
// provider's account; a topic that does not exist or that the account may
// not read is recorded with its error, not as a failed read.
func TestReadTopicsSandbox(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	m := topicsManifest(t)
	srv.Sandbox.ResetCalls()
	snap, err := live.Read(context.Background(), m, sbResolver(t, srv, m, nil, 0), live.ReadOptions{Topics: true})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	calls, n := topicCalls(srv)
	if n != 4 || calls["111111111111 GetTopicAttributes us-east-1"] != 3 || calls["333333333333 GetTopicAttributes us-east-1"] != 1 {
		t.Errorf("GetTopicAttributes calls %v, want 3 by payments and 1 by analytics, in us-east-1", calls)
	}
	var arns []string
	for _, tp := range snap.Topics {
		arns = append(arns, tp.ARN)
	}
	if strings.Join(arns, ",") != strings.Join([]string{topicOpen, topicClosed, topicGone, topicForeign}, ",") {
		t.Errorf("topics %v, want them once each, by ARN", arns)
	}
	got := topicsByARN(snap)
	if tp := got[topicOpen]; tp.Account != "payments" || tp.AccountID != sbPayments || tp.Region != "us-east-1" || tp.Error != "" ||
		!strings.Contains(tp.Policy, `"Service": "vpce.amazonaws.com"`) {
		t.Errorf("open topic %+v", tp)
	}
	if tp := got[topicClosed]; tp.Account != "payments" || tp.Error != "" || !strings.Contains(tp.Policy, "__default_policy_ID") {
		t.Errorf("closed topic %+v, want it read by payments, its owner", tp)
	}
	if tp := got[topicGone]; tp.Policy != "" || tp.ErrorCode != "NotFound" || tp.Error != "NotFound: Topic does not exist" {
		t.Errorf("missing topic %+v", tp)
	}
	if tp := got[topicForeign]; tp.Account != "analytics" || tp.AccountID != sbAnalytics || tp.ErrorCode != "AuthorizationError" ||
		!strings.Contains(tp.Error, "is not authorized to perform: SNS:GetTopicAttributes on resource: "+topicForeign) {
		t.Errorf("foreign topic %+v", tp)
	}
	if len(snap.Failures) != 0 {
		t.Errorf("failures %+v: an unreadable topic is not a failed read", snap.Failures)
	}
	// Through the source that reads each account once its role is verified
	// (the CLI's), the same.
	again, err := live.Read(context.Background(), m, sbResolver(t, srv, m, nil, 0).Verified(nil), live.ReadOptions{Topics: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Topics) != len(snap.Topics) {
		t.Fatalf("through Verified: topics %+v", again.Topics)
	}
	for i, tp := range again.Topics {
		if tp != snap.Topics[i] {
			t.Errorf("through Verified: %+v, want %+v", tp, snap.Topics[i])
		}
	}
}

// TestReadTopicsNone: without notifications no SNS call is made.
func TestReadTopicsNone(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	m := topicsManifest(t)
	for _, p := range m.Providers {
		p.Notifications = nil
	}
	srv.Sandbox.ResetCalls()
	snap, err := live.Read(context.Background(), m, sbResolver(t, srv, m, nil, 0), live.ReadOptions{Topics: true})
	if err != nil {
		t.Fatal(err)
	}
	if calls, n := topicCalls(srv); n != 0 || len(snap.Topics) != 0 {
		t.Errorf("SNS calls %v and topics %+v without notifications", calls, snap.Topics)
	}
}

// TestReadTopicsShard: a shard reads the topics of its own providers only.
func TestReadTopicsShard(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	m := topicsManifest(t)
	srv.Sandbox.ResetCalls()
	shard := func(account, region string) bool { return account == "analytics" }
	snap, err := live.Read(context.Background(), m, sbResolver(t, srv, m, nil, 0), live.ReadOptions{Shard: shard, Topics: true})
	if err != nil {
		t.Fatal(err)
	}
	got := topicsByARN(snap)
	// pl-events-closed: no provider of the shard is in payments, so
	// analytics reads it.
	if calls, n := topicCalls(srv); n != 2 || len(got) != 2 || got[topicClosed].Account != "analytics" || got[topicForeign].Account != "analytics" {
		t.Errorf("shard read %+v with calls %v, want analytics' two topics, by analytics", snap.Topics, calls)
	}
	if tp := got[topicClosed]; tp.ErrorCode != "AuthorizationError" {
		t.Errorf("payments' topic read by analytics: %+v", tp)
	}
}

// TestReadTopicsDenied: a role whose policy does not grant
// sns:GetTopicAttributes gets AccessDenied: recorded, the rest is read.
func TestReadTopicsDenied(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	m := topicsManifest(t)
	if err := srv.Sandbox.SetPolicies("arn:aws:iam::111111111111:role/plink",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","elasticloadbalancing:Describe*"],"Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	snap, err := live.Read(context.Background(), m, sbResolver(t, srv, m, nil, 0), live.ReadOptions{Topics: true})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	tp := topicsByARN(snap)[topicOpen]
	if tp.ErrorCode != "AccessDenied" || !strings.Contains(tp.Error, "because no identity-based policy allows the sns:GetTopicAttributes action") {
		t.Errorf("denied read: %+v", tp)
	}
	if len(snap.Services) != 0 || len(snap.Failures) != 0 || len(snap.LoadBalancers) != 3 {
		t.Errorf("the rest of the read: %d services, %d load balancers, failures %+v", len(snap.Services), len(snap.LoadBalancers), snap.Failures)
	}
}

// TestReadTopicsCredentialErrors: an account whose credentials cannot be
// had (a profile that does not exist; a role it may not assume) records
// why on each topic it reads.
func TestReadTopicsCredentialErrors(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	cfg := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(cfg, []byte("[default]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", cfg)
	m := topicsManifest(t)
	m.Accounts["payments"].RoleARN = ""
	m.Accounts["payments"].Profile = "no-such-profile"
	m.Accounts["analytics"].RoleARN = "arn:aws:iam::333333333333:role/plink-external"
	m.Accounts["analytics"].ExternalID = "wrong"
	snap, err := live.Read(context.Background(), m, sbResolver(t, srv, m, nil, 1), live.ReadOptions{Topics: true})
	var rerr *live.ReadError
	if !errors.As(err, &rerr) {
		t.Fatalf("Read: %v, want the scopes' failures", err)
	}
	got := topicsByARN(snap)
	if tp := got[topicOpen]; tp.Policy != "" || !strings.Contains(tp.Error, "no-such-profile") {
		t.Errorf("topic read with a missing profile: %+v", tp)
	}
	if tp := got[topicForeign]; tp.Policy != "" || !strings.Contains(tp.Error, "AssumeRole") {
		t.Errorf("topic read with a role that cannot be assumed: %+v", tp)
	}
}

// noSNS is a client source whose clients have no SNS client.
type noSNS struct{ live.ClientSource }

func (n noSNS) ClientsFor(ctx context.Context, account, region string) (*awsenv.Clients, error) {
	c, err := n.ClientSource.ClientsFor(ctx, account, region)
	if err != nil {
		return nil, err
	}
	return awsenv.NewClients(awsenv.Built{Account: c.Account, AccountID: c.AccountID, Region: c.Region, EC2: c.EC2, ELB: c.ELB,
		STS: c.STS(), CloudWatch: c.CloudWatch(), Route53: c.Route53(), Lattice: c.Lattice()}), nil
}

// TestReadTopicsNoSNSClient: a client source without an SNS client
// records so instead of calling a nil client.
func TestReadTopicsNoSNSClient(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	m := topicsManifest(t)
	snap, err := live.Read(context.Background(), m, noSNS{sbResolver(t, srv, m, nil, 0)}, live.ReadOptions{Topics: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range snap.Topics {
		if tp.Error != "no SNS client" {
			t.Errorf("%+v", tp)
		}
	}
	if len(snap.Topics) != 4 {
		t.Errorf("topics %+v", snap.Topics)
	}
}

// policyless answers GetTopicAttributes without a Policy attribute.
type policyless struct{}

func (policyless) GetTopicAttributes(context.Context, *sns.GetTopicAttributesInput, ...func(*sns.Options)) (*sns.GetTopicAttributesOutput, error) {
	return &sns.GetTopicAttributesOutput{Attributes: map[string]string{"Owner": "111111111111"}}, nil
}

// topicFake reads EC2 and ELB from the sandbox and topics from sns.
type topicFake struct {
	live.APISource
	sns live.SNSAPI
}

func (f topicFake) TopicAPI(context.Context, string, string) (live.SNSAPI, error) { return f.sns, nil }

// TestReadTopicsAPISource: ReadAPIs reads topics only from a source that
// hands out SNS clients; an answer without a Policy is recorded as such.
func TestReadTopicsAPISource(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	m := topicsManifest(t)
	r := sbResolver(t, srv, m, nil, 0)
	apis := live.APISourceFunc(func(ctx context.Context, account, region string) (live.EC2API, live.ELBAPI, error) {
		c, err := r.ClientsFor(ctx, account, region)
		if err != nil {
			return nil, nil, err
		}
		return c.EC2, c.ELB, nil
	})
	srv.Sandbox.ResetCalls()
	snap, err := live.ReadAPIs(context.Background(), m, apis, live.ReadOptions{Topics: true})
	if err != nil {
		t.Fatal(err)
	}
	if calls, n := topicCalls(srv); n != 0 || len(snap.Topics) != 0 {
		t.Errorf("a source without SNS: calls %v, topics %+v", calls, snap.Topics)
	}
	snap, err = live.ReadAPIs(context.Background(), m, topicFake{apis, policyless{}}, live.ReadOptions{Topics: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Topics) != 4 || snap.Topics[0].Error != "SNS returned no Policy attribute" || snap.Topics[0].ErrorCode != "" {
		t.Errorf("topics %+v", snap.Topics)
	}
}

// TestReadTopicsCancelled: a read whose run ended records the context's
// error on each topic.
func TestReadTopicsCancelled(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	m := topicsManifest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	snap, err := live.Read(ctx, m, sbResolver(t, srv, m, nil, 0), live.ReadOptions{Topics: true})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Read: %v", err)
	}
	if len(snap.Topics) != 4 {
		t.Fatalf("topics %+v", snap.Topics)
	}
	for _, tp := range snap.Topics {
		if !strings.Contains(tp.Error, "context canceled") {
			t.Errorf("%+v", tp)
		}
	}
}

func TestNotificationTopicsAndScope(t *testing.T) {
	m := topicsManifest(t)
	m.Providers[0].Notifications = append(m.Providers[0].Notifications, manifest.Notification{TopicARN: "not-an-arn"})
	got := live.NotificationTopics(m, nil)
	want := []live.TopicRead{
		{ARN: topicOpen, Account: "payments", Region: "us-east-1"},
		{ARN: topicClosed, Account: "payments", Region: "us-east-1"},
		{ARN: topicGone, Account: "payments", Region: "us-east-1"},
		{ARN: topicForeign, Account: "analytics", Region: "us-east-1"},
	}
	if len(got) != len(want) {
		t.Fatalf("topics %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("topic %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, c := range []struct {
		arn, region, account string
		ok                   bool
	}{
		{"arn:aws-cn:sns:cn-north-1:111111111111:t.fifo", "cn-north-1", "111111111111", true},
		{"arn:aws:sqs:us-east-1:111111111111:q", "", "", false},
		{"arn:aws:sns:us-east-1:111111111111", "", "", false},
		{"arn:aws:sns::111111111111:t", "", "", false},
	} {
		r, a, ok := live.TopicScope(c.arn)
		if r != c.region || a != c.account || ok != c.ok {
			t.Errorf("TopicScope(%s) = %s %s %v", c.arn, r, a, ok)
		}
	}
}

// TestReadTopicsOnlyWhenAsked: only plink plan's lint needs the topics'
// policies; every other read of live state makes no SNS call.
func TestReadTopicsOnlyWhenAsked(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	m := topicsManifest(t)
	srv.Sandbox.ResetCalls()
	snap, err := live.Read(context.Background(), m, sbResolver(t, srv, m, nil, 0), live.ReadOptions{})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if calls, n := topicCalls(srv); n != 0 || len(snap.Topics) != 0 {
		t.Errorf("a read without Topics made GetTopicAttributes calls %v and read %d topics", calls, len(snap.Topics))
	}
}
