package sandbox

// Elastic Load Balancing v2 target groups, target health per Availability
// Zone and load balancer attributes (awsquery, 2015-12-01):
// DescribeTargetGroups, DescribeTargetHealth, DescribeLoadBalancerAttributes.
// Target groups are part of the world; their targets' health and a load
// balancer's cross-zone setting can be changed while serving
// (ForceTargetHealth, ForceCrossZone, WorldPath), so a test or a demo can
// break a zone.

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// TargetGroup is an ELBv2 target group of the world.
type TargetGroup struct {
	// Arn is arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/16-hex.
	Arn string `yaml:"arn"`
	// Protocol is TCP (default), TLS, UDP, TCP_UDP, HTTP, HTTPS or GENEVE.
	Protocol string `yaml:"protocol"`
	// Port is the targets' default port (default 443).
	Port int `yaml:"port"`
	// TargetType is instance (default), ip, lambda or alb.
	TargetType string `yaml:"targetType"`
	// LoadBalancers are the ARNs of the load balancers (same account and
	// region) whose listeners forward to the group.
	LoadBalancers []string `yaml:"loadBalancers"`
	Targets       []Target `yaml:"targets"`
}

// Target is a registered target and its health.
type Target struct {
	ID   string `yaml:"id"`
	Port int    `yaml:"port"`
	// AvailabilityZone is the target's zone name in the owner's mapping, or
	// "all" (an IP target outside the VPC that every zone's node reaches).
	AvailabilityZone string `yaml:"availabilityZone"`
	// State is healthy (default), unhealthy, initial, unused, draining,
	// unavailable or unhealthy.draining.
	State string `yaml:"state"`
}

// TargetStates are the target health states AWS reports (TargetHealthStateEnum).
var TargetStates = []string{"healthy", "unhealthy", "initial", "unused", "draining", "unavailable", "unhealthy.draining"}

var reTGArn = regexp.MustCompile(`^arn:aws:elasticloadbalancing:([a-z0-9-]+):(\d{12}):targetgroup/([A-Za-z0-9-]{1,32})/[0-9a-f]{16}$`)

// defaultTargetGroups gives every network load balancer that no target
// group names a group "NAME-tg" with one healthy instance target in each of
// its zones, so the default world (and any world written before target
// groups existed) has target health to report.
func (w *World) defaultTargetGroups() {
	for ai := range w.Accounts {
		a := &w.Accounts[ai]
		for _, rname := range slices.Sorted(maps.Keys(a.Regions)) {
			rw := a.Regions[rname]
			named := map[string]bool{}
			for _, tg := range rw.TargetGroups {
				for _, l := range tg.LoadBalancers {
					named[l] = true
				}
			}
			zoneOf := map[string]string{}
			for _, v := range rw.VPCs {
				for _, sn := range v.Subnets {
					zoneOf[sn.ID] = sn.AvailabilityZone
				}
			}
			added := false
			for _, lb := range rw.LoadBalancers {
				m := reLBArn.FindStringSubmatch(lb.Arn)
				if m == nil || lb.Type != "network" || named[lb.Arn] {
					continue
				}
				hexID := lb.Arn[len(lb.Arn)-16:]
				tg := TargetGroup{
					Arn:           fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%s", m[1], m[2], tgName(m[4]), hexID),
					LoadBalancers: []string{lb.Arn},
				}
				for i, sn := range lb.Subnets {
					tg.Targets = append(tg.Targets, Target{ID: fmt.Sprintf("i-%x%s", i%16, hexID), AvailabilityZone: zoneOf[sn]})
				}
				rw.TargetGroups = append(rw.TargetGroups, tg)
				added = true
			}
			if added {
				a.Regions[rname] = rw
			}
		}
	}
}

// tgName is a load balancer's name with "-tg", cut to the 32 characters a
// target group name may have.
func tgName(lb string) string {
	if len(lb) > 29 {
		lb = strings.TrimRight(lb[:29], "-")
	}
	return lb + "-tg"
}

// validateTargets checks target groups and metric series.
func (w *World) validateTargets() []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	seen := map[string]bool{}
	for _, a := range w.Accounts {
		for _, rname := range slices.Sorted(maps.Keys(a.Regions)) {
			rw := a.Regions[rname]
			where := fmt.Sprintf("accounts (%s) region %s", a.Alias, rname)
			lbs := map[string]bool{}
			for _, lb := range rw.LoadBalancers {
				lbs[lb.Arn] = true
			}
			for _, tg := range rw.TargetGroups {
				m := reTGArn.FindStringSubmatch(tg.Arn)
				if m == nil || m[1] != rname || m[2] != a.ID {
					bad("%s: target group %q must be arn:aws:elasticloadbalancing:%s:%s:targetgroup/NAME/16-hex-digits", where, tg.Arn, rname, a.ID)
					continue
				}
				if seen[tg.Arn] {
					bad("%s: target group %s: duplicate arn", where, tg.Arn)
				}
				seen[tg.Arn] = true
				switch tg.TargetType {
				case "", "instance", "ip", "lambda", "alb":
				default:
					bad("%s: target group %s: targetType %q is not instance, ip, lambda or alb", where, tg.Arn, tg.TargetType)
				}
				if tg.Port < 0 || tg.Port > 65535 {
					bad("%s: target group %s: port %d is not 0..65535", where, tg.Arn, tg.Port)
				}
				for _, l := range tg.LoadBalancers {
					if !lbs[l] {
						bad("%s: target group %s: load balancer %s is not one of this account and region's loadBalancers", where, tg.Arn, l)
					}
				}
				for _, t := range tg.Targets {
					if t.ID == "" {
						bad("%s: target group %s: a target has no id", where, tg.Arn)
					}
					if _, ok := rw.AvailabilityZones[t.AvailabilityZone]; !ok && t.AvailabilityZone != "all" {
						bad("%s: target group %s: target %s: availabilityZone %q is not in availabilityZones (or \"all\")", where, tg.Arn, t.ID, t.AvailabilityZone)
					}
					if t.State != "" && !contains(TargetStates, t.State) {
						bad("%s: target group %s: target %s: state %q is not one of %s", where, tg.Arn, t.ID, t.State, strings.Join(TargetStates, ", "))
					}
				}
			}
		}
	}
	regions := map[string]bool{}
	for _, r := range w.Regions {
		regions[r] = true
	}
	for i, m := range w.Metrics {
		where := fmt.Sprintf("metrics[%d]", i)
		if w.account(m.Account) == nil {
			bad("%s: account %q is not an alias or id of the world's accounts", where, m.Account)
		}
		if !regions[m.Region] {
			bad("%s: region %q is not listed in regions", where, m.Region)
		}
		if m.Namespace == "" || m.MetricName == "" {
			bad("%s: namespace and metricName are required", where)
		}
		if m.Value < 0 {
			bad("%s: value %g is negative", where, m.Value)
		}
	}
	return errs
}

// targetGroups returns the target groups of an account in a region, in
// world order. The slice shares the world's backing array: forcing health
// changes it in place (under s.mu).
func (s *Sandbox) targetGroups(account, region string) []TargetGroup {
	a := s.world.account(account)
	if a == nil {
		return nil
	}
	return a.Regions[region].TargetGroups
}

func elbDescribeTargetGroups(c *call) ([]xn, *apiError) {
	lbArn, arns, names := c.p.str("LoadBalancerArn"), c.p.list("TargetGroupArns"), c.p.list("Names")
	given := 0
	for _, g := range []bool{lbArn != "", len(arns) > 0, len(names) > 0} {
		if g {
			given++
		}
	}
	if given > 1 {
		return nil, errf(400, "ValidationError", "Target group names, target group ARNs, and a load balancer ARN cannot be specified at the same time")
	}
	all := c.sb.targetGroups(c.account(), c.region)
	var list []*TargetGroup
	switch {
	case lbArn != "":
		if _, ok := c.sb.lb(c.net, lbArn); !ok {
			return nil, errf(400, "LoadBalancerNotFound", "Load balancers '[%s]' not found", lbArn)
		}
		for i := range all {
			if contains(all[i].LoadBalancers, lbArn) {
				list = append(list, &all[i])
			}
		}
	case len(arns) > 0:
		for _, a := range arns {
			tg := findTG(all, func(tg *TargetGroup) bool { return tg.Arn == a })
			if tg == nil {
				return nil, errf(400, "TargetGroupNotFound", "Target groups '[%s]' not found", a)
			}
			list = append(list, tg)
		}
	case len(names) > 0:
		for _, nm := range names {
			tg := findTG(all, func(tg *TargetGroup) bool { return tgNameOf(tg.Arn) == nm })
			if tg == nil {
				return nil, errf(400, "TargetGroupNotFound", "One or more target groups not found")
			}
			list = append(list, tg)
		}
	default:
		for i := range all {
			list = append(list, &all[i])
		}
	}
	size, hasSize, err := c.p.integer("PageSize")
	if err != nil {
		return nil, err
	}
	if hasSize && (size < 1 || size > 400) {
		return nil, errf(400, "ValidationError", "1 validation error detected: Value '%d' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400", size)
	}
	start := 0
	if m := c.p.str("Marker"); m != "" {
		v, ok := decodeToken(m, c.action)
		if !ok || v > len(list) {
			return nil, errf(400, "ValidationError", "Invalid marker")
		}
		start = v
	}
	end, next := len(list), ""
	if hasSize && start+size < end {
		end = start + size
		next = encodeToken(end, c.action)
	}
	items := make([]xn, 0, end-start)
	for _, tg := range list[start:end] {
		items = append(items, c.tgXN(tg))
	}
	return []xn{members("TargetGroups", items), opt("NextMarker", next)}, nil
}

func findTG(all []TargetGroup, match func(*TargetGroup) bool) *TargetGroup {
	for i := range all {
		if match(&all[i]) {
			return &all[i]
		}
	}
	return nil
}

func tgNameOf(arn string) string {
	if m := reTGArn.FindStringSubmatch(arn); m != nil {
		return m[3]
	}
	return arn
}

func (c *call) tgXN(tg *TargetGroup) xn {
	proto, port, typ := tgDefaults(tg)
	vpc := ""
	var lbs []xn
	for _, l := range tg.LoadBalancers {
		if lb, ok := c.sb.lb(c.net, l); ok {
			lbs = append(lbs, tx("member", l))
			vpc = lb.VpcID
		}
	}
	hc := proto
	if hc == "UDP" || hc == "TCP_UDP" || hc == "TLS" {
		hc = "TCP"
	}
	return el("member",
		tx("TargetGroupArn", tg.Arn),
		tx("TargetGroupName", tgNameOf(tg.Arn)),
		tx("Protocol", proto),
		num("Port", port),
		tx("VpcId", vpc),
		tx("HealthCheckProtocol", hc),
		tx("HealthCheckPort", "traffic-port"),
		bl("HealthCheckEnabled", true),
		num("HealthCheckIntervalSeconds", 30),
		num("HealthCheckTimeoutSeconds", 10),
		num("HealthyThresholdCount", 5),
		num("UnhealthyThresholdCount", 2),
		members("LoadBalancerArns", lbs),
		tx("TargetType", typ),
		tx("IpAddressType", "ipv4"),
	)
}

func tgDefaults(tg *TargetGroup) (proto string, port int, typ string) {
	proto, port, typ = tg.Protocol, tg.Port, tg.TargetType
	if proto == "" {
		proto = "TCP"
	}
	if port == 0 {
		port = 443
	}
	if typ == "" {
		typ = "instance"
	}
	return proto, port, typ
}

// healthReasons are the reason codes AWS gives with each state.
var healthReasons = map[string][2]string{
	"initial":            {"Elb.RegistrationInProgress", "Target registration is in progress"},
	"unhealthy":          {"Target.FailedHealthChecks", "Health checks failed"},
	"unused":             {"Target.NotInUse", "Target group is not configured to receive traffic from the load balancer"},
	"draining":           {"Target.DeregistrationInProgress", "Target deregistration is in progress"},
	"unavailable":        {"Target.HealthCheckDisabled", "Health checks are disabled"},
	"unhealthy.draining": {"Target.FailedHealthChecks", "Health checks failed"},
}

func elbDescribeTargetHealth(c *call) ([]xn, *apiError) {
	arn := c.p.str("TargetGroupArn")
	if arn == "" {
		return nil, errf(400, "ValidationError", "1 validation error detected: Value null at 'targetGroupArn' failed to satisfy constraint: Member must not be null")
	}
	tg := findTG(c.sb.targetGroups(c.account(), c.region), func(tg *TargetGroup) bool { return tg.Arn == arn })
	if tg == nil {
		return nil, errf(400, "TargetGroupNotFound", "Target groups '[%s]' not found", arn)
	}
	_, port, _ := tgDefaults(tg)
	want := map[string]bool{}
	for _, i := range c.p.indices("Targets") {
		want[c.p.str(fmt.Sprintf("Targets.member.%d.Id", i))] = true
	}
	// A target group no listener uses has every target unused.
	inUse := false
	for _, l := range tg.LoadBalancers {
		if _, ok := c.sb.lb(c.net, l); ok {
			inUse = true
		}
	}
	var items []xn
	for _, t := range tg.Targets {
		if len(want) > 0 && !want[t.ID] {
			continue
		}
		p := t.Port
		if p == 0 {
			p = port
		}
		state := t.State
		if state == "" {
			state = "healthy"
		}
		if !inUse {
			state = "unused"
		}
		health := []xn{tx("State", state)}
		if r, ok := healthReasons[state]; ok {
			if !inUse {
				r = [2]string{"Target.NotInUse", "Target group is not configured to receive traffic from the load balancer"}
			}
			health = append(health, tx("Reason", r[0]), tx("Description", r[1]))
		}
		target := []xn{tx("Id", t.ID), num("Port", p)}
		if t.AvailabilityZone != "" {
			target = append(target, tx("AvailabilityZone", t.AvailabilityZone))
		}
		items = append(items, el("member",
			el("Target", target...),
			tx("HealthCheckPort", fmt.Sprint(p)),
			el("TargetHealth", health...),
		))
	}
	for id := range want {
		if findTarget(tg, id) == nil {
			return nil, errf(400, "InvalidTarget", "The following targets are not in the target group: '%s'", id)
		}
	}
	return []xn{members("TargetHealthDescriptions", items)}, nil
}

func findTarget(tg *TargetGroup, id string) *Target {
	for i := range tg.Targets {
		if tg.Targets[i].ID == id {
			return &tg.Targets[i]
		}
	}
	return nil
}

func elbDescribeLoadBalancerAttributes(c *call) ([]xn, *apiError) {
	arn := c.p.str("LoadBalancerArn")
	if arn == "" {
		return nil, errf(400, "ValidationError", "1 validation error detected: Value null at 'loadBalancerArn' failed to satisfy constraint: Member must not be null")
	}
	lb, ok := c.sb.lb(c.net, arn)
	if !ok {
		return nil, errf(400, "LoadBalancerNotFound", "Load balancers '[%s]' not found", arn)
	}
	cross := lb.CrossZone
	if lb.Type == "application" {
		cross = true // always on for an Application Load Balancer
	}
	attrs := [][2]string{
		{"deletion_protection.enabled", "false"},
		{"load_balancing.cross_zone.enabled", fmt.Sprint(cross)},
		{"access_logs.s3.enabled", "false"},
	}
	if lb.Type == "network" {
		attrs = append(attrs, [2]string{"dns_record.client_routing_policy", "any_availability_zone"})
	}
	var items []xn
	for _, a := range attrs {
		items = append(items, el("member", tx("Key", a[0]), tx("Value", a[1])))
	}
	return []xn{members("Attributes", items)}, nil
}

// ForceTargetHealth sets the health state of targets, as
// DescribeTargetHealth then reports it: every target of the target group
// arn, or of every target group of the load balancer arn, in zone (a zone
// name or id in the owner's mapping; "" for every zone, and targets of zone
// "all" only then). state is one of TargetStates. It lasts while the
// sandbox runs (it is not saved to StatePath).
func (s *Sandbox) ForceTargetHealth(arn, zone, state string) error {
	if !contains(TargetStates, state) {
		return fmt.Errorf("sandbox: unknown target health state %q (valid: %s)", state, strings.Join(TargetStates, ", "))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var known []string
	n := 0
	for _, a := range s.world.Accounts {
		for _, rname := range slices.Sorted(maps.Keys(a.Regions)) {
			rw := a.Regions[rname]
			for i := range rw.TargetGroups {
				tg := &rw.TargetGroups[i]
				known = append(known, tg.Arn)
				if tg.Arn != arn && !contains(tg.LoadBalancers, arn) {
					continue
				}
				n++
				if zone != "" && !zoneKnown(rw, zone) {
					return fmt.Errorf("sandbox: target group %s: no zone %q in account %s region %s (zones: %s)", tg.Arn, zone, a.Alias, rname, zoneList(rw))
				}
				for j := range tg.Targets {
					t := &tg.Targets[j]
					if zone == "" || t.AvailabilityZone == zone || rw.AvailabilityZones[t.AvailabilityZone] == zone {
						t.State = state
					}
				}
			}
		}
	}
	if n == 0 {
		sort.Strings(known)
		return fmt.Errorf("sandbox: no target group %s, and no load balancer with target groups of that arn (target groups: %s)", arn, listOrNone(known))
	}
	return nil
}

func zoneKnown(rw RegionWorld, zone string) bool {
	for name, id := range rw.AvailabilityZones {
		if zone == name || zone == id {
			return true
		}
	}
	return false
}

func zoneList(rw RegionWorld) string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(rw.AvailabilityZones)) {
		out = append(out, name+"="+rw.AvailabilityZones[name])
	}
	return strings.Join(out, ", ")
}

// ForceCrossZone turns a load balancer's cross-zone load balancing on or
// off (load_balancing.cross_zone.enabled). It lasts while the sandbox runs.
func (s *Sandbox) ForceCrossZone(arn string, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var arns []string
	for _, n := range s.nets {
		if lb, ok := n.lbs[arn]; ok {
			lb.CrossZone = on
			return nil
		}
		arns = append(arns, n.lbOrder...)
	}
	sort.Strings(arns)
	return fmt.Errorf("sandbox: no load balancer %s in the world (load balancers: %s)", arn, listOrNone(arns))
}
