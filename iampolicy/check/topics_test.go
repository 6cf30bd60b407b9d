package check_test

import (
	"context"
	"strings"
	"testing"

	"github.com/plinkdev/plink/iampolicy"
	"github.com/plinkdev/plink/iampolicy/check"
)

// topicsManifest: payments' provider names its open topic and one that
// does not exist; checkout's names
// payments' topic, which checkout may not read.
const topicsManifest = header + `providers:
  - name: payments-api
    account: payments
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"]
    notifications:
      - { topicArn: "arn:aws:sns:us-east-1:111111111111:pl-events", events: [Connect] }
      - { topicArn: "arn:aws:sns:us-east-1:111111111111:pl-gone", events: [Connect] }
  - name: checkout-web
    account: checkout
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:222222222222:loadbalancer/net/checkout-web/0210000000000c0c"]
    notifications:
      - { topicArn: "arn:aws:sns:us-east-1:111111111111:pl-events-closed", events: [Connect] }
      - { topicArn: "arn:aws:sns:us-east-1:111111111111:pl-events", events: [Connect] }
`

func topicResults(rep *check.Report) map[string]check.Result {
	out := map[string]check.Result{}
	for _, r := range rep.Results {
		if r.Call == "sns:GetTopicAttributes" {
			out[r.Change] = r
		}
	}
	return out
}

// TestCheckTopicReads: --check asks, as the account that reads each
// notification topic, whether it may read the topic's policy: allowed
// under the printed policy (a topic that does not exist too); denied,
// with the statement to add, without PlinkReadNotificationTopics; skipped
// when the topic's own policy refuses another account; not asked by
// export.
func TestCheckTopicReads(t *testing.T) {
	w := newWorld(t)
	m := w.manifest(topicsManifest)
	w.attach(m, iampolicy.Plan, nil)
	r := w.resolver(m)
	rep, err := check.Run(context.Background(), r, check.Options{Mode: iampolicy.Plan, Manifest: m})
	if err != nil {
		t.Fatal(err)
	}
	got := topicResults(rep)
	if len(got) != 3 {
		t.Fatalf("topic reads %+v, want one per topic\n%s", got, dump(rep))
	}
	for addr, want := range map[string]check.Status{"provider.payments-api.notification[0]": check.Allowed, "provider.payments-api.notification[1]": check.Allowed,
		"provider.checkout-web.notification[0]": check.Skipped} {
		if g := got[addr]; g.Status != want || g.Region != "us-east-1" {
			t.Errorf("%s: %+v, want %s", addr, g, want)
		}
	}
	if s := got["provider.checkout-web.notification[0]"]; s.Account != "checkout" ||
		!strings.Contains(s.Reason, "the topic's own policy does not let this account read it (plan notes it, PL117): AuthorizationError: ") {
		t.Errorf("skipped %+v", s)
	}

	w.attach(m, iampolicy.Plan, map[string][]string{"payments": {"PlinkReadNotificationTopics"}}, decodeStatement)
	rep, err = check.Run(context.Background(), r, check.Options{Mode: iampolicy.Plan, Manifest: m})
	if err != nil {
		t.Fatal(err)
	}
	d := topicResults(rep)["provider.payments-api.notification[0]"]
	if d.Status != check.Denied || d.Account != "payments" || d.Action != "sns:GetTopicAttributes" || d.Resource != "arn:aws:sns:us-east-1:111111111111:pl-events" ||
		d.Statement == nil || d.Statement.Sid != "PlinkReadNotificationTopics" || d.Missing {
		t.Errorf("denied read %+v\n%s", d, dump(rep))
	}

	rep, err = check.Run(context.Background(), r, check.Options{Mode: iampolicy.Export, Manifest: m})
	if err != nil {
		t.Fatal(err)
	}
	if g := topicResults(rep); len(g) != 0 {
		t.Errorf("export asks about topics: %+v", g)
	}

	rep, err = check.Run(context.Background(), failing{}, check.Options{Mode: iampolicy.Plan, Manifest: m})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, x := range rep.Results {
		if x.Call == "credentials" && x.Status == check.Unknown {
			n++
		}
	}
	// Two accounts in us-east-1, and the three topics' readers.
	if n != 2+3 {
		t.Errorf("%d credential failures, want 5:\n%s", n, dump(rep))
	}
}
