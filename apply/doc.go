// Package apply executes a plan.Plan against AWS, across accounts and
// regions: endpoint services, their allowed principals, interface endpoints,
// connection acceptance and rejection, private DNS after acceptance, and
// connection notifications.
//
// It owns the order in which changes run (additions first, removals in
// reverse), bounded concurrency per account-region, idempotent creates
// (deterministic ClientTokens and ownership tags; a token AWS answers with a
// deleted resource is salted with that resource's id and the create made
// again), waits for AWS states (one shared Describe per account-region and
// resource type per poll round; a wait fails only after 3 failed rounds in
// a row, and every Describe and every wait has a deadline), resolution of values known only after a
// create (Change.Refs), and the bookkeeping of partial failure: its Result says what was done, what failed
// (with the AWS error code, message and a hint) and what was not attempted.
//
// It must not decide what to change: it executes only the changes a Plan
// names, never touches a resource the plan does not name, does not read
// manifests, does not re-plan and does not print (WriteSummary renders a
// Result to a writer the caller gives). Throttling is left to the SDK's retry
// configuration of the clients it is given.
package apply
