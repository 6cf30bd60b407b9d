package status

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/live"
)

// Call names, as counted in Snapshot.Calls and recorded in Failures.
const (
	CallTargetGroups   = "DescribeTargetGroups"
	CallTargetHealth   = "DescribeTargetHealth"
	CallLBAttributes   = "DescribeLoadBalancerAttributes"
	CallVisible        = "DescribeVpcEndpointServices"
	CallGetMetricData  = "GetMetricData"
	callClients        = "Clients"                   // as live names it too
	callZones          = "DescribeAvailabilityZones" // live's first call of a scope
	metricQueriesMax   = 500                         // MetricDataQueries per GetMetricData
	filterValuesMax    = 200                         // values per EC2 filter
	targetGroupsPage   = 400                         // DescribeTargetGroups PageSize limit
	defaultConcurrency = 8
	perScopeCalls      = 4 // target health calls in flight per account-region
)

// Namespaces and dimension names AWS PrivateLink publishes metrics under
// (PrivateLink guide, "CloudWatch metrics for AWS PrivateLink").
const (
	NamespaceEndpoints = "AWS/PrivateLinkEndpoints"
	NamespaceServices  = "AWS/PrivateLinkServices"
)

// EndpointMetrics and ServiceMetrics are the metrics read per endpoint and
// per service, with the statistic totalled over the window.
var (
	EndpointMetrics = []string{MetricPacketsDropped, MetricRstPacketsReceived, MetricBytesProcessed, MetricActiveConnections, MetricNewConnections}
	ServiceMetrics  = []string{MetricBytesProcessed, MetricActiveConnections, MetricNewConnections, MetricRstPacketsSent}
)

// ELBAPI is the part of the ELBv2 client status calls.
type ELBAPI interface {
	DescribeTargetGroups(context.Context, *elbv2.DescribeTargetGroupsInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupsOutput, error)
	DescribeTargetHealth(context.Context, *elbv2.DescribeTargetHealthInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error)
	DescribeLoadBalancerAttributes(context.Context, *elbv2.DescribeLoadBalancerAttributesInput, ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancerAttributesOutput, error)
}

// EC2API is the part of the EC2 client status calls.
type EC2API interface {
	DescribeVpcEndpointServices(context.Context, *ec2.DescribeVpcEndpointServicesInput, ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServicesOutput, error)
}

// CloudWatchAPI is the part of the CloudWatch client status calls.
type CloudWatchAPI interface {
	GetMetricData(context.Context, *cloudwatch.GetMetricDataInput, ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

// ReadOptions tune Read.
type ReadOptions struct {
	// Window is how far back metrics are read (--since); 0 means an hour.
	Window time.Duration
	// Now ends the window; zero means time.Now().
	Now time.Time
	// Concurrency is the most account-regions read at once (default 8).
	Concurrency int
}

// Read reads what status needs beyond the live snapshot lv (from
// live.Read): for every account-region of lv, the target groups and target
// health of the services' network load balancers and their cross-zone
// attribute, the services the endpoints use as DescribeVpcEndpointServices
// shows them, and the metrics of every endpoint and service over the
// window. Calls are batched where AWS allows: one DescribeTargetGroups and
// one GetMetricData per 500 queries per account-region, one
// DescribeVpcEndpointServices per 200 service names (and per in-region or
// cross-region set); DescribeTargetHealth (per target group) and
// DescribeLoadBalancerAttributes (per load balancer) have no batch form.
// On failed reads the snapshot holds the rest and the error names them.
func Read(ctx context.Context, lv *live.Snapshot, src awsenv.ClientSource, opts ReadOptions) (*Snapshot, error) {
	return ReadAPIs(ctx, lv, func(ctx context.Context, account, region string) (EC2API, ELBAPI, CloudWatchAPI, error) {
		c, err := src.ClientsFor(ctx, account, region)
		if err != nil {
			return nil, nil, nil, err
		}
		return c.EC2, c.ELB, c.CloudWatch(), nil
	}, opts)
}

// APIs returns the clients for an account alias in a region.
type APIs func(ctx context.Context, account, region string) (EC2API, ELBAPI, CloudWatchAPI, error)

// ReadAPIs is Read with the APIs from src.
func ReadAPIs(ctx context.Context, lv *live.Snapshot, src APIs, opts ReadOptions) (*Snapshot, error) {
	return read(ctx, lv, src, opts, nil)
}

// read reads every scope of lv; with only, just the target health of those
// services, in their scopes.
func read(ctx context.Context, lv *live.Snapshot, src APIs, opts ReadOptions, only map[string]bool) (*Snapshot, error) {
	if opts.Window <= 0 {
		opts.Window = time.Hour
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = defaultConcurrency
	}
	rd := &reader{lv: lv, src: src, opts: opts, only: only, snap: &Snapshot{Live: lv, Window: opts.Window, Now: opts.Now.UTC(), Calls: map[string]int{}}}
	// A scope whose live read could not start (no clients; the role could
	// not be assumed, sts:AssumeRole; or its first call failed) is already named by that
	// one failure: reading it again would fail the same way, twice.
	unread := map[string]bool{}
	for _, f := range lv.Failures {
		if f.Call == callClients || f.Call == callZones || live.IsRoleCall(f.Call) {
			unread[f.AccountID+"|"+f.Region] = true
		}
	}
	sem := make(chan struct{}, opts.Concurrency)
	var wg sync.WaitGroup
	for _, sc := range lv.Scopes {
		if (only != nil && !scopeHas(lv, sc, only)) || unread[sc.AccountID+"|"+sc.Region] {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			rd.scope(ctx, sc)
		}()
	}
	wg.Wait()
	s := rd.snap
	sort.Slice(s.LoadBalancers, func(i, j int) bool { return s.LoadBalancers[i].ARN < s.LoadBalancers[j].ARN })
	sort.Slice(s.Visible, func(i, j int) bool {
		return s.Visible[i].AccountID+s.Visible[i].Region < s.Visible[j].AccountID+s.Visible[j].Region
	})
	sort.Slice(s.Metrics, func(i, j int) bool {
		a, b := s.Metrics[i], s.Metrics[j]
		return a.Kind+a.AccountID+a.Region+a.ID < b.Kind+b.AccountID+b.Region+b.ID
	})
	sort.Slice(s.Failures, func(i, j int) bool { return s.Failures[i].String() < s.Failures[j].String() })
	if len(s.Failures) > 0 {
		return s, &live.ReadError{Failures: s.Failures}
	}
	return s, nil
}

type reader struct {
	lv   *live.Snapshot
	src  APIs
	opts ReadOptions
	mu   sync.Mutex
	snap *Snapshot
	// only, when set, limits the read to the target health of these
	// services (ids): ReadTargetHealth.
	only map[string]bool
}

type scopeAPIs struct {
	live.Scope
	ec2 EC2API
	elb ELBAPI
	cw  CloudWatchAPI
}

func (rd *reader) count(name string) {
	rd.mu.Lock()
	rd.snap.Calls[name]++
	rd.mu.Unlock()
}

func (rd *reader) fail(sc live.Scope, call string, err error) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	rd.snap.Failures = append(rd.snap.Failures, live.Failure{Account: sc.Account, AccountID: sc.AccountID, Region: sc.Region, Call: live.FailedCall(call, err), Error: awsenv.Describe(err), Err: err})
}

func (rd *reader) add(fn func(*Snapshot)) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	fn(rd.snap)
}

func (rd *reader) scope(ctx context.Context, sc live.Scope) {
	if ctx.Err() != nil {
		rd.fail(sc, callClients, ctx.Err())
		return
	}
	e, l, c, err := rd.src(ctx, sc.Account, sc.Region)
	if err != nil {
		rd.fail(sc, callClients, err)
		return
	}
	s := &scopeAPIs{Scope: sc, ec2: e, elb: l, cw: c}
	reads := []func(context.Context, *scopeAPIs){rd.targets, rd.visible, rd.metrics}
	if rd.only != nil {
		reads = reads[:1]
	}
	var wg sync.WaitGroup
	for _, fn := range reads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(ctx, s)
		}()
	}
	wg.Wait()
}

// targets reads the target groups, target health and cross-zone attribute
// of the network load balancers behind the scope's services. A failed read
// is recorded and leaves the scope's load balancers out.
func (rd *reader) targets(ctx context.Context, s *scopeAPIs) {
	lbs := rd.scopeLoadBalancers(s)
	if len(lbs) == 0 {
		return
	}
	groups, groupLBs, ok := rd.targetGroups(ctx, s, lbs)
	if !ok || !rd.targetHealth(ctx, s, groups) {
		return
	}
	for _, g := range groups {
		for _, l := range groupLBs[g.ARN] {
			lbs[l].TargetGroups = append(lbs[l].TargetGroups, g)
		}
	}
	found, ok := rd.crossZone(ctx, s, lbs)
	if !ok {
		return
	}
	rd.add(func(sn *Snapshot) { sn.LoadBalancers = append(sn.LoadBalancers, found...) })
}

// scopeLoadBalancers are the network load balancers behind the scope's
// services (the ones asked for, when rd.only), by ARN, with no target
// groups yet.
func (rd *reader) scopeLoadBalancers(s *scopeAPIs) map[string]*LoadBalancerHealth {
	lbs := map[string]*LoadBalancerHealth{}
	for _, sv := range rd.lv.Services {
		if sv.AccountID != s.AccountID || sv.Region != s.Region || live.ServicePhase(sv.State) == live.PhaseGone {
			continue
		}
		if rd.only != nil && !rd.only[sv.ID] {
			continue
		}
		for _, arn := range sv.NetworkLoadBalancerARNs {
			lbs[arn] = &LoadBalancerHealth{AccountID: s.AccountID, Region: s.Region, ARN: arn, TargetGroups: []TargetGroupHealth{}}
		}
	}
	return lbs
}

// targetGroups lists the target groups of the load balancers lbs, and the
// load balancers of each: every target group of the account-region in one
// paged call (a LoadBalancerArn filter would be one call per load
// balancer).
func (rd *reader) targetGroups(ctx context.Context, s *scopeAPIs, lbs map[string]*LoadBalancerHealth) (groups []TargetGroupHealth, groupLBs map[string][]string, ok bool) {
	groupLBs = map[string][]string{}
	var marker *string
	for {
		rd.count(CallTargetGroups)
		out, err := s.elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{PageSize: aws.Int32(targetGroupsPage), Marker: marker})
		if err != nil {
			rd.fail(s.Scope, CallTargetGroups, err)
			return nil, nil, false
		}
		for _, tg := range out.TargetGroups {
			arn := aws.ToString(tg.TargetGroupArn)
			for _, l := range tg.LoadBalancerArns {
				if lbs[l] != nil {
					groupLBs[arn] = append(groupLBs[arn], l)
				}
			}
			if len(groupLBs[arn]) > 0 {
				groups = append(groups, TargetGroupHealth{ARN: arn, Targets: []TargetHealth{}})
			}
		}
		next := aws.ToString(out.NextMarker)
		if next == "" || next == aws.ToString(marker) {
			return groups, groupLBs, true
		}
		marker = aws.String(next)
	}
}

// targetHealth reads the targets of each group into it. The call has no
// batch form: a few in flight per account-region, as live reads, so a plan
// over many services is not one long queue.
func (rd *reader) targetHealth(ctx context.Context, s *scopeAPIs, groups []TargetGroupHealth) bool {
	return rd.each(s, len(groups), func(i int) (string, error) {
		rd.count(CallTargetHealth)
		out, err := s.elb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(groups[i].ARN)})
		if err != nil {
			if awsenv.ErrorCode(err) == "TargetGroupNotFound" {
				return "", nil // deleted since it was listed
			}
			return CallTargetHealth, err
		}
		for _, d := range out.TargetHealthDescriptions {
			t := TargetHealth{}
			if d.Target != nil {
				t.ID, t.Zone = aws.ToString(d.Target.Id), aws.ToString(d.Target.AvailabilityZone)
			}
			if d.TargetHealth != nil {
				t.State = string(d.TargetHealth.State)
			}
			groups[i].Targets = append(groups[i].Targets, t)
		}
		sort.Slice(groups[i].Targets, func(a, b int) bool { return groups[i].Targets[a].ID < groups[i].Targets[b].ID })
		return "", nil
	})
}

// crossZone reads each load balancer's cross-zone attribute, a few at a
// time as targetHealth, and returns the load balancers that exist, sorted
// by ARN.
func (rd *reader) crossZone(ctx context.Context, s *scopeAPIs, lbs map[string]*LoadBalancerHealth) ([]LoadBalancerHealth, bool) {
	arns := slices.Sorted(maps.Keys(lbs))
	read := make([]bool, len(arns))
	if !rd.each(s, len(arns), func(i int) (string, error) {
		rd.count(CallLBAttributes)
		out, err := s.elb.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(arns[i])})
		if err != nil {
			if awsenv.ErrorCode(err) == "LoadBalancerNotFound" {
				return "", nil // gone: plan and drift report it; no health to judge
			}
			return CallLBAttributes, err
		}
		for _, a := range out.Attributes {
			if aws.ToString(a.Key) == "load_balancing.cross_zone.enabled" {
				lbs[arns[i]].CrossZone, _ = strconv.ParseBool(aws.ToString(a.Value))
			}
		}
		read[i] = true
		return "", nil
	}) {
		return nil, false
	}
	var found []LoadBalancerHealth
	for i, arn := range arns {
		if read[i] {
			found = append(found, *lbs[arn])
		}
	}
	return found, true
}

// each runs fn for 0..n-1, at most perScopeCalls at once, and starts no
// more after one fails; the first failure is recorded (fn returns the call
// that failed) and each reports whether all succeeded.
func (rd *reader) each(s *scopeAPIs, n int, fn func(i int) (string, error)) bool {
	sem := make(chan struct{}, perScopeCalls)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := false
	for i := range n {
		sem <- struct{}{}
		mu.Lock()
		stop := failed
		mu.Unlock()
		if stop {
			<-sem
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			call, err := fn(i)
			if err == nil {
				return
			}
			mu.Lock()
			first := !failed
			failed = true
			mu.Unlock()
			if first {
				rd.fail(s.Scope, call, err)
			}
		}()
	}
	wg.Wait()
	return !failed
}

// visible asks which of the services the scope's endpoints use it still
// sees: the service-name filter returns those that exist (ServiceNames
// would fail the call on the first that does not).
func (rd *reader) visible(ctx context.Context, s *scopeAPIs) {
	local, remote := map[string]bool{}, map[string]bool{}
	regions := map[string]bool{}
	for _, e := range rd.lv.Endpoints {
		if e.AccountID != s.AccountID || e.Region != s.Region || live.EndpointPhase(e.State) == live.PhaseGone {
			continue
		}
		if e.ServiceName == "" {
			continue // a Resource or ServiceNetwork endpoint: no service to look up
		}
		if e.ServiceRegion != "" && e.ServiceRegion != s.Region {
			remote[e.ServiceName] = true
			regions[e.ServiceRegion] = true
		} else {
			local[e.ServiceName] = true
		}
	}
	if len(local)+len(remote) == 0 {
		return
	}
	seen := map[string]bool{}
	for _, q := range []struct {
		names   map[string]bool
		regions []string
	}{{local, nil}, {remote, slices.Sorted(maps.Keys(regions))}} {
		names := slices.Sorted(maps.Keys(q.names))
		for len(names) > 0 {
			batch := names[:min(len(names), filterValuesMax)]
			names = names[len(batch):]
			var token *string
			for {
				rd.count(CallVisible)
				out, err := s.ec2.DescribeVpcEndpointServices(ctx, &ec2.DescribeVpcEndpointServicesInput{
					Filters:        []ec2types.Filter{{Name: aws.String("service-name"), Values: batch}},
					ServiceRegions: q.regions, NextToken: token,
				})
				if err != nil {
					rd.fail(s.Scope, CallVisible, err)
					return
				}
				for _, d := range out.ServiceDetails {
					seen[aws.ToString(d.ServiceName)] = true
				}
				for _, n := range out.ServiceNames {
					seen[n] = true
				}
				next := aws.ToString(out.NextToken)
				if next == "" || next == aws.ToString(token) {
					break
				}
				token = aws.String(next)
			}
		}
	}
	v := VisibleNames{AccountID: s.AccountID, Region: s.Region, Names: slices.Sorted(maps.Keys(seen))}
	rd.add(func(sn *Snapshot) { sn.Visible = append(sn.Visible, v) })
}

type metricQuery struct {
	kind, id, metric string
}

// metricQueries are the GetMetricData queries of one scope, each with what
// it asks (keys[i] for queries[i], whose id is "q<i>").
type metricQueries struct {
	period  int32 // seconds: the whole window, one datapoint per query
	queries []cwtypes.MetricDataQuery
	keys    []metricQuery
}

// add asks for metric of the resource id (an endpoint or a service):
// summed, but for ActiveConnections, its maximum.
func (q *metricQueries) add(kind, id, namespace, metric string, dims map[string]string) {
	stat := "Sum"
	if metric == MetricActiveConnections {
		stat = "Maximum"
	}
	var ds []cwtypes.Dimension
	for _, k := range slices.Sorted(maps.Keys(dims)) {
		ds = append(ds, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(dims[k])})
	}
	q.queries = append(q.queries, cwtypes.MetricDataQuery{
		Id: aws.String("q" + strconv.Itoa(len(q.queries))),
		MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{Namespace: aws.String(namespace), MetricName: aws.String(metric), Dimensions: ds},
			Period: aws.Int32(q.period), Stat: aws.String(stat),
		},
	})
	q.keys = append(q.keys, metricQuery{kind, id, metric})
}

// metrics reads the scope's endpoint and service metrics: one datapoint
// per query, the whole window as its period, up to 500 queries a call.
func (rd *reader) metrics(ctx context.Context, s *scopeAPIs) {
	period := int32((rd.opts.Window + time.Minute - 1) / time.Minute * 60)
	if period < 60 {
		period = 60
	}
	end := rd.opts.Now.UTC().Truncate(time.Minute)
	start := end.Add(-time.Duration(period) * time.Second)
	q := rd.metricQueries(s, period)
	if len(q.queries) == 0 {
		return
	}
	values, ok := rd.metricTotals(ctx, s, q, start, end)
	if !ok {
		return
	}
	var out []ResourceMetrics
	for k, v := range values {
		out = append(out, ResourceMetrics{Kind: k[0], AccountID: s.AccountID, Region: s.Region, ID: k[1], Values: v})
	}
	rd.add(func(sn *Snapshot) { sn.Metrics = append(sn.Metrics, out...) })
}

// metricQueries asks for the metrics of the scope's endpoints that publish
// them and of its services.
func (rd *reader) metricQueries(s *scopeAPIs, period int32) *metricQueries {
	q := &metricQueries{period: period}
	for _, e := range rd.lv.Endpoints {
		if e.AccountID != s.AccountID || e.Region != s.Region || !live.EndpointPhase(e.State).Exists() {
			continue
		}
		if dims := endpointDimensions(&e); dims != nil {
			for _, m := range EndpointMetrics {
				q.add("endpoint", e.ID, NamespaceEndpoints, m, dims)
			}
		}
	}
	for _, sv := range rd.lv.Services {
		if sv.AccountID != s.AccountID || sv.Region != s.Region || !live.ServicePhase(sv.State).Exists() {
			continue
		}
		for _, m := range ServiceMetrics {
			q.add("service", sv.ID, NamespaceServices, m, map[string]string{"Service Id": sv.ID})
		}
	}
	return q
}

// endpointDimensions are the CloudWatch dimensions of an endpoint's
// metrics in AWS/PrivateLinkEndpoints; nil for an endpoint that publishes
// none there: gateway endpoints publish no metrics; Resource and
// ServiceNetwork endpoints publish theirs in AWS/VpcLattice, which status
// does not read (EndpointView.MetricsNote); nor do cross-region
// consumers' endpoints.
func endpointDimensions(e *live.Endpoint) map[string]string {
	if e.Type != "" && e.Type != "Interface" && e.Type != "GatewayLoadBalancer" {
		return nil
	}
	if e.ServiceRegion != "" && e.ServiceRegion != e.Region {
		return nil
	}
	typ := e.Type
	if typ == "" {
		typ = "Interface"
	}
	return map[string]string{"Endpoint Type": typ, "Service Name": e.ServiceName, "VPC Endpoint Id": e.ID, "VPC Id": e.VPCID}
}

// metricTotals runs the queries, metricQueriesMax a call, and totals each
// resource's metrics over the window, by kind and id. Every resource asked
// about has an entry, empty when AWS has no datapoints.
func (rd *reader) metricTotals(ctx context.Context, s *scopeAPIs, q *metricQueries, start, end time.Time) (map[[2]string]map[string]float64, bool) {
	values := map[[2]string]map[string]float64{}
	for _, k := range q.keys {
		if values[[2]string{k.kind, k.id}] == nil {
			values[[2]string{k.kind, k.id}] = map[string]float64{}
		}
	}
	for from := 0; from < len(q.queries); from += metricQueriesMax {
		batch := q.queries[from:min(len(q.queries), from+metricQueriesMax)]
		var token *string
		for {
			rd.count(CallGetMetricData)
			out, err := s.cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
				MetricDataQueries: batch, StartTime: aws.Time(start), EndTime: aws.Time(end), NextToken: token,
			})
			if err != nil {
				rd.fail(s.Scope, CallGetMetricData, err)
				return nil, false
			}
			for _, r := range out.MetricDataResults {
				i, err := strconv.Atoi(aws.ToString(r.Id)[1:])
				if err != nil || i < 0 || i >= len(q.keys) || len(r.Values) == 0 {
					continue
				}
				k := q.keys[i]
				values[[2]string{k.kind, k.id}][k.metric] += metricTotal(k.metric, r.Values)
			}
			next := aws.ToString(out.NextToken)
			if next == "" || next == aws.ToString(token) {
				break
			}
			token = aws.String(next)
		}
	}
	return values, true
}

// metricTotal is a metric's datapoints over the window: their sum, but for
// ActiveConnections, their maximum.
func metricTotal(metric string, values []float64) float64 {
	t := 0.0
	for _, v := range values {
		if metric == MetricActiveConnections {
			t = max(t, v)
		} else {
			t += v
		}
	}
	return t
}
