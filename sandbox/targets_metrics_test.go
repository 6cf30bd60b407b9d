package sandbox_test

import (
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/plinkdev/plink/sandbox"
)

const paymentsTGEast = "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/payments-api-tg/011000000005c0c1"

func TestTargetGroupsAndHealth(t *testing.T) {
	srv := start(t)
	elb := srv.Clients(t, "payments").ELB

	all, err := elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{})
	must(t, err)
	if len(all.TargetGroups) != 1 || aws.ToString(all.TargetGroups[0].TargetGroupArn) != paymentsTGEast {
		t.Fatalf("target groups = %+v, want the default one of payments-api", all.TargetGroups)
	}
	tg := all.TargetGroups[0]
	if tg.LoadBalancerArns[0] != paymentsNLBEast || tg.Protocol != elbtypes.ProtocolEnumTcp || aws.ToString(tg.VpcId) != paymentsVPCEast {
		t.Errorf("target group = %+v", tg)
	}
	byLB, err := elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(paymentsNLBEast)})
	must(t, err)
	if len(byLB.TargetGroups) != 1 {
		t.Errorf("by load balancer: %d groups", len(byLB.TargetGroups))
	}
	_, err = elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(paymentsNLBWest)})
	wantCode(t, err, "LoadBalancerNotFound") // another region's
	_, err = elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{strings.Replace(paymentsTGEast, "c0c1", "c0c9", 1)}})
	wantCode(t, err, "TargetGroupNotFound")
	_, err = elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(paymentsNLBEast), Names: []string{"x"}})
	wantCode(t, err, "ValidationError")

	health := func() map[string]string {
		out, err := elb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(paymentsTGEast)})
		must(t, err)
		m := map[string]string{}
		for _, d := range out.TargetHealthDescriptions {
			m[aws.ToString(d.Target.AvailabilityZone)] = string(d.TargetHealth.State)
		}
		return m
	}
	if h := health(); len(h) != 3 || h["us-east-1a"] != "healthy" || h["us-east-1c"] != "healthy" {
		t.Fatalf("health = %v, want one healthy target in each of a, b, c", h)
	}
	// use1-az4 is us-east-1c in payments' mapping.
	must(t, srv.Sandbox.ForceTargetHealth(paymentsNLBEast, "use1-az4", "unhealthy"))
	if h := health(); h["us-east-1c"] != "unhealthy" || h["us-east-1a"] != "healthy" {
		t.Fatalf("after forcing use1-az4 unhealthy: %v", h)
	}
	out, err := elb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(paymentsTGEast)})
	must(t, err)
	for _, d := range out.TargetHealthDescriptions {
		if d.TargetHealth.State == elbtypes.TargetHealthStateEnumUnhealthy && d.TargetHealth.Reason != elbtypes.TargetHealthReasonEnumFailedHealthChecks {
			t.Errorf("unhealthy reason = %q", d.TargetHealth.Reason)
		}
	}
	_, err = elb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(paymentsTGEast), Targets: []elbtypes.TargetDescription{{Id: aws.String("i-nope")}}})
	wantCode(t, err, "InvalidTarget")

	cross := func() string {
		out, err := elb.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(paymentsNLBEast)})
		must(t, err)
		for _, a := range out.Attributes {
			if aws.ToString(a.Key) == "load_balancing.cross_zone.enabled" {
				return aws.ToString(a.Value)
			}
		}
		return ""
	}
	if c := cross(); c != "false" {
		t.Errorf("cross-zone = %q, want false (the NLB default)", c)
	}
	must(t, srv.Sandbox.ForceCrossZone(paymentsNLBEast, true))
	if c := cross(); c != "true" {
		t.Errorf("cross-zone after ForceCrossZone = %q", c)
	}
	_, err = elb.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(analyticsNLBEast)})
	wantCode(t, err, "LoadBalancerNotFound") // another account's

	// A deleted load balancer's groups are unused.
	must(t, srv.Sandbox.ForceLoadBalancerState(paymentsNLBEast, ""))
	if h := health(); h["us-east-1a"] != "unused" {
		t.Errorf("health after the load balancer is deleted = %v, want unused", h)
	}
}

func TestForceTargetsErrors(t *testing.T) {
	srv := start(t)
	for _, tc := range []struct{ arn, zone, state, want string }{
		{paymentsNLBEast, "", "sick", "unknown target health state"},
		{"arn:nope", "", "healthy", "no target group arn:nope"},
		{paymentsNLBEast, "use1-az9", "healthy", `no zone "use1-az9"`},
	} {
		err := srv.Sandbox.ForceTargetHealth(tc.arn, tc.zone, tc.state)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ForceTargetHealth(%s, %s, %s) = %v, want %q", tc.arn, tc.zone, tc.state, err, tc.want)
		}
	}
	if err := srv.Sandbox.ForceCrossZone("arn:nope", true); err == nil || !strings.Contains(err.Error(), "no load balancer arn:nope") {
		t.Errorf("ForceCrossZone: %v", err)
	}
	if err := srv.Sandbox.SetMetric("nobody", "us-east-1", "N", "M", nil, 1); err == nil || !strings.Contains(err.Error(), `no account "nobody"`) {
		t.Errorf("SetMetric unknown account: %v", err)
	}
	if err := srv.Sandbox.SetMetric("payments", "eu-west-1", "N", "M", nil, 1); err == nil || !strings.Contains(err.Error(), "not served") {
		t.Errorf("SetMetric unknown region: %v", err)
	}
	if err := srv.Sandbox.SetMetric("payments", "us-east-1", "N", "M", nil, -1); err == nil || !strings.Contains(err.Error(), "0 or more") {
		t.Errorf("SetMetric negative: %v", err)
	}
	if err := srv.Sandbox.SetMetric("payments", "us-east-1", "", "M", nil, 1); err == nil {
		t.Error("SetMetric without a namespace succeeded")
	}
	if err := srv.Sandbox.SetEndpointMetric("vpce-0000", "BytesProcessed", 1); err == nil || !strings.Contains(err.Error(), "no endpoint vpce-0000") {
		t.Errorf("SetEndpointMetric: %v", err)
	}
	if err := srv.Sandbox.SetServiceMetric("vpce-svc-0000", "BytesProcessed", 1); err == nil || !strings.Contains(err.Error(), "no endpoint service") {
		t.Errorf("SetServiceMetric: %v", err)
	}
}

func TestWorldTargetValidation(t *testing.T) {
	w := sandbox.DefaultWorld()
	a := &w.Accounts[0]
	rw := a.Regions["us-east-1"]
	rw.TargetGroups = append(rw.TargetGroups,
		sandbox.TargetGroup{Arn: "arn:aws:elasticloadbalancing:us-east-1:222222222222:targetgroup/x/0000000000000001"},
		sandbox.TargetGroup{Arn: "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/y/0000000000000002",
			TargetType: "lambdas", LoadBalancers: []string{"arn:nope"},
			Targets: []sandbox.Target{{ID: "i-1", AvailabilityZone: "us-east-1z", State: "sick"}, {AvailabilityZone: "all"}}},
	)
	a.Regions["us-east-1"] = rw
	w.Metrics = []sandbox.MetricSeries{{Account: "nobody", Region: "mars-1", Value: -1}}
	_, err := sandbox.New(w, sandbox.Options{})
	if err == nil {
		t.Fatal("New accepted a world with bad target groups and metrics")
	}
	for _, want := range []string{
		"targetgroup/x/0000000000000001\" must be arn:aws:elasticloadbalancing:us-east-1:111111111111",
		`targetType "lambdas"`,
		"load balancer arn:nope is not one of",
		`availabilityZone "us-east-1z"`,
		`state "sick"`,
		"a target has no id",
		`account "nobody"`,
		`region "mars-1"`,
		"namespace and metricName are required",
		"value -1 is negative",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestGetMetricData(t *testing.T) {
	clock := newClock()
	srv := start(t, sandbox.Options{Clock: clock.Now})
	c := srv.Clients(t, "checkout")
	pay := srv.Clients(t, "payments")
	svc := createService(t, pay.EC2)
	allow(t, pay.EC2, aws.ToString(svc.ServiceId), "arn:aws:iam::"+checkout+":root")
	ep, err := createEndpoint(c.EC2, checkoutVPCEast, aws.ToString(svc.ServiceName), checkoutSubnetsEast())
	must(t, err)
	id := aws.ToString(ep.VpcEndpointId)
	must(t, srv.Sandbox.SetEndpointMetric(id, "PacketsDropped", 3))
	must(t, srv.Sandbox.SetServiceMetric(aws.ToString(svc.ServiceId), "BytesProcessed", 100))

	cw := cloudwatch.NewFromConfig(srv.Config(t, "checkout"))
	dims := []cwtypes.Dimension{
		{Name: aws.String("Endpoint Type"), Value: aws.String("Interface")},
		{Name: aws.String("Service Name"), Value: svc.ServiceName},
		{Name: aws.String("VPC Endpoint Id"), Value: aws.String(id)},
		{Name: aws.String("VPC Id"), Value: aws.String(checkoutVPCEast)},
	}
	q := func(qid, metric, stat string, d []cwtypes.Dimension, period int32) cwtypes.MetricDataQuery {
		return cwtypes.MetricDataQuery{Id: aws.String(qid), MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{Namespace: aws.String(sandbox.NamespaceEndpoints), MetricName: aws.String(metric), Dimensions: d},
			Period: aws.Int32(period), Stat: aws.String(stat)}}
	}
	end := clock.Now()
	out, err := cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(end.Add(-time.Hour)), EndTime: aws.Time(end),
		MetricDataQueries: []cwtypes.MetricDataQuery{
			q("whole", "PacketsDropped", "Sum", dims, 3600),
			q("minutes", "PacketsDropped", "Average", dims, 60),
			q("fewer_dims", "PacketsDropped", "Sum", dims[:3], 3600),
			q("other_metric", "BytesProcessed", "Sum", dims, 3600),
		},
	})
	must(t, err)
	got := map[string]cwtypes.MetricDataResult{}
	for _, r := range out.MetricDataResults {
		got[aws.ToString(r.Id)] = r
	}
	if r := got["whole"]; len(r.Values) != 1 || r.Values[0] != 180 || !r.Timestamps[0].Equal(end.Add(-time.Hour)) || r.StatusCode != cwtypes.StatusCodeComplete {
		t.Errorf("whole hour = %+v, want one datapoint of 3×60", r)
	}
	if r := got["minutes"]; len(r.Values) != 60 || r.Values[0] != 3 || !r.Timestamps[0].After(r.Timestamps[59]) {
		t.Errorf("per minute = %d values, want 60 newest first", len(r.Values))
	}
	for _, id := range []string{"fewer_dims", "other_metric"} {
		if r, ok := got[id]; !ok || len(r.Values) != 0 {
			t.Errorf("%s = %+v, want a result with no datapoints", id, r)
		}
	}
	// The service's metric is in the provider's account, not the consumer's.
	sq := q("svc", "BytesProcessed", "Sum", []cwtypes.Dimension{{Name: aws.String("Service Id"), Value: svc.ServiceId}}, 3600)
	sq.MetricStat.Metric.Namespace = aws.String(sandbox.NamespaceServices)
	for _, tc := range []struct {
		cw   *cloudwatch.Client
		want int
	}{{cw, 0}, {cloudwatch.NewFromConfig(srv.Config(t, "payments")), 1}} {
		out, err := tc.cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(end.Add(-time.Hour)), EndTime: aws.Time(end), MetricDataQueries: []cwtypes.MetricDataQuery{sq}})
		must(t, err)
		if n := len(out.MetricDataResults[0].Values); n != tc.want {
			t.Errorf("service metric: %d datapoints, want %d", n, tc.want)
		}
	}

	// Pagination by MaxDatapoints: a page ends before the query that would
	// overflow it.
	in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(end.Add(-time.Hour)), EndTime: aws.Time(end), MaxDatapoints: aws.Int32(70),
		MetricDataQueries: []cwtypes.MetricDataQuery{q("a", "PacketsDropped", "Sum", dims, 60), q("b", "PacketsDropped", "Sum", dims, 60)}}
	p := cloudwatch.NewGetMetricDataPaginator(cw, in)
	pages, n := 0, 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		must(t, err)
		pages++
		n += len(out.MetricDataResults)
	}
	if pages != 2 || n != 2 {
		t.Errorf("paginated: %d pages, %d results; want 2 and 2", pages, n)
	}

	// Errors, with the codes the SDK's query-compatible errors carry.
	many := make([]cwtypes.MetricDataQuery, 501)
	for i := range many {
		many[i] = q("q"+strconv.Itoa(i), "PacketsDropped", "Sum", dims, 60)
	}
	for _, tc := range []struct {
		name string
		in   *cloudwatch.GetMetricDataInput
		want string
	}{
		{"501 queries", &cloudwatch.GetMetricDataInput{StartTime: aws.Time(end.Add(-time.Hour)), EndTime: aws.Time(end), MetricDataQueries: many}, "ValidationError"},
		{"start after end", &cloudwatch.GetMetricDataInput{StartTime: aws.Time(end), EndTime: aws.Time(end.Add(-time.Hour)), MetricDataQueries: []cwtypes.MetricDataQuery{q("a", "X", "Sum", dims, 60)}}, "ValidationError"},
		{"bad period", &cloudwatch.GetMetricDataInput{StartTime: aws.Time(end.Add(-time.Hour)), EndTime: aws.Time(end), MetricDataQueries: []cwtypes.MetricDataQuery{q("a", "X", "Sum", dims, 90)}}, "InvalidParameterValue"},
		{"bad stat", &cloudwatch.GetMetricDataInput{StartTime: aws.Time(end.Add(-time.Hour)), EndTime: aws.Time(end), MetricDataQueries: []cwtypes.MetricDataQuery{q("a", "X", "p99.9", dims, 60)}}, "InvalidParameterValue"},
		{"bad id", &cloudwatch.GetMetricDataInput{StartTime: aws.Time(end.Add(-time.Hour)), EndTime: aws.Time(end), MetricDataQueries: []cwtypes.MetricDataQuery{q("Upper", "X", "Sum", dims, 60)}}, "ValidationError"},
		{"duplicate id", &cloudwatch.GetMetricDataInput{StartTime: aws.Time(end.Add(-time.Hour)), EndTime: aws.Time(end), MetricDataQueries: []cwtypes.MetricDataQuery{q("a", "X", "Sum", dims, 60), q("a", "Y", "Sum", dims, 60)}}, "ValidationError"},
		{"expression", &cloudwatch.GetMetricDataInput{StartTime: aws.Time(end.Add(-time.Hour)), EndTime: aws.Time(end), MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("e"), Expression: aws.String("SUM(METRICS())")}}}, "ValidationError"},
		{"bad token", &cloudwatch.GetMetricDataInput{StartTime: aws.Time(end.Add(-time.Hour)), EndTime: aws.Time(end), NextToken: aws.String("garbage"), MetricDataQueries: []cwtypes.MetricDataQuery{q("a", "X", "Sum", dims, 60)}}, "InvalidNextToken"},
	} {
		_, err := cw.GetMetricData(ctx, tc.in, func(o *cloudwatch.Options) { o.RetryMaxAttempts = 1 })
		if got := code(t, err); got != tc.want {
			t.Errorf("%s: code %q, want %q (%v)", tc.name, got, tc.want, err)
		}
	}
	// An unknown key is refused like any other service's.
	bad := cloudwatch.NewFromConfig(srv.StaticConfig("AKIANOSUCHKEY0000000", "x", "", "us-east-1"), func(o *cloudwatch.Options) { o.RetryMaxAttempts = 1 })
	_, err = bad.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(end.Add(-time.Hour)), EndTime: aws.Time(end), MetricDataQueries: []cwtypes.MetricDataQuery{q("a", "X", "Sum", dims, 60)}})
	wantCode(t, err, "InvalidClientTokenId")

	var counted int
	for _, call := range srv.Sandbox.Calls() {
		if call.Service == "cloudwatch" && call.Action == "GetMetricData" {
			counted += call.Count
		}
	}
	if counted < 5 {
		t.Errorf("GetMetricData counted %d times", counted)
	}
}

func TestWorldPath(t *testing.T) {
	srv := start(t)
	post := func(v url.Values) (int, string) {
		resp, err := http.PostForm(srv.URL+sandbox.WorldPath, v)
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		form url.Values
		code int
		want string
	}{
		{url.Values{"kind": {"target-health"}, "arn": {paymentsNLBEast}, "zone": {"us-east-1a"}, "state": {"unhealthy"}}, 200, "ok"},
		{url.Values{"kind": {"cross-zone"}, "arn": {paymentsNLBEast}, "state": {"on"}}, 200, "ok"},
		{url.Values{"kind": {"cross-zone"}, "arn": {paymentsNLBEast}, "state": {"maybe"}}, 400, "not on or off"},
		{url.Values{"kind": {"metric"}, "account": {"payments"}, "region": {"us-east-1"}, "namespace": {"N"}, "metric": {"M"}, "dimension": {"A=b"}, "value": {"2"}}, 200, "ok"},
		{url.Values{"kind": {"metric"}, "account": {"payments"}, "region": {"us-east-1"}, "namespace": {"N"}, "metric": {"M"}, "dimension": {"Ab"}, "value": {"2"}}, 400, "not Name=Value"},
		{url.Values{"kind": {"endpoint-metric"}, "id": {"vpce-1"}, "metric": {"M"}, "value": {"x"}}, 400, "not a number"},
		{url.Values{"kind": {"service-metric"}, "id": {"vpce-svc-1"}, "metric": {"M"}, "value": {"1"}}, 400, "no endpoint service"},
		{url.Values{"kind": {"weather"}}, 400, "unknown kind"},
	} {
		code, body := post(tc.form)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%v: %d %q, want %d %q", tc.form, code, body, tc.code, tc.want)
		}
	}
	resp, err := http.Get(srv.URL + sandbox.WorldPath)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
}

// TestBotocoreTargetsMetrics reads target health and metric data with
// boto3, an independent client of the same wire protocols (awsquery and
// smithy-rpc-v2-cbor).
func TestBotocoreTargetsMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		t.Skip("python3 with boto3 not available")
	}
	srv := start(t)
	must(t, srv.Sandbox.ForceTargetHealth(paymentsNLBEast, "us-east-1b", "unhealthy"))
	must(t, srv.Sandbox.SetMetric("payments", "us-east-1", sandbox.NamespaceServices, "BytesProcessed", map[string]string{"Service Id": "vpce-svc-0123"}, 5))
	cmd := exec.Command("python3", "testdata/botocore_status_check.py", srv.URL, paymentsTGEast)
	cmd.Env = append(cmd.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("botocore check failed: %v\n%s", err, out)
	}
}
