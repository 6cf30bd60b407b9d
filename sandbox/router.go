package sandbox

// Routing: decode a Query-protocol request, pick the service from the SigV4
// credential scope (or the Version parameter when unsigned), authenticate,
// apply fault injection and throttling, dispatch and encode the reply.

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	svcEC2 = "ec2"
	svcELB = "elasticloadbalancing"
	svcSTS = "sts"
)

var apiVersions = map[string]string{
	"2016-11-15": svcEC2,
	"2015-12-01": svcELB,
	"2011-06-15": svcSTS,
	"2010-03-31": svcSNS, // sns.go
}

// call is one API request being served.
type call struct {
	sb      *Sandbox
	service string
	action  string
	region  string
	p       params
	caller  *identity
	now     time.Time
	reqID   string
	net     *netInfo // caller's network in region
	// dryRun is EC2's DryRun=true: authorize, then answer DryRunOperation.
	dryRun bool
}

func (c *call) account() string { return c.caller.Account }

type handlerFunc func(c *call) ([]xn, *apiError)

var handlers map[string]map[string]handlerFunc

func init() {
	handlers = map[string]map[string]handlerFunc{
		svcEC2: ec2Handlers(),
		svcELB: {
			"DescribeLoadBalancers": elbDescribeLoadBalancers,
			"DescribeTags":          elbDescribeTags,
			// elb_targets.go
			"DescribeTargetGroups":           elbDescribeTargetGroups,
			"DescribeTargetHealth":           elbDescribeTargetHealth,
			"DescribeLoadBalancerAttributes": elbDescribeLoadBalancerAttributes,
		},
		svcSTS: {
			"GetCallerIdentity":          stsGetCallerIdentity,
			"AssumeRole":                 stsAssumeRole,
			"DecodeAuthorizationMessage": stsDecodeAuthorizationMessage, // authz.go
		},
		svcSNS: snsHandlers(),
	}
}

// Handler returns the http.Handler that serves the AWS APIs.
// It also serves ForcePath to loopback clients.
func (s *Sandbox) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == ForcePath {
			s.serveForce(w, r)
			return
		}
		if r.URL.Path == CallsPath {
			s.serveCalls(w, r) // control_calls.go
			return
		}
		if r.URL.Path == WorldPath {
			s.serveWorld(w, r)
			return
		}
		if isRoute53(r) {
			s.serveRoute53(w, r) // route53.go
			return
		}
		if isCloudWatch(r) {
			s.serveCloudWatch(w, r) // cloudwatch.go
			return
		}
		if isLatticeAPI(r) {
			s.serveLatticeAPI(w, r) // lattice_api.go
			return
		}
		s.serveHTTP(w, r)
	})
}

func (s *Sandbox) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	reqID := s.requestID()
	s.mu.Unlock()
	body, p, err := readParams(r)
	if err != nil {
		writeXML(w, 400, ec2ErrorBody(errf(400, "MalformedQueryString", "cannot read request body"), reqID))
		return
	}
	action := p.str("Action")
	sig, signed, aerr := parseAuth(r)
	service := apiVersions[p.str("Version")]
	if sig != nil {
		service = sig.Service
	}
	reply := func(e *apiError, kids []xn) {
		s.reply(w, service, action, reqID, e, kids)
	}
	if service == "" {
		service = svcEC2
	}
	if aerr == nil && !signed {
		aerr = authErrorsFor(service).missing
	}
	if aerr != nil {
		reply(aerr, nil)
		return
	}
	h, caller, aerr := s.route(r, body, sig, service, action)
	if aerr != nil {
		reply(aerr, nil)
		return
	}
	region := sig.Region
	s.count(service, action, caller.Account, region)

	if s.opts.Latency > 0 {
		time.Sleep(s.opts.Latency)
	}
	if s.drawReset() {
		resetConnection(w)
		return
	}
	if e := s.refusal(service, action, caller.Account, region); e != nil {
		reply(e, nil)
		return
	}

	c := &call{sb: s, service: service, action: action, region: region, p: p, caller: caller, reqID: reqID}
	if service == svcEC2 {
		c.dryRun, _, _ = p.boolean("DryRun")
		if c.dryRun {
			s.countDryRun(service, action, caller.Account, region) // authz.go
		}
	}
	kids, e := s.dispatch(h, c)
	reply(e, kids)
}

// readParams reads a query-protocol request: its body (at most 4 MiB) and
// its parameters, the form of the body (when it is one) and the URL's
// query.
func readParams(r *http.Request) ([]byte, params, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return nil, nil, err
	}
	form, qerr := url.ParseQuery(string(body))
	if qerr != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") && len(body) > 0 {
		form = url.Values{}
	}
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			form.Add(k, v)
		}
	}
	return body, params(form), nil
}

// route finds the handler of a signed request and its caller, refusing a
// service, region or action the sandbox does not serve and a caller it
// does not know, in the order AWS checks them.
func (s *Sandbox) route(r *http.Request, body []byte, sig *sigv4, service, action string) (handlerFunc, *identity, *apiError) {
	table, ok := handlers[service]
	if !ok {
		return nil, nil, errf(400, "InvalidAction", "The sandbox does not serve the service %q (it serves ec2, elasticloadbalancing, sts, sns; and CloudWatch).", service)
	}
	caller, aerr := s.authenticate(r, body, sig, service)
	if aerr != nil {
		return nil, nil, aerr
	}
	if service != svcSTS && !s.servesRegion(sig.Region) {
		return nil, nil, errf(400, "InvalidParameterValue", "The sandbox does not serve region %q (regions: %s).", sig.Region, strings.Join(s.world.Regions, ", "))
	}
	if action == "" {
		return nil, nil, errf(400, "MissingAction", "The request must contain the parameter Action.")
	}
	h, ok := table[action]
	if !ok {
		return nil, nil, errf(400, "InvalidAction", "The action %s is not valid for this web service.", action)
	}
	return h, caller, nil
}

// resetConnection closes the client's connection without an answer (a
// drawn connection reset).
func resetConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// dispatch runs a handler under the state lock and saves what it changed.
// A handler that panics (a bug, or a state file edited into something the
// code does not expect) answers 500 InternalError to its own request only:
// the lock is released and nothing it half-changed is saved.
func (s *Sandbox) dispatch(h handlerFunc, c *call) (kids []xn, e *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		if v := recover(); v != nil {
			kids, e = nil, errf(500, "InternalError", "sandbox: %s failed inside the sandbox: %v (check the state file, or start over with 'plink sandbox reset')", c.action, v)
		}
	}()
	c.now = s.now()
	c.net = s.net(c.caller.Account, c.region)
	if s.panicHook != nil {
		s.panicHook(c.action)
	}
	// Authorization comes first, as in AWS: a refused call learns nothing
	// about the resources it names, and DryRun answers only whether it
	// would have been allowed.
	if e := s.authorize(c); e != nil {
		return nil, e
	}
	if c.dryRun {
		return nil, errf(412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	}
	kids, e = h(c)
	if e == nil && (IsMutating(c.action) || c.action == "AssumeRole") {
		if err := s.saveLocked(); err != nil {
			return nil, errf(500, "InternalError", "sandbox: saving state: %v", err)
		}
	}
	return kids, e
}

func (s *Sandbox) servesRegion(region string) bool {
	for _, r := range s.world.Regions {
		if r == region {
			return true
		}
	}
	return false
}

// requestID returns a UUID-shaped request id. Called with s.mu held.
func (s *Sandbox) requestID() string {
	const hexd = "0123456789abcdef"
	b := make([]byte, 32)
	for i := range b {
		b[i] = hexd[s.rng.Intn(16)]
	}
	h := string(b)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}

func (s *Sandbox) reply(w http.ResponseWriter, service, action, reqID string, e *apiError, kids []xn) {
	switch service {
	case svcELB, svcSTS, svcSNS:
		ns := map[string]string{svcELB: elbNS, svcSTS: stsNS, svcSNS: snsNS}[service]
		if e != nil {
			writeXML(w, e.Status, queryErrorBody(ns, e, reqID))
			return
		}
		writeXML(w, 200, queryBody(ns, action, reqID, kids))
	default:
		if e != nil {
			writeXML(w, e.Status, ec2ErrorBody(e, reqID))
			return
		}
		writeXML(w, 200, ec2Body(action, reqID, kids))
	}
}
