package apply

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

// DefaultHeartbeat is Options.Heartbeat's default.
const DefaultHeartbeat = 30 * time.Second

// settle is the last stage of a change that leaves something pending: it
// waits until the endpoint is usable — available, or pendingAcceptance when
// nobody in this plan accepts it (acceptance happens elsewhere) — or, for
// an accepted connection, until the provider sees it available.
func (r *runner) settle(ctx context.Context, s *step) *Error {
	c := s.cs.c
	switch c.Kind {
	case plan.KindEndpoint:
		c, id, cl, e := r.made(ctx, s, "endpoint id")
		if e != nil {
			return e
		}
		accepted := r.acceptedHere(c.Address)
		if e := r.waitEndpoint(ctx, c, cl, id, accepted); e != nil {
			return e
		}
		if !accepted && live.EndpointPhase(r.pollerFor(changeScope(c), pollEndpoints, cl).finalState(id)) == live.PhaseWaiting {
			// The change is done — nothing more this run can do — but
			// pendingAcceptance is not usable: the service's owner must
			// accept it. The result says so, and the run is not converged.
			why := awaitingAcceptance(c, id)
			r.awaiting.Store(c.Address, why)
			s.note = why
			return nil
		}
		s.note = id + " is usable"
		return nil
	case plan.KindNotification:
		return r.settleNotification(ctx, s)
	case plan.KindConnection:
		if ep := r.g.endpointOfConnection(c); ep != "" {
			if x, ok := r.g.byAddr[ep]; ok && !x.excluded && settles(x.c) {
				return nil // the endpoint's own settle stage waits for it
			}
		}
		return r.settleConnection(ctx, s)
	}
	return nil
}

// awaitingAcceptance says what an endpoint left pendingAcceptance waits
// for: the owner of its service, which this plan does not accept it on (a
// service outside the manifest, or one whose acceptDeclared is false).
func awaitingAcceptance(c *plan.Change, id string) string {
	svc := "its service"
	for _, v := range []*plan.Values{c.After, c.Before} {
		if v != nil && v.ServiceName != "" {
			svc = "service " + v.ServiceName
			break
		}
	}
	return fmt.Sprintf("%s is pendingAcceptance: it waits for the owner of %s to accept the connection, and is not usable until then", id, svc)
}

// acceptedHere reports whether this run accepted the endpoint of addr: its
// accept is in the plan, in the targets, and done. An accept that failed
// leaves the endpoint pendingAcceptance, which is then all there is to
// wait for (the accept's own failure is reported).
func (r *runner) acceptedHere(addr string) bool {
	for _, cs := range r.accepts[addr] {
		for _, s := range cs.steps {
			if s.stage == stMain && s.state == stateDone {
				return true
			}
		}
	}
	return false
}

// acceptsByEndpoint indexes the accepts in scope by the address of the
// endpoint change they accept, for acceptedHere: each endpoint's settle
// asks, and a scan of the plan each time was quadratic in it.
func acceptsByEndpoint(g *schedule) map[string][]*changeState {
	out := map[string][]*changeState{}
	for _, cs := range g.changes {
		if cs.c.Kind != plan.KindConnection || cs.c.Action != plan.Accept || cs.excluded {
			continue
		}
		if ep := g.endpointOfConnection(cs.c); ep != "" {
			out[ep] = append(out[ep], cs)
		}
	}
	return out
}

// settleConnection waits, from the provider's side, for an accepted
// connection of an endpoint outside the plan (an existing one, or one in
// an account plink has no credentials for) to be available.
func (r *runner) settleConnection(ctx context.Context, s *step) *Error {
	c := s.cs.c
	svc := r.parentID(c)
	id := connEndpointID(c)
	if ref := c.Refs["endpointId"]; ref != "" {
		id = r.output(ref).ID
	}
	if svc == "" || id == "" {
		return missing(c, "service or endpoint id")
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		return e
	}
	defer r.waiting(pollConnections)()
	last := ""
	return r.pollUntil(ctx, c, "the connection of "+id, r.opts.EndpointTimeout, func(elapsed time.Duration) (bool, string, *Error) {
		st := r.connectionState(ctx, c, cl, svc, id)
		switch live.EndpointPhase(st) {
		case live.PhaseUsable:
			s.note = fmt.Sprintf("%s on %s is available", id, svc)
			return true, st, nil
		case live.PhaseBroken, live.PhaseGone, live.PhaseGoing:
			return false, st, &Error{Call: "wait", Code: "EndpointFailed", Message: fmt.Sprintf("connection of %s to %s is %s after it was accepted", id, svc, st),
				Hint: "run plink plan again: it shows the endpoint's state"}
		}
		if st != last {
			r.emit(c, ProgressWaiting, fmt.Sprintf("waiting for the connection of %s to be available, now %s (timeout %s)", id, orUnknown(st), r.opts.EndpointTimeout), elapsed)
			last = st
		}
		return false, orUnknown(st), nil
	})
}

// pollUntil calls check every PollInterval until it is done, fails, or
// timeout passes (an error naming what and the last state), and ends at
// once when the run is stopped.
func (r *runner) pollUntil(ctx context.Context, c *plan.Change, what string, timeout time.Duration,
	check func(elapsed time.Duration) (done bool, state string, e *Error)) *Error {
	start := time.Now()
	for {
		done, state, e := check(time.Since(start))
		if done || e != nil {
			return e
		}
		if time.Since(start) >= timeout {
			return &Error{Call: "wait", Code: "Timeout", Message: fmt.Sprintf("gave up waiting for %s after %s: still %s", what, timeout, state),
				Hint: "AWS may still be settling; run plink plan to see the state"}
		}
		t := time.NewTimer(r.opts.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return toError("wait", c, ctx.Err())
		case <-r.opts.Stop:
			t.Stop()
			return errStopped(what)
		case <-t.C:
		}
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "not listed"
	}
	return s
}

// pollConnections names the provider-side waits in the heartbeat.
const pollConnections pollKind = "DescribeVpcEndpointConnections"

// waiting records a wait in progress for the heartbeat; call the
// returned function when it ends.
func (r *runner) waiting(kind pollKind) func() {
	r.waitMu.Lock()
	if r.total() == 0 {
		r.waitSince = time.Now()
	}
	r.waits[kind]++
	r.waitMu.Unlock()
	return func() {
		r.waitMu.Lock()
		r.waits[kind]--
		r.waitMu.Unlock()
	}
}

func (r *runner) total() int {
	n := 0
	for _, v := range r.waits {
		n += v
	}
	return n
}

// heartbeat sends, every Options.Heartbeat while waits are open, one event
// that sums them up, so a long apply in a pipeline log is never silent.
func (r *runner) heartbeat(ctx context.Context) (stop func()) {
	every := r.opts.Heartbeat
	if every == 0 {
		every = DefaultHeartbeat
	}
	if every < 0 || r.opts.Events == nil {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if msg, since := r.waitSummary(); msg != "" {
					r.emit(&plan.Change{Address: "apply"}, ProgressHeartbeat, "still waiting: "+msg, since)
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// waitSummary says what is being waited for and since how long: "3
// endpoints, 1 endpoint service".
func (r *runner) waitSummary() (string, time.Duration) {
	r.waitMu.Lock()
	defer r.waitMu.Unlock()
	nouns := map[pollKind]string{pollEndpoints: "endpoint", pollServices: "endpoint service", pollConnections: "connection"}
	var parts []string
	for kind, n := range r.waits {
		if n <= 0 {
			continue
		}
		noun := nouns[kind]
		if noun == "" {
			noun = string(kind)
		}
		if n != 1 {
			noun += "s"
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, noun))
	}
	if len(parts) == 0 {
		return "", 0
	}
	sort.Strings(parts)
	return strings.Join(parts, ", "), time.Since(r.waitSince).Round(time.Second)
}

// settleNotification waits until a created connection notification is
// listed, so that the plan that confirms the apply sees it.
func (r *runner) settleNotification(ctx context.Context, s *step) *Error {
	c, id, cl, e := r.made(ctx, s, "notification id")
	if e != nil {
		return e
	}
	return r.pollUntil(ctx, c, id+" to be listed", r.opts.ServiceTimeout, func(time.Duration) (bool, string, *Error) {
		var out *ec2.DescribeVpcEndpointConnectionNotificationsOutput
		e := r.call(ctx, c, classDescribe, "DescribeVpcEndpointConnectionNotifications", func(ctx context.Context) (err error) {
			out, err = cl.DescribeVpcEndpointConnectionNotifications(ctx, &ec2.DescribeVpcEndpointConnectionNotificationsInput{ConnectionNotificationId: aws.String(id)})
			return err
		})
		// an id not listed yet is answered as unknown
		if e != nil && e.Code != "InvalidConnectionNotification" && !notFound(e.Code) {
			return false, "", e
		}
		if e == nil && len(out.ConnectionNotificationSet) > 0 {
			s.note = id + " is listed"
			return true, "", nil
		}
		return false, "not listed", nil
	})
}

// made is the change of step s, the live id of what it made (or kept) and
// the client of its account-region.
func (r *runner) made(ctx context.Context, s *step, what string) (*plan.Change, string, EC2API, *Error) {
	c := s.cs.c
	id := r.output(c.Address).ID
	if id == "" {
		id = c.ID
	}
	if id == "" {
		return c, "", nil, missing(c, what)
	}
	cl, e := r.client(ctx, c)
	return c, id, cl, e
}
