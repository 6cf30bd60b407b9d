package sandbox

// Faults: injected errors, random server errors and connection resets, AWS
// token-bucket throttling, and call counting.

import (
	"math"
	"net/http"
	"time"
)

// Fault fails the next Times calls that match it with an AWS error.
type Fault struct {
	// Action, Account (id) and Region select calls; empty matches any.
	Action, Account, Region string
	// Code is the AWS error code, e.g. "InternalError" or
	// "RequestLimitExceeded".
	Code string
	// Status is the HTTP status; 0 picks AWS's status for well-known codes
	// (500 InternalError, 503 Unavailable / RequestLimitExceeded, else 400).
	Status int
	// Times is how many calls fail; 0 means 1, negative means every call.
	Times int
}

// Inject adds a fault rule. Rules are consulted in the order added.
func (s *Sandbox) Inject(f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	if f.Status == 0 {
		f.Status = defaultStatus(f.Code)
	}
	s.fmu.Lock()
	s.faults = append(s.faults, &f)
	s.fmu.Unlock()
}

// ClearFaults removes every injected fault rule.
func (s *Sandbox) ClearFaults() {
	s.fmu.Lock()
	s.faults = nil
	s.fmu.Unlock()
}

func defaultStatus(code string) int {
	switch code {
	case "InternalError", "InternalFailure", "ServiceFailure":
		return http.StatusInternalServerError
	case "Unavailable", "ServiceUnavailable", "RequestLimitExceeded":
		return http.StatusServiceUnavailable
	case "AuthFailure":
		return http.StatusUnauthorized
	case "AccessDenied", "UnauthorizedOperation", "InvalidClientTokenId", "SignatureDoesNotMatch":
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

func (s *Sandbox) takeFault(action, account, region string) *apiError {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	for i, f := range s.faults {
		if (f.Action != "" && f.Action != action) || (f.Account != "" && f.Account != account) || (f.Region != "" && f.Region != region) {
			continue
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return errf(f.Status, f.Code, "Injected fault: %s", f.Code)
	}
	return nil
}

func (s *Sandbox) drawReset() bool {
	if s.opts.ResetRate <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.Float64() < s.opts.ResetRate
}

func (s *Sandbox) drawServerError() *apiError {
	if s.opts.ErrorRate <= 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rng.Float64() >= s.opts.ErrorRate {
		return nil
	}
	if s.rng.Intn(2) == 0 {
		return errf(500, "InternalError", "An internal error has occurred")
	}
	return errf(503, "Unavailable", "The server is overloaded and can't handle the request")
}

func (s *Sandbox) count(service, action, account, region string) {
	s.fmu.Lock()
	s.calls[callKey{service, action, account, region}]++
	s.fmu.Unlock()
}

// ---- throttling ----

// bucket is a token bucket.
type bucket struct {
	tokens float64
	last   time.Time
}

// throttleClass returns the bucket class and its burst and refill per second,
// after AWS's EC2 API request-rate limits.
func throttleClass(service, action string) (class string, burst, rate float64) {
	switch action {
	case "CreateVpcEndpoint", "ModifyVpcEndpoint", "DeleteVpcEndpoints":
		return "endpoint-mutate", 4, 0.3
	case "AcceptVpcEndpointConnections", "RejectVpcEndpointConnections":
		return "connection-accept", 10, 1
	case "CreateTags", "DeleteTags":
		return "tags", 100, 10
	}
	if IsMutating(action) {
		return "service-config", 10, 1
	}
	if service == svcSTS && action == "AssumeRole" {
		return "assume-role", 100, 20
	}
	return "non-mutating", 100, 20
}

// refusal is what the sandbox answers a counted call with instead of
// serving it, in AWS's order: an injected fault, a drawn server error, then
// the call's throttling bucket; nil serves it. Every protocol's handler asks
// it, so faults and throttling behave alike across services.
func (s *Sandbox) refusal(service, action, account, region string) *apiError {
	if e := s.takeFault(action, account, region); e != nil {
		return e
	}
	if e := s.drawServerError(); e != nil {
		return e
	}
	return s.throttle(service, action, account, region)
}

func (s *Sandbox) throttle(service, action, account, region string) *apiError {
	if !s.opts.Throttle {
		return nil
	}
	class, burst, rate := throttleClass(service, action)
	scale := s.opts.ThrottleScale
	if scale <= 0 {
		scale = 1
	}
	burst = math.Max(1, math.Floor(burst*scale))
	rate *= scale
	key := service + "|" + class + "|" + account + "|" + region
	now := s.now()
	s.fmu.Lock()
	defer s.fmu.Unlock()
	b, ok := s.buckets[key]
	if !ok {
		b = &bucket{tokens: burst, last: now}
		s.buckets[key] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(burst, b.tokens+el*rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return nil
	}
	s.throttled[callKey{service, action, account, region}]++
	switch service {
	case svcEC2:
		return errf(503, "RequestLimitExceeded", "Request limit exceeded.")
	default:
		return errf(400, "Throttling", "Rate exceeded")
	}
}
