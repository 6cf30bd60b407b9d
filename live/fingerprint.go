package live

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
)

// normalize sorts every list so two reads of the same world serialize
// identically, and turns empty slices and maps into nil.
func (s *Snapshot) normalize() {
	sort.Slice(s.Scopes, func(i, j int) bool {
		a, b := s.Scopes[i], s.Scopes[j]
		return less(a.Account, b.Account, a.Region, b.Region)
	})
	for i := range s.Services {
		sv := &s.Services[i]
		sv.Principals = sortedCopy(sv.Principals)
		sort.Slice(sv.Connections, func(a, b int) bool {
			return sv.Connections[a].EndpointID < sv.Connections[b].EndpointID
		})
		sort.Slice(sv.Notifications, func(a, b int) bool {
			return sv.Notifications[a].ID < sv.Notifications[b].ID
		})
		sv.SupportedIPAddressTypes = sortedCopy(sv.SupportedIPAddressTypes)
		sv.SupportedRegions = sortedCopy(sv.SupportedRegions)
		sv.AvailabilityZoneIDs = sortedCopy(sv.AvailabilityZoneIDs)
		if len(sv.Connections) == 0 {
			sv.Connections = nil
		}
		if len(sv.Notifications) == 0 {
			sv.Notifications = nil
		}
	}
	sort.Slice(s.Services, func(i, j int) bool {
		a, b := s.Services[i], s.Services[j]
		return less(a.AccountID, b.AccountID, a.Region, b.Region, a.ID, b.ID)
	})
	sort.Slice(s.Endpoints, func(i, j int) bool {
		a, b := s.Endpoints[i], s.Endpoints[j]
		return less(a.AccountID, b.AccountID, a.Region, b.Region, a.ID, b.ID)
	})
	sort.Slice(s.LoadBalancers, func(i, j int) bool {
		a, b := s.LoadBalancers[i], s.LoadBalancers[j]
		return less(a.AccountID, b.AccountID, a.Region, b.Region, a.ARN, b.ARN)
	})
	sort.Slice(s.VPCs, func(i, j int) bool {
		a, b := s.VPCs[i], s.VPCs[j]
		return less(a.AccountID, b.AccountID, a.Region, b.Region, a.ID, b.ID)
	})
	sort.Slice(s.Subnets, func(i, j int) bool {
		a, b := s.Subnets[i], s.Subnets[j]
		return less(a.AccountID, b.AccountID, a.Region, b.Region, a.ID, b.ID)
	})
	sort.Slice(s.SecurityGroups, func(i, j int) bool {
		a, b := s.SecurityGroups[i], s.SecurityGroups[j]
		return less(a.AccountID, b.AccountID, a.Region, b.Region, a.ID, b.ID)
	})
	sort.Slice(s.Zones, func(i, j int) bool {
		a, b := s.Zones[i], s.Zones[j]
		return less(a.AccountID, b.AccountID, a.Region, b.Region, a.Name, b.Name)
	})
	sort.Slice(s.VisibleServices, func(i, j int) bool {
		a, b := s.VisibleServices[i], s.VisibleServices[j]
		return less(a.AccountID, b.AccountID, a.Region, b.Region, a.ServiceName, b.ServiceName, a.Type, b.Type, a.ServiceID, b.ServiceID)
	})
	sort.Slice(s.Failures, func(i, j int) bool {
		a, b := s.Failures[i], s.Failures[j]
		return less(a.Account, b.Account, a.Region, b.Region, a.Call, b.Call, a.Error, b.Error)
	})
	if len(s.Services) == 0 {
		s.Services = nil
	}
	if len(s.Endpoints) == 0 {
		s.Endpoints = nil
	}
	if len(s.LoadBalancers) == 0 {
		s.LoadBalancers = nil
	}
	if len(s.VPCs) == 0 {
		s.VPCs = nil
	}
	if len(s.Subnets) == 0 {
		s.Subnets = nil
	}
	if len(s.SecurityGroups) == 0 {
		s.SecurityGroups = nil
	}
	if len(s.Zones) == 0 {
		s.Zones = nil
	}
	if len(s.VisibleServices) == 0 {
		s.VisibleServices = nil
	}
	if len(s.Failures) == 0 {
		s.Failures = nil
	}
	if s.Scopes == nil {
		s.Scopes = []Scope{}
	}
}

// less compares pairs of keys in order: less(a1, b1, a2, b2, ...).
func less(pairs ...string) bool {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i] != pairs[i+1] {
			return pairs[i] < pairs[i+1]
		}
	}
	return false
}

// Fingerprints maps every resource in the snapshot that a plan depends on
// to a short SHA-256 of its canonical JSON: endpoint services (with their
// principals, connections and notifications) and endpoints by id; load
// balancers by ARN; VPCs, subnets and security groups by id; and services
// as a consumer account sees them by "visible:NAME@ACCOUNT/REGION". A saved
// plan keeps them; apply compares them with a fresh read (Diff) to refuse a
// stale plan.
func (s *Snapshot) Fingerprints() map[string]string {
	out := map[string]string{}
	for _, sv := range s.Services {
		out[sv.ID] = fingerprint(sv)
	}
	for _, ep := range s.Endpoints {
		out[ep.ID] = fingerprint(ep)
	}
	for _, lb := range s.LoadBalancers {
		out[lb.ARN] = fingerprint(lb)
	}
	for _, v := range s.VPCs {
		out[v.ID] = fingerprint(v)
	}
	for _, sn := range s.Subnets {
		out[sn.ID] = fingerprint(sn)
	}
	for _, g := range s.SecurityGroups {
		out[g.ID] = fingerprint(g)
	}
	for _, vs := range s.VisibleServices {
		out["visible:"+vs.ServiceName+"@"+vs.AccountID+"/"+vs.Region] = fingerprint(vs)
	}
	return out
}

func fingerprint(v any) string {
	b, err := json.Marshal(v) // map keys are sorted; lists are sorted by normalize
	if err != nil {
		panic("live: fingerprint: " + err.Error()) // plain data always marshals
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Diff describes how two sets of fingerprints differ, one line per id, sorted
// by id: "added ID", "removed ID" or "changed ID". It is empty when they agree.
func Diff(old, new map[string]string) []string {
	ids := map[string]bool{}
	for id := range old {
		ids[id] = true
	}
	for id := range new {
		ids[id] = true
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Strings(sorted)
	var out []string
	for _, id := range sorted {
		o, inOld := old[id]
		n, inNew := new[id]
		switch {
		case !inOld:
			out = append(out, "added "+id)
		case !inNew:
			out = append(out, "removed "+id)
		case o != n:
			out = append(out, "changed "+id)
		}
	}
	return out
}
