// Package export owns brownfield import: it reads the endpoint services and
// interface endpoints that already exist in a set of accounts and regions
// and writes a manifest that adopts them by id, so that `plink plan` on the
// result shows only adoption (tagging) and never a create or delete.
//
// Like package live it only reads AWS (Describe* calls, paginated with the
// SDK's paginators, behind the narrow EC2API interface); it must not write
// to AWS, compute plans or print. The command layer resolves credentials,
// calls Export and writes Result.YAML where the user asked.
package export

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"go.yaml.in/yaml/v3"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

// SchemaURL is the manifest schema the written YAML points editors at.
const SchemaURL = "https://raw.githubusercontent.com/plinkdev/plink/main/schemas/manifest.schema.json"

// EC2API is the part of the EC2 client export calls; *ec2.Client
// satisfies it and tests fake it.
type EC2API interface {
	ec2.DescribeVpcEndpointServiceConfigurationsAPIClient
	ec2.DescribeVpcEndpointServicePermissionsAPIClient
	ec2.DescribeVpcEndpointConnectionNotificationsAPIClient
	ec2.DescribeVpcEndpointConnectionsAPIClient
	ec2.DescribeVpcEndpointsAPIClient
}

// ClientSource hands out the EC2 API for an account alias in a region.
type ClientSource interface {
	EC2(ctx context.Context, account, region string) (EC2API, error)
}

// ClientSourceFunc adapts a function to ClientSource.
type ClientSourceFunc func(ctx context.Context, account, region string) (EC2API, error)

// EC2 calls f.
func (f ClientSourceFunc) EC2(ctx context.Context, account, region string) (EC2API, error) {
	return f(ctx, account, region)
}

// FromAWSEnv adapts an *awsenv.Resolver (or any awsenv.ClientSource).
func FromAWSEnv(src awsenv.ClientSource) ClientSource {
	return ClientSourceFunc(func(ctx context.Context, account, region string) (EC2API, error) {
		return awsenv.Client(ctx, src, account, region, "EC2", func(c *awsenv.Clients) EC2API { return c.EC2 })
	})
}

// Account is an account to export, as it will appear under `accounts:`
// (Alias is the key; ID is required; RoleARN, ExternalID and Profile are
// copied to the manifest).
type Account = manifest.Account

// Options tune an export.
type Options struct {
	// Project is the manifest's project (required): the plink:project tag
	// value that adoption will write.
	Project string
	// Concurrency bounds the account-regions read at once (default 4).
	Concurrency int
}

// Result is an exported manifest.
type Result struct {
	// YAML is the manifest file, starting with the yaml-language-server
	// schema line.
	YAML []byte
	// Manifest is YAML loaded back with manifest.Parse: proof it is valid.
	Manifest *manifest.Manifest
	// Notes say what was left out and why (gateway endpoints, deleted
	// resources, …), for the command to print to stderr.
	Notes []string
}

// ReadError names every account-region whose reads failed.
type ReadError struct{ Failures []Failure }

// Failure is one failed read.
type Failure struct {
	Account, AccountID, Region, Call string
	Err                              error
}

// Unwrap is each failure's error, for errors.Is and errors.As.
func (e *ReadError) Unwrap() []error {
	errs := make([]error, 0, len(e.Failures))
	for _, f := range e.Failures {
		if f.Err != nil {
			errs = append(errs, f.Err)
		}
	}
	return errs
}

func (e *ReadError) Error() string {
	lines := make([]string, len(e.Failures))
	for i, f := range e.Failures {
		lines[i] = fmt.Sprintf("export: %s in account %s (%s) region %s: %v", f.Call, f.Account, f.AccountID, f.Region, f.Err)
	}
	return strings.Join(lines, "\n")
}

var reName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// Export reads every account in every region and returns a manifest that
// adopts what it found. Reads run concurrently; if any fail, Export returns
// a *ReadError naming each failed account, region and call (a partial
// manifest would silently miss resources).
func Export(ctx context.Context, accounts []Account, regions []string, src ClientSource, opts Options) (*Result, error) {
	if err := checkArgs(accounts, regions, opts); err != nil {
		return nil, err
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	type job struct {
		acct   Account
		region string
	}
	var jobs []job
	for _, a := range accounts {
		for _, r := range regions {
			jobs = append(jobs, job{a, r})
		}
	}
	scopes := make([]*scopeData, len(jobs))
	var (
		mu       sync.Mutex
		failures []Failure
		wg       sync.WaitGroup
		sem      = make(chan struct{}, opts.Concurrency)
	)
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			sd, f := readScope(ctx, src, j.acct, j.region, opts.Project)
			if f != nil {
				mu.Lock()
				failures = append(failures, *f)
				mu.Unlock()
				return
			}
			scopes[i] = sd
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		slices.SortFunc(failures, func(a, b Failure) int {
			return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region), cmp.Compare(a.Call, b.Call))
		})
		return nil, &ReadError{Failures: failures}
	}
	return write(accounts, regions, scopes, opts)
}

func checkArgs(accounts []Account, regions []string, opts Options) error {
	var errs []error
	if !reName.MatchString(opts.Project) {
		errs = append(errs, fmt.Errorf("invalid project %q: use 1-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit", opts.Project))
	}
	if len(accounts) == 0 {
		errs = append(errs, errors.New("no accounts to export: name at least one account as alias=ID"))
	}
	if len(regions) == 0 {
		errs = append(errs, errors.New("no regions to export: name at least one region, e.g. us-east-1"))
	}
	seen := map[string]bool{}
	for _, a := range accounts {
		switch {
		case !reName.MatchString(a.Alias):
			errs = append(errs, fmt.Errorf("invalid account alias %q: use lowercase letters, digits and hyphens", a.Alias))
		case seen[a.Alias]:
			errs = append(errs, fmt.Errorf("account alias %q given twice", a.Alias))
		}
		seen[a.Alias] = true
		if len(a.ID) != 12 || strings.Trim(a.ID, "0123456789") != "" {
			errs = append(errs, fmt.Errorf("account %s: invalid id %q: an AWS account id is 12 digits", a.Alias, a.ID))
		}
	}
	return errors.Join(errs...)
}

// scopeData is what one account-region holds.
type scopeData struct {
	acct       Account
	region     string
	services   []types.ServiceConfiguration
	principals map[string][]string // service id -> principal ARNs
	// principalTags are the tags of service permissions, by service id
	// and principal.
	principalTags map[string]map[string]map[string]string
	notifications map[string][]types.ConnectionNotification
	connections   map[string][]types.VpcEndpointConnection
	endpoints     []types.VpcEndpoint
	notes         []string
}

func readScope(ctx context.Context, src ClientSource, a Account, region, project string) (*scopeData, *Failure) {
	fail := func(call string, err error) *Failure {
		return &Failure{Account: a.Alias, AccountID: a.ID, Region: region, Call: live.FailedCall(call, err), Err: err} // a role not assumed names sts:AssumeRole
	}
	api, err := src.EC2(ctx, a.Alias, region)
	if err != nil {
		return nil, fail("Clients", err)
	}
	sd := &scopeData{acct: a, region: region, principals: map[string][]string{}, principalTags: map[string]map[string]map[string]string{},
		notifications: map[string][]types.ConnectionNotification{}, connections: map[string][]types.VpcEndpointConnection{}}

	sp := ec2.NewDescribeVpcEndpointServiceConfigurationsPaginator(api, &ec2.DescribeVpcEndpointServiceConfigurationsInput{MaxResults: aws.Int32(1000)})
	for sp.HasMorePages() {
		out, err := sp.NextPage(ctx)
		if err != nil {
			return nil, fail("DescribeVpcEndpointServiceConfigurations", err)
		}
		for _, s := range out.ServiceConfigurations {
			// A deleted service is not there; one being deleted or failed
			// is nothing to adopt (live.ServicePhase gives every state its
			// one meaning).
			switch live.ServicePhase(string(s.ServiceState)) {
			case live.PhaseGone:
				continue
			case live.PhaseGoing, live.PhaseBroken:
				sd.notes = append(sd.notes, fmt.Sprintf("%s in %s %s left out: it is %s", aws.ToString(s.ServiceId), a.Alias, region, s.ServiceState))
				continue
			}
			if proj := tagMap(s.Tags)[live.TagProject]; proj != "" && proj != project {
				sd.notes = append(sd.notes, fmt.Sprintf("%s in %s %s left out: plink project %s manages it", aws.ToString(s.ServiceId), a.Alias, region, proj))
				continue
			}
			sd.services = append(sd.services, s)
		}
	}
	for _, s := range sd.services {
		id := aws.ToString(s.ServiceId)
		pp := ec2.NewDescribeVpcEndpointServicePermissionsPaginator(api, &ec2.DescribeVpcEndpointServicePermissionsInput{ServiceId: s.ServiceId, MaxResults: aws.Int32(1000)})
		for pp.HasMorePages() {
			out, err := pp.NextPage(ctx)
			if err != nil {
				return nil, fail("DescribeVpcEndpointServicePermissions", err)
			}
			for _, p := range out.AllowedPrincipals {
				sd.principals[id] = append(sd.principals[id], aws.ToString(p.Principal))
				if tags := userTags(p.Tags); len(tags) > 0 {
					if sd.principalTags[id] == nil {
						sd.principalTags[id] = map[string]map[string]string{}
					}
					sd.principalTags[id][aws.ToString(p.Principal)] = tags
				}
			}
		}
	}
	// One call per account-region for all services' and endpoints'
	// notifications, grouped by service or endpoint id.
	readNotifications := func() *Failure {
		np := ec2.NewDescribeVpcEndpointConnectionNotificationsPaginator(api, &ec2.DescribeVpcEndpointConnectionNotificationsInput{MaxResults: aws.Int32(1000)})
		for np.HasMorePages() {
			out, err := np.NextPage(ctx)
			if err != nil {
				return fail("DescribeVpcEndpointConnectionNotifications", err)
			}
			for _, n := range out.ConnectionNotificationSet {
				id := aws.ToString(n.ServiceId)
				if id == "" {
					id = aws.ToString(n.VpcEndpointId) // an endpoint's own
				}
				if id != "" {
					sd.notifications[id] = append(sd.notifications[id], n)
				}
			}
		}
		return nil
	}
	if len(sd.services) > 0 {
		if f := readNotifications(); f != nil {
			return nil, f
		}
		// ... and connections, grouped by service id.
		cp := ec2.NewDescribeVpcEndpointConnectionsPaginator(api, &ec2.DescribeVpcEndpointConnectionsInput{MaxResults: aws.Int32(1000)})
		for cp.HasMorePages() {
			out, err := cp.NextPage(ctx)
			if err != nil {
				return nil, fail("DescribeVpcEndpointConnections", err)
			}
			for _, c := range out.VpcEndpointConnections {
				id := aws.ToString(c.ServiceId)
				sd.connections[id] = append(sd.connections[id], c)
			}
		}
	}
	ep := ec2.NewDescribeVpcEndpointsPaginator(api, &ec2.DescribeVpcEndpointsInput{MaxResults: aws.Int32(1000)})
	for ep.HasMorePages() {
		out, err := ep.NextPage(ctx)
		if err != nil {
			return nil, fail("DescribeVpcEndpoints", err)
		}
		for _, e := range out.VpcEndpoints {
			id := aws.ToString(e.VpcEndpointId)
			switch e.VpcEndpointType {
			case types.VpcEndpointTypeInterface, types.VpcEndpointTypeGatewayLoadBalancer, types.VpcEndpointTypeGateway,
				types.VpcEndpointTypeResource, types.VpcEndpointTypeServiceNetwork:
			default:
				sd.notes = append(sd.notes, fmt.Sprintf("%s in %s %s left out: plink manages interface, Gateway Load Balancer, gateway, resource and service-network endpoints, this one is %s", id, a.Alias, region, e.VpcEndpointType))
				continue
			}
			if proj := tagMap(e.Tags)[live.TagProject]; proj != "" && proj != project {
				sd.notes = append(sd.notes, fmt.Sprintf("%s in %s %s left out: plink project %s manages it", id, a.Alias, region, proj))
				continue
			}
			switch live.EndpointPhase(string(e.State)) {
			case live.PhaseGone:
				continue
			case live.PhaseGoing, live.PhaseBroken:
				sd.notes = append(sd.notes, fmt.Sprintf("%s in %s %s left out: it is %s", id, a.Alias, region, e.State))
				continue
			}
			sd.endpoints = append(sd.endpoints, e)
		}
	}
	if len(sd.services) == 0 && len(sd.endpoints) > 0 {
		if f := readNotifications(); f != nil {
			return nil, f
		}
	}
	return sd, nil
}

func tagMap(ts []types.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range ts {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// userTags are the tags a manifest declares: everything but aws:* (AWS's)
// and plink:* (plink's own, written on adoption).
func userTags(ts []types.Tag) map[string]string {
	out := map[string]string{}
	for k, v := range tagMap(ts) {
		if strings.HasPrefix(k, "aws:") || strings.HasPrefix(k, "plink:") {
			continue
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// namer hands out unique manifest names.
type namer struct{ used map[string]bool }

var reNonName = regexp.MustCompile(`[^a-z0-9]+`)

// name derives a manifest name from a plink:name tag, a Name tag, or the
// id, made unique across the manifest.
func (n *namer) name(tags map[string]string, id string) string {
	base := ""
	for _, k := range []string{"plink:name", "Name"} {
		if v := tags[k]; v != "" {
			base = strings.Trim(reNonName.ReplaceAllString(strings.ToLower(v), "-"), "-")
			if len(base) > 55 {
				base = strings.Trim(base[:55], "-")
			}
			if base != "" {
				break
			}
		}
	}
	if base == "" {
		base = id
	}
	name := base
	for i := 2; n.used[name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	n.used[name] = true
	return name
}

func write(accounts []Account, regions []string, scopes []*scopeData, opts Options) (*Result, error) {
	m := &manifest.Manifest{
		Version:  manifest.Version,
		Project:  opts.Project,
		Defaults: manifest.Defaults{Region: regions[0]},
		Accounts: map[string]*manifest.Account{},
	}
	aliasOf := map[string]string{}
	for _, a := range accounts {
		m.Accounts[a.Alias] = &manifest.Account{ID: a.ID, RoleARN: a.RoleARN, ExternalID: a.ExternalID, Profile: a.Profile}
		aliasOf[a.ID] = a.Alias
	}
	res := &Result{}
	nm := &namer{used: map[string]bool{}}
	regionOf := func(r string) string {
		if r == m.Defaults.Region {
			return ""
		}
		return r
	}
	providerByService := map[string]string{} // service name -> provider name
	exportedEndpoints := map[string]string{} // endpoint id -> service name it connects to

	for _, sd := range scopes {
		for _, e := range sd.endpoints {
			exportedEndpoints[aws.ToString(e.VpcEndpointId)] = aws.ToString(e.ServiceName)
		}
	}
	// Resources already tagged with this project mean the project exists:
	// a plan of the exported manifest deletes the project's resources in
	// the accounts and regions it declares but that were not exported,
	// and in the regions of these accounts that were left out.
	managed := 0
	for _, sd := range scopes {
		for _, s := range sd.services {
			if tagMap(s.Tags)[live.TagProject] == opts.Project {
				managed++
			}
		}
		for _, e := range sd.endpoints {
			if tagMap(e.Tags)[live.TagProject] == opts.Project {
				managed++
			}
		}
	}
	if managed > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("project %s already exists: its plink:project tag is on %s here; a plan of this manifest deletes the project's resources it does not describe, so export every account and region the project uses (or pass a new --project) before you apply it",
			opts.Project, plural(managed, "resource")))
	}
	for _, sd := range scopes {
		res.Notes = append(res.Notes, sd.notes...)
		for _, s := range sd.services {
			id := aws.ToString(s.ServiceId)
			tags := tagMap(s.Tags)
			p := &manifest.Provider{
				Name:                    nm.name(tags, id),
				Account:                 sd.acct.Alias,
				Region:                  regionOf(sd.region),
				NetworkLoadBalancerARNs: sortedCopy(s.NetworkLoadBalancerArns),
				GatewayLoadBalancerARNs: sortedCopy(s.GatewayLoadBalancerArns),
				AcceptanceRequired:      aws.ToBool(s.AcceptanceRequired),
				PrivateDNSName:          aws.ToString(s.PrivateDnsName),
				Tags:                    userTags(s.Tags),
				Adopt:                   id,
			}
			if zone := tags[live.TagDNSZone]; zone != "" && p.PrivateDNSName != "" {
				// plink publishes this name's verification record: the long
				// form keeps it doing so.
				p.PrivateDNS = &manifest.PrivateDNS{Name: p.PrivateDNSName, Route53HostedZoneID: zone}
				p.PrivateDNSName = ""
			}
			for _, t := range s.SupportedIpAddressTypes {
				p.SupportedIPAddressTypes = append(p.SupportedIPAddressTypes, string(t))
			}
			sort.Strings(p.SupportedIPAddressTypes)
			if slices.Equal(p.SupportedIPAddressTypes, []string{"ipv4"}) {
				p.SupportedIPAddressTypes = nil // the default
			}
			for _, r := range s.SupportedRegions {
				if rr := aws.ToString(r.Region); rr != "" && rr != sd.region {
					p.SupportedRegions = append(p.SupportedRegions, rr)
				}
			}
			sort.Strings(p.SupportedRegions)
			principals := slices.Clone(sd.principals[id])
			sort.Strings(principals)
			for _, arn := range slices.Compact(principals) {
				pr := principal(arn, aliasOf)
				pr.Tags = sd.principalTags[id][arn]
				p.AllowedPrincipals = append(p.AllowedPrincipals, pr)
			}
			if s.PayerResponsibility == types.PayerResponsibilityServiceOwner {
				p.PayerResponsibility = manifest.PayerServiceOwner
			}
			// Accept the owners of connected endpoints that are not exported
			// (so the result reports no undeclared connection).
			from := map[string]bool{}
			var pending []string
			for _, c := range sd.connections[id] {
				switch live.EndpointPhase(string(c.VpcEndpointState)) {
				case live.PhaseWaiting:
					// Nobody accepted it yet: exporting must not decide to.
					pending = append(pending, aws.ToString(c.VpcEndpointId))
					continue
				case live.PhaseUsable, live.PhaseSettling:
				default:
					continue // gone, going or broken: no connection to keep
				}
				if _, ok := exportedEndpoints[aws.ToString(c.VpcEndpointId)]; ok {
					continue
				}
				owner := aws.ToString(c.VpcEndpointOwner)
				if owner == "" {
					continue
				}
				if alias := aliasOf[owner]; alias != "" {
					from[alias] = true
				} else {
					from[owner] = true
				}
			}
			p.Connections.AcceptFrom = slices.Sorted(maps.Keys(from))
			if len(pending) > 0 {
				off := false
				p.Connections.AcceptDeclared = &off
				sort.Strings(pending)
				res.Notes = append(res.Notes, fmt.Sprintf("provider %s: %d connection(s) wait for acceptance (%s); acceptDeclared is false so the first apply only adopts; set it to true, or list accounts in acceptFrom, to accept them",
					p.Name, len(pending), strings.Join(pending, ", ")))
			}
			notes := sd.notifications[id]
			slices.SortFunc(notes, func(a, b types.ConnectionNotification) int {
				return cmp.Compare(aws.ToString(a.ConnectionNotificationArn), aws.ToString(b.ConnectionNotificationArn))
			})
			for _, n := range notes {
				events := slices.Clone(n.ConnectionEvents)
				sort.Strings(events)
				p.Notifications = append(p.Notifications, manifest.Notification{TopicARN: aws.ToString(n.ConnectionNotificationArn), Events: events})
			}
			m.Providers = append(m.Providers, p)
			providerByService[aws.ToString(s.ServiceName)] = p.Name
		}
	}
	for _, sd := range scopes {
		for _, e := range sd.endpoints {
			id := aws.ToString(e.VpcEndpointId)
			c := &manifest.Consumer{
				Name:              nm.name(tagMap(e.Tags), id),
				Account:           sd.acct.Alias,
				Region:            regionOf(sd.region),
				VPCID:             aws.ToString(e.VpcId),
				SubnetIDs:         sortedCopy(e.SubnetIds),
				PrivateDNSEnabled: aws.ToBool(e.PrivateDnsEnabled),
				IPAddressType:     string(e.IpAddressType),
				Tags:              userTags(e.Tags),
				Adopt:             id,
			}
			for _, g := range e.Groups {
				c.SecurityGroupIDs = append(c.SecurityGroupIDs, aws.ToString(g.GroupId))
			}
			sort.Strings(c.SecurityGroupIDs)
			for _, n := range sd.notifications[id] {
				c.Notifications = append(c.Notifications, manifest.Notification{TopicARN: aws.ToString(n.ConnectionNotificationArn), Events: sortedCopy(n.ConnectionEvents)})
			}
			if e.VpcEndpointType == types.VpcEndpointTypeGateway {
				// routes instead of network interfaces (manifest type: Gateway)
				c.Type, c.RouteTableIDs = manifest.TypeGateway, sortedCopy(e.RouteTableIds)
				c.SubnetIDs, c.SecurityGroupIDs, c.PrivateDNSEnabled, c.IPAddressType = nil, nil, false, ""
			}
			lattice := e.VpcEndpointType == types.VpcEndpointTypeResource || e.VpcEndpointType == types.VpcEndpointTypeServiceNetwork
			if lattice {
				// what it connects to is its ARN (manifest type: Resource or ServiceNetwork)
				c.Type = string(e.VpcEndpointType)
				c.ResourceConfigurationARN, c.ServiceNetworkARN = aws.ToString(e.ResourceConfigurationArn), aws.ToString(e.ServiceNetworkArn)
			} else if prov, ok := providerByService[aws.ToString(e.ServiceName)]; ok {
				c.Provider = prov
			} else {
				c.ServiceName = aws.ToString(e.ServiceName)
				if sr := aws.ToString(e.ServiceRegion); sr != "" && sr != sd.region {
					c.ServiceRegion = sr // a cross-region endpoint to a service outside the export
				}
			}
			if o := e.DnsOptions; o != nil && c.Type != manifest.TypeGateway && (o.DnsRecordIpType != "" || o.PrivateDnsOnlyForInboundResolverEndpoint != nil) {
				c.DNSOptions = &manifest.DNSOptions{DNSRecordIPType: string(o.DnsRecordIpType), PrivateDNSOnlyForInboundResolverEndpoint: o.PrivateDnsOnlyForInboundResolverEndpoint}
			}
			if o := e.DnsOptions; lattice && o != nil && c.PrivateDNSEnabled && aws.ToString(o.PrivateDnsPreference) != "" {
				if c.DNSOptions == nil {
					c.DNSOptions = &manifest.DNSOptions{}
				}
				c.DNSOptions.PrivateDNSPreference = aws.ToString(o.PrivateDnsPreference)
				c.DNSOptions.PrivateDNSSpecifiedDomains = sortedCopy(o.PrivateDnsSpecifiedDomains)
			}
			if doc := aws.ToString(e.PolicyDocument); doc != "" {
				var pol map[string]any
				if err := json.Unmarshal([]byte(doc), &pol); err != nil {
					res.Notes = append(res.Notes, fmt.Sprintf("%s: endpoint policy left out: it is not a JSON object: %v", id, err))
				} else {
					c.Policy = pol
				}
			}
			m.Consumers = append(m.Consumers, c)
		}
	}
	slices.SortStableFunc(m.Providers, func(a, b *manifest.Provider) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortStableFunc(m.Consumers, func(a, b *manifest.Consumer) int { return cmp.Compare(a.Name, b.Name) })
	sort.Strings(res.Notes)

	data, err := render(m, accounts, regions)
	if err != nil {
		return nil, err
	}
	res.YAML = data
	loaded, err := manifest.Parse("exported.yaml", data)
	if err != nil {
		return nil, fmt.Errorf("export wrote a manifest that does not load (a plink bug; please report it with the output of plink export): %w", err)
	}
	res.Manifest = loaded
	return res, nil
}

func principal(arn string, aliasOf map[string]string) manifest.Principal {
	if arn == "*" {
		return manifest.Principal{ARN: "*", AllowWildcard: true}
	}
	if !strings.HasPrefix(arn, "arn:") && strings.Contains(arn, ".amazonaws.com") {
		return manifest.Principal{Service: arn} // a service principal
	}
	parts := strings.Split(arn, ":")
	if len(parts) == 6 && parts[2] == "iam" && parts[5] == "root" {
		if alias := aliasOf[parts[4]]; alias != "" {
			return manifest.Principal{Account: alias}
		}
	}
	return manifest.Principal{ARN: arn}
}

func render(m *manifest.Manifest, accounts []Account, regions []string) ([]byte, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# yaml-language-server: $schema=%s\n", SchemaURL)
	ids := make([]string, len(accounts))
	for i, a := range accounts {
		ids[i] = a.Alias + " (" + a.ID + ")"
	}
	fmt.Fprintf(&buf, "# Written by plink export from %s in %s.\n", strings.Join(ids, ", "), strings.Join(regions, ", "))
	buf.WriteString("# Every resource is adopted by id: the first plink apply only tags them.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("export: encode manifest: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("export: encode manifest: %w", err)
	}
	return buf.Bytes(), nil
}

func sortedCopy(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := slices.Clone(in)
	sort.Strings(out)
	return out
}

// plural is "1 resource" or "3 resources".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
