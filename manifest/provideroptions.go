package manifest

// Provider options: service principals and tags in allowedPrincipals, and
// payerResponsibility.

import (
	"regexp"
	"strings"
)

// reServicePrincipal is an AWS service principal, as endpoint service
// permissions take it (PrincipalType Service).
var reServicePrincipal = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,253}\.amazonaws\.com(\.cn)?$`)

// checkPrincipalTags checks the tags of an allowed principal's service
// permission: as any tags, and at most 50 (none are plink's).
func (l *loader) checkPrincipalTags(pr *Principal) {
	l.checkTags(pr.Tags, func(k string) (Pos, bool) {
		p, ok := l.pos[posKey{pr, "tags." + k + "#key"}]
		return p, ok
	}, "tags")
	if len(pr.Tags) > maxTags {
		l.sink.errorf(l.at(pr, "tags"), CodeInvalid, "", "a principal has %d tags; AWS allows %d on a service permission", len(pr.Tags), maxTags)
	}
}

// Payer responsibilities: who pays for the endpoints of a service.
const (
	PayerEndpointOwner = "EndpointOwner" // AWS's default
	PayerServiceOwner  = "ServiceOwner"
)

// PayerResponsibilities are the values of payerResponsibility.
var PayerResponsibilities = []string{PayerEndpointOwner, PayerServiceOwner}

// validateNotification checks a connection notification's topic and events.
func (l *loader) validateNotification(n *Notification) {
	l.checkID(n, "topicArn", n.TopicARN, reTopicARN, "SNS topic ARN", "arn:aws:sns:REGION:ACCOUNT:NAME")
	if _, set := l.pos[posKey{n, "events"}]; set && len(n.Events) == 0 && l.ok(n, "events") {
		l.invalid(n, "events", "", "`events` is empty; list one or more of %s", strings.Join(notificationEvents, ", "))
	}
	l.checkList(n, "events", n.Events, func(ep, v string) { l.checkEnum(n, ep, v, notificationEvents) })
}

// validateConsumerNotifications checks an endpoint's own notifications:
// each as a provider's, on an interface endpoint only (AWS creates
// connection notifications for interface endpoints only), each topic once.
func (l *loader) validateConsumerNotifications(c *Consumer, provs map[string]*Provider, what string) {
	if len(c.Notifications) == 0 {
		return
	}
	kind := ""
	switch {
	case c.Type != "" && c.Type != TypeInterface:
		kind = c.Type
	case c.Provider != "" && provs[c.Provider] != nil && len(provs[c.Provider].GatewayLoadBalancerARNs) > 0:
		kind = "GatewayLoadBalancer"
	}
	if kind != "" {
		l.sink.errorf(l.at(c, "notifications"), CodeConflict, "remove `notifications`",
			"%s is a %s endpoint; AWS creates connection notifications for interface endpoints only", what, kind)
	}
	seen := map[string]*Notification{}
	for i := range c.Notifications {
		n := &c.Notifications[i]
		l.validateNotification(n)
		if first := seen[n.TopicARN]; first != nil && n.TopicARN != "" {
			l.sink.errorf(n.Pos, CodeDuplicateName, "merge their events", "topic `%s` is notified twice by %s; first at %s", n.TopicARN, what, posRef(n.Pos, first.Pos))
		}
		seen[n.TopicARN] = n
	}
}
