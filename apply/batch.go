package apply

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

// principals adds or removes the allowed principals of one service in one
// ModifyVpcEndpointServicePermissions call. If that call fails for several
// principals, each is tried alone so that one bad ARN does not block the rest.
func (r *runner) principals(ctx context.Context, steps []*step) {
	c := steps[0].cs.c
	add := c.Action == plan.Create
	svc := r.parentID(c)
	fail := func(ss []*step, e *Error) {
		for _, s := range ss {
			s.err = e
		}
	}
	if svc == "" {
		fail(steps, missing(c, "service id (its provider was not created)"))
		return
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		fail(steps, e)
		return
	}
	if c.Action == plan.Update {
		// Only the tags of kept principals' permissions (provideroptions.go).
		r.tagPermissions(ctx, c, cl, svc, steps, nil)
		return
	}
	ids := map[string]string{} // principal → service permission id, as added
	principalOf := func(s *step) string {
		v := s.cs.c.After
		if !add {
			v = s.cs.c.Before
		}
		if v != nil && v.Principal != "" {
			return v.Principal
		}
		return s.cs.c.ID
	}
	call := func(ss []*step) *Error {
		in := &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: aws.String(svc)}
		var arns []string
		for _, s := range ss {
			arns = append(arns, principalOf(s))
		}
		if add {
			in.AddAllowedPrincipals = arns
		} else {
			in.RemoveAllowedPrincipals = arns
		}
		return r.call(ctx, c, classService, "ModifyVpcEndpointServicePermissions", func(ctx context.Context) error {
			out, err := cl.ModifyVpcEndpointServicePermissions(ctx, in)
			if err == nil {
				for _, ap := range out.AddedPrincipals {
					ids[aws.ToString(ap.Principal)] = aws.ToString(ap.ServicePermissionId)
				}
			}
			return err
		})
	}
	verb := "allowed"
	if !add {
		verb = "removed"
	}
	for _, s := range steps {
		if principalOf(s) == "" {
			s.err = missing(s.cs.c, "principal ARN")
		}
	}
	var ok []*step
	for _, s := range steps {
		if s.err == nil {
			ok = append(ok, s)
		}
	}
	if len(ok) == 0 {
		return
	}
	e = call(ok)
	if e != nil && len(ok) > 1 && e.Code != "Canceled" {
		for _, s := range ok {
			if s.err = call([]*step{s}); s.err == nil {
				s.note = verb + " " + principalOf(s) + " on " + svc
			}
		}
	} else {
		for _, s := range ok {
			s.err = e
			if e == nil {
				s.note = verb + " " + principalOf(s) + " on " + svc
			}
		}
	}
	if add {
		r.tagPermissions(ctx, c, cl, svc, ok, ids)
	}
}

// connections accepts or rejects, in one call per service, the connections
// of the given steps. A connection that is not visible yet (a just-created
// endpoint) is retried until EndpointTimeout; one already in the wanted
// state counts as done.
func (r *runner) connections(ctx context.Context, steps []*step) {
	c := steps[0].cs.c
	accept := c.Action == plan.Accept
	action := "RejectVpcEndpointConnections"
	if accept {
		action = "AcceptVpcEndpointConnections"
	}
	svc := r.parentID(c)
	if svc == "" {
		for _, s := range steps {
			s.err = missing(c, "service id (its provider was not created)")
		}
		return
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		for _, s := range steps {
			s.err = e
		}
		return
	}
	byID := map[string][]*step{}
	for _, s := range steps {
		id := connEndpointID(s.cs.c)
		if ref := s.cs.c.Refs["endpointId"]; ref != "" {
			id = r.output(ref).ID
		}
		if id == "" {
			s.err = missing(s.cs.c, "endpoint id")
			continue
		}
		byID[id] = append(byID[id], s)
	}
	pending := make([]string, 0, len(byID))
	for id := range byID {
		pending = append(pending, id)
	}
	sort.Strings(pending)
	if !accept {
		pending = r.confirmForeign(ctx, pending, byID)
	}
	start := time.Now()
	waited := false
	for len(pending) > 0 {
		var failed []types.UnsuccessfulItem
		e := r.call(ctx, c, classService, action, func(ctx context.Context) error {
			if accept {
				out, err := cl.AcceptVpcEndpointConnections(ctx, &ec2.AcceptVpcEndpointConnectionsInput{ServiceId: aws.String(svc), VpcEndpointIds: pending})
				if out != nil {
					failed = out.Unsuccessful
				}
				return err
			}
			out, err := cl.RejectVpcEndpointConnections(ctx, &ec2.RejectVpcEndpointConnectionsInput{ServiceId: aws.String(svc), VpcEndpointIds: pending})
			if out != nil {
				failed = out.Unsuccessful
			}
			return err
		})
		if e != nil {
			for _, id := range pending {
				for _, s := range byID[id] {
					s.err = e
				}
			}
			return
		}
		errs := map[string]*types.UnsuccessfulItemError{}
		for _, u := range failed {
			if u.ResourceId != nil && u.Error != nil {
				errs[*u.ResourceId] = u.Error
			}
		}
		var again []string
		for _, id := range pending {
			ue := errs[id]
			if ue == nil {
				for _, s := range byID[id] {
					s.note = fmt.Sprintf("%s %s on %s", map[bool]string{true: "accepted", false: "rejected"}[accept], id, svc)
				}
				continue
			}
			code := strOr(ue.Code)
			if !accept && notFound(code) {
				// The endpoint is gone: nothing is connected any more.
				for _, s := range byID[id] {
					s.note = fmt.Sprintf("%s is gone; nothing to reject", id)
				}
				continue
			}
			if st := r.connectionState(ctx, c, cl, svc, id); connectionSettled(st, accept) {
				for _, s := range byID[id] {
					s.note = fmt.Sprintf("%s on %s was already %s", id, svc, st)
				}
				continue
			}
			if notFound(code) && time.Since(start) < r.opts.EndpointTimeout {
				again = append(again, id)
				continue
			}
			for _, s := range byID[id] {
				s.err = itemError(action, s.cs.c, code, strOr(ue.Message))
			}
		}
		pending = again
		if len(pending) == 0 {
			return
		}
		if !waited {
			for _, id := range pending {
				for _, s := range byID[id] {
					r.emit(s.cs.c, ProgressWaiting, fmt.Sprintf("waiting for the connection of %s to reach %s (timeout %s)", id, svc, r.opts.EndpointTimeout), time.Since(start))
				}
			}
			waited = true
		}
		t := time.NewTimer(r.opts.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			for _, id := range pending {
				for _, s := range byID[id] {
					s.err = toError(action, s.cs.c, ctx.Err())
				}
			}
			return
		case <-r.opts.Stop:
			t.Stop()
			for _, id := range pending {
				for _, s := range byID[id] {
					s.err = errStopped("the connection of " + id)
				}
			}
			return
		case <-t.C:
		}
	}
}

// connectionState is the state of an endpoint's connection to a service as
// the provider sees it, or "" when it cannot tell.
func (r *runner) connectionState(ctx context.Context, c *plan.Change, cl EC2API, svc, id string) string {
	// A page may hold none of the matches; the listing follows NextToken.
	conns, e := r.listConnections(ctx, changeScope(c), cl,
		types.Filter{Name: aws.String("service-id"), Values: []string{svc}},
		types.Filter{Name: aws.String("vpc-endpoint-id"), Values: []string{id}})
	if e != nil {
		return ""
	}
	for _, cn := range conns {
		if strOr(cn.VpcEndpointId) == id {
			return string(cn.VpcEndpointState)
		}
	}
	return ""
}

func connectionSettled(state string, accept bool) bool {
	switch live.EndpointPhase(state) {
	case live.PhaseUsable, live.PhaseSettling:
		return accept
	case live.PhaseBroken, live.PhaseGone, live.PhaseGoing:
		return !accept
	}
	return false
}
