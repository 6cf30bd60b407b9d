package sandbox

import (
	"encoding/json"
	"net/http"
)

// CallsPath is the HTTP path of the control endpoint that reports, to a
// loopback client, what the sandbox has been asked since it started (or
// since the last reset): POST, with form reset=1 to clear the counters
// after reading them. The reply is CallLog as JSON. It lets a user of
// `plink sandbox serve` check from outside what the Go tests check with
// Calls and Denials: that a no-change run made no mutating call, which
// calls a plan costs, and what a policy refused.
const CallsPath = "/_plink/calls"

// CallLog is the reply of CallsPath.
type CallLog struct {
	Calls     []LoggedCall   `json:"calls"`
	Throttled []LoggedCall   `json:"throttled"`
	Denials   []LoggedDenial `json:"denials"`
}

// LoggedCall is a Call as CallsPath writes it (the same fields, named
// for JSON).
type LoggedCall struct {
	Service  string `json:"service"`
	Action   string `json:"action"`
	Account  string `json:"account"`
	Region   string `json:"region"`
	Count    int    `json:"count"`
	Mutating bool   `json:"mutating"`
	DryRuns  int    `json:"dryRuns,omitempty"`
}

// LoggedDenial is a Denial as CallsPath writes it (the same fields).
type LoggedDenial struct {
	Principal       string `json:"principal"`
	PolicyPrincipal string `json:"policyPrincipal"`
	Service         string `json:"service"`
	APIAction       string `json:"apiAction"`
	Action          string `json:"action"`
	Resource        string `json:"resource"`
	Account         string `json:"account"`
	Region          string `json:"region"`
	DryRun          bool   `json:"dryRun,omitempty"`
	ExplicitDeny    bool   `json:"explicitDeny,omitempty"`
	Reason          string `json:"reason"`
}

func logged(calls []Call) []LoggedCall {
	out := make([]LoggedCall, 0, len(calls))
	for _, c := range calls {
		out = append(out, LoggedCall(c))
	}
	return out
}

func (s *Sandbox) serveCalls(w http.ResponseWriter, r *http.Request) {
	if !controlForm(w, r, CallsPath) {
		return
	}
	log := CallLog{Calls: logged(s.Calls()), Throttled: logged(s.Throttled()), Denials: []LoggedDenial{}}
	for _, d := range s.Denials() {
		log.Denials = append(log.Denials, LoggedDenial(d))
	}
	if r.PostForm.Get("reset") == "1" {
		s.ResetCalls()
		s.ResetDenials()
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(log)
}
