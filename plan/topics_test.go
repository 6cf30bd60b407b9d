package plan_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/render"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

const topicPrefix = "arn:aws:sns:us-east-1:111111111111:"

// topicsWorld is the default world (payments' pl-events lets
// vpce.amazonaws.com publish, pl-events-closed has AWS's default policy)
// with three more topics in payments, us-east-1: one that lets it publish
// only for another account, one that denies it, and one whose policy is
// exactly the statement PL117's hint proposes.
func topicsWorld() *sandbox.World {
	w := sandbox.DefaultWorld()
	for i := range w.Accounts {
		if w.Accounts[i].ID != "111111111111" {
			continue
		}
		rw := w.Accounts[i].Regions["us-east-1"]
		rw.Topics = append(rw.Topics,
			sandbox.Topic{Name: "pl-events-other", Policy: `{"Version": "2012-10-17", "Statement": [{"Sid": "checkout-only", "Effect": "Allow",
				"Principal": {"Service": "vpce.amazonaws.com"}, "Action": "SNS:Publish", "Resource": "` + topicPrefix + `pl-events-other",
				"Condition": {"StringEquals": {"aws:SourceAccount": "222222222222"}}}]}`},
			sandbox.Topic{Name: "pl-events-denied", Policy: `{"Version": "2012-10-17", "Statement": [
				{"Sid": "vpce", "Effect": "Allow", "Principal": {"Service": "vpce.amazonaws.com"}, "Action": "SNS:Publish", "Resource": "` + topicPrefix + `pl-events-denied"},
				{"Sid": "no-services", "Effect": "Deny", "Principal": {"Service": ["vpce.amazonaws.com", "s3.amazonaws.com"]}, "Action": "sns:*", "Resource": "*"}]}`},
			sandbox.Topic{Name: "pl-events-hinted", Policy: `{"Version": "2012-10-17", "Statement": [` +
				plan.TopicStatement(topicPrefix+"pl-events-hinted", "aws", "us-east-1", "111111111111") + `]}`})
		w.Accounts[i].Regions["us-east-1"] = rw
	}
	return w
}

const topicsManifestText = `version: 1
project: topics
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/plink" }
  analytics: { id: "333333333333", roleArn: "arn:aws:iam::333333333333:role/plink" }
providers:
  - name: payments-api
    account: payments
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"]
    notifications:
      - { topicArn: "arn:aws:sns:us-east-1:111111111111:pl-events", events: [Connect] }
      - { topicArn: "arn:aws:sns:us-east-1:111111111111:pl-events-closed", events: [Connect] }
      - { topicArn: "arn:aws:sns:us-east-1:111111111111:pl-events-other", events: [Connect] }
      - { topicArn: "arn:aws:sns:us-east-1:111111111111:pl-events-denied", events: [Connect] }
      - { topicArn: "arn:aws:sns:us-east-1:111111111111:pl-events-hinted", events: [Connect] }
      - { topicArn: "arn:aws:sns:us-east-1:111111111111:pl-gone", events: [Connect] }
  - name: ingest
    account: analytics
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/net/analytics-ingest/031000000005c0c1"]
    notifications:
      - { topicArn: "arn:aws:sns:us-east-1:111111111111:pl-events", events: [Connect] }
      - { topicArn: "arn:aws:sns:us-east-1:222222222222:checkout-events", events: [Connect] }
`

// topicsPlan reads text's live state from the sandbox through the SDK, as
// the CLI does (the operator assumes each account's role/plink), and plans.
func topicsPlan(t *testing.T, srv *sandboxtest.Server, text string) *plan.Plan {
	t.Helper()
	m, err := manifest.Parse("topics.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	key, secret, err := srv.Sandbox.OperatorCredentials()
	if err != nil {
		t.Fatal(err)
	}
	r, err := awsenv.New(context.Background(), m, awsenv.Options{Endpoint: srv.URL, Region: "us-east-1",
		BaseCredentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(key, secret, ""))})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := live.Read(context.Background(), m, r, live.ReadOptions{Topics: true})
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return plan.Compute(m, snap, plan.Options{})
}

// topicDiags are the PL117 diagnostics by address.
func topicDiags(p *plan.Plan) map[string]plan.Diagnostic {
	out := map[string]plan.Diagnostic{}
	for _, d := range p.Diagnostics {
		if d.Code == plan.CodeTopicClosed {
			out[d.Address] = d
		}
	}
	return out
}

// TestNotificationTopicLintSandbox: through the SDK against the sandbox, a
// topic that lets vpce.amazonaws.com publish (pl-events, and one whose
// policy is the statement the lint proposes) has no diagnostic; AWS's
// default policy, a condition on another account and a Deny are PL117
// warnings naming the provider and the topic, with the statement to add;
// a topic that does not exist and one of another account are notes that
// say why they could not be checked. One GetTopicAttributes per distinct
// topic; none without notifications.
func TestNotificationTopicLintSandbox(t *testing.T) {
	srv := sandboxtest.StartWorld(t, topicsWorld(), sandbox.Options{})
	srv.Sandbox.ResetCalls()
	p := topicsPlan(t, srv, topicsManifestText)
	calls := 0
	for _, c := range srv.Sandbox.Calls() {
		if c.Service == "sns" {
			calls += c.Count
		}
	}
	if calls != 7 {
		t.Errorf("%d GetTopicAttributes calls, want one per distinct topic (7)", calls)
	}
	if p.HasErrors() {
		t.Errorf("a notification topic made the plan fail: %v", codes(p))
	}
	got := topicDiags(p)
	add := func(account string) string {
		return "add this statement to the topic's access policy (SNS SetTopicAttributes, attribute Policy): " +
			`{"Sid":"AllowPrivateLinkNotifications","Effect":"Allow","Principal":{"Service":"vpce.amazonaws.com"},"Action":"SNS:Publish",` +
			`"Resource":"` + topicPrefix + `pl-events-closed","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:ec2:us-east-1:` + account +
			`:vpc-endpoint-service/*"},"StringEquals":{"aws:SourceAccount":"` + account + `"}}}`
	}
	for _, c := range []struct {
		addr    string
		sev     plan.Severity
		account string
		msg     []string
		hint    string
		hintHas string
	}{
		{addr: "provider.payments-api.notification[1]", sev: plan.SeverityWarning, account: "payments", msg: []string{
			"provider.payments-api.notification[1]: SNS topic " + topicPrefix + "pl-events-closed would never receive provider.payments-api's connection notifications: " +
				"its access policy does not let vpce.amazonaws.com publish (sns:Publish): " +
				`statement "__default_statement_ID" allows it only if StringEquals AWS:SourceOwner 111111111111 holds, which it never does: ` +
				"vpce.amazonaws.com sets aws:SourceAccount, not aws:SourceOwner"},
			hint: add("111111111111")},
		{addr: "provider.payments-api.notification[2]", sev: plan.SeverityWarning, account: "payments", msg: []string{
			"pl-events-other would never receive",
			`statement "checkout-only" allows it only if StringEquals aws:SourceAccount 222222222222 holds, which it does not for the provider's account 111111111111`},
			hintHas: `"Resource":"` + topicPrefix + `pl-events-other"`},
		{addr: "provider.payments-api.notification[3]", sev: plan.SeverityWarning, account: "payments", msg: []string{
			"pl-events-denied would never receive provider.payments-api's connection notifications: its access policy denies vpce.amazonaws.com sns:Publish: " +
				`statement "no-services" denies it`},
			hint: `narrow statement "no-services" of the topic's access policy so that it does not deny vpce.amazonaws.com sns:Publish on the topic`},
		{addr: "provider.payments-api.notification[5]", sev: plan.SeverityInfo, account: "payments", msg: []string{
			"provider.payments-api.notification[5]: could not check whether SNS topic " + topicPrefix + "pl-gone lets vpce.amazonaws.com publish provider.payments-api's connection notifications: " +
				"reading its policy as account payments (111111111111) failed: NotFound: Topic does not exist"},
			hintHas: "the topic does not exist in us-east-1: create it or correct topicArn; its policy must let vpce.amazonaws.com publish, with a statement like: {"},
		{addr: "provider.ingest.notification[1]", sev: plan.SeverityInfo, account: "analytics", msg: []string{
			"could not check whether SNS topic arn:aws:sns:us-east-1:222222222222:checkout-events lets vpce.amazonaws.com publish provider.ingest's connection notifications: " +
				"reading its policy as account analytics (333333333333) failed: AuthorizationError: User: arn:aws:sts::333333333333:assumed-role/plink/"},
			hintHas: "plan reads the topic as account analytics: give it sns:GetTopicAttributes on the topic (plink iam-policy --for plan), and for a topic of another account in the topic's policy too"},
	} {
		d, ok := got[c.addr]
		if !ok {
			t.Errorf("%s: no PL117 (have %v)", c.addr, got)
			continue
		}
		delete(got, c.addr)
		if d.Severity != c.sev || d.Account != c.account || d.Region != "us-east-1" {
			t.Errorf("%s: %+v", c.addr, d)
		}
		for _, m := range c.msg {
			if !strings.Contains(d.Message, m) {
				t.Errorf("%s: message\n%s\nlacks\n%s", c.addr, d.Message, m)
			}
		}
		if c.hint != "" && d.Hint != c.hint {
			t.Errorf("%s: hint\n%s\nwant\n%s", c.addr, d.Hint, c.hint)
		}
		if !strings.Contains(d.Hint, c.hintHas) {
			t.Errorf("%s: hint\n%s\nlacks\n%s", c.addr, d.Hint, c.hintHas)
		}
	}
	// pl-events (payments-api's and ingest's) and pl-events-hinted pass.
	for addr, d := range got {
		t.Errorf("unexpected %s %s: %s", d.Severity, addr, d.Message)
	}

	seenInfo := false
	for _, d := range p.Diagnostics {
		seenInfo = seenInfo || d.Severity == plan.SeverityInfo
		if seenInfo && d.Severity != plan.SeverityInfo {
			t.Errorf("%s %s after a note: notes come last", d.Severity, d.Code)
		}
	}
	var text bytes.Buffer
	if err := render.Text(&text, p, render.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"  Warning PL117 (payments us-east-1): provider.payments-api.notification[1]: SNS topic",
		"  Note PL117 (payments us-east-1): provider.payments-api.notification[5]: could not check"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text plan lacks %q:\n%s", want, text.String())
		}
	}
	var md bytes.Buffer
	if err := render.Markdown(&md, p); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "ℹ **Note** `PL117`") {
		t.Errorf("markdown plan has no note:\n%s", md.String())
	}

	// Without notifications: no SNS call, no PL117.
	srv.Sandbox.ResetCalls()
	var bare []string
	for _, l := range strings.Split(topicsManifestText, "\n") {
		if !strings.Contains(l, "notifications:") && !strings.Contains(l, "topicArn") {
			bare = append(bare, l)
		}
	}
	p = topicsPlan(t, srv, strings.Join(bare, "\n"))
	for _, c := range srv.Sandbox.Calls() {
		if c.Service == "sns" {
			t.Errorf("SNS called without notifications: %+v", c)
		}
	}
	if d := topicDiags(p); len(d) != 0 {
		t.Errorf("PL117 without notifications: %v", d)
	}
}
