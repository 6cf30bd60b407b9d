package apply

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

func (r *runner) serviceCreate(ctx context.Context, s *step, purpose string) *Error {
	c, a, e := created(s)
	if e != nil {
		return e
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		return e
	}
	in := ServiceCreateInput(r.opts.Project, c.Address, a)
	var sc *types.ServiceConfiguration
	id, stale, e := r.create(ctx, c, classService, "CreateVpcEndpointServiceConfiguration", "endpoint service", purpose, in,
		[]string{"deleted", "deleting", "failed"}, func(ctx context.Context, token *string) (*string, string, error) {
			attempt := *in
			attempt.ClientToken = token
			out, err := cl.CreateVpcEndpointServiceConfiguration(ctx, &attempt)
			if err != nil || out.ServiceConfiguration == nil {
				return nil, "", err
			}
			sc = out.ServiceConfiguration
			return sc.ServiceId, string(sc.ServiceState), nil
		})
	if e != nil {
		return e
	}
	r.setOutput(c.Address, output{ID: id, ServiceName: strOr(sc.ServiceName), Created: true})
	s.note = createdNote(id, stale)
	if e := r.waitService(ctx, c, changeScope(c), cl, id); e != nil {
		return e
	}
	if set, e := r.setPayer(ctx, c, cl, id, nil, a); e != nil || set {
		if set && e == nil {
			s.note += "; the service owner pays for its endpoints"
		}
		return e
	}
	return nil
}

// waitService waits for a new service to be Available.
func (r *runner) waitService(ctx context.Context, c *plan.Change, w where, cl EC2API, id string) *Error {
	return r.waitFor(ctx, c, id+" to be Available", r.opts.ServiceTimeout, w, cl, pollServices, id, func(s sighting) (bool, string, *Error) {
		sc := s.sc
		if sc == nil {
			return false, "", nil // not visible yet
		}
		if sc.ServiceName != nil {
			o := r.output(c.Address)
			o.ServiceName = *sc.ServiceName
			r.setOutput(c.Address, o)
		}
		switch live.ServicePhase(string(sc.ServiceState)) {
		case live.PhaseUsable:
			return true, string(sc.ServiceState), nil
		case live.PhaseBroken, live.PhaseGone, live.PhaseGoing:
			return false, "", &Error{Call: "wait", Code: "ServiceFailed",
				Message: fmt.Sprintf("endpoint service %s is %s", id, sc.ServiceState),
				Hint:    "check the load balancers the provider names: they must be active and in the provider's account and region"}
		}
		return false, string(sc.ServiceState), nil
	})
}

func (r *runner) serviceUpdate(ctx context.Context, s *step) *Error {
	if e := r.update(ctx, s, classService, func(cl EC2API, b, a *plan.Values) (string, func(context.Context) error) {
		in := ServiceModifyInput(s.cs.c.ID, b, a)
		if in == nil {
			return "", nil
		}
		return "ModifyVpcEndpointServiceConfiguration", func(ctx context.Context) error {
			_, err := cl.ModifyVpcEndpointServiceConfiguration(ctx, in)
			return err
		}
	}); e != nil {
		return e
	}
	c := s.cs.c
	cl, e := r.client(ctx, c)
	if e != nil {
		return e
	}
	set, e := r.setPayer(ctx, c, cl, c.ID, c.Before, c.After)
	if set && e == nil {
		if s.note != "" {
			s.note += "; "
		}
		s.note += "the service owner pays for its endpoints"
	}
	return e
}

func (r *runner) serviceDelete(ctx context.Context, s *step) *Error {
	id, w, cl, e := r.deleteTarget(ctx, s)
	if e != nil {
		return e
	}
	var did []string
	left, e := r.connectedLeft(ctx, w, cl, id)
	if e != nil {
		return e
	}
	if len(left) > 0 {
		return &Error{Call: "DeleteVpcEndpointServiceConfigurations", Code: "UnplannedConnections",
			Message: fmt.Sprintf("endpoint service %s in account %s region %s still has %d connected endpoint(s) the plan does not reject: %s; they connected after the plan was made, so the service was not deleted", id, w.accountID, w.region, len(left), strings.Join(left, ", ")),
			Hint:    "run plink plan again: it shows them as rejects (and asks for --allow-disconnect for endpoints the manifest does not declare)"}
	}
	e = r.remove(ctx, w, classService, "DeleteVpcEndpointServiceConfigurations", id, func(ctx context.Context) ([]types.UnsuccessfulItem, error) {
		out, err := cl.DeleteVpcEndpointServiceConfigurations(ctx, &ec2.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{id}})
		return unsuccessfulOf(out, err, func(o *ec2.DeleteVpcEndpointServiceConfigurationsOutput) []types.UnsuccessfulItem {
			return o.Unsuccessful
		})
	})
	if e == nil {
		did = append(did, "deleted "+id)
	}
	s.note = strings.Join(did, "; ")
	if e != nil {
		return e
	}
	return r.waitGone(ctx, s, w, cl, pollServices, id)
}

// connectedLeft lists the connections of service id that still hold an
// endpoint (on every page). The plan rejects, before the delete, every
// connection it knew of; one left now connected after the plan was made,
// and plink does not cut it off unplanned.
func (r *runner) connectedLeft(ctx context.Context, w where, cl EC2API, id string) ([]string, *Error) {
	conns, e := r.listConnections(ctx, w, cl, types.Filter{Name: aws.String("service-id"), Values: []string{id}})
	if e != nil {
		return nil, e
	}
	var left []string
	for _, cn := range conns {
		if strOr(cn.ServiceId) != "" && strOr(cn.ServiceId) != id {
			continue
		}
		switch live.EndpointPhase(string(cn.VpcEndpointState)) {
		case live.PhaseWaiting, live.PhaseSettling, live.PhaseUsable:
			left = append(left, fmt.Sprintf("%s of account %s (%s)", strOr(cn.VpcEndpointId), strOr(cn.VpcEndpointOwner), cn.VpcEndpointState))
		}
	}
	sort.Strings(left)
	return left, nil
}

// listConnections lists, page by page, the endpoint connections of a
// provider account-region that match the filters.
func (r *runner) listConnections(ctx context.Context, w where, cl EC2API, filters ...types.Filter) ([]types.VpcEndpointConnection, *Error) {
	var all []types.VpcEndpointConnection
	var next *string
	for {
		var out *ec2.DescribeVpcEndpointConnectionsOutput
		if e := r.callIn(ctx, w, classDescribe, "DescribeVpcEndpointConnections", func(ctx context.Context) (err error) {
			out, err = cl.DescribeVpcEndpointConnections(ctx, &ec2.DescribeVpcEndpointConnectionsInput{
				Filters: filters, MaxResults: aws.Int32(pollPageSize), NextToken: next})
			return err
		}); e != nil {
			return nil, e
		}
		all = append(all, out.VpcEndpointConnections...)
		if aws.ToString(out.NextToken) == "" {
			return all, nil
		}
		next = out.NextToken
	}
}

// A connection notification is a service's (its ServiceId): created on the
// service, modified and deleted by its own id.

func (r *runner) notificationCreate(ctx context.Context, s *step, purpose string) *Error {
	c, a, e := created(s)
	if e != nil {
		return e
	}
	parent := r.parentID(c)
	cl, e := r.client(ctx, c)
	if e != nil {
		return e
	}
	in := &ec2.CreateVpcEndpointConnectionNotificationInput{
		ConnectionNotificationArn: aws.String(a.TopicARN),
		ConnectionEvents:          a.Events,
	}
	switch {
	case strings.HasPrefix(c.Parent, "consumer."):
		// an endpoint's own notification (plan/consumernotifications.go)
		if parent == "" {
			return missing(c, "endpoint id (its consumer was not created)")
		}
		in.VpcEndpointId = aws.String(parent)
	case parent == "":
		return missing(c, "service id (its provider was not created)")
	default:
		in.ServiceId = aws.String(parent)
	}
	// A notification has no state in which a token could answer it stale.
	id, _, e := r.create(ctx, c, classService, "CreateVpcEndpointConnectionNotification", "connection notification", purpose, in,
		nil, func(ctx context.Context, token *string) (*string, string, error) {
			attempt := *in
			attempt.ClientToken = token
			out, err := cl.CreateVpcEndpointConnectionNotification(ctx, &attempt)
			if err != nil || out.ConnectionNotification == nil {
				return nil, "", err
			}
			return out.ConnectionNotification.ConnectionNotificationId, "", nil
		})
	if e != nil {
		return e
	}
	r.setOutput(c.Address, output{ID: id, Created: true})
	s.note = "created " + id
	return nil
}

func (r *runner) notificationUpdate(ctx context.Context, s *step) *Error {
	c := s.cs.c
	if c.ID == "" {
		return missing(c, "live id")
	}
	if c.After == nil {
		return missing(c, "after values")
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		return e
	}
	if e := r.call(ctx, c, classService, "ModifyVpcEndpointConnectionNotification", func(ctx context.Context) error {
		_, err := cl.ModifyVpcEndpointConnectionNotification(ctx, &ec2.ModifyVpcEndpointConnectionNotificationInput{
			ConnectionNotificationId:  aws.String(c.ID),
			ConnectionNotificationArn: aws.String(c.After.TopicARN),
			ConnectionEvents:          c.After.Events,
		})
		return err
	}); e != nil {
		return e
	}
	s.note = "modified " + c.ID
	return nil
}

func (r *runner) notificationDelete(ctx context.Context, s *step) *Error {
	_, _, _, e := r.deleteByID(ctx, s, classService, "DeleteVpcEndpointConnectionNotifications", func(ctx context.Context, cl EC2API, id string) ([]types.UnsuccessfulItem, error) {
		out, err := cl.DeleteVpcEndpointConnectionNotifications(ctx, &ec2.DeleteVpcEndpointConnectionNotificationsInput{ConnectionNotificationIds: []string{id}})
		return unsuccessfulOf(out, err, func(o *ec2.DeleteVpcEndpointConnectionNotificationsOutput) []types.UnsuccessfulItem {
			return o.Unsuccessful
		})
	})
	return e
}
