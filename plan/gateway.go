package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/plinkdev/plink/live"
)

// Gateway endpoints (S3, DynamoDB; consumers of type: Gateway) have route
// tables instead of subnets, security groups and private DNS; they are
// free, need no acceptance and are available at once. Route tables and the
// policy change in place; another VPC or service replaces the endpoint.

const typeGatewayEndpoint = "Gateway"

// Live lint of gateway consumers (docs/plan.md), beside the codes in codes.go.
const (
	CodeRouteTableMissing   = "PL113" // error: a gateway consumer's route table does not exist
	CodeRouteTableWrongVPC  = "PL114" // error: a gateway consumer's route table is in another VPC
	CodeGatewayRouteMissing = "PL115" // warning: subnets of a gateway consumer's VPC whose route tables it does not list
	CodeRouteTaken          = "PL234" // error: a route table a gateway consumer adds already routes its service through another gateway endpoint
)

// liveGatewayValues are a gateway endpoint's attributes as plink manages them.
func (c *computer) liveGatewayValues(ep *live.Endpoint) *Values {
	return &Values{
		Type:          typeGatewayEndpoint,
		VPCID:         ep.VPCID,
		ServiceName:   ep.ServiceName,
		RouteTableIDs: sorted(ep.RouteTableIDs),
		Policy:        c.normalizePolicy(ep.Policy),
		Tags:          liveTags(ep.Tags),
	}
}

// gatewayChange plans a gateway consumer's endpoint: create, update (route
// tables, policy, tags), replace, adopt or no-op.
func (c *computer) gatewayChange(cs *consState, adopted bool) {
	cm := cs.c
	ch := Change{Address: cs.addr, Kind: KindEndpoint, Account: cs.alias, AccountID: cs.accountID, Region: cs.region}
	after := &Values{
		Type:          typeGatewayEndpoint,
		VPCID:         cm.VPCID,
		ServiceName:   cm.ServiceName,
		RouteTableIDs: sorted(cm.RouteTableIDs),
		Tags:          c.desiredTags(cm.Name, cm.Tags, cm.Protect),
	}
	if cs.ep != nil {
		markAdopted(after.Tags, cs.ep.Tags, cs.ep.ID, adopted) // adopted.go
	}
	pol, err := NormalizePolicyMap(cm.Policy)
	if err != nil {
		c.diag(SeverityError, CodeInvalidPolicy, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: %v", cs.addr, err), "write policy as an IAM policy document with Version and Statement")
	}
	after.Policy = pol
	if ep := cs.ep; ep != nil {
		before := c.liveEndpointValues(ep)
		ch.ID, ch.Before = ep.ID, before
		ch.ReplaceReasons = endpointReplaceReasons(before, after)
		c.scopeReasons(&ch, ep.AccountID, ep.Region)
		if deadEndpoint(ep.State) {
			ch.ReplaceReasons = append(ch.ReplaceReasons, "state")
			ch.Warnings = append(ch.Warnings, fmt.Sprintf("endpoint %s is %s: it carries no traffic, so it is replaced", ep.ID, ep.State))
		}
		ch.Action = endpointAction(ch.ReplaceReasons, adopted, before, after)
		if ch.Action == Replace {
			ch.Breaks = []string{fmt.Sprintf("gateway endpoint %s and its routes in %s are deleted once its replacement is created", ep.ID, strings.Join(before.RouteTableIDs, ", "))}
		}
		if ch.Action == Update && before.Tags[live.TagName] == "" {
			ch.Warnings = append(ch.Warnings, fmt.Sprintf("%s lost its %s tag; the plan restores it", ch.ID, live.TagName))
		}
	} else {
		ch.Action = Create
	}
	ch.After = after
	if cs.renamedFrom != "" {
		renameWarning(&ch, "consumer.", cs.renamedFrom, kindEndpointNoun)
	}
	c.changes = append(c.changes, ch)
	c.gatewayLint(cs)
	c.routeConflicts(cs, &ch)
}

// gatewayLint checks a gateway consumer against the live VPC: its VPC and
// route tables exist there (PL108, PL113, PL114), and every subnet of the
// VPC reaches the service through it (PL115): a subnet whose route table
// it does not list sends that service's traffic another way (a NAT or
// internet gateway, or nowhere).
func (c *computer) gatewayLint(cs *consState) {
	if !c.readOK(cs.accountID, cs.region) || c.gatewayReadFailed(cs) {
		return
	}
	cm := cs.c
	if c.vpcs[key{cs.accountID, cs.region, cm.VPCID}] == nil {
		c.diag(SeverityError, CodeVPCMissing, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: VPC %s does not exist in account %s region %s", cs.addr, cm.VPCID, c.accountLabel(cs.accountID), cs.region),
			"check vpcId, account and region")
		return
	}
	tables := map[string]*live.RouteTable{}
	var main *live.RouteTable
	explicit := map[string]string{} // subnet → its table, in the consumer's VPC
	for i := range c.s.RouteTables {
		rt := &c.s.RouteTables[i]
		if rt.AccountID != cs.accountID || rt.Region != cs.region {
			continue
		}
		tables[rt.ID] = rt
		if rt.VPCID != cm.VPCID {
			continue
		}
		if rt.Main {
			main = rt
		}
		for _, s := range rt.SubnetIDs {
			explicit[s] = rt.ID
		}
	}
	for _, id := range sorted(cm.RouteTableIDs) {
		rt := tables[id]
		switch {
		case rt == nil:
			c.diag(SeverityError, CodeRouteTableMissing, cs.addr, cs.alias, cs.region,
				fmt.Sprintf("%s: route table %s does not exist in VPC %s (account %s region %s)", cs.addr, id, cm.VPCID, c.accountLabel(cs.accountID), cs.region),
				"check routeTableIds (aws ec2 describe-route-tables --filters Name=vpc-id,Values="+cm.VPCID+")")
		case rt.VPCID != cm.VPCID:
			c.diag(SeverityError, CodeRouteTableWrongVPC, cs.addr, cs.alias, cs.region,
				fmt.Sprintf("%s: route table %s is in %s, not in the endpoint's VPC %s", cs.addr, id, rt.VPCID, cm.VPCID),
				"use route tables of "+cm.VPCID)
		}
	}
	var missed []string
	for _, sn := range c.vpcSubnets[key{cs.accountID, cs.region, cm.VPCID}] {
		rt := explicit[sn.ID]
		if rt == "" && main != nil {
			rt = main.ID
		}
		if rt != "" && !contains(cm.RouteTableIDs, rt) {
			missed = append(missed, fmt.Sprintf("%s (route table %s)", sn.ID, rt))
		}
	}
	if len(missed) > 0 {
		sort.Strings(missed)
		c.diag(SeverityWarning, CodeGatewayRouteMissing, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: subnets %s of %s do not reach %s through the gateway endpoint: their route tables are not in routeTableIds", cs.addr, strings.Join(missed, ", "), cm.VPCID, cm.ServiceName),
			"add those route tables to routeTableIds, if their subnets should use the endpoint")
	}
}

// gatewayReadFailed reports whether the route tables of the consumer's
// scope failed to read (PL201 says so; no lint on half the facts).
func (c *computer) gatewayReadFailed(cs *consState) bool {
	for _, f := range c.s.Failures {
		if f.AccountID == cs.accountID && f.Region == cs.region && (f.Call == "DescribeRouteTables" || f.Call == "DescribeSubnets") {
			return true
		}
	}
	return false
}

// routeConflicts refuses route tables that a gateway consumer adds (all of
// them for a create or replace) when they already route its service
// through another gateway endpoint: AWS allows one route per prefix list
// in a route table and refuses the second endpoint (RouteAlreadyExists) —
// at apply, after other changes were made. The route tables' prefix-list
// routes are read; a route's prefix list is known to be the service's when
// an endpoint of that service in the snapshot holds it. Two consumers of
// the manifest giving one table to one service are manifest lint PL013.
func (c *computer) routeConflicts(cs *consState, ch *Change) {
	if ch.After == nil || !c.readOK(cs.accountID, cs.region) || c.gatewayReadFailed(cs) {
		return
	}
	adds := ch.After.RouteTableIDs
	if ch.Action != Create && ch.Action != Replace && ch.Before != nil {
		adds, _ = setDiffStrings(ch.Before.RouteTableIDs, ch.After.RouteTableIDs)
	}
	if len(adds) == 0 {
		return
	}
	own := ""
	if cs.ep != nil {
		own = cs.ep.ID
	}
	svc := ch.After.ServiceName
	// prefix lists of svc: those that endpoints of svc in this scope route
	pls := map[string]bool{}
	type route struct{ table, pl, ep string }
	var routes []route
	for i := range c.s.RouteTables {
		rt := &c.s.RouteTables[i]
		if rt.AccountID != cs.accountID || rt.Region != cs.region {
			continue
		}
		for _, r := range rt.GatewayRoutes {
			pl, ep, ok := strings.Cut(r, "→")
			if !ok {
				continue
			}
			routes = append(routes, route{rt.ID, pl, ep})
			if e := c.epByID[ep]; e != nil && e.ServiceName == svc && e.AccountID == cs.accountID && e.Region == cs.region {
				pls[pl] = true
			}
		}
	}
	for _, r := range routes {
		if !pls[r.pl] || r.ep == own || !contains(adds, r.table) {
			continue
		}
		holder := "an endpoint plink does not manage"
		hint := fmt.Sprintf("remove %s from routeTableIds of %s, or take the route off %s first (aws ec2 modify-vpc-endpoint --vpc-endpoint-id %s --remove-route-table-ids %s); if %s is the endpoint you want, adopt it (adopt: %s)", r.table, cs.addr, r.ep, r.ep, r.table, r.ep, r.ep)
		if e := c.epByID[r.ep]; e != nil && e.Tags[live.TagProject] == c.m.Project && c.m.Project != "" {
			name := ownedName(e.Tags, e.ID)
			holder = "consumer." + name + " of this project"
			if !c.claimed[e.ID] {
				hint = fmt.Sprintf("this plan deletes %s only after it has added the route of %s: if %s is consumer.%s renamed, add `renamedFrom: [%s]` to keep the endpoint; otherwise apply without %s in routeTableIds first (the old endpoint is deleted), then add it", r.ep, cs.addr, cs.addr, name, name, r.table)
			} else {
				hint = fmt.Sprintf("list %s in routeTableIds of only one of consumer.%s and %s", r.table, name, cs.addr)
			}
		} else if c.going[r.ep] != "" {
			continue // its routes go with it
		}
		c.diag(SeverityError, CodeRouteTaken, cs.addr, cs.alias, cs.region,
			fmt.Sprintf("%s: route table %s already routes %s (prefix list %s) through gateway endpoint %s (%s); AWS allows one such route per route table and would refuse this endpoint (RouteAlreadyExists)", cs.addr, r.table, svc, r.pl, r.ep, holder),
			hint)
	}
}

// setDiffStrings returns what is in b and not in a, and in a and not in b.
func setDiffStrings(a, b []string) (added, removed []string) {
	for _, x := range b {
		if !contains(a, x) {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if !contains(b, x) {
			removed = append(removed, x)
		}
	}
	return added, removed
}
