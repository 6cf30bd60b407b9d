package sandbox

// Route tables: part of the world (read-only, like VPCs and subnets), with
// the routes gateway endpoints add. A gateway endpoint (S3, DynamoDB) works
// by a route to its service's prefix list in each route table it names;
// AWS adds and removes those routes with the endpoint, and so does the
// sandbox, by computing them from the live endpoints on every read.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// RouteTable is a VPC route table of the world. Every VPC has one main
// table: a VPC that declares none gets rtb- and its own id's digits.
type RouteTable struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Main marks the VPC's main table: it serves every subnet that no
	// table names in Subnets.
	Main bool `yaml:"main"`
	// Subnets are the subnets explicitly associated with the table.
	Subnets []string `yaml:"subnets"`
}

var reRtbID = regexp.MustCompile(`^rtb-[0-9a-f]{8,17}$`)

// routeTables returns the VPC's tables with its main one first, adding
// the implicit main table when the world declares none.
func routeTables(v *VPC) []RouteTable {
	var out []RouteTable
	hasMain := false
	for _, rt := range v.RouteTables {
		if rt.Main {
			hasMain = true
			out = append([]RouteTable{rt}, out...)
			continue
		}
		out = append(out, rt)
	}
	if !hasMain {
		out = append([]RouteTable{{ID: "rtb-" + strings.TrimPrefix(v.ID, "vpc-"), Main: true}}, out...)
	}
	return out
}

// validateRouteTables checks the world's route tables: well-formed unique
// ids, one main table per VPC at most, subnets of the table's own VPC, each
// associated with one table at most.
func (w *World) validateRouteTables() []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	ids := map[string]bool{}
	for _, a := range w.Accounts {
		for _, rname := range slices.Sorted(maps.Keys(a.Regions)) {
			rw := a.Regions[rname]
			for _, v := range rw.VPCs {
				where := fmt.Sprintf("account %s region %s vpc %s", a.Alias, rname, v.ID)
				own := map[string]bool{}
				for _, s := range v.Subnets {
					own[s.ID] = true
				}
				mains, assoc := 0, map[string]string{}
				for _, rt := range routeTables(&v) {
					if !reRtbID.MatchString(rt.ID) {
						bad("%s: route table id %q is malformed (rtb- and 8 to 17 hex digits)", where, rt.ID)
					}
					if ids[rt.ID] {
						bad("%s: route table %s: duplicate id", where, rt.ID)
					}
					ids[rt.ID] = true
					if rt.Main {
						mains++
					}
					for _, s := range rt.Subnets {
						switch {
						case !own[s]:
							bad("%s: route table %s: subnet %s is not in the vpc", where, rt.ID, s)
						case assoc[s] != "":
							bad("%s: subnet %s is associated with route tables %s and %s; a subnet has one", where, s, assoc[s], rt.ID)
						}
						assoc[s] = rt.ID
					}
				}
				if mains > 1 {
					bad("%s: %d route tables are main; a VPC has one", where, mains)
				}
			}
		}
	}
	return errs
}

// prefixLists are the AWS-managed prefix lists of the gateway services in
// the regions whose ids are well known; other regions get a stable made-up
// id of the same shape.
var prefixLists = map[string]string{
	"com.amazonaws.us-east-1.s3":       "pl-63a5400a",
	"com.amazonaws.us-east-1.dynamodb": "pl-02cd2c6b",
	"com.amazonaws.us-west-2.s3":       "pl-68a54001",
	"com.amazonaws.us-west-2.dynamodb": "pl-00a54069",
}

// prefixListID is the prefix list of a gateway service.
func prefixListID(service string) string {
	if id, ok := prefixLists[service]; ok {
		return id
	}
	h := sha256.Sum256([]byte(service))
	return "pl-" + hex.EncodeToString(h[:])[:8]
}

// routeTableOf finds a route table of the caller's account and region.
func (c *call) routeTableOf(id string) (*RouteTable, *VPC) {
	for _, vid := range slices.Sorted(maps.Keys(c.net.vpcs)) {
		v := c.net.vpcs[vid]
		for _, rt := range routeTables(v) {
			if rt.ID == id {
				return &rt, v
			}
		}
	}
	return nil, nil
}

// checkRouteTables refuses route tables that do not exist or lie outside
// the endpoint's VPC, and a table that already routes the service's prefix
// list through another gateway endpoint (AWS allows one such route).
func (c *call) checkRouteTables(ids []string, vpcID, service, except string) *apiError {
	for _, id := range ids {
		rt, v := c.routeTableOf(id)
		if rt == nil {
			return errf(400, "InvalidRouteTableId.NotFound", "The routeTable ID '%s' does not exist", id)
		}
		if v.ID != vpcID {
			return invalidParam("The route table %s is in VPC %s, not in the endpoint's VPC %s", id, v.ID, vpcID)
		}
		for _, ep := range c.gatewayRoutes(id) {
			if ep.ID != except && ep.ServiceName == service {
				return errf(400, "RouteAlreadyExists", "The route table %s already has a route to %s (%s) through %s", id, prefixListID(service), service, ep.ID)
			}
		}
	}
	return nil
}

// gatewayRoutes are the gateway endpoints, in creation order, that route
// through table id: those not deleting or deleted.
func (c *call) gatewayRoutes(id string) []*endpoint {
	var out []*endpoint
	for _, ep := range c.sb.st.Endpoints {
		if ep.Type != endpointTypeGateway || ep.Account != c.account() || ep.Region != c.region || !slices.Contains(ep.RouteTables, id) {
			continue
		}
		if st, _ := c.sb.endpointState(ep, c.now); st == phaseDeleting || st == phaseDeleted {
			continue
		}
		out = append(out, ep)
	}
	sortEndpoints(out)
	return out
}

func describeRouteTables(c *call) ([]xn, *apiError) {
	ids := c.p.list("RouteTableId")
	fs := c.p.filters()
	if err := checkFilters(fs, (&routeTableEntry{vpc: &VPC{}}).field(c.account())); err != nil {
		return nil, err
	}
	list, err := c.listRouteTables(dedupe(ids))
	if err != nil {
		return nil, err
	}
	var sel []*routeTableEntry
	for _, e := range list {
		e.eps = c.gatewayRoutes(e.rt.ID)
		if matches(fs, e.field(c.account())) {
			sel = append(sel, e)
		}
	}
	page, next, err := paginate(c, sel, rtbLimits, len(ids) > 0)
	if err != nil {
		return nil, err
	}
	items := make([]xn, len(page))
	for i, e := range page {
		items[i] = c.routeTableXN(e.rt, e.vpc, e.eps)
	}
	return []xn{set("routeTableSet", items), opt("nextToken", next)}, nil
}

// routeTableEntry is a route table of a VPC, with the gateway endpoints
// that route through it.
type routeTableEntry struct {
	rt  RouteTable
	vpc *VPC
	eps []*endpoint
}

// field gives the values of a DescribeRouteTables filter for a table of
// account. Association subnets are the explicit ones; the main table's
// are not listed (AWS lists only its main association).
func (e *routeTableEntry) field(account string) fieldFunc {
	return func(name string) ([]string, bool) {
		switch name {
		case "route-table-id", "association.route-table-id":
			return []string{e.rt.ID}, true
		case "vpc-id":
			return []string{e.vpc.ID}, true
		case "owner-id":
			return []string{account}, true
		case "association.subnet-id":
			return e.rt.Subnets, true
		case "association.main":
			return []string{fmt.Sprint(e.rt.Main)}, true
		case "association.route-table-association-id":
			return associationIDs(e.rt), true
		case "route.gateway-id":
			out := []string{"local"}
			for _, ep := range e.eps {
				out = append(out, ep.ID)
			}
			return out, true
		case "route.destination-prefix-list-id":
			var out []string
			for _, ep := range e.eps {
				out = append(out, prefixListID(ep.ServiceName))
			}
			return out, true
		case "route.destination-cidr-block":
			return []string{e.vpc.CIDR}, true
		case "route.state":
			return []string{"active"}, true
		case "route.origin":
			out := []string{"CreateRouteTable"}
			if len(e.eps) > 0 {
				out = append(out, "CreateRoute")
			}
			return out, true
		}
		return tagFields(name, nameTags(e.rt.Name))
	}
}

// listRouteTables are the route tables of the call's network named by ids
// (each must exist), or all of them by id when none is named.
func (c *call) listRouteTables(ids []string) ([]*routeTableEntry, *apiError) {
	var all []*routeTableEntry
	for _, vid := range slices.Sorted(maps.Keys(c.net.vpcs)) {
		v := c.net.vpcs[vid]
		for _, rt := range routeTables(v) {
			all = append(all, &routeTableEntry{rt: rt, vpc: v})
		}
	}
	if len(ids) == 0 {
		slices.SortFunc(all, func(a, b *routeTableEntry) int { return strings.Compare(a.rt.ID, b.rt.ID) })
		return all, nil
	}
	var list []*routeTableEntry
	for _, id := range ids {
		found := false
		for _, e := range all {
			if e.rt.ID == id {
				list, found = append(list, e), true
			}
		}
		if !found {
			return nil, errf(400, "InvalidRouteTableID.NotFound", "The routeTable ID '%s' does not exist", id)
		}
	}
	return list, nil
}

// rtbLimits: DescribeRouteTables takes MaxResults 5..100.
var rtbLimits = pageLimits{min: 5, max: 100, idsConflict: true, param: "MaxResults"}

func associationIDs(rt RouteTable) []string {
	if rt.Main {
		return []string{"rtbassoc-" + strings.TrimPrefix(rt.ID, "rtb-")}
	}
	out := make([]string, len(rt.Subnets))
	for i, s := range rt.Subnets {
		out[i] = associationID(rt.ID, s)
	}
	return out
}

func associationID(rtb, subnet string) string {
	h := sha256.Sum256([]byte(rtb + "|" + subnet))
	return "rtbassoc-" + hex.EncodeToString(h[:])[:17]
}

func (c *call) routeTableXN(rt RouteTable, v *VPC, eps []*endpoint) xn {
	routes := []xn{el("item", tx("destinationCidrBlock", v.CIDR), tx("gatewayId", "local"), tx("state", "active"), tx("origin", "CreateRouteTable"))}
	for _, ep := range eps {
		routes = append(routes, el("item", tx("destinationPrefixListId", prefixListID(ep.ServiceName)), tx("gatewayId", ep.ID), tx("state", "active"), tx("origin", "CreateRoute")))
	}
	state := el("associationState", tx("state", "associated"))
	var assoc []xn
	if rt.Main {
		assoc = append(assoc, el("item", bl("main", true), tx("routeTableAssociationId", associationIDs(rt)[0]), tx("routeTableId", rt.ID), state))
	}
	for _, s := range rt.Subnets {
		assoc = append(assoc, el("item", bl("main", false), tx("routeTableAssociationId", associationID(rt.ID, s)), tx("routeTableId", rt.ID), tx("subnetId", s), state))
	}
	return el("item",
		set("associationSet", assoc),
		set("propagatingVgwSet", nil),
		tx("routeTableId", rt.ID),
		set("routeSet", routes),
		tagSetXN(nameTags(rt.Name)),
		tx("vpcId", v.ID),
		tx("ownerId", c.account()),
	)
}

// modifyRouteTables applies ModifyVpcEndpoint's AddRouteTableId and
// RemoveRouteTableId to next, a gateway endpoint's new state.
func (c *call) modifyRouteTables(ep, next *endpoint) *apiError {
	add, rm := dedupe(c.p.list("AddRouteTableId")), dedupe(c.p.list("RemoveRouteTableId"))
	if len(add)+len(rm) == 0 {
		return nil
	}
	if ep.Type != endpointTypeGateway {
		return invalidParam("Route tables can only be modified on Gateway endpoints")
	}
	tables := slices.Clone(ep.RouteTables)
	for _, id := range rm {
		if !slices.Contains(tables, id) {
			return invalidParam("The route table %s is not associated with the VPC endpoint %s", id, ep.ID)
		}
		tables = remove(tables, id)
	}
	var fresh []string
	for _, id := range add {
		if !slices.Contains(tables, id) {
			fresh = append(fresh, id)
		}
	}
	if err := c.checkRouteTables(fresh, ep.VpcID, ep.ServiceName, ep.ID); err != nil {
		return err
	}
	next.RouteTables = append(tables, fresh...)
	return nil
}
