package manifest

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// validate checks what decoding cannot: name and id shapes, references,
// fields that exclude each other, and policy documents. It also fills in the
// resolved fields (Principal.Resolved, Connections.AcceptFromIDs).
func (l *loader) validate(m *Manifest) {
	if m.Project != "" && !reProject.MatchString(m.Project) {
		l.sink.errorf(l.projectPos(m), CodeInvalid, "it is written as the value of the plink:project tag",
			"invalid project `%s`; use 1-63 lowercase letters, digits and hyphens, starting with a letter or digit", m.Project)
	}
	if r := m.Defaults.Region; r != "" && !reRegion.MatchString(r) {
		l.sink.errorf(l.defaultsPos(m, "defaults.region"), CodeInvalid, "", "invalid region `%s` in defaults.region; expected a region name like us-east-1", r)
	}
	l.checkTags(m.Defaults.Tags, func(k string) (Pos, bool) { return l.defaultsPos(m, "defaults.tags."+k+"#key"), true }, "defaults.tags")

	for _, alias := range slices.Sorted(maps.Keys(m.Accounts)) {
		l.validateAccount(m.Accounts[alias])
	}
	provs := map[string]*Provider{}
	adopted := map[string]Pos{}
	for _, p := range m.Providers {
		if _, dup := provs[p.Name]; !dup && p.Name != "" {
			provs[p.Name] = p
		}
		l.validateProvider(m, p, adopted)
	}
	for _, c := range m.Consumers {
		l.validateConsumer(m, c, provs, adopted)
	}
	l.validateSharedAddresses(m) // endpointips.go
	var pe, ce []renamed
	for _, p := range m.Providers {
		pe = append(pe, renamed{p, p.Name, p.RenamedFrom})
	}
	for _, c := range m.Consumers {
		ce = append(ce, renamed{c, c.Name, c.RenamedFrom})
	}
	l.validateRenames("provider", pe)
	l.validateRenames("consumer", ce)
}

// renamed is one provider or consumer, as validateRenames sees it.
type renamed struct {
	owner any
	name  string
	from  []string
}

// validateRenames checks the renamedFrom lists of the entries of one kind:
// each former name is a valid name, not the entry's own, not the current
// name of another entry of the kind, and claimed by one entry only, so that
// a live resource carrying it has exactly one heir.
func (l *loader) validateRenames(kind string, entries []renamed) {
	current := map[string]any{}
	for _, e := range entries {
		if _, dup := current[e.name]; !dup && e.name != "" {
			current[e.name] = e.owner
		}
	}
	type claim struct {
		owner any
		name  string
		pos   Pos
	}
	claimed := map[string]claim{}
	for _, e := range entries {
		what := kind
		if e.name != "" {
			what = fmt.Sprintf("%s `%s`", kind, e.name)
		}
		l.checkList(e.owner, "renamedFrom", e.from, func(path, old string) {
			pos := l.at(e.owner, path)
			switch other, taken := current[old]; {
			case !reName.MatchString(old):
				l.invalid(e.owner, path, "list the names the "+kind+" had before, as written in its plink:name tag",
					"invalid name `%s` in `renamedFrom` of %s; use 1-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit", old, what)
				return
			case old == e.name:
				l.sink.errorf(pos, CodeConflict, "list only the names the "+kind+" had before",
					"%s lists its own name in `renamedFrom`", what)
				return
			case taken:
				l.sink.errorf(pos, CodeConflict, fmt.Sprintf("rename that %s first, or drop `%s` from `renamedFrom`", kind, old),
					"`%s` in `renamedFrom` of %s is the name of another %s, defined at %s; a former name must be free", old, what, kind, posRef(pos, l.at(other, "name")))
				return
			}
			if first, dup := claimed[old]; dup {
				by := kind
				if first.name != "" {
					by = fmt.Sprintf("%s `%s`", kind, first.name)
				}
				l.sink.errorf(pos, CodeDuplicateName, "a live resource can be renamed to one entry only; keep the name in one list",
					"`%s` in `renamedFrom` of %s is also listed by %s at %s", old, what, by, posRef(pos, first.pos))
				return
			}
			claimed[old] = claim{e.owner, e.name, pos}
		})
	}
}

// projectPos and defaultsPos find a top-level value in whichever file set it.
func (l *loader) projectPos(m *Manifest) Pos               { return l.topPos(m, "project") }
func (l *loader) defaultsPos(m *Manifest, path string) Pos { return l.topPos(m, path) }

func (l *loader) topPos(m *Manifest, path string) Pos {
	var found Pos
	for k, p := range l.pos {
		if _, isFile := k.owner.(*Manifest); isFile && k.path == path {
			if !found.IsValid() || slices.Index(m.Files, p.File) < slices.Index(m.Files, found.File) {
				found = p
			}
		}
	}
	return found
}

func (l *loader) invalid(owner any, path, hint, format string, args ...any) {
	l.sink.errorf(l.at(owner, path), CodeInvalid, hint, format, args...)
}

// checkID reports a value at path that does not match re.
func (l *loader) checkID(owner any, path, value string, re *regexp.Regexp, what, example string) bool {
	if value == "" || !l.ok(owner, path) {
		return false
	}
	if !re.MatchString(value) {
		l.invalid(owner, path, "", "invalid %s `%s`; expected %s", what, value, example)
		return false
	}
	return true
}

// checkList checks each element of a list and reports repeats.
func (l *loader) checkList(owner any, path string, values []string, check func(path, v string)) {
	first := map[string]string{}
	for i, v := range values {
		p := fmt.Sprintf("%s[%d]", path, i)
		if !l.ok(owner, p) {
			continue
		}
		if f, dup := first[v]; dup {
			l.sink.errorf(l.at(owner, p), CodeDuplicateName, "", "`%s` is listed twice in `%s`; first at %s", v, path, posRef(l.at(owner, p), l.at(owner, f)))
			continue
		}
		first[v] = p
		if check != nil {
			check(p, v)
		}
	}
}

func (l *loader) checkEnum(owner any, path, v string, valid []string) {
	if v != "" && l.ok(owner, path) && !slices.Contains(valid, v) {
		l.invalid(owner, path, "", "invalid `%s` value `%s`; valid values are %s", baseName(path), v, strings.Join(valid, ", "))
	}
}

func baseName(path string) string {
	if i := strings.LastIndexByte(path, '['); i >= 0 && strings.HasSuffix(path, "]") {
		path = path[:i]
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

func (l *loader) checkRegion(owner any, what string, region string) {
	if l.regionDefaulted[owner] || !l.ok(owner, "region") {
		return // reported at defaults.region, or already reported
	}
	if region == "" {
		l.sink.errorf(ownerPos(owner), CodeRequired, "", "%s has no region; set `region` or `defaults.region`", what)
		return
	}
	l.checkID(owner, "region", region, reRegion, "region", "a region name like us-east-1")
}

// checkTags validates tag keys and values; posOf gives a key's position and
// whether the key was written there (keys inherited from defaults are
// checked at defaults.tags).
func (l *loader) checkTags(tags map[string]string, posOf func(k string) (Pos, bool), path string) {
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		pos, here := posOf(k)
		if !here {
			continue
		}
		v := tags[k]
		switch {
		case k == "":
			l.sink.errorf(pos, CodeInvalid, "", "empty tag key in `%s`", path)
		case utf8.RuneCountInString(k) > maxTagKey:
			l.sink.errorf(pos, CodeInvalid, "", "tag key `%s` is longer than %d characters", k, maxTagKey)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			l.sink.errorf(pos, CodeInvalid, "", "tag key `%s` uses the prefix `aws:`, which is reserved by AWS", k)
		case strings.HasPrefix(strings.ToLower(k), "plink:"):
			l.sink.errorf(pos, CodeInvalid, "plink sets plink:project and plink:name itself", "tag key `%s` uses the prefix `plink:`, which is reserved for plink", k)
		case utf8.RuneCountInString(v) > maxTagValue:
			l.sink.errorf(pos, CodeInvalid, "", "value of tag `%s` is longer than %d characters", k, maxTagValue)
		}
	}
}

func (l *loader) checkResourceTags(owner any, tags map[string]string, what string) {
	l.checkTags(tags, func(k string) (Pos, bool) {
		p, ok := l.pos[posKey{owner, "tags." + k + "#key"}]
		return p, ok
	}, "tags")
	if len(tags) > maxTags-2 { // plink adds plink:project and plink:name
		l.sink.errorf(l.at(owner, "tags"), CodeInvalid, "", "%s has %d tags (with defaults.tags); at most %d fit next to plink's own two", what, len(tags), maxTags-2)
	}
}

// accountRef resolves an account alias, reporting an unknown one.
func (l *loader) accountRef(m *Manifest, owner any, path, alias, what string) *Account {
	if alias == "" || !l.ok(owner, path) {
		return nil
	}
	if a, ok := m.Accounts[alias]; ok {
		return a
	}
	names := slices.Sorted(maps.Keys(m.Accounts))
	switch s := suggest(alias, names); {
	case len(names) == 0:
		l.sink.errorf(l.at(owner, path), CodeReference, "declare it under `accounts:`", "unknown account `%s` in %s; no accounts are defined", alias, what)
	case s != "":
		l.sink.errorf(l.at(owner, path), CodeReference, "defined accounts: "+strings.Join(names, ", "), "unknown account `%s` in %s; did you mean `%s`?", alias, what, s)
	default:
		l.sink.errorf(l.at(owner, path), CodeReference, "declare it under `accounts:`", "unknown account `%s` in %s; defined accounts are %s", alias, what, quoteList(names))
	}
	return nil
}

func (l *loader) validateAccount(a *Account) {
	what := fmt.Sprintf("account `%s`", a.Alias)
	if !reAlias.MatchString(a.Alias) {
		l.sink.errorf(a.Pos, CodeInvalid, "", "invalid account alias `%s`; use up to 63 letters, digits, `-` and `_`, starting with a letter or digit", a.Alias)
	}
	l.checkID(a, "id", a.ID, reAccountID, "account id", "12 digits")
	if a.RoleARN != "" && a.Profile != "" {
		l.sink.errorf(l.at(a, "profile"), CodeConflict, "", "%s sets both `roleArn` and `profile`; set one of them, or neither to use the default credential chain", what)
	}
	if a.ExternalID != "" && a.RoleARN == "" && l.ok(a, "externalId") {
		l.sink.errorf(l.at(a, "externalId"), CodeConflict, "", "%s sets `externalId` without `roleArn`; an external id is only used when assuming a role", what)
	}
	if l.checkID(a, "roleArn", a.RoleARN, reRoleARN, "role ARN", "arn:aws:iam::ACCOUNT:role/NAME") && reAccountID.MatchString(a.ID) {
		if acct := reRoleARN.FindStringSubmatch(a.RoleARN)[2]; acct != a.ID {
			l.sink.errorf(l.at(a, "roleArn"), CodeConflict, "", "role `%s` is in account %s, but %s has id %s; plink assumes a role in the account it manages", a.RoleARN, acct, what, a.ID)
		}
	}
	if len(a.ExternalID) > 1224 && l.ok(a, "externalId") {
		l.invalid(a, "externalId", "", "`externalId` of %s is longer than 1224 characters", what)
	} else {
		l.checkID(a, "externalId", a.ExternalID, reExternalID, "external id", "2-1224 letters, digits or +=,.@:/_-")
	}
	if _, set := l.pos[posKey{a, "profile"}]; set && a.Profile == "" && l.ok(a, "profile") {
		l.invalid(a, "profile", "", "`profile` in %s is empty; name a profile from the AWS shared config, or drop the field", what)
	}
}

func (l *loader) validateProvider(m *Manifest, p *Provider, adopted map[string]Pos) {
	what := "provider"
	if p.Name != "" {
		what = fmt.Sprintf("provider `%s`", p.Name)
	}
	if p.Name != "" && l.ok(p, "name") && !reName.MatchString(p.Name) {
		l.invalid(p, "name", "it is written as the value of the plink:name tag", "invalid provider name `%s`; use 1-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit", p.Name)
	}
	acct := l.accountRef(m, p, "account", p.Account, what)
	l.checkRegion(p, what, p.Region)

	nlb, gwlb := len(p.NetworkLoadBalancerARNs) > 0, len(p.GatewayLoadBalancerARNs) > 0
	switch {
	case nlb && gwlb:
		l.sink.errorf(l.at(p, "gatewayLoadBalancerArns"), CodeConflict, "", "%s sets both `networkLoadBalancerArns` and `gatewayLoadBalancerArns`; an endpoint service fronts one kind of load balancer", what)
	case !nlb && !gwlb && l.ok(p, "networkLoadBalancerArns") && l.ok(p, "gatewayLoadBalancerArns"):
		l.sink.errorf(ownerPos(p), CodeRequired, "", "%s needs at least one load balancer in `networkLoadBalancerArns` or `gatewayLoadBalancerArns`", what)
	}
	checkLB := func(path string, arns []string, re, other *regexp.Regexp, kind, otherField, typ string) {
		l.checkList(p, path, arns, func(ep, arn string) {
			mt := re.FindStringSubmatch(arn)
			if mt == nil {
				if other.MatchString(arn) {
					l.invalid(p, ep, "", "`%s` is not a %s load balancer; list it under `%s`", arn, kind, otherField)
				} else {
					l.invalid(p, ep, "", "invalid %s load balancer ARN `%s`; expected arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/%s/NAME/ID", kind, arn, typ)
				}
				return
			}
			if reRegion.MatchString(p.Region) && mt[2] != p.Region {
				l.invalid(p, ep, "", "load balancer `%s` is in region %s, but %s is in %s", arn, mt[2], what, p.Region)
			}
			if acct != nil && reAccountID.MatchString(acct.ID) && mt[3] != acct.ID {
				l.invalid(p, ep, "", "load balancer `%s` is in account %s, but %s is in account `%s` (%s)", arn, mt[3], what, acct.Alias, acct.ID)
			}
		})
	}
	checkLB("networkLoadBalancerArns", p.NetworkLoadBalancerARNs, reNLBARN, reGWLBARN, "network", "gatewayLoadBalancerArns", "net")
	checkLB("gatewayLoadBalancerArns", p.GatewayLoadBalancerARNs, reGWLBARN, reNLBARN, "gateway", "networkLoadBalancerArns", "gwy")

	l.validatePrivateDNS(p, what, gwlb && !nlb)
	if p.PrivateDNSName != "" && l.ok(p, "privateDnsName") {
		if gwlb && !nlb {
			l.sink.errorf(l.at(p, "privateDnsName"), CodeConflict, "", "%s fronts gateway load balancers, which do not support `privateDnsName`", what)
		} else if why := dnsNameProblem(p.PrivateDNSName); why != "" {
			l.invalid(p, "privateDnsName", "", "invalid `privateDnsName` `%s`: %s; expected a DNS name like api.example.com", p.PrivateDNSName, why)
		}
	}
	l.checkList(p, "supportedIpAddressTypes", p.SupportedIPAddressTypes, func(ep, v string) { l.checkEnum(p, ep, v, serviceIPTypes) })
	l.checkEnum(p, "payerResponsibility", p.PayerResponsibility, PayerResponsibilities)
	l.checkList(p, "supportedRegions", p.SupportedRegions, func(ep, v string) {
		l.checkID(p, ep, v, reRegion, "region", "a region name like us-west-2")
	})

	for i := range p.AllowedPrincipals {
		l.validatePrincipal(m, p, &p.AllowedPrincipals[i], what)
	}
	l.validateConnections(m, p, what)
	for i := range p.Notifications {
		l.validateNotification(&p.Notifications[i])
	}
	l.checkResourceTags(p, p.Tags, what)
	l.checkAdopt(p, p.Adopt, reServiceID, "endpoint service id", "vpce-svc- and 17 hex digits", adopted)
}

func (l *loader) checkAdopt(owner any, id string, re *regexp.Regexp, what, example string, adopted map[string]Pos) {
	if !l.checkID(owner, "adopt", id, re, what, example) {
		return
	}
	if first, dup := adopted[id]; dup {
		l.sink.errorf(l.at(owner, "adopt"), CodeDuplicateName, "", "`%s` is adopted twice; also adopted at %s", id, posRef(l.at(owner, "adopt"), first))
		return
	}
	adopted[id] = l.at(owner, "adopt")
}

func (l *loader) validatePrincipal(m *Manifest, p *Provider, pr *Principal, what string) {
	l.checkPrincipalTags(pr)
	set := 0
	for _, v := range []string{pr.Account, pr.ARN, pr.Service} {
		if v != "" {
			set++
		}
	}
	switch {
	case pr.Service != "" && set > 1:
		l.sink.errorf(pr.Pos, CodeConflict, "", "a principal sets one of `account`, `arn` and `service`, not several")
		return
	case pr.Account != "" && pr.ARN != "":
		l.sink.errorf(pr.Pos, CodeConflict, "", "a principal sets either `account` or `arn`, not both")
		return
	case set == 0:
		if l.ok(pr, "account") && l.ok(pr, "arn") && l.ok(pr, "service") {
			l.sink.errorf(pr.Pos, CodeRequired, "", "a principal needs `account` (an alias from `accounts:`), `arn` (an IAM principal ARN) or `service` (an AWS service principal)")
		}
		return
	}
	if pr.Service != "" {
		if pr.AllowWildcard {
			l.sink.errorf(l.at(pr, "allowWildcard"), CodeConflict, "", "`allowWildcard` only applies to `arn: \"*\"`")
		}
		if l.checkID(pr, "service", pr.Service, reServicePrincipal, "service principal", "an AWS service principal like elasticloadbalancing.amazonaws.com") {
			pr.Resolved = pr.Service
		}
		return
	}
	if pr.AllowWildcard && pr.ARN != "*" {
		l.sink.errorf(l.at(pr, "allowWildcard"), CodeConflict, "", "`allowWildcard` only applies to `arn: \"*\"`")
	}
	if pr.Account != "" {
		if a := l.accountRef(m, pr, "account", pr.Account, "allowedPrincipals of "+what); a != nil && reAccountID.MatchString(a.ID) {
			pr.Resolved = RootARN(a.ID, p.Region)
		}
		return
	}
	if l.checkID(pr, "arn", pr.ARN, rePrincipalARN, "principal ARN", "arn:aws:iam::ACCOUNT:root, arn:aws:iam::ACCOUNT:role/NAME or arn:aws:iam::ACCOUNT:user/NAME") {
		pr.Resolved = pr.ARN
	}
}

func (l *loader) validateConnections(m *Manifest, p *Provider, what string) {
	c := &p.Connections
	c.AcceptFromIDs = nil
	l.checkList(p, "connections.acceptFrom", c.AcceptFrom, func(ep, v string) {
		if reAccountID.MatchString(v) {
			c.AcceptFromIDs = append(c.AcceptFromIDs, v)
			return
		}
		if a, ok := m.Accounts[v]; ok {
			if reAccountID.MatchString(a.ID) {
				c.AcceptFromIDs = append(c.AcceptFromIDs, a.ID)
			}
			return
		}
		names := slices.Sorted(maps.Keys(m.Accounts))
		if s := suggest(v, names); s != "" {
			l.sink.errorf(l.at(p, ep), CodeReference, "", "`%s` in connections.acceptFrom of %s is neither a 12-digit account id nor an account alias; did you mean `%s`?", v, what, s)
		} else {
			l.sink.errorf(l.at(p, ep), CodeReference, "", "`%s` in connections.acceptFrom of %s is neither a 12-digit account id nor an account alias; defined accounts are %s", v, what, quoteList(names))
		}
	})
}

func (l *loader) validateConsumer(m *Manifest, c *Consumer, provs map[string]*Provider, adopted map[string]Pos) {
	what := "consumer"
	if c.Name != "" {
		what = fmt.Sprintf("consumer `%s`", c.Name)
	}
	if c.Name != "" && l.ok(c, "name") && !reName.MatchString(c.Name) {
		l.invalid(c, "name", "it is written as the value of the plink:name tag", "invalid consumer name `%s`; use 1-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit", c.Name)
	}
	l.accountRef(m, c, "account", c.Account, what)
	l.checkRegion(c, what, c.Region)
	l.checkID(c, "vpcId", c.VPCID, reVPCID, "VPC id", "vpc- and 8 or 17 hex digits")
	l.validateGateway(c, what)
	l.validateConsumerNotifications(c, provs, what)
	if _, set := l.pos[posKey{c, "subnetIds"}]; set && len(c.SubnetIDs) == 0 && l.ok(c, "subnetIds") {
		l.invalid(c, "subnetIds", "", "`subnetIds` of %s is empty; list at least one subnet, ideally one per Availability Zone", what)
	}
	l.checkList(c, "subnetIds", c.SubnetIDs, func(ep, v string) {
		l.checkID(c, ep, v, reSubnetID, "subnet id", "subnet- and 8 or 17 hex digits")
	})
	l.checkList(c, "securityGroupIds", c.SecurityGroupIDs, func(ep, v string) {
		l.checkID(c, ep, v, reSecurityGroup, "security group id", "sg- and 8 or 17 hex digits")
	})
	switch {
	case c.Provider != "" && c.ServiceName != "":
		l.sink.errorf(l.at(c, "serviceName"), CodeConflict, "", "%s sets both `provider` and `serviceName`; set `provider` for a service in this manifest, `serviceName` for any other", what)
	case c.Provider == "" && c.ServiceName == "":
		if l.ok(c, "provider") && l.ok(c, "serviceName") && !c.IsLattice() && c.ResourceConfigurationARN == "" && c.ServiceNetworkARN == "" {
			l.sink.errorf(ownerPos(c), CodeRequired, "", "%s needs `provider` (a provider in this manifest) or `serviceName` (such as com.amazonaws.us-east-1.s3)", what)
		}
	case c.Provider != "" && l.ok(c, "provider"):
		if _, ok := provs[c.Provider]; !ok {
			names := slices.Sorted(maps.Keys(provs))
			switch s := suggest(c.Provider, names); {
			case len(names) == 0:
				l.sink.errorf(l.at(c, "provider"), CodeReference, "use `serviceName` for a service outside this manifest", "unknown provider `%s` in %s; no providers are defined", c.Provider, what)
			case s != "":
				l.sink.errorf(l.at(c, "provider"), CodeReference, "", "unknown provider `%s` in %s; did you mean `%s`?", c.Provider, what, s)
			default:
				l.sink.errorf(l.at(c, "provider"), CodeReference, "use `serviceName` for a service outside this manifest", "unknown provider `%s` in %s; defined providers are %s", c.Provider, what, quoteList(names))
			}
		}
	case c.ServiceName != "":
		if len(c.ServiceName) > 255 {
			l.invalid(c, "serviceName", "", "`serviceName` is longer than 255 characters")
		} else {
			l.checkID(c, "serviceName", c.ServiceName, reServiceName, "service name", "a name like com.amazonaws.us-east-1.s3 or com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0")
		}
	}
	if c.DNSOptions != nil {
		l.checkEnum(c, "dnsOptions.dnsRecordIpType", c.DNSOptions.DNSRecordIPType, dnsRecordIPTypes)
	}
	l.checkEnum(c, "ipAddressType", c.IPAddressType, endpointIPTypes)
	l.validateLattice(c, what)
	if !c.IsLattice() {
		l.validateIPAddresses(c, what)
		l.validateServiceRegion(c, what)
	}
	if c.Policy != nil && l.ok(c, "policy") {
		l.validatePolicy(c, what)
	}
	l.checkResourceTags(c, c.Tags, what)
	l.checkAdopt(c, c.Adopt, reEndpointID, "endpoint id", "vpce- and 17 hex digits", adopted)
}

// validatePolicy checks that an endpoint policy has the shape of an IAM
// policy document and fits AWS's size limit.
func (l *loader) validatePolicy(c *Consumer, what string) {
	pc := policyCheck{l: l, c: c, what: what}
	pol := c.Policy
	pc.keys("policy", pol, []string{"Version", "Id", "Statement"})
	if v, ok := pol["Version"]; ok {
		if s, _ := v.(string); !slices.Contains(policyVersions, s) {
			pc.errf("policy.Version", "`Version` must be \"2012-10-17\" or \"2008-10-17\", got %s", jsonText(v))
		}
	}
	if v, ok := pol["Id"]; ok {
		if _, isStr := v.(string); !isStr {
			pc.errf("policy.Id", "`Id` must be a string")
		}
	}
	_, isList := pol["Statement"].([]any)
	for i, st := range pc.statements(pol["Statement"]) {
		path := "policy.Statement"
		if isList {
			path = fmt.Sprintf("policy.Statement[%d]", i)
		}
		pc.statement(path, st)
	}
	pc.size(pol)
}

// policyCheck reports what is wrong with consumer c's endpoint policy.
type policyCheck struct {
	l    *loader
	c    *Consumer
	what string // the consumer, as errors name it
}

// errf reports an error at path in the policy.
func (pc policyCheck) errf(path, format string, args ...any) {
	pc.l.sink.errorf(pc.l.at(pc.c, path), CodePolicy, "", "policy of "+pc.what+": "+format, args...)
}

// keys reports the elements of obj (at path) that are not valid, each
// with the valid one it is nearest to, or the list of valid ones.
func (pc policyCheck) keys(path string, obj map[string]any, valid []string) {
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if slices.Contains(valid, k) {
			continue
		}
		if s := suggest(k, valid); s != "" {
			pc.errf(path+"."+k+"#key", "unknown element `%s`; did you mean `%s`?", k, s)
		} else {
			pc.errf(path+"."+k+"#key", "unknown element `%s`; valid elements are %s", k, quoteList(valid))
		}
	}
}

// strs checks that element elem (v, at path) is a non-empty string or a
// non-empty list of them.
func (pc policyCheck) strs(path string, v any, elem string) {
	switch t := v.(type) {
	case string:
		if t == "" {
			pc.errf(path, "`%s` is empty", elem)
		}
	case []any:
		if len(t) == 0 {
			pc.errf(path, "`%s` is an empty list", elem)
		}
		for i, e := range t {
			if s, ok := e.(string); !ok || s == "" {
				pc.errf(fmt.Sprintf("%s[%d]", path, i), "`%s` must hold non-empty strings", elem)
			}
		}
	default:
		pc.errf(path, "`%s` must be a string or a list of strings", elem)
	}
}

// statements are the statements of a policy's Statement (one statement or
// a list of them); a missing, empty or malformed Statement is reported.
func (pc policyCheck) statements(v any) []any {
	switch s := v.(type) {
	case nil:
		pc.errf("policy", "missing `Statement`; a policy needs at least one statement")
	case map[string]any:
		return []any{s}
	case []any:
		if len(s) == 0 {
			pc.errf("policy.Statement", "`Statement` is an empty list")
		}
		return s
	default:
		pc.errf("policy.Statement", "`Statement` must be a statement or a list of statements")
	}
	return nil
}

// statement checks one statement (sv, at path).
func (pc policyCheck) statement(path string, sv any) {
	st, ok := sv.(map[string]any)
	if !ok {
		pc.errf(path, "a statement must be a mapping with `Effect` and `Action`")
		return
	}
	pc.keys(path, st, []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"})
	if v, ok := st["Sid"]; ok {
		if _, isStr := v.(string); !isStr {
			pc.errf(path+".Sid", "`Sid` must be a string")
		}
	}
	if e, ok := st["Effect"]; !ok {
		pc.errf(path, "statement is missing `Effect` (Allow or Deny)")
	} else if s, _ := e.(string); !slices.Contains(policyEffects, s) {
		pc.errf(path+".Effect", "`Effect` must be Allow or Deny, got %s", jsonText(e))
	}
	pc.oneOf(path, st, "Action", "NotAction", true)
	pc.oneOf(path, st, "Resource", "NotResource", false)
	pc.oneOf(path, st, "Principal", "NotPrincipal", false)
	if cond, ok := st["Condition"]; ok {
		pc.condition(path+".Condition", cond)
	}
}

// oneOf checks that statement st (at path) sets at most one of a and its
// negation b (one of them when required), and checks the one it sets.
func (pc policyCheck) oneOf(path string, st map[string]any, a, b string, required bool) {
	va, hasA := st[a]
	vb, hasB := st[b]
	switch {
	case hasA && hasB:
		pc.errf(path+"."+b+"#key", "statement sets both `%s` and `%s`", a, b)
	case hasA:
		pc.element(path+"."+a, va, a)
	case hasB:
		pc.element(path+"."+b, vb, b)
	case required:
		pc.errf(path, "statement needs `%s` or `%s`", a, b)
	}
}

// element checks an Action, Resource or Principal element or its negation.
func (pc policyCheck) element(path string, v any, elem string) {
	if elem == "Principal" || elem == "NotPrincipal" {
		principal(pc.errf, path, v, elem)
		return
	}
	pc.strs(path, v, elem)
}

// condition checks that a Condition (at path) maps operators to
// {key: value} mappings.
func (pc policyCheck) condition(path string, cond any) {
	cm, isMap := cond.(map[string]any)
	if !isMap {
		pc.errf(path, "`Condition` must be a mapping of operator to {key: value}")
	}
	for _, op := range slices.Sorted(maps.Keys(cm)) {
		if _, isMap := cm[op].(map[string]any); !isMap {
			pc.errf(path+"."+op, "condition operator `%s` must map condition keys to values", op)
		}
	}
}

// size checks the policy against AWS's limit on its length as JSON.
func (pc policyCheck) size(pol map[string]any) {
	b, err := json.Marshal(pol)
	if err != nil {
		pc.errf("policy", "cannot be written as JSON: %v", err)
		return
	}
	if n := utf8.RuneCount(b); n > maxPolicyChars {
		// A hard limit, unlike the endpoint count quotas (lint PL012).
		pc.l.sink.errorf(pc.l.at(pc.c, "policy"), CodePolicy, "shorten the policy (wildcards in actions and resources, fewer statements); this limit is fixed and Service Quotas cannot raise it",
			"policy of %s: it is %d characters as JSON; AWS accepts at most %d", pc.what, n, maxPolicyChars)
	}
}

func principal(perr func(path, format string, args ...any), path string, v any, elem string) {
	switch t := v.(type) {
	case string:
		if t != "*" {
			perr(path, "`%s` must be \"*\" or a mapping like {AWS: [ARN, ...]}", elem)
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if !slices.Contains([]string{"AWS", "Service", "Federated", "CanonicalUser"}, k) {
				perr(path+"."+k+"#key", "unknown principal type `%s`; valid types are AWS, Service, Federated, CanonicalUser", k)
				continue
			}
			switch pv := t[k].(type) {
			case string:
			case []any:
				for i, e := range pv {
					if _, ok := e.(string); !ok {
						perr(fmt.Sprintf("%s.%s[%d]", path, k, i), "principal values must be strings")
					}
				}
			default:
				perr(path+"."+k, "principal values must be a string or a list of strings")
			}
		}
	default:
		perr(path, "`%s` must be \"*\" or a mapping like {AWS: [ARN, ...]}", elem)
	}
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
