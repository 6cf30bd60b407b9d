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
	if resources, ok := authzResources[act.Permission()]; ok {
		resources(b)
	} else {
		b.rows()
	}
	return b.out
}

// authzResources adds, per permission, the resources a call authorizes
// and their keys. A permission not listed authorizes its rows as they are
// (rows).
var authzResources = map[string]func(*authzBuilder){
	"ec2:CreateVpcEndpoint":                             (*authzBuilder).createVpcEndpoint,
	"ec2:ModifyVpcEndpoint":                             (*authzBuilder).modifyVpcEndpoint,
	"ec2:DeleteVpcEndpoints":                            (*authzBuilder).deleteVpcEndpoints,
	"ec2:CreateVpcEndpointServiceConfiguration":         (*authzBuilder).createServiceConfiguration,
	"ec2:ModifyVpcEndpointServiceConfiguration":         (*authzBuilder).modifyServiceConfiguration,
	"ec2:DeleteVpcEndpointServiceConfigurations":        (*authzBuilder).deleteServiceConfigurations,
	"ec2:DescribeVpcEndpointServicePermissions":         (*authzBuilder).namedService,
	"ec2:ModifyVpcEndpointServicePermissions":           (*authzBuilder).namedService,
	"ec2:StartVpcEndpointServicePrivateDnsVerification": (*authzBuilder).namedService,
	"ec2:ModifyVpcEndpointServicePayerResponsibility":   (*authzBuilder).namedService,
	"ec2:AcceptVpcEndpointConnections":                  (*authzBuilder).decideConnections,
	"ec2:RejectVpcEndpointConnections":                  (*authzBuilder).decideConnections,
	"ec2:CreateVpcEndpointConnectionNotification":       (*authzBuilder).createNotification,
	"ec2:ModifyVpcEndpointConnectionNotification":       (*authzBuilder).changeNotifications,
	"ec2:DeleteVpcEndpointConnectionNotifications":      (*authzBuilder).changeNotifications,
	"ec2:CreateTags":                                    (*authzBuilder).tagResources,
	"ec2:DeleteTags":                                    (*authzBuilder).tagResources,
	"ec2:CreatePlacementGroup":                          (*authzBuilder).createPlacementGroup,
	"ec2:DeletePlacementGroup":                          (*authzBuilder).deletePlacementGroup,
	"sns:GetTopicAttributes":                            (*authzBuilder).topic,
	"route53:ListResourceRecordSets":                    (*authzBuilder).hostedZone,
	"route53:ChangeResourceRecordSets":                  (*authzBuilder).hostedZone,
	"route53:GetChange":                                 (*authzBuilder).change,
	"vpc-lattice:GetResourceConfiguration":              (*authzBuilder).latticeResource,
	"vpc-lattice:GetServiceNetwork":                     (*authzBuilder).latticeResource,
	"vpc-lattice:GetResourceGateway":                    (*authzBuilder).latticeResource,
	"sts:AssumeRole":                                    (*authzBuilder).role,
}

// rows authorizes each row of the action as it is: "*" for a row without
// a resource type; one with a type must have its own entry in
// authzResources ("?" marks it).
func (b *authzBuilder) rows() {
	for _, r := range b.act.Rows {
		if r.Type != "" {
			b.add(b.act, r.Type, b.c.region, b.c.account(), "?", nil)
			continue
		}
		b.add(b.act, "", "", "", "", nil)
	}
}

// service is the service of the state with id, or nil.
func (b *authzBuilder) service(id string) *service {
	if sv, ok := b.c.sb.st.Services[id]; ok {
		return sv
	}
	return nil
}

// ownedService is the caller's own service with id, or nil.
func (b *authzBuilder) ownedService(id string) *service {
	if sv := b.service(id); sv != nil && sv.Account == b.c.account() {
		return sv
	}
	return nil
}

// ownService authorizes the service with id, with its keys when it is the
// caller's.
func (b *authzBuilder) ownService(id string) {
	k := ctxKeys{"ec2:Region": {b.c.region}}
	if sv := b.ownedService(id); sv != nil {
		k = b.c.serviceKeys(sv)
	}
	b.own("vpc-endpoint-service", id, k)
}

// ownEndpoint authorizes the endpoint with id, with its keys when it is
// the caller's; it returns that endpoint, or nil.
func (b *authzBuilder) ownEndpoint(id string) *endpoint {
	ep, ok := b.c.sb.st.Endpoints[id]
	if !ok || ep.Account != b.c.account() {
		b.own("vpc-endpoint", id, ctxKeys{"ec2:Region": {b.c.region}})
		return nil
	}
	b.own("vpc-endpoint", id, b.c.endpointKeys(ep))
	return ep
}

// network authorizes the route tables, security groups and subnets an
// endpoint call names.
func (b *authzBuilder) network(subnets, groups, tables []string) {
	for _, id := range tables {
		b.own("route-table", id, b.c.routeTableKeys(id))
	}
	for _, id := range groups {
		b.own("security-group", id, b.c.sgKeys(id))
	}
	for _, id := range subnets {
		b.own("subnet", id, b.c.subnetKeys(id))
	}
}

// crossRegionEndpoint reports whether ep reaches a service in another
// region.
func crossRegionEndpoint(ep *endpoint) bool {
	return ep != nil && ep.ServiceRegion != "" && ep.ServiceRegion != ep.Region
}

func (b *authzBuilder) createVpcEndpoint() {
	c := b.c
	name, svcRegion := c.p.str("ServiceName"), c.p.str("ServiceRegion")
	tags := c.p.tagSpecsTags()
	k := ctxKeys{"ec2:Region": {c.region}, "ec2:VpceServiceName": {name}}
	k.requestTags(tags)
	k.set("ec2:VpceServiceOwner", c.serviceOwner(name, svcRegion))
	if c.p.str("VpcEndpointType") == endpointTypeServiceNetwork {
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
	b.network(dedupe(c.p.list("SubnetId")), dedupe(c.p.list("SecurityGroupId")), dedupe(c.p.list("RouteTableId")))
	if svcRegion != "" && svcRegion != c.region {
		b.multiRegion("vpc-endpoint", c.region, c.account(), "*", k)
	}
	b.tagOnCreate("vpc-endpoint", "*", tags)
}

// modifyVpcEndpoint authorizes the endpoint and every subnet, security
// group and route table it adds or removes.
func (b *authzBuilder) modifyVpcEndpoint() {
	p := b.c.p
	ep := b.ownEndpoint(p.str("VpcEndpointId"))
	b.network(
		append(dedupe(p.list("AddSubnetId")), dedupe(p.list("RemoveSubnetId"))...),
		append(dedupe(p.list("AddSecurityGroupId")), dedupe(p.list("RemoveSecurityGroupId"))...),
		append(dedupe(p.list("AddRouteTableId")), dedupe(p.list("RemoveRouteTableId"))...))
	if crossRegionEndpoint(ep) {
		b.multiRegion("vpc-endpoint", ep.Region, ep.Account, ep.ID, b.c.endpointKeys(ep))
	}
}

// deleteVpcEndpoints authorizes each endpoint, then the cross-region ones
// again for vpce:AllowMultiRegion.
func (b *authzBuilder) deleteVpcEndpoints() {
	var cross []*endpoint
	for _, id := range dedupe(b.c.p.list("VpcEndpointId")) {
		if ep := b.ownEndpoint(id); crossRegionEndpoint(ep) {
			cross = append(cross, ep)
		}
	}
	for _, ep := range cross {
		b.multiRegion("vpc-endpoint", ep.Region, ep.Account, ep.ID, b.c.endpointKeys(ep))
	}
}

func (b *authzBuilder) createServiceConfiguration() {
	c := b.c
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
}

// modifyServiceConfiguration authorizes the service with the regions and
// private DNS name the call names as its keys, and vpce:AllowMultiRegion
// when a region other than the service's is added or removed.
func (b *authzBuilder) modifyServiceConfiguration() {
	c := b.c
	id := c.p.str("ServiceId")
	add, rm := dedupe(c.p.list("AddSupportedRegion")), dedupe(c.p.list("RemoveSupportedRegion"))
	k := ctxKeys{"ec2:Region": {c.region}}
	if sv := b.ownedService(id); sv != nil {
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
	if sv := b.service(id); sv != nil {
		home = sv.Region
	}
	if slices.ContainsFunc(append(add, rm...), func(r string) bool { return r != home }) {
		b.multiRegion("vpc-endpoint-service", c.region, c.account(), id, k)
	}
}

// deleteServiceConfigurations authorizes each service, then the caller's
// cross-region ones again for vpce:AllowMultiRegion.
func (b *authzBuilder) deleteServiceConfigurations() {
	var cross []*service
	for _, id := range dedupe(b.c.p.list("ServiceId")) {
		b.ownService(id)
		if sv := b.ownedService(id); sv != nil && crossRegion(sv) {
			cross = append(cross, sv)
		}
	}
	for _, sv := range cross {
		b.multiRegion("vpc-endpoint-service", sv.Region, sv.Account, sv.ID, b.c.serviceKeys(sv))
	}
}

// namedService authorizes the service the call names (ServiceId).
func (b *authzBuilder) namedService() { b.ownService(b.c.p.str("ServiceId")) }

// decideConnections authorizes the service, and vpce:AllowMultiRegion
// once when one of the endpoints is in another region.
func (b *authzBuilder) decideConnections() {
	id := b.c.p.str("ServiceId")
	b.ownService(id)
	sv := b.ownedService(id)
	if sv == nil {
		return
	}
	for _, eid := range b.c.p.list("VpcEndpointId") {
		if ep, ok := b.c.sb.st.Endpoints[eid]; ok && ep.ServiceID == sv.ID && ep.Region != sv.Region {
			b.multiRegion("vpc-endpoint-service", sv.Region, sv.Account, sv.ID, b.c.serviceKeys(sv))
			return
		}
	}
}

// createNotification authorizes the service or endpoint the notification
// is for.
func (b *authzBuilder) createNotification() {
	if id := b.c.p.str("ServiceId"); id != "" {
		b.ownService(id)
	}
	if id := b.c.p.str("VpcEndpointId"); id != "" {
		b.ownEndpoint(id)
	}
}

// changeNotifications authorizes the service or endpoint of each
// notification changed or deleted.
func (b *authzBuilder) changeNotifications() {
	c := b.c
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
			b.ownService(nf.ServiceID)
		default:
			b.ownEndpoint(nf.EndpointID)
		}
	}
}

// tagResources authorizes each resource tagged or untagged, with the tags
// the call sets.
func (b *authzBuilder) tagResources() {
	ts := b.c.p.tags("Tag")
	for _, id := range b.c.p.list("ResourceId") {
		typ, rid, k := b.c.taggableKeys(id)
		if typ == "" {
			continue // the handler answers for an id of another kind
		}
		k.requestTags(ts)
		b.own(typ, rid, k)
	}
}

func (b *authzBuilder) createPlacementGroup() {
	c := b.c
	tags := c.p.tagSpecsTags()
	k := ctxKeys{"ec2:Region": {c.region}}
	k.set("ec2:PlacementGroupStrategy", c.p.str("Strategy"))
	k.set("ec2:PlacementGroupName", c.p.str("GroupName"))
	k.requestTags(tags)
	b.own("placement-group", c.p.str("GroupName"), k)
	b.tagOnCreate("placement-group", c.p.str("GroupName"), tags)
}

func (b *authzBuilder) deletePlacementGroup() {
	c := b.c
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
}

// topic authorizes the SNS topic of the call's ARN.
func (b *authzBuilder) topic() {
	arn := b.c.p.str("TopicArn")
	region, account, name := b.c.region, b.c.account(), arn
	if m := reTopicArn.FindStringSubmatch(arn); m != nil {
		region, account, name = m[1], m[2], m[3]
	}
	b.add(b.act, "topic", region, account, name, nil)
}

// hostedZone authorizes the hosted zone (a global ARN);
// ChangeResourceRecordSets sets its action-level keys from the change
// batch (r53Call.authzParams).
func (b *authzBuilder) hostedZone() {
	p := b.c.p
	k := ctxKeys{}
	k.set("route53:ChangeResourceRecordSetsActions", dedupe(p["ChangeAction"])...)
	k.set("route53:ChangeResourceRecordSetsNormalizedRecordNames", dedupe(p["ChangeName"])...)
	k.set("route53:ChangeResourceRecordSetsRecordTypes", dedupe(p["ChangeType"])...)
	b.add(b.act, "hostedzone", "", "", p.str("HostedZoneId"), k)
}

func (b *authzBuilder) change() { b.add(b.act, "change", "", "", b.c.p.str("ChangeId"), nil) }

// latticeResource authorizes a VPC Lattice resource by its identifier
// (the request's path, lattice_api.go): an ARN, or an id of a resource
// configuration or service network of the world (its owner's ARN, as AWS
// authorizes a shared one), or of the caller's own resource gateway.
func (b *authzBuilder) latticeResource() {
	c := b.c
	typ := b.act.Rows[0].Type
	region, account, id := c.region, c.account(), c.p.str("Identifier")
	if m := reLatticeArn.FindStringSubmatch(cmp.Or(c.latticeARN(typ, id), id)); m != nil {
		region, account, id = m[1], m[2], m[3]
	}
	b.add(b.act, typ, region, account, id, nil)
}

// role authorizes the role sts:AssumeRole assumes.
func (b *authzBuilder) role() {
	arn := b.c.p.str("RoleArn")
	account, name := "", arn
	if m := reRoleArn.FindStringSubmatch(arn); m != nil {
		account, name = m[1], arn[strings.Index(arn, ":role/")+len(":role/"):]
	}
	b.add(b.act, "role", "", account, name, nil)
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
