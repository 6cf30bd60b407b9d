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
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	account := func(id string) bool { return s.world.account(id) != nil && reAccountID.MatchString(id) }
	regions := strings.Join(s.world.Regions, ", ")
	for id, sv := range st.Services {
		where := "service " + id
		if sv == nil {
			bad("%s: empty entry", where)
			continue
		}
		if sv.ID != id || !strings.HasPrefix(id, "vpce-svc-") {
			bad("%s: id %q does not match its key (want vpce-svc-…)", where, sv.ID)
		}
		if !account(sv.Account) {
			bad("%s: account %q is not in the world (accounts: %s)", where, sv.Account, strings.Join(s.aliases(), ", "))
			continue
		}
		if !s.servesRegion(sv.Region) {
			bad("%s: region %q is not served (regions: %s)", where, sv.Region, regions)
			continue
		}
		switch sv.Type {
		case "Interface", "GatewayLoadBalancer":
		default:
			bad("%s: type %q (valid: Interface, GatewayLoadBalancer)", where, sv.Type)
		}
		switch sv.Phase {
		case "", svcPending, svcAvailable, svcDeleting, svcFailed:
		default:
			bad("%s: phase %q (valid: \"\", Pending, Available, Deleting, Failed)", where, sv.Phase)
		}
		n := s.net(sv.Account, sv.Region)
		for _, arn := range sv.lbs() {
			if _, ok := n.lbs[arn]; !ok {
				bad("%s: load balancer %s is not in account %s region %s of the world", where, arn, sv.Account, sv.Region)
			}
		}
	}
	for id, ep := range st.Endpoints {
		where := "endpoint " + id
		if ep == nil {
			bad("%s: empty entry", where)
			continue
		}
		if ep.ID != id || !strings.HasPrefix(id, "vpce-") || strings.HasPrefix(id, "vpce-svc-") {
			bad("%s: id %q does not match its key (want vpce-…)", where, ep.ID)
		}
		if !account(ep.Account) {
			bad("%s: account %q is not in the world (accounts: %s)", where, ep.Account, strings.Join(s.aliases(), ", "))
			continue
		}
		// a Resource or ServiceNetwork endpoint has no service region
		if !s.servesRegion(ep.Region) || (!isLattice(ep.Type) && !s.servesRegion(ep.ServiceRegion)) {
			bad("%s: region %q or service region %q is not served (regions: %s)", where, ep.Region, ep.ServiceRegion, regions)
			continue
		}
		switch ep.Type {
		case "Interface", "GatewayLoadBalancer", "Gateway":
		case "Resource", "ServiceNetwork":
			if (ep.ResourceConfigurationArn == "") == (ep.ServiceNetworkArn == "") || (ep.Type == "Resource") != (ep.ResourceConfigurationArn != "") {
				bad("%s: a %s endpoint has exactly its own type's ARN (resourceConfigurationArn %q, serviceNetworkArn %q)", where, ep.Type, ep.ResourceConfigurationArn, ep.ServiceNetworkArn)
			}
		default:
			bad("%s: type %q (valid: Interface, GatewayLoadBalancer, Gateway, Resource, ServiceNetwork)", where, ep.Type)
		}
		switch ep.Phase {
		case phasePendingAcceptance, phasePending, phaseAvailable, phaseRejected, phaseExpired, phaseFailed, phaseDeleting:
		default:
			bad("%s: phase %q (valid: pendingAcceptance, pending, available, rejected, expired, failed, deleting)", where, ep.Phase)
		}
		n := s.net(ep.Account, ep.Region)
		if _, ok := n.vpcs[ep.VpcID]; !ok {
			bad("%s: vpc %q is not in account %s region %s of the world", where, ep.VpcID, ep.Account, ep.Region)
		}
		for _, sub := range ep.Subnets {
			if si, ok := n.subnets[sub]; !ok || si.VpcID != ep.VpcID {
				bad("%s: subnet %q is not in vpc %s", where, sub, ep.VpcID)
			}
		}
		for _, g := range ep.Groups {
			if sg, ok := n.sgs[g]; !ok || sg.VpcID != ep.VpcID {
				bad("%s: security group %q is not in vpc %s", where, g, ep.VpcID)
			}
		}
	}
	for id, nf := range st.Notifications {
		if nf == nil || nf.ID != id || !account(nf.Account) || !s.servesRegion(nf.Region) {
			bad("notification %s: id, account or region is not valid for this world", id)
		}
	}
	for key, rec := range st.Tokens {
		if rec == nil || rec.ResourceID == "" {
			bad("client token %q: record names no resource", key)
		}
	}
	for key, ses := range st.Sessions {
		if ses == nil || ses.AccessKeyID != key || !account(ses.Account) {
			bad("session %s: access key or account is not valid for this world", key)
		}
	}
	for id, pg := range st.PlacementGroups {
		if pg == nil || pg.ID != id || !strings.HasPrefix(id, "pg-") || !account(pg.Account) || !s.servesRegion(pg.Region) || !contains(placementStrategies, pg.Strategy) {
			bad("placement group %s: id, account, region or strategy is not valid for this world", id)
		}
	}
	for arn, lbst := range st.LBStates {
		found := false
		for _, n := range s.nets {
			if _, ok := n.lbs[arn]; ok {
				found = true
			}
		}
		if !found {
			bad("load balancer state: %s is not in the world", arn)
		}
		if lbst != lbDeleted && (lbst == "" || !contains(LoadBalancerStates, lbst)) {
			bad("load balancer state: %s: %q (valid: provisioning, active, active_impaired, failed, deleted)", arn, lbst)
		}
	}
	for zone, recs := range st.DNSRecords {
		if z, _ := s.zone(zone); z == nil {
			bad("dns records: hosted zone %s is not in the world", zone)
			continue
		}
		for key, rs := range recs {
			if rs == nil || key != rs.Name+"|"+rs.Type || !r53Types[rs.Type] || len(rs.Values) == 0 || st.DNSChanges[rs.Change] == nil {
				bad("dns records: %s in hosted zone %s: name, type, values or change is not valid", key, zone)
			}
		}
	}
	for id, ch := range st.DNSChanges {
		if ch == nil || ch.ID != id {
			bad("dns change %s: id is not valid", id)
		}
	}
	return errs
}
