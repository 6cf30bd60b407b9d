package manifest

import "regexp"

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
		case len(d.Name) > maxDNSName || !reDNSName.MatchString(d.Name):
			l.invalid(p, "privateDns.name", "", "invalid `privateDns.name` `%s`; expected a DNS name like api.example.com", d.Name)
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
