package plan

// An endpoint's own connection notifications (a consumer's notifications,
// consumer.NAME.notification[N]): CreateVpcEndpointConnectionNotification
// with VpcEndpointId. They are matched to the endpoint's live notifications
// by topic, as a provider's are; a live one the consumer does not declare
// is deleted. An endpoint that is created or replaced gets them new (a
// replaced endpoint's go with it).

import (
	"slices"
	"strings"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

// consumerNotifications plans the notifications of every consumer whose
// endpoint change is planned.
func (c *computer) consumerNotifications() {
	if len(c.s.EndpointNotifications) == 0 && !slices.ContainsFunc(c.m.Consumers, func(cm *manifest.Consumer) bool { return len(cm.Notifications) > 0 }) {
		return // (the index below was 5 MB of garbage at 50,000 consumers)
	}
	byName := map[string]int{}
	for i, cm := range c.m.Consumers {
		byName[cm.Name] = i
	}
	n := len(c.changes)
	for i := 0; i < n; i++ {
		ch := c.changes[i]
		name, ok := strings.CutPrefix(ch.Address, "consumer.")
		idx, named := byName[name]
		if ch.Kind != KindEndpoint || !ok || !named || ch.Action == Delete {
			continue
		}
		cm := c.m.Consumers[idx]
		var have []live.Notification
		if ch.Action != Create && ch.Action != Replace && ch.ID != "" {
			if !c.readOK(ch.AccountID, ch.Region) {
				continue
			}
			have = c.s.NotificationsOf(ch.AccountID, ch.Region, ch.ID)
		}
		if len(cm.Notifications) == 0 && len(have) == 0 {
			continue
		}
		child := func(addr string) Change {
			out := Change{Address: addr, Kind: KindNotification, Account: ch.Account, AccountID: ch.AccountID, Region: ch.Region, Parent: ch.Address}
			if ch.Action == Create || ch.Action == Replace {
				out.DependsOn = []string{ch.Address}
			} else {
				out.ParentID = ch.ID
			}
			return out
		}
		c.changes = append(c.changes, matchNotifications(ch.Address, cm.Notifications, have, child)...)
	}
}
