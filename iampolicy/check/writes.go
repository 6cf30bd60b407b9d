package check

import (
	"context"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

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

func tagSpec(rt types.ResourceType, m map[string]string) []types.TagSpecification {
	return []types.TagSpecification{{ResourceType: rt, Tags: sdkTags(m)}}
}

func sdkTags(m map[string]string) []types.Tag {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]types.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

// ownedTags are the tags apply gives what it creates or adopts: the
// change's, then plink's ownership tags.
func ownedTags(project, address string, tags map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range tags {
		out[k] = v
	}
	out[live.TagProject] = project
	name := address
	for _, p := range []string{"provider.", "consumer."} {
		name = strings.TrimPrefix(name, p)
	}
	out[live.TagName] = name
	return out
}

func setDiff(before, after []string) (added, removed []string) {
	in := func(l []string, v string) bool {
		for _, x := range l {
			if x == v {
				return true
			}
		}
		return false
	}
	for _, v := range after {
		if !in(before, v) {
			added = append(added, v)
		}
	}
	for _, v := range before {
		if !in(after, v) {
			removed = append(removed, v)
		}
	}
	return added, removed
}

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
		after = ownedTags(ck.m.Project, c.Address, a.Tags)
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
			_, err := cl.CreateTags(ctx, &ec2.CreateTagsInput{DryRun: dry, Resources: []string{c.ID}, Tags: sdkTags(set)})
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
			in := &ec2.CreateVpcEndpointServiceConfigurationInput{
				DryRun: dry, AcceptanceRequired: a.AcceptanceRequired,
				NetworkLoadBalancerArns: a.NetworkLoadBalancerARNs, GatewayLoadBalancerArns: a.GatewayLoadBalancerARNs,
				SupportedIpAddressTypes: a.SupportedIPAddressTypes, SupportedRegions: a.SupportedRegions,
				TagSpecifications: tagSpec(types.ResourceTypeVpcEndpointService, ownedTags(ck.m.Project, c.Address, a.Tags)),
			}
			if a.PrivateDNSName != nil && *a.PrivateDNSName != "" {
				in.PrivateDnsName = a.PrivateDNSName
			}
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
		in := &ec2.ModifyVpcEndpointServiceConfigurationInput{DryRun: dry, ServiceId: aws.String(c.ID)}
		in.AddNetworkLoadBalancerArns, in.RemoveNetworkLoadBalancerArns = setDiff(b.NetworkLoadBalancerARNs, a.NetworkLoadBalancerARNs)
		in.AddGatewayLoadBalancerArns, in.RemoveGatewayLoadBalancerArns = setDiff(b.GatewayLoadBalancerARNs, a.GatewayLoadBalancerARNs)
		in.AddSupportedIpAddressTypes, in.RemoveSupportedIpAddressTypes = setDiff(b.SupportedIPAddressTypes, a.SupportedIPAddressTypes)
		in.AddSupportedRegions, in.RemoveSupportedRegions = setDiff(b.SupportedRegions, a.SupportedRegions)
		changed := len(in.AddNetworkLoadBalancerArns)+len(in.RemoveNetworkLoadBalancerArns)+len(in.AddGatewayLoadBalancerArns)+
			len(in.RemoveGatewayLoadBalancerArns)+len(in.AddSupportedIpAddressTypes)+len(in.RemoveSupportedIpAddressTypes)+
			len(in.AddSupportedRegions)+len(in.RemoveSupportedRegions) > 0
		if a.AcceptanceRequired != nil && (b.AcceptanceRequired == nil || *a.AcceptanceRequired != *b.AcceptanceRequired) {
			in.AcceptanceRequired, changed = a.AcceptanceRequired, true
		}
		if before, after := aws.ToString(b.PrivateDNSName), aws.ToString(a.PrivateDNSName); before != after {
			if after == "" {
				in.RemovePrivateDnsName = aws.Bool(true)
			} else {
				in.PrivateDnsName = aws.String(after)
			}
			changed = true
		}
		if changed {
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
				in := &ec2.CreateVpcEndpointInput{
					DryRun: dry, VpcId: aws.String(a.VPCID), ServiceName: aws.String(name),
					VpcEndpointType: endpointType(p, c), SubnetIds: a.SubnetIDs, SecurityGroupIds: a.SecurityGroupIDs,
					RouteTableIds: a.RouteTableIDs, IpAddressType: types.IpAddressType(a.IPAddressType),
					TagSpecifications: tagSpec(types.ResourceTypeVpcEndpoint, ownedTags(ck.m.Project, c.Address, a.Tags)),
				}
				if a.ServiceRegion != "" && a.ServiceRegion != c.Region {
					in.ServiceRegion = aws.String(a.ServiceRegion)
				}
				if a.Policy != "" {
					in.PolicyDocument = aws.String(a.Policy)
				}
				if a.PrivateDNSEnabled != nil {
					in.PrivateDnsEnabled = aws.Bool(*a.PrivateDNSEnabled && !c.PrivateDNSAfterAccept)
				}
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
		in := &ec2.ModifyVpcEndpointInput{DryRun: dry, VpcEndpointId: aws.String(c.ID)}
		in.AddSubnetIds, in.RemoveSubnetIds = setDiff(b.SubnetIDs, a.SubnetIDs)
		in.AddSecurityGroupIds, in.RemoveSecurityGroupIds = setDiff(b.SecurityGroupIDs, a.SecurityGroupIDs)
		in.AddRouteTableIds, in.RemoveRouteTableIds = setDiff(b.RouteTableIDs, a.RouteTableIDs)
		changed := len(in.AddSubnetIds)+len(in.RemoveSubnetIds)+len(in.AddSecurityGroupIds)+len(in.RemoveSecurityGroupIds)+
			len(in.AddRouteTableIds)+len(in.RemoveRouteTableIds) > 0
		if a.Policy != b.Policy {
			if a.Policy == "" {
				in.ResetPolicy = aws.Bool(true)
			} else {
				in.PolicyDocument = aws.String(a.Policy)
			}
			changed = true
		}
		if a.PrivateDNSEnabled != nil && (b.PrivateDNSEnabled == nil || *a.PrivateDNSEnabled != *b.PrivateDNSEnabled) {
			in.PrivateDnsEnabled, changed = a.PrivateDNSEnabled, true
		}
		if a.IPAddressType != b.IPAddressType && a.IPAddressType != "" {
			in.IpAddressType, changed = types.IpAddressType(a.IPAddressType), true
		}
		if changed {
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
