package reconcile

import (
	"context"
	"errors"
	"time"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/drift"
	"github.com/plinkdev/plink/export"
	"github.com/plinkdev/plink/iampolicy"
	"github.com/plinkdev/plink/iampolicy/check"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/status"
)

// Drift reads live state and target health and builds the drift report
// of m (of the shard's own entries in a shard). An account whose reads
// failed is a failure in the report, not an error; the error is a read
// that returned nothing at all. stopped says ctx ended before the report
// was built: a report of what could not be read would say nothing.
func (s *Session) Drift(ctx context.Context, m *manifest.Manifest) (r *drift.Report, stopped bool, err error) {
	// A shard checks its own entries, reading the ones they connect to.
	sm := s.shardManifest(m)
	s.opts.Hooks.activity("reading live state of %s", DescribeScopes(m))
	snap, readErr := live.Read(ctx, sm, s.source(s.resolver), live.ReadOptions{PerScope: s.opts.Parallelism, Shard: s.shardReadOption()})
	if snap == nil {
		return nil, false, readErr
	}
	if ended(ctx) {
		return nil, true, nil
	}
	// What consumers experience is drift too: zones whose connections are
	// reset (target_health).
	th := s.readTargetHealth(ctx, sm, snap)
	if ended(ctx) {
		return nil, true, nil
	}
	s.opts.Hooks.activity("building the drift report")
	p := plan.Compute(sm, snap, s.planOptions())
	r = drift.BuildWith(sm, snap, p, drift.Options{LoadBalancerHealth: th.LoadBalancers, HealthFailures: th.Failures})
	return s.shardDrift(m, sm, r), false, nil
}

// shardDrift keeps the items, checked resources and errors of r that
// belong to the run's shard: the entries it reads from other shards were
// compared only to plan its own, and are the other shards' to report.
// Failed reads stay: the shard's report is incomplete without them.
func (s *Session) shardDrift(m, sm *manifest.Manifest, r *drift.Report) *drift.Report {
	if s.opts.Shard.All() {
		return r
	}
	entry := map[string]bool{} // address of an entry of sm → owned
	for _, p := range sm.Providers {
		entry["provider."+p.Name] = s.Owns(m, p.Account, "", regionOr(m, p.Region))
	}
	for _, c := range sm.Consumers {
		entry["consumer."+c.Name] = s.Owns(m, c.Account, "", regionOr(m, c.Region))
	}
	items := r.Items[:0:0]
	kept := map[string]bool{}
	for _, it := range r.Items {
		if mine, ok := entry[it.Address]; ok && !mine {
			continue
		}
		if s.Owns(m, it.Account, it.AccountID, it.Region) {
			items = append(items, it)
			kept[it.Address] = true
		}
	}
	r.Items = items
	checked := r.Checked[:0:0]
	for _, a := range r.Checked {
		if mine, ok := entry[a]; (ok && mine) || (!ok && kept[a]) {
			checked = append(checked, a)
		}
	}
	r.Checked = checked
	errs := r.Errors[:0:0]
	for _, e := range r.Errors {
		if mine, ok := entry[e.Address]; (!ok || mine) && s.Owns(m, e.Account, "", e.Region) {
			errs = append(errs, e)
		}
	}
	r.Errors = errs
	return r
}

// regionOr is r, or the manifest's default region when r is empty.
func regionOr(m *manifest.Manifest, r string) string {
	if r == "" {
		return m.Defaults.Region
	}
	return r
}

// StatusRequest is what plink status reads and how it judges.
type StatusRequest struct {
	// Window is the metrics window, ending now.
	Window time.Duration
	// VerifyErr is the credentials' failure (Verify), if any: its
	// accounts are failures of the report.
	VerifyErr error
	Options   status.Options
}

// Status reads live state, the target health and the metrics of m's
// account-regions (the shard's in a shard) and builds the status report.
// Failed reads are failures of the report; stopped says ctx ended first.
func (s *Session) Status(ctx context.Context, m *manifest.Manifest, req StatusRequest) (r *status.Report, stopped bool, err error) {
	s.opts.Hooks.activity("reading live state of %s", DescribeScopes(m))
	if s.opts.Hooks.Reading != nil {
		s.opts.Hooks.Reading(DescribeScopes(m))
	}
	sm := s.shardManifest(m)
	lv, err := live.Read(ctx, sm, s.source(s.resolver), live.ReadOptions{PerScope: s.opts.Parallelism, Shard: s.shardReadOption()})
	var re *live.ReadError
	if err != nil && (lv == nil || !errors.As(err, &re)) {
		return nil, false, err
	}
	if ended(ctx) {
		return nil, true, nil
	}
	s.opts.Hooks.activity("reading target health and metrics of %s", DescribeScopes(m))
	snap, _ := status.Read(ctx, s.shardScopes(m, lv), s.source(s.resolver), status.ReadOptions{Window: req.Window, Concurrency: s.opts.Parallelism})
	if ended(ctx) {
		return nil, true, nil
	}
	snap.Failures = append(snap.Failures, credentialFailures(req.VerifyErr, lv)...)
	return s.shardStatus(m, status.Compute(sm, snap, req.Options), snap, req.Options), false, nil
}

// shardScopes is lv with only the shard's account-regions as scopes:
// status reads target health and metrics there and nowhere else. The
// other shards' endpoints stay, so a zone of the shard's provider counts
// every consumer in it.
func (s *Session) shardScopes(m *manifest.Manifest, lv *live.Snapshot) *live.Snapshot {
	if s.opts.Shard.All() {
		return lv
	}
	out := *lv
	out.Scopes = nil
	for _, sc := range lv.Scopes {
		if s.Owns(m, sc.Account, sc.AccountID, sc.Region) {
			out.Scopes = append(out.Scopes, sc)
		}
	}
	return &out
}

// shardStatus keeps the findings of r on the shard's resources, and its
// cost of the shard's endpoints only: the other shards' endpoints were
// read for the shard's target health, not for their own metrics (which
// were not read, so they would look idle).
func (s *Session) shardStatus(m *manifest.Manifest, r *status.Report, snap *status.Snapshot, opts status.Options) *status.Report {
	if s.opts.Shard.All() {
		return r
	}
	findings := []status.Finding{}
	for _, fd := range r.Findings {
		if s.Owns(m, "", fd.AccountID, fd.Region) {
			findings = append(findings, fd)
		}
	}
	r.Findings = findings
	r.Settle(opts.FailOn) // the shard's verdict, from the shard's findings
	lv := *snap.Live
	lv.Endpoints = nil
	for _, e := range snap.Live.Endpoints {
		if s.Owns(m, "", e.AccountID, e.Region) {
			lv.Endpoints = append(lv.Endpoints, e)
		}
	}
	own := *snap
	own.Live = &lv
	r.Cost = status.Compute(s.shardManifest(m), &own, opts).Cost
	return r
}

// credentialFailures are the accounts whose credentials failed (Verify)
// that no failed read of lv names already: an account is in the report's
// failures once, and the verdict is incomplete even when its reads, by
// chance, went through.
func credentialFailures(verifyErr error, lv *live.Snapshot) []live.Failure {
	if verifyErr == nil {
		return nil
	}
	named := map[string]bool{}
	for _, fl := range lv.Failures {
		named[fl.AccountID] = true
	}
	errs := []error{verifyErr}
	if j, ok := verifyErr.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var out []live.Failure
	for _, e := range errs {
		var ae *awsenv.AccountError
		if !errors.As(e, &ae) {
			out = append(out, live.Failure{Call: "credentials", Error: e.Error()})
			continue
		}
		if !named[ae.ID] {
			out = append(out, live.Failure{Account: ae.Alias, AccountID: ae.ID, Call: "credentials", Error: ae.Err.Error()})
		}
	}
	return out
}

// Export reads the existing resources of accounts in regions into an
// adopting manifest (package export).
func (s *Session) Export(ctx context.Context, accounts []export.Account, regions []string, opts export.Options) (*export.Result, error) {
	if opts.Concurrency == 0 {
		opts.Concurrency = s.opts.Parallelism
	}
	return export.Export(ctx, accounts, regions, export.FromAWSEnv(s.resolver), opts)
}

// CheckPolicy asks AWS whether the calls of plink's mode for m are allowed
// (package iampolicy/check); the writes checked are those of the session's
// plan of m.
func (s *Session) CheckPolicy(ctx context.Context, mode iampolicy.Mode, m *manifest.Manifest) (*check.Report, error) {
	return check.Run(ctx, s.resolver, check.Options{Mode: mode, Manifest: m,
		Plan: func(ctx context.Context) (*plan.Plan, error) {
			p, err := s.Plan(ctx, m, PlanRequest{})
			if err != nil {
				return nil, err
			}
			return p.Plan, nil
		}})
}

// ended reports whether ctx ended, counting a deadline that has passed
// though its timer's cancel has not landed yet (late on a loaded machine):
// a --timeout that ran out while the last reads finished cuts the run
// short all the same. It waits for that cancel, so that ctx's cause is set
// for the stop report.
func ended(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		<-ctx.Done()
		return true
	}
	return false
}
