// Package status owns what `plink status` reports: what consumers of a
// manifest's PrivateLink services experience — target health per
// Availability Zone behind each service, endpoint and service metrics from
// CloudWatch — and an audit of waste and leftovers (broken endpoints still
// listed, endpoints whose service is gone, connections left pending,
// principals nobody uses, idle endpoints, and what it all costs).
//
// Reading and deciding are apart, as in plan: Read (read.go) gathers a
// Snapshot — the live snapshot from live.Read plus target groups, target
// health, load balancer attributes, visible services and metrics — in one
// call per API and account-region wherever AWS has a batch form. Compute is
// a pure function of a Snapshot: no AWS, no clock, no printing. Rendering
// (render.go) draws text, JSON and markdown from the one Report. The package
// never changes anything in AWS.
package status

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/plinkdev/plink/finding"
	"github.com/plinkdev/plink/health"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/pricing"
)

// FormatVersion is the version of the JSON report (schemas/status.schema.json).
const FormatVersion = "1"

// Severities, most severe first: finding's, as untyped constants so that
// a --fail-on value (a string) compares with them too.
const (
	SeverityError   = "error"   // finding.Error
	SeverityWarning = "warning" // finding.Warning
	SeverityInfo    = "info"    // finding.Info
)

// Finding kinds.
const (
	KindTargetHealth      = "target_health"
	KindPacketsDropped    = "packets_dropped"
	KindResets            = "resets"
	KindIdle              = "idle"
	KindBrokenEndpoint    = "broken_endpoint"
	KindServiceGone       = "service_gone"
	KindPendingAcceptance = "pending_acceptance"
	KindUnusedPrincipal   = "unused_principal"
)

// Metric names read from CloudWatch.
const (
	MetricPacketsDropped     = "PacketsDropped"
	MetricRstPacketsReceived = "RstPacketsReceived"
	MetricBytesProcessed     = "BytesProcessed"
	MetricActiveConnections  = "ActiveConnections"
	MetricNewConnections     = "NewConnections"
	MetricRstPacketsSent     = "RstPacketsSent"
)

// Snapshot is everything status read: plain data, so Compute can be tested
// from literals.
type Snapshot struct {
	Live *live.Snapshot `json:"live"`
	// LoadBalancers are the providers' load balancers with their target
	// groups and cross-zone setting.
	LoadBalancers []LoadBalancerHealth `json:"loadBalancers,omitempty"`
	// Visible lists, per consumer account-region that was read, the
	// service names its endpoints use that DescribeVpcEndpointServices
	// still shows there.
	Visible []VisibleNames `json:"visible,omitempty"`
	// Metrics are the totals over the window per endpoint and service.
	Metrics []ResourceMetrics `json:"metrics,omitempty"`
	// Window is the metrics window (--since); Now is when it ended.
	Window time.Duration `json:"window"`
	Now    time.Time     `json:"now"`
	// Failures are status's own reads that failed (live's are in Live).
	Failures []live.Failure `json:"failures,omitempty"`
	// Calls counts status's own API calls by name (not live's).
	Calls map[string]int `json:"calls,omitempty"`
}

// The target health types are package health's (shared with plan and
// drift); the aliases keep status's API whole.
type (
	LoadBalancerHealth = health.LoadBalancerHealth
	TargetGroupHealth  = health.TargetGroupHealth
	TargetHealth       = health.TargetHealth
	// Affected is an endpoint that a finding affects.
	Affected = health.Affected
)

// VisibleNames are the service names visible to an account in a region.
type VisibleNames struct {
	AccountID string   `json:"accountId"`
	Region    string   `json:"region"`
	Names     []string `json:"names"`
}

// ResourceMetrics are an endpoint's or a service's metric totals over the
// window: sums, except ActiveConnections (the maximum). A metric with no
// datapoints is absent (AWS publishes none for a minute without traffic).
type ResourceMetrics struct {
	Kind      string             `json:"kind"` // endpoint | service
	AccountID string             `json:"accountId"`
	Region    string             `json:"region"`
	ID        string             `json:"id"`
	Values    map[string]float64 `json:"values"`
}

// Options tune Compute.
type Options struct {
	// PendingOlderThan is how long a connection may wait in
	// pendingAcceptance before it is a finding (0: DefaultPendingOlderThan).
	PendingOlderThan time.Duration
	// GroupByTags are tag keys to total the cost by (--group-by tag:KEY).
	GroupByTags []string
	// FailOn is the least severity that makes the verdict "findings"
	// (--fail-on: warning or error; "" is warning).
	FailOn finding.Severity
	// PricePerAZHour by region, DefaultPrice and HoursPerMonth as in plan.Options.
	PricePerAZHour map[string]float64
	DefaultPrice   float64
	HoursPerMonth  float64
}

// DefaultPendingOlderThan is the default of Options.PendingOlderThan.
const DefaultPendingOlderThan = 24 * time.Hour

// prices is the options' price table.
func (o Options) prices() pricing.Table {
	return pricing.Table{PerAZHour: o.PricePerAZHour, Default: o.DefaultPrice, HoursPerMonth: o.HoursPerMonth}
}

// Report is the status of a manifest's PrivateLink estate.
type Report struct {
	FormatVersion string      `json:"formatVersion"`
	Project       string      `json:"project"`
	GeneratedAt   time.Time   `json:"generatedAt"`
	Window        string      `json:"window"`
	Scopes        []ScopeView `json:"scopes"`
	Findings      []Finding   `json:"findings"`
	Cost          Cost        `json:"cost"`
	Summary       Summary     `json:"summary"`
	// Failures are reads that failed: the report is incomplete for them.
	Failures []live.Failure `json:"failures,omitempty"`
}

// ScopeView is one account in one region.
type ScopeView struct {
	Account   string         `json:"account"`
	AccountID string         `json:"accountId"`
	Region    string         `json:"region"`
	Services  []ServiceView  `json:"services"`
	Endpoints []EndpointView `json:"endpoints"`
	// OtherEndpoints are endpoints in the consumers' VPCs that are not the
	// project's (another project's tag, or untagged and not adopted):
	// listed apart, never audited nor costed — status audits one project.
	OtherEndpoints []OtherEndpoint `json:"otherEndpoints,omitempty"`
}

// OtherEndpoint is an endpoint of the scope that the project does not own.
type OtherEndpoint struct {
	ID          string `json:"id"`
	VPCID       string `json:"vpcId"`
	ServiceName string `json:"serviceName"`
	State       string `json:"state"`
	// Project is its plink:project tag, when another project's.
	Project string `json:"project,omitempty"`
}

// ServiceView is an endpoint service with its connections counted by state.
type ServiceView struct {
	ID          string             `json:"id"`
	Name        string             `json:"name"`
	Provider    string             `json:"provider,omitempty"`
	State       string             `json:"state"`
	Connections map[string]int     `json:"connections"`
	Metrics     map[string]float64 `json:"metrics,omitempty"`
}

// EndpointView is an interface endpoint with its state, zones and metrics.
type EndpointView struct {
	ID          string             `json:"id"`
	Consumer    string             `json:"consumer,omitempty"`
	ServiceName string             `json:"serviceName"`
	State       string             `json:"state"`
	ZoneIDs     []string           `json:"zoneIds,omitempty"`
	Metrics     map[string]float64 `json:"metrics,omitempty"`
	MonthlyCost float64            `json:"monthlyCost"`
	// Type is Resource or ServiceNetwork for those endpoints (omitted for
	// interface and Gateway Load Balancer endpoints), with Target, the
	// resource configuration or service network it connects to.
	Type   string `json:"type,omitempty"`
	Target string `json:"target,omitempty"`
	// MetricsNote says why an endpoint has no metrics, when that is not
	// for lack of traffic.
	MetricsNote string `json:"metricsNote,omitempty"`
}

// latticeMetricsNote is why a Resource or ServiceNetwork endpoint shows no
// metrics and is never called idle: AWS/PrivateLinkEndpoints has metrics
// for interface and Gateway Load Balancer endpoints only
// (https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-cloudwatch-metrics.html);
// AWS publishes these endpoints' in the AWS/VpcLattice namespace
// (PrivateLink guide, document history, November 2026), which status does
// not read yet; nor does it price them (see plan's cost note).
const latticeMetricsNote = "not read: AWS publishes Resource and ServiceNetwork endpoint metrics in AWS/VpcLattice, which plink status does not read; not priced"

// Finding is one thing wrong, with a severity and a hint.
type Finding struct {
	Kind      string           `json:"kind"`
	Severity  finding.Severity `json:"severity"`
	AccountID string           `json:"accountId"`
	Region    string           `json:"region"`
	// Resource is the id of what the finding is about (vpce-…, vpce-svc-…).
	Resource string `json:"resource"`
	Message  string `json:"message"`
	Hint     string `json:"hint"`
	// ZoneID is the Availability Zone id of a target_health finding.
	ZoneID string `json:"zoneId,omitempty"`
	// Consumers are the endpoints affected (target_health).
	Consumers []Affected `json:"consumers,omitempty"`
	// TargetGroups are the ARNs behind the zone (target_health).
	TargetGroups []string `json:"targetGroups,omitempty"`
	// Value is the metric total behind a metrics finding.
	Value float64 `json:"value,omitempty"`
	// MonthlyCost is what the resource costs a month (idle, broken).
	MonthlyCost float64 `json:"monthlyCost,omitempty"`
}

// Finding is the finding in the shared vocabulary: its code is its kind,
// its subject the resource.
func (f Finding) Finding() finding.Finding {
	return finding.Finding{Code: f.Kind, Severity: f.Severity, Subject: f.Resource, Message: f.Message, Hint: f.Hint}
}

// Cost totals the monthly endpoint charges (per endpoint-AZ-hour; data
// processing not included).
type Cost struct {
	Currency   string                `json:"currency"`
	Monthly    float64               `json:"monthly"`
	Note       string                `json:"note"`
	ByConsumer []CostLine            `json:"byConsumer"`
	ByAccount  []CostLine            `json:"byAccount"`
	ByTag      map[string][]CostLine `json:"byTag,omitempty"`
}

// CostLine is one group's total.
type CostLine struct {
	Key       string  `json:"key"`
	Endpoints int     `json:"endpoints"`
	AZs       int     `json:"azs"`
	Monthly   float64 `json:"monthly"`
}

// Summary is the report's verdict and the counts behind it. The summary
// line (SummaryLine), the JSON summary and the exit code (ExitCode) are
// all derived from it, and it is set in one place (Settle).
type Summary struct {
	// Verdict is healthy (exit 0), findings (a finding at or above FailOn,
	// exit 2) or incomplete (a read failed: plink could not find out, exit
	// 1, whatever was found in the rest).
	Verdict string `json:"verdict"`
	// FailOn is the least severity that counts toward the verdict.
	FailOn   finding.Severity `json:"failOn"`
	Errors   int              `json:"errors"`
	Warnings int              `json:"warnings"`
	Infos    int              `json:"infos"`
	// Failed counts the reads that failed (Report.Failures).
	Failed int `json:"failed"`
}

// Verdicts of a report (Summary.Verdict).
const (
	VerdictHealthy    = "healthy"
	VerdictFindings   = "findings"
	VerdictIncomplete = "incomplete"
)

// Settle sets the summary from the report's findings and failures: the
// counts by severity and the verdict at failOn (warning or error; ""
// is warning). Whoever changes Findings or Failures calls it again.
func (r *Report) Settle(failOn finding.Severity) {
	if failOn == "" {
		failOn = finding.Warning
	}
	s := Summary{FailOn: failOn, Failed: len(r.Failures), Verdict: VerdictHealthy}
	for _, f := range r.Findings {
		switch f.Severity {
		case SeverityError:
			s.Errors++
		case SeverityWarning:
			s.Warnings++
		default:
			s.Infos++
		}
		if f.Severity.Rank() >= failOn.Rank() {
			s.Verdict = VerdictFindings
		}
	}
	if s.Failed > 0 {
		s.Verdict = VerdictIncomplete
	}
	r.Summary = s
}

// ExitCode is the verdict's: 0 healthy, 2 findings, 1 incomplete (plink
// could not find out).
func (r *Report) ExitCode() int {
	switch r.Summary.Verdict {
	case VerdictHealthy:
		return 0
	case VerdictFindings:
		return 2
	}
	return 1 // incomplete, or a report never settled: nothing is known
}

// Compute builds the report of a snapshot. It is pure: the same manifest,
// snapshot and options give the same report.
func Compute(m *manifest.Manifest, snap *Snapshot, opts Options) *Report {
	if opts.PendingOlderThan <= 0 {
		opts.PendingOlderThan = DefaultPendingOlderThan
	}
	lv := snap.Live
	if lv == nil {
		lv = &live.Snapshot{}
	}
	ix := newIndex(m, lv)
	r := &Report{
		FormatVersion: FormatVersion,
		Project:       m.Project,
		GeneratedAt:   snap.Now.UTC(),
		Window:        snap.Window.String(),
		Findings:      []Finding{},
	}
	r.Failures = append(append([]live.Failure(nil), lv.Failures...), snap.Failures...)
	metrics := map[string]map[string]float64{}
	for _, rm := range snap.Metrics {
		metrics[rm.Kind+"|"+rm.AccountID+"|"+rm.Region+"|"+rm.ID] = rm.Values
	}
	// Only the project's services are judged: another project's service
	// read because it shares a load balancer is that project's to audit.
	byID := map[string]*live.Endpoint{}
	for i := range lv.Endpoints {
		byID[lv.Endpoints[i].ID] = &lv.Endpoints[i]
	}
	for _, f := range ZoneFindings(lv, snap.LoadBalancers) {
		if !ix.ownsService(f.Resource) {
			continue
		}
		// Affected endpoints are named by the project's consumers only:
		// another project's endpoint is affected, but not a consumer here.
		for i, a := range f.Consumers {
			f.Consumers[i].Consumer = ""
			if e := byID[a.EndpointID]; e != nil {
				f.Consumers[i].Consumer = ix.consumer(e)
			}
		}
		r.Findings = append(r.Findings, f)
	}
	r.Findings = append(r.Findings, auditServices(ix, lv, snap.Now, opts)...)
	r.Findings = append(r.Findings, auditEndpoints(ix, lv, snap, metrics, opts)...)
	sortFindings(r.Findings)
	r.Settle(opts.FailOn)
	r.Scopes = scopeViews(ix, lv, metrics, opts)
	r.Cost = cost(ix, lv, opts)
	return r
}

// index is what Compute looks up repeatedly.
type index struct {
	m        *manifest.Manifest
	aliases  map[string]string        // account id → alias
	zoneID   map[string]string        // account|region|zone name → id
	subnetZ  map[string]string        // account|subnet id → zone id
	services map[string]*live.Service // name → service
	provider map[string]string        // service id → provider name
	// declared are the manifest's consumers by name; adopted by the
	// endpoint id they adopt.
	declared map[string]*manifest.Consumer
	adopted  map[string]*manifest.Consumer
}

func newIndex(m *manifest.Manifest, lv *live.Snapshot) *index {
	ix := &index{m: m, aliases: map[string]string{}, zoneID: map[string]string{}, subnetZ: map[string]string{},
		services: map[string]*live.Service{}, provider: map[string]string{},
		declared: map[string]*manifest.Consumer{}, adopted: map[string]*manifest.Consumer{}}
	for alias, a := range m.Accounts {
		if a != nil {
			ix.aliases[a.ID] = alias
		}
	}
	for _, z := range lv.Zones {
		ix.zoneID[z.AccountID+"|"+z.Region+"|"+z.Name] = z.ID
	}
	for _, s := range lv.Subnets {
		ix.subnetZ[s.AccountID+"|"+s.ID] = s.ZoneID
	}
	for i := range lv.Services {
		s := &lv.Services[i]
		ix.services[s.Name] = s
		if s.Tags[live.TagProject] == m.Project {
			ix.provider[s.ID] = s.Tags[live.TagName]
		}
	}
	for _, p := range m.Providers {
		if p.Adopt != "" {
			ix.provider[p.Adopt] = p.Name
		}
	}
	for _, c := range m.Consumers {
		if c == nil {
			continue
		}
		ix.declared[c.Name] = c
		if c.Adopt != "" {
			ix.adopted[c.Adopt] = c
		}
	}
	return ix
}

func (ix *index) consumer(e *live.Endpoint) string {
	if c := ix.adopted[e.ID]; c != nil {
		return c.Name
	}
	if e.Tags[live.TagProject] == ix.m.Project {
		return e.Tags[live.TagName]
	}
	return ""
}

// owns reports whether an endpoint is the project's: tagged with its
// plink:project, or adopted by id. Only those are audited and costed.
func (ix *index) owns(e *live.Endpoint) bool {
	return ix.adopted[e.ID] != nil || e.Tags[live.TagProject] == ix.m.Project
}

// ownsService reports whether a service is the project's (tagged, or a
// provider adopts it).
func (ix *index) ownsService(id string) bool {
	_, ok := ix.provider[id]
	return ok
}

// removal says how to get rid of one of the project's endpoints, by how
// the project holds it: an adopted one is released, not deleted, when its
// consumer leaves the manifest; a tagged one whose name is not in the
// manifest is deleted by the next apply.
func (ix *index) removal(e *live.Endpoint) string {
	if c := ix.adopted[e.ID]; c != nil {
		return fmt.Sprintf("delete it (aws ec2 delete-vpc-endpoints --vpc-endpoint-ids %s) and remove consumer %s from the manifest: plink releases an adopted endpoint, it does not delete it", e.ID, c.Name)
	}
	name := e.Tags[live.TagName]
	if c := ix.declared[name]; c != nil && name != "" {
		return fmt.Sprintf("remove consumer %s from the manifest and run plink apply", name)
	}
	return fmt.Sprintf("run plink apply: it is tagged for project %s but no consumer of the manifest is named %q, so apply deletes it", ix.m.Project, name)
}

// endpointZones are the zone ids of an endpoint's subnets, sorted.
func (ix *index) endpointZones(e *live.Endpoint) []string {
	seen := map[string]bool{}
	var out []string
	for _, sn := range e.SubnetIDs {
		if z := ix.subnetZ[e.AccountID+"|"+sn]; z != "" && !seen[z] {
			seen[z] = true
			out = append(out, z)
		}
	}
	sort.Strings(out)
	return out
}

// ZoneFindings are the target_health findings of a live snapshot and the
// load balancers' target health (health.ZoneFindings, which plan's lint and
// drift's target_health item share), as status findings: errors, because
// every connection from the zone is reset.
func ZoneFindings(lv *live.Snapshot, lbs []LoadBalancerHealth) []Finding {
	var out []Finding
	for _, z := range health.ZoneFindings(lv, lbs) {
		out = append(out, Finding{
			Kind: KindTargetHealth, Severity: SeverityError,
			AccountID: z.AccountID, Region: z.Region, Resource: z.ServiceID, ZoneID: z.ZoneID,
			Message: z.Message(), Hint: z.Hint(), Consumers: z.Consumers, TargetGroups: z.TargetGroups,
		})
	}
	return out
}

// auditServices: connections left pending and principals nobody uses.
func auditServices(ix *index, lv *live.Snapshot, now time.Time, opts Options) []Finding {
	var out []Finding
	for si := range lv.Services {
		s := &lv.Services[si]
		if ph := live.ServicePhase(s.State); ph == live.PhaseGone || ph == live.PhaseGoing || !ix.ownsService(s.ID) {
			continue
		}
		owners := map[string]bool{}
		for _, c := range s.Connections {
			if live.EndpointPhase(c.State).Exists() {
				owners[c.OwnerID] = true
			}
			if live.EndpointPhase(c.State) != live.PhaseWaiting || c.Created.IsZero() {
				continue
			}
			age := now.Sub(c.Created)
			if age < opts.PendingOlderThan {
				continue
			}
			out = append(out, Finding{
				Kind: KindPendingAcceptance, Severity: SeverityWarning,
				AccountID: s.AccountID, Region: s.Region, Resource: c.EndpointID,
				Message: fmt.Sprintf("endpoint %s of account %s has waited %s in pendingAcceptance for service %s", c.EndpointID, ix.accountName(c.OwnerID), roundAge(age), s.ID),
				Hint:    fmt.Sprintf("accept it (declare the consumer, or add %s to connections.acceptFrom, then plink apply) or reject it; it expires if nobody does", c.OwnerID),
			})
		}
		for _, p := range s.Principals {
			id := principalAccount(p)
			if id == "" || owners[id] {
				continue
			}
			out = append(out, Finding{
				Kind: KindUnusedPrincipal, Severity: SeverityInfo,
				AccountID: s.AccountID, Region: s.Region, Resource: s.ID,
				Message: fmt.Sprintf("service %s allows %s, but account %s has no endpoint connected to it", s.ID, p, ix.accountName(id)),
				Hint:    "remove the principal from the provider's allowedPrincipals if that account no longer needs the service",
			})
		}
	}
	return out
}

// principalAccount is the account id of an allowed principal ARN
// (arn:aws:iam::ID:root, :role/…, :user/…); "" for "*" and others.
func principalAccount(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) < 6 || parts[0] != "arn" || parts[2] != "iam" || len(parts[4]) != 12 {
		return ""
	}
	return parts[4]
}

func (ix *index) accountName(id string) string {
	if a := ix.aliases[id]; a != "" {
		return a + " (" + id + ")"
	}
	return id
}

func roundAge(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	if d < time.Minute {
		return d.Round(time.Second).String() // rounded to minutes it read "0s"
	}
	return d.Round(time.Minute).String()
}

// auditEndpoints: broken endpoints, endpoints whose service is gone, and
// the metrics findings (packets dropped, resets, idle).
func auditEndpoints(ix *index, lv *live.Snapshot, snap *Snapshot, metrics map[string]map[string]float64, opts Options) []Finding {
	visible := map[string]map[string]bool{}
	for _, v := range snap.Visible {
		set := map[string]bool{}
		for _, n := range v.Names {
			set[n] = true
		}
		visible[v.AccountID+"|"+v.Region] = set
	}
	// Connection creation times stand in for an endpoint's own
	// CreationTimestamp when that was not read.
	connCreated := map[string]time.Time{}
	for _, s := range lv.Services {
		for _, c := range s.Connections {
			connCreated[c.EndpointID] = c.Created
		}
	}
	var out []Finding
	for ei := range lv.Endpoints {
		e := &lv.Endpoints[ei]
		ph := live.EndpointPhase(e.State)
		if ph == live.PhaseGone || ph == live.PhaseGoing || !ix.owns(e) {
			continue // another project's endpoints are its own to audit
		}
		a := endpointAudit{ix: ix, e: e, who: ix.endpointName(e), monthly: endpointMonthly(e, opts), window: snap.Window}
		out = append(out, a.state(ph, visible)...)
		if vals, read := metrics["endpoint|"+e.AccountID+"|"+e.Region+"|"+e.ID]; read {
			created := e.Created
			if created.IsZero() {
				created = connCreated[e.ID]
			}
			out = append(out, a.traffic(ph, vals, !created.IsZero() && snap.Now.Sub(created) < snap.Window)...)
		}
	}
	return out
}

// endpointAudit is what the findings of one of the project's endpoints
// say: its name, what it costs, the metrics' window.
type endpointAudit struct {
	ix      *index
	e       *live.Endpoint
	who     string
	monthly float64
	window  time.Duration
}

// finding is a finding about the audited endpoint.
func (a endpointAudit) finding(kind string, sev finding.Severity, msg, hint string) Finding {
	return Finding{Kind: kind, Severity: sev, AccountID: a.e.AccountID, Region: a.e.Region, Resource: a.e.ID, Message: msg, Hint: hint}
}

// state: an endpoint that will never carry traffic, or whose service is
// gone or no longer visible to its account.
func (a endpointAudit) state(ph live.Phase, visible map[string]map[string]bool) []Finding {
	e := a.e
	var out []Finding
	if ph == live.PhaseBroken {
		f := a.finding(KindBrokenEndpoint, SeverityWarning,
			fmt.Sprintf("endpoint %s is %s: it will never carry traffic, yet it is still listed (and may still be billed)", a.who, e.State),
			"delete it (aws ec2 delete-vpc-endpoints --vpc-endpoint-ids "+e.ID+"), or "+a.ix.removal(e))
		f.MonthlyCost = a.monthly
		out = append(out, f)
	}
	if gone := a.ix.serviceGone(e, visible); gone != "" {
		f := a.finding(KindServiceGone, SeverityError,
			fmt.Sprintf("endpoint %s connects to %s, which %s", a.who, e.ServiceName, gone),
			"delete the endpoint, or point its consumer at a service that exists and allows the account")
		f.MonthlyCost = a.monthly
		out = append(out, f)
	}
	return out
}

// traffic: what the endpoint's metrics over the window (vals) say:
// packets dropped, resets from the service, no bytes at all (idle, unless
// young: created within the window).
func (a endpointAudit) traffic(ph live.Phase, vals map[string]float64, young bool) []Finding {
	e := a.e
	var out []Finding
	if v := vals[MetricPacketsDropped]; v > 0 {
		f := a.finding(KindPacketsDropped, SeverityWarning,
			fmt.Sprintf("endpoint %s dropped %s packets in the last %s", a.who, num(v), a.window),
			fmt.Sprintf("check that the endpoint's security groups (%s) allow the service's port from the clients, and the network ACLs of its subnets (%s)", listOr(e.SecurityGroupIDs, "none"), listOr(e.SubnetIDs, "none")))
		f.Value = v
		out = append(out, f)
	}
	if v := vals[MetricRstPacketsReceived]; v > 0 {
		f := a.finding(KindResets, SeverityWarning,
			fmt.Sprintf("endpoint %s received %s TCP resets from the service in the last %s", a.who, num(v), a.window),
			"check the service's target health per zone and its load balancer's listener (port, protocol) for the port clients use")
		f.Value = v
		out = append(out, f)
	}
	// AWS publishes no metrics for cross-region consumers: silence is not
	// idleness there.
	crossRegion := e.ServiceRegion != "" && e.ServiceRegion != e.Region
	if ph == live.PhaseUsable && !crossRegion && vals[MetricBytesProcessed] == 0 && !young {
		f := a.finding(KindIdle, SeverityWarning,
			fmt.Sprintf("endpoint %s processed no bytes in the last %s; it costs $%.2f a month", a.who, a.window, a.monthly),
			"if nobody uses it, "+a.ix.removal(e)+"; or widen --since to be sure")
		f.MonthlyCost = a.monthly
		out = append(out, f)
	}
	return out
}

func (ix *index) endpointName(e *live.Endpoint) string {
	if c := ix.consumer(e); c != "" {
		return fmt.Sprintf("%s (consumer %s, account %s)", e.ID, c, ix.accountName(e.AccountID))
	}
	return fmt.Sprintf("%s (account %s)", e.ID, ix.accountName(e.AccountID))
}

// serviceGone says why an endpoint's service is gone, or "".
func (ix *index) serviceGone(e *live.Endpoint, visible map[string]map[string]bool) string {
	if e.ServiceName == "" {
		return "" // a Resource or ServiceNetwork endpoint connects to no service
	}
	if s := ix.services[e.ServiceName]; s != nil {
		switch live.ServicePhase(s.State) {
		case live.PhaseGone:
			return "was deleted"
		case live.PhaseGoing:
			return "is being deleted"
		}
		return ""
	}
	set, read := visible[e.AccountID+"|"+e.Region]
	if !read || set[e.ServiceName] {
		return ""
	}
	return fmt.Sprintf("no longer exists or no longer allows account %s", ix.accountName(e.AccountID))
}

// endpointMonthly is an endpoint's monthly charge: one per AZ (subnet) for
// interface and Gateway Load Balancer endpoints.
func endpointMonthly(e *live.Endpoint, opts Options) float64 {
	if e.Type != "" && !pricing.Billed(e.Type) {
		return 0 // an endpoint of no type read is taken for an interface one
	}
	return round2(opts.prices().Monthly(e.Region, len(e.SubnetIDs)))
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func num(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func listOr(l []string, none string) string {
	if len(l) == 0 {
		return none
	}
	return strings.Join(l, ", ")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if ra, rb := a.Severity.Rank(), b.Severity.Rank(); ra != rb {
			return ra > rb
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.AccountID+a.Region != b.AccountID+b.Region {
			return a.AccountID+a.Region < b.AccountID+b.Region
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return a.ZoneID < b.ZoneID
	})
}

func scopeViews(ix *index, lv *live.Snapshot, metrics map[string]map[string]float64, opts Options) []ScopeView {
	out := make([]ScopeView, 0, len(lv.Scopes))
	for _, sc := range lv.Scopes {
		v := ScopeView{Account: sc.Account, AccountID: sc.AccountID, Region: sc.Region, Services: []ServiceView{}, Endpoints: []EndpointView{}}
		for _, s := range lv.Services {
			if s.AccountID != sc.AccountID || s.Region != sc.Region || live.ServicePhase(s.State) == live.PhaseGone {
				continue
			}
			conns := map[string]int{}
			for _, c := range s.Connections {
				if live.EndpointPhase(c.State) != live.PhaseGone {
					conns[c.State]++
				}
			}
			v.Services = append(v.Services, ServiceView{ID: s.ID, Name: s.Name, Provider: ix.provider[s.ID], State: s.State,
				Connections: conns, Metrics: metrics["service|"+s.AccountID+"|"+s.Region+"|"+s.ID]})
		}
		for ei := range lv.Endpoints {
			e := &lv.Endpoints[ei]
			if e.AccountID != sc.AccountID || e.Region != sc.Region || live.EndpointPhase(e.State) == live.PhaseGone {
				continue
			}
			if !ix.owns(e) {
				o := OtherEndpoint{ID: e.ID, VPCID: e.VPCID, ServiceName: e.ServiceName, State: e.State, Project: e.Tags[live.TagProject]}
				v.OtherEndpoints = append(v.OtherEndpoints, o)
				continue
			}
			ev := EndpointView{ID: e.ID, Consumer: ix.consumer(e), ServiceName: e.ServiceName, State: e.State,
				ZoneIDs: ix.endpointZones(e), Metrics: metrics["endpoint|"+e.AccountID+"|"+e.Region+"|"+e.ID], MonthlyCost: endpointMonthly(e, opts)}
			if e.Type == "Resource" || e.Type == "ServiceNetwork" {
				ev.Type, ev.Target, ev.MetricsNote = e.Type, e.ResourceConfigurationARN+e.ServiceNetworkARN, latticeMetricsNote
			}
			v.Endpoints = append(v.Endpoints, ev)
		}
		out = append(out, v)
	}
	return out
}

func cost(ix *index, lv *live.Snapshot, opts Options) Cost {
	c := Cost{Currency: "USD", ByConsumer: []CostLine{}, ByAccount: []CostLine{}}
	byConsumer, byAccount := map[string]*CostLine{}, map[string]*CostLine{}
	byTag := map[string]map[string]*CostLine{}
	add := func(m map[string]*CostLine, key string, azs int, usd float64) {
		l := m[key]
		if l == nil {
			l = &CostLine{Key: key}
			m[key] = l
		}
		l.Endpoints++
		l.AZs += azs
		l.Monthly += usd
	}
	total := 0.0
	for ei := range lv.Endpoints {
		e := &lv.Endpoints[ei]
		if ph := live.EndpointPhase(e.State); ph == live.PhaseGone || ph == live.PhaseGoing || !ix.owns(e) {
			continue // the project's bill only
		}
		usd := endpointMonthly(e, opts)
		if usd == 0 {
			continue
		}
		azs := len(e.SubnetIDs)
		total += usd
		name := ix.consumer(e)
		if ix.declared[name] == nil {
			name = "(not in the manifest) " + e.ID // tagged for the project, deleted by the next apply
		}
		add(byConsumer, name, azs, usd)
		add(byAccount, ix.accountName(e.AccountID), azs, usd)
		for _, k := range opts.GroupByTags {
			if byTag[k] == nil {
				byTag[k] = map[string]*CostLine{}
			}
			val, ok := e.Tags[k]
			if !ok {
				val = "(untagged)"
			}
			add(byTag[k], val, azs, usd)
		}
	}
	lines := func(m map[string]*CostLine) []CostLine {
		out := []CostLine{}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			l := *m[k]
			l.Monthly = round2(l.Monthly)
			out = append(out, l)
		}
		return out
	}
	c.ByConsumer, c.ByAccount = lines(byConsumer), lines(byAccount)
	if len(opts.GroupByTags) > 0 {
		c.ByTag = map[string][]CostLine{}
		for _, k := range opts.GroupByTags {
			c.ByTag[k] = lines(byTag[k])
		}
	}
	c.Monthly = round2(total)
	c.Note = fmt.Sprintf("estimate: $%.4g per endpoint-AZ-hour (default), %g hours a month, data processing not included", opts.prices().Price(""), opts.prices().Hours())
	return c
}
