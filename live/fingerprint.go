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
	scoped := func(account, region, id string) [5]string { return [5]string{account, region, id} }
	s.Services = sortKeyed(s.Services, func(x *Service) [5]string { return scoped(x.AccountID, x.Region, x.ID) })
	s.Endpoints = sortKeyed(s.Endpoints, func(x *Endpoint) [5]string { return scoped(x.AccountID, x.Region, x.ID) })
	s.LoadBalancers = sortKeyed(s.LoadBalancers, func(x *LoadBalancer) [5]string { return scoped(x.AccountID, x.Region, x.ARN) })
	s.VPCs = sortKeyed(s.VPCs, func(x *VPC) [5]string { return scoped(x.AccountID, x.Region, x.ID) })
	s.Subnets = sortKeyed(s.Subnets, func(x *Subnet) [5]string { return scoped(x.AccountID, x.Region, x.ID) })
	s.SecurityGroups = sortKeyed(s.SecurityGroups, func(x *SecurityGroup) [5]string { return scoped(x.AccountID, x.Region, x.ID) })
	s.RouteTables = sortKeyed(s.RouteTables, func(x *RouteTable) [5]string { return scoped(x.AccountID, x.Region, x.ID) })
	s.Zones = sortKeyed(s.Zones, func(x *Zone) [5]string { return scoped(x.AccountID, x.Region, x.Name) })
	s.VisibleServices = sortKeyed(s.VisibleServices, func(x *VisibleService) [5]string {
		return [5]string{x.AccountID, x.Region, x.ServiceName, x.Type, x.ServiceID}
	})
	s.EndpointNotifications = sortKeyed(s.EndpointNotifications, func(x *EndpointNotification) [5]string {
		return [5]string{x.AccountID, x.Region, x.EndpointID, x.ID}
	})
	s.Interfaces = sortKeyed(s.Interfaces, func(x *NetworkInterface) [5]string { return scoped(x.AccountID, x.Region, x.ID) })
	s.Failures = sortKeyed(s.Failures, func(x *Failure) [5]string { return [5]string{x.Account, x.Region, x.Call, x.Error} })
	if s.Scopes == nil {
		s.Scopes = []Scope{}
	}
}

// sortKeyed sorts xs by the keys key gives, compared in order, and makes
// an empty list nil: two reads of one world serialize alike.
func sortKeyed[T any](xs []T, key func(*T) [5]string) []T {
	if len(xs) == 0 {
		return nil
	}
	sort.SliceStable(xs, func(i, j int) bool {
		a, b := key(&xs[i]), key(&xs[j])
		for k := range a {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		return false
	})
	return xs
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
// balancers by ARN; VPCs, subnets, security groups and route tables by id;
// services as a consumer account sees them by "visible:NAME@ACCOUNT/REGION";
// private DNS zones found by "dns-zone:PROVIDER", verification records by
// "dns-record:ZONE/NAME", and interfaces holding fixed addresses by id. A saved
// plan keeps them; apply compares them with a fresh read (Diff) to refuse a
// stale plan.
func (s *Snapshot) Fingerprints() map[string]string {
	out := map[string]string{}
	fingerprintAll(out, s.Services, func(x *Service) string { return x.ID })
	fingerprintAll(out, s.Endpoints, func(x *Endpoint) string { return x.ID })
	fingerprintAll(out, s.LoadBalancers, func(x *LoadBalancer) string { return x.ARN })
	fingerprintAll(out, s.VPCs, func(x *VPC) string { return x.ID })
	fingerprintAll(out, s.Subnets, func(x *Subnet) string { return x.ID })
	fingerprintAll(out, s.SecurityGroups, func(x *SecurityGroup) string { return x.ID })
	fingerprintAll(out, s.RouteTables, func(x *RouteTable) string { return x.ID })
	fingerprintAll(out, s.VisibleServices, func(x *VisibleService) string {
		return "visible:" + x.ServiceName + "@" + x.AccountID + "/" + x.Region
	})
	// Route 53's verification records and zones, and the interfaces that
	// hold fixed addresses: a record deleted by hand makes a saved plan
	// stale as a changed endpoint does.
	fingerprintAll(out, s.DNSZones, func(x *DNSZone) string { return "dns-zone:" + x.Provider })
	fingerprintAll(out, s.DNSRecords, func(x *DNSRecord) string { return "dns-record:" + x.ZoneID + "/" + x.Name })
	fingerprintAll(out, s.Interfaces, func(x *NetworkInterface) string { return x.ID })
	return out
}

// fingerprintAll adds the fingerprint of each of xs under its id.
func fingerprintAll[T any](out map[string]string, xs []T, id func(*T) string) {
	for i := range xs {
		out[id(&xs[i])] = fingerprint(xs[i])
	}
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
