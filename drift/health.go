package drift

import (
	"fmt"
	"strings"

	"github.com/plinkdev/plink/health"
	"github.com/plinkdev/plink/plan"
)

// fromHealth adds a target_health item per zone of a provider's service
// and load balancer enabled there without a healthy target, so that
// consumers' connections are reset (health.ZoneFindings), on the
// provider's address. Services that are not the manifest's providers, and
// providers in account-regions that failed to read, are left out.
func (b *builder) fromHealth(lbs []health.LoadBalancerHealth) {
	if b.m == nil || len(lbs) == 0 {
		return
	}
	type prov struct{ name, account, accountID, region string }
	byID := map[string]prov{}
	for _, pr := range b.m.Providers {
		acct, region := b.accountID(pr.Account), b.region(pr.Region)
		if b.failed(acct, region) {
			continue
		}
		if svc := b.serviceFor(pr, acct, region); svc != nil {
			byID[svc.ID] = prov{pr.Name, pr.Account, acct, region}
		}
	}
	// The manifest's consumers by their endpoint's id: an affected endpoint
	// is named only by them, never by another project's plink:name tag.
	names := map[string]string{}
	for _, c := range b.m.Consumers {
		if ep := b.endpointFor(c, b.accountID(c.Account), b.region(c.Region)); ep != nil {
			names[ep.ID] = c.Name
		}
	}
	for _, f := range health.ZoneFindings(b.s, lbs) {
		pr, ok := byID[f.ServiceID]
		if !ok {
			continue
		}
		for i, a := range f.Consumers {
			f.Consumers[i].Consumer = names[a.EndpointID]
		}
		who := f.Affected(b.named)
		// With several load balancers enabled in the zone, AWS sends each
		// endpoint's interface there to one of them: only those are reset.
		reset := "connections from " + strings.Join(who, ", ") + " are reset"
		if len(f.Serving) > 1 {
			reset = "the connections AWS sends to it from " + strings.Join(who, ", ") + " are reset"
		}
		b.add(Item{
			Address: "provider." + pr.name, Account: pr.account, AccountID: pr.accountID, Region: pr.region, ID: f.ServiceID,
			Kind: TargetHealth, Severity: SeverityError, Code: plan.CodeTargetHealth,
			Message: fmt.Sprintf("%s: load balancer %s has no healthy target there and %s: %s; target groups: %s",
				f.ZoneID, f.LoadBalancer(), f.Reason, reset, f.Groups()),
			Hint:      f.Hint(),
			ZoneID:    f.ZoneID,
			Consumers: f.Consumers, TargetGroups: f.TargetGroups,
		})
	}
}
