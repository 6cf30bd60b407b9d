package scale

import (
	"fmt"
	"sort"

	"github.com/plinkdev/plink/manifest"
)

// The call budget of one plan (verify + read + compute), derived from what
// live.Read promises: per account two STS calls (AssumeRole once per run,
// GetCallerIdentity in Verify); per account-region a fixed set of list
// calls, batched (subnet, VPC and security-group ids 200 per filter, load
// balancer ARNs 20 per call, pages of 1000); and per owned endpoint service
// exactly one DescribeVpcEndpointServicePermissions, the one call AWS offers
// only per service. Nothing else may grow with the number of resources.
const (
	filterBatch = 200
	lbBatch     = 20
	pageSize    = 1000
)

// budget is the expected number of calls of one plan, split into the part
// that is per account or per account-region (bounded by the number of
// scopes) and the part per owned service.
type budget struct {
	// PerScope holds per action the calls that do not depend on the number
	// of services (given the batch sizes above).
	PerScope map[string]int
	// Permissions is the number of DescribeVpcEndpointServicePermissions
	// calls: one per endpoint service plink owns.
	Permissions int
}

// Total is the expected calls per action.
func (b budget) Total() map[string]int {
	out := map[string]int{}
	for k, v := range b.PerScope {
		out[k] = v
	}
	if b.Permissions > 0 {
		out["DescribeVpcEndpointServicePermissions"] = b.Permissions
	}
	return out
}

func ceilDiv(n, d int) int { return (n + d - 1) / d }

// pages is the number of pages a list of n items takes (one when empty).
func pages(n int) int { return max(1, ceilDiv(n, pageSize)) }

// expectedCalls computes the call budget of planning m. applied says whether
// m's services and endpoints exist (after apply) or nothing does (an empty
// sandbox): only existing services are described further, and a consumer's
// service is looked up (DescribeVpcEndpointServices) only once it exists.
func expectedCalls(m *manifest.Manifest, applied bool) budget {
	type scope struct {
		subnets, vpcs, groups, lbs map[string]bool
		services, endpoints        int
		connections                int
		local, remote              bool
	}
	regions := map[string]bool{m.Defaults.Region: true}
	for _, p := range m.Providers {
		regions[p.Region] = true
	}
	for _, c := range m.Consumers {
		regions[c.Region] = true
	}
	scopes := map[string]*scope{}
	for alias := range m.Accounts {
		for r := range regions {
			scopes[alias+"|"+r] = &scope{subnets: map[string]bool{}, vpcs: map[string]bool{}, groups: map[string]bool{}, lbs: map[string]bool{}}
		}
	}
	provs := map[string]*manifest.Provider{}
	for _, p := range m.Providers {
		provs[p.Name] = p
		sc := scopes[p.Account+"|"+p.Region]
		sc.services++
		for _, a := range p.NetworkLoadBalancerARNs {
			sc.lbs[a] = true
		}
	}
	for _, c := range m.Consumers {
		sc := scopes[c.Account+"|"+c.Region]
		sc.endpoints++
		if p := provs[c.Provider]; p != nil {
			scopes[p.Account+"|"+p.Region].connections++
		}
		sc.vpcs[c.VPCID] = true
		for _, s := range c.SubnetIDs {
			sc.subnets[s] = true
		}
		for _, g := range c.SecurityGroupIDs {
			sc.groups[g] = true
		}
		if p := provs[c.Provider]; p != nil && p.Region == c.Region {
			sc.local = true
		} else {
			sc.remote = true
		}
	}
	b := budget{PerScope: map[string]int{
		"AssumeRole":        len(m.Accounts),
		"GetCallerIdentity": len(m.Accounts),
	}}
	for _, sc := range scopes {
		b.PerScope["DescribeAvailabilityZones"]++
		if applied {
			b.PerScope["DescribeVpcEndpointServiceConfigurations"] += pages(sc.services)
			b.PerScope["DescribeVpcEndpoints"] += pages(sc.endpoints)
		} else {
			b.PerScope["DescribeVpcEndpointServiceConfigurations"]++
			b.PerScope["DescribeVpcEndpoints"]++
		}
		b.PerScope["DescribeSubnets"] += ceilDiv(len(sc.subnets), filterBatch)
		b.PerScope["DescribeVpcs"] += ceilDiv(len(sc.vpcs), filterBatch)
		b.PerScope["DescribeSecurityGroups"] += ceilDiv(len(sc.groups), filterBatch)
		b.PerScope["DescribeLoadBalancers"] += ceilDiv(len(sc.lbs), lbBatch)
		if !applied {
			continue
		}
		if sc.services > 0 {
			b.PerScope["DescribeVpcEndpointConnections"] += pages(sc.connections)
			b.PerScope["DescribeVpcEndpointConnectionNotifications"]++
			b.Permissions += sc.services
		}
		if sc.local {
			b.PerScope["DescribeVpcEndpointServices"]++
		}
		if sc.remote {
			b.PerScope["DescribeVpcEndpointServices"]++
		}
	}
	for k, v := range b.PerScope {
		if v == 0 {
			delete(b.PerScope, k)
		}
	}
	return b
}

// expectedHealth is the budget of plan's target-health reads (lint PL116,
// status.ReadTargetHealth) behind the services of the named providers of m
// that have consumers, once they exist: per account-region holding one,
// the pages of DescribeTargetGroups (400 a page); per load balancer one
// DescribeLoadBalancerAttributes; per target group of those load balancers
// one DescribeTargetHealth — targetGroups of them (Generate registers none).
func expectedHealth(m *manifest.Manifest, providers map[string]bool, targetGroups int) map[string]int {
	consumed := map[string]bool{}
	for _, c := range m.Consumers {
		consumed[c.Provider] = true
	}
	scopes, lbs := map[string]bool{}, map[string]bool{}
	for _, p := range m.Providers {
		if !consumed[p.Name] || !providers[p.Name] {
			continue
		}
		scopes[p.Account+"|"+p.Region] = true
		for _, a := range p.NetworkLoadBalancerARNs {
			lbs[a] = true
		}
	}
	out := map[string]int{}
	if len(scopes) > 0 {
		out["DescribeTargetGroups"] = len(scopes) // no target groups: one page each
		out["DescribeLoadBalancerAttributes"] = len(lbs)
	}
	if targetGroups > 0 {
		out["DescribeTargetHealth"] = targetGroups
	}
	return out
}

// add returns a + b per key.
func add(a, b map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range a {
		out[k] += v
	}
	for k, v := range b {
		out[k] += v
	}
	return out
}

// diffCounts returns "action: got N, want M" for every action that differs.
func diffCounts(got, want map[string]int) []string {
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	var out []string
	for k := range keys {
		if got[k] != want[k] {
			out = append(out, fmt.Sprintf("%s: got %d, want %d", k, got[k], want[k]))
		}
	}
	sort.Strings(out)
	return out
}

// subtract returns a - b per key, dropping zeros.
func subtract(a, b map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range a {
		out[k] += v
	}
	for k, v := range b {
		out[k] -= v
	}
	for k, v := range out {
		if v == 0 {
			delete(out, k)
		}
	}
	return out
}
