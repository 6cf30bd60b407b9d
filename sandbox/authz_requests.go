package sandbox

// Which resources a call authorizes, and the condition keys of each: the
// request side of authorization. The resource types and keys allowed per
// action come from awsauthz; this file knows where, in a request and in the
// state, each resource and key value is found.

import (
	"cmp"
	"encoding/xml"
	"regexp"
	"slices"
	"strings"

	"github.com/plinkdev/plink/awsauthz"
)

// ctxKeys is a request context under construction.
type ctxKeys map[string][]string

func (k ctxKeys) set(key string, vals ...string) {
	if len(vals) > 0 {
		k[key] = vals
	}
}

func (k ctxKeys) tags(ts []tag) {
	for _, t := range ts {
		k["aws:ResourceTag/"+t.Key] = []string{t.Value}
		k["ec2:ResourceTag/"+t.Key] = []string{t.Value}
	}
}

// requestTags sets aws:RequestTag/* and aws:TagKeys from tags a call sets.
func (k ctxKeys) requestTags(ts []tag) {
	var keys []string
	for _, t := range ts {
		k["aws:RequestTag/"+t.Key] = []string{t.Value}
		keys = append(keys, t.Key)
	}
	k.set("aws:TagKeys", keys...)
}

// authzBuilder collects the requests of one call.
type authzBuilder struct {
	c    *call
	act  awsauthz.Action
	out  []authzRequest
	glob ctxKeys
}

func (c *call) globalKeys() ctxKeys {
	g := ctxKeys{
		"aws:RequestedRegion":  {c.region},
		"aws:PrincipalAccount": {c.caller.Account},
		"aws:PrincipalArn":     {c.caller.Arn},
		"aws:userid":           {c.caller.UserID},
	}
	if c.caller.RoleArn != "" {
		g["aws:PrincipalArn"] = []string{c.caller.RoleArn}
		g["aws:PrincipalType"] = []string{"AssumedRole"}
	} else if strings.Contains(c.caller.Arn, ":user/") {
		g["aws:PrincipalType"] = []string{"User"}
		g["aws:username"] = []string{c.caller.Arn[strings.LastIndex(c.caller.Arn, "/")+1:]}
	}
	return g
}

// add authorizes one resource of type typ (a row of the action, or of the
// dependent action perm) with keys filtered to what AWS sets for that row.
func (b *authzBuilder) add(perm awsauthz.Action, typ, region, account, id string, keys ctxKeys) {
	arn := "*"
	if typ != "" {
		arn = awsauthz.Types[typ].Format("aws", region, account, id)
	}
	ctx := ctxKeys{}
	for k, v := range b.glob {
		ctx[k] = v
	}
	allowed := perm.KeysFor(typ)
	for k, v := range keys {
		if awsauthz.KeyAllowed(allowed, k) {
			ctx[k] = v
		}
	}
	b.out = append(b.out, authzRequest{Action: perm.Permission(), Resource: arn, Context: ctx})
}

// own adds a resource of the call's own action in the caller's account and
// region.
func (b *authzBuilder) own(typ, id string, keys ctxKeys) {
	b.add(b.act, typ, b.c.region, b.c.account(), id, keys)
}

// multiRegion adds the vpce:AllowMultiRegion check on an ARN (with the
// keys its row lists: none).
func (b *authzBuilder) multiRegion(typ, region, account, id string, keys ctxKeys) {
	perm, _ := awsauthz.Lookup("vpce", "AllowMultiRegion")
	b.add(perm, typ, region, account, id, keys)
}

// tagOnCreate adds ec2:CreateTags on the resource a create names, when the
// call carries TagSpecification, with ec2:CreateAction set.
func (b *authzBuilder) tagOnCreate(typ, id string, ts []tag) {
	if len(ts) == 0 {
		return
	}
	perm, _ := awsauthz.Lookup("ec2", "CreateTags")
	k := ctxKeys{"ec2:CreateAction": {b.c.action}, "ec2:Region": {b.c.region}}
	k.requestTags(ts)
	b.add(perm, typ, b.c.region, b.c.account(), id, k)
}

// ---- what each resource type carries ----

func (c *call) vpcArn(id string) string {
	return awsauthz.Types["vpc"].Format("aws", c.region, c.account(), id)
}

func (c *call) vpcKeys(id string) ctxKeys {
	k := ctxKeys{"ec2:Region": {c.region}, "ec2:VpcID": {id}, "ec2:Tenancy": {"default"}}
	if v, ok := c.net.vpcs[id]; ok {
		k.tags(nameTags(v.Name))
	}
	return k
}

func (c *call) subnetKeys(id string) ctxKeys {
	k := ctxKeys{"ec2:Region": {c.region}, "ec2:SubnetID": {id}}
	if sn, ok := c.net.subnets[id]; ok {
		k.set("ec2:AvailabilityZone", sn.AvailabilityZone)
		k.set("ec2:Vpc", c.vpcArn(sn.VpcID))
		k.tags(nameTags(sn.Name))
	}
	return k
}

func (c *call) sgKeys(id string) ctxKeys {
	k := ctxKeys{"ec2:Region": {c.region}, "ec2:SecurityGroupID": {id}}
	if g, ok := c.net.sgs[id]; ok {
		k.set("ec2:Vpc", c.vpcArn(g.VpcID))
	}
	return k
}

func (c *call) routeTableKeys(id string) ctxKeys {
	k := ctxKeys{"ec2:Region": {c.region}, "ec2:RouteTableID": {id}}
	if rt, v := c.routeTableOf(id); rt != nil {
		k.set("ec2:Vpc", c.vpcArn(v.ID))
		k.tags(nameTags(rt.Name))
	}
	return k
}

func (c *call) endpointKeys(ep *endpoint) ctxKeys {
	if isLattice(ep.Type) {
		k := ctxKeys{"ec2:Region": {ep.Region}} // no service: no service keys
		k.tags(ep.Tags)
		return k
	}
	k := ctxKeys{"ec2:Region": {ep.Region}, "ec2:VpceServiceName": {ep.ServiceName}}
	k.tags(ep.Tags)
	owner := "amazon"
	if ep.ServiceID != "" {
		if sv, ok := c.sb.st.Services[ep.ServiceID]; ok {
			owner = sv.Account
		}
	}
	k.set("ec2:VpceServiceOwner", owner)
	return k
}

func (c *call) serviceKeys(sv *service) ctxKeys {
	k := ctxKeys{"ec2:Region": {sv.Region}}
	k.tags(sv.Tags)
	k.set("ec2:VpceServicePrivateDnsName", sv.PrivateDNSName)
	k.set("ec2:VpceSupportedRegion", sv.SupportedRegions...)
	return k
}

// serviceOwner is ec2:VpceServiceOwner for a service name: the owner's
// account for an endpoint service, "amazon" for an AWS service, "" when no
// such service exists. Looked up directly rather than through the catalogue
// a consumer sees: the owner is a fact of the service, whoever asks.
func (c *call) serviceOwner(name, serviceRegion string) string {
	region := c.region
	if serviceRegion != "" {
		region = serviceRegion
	}
	if strings.HasPrefix(name, "com.amazonaws.vpce.") {
		for _, sv := range c.sb.st.Services {
			if sv.Name == name && sv.Region == region && !sv.Deleted {
				return sv.Account
			}
		}
		return ""
	}
	if strings.HasPrefix(name, "com.amazonaws.") {
		return "amazon"
	}
	return ""
}

// crossRegion reports whether a service supports a region besides its own.
func crossRegion(sv *service) bool {
	for _, r := range sv.SupportedRegions {
		if r != sv.Region {
			return true
		}
	}
	return false
}

// ---- per action ----

// authzRequests lists every authorization the call needs, in the order AWS
// would report them: the action's own resources, then dependent actions.
func (c *call) authzRequests(act awsauthz.Action) []authzRequest {
	b := &authzBuilder{c: c, act: act, glob: c.globalKeys()}
	svcByID := func(id string) *service {
		if sv, ok := c.sb.st.Services[id]; ok {
			return sv
		}
		return nil
	}
	ownService := func(id string) {
		k := ctxKeys{"ec2:Region": {c.region}}
		if sv := svcByID(id); sv != nil && sv.Account == c.account() {
			k = c.serviceKeys(sv)
		}
		b.own("vpc-endpoint-service", id, k)
	}
	ownEndpoint := func(id string) *endpoint {
		ep, ok := c.sb.st.Endpoints[id]
		if !ok || ep.Account != c.account() {
			b.own("vpc-endpoint", id, ctxKeys{"ec2:Region": {c.region}})
			return nil
		}
		b.own("vpc-endpoint", id, c.endpointKeys(ep))
		return ep
	}
	network := func(subnets, groups, tables []string) {
		for _, id := range tables {
			b.own("route-table", id, c.routeTableKeys(id))
		}
		for _, id := range groups {
			b.own("security-group", id, c.sgKeys(id))
		}
		for _, id := range subnets {
			b.own("subnet", id, c.subnetKeys(id))
		}
	}

	switch act.Permission() {
	case "ec2:CreateVpcEndpoint":
		name, svcRegion := c.p.str("ServiceName"), c.p.str("ServiceRegion")
		tags := c.p.tagSpecsTags()
		k := ctxKeys{"ec2:Region": {c.region}, "ec2:VpceServiceName": {name}}
		k.requestTags(tags)
		k.set("ec2:VpceServiceOwner", c.serviceOwner(name, svcRegion))
		if c.p.str("VpcEndpointType") == "ServiceNetwork" {
			// a service-network endpoint is an association of the network
			// with the endpoint, a permission of its own (awsauthz)
			perm, _ := awsauthz.Lookup("vpc-lattice", "CreateServiceNetworkVpcEndpointAssociation")
			b.add(perm, "", c.region, c.account(), "", nil)
		}
		if isLattice(c.p.str("VpcEndpointType")) {
			// A Resource or ServiceNetwork endpoint names no service: the
			// service keys are absent (ec2_lattice.go), its private DNS
			// preference keys present when given.
			k = ctxKeys{"ec2:Region": {c.region}}
			k.requestTags(tags)
			k.set("ec2:VpcePrivateDnsPreference", c.p.str("DnsOptions.PrivateDnsPreference"))
			k.set("ec2:VpcePrivateDnsSpecifiedDomains", dedupe(c.p.list("DnsOptions.PrivateDnsSpecifiedDomain"))...)
		}
		b.own("vpc-endpoint", "*", k)
		vpc := c.p.str("VpcId")
		b.own("vpc", vpc, c.vpcKeys(vpc))
		network(dedupe(c.p.list("SubnetId")), dedupe(c.p.list("SecurityGroupId")), dedupe(c.p.list("RouteTableId")))
		if svcRegion != "" && svcRegion != c.region {
			b.multiRegion("vpc-endpoint", c.region, c.account(), "*", k)
		}
		b.tagOnCreate("vpc-endpoint", "*", tags)
	case "ec2:ModifyVpcEndpoint":
		ep := ownEndpoint(c.p.str("VpcEndpointId"))
		network(
			append(dedupe(c.p.list("AddSubnetId")), dedupe(c.p.list("RemoveSubnetId"))...),
			append(dedupe(c.p.list("AddSecurityGroupId")), dedupe(c.p.list("RemoveSecurityGroupId"))...),
			append(dedupe(c.p.list("AddRouteTableId")), dedupe(c.p.list("RemoveRouteTableId"))...))
		if ep != nil && ep.ServiceRegion != "" && ep.ServiceRegion != ep.Region {
			b.multiRegion("vpc-endpoint", ep.Region, ep.Account, ep.ID, c.endpointKeys(ep))
		}
	case "ec2:DeleteVpcEndpoints":
		var cross []*endpoint
		for _, id := range dedupe(c.p.list("VpcEndpointId")) {
			if ep := ownEndpoint(id); ep != nil && ep.ServiceRegion != "" && ep.ServiceRegion != ep.Region {
				cross = append(cross, ep)
			}
		}
		for _, ep := range cross {
			b.multiRegion("vpc-endpoint", ep.Region, ep.Account, ep.ID, c.endpointKeys(ep))
		}
	case "ec2:CreateVpcEndpointServiceConfiguration":
		tags := c.p.tagSpecsTags()
		regions := dedupe(c.p.list("SupportedRegion"))
		k := ctxKeys{"ec2:Region": {c.region}}
		k.requestTags(tags)
		k.set("ec2:VpceServicePrivateDnsName", c.p.str("PrivateDnsName"))
		k.set("ec2:VpceSupportedRegion", regions...)
		b.own("vpc-endpoint-service", "*", k)
		if slices.ContainsFunc(regions, func(r string) bool { return r != c.region }) {
			b.multiRegion("vpc-endpoint-service", c.region, c.account(), "*", k)
		}
		b.tagOnCreate("vpc-endpoint-service", "*", tags)
	case "ec2:ModifyVpcEndpointServiceConfiguration":
		id := c.p.str("ServiceId")
		add, rm := dedupe(c.p.list("AddSupportedRegion")), dedupe(c.p.list("RemoveSupportedRegion"))
		k := ctxKeys{"ec2:Region": {c.region}}
		sv := svcByID(id)
		if sv != nil && sv.Account == c.account() {
			k = c.serviceKeys(sv)
		}
		if named := append(slices.Clone(add), rm...); len(named) > 0 {
			k["ec2:VpceSupportedRegion"] = named
		}
		if dns := c.p.str("PrivateDnsName"); dns != "" {
			k["ec2:VpceServicePrivateDnsName"] = []string{dns}
		}
		b.own("vpc-endpoint-service", id, k)
		home := c.region
		if sv != nil {
			home = sv.Region
		}
		if slices.ContainsFunc(append(add, rm...), func(r string) bool { return r != home }) {
			b.multiRegion("vpc-endpoint-service", c.region, c.account(), id, k)
		}
	case "ec2:DeleteVpcEndpointServiceConfigurations":
		var cross []*service
		for _, id := range dedupe(c.p.list("ServiceId")) {
			ownService(id)
			if sv := svcByID(id); sv != nil && sv.Account == c.account() && crossRegion(sv) {
				cross = append(cross, sv)
			}
		}
		for _, sv := range cross {
			b.multiRegion("vpc-endpoint-service", sv.Region, sv.Account, sv.ID, c.serviceKeys(sv))
		}
	case "ec2:DescribeVpcEndpointServicePermissions", "ec2:ModifyVpcEndpointServicePermissions",
		"ec2:StartVpcEndpointServicePrivateDnsVerification", "ec2:ModifyVpcEndpointServicePayerResponsibility":
		ownService(c.p.str("ServiceId"))
	case "ec2:AcceptVpcEndpointConnections", "ec2:RejectVpcEndpointConnections":
		id := c.p.str("ServiceId")
		ownService(id)
		sv := svcByID(id)
		if sv == nil || sv.Account != c.account() {
			break
		}
		for _, eid := range c.p.list("VpcEndpointId") {
			if ep, ok := c.sb.st.Endpoints[eid]; ok && ep.ServiceID == sv.ID && ep.Region != sv.Region {
				b.multiRegion("vpc-endpoint-service", sv.Region, sv.Account, sv.ID, c.serviceKeys(sv))
				break
			}
		}
	case "ec2:CreateVpcEndpointConnectionNotification":
		if id := c.p.str("ServiceId"); id != "" {
			ownService(id)
		}
		if id := c.p.str("VpcEndpointId"); id != "" {
			ownEndpoint(id)
		}
	case "ec2:ModifyVpcEndpointConnectionNotification", "ec2:DeleteVpcEndpointConnectionNotifications":
		ids := c.p.list("ConnectionNotificationId")
		if id := c.p.str("ConnectionNotificationId"); id != "" && len(ids) == 0 {
			ids = []string{id}
		}
		for _, id := range ids {
			nf, ok := c.sb.st.Notifications[id]
			switch {
			case !ok || nf.Account != c.account():
				// Unknown: the handler answers NotFound once authorized
				// on what the caller may touch at all.
				b.own("vpc-endpoint-service", "*", ctxKeys{"ec2:Region": {c.region}})
			case nf.ServiceID != "":
				ownService(nf.ServiceID)
			default:
				ownEndpoint(nf.EndpointID)
			}
		}
	case "ec2:CreateTags", "ec2:DeleteTags":
		ts := c.p.tags("Tag")
		for _, id := range c.p.list("ResourceId") {
			typ, rid, k := c.taggableKeys(id)
			if typ == "" {
				continue // the handler answers for an id of another kind
			}
			k.requestTags(ts)
			b.own(typ, rid, k)
		}
	case "ec2:CreatePlacementGroup":
		tags := c.p.tagSpecsTags()
		k := ctxKeys{"ec2:Region": {c.region}}
		k.set("ec2:PlacementGroupStrategy", c.p.str("Strategy"))
		k.set("ec2:PlacementGroupName", c.p.str("GroupName"))
		k.requestTags(tags)
		b.own("placement-group", c.p.str("GroupName"), k)
		b.tagOnCreate("placement-group", c.p.str("GroupName"), tags)
	case "ec2:DeletePlacementGroup":
		name := c.p.str("GroupName")
		k := ctxKeys{"ec2:Region": {c.region}}
		k.set("ec2:PlacementGroupName", name)
		for _, pg := range c.sb.st.PlacementGroups {
			if pg.Name == name && pg.Account == c.account() && pg.Region == c.region {
				k.set("ec2:PlacementGroupStrategy", pg.Strategy)
				k.tags(pg.Tags)
			}
		}
		b.own("placement-group", name, k)
	case "sns:GetTopicAttributes":
		arn := c.p.str("TopicArn")
		region, account, name := c.region, c.account(), arn
		if m := reTopicArn.FindStringSubmatch(arn); m != nil {
			region, account, name = m[1], m[2], m[3]
		}
		b.add(act, "topic", region, account, name, nil)
	case "route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets":
		// The hosted zone (a global ARN); ChangeResourceRecordSets sets
		// its action-level keys from the change batch (r53Call.authzParams).
		k := ctxKeys{}
		k.set("route53:ChangeResourceRecordSetsActions", dedupe(c.p["ChangeAction"])...)
		k.set("route53:ChangeResourceRecordSetsNormalizedRecordNames", dedupe(c.p["ChangeName"])...)
		k.set("route53:ChangeResourceRecordSetsRecordTypes", dedupe(c.p["ChangeType"])...)
		b.add(act, "hostedzone", "", "", c.p.str("HostedZoneId"), k)
	case "route53:GetChange":
		b.add(act, "change", "", "", c.p.str("ChangeId"), nil)
	case "vpc-lattice:GetResourceConfiguration", "vpc-lattice:GetServiceNetwork", "vpc-lattice:GetResourceGateway":
		// The identifier (the request's path, lattice_api.go) is an ARN,
		// or an id: of a resource configuration or service network of
		// the world (its owner's ARN, as AWS authorizes a shared one), or
		// of the caller's own resource gateway.
		typ := act.Rows[0].Type
		region, account, id := c.region, c.account(), c.p.str("Identifier")
		if m := reLatticeArn.FindStringSubmatch(cmp.Or(c.latticeARN(typ, id), id)); m != nil {
			region, account, id = m[1], m[2], m[3]
		}
		b.add(act, typ, region, account, id, nil)
	case "sts:AssumeRole":
		arn := c.p.str("RoleArn")
		account, name := "", arn
		if m := reRoleArn.FindStringSubmatch(arn); m != nil {
			account, name = m[1], arn[strings.Index(arn, ":role/")+len(":role/"):]
		}
		b.add(act, "role", "", account, name, nil)
	default:
		for _, r := range act.Rows {
			if r.Type != "" {
				// A row with a resource type must be handled above.
				b.add(act, r.Type, c.region, c.account(), "?", nil)
				continue
			}
			b.add(act, "", "", "", "", nil)
		}
	}
	return b.out
}

// reLatticeArn is a VPC Lattice ARN: region, account and the id after the
// type.
var reLatticeArn = regexp.MustCompile(`^arn:aws[\w-]*:vpc-lattice:([\w-]+):(\d{12}):[a-z]+/(.+)$`)

// latticeARN is the ARN of the world's resource configuration or service
// network whose id is id ("" for none, or another type).
func (c *call) latticeARN(typ, id string) string {
	switch typ {
	case "ResourceConfiguration":
		for _, rc := range c.sb.world.ResourceConfigurations {
			if latticeID(rc.Arn) == id {
				return rc.Arn
			}
		}
	case "ServiceNetwork":
		for _, sn := range c.sb.world.ServiceNetworks {
			if latticeID(sn.Arn) == id {
				return sn.Arn
			}
		}
	}
	return ""
}

// authzParams puts in the call's params what authorization reads of a
// Route 53 request: the zone or change id of its path and, for
// ChangeResourceRecordSets, each change's action, record name (normalized:
// lowercase, no final dot) and type.
func (c *r53Call) authzParams() {
	p := params{}
	switch {
	case (c.action == "ListResourceRecordSets" || c.action == "ChangeResourceRecordSets") && len(c.path) > 1:
		p["HostedZoneId"] = []string{c.path[1]}
	case c.action == "GetChange" && len(c.path) > 1:
		p["ChangeId"] = []string{strings.TrimPrefix(c.path[1], "/change/")}
	}
	if c.action == "ChangeResourceRecordSets" {
		var req changeBatchXML
		if xml.Unmarshal(c.body, &req) == nil {
			for _, ch := range req.Changes {
				p["ChangeAction"] = append(p["ChangeAction"], ch.Action)
				p["ChangeName"] = append(p["ChangeName"], strings.TrimSuffix(strings.ToLower(ch.RRSet.Name), "."))
				p["ChangeType"] = append(p["ChangeType"], ch.RRSet.Type)
			}
		}
	}
	c.p = p
}

// taggableKeys resolves a CreateTags/DeleteTags resource id to its type,
// ARN id and keys; typ is "" for an id the sandbox does not tag.
func (c *call) taggableKeys(id string) (typ, rid string, k ctxKeys) {
	k = ctxKeys{"ec2:Region": {c.region}}
	switch {
	case strings.HasPrefix(id, "vpce-svc-perm-"):
		// An allowed principal's permission (its tags): authorized on
		// the permission, with its tags.
		for _, sv := range c.sb.st.Services {
			if sv.Account != c.account() {
				continue
			}
			for _, pr := range sv.Permissions {
				if pr.ID == id {
					k.tags(pr.Tags)
				}
			}
		}
		return "vpc-endpoint-service-permission", id, k
	case strings.HasPrefix(id, "vpce-svc-"):
		if sv, ok := c.sb.st.Services[id]; ok && sv.Account == c.account() {
			k = c.serviceKeys(sv)
		}
		return "vpc-endpoint-service", id, k
	case strings.HasPrefix(id, "vpce-"):
		if ep, ok := c.sb.st.Endpoints[id]; ok && ep.Account == c.account() {
			k = c.endpointKeys(ep)
		}
		return "vpc-endpoint", id, k
	case strings.HasPrefix(id, "pg-"):
		if pg, ok := c.sb.st.PlacementGroups[id]; ok && pg.Account == c.account() {
			k.set("ec2:PlacementGroupStrategy", pg.Strategy)
			k.set("ec2:PlacementGroupName", pg.Name)
			k.tags(pg.Tags)
			return "placement-group", pg.Name, k
		}
		return "placement-group", id, k
	}
	return "", "", nil
}

// tagSpecsTags are the tags of every TagSpecification of a create.
func (p params) tagSpecsTags() []tag {
	var out []tag
	for _, s := range p.tagSpecs() {
		out = append(out, s.Tags...)
	}
	return out
}
