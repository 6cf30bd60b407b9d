package status

import (
	"context"
	"maps"
	"slices"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

// ELBAPIs returns the ELBv2 client for an account alias in a region.
type ELBAPIs func(ctx context.Context, account, region string) (ELBAPI, error)

// ReadTargetHealth reads only the target health that plan's PL116 lint and
// drift's target_health item need: the target groups, their targets'
// health and the cross-zone attribute of the load balancers behind the
// services of m's providers that have consumers (ConsumedServices), in
// those services' account-regions only — DescribeTargetGroups (paged, one
// per account-region), DescribeTargetHealth per target group and
// DescribeLoadBalancerAttributes per load balancer. No metrics, no other
// reads. The snapshot holds LoadBalancers, Calls and Failures; on failed
// reads it holds the rest and the error (a *live.ReadError) names them.
func ReadTargetHealth(ctx context.Context, m *manifest.Manifest, lv *live.Snapshot, src awsenv.ClientSource, opts ReadOptions) (*Snapshot, error) {
	return ReadTargetHealthAPIs(ctx, m, lv, func(ctx context.Context, account, region string) (ELBAPI, error) {
		return awsenv.Client(ctx, src, account, region, "Elastic Load Balancing", func(c *awsenv.Clients) ELBAPI { return c.ELB })
	}, opts)
}

// ReadTargetHealthAPIs is ReadTargetHealth with the clients from src.
func ReadTargetHealthAPIs(ctx context.Context, m *manifest.Manifest, lv *live.Snapshot, src ELBAPIs, opts ReadOptions) (*Snapshot, error) {
	if lv == nil {
		lv = &live.Snapshot{}
	}
	only := map[string]bool{}
	for _, id := range ConsumedServices(m, lv) {
		only[id] = true
	}
	return read(ctx, lv, func(ctx context.Context, account, region string) (EC2API, ELBAPI, CloudWatchAPI, error) {
		elb, err := src(ctx, account, region)
		return nil, elb, nil, err
	}, opts, only)
}

// ConsumedServices are the ids of the live services of m's providers that
// at least one consumer of m names (provider: NAME), found as plan finds
// them: by adopt id, else by the project's tags under the provider's name
// or a name in renamedFrom, in the provider's account and region. Sorted.
func ConsumedServices(m *manifest.Manifest, lv *live.Snapshot) []string {
	if m == nil || lv == nil {
		return nil
	}
	consumed := map[string]bool{}
	for _, c := range m.Consumers {
		if c != nil && c.Provider != "" {
			consumed[c.Provider] = true
		}
	}
	ids := map[string]bool{}
	for _, p := range m.Providers {
		if p == nil || !consumed[p.Name] {
			continue
		}
		acct := m.Accounts[p.Account]
		if acct == nil {
			continue
		}
		region := p.Region
		if region == "" {
			region = m.Defaults.Region
		}
		names := map[string]bool{p.Name: true}
		for _, n := range p.RenamedFrom {
			names[n] = true
		}
		for _, s := range lv.Services {
			if s.AccountID != acct.ID || s.Region != region {
				continue
			}
			if (p.Adopt != "" && s.ID == p.Adopt) || (p.Adopt == "" && s.Tags[live.TagProject] == m.Project && names[s.Tags[live.TagName]]) {
				ids[s.ID] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(ids))
}

// scopeHas reports whether one of the services is in the scope.
func scopeHas(lv *live.Snapshot, sc live.Scope, services map[string]bool) bool {
	for _, s := range lv.Services {
		if services[s.ID] && s.AccountID == sc.AccountID && s.Region == sc.Region {
			return true
		}
	}
	return false
}
