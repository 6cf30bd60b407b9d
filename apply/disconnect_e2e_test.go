package apply_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/plan"
)

// discoHead is a project whose provider api (payments, us-east-1) serves
// us-west-2 too; PRINCIPALS and CONNECTIONS are filled in per test.
const discoHead = `version: 1
project: disco
defaults: {region: us-east-1}
accounts:
  payments: {id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/plink"}
ACCOUNTS
providers:
  - name: api
    account: payments
    networkLoadBalancerArns: [arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1]
    acceptanceRequired: false
    REGIONS
    allowedPrincipals: PRINCIPALS
    connections: CONNECTIONS
`

func disco(accounts, regions, principals, connections, consumers string) string {
	r := strings.NewReplacer("ACCOUNTS", accounts, "REGIONS", regions, "PRINCIPALS", principals, "CONNECTIONS", connections)
	return r.Replace(discoHead) + consumers
}

const (
	acctCheckout  = `  checkout: {id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/plink"}`
	acctAnalytics = `  analytics: {id: "333333333333", roleArn: "arn:aws:iam::333333333333:role/plink"}`
)

// strayEndpoint creates, as another tool would, an endpoint in alias's
// region to the service svcName of us-east-1 and returns its id.
func (e *env) strayEndpoint(alias, region, vpc, subnet, svcName string) string {
	e.t.Helper()
	in := &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpc), ServiceName: aws.String(svcName), SubnetIds: []string{subnet},
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, PrivateDnsEnabled: aws.Bool(false)}
	if region != "us-east-1" {
		in.ServiceRegion = aws.String("us-east-1")
	}
	out, err := e.srv.Clients(e.t, alias, region).EC2.CreateVpcEndpoint(context.Background(), in)
	if err != nil {
		e.t.Fatalf("create endpoint in %s/%s: %v", alias, region, err)
	}
	return aws.ToString(out.VpcEndpoint.VpcEndpointId)
}

// svcNameOf is the live name of the project's service provider.api.
func (e *env) svcNameOf(res *apply.Result) string {
	e.t.Helper()
	out, err := e.srv.Clients(e.t, "payments").EC2.DescribeVpcEndpointServiceConfigurations(context.Background(),
		&ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: []string{res.Created["provider.api"]}})
	if err != nil || len(out.ServiceConfigurations) != 1 {
		e.t.Fatalf("describe provider.api: %v", err)
	}
	return aws.ToString(out.ServiceConfigurations[0].ServiceName)
}

// connState is the state of endpoint id's connection as the provider sees it.
func (e *env) connState(id string) string {
	e.t.Helper()
	out, err := e.srv.Clients(e.t, "payments").EC2.DescribeVpcEndpointConnections(context.Background(), &ec2.DescribeVpcEndpointConnectionsInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-endpoint-id"), Values: []string{id}}}})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, c := range out.VpcEndpointConnections {
		if aws.ToString(c.VpcEndpointId) == id {
			return strings.ToLower(string(c.VpcEndpointState))
		}
	}
	return ""
}

// findDiag returns the diagnostic with code, failing the test without one.
func findDiag(t *testing.T, p *plan.Plan, code string) plan.Diagnostic {
	t.Helper()
	for _, d := range p.Diagnostics {
		if d.Code == code {
			return d
		}
	}
	t.Fatalf("no %s in %v", code, p.Diagnostics)
	return plan.Diagnostic{}
}

// mutations counts the mutating calls the sandbox saw since the last reset.
func (e *env) mutations() []string {
	var out []string
	for _, c := range e.srv.Sandbox.Calls() {
		if c.Mutating {
			out = append(out, c.Action)
		}
	}
	return out
}

// Removing a region from supportedRegions while an undeclared endpoint is
// connected from there is a disconnect: PL225 without --allow-disconnect,
// a listed and counted reject with it; apply carries it out and the next
// plan has no changes.
func TestRegionRemovalIsADisconnect(t *testing.T) {
	e := newEnv(t)
	before := writeManifest(t, "a.yaml", disco(acctCheckout, "supportedRegions: [us-west-2]", "[{account: checkout}]", "{}", ""))
	res := e.apply(before)
	stray := e.strayEndpoint("checkout", "us-west-2", "vpc-02200000000000001", "subnet-0220000000000000a", e.svcNameOf(res))
	if st := e.connState(stray); st != "available" {
		t.Fatalf("stray endpoint %s is %q", stray, st)
	}

	after := writeManifest(t, "b.yaml", disco(acctCheckout, "", "[{account: checkout}]", "{}", ""))
	e.srv.Sandbox.ResetCalls()
	p := e.planOf(after)
	d := findDiag(t, p, plan.CodeDisconnect)
	if d.Severity != plan.SeverityError || !strings.Contains(d.Message, stray+" of account checkout (222222222222)") ||
		!strings.Contains(d.Message, "us-west-2") || !strings.Contains(d.Hint, "--allow-disconnect") || !strings.Contains(d.Hint, "supportedRegions") {
		t.Errorf("diagnostic = %+v", d)
	}
	if m := e.mutations(); len(m) > 0 {
		t.Errorf("planning made mutating calls: %v", m)
	}

	e.planOpts.AllowDisconnect = true
	p, _ = e.plan(after)
	rej := planChange(t, p, "provider.api.connection["+stray+"]")
	if rej.Action != plan.Reject || !strings.Contains(rej.Reason, "us-west-2 is removed from supportedRegions") || len(rej.Breaks) == 0 {
		t.Errorf("reject = %+v", rej)
	}
	if s := p.Summary(); s.Reject != 1 || s.Change != 1 {
		t.Errorf("summary = %+v, want 1 to change and 1 to reject", s)
	}
	e.apply(after)
	if st := e.connState(stray); st != "rejected" {
		t.Errorf("stray connection is %q after apply, want rejected", st)
	}
	e.converged(after)
}

// Removing an allowed principal while rejectUndeclared would then reject
// an available endpoint the manifest does not declare is a disconnect too.
func TestPrincipalRemovalWithRejectUndeclaredIsADisconnect(t *testing.T) {
	e := newEnv(t)
	accounts := acctCheckout + "\n" + acctAnalytics
	before := writeManifest(t, "a.yaml", disco(accounts, "", "[{account: checkout}, {account: analytics}]", "{rejectUndeclared: true}", ""))
	res := e.apply(before)
	stray := e.strayEndpoint("analytics", "us-east-1", "vpc-03100000000000001", "subnet-0310000000000000a", e.svcNameOf(res))
	e.converged(before) // allowed: no reject

	after := writeManifest(t, "b.yaml", disco(accounts, "", "[{account: checkout}]", "{rejectUndeclared: true}", ""))
	p := e.planOf(after)
	d := findDiag(t, p, plan.CodeDisconnect)
	if !strings.Contains(d.Message, stray+" of account analytics (333333333333) (available)") || !strings.Contains(d.Message, "rejectUndeclared") ||
		!strings.Contains(d.Hint, "--allow-disconnect") {
		t.Errorf("diagnostic = %+v", d)
	}
	e.planOpts.AllowDisconnect = true
	p, _ = e.plan(after)
	if s := p.Summary(); s.Reject != 1 || s.Destroy != 1 {
		t.Errorf("summary = %+v, want the principal removed and one reject", s)
	}
	e.apply(after)
	if st := e.connState(stray); st != "rejected" {
		t.Errorf("stray connection is %q after apply, want rejected", st)
	}
	e.converged(after)
}

// An account that leaves the manifest while the project's endpoint there
// is connected: the probe's move of consumer use-1 to another account in
// the same edit. Plan refuses (PL233) and says the order; following it
// converges with the old endpoint deleted. A customer's account that the
// manifest admits by ARN is never reported; one whose principal is removed
// needs --allow-disconnect, and its connection, left open, is reported by
// later plans (PL032).
func TestAccountLeavingTheManifest(t *testing.T) {
	e := newEnv(t)
	consumer := func(acct, vpc, subnet string) string {
		return "consumers:\n  - name: use-1\n    account: " + acct + "\n    vpcId: " + vpc + "\n    subnetIds: [" + subnet + "]\n    provider: api\n"
	}
	inCheckout := consumer("checkout", "vpc-02100000000000001", "subnet-0210000000000000a")
	inAnalytics := consumer("analytics", "vpc-03100000000000001", "subnet-0310000000000000a")
	both := acctCheckout + "\n" + acctAnalytics
	first := writeManifest(t, "1.yaml", disco(both, "", "[{account: checkout}, {account: analytics}]", "{}", inCheckout))
	res := e.apply(first)
	old := res.Created["consumer.use-1"]

	moved := writeManifest(t, "2.yaml", disco(acctAnalytics, "", "[{account: analytics}]", "{}", inAnalytics))
	e.srv.Sandbox.ResetCalls()
	p := e.planOf(moved)
	d := findDiag(t, p, plan.CodeAccountLeaves)
	if d.Severity != plan.SeverityError || !strings.Contains(d.Message, old+" of account 222222222222 (available)") ||
		!strings.Contains(d.Hint, "keep the account") || !strings.Contains(d.Hint, "then remove the account") {
		t.Errorf("diagnostic = %+v", d)
	}
	if m := e.mutations(); len(m) > 0 {
		t.Errorf("planning made mutating calls: %v", m)
	}

	// the order the hint gives: move the consumer with the account kept...
	step := writeManifest(t, "2a.yaml", disco(both, "", "[{account: checkout}, {account: analytics}]", "{}", inAnalytics))
	e.apply(step)
	if st := e.connState(old); st != "" && st != "deleted" {
		t.Errorf("the old use-1 endpoint %s is %s, want deleted", old, st)
	}
	// ...then remove the account
	e.apply(moved)
	e.converged(moved)

	// A customer admitted by ARN (checkout, not in the manifest) is not an error.
	customer := writeManifest(t, "3.yaml", disco(acctAnalytics, "", "[{account: analytics}, {arn: \"arn:aws:iam::222222222222:root\"}]", "{}", inAnalytics))
	e.apply(customer)
	stray := e.strayEndpoint("checkout", "us-east-1", "vpc-02100000000000001", "subnet-0210000000000000b", e.svcNameOf(res))
	e.converged(customer)
	// Offboarding it needs consent, and then its open connection is said.
	p = e.planOf(moved)
	if d := findDiag(t, p, plan.CodeAccountLeaves); !strings.Contains(d.Message, stray) {
		t.Errorf("offboarding: %+v", d)
	}
	e.planOpts.AllowDisconnect = true
	e.apply(moved)
	e.planOpts.AllowDisconnect = false
	p, _ = e.plan(moved)
	if d := findDiag(t, p, plan.CodeForeignOpen); d.Severity != plan.SeverityWarning || !strings.Contains(d.Message, stray) {
		t.Errorf("after offboarding: %+v", d)
	}
	if p.HasChanges() {
		t.Errorf("after offboarding the plan has changes: %+v", p.Summary())
	}
}

// A provider renamed without renamedFrom on the same load balancer: AWS
// refuses a second service on it and apply creates before it deletes, so
// plan refuses (PL224) with the renamedFrom hint and nothing is changed;
// with renamedFrom the rename applies in one run and the next has no
// changes.
func TestProviderRenamedWithoutRenamedFromIsRefused(t *testing.T) {
	e := newEnv(t)
	first := writeManifest(t, "a.yaml", disco(acctCheckout, "", "[{account: checkout}]", "{}", ""))
	res := e.apply(first)
	svcID := res.Created["provider.api"]

	renamed := strings.Replace(disco(acctCheckout, "", "[{account: checkout}]", "{}", ""), "  - name: api\n", "  - name: api-v2\n", 1)
	e.srv.Sandbox.ResetCalls()
	p := e.planOf(writeManifest(t, "b.yaml", renamed))
	d := findDiag(t, p, plan.CodeLBFreedLater)
	if d.Severity != plan.SeverityError || d.Address != "provider.api-v2" || !strings.Contains(d.Message, svcID) ||
		!strings.Contains(d.Hint, "renamedFrom: [api]") {
		t.Errorf("diagnostic = %+v", d)
	}
	if m := e.mutations(); len(m) > 0 {
		t.Errorf("planning made mutating calls: %v", m)
	}

	fixed := writeManifest(t, "c.yaml", strings.Replace(renamed, "  - name: api-v2\n", "  - name: api-v2\n    renamedFrom: [api]\n", 1))
	res = e.apply(fixed)
	if s := res.Summary(); s.Changed != 1 || s.Added != 0 || s.Destroyed != 0 {
		t.Errorf("summary %+v, want the service renamed in place", s)
	}
	e.converged(fixed)
}
