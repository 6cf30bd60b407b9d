// Package finding owns the vocabulary every report of plink shares: one
// Severity, one Finding (code, severity, subject, message, hint) and one
// Failure (a read that failed, and why).
//
// manifest diagnostics, plan diagnostics, drift items and status findings
// are each a Finding with the details their report needs (a position, an
// address, a kind, a metric): their Severity is this package's, and each
// has a Finding method that gives the shared part, so that code which only
// ranks, counts or prints findings handles them all alike. Each keeps its
// own JSON form, which its schema versions.
//
// It holds values only: it must not import another plink package.
package finding

import "fmt"

// Severity ranks a finding.
type Severity string

// Severities, most severe first.
const (
	// Error stops what the report is for: a manifest that does not load, a
	// plan that must not be applied.
	Error Severity = "error"
	// Warning is worth acting on but stops nothing.
	Warning Severity = "warning"
	// Info is a note: something plink could not check, or a saving.
	Info Severity = "info"
)

// Rank orders severities: error 3, warning 2, info 1, anything else 0.
func (s Severity) Rank() int {
	switch s {
	case Error:
		return 3
	case Warning:
		return 2
	case Info:
		return 1
	}
	return 0
}

// IsError reports whether s is an error. An unset severity counts as one,
// so that a finding built without one is never taken for harmless.
func (s Severity) IsError() bool { return s == Error || s == "" }

// Finding is one thing a check found.
type Finding struct {
	// Code is a stable id (M0xx, PL0xx, PL1xx) or a kind (target_health).
	Code     string   `json:"code,omitempty"`
	Severity Severity `json:"severity"`
	// Subject is what the finding is about: a position in a file, a plan
	// address or a resource id. Empty when it is about the whole.
	Subject string `json:"subject,omitempty"`
	Message string `json:"message"`
	// Hint, when set, says what to do about it.
	Hint string `json:"hint,omitempty"`
}

// String is "severity: subject: message" (without the subject when there
// is none); an unset severity prints as error.
func (f Finding) String() string {
	sev := f.Severity
	if sev == "" {
		sev = Error
	}
	if f.Subject == "" {
		return string(sev) + ": " + f.Message
	}
	return string(sev) + ": " + f.Subject + ": " + f.Message
}

// Failure is a read that failed: which call, in which account and region,
// and why. Its JSON form (account, accountId, region, call, error) is the
// one the snapshot, status and drift documents share.
type Failure struct {
	Account   string `json:"account"`
	AccountID string `json:"accountId"`
	Region    string `json:"region"`
	Call      string `json:"call"`
	// Error is the error as it is shown (awsenv.Describe of Err).
	Error string `json:"error"`
	// Err is the cause, for errors.Is and errors.As, when the failure was
	// made from one in this run (not one decoded from JSON).
	Err error `json:"-"`
}

// String is "CALL in account ALIAS (ID) region REGION: ERROR".
func (f Failure) String() string {
	return fmt.Sprintf("%s in account %s (%s) region %s: %s", f.Call, f.Account, f.AccountID, f.Region, f.Error)
}
