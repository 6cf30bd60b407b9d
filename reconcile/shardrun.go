package reconcile

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/reconcile/shard"
)

// shardRun is the state of a run limited to a shard of a pipeline matrix,
// kept across the plans of one session.
type shardRun struct {
	sel shard.Selection
	// planned holds the addresses of the run's first plan; waiting those
	// left for a later run because they depended on another shard's work.
	planned, waiting map[string]bool
	// awaited holds, as of the last plan, the accepts another shard makes
	// for this shard's endpoints (provider.P.connection[consumer.C]).
	awaited map[string]bool
	// changes are the waiting changes by address, as last planned.
	changes map[string]plan.Change
}

// filter keeps the shard's changes of p (planned from sm and snap),
// records what waits for another shard, and returns those changes.
func (s *Session) filter(sm *manifest.Manifest, p *plan.Plan, snap *live.Snapshot) (*plan.Plan, []plan.Change) {
	out, waiting := shard.Filter(p, s.opts.Shard)
	sr := s.shard
	if sr == nil {
		return out, waiting
	}
	sr.awaited = map[string]bool{}
	for _, k := range shard.Awaited(sm, p, snap, sr.sel) {
		sr.awaited[k] = true
	}
	if sr.planned == nil && out != nil {
		sr.planned = map[string]bool{}
		for _, c := range out.Changes {
			sr.planned[c.Address] = true
		}
	}
	for _, c := range waiting {
		if sr.waiting == nil {
			sr.waiting = map[string]bool{}
		}
		sr.waiting[c.Address] = true
	}
	if out != nil {
		// What waits for another shard is still this shard's change: shown,
		// counted and costed, marked with what it waits for; apply leaves it
		// (Runnable). The cost is the shard's share, not the whole plan's.
		cp := *out
		marked := markWaiting(out, waiting)
		if sr.changes == nil {
			sr.changes = map[string]plan.Change{}
		}
		for _, c := range marked {
			sr.changes[c.Address] = c
		}
		cp.Changes = append(slices.Clone(out.Changes), marked...)
		cp.Cost = plan.EstimateCost(cp.Changes, s.planOptions())
		cp.Unsettled = plan.Unsettled(&cp, snap) // of the shard's resources only
		out = &cp
	}
	return out, waiting
}

// markWaiting returns the waiting changes with WaitsFor set to the
// addresses they depend on that the shard's own plan does not make.
func markWaiting(own *plan.Plan, waiting []plan.Change) []plan.Change {
	mine := map[string]bool{}
	for _, c := range own.Changes {
		mine[c.Address] = true
	}
	out := make([]plan.Change, 0, len(waiting))
	for _, c := range waiting {
		c.WaitsFor = nil
		for _, d := range c.DependsOn {
			if !mine[d] {
				c.WaitsFor = append(c.WaitsFor, d)
			}
		}
		if len(c.WaitsFor) == 0 { // depends on a waiting change of its own
			c.WaitsFor = []string{"another shard"}
		}
		out = append(out, c)
	}
	return out
}

// Runnable is p without the changes that wait for another shard: what
// apply can make now.
func Runnable(p *plan.Plan) *plan.Plan {
	if !slices.ContainsFunc(p.Changes, func(c plan.Change) bool { return len(c.WaitsFor) > 0 }) {
		return p
	}
	out := *p
	out.Changes = slices.DeleteFunc(slices.Clone(p.Changes), func(c plan.Change) bool { return len(c.WaitsFor) > 0 })
	return &out
}

// unblocked drops from apply's confirming plan the changes this run did
// not plan: ones that waited for another shard, or new ones (a connection
// from an endpoint another shard created). Shards run in parallel, so
// those appear while this one runs; the next run makes them. They are not
// this run's failure to converge. n counts those that became possible.
func (s *Session) unblocked(after *plan.Plan) (*plan.Plan, int) {
	if s.shard == nil || after == nil {
		return after, 0
	}
	out := *after
	out.Changes = nil
	n := 0
	for _, c := range after.Changes {
		if c.Action != plan.NoOp && (s.shard.waiting[c.Address] || !s.shard.planned[c.Address]) {
			// still waiting is not "became possible": only a change that
			// no longer waits, or is new, is
			if len(c.WaitsFor) == 0 {
				n++
			}
			continue
		}
		out.Changes = append(out.Changes, c)
	}
	return &out, n
}

// ShardWaits reports whether apply is to wait for other shards: a shard
// run with a shard wait whose plan has changes that wait for one.
func (s *Session) ShardWaits() bool {
	return s.shard != nil && s.opts.ShardWait > 0 && len(s.shard.waiting)+len(s.shard.awaited) > 0
}

// ShardPending counts, as of the last plan, this shard's changes that
// wait for another shard's work and its endpoints another shard has yet
// to accept.
func (s *Session) ShardPending() (waiting, awaited int) {
	if s.shard == nil {
		return 0, 0
	}
	return len(s.shard.waiting), len(s.shard.awaited)
}

// WaitNotes say what of this shard still waits for another one: its
// changes that need another shard's work, and its endpoints that another
// shard has yet to accept.
func (s *Session) WaitNotes() []string {
	if s.shard == nil {
		return nil
	}
	how := "the next run (or --shard-wait) applies them"
	if w := s.opts.ShardWait; w > 0 {
		how = fmt.Sprintf("still waiting after --shard-wait %s; the next run applies them", w)
	}
	var out []string
	if len(s.shard.waiting) > 0 {
		out = append(out, fmt.Sprintf("%s for another shard (%s): %s",
			WaitVerb(len(s.shard.waiting)), ShortList(slices.Sorted(maps.Keys(s.shard.waiting))), how))
	}
	if len(s.shard.awaited) > 0 {
		verb := "wait for another shard to accept their connections"
		if len(s.shard.awaited) == 1 {
			verb = "waits for another shard to accept its connection"
		}
		out = append(out, fmt.Sprintf("%s %s (%s): its next run (or plink connections) accepts them",
			plural(len(s.shard.awaited), "endpoint"), verb, ShortList(slices.Sorted(maps.Keys(s.shard.awaited)))))
	}
	return out
}

// WaitVerb is "1 change waits" or "3 changes wait".
func WaitVerb(n int) string {
	if n == 1 {
		return "1 change waits"
	}
	return plural(n, "change") + " wait"
}

// ShortList joins at most five items.
func ShortList(items []string) string {
	if len(items) > 5 {
		items = append(slices.Clone(items[:5]), "…")
	}
	return strings.Join(items, ", ")
}

// notAttempted adds to res, as not attempted, the waiting changes of this
// shard among addrs (another shard's accepts are not this run's), with
// why and what each waited for.
func (s *Session) notAttempted(res *apply.Result, addrs map[string]bool, why string) {
	if s.shard == nil || res == nil {
		return
	}
	for _, addr := range slices.Sorted(maps.Keys(addrs)) {
		c, ok := s.shard.changes[addr]
		if !ok {
			continue
		}
		res.Changes = append(res.Changes, apply.ChangeResult{Address: c.Address, Kind: c.Kind, Action: c.Action,
			Account: c.Account, AccountID: c.AccountID, Region: c.Region, Status: apply.StatusNotAttempted,
			Reason: why + strings.Join(c.WaitsFor, ", ")})
	}
}

// mergeResult appends r's changes and creations to res.
func mergeResult(res, r *apply.Result) {
	if r == nil {
		return
	}
	res.Changes = append(res.Changes, r.Changes...)
	if len(r.Created) > 0 && res.Created == nil {
		res.Created = map[string]string{}
	}
	maps.Copy(res.Created, r.Created)
	if r.Finished.After(res.Finished) {
		res.Finished = r.Finished
	}
}

// Owns reports whether a resource of the account (alias, or id when the
// alias is empty) in the region belongs to the run's shard. What names no
// account or region is the shard's as far as it names nothing else, as a
// plan diagnostic is.
func (s *Session) Owns(m *manifest.Manifest, alias, accountID, region string) bool {
	sel := s.opts.Shard
	if sel.All() {
		return true
	}
	if alias == "" && accountID != "" {
		for a, acc := range m.Accounts {
			if acc != nil && acc.ID == accountID {
				alias = a
			}
		}
		if alias == "" {
			alias = accountID // an account the manifest does not know: never the shard's
		}
	}
	if alias != "" && len(sel.Accounts) > 0 && !slices.Contains(sel.Accounts, alias) {
		return false
	}
	return region == "" || len(sel.Regions) == 0 || slices.Contains(sel.Regions, region)
}
