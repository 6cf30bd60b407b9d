package plan

import (
	"fmt"
	"strings"

	"github.com/plinkdev/plink/health"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

// LintTargetHealth adds lint PL116 to p, the plan Compute made of m against
// s with opts and no LoadBalancerHealth: the plan is then what Compute with
// opts.LoadBalancerHealth = lbs makes, without planning again. Only the
// lint reads target health, so a caller that learns from a plan where to
// read it (plan's --target-health=changed) need not compute the plan twice:
// at 50,000 consumers a second Compute was seconds and a second peak of
// memory (docs/scale.md). It finds the providers' services as Compute
// does, and plans nothing of them (their changes were 20 MB beside the
// plan at 50,000 consumers). A destroy plan is left as is, as Compute
// leaves it.
func LintTargetHealth(p *Plan, m *manifest.Manifest, s *live.Snapshot, opts Options, lbs []health.LoadBalancerHealth) {
	if p == nil || p.Destroy || opts.Destroy || len(lbs) == 0 {
		return
	}
	if s == nil {
		s = &live.Snapshot{}
	}
	opts.LoadBalancerHealth = lbs
	c := newComputer(m, s, opts)
	for _, p := range m.Providers {
		c.resolveService(p)
	}
	n := len(c.diags)
	c.targetHealth()
	if len(c.diags) == n {
		return
	}
	p.Diagnostics = append(p.Diagnostics, c.diags[n:]...)
	sortDiagnostics(p.Diagnostics)
}

// targetHealth lints what consumers would experience (Options.
// LoadBalancerHealth): a zone of a provider's service where consumers'
// endpoints have a subnet but its load balancer has no healthy target and
// cross-zone load balancing is off is a PL116 warning. It is a warning, not
// an error: the plan is right, the targets are not, and apply cannot fix
// them.
func (c *computer) targetHealth() {
	if len(c.opts.LoadBalancerHealth) == 0 {
		return
	}
	byID := map[string]*provState{}
	for _, ps := range c.provs {
		if ps.ok && ps.svc != nil {
			byID[ps.svc.ID] = ps
		}
	}
	for _, f := range health.ZoneFindings(c.s, c.opts.LoadBalancerHealth) {
		ps := byID[f.ServiceID]
		if ps == nil {
			continue // not a provider of this manifest
		}
		c.diag(SeverityWarning, CodeTargetHealth, ps.addr, ps.alias, ps.region,
			fmt.Sprintf("%s: load balancer %s has no healthy target in %s and %s: connections from %s there are reset; target groups: %s",
				ps.addr, f.LoadBalancer(), f.ZoneID, f.Reason, strings.Join(f.Affected(c.accountLabel), ", "), f.Groups()),
			f.Hint())
	}
}
