package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/internal/shard"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

// awaitShards is apply's --shard-wait. Shards of a matrix run at once, and
// some of a shard's changes need another shard's work first: a consumer
// whose service another shard is creating, the accept of a connection
// from an endpoint another shard is creating. The plan listed those as
// waiting; here apply polls live state for up to the wait and carries
// each out once it is possible, so that one parallel round converges and
// a second changes nothing. Only what the plan said waits is done: a
// waiting create, or the accept of the declared consumer it named, never
// a reject or delete the plan did not show. The results are appended to
// res; the waits still open when time runs out are left in
// f.shard.waiting, for the next run.
func awaitShards(ctx, callCtx context.Context, f *Factory, m *manifest.Manifest, sess *awsSession, opts apply.Options, res *apply.Result) error {
	if !shardWaits(f) {
		return nil
	}
	wait := f.Config.Duration("shard-wait")
	pending := map[string]bool{}
	maps.Copy(pending, f.shard.waiting)
	maps.Copy(pending, f.shard.awaited)
	defer func() { // what is still open
		for w := range f.shard.waiting {
			if !pending[w] {
				delete(f.shard.waiting, w)
			}
		}
		for w := range f.shard.awaited {
			if !pending[w] {
				delete(f.shard.awaited, w)
			}
		}
	}()
	sel, sm := f.selection(), shardManifest(f, m)
	what := []string{}
	if n := len(f.shard.waiting); n > 0 {
		what = append(what, waitVerb(n)+" for their work")
	}
	if n := len(f.shard.awaited); n > 0 {
		what = append(what, fmt.Sprintf("%s for their accepts", strings.Replace(waitVerb(n), "change", "endpoint", 1)))
	}
	fmt.Fprintf(f.IO.ErrOut, "plink: waiting up to %s (--shard-wait) for other shards: in %s, %s\n", wait, sel, strings.Join(what, "; "))
	deadline := time.Now().Add(wait)
	var blocked []string // the last plan's errors
	pause := 10 * time.Second
	if sess.sandbox != nil {
		pause = 200 * time.Millisecond
	}
	for len(pending) > 0 && ctx.Err() == nil {
		f.setActivity("waiting for other shards (%s and accepts of this shard)", plural(len(pending), "change"))
		snap, err := live.Read(ctx, sm, sess.resolver, live.ReadOptions{PerScope: f.Config.Int("parallelism"), Shard: shardReadOption(f)})
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return fmt.Errorf("waiting for other shards: %w", err)
		}
		full := plan.Compute(sm, snap, planOptions(f, sm))
		own, waitingNow := shard.Filter(full, sel)
		// A plan with errors is a moment between another shard's calls
		// (a service made, its principal not yet): look again later.
		blocked = errorDiagnostics(own)
		if len(blocked) == 0 {
			run := shard.Ready(pending, own, full, waitingNow, snap)
			if len(run) > 0 {
				sub := *own
				sub.Changes = run
				r, err := apply.Run(callCtx, &sub, apply.FromClientSource(sess.resolver), opts)
				apply.Explain(callCtx, r, authzDecoder(sess.resolver))
				mergeResult(res, r)
				if err != nil {
					return err
				}
				for _, c := range run {
					f.shard.planned[c.Address] = true
					delete(pending, c.Address)
					delete(pending, shard.AcceptKey(c))
				}
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
		notAttempted(f, res, pending, "interrupted while waiting for another shard's ")
	}
	if len(pending) > 0 && len(blocked) > 0 {
		fmt.Fprintf(f.IO.ErrOut, "plink: the last plan while waiting for other shards had errors:\n  %s\n", strings.Join(blocked, "\n  "))
	}
	return nil
}

// notAttempted adds to res, as not attempted, the waiting changes of this
// shard among addrs (another shard's accepts are not this run's), with
// why and what each waited for.
func notAttempted(f *Factory, res *apply.Result, addrs map[string]bool, why string) {
	if f.shard == nil || res == nil {
		return
	}
	for _, addr := range slices.Sorted(maps.Keys(addrs)) {
		c, ok := f.shard.changes[addr]
		if !ok {
			continue
		}
		res.Changes = append(res.Changes, apply.ChangeResult{Address: c.Address, Kind: c.Kind, Action: c.Action,
			Account: c.Account, AccountID: c.AccountID, Region: c.Region, Status: apply.StatusNotAttempted,
			Reason: why + strings.Join(c.WaitsFor, ", ")})
	}
}

// shardWaits reports whether apply is to wait for other shards: a shard
// run with --shard-wait whose plan has changes that wait for one.
func shardWaits(f *Factory) bool {
	return f.shard != nil && f.Config.Duration("shard-wait") > 0 && len(f.shard.waiting)+len(f.shard.awaited) > 0
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

// shardWaitNotes say what of this shard still waits for another one: its
// changes that need another shard's work, and its endpoints that another
// shard has yet to accept.
func shardWaitNotes(f *Factory) []string {
	if f.shard == nil {
		return nil
	}
	how := "the next run (or --shard-wait) applies them"
	if w := f.Config.Duration("shard-wait"); w > 0 {
		how = fmt.Sprintf("still waiting after --shard-wait %s; the next run applies them", w)
	}
	var out []string
	if len(f.shard.waiting) > 0 {
		out = append(out, fmt.Sprintf("%s for another shard (%s): %s",
			waitVerb(len(f.shard.waiting)), shortList(slices.Sorted(maps.Keys(f.shard.waiting))), how))
	}
	if len(f.shard.awaited) > 0 {
		verb := "wait for another shard to accept their connections"
		if len(f.shard.awaited) == 1 {
			verb = "waits for another shard to accept its connection"
		}
		out = append(out, fmt.Sprintf("%s %s (%s): its next run (or plink connections) accepts them",
			plural(len(f.shard.awaited), "endpoint"), verb, shortList(slices.Sorted(maps.Keys(f.shard.awaited)))))
	}
	return out
}

// shortList joins at most five items.
func shortList(items []string) string {
	if len(items) > 5 {
		items = append(slices.Clone(items[:5]), "…")
	}
	return strings.Join(items, ", ")
}
