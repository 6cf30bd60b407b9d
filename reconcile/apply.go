package reconcile

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/reconcile/shard"
)

// Stopping is how a run stops once its context is done: nothing new
// starts and waits end at once, while calls in flight get InFlight to
// finish (so the summary is exact); then they are abandoned.
type Stopping struct {
	InFlight time.Duration
}

// calls returns the context apply's calls run under: it outlives ctx by
// st.InFlight, and stop is closed as ctx ends.
func (st Stopping) calls(ctx context.Context) (callCtx context.Context, stop <-chan struct{}, done func()) {
	ch := make(chan struct{})
	callCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	unhook := context.AfterFunc(ctx, func() {
		close(ch)
		time.AfterFunc(st.InFlight, cancel)
	})
	return callCtx, ch, func() { unhook(); cancel() }
}

// Apply carries out the runnable changes of p (those that wait for no
// other shard) with apply.Run, decodes what AWS refused where the
// credentials may, and returns apply's result and error. A failed run of
// a shard waits for no other shard: what it would have made once they had
// applied is added to the result as not attempted. Unless the run then
// waits for other shards, Confirm's read of m starts beside it, each
// account-region once the run can change nothing there (early.go).
func (s *Session) Apply(ctx context.Context, m *manifest.Manifest, p *plan.Plan, opts apply.Options, st Stopping) (*apply.Result, error) {
	callCtx, stop, done := st.calls(ctx)
	defer done()
	opts.Stop = stop
	run := Runnable(p)
	s.dropEarly()
	if m != nil && !s.ShardWaits() {
		e := s.confirmEarly(ctx, m, run)
		s.early = e
		told := opts.Ended
		opts.Ended = func(addr string) {
			e.gates.ended(addr)
			if told != nil {
				told(addr)
			}
		}
	}
	res, err := apply.Run(callCtx, run, apply.FromClientSource(s.source(s.resolver)), opts)
	if res == nil || err != nil || ctx.Err() != nil {
		s.dropEarly() // Confirm does not follow
	} else if s.early != nil {
		s.early.gates.release() // every change has ended
	}
	if res == nil {
		return nil, err
	}
	apply.Explain(callCtx, res, s.authzDecoder()) // what AWS refused, decoded when the credentials may
	if err != nil && s.shard != nil {
		s.notAttempted(res, s.shard.waiting, "apply failed before it could wait for another shard's ")
	}
	return res, err
}

// ApplyOptions completes apply's options for the session: paced to AWS's
// buckets, or polling the sandbox often.
func (s *Session) ApplyOptions(opts apply.Options) apply.Options {
	if s.sandbox != nil {
		opts.PollInterval = 100 * time.Millisecond
	} else {
		opts.Pace = true // stay inside AWS's throttling buckets
	}
	return opts
}

// ShardWaitOutcome is what a shard wait left: the errors of the last plan
// read while waiting, when waits were still open.
type ShardWaitOutcome struct {
	Blocked []string
}

// AwaitShards is apply's shard wait. Shards of a matrix run at once, and
// some of a shard's changes need another shard's work first: a consumer
// whose service another shard is creating, the accept of a connection
// from an endpoint another shard is creating. The plan listed those as
// waiting; here the session polls live state for up to the shard wait and
// carries each out once it is possible, so that one parallel round
// converges and a second changes nothing. Only what the plan said waits
// is done: a waiting create, or the accept of the declared consumer it
// named, never a reject or delete the plan did not show. The results are
// appended to res; the waits still open when time runs out stay in the
// session (WaitNotes), for the next run.
func (s *Session) AwaitShards(ctx context.Context, m *manifest.Manifest, opts apply.Options, st Stopping, res *apply.Result) (ShardWaitOutcome, error) {
	var out ShardWaitOutcome
	if !s.ShardWaits() {
		return out, nil
	}
	callCtx, stop, done := st.calls(ctx)
	defer done()
	opts.Stop = stop
	sr := s.shard
	pending := map[string]bool{}
	maps.Copy(pending, sr.waiting)
	maps.Copy(pending, sr.awaited)
	defer func() { // what is still open
		for w := range sr.waiting {
			if !pending[w] {
				delete(sr.waiting, w)
			}
		}
		for w := range sr.awaited {
			if !pending[w] {
				delete(sr.awaited, w)
			}
		}
	}()
	sel, sm := sr.sel, s.shardManifest(m)
	deadline := time.Now().Add(s.opts.ShardWait)
	var blocked []string // the last plan's errors
	pause := 10 * time.Second
	if s.sandbox != nil {
		pause = 200 * time.Millisecond
	}
	for len(pending) > 0 && ctx.Err() == nil {
		s.opts.Hooks.activity("waiting for other shards (%s and accepts of this shard)", plural(len(pending), "change"))
		snap, err := live.Read(ctx, sm, s.source(s.resolver), live.ReadOptions{PerScope: s.opts.Parallelism, Shard: s.shardReadOption()})
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return out, fmt.Errorf("waiting for other shards: %w", err)
		}
		full := plan.Compute(sm, snap, s.planOptions())
		own, waitingNow := shard.Filter(full, sel)
		// A plan with errors is a moment between another shard's calls
		// (a service made, its principal not yet): look again later.
		blocked = ErrorDiagnostics(own)
		if len(blocked) == 0 {
			before := maps.Clone(pending)
			run := shard.Ready(pending, own, full, waitingNow, snap)
			settled(res, before, pending)
			if len(run) > 0 {
				sub := *own
				sub.Changes = run
				r, err := apply.Run(callCtx, &sub, apply.FromClientSource(s.source(s.resolver)), opts)
				apply.Explain(callCtx, r, s.authzDecoder())
				mergeResult(res, r)
				if err != nil {
					return out, err
				}
				before := maps.Clone(pending)
				for _, c := range run {
					sr.planned[c.Address] = true
					delete(pending, c.Address)
					delete(pending, shard.AcceptKey(c))
				}
				settled(res, before, pending)
				continue // look again at once: what this made may unblock more
			}
		}
		if len(pending) == 0 || !time.Now().Before(deadline) {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(min(pause, time.Until(deadline))):
		}
	}
	if ctx.Err() != nil {
		// Interrupted: what still waited was not attempted, and the
		// summary says so, as it does for an interrupted wait of apply's.
		s.notAttempted(res, pending, "interrupted while waiting for another shard's ")
	}
	if len(pending) > 0 && len(blocked) > 0 {
		out.Blocked = blocked
	}
	return out, nil
}

// ErrorDiagnostics are p's errors, one line each: code, address and
// message (most messages begin with their address: it is not repeated).
func ErrorDiagnostics(p *plan.Plan) []string {
	var out []string
	for _, d := range p.Diagnostics {
		if d.Severity != plan.SeverityError {
			continue
		}
		if d.Address == "" || strings.HasPrefix(d.Message, d.Address) {
			out = append(out, d.Code+" "+d.Message) // the message names it already
		} else {
			out = append(out, fmt.Sprintf("%s %s: %s", d.Code, d.Address, d.Message))
		}
	}
	return out
}

// Settle waits, when nothing is left to change but a resource of the
// manifest is still on its way (an endpoint pending after a run was
// killed mid-create), until it arrives or the time is past until. It
// only reads, so it needs no lease. It returns the last plan read; a plan
// that has changes again ends the wait (the next run makes them).
func (s *Session) Settle(ctx context.Context, m *manifest.Manifest, p *plan.Plan, snap *live.Snapshot, until time.Time) *plan.Plan {
	for plan.Settling(p, snap) && time.Now().Before(until) {
		s.opts.Hooks.activity("waiting for resources on their way: %s", strings.Join(p.Unsettled, "; "))
		select {
		case <-ctx.Done():
			return p
		case <-time.After(s.confirmPause()):
		}
		next, err := s.Plan(ctx, m, PlanRequest{})
		if err != nil || Runnable(next.Plan).HasChanges() {
			return p // the verdict says what is unsettled; the next run plans the rest
		}
		p, snap = next.Plan, next.Snapshot
	}
	return p
}

// Replan reads live state again once the lease is held and returns that
// plan, with the first difference from the approved plan ("" when its
// changes are the approved ones, or fewer of them: one made meanwhile is
// a no-op now), as a saved plan is checked: the approved plan was read
// without the lease, so another run may have changed live state before
// this one took it. The read is the one Lock started once the lease was
// written, when no rival showed.
func (s *Session) Replan(ctx context.Context, m *manifest.Manifest, approved *plan.Plan) (*plan.Plan, string, error) {
	now, err := s.planUnderLease(ctx, m)
	if err != nil {
		return nil, "", err
	}
	s.leased = now.Snapshot
	return now.Plan, leaseDifference(s.shard != nil, approved, now.Plan), nil
}

// Confirmed is apply's confirming read.
type Confirmed struct {
	// After is the plan read after apply, without the changes this shard
	// did not plan (they became possible meanwhile: the next run's).
	After *plan.Plan
	// Left are the changes still planned within the targets.
	Left []string
	// BecamePossible counts the changes left out of After that no longer
	// wait for another shard.
	BecamePossible int
}

// confirmRetries is how many times apply's confirming read is repeated
// while it still finds a difference.
const confirmRetries = 3

// Confirm reads live state again after apply: a fresh read must plan no
// changes within targets. AWS's reads are eventually consistent: what
// apply just made may be missing from a list for a moment even after it
// was seen by id, so a difference is read again a few times before it
// counts.
func (s *Session) Confirm(ctx context.Context, m *manifest.Manifest, targets []string) (*Confirmed, error) {
	var out Confirmed
	for try := 0; ; try++ {
		var now *Planned
		if try == 0 {
			now = s.takeEarly(ctx, m) // read beside apply, when it was
		}
		if now == nil {
			var err error
			if now, err = s.Plan(ctx, m, PlanRequest{}); err != nil {
				return nil, err
			}
		}
		out.After, out.BecamePossible = s.unblocked(now.Plan)
		out.Left = Remaining(out.After, targets)
		if len(out.Left) == 0 || try == confirmRetries || ctx.Err() != nil {
			return &out, nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(s.confirmPause()):
		}
	}
}

// confirmPause is the pause between confirming reads: AWS settles within
// seconds; the sandbox at once.
func (s *Session) confirmPause() time.Duration {
	if s.sandbox != nil {
		return 200 * time.Millisecond
	}
	return 3 * time.Second
}

// Remaining lists changes still planned, within targets.
func Remaining(p *plan.Plan, targets []string) []string {
	var out []string
	for _, c := range p.Changes {
		if c.Action == plan.NoOp || !InTargets(c, targets) {
			continue
		}
		out = append(out, fmt.Sprintf("%s: %s", c.Address, c.Action))
	}
	return out
}

// InTargets reports whether c is a target, or within one.
func InTargets(c plan.Change, targets []string) bool {
	if len(targets) == 0 {
		return true
	}
	for _, t := range targets {
		if c.Address == t || c.Parent == t || strings.HasPrefix(c.Address, t+".") {
			return true
		}
	}
	return false
}

// authzDecoder decodes AWS's encoded authorization failure messages for
// apply.Explain with sts:DecodeAuthorizationMessage, using the credentials
// plink uses for the account and region that were refused. Its errors
// (the credentials may not call it) leave the message as it was.
func (s *Session) authzDecoder() apply.Decoder {
	src := s.source(s.resolver)
	return func(ctx context.Context, account, region, encoded string) (string, error) {
		c, err := awsenv.Client(ctx, src, account, region, "STS", func(c *awsenv.Clients) *sts.Client { return c.STS() })
		if err != nil {
			return "", err
		}
		out, err := c.DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(encoded)})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.DecodedMessage), nil
	}
}

// settled clears what apply saw its endpoints wait for
// (ChangeResult.Awaiting: "its connection awaits acceptance") once the wait
// for that accept is over: another shard accepted it, or this one did. Left
// in place, the apply's view from before the wait made a converged shard
// report "not converged" (exit 2 with --detailed-exitcode).
func settled(res *apply.Result, before, pending map[string]bool) {
	if res == nil {
		return
	}
	done := map[string]bool{}
	for key := range before {
		if consumer, ok := shard.AwaitedConsumer(key); ok && !pending[key] {
			done[consumer] = true
		}
	}
	for i := range res.Changes {
		if c := &res.Changes[i]; done[c.Address] && c.Status == apply.StatusDone {
			c.Awaiting = ""
		}
	}
}
