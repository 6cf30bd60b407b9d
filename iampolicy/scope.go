package iampolicy

import (
	"cmp"
	"maps"
	"slices"

	"github.com/plinkdev/plink/lease"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

// scope is what one account's policy is built from: what the manifest
// declares in the account, and what live state adds.
type scope struct {
	account string
	project string // "" without a manifest
	// readRegions are every region plink reads (the manifest's regions):
	// changes and deletes reach them, since a resource removed from the
	// manifest is deleted where it is.
	readRegions []string
	// providerRegions and consumerRegions are where the account has
	// providers and consumers: the only regions it creates services and
	// endpoints in.
	providerRegions, consumerRegions []string
	// interfaceRegions and gatewayRegions are where it has interface (and
	// Gateway Load Balancer) endpoints, with subnets, and gateway
	// endpoints, with route tables.
	interfaceRegions, gatewayRegions []string
	providers, consumers             bool
	// multiRegionServices are the regions of the account's providers that
	// support other regions (cross-region connections).
	multiRegionServices []string
	// notifications: the account's providers declare notifications.
	notifications bool
	// notifyRegions are the regions where its consumers declare
	// notifications of their own (on their endpoints).
	notifyRegions map[string]bool
	vpcs          map[string]bool
	subnets       map[string]bool
	sgs           map[string]bool
	rtbs          map[string]bool // gateway consumers' route tables
	// ownerNames and owners are the ec2:VpceServiceName patterns and
	// ec2:VpceServiceOwner account ids of the manifest's providers the
	// account's consumers use, created in ownerRegions; namedServices are
	// the serviceName entries, created in namedRegions.
	// Each is per region of the consumers (the region of the endpoint
	// created): an endpoint is granted only the services consumed from
	// its own region.
	ownerNames, owners, namedServices map[string]map[string]bool
	adopted                           []string
	// leaseRegion is where the project's lease lives when this account is
	// its home (lease.Home), else "".
	leaseRegion string
	// topics are the ARNs of the SNS topics whose access policy this
	// account reads for the providers' notifications (live.NotificationTopics).
	topics []string
	// live: Live.Read; touched and multi are "REGION TYPE" of the
	// resources the plan changes and of those that are cross-region (the
	// manifest's and the plan's).
	live           bool
	touched, multi map[string]bool
	// released are the ARNs live state says the plan releases: with the
	// adopted ones (released by destroy), those whose plink:project apply
	// may remove.
	released []string
	// dnsDomains are the verification domains of the account's providers
	// with privateDns (plink writes their TXT records in Route 53),
	// dnsZones the hosted zones ("*": found by name) and dnsRecords the
	// records live state says the plan changes (Live.DNSRecords).
	dnsDomains, dnsZones, dnsRecords []string
	// payer: a provider of the account sets payerResponsibility.
	payer bool
	// permTagKeys are the tag keys the account's providers set on their
	// allowed principals' permissions, in permTagRegions.
	permTagKeys, permTagRegions []string
	// latticeTargets are the resource configurations and service networks
	// the account's consumers connect to, in latticeRegions;
	// latticeGateways the resource gateways of the account's own resource
	// configurations that consumers of the manifest name.
	latticeTargets, latticeRegions, latticeGateways []string
	// serviceNetworks: the account's consumers include ServiceNetwork
	// endpoints, each also an association of its network.
	serviceNetworks bool
}

// anyAccountScope is the scope of the policy without a manifest: every
// account, region and kind of resource, any project.
func anyAccountScope() scope {
	star := []string{"*"}
	return scope{account: "*", readRegions: star, providerRegions: star, consumerRegions: star, interfaceRegions: star, gatewayRegions: star,
		providers: true, consumers: true, notifications: true, leaseRegion: "*", topics: []string{"arn:aws:sns:*:*:*"},
		dnsDomains: star, dnsZones: star, payer: true, permTagKeys: star, permTagRegions: star, latticeRegions: star,
		latticeTargets:  []string{"arn:aws:vpc-lattice:*:*:resourceconfiguration/*", "arn:aws:vpc-lattice:*:*:servicenetwork/*"},
		latticeGateways: []string{"arn:aws:vpc-lattice:*:*:resourcegateway/*"}, serviceNetworks: true}
}

// scoper makes the scope of each account of a manifest.
type scoper struct {
	m  *manifest.Manifest
	lv Live
	// readRegions are the manifest's regions, which plink reads in every
	// account.
	readRegions []string
	// home and homeRegion are where the project's lease lives.
	home, homeRegion string
	providers        map[string]*manifest.Provider // by name
	// topics are the notification topics each account reads (package
	// live chooses the account: the topic's own, when one of its
	// providers is there).
	topics map[string][]string
}

func newScoper(m *manifest.Manifest, lv Live) *scoper {
	sr := &scoper{m: m, lv: lv, readRegions: manifestRegions(m), providers: map[string]*manifest.Provider{}, topics: map[string][]string{}}
	sr.home, sr.homeRegion = lease.Home(m)
	for _, p := range m.Providers {
		sr.providers[p.Name] = p
	}
	for _, t := range live.NotificationTopics(m, nil) {
		sr.topics[t.Account] = append(sr.topics[t.Account], t.ARN)
	}
	return sr
}

// region is r, or the manifest's default region when r is empty.
func (sr *scoper) region(r string) string { return cmp.Or(r, sr.m.Defaults.Region) }

// crossRegion reports whether provider p supports a region besides its own.
func (sr *scoper) crossRegion(p *manifest.Provider) bool {
	return slices.ContainsFunc(p.SupportedRegions, func(r string) bool { return r != sr.region(p.Region) })
}

// scope is the scope of account alias (a).
func (sr *scoper) scope(alias string, a *manifest.Account) scope {
	sc := scope{account: a.ID, project: sr.m.Project, readRegions: sr.readRegions, vpcs: map[string]bool{}, subnets: map[string]bool{}, sgs: map[string]bool{}, rtbs: map[string]bool{},
		ownerNames: map[string]map[string]bool{}, owners: map[string]map[string]bool{}, namedServices: map[string]map[string]bool{}, topics: sr.topics[alias]}
	if alias == sr.home {
		sc.leaseRegion = sr.homeRegion
	}
	providerRegions := sr.addProviders(&sc, alias, a)
	sr.addLive(&sc, alias)
	for _, r := range sr.lv.DNSRecords[alias] {
		sc.dnsZones = append(sc.dnsZones, r.ZoneID)
		sc.dnsRecords = append(sc.dnsRecords, r.Name)
	}
	sr.addLatticeTargets(&sc, alias, a)
	consumerRegions, interfaceRegions, gatewayRegions := sr.addConsumers(&sc, alias, a)
	sc.providerRegions, sc.consumerRegions = sortedSet(providerRegions), sortedSet(consumerRegions)
	sc.interfaceRegions, sc.gatewayRegions = sortedSet(interfaceRegions), sortedSet(gatewayRegions)
	return sc
}

// addProviders adds what the account's providers need; it returns their
// regions.
func (sr *scoper) addProviders(sc *scope, alias string, a *manifest.Account) (regions map[string]bool) {
	regions = map[string]bool{}
	for _, p := range sr.m.Providers {
		if p.Account != alias {
			continue
		}
		sc.providers = true
		regions[sr.region(p.Region)] = true
		if sr.crossRegion(p) {
			sc.multiRegionServices = append(sc.multiRegionServices, sr.region(p.Region))
		}
		if p.Adopt != "" {
			sc.adopted = append(sc.adopted, arn(sr.region(p.Region), a.ID, "vpc-endpoint-service/"+p.Adopt))
		}
		if len(p.Notifications) > 0 {
			sc.notifications = true
		}
		if p.ManagesDNSRecord() {
			sc.dnsDomains = append(sc.dnsDomains, live.VerificationDomain(p.PrivateDNS.Name))
			sc.dnsZones = append(sc.dnsZones, cmp.Or(p.PrivateDNS.Route53HostedZoneID, "*"))
		}
		if p.PayerResponsibility != "" {
			sc.payer = true
		}
		for _, pr := range p.AllowedPrincipals {
			for k := range pr.Tags {
				sc.permTagKeys = append(sc.permTagKeys, k)
				sc.permTagRegions = append(sc.permTagRegions, sr.region(p.Region))
			}
		}
	}
	return regions
}

// addLive adds what live state says of the account (Live), and where the
// manifest has cross-region services and endpoints.
func (sr *scoper) addLive(sc *scope, alias string) {
	sc.live = sr.lv.Read
	sc.released = sr.lv.Released[alias]
	sc.touched, sc.multi = map[string]bool{}, map[string]bool{}
	maps.Copy(sc.touched, sr.lv.Touched[alias])
	maps.Copy(sc.multi, sr.lv.MultiRegion[alias])
	for _, p := range sr.m.Providers {
		if p.Account == alias && sr.crossRegion(p) {
			sc.multi[sr.region(p.Region)+" vpc-endpoint-service"] = true
		}
	}
	for _, c := range sr.m.Consumers {
		if c.Account != alias {
			continue
		}
		from := c.ServiceRegion
		if p := sr.providers[c.Provider]; p != nil {
			from = sr.region(p.Region)
		}
		if from != "" && from != sr.region(c.Region) {
			sc.multi[sr.region(c.Region)+" vpc-endpoint"] = true
		}
	}
}

// addLatticeTargets adds the VPC Lattice targets: read by plan with the
// consumer's own credentials on their ARNs; a resource configuration's
// gateway with its owner's, when the owner is an account of the manifest.
func (sr *scoper) addLatticeTargets(sc *scope, alias string, a *manifest.Account) {
	for _, c := range sr.m.Consumers {
		if !c.IsLattice() || c.LatticeARN() == "" {
			continue
		}
		if c.Account == alias {
			sc.latticeTargets = append(sc.latticeTargets, c.LatticeARN())
			sc.latticeRegions = append(sc.latticeRegions, sr.region(c.Region))
			sc.serviceNetworks = sc.serviceNetworks || c.Type == manifest.TypeServiceNetwork
		}
		if owner, r := manifest.LatticeARNOwner(c.LatticeARN()); owner == a.ID && c.Type == manifest.TypeResource {
			sc.latticeGateways = append(sc.latticeGateways, "arn:aws:vpc-lattice:"+r+":"+a.ID+":resourcegateway/*")
		}
	}
}

// addConsumers adds what the account's consumers need: their network,
// their notifications, the endpoints they adopt and the services they
// may connect to. It returns their regions, and those of their interface
// (and Gateway Load Balancer) and of their gateway endpoints.
func (sr *scoper) addConsumers(sc *scope, alias string, a *manifest.Account) (regions, interfaceRegions, gatewayRegions map[string]bool) {
	regions, interfaceRegions, gatewayRegions = map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, c := range sr.m.Consumers {
		if c.Account != alias {
			continue
		}
		sc.consumers = true
		r := sr.region(c.Region)
		if len(c.Notifications) > 0 {
			if sc.notifyRegions == nil {
				sc.notifyRegions = map[string]bool{}
			}
			sc.notifyRegions[r] = true
		}
		regions[r] = true
		if c.Type == manifest.TypeGateway {
			gatewayRegions[r] = true
		} else {
			interfaceRegions[r] = true
		}
		sc.vpcs[arn(r, a.ID, "vpc/"+c.VPCID)] = true
		for _, s := range c.SubnetIDs {
			sc.subnets[arn(r, a.ID, "subnet/"+s)] = true
		}
		for _, g := range c.SecurityGroupIDs {
			sc.sgs[arn(r, a.ID, "security-group/"+g)] = true
		}
		for _, t := range c.RouteTableIDs {
			sc.rtbs[arn(r, a.ID, "route-table/"+t)] = true
		}
		if c.Adopt != "" {
			sc.adopted = append(sc.adopted, arn(r, a.ID, "vpc-endpoint/"+c.Adopt))
		}
		sr.addService(sc, c, r)
	}
	return regions, interfaceRegions, gatewayRegions
}

// addService adds the service consumer c's endpoint (in region r) may be
// created to: a provider of the manifest that plink creates by its owner
// and the names AWS gives services in its region (the id of a service
// created in the same run is not known yet), any other service by its
// exact name. An adopted provider's name is known, and names one service;
// so is a provider's whose service exists (Live).
func (sr *scoper) addService(sc *scope, c *manifest.Consumer, r string) {
	put := func(set map[string]map[string]bool, v string) {
		if set[r] == nil {
			set[r] = map[string]bool{}
		}
		set[r][v] = true
	}
	p := sr.providers[c.Provider]
	switch name := sr.lv.ServiceNames[c.Provider]; {
	case p != nil && p.Adopt != "":
		put(sc.namedServices, "com.amazonaws.vpce."+sr.region(p.Region)+"."+p.Adopt)
	case p != nil && name != "":
		put(sc.namedServices, name)
	case p != nil:
		put(sc.ownerNames, "com.amazonaws.vpce."+sr.region(p.Region)+".vpce-svc-*")
		if pa := sr.m.Accounts[p.Account]; pa != nil {
			put(sc.owners, pa.ID)
		}
	case c.ServiceName != "":
		put(sc.namedServices, c.ServiceName)
	}
}
