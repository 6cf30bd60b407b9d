package export

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

// adoptionManifest turns what was read into a manifest that adopts every
// resource by id, renders it as YAML and loads it back (proof it is
// valid); notes say what was left out and why.
func adoptionManifest(accounts []Account, regions []string, scopes []*scopeData, opts Options) (*Result, error) {
	ad := newAdopter(accounts, regions, scopes, opts)
	if note := projectExistsNote(scopes, opts.Project); note != "" {
		ad.res.Notes = append(ad.res.Notes, note)
	}
	if opts.Manifest == nil && slices.ContainsFunc(scopes, func(sd *scopeData) bool { return len(sd.services) > 0 }) {
		ad.res.Notes = append(ad.res.Notes, "providers' connections settings (acceptDeclared, acceptFrom beyond the accounts connected now, rejectUndeclared) are plink's policy, not AWS's: export cannot read them, so the providers written reject no undeclared connection; set them, or export with -f MANIFEST to carry a manifest's")
	}
	for _, sd := range scopes {
		ad.res.Notes = append(ad.res.Notes, sd.notes...)
		for _, s := range sd.services {
			p := ad.provider(sd, s)
			ad.m.Providers = append(ad.m.Providers, p)
			ad.providerByService[aws.ToString(s.ServiceName)] = p.Name
		}
	}
	for _, sd := range scopes {
		for _, e := range sd.endpoints {
			ad.m.Consumers = append(ad.m.Consumers, ad.consumer(sd, e))
		}
	}
	return ad.result(accounts, regions)
}

// adopter builds the manifest of an export.
type adopter struct {
	m       *manifest.Manifest
	res     *Result
	names   *namer
	aliasOf map[string]string // account id -> alias
	// exportedEndpoints: endpoint id -> service name it connects to.
	exportedEndpoints map[string]string
	// providerByService: service name -> provider name, as written.
	providerByService map[string]string
	// from is Options.Manifest: the policy AWS does not hold.
	from *manifest.Manifest
}

func newAdopter(accounts []Account, regions []string, scopes []*scopeData, opts Options) *adopter {
	region := regions[0]
	if opts.Manifest != nil && opts.Manifest.Defaults.Region != "" {
		// the manifest's, not the first region read (they are sorted)
		region = opts.Manifest.Defaults.Region
	}
	ad := &adopter{
		from: opts.Manifest,
		m: &manifest.Manifest{
			Version:  manifest.Version,
			Project:  opts.Project,
			Defaults: manifest.Defaults{Region: region},
			Accounts: map[string]*manifest.Account{},
		},
		res:               &Result{},
		names:             &namer{used: map[string]bool{}},
		aliasOf:           map[string]string{},
		exportedEndpoints: map[string]string{},
		providerByService: map[string]string{},
	}
	for _, a := range accounts {
		ad.m.Accounts[a.Alias] = &manifest.Account{ID: a.ID, RoleARN: a.RoleARN, ExternalID: a.ExternalID, Profile: a.Profile}
		ad.aliasOf[a.ID] = a.Alias
	}
	for _, sd := range scopes {
		for _, e := range sd.endpoints {
			ad.exportedEndpoints[aws.ToString(e.VpcEndpointId)] = aws.ToString(e.ServiceName)
		}
	}
	return ad
}

// projectExistsNote warns when resources already carry this project's
// tag: the project exists, and a plan of the exported manifest deletes
// its resources in the accounts and regions it declares but that were not
// exported, and in the regions of these accounts that were left out.
func projectExistsNote(scopes []*scopeData, project string) string {
	managed := 0
	for _, sd := range scopes {
		for _, s := range sd.services {
			if tagMap(s.Tags)[live.TagProject] == project {
				managed++
			}
		}
		for _, e := range sd.endpoints {
			if tagMap(e.Tags)[live.TagProject] == project {
				managed++
			}
		}
	}
	if managed == 0 {
		return ""
	}
	return fmt.Sprintf("project %s already exists: its plink:project tag is on %s here; a plan of this manifest deletes the project's resources it does not describe, so export every account and region the project uses (or pass a new --project) before you apply it",
		project, plural(managed, "resource"))
}

// regionOf is a resource's region as the manifest writes it: empty for
// the default.
func (ad *adopter) regionOf(r string) string {
	if r == ad.m.Defaults.Region {
		return ""
	}
	return r
}

// provider is the provider that adopts service s.
func (ad *adopter) provider(sd *scopeData, s types.ServiceConfiguration) *manifest.Provider {
	id := aws.ToString(s.ServiceId)
	tags := tagMap(s.Tags)
	p := &manifest.Provider{
		Name:                    ad.names.name(tags, id),
		Account:                 sd.acct.Alias,
		Region:                  ad.regionOf(sd.region),
		NetworkLoadBalancerARNs: sortedCopy(s.NetworkLoadBalancerArns),
		GatewayLoadBalancerARNs: sortedCopy(s.GatewayLoadBalancerArns),
		AcceptanceRequired:      aws.ToBool(s.AcceptanceRequired),
		PrivateDNSName:          aws.ToString(s.PrivateDnsName),
		Tags:                    userTags(s.Tags),
		Adopt:                   id,
		SupportedIPAddressTypes: ipAddressTypes(s),
		SupportedRegions:        otherRegions(s, sd.region),
	}
	if zone := tags[live.TagDNSZone]; zone != "" && p.PrivateDNSName != "" {
		// plink publishes this name's verification record: the long
		// form keeps it doing so.
		p.PrivateDNS = &manifest.PrivateDNS{Name: p.PrivateDNSName, Route53HostedZoneID: zone}
		p.PrivateDNSName = ""
	}
	principals := slices.Clone(sd.principals[id])
	sort.Strings(principals)
	for _, arn := range slices.Compact(principals) {
		pr := principal(arn, ad.aliasOf)
		pr.Tags = sd.principalTags[id][arn]
		p.AllowedPrincipals = append(p.AllowedPrincipals, pr)
	}
	if s.PayerResponsibility == types.PayerResponsibilityServiceOwner {
		p.PayerResponsibility = manifest.PayerServiceOwner
	}
	ad.connections(p, sd.connections[id], ad.declared(tags, id))
	p.Notifications = serviceNotifications(sd.notifications[id])
	return p
}

// ipAddressTypes are a service's IP address types, sorted; nil for the
// default (ipv4 only).
func ipAddressTypes(s types.ServiceConfiguration) []string {
	var out []string
	for _, t := range s.SupportedIpAddressTypes {
		out = append(out, string(t))
	}
	sort.Strings(out)
	if slices.Equal(out, []string{"ipv4"}) {
		return nil
	}
	return out
}

// otherRegions are the regions a service is offered in besides its own.
func otherRegions(s types.ServiceConfiguration, region string) []string {
	var out []string
	for _, r := range s.SupportedRegions {
		if rr := aws.ToString(r.Region); rr != "" && rr != region {
			out = append(out, rr)
		}
	}
	sort.Strings(out)
	return out
}

// declared is the provider of the -f manifest that service id is: the one
// that adopts it, else the one its plink:project and plink:name tags name;
// nil without a manifest or when it declares none.
func (ad *adopter) declared(tags map[string]string, id string) *manifest.Provider {
	if ad.from == nil {
		return nil
	}
	for _, p := range ad.from.Providers {
		if p.Adopt == id {
			return p
		}
	}
	if tags[live.TagProject] != ad.from.Project || tags[live.TagName] == "" {
		return nil
	}
	for _, p := range ad.from.Providers {
		if p.Name == tags[live.TagName] {
			return p
		}
	}
	return nil
}

// connections sets what provider p accepts: the owners of its connected
// endpoints that are not exported (so the result reports no undeclared
// connection), and what decl, the manifest's provider (or nil), declares:
// AWS does not hold that policy. Connections still waiting for acceptance
// turn acceptDeclared off, so that exporting decides nothing about them.
func (ad *adopter) connections(p *manifest.Provider, conns []types.VpcEndpointConnection, decl *manifest.Provider) {
	from := map[string]bool{}
	var pending []string
	for _, c := range conns {
		switch live.EndpointPhase(string(c.VpcEndpointState)) {
		case live.PhaseWaiting:
			// Nobody accepted it yet: exporting must not decide to.
			pending = append(pending, aws.ToString(c.VpcEndpointId))
			continue
		case live.PhaseUsable, live.PhaseSettling:
		default:
			continue // gone, going or broken: no connection to keep
		}
		if _, ok := ad.exportedEndpoints[aws.ToString(c.VpcEndpointId)]; ok {
			continue
		}
		owner := aws.ToString(c.VpcEndpointOwner)
		if owner == "" {
			continue
		}
		if alias := ad.aliasOf[owner]; alias != "" {
			from[alias] = true
		} else {
			from[owner] = true
		}
	}
	if decl != nil {
		for _, a := range decl.Connections.AcceptFrom {
			from[a] = true
		}
		p.Connections.RejectUndeclared = decl.Connections.RejectUndeclared
		if v := decl.Connections.AcceptDeclared; v != nil {
			p.Connections.AcceptDeclared = aws.Bool(*v)
		}
	}
	p.Connections.AcceptFrom = slices.Sorted(maps.Keys(from))
	if len(pending) > 0 {
		off := false
		p.Connections.AcceptDeclared = &off
		sort.Strings(pending)
		waits := fmt.Sprintf("%d connections wait", len(pending))
		if len(pending) == 1 {
			waits = "1 connection waits"
		}
		note := fmt.Sprintf("provider %s: %s for acceptance (%s); acceptDeclared is false so the first apply only adopts; set it to true, or list accounts in acceptFrom, to accept them",
			p.Name, waits, strings.Join(pending, ", "))
		if p.Connections.RejectUndeclared {
			note = fmt.Sprintf("provider %s: %s for acceptance (%s); acceptDeclared is false so the first apply accepts none, but rejectUndeclared is the manifest's: it rejects those of no declared consumer and no acceptFrom account; set acceptDeclared to true, or list accounts in acceptFrom, to accept them",
				p.Name, waits, strings.Join(pending, ", "))
		}
		ad.res.Notes = append(ad.res.Notes, note)
	}
}

// serviceNotifications are a service's notifications, in ARN order.
func serviceNotifications(notes []types.ConnectionNotification) []manifest.Notification {
	slices.SortFunc(notes, func(a, b types.ConnectionNotification) int {
		return cmp.Compare(aws.ToString(a.ConnectionNotificationArn), aws.ToString(b.ConnectionNotificationArn))
	})
	var out []manifest.Notification
	for _, n := range notes {
		events := slices.Clone(n.ConnectionEvents)
		sort.Strings(events)
		out = append(out, manifest.Notification{TopicARN: aws.ToString(n.ConnectionNotificationArn), Events: events})
	}
	return out
}

// consumer is the consumer that adopts endpoint e.
func (ad *adopter) consumer(sd *scopeData, e types.VpcEndpoint) *manifest.Consumer {
	id := aws.ToString(e.VpcEndpointId)
	c := &manifest.Consumer{
		Name:              ad.names.name(tagMap(e.Tags), id),
		Account:           sd.acct.Alias,
		Region:            ad.regionOf(sd.region),
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
	ad.target(c, sd, e, lattice)
	c.DNSOptions = dnsOptions(c, e, lattice)
	if doc := aws.ToString(e.PolicyDocument); doc != "" {
		var pol map[string]any
		if err := json.Unmarshal([]byte(doc), &pol); err != nil {
			ad.res.Notes = append(ad.res.Notes, fmt.Sprintf("%s: endpoint policy left out: it is not a JSON object: %v", id, err))
		} else {
			c.Policy = pol
		}
	}
	return c
}

// target sets what consumer c connects to: a lattice endpoint's ARN, an
// exported provider, or a service outside the export by name (and its
// region when that is not the endpoint's).
func (ad *adopter) target(c *manifest.Consumer, sd *scopeData, e types.VpcEndpoint, lattice bool) {
	switch prov, ok := ad.providerByService[aws.ToString(e.ServiceName)]; {
	case lattice:
		// what it connects to is its ARN (manifest type: Resource or ServiceNetwork)
		c.Type = string(e.VpcEndpointType)
		c.ResourceConfigurationARN, c.ServiceNetworkARN = aws.ToString(e.ResourceConfigurationArn), aws.ToString(e.ServiceNetworkArn)
	case ok:
		c.Provider = prov
	default:
		c.ServiceName = aws.ToString(e.ServiceName)
		if sr := aws.ToString(e.ServiceRegion); sr != "" && sr != sd.region {
			c.ServiceRegion = sr // a cross-region endpoint to a service outside the export
		}
	}
}

// dnsOptions are an endpoint's DNS options as consumer c declares them,
// or nil: a gateway endpoint has none, and only a lattice endpoint with
// private DNS on has a private DNS preference.
func dnsOptions(c *manifest.Consumer, e types.VpcEndpoint, lattice bool) *manifest.DNSOptions {
	o := e.DnsOptions
	if o == nil {
		return nil
	}
	var out *manifest.DNSOptions
	if c.Type != manifest.TypeGateway && (o.DnsRecordIpType != "" || o.PrivateDnsOnlyForInboundResolverEndpoint != nil) {
		out = &manifest.DNSOptions{DNSRecordIPType: string(o.DnsRecordIpType), PrivateDNSOnlyForInboundResolverEndpoint: o.PrivateDnsOnlyForInboundResolverEndpoint}
	}
	if lattice && c.PrivateDNSEnabled && aws.ToString(o.PrivateDnsPreference) != "" {
		if out == nil {
			out = &manifest.DNSOptions{}
		}
		out.PrivateDNSPreference = aws.ToString(o.PrivateDnsPreference)
		out.PrivateDNSSpecifiedDomains = sortedCopy(o.PrivateDnsSpecifiedDomains)
	}
	return out
}

// result sorts the manifest and the notes, renders the YAML and loads it
// back.
func (ad *adopter) result(accounts []Account, regions []string) (*Result, error) {
	m, res := ad.m, ad.res
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
