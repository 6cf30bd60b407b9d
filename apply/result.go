package apply

import (
	"fmt"
	"time"

	"github.com/plinkdev/plink/plan"
)

// Status is the outcome of one change.
type Status string

const (
	// StatusDone: every AWS call of the change succeeded and its waits ended
	// in the wanted state.
	StatusDone Status = "done"
	// StatusFailed: a call or a wait of the change failed; Error says why.
	// Part of the change may have happened (see ChangeResult.ID and Message).
	StatusFailed Status = "failed"
	// StatusNotAttempted: nothing of the change was started, because a change
	// it depends on failed or the run was interrupted; Reason says which.
	StatusNotAttempted Status = "not_attempted"
	// StatusExcluded: the change is outside Options.Targets.
	StatusExcluded Status = "excluded"
	// StatusKept: a reject that a fresh read showed to be of this
	// project's endpoint (made by a concurrent run after the plan), so the
	// endpoint was kept, not rejected; Message says so. Nothing is left to
	// do: it counts as done (Summary, OK).
	StatusKept Status = "kept"
)

// Progress is where an Event is in the life of a change.
type Progress string

const (
	ProgressStarted Progress = "started"
	ProgressWaiting Progress = "waiting"
	ProgressDone    Progress = "done"
	ProgressFailed  Progress = "failed"
	ProgressSkipped Progress = "skipped"
	// ProgressHeartbeat is a summary of the waits in progress, sent every
	// Options.Heartbeat while any is open; its Address is "apply".
	ProgressHeartbeat Progress = "heartbeat"
)

// Event is progress on one change, for a TTY progress view or a JSON event
// stream. Elapsed is the time since the change started (or, while waiting,
// how long the wait has lasted).
type Event struct {
	Time     time.Time     `json:"time"`
	Address  string        `json:"address"`
	Action   plan.Action   `json:"action"`
	Progress Progress      `json:"phase"` // "phase" in JSON, as it always was
	Message  string        `json:"message,omitempty"`
	Elapsed  time.Duration `json:"elapsedNs,omitempty"`
}

// Error is a failed AWS call or wait.
type Error struct {
	// Call is the AWS action (or "wait") that failed.
	Call string `json:"call"`
	// Code is the AWS error code (e.g. InvalidSubnet.NotFound), or
	// Timeout / Canceled / Client for failures outside AWS.
	Code    string `json:"code"`
	Message string `json:"message"`
	// EncodedMessage is the encoded authorization failure message of an
	// UnauthorizedOperation, in full (Message says it shorter: errors.go).
	EncodedMessage string `json:"encodedMessage,omitempty"`
	// Hint says what to do about it.
	Hint string `json:"hint,omitempty"`
	// Err is the error the call or wait returned (a smithy.APIError,
	// context.Canceled, ...), nil for a failure apply found itself; Code and
	// Message say it for people and JSON. errors.Is and errors.As see it
	// through Unwrap.
	Err error `json:"-"`
}

// Unwrap is the error the call returned, if any.
func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Error() string {
	s := e.Call + ": " + e.Code
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// ChangeResult is what happened to one change of the plan.
type ChangeResult struct {
	Address   string      `json:"address"`
	Kind      plan.Kind   `json:"kind"`
	Action    plan.Action `json:"action"`
	Account   string      `json:"account"`
	AccountID string      `json:"accountId"`
	Region    string      `json:"region"`
	Status    Status      `json:"status"`
	// ID is the live id the change acted on, or created.
	ID string `json:"id,omitempty"`
	// Message says what was done, or for a failure how far it got.
	Message string `json:"message,omitempty"`
	Error   *Error `json:"error,omitempty"`
	// Reason says why a change was not attempted or was excluded.
	Reason string `json:"reason,omitempty"`
	// Awaiting, on a done change, says what its resource still waits for
	// that this run cannot give: an endpoint left pendingAcceptance waits
	// for its service's owner to accept it (a service outside the
	// manifest). Such a run is done but not converged (Result.Unsettled).
	Awaiting string `json:"awaiting,omitempty"`
}

// Result is the outcome of Run: one ChangeResult per change of the plan that
// is not a no-op, in plan order, and the ids of what was created.
type Result struct {
	Project  string            `json:"project"`
	Changes  []ChangeResult    `json:"changes"`
	Created  map[string]string `json:"created,omitempty"` // address → id
	Started  time.Time         `json:"started"`
	Finished time.Time         `json:"finished"`
	// Interrupted names what stopped the run before it was over (a
	// signal, --timeout, a lost lease), however far it got: its summary
	// says "interrupted", never "complete".
	Interrupted string `json:"interrupted,omitempty"`
}

// Summary counts the changes of a Result. Added, Changed, Destroyed,
// Accepted, Rejected and Adopted count done changes only: a replace counts
// as one added and one destroyed; an adopt (with the updates it applies)
// counts as adopted, not changed, as the plan's "N to adopt" does.
type Summary struct {
	Added        int `json:"added"`
	Changed      int `json:"changed"`
	Destroyed    int `json:"destroyed"`
	Accepted     int `json:"accepted"`
	Rejected     int `json:"rejected"`
	Adopted      int `json:"adopted"`
	Done         int `json:"done"`
	Failed       int `json:"failed"`
	NotAttempted int `json:"notAttempted"`
	Excluded     int `json:"excluded"`
}

// Summary counts r's changes.
func (r *Result) Summary() Summary {
	var s Summary
	if r == nil {
		return s
	}
	for _, c := range r.Changes {
		switch c.Status {
		case StatusFailed:
			s.Failed++
			continue
		case StatusNotAttempted:
			s.NotAttempted++
			continue
		case StatusExcluded:
			s.Excluded++
			continue
		}
		s.Done++ // done or kept
		if c.Status == StatusKept {
			continue // a reject that was not made: nothing was rejected
		}
		switch c.Action {
		case plan.Create:
			s.Added++
		case plan.Update:
			s.Changed++
		case plan.Adopt:
			s.Adopted++
		case plan.Replace:
			s.Added++
			s.Destroyed++
		case plan.Delete:
			s.Destroyed++
		case plan.Accept:
			s.Accepted++
		case plan.Reject:
			s.Rejected++
		}
	}
	return s
}

// OK reports whether every attempted change is done and none was left out
// for a failure (excluded changes do not count).
func (r *Result) OK() bool {
	s := r.Summary()
	return s.Failed == 0 && s.NotAttempted == 0
}

// Unsettled lists, one sentence each, what the done changes left waiting
// for someone else (ChangeResult.Awaiting): "consumer.NAME (account,
// region): vpce-… is pendingAcceptance: it waits for the owner of …". A
// run with any is not converged: the caller must not say live state
// matches the manifest.
func (r *Result) Unsettled() []string {
	if r == nil {
		return nil
	}
	var out []string
	for _, c := range r.Changes {
		if c.Status == StatusDone && c.Awaiting != "" {
			out = append(out, fmt.Sprintf("%s (%s %s, %s): %s", c.Address, c.Account, c.AccountID, c.Region, c.Awaiting))
		}
	}
	return out
}
