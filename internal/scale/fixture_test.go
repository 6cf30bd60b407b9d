// The generator of scale's topologies: a sandbox world and a manifest that
// fits it, deterministic for a given seed.

package scale

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"sort"

	"go.yaml.in/yaml/v3"

	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/sandbox"
)

// Regions are the regions every generated account has a network in.
var Regions = []string{"us-east-1", "us-west-2"}

// Fixed names of the generated world and manifest.
const (
	Project       = "scale"
	OperatorAlias = "operator"
	OperatorID    = "999999999999"
	// RoleName is the role every account lets the operator assume.
	RoleName = "plink"
)

// zoneIDs are the AZ ids of each region; every account maps its zone names
// a, b, c to a different permutation of them, as AWS does per account.
var zoneIDs = map[string][3]string{
	"us-east-1": {"use1-az1", "use1-az2", "use1-az4"},
	"us-west-2": {"usw2-az1", "usw2-az2", "usw2-az3"},
}

// permutations of three zones, indexed by account.
var permutations = [6][3]int{{0, 1, 2}, {1, 2, 0}, {2, 0, 1}, {0, 2, 1}, {2, 1, 0}, {1, 0, 2}}

// AccountAlias is the alias of the i-th generated account (1-based).
func AccountAlias(i int) string { return fmt.Sprintf("acct%03d", i) }

// AccountID is the 12-digit id of the i-th generated account (1-based):
// 100000000001, 100000000002, ...
func AccountID(i int) string { return fmt.Sprintf("%012d", int64(100000000000)+int64(i)) }

// ids of the generated network of account i in region r (index into Regions).
func vpcID(i, r int) string       { return fmt.Sprintf("vpc-%05x%02x%010x", i, r+1, 1) }
func subnetID(i, r, z int) string { return fmt.Sprintf("subnet-%05x%02x%010x", i, r+1, 0xa+z) }
func sgID(i, r int) string        { return fmt.Sprintf("sg-%05x%02x%010x", i, r+1, 1) }
func lbARN(region, accountID string, p int) string {
	return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/net/p%05d/%016x", region, accountID, p, p+1)
}

// provider is one generated provider before it is written out.
type provider struct {
	idx     int
	account int // 1-based
	region  int // index into Regions
	// regions the provider serves: its own and, for some, the other.
	regions []int
	// consumerAccounts are the accounts with consumers of this provider.
	consumerAccounts map[int]bool
	// used holds the account-region pairs that already have a consumer.
	used map[[2]int]bool
}

// Generate returns a sandbox world and a manifest (YAML) for a topology of
// the given size, deterministic for a seed:
//
//   - accounts acct001... with ids 100000000001..., plus the operator
//     account 999999999999 whose credentials (OperatorCredentials) may
//     assume role/plink in every account;
//   - in every account and region (us-east-1, us-west-2) a VPC with three
//     subnets in three AZs — AZ names map to ids differently per account —
//     and a security group;
//   - one network load balancer per provider, in the provider's account,
//     region and VPC, in all three subnets;
//   - providers spread round-robin over accounts and regions; every second
//     one requires acceptance and accepts its declared consumers, every
//     third one also serves the other region; each allows exactly the
//     accounts of its consumers (other than its own);
//   - consumers spread over providers round-robin, each in a random
//     account-region the provider serves (so some are cross-region), at most
//     one per provider and account-region while free ones remain.
//
// The manifest passes manifest.Parse and manifest.Lint without errors. It
// panics when accounts < 1, providers or consumers < 0, or consumers > 0
// with no providers: those are programming errors of a test.
func Generate(accounts, providers, consumers int, seed int64) (*sandbox.World, []byte) {
	switch {
	case accounts < 1:
		panic(fmt.Sprintf("scale: Generate needs at least 1 account, got %d", accounts))
	case providers < 0 || consumers < 0:
		panic(fmt.Sprintf("scale: Generate needs non-negative providers and consumers, got %d and %d", providers, consumers))
	case consumers > 0 && providers == 0:
		panic(fmt.Sprintf("scale: Generate cannot place %d consumers without providers", consumers))
	}
	rng := rand.New(rand.NewSource(seed))

	provs := make([]*provider, providers)
	for j := range provs {
		p := &provider{idx: j, account: j%accounts + 1, region: (j / accounts) % len(Regions),
			consumerAccounts: map[int]bool{}, used: map[[2]int]bool{}}
		p.regions = []int{p.region}
		if j%3 == 1 {
			p.regions = append(p.regions, 1-p.region)
		}
		provs[j] = p
	}

	type consumer struct {
		idx, provider, account, region int
	}
	cons := make([]consumer, consumers)
	for k := range cons {
		p := provs[k%providers]
		var free, all [][2]int
		for a := 1; a <= accounts; a++ {
			for _, r := range p.regions {
				all = append(all, [2]int{a, r})
				if !p.used[[2]int{a, r}] {
					free = append(free, [2]int{a, r})
				}
			}
		}
		if len(free) == 0 {
			free = all
		}
		at := free[rng.Intn(len(free))]
		p.used[at] = true
		if at[0] != p.account {
			p.consumerAccounts[at[0]] = true
		}
		cons[k] = consumer{idx: k, provider: p.idx, account: at[0], region: at[1]}
	}

	w := world(accounts, provs)

	m := &manifest.Manifest{
		Version:  manifest.Version,
		Project:  Project,
		Defaults: manifest.Defaults{Region: Regions[0], Tags: map[string]string{"generator": "plink-scale"}},
		Accounts: map[string]*manifest.Account{},
	}
	for i := 1; i <= accounts; i++ {
		m.Accounts[AccountAlias(i)] = &manifest.Account{ID: AccountID(i),
			RoleARN: fmt.Sprintf("arn:aws:iam::%s:role/%s", AccountID(i), RoleName)}
	}
	accept := true
	for _, p := range provs {
		mp := &manifest.Provider{
			Name:                    providerName(p.idx),
			Account:                 AccountAlias(p.account),
			Region:                  Regions[p.region],
			NetworkLoadBalancerARNs: []string{lbARN(Regions[p.region], AccountID(p.account), p.idx)},
			AcceptanceRequired:      p.idx%2 == 0,
		}
		if mp.AcceptanceRequired {
			mp.Connections.AcceptDeclared = &accept
		}
		for _, r := range p.regions[1:] {
			mp.SupportedRegions = append(mp.SupportedRegions, Regions[r])
		}
		allowed := make([]int, 0, len(p.consumerAccounts))
		for a := range p.consumerAccounts {
			allowed = append(allowed, a)
		}
		if len(allowed) == 0 && mp.AcceptanceRequired && accounts > 1 {
			// Lint warns about an acceptance-required service nobody may
			// request: allow the next account.
			allowed = append(allowed, p.account%accounts+1)
		}
		sort.Ints(allowed)
		for _, a := range allowed {
			mp.AllowedPrincipals = append(mp.AllowedPrincipals, manifest.Principal{Account: AccountAlias(a)})
		}
		if p.idx%5 == 0 {
			mp.Tags = map[string]string{"tier": "gold"}
		}
		m.Providers = append(m.Providers, mp)
	}
	for _, c := range cons {
		m.Consumers = append(m.Consumers, &manifest.Consumer{
			Name:             fmt.Sprintf("c%05d-%s", c.idx, providerName(c.provider)),
			Account:          AccountAlias(c.account),
			Region:           Regions[c.region],
			VPCID:            vpcID(c.account, c.region),
			SubnetIDs:        []string{subnetID(c.account, c.region, 0), subnetID(c.account, c.region, 1), subnetID(c.account, c.region, 2)},
			SecurityGroupIDs: []string{sgID(c.account, c.region)},
			Provider:         providerName(c.provider),
		})
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "# Generated by internal/scale.Generate(%d, %d, %d, %d); do not edit.\n", accounts, providers, consumers, seed)
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := errors.Join(enc.Encode(m), enc.Close()); err != nil {
		panic("scale: marshal manifest: " + err.Error())
	}
	return w, out.Bytes()
}

func providerName(j int) string { return fmt.Sprintf("p%05d", j) }

// world builds the sandbox world for the generated accounts and providers.
func world(accounts int, provs []*provider) *sandbox.World {
	operatorArn := fmt.Sprintf("arn:aws:iam::%s:user/plink-operator", OperatorID)
	w := &sandbox.World{Regions: append([]string(nil), Regions...), Operator: OperatorAlias}
	for i := 1; i <= accounts; i++ {
		id := AccountID(i)
		a := sandbox.Account{
			Alias: AccountAlias(i),
			ID:    id,
			Credentials: []sandbox.Credential{{
				AccessKeyID:     fmt.Sprintf("AKIASCALE%011d", i),
				SecretAccessKey: fmt.Sprintf("scale-sandbox-secret-%019d", i),
				PrincipalArn:    fmt.Sprintf("arn:aws:iam::%s:user/admin", id),
			}},
			Roles: []sandbox.Role{{
				Arn:               fmt.Sprintf("arn:aws:iam::%s:role/%s", id, RoleName),
				TrustedPrincipals: []string{operatorArn},
				TrustedAccounts:   []string{id},
			}},
			Regions: map[string]sandbox.RegionWorld{},
		}
		perm := permutations[(i-1)%len(permutations)]
		for r, region := range Regions {
			rw := sandbox.RegionWorld{AvailabilityZones: map[string]string{}}
			vpc := sandbox.VPC{
				ID:   vpcID(i, r),
				CIDR: fmt.Sprintf("10.%d.0.0/16", i%256),
				Name: fmt.Sprintf("%s-main", a.Alias),
				SecurityGroups: []sandbox.SecurityGroup{{ID: sgID(i, r), Name: a.Alias + "-endpoints",
					Description: a.Alias + " interface endpoints"}},
			}
			var subnets []string
			for z := 0; z < 3; z++ {
				name := region + string(rune('a'+z))
				rw.AvailabilityZones[name] = zoneIDs[region][perm[z]]
				vpc.Subnets = append(vpc.Subnets, sandbox.Subnet{ID: subnetID(i, r, z), AvailabilityZone: name,
					CIDR: fmt.Sprintf("10.%d.%d.0/24", i%256, z)})
				subnets = append(subnets, subnetID(i, r, z))
			}
			rw.VPCs = []sandbox.VPC{vpc}
			for _, p := range provs {
				if p.account == i && p.region == r {
					rw.LoadBalancers = append(rw.LoadBalancers, sandbox.LoadBalancer{
						Arn: lbARN(region, id, p.idx), Type: "network", VpcID: vpc.ID, Subnets: subnets})
				}
			}
			a.Regions[region] = rw
		}
		w.Accounts = append(w.Accounts, a)
	}
	w.Accounts = append(w.Accounts, sandbox.Account{
		Alias: OperatorAlias,
		ID:    OperatorID,
		Credentials: []sandbox.Credential{{
			AccessKeyID:     "AKIASCALEOPERATOR001",
			SecretAccessKey: "operator-scale-sandbox-secret-key0000000",
			PrincipalArn:    operatorArn,
		}},
	})
	return w
}

// GenerateTerraformTopology returns the topology of Terraform's refresh
// comparison (docs/scale.md): one account (acct001, in us-east-1 only)
// with four VPCs of three subnets and a security group each, and k
// providers, each behind its own network load balancer (in the first
// VPC), each with one interface endpoint in every VPC: k services, k load
// balancers and 4k endpoints. Operator and role are Generate's.
func GenerateTerraformTopology(k int) (*sandbox.World, []byte) {
	if k < 1 {
		panic(fmt.Sprintf("scale: GenerateTerraformTopology needs at least 1 service, got %d", k))
	}
	const vpcs = 4
	region := Regions[0]
	id := AccountID(1)
	vpc := func(v int) string { return fmt.Sprintf("vpc-%05x%02x%010x", 1, 1, v+1) }
	subnet := func(v, z int) string { return fmt.Sprintf("subnet-%05x%02x%010x", 1, 1, 0x10*(v+1)+z) }
	sg := func(v int) string { return fmt.Sprintf("sg-%05x%02x%010x", 1, 1, v+1) }

	w := world(1, nil)
	w.Regions = []string{region}
	a := &w.Accounts[0]
	rw := sandbox.RegionWorld{AvailabilityZones: a.Regions[region].AvailabilityZones}
	for v := 0; v < vpcs; v++ {
		x := sandbox.VPC{ID: vpc(v), CIDR: fmt.Sprintf("10.%d.0.0/16", v), Name: fmt.Sprintf("vpc%d", v+1),
			SecurityGroups: []sandbox.SecurityGroup{{ID: sg(v), Name: fmt.Sprintf("vpc%d-endpoints", v+1), Description: "interface endpoints"}}}
		for z := 0; z < 3; z++ {
			x.Subnets = append(x.Subnets, sandbox.Subnet{ID: subnet(v, z), AvailabilityZone: region + string(rune('a'+z)),
				CIDR: fmt.Sprintf("10.%d.%d.0/24", v, z)})
		}
		rw.VPCs = append(rw.VPCs, x)
	}
	for p := 0; p < k; p++ {
		rw.LoadBalancers = append(rw.LoadBalancers, sandbox.LoadBalancer{Arn: lbARN(region, id, p), Type: "network", VpcID: vpc(0),
			Subnets: []string{subnet(0, 0), subnet(0, 1), subnet(0, 2)}})
	}
	a.Regions = map[string]sandbox.RegionWorld{region: rw}

	m := &manifest.Manifest{
		Version:  manifest.Version,
		Project:  Project,
		Defaults: manifest.Defaults{Region: region, Tags: map[string]string{"generator": "plink-scale"}},
		Accounts: map[string]*manifest.Account{AccountAlias(1): {ID: id, RoleARN: fmt.Sprintf("arn:aws:iam::%s:role/%s", id, RoleName)}},
	}
	for p := 0; p < k; p++ {
		m.Providers = append(m.Providers, &manifest.Provider{Name: providerName(p), Account: AccountAlias(1), Region: region,
			NetworkLoadBalancerARNs: []string{lbARN(region, id, p)}})
		for v := 0; v < vpcs; v++ {
			m.Consumers = append(m.Consumers, &manifest.Consumer{
				Name:             fmt.Sprintf("%s-vpc%d", providerName(p), v+1),
				Account:          AccountAlias(1),
				Region:           region,
				VPCID:            vpc(v),
				SubnetIDs:        []string{subnet(v, 0), subnet(v, 1), subnet(v, 2)},
				SecurityGroupIDs: []string{sg(v)},
				Provider:         providerName(p),
			})
		}
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "# Generated by internal/scale.GenerateTerraformTopology(%d); do not edit.\n", k)
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := errors.Join(enc.Encode(m), enc.Close()); err != nil {
		panic("scale: marshal manifest: " + err.Error())
	}
	return w, out.Bytes()
}
