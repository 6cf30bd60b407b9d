package sandbox

// EC2 endpoint connection notifications.

import (
	"regexp"
	"sort"
)

var reSNSArn = regexp.MustCompile(`^arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$`)

var connectionEvents = []string{"Accept", "Connect", "Delete", "Reject"}

func checkEvents(evs []string) *apiError {
	if len(evs) == 0 {
		return missingParam("ConnectionEvents")
	}
	for _, e := range evs {
		if !contains(connectionEvents, e) {
			return badParam("Invalid connection event '%s'. Valid values are Accept, Connect, Delete and Reject.", e)
		}
	}
	return nil
}

func (c *call) notificationXN(name string, nf *notification) xn {
	return el(name,
		tx("connectionNotificationId", nf.ID),
		opt("serviceId", nf.ServiceID),
		opt("vpcEndpointId", nf.EndpointID),
		tx("connectionNotificationType", "Topic"),
		tx("connectionNotificationArn", nf.Arn),
		strSet("connectionEvents", nf.Events),
		tx("connectionNotificationState", "Enabled"),
		tx("serviceRegion", nf.Region),
	)
}

func createConnectionNotification(c *call) ([]xn, *apiError) {
	key, prior, err := c.idempotent()
	if err != nil {
		return nil, err
	}
	// A deleted notification is not kept: its token makes a new one.
	if nf, ok := c.sb.st.Notifications[priorID(prior)]; ok {
		return []xn{c.notificationXN("connectionNotification", nf), opt("clientToken", c.p.str("ClientToken"))}, nil
	}
	svcID, epID := c.p.str("ServiceId"), c.p.str("VpcEndpointId")
	if (svcID == "") == (epID == "") {
		return nil, invalidParam("Specify exactly one of ServiceId or VpcEndpointId")
	}
	if svcID != "" {
		if _, err := c.ownService(svcID); err != nil {
			return nil, err
		}
	} else if ep, err := c.ownEndpoint(epID); err != nil {
		return nil, err
	} else if ep.Type != endpointTypeInterface {
		// "You can create a connection notification for interface
		// endpoints only." (CreateVpcEndpointConnectionNotification)
		return nil, invalidParam("Connection notifications are supported for interface endpoints only; %s is a %s endpoint", epID, ep.Type)
	}
	arn := c.p.str("ConnectionNotificationArn")
	if arn == "" {
		return nil, missingParam("ConnectionNotificationArn")
	}
	if !reSNSArn.MatchString(arn) {
		return nil, invalidParam("Invalid ConnectionNotificationArn '%s': expected an SNS topic ARN", arn)
	}
	evs := dedupe(c.p.list("ConnectionEvents"))
	if err := checkEvents(evs); err != nil {
		return nil, err
	}
	nf := &notification{ID: c.sb.newID("vpce-nfn"), Account: c.account(), Region: c.region, ServiceID: svcID, EndpointID: epID,
		Arn: arn, Events: evs, Created: c.now}
	c.sb.st.Notifications[nf.ID] = nf
	c.remember(key, nf.ID)
	return []xn{c.notificationXN("connectionNotification", nf), opt("clientToken", c.p.str("ClientToken"))}, nil
}

func (c *call) ownNotification(id string) (*notification, *apiError) {
	if id == "" {
		return nil, missingParam("ConnectionNotificationId")
	}
	nf, ok := c.sb.st.Notifications[id]
	if !ok || nf.Account != c.account() || nf.Region != c.region || !c.sb.visible(nf.Created, c.now) {
		return nil, errf(400, "InvalidConnectionNotification", "The connection notification '%s' does not exist", id)
	}
	return nf, nil
}

func modifyConnectionNotification(c *call) ([]xn, *apiError) {
	nf, err := c.ownNotification(c.p.str("ConnectionNotificationId"))
	if err != nil {
		return nil, err
	}
	arn := c.p.str("ConnectionNotificationArn")
	if arn != "" && !reSNSArn.MatchString(arn) {
		return nil, invalidParam("Invalid ConnectionNotificationArn '%s': expected an SNS topic ARN", arn)
	}
	evs := dedupe(c.p.list("ConnectionEvents"))
	if len(evs) > 0 {
		if err := checkEvents(evs); err != nil {
			return nil, err
		}
	}
	if arn != "" {
		nf.Arn = arn
	}
	if len(evs) > 0 {
		nf.Events = evs
	}
	return []xn{bl("return", true)}, nil
}

func deleteConnectionNotifications(c *call) ([]xn, *apiError) {
	ids := c.p.list("ConnectionNotificationId")
	if len(ids) == 0 {
		return nil, missingParam("ConnectionNotificationId")
	}
	var bad []xn
	for _, id := range dedupe(ids) {
		if _, err := c.ownNotification(id); err != nil {
			bad = append(bad, unsuccessful(id, err))
			continue
		}
		delete(c.sb.st.Notifications, id)
	}
	return []xn{set("unsuccessful", bad)}, nil
}

func describeConnectionNotifications(c *call) ([]xn, *apiError) {
	fs := c.p.filters()
	field := func(nf *notification) fieldFunc {
		return func(name string) ([]string, bool) {
			switch name {
			case "connection-notification-arn":
				return []string{nf.Arn}, true
			case "connection-notification-id":
				return []string{nf.ID}, true
			case "connection-notification-state":
				return []string{"Enabled"}, true
			case "connection-notification-type":
				return []string{"Topic"}, true
			case "service-id":
				return []string{nf.ServiceID}, true
			case "vpc-endpoint-id":
				return []string{nf.EndpointID}, true
			}
			return nil, false
		}
	}
	if err := checkFilters(fs, field(&notification{})); err != nil {
		return nil, err
	}
	var list []*notification
	if id := c.p.str("ConnectionNotificationId"); id != "" {
		nf, err := c.ownNotification(id)
		if err != nil {
			return nil, err
		}
		list = append(list, nf)
	} else {
		for _, nf := range c.sb.st.Notifications {
			if nf.Account == c.account() && nf.Region == c.region && c.sb.visible(nf.Created, c.now) && !c.sb.endpointGone(nf.EndpointID, c.now) {
				list = append(list, nf)
			}
		}
		sort.Slice(list, func(i, j int) bool {
			if !list[i].Created.Equal(list[j].Created) {
				return list[i].Created.Before(list[j].Created)
			}
			return list[i].ID < list[j].ID
		})
	}
	var sel []*notification
	for _, nf := range list {
		if matches(fs, field(nf)) {
			sel = append(sel, nf)
		}
	}
	page, next, err := paginate(c, sel, vpceLimits, false)
	if err != nil {
		return nil, err
	}
	items := make([]xn, len(page))
	for i, nf := range page {
		items[i] = c.notificationXN("item", nf)
	}
	return []xn{set("connectionNotificationSet", items), opt("nextToken", next)}, nil
}
