package apply

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/plan"
)

// exec runs the steps of one unit: a batch (accept, reject, principals) or
// a single step. It writes each step's err and note.
func (r *runner) exec(ctx context.Context, steps []*step) {
	start := time.Now()
	for _, s := range steps {
		msg := describeStep(s)
		r.emit(s.cs.c, PhaseStarted, msg, 0)
	}
	if steps[0].batch != "" {
		c := steps[0].cs.c
		switch {
		case c.Kind == plan.KindPrincipal:
			r.principals(ctx, steps)
		case c.Kind == plan.KindConnection:
			r.connections(ctx, steps)
		}
	} else {
		s := steps[0]
		s.err = r.single(ctx, s)
	}
	for _, s := range steps {
		if s.err != nil {
			r.emit(s.cs.c, PhaseFailed, s.err.Error(), time.Since(start))
		} else {
			r.emit(s.cs.c, PhaseDone, s.note, time.Since(start))
		}
	}
}

func describeStep(s *step) string {
	c := s.cs.c
	switch s.stage {
	case stDNS:
		return "enabling private DNS once the connection is accepted"
	case stDNSHandoff:
		return "enabling private DNS once the replaced endpoint is gone"
	case stDeleteOld:
		return "deleting replaced " + c.ID
	}
	what := map[plan.Kind]string{plan.KindService: "endpoint service", plan.KindPrincipal: "allowed principal",
		plan.KindConnection: "connection", plan.KindNotification: "connection notification", plan.KindEndpoint: "endpoint"}[c.Kind]
	verb := map[plan.Action]string{plan.Create: "creating", plan.Update: "updating", plan.Replace: "replacing",
		plan.Delete: "deleting", plan.Accept: "accepting", plan.Reject: "rejecting", plan.Adopt: "adopting"}[c.Action]
	if c.Kind == plan.KindPrincipal {
		verb = map[plan.Action]string{plan.Create: "allowing", plan.Delete: "removing"}[c.Action]
	}
	msg := verb + " " + what
	if c.ID != "" {
		msg += " " + c.ID
	}
	return fmt.Sprintf("%s in %s/%s", msg, c.Account, c.Region)
}

func (r *runner) single(ctx context.Context, s *step) *Error {
	c := s.cs.c
	switch c.Kind {
	case plan.KindService:
		switch {
		case s.stage == stDeleteOld, c.Action == plan.Delete:
			return r.serviceDelete(ctx, s)
		case c.Action == plan.Create:
			return r.serviceCreate(ctx, s, "create")
		case c.Action == plan.Replace:
			return r.serviceCreate(ctx, s, "replace:"+c.ID)
		default: // update, adopt
			return r.serviceUpdate(ctx, s)
		}
	case plan.KindEndpoint:
		switch {
		case s.stage == stDNS, s.stage == stDNSHandoff:
			return r.endpointDNS(ctx, s)
		case s.stage == stDeleteOld, c.Action == plan.Delete:
			return r.endpointDelete(ctx, s)
		case c.Action == plan.Create:
			return r.endpointCreate(ctx, s, "create")
		case c.Action == plan.Replace:
			return r.endpointCreate(ctx, s, "replace:"+c.ID)
		default:
			return r.endpointUpdate(ctx, s)
		}
	case plan.KindNotification:
		switch {
		case s.stage == stDeleteOld, c.Action == plan.Delete:
			return r.notificationDelete(ctx, s)
		case c.Action == plan.Create:
			return r.notificationCreate(ctx, s, "create")
		case c.Action == plan.Replace:
			return r.notificationCreate(ctx, s, "replace:"+c.ID)
		default:
			return r.notificationUpdate(ctx, s)
		}
	}
	return &Error{Call: "apply", Code: "Unsupported", Message: fmt.Sprintf("cannot %s a %s", c.Action, c.Kind),
		Hint: "this plink cannot apply this plan; use the plink version that made it"}
}

func missing(c *plan.Change, what string) *Error {
	return &Error{Call: "apply", Code: "InvalidPlan", Message: fmt.Sprintf("change %s has no %s", c.Address, what),
		Hint: "plan again with this plink version; the plan file may be damaged"}
}

func nonEmpty(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}

func strOr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// setDiff returns what is in b and not in a (added) and in a and not in b (removed).
func setDiff(a, b []string) (added, removed []string) {
	in := func(xs []string, x string) bool {
		for _, y := range xs {
			if y == x {
				return true
			}
		}
		return false
	}
	for _, x := range b {
		if !in(a, x) {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if !in(b, x) {
			removed = append(removed, x)
		}
	}
	return added, removed
}

// ---- endpoint services ----

func (r *runner) serviceCreate(ctx context.Context, s *step, purpose string) *Error {
	c := s.cs.c
	a := c.After
	if a == nil {
		return missing(c, "after values")
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		return e
	}
	in := &ec2.CreateVpcEndpointServiceConfigurationInput{
		AcceptanceRequired:      a.AcceptanceRequired,
		NetworkLoadBalancerArns: a.NetworkLoadBalancerARNs,
		GatewayLoadBalancerArns: a.GatewayLoadBalancerARNs,
		PrivateDnsName:          nonEmpty(a.PrivateDNSName),
		SupportedIpAddressTypes: a.SupportedIPAddressTypes,
		SupportedRegions:        a.SupportedRegions,
		TagSpecifications:       tagSpec(types.ResourceTypeVpcEndpointService, ownedTags(r.opts.Project, c.Address, a.Tags)),
	}
	var out *ec2.CreateVpcEndpointServiceConfigurationOutput
	var stale []string
	for {
		// Each attempt is its own input: the token is derived from the
		// parameters without one.
		attempt := *in
		attempt.ClientToken = aws.String(ClientToken(r.opts.Project, c.Address, saltedPurpose(purpose, stale), in))
		if e := r.call(ctx, c, classService, "CreateVpcEndpointServiceConfiguration", func(ctx context.Context) (err error) {
			out, err = cl.CreateVpcEndpointServiceConfiguration(ctx, &attempt)
			return err
		}); e != nil {
			return e
		}
		if out.ServiceConfiguration == nil || out.ServiceConfiguration.ServiceId == nil {
			return &Error{Call: "CreateVpcEndpointServiceConfiguration", Code: "InvalidResponse", Message: "the response has no service id", Hint: hint("", "", c)}
		}
		sc := out.ServiceConfiguration
		switch foldState(sc.ServiceState) {
		case "deleted", "deleting", "failed":
			var e *Error
			if stale, e = r.staleToken(c, "CreateVpcEndpointServiceConfiguration", "endpoint service", *sc.ServiceId, string(sc.ServiceState), stale); e != nil {
				return e
			}
			continue
		}
		break
	}
	id := *out.ServiceConfiguration.ServiceId
	r.setOutput(c.Address, output{ID: id, ServiceName: strOr(out.ServiceConfiguration.ServiceName), Created: true})
	s.note = createdNote(id, stale)
	return r.waitService(ctx, c, changeScope(c), cl, id)
}

// waitService waits for a new service to be Available.
func (r *runner) waitService(ctx context.Context, c *plan.Change, w where, cl EC2API, id string) *Error {
	return r.waitFor(ctx, c, id+" to be Available", r.opts.ServiceTimeout, w, cl, pollServices, id, func(s sighting) (bool, string, *Error) {
		sc := s.sc
		if sc == nil {
			return false, "", nil // not visible yet
		}
		if sc.ServiceName != nil {
			o := r.output(c.Address)
			o.ServiceName = *sc.ServiceName
			r.setOutput(c.Address, o)
		}
		switch foldState(sc.ServiceState) {
		case "available":
			return true, string(sc.ServiceState), nil
		case "failed", "deleted", "deleting":
			return false, "", &Error{Call: "wait", Code: "ServiceFailed",
				Message: fmt.Sprintf("endpoint service %s is %s", id, sc.ServiceState),
				Hint:    "check the load balancers the provider names: they must be active and in the provider's account and region"}
		}
		return false, string(sc.ServiceState), nil
	})
}

func (r *runner) serviceUpdate(ctx context.Context, s *step) *Error {
	c := s.cs.c
	if c.ID == "" {
		return missing(c, "live id")
	}
	b, a := c.Before, c.After
	if a == nil {
		return missing(c, "after values")
	}
	if b == nil {
		b = &plan.Values{}
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		return e
	}
	var did []string
	if c.Action == plan.Adopt {
		set := tagsToSet(b.Tags, ownedTags(r.opts.Project, c.Address, a.Tags))
		if e := r.createTags(ctx, c, cl, classService, c.ID, set); e != nil {
			return e
		}
		did = append(did, "tagged "+c.ID)
	}
	in := &ec2.ModifyVpcEndpointServiceConfigurationInput{ServiceId: aws.String(c.ID)}
	changed := false
	in.AddNetworkLoadBalancerArns, in.RemoveNetworkLoadBalancerArns = setDiff(b.NetworkLoadBalancerARNs, a.NetworkLoadBalancerARNs)
	in.AddGatewayLoadBalancerArns, in.RemoveGatewayLoadBalancerArns = setDiff(b.GatewayLoadBalancerARNs, a.GatewayLoadBalancerARNs)
	in.AddSupportedIpAddressTypes, in.RemoveSupportedIpAddressTypes = setDiff(b.SupportedIPAddressTypes, a.SupportedIPAddressTypes)
	in.AddSupportedRegions, in.RemoveSupportedRegions = setDiff(b.SupportedRegions, a.SupportedRegions)
	for _, l := range [][]string{in.AddNetworkLoadBalancerArns, in.RemoveNetworkLoadBalancerArns, in.AddGatewayLoadBalancerArns,
		in.RemoveGatewayLoadBalancerArns, in.AddSupportedIpAddressTypes, in.RemoveSupportedIpAddressTypes,
		in.AddSupportedRegions, in.RemoveSupportedRegions} {
		changed = changed || len(l) > 0
	}
	if a.AcceptanceRequired != nil && (b.AcceptanceRequired == nil || *a.AcceptanceRequired != *b.AcceptanceRequired) {
		in.AcceptanceRequired = a.AcceptanceRequired
		changed = true
	}
	if before, after := strOr(b.PrivateDNSName), strOr(a.PrivateDNSName); before != after {
		if after == "" {
			in.RemovePrivateDnsName = aws.Bool(true)
		} else {
			in.PrivateDnsName = aws.String(after)
		}
		changed = true
	}
	if changed {
		if e := r.call(ctx, c, classService, "ModifyVpcEndpointServiceConfiguration", func(ctx context.Context) error {
			_, err := cl.ModifyVpcEndpointServiceConfiguration(ctx, in)
			return err
		}); e != nil {
			s.note = strings.Join(did, "; ")
			return e
		}
		did = append(did, "modified "+c.ID)
	}
	if c.Action == plan.Adopt {
		// The plink tags were set first; the rest of the plan's tag diff
		// (tags the manifest does not declare) follows, as the plan shows.
		if e := r.removeTags(ctx, c, cl, classService, c.ID, b.Tags, a.Tags); e != nil {
			s.note = strings.Join(did, "; ")
			return e
		}
	} else {
		if e := r.updateTags(ctx, c, cl, classService, c.ID, b.Tags, a.Tags); e != nil {
			s.note = strings.Join(did, "; ")
			return e
		}
		if n := renameNote(b.Tags, a.Tags); n != "" {
			did = append(did, n)
		}
	}
	s.note = strings.Join(did, "; ")
	return nil
}

func (r *runner) serviceDelete(ctx context.Context, s *step) *Error {
	c := s.cs.c
	id := c.ID
	if id == "" {
		return missing(c, "live id")
	}
	w := scopeOf(s)
	cl, e := r.clientAt(ctx, c, w)
	if e != nil {
		return e
	}
	// A service with live connections cannot be deleted: the plan deletes
	// it, so its remaining connections, on every page, are rejected first.
	conns, e := r.listConnections(ctx, w, cl, types.Filter{Name: aws.String("service-id"), Values: []string{id}})
	if e != nil {
		return e
	}
	var live []string
	for _, cn := range conns {
		if strOr(cn.ServiceId) != "" && strOr(cn.ServiceId) != id {
			continue
		}
		switch strings.ToLower(string(cn.VpcEndpointState)) {
		case "pendingacceptance", "pending", "available":
			live = append(live, strOr(cn.VpcEndpointId))
		}
	}
	sort.Strings(live)
	var did []string
	if len(live) > 0 {
		var out *ec2.RejectVpcEndpointConnectionsOutput
		if e := r.callIn(ctx, w, classService, "RejectVpcEndpointConnections", func(ctx context.Context) (err error) {
			out, err = cl.RejectVpcEndpointConnections(ctx, &ec2.RejectVpcEndpointConnectionsInput{ServiceId: aws.String(id), VpcEndpointIds: live})
			return err
		}); e != nil {
			return e
		}
		for _, u := range out.Unsuccessful {
			if u.Error != nil {
				return itemErrorAt("RejectVpcEndpointConnections", w, strOr(u.Error.Code),
					fmt.Sprintf("%s: %s", strOr(u.ResourceId), strOr(u.Error.Message)))
			}
		}
		did = append(did, fmt.Sprintf("rejected %d remaining connection(s)", len(live)))
	}
	var out *ec2.DeleteVpcEndpointServiceConfigurationsOutput
	if e := r.callIn(ctx, w, classService, "DeleteVpcEndpointServiceConfigurations", func(ctx context.Context) (err error) {
		out, err = cl.DeleteVpcEndpointServiceConfigurations(ctx, &ec2.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{id}})
		return err
	}); e != nil {
		s.note = strings.Join(did, "; ")
		return e
	}
	if e := unsuccessful("DeleteVpcEndpointServiceConfigurations", w, id, out.Unsuccessful); e != nil {
		s.note = strings.Join(did, "; ")
		return e
	}
	did = append(did, "deleted "+id)
	s.note = strings.Join(did, "; ")
	return r.waitFor(ctx, c, id+" to be deleted", r.opts.DeleteTimeout, w, cl, pollServices, id, func(s sighting) (bool, string, *Error) {
		sc := s.sc
		if sc == nil || foldState(sc.ServiceState) == "deleted" {
			return true, "", nil
		}
		return false, string(sc.ServiceState), nil
	})
}

// listConnections lists, page by page, the endpoint connections of a
// provider account-region that match the filters.
func (r *runner) listConnections(ctx context.Context, w where, cl EC2API, filters ...types.Filter) ([]types.VpcEndpointConnection, *Error) {
	var all []types.VpcEndpointConnection
	var next *string
	for {
		var out *ec2.DescribeVpcEndpointConnectionsOutput
		if e := r.callIn(ctx, w, classDescribe, "DescribeVpcEndpointConnections", func(ctx context.Context) (err error) {
			out, err = cl.DescribeVpcEndpointConnections(ctx, &ec2.DescribeVpcEndpointConnectionsInput{
				Filters: filters, MaxResults: aws.Int32(pollPageSize), NextToken: next})
			return err
		}); e != nil {
			return nil, e
		}
		all = append(all, out.VpcEndpointConnections...)
		if aws.ToString(out.NextToken) == "" {
			return all, nil
		}
		next = out.NextToken
	}
}

// unsuccessful turns the Unsuccessful item for id into an Error; an item
// saying the resource is already gone is success (deletes are idempotent).
func unsuccessful(action string, w where, id string, items []types.UnsuccessfulItem) *Error {
	for _, u := range items {
		if u.Error == nil || (u.ResourceId != nil && *u.ResourceId != id) {
			continue
		}
		code := strOr(u.Error.Code)
		if strings.HasSuffix(code, ".NotFound") {
			continue
		}
		return itemErrorAt(action, w, code, strOr(u.Error.Message))
	}
	return nil
}

// ---- tags ----

// tagsToSet returns the tags of want that before lacks or has otherwise.
func tagsToSet(before, want map[string]string) map[string]string {
	set := map[string]string{}
	for k, v := range want {
		if bv, ok := before[k]; !ok || bv != v {
			set[k] = v
		}
	}
	return set
}

func (r *runner) createTags(ctx context.Context, c *plan.Change, cl EC2API, class, id string, set map[string]string) *Error {
	if len(set) == 0 {
		return nil
	}
	return r.call(ctx, c, class, "CreateTags", func(ctx context.Context) error {
		_, err := cl.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: sdkTags(set)})
		return err
	})
}

// updateTags applies the difference between before and after tags. plink's
// own tags are left alone, except plink:name when the plan renames the
// resource (the manifest entry's renamedFrom): before carries the former
// name and after the new one, and only plink:name is rewritten.
func (r *runner) updateTags(ctx context.Context, c *plan.Change, cl EC2API, class, id string, before, after map[string]string) *Error {
	set := tagsToSet(before, after)
	for k := range set {
		if isPlinkTag(k) && !renamesTo(k, before, after) {
			delete(set, k)
		}
	}
	if e := r.createTags(ctx, c, cl, class, id, set); e != nil {
		return e
	}
	return r.removeTags(ctx, c, cl, class, id, before, after)
}

// removeTags deletes the tags in before that after does not keep; plink's
// own tags are never removed.
func (r *runner) removeTags(ctx context.Context, c *plan.Change, cl EC2API, class, id string, before, after map[string]string) *Error {
	var del []string
	for k := range before {
		if _, ok := after[k]; !ok && !isPlinkTag(k) {
			del = append(del, k)
		}
	}
	if len(del) == 0 {
		return nil
	}
	sort.Strings(del)
	var tags []types.Tag
	for _, k := range del {
		tags = append(tags, types.Tag{Key: aws.String(k)})
	}
	return r.call(ctx, c, class, "DeleteTags", func(ctx context.Context) error {
		_, err := cl.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: tags})
		return err
	})
}

// ---- endpoints ----

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
	for i := range r.p.Changes {
		p := &r.p.Changes[i]
		if p.Kind != plan.KindService || p.After == nil {
			continue
		}
		if p.Address == c.Refs["serviceName"] || (serviceName != "" && (p.After.ServiceName == serviceName || r.output(p.Address).ServiceName == serviceName)) {
			if len(p.After.GatewayLoadBalancerARNs) > 0 || p.After.Type == string(types.VpcEndpointTypeGatewayLoadBalancer) {
				return types.VpcEndpointTypeGatewayLoadBalancer
			}
		}
	}
	return types.VpcEndpointTypeInterface
}

func dnsOptions(v *plan.Values, withInbound bool) *types.DnsOptionsSpecification {
	if v.DNSRecordIPType == "" && (!withInbound || v.PrivateDNSOnlyForInboundResolverEndpoint == nil) {
		return nil
	}
	o := &types.DnsOptionsSpecification{DnsRecordIpType: types.DnsRecordIpType(v.DNSRecordIPType)}
	if withInbound {
		o.PrivateDnsOnlyForInboundResolverEndpoint = v.PrivateDNSOnlyForInboundResolverEndpoint
	}
	return o
}

func (r *runner) endpointCreate(ctx context.Context, s *step, purpose string) *Error {
	c := s.cs.c
	a := c.After
	if a == nil {
		return missing(c, "after values")
	}
	name, e := r.serviceNameOf(c)
	if e != nil {
		return e
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		return e
	}
	deferDNS := c.PrivateDNSAfterAccept || s.cs.dnsHandoff
	in := &ec2.CreateVpcEndpointInput{
		VpcId:             aws.String(a.VPCID),
		ServiceName:       aws.String(name),
		VpcEndpointType:   r.endpointType(c, name),
		SubnetIds:         a.SubnetIDs,
		SecurityGroupIds:  a.SecurityGroupIDs,
		IpAddressType:     types.IpAddressType(a.IPAddressType),
		DnsOptions:        dnsOptions(a, !deferDNS),
		TagSpecifications: tagSpec(types.ResourceTypeVpcEndpoint, ownedTags(r.opts.Project, c.Address, a.Tags)),
	}
	if a.ServiceRegion != "" && a.ServiceRegion != c.Region {
		in.ServiceRegion = aws.String(a.ServiceRegion)
	}
	if a.PrivateDNSEnabled != nil {
		in.PrivateDnsEnabled = aws.Bool(*a.PrivateDNSEnabled && !deferDNS)
	}
	if a.Policy != "" {
		in.PolicyDocument = aws.String(a.Policy)
	}
	var out *ec2.CreateVpcEndpointOutput
	var stale []string
	for {
		// Each attempt is its own input: the token is derived from the
		// parameters without one.
		attempt := *in
		attempt.ClientToken = aws.String(ClientToken(r.opts.Project, c.Address, saltedPurpose(purpose, stale), in))
		if e := r.call(ctx, c, classEndpoint, "CreateVpcEndpoint", func(ctx context.Context) (err error) {
			out, err = cl.CreateVpcEndpoint(ctx, &attempt)
			return err
		}); e != nil {
			return e
		}
		if out.VpcEndpoint == nil || out.VpcEndpoint.VpcEndpointId == nil {
			return &Error{Call: "CreateVpcEndpoint", Code: "InvalidResponse", Message: "the response has no endpoint id", Hint: hint("", "", c)}
		}
		ep := out.VpcEndpoint
		switch strings.ToLower(string(ep.State)) {
		case "deleted", "deleting", "rejected", "failed", "expired":
			var e *Error
			if stale, e = r.staleToken(c, "CreateVpcEndpoint", "endpoint", *ep.VpcEndpointId, string(ep.State), stale); e != nil {
				return e
			}
			continue
		}
		break
	}
	id := *out.VpcEndpoint.VpcEndpointId
	r.setOutput(c.Address, output{ID: id, Created: true})
	s.note = createdNote(id, stale)
	return r.waitEndpoint(ctx, c, cl, id, false)
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
		st := strings.ToLower(string(ep.State))
		switch st {
		case "available":
			return true, string(ep.State), nil
		case "pendingacceptance":
			return !accepted, string(ep.State), nil
		case "failed", "rejected", "deleted", "deleting", "expired":
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
	if c.ID == "" {
		return missing(c, "live id")
	}
	b, a := c.Before, c.After
	if a == nil {
		return missing(c, "after values")
	}
	if b == nil {
		b = &plan.Values{}
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		return e
	}
	var did []string
	if c.Action == plan.Adopt {
		set := tagsToSet(b.Tags, ownedTags(r.opts.Project, c.Address, a.Tags))
		if e := r.createTags(ctx, c, cl, classEndpoint, c.ID, set); e != nil {
			return e
		}
		did = append(did, "tagged "+c.ID)
	}
	in := &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(c.ID)}
	in.AddSubnetIds, in.RemoveSubnetIds = setDiff(b.SubnetIDs, a.SubnetIDs)
	in.AddSecurityGroupIds, in.RemoveSecurityGroupIds = setDiff(b.SecurityGroupIDs, a.SecurityGroupIDs)
	changed := len(in.AddSubnetIds)+len(in.RemoveSubnetIds)+len(in.AddSecurityGroupIds)+len(in.RemoveSecurityGroupIds) > 0
	if a.Policy != b.Policy {
		if a.Policy == "" {
			in.ResetPolicy = aws.Bool(true)
		} else {
			in.PolicyDocument = aws.String(a.Policy)
		}
		changed = true
	}
	if a.PrivateDNSEnabled != nil && (b.PrivateDNSEnabled == nil || *a.PrivateDNSEnabled != *b.PrivateDNSEnabled) {
		// Turning private DNS on waits for acceptance when the plan says so.
		if !(*a.PrivateDNSEnabled && c.PrivateDNSAfterAccept) {
			in.PrivateDnsEnabled = a.PrivateDNSEnabled
			changed = true
		}
	}
	inboundChanged := !boolPtrEq(a.PrivateDNSOnlyForInboundResolverEndpoint, b.PrivateDNSOnlyForInboundResolverEndpoint)
	if a.DNSRecordIPType != b.DNSRecordIPType || (inboundChanged && !c.PrivateDNSAfterAccept) {
		in.DnsOptions = dnsOptions(a, !c.PrivateDNSAfterAccept)
		if in.DnsOptions != nil {
			changed = true
		}
	}
	if a.IPAddressType != b.IPAddressType && a.IPAddressType != "" {
		in.IpAddressType = types.IpAddressType(a.IPAddressType)
		changed = true
	}
	if changed {
		if e := r.call(ctx, c, classEndpoint, "ModifyVpcEndpoint", func(ctx context.Context) error {
			_, err := cl.ModifyVpcEndpoint(ctx, in)
			return err
		}); e != nil {
			s.note = strings.Join(did, "; ")
			return e
		}
		did = append(did, "modified "+c.ID)
	}
	if c.Action == plan.Adopt {
		if e := r.removeTags(ctx, c, cl, classEndpoint, c.ID, b.Tags, a.Tags); e != nil {
			s.note = strings.Join(did, "; ")
			return e
		}
	} else {
		if e := r.updateTags(ctx, c, cl, classEndpoint, c.ID, b.Tags, a.Tags); e != nil {
			s.note = strings.Join(did, "; ")
			return e
		}
		if n := renameNote(b.Tags, a.Tags); n != "" {
			did = append(did, n)
		}
	}
	s.note = strings.Join(did, "; ")
	return nil
}

func boolPtrEq(a, b *bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// endpointDNS turns private DNS on once the endpoint is available: after
// its connection was accepted, or after the endpoint it replaces is gone.
func (r *runner) endpointDNS(ctx context.Context, s *step) *Error {
	c := s.cs.c
	id := r.output(c.Address).ID
	if id == "" {
		return missing(c, "endpoint id")
	}
	cl, e := r.client(ctx, c)
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
	if e := r.call(ctx, c, classEndpoint, "ModifyVpcEndpoint", func(ctx context.Context) error {
		_, err := cl.ModifyVpcEndpoint(ctx, in)
		return err
	}); e != nil {
		if e.Code == "InvalidParameter" && strings.Contains(strings.ToLower(e.Message), "verif") {
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
	c := s.cs.c
	id := c.ID
	if id == "" {
		return missing(c, "live id")
	}
	w := scopeOf(s)
	cl, e := r.clientAt(ctx, c, w)
	if e != nil {
		return e
	}
	var out *ec2.DeleteVpcEndpointsOutput
	if e := r.callIn(ctx, w, classEndpoint, "DeleteVpcEndpoints", func(ctx context.Context) (err error) {
		out, err = cl.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id}})
		return err
	}); e != nil {
		return e
	}
	if e := unsuccessful("DeleteVpcEndpoints", w, id, out.Unsuccessful); e != nil {
		return e
	}
	s.note = "deleted " + id
	return r.waitFor(ctx, c, id+" to be deleted", r.opts.DeleteTimeout, w, cl, pollEndpoints, id, func(s sighting) (bool, string, *Error) {
		ep := s.ep
		if ep == nil || strings.EqualFold(string(ep.State), "deleted") {
			return true, "", nil
		}
		return false, string(ep.State), nil
	})
}

// ---- notifications ----

func (r *runner) notificationCreate(ctx context.Context, s *step, purpose string) *Error {
	c := s.cs.c
	a := c.After
	if a == nil {
		return missing(c, "after values")
	}
	svc := r.parentID(c)
	if svc == "" {
		return missing(c, "service id (its provider was not created)")
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		return e
	}
	in := &ec2.CreateVpcEndpointConnectionNotificationInput{
		ServiceId:                 aws.String(svc),
		ConnectionNotificationArn: aws.String(a.TopicARN),
		ConnectionEvents:          a.Events,
	}
	in.ClientToken = aws.String(ClientToken(r.opts.Project, c.Address, purpose, in))
	var out *ec2.CreateVpcEndpointConnectionNotificationOutput
	if e := r.call(ctx, c, classService, "CreateVpcEndpointConnectionNotification", func(ctx context.Context) (err error) {
		out, err = cl.CreateVpcEndpointConnectionNotification(ctx, in)
		return err
	}); e != nil {
		return e
	}
	if out.ConnectionNotification == nil || out.ConnectionNotification.ConnectionNotificationId == nil {
		return &Error{Call: "CreateVpcEndpointConnectionNotification", Code: "InvalidResponse", Message: "the response has no notification id", Hint: hint("", "", c)}
	}
	id := *out.ConnectionNotification.ConnectionNotificationId
	r.setOutput(c.Address, output{ID: id, Created: true})
	s.note = "created " + id
	return nil
}

func (r *runner) notificationUpdate(ctx context.Context, s *step) *Error {
	c := s.cs.c
	if c.ID == "" {
		return missing(c, "live id")
	}
	if c.After == nil {
		return missing(c, "after values")
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		return e
	}
	if e := r.call(ctx, c, classService, "ModifyVpcEndpointConnectionNotification", func(ctx context.Context) error {
		_, err := cl.ModifyVpcEndpointConnectionNotification(ctx, &ec2.ModifyVpcEndpointConnectionNotificationInput{
			ConnectionNotificationId:  aws.String(c.ID),
			ConnectionNotificationArn: aws.String(c.After.TopicARN),
			ConnectionEvents:          c.After.Events,
		})
		return err
	}); e != nil {
		return e
	}
	s.note = "modified " + c.ID
	return nil
}

func (r *runner) notificationDelete(ctx context.Context, s *step) *Error {
	c := s.cs.c
	if c.ID == "" {
		return missing(c, "live id")
	}
	w := scopeOf(s)
	cl, e := r.clientAt(ctx, c, w)
	if e != nil {
		return e
	}
	var out *ec2.DeleteVpcEndpointConnectionNotificationsOutput
	if e := r.callIn(ctx, w, classService, "DeleteVpcEndpointConnectionNotifications", func(ctx context.Context) (err error) {
		out, err = cl.DeleteVpcEndpointConnectionNotifications(ctx, &ec2.DeleteVpcEndpointConnectionNotificationsInput{ConnectionNotificationIds: []string{c.ID}})
		return err
	}); e != nil {
		return e
	}
	if e := unsuccessful("DeleteVpcEndpointConnectionNotifications", w, c.ID, out.Unsuccessful); e != nil {
		return e
	}
	s.note = "deleted " + c.ID
	return nil
}

// foldState lower-cases a state: AWS's wire spelling and the SDK's enum
// constants differ in case ("available" vs "Available").
func foldState[S ~string](s S) string { return strings.ToLower(string(s)) }
