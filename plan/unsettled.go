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
		for _, c := range p.Changes {
			if c.ID == "" || c.Action == Delete {
				continue
			}
			switch c.Kind {
			case KindEndpoint:
				if st, ok := eps[c.ID]; ok && live.EndpointPhase(st) == live.PhaseSettling {
					out = append(out, fmt.Sprintf("%s: endpoint %s is still %s", c.Address, c.ID, st))
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
