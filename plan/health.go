package plan

import (
	"fmt"
	"strings"

	"github.com/plinkdev/plink/health"
)

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
