package check

import (
	"context"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

// dryCall is one mutating EC2 call of a change, made with DryRun=true.
type dryCall struct {
	call string // ec2:Action
	// scope overrides the change's account-region (a replace's delete of
	// a resource that moved).
	alias, region string
	do            func(ctx context.Context, c *ec2.Client) error
	// skip says why the call cannot be asked about yet.
	skip string
}

// writes asks about every mutating call of p's changes.
func (ck *checker) writes(ctx context.Context, p *plan.Plan) {
	for i := range p.Changes {
		c := &p.Changes[i]
		for _, d := range ck.callsOf(p, c) {
			alias, region := c.Account, c.Region
			if d.alias != "" {
				alias, region = d.alias, d.region
			}
			w, err := ck.clients(ctx, alias, region)
			if err != nil {
				ck.rep.Results = append(ck.rep.Results, Result{Account: alias, Region: region, Call: d.call, DryRun: true,
					Change: c.Address, Status: Unknown, Reason: err.Error()})
				continue
			}
			if d.skip != "" {
				ck.skip(w, d.call, c.Address, d.skip)
				continue
			}
			ck.record(ctx, w, d.call, c.Address, true, d.do(ctx, w.c.EC2))
		}
	}
}

var dry = aws.Bool(true)

// retags are the CreateTags and DeleteTags of an update or adopt: what the
// tags must become. plink:project itself changes only on adopt (set) and
// release (removed), as apply does it.
func (ck *checker) retags(c *plan.Change) []dryCall {
	b, a := c.Before, c.After
	if a == nil || c.ID == "" {
		return nil
	}
	before := map[string]string{}
	if b != nil {
		before = b.Tags
	}
	after := a.Tags
	if c.Action == plan.Adopt {
		after = apply.OwnedTags(ck.m.Project, c.Address, a.Tags)
	}
	set := map[string]string{}
	for k, v := range after {
		if bv, ok := before[k]; (!ok || bv != v) && (k != live.TagProject || c.Action == plan.Adopt) {
			set[k] = v
		}
	}
	var del []types.Tag
	for k := range before {
		if _, ok := after[k]; !ok && (k != live.TagProject || c.Release) {
			del = append(del, types.Tag{Key: aws.String(k)})
		}
	}
	sort.Slice(del, func(i, j int) bool { return *del[i].Key < *del[j].Key })
	var out []dryCall
	if len(set) > 0 {
		out = append(out, dryCall{call: "ec2:CreateTags", do: func(ctx context.Context, cl *ec2.Client) error {
			_, err := cl.CreateTags(ctx, &ec2.CreateTagsInput{DryRun: dry, Resources: []string{c.ID}, Tags: apply.SDKTags(set)})
			return err
		}})
	}
	if len(del) > 0 {
		out = append(out, dryCall{call: "ec2:DeleteTags", do: func(ctx context.Context, cl *ec2.Client) error {
			_, err := cl.DeleteTags(ctx, &ec2.DeleteTagsInput{DryRun: dry, Resources: []string{c.ID}, Tags: del})
			return err
		}})
	}
	return out
}

// callsOf are the mutating calls apply makes for c.
func (ck *checker) callsOf(p *plan.Plan, c *plan.Change) []dryCall {
	switch c.Kind {
	case plan.KindService:
		return ck.serviceCalls(c)
	case plan.KindEndpoint:
		return ck.endpointCalls(p, c)
	case plan.KindPrincipal:
		return principalCalls(c)
	case plan.KindConnection:
		return connectionCalls(c)
	case plan.KindNotification:
		return notificationCalls(c)
	}
	return nil
}

func (ck *checker) deleteOld(c *plan.Change, call string, do func(ctx context.Context, cl *ec2.Client) error) dryCall {
	d := dryCall{call: call, do: do}
	if c.PriorAccount != "" || c.PriorRegion != "" {
		d.alias, d.region = c.Account, c.Region
		if c.PriorAccount != "" {
			d.alias = c.PriorAccount
		}
		if c.PriorRegion != "" {
			d.region = c.PriorRegion
		}
	}
	return d
}

func (ck *checker) serviceCalls(c *plan.Change) []dryCall {
	a := c.After
	deleteSvc := func(ctx context.Context, cl *ec2.Client) error {
		_, err := cl.DeleteVpcEndpointServiceConfigurations(ctx, &ec2.DeleteVpcEndpointServiceConfigurationsInput{DryRun: dry, ServiceIds: []string{c.ID}})
		return err
	}
	switch c.Action {
	case plan.Create, plan.Replace:
		if a == nil {
			return nil
		}
		out := []dryCall{{call: "ec2:CreateVpcEndpointServiceConfiguration", do: func(ctx context.Context, cl *ec2.Client) error {
			in := apply.ServiceCreateInput(ck.m.Project, c.Address, a)
			in.DryRun = dry
			_, err := cl.CreateVpcEndpointServiceConfiguration(ctx, in)
			return err
		}}}
		if c.Action == plan.Replace && c.ID != "" {
			out = append(out, ck.deleteOld(c, "ec2:DeleteVpcEndpointServiceConfigurations", deleteSvc))
		}
		return out
	case plan.Delete:
		return []dryCall{{call: "ec2:DeleteVpcEndpointServiceConfigurations", do: deleteSvc}}
	case plan.Update, plan.Adopt:
		if a == nil || c.ID == "" {
			return nil
		}
		out := ck.retags(c)
		b := c.Before
		if b == nil {
			b = &plan.Values{}
		}
		if in := apply.ServiceModifyInput(c.ID, b, a); in != nil {
			in.DryRun = dry
			out = append(out, dryCall{call: "ec2:ModifyVpcEndpointServiceConfiguration", do: func(ctx context.Context, cl *ec2.Client) error {
				_, err := cl.ModifyVpcEndpointServiceConfiguration(ctx, in)
				return err
			}})
		}
		return out
	}
	return nil
}

func (ck *checker) endpointCalls(p *plan.Plan, c *plan.Change) []dryCall {
	a := c.After
	deleteEp := func(ctx context.Context, cl *ec2.Client) error {
		_, err := cl.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{DryRun: dry, VpcEndpointIds: []string{c.ID}})
		return err
	}
	switch c.Action {
	case plan.Create, plan.Replace:
		if a == nil {
			return nil
		}
		var out []dryCall
		name := a.ServiceName
		if ref := c.Refs["serviceName"]; ref != "" && name == "" {
			out = append(out, dryCall{call: "ec2:CreateVpcEndpoint", skip: "its service (" + ref + ") is created in this run, so its name is not known yet: run --check again once it exists"})
		} else {
			out = append(out, dryCall{call: "ec2:CreateVpcEndpoint", do: func(ctx context.Context, cl *ec2.Client) error {
				in := apply.EndpointCreateInput(ck.m.Project, c.Address, c.Region, name, endpointType(p, c), a, c.PrivateDNSAfterAccept)
				in.DryRun = dry
				_, err := cl.CreateVpcEndpoint(ctx, in)
				return err
			}})
		}
		if c.Action == plan.Replace && c.ID != "" {
			out = append(out, ck.deleteOld(c, "ec2:DeleteVpcEndpoints", deleteEp))
		}
		return out
	case plan.Delete:
		return []dryCall{{call: "ec2:DeleteVpcEndpoints", do: deleteEp}}
	case plan.Update, plan.Adopt:
		if a == nil || c.ID == "" {
			return nil
		}
		out := ck.retags(c)
		b := c.Before
		if b == nil {
			b = &plan.Values{}
		}
		if in := apply.EndpointModifyInput(c.ID, b, a, c.PrivateDNSAfterAccept); in != nil {
			in.DryRun = dry
			out = append(out, dryCall{call: "ec2:ModifyVpcEndpoint", do: func(ctx context.Context, cl *ec2.Client) error {
				_, err := cl.ModifyVpcEndpoint(ctx, in)
				return err
			}})
		}
		return out
	}
	return nil
}

// endpointType is apply's: the change's, or GatewayLoadBalancer for a
// provider with Gateway Load Balancers, else Interface.
func endpointType(p *plan.Plan, c *plan.Change) types.VpcEndpointType {
	if c.After != nil && c.After.Type != "" {
		return types.VpcEndpointType(c.After.Type)
	}
	for _, s := range p.Changes {
		if s.Kind == plan.KindService && s.After != nil && (s.Address == c.Refs["serviceName"] || s.After.ServiceName == c.After.ServiceName) &&
			len(s.After.GatewayLoadBalancerARNs) > 0 {
			return types.VpcEndpointTypeGatewayLoadBalancer
		}
	}
	return types.VpcEndpointTypeInterface
}

// parentSkip is why a call on a service created in this run is not asked
// about.
func parentSkip(c *plan.Change) string {
	return "its service (" + c.Parent + ") is created in this run, so the call cannot be asked about until it exists: run --check again once it does"
}

func principalCalls(c *plan.Change) []dryCall {
	v := c.After
	if c.Action == plan.Delete {
		v = c.Before
	}
	if v == nil || (c.Action != plan.Create && c.Action != plan.Delete) {
		return nil
	}
	d := dryCall{call: "ec2:ModifyVpcEndpointServicePermissions"}
	if c.ParentID == "" {
		d.skip = parentSkip(c)
		return []dryCall{d}
	}
	d.do = func(ctx context.Context, cl *ec2.Client) error {
		in := &ec2.ModifyVpcEndpointServicePermissionsInput{DryRun: dry, ServiceId: aws.String(c.ParentID)}
		if c.Action == plan.Create {
			in.AddAllowedPrincipals = []string{v.Principal}
		} else {
			in.RemoveAllowedPrincipals = []string{v.Principal}
		}
		_, err := cl.ModifyVpcEndpointServicePermissions(ctx, in)
		return err
	}
	return []dryCall{d}
}

func connectionCalls(c *plan.Change) []dryCall {
	if c.Action != plan.Accept && c.Action != plan.Reject {
		return nil
	}
	call := "ec2:AcceptVpcEndpointConnections"
	if c.Action == plan.Reject {
		call = "ec2:RejectVpcEndpointConnections"
	}
	id := ""
	for _, v := range []*plan.Values{c.After, c.Before} {
		if v != nil && v.EndpointID != "" {
			id = v.EndpointID
			break
		}
	}
	if strings.HasPrefix(c.ID, "vpce-") {
		id = c.ID
	}
	d := dryCall{call: call}
	switch {
	case c.ParentID == "":
		d.skip = parentSkip(c)
	case id == "":
		d.skip = "its endpoint is created in this run, so the call cannot be asked about until it exists: run --check again once it does"
	default:
		d.do = func(ctx context.Context, cl *ec2.Client) error {
			var err error
			if c.Action == plan.Accept {
				_, err = cl.AcceptVpcEndpointConnections(ctx, &ec2.AcceptVpcEndpointConnectionsInput{DryRun: dry, ServiceId: aws.String(c.ParentID), VpcEndpointIds: []string{id}})
			} else {
				_, err = cl.RejectVpcEndpointConnections(ctx, &ec2.RejectVpcEndpointConnectionsInput{DryRun: dry, ServiceId: aws.String(c.ParentID), VpcEndpointIds: []string{id}})
			}
			return err
		}
	}
	return []dryCall{d}
}

func notificationCalls(c *plan.Change) []dryCall {
	a := c.After
	switch c.Action {
	case plan.Create:
		d := dryCall{call: "ec2:CreateVpcEndpointConnectionNotification"}
		if c.ParentID == "" {
			d.skip = parentSkip(c)
			return []dryCall{d}
		}
		if a == nil {
			return nil
		}
		d.do = func(ctx context.Context, cl *ec2.Client) error {
			_, err := cl.CreateVpcEndpointConnectionNotification(ctx, &ec2.CreateVpcEndpointConnectionNotificationInput{DryRun: dry,
				ServiceId: aws.String(c.ParentID), ConnectionNotificationArn: aws.String(a.TopicARN), ConnectionEvents: a.Events})
			return err
		}
		return []dryCall{d}
	case plan.Update:
		if a == nil || c.ID == "" {
			return nil
		}
		return []dryCall{{call: "ec2:ModifyVpcEndpointConnectionNotification", do: func(ctx context.Context, cl *ec2.Client) error {
			_, err := cl.ModifyVpcEndpointConnectionNotification(ctx, &ec2.ModifyVpcEndpointConnectionNotificationInput{DryRun: dry,
				ConnectionNotificationId: aws.String(c.ID), ConnectionNotificationArn: aws.String(a.TopicARN), ConnectionEvents: a.Events})
			return err
		}}}
	case plan.Delete:
		if c.ID == "" {
			return nil
		}
		return []dryCall{{call: "ec2:DeleteVpcEndpointConnectionNotifications", do: func(ctx context.Context, cl *ec2.Client) error {
			_, err := cl.DeleteVpcEndpointConnectionNotifications(ctx, &ec2.DeleteVpcEndpointConnectionNotificationsInput{DryRun: dry,
				ConnectionNotificationIds: []string{c.ID}})
			return err
		}}}
	}
	return nil
}
