package sandbox

// Checking a loaded state file against the world, so that a corrupted or
// hand-edited file is refused by New with a clear error instead of making
// handlers fail later.

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// stateError is the error New returns for a state file that does not
// load or validate: every problem (sorted, at most 20) and how to start over.
func stateError(path string, problems []string) error {
	sort.Strings(problems)
	if len(problems) > 20 {
		problems = append(problems[:20], fmt.Sprintf("and %d more", len(problems)-20))
	}
	return fmt.Errorf("sandbox: state file %s does not validate:\n  %s\nhint: it was edited by hand, damaged, or written with another world; delete it to start over ('plink sandbox reset' for --sandbox, 'plink sandbox reset --state %s' for serve)",
		path, strings.Join(problems, "\n  "), path)
}

// jsonPosition turns a JSON decoding error into "line L, column C: …".
func jsonPosition(b []byte, err error) error {
	var off int64
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	default:
		return err
	}
	// Offset counts the bytes read, the offending one included.
	line, col := 1, 1
	for _, c := range b[:max(0, min(int(off)-1, len(b)))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}

// validateState checks that everything the state refers to exists in the
// world and that every stored phase is one the sandbox can be in.
func (s *Sandbox) validateState(st *state) []string {
	sc := &stateCheck{s: s, st: st, regions: strings.Join(s.world.Regions, ", ")}
	for id, sv := range st.Services {
		sc.service(id, sv)
	}
	for id, ep := range st.Endpoints {
		sc.endpoint(id, ep)
	}
	sc.records()
	sc.loadBalancerStates()
	sc.dns()
	return sc.errs
}

// stateCheck collects the problems of a state against the world.
type stateCheck struct {
	s       *Sandbox
	st      *state
	regions string // the world's, for messages
	errs    []string
}

func (sc *stateCheck) bad(format string, a ...any) {
	sc.errs = append(sc.errs, fmt.Sprintf(format, a...))
}

// account reports whether id is an account of the world.
func (sc *stateCheck) account(id string) bool {
	return sc.s.world.account(id) != nil && reAccountID.MatchString(id)
}

// inWorld checks that the account of a resource (at where) is the
// world's.
func (sc *stateCheck) inWorld(where, account string) bool {
	if !sc.account(account) {
		sc.bad("%s: account %q is not in the world (accounts: %s)", where, account, strings.Join(sc.s.aliases(), ", "))
		return false
	}
	return true
}

// service checks an endpoint service: its id, account, region, type,
// phase and load balancers.
func (sc *stateCheck) service(id string, sv *service) {
	where := "service " + id
	if sv == nil {
		sc.bad("%s: empty entry", where)
		return
	}
	if sv.ID != id || !strings.HasPrefix(id, "vpce-svc-") {
		sc.bad("%s: id %q does not match its key (want vpce-svc-…)", where, sv.ID)
	}
	if !sc.inWorld(where, sv.Account) {
		return
	}
	if !sc.s.servesRegion(sv.Region) {
		sc.bad("%s: region %q is not served (regions: %s)", where, sv.Region, sc.regions)
		return
	}
	switch sv.Type {
	case "Interface", "GatewayLoadBalancer":
	default:
		sc.bad("%s: type %q (valid: Interface, GatewayLoadBalancer)", where, sv.Type)
	}
	switch sv.Phase {
	case "", svcPending, svcAvailable, svcDeleting, svcFailed:
	default:
		sc.bad("%s: phase %q (valid: \"\", Pending, Available, Deleting, Failed)", where, sv.Phase)
	}
	n := sc.s.net(sv.Account, sv.Region)
	for _, arn := range sv.lbs() {
		if _, ok := n.lbs[arn]; !ok {
			sc.bad("%s: load balancer %s is not in account %s region %s of the world", where, arn, sv.Account, sv.Region)
		}
	}
}

// endpoint checks an endpoint: its id, account, regions, type, phase and
// network.
func (sc *stateCheck) endpoint(id string, ep *endpoint) {
	where := "endpoint " + id
	if ep == nil {
		sc.bad("%s: empty entry", where)
		return
	}
	if ep.ID != id || !strings.HasPrefix(id, "vpce-") || strings.HasPrefix(id, "vpce-svc-") {
		sc.bad("%s: id %q does not match its key (want vpce-…)", where, ep.ID)
	}
	if !sc.inWorld(where, ep.Account) {
		return
	}
	// a Resource or ServiceNetwork endpoint has no service region
	if !sc.s.servesRegion(ep.Region) || (!isLattice(ep.Type) && !sc.s.servesRegion(ep.ServiceRegion)) {
		sc.bad("%s: region %q or service region %q is not served (regions: %s)", where, ep.Region, ep.ServiceRegion, sc.regions)
		return
	}
	switch ep.Type {
	case endpointTypeInterface, endpointTypeGatewayLoadBalancer, endpointTypeGateway:
	case endpointTypeResource, endpointTypeServiceNetwork:
		if (ep.ResourceConfigurationArn == "") == (ep.ServiceNetworkArn == "") || (ep.Type == endpointTypeResource) != (ep.ResourceConfigurationArn != "") {
			sc.bad("%s: a %s endpoint has exactly its own type's ARN (resourceConfigurationArn %q, serviceNetworkArn %q)", where, ep.Type, ep.ResourceConfigurationArn, ep.ServiceNetworkArn)
		}
	default:
		sc.bad("%s: type %q (valid: Interface, GatewayLoadBalancer, Gateway, Resource, ServiceNetwork)", where, ep.Type)
	}
	switch ep.Phase {
	case phasePendingAcceptance, phasePending, phaseAvailable, phaseRejected, phaseExpired, phaseFailed, phaseDeleting:
	default:
		sc.bad("%s: phase %q (valid: pendingAcceptance, pending, available, rejected, expired, failed, deleting)", where, ep.Phase)
	}
	n := sc.s.net(ep.Account, ep.Region)
	if _, ok := n.vpcs[ep.VpcID]; !ok {
		sc.bad("%s: vpc %q is not in account %s region %s of the world", where, ep.VpcID, ep.Account, ep.Region)
	}
	for _, sub := range ep.Subnets {
		if si, ok := n.subnets[sub]; !ok || si.VpcID != ep.VpcID {
			sc.bad("%s: subnet %q is not in vpc %s", where, sub, ep.VpcID)
		}
	}
	for _, g := range ep.Groups {
		if sg, ok := n.sgs[g]; !ok || sg.VpcID != ep.VpcID {
			sc.bad("%s: security group %q is not in vpc %s", where, g, ep.VpcID)
		}
	}
}

// records checks notifications, client tokens, sessions and placement
// groups: each in an account (and region) of the world.
func (sc *stateCheck) records() {
	st, s := sc.st, sc.s
	for id, nf := range st.Notifications {
		if nf == nil || nf.ID != id || !sc.account(nf.Account) || !s.servesRegion(nf.Region) {
			sc.bad("notification %s: id, account or region is not valid for this world", id)
		}
	}
	for key, rec := range st.Tokens {
		if rec == nil || rec.ResourceID == "" {
			sc.bad("client token %q: record names no resource", key)
		}
	}
	for key, ses := range st.Sessions {
		if ses == nil || ses.AccessKeyID != key || !sc.account(ses.Account) {
			sc.bad("session %s: access key or account is not valid for this world", key)
		}
	}
	for id, pg := range st.PlacementGroups {
		if pg == nil || pg.ID != id || !strings.HasPrefix(id, "pg-") || !sc.account(pg.Account) || !s.servesRegion(pg.Region) || !contains(placementStrategies, pg.Strategy) {
			sc.bad("placement group %s: id, account, region or strategy is not valid for this world", id)
		}
	}
}

// loadBalancerStates checks the forced states of load balancers: each of
// the world, in a state the sandbox knows.
func (sc *stateCheck) loadBalancerStates() {
	for arn, lbst := range sc.st.LBStates {
		found := false
		for _, n := range sc.s.nets {
			if _, ok := n.lbs[arn]; ok {
				found = true
			}
		}
		if !found {
			sc.bad("load balancer state: %s is not in the world", arn)
		}
		if lbst != lbDeleted && (lbst == "" || !contains(LoadBalancerStates, lbst)) {
			sc.bad("load balancer state: %s: %q (valid: provisioning, active, active_impaired, failed, deleted)", arn, lbst)
		}
	}
}

// dns checks the DNS records (each in a hosted zone of the world, made by
// a change of the state) and the changes.
func (sc *stateCheck) dns() {
	st := sc.st
	for zone, recs := range st.DNSRecords {
		if z, _ := sc.s.zone(zone); z == nil {
			sc.bad("dns records: hosted zone %s is not in the world", zone)
			continue
		}
		for key, rs := range recs {
			if rs == nil || key != rs.Name+"|"+rs.Type || !r53Types[rs.Type] || len(rs.Values) == 0 || st.DNSChanges[rs.Change] == nil {
				sc.bad("dns records: %s in hosted zone %s: name, type, values or change is not valid", key, zone)
			}
		}
	}
	for id, ch := range st.DNSChanges {
		if ch == nil || ch.ID != id {
			sc.bad("dns change %s: id is not valid", id)
		}
	}
}
