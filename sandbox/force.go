package sandbox

// Forcing states: put an endpoint, a service or a load balancer into any
// state AWS can report, from Go (tests) or over the loopback control path
// (ForcePath) that `plink sandbox force` uses.

import (
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// EndpointStates are the states ForceEndpointState accepts, as AWS reports
// them on the wire.
var EndpointStates = []string{phasePendingAcceptance, phasePending, phaseAvailable, phaseRejected, phaseExpired, phaseFailed, phaseDeleting, phaseDeleted}

// ServiceStates are the states ForceServiceState accepts.
var ServiceStates = []string{svcPending, svcAvailable, svcDeleting, svcDeleted, svcFailed}

// LoadBalancerStates are the state codes ForceLoadBalancerState accepts;
// "" deletes the load balancer.
var LoadBalancerStates = []string{"provisioning", "active", "active_impaired", "failed", ""}

// lbDeleted is the LBStates value of a deleted load balancer.
const lbDeleted = "deleted"

// lb returns a world load balancer of n with its forced state applied, or
// false if there is none or it was deleted. Called with s.mu held.
func (s *Sandbox) lb(n *netInfo, arn string) (LoadBalancer, bool) {
	lb, ok := n.lbs[arn]
	if !ok {
		return LoadBalancer{}, false
	}
	cp := *lb
	if st, ok := s.st.LBStates[arn]; ok {
		if st == lbDeleted {
			return LoadBalancer{}, false
		}
		cp.State = st
	}
	return cp, true
}

// ForceEndpointState puts endpoint id into state: pendingAcceptance,
// pending, available, rejected, expired, failed, deleting or deleted (as
// AWS would report it; deleting/deleted then proceed to gone with the usual
// delays).
//
// The state is what every Describe reports (DescribeVpcEndpoints to the
// owner, DescribeVpcEndpointConnections to the provider) until an API call
// or another force changes it; pending does not become available by itself,
// and deleting and deleted each last EndpointAvailableDelay, at least
// ForcedStateHold. It is saved to StatePath.
func (s *Sandbox) ForceEndpointState(id, state string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	ep, ok := s.st.Endpoints[id]
	if ok {
		if _, gone := s.endpointState(ep, now); gone {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("sandbox: no endpoint %s (endpoints: %s)", id, s.endpointIDs(now))
	}
	if !contains(EndpointStates, state) {
		return fmt.Errorf("sandbox: endpoint %s: unknown state %q (valid: %s)", id, state, strings.Join(EndpointStates, ", "))
	}
	if ep.Type == endpointTypeGateway && state != phaseAvailable && state != phaseDeleting && state != phaseDeleted {
		return fmt.Errorf("sandbox: endpoint %s is a Gateway endpoint, which is only available, deleting or deleted", id)
	}
	ep.Hold = true
	switch state {
	case phaseDeleting:
		ep.Phase, ep.PhaseAt = phaseDeleting, now
	case phaseDeleted:
		// Deleting began one deleting-span ago.
		ep.Phase, ep.PhaseAt = phaseDeleting, now.Add(-span(s.opts.EndpointAvailableDelay, true))
	default:
		ep.Phase, ep.PhaseAt = state, now
	}
	return s.saveLocked()
}

// endpointIDs lists the ids of the endpoints that are not gone, for errors.
func (s *Sandbox) endpointIDs(now time.Time) string {
	var ids []string
	for _, id := range slices.Sorted(maps.Keys(s.st.Endpoints)) {
		if _, gone := s.endpointState(s.st.Endpoints[id], now); !gone {
			ids = append(ids, id)
		}
	}
	return listOrNone(ids)
}

func listOrNone(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	if len(ids) > 10 {
		return strings.Join(ids[:10], ", ") + fmt.Sprintf(" and %d more", len(ids)-10)
	}
	return strings.Join(ids, ", ")
}

// ForceServiceState puts endpoint service id (vpce-svc-…) into Pending,
// Available, Deleting, Deleted or Failed.
//
// Pending, Available and Failed stay until another force. Deleting and
// Deleted proceed as a deletion does (ServiceDeleteDelay each, at least
// ForcedStateHold), and first reject the service's connections that are
// still pendingAcceptance, pending or available, as AWS requires before a
// service is deleted. It is saved to StatePath.
func (s *Sandbox) ForceServiceState(id, state string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	sv, ok := s.st.Services[id]
	if ok {
		if _, gone := s.serviceState(sv, now); gone {
			ok = false
		}
	}
	if !ok {
		var ids []string
		for _, k := range slices.Sorted(maps.Keys(s.st.Services)) {
			if _, gone := s.serviceState(s.st.Services[k], now); !gone {
				ids = append(ids, k)
			}
		}
		return fmt.Errorf("sandbox: no endpoint service %s (services: %s)", id, listOrNone(ids))
	}
	if !contains(ServiceStates, state) {
		return fmt.Errorf("sandbox: endpoint service %s: unknown state %q (valid: %s)", id, state, strings.Join(ServiceStates, ", "))
	}
	switch state {
	case svcDeleting, svcDeleted:
		for _, ep := range s.st.Endpoints {
			if ep.ServiceID == id && s.activeConnection(ep) {
				ep.Phase, ep.PhaseAt, ep.Hold = phaseRejected, now, false
			}
		}
		at := now
		if state == svcDeleted {
			at = now.Add(-span(s.opts.ServiceDeleteDelay, true))
		}
		sv.Phase, sv.PhaseAt, sv.Hold = svcDeleting, at, true
	default:
		sv.Phase, sv.PhaseAt, sv.Hold = state, now, false
	}
	return s.saveLocked()
}

// ForceLoadBalancerState sets a load balancer's state code (provisioning,
// active, active_impaired, failed) or, with "", deletes it: it is no longer
// described, cannot back a new service, and no longer gives the services it
// backs its Availability Zones. It is saved to StatePath.
func (s *Sandbox) ForceLoadBalancerState(arn, state string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	found := false
	var arns []string
	for _, n := range s.nets {
		if _, ok := n.lbs[arn]; ok {
			found = true
		}
		arns = append(arns, n.lbOrder...)
	}
	if !found {
		return fmt.Errorf("sandbox: no load balancer %s in the world (load balancers: %s)", arn, listOrNone(arns))
	}
	if !contains(LoadBalancerStates, state) {
		return fmt.Errorf("sandbox: load balancer %s: unknown state %q (valid: provisioning, active, active_impaired, failed, or \"\" to delete it)", arn, state)
	}
	if state == "" {
		state = lbDeleted
	}
	s.st.LBStates[arn] = state
	return s.saveLocked()
}

// controlForm admits a control request — from loopback only (others get
// 404, as if the path did not exist), POST, with a form of at most 64 KiB —
// and parses its form; on false the reply was written.
func controlForm(w http.ResponseWriter, r *http.Request, path string) bool {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	if !isLoopback(host) {
		http.NotFound(w, r)
		return false
	}
	if err := sameOriginControl(r); err != nil {
		http.Error(w, "sandbox: "+path+": "+err.Error(), http.StatusForbidden)
		return false
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "sandbox: "+path+" takes POST", http.StatusMethodNotAllowed)
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "sandbox: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

// sameOriginControl refuses a control request that a web page could have
// made: a loopback client is also every page open in the user's browser,
// which can POST a form to 127.0.0.1 (cross-origin, with an Origin header)
// or reach it under a name of its own by DNS rebinding (with a foreign
// Host). So the Host must be a loopback name or address on the port the
// sandbox listens on, and an Origin, if sent, must be that same host.
func sameOriginControl(r *http.Request) error {
	name, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		name, port = r.Host, ""
	}
	if !isLoopback(strings.Trim(name, "[]")) {
		return fmt.Errorf("the Host header %q is not a loopback name (valid: localhost, 127.0.0.1 or [::1] with the sandbox's port)", r.Host)
	}
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && port != "" {
		if _, lport, err := net.SplitHostPort(la.String()); err == nil && lport != port {
			return fmt.Errorf("the Host header %q names port %s but the sandbox listens on %s", r.Host, port, la.String())
		}
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return fmt.Errorf("cross-origin request from %q refused (only clients on this machine such as curl or plink sandbox force, which send no Origin or http://%s)", o, r.Host)
		}
	}
	return nil
}

// ForcePath is the HTTP path of the control endpoint that forces states
// from outside the process: POST form kind (endpoint, service or
// load-balancer), id and state. It answers only loopback clients; the
// reply is "ok" or the error as text/plain with status 400 (404 for a
// client that is not on loopback).
const ForcePath = "/_plink/force"

func (s *Sandbox) serveForce(w http.ResponseWriter, r *http.Request) {
	if !controlForm(w, r, ForcePath) {
		return
	}
	kind, id, state := r.PostForm.Get("kind"), r.PostForm.Get("id"), r.PostForm.Get("state")
	var err error
	switch kind {
	case "endpoint":
		err = s.ForceEndpointState(id, state)
	case "service":
		err = s.ForceServiceState(id, state)
	case "load-balancer":
		err = s.ForceLoadBalancerState(id, state)
	default:
		err = fmt.Errorf("sandbox: unknown kind %q (valid: endpoint, service, load-balancer)", kind)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintln(w, err)
		return
	}
	fmt.Fprintln(w, "ok")
}
