package manifest

import (
	"fmt"
	"regexp"
	"strings"
)

// reHostedZoneID is a Route 53 hosted zone id as the APIs take it (without
// the /hostedzone/ prefix some responses carry).
var reHostedZoneID = regexp.MustCompile(`^Z[A-Z0-9]{1,32}$`)

// validatePrivateDNS checks the long form privateDns: a DNS name (the same
// rule as privateDnsName), a zone id when one is given, and agreement with
// privateDnsName when both are set; a valid name becomes PrivateDNSName.
// gateway is a provider of gateway load balancers only, which takes no
// private DNS name.
func (l *loader) validatePrivateDNS(p *Provider, what string, gateway bool) {
	d := p.PrivateDNS
	if d == nil {
		return
	}
	valid := true
	if d.Name != "" && l.ok(p, "privateDns.name") {
		switch {
		case gateway:
			l.sink.errorf(l.at(p, "privateDns"), CodeConflict, "", "%s fronts gateway load balancers, which do not support `privateDns`", what)
			valid = false
		case dnsNameProblem(d.Name) != "":
			l.invalid(p, "privateDns.name", "", "invalid `privateDns.name` `%s`: %s; expected a DNS name like api.example.com", d.Name, dnsNameProblem(d.Name))
			valid = false
		case p.PrivateDNSName != "" && p.PrivateDNSName != d.Name:
			l.sink.errorf(l.at(p, "privateDns.name"), CodeConflict, "keep one: `privateDnsName: NAME` is short for `privateDns: {name: NAME}` without the TXT record",
				"%s sets `privateDnsName` `%s` and `privateDns.name` `%s`", what, p.PrivateDNSName, d.Name)
			valid = false
		}
	} else {
		valid = false
	}
	if z := d.Route53HostedZoneID; z != "" && l.ok(p, "privateDns.route53HostedZoneId") && !reHostedZoneID.MatchString(z) {
		l.invalid(p, "privateDns.route53HostedZoneId", "leave out a /hostedzone/ prefix; or leave the field out to use the public zone found by the name",
			"invalid `privateDns.route53HostedZoneId` `%s`; expected a hosted zone id like Z0123456789ABCDEFGHIJ", z)
	}
	if valid {
		p.PrivateDNSName = d.Name
	}
}

// dnsNameProblem says why name is not a DNS name plink takes (reDNSName,
// at most maxDNSName characters), and how to write it, or "" when it is
// one.
func dnsNameProblem(name string) string {
	if len(name) <= maxDNSName && reDNSName.MatchString(name) {
		return ""
	}
	if trimmed := strings.TrimSuffix(name, "."); trimmed != name && trimmed != "" && len(trimmed) <= maxDNSName && reDNSName.MatchString(trimmed) {
		return "it ends with a dot; write it without: `" + trimmed + "`"
	}
	if len(name) > maxDNSName {
		return fmt.Sprintf("it is %d characters long; a DNS name has at most %d", len(name), maxDNSName)
	}
	labels := strings.Split(strings.TrimPrefix(name, "*."), ".")
	for i, lb := range labels {
		switch {
		case lb == "" && i == len(labels)-1:
			return "it ends with a dot; write it without"
		case lb == "":
			return "it has an empty label (two dots in a row, or a leading dot)"
		case strings.Contains(lb, "*"):
			return "`*` may only be the whole first label (*.example.com)"
		case len(lb) > 63:
			return fmt.Sprintf("its label `%s` is %d characters long; a label has at most 63", lb, len(lb))
		case strings.HasPrefix(lb, "-") || strings.HasSuffix(lb, "-"):
			return fmt.Sprintf("its label `%s` starts or ends with a hyphen", lb)
		}
		for _, r := range lb {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				what := fmt.Sprintf("%q", r)
				if r == ' ' {
					what = "a space"
				}
				return fmt.Sprintf("its label `%s` has %s; labels take letters, digits and hyphens only", lb, what)
			}
		}
	}
	if len(labels) < 2 {
		return "it has one label; a DNS name has at least two, such as db.example.com"
	}
	return "its last label `" + labels[len(labels)-1] + "` is not a top-level domain (2 to 63 letters)"
}
