package sandbox

// Provider options: service principals in a service's permissions, tags on
// its permissions (vpce-svc-perm-... ids, taggable with CreateTags and
// DeleteTags, resource type vpc-endpoint-service-permission), the payer
// responsibility a service reports, and endpoints' own notifications.

import (
	"regexp"
	"sort"
	"time"
)

// reServicePrincipal is an AWS service principal as endpoint service
// permissions take it (principalType Service).
var reServicePrincipal = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,253}\.amazonaws\.com(\.cn)?$`)

// ownPermission finds a service permission of the caller's services in
// the request's region.
func (c *call) ownPermission(id string) (*permission, *apiError) {
	var ids []string
	for sid, sv := range c.sb.st.Services {
		if sv.Account == c.account() && sv.Region == c.region {
			ids = append(ids, sid)
		}
	}
	sort.Strings(ids)
	for _, sid := range ids {
		sv := c.sb.st.Services[sid]
		if !c.sb.serviceLive(sv, c.now) {
			continue
		}
		for i := range sv.Permissions {
			if sv.Permissions[i].ID == id {
				return &sv.Permissions[i], nil
			}
		}
	}
	return nil, errf(400, "InvalidVpcEndpointServicePermissionId.NotFound", "The service permission ID '%s' does not exist", id)
}

// endpointGone reports whether the endpoint an endpoint's notification
// belongs to is deleted (its notifications go with it; gc drops them).
func (s *Sandbox) endpointGone(id string, now time.Time) bool {
	if id == "" {
		return false
	}
	ep, ok := s.st.Endpoints[id]
	if !ok {
		return true
	}
	st, gone := s.endpointState(ep, now)
	return gone || st == phaseDeleted
}
