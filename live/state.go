package live

import "strings"

// Phase is the one meaning plink gives a state AWS reports for an
// endpoint, a connection or an endpoint service. Every reader — plan,
// apply's waits and convergence check, drift, export, graph — decides
// through EndpointPhase and ServicePhase, so a state means the same
// everywhere and a new state is one line here.
type Phase int

const (
	// PhaseUnknown is a state this table does not know; readers treat it
	// like PhaseSettling (wait, do not act).
	PhaseUnknown Phase = iota
	// PhaseGone: deleted. AWS still lists it for a while; it is not there.
	PhaseGone
	// PhaseGoing: deleting. It will be gone; nothing is to be done to it.
	PhaseGoing
	// PhaseSettling: pending (becoming available), or a service Pending.
	PhaseSettling
	// PhaseWaiting: pendingAcceptance — the provider has to accept.
	PhaseWaiting
	// PhaseUsable: available.
	PhaseUsable
	// PhaseBroken: rejected, expired or failed. It never becomes usable;
	// it still exists (and an endpoint may still be billed) until deleted.
	PhaseBroken
)

var phaseNames = [...]string{"unknown", "gone", "going", "settling", "waiting", "usable", "broken"}

func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "unknown"
}

// The table: each state AWS reports, case-folded, and its meaning. A
// "partial" endpoint (some subnets failed) is broken: it never becomes what
// the manifest asks. An empty service state is a configuration read
// without one (older tools, moto): it exists; so does a load balancer read
// without a state code. A load balancer that was not found is absent from
// the snapshot.
var (
	endpointPhases = map[string]Phase{
		"deleted": PhaseGone, "deleting": PhaseGoing, "pending": PhaseSettling,
		"pendingacceptance": PhaseWaiting, "available": PhaseUsable,
		"rejected": PhaseBroken, "expired": PhaseBroken, "failed": PhaseBroken, "partial": PhaseBroken,
	}
	servicePhases = map[string]Phase{
		"deleted": PhaseGone, "deleting": PhaseGoing, "pending": PhaseSettling,
		"available": PhaseUsable, "": PhaseUsable, "failed": PhaseBroken,
	}
	loadBalancerPhases = map[string]Phase{
		"provisioning": PhaseSettling, "active": PhaseUsable, "active_impaired": PhaseUsable, "": PhaseUsable,
		"failed": PhaseBroken,
	}
)

func phaseOf(table map[string]Phase, state string) Phase {
	if p, ok := table[strings.ToLower(state)]; ok {
		return p
	}
	return PhaseUnknown
}

// EndpointPhase classifies a VPC endpoint state (or a connection state as
// the provider sees it; the two share one vocabulary). States compare
// case-folded: AWS spells them in lower camel case, some tools do not.
func EndpointPhase(state string) Phase { return phaseOf(endpointPhases, state) }

// ServicePhase classifies an endpoint service state
// (Pending | Available | Deleting | Deleted | Failed).
func ServicePhase(state string) Phase { return phaseOf(servicePhases, state) }

// LoadBalancerPhase classifies an ELBv2 load balancer state code
// (provisioning | active | active_impaired | failed).
func LoadBalancerPhase(state string) Phase { return phaseOf(loadBalancerPhases, state) }

// Exists reports whether a resource in phase p is still there for the
// purposes of matching it to the manifest: everything but gone.
func (p Phase) Exists() bool { return p != PhaseGone }

// Live reports whether a resource in phase p is, or will become, usable
// without anyone deleting it: settling, waiting or usable.
func (p Phase) Live() bool {
	return p == PhaseSettling || p == PhaseWaiting || p == PhaseUsable || p == PhaseUnknown
}
