package apply

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

// Waits share their Describe calls. Every wait for an endpoint or a service
// joins the poller of its account-region and resource type; each poll round
// issues one Describe call for all ids then pending there (filtered by id, so
// an id that is not visible, just created or already gone, simply does not
// come back instead of failing the call) and hands every waiter what was seen
// of its resource. Waiting for 60 endpoints in one account-region costs one
// DescribeVpcEndpoints per round, not 60.

// pollKind is the Describe action a poller issues.
type pollKind string

// idFilter is the name of the filter that selects a poll's resources by id.
func (k pollKind) idFilter() string {
	if k == pollEndpoints {
		return "vpc-endpoint-id"
	}
	return "service-id"
}

const (
	pollEndpoints pollKind = "DescribeVpcEndpoints"
	pollServices  pollKind = "DescribeVpcEndpointServiceConfigurations"
)

// Limits of one poll call: EC2 takes at most 200 values per filter, and
// these actions return at most 1,000 results per page.
const (
	pollIDsPerCall = 200
	pollPageSize   = 1000
)

// A wait fails when pollErrorsTolerated poll rounds in a row failed (after
// the SDK's own retries): one failed round, a throttling burst or a network
// blip, does not fail every wait of an account-region at once.
const pollErrorsTolerated = 3

// describeCallTimeout bounds one Describe call of a poll round, the SDK's
// retries included, so that a call that never answers counts as a failed
// round instead of stalling every wait of its account-region.
const describeCallTimeout = time.Minute

// sighting is what one poll round saw of one resource: the resource, nil
// when it did not come back (not yet visible, or gone), or the error of the
// round's Describe call.
type sighting struct {
	ep  *types.VpcEndpoint
	sc  *types.ServiceConfiguration
	err error
}

// gone reports whether what the sighting saw is gone (not listed, or
// deleted and still listed), and its state.
func (s sighting) gone() (bool, string) {
	switch {
	case s.ep != nil:
		return live.EndpointPhase(string(s.ep.State)) == live.PhaseGone, string(s.ep.State)
	case s.sc != nil:
		return live.ServicePhase(string(s.sc.ServiceState)) == live.PhaseGone, string(s.sc.ServiceState)
	}
	return true, ""
}

// waitGone waits, up to DeleteTimeout, for the endpoint or service id that
// step s deleted to be gone.
func (r *runner) waitGone(ctx context.Context, s *step, w where, cl EC2API, kind pollKind, id string) *Error {
	return r.waitFor(ctx, s.cs.c, id+" to be deleted", r.opts.DeleteTimeout, w, cl, kind, id, func(sg sighting) (bool, string, *Error) {
		gone, state := sg.gone()
		return gone, state, nil
	})
}

// waiter is one wait registered with a poller.
type waiter struct {
	id string
	ch chan sighting // holds the latest sighting not yet taken
}

// poller polls one resource type in one account-region for its waiters.
type poller struct {
	r    *runner
	w    where
	kind pollKind
	cl   EC2API

	mu      sync.Mutex
	waiters map[*waiter]struct{}
	// final is the state each finished wait ended in, by id: a wait that
	// accepts more than one end state (an endpoint pendingAcceptance or
	// available) leaves which one it was for its caller (finalState).
	final   map[string]string
	running bool
	// idle is signalled when the last waiter leaves, so the loop ends
	// without sleeping out its interval.
	idle chan struct{}
	// hurry is signalled when a waiter joins a loop already running: its
	// first look comes a quarter interval later, not up to a whole one.
	hurry chan struct{}
}

// pollerFor returns the poller of an account-region and resource type.
func (r *runner) pollerFor(w where, kind pollKind, cl EC2API) *poller {
	key := w.account + "|" + w.region + "|" + string(kind)
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.pollers[key]
	if !ok {
		p = &poller{r: r, w: w, kind: kind, cl: cl, waiters: map[*waiter]struct{}{}, final: map[string]string{}, idle: make(chan struct{}, 1), hurry: make(chan struct{}, 1)}
		r.pollers[key] = p
	}
	return p
}

// join registers a wait for id and starts the poll loop if it is not
// running. The waits of one run share its context; the loop runs under the
// run's poll context (which ends with the run), or else under ctx.
func (p *poller) join(ctx context.Context, id string) *waiter {
	wt := &waiter{id: id, ch: make(chan sighting, 1)}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.waiters[wt] = struct{}{}
	if p.running {
		select {
		case p.hurry <- struct{}{}:
		default:
		}
	} else {
		p.running = true
		if p.r.pollCtx != nil {
			ctx = p.r.pollCtx
		}
		p.r.pollLoops.Add(1)
		go func() {
			defer p.r.pollLoops.Done()
			p.loop(ctx)
		}()
	}
	return wt
}

// finalState is the state the last finished wait for id ended in ("" if
// none did).
func (p *poller) finalState(id string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.final[id]
}

func (p *poller) leave(wt *waiter) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.waiters, wt)
	if len(p.waiters) == 0 {
		select {
		case p.idle <- struct{}{}:
		default:
		}
	}
}

// loop runs poll rounds, PollInterval apart, while anyone waits.
func (p *poller) loop(ctx context.Context) {
	for {
		p.mu.Lock()
		if len(p.waiters) == 0 {
			p.running = false
			p.mu.Unlock()
			return
		}
		ws := make([]*waiter, 0, len(p.waiters))
		seen := map[string]bool{}
		var ids []string
		for wt := range p.waiters {
			ws = append(ws, wt)
			if !seen[wt.id] {
				seen[wt.id] = true
				ids = append(ids, wt.id)
			}
		}
		p.mu.Unlock()
		sort.Strings(ids)

		found, calls, err := p.describe(ctx, ids)
		if h := p.r.opts.onPoll; h != nil {
			h(p.w.accountID, p.w.region, string(p.kind), len(ids), calls)
		}
		for _, wt := range ws {
			s := found[wt.id]
			s.err = err
			select {
			case <-wt.ch: // replace a sighting the waiter has not taken yet
			default:
			}
			wt.ch <- s
		}
		if ctx.Err() != nil {
			// Every waiter shares ctx and returns now; wait for them to leave.
			p.mu.Lock()
			p.running = false
			p.mu.Unlock()
			return
		}
		if !p.sleep(ctx) {
			p.mu.Lock()
			p.running = false
			p.mu.Unlock()
			return
		}
	}
}

// sleep waits PollInterval; once a waiter joined meanwhile, the next
// round comes as soon as a quarter interval has passed since the last:
// the first look at what apply just made (an endpoint's
// pendingAcceptance before its accept, its availability after) then
// waits at most a quarter round, not a whole one, for one more Describe
// call for all the account-region's waits. It returns false when the
// context ended or the last waiter left.
func (p *poller) sleep(ctx context.Context) bool {
	interval := p.r.opts.PollInterval
	start := time.Now()
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			return true
		case <-ctx.Done():
			return false
		case <-p.hurry:
			if left := interval - time.Since(start); left > interval/4 {
				t.Reset(max(interval/4-time.Since(start), 0))
			}
		case <-p.idle:
			p.mu.Lock()
			n := len(p.waiters)
			p.mu.Unlock()
			if n == 0 {
				return true // the loop sees nobody waits, and ends
			}
		}
	}
}

// describe issues the round's Describe calls: one per 200 ids and 1,000
// results. It returns what it saw by id and the number of calls made.
func (p *poller) describe(ctx context.Context, ids []string) (map[string]sighting, int, error) {
	found := make(map[string]sighting, len(ids))
	calls := 0
	for start := 0; start < len(ids); start += pollIDsPerCall {
		chunk := ids[start:min(start+pollIDsPerCall, len(ids))]
		filters := []types.Filter{{Name: aws.String(p.kind.idFilter()), Values: chunk}}
		var next *string
		for {
			calls++
			var err error
			switch p.kind {
			case pollEndpoints:
				next, err = pollPage(ctx, p, found, p.cl.DescribeVpcEndpoints,
					&ec2.DescribeVpcEndpointsInput{Filters: filters, MaxResults: aws.Int32(pollPageSize), NextToken: next},
					func(o *ec2.DescribeVpcEndpointsOutput) ([]types.VpcEndpoint, *string) {
						return o.VpcEndpoints, o.NextToken
					},
					func(ep *types.VpcEndpoint) (*string, sighting) { return ep.VpcEndpointId, sighting{ep: ep} })
			default:
				next, err = pollPage(ctx, p, found, p.cl.DescribeVpcEndpointServiceConfigurations,
					&ec2.DescribeVpcEndpointServiceConfigurationsInput{Filters: filters, MaxResults: aws.Int32(pollPageSize), NextToken: next},
					func(o *ec2.DescribeVpcEndpointServiceConfigurationsOutput) ([]types.ServiceConfiguration, *string) {
						return o.ServiceConfigurations, o.NextToken
					},
					func(sc *types.ServiceConfiguration) (*string, sighting) { return sc.ServiceId, sighting{sc: sc} })
			}
			if err != nil {
				var api smithy.APIError
				if errors.As(err, &api) && notFound(api.ErrorCode()) {
					// Filters do not fail on unknown ids; should a reply
					// say NotFound anyway, nothing of the chunk is visible.
					break
				}
				return nil, calls, err
			}
			if aws.ToString(next) == "" {
				break
			}
		}
	}
	return found, calls, nil
}

// bounded gives one call its own deadline, describeTimeout; a call that
// has not answered by then fails with a noAnswerError.
func (p *poller) bounded(fn func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		d := p.r.opts.describeTimeout
		if d <= 0 {
			d = describeCallTimeout
		}
		cctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		err := fn(cctx)
		if err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
			return &noAnswerError{after: d}
		}
		return err
	}
}

// pollPage makes one Describe call of a poll round (describe with in),
// recorded and bounded, and records by id (seen) each resource the page
// lists (items) in found. It returns the next page's token.
func pollPage[In, Out, Item any](ctx context.Context, p *poller, found map[string]sighting,
	describe func(context.Context, *In, ...func(*ec2.Options)) (*Out, error), in *In,
	items func(*Out) ([]Item, *string), seen func(*Item) (id *string, s sighting)) (*string, error) {
	var out *Out
	err := p.r.callAt(ctx, p.w, classDescribe, string(p.kind), p.bounded(func(ctx context.Context) (err error) {
		out, err = describe(ctx, in)
		return err
	}))
	if err != nil {
		return nil, err
	}
	page, next := items(out)
	for i := range page {
		item := page[i]
		id, s := seen(&item)
		found[aws.ToString(id)] = s
	}
	return next, nil
}

// waitFor waits, through the poller of the account-region and resource type,
// until judge says the resource id is done, fails, or timeout passes (also
// while a poll call hangs). judge gets each round's sighting (ep or sc nil
// when the resource did not come back) and returns the state it saw, for
// events and the timeout message. A waiting Event is emitted when the wait
// starts and whenever the observed state changes. pollErrorsTolerated
// failed poll rounds in a row fail the wait, with the last round's error.
// Errors are explained for w, where the resource lives.
func (r *runner) waitFor(ctx context.Context, c *plan.Change, what string, timeout time.Duration,
	w where, cl EC2API, kind pollKind, id string, judge func(s sighting) (done bool, state string, err *Error)) *Error {
	start := time.Now()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	defer r.waiting(kind)()
	p := r.pollerFor(w, kind, cl)
	wt := p.join(ctx, id)
	defer p.leave(wt)
	last := "\x00"
	answered := false // a poll round answered
	failures := 0     // poll rounds failed in a row
	var lastErr error
	gaveUp := func() *Error {
		now := "still " + last
		switch {
		case !answered:
			now = fmt.Sprintf("no %s call answered", kind)
		case last == "":
			now = "still not visible"
		}
		msg := fmt.Sprintf("gave up waiting for %s after %s: %s", what, timeout, now)
		if lastErr != nil {
			msg += fmt.Sprintf("; the last poll failed: %v", toErrorAt(string(kind), w, lastErr))
		}
		return &Error{Call: "wait", Code: "Timeout", Message: msg, Hint: hintAt("Timeout", "wait", w)}
	}
	for {
		var s sighting
		select {
		case <-ctx.Done():
			return toErrorAt("wait", w, ctx.Err())
		case <-r.opts.Stop:
			return errStopped(what)
		case <-deadline.C:
			return gaveUp()
		case s = <-wt.ch:
		}
		if s.err != nil {
			if ctx.Err() != nil {
				return toErrorAt("wait", w, ctx.Err())
			}
			failures++
			lastErr = s.err
			if failures >= pollErrorsTolerated {
				e := toErrorAt(string(kind), w, s.err)
				e.Message += fmt.Sprintf(" (%d poll rounds in a row failed)", failures)
				return e
			}
			continue
		}
		failures, lastErr = 0, nil
		answered = true
		done, state, err := judge(s)
		if err != nil || done {
			if done {
				p.mu.Lock()
				p.final[id] = state
				p.mu.Unlock()
			}
			return err
		}
		if state != last {
			msg := fmt.Sprintf("waiting for %s (timeout %s)", what, timeout)
			if state != "" {
				msg = fmt.Sprintf("waiting for %s, now %s (timeout %s)", what, state, timeout)
			}
			r.emit(c, ProgressWaiting, msg, time.Since(start))
			last = state
		}
		if time.Since(start) >= timeout {
			return gaveUp()
		}
	}
}
