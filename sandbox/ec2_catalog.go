package sandbox

// The consumer's view of endpoint services: the AWS-managed catalogue, the
// visibility rules for custom services, and DescribeVpcEndpointServices.

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// managedServices are the AWS-managed interface services offered in every
// region (short names as they appear in com.amazonaws.<region>.<name>).
var managedServices = []string{
	"ec2", "ec2messages", "ecr.api", "ecr.dkr", "elasticloadbalancing", "execute-api",
	"kms", "lambda", "logs", "monitoring", "s3", "secretsmanager", "sns", "sqs",
	"ssm", "ssmmessages", "sts",
}

// crossRegionManaged are the services of managedServices that AWS offers
// across regions: an interface endpoint in one region may connect to them
// in another (ServiceRegion). The PrivateLink guide's "Cross-region enabled
// AWS services" lists S3, IAM, ECR, KMS, ECS, Lambda, Data Firehose,
// Managed Service for Apache Flink and Route 53; these are the ones of the
// sandbox's catalogue.
var crossRegionManaged = []string{"ecr.api", "ecr.dkr", "kms", "lambda", "s3"}

// gatewayServices also (or only) offer Gateway endpoints.
var gatewayServices = []string{"dynamodb", "s3"}

// svcView is an endpoint service as a consumer sees it.
type svcView struct {
	Name     string
	ID       string
	Region   string
	Owner    string // account id, or "amazon"
	Type     string // Interface, GatewayLoadBalancer or Gateway
	Accept   bool
	AZIDs    []string
	IPTypes  []string
	DNSName  string // private DNS name, "" if none
	DNSState string
	Managed  bool
	svc      *service
}

func managedID(name, typ string) string {
	h := sha256.Sum256([]byte(name + "|" + typ))
	return "vpce-svc-" + hex.EncodeToString(h[:])[:17]
}

// allAZIDs returns every AZ id any account maps in region.
func (s *Sandbox) allAZIDs(region string) []string {
	seen := map[string]bool{}
	for _, n := range s.nets {
		if n.region == region {
			for _, id := range n.azs {
				seen[id] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// managedViews returns the AWS-managed catalogue of a region.
func (s *Sandbox) managedViews(region string) []*svcView {
	azs := s.allAZIDs(region)
	var out []*svcView
	for _, short := range managedServices {
		name := "com.amazonaws." + region + "." + short
		out = append(out, &svcView{Name: name, ID: managedID(name, "Interface"), Region: region, Owner: "amazon", Type: "Interface",
			AZIDs: azs, IPTypes: []string{"ipv4"}, DNSName: managedDNSName(short, region), DNSState: "verified", Managed: true})
	}
	for _, short := range gatewayServices {
		name := "com.amazonaws." + region + "." + short
		out = append(out, &svcView{Name: name, ID: managedID(name, "Gateway"), Region: region, Owner: "amazon", Type: "Gateway",
			AZIDs: azs, IPTypes: []string{"ipv4"}, Managed: true})
	}
	return out
}

func managedDNSName(short, region string) string {
	switch short {
	case "ecr.api":
		return "api.ecr." + region + ".amazonaws.com"
	case "ecr.dkr":
		return "*.dkr.ecr." + region + ".amazonaws.com"
	case "s3":
		return "s3." + region + ".amazonaws.com"
	}
	return short + "." + region + ".amazonaws.com"
}

// customView turns a service into the consumer view.
func (s *Sandbox) customView(sv *service) *svcView {
	v := &svcView{Name: sv.Name, ID: sv.ID, Region: sv.Region, Owner: sv.Account, Type: sv.Type, Accept: sv.AcceptanceRequired,
		AZIDs: s.serviceAZIDs(sv), IPTypes: sv.IPTypes, svc: sv}
	if sv.PrivateDNSName != "" {
		s.resolvePrivateDNS(sv, s.now())
		v.DNSName, v.DNSState = sv.PrivateDNSName, sv.DNSState
	}
	return v
}

// consumable reports whether consumers see a service: not Failed, not being
// deleted, not gone.
func (s *Sandbox) consumable(sv *service, now time.Time) bool {
	st, gone := s.serviceState(sv, now)
	return !gone && (st == svcPending || st == svcAvailable)
}

// canSee reports whether caller (in callerRegion) may see and connect to sv.
func (s *Sandbox) canSee(sv *service, caller *identity, callerRegion string) bool {
	if sv.Region != callerRegion && !contains(sv.SupportedRegions, callerRegion) {
		return false
	}
	if sv.Account == caller.Account {
		return true
	}
	for _, p := range sv.Permissions {
		if principalAllowed(p.Principal, caller) {
			return true
		}
	}
	return false
}

// viewsFor returns every service the caller can see in the given service
// regions, sorted by name then type.
func (c *call) viewsFor(regions []string) []*svcView {
	var out []*svcView
	for _, r := range regions {
		for _, v := range c.sb.managedViews(r) {
			if r == c.region || (v.Type == "Interface" && contains(crossRegionManaged, strings.TrimPrefix(v.Name, "com.amazonaws."+r+"."))) {
				out = append(out, v)
			}
		}
		for _, sv := range c.sb.st.Services {
			if sv.Region == r && c.sb.visible(sv.Created, c.now) && c.sb.consumable(sv, c.now) && c.sb.canSee(sv, c.caller, c.region) {
				out = append(out, c.sb.customView(sv))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Type > out[j].Type
	})
	return out
}

// resolveService finds the service a consumer names for an endpoint of the
// given type. serviceRegion is the ServiceRegion parameter ("" = own region).
func (c *call) resolveService(name, serviceRegion, typ string) (*svcView, *apiError) {
	region := c.region
	if serviceRegion != "" {
		region = serviceRegion
	}
	notFound := errf(400, "InvalidServiceName", "The Vpc Endpoint Service '%s' does not exist", name)
	var match []*svcView
	for _, v := range c.viewsFor([]string{region}) {
		if v.Name == name {
			match = append(match, v)
		}
	}
	if len(match) == 0 {
		return nil, notFound
	}
	for _, v := range match {
		if v.Type == typ {
			return v, nil
		}
	}
	return nil, invalidParam("The Vpc Endpoint Service '%s' does not support the VPC endpoint type %s (it offers %s).", name, typ, match[0].Type)
}

func describeEndpointServices(c *call) ([]xn, *apiError) {
	names := c.p.list("ServiceName")
	regions := dedupe(c.p.list("ServiceRegion"))
	if len(regions) == 0 {
		regions = []string{c.region}
	}
	if err := c.checkRegions(regions); err != nil {
		return nil, err
	}
	fs := c.p.filters()
	field := func(v *svcView) fieldFunc {
		return func(name string) ([]string, bool) {
			switch name {
			case "service-name":
				return []string{v.Name}, true
			case "service-type":
				return []string{v.Type}, true
			case "owner":
				return []string{v.Owner}, true
			case "service-region":
				return []string{v.Region}, true
			case "supported-ip-address-types":
				return v.IPTypes, true
			}
			var tags []tag
			if v.svc != nil && v.svc.Account == c.account() {
				tags = v.svc.Tags
			}
			return tagFields(name, tags)
		}
	}
	if err := checkFilters(fs, field(&svcView{})); err != nil {
		return nil, err
	}
	views := c.viewsFor(regions)
	if len(names) > 0 {
		var sel []*svcView
		for _, n := range names {
			found := false
			for _, v := range views {
				if v.Name == n {
					sel = append(sel, v)
					found = true
				}
			}
			if !found {
				return nil, errf(400, "InvalidServiceName", "The Vpc Endpoint Service '%s' does not exist", n)
			}
		}
		views = sel
	}
	var sel []*svcView
	for _, v := range views {
		if matches(fs, field(v)) {
			sel = append(sel, v)
		}
	}
	page, next, err := paginate(c, sel, vpceLimits, false)
	if err != nil {
		return nil, err
	}
	var nameList []string
	details := make([]xn, len(page))
	for i, v := range page {
		if !contains(nameList, v.Name) {
			nameList = append(nameList, v.Name)
		}
		details[i] = c.serviceDetailXN(v)
	}
	return []xn{strSet("serviceNameSet", nameList), set("serviceDetailSet", details), opt("nextToken", next)}, nil
}

func (c *call) serviceDetailXN(v *svcView) xn {
	base := v.ID + "." + v.Region + ".vpce.amazonaws.com"
	if v.Managed {
		short := strings.TrimPrefix(v.Name, "com.amazonaws."+v.Region+".")
		base = short + "." + v.Region + ".vpce.amazonaws.com"
	}
	var tags []tag
	if v.svc != nil && v.svc.Account == c.account() {
		tags = v.svc.Tags
	}
	kids := []xn{
		tx("serviceName", v.Name),
		tx("serviceId", v.ID),
		set("serviceType", []xn{el("item", tx("serviceType", v.Type))}),
		tx("serviceRegion", v.Region),
		strSet("availabilityZoneIdSet", v.AZIDs),
		strSet("availabilityZoneSet", c.sb.azNames(c.account(), v.Region, v.AZIDs)),
		tx("owner", v.Owner),
		strSet("baseEndpointDnsNameSet", []string{base}),
	}
	if v.DNSName != "" {
		kids = append(kids, tx("privateDnsName", v.DNSName),
			set("privateDnsNameSet", []xn{el("item", tx("privateDnsName", v.DNSName))}),
			tx("privateDnsNameVerificationState", v.DNSState))
	}
	kids = append(kids,
		bl("vpcEndpointPolicySupported", v.Managed),
		bl("acceptanceRequired", v.Accept),
		bl("managesVpcEndpoints", false),
		tagSetXN(tags),
		strSet("supportedIpAddressTypeSet", v.IPTypes),
	)
	if !v.Managed {
		if v.svc != nil && v.svc.PayerResponsibility != "" {
			kids = append(kids, tx("payerResponsibility", v.svc.PayerResponsibility))
		}
	}
	return el("item", kids...)
}
