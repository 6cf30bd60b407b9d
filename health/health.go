// Package health owns the types of load balancer target health (a load
// balancer's target groups, their targets' zones and states, its cross-zone
// setting) and the pure check built on them: a zone where the service is
// offered and consumers have endpoints has no healthy target and cross-zone
// load balancing is off, so every connection from that zone is reset.
//
// It is a leaf shared by status (which shows the finding), plan (which
// lints it) and drift (which reports it). It must not call AWS, print, or
// import those packages; reading target health belongs to status.
package health

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/plinkdev/plink/live"
)

// LoadBalancerHealth is one load balancer's targets as its owner sees them.
type LoadBalancerHealth struct {
	AccountID string `json:"accountId"`
	Region    string `json:"region"`
	ARN       string `json:"arn"`
	// CrossZone is load_balancing.cross_zone.enabled.
	CrossZone    bool                `json:"crossZone"`
	TargetGroups []TargetGroupHealth `json:"targetGroups"`
}

// TargetGroupHealth is a target group and the health of its targets.
type TargetGroupHealth struct {
	ARN     string         `json:"arn"`
	Targets []TargetHealth `json:"targets"`
}

// TargetHealth is one target: its zone (a name in the owner's mapping, or
// "all") and state (healthy, unhealthy, initial, unused, draining, …).
type TargetHealth struct {
	ID    string `json:"id"`
	Zone  string `json:"zone,omitempty"`
	State string `json:"state"`
}

// Affected is a consumer's endpoint that a finding affects.
type Affected struct {
	AccountID  string `json:"accountId"`
	EndpointID string `json:"endpointId"`
	// Consumer is the endpoint's plink:name, when it has one.
	Consumer string `json:"consumer,omitempty"`
}

// Reasons a zone has no healthy target to send its connections to.
const (
	ReasonCrossZoneOff  = "cross-zone load balancing is off"
	ReasonNoneHealthy   = "it has no healthy target in any zone"
	ReasonNoTargetGroup = "it has no target group"
)

// ZoneFinding is one zone of one service where consumers' connections are
// reset: a load balancer behind the service that is enabled in the zone
// has no healthy target there and nothing else on it serves the zone
// (Reason).
type ZoneFinding struct {
	// AccountID, Region, ServiceID and ServiceName are the service's.
	AccountID   string `json:"accountId"`
	Region      string `json:"region"`
	ServiceID   string `json:"serviceId"`
	ServiceName string `json:"serviceName"`
	// LoadBalancerARN is the load balancer without a healthy target.
	LoadBalancerARN string `json:"loadBalancerArn"`
	// ZoneID is the Availability Zone id (the same in every account).
	ZoneID string `json:"zoneId"`
	Reason string `json:"reason"`
	// Consumers are the endpoints with a subnet in the zone, sorted by
	// account and endpoint id.
	Consumers []Affected `json:"consumers"`
	// TargetGroups are the ARNs of the load balancer's target groups, sorted.
	TargetGroups []string `json:"targetGroups"`
	// Serving are the ARNs of every load balancer of the service enabled in
	// the zone, LoadBalancerARN among them, sorted. With more than one, AWS
	// connects each endpoint's interface in the zone to one of them, so
	// only the connections that land on LoadBalancerARN are reset.
	Serving []string `json:"serving,omitempty"`
}

// LoadBalancer names the load balancer without a healthy target and, when
// other load balancers of the service serve the zone too, says which ones:
// "net/second (one of 2 load balancers enabled in use1-az1, with net/first)".
func (f ZoneFinding) LoadBalancer() string {
	if len(f.Serving) < 2 {
		return LBShort(f.LoadBalancerARN)
	}
	var others []string
	for _, a := range f.Serving {
		if a != f.LoadBalancerARN {
			others = append(others, LBShort(a))
		}
	}
	return fmt.Sprintf("%s (one of %d load balancers enabled in %s, with %s)", LBShort(f.LoadBalancerARN), len(f.Serving), f.ZoneID, strings.Join(others, ", "))
}

// Message says what is wrong, in one sentence.
func (f ZoneFinding) Message() string {
	who := "connections from " + plural(len(f.Consumers), "endpoint") + " there are reset"
	if len(f.Serving) > 1 {
		who = "connections from the " + plural(len(f.Consumers), "endpoint") + " there that AWS sends to it are reset"
	}
	return fmt.Sprintf("load balancer %s of service %s has no healthy target in %s and %s: %s",
		f.LoadBalancer(), f.ServiceID, f.ZoneID, f.Reason, who)
}

// Affected names the endpoints whose connections are reset, as plan and
// drift write them: "consumer.NAME (endpoint ID of account ACCOUNT)", or
// without a consumer's name "endpoint ID of account ACCOUNT", where
// account labels an account id.
func (f ZoneFinding) Affected(account func(id string) string) []string {
	who := make([]string, 0, len(f.Consumers))
	for _, a := range f.Consumers {
		w := fmt.Sprintf("endpoint %s of account %s", a.EndpointID, account(a.AccountID))
		if a.Consumer != "" {
			w = fmt.Sprintf("consumer.%s (%s)", a.Consumer, w)
		}
		who = append(who, w)
	}
	return who
}

// Groups lists the target groups behind the zone, "none" when there is
// none.
func (f ZoneFinding) Groups() string {
	if len(f.TargetGroups) == 0 {
		return "none"
	}
	return strings.Join(f.TargetGroups, ", ")
}

// Hint says what to do about it.
func (f ZoneFinding) Hint() string {
	return fmt.Sprintf("fix the targets in %s (aws elbv2 describe-target-health), register healthy ones there, or turn on cross-zone load balancing on the load balancer", f.ZoneID)
}

// ZoneFindings are the findings of a live snapshot and the load balancers'
// target health: for every service, each zone it is offered in where
// consumers' endpoints (read in the snapshot, usable or becoming so) have a
// subnet, and each load balancer behind it that is enabled in that zone
// but has no healthy target there with cross-zone load balancing off (or
// no healthy target anywhere).
//
// AWS connects an endpoint's interface in a zone to a load balancer
// enabled in that zone; one not enabled there takes no traffic from it, so
// a zone is judged only by the load balancers enabled in it. Their zones
// come from the snapshot's LoadBalancers (DescribeLoadBalancers, names
// mapped to ids in the owner's account); the only load balancer of a
// service serves every zone the service's endpoints are in. A load
// balancer not in lbs (target health not read), or whose zones cannot be
// known, gives no finding: no judgement without facts. It is pure;
// findings come in the snapshot's order of services, then by load balancer
// and zone id.
func ZoneFindings(lv *live.Snapshot, lbs []LoadBalancerHealth) []ZoneFinding {
	if lv == nil || len(lbs) == 0 {
		return nil
	}
	ix := newZoneIndex(lv)
	byARN := map[string]*LoadBalancerHealth{}
	for i := range lbs {
		byARN[lbs[i].ARN] = &lbs[i]
	}
	var out []ZoneFinding
	for si := range lv.Services {
		s := &lv.Services[si]
		if ph := live.ServicePhase(s.State); ph == live.PhaseGone || ph == live.PhaseGoing || ph == live.PhaseBroken {
			continue
		}
		byZone := ix.consumersByZone(lv, s)
		if len(byZone) == 0 {
			continue
		}
		enabled, serving := ix.enabledZones(s, byZone)
		for _, arn := range s.NetworkLoadBalancerARNs {
			lb := byARN[arn]
			zones, known := enabled[arn]
			if lb == nil || !known {
				continue
			}
			healthy, groups := ix.healthyZones(lb)
			for _, z := range slices.Sorted(maps.Keys(byZone)) {
				if !zones[z] {
					continue // not enabled there: it takes no connection from the zone
				}
				if healthy[z] || healthy["all"] || (lb.CrossZone && len(healthy) > 0) {
					continue
				}
				aff := append([]Affected(nil), byZone[z]...)
				sort.Slice(aff, func(i, j int) bool {
					return aff[i].AccountID+aff[i].EndpointID < aff[j].AccountID+aff[j].EndpointID
				})
				out = append(out, ZoneFinding{
					AccountID: s.AccountID, Region: s.Region, ServiceID: s.ID, ServiceName: s.Name,
					LoadBalancerARN: arn, ZoneID: z, Reason: resetReason(healthy, groups), Consumers: aff, TargetGroups: groups,
					Serving: slices.Sorted(slices.Values(serving[z])),
				})
			}
		}
	}
	return out
}

// zoneIndex maps a snapshot's zone names, subnets and load balancers to
// zone ids.
type zoneIndex struct {
	zoneID  map[string]string // account|region|name -> zone id
	subnetZ map[string]string // account|subnet id -> zone id
	// lbZones are the zone ids each described load balancer is enabled in;
	// a zone name that does not map is left out rather than guessed.
	lbZones map[string]map[string]bool
}

func newZoneIndex(lv *live.Snapshot) *zoneIndex {
	ix := &zoneIndex{zoneID: map[string]string{}, subnetZ: map[string]string{}, lbZones: map[string]map[string]bool{}}
	for _, z := range lv.Zones {
		ix.zoneID[z.AccountID+"|"+z.Region+"|"+z.Name] = z.ID
	}
	for _, s := range lv.Subnets {
		ix.subnetZ[s.AccountID+"|"+s.ID] = s.ZoneID
	}
	for _, l := range lv.LoadBalancers {
		set := map[string]bool{}
		for _, n := range l.Zones {
			if id := ix.zoneID[l.AccountID+"|"+l.Region+"|"+n]; id != "" {
				set[id] = true
			}
		}
		ix.lbZones[l.ARN] = set
	}
	return ix
}

// consumersByZone are the endpoints of service s by zone id: endpoints in
// the service's region that are, or are becoming, connected, in the zones
// the service offers.
func (ix *zoneIndex) consumersByZone(lv *live.Snapshot, s *live.Service) map[string][]Affected {
	offered := map[string]bool{}
	for _, z := range s.AvailabilityZoneIDs {
		offered[z] = true
	}
	byZone := map[string][]Affected{}
	for ei := range lv.Endpoints {
		e := &lv.Endpoints[ei]
		if e.ServiceName != s.Name || e.Region != s.Region {
			continue
		}
		if ph := live.EndpointPhase(e.State); ph != live.PhaseUsable && ph != live.PhaseWaiting && ph != live.PhaseSettling {
			continue
		}
		seen := map[string]bool{}
		for _, sn := range e.SubnetIDs {
			z := ix.subnetZ[e.AccountID+"|"+sn]
			if z == "" || seen[z] || (len(offered) > 0 && !offered[z]) {
				continue
			}
			seen[z] = true
			byZone[z] = append(byZone[z], Affected{AccountID: e.AccountID, EndpointID: e.ID, Consumer: e.Tags[live.TagName]})
		}
	}
	return byZone
}

// enabledZones are the zones of each of the service's load balancers, when
// known (enabled), and per zone the load balancers enabled there
// (serving).
func (ix *zoneIndex) enabledZones(s *live.Service, byZone map[string][]Affected) (enabled map[string]map[string]bool, serving map[string][]string) {
	enabled, serving = map[string]map[string]bool{}, map[string][]string{}
	for _, arn := range s.NetworkLoadBalancerARNs {
		set, ok := ix.lbZones[arn]
		if !ok && len(s.NetworkLoadBalancerARNs) == 1 {
			// The only one: an endpoint can be in no zone the service
			// does not serve, and the service's zones are its zones.
			set, ok = map[string]bool{}, true
			for z := range byZone {
				set[z] = true
			}
		}
		if !ok {
			continue
		}
		enabled[arn] = set
		for z := range set {
			serving[z] = append(serving[z], arn)
		}
	}
	return enabled, serving
}

// healthyZones are the zone ids where lb has a healthy target ("all" for a
// target in every zone, or in a zone it does not say), and its target
// groups, sorted.
func (ix *zoneIndex) healthyZones(lb *LoadBalancerHealth) (healthy map[string]bool, groups []string) {
	healthy, groups = map[string]bool{}, []string{}
	for _, tg := range lb.TargetGroups {
		groups = append(groups, tg.ARN)
		for _, t := range tg.Targets {
			if !strings.EqualFold(t.State, "healthy") {
				continue
			}
			if t.Zone == "all" {
				healthy["all"] = true
			} else if id := ix.zoneID[lb.AccountID+"|"+lb.Region+"|"+t.Zone]; id != "" {
				healthy[id] = true
			} else if t.Zone != "" {
				healthy[t.Zone] = true // already an id, or unmapped
			} else {
				healthy["all"] = true // zone unknown: do not accuse a zone
			}
		}
	}
	sort.Strings(groups)
	return healthy, groups
}

// resetReason says why a zone's connections are reset, from the load
// balancer's healthy zones and target groups.
func resetReason(healthy map[string]bool, groups []string) string {
	switch {
	case len(groups) == 0:
		return ReasonNoTargetGroup
	case len(healthy) == 0:
		return ReasonNoneHealthy
	}
	return ReasonCrossZoneOff
}

// LBShort is a load balancer ARN's type/name ("net/payments-api").
func LBShort(arn string) string {
	_, rest, ok := strings.Cut(arn, ":loadbalancer/")
	if !ok {
		return arn
	}
	parts := strings.Split(rest, "/")
	if len(parts) >= 2 {
		return parts[0] + "/" + parts[1]
	}
	return rest
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
