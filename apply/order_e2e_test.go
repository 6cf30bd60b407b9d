package apply_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// spyEnv is an env whose sandbox sits behind a handler that sees every EC2
// call's form, in the order the calls arrive, before the sandbox acts on
// it: hook may look at the world as it is at that moment.
func spyEnv(t *testing.T, o sandbox.Options, hook func(form url.Values)) *env {
	t.Helper()
	return spyEnvAfter(t, o, hook, nil)
}

// spyEnvAfter is spyEnv with a second hook, after, that sees each call's
// form once the sandbox has answered it.
func spyEnvAfter(t *testing.T, o sandbox.Options, hook, after func(form url.Values)) *env {
	t.Helper()
	sb, err := sandbox.New(sandbox.DefaultWorld(), o)
	if err != nil {
		t.Fatal(err)
	}
	h := sb.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var form url.Values
		if r.Method == http.MethodPost {
			if body, err := io.ReadAll(r.Body); err == nil {
				r.Body = io.NopCloser(bytes.NewReader(body))
				if f, err := url.ParseQuery(string(body)); err == nil && f.Get("Action") != "" {
					form = f
				}
			}
		}
		if form != nil && hook != nil {
			hook(form)
		}
		h.ServeHTTP(w, r)
		if form != nil && after != nil {
			after(form)
		}
	}))
	t.Cleanup(srv.Close)
	return &env{t: t, srv: &sandboxtest.Server{URL: srv.URL, Sandbox: sb}}
}

// writeManifest writes doc to a file of the test and returns its path.
func writeManifest(t *testing.T, name, doc string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const orderHead = `version: 1
project: order
defaults: {region: us-east-1}
accounts:
  payments: {id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/plink"}
  checkout: {id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/plink"}
  analytics: {id: "333333333333", roleArn: "arn:aws:iam::333333333333:role/plink"}
providers:
  - name: api
    account: payments
    networkLoadBalancerArns: [arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1]
    acceptanceRequired: true
    allowedPrincipals: [{account: checkout}]
    connections: {acceptDeclared: true}
  - name: ingest
    account: analytics
    networkLoadBalancerArns: [arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/net/analytics-ingest/031000000005c0c1]
    acceptanceRequired: true
    allowedPrincipals: [{account: checkout}]
    connections: {acceptDeclared: true}
consumers:
  - name: web
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]
    securityGroupIds: [sg-02100000000000001]
`

// A replace in one VPC (the consumer moves to another provider) deletes the
// old endpoint only once the new one is accepted and available: at the
// moment apply asks AWS to delete the old endpoint, the new one carries
// traffic already.
func TestReplaceDeletesOldOnlyOnceNewIsUsable(t *testing.T) {
	var mu sync.Mutex
	var e *env
	var oldID, newID string
	seenAt := map[string]string{} // state of the new endpoint when the old one's delete arrived
	e = spyEnv(t, sandbox.Options{AutoVerifyPrivateDNS: true, EndpointAvailableDelay: 300 * time.Millisecond}, func(form url.Values) {
		if form.Get("Action") != "DeleteVpcEndpoints" {
			return
		}
		mu.Lock()
		old := oldID
		mu.Unlock()
		if old == "" || form.Get("VpcEndpointId.1") != old {
			return
		}
		out, err := e.srv.Clients(t, "checkout").EC2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{})
		if err != nil {
			t.Errorf("describe: %v", err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, ep := range out.VpcEndpoints {
			if id := aws.ToString(ep.VpcEndpointId); id != old {
				newID = id
				seenAt[id] = strings.ToLower(string(ep.State))
			}
		}
	})
	first := writeManifest(t, "first.yaml", orderHead+"    provider: api\n")
	res := e.apply(first)
	mu.Lock()
	oldID = res.Created["consumer.web"]
	mu.Unlock()
	if oldID == "" {
		t.Fatalf("first apply created %v", res.Created)
	}

	moved := writeManifest(t, "moved.yaml", orderHead+"    provider: ingest\n")
	p, _ := e.plan(moved)
	if c := planChange(t, p, "consumer.web"); c.Action != plan.Replace {
		t.Fatalf("consumer.web: %s, want replace", c.Action)
	}
	res = e.apply(moved)
	mu.Lock()
	seen, state := newID, seenAt[newID]
	mu.Unlock()
	if seen == "" || seen != res.Created["consumer.web"] {
		t.Fatalf("the old endpoint %s was deleted before its replacement %s was listed (saw %q)", oldID, res.Created["consumer.web"], seen)
	}
	if state != "available" {
		t.Errorf("when %s was deleted, its replacement %s was %s, want available", oldID, seen, state)
	}
	e.converged(moved)
}

// A principal swap (checkout out, analytics in) adds before it removes.
func TestPrincipalSwapAddsFirst(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	e := spyEnv(t, sandbox.Options{AutoVerifyPrivateDNS: true}, func(form url.Values) {
		if form.Get("Action") != "ModifyVpcEndpointServicePermissions" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if form.Get("AddAllowedPrincipals.1") != "" {
			calls = append(calls, "add "+form.Get("AddAllowedPrincipals.1"))
		}
		if form.Get("RemoveAllowedPrincipals.1") != "" {
			calls = append(calls, "remove "+form.Get("RemoveAllowedPrincipals.1"))
		}
	})
	// no consumers: nothing orders the removal after an endpoint's delete
	head, _, _ := strings.Cut(orderHead, "consumers:")
	e.apply(writeManifest(t, "a.yaml", head))
	swapped := strings.Replace(head, "allowedPrincipals: [{account: checkout}]\n    connections: {acceptDeclared: true}\n  - name: ingest",
		"allowedPrincipals: [{account: analytics}]\n    connections: {acceptDeclared: true}\n  - name: ingest", 1)
	path := writeManifest(t, "b.yaml", swapped)
	mu.Lock()
	calls = nil
	mu.Unlock()
	e.apply(path)
	mu.Lock()
	got := strings.Join(calls, "; ")
	mu.Unlock()
	want := "add arn:aws:iam::333333333333:root; remove arn:aws:iam::222222222222:root"
	if got != want {
		t.Errorf("permission calls: %s, want %s", got, want)
	}
	e.converged(path)
}

func planChange(t *testing.T, p *plan.Plan, addr string) plan.Change {
	t.Helper()
	for _, c := range p.Changes {
		if c.Address == addr {
			return c
		}
	}
	t.Fatalf("no change %s in the plan", addr)
	return plan.Change{}
}

// When the replacement fails after its accept, the old endpoint is kept:
// the replace's last stage fails saying so, and the old endpoint is still
// there and available.
func TestReplaceKeepsOldWhenNewFails(t *testing.T) {
	var e *env
	armed := false
	var mu sync.Mutex
	e = spyEnvAfter(t, sandbox.Options{AutoVerifyPrivateDNS: true}, nil, func(form url.Values) {
		mu.Lock()
		defer mu.Unlock()
		if !armed || form.Get("Action") != "AcceptVpcEndpointConnections" {
			return
		}
		if err := e.srv.Sandbox.ForceEndpointState(form.Get("VpcEndpointId.1"), "failed"); err != nil {
			t.Errorf("force: %v", err)
		}
	})
	res := e.apply(writeManifest(t, "first.yaml", orderHead+"    provider: api\n"))
	old := res.Created["consumer.web"]
	mu.Lock()
	armed = true
	mu.Unlock()
	p, r := e.plan(writeManifest(t, "moved.yaml", orderHead+"    provider: ingest\n"))
	res, err := apply.Run(context.Background(), p, apply.FromClientSource(r), opts())
	if err == nil {
		t.Fatal("apply succeeded with a failed replacement")
	}
	var got *apply.ChangeResult
	for i := range res.Changes {
		if res.Changes[i].Address == "consumer.web" {
			got = &res.Changes[i]
		}
	}
	if got == nil || got.Status != apply.StatusFailed || got.Error == nil || !strings.Contains(got.Error.Message, "the old endpoint "+old+" was kept") {
		t.Fatalf("consumer.web: %+v", got)
	}
	out, err := e.srv.Clients(t, "checkout").EC2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{old}})
	if err != nil || len(out.VpcEndpoints) != 1 || strings.ToLower(string(out.VpcEndpoints[0].State)) != "available" {
		t.Errorf("old endpoint %s: %+v %v", old, out, err)
	}
}
