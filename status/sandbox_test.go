package status_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
	"github.com/plinkdev/plink/status"
)

const paymentsNLB = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"

const e2eManifest = `version: 1
project: status-e2e
defaults: { region: us-east-1, tags: { team: platform } }
accounts:
  payments: { id: "111111111111" }
  checkout: { id: "222222222222" }
  analytics: { id: "333333333333" }
providers:
  - name: payments-api
    account: payments
    networkLoadBalancerArns: ["` + paymentsNLB + `"]
    acceptanceRequired: true
    allowedPrincipals: [{ account: checkout }, { account: analytics }]
consumers:
  - name: checkout-payments
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b, subnet-0210000000000000c]
    securityGroupIds: [sg-02100000000000001]
    provider: payments-api
  - name: analytics-s3
    account: analytics
    vpcId: vpc-03100000000000001
    subnetIds: [subnet-0310000000000000a]
    securityGroupIds: [sg-03100000000000001]
    serviceName: com.amazonaws.us-east-1.s3
`

type env struct {
	t   *testing.T
	srv *sandboxtest.Server
	m   *manifest.Manifest
	lv  live.APISource
	st  status.APIs
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := sandboxtest.Start(t)
	m, err := manifest.Parse("status.yaml", []byte(e2eManifest))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, m: m}
	e.lv = live.APISourceFunc(func(_ context.Context, account, region string) (live.EC2API, live.ELBAPI, error) {
		c := srv.Clients(t, account, region)
		return c.EC2, c.ELB, nil
	})
	e.st = func(_ context.Context, account, region string) (status.EC2API, status.ELBAPI, status.CloudWatchAPI, error) {
		c := srv.Clients(t, account, region)
		return c.EC2, c.ELB, cloudwatch.NewFromConfig(srv.ConfigRegion(t, account, region)), nil
	}
	s, _ := live.ReadAPIs(context.Background(), m, e.lv, live.ReadOptions{})
	clients := apply.ClientsFunc(func(_ context.Context, account, region string) (apply.EC2API, error) {
		return srv.Clients(t, account, region).EC2, nil
	})
	if _, err := apply.Run(context.Background(), plan.Compute(m, s, plan.Options{}), clients, apply.Options{PollInterval: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) report(opts status.ReadOptions, copts status.Options) (*status.Snapshot, *status.Report) {
	e.t.Helper()
	ctx := context.Background()
	lv, err := live.ReadAPIs(ctx, e.m, e.lv, live.ReadOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	snap, err := status.ReadAPIs(ctx, lv, e.st, opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return snap, status.Compute(e.m, snap, copts)
}

func (e *env) endpoint(consumer string) live.Endpoint {
	e.t.Helper()
	lv, _ := live.ReadAPIs(context.Background(), e.m, e.lv, live.ReadOptions{})
	for _, ep := range lv.Endpoints {
		if ep.Tags[live.TagName] == consumer {
			return ep
		}
	}
	e.t.Fatalf("no endpoint of consumer %s", consumer)
	return live.Endpoint{}
}

func kinds(r *status.Report) string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, string(f.Severity)+":"+f.Kind)
	}
	return strings.Join(out, " ")
}

func text(r *status.Report) string {
	var b bytes.Buffer
	_ = status.Text(&b, r)
	return b.String()
}

// TestZoneAndMetricsFindings is the demo of docs/status.md: break a zone's
// targets and make an endpoint drop packets, then status names both with
// the consumers affected and exits 2; restore, exit 0.
func TestZoneAndMetricsFindings(t *testing.T) {
	e := newEnv(t)
	ep := e.endpoint("checkout-payments")
	s3 := e.endpoint("analytics-s3")
	for _, id := range []string{ep.ID, s3.ID} {
		if err := e.srv.Sandbox.SetEndpointMetric(id, status.MetricBytesProcessed, 1000); err != nil {
			t.Fatal(err)
		}
	}

	// Healthy but for analytics, allowed and without an endpoint (info).
	_, r := e.report(status.ReadOptions{}, status.Options{})
	if got := kinds(r); got != "info:unused_principal" || r.ExitCode() != 0 {
		t.Fatalf("healthy: findings %q, exit %d\n%s", got, r.ExitCode(), text(r))
	}

	// use1-az4 is us-east-1c to payments, us-east-1b (subnet b) to checkout.
	if err := e.srv.Sandbox.ForceTargetHealth(paymentsNLB, "use1-az4", "unhealthy"); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Sandbox.SetEndpointMetric(ep.ID, status.MetricPacketsDropped, 4); err != nil {
		t.Fatal(err)
	}
	snap, r := e.report(status.ReadOptions{}, status.Options{})
	if got := kinds(r); got != "error:target_health warning:packets_dropped info:unused_principal" {
		t.Fatalf("broken: findings %q\n%s", got, text(r))
	}
	th := r.Findings[0]
	if th.ZoneID != "use1-az4" || len(th.Consumers) != 1 || th.Consumers[0].EndpointID != ep.ID || th.Consumers[0].AccountID != "222222222222" ||
		th.Consumers[0].Consumer != "checkout-payments" || len(th.TargetGroups) != 1 || !strings.Contains(th.TargetGroups[0], "targetgroup/payments-api-tg/") {
		t.Errorf("target_health finding = %+v", th)
	}
	if pd := r.Findings[1]; pd.Value != 240 || pd.Resource != ep.ID || !strings.Contains(pd.Hint, "sg-02100000000000001") {
		t.Errorf("packets_dropped finding = %+v (4 a minute for an hour is 240)", pd)
	}
	if r.ExitCode() != 2 || r.Summary.Verdict != status.VerdictFindings {
		t.Errorf("exit code %d, verdict %q, want 2, findings", r.ExitCode(), r.Summary.Verdict)
	}
	if r.Settle("error"); r.ExitCode() != 2 || r.Summary.FailOn != "error" {
		t.Errorf("--fail-on error: exit code %d, summary %+v, want 2", r.ExitCode(), r.Summary)
	}
	r.Settle("warning")
	out := text(r)
	for _, want := range []string{"use1-az4", ep.ID, "account 222222222222 (consumer checkout-payments)", "hint:", "Findings: 1 error, 1 warning"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	validate(t, r)
	// The pure function plan and drift call gives the same zone finding.
	if zf := status.ZoneFindings(snap.Live, snap.LoadBalancers); len(zf) != 1 || zf[0].ZoneID != "use1-az4" {
		t.Errorf("ZoneFindings = %+v", zf)
	}

	// Cross-zone on: the other zones' targets serve use1-az4's consumers.
	if err := e.srv.Sandbox.ForceCrossZone(paymentsNLB, true); err != nil {
		t.Fatal(err)
	}
	if _, r = e.report(status.ReadOptions{}, status.Options{FailOn: "error"}); kinds(r) != "warning:packets_dropped info:unused_principal" || r.ExitCode() != 0 ||
		status.SummaryLine(r) != "Healthy: no finding at or above error (0 error, 1 warning, 1 info); endpoints cost $29.20 a month." {
		t.Errorf("cross-zone on: %q, exit --fail-on error %d, %q", kinds(r), r.ExitCode(), status.SummaryLine(r))
	}
	// No healthy target anywhere: cross-zone does not help.
	if err := e.srv.Sandbox.ForceTargetHealth(paymentsNLB, "", "unhealthy"); err != nil {
		t.Fatal(err)
	}
	if _, r = e.report(status.ReadOptions{}, status.Options{}); strings.Count(kinds(r), "target_health") != 3 {
		t.Errorf("no healthy target: %q, want one target_health per zone of the consumer", kinds(r))
	}

	// Restore.
	if err := e.srv.Sandbox.ForceTargetHealth(paymentsNLB, "", "healthy"); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Sandbox.SetEndpointMetric(ep.ID, status.MetricPacketsDropped, 0); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Sandbox.SetEndpointMetric(ep.ID, status.MetricRstPacketsReceived, 2); err != nil {
		t.Fatal(err)
	}
	if _, r = e.report(status.ReadOptions{}, status.Options{}); kinds(r) != "warning:resets info:unused_principal" {
		t.Errorf("resets: %q", kinds(r))
	}
	if err := e.srv.Sandbox.SetEndpointMetric(ep.ID, status.MetricRstPacketsReceived, 0); err != nil {
		t.Fatal(err)
	}
	if _, r = e.report(status.ReadOptions{}, status.Options{}); kinds(r) != "info:unused_principal" || r.ExitCode() != 0 {
		t.Errorf("restored: %q", kinds(r))
	}
}

// TestAudit covers the audit: idle, broken, service gone, pending too long,
// unused principals and the cost by tag — and the calls it takes.
func TestAudit(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ep := e.endpoint("checkout-payments")
	if err := e.srv.Sandbox.SetEndpointMetric(ep.ID, status.MetricBytesProcessed, 10); err != nil {
		t.Fatal(err)
	}
	// Another service, not the project's, that an endpoint of the project
	// (tagged for it, no longer in the manifest) connects to from
	// checkout's VPC, and that is then deleted.
	pay := e.srv.Clients(t, "analytics").EC2
	chk := e.srv.Clients(t, "checkout").EC2
	other, err := pay.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{"arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/net/analytics-ingest/031000000005c0c1"}, AcceptanceRequired: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	otherID := aws.ToString(other.ServiceConfiguration.ServiceId)
	if _, err := pay.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: aws.String(otherID),
		AddAllowedPrincipals: []string{"arn:aws:iam::222222222222:root"}}); err != nil {
		t.Fatal(err)
	}
	orphan, err := chk.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: ec2types.VpcEndpointTypeInterface,
		VpcId: aws.String("vpc-02100000000000001"), ServiceName: other.ServiceConfiguration.ServiceName, SubnetIds: []string{"subnet-0210000000000000a"},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcEndpoint,
			Tags: []ec2types.Tag{{Key: aws.String(live.TagProject), Value: aws.String("status-e2e")}, {Key: aws.String(live.TagName), Value: aws.String("retired")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Sandbox.ForceServiceState(otherID, "Deleted"); err != nil {
		t.Fatal(err)
	}
	// An endpoint from analytics to the project's service, never accepted.
	ana := e.srv.Clients(t, "analytics").EC2
	lv, _ := live.ReadAPIs(ctx, e.m, e.lv, live.ReadOptions{})
	var svcName string
	for _, s := range lv.Services {
		svcName = s.Name
	}
	waiting, err := ana.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: ec2types.VpcEndpointTypeInterface,
		VpcId: aws.String("vpc-03100000000000001"), ServiceName: aws.String(svcName), SubnetIds: []string{"subnet-0310000000000000b"}})
	if err != nil {
		t.Fatal(err)
	}

	e.srv.Sandbox.ResetCalls()
	// Two days on: the pending connection is old, and the s3 endpoint (no
	// bytes) and the waiting one have been idle for the whole window.
	snap, r := e.report(status.ReadOptions{Now: time.Now().Add(48 * time.Hour)}, status.Options{GroupByTags: []string{"team"}})
	want := "error:service_gone warning:broken_endpoint warning:idle warning:pending_acceptance"
	if got := kinds(r); got != want {
		t.Fatalf("findings %q, want %q\n%s", got, want, text(r))
	}
	byKind := map[string]status.Finding{}
	for _, f := range r.Findings {
		byKind[f.Kind] = f
	}
	if f := byKind["service_gone"]; f.Resource != aws.ToString(orphan.VpcEndpoint.VpcEndpointId) || f.MonthlyCost != 7.3 {
		t.Errorf("service_gone = %+v", f)
	}
	if f := byKind["broken_endpoint"]; f.Resource != aws.ToString(orphan.VpcEndpoint.VpcEndpointId) || !strings.Contains(f.Message, "rejected") ||
		!strings.Contains(f.Hint, `run plink apply: it is tagged for project status-e2e but no consumer of the manifest is named "retired", so apply deletes it`) {
		t.Errorf("broken_endpoint = %+v", f)
	}
	if f := byKind["idle"]; f.Resource != e.endpoint("analytics-s3").ID || f.MonthlyCost != 7.3 ||
		f.Hint != "if nobody uses it, remove consumer analytics-s3 from the manifest and run plink apply; or widen --since to be sure" {
		t.Errorf("idle = %+v", f)
	}
	if f := byKind["pending_acceptance"]; f.Resource != aws.ToString(waiting.VpcEndpoint.VpcEndpointId) || !strings.Contains(f.Message, "analytics (333333333333)") || !strings.Contains(f.Message, "2 days") {
		t.Errorf("pending_acceptance = %+v", f)
	}
	// Cost: the project's endpoints only — checkout-payments 3 AZs,
	// analytics-s3 1, the retired one 1. The waiting endpoint, in
	// analytics' consumer VPC but untagged, is not the project's.
	if r.Cost.Monthly != round(7.3*5) {
		t.Errorf("monthly cost = %v, want %v\n%+v", r.Cost.Monthly, round(7.3*5), r.Cost)
	}
	team := r.Cost.ByTag["team"]
	if len(team) != 2 || team[0].Key != "(untagged)" || team[0].Endpoints != 1 || team[1].Key != "platform" || team[1].Endpoints != 2 || team[1].AZs != 4 {
		t.Errorf("cost by tag team = %+v", team)
	}
	if c := r.Cost.ByConsumer; len(c) != 3 || c[0].Key != "(not in the manifest) "+aws.ToString(orphan.VpcEndpoint.VpcEndpointId) {
		t.Errorf("cost by consumer = %+v", c)
	}
	validate(t, r)

	// One call per API and account-region, except where AWS has no batch form.
	calls := map[string]int{}
	for _, c := range e.srv.Sandbox.Calls() {
		switch c.Action {
		case "DescribeTargetGroups", "DescribeTargetHealth", "DescribeLoadBalancerAttributes", "GetMetricData":
			calls[c.Action+" "+c.Account] += c.Count
		}
	}
	for k, n := range map[string]int{
		"DescribeTargetGroups 111111111111": 1, "DescribeTargetHealth 111111111111": 1, "DescribeLoadBalancerAttributes 111111111111": 1,
		"GetMetricData 111111111111": 1, "GetMetricData 222222222222": 1, "GetMetricData 333333333333": 1,
	} {
		if calls[k] != n {
			t.Errorf("%s: %d calls, want %d (all: %v)", k, calls[k], n, calls)
		}
	}
	// status's own calls (live's DescribeVpcEndpointServices are apart):
	// one per account-region with endpoints.
	wantCalls := map[string]int{"DescribeTargetGroups": 1, "DescribeTargetHealth": 1, "DescribeLoadBalancerAttributes": 1, "GetMetricData": 3, "DescribeVpcEndpointServices": 2}
	for k, n := range wantCalls {
		if snap.Calls[k] != n {
			t.Errorf("status made %d %s calls, want %d (all: %v)", snap.Calls[k], k, n, snap.Calls)
		}
	}
}

func round(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

func TestReadFailure(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	lv, err := live.ReadAPIs(ctx, e.m, e.lv, live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	deny := func(_ context.Context, account, region string) (status.EC2API, status.ELBAPI, status.CloudWatchAPI, error) {
		if account == "checkout" {
			return nil, nil, nil, errors.New("AccessDenied: not authorized")
		}
		return e.st(ctx, account, region)
	}
	snap, err := status.ReadAPIs(ctx, lv, deny, status.ReadOptions{})
	var re *live.ReadError
	if !errors.As(err, &re) || len(re.Failures) != 1 || re.Failures[0].Account != "checkout" {
		t.Fatalf("err = %v, want one failure naming checkout", err)
	}
	r := status.Compute(e.m, snap, status.Options{})
	if r.ExitCode() != 1 || r.Summary.Verdict != status.VerdictIncomplete || r.Summary.Failed != 1 ||
		!strings.Contains(text(r), "failed: Clients in account checkout (222222222222) region us-east-1") {
		t.Errorf("exit %d, summary %+v\n%s", r.ExitCode(), r.Summary, text(r))
	}
	if got := status.SummaryLine(r); !strings.HasPrefix(got, "Incomplete: 1 read failed (account checkout (222222222222)); in what was read: ") {
		t.Errorf("summary line %q", got)
	}

	// A scope live could not start reading (its clients failed) is named
	// once, by live's failure: status does not ask for it again.
	lv.Failures = []live.Failure{{Account: "checkout", AccountID: "222222222222", Region: "us-east-1", Call: "Clients", Error: "cannot assume role"}}
	asked := map[string]bool{}
	var askedMu sync.Mutex // scopes are read concurrently
	count := func(_ context.Context, account, region string) (status.EC2API, status.ELBAPI, status.CloudWatchAPI, error) {
		askedMu.Lock()
		asked[account] = true
		askedMu.Unlock()
		return deny(ctx, account, region)
	}
	snap, err = status.ReadAPIs(ctx, lv, count, status.ReadOptions{})
	askedMu.Lock()
	defer askedMu.Unlock()
	if err != nil || asked["checkout"] || !asked["payments"] || len(snap.Failures) != 0 {
		t.Errorf("after live's failure: err %v, asked %v, status's failures %+v", err, asked, snap.Failures)
	}
	if r := status.Compute(e.m, snap, status.Options{}); r.ExitCode() != 1 || len(r.Failures) != 1 || r.Failures[0].Account != "checkout" {
		t.Errorf("after live's failure: exit %d, failures %+v", r.ExitCode(), r.Failures)
	}
	validate(t, r)
}

func validate(t *testing.T, r *status.Report) {
	t.Helper()
	c := jsonschema.NewCompiler()
	sch, err := c.Compile("../schemas/status.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, render := range map[string]func(*bytes.Buffer) error{
		"json": func(b *bytes.Buffer) error { return status.JSON(b, r) },
	} {
		var buf bytes.Buffer
		if err := render(&buf); err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(doc); err != nil {
			t.Errorf("%s: report does not match schemas/status.schema.json: %v", name, err)
		}
	}
	var md bytes.Buffer
	if err := status.Markdown(&md, r); err != nil || !strings.Contains(md.String(), "## plink status: status-e2e") {
		t.Errorf("markdown: %v\n%s", err, md.String())
	}
}

// TestEndpointAgeAndOwnership: an endpoint younger than the window is not
// idle, by its own CreationTimestamp (analytics-s3 connects to no service
// of the manifest, so no connection says when it was made); it is once
// the window has passed. Endpoints of another project, and untagged ones
// not adopted, in the consumers' VPCs are listed apart: not findings, not
// cost, and the run is healthy (exit 0).
func TestEndpointAgeAndOwnership(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if err := e.srv.Sandbox.SetEndpointMetric(e.endpoint("checkout-payments").ID, status.MetricBytesProcessed, 10); err != nil {
		t.Fatal(err)
	}
	s3 := e.endpoint("analytics-s3")
	if s3.Created.IsZero() {
		t.Fatalf("analytics-s3 %s: no CreationTimestamp read", s3.ID)
	}
	_, r := e.report(status.ReadOptions{}, status.Options{})
	if got := kinds(r); got != "info:unused_principal" || r.ExitCode() != 0 {
		t.Fatalf("a fresh endpoint: findings %q, exit %d\n%s", got, r.ExitCode(), text(r))
	}
	_, r = e.report(status.ReadOptions{Now: time.Now().Add(2 * time.Hour)}, status.Options{})
	if got := kinds(r); got != "warning:idle info:unused_principal" || r.Findings[0].Resource != s3.ID || r.ExitCode() != 2 {
		t.Fatalf("two hours on: findings %q, exit %d\n%s", got, r.ExitCode(), text(r))
	}
	if err := e.srv.Sandbox.SetEndpointMetric(s3.ID, status.MetricBytesProcessed, 10); err != nil {
		t.Fatal(err)
	}

	// Another project's endpoint in checkout's VPC, idle, and an untagged
	// one there whose service is then deleted.
	chk := e.srv.Clients(t, "checkout").EC2
	theirs, err := chk.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: ec2types.VpcEndpointTypeInterface,
		VpcId: aws.String("vpc-02100000000000001"), ServiceName: aws.String("com.amazonaws.us-east-1.s3"), SubnetIds: []string{"subnet-0210000000000000a"},
		PrivateDnsEnabled: aws.Bool(false),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcEndpoint,
			Tags: []ec2types.Tag{{Key: aws.String(live.TagProject), Value: aws.String("someone-else")}, {Key: aws.String(live.TagName), Value: aws.String("their-s3")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	ana := e.srv.Clients(t, "analytics").EC2
	svc, err := ana.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{"arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/net/analytics-ingest/031000000005c0c1"}, AcceptanceRequired: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ana.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: svc.ServiceConfiguration.ServiceId,
		AddAllowedPrincipals: []string{"arn:aws:iam::222222222222:root"}}); err != nil {
		t.Fatal(err)
	}
	untagged, err := chk.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: ec2types.VpcEndpointTypeInterface,
		VpcId: aws.String("vpc-02100000000000001"), ServiceName: svc.ServiceConfiguration.ServiceName, SubnetIds: []string{"subnet-0210000000000000b"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Sandbox.ForceServiceState(aws.ToString(svc.ServiceConfiguration.ServiceId), "Deleted"); err != nil {
		t.Fatal(err)
	}
	theirID, untaggedID := aws.ToString(theirs.VpcEndpoint.VpcEndpointId), aws.ToString(untagged.VpcEndpoint.VpcEndpointId)

	_, r = e.report(status.ReadOptions{Now: time.Now().Add(48 * time.Hour)}, status.Options{})
	if got := kinds(r); got != "info:unused_principal" || r.ExitCode() != 0 || r.Summary.Verdict != status.VerdictHealthy {
		t.Fatalf("others' endpoints: findings %q, exit %d\n%s", got, r.ExitCode(), text(r))
	}
	if r.Cost.Monthly != round(7.3*4) || len(r.Cost.ByConsumer) != 2 {
		t.Errorf("others' endpoints are costed: %+v", r.Cost)
	}
	others := map[string]status.OtherEndpoint{}
	for _, sc := range r.Scopes {
		for _, ep := range sc.Endpoints {
			if ep.ID == theirID || ep.ID == untaggedID {
				t.Errorf("%s is listed among the project's endpoints", ep.ID)
			}
		}
		for _, o := range sc.OtherEndpoints {
			others[o.ID] = o
		}
	}
	if o := others[theirID]; o.Project != "someone-else" || o.VPCID != "vpc-02100000000000001" || o.ServiceName != "com.amazonaws.us-east-1.s3" {
		t.Errorf("another project's endpoint listed as %+v", o)
	}
	if o, ok := others[untaggedID]; !ok || o.Project != "" {
		t.Errorf("the untagged endpoint listed as %+v (listed: %v)", o, ok)
	}
	out := text(r)
	for _, want := range []string{"Other endpoints in these VPCs (not this project's: not audited, not costed):", theirID + "  vpc-02100000000000001", "project someone-else", "untagged",
		"Healthy: no finding at or above warning (0 error, 0 warning, 1 info); endpoints cost $29.20 a month."} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "remove its consumer") || strings.Contains(out, "(not in the manifest)") {
		t.Errorf("text treats another's endpoint as the project's:\n%s", out)
	}
	var md bytes.Buffer
	if err := status.Markdown(&md, r); err != nil || !strings.Contains(md.String(), "### Other endpoints in these VPCs") || !strings.Contains(md.String(), "`"+untaggedID+"`") {
		t.Errorf("markdown: %v\n%s", err, md.String())
	}
	validate(t, r)
}
