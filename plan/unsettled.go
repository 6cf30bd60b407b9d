package plan

import (
	"fmt"
	"sort"

	"github.com/plinkdev/plink/live"
)

// Unsettled lists what keeps a plan without changes from meaning "live
// state matches the manifest": a setting deferred until something outside
// plink happens (private DNS waiting for the service's name to be
// verified, PL111), and resources of the manifest that AWS still reports
// as on their way (an endpoint pending, a service Pending). Apply's
// convergence check reports these as not converged, never as matching.
func Unsettled(p *Plan, s *live.Snapshot) []string {
	var out []string
	for _, d := range p.Diagnostics {
		if d.Code == CodeDNSWaits {
			out = append(out, d.Message)
		}
	}
	if s != nil {
		eps := make(map[string]string, len(s.Endpoints))
		for _, ep := range s.Endpoints {
			eps[ep.ID] = ep.State
		}
		svcs := make(map[string]string, len(s.Services))
		for _, sv := range s.Services {
			svcs[sv.ID] = sv.State
		}
		accepted := map[string]bool{}
		for _, c := range p.Changes {
			if c.Kind == KindConnection && c.Action == Accept {
				accepted[c.ID] = true
			}
		}
		for _, c := range p.Changes {
			if c.ID == "" || c.Action == Delete {
				continue
			}
			switch c.Kind {
			case KindEndpoint:
				st, ok := eps[c.ID]
				switch {
				case ok && live.EndpointPhase(st) == live.PhaseSettling:
					out = append(out, fmt.Sprintf("%s: endpoint %s is still %s", c.Address, c.ID, st))
				case ok && live.EndpointPhase(st) == live.PhaseWaiting && !accepted[c.ID]:
					// no change of this plan accepts it: its service's owner must
					out = append(out, fmt.Sprintf("%s: endpoint %s is %s: it waits for the service's owner to accept the connection, and is not usable until then", c.Address, c.ID, st))
				}
			case KindService:
				if st, ok := svcs[c.ID]; ok && live.ServicePhase(st) == live.PhaseSettling {
					out = append(out, fmt.Sprintf("%s: endpoint service %s is still %s", c.Address, c.ID, st))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// Settling reports whether a resource of p is on its way in AWS (an
// endpoint pending or deleting, a service Pending): what a wait, not a
// change, brings to its state. Unsettled lists them with the rest.
func Settling(p *Plan, s *live.Snapshot) bool {
	if s == nil {
		return false
	}
	ids := map[string]Kind{}
	for _, c := range p.Changes {
		if c.ID != "" && c.Action != Delete {
			ids[c.ID] = c.Kind
		}
	}
	for _, ep := range s.Endpoints {
		if k, ok := ids[ep.ID]; ok && k == KindEndpoint && live.EndpointPhase(ep.State) == live.PhaseSettling {
			return true
		}
	}
	for _, sv := range s.Services {
		if k, ok := ids[sv.ID]; ok && k == KindService && live.ServicePhase(sv.State) == live.PhaseSettling {
			return true
		}
	}
	return false
}
