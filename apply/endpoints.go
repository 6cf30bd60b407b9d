package apply

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

// serviceNameOf resolves an endpoint's service name: from the provider
// created or read in this run when the plan refers to it, else the plan's.
func (r *runner) serviceNameOf(c *plan.Change) (string, *Error) {
	if ref := c.Refs["serviceName"]; ref != "" {
		if n := r.output(ref).ServiceName; n != "" {
			return n, nil
		}
		if c.After != nil && c.After.ServiceName != "" {
			return c.After.ServiceName, nil
		}
		return "", &Error{Call: "apply", Code: "UnresolvedRef",
			Message: fmt.Sprintf("the service name of %s is not known: it was not created in this run", ref),
			Hint:    "apply " + ref + " first (or without --target), then plan again"}
	}
	if c.After == nil || c.After.ServiceName == "" {
		return "", missing(c, "service name")
	}
	return c.After.ServiceName, nil
}

// endpointType is GatewayLoadBalancer for a consumer of a provider with
// Gateway Load Balancers, else Interface.
func (r *runner) endpointType(c *plan.Change, serviceName string) types.VpcEndpointType {
	if c.After != nil && c.After.Type != "" {
		return types.VpcEndpointType(c.After.Type)
	}
	for _, p := range r.gatewayServices {
		if p.Address == c.Refs["serviceName"] || (serviceName != "" && (p.After.ServiceName == serviceName || r.output(p.Address).ServiceName == serviceName)) {
			return types.VpcEndpointTypeGatewayLoadBalancer
		}
	}
	return types.VpcEndpointTypeInterface
}

// gatewayServicesOf are the plan's service changes whose endpoints are
// GatewayLoadBalancer endpoints, for endpointType: the only services it
// looks for (a scan of the whole plan for each endpoint was quadratic).
func gatewayServicesOf(p *plan.Plan) []*plan.Change {
	var out []*plan.Change
	if p == nil {
		return nil
	}
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Kind == plan.KindService && c.After != nil &&
			(len(c.After.GatewayLoadBalancerARNs) > 0 || c.After.Type == string(types.VpcEndpointTypeGatewayLoadBalancer)) {
			out = append(out, c)
		}
	}
	return out
}

func dnsOptions(v *plan.Values, withInbound bool) *types.DnsOptionsSpecification {
	if v.DNSRecordIPType == "" && (!withInbound || v.PrivateDNSOnlyForInboundResolverEndpoint == nil) && v.PrivateDNSPreference == "" {
		return nil
	}
	o := &types.DnsOptionsSpecification{DnsRecordIpType: types.DnsRecordIpType(v.DNSRecordIPType)}
	if withInbound {
		o.PrivateDnsOnlyForInboundResolverEndpoint = v.PrivateDNSOnlyForInboundResolverEndpoint
	}
	if v.PrivateDNSPreference != "" && v.PrivateDNSEnabled != nil && *v.PrivateDNSEnabled {
		// Resource and ServiceNetwork endpoints (plan/lattice.go)
		o.PrivateDnsPreference = aws.String(v.PrivateDNSPreference)
		o.PrivateDnsSpecifiedDomains = v.PrivateDNSSpecifiedDomains
	}
	return o
}

func (r *runner) endpointCreate(ctx context.Context, s *step, purpose string) *Error {
	c, a, e := created(s)
	if e != nil {
		return e
	}
	name := ""
	if !latticeChange(c) {
		var e *Error
		if name, e = r.serviceNameOf(c); e != nil {
			return e
		}
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		return e
	}
	deferDNS := c.PrivateDNSAfterAccept || s.cs.dnsHandoff
	in := EndpointCreateInput(r.opts.Project, c.Address, c.Region, name, r.endpointType(c, name), a, deferDNS)
	id, stale, e := r.create(ctx, c, classEndpoint, "CreateVpcEndpoint", "endpoint", purpose, in,
		[]string{"deleted", "deleting", "rejected", "failed", "expired"}, func(ctx context.Context, token *string) (*string, string, error) {
			attempt := *in
			attempt.ClientToken = token
			out, err := cl.CreateVpcEndpoint(ctx, &attempt)
			if err != nil || out.VpcEndpoint == nil {
				return nil, "", err
			}
			return out.VpcEndpoint.VpcEndpointId, string(out.VpcEndpoint.State), nil
		})
	if e != nil {
		return e
	}
	r.setOutput(c.Address, output{ID: id, Created: true})
	s.note = createdNote(id, stale)
	if r.opts.NoWait {
		return r.waitEndpointSeen(ctx, c, cl, id)
	}
	return r.waitEndpoint(ctx, c, cl, id, false)
}

// waitEndpointSeen waits only until AWS lists a new endpoint and has not
// failed it (Options.NoWait): pending counts.
func (r *runner) waitEndpointSeen(ctx context.Context, c *plan.Change, cl EC2API, id string) *Error {
	return r.waitFor(ctx, c, id+" to be listed", r.opts.EndpointTimeout, changeScope(c), cl, pollEndpoints, id, func(s sighting) (bool, string, *Error) {
		if s.ep == nil {
			return false, "", nil
		}
		switch live.EndpointPhase(string(s.ep.State)) {
		case live.PhaseBroken, live.PhaseGone, live.PhaseGoing:
			return false, "", &Error{Call: "wait", Code: "EndpointFailed", Message: fmt.Sprintf("endpoint %s is %s", id, s.ep.State),
				Hint: "run plink plan again: it shows the endpoint's state"}
		}
		return true, string(s.ep.State), nil
	})
}

// waitEndpoint waits for an endpoint to be usable: pendingAcceptance or
// available, or only available when accepted is set.
func (r *runner) waitEndpoint(ctx context.Context, c *plan.Change, cl EC2API, id string, accepted bool) *Error {
	w := changeScope(c)
	what := id + " to be pendingAcceptance or available"
	if accepted {
		what = id + " to be available (accepted by the provider)"
	}
	return r.waitFor(ctx, c, what, r.opts.EndpointTimeout, w, cl, pollEndpoints, id, func(s sighting) (bool, string, *Error) {
		ep := s.ep
		if ep == nil {
			return false, "", nil // not visible yet
		}
		st := foldState(ep.State)
		switch live.EndpointPhase(st) {
		case live.PhaseUsable:
			return true, string(ep.State), nil
		case live.PhaseWaiting:
			return !accepted, string(ep.State), nil
		case live.PhaseBroken, live.PhaseGone, live.PhaseGoing:
			msg := fmt.Sprintf("endpoint %s is %s", id, ep.State)
			if ep.LastError != nil && ep.LastError.Message != nil {
				msg += ": " + *ep.LastError.Message
			} else if ep.FailureReason != nil {
				msg += ": " + *ep.FailureReason
			}
			h := "run plink plan again: it shows the endpoint's state"
			if st == "rejected" {
				h = "the provider rejected the connection; check its connections settings (acceptDeclared, acceptFrom, rejectUndeclared)"
			}
			return false, "", &Error{Call: "wait", Code: "EndpointFailed", Message: msg, Hint: h}
		}
		return false, string(ep.State), nil
	})
}

func (r *runner) endpointUpdate(ctx context.Context, s *step) *Error {
	c := s.cs.c
	return r.update(ctx, s, classEndpoint, func(cl EC2API, b, a *plan.Values) (string, func(context.Context) error) {
		in := EndpointModifyInput(c.ID, b, a, c.PrivateDNSAfterAccept)
		if in == nil {
			return "", nil
		}
		return "ModifyVpcEndpoint", modifyEndpoint(cl, in)
	})
}

// subnetConfigurations turns plan address values ("SUBNET=ADDRESS") into
// SubnetConfigurations, one per subnet (of only, when not nil; else every
// subnet, sorted).
func subnetConfigurations(values []string, only []string) []types.SubnetConfiguration {
	var out []types.SubnetConfiguration
	byID := plan.SubnetAddresses(values)
	ids := only
	if ids == nil {
		for sn := range byID {
			ids = append(ids, sn)
		}
		slices.Sort(ids)
	}
	for _, sn := range ids {
		a, ok := byID[sn]
		if !ok {
			continue
		}
		sc := types.SubnetConfiguration{SubnetId: aws.String(sn)}
		if a[0] != "" {
			sc.Ipv4 = aws.String(a[0])
		}
		if a[1] != "" {
			sc.Ipv6 = aws.String(a[1])
		}
		out = append(out, sc)
	}
	return out
}

// modifyEndpoint is the ModifyVpcEndpoint call with in.
func modifyEndpoint(cl EC2API, in *ec2.ModifyVpcEndpointInput) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := cl.ModifyVpcEndpoint(ctx, in)
		return err
	}
}

// endpointDNS turns private DNS on once the endpoint is available: after
// its connection was accepted, or after the endpoint it replaces is gone.
func (r *runner) endpointDNS(ctx context.Context, s *step) *Error {
	c, id, cl, e := r.made(ctx, s, "endpoint id")
	if e != nil {
		return e
	}
	if e := r.waitEndpoint(ctx, c, cl, id, true); e != nil {
		return e
	}
	in := &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(id), PrivateDnsEnabled: aws.Bool(true)}
	if c.After != nil && c.After.PrivateDNSOnlyForInboundResolverEndpoint != nil {
		in.DnsOptions = dnsOptions(c.After, true)
	}
	if e := r.call(ctx, c, classEndpoint, "ModifyVpcEndpoint", modifyEndpoint(cl, in)); e != nil {
		if unverifiedName(e) {
			// The service's private DNS name is not verified yet (a new
			// service's never is): leave private DNS off. The next plan
			// says so (PL111) and turns it on once the name is verified.
			s.note = "left private DNS off on " + id + ": the service's private DNS name is not verified yet"
			return nil
		}
		return e
	}
	s.note = "enabled private DNS on " + id
	return nil
}

func (r *runner) endpointDelete(ctx context.Context, s *step) *Error {
	if s.stage == stDeleteOld {
		if e := r.waitReplacement(ctx, s); e != nil {
			return e
		}
	}
	id, w, cl, e := r.deleteByID(ctx, s, classEndpoint, "DeleteVpcEndpoints", func(ctx context.Context, cl EC2API, id string) ([]types.UnsuccessfulItem, error) {
		out, err := cl.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id}})
		return unsuccessfulOf(out, err, func(o *ec2.DeleteVpcEndpointsOutput) []types.UnsuccessfulItem { return o.Unsuccessful })
	})
	if e != nil {
		return e
	}
	return r.waitGone(ctx, s, w, cl, pollEndpoints, id)
}

// waitReplacement waits, before a replace deletes the old endpoint, until
// the new one is usable: available when the plan accepts its connection,
// else pendingAcceptance or available (acceptance that plink does not give
// is someone else's, PL031). Deleting the old endpoint earlier cuts clients
// off while the new one is still pending, in the same VPC most of all. It
// waits with --no-wait too: that flag skips waits for what apply made, not
// the one that keeps a replace from cutting traffic.
func (r *runner) waitReplacement(ctx context.Context, s *step) *Error {
	c := s.cs.c
	id := r.output(c.Address).ID
	if id == "" {
		return missing(c, "id of the replacement endpoint")
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		return e
	}
	if e := r.waitEndpoint(ctx, c, cl, id, s.cs.accepted); e != nil {
		e.Message = fmt.Sprintf("the old endpoint %s was kept: its replacement %s is not usable: %s", c.ID, id, e.Message)
		return e
	}
	return nil
}

// latticeChange reports whether a change is of a Resource or ServiceNetwork
// endpoint, which names an ARN instead of a service.
func latticeChange(c *plan.Change) bool {
	return c.After != nil && (c.After.Type == string(types.VpcEndpointTypeResource) || c.After.Type == string(types.VpcEndpointTypeServiceNetwork))
}
