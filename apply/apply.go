package apply

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/plan"
)

// Defaults of Options.
const (
	DefaultTimeout      = 10 * time.Minute
	DefaultPollInterval = 2 * time.Second
)

// Options tune Run. The zero value is usable.
type Options struct {
	// Project is the value of the plink:project tag on what Run creates or
	// adopts; empty means the plan's Project.
	Project string
	// Parallelism bounds the mutating calls in flight per account-region
	// and action class. Zero keeps AWS's burst sizes: 4 for endpoint
	// create/modify/delete, 10 for service configuration, permissions,
	// notifications and accept/reject. Describe calls are bounded to 20.
	Parallelism int
	// ServiceTimeout bounds the wait for a new service to be Available,
	// EndpointTimeout the wait for an endpoint to reach pendingAcceptance or
	// available (and for a connection to appear for acceptance),
	// DeleteTimeout the wait for a deletion to finish. Zero means
	// DefaultTimeout.
	ServiceTimeout  time.Duration
	EndpointTimeout time.Duration
	DeleteTimeout   time.Duration
	// Heartbeat is how often, while anything is waited for, an event with
	// Progress ProgressHeartbeat says how many waits are open and for how long
	// ("still waiting: 3 endpoints, 40s"); zero means DefaultHeartbeat,
	// negative turns it off.
	Heartbeat time.Duration
	// PollInterval is the pause between poll rounds while waiting; zero
	// means DefaultPollInterval. A round makes one Describe call per
	// account-region and resource type for everything waited on there
	// (more only past 200 ids or 1,000 results), however many resources wait.
	PollInterval time.Duration
	// Events, when set, receives progress. Calls are serialized.
	Events func(Event)
	// Pace spaces mutating and describe calls to AWS's documented throttling
	// buckets per account and region (e.g. CreateVpcEndpoint: burst 4, then
	// 0.3 per second), so large applies against AWS are not throttled into
	// failure. Off for the sandbox, which does not throttle unless asked.
	Pace bool
	// Targets limits the run to these addresses, their children (a
	// provider's principals, connections and notifications) and everything
	// they depend on. Other changes are reported as excluded.
	Targets []string
	// Stop, when closed, stops the run the way a first Ctrl-C does: no new
	// step starts and waits end at once (reported as interrupted), while
	// AWS calls in flight go on under ctx and finish, so the result says
	// exactly what was done. Cancel ctx to abandon those calls too.
	Stop <-chan struct{}
	// NoWait returns once every call is made, without waiting for created
	// or modified endpoints to become usable (the CLI's --no-wait); the
	// result then says which are still settling.
	NoWait bool
	// Ended, when set, is told the address of each change of the plan once
	// apply will do nothing more to it: every step of it has ended (done,
	// failed or skipped), its waits included; a change the targets exclude
	// is told at the start. Calls come from the scheduler, one at a time,
	// in no particular order. The engine reads what the run has finished
	// changing while the rest of it goes on (reconcile/early.go).
	Ended func(address string)

	// onPoll, when set (by tests), is told of every poll round: the
	// account-region and Describe action, how many ids were pending and how
	// many calls the round made.
	onPoll func(accountID, region, action string, ids, calls int)
	// describeTimeout, when set (by tests), replaces describeCallTimeout.
	describeTimeout time.Duration
}

func (o Options) withDefaults(p *plan.Plan) Options {
	if o.Project == "" {
		o.Project = p.Project
	}
	for _, d := range []*time.Duration{&o.ServiceTimeout, &o.EndpointTimeout, &o.DeleteTimeout} {
		if *d <= 0 {
			*d = DefaultTimeout
		}
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	return o
}

// ErrFailed is wrapped by the error Run returns when a change failed or was
// not attempted; the Result says which.
var ErrFailed = errors.New("apply did not finish")

// Run executes the plan's changes (no-ops are skipped) and returns what
// happened to each. Independent changes run concurrently; a change whose
// dependency failed is not attempted, while independent work goes on. The
// returned error is nil when every change in scope is done; it wraps
// ErrFailed when some failed or were not attempted (the Result is complete
// then too), and it is another error, with a nil Result, when the plan
// cannot be applied at all (error diagnostics, unknown actions, targets not
// in the plan).
func Run(ctx context.Context, p *plan.Plan, c Clients, opts Options) (*Result, error) {
	if p == nil {
		return nil, errors.New("apply: no plan given")
	}
	if c == nil {
		return nil, errors.New("apply: no AWS clients given")
	}
	var diags []string
	for _, d := range p.Diagnostics {
		if d.Severity == plan.SeverityError {
			diags = append(diags, d.Address+": "+d.Message)
		}
	}
	if len(diags) > 0 {
		return nil, fmt.Errorf("the plan has %d error diagnostic(s) and cannot be applied; fix the manifest and plan again:\n  %s",
			len(diags), strings.Join(diags, "\n  "))
	}
	opts = opts.withDefaults(p)
	if opts.Project == "" {
		return nil, errors.New("apply: the plan names no project, and the project tag cannot be empty; set project: in the manifest")
	}
	g, err := buildScheduleSettled(p, !opts.NoWait)
	if err != nil {
		return nil, err
	}
	if err := g.applyTargets(opts.Targets); err != nil {
		return nil, err
	}
	r := newRunner(p, g, c, opts)
	res := r.run(ctx)
	s := res.Summary()
	if s.Failed > 0 || s.NotAttempted > 0 {
		return res, fmt.Errorf("%w: %d failed, %d not attempted, %d done", ErrFailed, s.Failed, s.NotAttempted, s.Done)
	}
	return res, nil
}

// output is what a change produced (or, before it runs, what the plan
// knows): the ids later changes refer to.
type output struct {
	ID          string
	ServiceName string
	Created     bool
}

type runner struct {
	p       *plan.Plan
	g       *schedule
	clients Clients
	opts    Options

	mu      sync.Mutex
	outputs map[string]output
	ec2     map[string]EC2API
	sems    map[string]chan struct{}
	// limiters pace calls to AWS's throttling buckets (Options.Pace).
	limiters map[string]*rate.Limiter
	// pollers share the Describe calls of waits, per account-region and
	// resource type.
	pollers map[string]*poller
	// pollCtx, when set, is what poll loops run under: run ends it, and
	// waits on pollLoops, so that no poll call outlives Run.
	pollCtx   context.Context
	pollLoops sync.WaitGroup

	evMu sync.Mutex

	// ids are the plan's live ids by the address that holds them (heldBy).
	idsOnce sync.Once
	ids     map[string]string

	// waits counts the waits in progress by what they poll, for the
	// heartbeat; waitSince is when the current stretch of waiting began.
	waitMu    sync.Mutex
	waits     map[pollKind]int
	waitSince time.Time

	// awaiting holds, by address, what a done change left waiting for
	// someone else (ChangeResult.Awaiting; settle.go).
	awaiting sync.Map
	// kept holds the addresses of rejects that a fresh read showed to be of
	// this project's endpoints (StatusKept; confirm.go).
	kept sync.Map

	// accepts are the accepts in scope by endpoint address (acceptedHere);
	// gatewayServices the service changes of Gateway Load Balancers
	// (endpointType).
	accepts         map[string][]*changeState
	gatewayServices []*plan.Change
}

func newRunner(p *plan.Plan, g *schedule, c Clients, opts Options) *runner {
	r := &runner{p: p, g: g, clients: c, opts: opts,
		outputs: map[string]output{}, ec2: map[string]EC2API{}, sems: map[string]chan struct{}{}, limiters: map[string]*rate.Limiter{},
		pollers: map[string]*poller{}, waits: map[pollKind]int{}, accepts: acceptsByEndpoint(g), gatewayServices: gatewayServicesOf(p)}
	for _, cs := range g.changes {
		o := output{ID: cs.c.ID}
		for _, v := range []*plan.Values{cs.c.Before, cs.c.After} {
			if v != nil && v.ServiceName != "" && cs.c.Kind == plan.KindService {
				o.ServiceName = v.ServiceName
			}
		}
		r.outputs[cs.c.Address] = o
	}
	return r
}

// unit is what one worker runs: a single step, or a batch of steps that share
// one AWS call.
type unit struct {
	steps []*step
	run   []*step
}

func (r *runner) units() []*unit {
	var out []*unit
	batches := map[string]*unit{}
	for _, s := range r.g.steps {
		if s.cs.excluded {
			continue
		}
		if s.batch == "" {
			out = append(out, &unit{steps: []*step{s}})
			continue
		}
		u, ok := batches[s.batch]
		if !ok {
			u = &unit{}
			batches[s.batch] = u
			out = append(out, u)
		}
		u.steps = append(u.steps, s)
	}
	return out
}

// endedCounter returns what the scheduler calls as each step ends: it
// tells Options.Ended of a change once its last step has (and, at once,
// of every change the targets exclude).
func (r *runner) endedCounter() func(*step) {
	if r.opts.Ended == nil {
		return func(*step) {}
	}
	open := make(map[*changeState]int, len(r.g.changes))
	for _, cs := range r.g.changes {
		if cs.excluded || len(cs.steps) == 0 {
			r.opts.Ended(cs.c.Address)
			continue
		}
		open[cs] = len(cs.steps)
	}
	return func(s *step) {
		if n, ok := open[s.cs]; ok {
			if n == 1 {
				delete(open, s.cs)
				r.opts.Ended(s.cs.c.Address)
				return
			}
			open[s.cs] = n - 1
		}
	}
}

// pollDrain is how long the end of a run waits for poll rounds in flight.
const pollDrain = 2 * time.Second

func (r *runner) run(ctx context.Context) *Result {
	res := &Result{Project: r.opts.Project, Started: time.Now()}
	pollCtx, stopPolls := context.WithCancel(ctx)
	r.pollCtx = pollCtx
	defer func() {
		// Every wait has left by now, so each poll loop ends after the
		// round it is in: let that round's call finish rather than cancel
		// it mid-flight (AWS would still carry it out, after apply has
		// returned). A round still going after pollDrain (retrying through
		// throttling, or the run was stopped) is cancelled.
		drained := make(chan struct{})
		go func() { r.pollLoops.Wait(); close(drained) }()
		select {
		case <-drained:
		case <-time.After(pollDrain):
		case <-ctx.Done():
		}
		stopPolls()
		<-drained
	}()
	stopBeat := r.heartbeat(ctx)
	defer stopBeat()
	units := r.units()
	q := newReadyQueue(units)
	ended := r.endedCounter()
	finished := func(s *step) {
		q.finished(s)
		ended(s)
	}
	done := make(chan *unit)
	running := 0
	for {
		progressed := false
		for i := q.next(); i >= 0; i = q.next() {
			u := units[i]
			progressed = true
			u.run = nil
			for _, s := range u.steps {
				if d := s.failedDep(); d != nil {
					s.state = stateSkipped
					switch {
					case d.state == stateFailed && d.cs.c.Address == s.cs.c.Address:
						s.root = d.cs.c.Address
						s.reason = "an earlier step of this change failed"
					case d.state == stateFailed:
						s.root = d.cs.c.Address
						s.reason = "depends on " + s.root + ", which failed"
					case d.root != "":
						s.root = d.root
						s.reason = "depends on " + s.root + ", which failed"
					default:
						s.reason = d.reason
					}
					r.emit(s.cs.c, ProgressSkipped, s.reason, 0)
					finished(s)
					continue
				}
				if ctx.Err() != nil || r.stopped() {
					s.state = stateSkipped
					s.reason = "the run was interrupted before it started"
					r.emit(s.cs.c, ProgressSkipped, s.reason, 0)
					finished(s)
					continue
				}
				u.run = append(u.run, s)
			}
			if len(u.run) == 0 {
				continue
			}
			running++
			go func(u *unit) {
				r.exec(ctx, u.run)
				done <- u
			}(u)
		}
		q.endPass()
		if progressed {
			continue
		}
		if running == 0 {
			break
		}
		u := <-done
		running--
		for _, s := range u.run {
			if s.err != nil {
				s.state = stateFailed
			} else {
				s.state = stateDone
			}
			finished(s)
		}
	}
	res.Finished = time.Now()
	r.fillResult(res)
	return res
}

// readyQueue tracks which units may start: a unit is ready once every
// step its steps depend on or come after has ended. Each unit counts the
// dependencies still open, and a step that ends counts down the units
// waiting for it, so that finding the ready units costs each edge of the
// graph once instead of a scan of every unit after every step (at 10,000
// consumers, 40,000 units after each of 40,000 steps: most of apply's CPU).
//
// Units start in passes, as a scan of units in order would start them: a
// pass takes the ready units by index; one made ready during the pass (a
// step skipped) is taken in the same pass if it comes after the unit
// being started, else in the next pass.
type readyQueue struct {
	open     []int           // by unit: dependencies not ended yet
	waiting  map[*step][]int // the units waiting for a step, once per edge
	ready    intHeap         // ready units of this pass
	deferred []int           // ready units of the next pass
	cursor   int             // the unit last taken in this pass, or -1
}

func newReadyQueue(units []*unit) *readyQueue {
	q := &readyQueue{open: make([]int, len(units)), waiting: map[*step][]int{}, cursor: -1}
	for i, u := range units {
		for _, s := range u.steps {
			for _, deps := range [][]*step{s.deps, s.after} {
				for _, d := range deps {
					if !d.terminal() {
						q.open[i]++
						q.waiting[d] = append(q.waiting[d], i)
					}
				}
			}
		}
		if q.open[i] == 0 {
			q.ready = append(q.ready, i) // in order: already a heap
		}
	}
	return q
}

// finished counts down the units waiting for s, which has just ended.
func (q *readyQueue) finished(s *step) {
	for _, i := range q.waiting[s] {
		if q.open[i]--; q.open[i] > 0 {
			continue
		}
		if i < q.cursor {
			q.deferred = append(q.deferred, i)
		} else {
			heap.Push(&q.ready, i)
		}
	}
	delete(q.waiting, s)
}

// next takes the first ready unit of this pass, or returns -1 at its end.
func (q *readyQueue) next() int {
	if len(q.ready) == 0 {
		return -1
	}
	q.cursor = heap.Pop(&q.ready).(int)
	return q.cursor
}

// endPass ends a pass: the units deferred to the next one are ready.
func (q *readyQueue) endPass() {
	q.cursor = -1
	for _, i := range q.deferred {
		heap.Push(&q.ready, i)
	}
	q.deferred = q.deferred[:0]
}

// intHeap is a min-heap of unit indexes (container/heap).
type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (s *step) failedDep() *step {
	for _, d := range s.deps {
		if d.state == stateFailed || d.state == stateSkipped {
			return d
		}
	}
	return nil
}

func (r *runner) fillResult(res *Result) {
	res.Created = map[string]string{}
	r.mu.Lock()
	for a, o := range r.outputs {
		if o.Created {
			res.Created[a] = o.ID
		}
	}
	r.mu.Unlock()
	for _, cs := range r.g.changes {
		c := cs.c
		cr := ChangeResult{Address: c.Address, Kind: c.Kind, Action: c.Action, Account: c.Account,
			AccountID: c.AccountID, Region: c.Region}
		r.mu.Lock()
		cr.ID = r.outputs[c.Address].ID
		r.mu.Unlock()
		if cs.excluded {
			cr.Status = StatusExcluded
			cr.Reason = "not targeted"
			res.Changes = append(res.Changes, cr)
			continue
		}
		var notes []string
		var failed, skipped *step
		for _, s := range cs.steps {
			switch s.state {
			case stateDone:
				if s.note != "" {
					notes = append(notes, s.note)
				}
			case stateFailed:
				if failed == nil {
					failed = s
				}
				if s.note != "" {
					notes = append(notes, s.note)
				}
			case stateSkipped, statePending:
				if skipped == nil {
					skipped = s
				}
			}
		}
		cr.Message = strings.Join(notes, "; ")
		switch {
		case failed != nil:
			cr.Status = StatusFailed
			cr.Error = failed.err
		case skipped != nil && skipped.root != "" && skipped.root != c.Address && mainDone(cs) && (skipped.stage == stDNS || skipped.stage == stSettle):
			// The change itself is done (the endpoint made, the connection
			// accepted); what comes after it waits for a change that failed.
			cr.Status = StatusDone
			cr.Awaiting = deferredStage(skipped)
		case skipped != nil:
			cr.Status = StatusNotAttempted
			cr.Reason = skipped.reason
			if skipped.reason == "" {
				cr.Reason = "not started"
			}
			if skipped.stage != stMain {
				cr.Reason = skipped.stage.String() + " not attempted: " + cr.Reason
			}
		default:
			cr.Status = StatusDone
			if _, ok := r.kept.Load(c.Address); ok {
				cr.Status = StatusKept
			}
			if why, ok := r.awaiting.Load(c.Address); ok {
				cr.Awaiting = why.(string)
			}
		}
		res.Changes = append(res.Changes, cr)
	}
}

// mainDone reports whether a change's own step (stMain) is done.
func mainDone(cs *changeState) bool {
	for _, s := range cs.steps {
		if s.stage == stMain {
			return s.state == stateDone
		}
	}
	return false
}

// deferredStage says what a done change left for later because the change
// its later stage depends on failed (ChangeResult.Awaiting).
func deferredStage(s *step) string {
	if s.stage == stDNS {
		return "private DNS is still off: turning it on waits for " + s.root + ", which failed; plink apply turns it on once that is fixed"
	}
	return "not waited for until usable: " + s.reason
}

func (r *runner) emit(c *plan.Change, ph Progress, msg string, elapsed time.Duration) {
	if r.opts.Events == nil {
		return
	}
	r.evMu.Lock()
	defer r.evMu.Unlock()
	r.opts.Events(Event{Time: time.Now(), Address: c.Address, Action: c.Action, Progress: ph, Message: msg, Elapsed: elapsed})
}

func (r *runner) setOutput(addr string, o output) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.outputs[addr] = o
}

func (r *runner) output(addr string) output {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.outputs[addr]
}

// parentID is the live id of a change's parent service: the plan's ParentID,
// or the id of the service created for Parent in this run.
func (r *runner) parentID(c *plan.Change) string {
	if c.ParentID != "" {
		return c.ParentID
	}
	if a := c.Refs["serviceId"]; a != "" {
		if id := r.output(a).ID; id != "" {
			return id
		}
	}
	return r.output(c.Parent).ID
}

// where is an account alias and region a call goes to.
type where struct{ account, accountID, region string }

// scopeOf is where a step acts: where its change lives, or for deleting
// what a replace removes, where the old resource lived (Change.Prior*).
func scopeOf(s *step) where {
	c := s.cs.c
	w := where{c.Account, c.AccountID, c.Region}
	if s.stage == stDeleteOld {
		if c.PriorAccount != "" {
			w.account, w.accountID = c.PriorAccount, c.PriorAccountID
		}
		if c.PriorRegion != "" {
			w.region = c.PriorRegion
		}
	}
	return w
}

// changeScope is where a change lives.
func changeScope(c *plan.Change) where { return where{c.Account, c.AccountID, c.Region} }

// client returns the EC2 client of a change's account and region.
func (r *runner) client(ctx context.Context, c *plan.Change) (EC2API, *Error) {
	return r.clientAt(ctx, c, changeScope(c))
}

func (r *runner) clientAt(ctx context.Context, c *plan.Change, w where) (EC2API, *Error) {
	key := w.account + "|" + w.region
	r.mu.Lock()
	cl, ok := r.ec2[key]
	r.mu.Unlock()
	if ok {
		return cl, nil
	}
	cl, err := r.clients.EC2(ctx, w.account, w.region)
	if err != nil {
		return nil, &Error{Call: "credentials", Code: "ClientError", Message: err.Error(), Err: err,
			Hint: fmt.Sprintf("check how account %s is reached (profile or roleArn in the manifest) and that its credentials are valid", w.account)}
	}
	r.mu.Lock()
	r.ec2[key] = cl
	r.mu.Unlock()
	return cl, nil
}

// Action classes of the per-account-region semaphores.
const (
	classEndpoint = "endpoint"
	classService  = "service"
	classDescribe = "describe"
)

func (r *runner) sem(c *plan.Change, class string) chan struct{} {
	return r.semAt(c.Account, c.Region, class)
}

func (r *runner) semAt(account, region, class string) chan struct{} {
	key := account + "|" + region + "|" + class
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sems[key]
	if !ok {
		n := 20
		switch class {
		case classEndpoint:
			n = 4
		case classService:
			n = 10
		}
		if r.opts.Parallelism > 0 && class != classDescribe {
			n = r.opts.Parallelism
		}
		s = make(chan struct{}, n)
		r.sems[key] = s
	}
	return s
}

// call runs one AWS call of a change under the bound and pacing of its
// account-region.
func (r *runner) call(ctx context.Context, c *plan.Change, class, action string, fn func(context.Context) error) *Error {
	return r.callIn(ctx, changeScope(c), class, action, fn)
}

// callIn runs one AWS call in an account-region (for a step, scopeOf) under
// its bound and pacing; errors are explained for that account-region.
func (r *runner) callIn(ctx context.Context, w where, class, action string, fn func(context.Context) error) *Error {
	if err := r.callAt(ctx, w, class, action, fn); err != nil {
		return toErrorAt(action, w, err)
	}
	return nil
}

// callAt runs one AWS call in an account-region under its bound and pacing.
func (r *runner) callAt(ctx context.Context, w where, class, action string, fn func(context.Context) error) error {
	s := r.semAt(w.account, w.region, class)
	select {
	case s <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-r.opts.Stop:
		return errNotStarted
	}
	defer func() { <-s }()
	if l := r.limiter(w.account, w.region, action); l != nil {
		if err := l.Wait(ctx); err != nil {
			return err
		}
		// A retry waits for a token too, or it takes the next call's.
		ctx = awsenv.PaceRetries(ctx, l.Wait)
	}
	if r.stopped() {
		return errNotStarted // a call not yet sent is new work
	}
	return fn(ctx)
}

// errNotStarted is a call that Options.Stop kept from being sent.
var errNotStarted = errors.New("not sent: the run was stopped")

// stopped reports whether Options.Stop is closed.
func (r *runner) stopped() bool {
	select {
	case <-r.opts.Stop:
		return true
	default:
		return false
	}
}

// errStopped ends a wait when the run is stopped: what it waited for was
// done, but whether it became usable is not known.
func errStopped(what string) *Error {
	return &Error{Call: "wait", Code: "Interrupted", Message: "stopped while waiting for " + what,
		Hint: "run plink apply again: it plans from live state and finishes the job"}
}
