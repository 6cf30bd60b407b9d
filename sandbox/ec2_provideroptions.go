package sandbox

// Provider options: service principals in a service's permissions, tags on
// its permissions (vpce-svc-perm-... ids, taggable with CreateTags and
// DeleteTags, resource type vpc-endpoint-service-permission), the payer
// responsibility (ModifyVpcEndpointServicePayerResponsibility), and
// endpoints' own notifications.

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

// modifyPayerResponsibility makes the service owner pay for a service's
// endpoints. AWS takes ServiceOwner only: the default is the endpoint
// owner, and a service cannot be set back to it.
func modifyPayerResponsibility(c *call) ([]xn, *apiError) {
	sv, err := c.liveService(c.p.str("ServiceId"))
	if err != nil {
		return nil, err
	}
	switch v := c.p.str("PayerResponsibility"); v {
	case "":
		return nil, missingParam("PayerResponsibility")
	case "ServiceOwner":
		sv.PayerResponsibility = v
	default:
		return nil, badParam("Value (%s) for parameter payerResponsibility is invalid. Valid value: ServiceOwner (the endpoint owner, the default, cannot be set again)", v)
	}
	return []xn{bl("return", true)}, nil
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
