package plan_test

import (
	"strings"
	"testing"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/internal/scenario"
)

// A cross-region consumer of a service outside the manifest: the service's
// zones are those it offers in its own region, never compared with the
// consumer's (AZ ids of two regions never match); a service that offers
// none there is PL119.
func TestCrossRegionExternalServiceZones(t *testing.T) {
	m := scenario.Manifest()
	m.Consumers[0].Provider = ""
	m.Consumers[0].ServiceName = "com.amazonaws.vpce.us-west-2.vpce-svc-0ext"
	m.Consumers[0].ServiceRegion = "us-west-2"
	m.Consumers[0].SubnetIDs = []string{"subnet-0b1a", "subnet-0b1b"}
	m.Consumers[0].PrivateDNSEnabled = false
	s := scenario.Converged()
	s.Endpoints = nil
	s.VisibleServices = []live.VisibleService{{AccountID: scenario.Checkout, Region: "us-east-1", ServiceRegion: "us-west-2",
		ServiceName: "com.amazonaws.vpce.us-west-2.vpce-svc-0ext", Owner: "999999999999",
		AvailabilityZoneIDs: []string{"usw2-az1"}}}
	p := compute(m, s)
	if len(p.Diagnostics) != 0 {
		t.Errorf("diagnostics = %v", codes(p))
	}
	c := change(t, p, checkout)
	if c.Action != plan.Create || c.After.ServiceRegion != "us-west-2" {
		t.Errorf("change = %+v", c)
	}
	s.VisibleServices[0].AvailabilityZoneIDs = nil
	p = compute(m, s)
	d := diag(t, p, plan.CodeServiceNoZones)
	if d.Message != "consumer.checkout-payments: service com.amazonaws.vpce.us-west-2.vpce-svc-0ext offers no Availability Zone in us-west-2; an endpoint in us-east-1 would reach nothing" {
		t.Errorf("diagnostic = %+v", d)
	}
}

// An address in a subnet without an IPv6 block, and the ipAddresses diff
// of an endpoint whose addresses were read.
func TestFixedAddressesPlanned(t *testing.T) {
	m := scenario.Manifest()
	m.Consumers[0].SubnetIDs = []string{"subnet-0b1a"}
	m.Consumers[0].IPAddressType = "dualstack"
	m.Consumers[0].IPAddresses = map[string]*manifest.SubnetIPs{"subnet-0b1a": {IPv4: "10.1.0.10", IPv6: "2600:1f18::10"}}
	s := scenario.Converged()
	for i := range s.Subnets {
		if s.Subnets[i].ID == "subnet-0b1a" {
			s.Subnets[i].CIDR = "10.1.0.0/24"
		}
	}
	p := compute(m, s)
	d := diag(t, p, plan.CodeAddressOutside)
	if !strings.Contains(d.Message, "fixed address 2600:1f18::10 in subnet-0b1a cannot be used: the subnet has no IPv6 CIDR block") {
		t.Errorf("diagnostic = %+v", d)
	}
	for i := range s.Endpoints {
		s.Endpoints[i].AddressesRead = true
		s.Endpoints[i].Addresses = []live.ENIAddress{{SubnetID: "subnet-0b1a", IPv4: "10.1.0.99"}, {SubnetID: "subnet-0zzz", IPv4: "10.9.0.9"}}
	}
	m.Consumers[0].IPAddressType = ""
	m.Consumers[0].IPAddresses["subnet-0b1a"].IPv6 = ""
	c := change(t, compute(m, s), checkout)
	if strings.Join(c.Before.IPAddresses, ",") != "subnet-0b1a=10.1.0.99" || strings.Join(c.After.IPAddresses, ",") != "subnet-0b1a=10.1.0.10" {
		t.Errorf("before %v after %v", c.Before.IPAddresses, c.After.IPAddresses)
	}
}
