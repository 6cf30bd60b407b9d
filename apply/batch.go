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
	if svc == "" {
		failSteps(steps, missing(c, "service id (its provider was not created)"))
		return
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		failSteps(steps, e)
		return
	}
	if c.Action == plan.Update {
		// Only the tags of kept principals' permissions (provideroptions.go).
		r.tagPermissions(ctx, c, cl, svc, steps, nil)
		return
	}
	for _, s := range steps {
		if principalOf(s, add) == "" {
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
	ids := map[string]string{} // principal → service permission id, as added
	send := func(ss []*step) *Error { return r.modifyPermissions(ctx, c, cl, svc, add, ss, ids) }
	verb := "allowed"
	if !add {
		verb = "removed"
	}
	e = send(ok)
	for _, s := range ok {
		if e != nil && len(ok) > 1 && e.Code != "Canceled" {
			s.err = send([]*step{s}) // alone, so one bad ARN fails only itself
		} else {
			s.err = e
		}
		if s.err == nil {
			s.note = verb + " " + principalOf(s, add) + " on " + svc
		}
	}
	if add {
		r.tagPermissions(ctx, c, cl, svc, ok, ids)
	}
}

// principalOf is the principal a principal step adds (or removes).
func principalOf(s *step, add bool) string {
	v := s.cs.c.After
	if !add {
		v = s.cs.c.Before
	}
	if v != nil && v.Principal != "" {
		return v.Principal
	}
	return s.cs.c.ID
}

// modifyPermissions adds or removes the principals of steps on service svc
// in one call, recording in ids the permission id of each principal added.
func (r *runner) modifyPermissions(ctx context.Context, c *plan.Change, cl EC2API, svc string, add bool, steps []*step, ids map[string]string) *Error {
	in := &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: aws.String(svc)}
	var arns []string
	for _, s := range steps {
		arns = append(arns, principalOf(s, add))
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

// connections accepts or rejects, in one call per service, the connections
// of the given steps. A connection that is not visible yet (a just-created
// endpoint) is retried until EndpointTimeout; one already in the wanted
// state counts as done.
func (r *runner) connections(ctx context.Context, steps []*step) {
	c := steps[0].cs.c
	svc := r.parentID(c)
	if svc == "" {
		failSteps(steps, missing(c, "service id (its provider was not created)"))
		return
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		failSteps(steps, e)
		return
	}
	b := &connectionBatch{r: r, c: c, cl: cl, svc: svc, accept: c.Action == plan.Accept, byID: r.stepsByEndpoint(steps)}
	b.action = "RejectVpcEndpointConnections"
	if b.accept {
		b.action = "AcceptVpcEndpointConnections"
	}
	pending := make([]string, 0, len(b.byID))
	for id := range b.byID {
		pending = append(pending, id)
	}
	sort.Strings(pending)
	if !b.accept {
		pending = r.confirmForeign(ctx, pending, b.byID)
	}
	b.start = time.Now()
	waited := false
	for len(pending) > 0 {
		failed, e := b.send(ctx, pending)
		if e != nil {
			b.fail(pending, func(*step) *Error { return e })
			return
		}
		if pending = b.outcomes(ctx, pending, failed); len(pending) == 0 {
			return
		}
		if !waited {
			b.sayWaiting(pending)
			waited = true
		}
		if !b.pause(ctx, pending) {
			return
		}
	}
}

// failSteps gives every step the same error.
func failSteps(steps []*step, e *Error) {
	for _, s := range steps {
		s.err = e
	}
}

// stepsByEndpoint groups connection steps by the endpoint id they act on:
// the plan's, or the one a step made in this run. A step with neither
// fails.
func (r *runner) stepsByEndpoint(steps []*step) map[string][]*step {
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
	return byID
}

// connectionBatch is one service's accepts or rejects in one apply.
type connectionBatch struct {
	r      *runner
	c      *plan.Change // the first change; the call is in its account and region
	cl     EC2API
	svc    string
	accept bool
	action string // the EC2 call
	byID   map[string][]*step
	start  time.Time
}

// fail gives the steps of the endpoints ids the error err returns.
func (b *connectionBatch) fail(ids []string, err func(*step) *Error) {
	for _, id := range ids {
		for _, s := range b.byID[id] {
			s.err = err(s)
		}
	}
}

// note records on the steps of endpoint id what was done.
func (b *connectionBatch) note(id, note string) {
	for _, s := range b.byID[id] {
		s.note = note
	}
}

// send makes one Accept or Reject call for the endpoints ids; it returns
// the items AWS did not act on, or the call's error.
func (b *connectionBatch) send(ctx context.Context, ids []string) ([]types.UnsuccessfulItem, *Error) {
	var failed []types.UnsuccessfulItem
	e := b.r.call(ctx, b.c, classService, b.action, func(ctx context.Context) error {
		if b.accept {
			out, err := b.cl.AcceptVpcEndpointConnections(ctx, &ec2.AcceptVpcEndpointConnectionsInput{ServiceId: aws.String(b.svc), VpcEndpointIds: ids})
			if out != nil {
				failed = out.Unsuccessful
			}
			return err
		}
		out, err := b.cl.RejectVpcEndpointConnections(ctx, &ec2.RejectVpcEndpointConnectionsInput{ServiceId: aws.String(b.svc), VpcEndpointIds: ids})
		if out != nil {
			failed = out.Unsuccessful
		}
		return err
	})
	return failed, e
}

// outcomes settles each endpoint of a call: done, gone (for a reject),
// already in the wanted state, or failed. It returns the endpoints to try
// again: those not visible yet, while EndpointTimeout allows.
func (b *connectionBatch) outcomes(ctx context.Context, ids []string, failed []types.UnsuccessfulItem) []string {
	errs := map[string]*types.UnsuccessfulItemError{}
	for _, u := range failed {
		if u.ResourceId != nil && u.Error != nil {
			errs[*u.ResourceId] = u.Error
		}
	}
	var again []string
	for _, id := range ids {
		ue := errs[id]
		if ue == nil {
			b.note(id, fmt.Sprintf("%s %s on %s", map[bool]string{true: "accepted", false: "rejected"}[b.accept], id, b.svc))
			continue
		}
		code := strOr(ue.Code)
		if !b.accept && notFound(code) {
			// The endpoint is gone: nothing is connected any more.
			b.note(id, fmt.Sprintf("%s is gone; nothing to reject", id))
			continue
		}
		if st := b.r.connectionState(ctx, b.c, b.cl, b.svc, id); connectionSettled(st, b.accept) {
			b.note(id, fmt.Sprintf("%s on %s was already %s", id, b.svc, st))
			continue
		}
		if notFound(code) && time.Since(b.start) < b.r.opts.EndpointTimeout {
			again = append(again, id)
			continue
		}
		b.fail([]string{id}, func(s *step) *Error { return itemError(b.action, s.cs.c, code, strOr(ue.Message)) })
	}
	return again
}

// sayWaiting reports, once, that the connections of ids are waited for.
func (b *connectionBatch) sayWaiting(ids []string) {
	for _, id := range ids {
		for _, s := range b.byID[id] {
			b.r.emit(s.cs.c, ProgressWaiting, fmt.Sprintf("waiting for the connection of %s to reach %s (timeout %s)", id, b.svc, b.r.opts.EndpointTimeout), time.Since(b.start))
		}
	}
}

// pause waits PollInterval before the next try; false when the run was
// cancelled or stopped meanwhile (the pending steps then fail).
func (b *connectionBatch) pause(ctx context.Context, pending []string) bool {
	t := time.NewTimer(b.r.opts.PollInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
		b.fail(pending, func(s *step) *Error { return toError(b.action, s.cs.c, ctx.Err()) })
		return false
	case <-b.r.opts.Stop:
		for _, id := range pending {
			b.fail([]string{id}, func(*step) *Error { return errStopped("the connection of " + id) })
		}
		return false
	case <-t.C:
		return true
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
