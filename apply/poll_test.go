package apply

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// pollManifest declares, in every account-region of the default sandbox
// world, `managed` endpoints to AWS-managed services, plus two providers
// (one requiring acceptance, with private DNS after acceptance) and a
// consumer of each: waits for services, for endpoints to be usable, for
// acceptance and, when managed shrinks, for deletions.
func pollManifest(t *testing.T, managed int) string {
	t.Helper()
	services := []string{"ec2", "ec2messages", "ecr.api", "ecr.dkr", "elasticloadbalancing", "execute-api", "kms",
		"lambda", "logs", "monitoring", "secretsmanager", "sns", "sqs", "ssm", "ssmmessages", "sts"}
	var b strings.Builder
	b.WriteString(`version: 1
project: poll-test
accounts:
  payments: { id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/plink" }
  checkout: { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/plink" }
  analytics: { id: "333333333333", roleArn: "arn:aws:iam::333333333333:role/plink" }
providers:
  - name: payments-api
    account: payments
    region: us-east-1
    networkLoadBalancerArns: [arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1]
    acceptanceRequired: true
    privateDnsName: api.payments.example.com
    allowedPrincipals: [{ account: checkout }]
    connections: { acceptDeclared: true }
  - name: analytics-ingest
    account: analytics
    region: us-west-2
    networkLoadBalancerArns: [arn:aws:elasticloadbalancing:us-west-2:333333333333:loadbalancer/net/analytics-ingest/032000000005c0c1]
    acceptanceRequired: false
    allowedPrincipals: [{ account: payments }]
consumers:
  - name: checkout-payments
    account: checkout
    region: us-east-1
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]
    securityGroupIds: [sg-02100000000000001]
    provider: payments-api
    privateDnsEnabled: true
  - name: payments-ingest
    account: payments
    region: us-west-2
    vpcId: vpc-01200000000000001
    subnetIds: [subnet-0120000000000000a]
    securityGroupIds: [sg-01200000000000001]
    provider: analytics-ingest
`)
	for a, alias := range []string{"payments", "checkout", "analytics"} {
		for r, region := range []string{"us-east-1", "us-west-2"} {
			ar := fmt.Sprintf("%d%d", a+1, r+1)
			for i := 0; i < managed; i++ {
				fmt.Fprintf(&b, `  - name: %s-%s-%d
    account: %s
    region: %s
    vpcId: vpc-0%s00000000000001
    subnetIds: [subnet-0%s0000000000000a]
    securityGroupIds: [sg-0%s00000000000001]
    serviceName: com.amazonaws.%s.%s
    privateDnsEnabled: false
`, alias, region, i, alias, region, ar, ar, ar, region, services[i])
			}
		}
	}
	p := filepath.Join(t.TempDir(), fmt.Sprintf("poll-%d.yaml", managed))
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// pollRound is one poll round as the poller reported it.
type pollRound struct {
	scope      string // account id|region|action
	ids, calls int
}

// TestWaitsShareOneDescribePerAccountRegion applies a topology whose
// resources take a while to settle (the sandbox's availability delays) and
// holds the Describe calls of the waits to exactly one per account-region,
// resource type and poll round, however many resources wait there.
func TestWaitsShareOneDescribePerAccountRegion(t *testing.T) {
	srv := sandboxtest.Start(t, sandbox.Options{AutoVerifyPrivateDNS: true,
		EndpointAvailableDelay: 150 * time.Millisecond, ServiceAvailableDelay: 100 * time.Millisecond})
	key, secret, err := srv.Sandbox.OperatorCredentials()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	applyCounted := func(path string, wantDeletes bool) {
		t.Helper()
		m, err := manifest.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		res, err := awsenv.New(ctx, m, awsenv.Options{Endpoint: srv.URL,
			BaseCredentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
		if err != nil {
			t.Fatal(err)
		}
		snap, err := live.Read(ctx, m, res, live.ReadOptions{})
		if err != nil || len(snap.Failures) > 0 {
			t.Fatalf("read: %v %+v", err, snap.Failures)
		}
		p := plan.Compute(m, snap, plan.Options{})
		if p.HasErrors() {
			t.Fatalf("plan: %+v", p.Diagnostics)
		}

		var mu sync.Mutex
		var rounds []pollRound
		opts := Options{PollInterval: 10 * time.Millisecond, ServiceTimeout: 30 * time.Second,
			EndpointTimeout: 30 * time.Second, DeleteTimeout: 30 * time.Second,
			onPoll: func(accountID, region, action string, ids, calls int) {
				mu.Lock()
				defer mu.Unlock()
				rounds = append(rounds, pollRound{accountID + "|" + region + "|" + action, ids, calls})
			}}
		srv.Sandbox.ResetCalls()
		r, err := Run(ctx, p, FromClientSource(res), opts)
		if err != nil {
			t.Fatalf("apply %s: %v %+v", path, err, r.Changes)
		}

		// What the sandbox counted is what the poll rounds issued: the
		// waits make no other Describe call.
		perScope := map[string]int{}
		maxIDs := map[string]int{}
		for _, rd := range rounds {
			if rd.calls != 1 {
				t.Errorf("%s: a round for %d ids made %d calls, want 1", rd.scope, rd.ids, rd.calls)
			}
			perScope[rd.scope]++
			maxIDs[rd.scope] = max(maxIDs[rd.scope], rd.ids)
		}
		counted := map[string]int{}
		for _, c := range srv.Sandbox.Calls() {
			if c.Action == string(pollEndpoints) || c.Action == string(pollServices) {
				counted[c.Account+"|"+c.Region+"|"+c.Action] += c.Count
			}
		}
		// The server may see a request twice when the SDK retries one on a
		// transport error (a reset keep-alive connection under load); apply's
		// own count above is exact, the server's may exceed it by retries.
		const retriesAllowed = 2
		for scope, n := range counted {
			if n < perScope[scope] || n > perScope[scope]+retriesAllowed {
				t.Errorf("%s: %d Describe calls in %d poll rounds, want one per round", scope, n, perScope[scope])
			}
		}
		for scope, n := range perScope {
			if counted[scope] == 0 {
				t.Errorf("%s: %d poll rounds, but the sandbox saw no call", scope, n)
			}
		}
		// The test means something only if rounds waited for several
		// resources at once, in every account-region.
		for _, a := range []string{"111111111111", "222222222222", "333333333333"} {
			for _, region := range []string{"us-east-1", "us-west-2"} {
				scope := a + "|" + region + "|" + string(pollEndpoints)
				if maxIDs[scope] < 2 || perScope[scope] < 2 {
					t.Errorf("%s: at most %d ids in %d rounds; the test wants waits on several endpoints over several rounds",
						scope, maxIDs[scope], perScope[scope])
				}
			}
		}
		if wantDeletes && r.Summary().Destroyed == 0 {
			t.Errorf("nothing was deleted: %+v", r.Summary())
		}
		t.Logf("%s: %d changes; Describe calls per scope = poll rounds: %v", filepath.Base(path), len(r.Changes), perScope)
	}
	applyCounted(pollManifest(t, 6), false)
	applyCounted(pollManifest(t, 2), true)
}

// The calls of one poll round: one per 200 ids (EC2's limit of values per
// filter), following NextToken; ids that do not come back are not seen, and
// a NotFound reply means nothing was seen, not a failure.
func TestPollerDescribe(t *testing.T) {
	w := newFakeWorld()
	var ids []string
	for i := 0; i < 250; i++ {
		id := fmt.Sprintf("vpce-%017x", i)
		w.endpoints[id] = &fakeEndpoint{account: "222222222222", region: "us-east-1", ep: fakeEndpointVal(id, "available")}
		ids = append(ids, id)
	}
	ids = append(ids, "vpce-notyetvisible")
	r := newRunner(&plan.Plan{}, &schedule{}, w.clients(), fastOpts())
	cl, e := r.clientAt(context.Background(), &plan.Change{}, where{"checkout", "222222222222", "us-east-1"})
	if e != nil {
		t.Fatal(e)
	}
	p := r.pollerFor(where{"checkout", "222222222222", "us-east-1"}, pollEndpoints, cl)
	found, calls, err := p.describe(context.Background(), ids)
	if err != nil || calls != 2 || len(found) != 250 || found["vpce-notyetvisible"].ep != nil {
		t.Errorf("250 visible of 251: %d found in %d calls, err %v", len(found), calls, err)
	}
	for _, c := range w.callsOf("DescribeVpcEndpoints") {
		in := c.Input.(*ec2.DescribeVpcEndpointsInput)
		if len(in.VpcEndpointIds) != 0 || len(in.Filters) != 1 || aws.ToString(in.Filters[0].Name) != "vpc-endpoint-id" ||
			len(in.Filters[0].Values) > 200 || aws.ToInt32(in.MaxResults) != 1000 {
			t.Errorf("describe input: ids %v, filters %+v, max %v", in.VpcEndpointIds, in.Filters, aws.ToInt32(in.MaxResults))
		}
	}

	w.pageSize = 100
	found, calls, err = p.describe(context.Background(), ids)
	if err != nil || calls != 3 || len(found) != 250 { // 200 ids in 2 pages of 100, 51 in 1
		t.Errorf("paged: %d found in %d calls, err %v", len(found), calls, err)
	}

	w.injectFault("DescribeVpcEndpoints", "InvalidVpcEndpointId.NotFound", 1)
	if found, _, err = p.describe(context.Background(), ids[:3]); err != nil || len(found) != 0 {
		t.Errorf("NotFound: %d found, err %v", len(found), err)
	}
	w.injectFault("DescribeVpcEndpoints", "UnauthorizedOperation", 1)
	if _, _, err = p.describe(context.Background(), ids[:3]); err == nil {
		t.Error("a failed describe must fail the round")
	}
}

// Describe calls failing pollErrorsTolerated rounds in a row fail every
// wait of those rounds, with the call's error; cancelling the run ends the
// waits.
func TestWaitDescribeFailureAndCancel(t *testing.T) {
	w := newFakeWorld()
	w.pendingDescribes = 1 << 30
	w.injectFault("DescribeVpcEndpointServiceConfigurations", "UnauthorizedOperation", pollErrorsTolerated)
	res, err := run(t, w, fullPlan(), fastOpts())
	if !errors.Is(err, ErrFailed) {
		t.Fatal(err)
	}
	if c := statusOf(t, res, "provider.api"); c.Status != StatusFailed || c.Error.Code != "UnauthorizedOperation" ||
		c.Error.Call != "DescribeVpcEndpointServiceConfigurations" || c.Error.Hint == "" {
		t.Errorf("provider.api: %+v %+v", c, c.Error)
	}

	ctx, cancel := context.WithCancel(context.Background())
	opts := fastOpts()
	opts.Events = func(e Event) {
		if e.Progress == ProgressWaiting {
			cancel()
		}
	}
	res, err = Run(ctx, fullPlan(), newFakeWorld().clients(), opts)
	if !errors.Is(err, ErrFailed) {
		t.Fatal(err)
	}
	if c := statusOf(t, res, "provider.api"); c.Status != StatusFailed || c.Error.Code != "Canceled" {
		t.Errorf("provider.api: %+v %+v", c, c.Error)
	}
}

// A wait that joins a poll loop already sleeping is looked at once a
// quarter interval has passed since the last round, not after the whole
// interval; a loop with nobody new keeps its interval.
func TestPollerHurriesForANewWaiter(t *testing.T) {
	w := newFakeWorld()
	for _, id := range []string{"vpce-first", "vpce-second"} {
		w.endpoints[id] = &fakeEndpoint{account: "222222222222", region: "us-east-1", ep: fakeEndpointVal(id, "available")}
	}
	opts := fastOpts()
	opts.PollInterval = 8 * time.Second
	var mu sync.Mutex
	var rounds []time.Time
	opts.onPoll = func(_, _, _ string, _, _ int) {
		mu.Lock()
		rounds = append(rounds, time.Now())
		mu.Unlock()
	}
	r := newRunner(&plan.Plan{}, &schedule{}, w.clients(), opts)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.pollCtx = ctx
	where := where{"checkout", "222222222222", "us-east-1"}
	cl, e := r.clientAt(ctx, &plan.Change{}, where)
	if e != nil {
		t.Fatal(e)
	}
	p := r.pollerFor(where, pollEndpoints, cl)
	first := p.join(ctx, "vpce-first")
	<-first.ch // the loop's first round, at once
	joined := time.Now()
	second := p.join(ctx, "vpce-second")
	select {
	case s := <-second.ch:
		if s.ep == nil {
			t.Errorf("the new waiter's round did not see it: %+v", s)
		}
		if waited := time.Since(joined); waited >= opts.PollInterval*3/4 {
			t.Errorf("the new waiter waited %v for its first look, want about a quarter of %v", waited, opts.PollInterval)
		}
	case <-time.After(opts.PollInterval):
		t.Fatalf("the new waiter had no look within the %v interval", opts.PollInterval)
	}
	mu.Lock()
	n := len(rounds)
	mu.Unlock()
	if n != 2 {
		t.Errorf("%d rounds, want 2 (the first, and the new waiter's)", n)
	}
	p.leave(first)
	p.leave(second)
}
