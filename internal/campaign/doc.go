// Package campaign is plink's reliability campaign: randomized runs of the
// real pipeline (manifest.Load → live.Read → plan.Compute → apply.Run, or the
// plink binary as a child process) against the in-process sandbox over real
// HTTP with the real SDK, under throttling, server errors, connection resets
// before and after the server commits, eventual consistency, slow
// transitions, SIGKILL mid-apply and concurrent applies.
//
// It owns the topology generator (random manifests over the sandbox's
// default world), the fault proxy in front of the sandbox (resets after
// commit, kill points, the log of mutating calls), the invariant checks
// (converged, no duplicate, nothing lost, nothing foreign touched, no
// declared endpoint rejected) and the table of figures. TestCampaign drives
// it; docs/RELIABILITY.md records a full run. Everything but this doc is in
// _test.go files, so no production package can import it.
//
// It must not change what it measures: it never calls into apply or plan
// beyond their public API, and reads live state for its checks with its own
// SDK clients, as a third party would.
package campaign
