package apply

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/plan"
)

// exec runs the steps of one unit: a batch (accept, reject, principals) or
// a single step. It writes each step's err and note.
func (r *runner) exec(ctx context.Context, steps []*step) {
	start := time.Now()
	for _, s := range steps {
		msg := describeStep(s)
		r.emit(s.cs.c, ProgressStarted, msg, 0)
	}
	if steps[0].batch != "" {
		c := steps[0].cs.c
		switch {
		case c.Kind == plan.KindPrincipal:
			r.principals(ctx, steps)
		case c.Kind == plan.KindConnection:
			r.connections(ctx, steps)
		}
	} else {
		s := steps[0]
		s.err = r.single(ctx, s)
	}
	for _, s := range steps {
		if s.err != nil {
			r.emit(s.cs.c, ProgressFailed, s.err.Error(), time.Since(start))
		} else {
			r.emit(s.cs.c, ProgressDone, s.note, time.Since(start))
		}
	}
}

func describeStep(s *step) string {
	c := s.cs.c
	switch s.stage {
	case stDNS:
		return "enabling private DNS once the connection is accepted"
	case stDNSHandoff:
		return "enabling private DNS once the replaced endpoint is gone"
	case stDeleteOld:
		return "deleting replaced " + c.ID
	case stSettle:
		return "waiting until it is usable"
	}
	what := map[plan.Kind]string{plan.KindService: "endpoint service", plan.KindPrincipal: "allowed principal",
		plan.KindConnection: "connection", plan.KindNotification: "connection notification", plan.KindEndpoint: "endpoint",
		plan.KindDNSRecord: "private DNS verification record"}[c.Kind]
	verb := map[plan.Action]string{plan.Create: "creating", plan.Update: "updating", plan.Replace: "replacing",
		plan.Delete: "deleting", plan.Accept: "accepting", plan.Reject: "rejecting", plan.Adopt: "adopting"}[c.Action]
	if c.Kind == plan.KindPrincipal {
		verb = map[plan.Action]string{plan.Create: "allowing", plan.Update: "tagging", plan.Delete: "removing"}[c.Action]
	}
	msg := verb + " " + what
	if c.ID != "" {
		msg += " " + c.ID
	}
	return fmt.Sprintf("%s in %s/%s", msg, c.Account, c.Region)
}

// kindOps are the executors of one resource kind.
type kindOps struct {
	create         func(ctx context.Context, s *step, purpose string) *Error
	update, delete func(ctx context.Context, s *step) *Error
}

func (r *runner) single(ctx context.Context, s *step) *Error {
	c := s.cs.c
	switch {
	case s.stage == stSettle:
		return r.settle(ctx, s)
	case c.Kind == plan.KindEndpoint && (s.stage == stDNS || s.stage == stDNSHandoff):
		return r.endpointDNS(ctx, s)
	}
	ops, ok := map[plan.Kind]kindOps{
		plan.KindService:      {r.serviceCreate, r.serviceUpdate, r.serviceDelete},
		plan.KindEndpoint:     {r.endpointCreate, r.endpointUpdate, r.endpointDelete},
		plan.KindNotification: {r.notificationCreate, r.notificationUpdate, r.notificationDelete},
		plan.KindDNSRecord:    {r.dnsRecordUp, r.dnsRecordUpdate, r.dnsRecordDelete},
	}[c.Kind]
	switch {
	case !ok:
		return &Error{Call: "apply", Code: "Unsupported", Message: fmt.Sprintf("cannot %s a %s", c.Action, c.Kind),
			Hint: "this plink cannot apply this plan; use the plink version that made it"}
	case s.stage == stDeleteOld, c.Action == plan.Delete:
		return ops.delete(ctx, s)
	case c.Action == plan.Create:
		return ops.create(ctx, s, "create")
	case c.Action == plan.Replace:
		return ops.create(ctx, s, "replace:"+c.ID)
	default: // update, adopt
		return ops.update(ctx, s)
	}
}

// created is the change of a create step and the values it creates.
func created(s *step) (*plan.Change, *plan.Values, *Error) {
	c := s.cs.c
	if c.After == nil {
		return c, nil, missing(c, "after values")
	}
	return c, c.After, nil
}

func missing(c *plan.Change, what string) *Error {
	return &Error{Call: "apply", Code: "InvalidPlan", Message: fmt.Sprintf("change %s has no %s", c.Address, what),
		Hint: "plan again with this plink version; the plan file may be damaged"}
}

func nonEmpty(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}

func strOr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// setDiff returns what is in b and not in a (added) and in a and not in b (removed).
func setDiff(a, b []string) (added, removed []string) {
	in := func(xs []string, x string) bool {
		for _, y := range xs {
			if y == x {
				return true
			}
		}
		return false
	}
	for _, x := range b {
		if !in(a, x) {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if !in(b, x) {
			removed = append(removed, x)
		}
	}
	return added, removed
}

func boolPtrEq(a, b *bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// foldState lower-cases a state: AWS's wire spelling and the SDK's enum
// constants differ in case ("available" vs "Available").
func foldState[S ~string](s S) string { return strings.ToLower(string(s)) }

// The shapes every resource's steps share: create with an idempotency
// token, update (or adopt) with a tag diff, and delete by id. Each is one
// recorded call whose answer is checked and written to the step.

// create makes the create call action with a ClientToken derived from the
// change, purpose and in (the parameters without a token); call makes the
// call with that token and returns the new resource's id and state. When
// AWS answers with a resource in one of the states gone (the token's
// resource was deleted since), the token is salted and the create made
// again, at most maxStaleTokens times. what names the resource ("endpoint
// service"); its last word names the id a response must carry.
func (r *runner) create(ctx context.Context, c *plan.Change, class, action, what, purpose string, in any, gone []string,
	call func(ctx context.Context, token *string) (id *string, state string, err error)) (string, []string, *Error) {
	var stale []string
	for {
		token := aws.String(ClientToken(r.opts.Project, c.Address, saltedPurpose(purpose, stale, freshSalt), in))
		var id *string
		var state string
		if e := r.call(ctx, c, class, action, func(ctx context.Context) (err error) {
			id, state, err = call(ctx, token)
			return err
		}); e != nil {
			return "", stale, e
		}
		if id == nil {
			noun := what[strings.LastIndex(what, " ")+1:]
			return "", stale, &Error{Call: action, Code: "InvalidResponse", Message: "the response has no " + noun + " id", Hint: hint("", "", c)}
		}
		holder := r.heldBy(*id, c.Address)
		if holder == "" && !slices.Contains(gone, foldState(state)) {
			return *id, stale, nil
		}
		var e *Error
		if holder != "" {
			// The same parameters made it for an address this plan now
			// gives another resource (a rename undone: the old address's
			// token answers with the resource the new one holds, which
			// this plan may delete).
			state = "held by " + holder
		}
		if stale, e = r.staleToken(c, action, what, *id, state, stale); e != nil {
			return "", stale, e
		}
	}
}

// heldBy is the address of another change of the plan that names live
// resource id, or "": a create answered with it got a resource that is not
// its own.
func (r *runner) heldBy(id, address string) string {
	r.idsOnce.Do(func() {
		r.ids = make(map[string]string, len(r.p.Changes))
		for i := range r.p.Changes {
			if c := &r.p.Changes[i]; c.ID != "" {
				r.ids[c.ID] = c.Address
			}
		}
	})
	if a, ok := r.ids[id]; ok && a != address {
		return a
	}
	return ""
}

// update carries out an update or adopt of the step's resource (its live
// id): on adopt, plink's tags first; then the call modify returns (none when
// nothing but tags changed); then the plan's tag diff. The step's note says
// what was done, also when a later call failed.
func (r *runner) update(ctx context.Context, s *step, class string,
	modify func(cl EC2API, before, after *plan.Values) (action string, call func(context.Context) error)) *Error {
	c := s.cs.c
	if c.ID == "" {
		return missing(c, "live id")
	}
	b, a := c.Before, c.After
	if a == nil {
		return missing(c, "after values")
	}
	if b == nil {
		b = &plan.Values{}
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		return e
	}
	var did []string
	done := func(e *Error) *Error {
		s.note = strings.Join(did, "; ")
		return e
	}
	if c.Action == plan.Adopt {
		set := tagsToSet(b.Tags, OwnedTags(r.opts.Project, c.Address, a.Tags))
		if e := r.createTags(ctx, c, cl, class, c.ID, set); e != nil {
			return e
		}
		did = append(did, "tagged "+c.ID)
	}
	if action, call := modify(cl, b, a); call != nil {
		if e := r.call(ctx, c, class, action, call); e != nil {
			return done(e)
		}
		did = append(did, "modified "+c.ID)
	}
	if c.Action == plan.Adopt {
		// The plink tags were set first; the rest of the plan's tag diff
		// (tags the manifest does not declare) follows, as the plan shows.
		return done(r.removeTags(ctx, c, cl, class, c.ID, b.Tags, a.Tags))
	}
	if e := r.updateTags(ctx, c, cl, class, c.ID, b.Tags, a.Tags); e != nil {
		return done(e)
	}
	if n := renameNote(b.Tags, a.Tags); n != "" {
		did = append(did, n)
	}
	return done(nil)
}

// deleteTarget is the live id, account-region and client of a delete step.
func (r *runner) deleteTarget(ctx context.Context, s *step) (string, where, EC2API, *Error) {
	c := s.cs.c
	if c.ID == "" {
		return "", where{}, nil, missing(c, "live id")
	}
	w := scopeOf(s)
	cl, e := r.clientAt(ctx, c, w)
	return c.ID, w, cl, e
}

// deleteByID deletes the live resource of step s with the batch delete
// call action (see remove) and notes it; it returns what a wait for the
// deletion needs.
func (r *runner) deleteByID(ctx context.Context, s *step, class, action string,
	call func(ctx context.Context, cl EC2API, id string) ([]types.UnsuccessfulItem, error)) (string, where, EC2API, *Error) {
	id, w, cl, e := r.deleteTarget(ctx, s)
	if e != nil {
		return id, w, cl, e
	}
	if e := r.remove(ctx, w, class, action, id, func(ctx context.Context) ([]types.UnsuccessfulItem, error) { return call(ctx, cl, id) }); e != nil {
		return id, w, cl, e
	}
	s.note = "deleted " + id
	return id, w, cl, nil
}

// remove makes the batch delete call action for id; call returns the
// Unsuccessful items of its answer, and one for id is the error unless it
// says the resource is already gone (deletes are idempotent).
func (r *runner) remove(ctx context.Context, w where, class, action, id string,
	call func(ctx context.Context) ([]types.UnsuccessfulItem, error)) *Error {
	var items []types.UnsuccessfulItem
	if e := r.callIn(ctx, w, class, action, func(ctx context.Context) (err error) {
		items, err = call(ctx)
		return err
	}); e != nil {
		return e
	}
	for _, u := range items {
		if u.Error == nil || (u.ResourceId != nil && *u.ResourceId != id) {
			continue
		}
		code := strOr(u.Error.Code)
		if notFound(code) {
			continue
		}
		return itemErrorAt(action, w, code, strOr(u.Error.Message))
	}
	return nil
}

// unsuccessfulOf is a batch call's Unsuccessful items, or its error.
func unsuccessfulOf[O any](out *O, err error, items func(*O) []types.UnsuccessfulItem) ([]types.UnsuccessfulItem, error) {
	if err != nil || out == nil {
		return nil, err
	}
	return items(out), nil
}
