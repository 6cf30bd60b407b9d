// Package live reads the live PrivateLink state of every account and region
// a manifest touches into a Snapshot: endpoint services with their allowed
// principals, connections and notifications, interface endpoints, and the
// load balancers, VPCs, subnets, security groups and zones the manifest names.
//
// It only reads, in batched list calls run concurrently with a bound, and it
// never decides: package plan compares, package apply changes. Besides apply,
// it is the only package that calls AWS.
package live

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aws/smithy-go"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/manifest"
)

// ReadOptions bound the reader's concurrency.
type ReadOptions struct {
	// PerScope is the most calls in flight in one account-region (default 4).
	PerScope int
	// Concurrency is the most calls in flight overall (default 16).
	Concurrency int
	// Shard, when set, limits the read to the account-regions it owns (a
	// shard of a pipeline matrix: plink plan --account A --region R). Those
	// are read as always, every manifest account among them included. Any
	// other account-region is read only where an entry of the manifest
	// lives (the caller passes the shard's manifest: its own entries and
	// the entries they connect to) or a connection of an owned service
	// comes from, and only for what plans of owned entries need: zones,
	// services with their names and zones, endpoints with their tags, load
	// balancers and the named network — never permissions, connections,
	// notifications or visible services, so no call there grows with the
	// number of services.
	Shard func(account, region string) bool
	// Topics reads the access policies of the SNS topics the providers
	// send notifications to (topics.go): plan's lint PL117 needs them,
	// nothing else does, so only plan asks.
	Topics bool
	// LatticeTargets reads what VPC Lattice says of the targets of
	// Resource and ServiceNetwork consumers (lattice.go): plan's lints
	// PL240 and PL241 need them, nothing else does, so only plan asks.
	LatticeTargets bool
	// Gate, when set, is waited for before each part of an account-region
	// that apply changes is read: apply has its confirming read take each
	// part as soon as the run can change nothing there, while it goes on
	// elsewhere. The network (zones, subnets, VPCs, groups, load balancers,
	// route tables), which plink never changes, is read at once. Its error
	// (the context ended) is the part's failure.
	Gate func(ctx context.Context, account, region string, part Part) error
	// Network, when set, is a read of the same manifest made earlier in
	// the run (the plan shown, or the read under apply's lease): its
	// subnets, VPCs, security groups and load balancers are taken as they
	// are instead of read again, since no run of plink changes them; what
	// a run may change is read. An account-region it did not read in full
	// is read.
	Network *Snapshot
}

// Part is what ReadOptions.Gate holds back in an account-region.
type Part string

const (
	// PartServices are the endpoint services with their permissions and
	// connection notifications (the endpoints' own included).
	PartServices Part = "services"
	// PartConnections are the connections of those services.
	PartConnections Part = "connections"
	// PartEndpoints are the account-region's endpoints.
	PartEndpoints Part = "endpoints"
)

// gate waits for ReadOptions.Gate to let part of sc be read, recording
// its failure; it reports whether to read.
func (rd *reader) gate(ctx context.Context, sc *scopeState, part Part) bool {
	if rd.opts.Gate == nil {
		return true
	}
	if err := rd.opts.Gate(ctx, sc.Account, sc.Region, part); err != nil {
		rd.fail(sc, callGate+" "+string(part), err)
		return false
	}
	return true
}

// Page sizes and batch limits of the APIs read.
const (
	pageSize       = 1000 // MaxResults of the EC2 list calls
	filterValueMax = 200  // values per EC2 filter
	lbBatch        = 20   // LoadBalancerArns per DescribeLoadBalancers
)

// Call names, as recorded in Failures and counted in tests.
const (
	callGate          = "wait to read" // ReadOptions.Gate ended with an error
	callZones         = "DescribeAvailabilityZones"
	callServices      = "DescribeVpcEndpointServiceConfigurations"
	callPermissions   = "DescribeVpcEndpointServicePermissions"
	callConnections   = "DescribeVpcEndpointConnections"
	callNotifications = "DescribeVpcEndpointConnectionNotifications"
	callEndpoints     = "DescribeVpcEndpoints"
	callVisible       = "DescribeVpcEndpointServices"
	callSubnets       = "DescribeSubnets"
	callVPCs          = "DescribeVpcs"
	callGroups        = "DescribeSecurityGroups"
	callLBs           = "DescribeLoadBalancers"
	callClients       = "Clients"
)

// ReadError says which reads failed; the snapshot returned with it holds
// everything else that was read.
type ReadError struct {
	Failures []Failure
	// ctxErr is the context's error when the reads failed because the run
	// was cancelled or timed out: errors.Is sees it through Unwrap.
	ctxErr error
}

// Unwrap is the context's error (context.Canceled, DeadlineExceeded) when
// the reads ended because the run did, else nil.
func (e *ReadError) Unwrap() error { return e.ctxErr }

func (e *ReadError) Error() string {
	var b strings.Builder
	if len(e.Failures) == 1 {
		b.WriteString("read live state: 1 call failed: ")
	} else {
		fmt.Fprintf(&b, "read live state: %d calls failed:", len(e.Failures))
	}
	for _, f := range e.Failures {
		if len(e.Failures) > 1 {
			b.WriteString("\n  ")
		}
		b.WriteString(f.String())
	}
	return b.String()
}

// Read reads the live state of every account-region the manifest touches,
// with clients from src (an *awsenv.Resolver). On failed reads it returns the
// snapshot of what was read and a *ReadError naming the failed calls.
func Read(ctx context.Context, m *manifest.Manifest, src ClientSource, opts ReadOptions) (*Snapshot, error) {
	return ReadAPIs(ctx, m, clientAPIs{src}, opts)
}

// ReadAPIs is Read with the narrow APIs from src.
func ReadAPIs(ctx context.Context, m *manifest.Manifest, src APISource, opts ReadOptions) (*Snapshot, error) {
	if opts.PerScope <= 0 {
		opts.PerScope = 4
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 16
	}
	scopes, err := planShardScopes(m, opts.Shard)
	if err != nil {
		return nil, err
	}
	rd := &reader{
		m:      m,
		src:    src,
		opts:   opts,
		global: make(chan struct{}, opts.Concurrency),
	}
	rd.adopted = map[string]bool{}
	rd.provided = set{}
	for _, p := range m.Providers {
		rd.provided.add(p.Name)
		if p.Adopt != "" {
			rd.adopted[p.Adopt] = true
		}
	}
	for _, c := range m.Consumers {
		if c.Adopt != "" {
			rd.adopted[c.Adopt] = true
		}
	}
	// Notification topics' policies (topics.go) need nothing else read:
	// they are read beside the scopes.
	topicsDone := make(chan struct{})
	go func() {
		defer close(topicsDone)
		if ts, ok := src.(TopicAPISource); ok && opts.Topics {
			rd.readTopics(ctx, ts)
		}
	}()
	// So are the Lattice targets of Resource and ServiceNetwork
	// consumers (lattice.go).
	latticeDone := make(chan struct{})
	go func() {
		defer close(latticeDone)
		if ls, ok := src.(LatticeAPISource); ok && opts.LatticeTargets {
			rd.readLattice(ctx, ls)
		}
	}()
	// What consumers' accounts see of services (visible.go) needs only the
	// services listed everywhere: it is read beside the endpoints and
	// connections, which apply's confirming read takes last (ReadOptions.Gate).
	for _, sc := range scopes {
		rd.servicesRead.Add(1)
		sc.servicesRead = sync.OnceFunc(rd.servicesRead.Done)
	}
	visibleDone := make(chan struct{})
	go func() {
		defer close(visibleDone)
		rd.servicesRead.Wait()
		rd.readVisible(ctx, scopes)
	}()
	rd.readScopes(ctx, scopes)
	// A project's service may have connections from a region the manifest
	// no longer names (its cross-region consumers were removed together
	// with the provider's supportedRegions): every account is read there
	// too, so those endpoints are found as this project's and deleted, not
	// taken for strangers and cut off. Their scopes hold no consumer, so
	// nothing of them is read for readVisible.
	if extra := rd.connectionScopes(scopes); len(extra) > 0 {
		rd.readScopes(ctx, extra)
	}
	<-visibleDone
	// Verification records (route53.go) need the services read first.
	if ds, ok := src.(DNSAPISource); ok {
		rd.readDNS(ctx, ds)
	}
	<-topicsDone
	<-latticeDone
	snap := &rd.snap
	snap.normalize()
	if len(snap.Failures) > 0 {
		return snap, &ReadError{Failures: snap.Failures, ctxErr: ctx.Err()}
	}
	return snap, nil
}

func newScopeState(alias, accountID, region string) *scopeState {
	return &scopeState{
		Scope:        Scope{Account: alias, AccountID: accountID, Region: region},
		subnets:      set{},
		vpcs:         set{},
		groups:       set{},
		lbs:          set{},
		consumerVPCs: set{},
	}
}

// scopeState is what one account-region needs read, and its clients.
type scopeState struct {
	Scope
	ec2 EC2API
	elb ELBAPI
	ok  bool // clients were obtained and credentials work
	// zoneIDs maps the scope's AZ names to ids.
	zoneIDs map[string]string

	subnets, vpcs, groups, lbs set
	consumerVPCs               set
	// consumers whose endpoints live here, for the visible-services read.
	consumers []*manifest.Consumer
	// foreign marks an account-region outside ReadOptions.Shard: read only
	// for what the shard's plan needs from it.
	foreign bool
	// servicesRead says the scope's services are listed (or will not be),
	// for readVisible; it may be called more than once.
	servicesRead func()

	sem chan struct{}
}

type set map[string]bool

func (s set) add(vs ...string) {
	for _, v := range vs {
		if v != "" {
			s[v] = true
		}
	}
}

func (s set) sorted() []string {
	out := make([]string, 0, len(s))
	for v := range s {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// planScopes lists the account-regions to read and what each must read:
// provider scopes, consumer scopes, for consumers of a provider the
// provider's own scope, and every account under accounts: in every region
// the manifest uses (defaults.region and each provider's and consumer's), so
// that project-tagged resources removed from the manifest are found where
// nothing is declared any more. A region no longer used at all is not read.
func planScopes(m *manifest.Manifest) ([]*scopeState, error) { return planShardScopes(m, nil) }

// planShardScopes is planScopes limited to a shard (ReadOptions.Shard):
// every account is read in every region only where the shard owns it;
// the scopes of entries outside it are marked foreign.
func planShardScopes(m *manifest.Manifest, shard func(account, region string) bool) ([]*scopeState, error) {
	byKey := map[[2]string]*scopeState{}
	get := func(what, alias, region string) (*scopeState, error) {
		if region == "" {
			region = m.Defaults.Region
		}
		if region == "" {
			return nil, fmt.Errorf("%s has no region and the manifest sets no defaults.region", what)
		}
		acc := m.Accounts[alias]
		if acc == nil {
			return nil, fmt.Errorf("%s names account %q, which is not declared under accounts; declare it there or name one that is", what, alias)
		}
		k := [2]string{alias, region}
		sc := byKey[k]
		if sc == nil {
			sc = newScopeState(alias, acc.ID, region)
			sc.foreign = shard != nil && !shard(alias, region)
			byKey[k] = sc
		}
		return sc, nil
	}
	var errs []error
	providers := map[string]*manifest.Provider{}
	for _, p := range m.Providers {
		providers[p.Name] = p
		sc, err := get("provider "+p.Name, p.Account, p.Region)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sc.lbs.add(p.NetworkLoadBalancerARNs...)
		sc.lbs.add(p.GatewayLoadBalancerARNs...)
	}
	for _, c := range m.Consumers {
		sc, err := get("consumer "+c.Name, c.Account, c.Region)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sc.consumers = append(sc.consumers, c)
		sc.vpcs.add(c.VPCID)
		sc.consumerVPCs.add(c.VPCID)
		sc.subnets.add(c.SubnetIDs...)
		sc.groups.add(c.SecurityGroupIDs...)
		if p := providers[c.Provider]; p != nil {
			if _, err := get("provider "+p.Name, p.Account, p.Region); err != nil {
				errs = append(errs, err)
			}
		}
	}
	// Every account in every region the manifest uses is read, even where
	// nothing is declared any more: that is where a resource removed from
	// the manifest (still tagged with the project) is found and deleted.
	regions := set{}
	if m.Defaults.Region != "" {
		regions.add(m.Defaults.Region)
	}
	regions.add(m.Defaults.Regions...)
	for _, sc := range byKey {
		regions.add(sc.Region)
	}
	// A region a provider supports is one its consumers may be in: when the
	// last consumer there is removed, its endpoint is found and deleted.
	for _, p := range m.Providers {
		regions.add(p.SupportedRegions...)
	}
	for alias := range m.Accounts {
		for region := range regions {
			if shard != nil && !shard(alias, region) {
				continue // another shard reads it
			}
			if _, err := get("account "+alias, alias, region); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := make([]*scopeState, 0, len(byKey))
	for _, sc := range byKey {
		out = append(out, sc)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Account != out[j].Account {
			return out[i].Account < out[j].Account
		}
		return out[i].Region < out[j].Region
	})
	return out, nil
}

// readScopes reads the scopes concurrently and records them as read.
func (rd *reader) readScopes(ctx context.Context, scopes []*scopeState) {
	var wg sync.WaitGroup
	for _, sc := range scopes {
		rd.snap.Scopes = append(rd.snap.Scopes, sc.Scope)
		wg.Add(1)
		go func() {
			defer wg.Done()
			rd.readScope(ctx, sc)
		}()
	}
	wg.Wait()
}

// connectionScopes are the account-regions to read in a second wave: every
// manifest account in each region that a connection of a service of this
// project (or adopted) comes from, and that was not read.
func (rd *reader) connectionScopes(read []*scopeState) []*scopeState {
	done := map[[2]string]bool{}
	for _, sc := range read {
		done[[2]string{sc.Account, sc.Region}] = true
	}
	ours := map[string]bool{}
	for _, a := range rd.m.Accounts {
		if a != nil {
			ours[a.ID] = true
		}
	}
	regions := set{}
	// owners holds, in a shard, the accounts (by id) and regions that
	// connect to the shard's services: outside the shard only those are
	// read, for their endpoints' tags.
	owners := set{}
	for _, sv := range rd.snap.Services {
		if sv.Tags[TagProject] != rd.m.Project && !rd.adopted[sv.ID] {
			continue
		}
		for _, cn := range sv.Connections {
			if cn.Region != "" && ours[cn.OwnerID] {
				regions.add(cn.Region)
				owners.add(cn.OwnerID + "|" + cn.Region)
			}
		}
	}
	shard := rd.opts.Shard
	var out []*scopeState
	for _, region := range regions.sorted() {
		aliases := make([]string, 0, len(rd.m.Accounts))
		for alias := range rd.m.Accounts {
			aliases = append(aliases, alias)
		}
		sort.Strings(aliases)
		for _, alias := range aliases {
			a := rd.m.Accounts[alias]
			if a == nil || done[[2]string{alias, region}] {
				continue
			}
			foreign := shard != nil && !shard(alias, region)
			if foreign && !owners[a.ID+"|"+region] {
				continue // another shard reads it
			}
			sc := newScopeState(alias, a.ID, region)
			sc.foreign = foreign
			out = append(out, sc)
		}
	}
	return out
}

type reader struct {
	m       *manifest.Manifest
	src     APISource
	opts    ReadOptions
	global  chan struct{}
	adopted set
	// provided holds the manifest's provider names.
	provided set

	mu   sync.Mutex
	snap Snapshot
	// in shares the strings that repeat among the resources read.
	in interner
	// listed are the services as listed, before their connections are
	// read: readVisible needs only their names, and starts once every
	// account-region's services are read (servicesRead).
	listed       []*Service
	servicesRead sync.WaitGroup
	// prior indexes ReadOptions.Network by account-region (reuse.go).
	prior sync.Once
	nets  map[[2]string]*scopeNetwork
}

// call runs one API call (all its pages) under the scope's and the overall
// bound; a failure is recorded and returned.
func (rd *reader) call(ctx context.Context, sc *scopeState, name string, fn func(context.Context) error) error {
	err := rd.callQuiet(ctx, sc, fn)
	if err != nil {
		rd.fail(sc, name, err)
	}
	return err
}

func (rd *reader) fail(sc *scopeState, name string, err error) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	rd.snap.Failures = append(rd.snap.Failures, Failure{
		Account: sc.Account, AccountID: sc.AccountID, Region: sc.Region, Call: FailedCall(name, err), Error: awsenv.Describe(err),
	})
}

// FailedCall is the call a failure names: the call made (name), unless
// what failed is the assumption of the account's role that the call's
// credentials needed first (the SDK assumes it on the first call of a
// client): then that STS call, as "sts:AssumeRole" (or
// "sts:AssumeRoleWithWebIdentity").
func FailedCall(name string, err error) string {
	var oe *smithy.OperationError
	for e := err; e != nil && errors.As(e, &oe); e = oe.Err {
		if oe.ServiceID == "STS" && strings.HasPrefix(oe.OperationName, "AssumeRole") {
			return "sts:" + oe.OperationName
		}
	}
	return name
}

// IsRoleCall reports whether a Failure's Call is the assumption of a role
// (FailedCall): the scope's clients had no credentials, so every call there
// fails the same way.
func IsRoleCall(call string) bool { return strings.HasPrefix(call, "sts:AssumeRole") }

func (rd *reader) owned(tags map[string]string, id string) bool {
	return tags[TagProject] == rd.m.Project || rd.adopted[id]
}

func (rd *reader) readScope(ctx context.Context, sc *scopeState) {
	sc.sem = make(chan struct{}, rd.opts.PerScope)
	if sc.servicesRead == nil {
		sc.servicesRead = func() {}
	}
	defer sc.servicesRead() // however the scope's read ends
	e, l, err := rd.src.APIs(ctx, sc.Account, sc.Region)
	if err != nil {
		rd.fail(sc, callClients, err)
		return
	}
	sc.ec2, sc.elb = e, l

	// Zones first, alone: it is cheap, always needed, and tells whether the
	// credentials work before every other call fails the same way.
	zones, err := rd.readZones(ctx, sc)
	if err != nil && (awsenv.IsCredentialError(err) || ctx.Err() != nil) {
		return // the one failure stands for the whole scope
	}
	sc.ok = true
	zoneIDs := map[string]string{}
	for _, z := range zones {
		zoneIDs[z.Name] = z.ID
	}
	sc.zoneIDs = zoneIDs
	rd.add(func(s *Snapshot) { s.Zones = append(s.Zones, zones...) })

	var wg sync.WaitGroup
	spawn := func(fn func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn()
		}()
	}
	reuse := rd.priorNetwork(sc)
	spawn(func() {
		if rd.gate(ctx, sc, PartServices) {
			rd.readServices(ctx, sc, zoneIDs)
		}
	})
	spawn(func() {
		if rd.gate(ctx, sc, PartEndpoints) {
			rd.readEndpoints(ctx, sc)
		}
	})
	switch {
	case reuse != nil:
		rd.add(func(s *Snapshot) { reuse.addTo(s) })
	default:
		if len(sc.subnets) > 0 {
			spawn(func() { rd.readSubnets(ctx, sc) })
		}
		if len(sc.vpcs) > 0 {
			spawn(func() { rd.readVPCs(ctx, sc) })
		}
		if len(sc.groups) > 0 {
			spawn(func() { rd.readGroups(ctx, sc) })
		}
		if len(sc.lbs) > 0 {
			spawn(func() { rd.readLoadBalancers(ctx, sc) })
		}
	}
	if vpcs := gatewayVPCs(sc); len(vpcs) > 0 {
		spawn(func() { rd.readGatewayNetwork(ctx, sc, vpcs) })
	}
	wg.Wait()
}

func (rd *reader) add(fn func(*Snapshot)) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	fn(&rd.snap)
}

// callQuiet is call without recording the failure.
func (rd *reader) callQuiet(ctx context.Context, sc *scopeState, fn func(context.Context) error) error {
	select {
	case sc.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-sc.sem }()
	select {
	case rd.global <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-rd.global }()
	return fn(ctx)
}

// lowerFirst writes endpoint and connection states as AWS sends them
// ("pendingAcceptance"), whatever case a server or the SDK's enum uses.
func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}

func sortedCopy(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
}
