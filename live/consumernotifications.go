package live

// An endpoint's own connection notifications (a consumer's
// notifications): CreateVpcEndpointConnectionNotification with
// VpcEndpointId. DescribeVpcEndpointConnectionNotifications lists a scope's
// notifications of services and endpoints alike; the reader makes that call
// where the project has a service (it did before) and where a consumer of
// the manifest declares notifications of its own, and nowhere else: an
// account that only consumes, and whose consumers declare none, costs no
// call more.

import "sort"

// EndpointNotification is a connection notification of an endpoint.
type EndpointNotification struct {
	AccountID  string `json:"accountId"`
	Region     string `json:"region"`
	EndpointID string `json:"endpointId"`
	Notification
}

// consumersNotify reports whether a consumer living in the scope declares
// notifications of its own.
func consumersNotify(sc *scopeState) bool {
	for _, c := range sc.consumers {
		if len(c.Notifications) > 0 {
			return true
		}
	}
	return false
}

// NotificationsOf lists an endpoint's own notifications, by id.
func (s *Snapshot) NotificationsOf(accountID, region, endpointID string) []Notification {
	var out []Notification
	for _, n := range s.EndpointNotifications {
		if n.AccountID == accountID && n.Region == region && n.EndpointID == endpointID {
			out = append(out, n.Notification)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
