package sandbox

// CloudWatch GetMetricData in the protocols its clients speak today:
// Smithy RPC v2 CBOR, which aws-sdk-go-v2 uses (POST
// /service/GraniteServiceVersion20100801/operation/ACTION,
// application/cbor), decoded and encoded with smithy-go's own CBOR package,
// the one the client uses; and AWS JSON 1.0, which botocore picks when it has
// no CBOR support (X-Amz-Target GraniteServiceVersion20100801.ACTION). Both
// carry AWS-query-compatible error codes in the X-Amzn-Query-Error header. Metric series are part of the world
// (World.Metrics) and can be set while serving (SetMetric, WorldPath); a
// query whose metric, namespace and exact dimension set match no series
// gets no datapoints, as in AWS.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

const (
	// svcCloudWatch is the IAM service prefix calls are counted under;
	// cwSigningName is what SigV4 scopes carry.
	svcCloudWatch = "cloudwatch"
	cwSigningName = "monitoring"
	// cwPathPrefix is where RPC v2 CBOR requests for CloudWatch arrive.
	cwPathPrefix = "/service/GraniteServiceVersion20100801/operation/"
	// cwTargetPrefix starts the X-Amz-Target of AWS JSON 1.0 requests.
	cwTargetPrefix = "GraniteServiceVersion20100801."
	// cwMaxQueries is GetMetricData's limit of MetricDataQueries per call.
	cwMaxQueries = 500
	// cwMaxDatapoints is the default (and largest) MaxDatapoints.
	cwMaxDatapoints = 100800
)

// Namespaces and dimension names AWS PrivateLink publishes under
// (PrivateLink guide, "CloudWatch metrics for AWS PrivateLink").
const (
	NamespaceEndpoints = "AWS/PrivateLinkEndpoints"
	NamespaceServices  = "AWS/PrivateLinkServices"
)

// MetricSeries is one CloudWatch metric: a constant value per minute from
// which every statistic over a period is derived (Sum is value × minutes,
// Average, Minimum and Maximum are the value, SampleCount the minutes).
type MetricSeries struct {
	// Account is an alias or id; Region is the region it is published in.
	Account    string            `yaml:"account"`
	Region     string            `yaml:"region"`
	Namespace  string            `yaml:"namespace"`
	MetricName string            `yaml:"metricName"`
	Dimensions map[string]string `yaml:"dimensions"`
	Value      float64           `yaml:"value"`
}

type cwHandler func(c *call, in cbor.Map) (cbor.Map, *apiError)

var cwHandlers = map[string]cwHandler{
	"GetMetricData": cwGetMetricData,
}

// isCloudWatch reports whether r is a CloudWatch request (either protocol).
func isCloudWatch(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, cwPathPrefix) || strings.HasPrefix(r.Header.Get("X-Amz-Target"), cwTargetPrefix)
}

// serveCloudWatch serves one CloudWatch request: authentication, counting,
// faults and throttling as for the Query APIs, then the action.
func (s *Sandbox) serveCloudWatch(w http.ResponseWriter, r *http.Request) {
	isJSON := !strings.HasPrefix(r.URL.Path, cwPathPrefix)
	action := strings.TrimPrefix(r.URL.Path, cwPathPrefix)
	reply := func(e *apiError, out cbor.Map) { writeCBOR(w, e, out) }
	if isJSON {
		action = strings.TrimPrefix(r.Header.Get("X-Amz-Target"), cwTargetPrefix)
		reply = func(e *apiError, out cbor.Map) { writeCWJSON(w, e, out) }
	}
	if r.Method != http.MethodPost {
		reply(errf(405, "InvalidAction", "%s takes POST", r.URL.Path), nil)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		reply(errf(400, "MalformedInput", "cannot read request body"), nil)
		return
	}
	sig, signed, aerr := parseAuth(r)
	if aerr != nil {
		reply(aerr, nil)
		return
	}
	if !signed {
		reply(authErrorsFor(svcCloudWatch).missing, nil)
		return
	}
	if sig.Service != cwSigningName {
		reply(errf(400, "InvalidAction", "The sandbox serves CloudWatch only for the signing name %q, not %q.", cwSigningName, sig.Service), nil)
		return
	}
	caller, aerr := s.authenticate(r, body, sig, svcCloudWatch)
	if aerr != nil {
		reply(aerr, nil)
		return
	}
	if !s.servesRegion(sig.Region) {
		reply(errf(400, "InvalidParameterValue", "The sandbox does not serve region %q (regions: %s).", sig.Region, strings.Join(s.world.Regions, ", ")), nil)
		return
	}
	h, ok := cwHandlers[action]
	if !ok {
		reply(errf(400, "InvalidAction", "The action %s is not valid for this web service (the sandbox serves CloudWatch GetMetricData).", action), nil)
		return
	}
	want := "application/cbor"
	if isJSON {
		want = "application/x-amz-json-1.0"
	}
	if ct := r.Header.Get("Content-Type"); len(body) > 0 && ct != want {
		reply(errf(400, "SerializationException", "Content-Type %q is not %s", ct, want), nil)
		return
	}
	in := cbor.Map{}
	if isJSON && len(body) > 0 {
		m, err := cwFromJSON(body)
		if err != nil {
			reply(errf(400, "SerializationException", "malformed JSON body: %v", err), nil)
			return
		}
		in = m
	} else if len(body) > 0 {
		v, err := cbor.Decode(body)
		if err != nil {
			reply(errf(400, "SerializationException", "malformed CBOR body: %v", err), nil)
			return
		}
		m, ok := v.(cbor.Map)
		if !ok {
			reply(errf(400, "SerializationException", "the body must be a CBOR map"), nil)
			return
		}
		in = m
	}
	s.count(svcCloudWatch, action, caller.Account, sig.Region)
	if s.opts.Latency > 0 {
		time.Sleep(s.opts.Latency)
	}
	if e := s.refusal(svcCloudWatch, action, caller.Account, sig.Region); e != nil {
		reply(e, nil)
		return
	}
	c := &call{sb: s, service: svcCloudWatch, action: action, region: sig.Region, caller: caller}
	out, e := s.dispatchCBOR(h, c, in)
	reply(e, out)
}

// dispatchCBOR runs a read-only handler under the state lock; a panic
// answers 500 to its own request only.
func (s *Sandbox) dispatchCBOR(h cwHandler, c *call, in cbor.Map) (out cbor.Map, e *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		if v := recover(); v != nil {
			out, e = nil, errf(500, "InternalServiceFault", "sandbox: %s failed inside the sandbox: %v", c.action, v)
		}
	}()
	c.now = s.now()
	if s.panicHook != nil {
		s.panicHook(c.action)
	}
	if e := s.authorize(c); e != nil { // authz.go
		return nil, e
	}
	return h(c, in)
}

// cwErrorTypes maps the query-style codes the sandbox raises to the
// CloudWatch exception shapes the SDK knows (__type).
var cwErrorTypes = map[string]string{
	"InvalidParameterValue":       "InvalidParameterValueException",
	"InvalidParameterCombination": "InvalidParameterCombinationException",
	"MissingParameter":            "MissingRequiredParameterException",
	"InternalServiceError":        "InternalServiceFault",
}

func writeCBOR(w http.ResponseWriter, e *apiError, out cbor.Map) {
	h := w.Header()
	h.Set("Smithy-Protocol", "rpc-v2-cbor")
	h.Set("Content-Type", "application/cbor")
	if e != nil {
		typ := e.Code
		if t, ok := cwErrorTypes[typ]; ok {
			typ = t
		}
		fault := "Sender"
		if e.Status >= 500 {
			fault = "Receiver"
		}
		h.Set("X-Amzn-Query-Error", e.Code+";"+fault)
		w.WriteHeader(e.Status)
		_, _ = w.Write(cbor.Encode(cbor.Map{"__type": cbor.String("com.amazonaws.cloudwatch#" + typ), "message": cbor.String(e.Message)}))
		return
	}
	if out == nil {
		out = cbor.Map{}
	}
	w.WriteHeader(200)
	_, _ = w.Write(cbor.Encode(out))
}

var reMetricID = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]{0,254}$`)

// Statistics GetMetricData computes; percentiles and the like are not
// modelled.
var cwStats = []string{"Sum", "Average", "Maximum", "Minimum", "SampleCount"}

type cwQuery struct {
	id, label  string
	namespace  string
	metric     string
	dims       map[string]string
	period     int
	stat       string
	returnData bool
}

func cwGetMetricData(c *call, in cbor.Map) (cbor.Map, *apiError) {
	qs, e := cwQueries(in)
	if e != nil {
		return nil, e
	}
	start, e := cwTime(in, "StartTime")
	if e != nil {
		return nil, e
	}
	end, e := cwTime(in, "EndTime")
	if e != nil {
		return nil, e
	}
	if !start.Before(end) {
		return nil, errf(400, "ValidationError", "The parameter StartTime must be less than the parameter EndTime.")
	}
	maxPoints := cwMaxDatapoints
	if v, ok := in["MaxDatapoints"]; ok {
		n, err := cbor.AsInt64(v)
		if err != nil || n < 1 {
			return nil, errf(400, "InvalidParameterValue", "The value for parameter MaxDatapoints must be a positive integer.")
		}
		maxPoints = int(min(n, cwMaxDatapoints))
	}
	descending := true
	if v, ok := in["ScanBy"]; ok {
		s, _ := v.(cbor.String)
		switch s {
		case "TimestampDescending":
		case "TimestampAscending":
			descending = false
		default:
			return nil, errf(400, "ValidationError", "1 validation error detected: Value '%s' at 'scanBy' failed to satisfy constraint: Member must satisfy enum value set: [TimestampDescending, TimestampAscending]", s)
		}
	}
	first := 0
	if v, ok := in["NextToken"]; ok {
		tok, _ := v.(cbor.String)
		n, ok := decodeToken(string(tok), c.action)
		if !ok || n >= len(qs) {
			return nil, errf(400, "InvalidNextToken", "The service couldn't process your request because the NextToken is invalid.")
		}
		first = n
	}
	var results cbor.List
	points, next := 0, ""
	for i := first; i < len(qs); i++ {
		q := qs[i]
		if !q.returnData {
			continue
		}
		times, values := c.sb.datapoints(c.account(), c.region, q, start, end, descending)
		if points > 0 && points+len(times) > maxPoints {
			next = encodeToken(i, c.action)
			break
		}
		points += len(times)
		ts := make(cbor.List, len(times))
		vs := make(cbor.List, len(values))
		for j := range times {
			ts[j] = &cbor.Tag{ID: 1, Value: cbor.Float64(float64(times[j].Unix()))}
			vs[j] = cbor.Float64(values[j])
		}
		label := q.label
		if label == "" {
			label = q.metric
		}
		results = append(results, cbor.Map{
			"Id":         cbor.String(q.id),
			"Label":      cbor.String(label),
			"Timestamps": ts,
			"Values":     vs,
			"StatusCode": cbor.String("Complete"),
			"Messages":   cbor.List{},
		})
	}
	out := cbor.Map{"MetricDataResults": results, "Messages": cbor.List{}}
	if results == nil {
		out["MetricDataResults"] = cbor.List{}
	}
	if next != "" {
		out["NextToken"] = cbor.String(next)
	}
	return out, nil
}

// cwQueries checks and decodes MetricDataQueries.
func cwQueries(in cbor.Map) ([]cwQuery, *apiError) {
	raw, ok := in["MetricDataQueries"].(cbor.List)
	if !ok {
		return nil, errf(400, "MissingParameter", "The parameter MetricDataQueries is required.")
	}
	if len(raw) == 0 || len(raw) > cwMaxQueries {
		return nil, errf(400, "ValidationError", "The collection MetricDataQueries must not have a size greater than %d or less than 1 (it has %d).", cwMaxQueries, len(raw))
	}
	seen := map[string]bool{}
	out := make([]cwQuery, 0, len(raw))
	for i, r := range raw {
		m, _ := r.(cbor.Map)
		where := fmt.Sprintf("MetricDataQueries.member.%d", i+1)
		q := cwQuery{id: str(m["Id"]), label: str(m["Label"]), returnData: true}
		if !reMetricID.MatchString(q.id) {
			return nil, errf(400, "ValidationError", "The value %q for parameter %s.Id is not valid: it must start with a lowercase letter and contain only letters, numbers and underscores.", q.id, where)
		}
		if seen[q.id] {
			return nil, errf(400, "ValidationError", "The value %s for parameter MetricDataQueries is not valid: Id %s is used more than once.", q.id, q.id)
		}
		seen[q.id] = true
		if b, ok := m["ReturnData"].(cbor.Bool); ok {
			q.returnData = bool(b)
		}
		if _, ok := m["Expression"]; ok {
			return nil, errf(400, "ValidationError", "%s: the sandbox does not evaluate metric math expressions; query with MetricStat", where)
		}
		ms, ok := m["MetricStat"].(cbor.Map)
		if !ok {
			return nil, errf(400, "ValidationError", "%s: exactly one of MetricStat and Expression is required.", where)
		}
		metric, _ := ms["Metric"].(cbor.Map)
		q.namespace, q.metric = str(metric["Namespace"]), str(metric["MetricName"])
		if q.namespace == "" || q.metric == "" {
			return nil, errf(400, "ValidationError", "%s.MetricStat.Metric: Namespace and MetricName are required.", where)
		}
		q.dims = map[string]string{}
		dl, _ := metric["Dimensions"].(cbor.List)
		if len(dl) > 30 {
			return nil, errf(400, "InvalidParameterValue", "%s: at most 30 dimensions.", where)
		}
		for _, d := range dl {
			dm, _ := d.(cbor.Map)
			q.dims[str(dm["Name"])] = str(dm["Value"])
		}
		p, err := cbor.AsInt64(ms["Period"])
		if err != nil || p < 1 || (p >= 60 && p%60 != 0) || (p < 60 && 60%p != 0) {
			return nil, errf(400, "InvalidParameterValue", "%s.MetricStat.Period must be 1, 5, 10, 30 or a multiple of 60 seconds.", where)
		}
		q.period = int(p)
		q.stat = str(ms["Stat"])
		if !contains(cwStats, q.stat) {
			return nil, errf(400, "InvalidParameterValue", "%s.MetricStat.Stat %q is not one the sandbox computes (%s).", where, q.stat, strings.Join(cwStats, ", "))
		}
		out = append(out, q)
	}
	return out, nil
}

func str(v cbor.Value) string {
	s, _ := v.(cbor.String)
	return string(s)
}

func cwTime(in cbor.Map, name string) (time.Time, *apiError) {
	v, ok := in[name]
	if !ok {
		return time.Time{}, errf(400, "MissingParameter", "The parameter %s is required.", name)
	}
	t, err := cbor.AsTime(v)
	if err != nil {
		return time.Time{}, errf(400, "InvalidParameterValue", "The parameter %s is not a timestamp: %v", name, err)
	}
	return t.UTC(), nil
}

// datapoints computes one query's series over [start, end): one datapoint
// per period, starting at start cut to the minute, for a series that
// matches namespace, name and the exact set of dimensions; none otherwise.
// Called with s.mu held.
func (s *Sandbox) datapoints(account, region string, q cwQuery, start, end time.Time, descending bool) ([]time.Time, []float64) {
	ser := s.series(account, region, q.namespace, q.metric, q.dims)
	if ser == nil {
		return nil, nil
	}
	minutes := float64(q.period) / 60
	var ts []time.Time
	var vs []float64
	for t := start.Truncate(time.Minute); t.Before(end); t = t.Add(time.Duration(q.period) * time.Second) {
		v := ser.Value
		switch q.stat {
		case "Sum":
			v *= minutes
		case "SampleCount":
			v = math.Max(minutes, 1)
		}
		ts = append(ts, t)
		vs = append(vs, v)
	}
	if descending {
		for i, j := 0, len(ts)-1; i < j; i, j = i+1, j-1 {
			ts[i], ts[j] = ts[j], ts[i]
			vs[i], vs[j] = vs[j], vs[i]
		}
	}
	return ts, vs
}

// series finds the world's series for an account (id) and region. Called
// with s.mu held.
func (s *Sandbox) series(account, region, namespace, metric string, dims map[string]string) *MetricSeries {
	for i := range s.world.Metrics {
		m := &s.world.Metrics[i]
		if m.Region != region || m.Namespace != namespace || m.MetricName != metric || len(m.Dimensions) != len(dims) {
			continue
		}
		if a := s.world.account(m.Account); a == nil || a.ID != account {
			continue
		}
		same := true
		for k, v := range dims {
			if mv, ok := m.Dimensions[k]; !ok || mv != v {
				same = false
				break
			}
		}
		if same {
			return m
		}
	}
	return nil
}

// SetMetric sets the per-minute value of a metric series of an account
// (alias or id) in a region, adding the series if it is new. Dimensions
// must be given exactly as queries will name them. It lasts while the
// sandbox runs (it is not saved to StatePath).
func (s *Sandbox) SetMetric(account, region, namespace, metric string, dims map[string]string, perMinute float64) error {
	a := s.world.account(account)
	if a == nil {
		return fmt.Errorf("sandbox: no account %q (accounts: %s)", account, strings.Join(s.aliases(), ", "))
	}
	if !s.servesRegion(region) {
		return fmt.Errorf("sandbox: region %q is not served (regions: %s)", region, strings.Join(s.world.Regions, ", "))
	}
	if namespace == "" || metric == "" {
		return errors.New("sandbox: a metric needs a namespace and a name")
	}
	if perMinute < 0 || math.IsNaN(perMinute) || math.IsInf(perMinute, 0) {
		return fmt.Errorf("sandbox: metric %s %s: value %g must be a finite number, 0 or more", namespace, metric, perMinute)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.series(a.ID, region, namespace, metric, dims); m != nil {
		m.Value = perMinute
		return nil
	}
	cp := make(map[string]string, len(dims))
	for k, v := range dims {
		cp[k] = v
	}
	s.world.Metrics = append(s.world.Metrics, MetricSeries{Account: a.ID, Region: region, Namespace: namespace, MetricName: metric, Dimensions: cp, Value: perMinute})
	return nil
}

// EndpointMetricDimensions are the dimensions AWS publishes an interface
// endpoint's metrics under in AWS/PrivateLinkEndpoints (the per-endpoint
// set; a per-subnet set adds "Subnet Id").
func EndpointMetricDimensions(endpointType, serviceName, endpointID, vpcID string) map[string]string {
	return map[string]string{"Endpoint Type": endpointType, "Service Name": serviceName, "VPC Endpoint Id": endpointID, "VPC Id": vpcID}
}

// SetEndpointMetric sets a metric (PacketsDropped, RstPacketsReceived,
// BytesProcessed, ActiveConnections, NewConnections) of endpoint id per
// minute, in its account and region under the endpoint's dimensions.
func (s *Sandbox) SetEndpointMetric(id, metric string, perMinute float64) error {
	s.mu.Lock()
	ep, ok := s.st.Endpoints[id]
	var acct, region string
	var dims map[string]string
	if ok {
		acct, region = ep.Account, ep.Region
		dims = EndpointMetricDimensions(ep.Type, ep.ServiceName, ep.ID, ep.VpcID)
	}
	var ids string
	if !ok {
		ids = s.endpointIDs(s.now())
	}
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("sandbox: no endpoint %s (endpoints: %s)", id, ids)
	}
	return s.SetMetric(acct, region, NamespaceEndpoints, metric, dims, perMinute)
}

// SetServiceMetric sets a metric (BytesProcessed, ActiveConnections,
// NewConnections, RstPacketsSent) of endpoint service id per minute, under
// the dimension AWS publishes service totals with ("Service Id").
func (s *Sandbox) SetServiceMetric(id, metric string, perMinute float64) error {
	s.mu.Lock()
	sv, ok := s.st.Services[id]
	var acct, region string
	if ok {
		acct, region = sv.Account, sv.Region
	}
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("sandbox: no endpoint service %s", id)
	}
	return s.SetMetric(acct, region, NamespaceServices, metric, map[string]string{"Service Id": id}, perMinute)
}

// WorldPath is the HTTP path of the control endpoint that changes the
// world while serving, from outside the process (curl, scripts): POST form
//
//	kind=target-health  arn=TG-or-LB-ARN  zone=NAME-or-ID (optional)  state=healthy|unhealthy|…
//	kind=cross-zone     arn=LB-ARN        state=on|off
//	kind=endpoint-metric id=vpce-…  metric=NAME  value=PER-MINUTE
//	kind=service-metric  id=vpce-svc-…  metric=NAME  value=PER-MINUTE
//	kind=metric account=ALIAS region=R namespace=NS metric=NAME dimension=Name=Value… value=PER-MINUTE
//
// Like ForcePath it answers only loopback clients: "ok", or the error with
// status 400.
const WorldPath = "/_plink/world"

func (s *Sandbox) serveWorld(w http.ResponseWriter, r *http.Request) {
	if !controlForm(w, r, WorldPath) {
		return
	}
	f := r.PostForm
	value := func() (float64, error) {
		v, err := strconv.ParseFloat(f.Get("value"), 64)
		if err != nil {
			return 0, fmt.Errorf("sandbox: value %q is not a number", f.Get("value"))
		}
		return v, nil
	}
	var err error
	switch kind := f.Get("kind"); kind {
	case "target-health":
		err = s.ForceTargetHealth(f.Get("arn"), f.Get("zone"), f.Get("state"))
	case "cross-zone":
		switch f.Get("state") {
		case "on", "true":
			err = s.ForceCrossZone(f.Get("arn"), true)
		case "off", "false":
			err = s.ForceCrossZone(f.Get("arn"), false)
		default:
			err = fmt.Errorf("sandbox: cross-zone state %q is not on or off", f.Get("state"))
		}
	case "endpoint-metric", "service-metric", "metric":
		var v float64
		if v, err = value(); err != nil {
			break
		}
		switch kind {
		case "endpoint-metric":
			err = s.SetEndpointMetric(f.Get("id"), f.Get("metric"), v)
		case "service-metric":
			err = s.SetServiceMetric(f.Get("id"), f.Get("metric"), v)
		default:
			dims := map[string]string{}
			for _, d := range f["dimension"] {
				k, val, ok := strings.Cut(d, "=")
				if !ok {
					err = fmt.Errorf("sandbox: dimension %q is not Name=Value", d)
					break
				}
				dims[k] = val
			}
			if err == nil {
				err = s.SetMetric(f.Get("account"), f.Get("region"), f.Get("namespace"), f.Get("metric"), dims, v)
			}
		}
	default:
		err = fmt.Errorf("sandbox: unknown kind %q (valid: target-health, cross-zone, endpoint-metric, service-metric, metric)", kind)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintln(w, err)
		return
	}
	fmt.Fprintln(w, "ok")
}

// cwTimestamps are the members AWS JSON 1.0 carries as epoch seconds and
// CBOR as tag 1: the JSON body is turned into the CBOR model, with these
// tagged, so one handler serves both protocols.
var cwTimestamps = map[string]bool{"StartTime": true, "EndTime": true}

func cwFromJSON(body []byte) (cbor.Map, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("the body must be a JSON object")
	}
	out := jsonToCBOR(m).(cbor.Map)
	for k := range cwTimestamps {
		switch f := out[k].(type) {
		case cbor.Float64, cbor.Uint:
			out[k] = &cbor.Tag{ID: 1, Value: f}
		}
	}
	return out, nil
}

func jsonToCBOR(v any) cbor.Value {
	switch x := v.(type) {
	case map[string]any:
		m := cbor.Map{}
		for k, e := range x {
			m[k] = jsonToCBOR(e)
		}
		return m
	case []any:
		l := make(cbor.List, len(x))
		for i, e := range x {
			l[i] = jsonToCBOR(e)
		}
		return l
	case string:
		return cbor.String(x)
	case bool:
		return cbor.Bool(x)
	case json.Number:
		if i, err := x.Int64(); err == nil && i >= 0 {
			return cbor.Uint(i)
		}
		f, _ := x.Float64()
		return cbor.Float64(f)
	}
	return &cbor.Nil{}
}

func cborToJSON(v cbor.Value) any {
	switch x := v.(type) {
	case cbor.Map:
		m := map[string]any{}
		for k, e := range x {
			m[k] = cborToJSON(e)
		}
		return m
	case cbor.List:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = cborToJSON(e)
		}
		return l
	case *cbor.Tag:
		return cborToJSON(x.Value) // epoch seconds
	case cbor.String:
		return string(x)
	case cbor.Bool:
		return bool(x)
	case cbor.Float64:
		return float64(x)
	case cbor.Uint:
		return uint64(x)
	}
	return nil
}

func writeCWJSON(w http.ResponseWriter, e *apiError, out cbor.Map) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	if e != nil {
		typ := e.Code
		if t, ok := cwErrorTypes[typ]; ok {
			typ = t
		}
		fault := "Sender"
		if e.Status >= 500 {
			fault = "Receiver"
		}
		h.Set("X-Amzn-Query-Error", e.Code+";"+fault)
		w.WriteHeader(e.Status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.cloudwatch#" + typ, "message": e.Message})
		return
	}
	if out == nil {
		out = cbor.Map{}
	}
	w.WriteHeader(200)
	_ = json.NewEncoder(w).Encode(cborToJSON(out))
}
