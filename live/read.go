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
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/manifest"
)

// ReadOptions bound the reader's concurrency.
type ReadOptions struct {
	// PerScope is the most calls in flight in one account-region (default 4).
	PerScope int
	// Concurrency is the most calls in flight overall (default 16).
	Concurrency int
}

// Page sizes and batch limits of the APIs read.
const (
	pageSize       = 1000 // MaxResults of the EC2 list calls
	filterValueMax = 200  // values per EC2 filter
	lbBatch        = 20   // LoadBalancerArns per DescribeLoadBalancers
)

// Call names, as recorded in Failures and counted in tests.
const (
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
}

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

// String is "CALL in account ALIAS (ID) region REGION: ERROR".
func (f Failure) String() string {
	return fmt.Sprintf("%s in account %s (%s) region %s: %s", f.Call, f.Account, f.AccountID, f.Region, f.Error)
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
	scopes, err := planScopes(m)
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
	for _, p := range m.Providers {
		if p.Adopt != "" {
			rd.adopted[p.Adopt] = true
		}
	}
	for _, c := range m.Consumers {
		if c.Adopt != "" {
			rd.adopted[c.Adopt] = true
		}
	}
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
	rd.readVisible(ctx, scopes)
	snap := &rd.snap
	snap.normalize()
	if len(snap.Failures) > 0 {
		return snap, &ReadError{Failures: snap.Failures}
	}
	return snap, nil
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
func planScopes(m *manifest.Manifest) ([]*scopeState, error) {
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
			return nil, fmt.Errorf("%s names account %q, which is not under accounts:", what, alias)
		}
		k := [2]string{alias, region}
		sc := byKey[k]
		if sc == nil {
			sc = &scopeState{
				Scope:        Scope{Account: alias, AccountID: acc.ID, Region: region},
				subnets:      set{},
				vpcs:         set{},
				groups:       set{},
				lbs:          set{},
				consumerVPCs: set{},
			}
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
	for alias := range m.Accounts {
		for region := range regions {
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

type reader struct {
	m       *manifest.Manifest
	src     APISource
	opts    ReadOptions
	global  chan struct{}
	adopted set

	mu   sync.Mutex
	snap Snapshot
}

// call runs one API call (all its pages) under the scope's and the overall
// bound; a failure is recorded and returned.
func (rd *reader) call(ctx context.Context, sc *scopeState, name string, fn func(context.Context) error) error {
	select {
	case sc.sem <- struct{}{}:
	case <-ctx.Done():
		rd.fail(sc, name, ctx.Err())
		return ctx.Err()
	}
	defer func() { <-sc.sem }()
	select {
	case rd.global <- struct{}{}:
	case <-ctx.Done():
		rd.fail(sc, name, ctx.Err())
		return ctx.Err()
	}
	defer func() { <-rd.global }()
	err := fn(ctx)
	if err != nil {
		rd.fail(sc, name, err)
	}
	return err
}

func (rd *reader) fail(sc *scopeState, name string, err error) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	rd.snap.Failures = append(rd.snap.Failures, Failure{
		Account: sc.Account, AccountID: sc.AccountID, Region: sc.Region, Call: name, Error: awsenv.Describe(err),
	})
}

func (rd *reader) owned(tags map[string]string, id string) bool {
	return tags[TagProject] == rd.m.Project || rd.adopted[id]
}

func (rd *reader) readScope(ctx context.Context, sc *scopeState) {
	sc.sem = make(chan struct{}, rd.opts.PerScope)
	e, l, err := rd.src.APIs(ctx, sc.Account, sc.Region)
	if err != nil {
		rd.fail(sc, callClients, err)
		return
	}
	sc.ec2, sc.elb = e, l

	// Zones first, alone: it is cheap, always needed, and tells whether the
	// credentials work before every other call fails the same way.
	var zones []Zone
	err = rd.call(ctx, sc, callZones, func(ctx context.Context) error {
		out, err := e.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
		if err != nil {
			return err
		}
		for _, z := range out.AvailabilityZones {
			zones = append(zones, Zone{AccountID: sc.AccountID, Region: sc.Region, Name: aws.ToString(z.ZoneName), ID: aws.ToString(z.ZoneId)})
		}
		return nil
	})
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
	spawn(func() { rd.readServices(ctx, sc, zoneIDs) })
	spawn(func() { rd.readEndpoints(ctx, sc) })
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
	wg.Wait()
}

func (rd *reader) add(fn func(*Snapshot)) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	fn(&rd.snap)
}

// nextToken returns the token for the next page, or "" when done (also when
// a server repeats a token, which would loop forever).
func nextToken(prev *string, next *string) string {
	n := aws.ToString(next)
	if n == "" || n == aws.ToString(prev) {
		return ""
	}
	return n
}

func tagMap(tags []ec2types.Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// readServices reads the scope's endpoint service configurations, keeps
// those the manifest cares about, and reads their permissions, connections
// and notifications.
func (rd *reader) readServices(ctx context.Context, sc *scopeState, zoneIDs map[string]string) {
	var all []ec2types.ServiceConfiguration
	err := rd.call(ctx, sc, callServices, func(ctx context.Context) error {
		in := &ec2.DescribeVpcEndpointServiceConfigurationsInput{MaxResults: aws.Int32(pageSize)}
		for {
			out, err := sc.ec2.DescribeVpcEndpointServiceConfigurations(ctx, in)
			if err != nil {
				return err
			}
			all = append(all, out.ServiceConfigurations...)
			tok := nextToken(in.NextToken, out.NextToken)
			if tok == "" {
				return nil
			}
			in.NextToken = aws.String(tok)
		}
	})
	if err != nil {
		return
	}
	var services []*Service
	owned := map[string]*Service{}
	for _, c := range all {
		s := toService(sc, c, zoneIDs)
		isOwned := rd.owned(s.Tags, s.ID)
		if !isOwned && !intersects(sc.lbs, s.NetworkLoadBalancerARNs, s.GatewayLoadBalancerARNs) {
			continue // a foreign service that fronts none of our load balancers
		}
		services = append(services, s)
		if isOwned {
			owned[s.ID] = s
		}
	}
	if len(owned) > 0 {
		var wg sync.WaitGroup
		for _, s := range owned {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rd.readPermissions(ctx, sc, s)
			}()
		}
		var conns []Connection
		var connOwner []string
		wg.Add(2)
		go func() {
			defer wg.Done()
			_ = rd.call(ctx, sc, callConnections, func(ctx context.Context) error {
				in := &ec2.DescribeVpcEndpointConnectionsInput{MaxResults: aws.Int32(pageSize)}
				for {
					out, err := sc.ec2.DescribeVpcEndpointConnections(ctx, in)
					if err != nil {
						return err
					}
					for _, c := range out.VpcEndpointConnections {
						conns = append(conns, toConnection(c))
						connOwner = append(connOwner, aws.ToString(c.ServiceId))
					}
					tok := nextToken(in.NextToken, out.NextToken)
					if tok == "" {
						return nil
					}
					in.NextToken = aws.String(tok)
				}
			})
		}()
		var notes []Notification
		var noteOwner []string
		go func() {
			defer wg.Done()
			_ = rd.call(ctx, sc, callNotifications, func(ctx context.Context) error {
				in := &ec2.DescribeVpcEndpointConnectionNotificationsInput{MaxResults: aws.Int32(pageSize)}
				for {
					out, err := sc.ec2.DescribeVpcEndpointConnectionNotifications(ctx, in)
					if err != nil {
						return err
					}
					for _, n := range out.ConnectionNotificationSet {
						if aws.ToString(n.ServiceId) == "" {
							continue // an endpoint's notification, not a service's
						}
						notes = append(notes, Notification{
							ID:       aws.ToString(n.ConnectionNotificationId),
							TopicARN: aws.ToString(n.ConnectionNotificationArn),
							Events:   sortedCopy(n.ConnectionEvents),
							State:    string(n.ConnectionNotificationState),
						})
						noteOwner = append(noteOwner, aws.ToString(n.ServiceId))
					}
					tok := nextToken(in.NextToken, out.NextToken)
					if tok == "" {
						return nil
					}
					in.NextToken = aws.String(tok)
				}
			})
		}()
		wg.Wait()
		for i, c := range conns {
			if s := owned[connOwner[i]]; s != nil {
				s.Connections = append(s.Connections, c)
			}
		}
		for i, n := range notes {
			if s := owned[noteOwner[i]]; s != nil {
				s.Notifications = append(s.Notifications, n)
			}
		}
	}
	rd.add(func(snap *Snapshot) {
		for _, s := range services {
			snap.Services = append(snap.Services, *s)
		}
	})
}

func (rd *reader) readPermissions(ctx context.Context, sc *scopeState, s *Service) {
	var principals []string
	err := rd.call(ctx, sc, callPermissions+"("+s.ID+")", func(ctx context.Context) error {
		in := &ec2.DescribeVpcEndpointServicePermissionsInput{ServiceId: aws.String(s.ID), MaxResults: aws.Int32(pageSize)}
		for {
			out, err := sc.ec2.DescribeVpcEndpointServicePermissions(ctx, in)
			if err != nil {
				return err
			}
			for _, p := range out.AllowedPrincipals {
				principals = append(principals, aws.ToString(p.Principal))
			}
			tok := nextToken(in.NextToken, out.NextToken)
			if tok == "" {
				return nil
			}
			in.NextToken = aws.String(tok)
		}
	})
	if err == nil {
		s.Principals = principals
	}
}

func intersects(s set, lists ...[]string) bool {
	for _, l := range lists {
		for _, v := range l {
			if s[v] {
				return true
			}
		}
	}
	return false
}

func toService(sc *scopeState, c ec2types.ServiceConfiguration, zoneIDs map[string]string) *Service {
	s := &Service{
		AccountID:               sc.AccountID,
		Region:                  sc.Region,
		ID:                      aws.ToString(c.ServiceId),
		Name:                    aws.ToString(c.ServiceName),
		State:                   string(c.ServiceState),
		AcceptanceRequired:      aws.ToBool(c.AcceptanceRequired),
		NetworkLoadBalancerARNs: sortedCopy(c.NetworkLoadBalancerArns),
		GatewayLoadBalancerARNs: sortedCopy(c.GatewayLoadBalancerArns),
		AvailabilityZones:       sortedCopy(c.AvailabilityZones),
		AvailabilityZoneIDs:     sortedCopy(c.AvailabilityZoneIds),
		PrivateDNSName:          aws.ToString(c.PrivateDnsName),
		Tags:                    tagMap(c.Tags),
	}
	if len(c.ServiceType) > 0 {
		s.Type = string(c.ServiceType[0].ServiceType)
	}
	if d := c.PrivateDnsNameConfiguration; d != nil {
		s.PrivateDNSState = string(d.State)
		s.PrivateDNSTXTName = aws.ToString(d.Name)
		s.PrivateDNSTXTValue = aws.ToString(d.Value)
	}
	for _, t := range c.SupportedIpAddressTypes {
		s.SupportedIPAddressTypes = append(s.SupportedIPAddressTypes, string(t))
	}
	for _, r := range c.SupportedRegions {
		s.SupportedRegions = append(s.SupportedRegions, aws.ToString(r.Region))
	}
	if len(s.AvailabilityZoneIDs) == 0 {
		s.AvailabilityZoneIDs = zoneIDsOf(s.AvailabilityZones, zoneIDs)
	}
	return s
}

// zoneIDsOf maps AZ names to ids where the scope's zones know them.
func zoneIDsOf(names []string, zoneIDs map[string]string) []string {
	var out []string
	for _, n := range names {
		if id := zoneIDs[n]; id != "" {
			out = append(out, id)
		}
	}
	return out
}

func toConnection(c ec2types.VpcEndpointConnection) Connection {
	conn := Connection{
		EndpointID: aws.ToString(c.VpcEndpointId),
		OwnerID:    aws.ToString(c.VpcEndpointOwner),
		State:      lowerFirst(string(c.VpcEndpointState)),
		Region:     aws.ToString(c.VpcEndpointRegion),
	}
	if c.CreationTimestamp != nil {
		conn.Created = c.CreationTimestamp.UTC()
	}
	return conn
}

// readEndpoints reads the scope's interface (and GWLB) endpoints and keeps
// those tagged for the project, adopted, or in a VPC a consumer names.
func (rd *reader) readEndpoints(ctx context.Context, sc *scopeState) {
	var eps []Endpoint
	err := rd.call(ctx, sc, callEndpoints, func(ctx context.Context) error {
		in := &ec2.DescribeVpcEndpointsInput{
			MaxResults: aws.Int32(pageSize),
			Filters: []ec2types.Filter{{Name: aws.String("vpc-endpoint-type"),
				Values: []string{string(ec2types.VpcEndpointTypeInterface), string(ec2types.VpcEndpointTypeGatewayLoadBalancer)}}},
		}
		for {
			out, err := sc.ec2.DescribeVpcEndpoints(ctx, in)
			if err != nil {
				return err
			}
			for _, v := range out.VpcEndpoints {
				ep := toEndpoint(sc, v)
				if rd.owned(ep.Tags, ep.ID) || sc.consumerVPCs[ep.VPCID] {
					eps = append(eps, ep)
				}
			}
			tok := nextToken(in.NextToken, out.NextToken)
			if tok == "" {
				return nil
			}
			in.NextToken = aws.String(tok)
		}
	})
	if err == nil {
		rd.add(func(s *Snapshot) { s.Endpoints = append(s.Endpoints, eps...) })
	}
}

func toEndpoint(sc *scopeState, v ec2types.VpcEndpoint) Endpoint {
	ep := Endpoint{
		AccountID:           sc.AccountID,
		Region:              sc.Region,
		ID:                  aws.ToString(v.VpcEndpointId),
		Type:                string(v.VpcEndpointType),
		VPCID:               aws.ToString(v.VpcId),
		ServiceName:         aws.ToString(v.ServiceName),
		ServiceRegion:       aws.ToString(v.ServiceRegion),
		State:               lowerFirst(string(v.State)),
		SubnetIDs:           sortedCopy(v.SubnetIds),
		PrivateDNSEnabled:   aws.ToBool(v.PrivateDnsEnabled),
		IPAddressType:       string(v.IpAddressType),
		Policy:              aws.ToString(v.PolicyDocument),
		Tags:                tagMap(v.Tags),
		NetworkInterfaceIDs: sortedCopy(v.NetworkInterfaceIds),
	}
	if ep.AccountID == "" {
		ep.AccountID = aws.ToString(v.OwnerId)
	}
	for _, g := range v.Groups {
		ep.SecurityGroupIDs = append(ep.SecurityGroupIDs, aws.ToString(g.GroupId))
	}
	sort.Strings(ep.SecurityGroupIDs)
	if d := v.DnsOptions; d != nil {
		ep.DNSRecordIPType = string(d.DnsRecordIpType)
		ep.PrivateDNSOnlyForInboundResolverEndpoint = d.PrivateDnsOnlyForInboundResolverEndpoint
	}
	return ep
}

// chunks splits ids into batches of at most n.
func chunks(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// Subnets, VPCs and security groups are read with id filters, which return
// the ids that exist (an unknown id in the Ids list would fail the call).

func (rd *reader) readSubnets(ctx context.Context, sc *scopeState) {
	var got []Subnet
	err := rd.call(ctx, sc, callSubnets, func(ctx context.Context) error {
		for _, ids := range chunks(sc.subnets.sorted(), filterValueMax) {
			in := &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(pageSize),
				Filters: []ec2types.Filter{{Name: aws.String("subnet-id"), Values: ids}}}
			for {
				out, err := sc.ec2.DescribeSubnets(ctx, in)
				if err != nil {
					return err
				}
				for _, s := range out.Subnets {
					got = append(got, Subnet{AccountID: sc.AccountID, Region: sc.Region, ID: aws.ToString(s.SubnetId),
						VPCID: aws.ToString(s.VpcId), Zone: aws.ToString(s.AvailabilityZone), ZoneID: aws.ToString(s.AvailabilityZoneId),
						CIDR: aws.ToString(s.CidrBlock)})
				}
				tok := nextToken(in.NextToken, out.NextToken)
				if tok == "" {
					break
				}
				in.NextToken = aws.String(tok)
			}
		}
		return nil
	})
	if err == nil {
		rd.add(func(s *Snapshot) { s.Subnets = append(s.Subnets, got...) })
	}
}

func (rd *reader) readVPCs(ctx context.Context, sc *scopeState) {
	var got []VPC
	err := rd.call(ctx, sc, callVPCs, func(ctx context.Context) error {
		for _, ids := range chunks(sc.vpcs.sorted(), filterValueMax) {
			in := &ec2.DescribeVpcsInput{MaxResults: aws.Int32(pageSize),
				Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: ids}}}
			for {
				out, err := sc.ec2.DescribeVpcs(ctx, in)
				if err != nil {
					return err
				}
				for _, v := range out.Vpcs {
					got = append(got, VPC{AccountID: sc.AccountID, Region: sc.Region, ID: aws.ToString(v.VpcId), CIDR: aws.ToString(v.CidrBlock)})
				}
				tok := nextToken(in.NextToken, out.NextToken)
				if tok == "" {
					break
				}
				in.NextToken = aws.String(tok)
			}
		}
		return nil
	})
	if err == nil {
		rd.add(func(s *Snapshot) { s.VPCs = append(s.VPCs, got...) })
	}
}

func (rd *reader) readGroups(ctx context.Context, sc *scopeState) {
	var got []SecurityGroup
	err := rd.call(ctx, sc, callGroups, func(ctx context.Context) error {
		for _, ids := range chunks(sc.groups.sorted(), filterValueMax) {
			in := &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(pageSize),
				Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: ids}}}
			for {
				out, err := sc.ec2.DescribeSecurityGroups(ctx, in)
				if err != nil {
					return err
				}
				for _, g := range out.SecurityGroups {
					got = append(got, SecurityGroup{AccountID: sc.AccountID, Region: sc.Region, ID: aws.ToString(g.GroupId),
						VPCID: aws.ToString(g.VpcId), Name: aws.ToString(g.GroupName)})
				}
				tok := nextToken(in.NextToken, out.NextToken)
				if tok == "" {
					break
				}
				in.NextToken = aws.String(tok)
			}
		}
		return nil
	})
	if err == nil {
		rd.add(func(s *Snapshot) { s.SecurityGroups = append(s.SecurityGroups, got...) })
	}
}

// readLoadBalancers describes the providers' load balancers by ARN, 20 per
// call. An unknown ARN fails its whole batch with LoadBalancerNotFound; that
// batch is then described one ARN at a time so the others are still seen.
func (rd *reader) readLoadBalancers(ctx context.Context, sc *scopeState) {
	var got []LoadBalancer
	describe := func(ctx context.Context, arns []string) error {
		in := &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: arns}
		for {
			out, err := sc.elb.DescribeLoadBalancers(ctx, in)
			if err != nil {
				return err
			}
			for _, lb := range out.LoadBalancers {
				l := LoadBalancer{AccountID: sc.AccountID, Region: sc.Region, ARN: aws.ToString(lb.LoadBalancerArn),
					Name: aws.ToString(lb.LoadBalancerName), Type: string(lb.Type), Zones: []string{}}
				if lb.State != nil {
					l.State = string(lb.State.Code)
				}
				for _, z := range lb.AvailabilityZones {
					l.Zones = append(l.Zones, aws.ToString(z.ZoneName))
				}
				sort.Strings(l.Zones)
				got = append(got, l)
			}
			tok := nextToken(in.Marker, out.NextMarker)
			if tok == "" {
				return nil
			}
			in.Marker = aws.String(tok)
		}
	}
	for _, batch := range chunks(sc.lbs.sorted(), lbBatch) {
		var notFound bool
		err := rd.callQuiet(ctx, sc, func(ctx context.Context) error {
			err := describe(ctx, batch)
			if awsenv.ErrorCode(err) == "LoadBalancerNotFound" {
				notFound = true
				return nil
			}
			return err
		})
		if err != nil {
			rd.fail(sc, callLBs, err)
			continue
		}
		if !notFound {
			continue
		}
		for _, arn := range batch {
			_ = rd.call(ctx, sc, callLBs+"("+arn+")", func(ctx context.Context) error {
				err := describe(ctx, []string{arn})
				if awsenv.ErrorCode(err) == "LoadBalancerNotFound" {
					return nil // absent: the plan says so
				}
				return err
			})
		}
	}
	rd.add(func(s *Snapshot) { s.LoadBalancers = append(s.LoadBalancers, got...) })
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

var regionPart = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)

// serviceRegion guesses a service's region from its name
// (com.amazonaws.vpce.us-east-1.vpce-svc-…, com.amazonaws.us-east-1.s3), or "".
func serviceRegion(name string) string {
	parts := strings.Split(name, ".")
	for i := 2; i < len(parts) && i <= 3; i++ {
		if regionPart.MatchString(parts[i]) {
			return parts[i]
		}
	}
	return ""
}

// readVisible describes, from each consumer's account-region, the services
// its consumers reference that exist: one call for in-region services and one
// for cross-region ones.
func (rd *reader) readVisible(ctx context.Context, scopes []*scopeState) {
	providers := map[string]*manifest.Provider{}
	for _, p := range rd.m.Providers {
		providers[p.Name] = p
	}
	var wg sync.WaitGroup
	for _, sc := range scopes {
		if !sc.ok || len(sc.consumers) == 0 {
			continue
		}
		local, remote, regions := set{}, set{}, set{}
		for _, c := range sc.consumers {
			name, region := c.ServiceName, ""
			if p := providers[c.Provider]; p != nil {
				s := rd.serviceOf(p)
				if s == nil {
					continue // not created yet: nothing to see
				}
				name, region = s.Name, s.Region
			} else {
				region = serviceRegion(name)
			}
			if name == "" {
				continue
			}
			if region == "" || region == sc.Region {
				local.add(name)
			} else {
				remote.add(name)
				regions.add(region)
			}
		}
		for _, q := range []struct {
			names   set
			regions []string
		}{{local, nil}, {remote, regions.sorted()}} {
			if len(q.names) == 0 {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				rd.describeVisible(ctx, sc, q.names.sorted(), q.regions)
			}()
		}
	}
	wg.Wait()
}

// serviceOf finds the live service a provider manages: the one adopted by
// id, else the one tagged with the project and the provider's name.
func (rd *reader) serviceOf(p *manifest.Provider) *Service {
	acc := rd.m.Accounts[p.Account]
	region := p.Region
	if region == "" {
		region = rd.m.Defaults.Region
	}
	rd.mu.Lock()
	defer rd.mu.Unlock()
	var found *Service
	for i := range rd.snap.Services {
		s := &rd.snap.Services[i]
		if s.AccountID != acc.ID || s.Region != region {
			continue
		}
		if p.Adopt != "" && s.ID == p.Adopt {
			return s
		}
		if p.Adopt == "" && s.Tags[TagProject] == rd.m.Project && s.Tags[TagName] == p.Name {
			if found == nil || s.ID < found.ID {
				found = s
			}
		}
	}
	return found
}

func (rd *reader) describeVisible(ctx context.Context, sc *scopeState, names, regions []string) {
	describe := func(ctx context.Context, in *ec2.DescribeVpcEndpointServicesInput) ([]VisibleService, error) {
		var got []VisibleService
		for {
			out, err := sc.ec2.DescribeVpcEndpointServices(ctx, in)
			if err != nil {
				return nil, err
			}
			for _, d := range out.ServiceDetails {
				got = append(got, toVisible(sc, d))
			}
			tok := nextToken(in.NextToken, out.NextToken)
			if tok == "" {
				return got, nil
			}
			in.NextToken = aws.String(tok)
		}
	}
	var got []VisibleService
	err := rd.call(ctx, sc, callVisible, func(ctx context.Context) error {
		// An unknown (or not visible) name fails the whole call with
		// InvalidServiceName, whose message names it: retry without it. When
		// the message names none of ours, the service-name filter returns the
		// subset that exists.
		left := append([]string(nil), names...)
		for len(left) > 0 {
			var err error
			got, err = describe(ctx, &ec2.DescribeVpcEndpointServicesInput{ServiceNames: left, ServiceRegions: regions})
			if awsenv.ErrorCode(err) != "InvalidServiceName" {
				return err
			}
			bad := unknownServiceName(err, left)
			if bad < 0 {
				return rd.describeVisibleFiltered(ctx, left, regions, describe, &got)
			}
			left = append(left[:bad], left[bad+1:]...)
			got = nil
		}
		return nil
	})
	if err == nil {
		rd.add(func(s *Snapshot) { s.VisibleServices = append(s.VisibleServices, got...) })
	}
}

func (rd *reader) describeVisibleFiltered(ctx context.Context, names, regions []string,
	describe func(context.Context, *ec2.DescribeVpcEndpointServicesInput) ([]VisibleService, error), got *[]VisibleService) error {
	*got = nil
	for _, batch := range chunks(names, filterValueMax) {
		more, err := describe(ctx, &ec2.DescribeVpcEndpointServicesInput{ServiceRegions: regions,
			Filters: []ec2types.Filter{{Name: aws.String("service-name"), Values: batch}}})
		if err != nil {
			return err
		}
		*got = append(*got, more...)
	}
	return nil
}

// unknownServiceName returns the index in names of the service an
// InvalidServiceName error names ("The Vpc Endpoint Service 'NAME' does not
// exist"), or -1.
func unknownServiceName(err error, names []string) int {
	msg := err.Error()
	for i, n := range names {
		if strings.Contains(msg, "'"+n+"'") {
			return i
		}
	}
	return -1
}

func toVisible(sc *scopeState, d ec2types.ServiceDetail) VisibleService {
	v := VisibleService{
		AccountID:           sc.AccountID,
		Region:              sc.Region,
		ServiceName:         aws.ToString(d.ServiceName),
		ServiceID:           aws.ToString(d.ServiceId),
		Owner:               aws.ToString(d.Owner),
		ServiceRegion:       aws.ToString(d.ServiceRegion),
		AcceptanceRequired:  aws.ToBool(d.AcceptanceRequired),
		AvailabilityZones:   sortedCopy(d.AvailabilityZones),
		AvailabilityZoneIDs: sortedCopy(d.AvailabilityZoneIds),
		PrivateDNSName:      aws.ToString(d.PrivateDnsName),
	}
	if len(d.ServiceType) > 0 {
		v.Type = string(d.ServiceType[0].ServiceType)
	}
	if len(v.AvailabilityZoneIDs) == 0 && (v.ServiceRegion == "" || v.ServiceRegion == sc.Region) {
		v.AvailabilityZoneIDs = zoneIDsOf(v.AvailabilityZones, sc.zoneIDs)
	}
	return v
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
