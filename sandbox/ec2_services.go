package sandbox

// EC2 endpoint services, provider side: service configurations, allowed
// principals, private DNS verification.

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// ownService returns a service the caller owns in the call's region.
func (c *call) ownService(id string) (*service, *apiError) {
	if id == "" {
		return nil, missingParam("ServiceId")
	}
	sv, ok := c.sb.st.Services[id]
	if ok {
		if _, gone := c.sb.serviceState(sv, c.now); gone {
			ok = false
		}
	}
	if !ok || sv.Account != c.account() || sv.Region != c.region || !c.sb.visible(sv.Created, c.now) {
		if !strings.HasPrefix(id, "vpce-svc-") {
			return nil, errf(400, "InvalidVpcEndpointServiceId.Malformed", "Invalid id: \"%s\" (expecting \"vpce-svc-...\")", id)
		}
		return nil, errf(400, "InvalidVpcEndpointServiceId.NotFound", "The Vpc Endpoint Service Id '%s' does not exist", id)
	}
	return sv, nil
}

// liveService returns a service the caller owns that is not being deleted,
// for calls that change it.
func (c *call) liveService(id string) (*service, *apiError) {
	sv, err := c.ownService(id)
	if err != nil {
		return nil, err
	}
	if st, _ := c.sb.serviceState(sv, c.now); st == svcDeleting || st == svcDeleted {
		return nil, errf(400, "IncorrectState", "The VPC endpoint service %s is in state %s and cannot be changed", id, st)
	}
	return sv, nil
}

// lbs returns the load balancer ARNs of a service.
func (sv *service) lbs() []string {
	if sv.Type == "GatewayLoadBalancer" {
		return sv.GWLBs
	}
	return sv.NLBs
}

// serviceAZIDs returns the AZ ids of a service's load balancers.
func (s *Sandbox) serviceAZIDs(sv *service) []string {
	n := s.net(sv.Account, sv.Region)
	seen := map[string]bool{}
	for _, arn := range sv.lbs() {
		if lb, ok := s.lb(n, arn); ok {
			for _, sub := range lb.Subnets {
				if si, ok := n.subnets[sub]; ok {
					seen[si.AZID] = true
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// azNames maps AZ ids to names in account's mapping for region.
func (s *Sandbox) azNames(account, region string, ids []string) []string {
	n := s.net(account, region)
	var out []string
	for _, id := range ids {
		for name, zid := range n.azs {
			if zid == id {
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// checkLBs validates load balancer ARNs for a service of kind lbType
// ("network" or "gateway") owned by the caller; except is a service id whose
// own associations do not count as conflicts.
func (c *call) checkLBs(arns []string, lbType, except string) *apiError {
	for _, arn := range arns {
		lb, ok := c.sb.lb(c.net, arn)
		if !ok {
			return invalidParam("Load balancer ARN '%s' is not valid: no such load balancer in account %s region %s", arn, c.account(), c.region)
		}
		if lb.Type != lbType {
			return invalidParam("Load balancer '%s' is of type %s, expected a %s load balancer", arn, lb.Type, lbType)
		}
		if lb.State == "failed" || lb.State == "provisioning" {
			return invalidParam("Load balancer '%s' is in state %s; it must be active", arn, lb.State)
		}
		for _, sv := range c.sb.st.Services {
			// A service being deleted has let its load balancers go.
			if sv.ID != except && contains(sv.lbs(), arn) && c.sb.serviceLive(sv, c.now) {
				return invalidParam("Load balancer(s) %s already associated with another VPC Endpoint Service (%s)", arn, sv.ID)
			}
		}
	}
	return nil
}

var reDomain = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

func (c *call) validDNSName(name string) *apiError {
	if !reDomain.MatchString(strings.ToLower(name)) || len(name) > 255 {
		return invalidParam("Private DNS name '%s' is not a valid domain name", name)
	}
	return nil
}

// setPrivateDNS gives a service a new private DNS name to verify.
func (c *call) setPrivateDNS(sv *service, name string) {
	sv.PrivateDNSName = name
	sv.DNSVerifyName = "_" + c.sb.randAlnum(20)
	sv.DNSVerifyValue = "vpce:" + c.sb.randAlnum(20)
	sv.DNSState = "pendingVerification"
	sv.DNSVerifyAt = time.Time{}
	if c.sb.opts.AutoVerifyPrivateDNS {
		sv.DNSState = "verified"
	}
}

func (c *call) checkIPTypes(types []string) *apiError {
	for _, t := range types {
		if t != "ipv4" && t != "ipv6" {
			return invalidParam("Invalid supported IP address type '%s'. Valid values are ipv4 and ipv6.", t)
		}
	}
	return nil
}

func (c *call) checkRegions(regions []string) *apiError {
	for _, r := range regions {
		if !c.sb.servesRegion(r) {
			return invalidParam("The Region '%s' is not a supported Region (supported: %s)", r, strings.Join(c.sb.world.Regions, ", "))
		}
	}
	return nil
}

// requestHash fingerprints a request's parameters, ignoring ClientToken.
func requestHash(p params) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		if k != "ClientToken" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k + "=" + strings.Join(p[k], ",") + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// idempotent looks up a ClientToken: it returns the record of an identical
// earlier request, or IdempotentParameterMismatch. A record whose resource
// was deleted longer than Options.ClientTokenRetention ago is forgotten.
func (c *call) idempotent() (key string, rec *tokenRecord, err *apiError) {
	tok := c.p.str("ClientToken")
	if tok == "" {
		return "", nil, nil
	}
	if len(tok) > 64 {
		return "", nil, badParam("ClientToken must be at most 64 characters")
	}
	key = c.account() + "|" + c.region + "|" + c.action + "|" + tok
	rec, ok := c.sb.st.Tokens[key]
	if !ok {
		return key, nil, nil
	}
	if gone, ok := c.sb.tokenGone(rec, c.now); ok && !c.sb.retained(gone, c.now) {
		delete(c.sb.st.Tokens, key)
		return key, nil, nil
	}
	if rec.Hash != requestHash(c.p) {
		return "", nil, errf(400, "IdempotentParameterMismatch", "The client token '%s' was used before with different parameters.", tok)
	}
	return key, rec, nil
}

// priorID is the id of the resource a token record names, or "".
func priorID(rec *tokenRecord) string {
	if rec == nil {
		return ""
	}
	return rec.ResourceID
}

func (c *call) remember(key, resourceID string) {
	if key != "" {
		c.sb.st.Tokens[key] = &tokenRecord{Hash: requestHash(c.p), ResourceID: resourceID}
	}
}

func createServiceConfiguration(c *call) ([]xn, *apiError) {
	key, prior, err := c.idempotent()
	if err != nil {
		return nil, err
	}
	if prior != nil {
		// The same request again: the service it made, even one deleted
		// within the token's retention (then Deleted).
		// (gc has not dropped it yet) or as its token record keeps it.
		sv, ok := c.sb.st.Services[prior.ResourceID]
		if !ok {
			sv = prior.Service
		}
		if sv != nil {
			return []xn{c.serviceConfigXN("serviceConfiguration", sv), opt("clientToken", c.p.str("ClientToken"))}, nil
		}
	}
	nlbs, gwlbs := c.p.list("NetworkLoadBalancerArn"), c.p.list("GatewayLoadBalancerArn")
	if (len(nlbs) == 0) == (len(gwlbs) == 0) {
		return nil, invalidParam("exactly one of network_load_balancer_arn or gateway_load_balancer_arn is a required member")
	}
	sv := &service{Account: c.account(), Region: c.region, Created: c.now, Type: "Interface", NLBs: dedupe(nlbs), GWLBs: dedupe(gwlbs)}
	if len(gwlbs) > 0 {
		sv.Type = "GatewayLoadBalancer"
		if err := c.checkLBs(sv.GWLBs, "gateway", ""); err != nil {
			return nil, err
		}
	} else if err := c.checkLBs(sv.NLBs, "network", ""); err != nil {
		return nil, err
	}
	acc, present, err := c.p.boolean("AcceptanceRequired")
	if err != nil {
		return nil, err
	}
	sv.AcceptanceRequired = acc || !present
	sv.IPTypes = dedupe(c.p.list("SupportedIpAddressType"))
	if len(sv.IPTypes) == 0 {
		sv.IPTypes = []string{"ipv4"}
	}
	if err := c.checkIPTypes(sv.IPTypes); err != nil {
		return nil, err
	}
	regions := dedupe(c.p.list("SupportedRegion"))
	if err := c.checkRegions(regions); err != nil {
		return nil, err
	}
	for _, r := range regions {
		if r != c.region {
			sv.SupportedRegions = append(sv.SupportedRegions, r)
		}
	}
	tags, err := c.p.tagsFor("vpc-endpoint-service")
	if err != nil {
		return nil, err
	}
	if name := c.p.str("PrivateDnsName"); name != "" {
		if sv.Type == "GatewayLoadBalancer" {
			return nil, invalidParam("Private DNS names are not supported for Gateway Load Balancer endpoint services")
		}
		if err := c.validDNSName(name); err != nil {
			return nil, err
		}
		c.setPrivateDNS(sv, name)
	}
	sv.ID = c.sb.newID("vpce-svc")
	sv.Name = "com.amazonaws.vpce." + c.region + "." + sv.ID
	sv.Tags = tags
	c.sb.st.Services[sv.ID] = sv
	c.remember(key, sv.ID)
	return []xn{c.serviceConfigXN("serviceConfiguration", sv), opt("clientToken", c.p.str("ClientToken"))}, nil
}

func dedupe(in []string) []string {
	var out []string
	for _, v := range in {
		if !contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func remove(list []string, drop string) []string {
	var out []string
	for _, v := range list {
		if v != drop {
			out = append(out, v)
		}
	}
	return out
}

// serviceConfigXN renders a ServiceConfiguration for its owner.
func (c *call) serviceConfigXN(name string, sv *service) xn {
	azIDs := c.sb.serviceAZIDs(sv)
	state, _ := c.sb.serviceState(sv, c.now)
	regions := []xn{el("item", tx("region", sv.Region), tx("serviceState", state))}
	for _, r := range sv.SupportedRegions {
		regions = append(regions, el("item", tx("region", r), tx("serviceState", state)))
	}
	kids := []xn{
		set("serviceType", []xn{el("item", tx("serviceType", sv.Type))}),
		tx("serviceId", sv.ID),
		tx("serviceName", sv.Name),
		tx("serviceState", state),
		strSet("availabilityZoneIdSet", azIDs),
		strSet("availabilityZoneSet", c.sb.azNames(sv.Account, sv.Region, azIDs)),
		bl("acceptanceRequired", sv.AcceptanceRequired),
		bl("managesVpcEndpoints", false),
	}
	if sv.Type == "GatewayLoadBalancer" {
		kids = append(kids, strSet("gatewayLoadBalancerArnSet", sv.GWLBs))
	} else {
		kids = append(kids, strSet("networkLoadBalancerArnSet", sv.NLBs))
	}
	kids = append(kids,
		strSet("supportedIpAddressTypeSet", sv.IPTypes),
		strSet("baseEndpointDnsNameSet", []string{sv.ID + "." + sv.Region + ".vpce.amazonaws.com"}),
		opt("privateDnsName", sv.PrivateDNSName),
	)
	if sv.PrivateDNSName != "" {
		c.sb.resolvePrivateDNS(sv, c.now)
		kids = append(kids, el("privateDnsNameConfiguration",
			tx("state", sv.DNSState), tx("type", "TXT"), tx("value", sv.DNSVerifyValue), tx("name", sv.DNSVerifyName)))
	}
	kids = append(kids,
		opt("payerResponsibility", sv.PayerResponsibility),
		tagSetXN(sv.Tags),
		set("supportedRegionSet", regions),
		bl("remoteAccessEnabled", false),
	)
	return el(name, kids...)
}

func modifyServiceConfiguration(c *call) ([]xn, *apiError) {
	sv, err := c.liveService(c.p.str("ServiceId"))
	if err != nil {
		return nil, err
	}
	next := *sv
	next.NLBs = append([]string(nil), sv.NLBs...)
	next.GWLBs = append([]string(nil), sv.GWLBs...)
	next.IPTypes = append([]string(nil), sv.IPTypes...)
	next.SupportedRegions = append([]string(nil), sv.SupportedRegions...)
	// each checks its part of the request, in AWS's order, and changes
	// next; sv changes only when all pass
	for _, change := range []func(sv, next *service) *apiError{
		c.changeServiceLoadBalancers, c.changeServiceAcceptance, c.changeServiceIPTypes, c.changeServiceRegions, c.changeServicePrivateDNS,
	} {
		if err := change(sv, &next); err != nil {
			return nil, err
		}
	}
	*sv = next
	return []xn{bl("return", true)}, nil
}

// changeServiceLoadBalancers adds and removes load balancers of the
// service's kind (network or gateway); it keeps at least one.
func (c *call) changeServiceLoadBalancers(sv, next *service) *apiError {
	addN, rmN := c.p.list("AddNetworkLoadBalancerArn"), c.p.list("RemoveNetworkLoadBalancerArn")
	addG, rmG := c.p.list("AddGatewayLoadBalancerArn"), c.p.list("RemoveGatewayLoadBalancerArn")
	if sv.Type == "GatewayLoadBalancer" && len(addN)+len(rmN) > 0 || sv.Type == "Interface" && len(addG)+len(rmG) > 0 {
		return invalidParam("Cannot mix network and gateway load balancers on service %s", sv.ID)
	}
	lbType := map[string]string{"Interface": "network", "GatewayLoadBalancer": "gateway"}[sv.Type]
	add, rm := append(addN, addG...), append(rmN, rmG...)
	for _, a := range add {
		if contains(rm, a) {
			return invalidParam("Load balancer %s cannot be both added and removed", a)
		}
	}
	if err := c.checkLBs(dedupe(add), lbType, sv.ID); err != nil {
		return err
	}
	lbs := append([]string(nil), sv.lbs()...)
	for _, a := range add {
		if !contains(lbs, a) {
			lbs = append(lbs, a)
		}
	}
	for _, r := range rm {
		if !contains(lbs, r) {
			return invalidParam("Load balancer %s is not associated with service %s", r, sv.ID)
		}
		lbs = remove(lbs, r)
	}
	if len(lbs) == 0 {
		return invalidParam("The service %s must have at least one load balancer", sv.ID)
	}
	if sv.Type == "GatewayLoadBalancer" {
		next.GWLBs = lbs
	} else {
		next.NLBs = lbs
	}
	return nil
}

// changeServiceAcceptance sets AcceptanceRequired when given.
func (c *call) changeServiceAcceptance(_, next *service) *apiError {
	acc, present, err := c.p.boolean("AcceptanceRequired")
	if err != nil {
		return err
	}
	if present {
		next.AcceptanceRequired = acc
	}
	return nil
}

// changeServiceIPTypes adds and removes supported IP address types; the
// service keeps at least one.
func (c *call) changeServiceIPTypes(_, next *service) *apiError {
	addIP, rmIP := c.p.list("AddSupportedIpAddressType"), c.p.list("RemoveSupportedIpAddressType")
	if err := c.checkIPTypes(append(addIP, rmIP...)); err != nil {
		return err
	}
	for _, t := range addIP {
		if !contains(next.IPTypes, t) {
			next.IPTypes = append(next.IPTypes, t)
		}
	}
	for _, t := range rmIP {
		next.IPTypes = remove(next.IPTypes, t)
	}
	if len(next.IPTypes) == 0 {
		return invalidParam("The service must support at least one IP address type")
	}
	return nil
}

// changeServiceRegions adds and removes supported regions; the service's
// own region cannot be removed (nor is it listed when added).
func (c *call) changeServiceRegions(sv, next *service) *apiError {
	addR, rmR := c.p.list("AddSupportedRegion"), c.p.list("RemoveSupportedRegion")
	if err := c.checkRegions(append(addR, rmR...)); err != nil {
		return err
	}
	for _, r := range rmR {
		if r == sv.Region {
			return invalidParam("The service Region %s cannot be removed from the supported Regions", r)
		}
		next.SupportedRegions = remove(next.SupportedRegions, r)
	}
	for _, r := range addR {
		if r != sv.Region && !contains(next.SupportedRegions, r) {
			next.SupportedRegions = append(next.SupportedRegions, r)
		}
	}
	return nil
}

// changeServicePrivateDNS removes the private DNS name, or sets a new one
// (to be verified); a Gateway Load Balancer service has none.
func (c *call) changeServicePrivateDNS(sv, next *service) *apiError {
	rmDNS, _, err := c.p.boolean("RemovePrivateDnsName")
	if err != nil {
		return err
	}
	newDNS := c.p.str("PrivateDnsName")
	switch {
	case rmDNS && newDNS != "":
		return invalidParam("PrivateDnsName and RemovePrivateDnsName cannot be used together")
	case rmDNS:
		next.PrivateDNSName, next.DNSState, next.DNSVerifyName, next.DNSVerifyValue = "", "", "", ""
		next.DNSVerifyAt = time.Time{}
	case newDNS != "" && newDNS != sv.PrivateDNSName:
		if sv.Type == "GatewayLoadBalancer" {
			return invalidParam("Private DNS names are not supported for Gateway Load Balancer endpoint services")
		}
		if err := c.validDNSName(newDNS); err != nil {
			return err
		}
		c.setPrivateDNS(next, newDNS)
	}
	return nil
}

// activeConnection reports whether an endpoint still holds a connection to
// its service (pendingAcceptance, pending or available).
func (s *Sandbox) activeConnection(ep *endpoint) bool {
	switch ep.Phase {
	case phasePendingAcceptance, phasePending, phaseAvailable:
		return true
	}
	return false
}

func deleteServiceConfigurations(c *call) ([]xn, *apiError) {
	ids := c.p.list("ServiceId")
	if len(ids) == 0 {
		return nil, missingParam("ServiceId")
	}
	var bad []xn
	for _, id := range ids {
		sv, err := c.ownService(id)
		if err != nil {
			bad = append(bad, unsuccessful(id, err))
			continue
		}
		n := 0
		for _, ep := range c.sb.st.Endpoints {
			if ep.ServiceID == sv.ID && c.sb.activeConnection(ep) {
				n++
			}
		}
		if n > 0 {
			bad = append(bad, unsuccessful(id, errf(400, "ExistingVpcEndpointConnections", "Service %s has %d existing VPC endpoint connection(s); reject or delete them first", id, n)))
			continue
		}
		c.sb.startServiceDeletion(sv, c.now, false)
	}
	return []xn{set("unsuccessful", bad)}, nil
}

// startServiceDeletion moves a service to Deleting (a no-op if it already
// is): Deleting for ServiceDeleteDelay, then Deleted as long again, then
// gone (gc drops it with its notifications). hold is set by
// ForceServiceState. Called with s.mu held.
func (s *Sandbox) startServiceDeletion(sv *service, at time.Time, hold bool) {
	if sv.Phase == svcDeleting {
		return
	}
	sv.Phase, sv.PhaseAt, sv.Hold = svcDeleting, at, hold
}

func unsuccessful(id string, e *apiError) xn {
	return el("item", el("error", tx("code", e.Code), tx("message", e.Message)), tx("resourceId", id))
}

func describeServiceConfigurations(c *call) ([]xn, *apiError) {
	ids := c.p.list("ServiceId")
	fs := c.p.filters()
	field := func(sv *service) fieldFunc {
		return func(name string) ([]string, bool) {
			switch name {
			case "service-name":
				return []string{sv.Name}, true
			case "service-id":
				return []string{sv.ID}, true
			case "service-state":
				st, _ := c.sb.serviceState(sv, c.now)
				return []string{st}, true
			case "supported-ip-address-types":
				return sv.IPTypes, true
			}
			return tagFields(name, sv.Tags)
		}
	}
	if err := checkFilters(fs, field(&service{})); err != nil {
		return nil, err
	}
	var list []*service
	if len(ids) > 0 {
		for _, id := range dedupe(ids) {
			sv, err := c.ownService(id)
			if err != nil {
				return nil, err
			}
			list = append(list, sv)
		}
	} else {
		for _, sv := range c.sb.st.Services {
			if sv.Account == c.account() && sv.Region == c.region && c.sb.visible(sv.Created, c.now) {
				if _, gone := c.sb.serviceState(sv, c.now); !gone {
					list = append(list, sv)
				}
			}
		}
		sortServices(list)
	}
	var sel []*service
	for _, sv := range list {
		if matches(fs, field(sv)) {
			sel = append(sel, sv)
		}
	}
	page, next, err := paginate(c, sel, vpceLimits, len(ids) > 0)
	if err != nil {
		return nil, err
	}
	items := make([]xn, len(page))
	for i, sv := range page {
		items[i] = c.serviceConfigXN("item", sv)
	}
	return []xn{set("serviceConfigurationSet", items), opt("nextToken", next)}, nil
}

func sortServices(list []*service) {
	sort.Slice(list, func(i, j int) bool {
		if !list[i].Created.Equal(list[j].Created) {
			return list[i].Created.Before(list[j].Created)
		}
		return list[i].ID < list[j].ID
	})
}

var rePrincipal = regexp.MustCompile(`^arn:aws:iam::(\d{12}):(root|role/[\w+=,.@/-]+|user/[\w+=,.@/-]+)$`)

func principalType(p string) string {
	switch {
	case p == "*":
		return "All"
	case strings.HasSuffix(p, ":root"):
		return "Account"
	case strings.Contains(p, ":role/"):
		return "Role"
	case strings.Contains(p, ":user/"):
		return "User"
	}
	return "Service"
}

func describeServicePermissions(c *call) ([]xn, *apiError) {
	sv, err := c.ownService(c.p.str("ServiceId"))
	if err != nil {
		return nil, err
	}
	fs := c.p.filters()
	field := func(p permission) fieldFunc {
		return func(name string) ([]string, bool) {
			switch name {
			case "principal":
				return []string{p.Principal}, true
			case "principal-type":
				return []string{principalType(p.Principal)}, true
			}
			return nil, false
		}
	}
	if err := checkFilters(fs, field(permission{})); err != nil {
		return nil, err
	}
	var sel []permission
	for _, p := range sv.Permissions {
		if matches(fs, field(p)) {
			sel = append(sel, p)
		}
	}
	page, next, err := paginate(c, sel, vpceLimits, false)
	if err != nil {
		return nil, err
	}
	items := make([]xn, len(page))
	for i, p := range page {
		items[i] = el("item", tx("principalType", principalType(p.Principal)), tx("principal", p.Principal),
			tx("servicePermissionId", p.ID), tx("serviceId", sv.ID), tagSetXN(p.Tags))
	}
	return []xn{set("allowedPrincipals", items), opt("nextToken", next)}, nil
}

func modifyServicePermissions(c *call) ([]xn, *apiError) {
	sv, err := c.liveService(c.p.str("ServiceId"))
	if err != nil {
		return nil, err
	}
	add, rm := dedupe(c.p.list("AddAllowedPrincipals")), dedupe(c.p.list("RemoveAllowedPrincipals"))
	for _, p := range append(append([]string(nil), add...), rm...) {
		if p != "*" && !rePrincipal.MatchString(p) && !reServicePrincipal.MatchString(p) {
			return nil, errf(400, "InvalidPrincipal", "Invalid principal: '%s' (expected '*', an IAM ARN such as arn:aws:iam::123456789012:root, or a service principal such as elasticloadbalancing.amazonaws.com)", p)
		}
	}
	var added []xn
	for _, p := range add {
		var perm *permission
		for i := range sv.Permissions {
			if sv.Permissions[i].Principal == p {
				perm = &sv.Permissions[i]
			}
		}
		if perm == nil {
			sv.Permissions = append(sv.Permissions, permission{Principal: p, ID: c.sb.newID("vpce-svc-perm"), Added: c.now})
			perm = &sv.Permissions[len(sv.Permissions)-1]
		}
		added = append(added, el("item", tx("principalType", principalType(p)), tx("principal", p),
			tx("servicePermissionId", perm.ID), tx("serviceId", sv.ID)))
	}
	for _, p := range rm {
		var keep []permission
		for _, x := range sv.Permissions {
			if x.Principal != p {
				keep = append(keep, x)
			}
		}
		sv.Permissions = keep
	}
	out := []xn{}
	if len(add) > 0 {
		out = append(out, set("addedPrincipalSet", added))
	}
	return append(out, bl("return", true)), nil
}

func startPrivateDNSVerification(c *call) ([]xn, *apiError) {
	sv, err := c.liveService(c.p.str("ServiceId"))
	if err != nil {
		return nil, err
	}
	if sv.PrivateDNSName == "" {
		return nil, invalidParam("The service %s has no private DNS name to verify", sv.ID)
	}
	// AWS checks the domain's public DNS a while later (route53.go).
	sv.DNSState, sv.DNSVerifyAt = "pendingVerification", c.now
	c.sb.resolvePrivateDNS(sv, c.now)
	return []xn{bl("return", true)}, nil
}
