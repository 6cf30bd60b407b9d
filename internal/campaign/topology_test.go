package campaign

import (
	"fmt"
	"math/rand"
	"slices"
	"sort"
	"strings"
)

// The sandbox's default world (sandbox/worlds/default.yaml): three
// accounts with one VPC per region, and four network load balancers, each
// of which can back one endpoint service at a time.
var (
	accounts = []account{
		{"payments", "111111111111", 1},
		{"checkout", "222222222222", 2},
		{"analytics", "333333333333", 3},
	}
	regions = []string{"us-east-1", "us-west-2"}
	// NLBs lists the network load balancers by index: a topology's
	// providers take distinct ones, and two projects sharing the accounts
	// take disjoint sets.
	NLBs = []nlb{
		{"payments", "us-east-1", "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"},
		{"payments", "us-west-2", "arn:aws:elasticloadbalancing:us-west-2:111111111111:loadbalancer/net/payments-api/012000000005c0c1"},
		{"analytics", "us-east-1", "arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/net/analytics-ingest/031000000005c0c1"},
		{"analytics", "us-west-2", "arn:aws:elasticloadbalancing:us-west-2:333333333333:loadbalancer/net/analytics-ingest/032000000005c0c1"},
	}
)

type account struct {
	alias, id string
	digit     int // the account's digit in the world's VPC, subnet and group ids
}

type nlb struct{ account, region, arn string }

func accountByAlias(alias string) account {
	for _, a := range accounts {
		if a.alias == alias {
			return a
		}
	}
	panic("campaign: no account " + alias)
}

func regionDigit(region string) int { return slices.Index(regions, region) + 1 }

// vpcOf returns the world's VPC, security group and subnets a, b, c of an
// account in a region (subnets a, b, c are in the three AZs every load
// balancer of that region uses, in every account).
func vpcOf(alias, region string) (vpc, sg string, subnets []string) {
	p := fmt.Sprintf("%d%d", accountByAlias(alias).digit, regionDigit(region))
	for _, s := range "abc" {
		subnets = append(subnets, fmt.Sprintf("subnet-0%s0000000000000%c", p, s))
	}
	return "vpc-0" + p + "00000000000001", "sg-0" + p + "00000000000001", subnets
}

// Topology is one randomized manifest: providers on distinct load
// balancers and consumers of them (or of an AWS service) across the
// world's accounts and regions.
type Topology struct {
	Project   string
	Providers []Provider
	Consumers []Consumer
	// Serial numbers consumers: a name is never used again in a lineage
	// of mutations, so a removed consumer's endpoint is never taken for a
	// new one's.
	Serial int
}

// Provider is an endpoint service of the topology.
type Provider struct {
	Name             string
	NLB              int // index into NLBs
	Acceptance       bool
	RejectUndeclared bool
	PrivateDNS       bool
	Notify           bool
	Tag              string
}

// Consumer is an interface endpoint of the topology.
type Consumer struct {
	Name, Account, Region string
	// Provider names a provider of the topology, or is empty for an
	// endpoint to the region's AWS STS service.
	Provider   string
	Subnets    int // how many of the VPC's subnets a, b, c (1..3)
	PrivateDNS bool
	Tag        string
}

// Generate returns a random topology of project over the load balancers
// nlbs (indexes into NLBs; at least one): one to three providers and one to
// five consumers, with acceptance, rejectUndeclared, private DNS,
// notifications and cross-region consumers drawn at random.
func Generate(rng *rand.Rand, project string, nlbs []int) Topology {
	t := Topology{Project: project}
	free := slices.Clone(nlbs)
	rng.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
	n := 1 + rng.Intn(min(3, len(free)))
	for i := range n {
		t.Providers = append(t.Providers, Provider{
			Name: fmt.Sprintf("svc-%d", i), NLB: free[i],
			Acceptance: rng.Intn(2) == 0, RejectUndeclared: rng.Intn(2) == 0,
			PrivateDNS: rng.Intn(3) == 0, Notify: rng.Intn(4) == 0, Tag: fmt.Sprintf("t%d", rng.Intn(3)),
		})
	}
	for range 1 + rng.Intn(5) {
		t.addConsumer(rng)
	}
	return t
}

// addConsumer adds a consumer at a random (account, region, provider) not
// yet used, so that no VPC has two endpoints to one service (lint PL004 with
// private DNS, and a pointless second endpoint without).
func (t *Topology) addConsumer(rng *rand.Rand) bool {
	for range 20 {
		c := Consumer{
			Account: accounts[rng.Intn(len(accounts))].alias, Region: regions[rng.Intn(len(regions))],
			Subnets: 1 + rng.Intn(3), Tag: fmt.Sprintf("t%d", rng.Intn(3)),
		}
		if rng.Intn(5) > 0 {
			p := t.Providers[rng.Intn(len(t.Providers))]
			c.Provider = p.Name
			c.PrivateDNS = p.PrivateDNS && rng.Intn(2) == 0
		}
		if t.consumerAt(c.Account, c.Region, c.Provider) {
			continue
		}
		c.Name = fmt.Sprintf("use-%d", t.Serial)
		t.Serial++
		t.Consumers = append(t.Consumers, c)
		return true
	}
	return false
}

func (t *Topology) consumerAt(alias, region, provider string) bool {
	for _, c := range t.Consumers {
		if c.Account == alias && c.Region == region && c.Provider == provider {
			return true
		}
	}
	return false
}

// Mutate returns a copy of t with one to three random edits, each an
// update plink makes in place or a create or delete of a consumer:
// acceptance or rejectUndeclared flipped, tags changed, subnets added or
// removed, a consumer added or removed.
func (t Topology) Mutate(rng *rand.Rand) Topology {
	m := Topology{Project: t.Project, Providers: slices.Clone(t.Providers), Consumers: slices.Clone(t.Consumers), Serial: t.Serial}
	for range 1 + rng.Intn(3) {
		switch rng.Intn(6) {
		case 0:
			p := &m.Providers[rng.Intn(len(m.Providers))]
			p.Acceptance = !p.Acceptance
		case 1:
			p := &m.Providers[rng.Intn(len(m.Providers))]
			p.RejectUndeclared = !p.RejectUndeclared
		case 2:
			p := &m.Providers[rng.Intn(len(m.Providers))]
			p.Tag += "x"
		case 3:
			if len(m.Consumers) > 0 {
				c := &m.Consumers[rng.Intn(len(m.Consumers))]
				c.Subnets = 1 + (c.Subnets % 3)
				c.Tag += "x"
			}
		case 4:
			m.addConsumer(rng)
		case 5:
			if len(m.Consumers) > 1 {
				i := rng.Intn(len(m.Consumers))
				m.Consumers = slices.Delete(m.Consumers, i, i+1)
			}
		}
	}
	return m
}

// Names returns the plink:name of every resource the topology declares,
// providers first, sorted within each kind.
func (t Topology) Names() (providers, consumers []string) {
	for _, p := range t.Providers {
		providers = append(providers, p.Name)
	}
	for _, c := range t.Consumers {
		consumers = append(consumers, c.Name)
	}
	sort.Strings(providers)
	sort.Strings(consumers)
	return providers, consumers
}

// YAML renders the topology as a plink manifest.
func (t Topology) YAML() string {
	var b strings.Builder
	// regions: as docs/plan.md advises, so that removing the last entry
	// of a region still deletes what plink made there.
	fmt.Fprintf(&b, "version: 1\nproject: %s\ndefaults:\n  region: us-east-1\n  regions: [%s]\n  tags: { campaign: \"yes\" }\naccounts:\n",
		t.Project, strings.Join(regions, ", "))
	for _, a := range accounts {
		fmt.Fprintf(&b, "  %s: { id: %q, roleArn: \"arn:aws:iam::%s:role/plink\" }\n", a.alias, a.id, a.id)
	}
	b.WriteString("providers:\n")
	for _, p := range t.Providers {
		lb := NLBs[p.NLB]
		fmt.Fprintf(&b, "  - name: %s\n    account: %s\n    region: %s\n    networkLoadBalancerArns: [%s]\n", p.Name, lb.account, lb.region, lb.arn)
		fmt.Fprintf(&b, "    acceptanceRequired: %t\n", p.Acceptance)
		if p.PrivateDNS {
			fmt.Fprintf(&b, "    privateDnsName: %s.%s.example.com\n", p.Name, t.Project)
		}
		var principals, other []string
		for _, c := range t.Consumers {
			if c.Provider != p.Name {
				continue
			}
			if !slices.Contains(principals, c.Account) {
				principals = append(principals, c.Account)
			}
			if c.Region != lb.region && !slices.Contains(other, c.Region) {
				other = append(other, c.Region)
			}
		}
		sort.Strings(principals)
		if len(other) > 0 {
			fmt.Fprintf(&b, "    supportedRegions: [%s]\n", strings.Join(other, ", "))
		}
		if len(principals) > 0 {
			b.WriteString("    allowedPrincipals:\n")
			for _, a := range principals {
				fmt.Fprintf(&b, "      - account: %s\n", a)
			}
		}
		fmt.Fprintf(&b, "    connections: { acceptDeclared: true, rejectUndeclared: %t }\n", p.RejectUndeclared)
		if p.Notify {
			fmt.Fprintf(&b, "    notifications:\n      - topicArn: arn:aws:sns:%s:%s:%s-events\n        events: [Connect, Accept]\n",
				lb.region, accountByAlias(lb.account).id, t.Project)
		}
		fmt.Fprintf(&b, "    tags: { tier: %s }\n", p.Tag)
	}
	if len(t.Consumers) > 0 {
		b.WriteString("consumers:\n")
	}
	for _, c := range t.Consumers {
		vpc, sg, subnets := vpcOf(c.Account, c.Region)
		fmt.Fprintf(&b, "  - name: %s\n    account: %s\n    region: %s\n    vpcId: %s\n    subnetIds: [%s]\n    securityGroupIds: [%s]\n",
			c.Name, c.Account, c.Region, vpc, strings.Join(subnets[:c.Subnets], ", "), sg)
		if c.Provider != "" {
			fmt.Fprintf(&b, "    provider: %s\n    privateDnsEnabled: %t\n", c.Provider, c.PrivateDNS)
		} else {
			fmt.Fprintf(&b, "    serviceName: com.amazonaws.%s.sts\n    privateDnsEnabled: false\n", c.Region)
		}
		fmt.Fprintf(&b, "    tags: { app: %s }\n", c.Tag)
	}
	return b.String()
}

// String is a one-line summary for reports.
func (t Topology) String() string {
	var ps, cs []string
	for _, p := range t.Providers {
		lb := NLBs[p.NLB]
		ps = append(ps, fmt.Sprintf("%s@%s/%s acc=%t rej=%t dns=%t", p.Name, lb.account, lb.region, p.Acceptance, p.RejectUndeclared, p.PrivateDNS))
	}
	for _, c := range t.Consumers {
		to := c.Provider
		if to == "" {
			to = "sts"
		}
		cs = append(cs, fmt.Sprintf("%s@%s/%s→%s", c.Name, c.Account, c.Region, to))
	}
	return fmt.Sprintf("%s: providers [%s] consumers [%s]", t.Project, strings.Join(ps, "; "), strings.Join(cs, "; "))
}
