package plan

import (
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

// lbIndex maps each load balancer ARN to the live services that front it
// (not gone, in snapshot order) and to the manifest's providers that name
// it (in manifest order). Lint asks both for every load balancer of every
// provider; scanning every service and provider each time made planning
// quadratic: 2 of the 2.5 s of a plan of 2,500 providers (docs/scale.md).
type lbIndex struct {
	services  map[string][]*live.Service
	providers map[string][]*manifest.Provider
}

// lbIndex builds the index on first use.
func (c *computer) lbIndex() *lbIndex {
	if c.lbIdx != nil {
		return c.lbIdx
	}
	x := &lbIndex{services: map[string][]*live.Service{}, providers: map[string][]*manifest.Provider{}}
	for i := range c.s.Services {
		sv := &c.s.Services[i]
		if live.ServicePhase(sv.State) == live.PhaseGone {
			continue
		}
		for _, arn := range uniq(sv.NetworkLoadBalancerARNs, sv.GatewayLoadBalancerARNs) {
			x.services[arn] = append(x.services[arn], sv)
		}
	}
	for _, p := range c.m.Providers {
		for _, arn := range uniq(p.NetworkLoadBalancerARNs, p.GatewayLoadBalancerARNs) {
			x.providers[arn] = append(x.providers[arn], p)
		}
	}
	c.lbIdx = x
	return x
}

// uniq lists the strings of a and b once each, in order.
func uniq(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	for _, s := range append(a[:len(a):len(a)], b...) {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
