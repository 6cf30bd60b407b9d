// Package plan computes what plink would change: Compute diffs a loaded
// manifest (package manifest) against a live snapshot (package live) and
// returns a Plan value — ordered changes with before/after attributes,
// replace reasons, what deletes break, live lint diagnostics and a cost
// estimate.
//
// The package owns the Plan data model and the diff. It must not call AWS,
// print, or read files: Compute is a pure function of its inputs, so the
// same manifest and snapshot always give the same Plan. Rendering lives in
// plan/render and execution in package apply; neither recomputes anything.
package plan
