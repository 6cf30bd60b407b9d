package sandbox

// Route 53, the calls plink makes to publish the TXT record that verifies an
// endpoint service's private DNS name, in the SDK's REST-XML protocol
// (service/route53's serializers.go and deserializers.go): GET
// /2013-04-01/hostedzonesbyname (ListHostedZonesByName), GET and POST
// /2013-04-01/hostedzone/ID/rrset (ListResourceRecordSets,
// ChangeResourceRecordSets) and GET /2013-04-01/change/ID (GetChange).
//
// Hosted zones are part of the world (World.HostedZones), each in one
// account; records are state. A change is PENDING for
// Options.DNSChangeDelay, then INSYNC; only records whose change is INSYNC
// answer public DNS, which is what private DNS verification looks at
// (verifyPrivateDNS). Route 53 is global: requests are signed for
// us-east-1 (the SDK's endpoint rules for the aws partition) whatever
// region the world serves.

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	// svcRoute53 is the IAM service prefix and SigV4 signing name.
	svcRoute53 = "route53"
	// r53Prefix starts every Route 53 request path (the API version).
	r53Prefix = "/2013-04-01/"
	r53NS     = "https://route53.amazonaws.com/doc/2013-04-01/"
	// r53SigningRegion is where Route 53 requests are signed in the aws
	// partition.
	r53SigningRegion = "us-east-1"
)

// HostedZone is a Route 53 hosted zone of the world.
type HostedZone struct {
	// ID is the zone id without its /hostedzone/ prefix (Z and up to 32
	// upper-case letters and digits).
	ID string `yaml:"id"`
	// Name is the zone's domain name, without the final dot.
	Name string `yaml:"name"`
	// Account is the alias or id of the account that owns the zone.
	Account string `yaml:"account"`
	// Private marks a private hosted zone: its records answer only inside
	// the VPCs it is associated with, never public DNS.
	Private bool `yaml:"private"`
	// Undelegated marks a public zone the domain is not delegated to (a
	// zone created but not named by the parent domain's NS records): its
	// records answer no public query, so they verify nothing.
	Undelegated bool `yaml:"undelegated"`
}

var (
	reZoneID   = regexp.MustCompile(`^Z[A-Z0-9]{1,32}$`)
	reZoneName = regexp.MustCompile(`^([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z]{2,63}$`)
)

func (w *World) validateZones() []error {
	var errs []error
	seen := map[string]bool{}
	for i, z := range w.HostedZones {
		where := fmt.Sprintf("hostedZones[%d] (%s)", i, z.ID)
		if !reZoneID.MatchString(z.ID) || seen[z.ID] {
			errs = append(errs, fmt.Errorf("%s: id must be unique, Z and 1-32 upper-case letters or digits", where))
		}
		seen[z.ID] = true
		if !reZoneName.MatchString(z.Name) {
			errs = append(errs, fmt.Errorf("%s: name %q must be a lower-case domain name like example.com, without the final dot", where, z.Name))
		}
		if w.account(z.Account) == nil {
			errs = append(errs, fmt.Errorf("%s: account %q is not an account of the world", where, z.Account))
		}
	}
	return errs
}

// rrset is one resource record set of a hosted zone.
type rrset struct {
	Name   string   `json:"name"` // lower case, without the final dot
	Type   string   `json:"type"`
	TTL    int64    `json:"ttl"`
	Values []string `json:"values"` // as given, TXT values with their quotes
	// Change is the id of the change that last wrote it.
	Change string `json:"change"`
}

// dnsChange is a submitted change batch.
type dnsChange struct {
	ID        string    `json:"id"`
	Submitted time.Time `json:"submitted"`
}

// zoneOf returns the world's hosted zone id, with the account it is in.
func (s *Sandbox) zone(id string) (*HostedZone, *Account) {
	for i := range s.world.HostedZones {
		z := &s.world.HostedZones[i]
		if z.ID == id {
			return z, s.world.account(z.Account)
		}
	}
	return nil, nil
}

// changeStatus is PENDING until Options.DNSChangeDelay has passed, then
// INSYNC.
func (s *Sandbox) changeStatus(ch *dnsChange, now time.Time) string {
	if now.Before(ch.Submitted.Add(s.opts.DNSChangeDelay)) {
		return "PENDING"
	}
	return "INSYNC"
}

// publicTXT reports whether public DNS answers name (lower case, no final
// dot) with a TXT record holding value: a record in a public hosted zone of
// the world whose change is INSYNC.
func (s *Sandbox) publicTXT(name, value string, now time.Time) bool {
	for _, z := range s.world.HostedZones {
		if z.Private || z.Undelegated {
			continue
		}
		rs := s.st.DNSRecords[z.ID][name+"|TXT"]
		if rs == nil {
			continue
		}
		if ch := s.st.DNSChanges[rs.Change]; ch != nil && s.changeStatus(ch, now) != "INSYNC" {
			continue
		}
		for _, v := range rs.Values {
			if txtString(v) == value {
				return true
			}
		}
	}
	return false
}

// inPublicZone reports whether a domain lies in a public hosted zone of the
// world: only then does the sandbox decide verification by its records.
func (s *Sandbox) inPublicZone(domain string) bool {
	for _, z := range s.world.HostedZones {
		if !z.Private && (domain == z.Name || strings.HasSuffix(domain, "."+z.Name)) {
			return true
		}
	}
	return false
}

// txtString is a TXT value's text: its quoted strings joined, unescaped.
func txtString(v string) string {
	var b strings.Builder
	in := false
	for i := 0; i < len(v); i++ {
		ch := v[i]
		switch {
		case ch == '"':
			in = !in
		case ch == '\\' && in && i+1 < len(v):
			i++
			b.WriteByte(v[i])
		case in:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// isRoute53 reports whether a request is for Route 53.
func isRoute53(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, r53Prefix) }

// r53Call is one Route 53 request being served.
type r53Call struct {
	*call
	method string
	path   []string // after the version, split on '/'
	query  url.Values
	body   []byte
}

type r53Handler func(c *r53Call) (string, []xn, *apiError)

// r53Route picks the action of a request by method and path.
func r53Route(method string, path []string) (string, r53Handler) {
	switch {
	case method == http.MethodGet && len(path) == 1 && path[0] == "hostedzonesbyname":
		return "ListHostedZonesByName", r53ListZonesByName
	case len(path) == 3 && path[0] == "hostedzone" && path[2] == "rrset" && method == http.MethodGet:
		return "ListResourceRecordSets", r53ListRecords
	case len(path) == 3 && path[0] == "hostedzone" && path[2] == "rrset" && method == http.MethodPost:
		return "ChangeResourceRecordSets", r53ChangeRecords
	case method == http.MethodGet && len(path) == 2 && path[0] == "change":
		return "GetChange", r53GetChange
	}
	return "", nil
}

// serveRoute53 serves one Route 53 request: authentication, counting and
// faults as for the other APIs, then the action.
func (s *Sandbox) serveRoute53(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	reqID := s.requestID()
	s.mu.Unlock()
	reply := func(root string, e *apiError, kids []xn) { writeXML(w, statusOf(e), r53Body(root, reqID, e, kids)) }
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		reply("", errf(400, "InvalidInput", "cannot read request body"), nil)
		return
	}
	// Segments are split before unescaping: an id may carry an escaped
	// slash (GetChange's Id as ChangeInfo gives it, /change/C...).
	path := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.EscapedPath(), r53Prefix), "/"), "/")
	for i, seg := range path {
		if u, err := url.PathUnescape(seg); err == nil {
			path[i] = u
		}
	}
	action, h := r53Route(r.Method, path)
	sig, signed, aerr := parseAuth(r)
	switch {
	case aerr != nil:
		reply("", aerr, nil)
		return
	case !signed:
		reply("", authErrorsFor(svcRoute53).missing, nil)
		return
	case sig.Service != svcRoute53:
		reply("", errf(400, "InvalidAction", "The sandbox serves %s only for the signing name %q, not %q.", r.URL.Path, svcRoute53, sig.Service), nil)
		return
	}
	caller, aerr := s.authenticate(r, body, sig, svcRoute53)
	if aerr != nil {
		reply("", aerr, nil)
		return
	}
	if sig.Region != r53SigningRegion {
		// Route 53 is global: the aws partition signs for us-east-1.
		reply("", errf(403, "SignatureDoesNotMatch", "Credential should be scoped to a valid region, not '%s'.", sig.Region), nil)
		return
	}
	if h == nil {
		reply("", errf(404, "UnknownOperationException", "The sandbox does not serve %s %s (it serves ListHostedZonesByName, ListResourceRecordSets, ChangeResourceRecordSets, GetChange).", r.Method, r.URL.Path), nil)
		return
	}
	s.count(svcRoute53, action, caller.Account, r53SigningRegion)
	if s.opts.Latency > 0 {
		time.Sleep(s.opts.Latency)
	}
	if e := s.takeFault(action, caller.Account, r53SigningRegion); e != nil {
		reply("", e, nil)
		return
	}
	if e := s.drawServerError(); e != nil {
		reply("", e, nil)
		return
	}
	c := &r53Call{call: &call{sb: s, service: svcRoute53, action: action, region: r53SigningRegion, caller: caller, reqID: reqID},
		method: r.Method, path: path, query: r.URL.Query(), body: body}
	root, kids, e := s.dispatchRoute53(h, c)
	reply(root, e, kids)
}

func statusOf(e *apiError) int {
	if e == nil {
		return 200
	}
	return e.Status
}

// dispatchRoute53 runs a handler under the state lock and saves what a
// change did; a panic answers 500 to its own request only.
func (s *Sandbox) dispatchRoute53(h r53Handler, c *r53Call) (root string, kids []xn, e *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		if v := recover(); v != nil {
			root, kids, e = "", nil, errf(500, "InternalError", "sandbox: %s failed inside the sandbox: %v", c.action, v)
		}
	}()
	c.now = s.now()
	if s.panicHook != nil {
		s.panicHook(c.action)
	}
	c.authzParams() // authz_requests.go
	if e := s.authorize(c.call); e != nil {
		return "", nil, e
	}
	root, kids, e = h(c)
	if e == nil && c.action == "ChangeResourceRecordSets" {
		if err := s.saveLocked(); err != nil {
			return "", nil, errf(500, "InternalError", "sandbox: saving state: %v", err)
		}
	}
	return root, kids, e
}

// r53Body renders a reply: the action's root element, or an error as
// Route 53 sends it (InvalidChangeBatch in its own shape, which the SDK's
// customization reads).
func r53Body(root, reqID string, e *apiError, kids []xn) string {
	var b strings.Builder
	b.WriteString(xmlHead)
	switch {
	case e != nil && e.Code == "InvalidChangeBatch":
		fmt.Fprintf(&b, `<InvalidChangeBatch xmlns="%s">`, r53NS)
		el("Messages", tx("Message", e.Message)).write(&b)
		tx("RequestId", reqID).write(&b)
		b.WriteString("</InvalidChangeBatch>")
	case e != nil:
		typ := "Sender"
		if e.Status >= 500 {
			typ = "Receiver"
		}
		fmt.Fprintf(&b, `<ErrorResponse xmlns="%s">`, r53NS)
		el("Error", tx("Type", typ), tx("Code", e.Code), tx("Message", e.Message)).write(&b)
		tx("RequestId", reqID).write(&b)
		b.WriteString("</ErrorResponse>")
	default:
		fmt.Fprintf(&b, `<%s xmlns="%s">`, root, r53NS)
		for _, k := range kids {
			k.write(&b)
		}
		fmt.Fprintf(&b, "</%s>", root)
	}
	return b.String()
}

// dnsKey orders names as Route 53 lists them: labels reversed
// (www.example.com sorts as com.example.www).
func dnsKey(name string) string {
	labels := strings.Split(strings.TrimSuffix(strings.ToLower(name), "."), ".")
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
	}
	return strings.Join(labels, ".")
}

func fqdn(name string) string { return strings.TrimSuffix(strings.ToLower(name), ".") + "." }

func maxItems(q url.Values, def, most int) (int, *apiError) {
	v := q.Get("maxitems")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, errf(400, "InvalidInput", "maxitems %q must be a positive integer", v)
	}
	return min(n, most), nil
}

// ownZone is a hosted zone of the caller's account, or NoSuchHostedZone.
func (c *r53Call) ownZone(id string) (*HostedZone, *apiError) {
	id = strings.TrimPrefix(strings.TrimPrefix(id, "/"), "hostedzone/")
	z, a := c.sb.zone(id)
	if z == nil || a.ID != c.account() {
		return nil, errf(404, "NoSuchHostedZone", "No hosted zone found with ID: %s", id)
	}
	return z, nil
}

func r53ListZonesByName(c *r53Call) (string, []xn, *apiError) {
	dns, zid := c.query.Get("dnsname"), c.query.Get("hostedzoneid")
	if zid != "" && dns == "" {
		return "", nil, errf(400, "InvalidInput", "hostedzoneid requires dnsname")
	}
	n, e := maxItems(c.query, 100, 100)
	if e != nil {
		return "", nil, e
	}
	var zones []*HostedZone
	for i := range c.sb.world.HostedZones {
		z := &c.sb.world.HostedZones[i]
		if a := c.sb.world.account(z.Account); a != nil && a.ID == c.account() {
			zones = append(zones, z)
		}
	}
	sort.Slice(zones, func(i, j int) bool {
		if ki, kj := dnsKey(zones[i].Name), dnsKey(zones[j].Name); ki != kj {
			return ki < kj
		}
		return zones[i].ID < zones[j].ID
	})
	start := dnsKey(dns)
	var out []xn
	truncated := false
	var next *HostedZone
	for _, z := range zones {
		k := dnsKey(z.Name)
		if dns != "" && (k < start || k == start && zid != "" && z.ID < zid) {
			continue
		}
		if len(out) == n {
			truncated, next = true, z
			break
		}
		count := 2 + len(c.sb.st.DNSRecords[z.ID]) // SOA and NS
		out = append(out, el("HostedZone", tx("Id", "/hostedzone/"+z.ID), tx("Name", fqdn(z.Name)),
			tx("CallerReference", "sandbox-"+z.ID), el("Config", bl("PrivateZone", z.Private)),
			tx("ResourceRecordSetCount", strconv.Itoa(count))))
	}
	kids := []xn{{name: "HostedZones", kids: out}}
	if dns != "" {
		kids = append(kids, tx("DNSName", fqdn(dns)))
	}
	if zid != "" {
		kids = append(kids, tx("HostedZoneId", zid))
	}
	kids = append(kids, bl("IsTruncated", truncated))
	if next != nil {
		kids = append(kids, tx("NextDNSName", fqdn(next.Name)), tx("NextHostedZoneId", next.ID))
	}
	kids = append(kids, tx("MaxItems", strconv.Itoa(n)))
	return "ListHostedZonesByNameResponse", kids, nil
}

var r53Types = map[string]bool{"A": true, "AAAA": true, "CAA": true, "CNAME": true, "DS": true, "MX": true, "NAPTR": true,
	"NS": true, "PTR": true, "SOA": true, "SPF": true, "SRV": true, "TXT": true, "TLSA": true, "SSHFP": true, "SVCB": true, "HTTPS": true}

func (s *Sandbox) sortedRecords(zoneID string) []*rrset {
	var out []*rrset
	for _, rs := range s.st.DNSRecords[zoneID] {
		out = append(out, rs)
	}
	sort.Slice(out, func(i, j int) bool {
		if ki, kj := dnsKey(out[i].Name), dnsKey(out[j].Name); ki != kj {
			return ki < kj
		}
		return out[i].Type < out[j].Type
	})
	return out
}

func rrsetXN(rs *rrset) xn {
	var vals []xn
	for _, v := range rs.Values {
		vals = append(vals, el("ResourceRecord", tx("Value", v)))
	}
	return el("ResourceRecordSet", tx("Name", fqdn(rs.Name)), tx("Type", rs.Type), tx("TTL", strconv.FormatInt(rs.TTL, 10)),
		xn{name: "ResourceRecords", kids: vals})
}

func r53ListRecords(c *r53Call) (string, []xn, *apiError) {
	z, e := c.ownZone(c.path[1])
	if e != nil {
		return "", nil, e
	}
	name, typ := c.query.Get("name"), c.query.Get("type")
	if typ != "" && name == "" {
		return "", nil, errf(400, "InvalidInput", "The type parameter requires the name parameter")
	}
	if typ != "" && !r53Types[typ] {
		return "", nil, errf(400, "InvalidInput", "Invalid type: %s", typ)
	}
	n, e := maxItems(c.query, 300, 300)
	if e != nil {
		return "", nil, e
	}
	start := dnsKey(name)
	var out []xn
	var next *rrset
	for _, rs := range c.sb.sortedRecords(z.ID) {
		k := dnsKey(rs.Name)
		if name != "" && (k < start || k == start && typ != "" && rs.Type < typ) {
			continue
		}
		if len(out) == n {
			next = rs
			break
		}
		out = append(out, rrsetXN(rs))
	}
	kids := []xn{{name: "ResourceRecordSets", kids: out}, bl("IsTruncated", next != nil)}
	if next != nil {
		kids = append(kids, tx("NextRecordName", fqdn(next.Name)), tx("NextRecordType", next.Type))
	}
	kids = append(kids, tx("MaxItems", strconv.Itoa(n)))
	return "ListResourceRecordSetsResponse", kids, nil
}

// changeBatchXML is ChangeResourceRecordSetsRequest as the SDK serializes it.
type changeBatchXML struct {
	XMLName xml.Name `xml:"ChangeResourceRecordSetsRequest"`
	Changes []struct {
		Action string `xml:"Action"`
		RRSet  struct {
			Name    string `xml:"Name"`
			Type    string `xml:"Type"`
			TTL     *int64 `xml:"TTL"`
			Records []struct {
				Value string `xml:"Value"`
			} `xml:"ResourceRecords>ResourceRecord"`
		} `xml:"ResourceRecordSet"`
	} `xml:"ChangeBatch>Changes>Change"`
}

func batchError(format string, a ...any) *apiError {
	return errf(400, "InvalidChangeBatch", format, a...)
}

func r53ChangeRecords(c *r53Call) (string, []xn, *apiError) {
	z, e := c.ownZone(c.path[1])
	if e != nil {
		return "", nil, e
	}
	var req changeBatchXML
	if err := xml.Unmarshal(c.body, &req); err != nil {
		return "", nil, errf(400, "MalformedXML", "The XML you provided was not well-formed: %v", err)
	}
	if len(req.Changes) == 0 {
		return "", nil, errf(400, "InvalidInput", "ChangeBatch must contain at least one change")
	}
	// All or nothing: changes apply to a copy, kept only if every one is valid.
	work := map[string]*rrset{}
	for k, v := range c.sb.st.DNSRecords[z.ID] {
		work[k] = v
	}
	id := "C" + strings.ToUpper(c.sb.randAlnum(20))
	for _, ch := range req.Changes {
		rs := ch.RRSet
		name := strings.TrimSuffix(strings.ToLower(rs.Name), ".")
		if name != z.Name && !strings.HasSuffix(name, "."+z.Name) {
			return "", nil, batchError("RRSet with DNS name %s is not permitted in zone %s", fqdn(name), fqdn(z.Name))
		}
		if !r53Types[rs.Type] {
			return "", nil, errf(400, "InvalidInput", "Invalid type: %s", rs.Type)
		}
		if rs.TTL == nil || len(rs.Records) == 0 {
			return "", nil, batchError("Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=%s, Name=%s, Type=%s]", ch.Action, fqdn(name), rs.Type)
		}
		var vals []string
		for _, r := range rs.Records {
			if rs.Type == "TXT" && (len(r.Value) < 2 || r.Value[0] != '"' || r.Value[len(r.Value)-1] != '"') {
				return "", nil, batchError("Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value should be enclosed in quotation marks) encountered with '%s''", r.Value)
			}
			vals = append(vals, r.Value)
		}
		key := name + "|" + rs.Type
		cur := work[key]
		next := &rrset{Name: name, Type: rs.Type, TTL: *rs.TTL, Values: vals, Change: id}
		switch ch.Action {
		case "CREATE":
			if cur != nil {
				return "", nil, batchError("Tried to create resource record set [name='%s', type='%s'] but it already exists", fqdn(name), rs.Type)
			}
			work[key] = next
		case "UPSERT":
			work[key] = next
		case "DELETE":
			if cur == nil {
				return "", nil, batchError("Tried to delete resource record set [name='%s', type='%s'] but it was not found", fqdn(name), rs.Type)
			}
			if cur.TTL != next.TTL || strings.Join(cur.Values, "\n") != strings.Join(next.Values, "\n") {
				return "", nil, batchError("Tried to delete resource record set [name='%s', type='%s'] but the values provided do not match the current values", fqdn(name), rs.Type)
			}
			delete(work, key)
		default:
			return "", nil, errf(400, "InvalidInput", "Invalid action: %q (CREATE, DELETE or UPSERT)", ch.Action)
		}
	}
	c.sb.st.DNSRecords[z.ID] = work
	chg := &dnsChange{ID: id, Submitted: c.now}
	c.sb.st.DNSChanges[id] = chg
	return "ChangeResourceRecordSetsResponse", []xn{c.sb.changeInfo(chg, c.now)}, nil
}

func (s *Sandbox) changeInfo(ch *dnsChange, now time.Time) xn {
	return el("ChangeInfo", tx("Id", "/change/"+ch.ID), tx("Status", s.changeStatus(ch, now)), ts("SubmittedAt", ch.Submitted))
}

func r53GetChange(c *r53Call) (string, []xn, *apiError) {
	id := strings.TrimPrefix(c.path[1], "/change/")
	ch := c.sb.st.DNSChanges[id]
	if ch == nil {
		return "", nil, errf(404, "NoSuchChange", "A change with the specified change ID does not exist: %s", id)
	}
	return "GetChangeResponse", []xn{c.sb.changeInfo(ch, c.now)}, nil
}

// resolvePrivateDNS decides a verification started at DNSVerifyAt once
// Options.PrivateDNSVerifyDelay has passed: verified when public DNS has
// the TXT record AWS asked for, failed otherwise. Called with s.mu held.
func (s *Sandbox) resolvePrivateDNS(sv *service, now time.Time) {
	if sv.DNSVerifyAt.IsZero() || sv.DNSState != "pendingVerification" || now.Before(sv.DNSVerifyAt.Add(s.opts.PrivateDNSVerifyDelay)) {
		return
	}
	sv.DNSVerifyAt = time.Time{}
	sv.DNSState = s.verifyOutcome(sv, now)
}

// verifyOutcome looks for the record as AWS does: named DNSVerifyName
// under the private DNS name or any parent domain of it (AWS verifies
// a.example.com by a record for example.com too), holding DNSVerifyValue.
// A name outside every public hosted zone of the world is a domain whose
// DNS the sandbox does not model: it verifies unless it ends in .invalid
// (the sandbox's rule before it served Route 53, which tests rely on).
func (s *Sandbox) verifyOutcome(sv *service, now time.Time) string {
	domain := strings.TrimPrefix(sv.PrivateDNSName, "*.")
	if !s.inPublicZone(domain) {
		if strings.HasSuffix(domain, ".invalid") {
			return "failed"
		}
		return "verified"
	}
	for d := domain; strings.Contains(d, "."); d = d[strings.Index(d, ".")+1:] {
		if s.publicTXT(sv.DNSVerifyName+"."+d, sv.DNSVerifyValue, now) {
			return "verified"
		}
	}
	return "failed"
}
