package sandbox

// EC2 endpoint connections, provider side: describe, accept, reject.

func (c *call) connectionXN(ep *endpoint, sv *service) xn {
	st, _ := c.sb.endpointState(ep, c.now)
	kids := []xn{
		tx("serviceId", sv.ID),
		tx("vpcEndpointId", ep.ID),
		tx("vpcEndpointOwner", ep.Account),
		tx("vpcEndpointState", st),
		ts("creationTimestamp", ep.Created),
		set("dnsEntrySet", c.sb.dnsEntries(ep)),
	}
	if sv.Type == "GatewayLoadBalancer" {
		kids = append(kids, strSet("gatewayLoadBalancerArnSet", sv.GWLBs))
	} else {
		kids = append(kids, strSet("networkLoadBalancerArnSet", sv.NLBs))
	}
	kids = append(kids,
		tx("ipAddressType", ep.IPAddressType),
		tx("vpcEndpointConnectionId", "vpce-con-"+ep.ID[len("vpce-"):]),
		tagSetXN(nil),
		tx("vpcEndpointRegion", ep.Region),
	)
	return el("item", kids...)
}

func describeEndpointConnections(c *call) ([]xn, *apiError) {
	fs := c.p.filters()
	type conn struct {
		ep *endpoint
		sv *service
	}
	field := func(x conn) fieldFunc {
		return func(name string) ([]string, bool) {
			switch name {
			case "service-id":
				return []string{x.sv.ID}, true
			case "vpc-endpoint-owner":
				return []string{x.ep.Account}, true
			case "vpc-endpoint-state":
				st, _ := c.sb.endpointState(x.ep, c.now)
				return stateVariants(st), true
			case "vpc-endpoint-id":
				return []string{x.ep.ID}, true
			case "vpc-endpoint-region":
				r := []string{x.ep.Region}
				if x.ep.Region != x.sv.Region {
					r = append(r, "cross-region")
				}
				return r, true
			case "ip-address-type":
				return []string{x.ep.IPAddressType}, true
			}
			return nil, false
		}
	}
	if err := checkFilters(fs, field(conn{&endpoint{}, &service{}})); err != nil {
		return nil, err
	}
	var list []*endpoint
	for _, ep := range c.sb.st.Endpoints {
		sv, ok := c.sb.st.Services[ep.ServiceID]
		if !ok || sv.Account != c.account() || sv.Region != c.region || !c.sb.visible(ep.Created, c.now) {
			continue
		}
		// A deleted service's connections go with it.
		if _, gone := c.sb.serviceState(sv, c.now); gone {
			continue
		}
		if _, gone := c.sb.endpointState(ep, c.now); gone {
			continue
		}
		list = append(list, ep)
	}
	sortEndpoints(list)
	var sel []conn
	for _, ep := range list {
		x := conn{ep, c.sb.st.Services[ep.ServiceID]}
		if matches(fs, field(x)) {
			sel = append(sel, x)
		}
	}
	page, next, err := paginate(c, sel, vpceLimits, false)
	if err != nil {
		return nil, err
	}
	items := make([]xn, len(page))
	for i, x := range page {
		items[i] = c.connectionXN(x.ep, x.sv)
	}
	return []xn{set("vpcEndpointConnectionSet", items), opt("nextToken", next)}, nil
}

// connectionOp applies accept or reject to each endpoint, collecting
// per-item failures.
func connectionOp(c *call, apply func(ep *endpoint, state string) *apiError) ([]xn, *apiError) {
	sv, err := c.ownService(c.p.str("ServiceId"))
	if err != nil {
		return nil, err
	}
	ids := c.p.list("VpcEndpointId")
	if len(ids) == 0 {
		return nil, missingParam("VpcEndpointId")
	}
	var bad []xn
	for _, id := range dedupe(ids) {
		ep, ok := c.sb.st.Endpoints[id]
		if !ok || ep.ServiceID != sv.ID {
			bad = append(bad, unsuccessful(id, errf(400, "InvalidVpcEndpointId.NotFound", "The Vpc Endpoint Id '%s' does not exist", id)))
			continue
		}
		st, gone := c.sb.endpointState(ep, c.now)
		if gone {
			bad = append(bad, unsuccessful(id, errf(400, "InvalidVpcEndpointId.NotFound", "The Vpc Endpoint Id '%s' does not exist", id)))
			continue
		}
		if err := apply(ep, st); err != nil {
			bad = append(bad, unsuccessful(id, err))
		}
	}
	return []xn{set("unsuccessful", bad)}, nil
}

func acceptEndpointConnections(c *call) ([]xn, *apiError) {
	return connectionOp(c, func(ep *endpoint, st string) *apiError {
		if st != phasePendingAcceptance {
			return errf(400, "InvalidState", "Vpc Endpoint %s is in state %s; only endpoints in state pendingAcceptance can be accepted", ep.ID, st)
		}
		ep.Phase, ep.PhaseAt, ep.Hold = phasePending, c.now, false
		return nil
	})
}

func rejectEndpointConnections(c *call) ([]xn, *apiError) {
	return connectionOp(c, func(ep *endpoint, st string) *apiError {
		switch st {
		case phasePendingAcceptance, phasePending, phaseAvailable:
			ep.Phase, ep.PhaseAt, ep.Hold = phaseRejected, c.now, false
			return nil
		}
		return errf(400, "InvalidState", "Vpc Endpoint %s is in state %s and cannot be rejected", ep.ID, st)
	})
}
