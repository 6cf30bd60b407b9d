package plan_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/internal/scenario"
)

// tagged is a copy of the converged checkout endpoint under another id.
func tagged(id string, edit func(*live.Endpoint)) live.Endpoint {
	ep := scenario.CheckoutEndpoint()
	ep.ID = id
	ep.NetworkInterfaceIDs = nil
	if edit != nil {
		edit(&ep)
	}
	return ep
}

// moveToVPC0bbd points the checkout consumer at vpc-0bbd, a replace.
func moveToVPC0bbd(m *manifest.Manifest) {
	m.Consumers[0].VPCID = "vpc-0bbd"
	m.Consumers[0].SubnetIDs = []string{"subnet-0d1a", "subnet-0d1b"}
	m.Consumers[0].SecurityGroupIDs = []string{"sg-0d1"}
}

func inVPC0bbd(ep *live.Endpoint) {
	ep.VPCID = "vpc-0bbd"
	ep.SubnetIDs = []string{"subnet-0d1a", "subnet-0d1b"}
	ep.SecurityGroupIDs = []string{"sg-0d1"}
}

// TestDuplicateNames: several live resources carrying one plink:name are
// what an interrupted replace leaves. One is kept, the others are deleted
// as leftovers; PL212 only when plink cannot tell which one to keep.
func TestDuplicateNames(t *testing.T) {
	tests := []struct {
		name  string
		setup func(m *manifest.Manifest, s *live.Snapshot)
		// kept maps addresses to the live id their change must act on.
		kept map[string]string
		// actions are all the changes that do something.
		actions map[string]plan.Action
		// leftovers are the addresses planned for deletion as leftovers.
		leftovers []string
		codes     []string
		check     func(t *testing.T, p *plan.Plan)
	}{
		{
			name: "identical copies keep the lowest id",
			setup: func(m *manifest.Manifest, s *live.Snapshot) {
				s.Endpoints = append(s.Endpoints, tagged("vpce-0dup", nil))
			},
			kept:      map[string]string{checkout: scenario.CheckEP},
			actions:   map[string]plan.Action{checkout + "[vpce-0dup]": plan.Delete},
			leftovers: []string{checkout + "[vpce-0dup]"},
		},
		{
			name: "a healthy state beats a lower id",
			setup: func(m *manifest.Manifest, s *live.Snapshot) {
				s.Endpoints[0].State = "failed"
				s.Endpoints = append(s.Endpoints, tagged("vpce-0dup", nil))
			},
			kept:      map[string]string{checkout: "vpce-0dup"},
			actions:   map[string]plan.Action{checkout + "[vpce-0chk1]": plan.Delete},
			leftovers: []string{checkout + "[vpce-0chk1]"},
		},
		{
			name: "available beats pending acceptance",
			setup: func(m *manifest.Manifest, s *live.Snapshot) {
				s.Endpoints[0].State = "pendingAcceptance"
				s.Endpoints = append(s.Endpoints, tagged("vpce-0dup", nil))
			},
			kept:      map[string]string{checkout: "vpce-0dup"},
			actions:   map[string]plan.Action{checkout + "[vpce-0chk1]": plan.Delete},
			leftovers: []string{checkout + "[vpce-0chk1]"},
		},
		{
			name: "the new endpoint of an interrupted VPC move is kept",
			setup: func(m *manifest.Manifest, s *live.Snapshot) {
				moveToVPC0bbd(m)
				s.Endpoints = append(s.Endpoints, tagged("vpce-0new", inVPC0bbd))
				s.Services[0].Connections = append(s.Services[0].Connections,
					live.Connection{EndpointID: "vpce-0new", OwnerID: scenario.Checkout, State: "available", Region: scenario.USEast1})
			},
			kept:      map[string]string{checkout: "vpce-0new"},
			actions:   map[string]plan.Action{checkout + "[vpce-0chk1]": plan.Delete},
			leftovers: []string{checkout + "[vpce-0chk1]"},
		},
		{
			name: "the new endpoint of an interrupted region move is kept",
			setup: func(m *manifest.Manifest, s *live.Snapshot) {
				m.Consumers[0] = scenario.AnalyticsPayments()
				m.Consumers[0].Name = "checkout-payments"
				s.Endpoints = append(s.Endpoints, live.Endpoint{AccountID: scenario.Analytics, Region: scenario.USWest2, ID: "vpce-0new",
					Type: "Interface", VPCID: "vpc-0ccc", ServiceName: scenario.SvcName, ServiceRegion: scenario.USEast1, State: "available",
					SubnetIDs: []string{"subnet-0c2a", "subnet-0c2b"}, SecurityGroupIDs: []string{"sg-0c2"}, DNSRecordIPType: "ipv4", IPAddressType: "ipv4",
					Tags: scenario.CheckoutEndpoint().Tags})
				s.Services[0].Connections = append(s.Services[0].Connections,
					live.Connection{EndpointID: "vpce-0new", OwnerID: scenario.Analytics, State: "available", Region: scenario.USWest2})
			},
			kept:      map[string]string{checkout: "vpce-0new"},
			actions:   map[string]plan.Action{checkout + "[vpce-0chk1]": plan.Delete},
			leftovers: []string{checkout + "[vpce-0chk1]"},
		},
		{
			name: "a matching endpoint that failed loses to a live one, which is replaced",
			setup: func(m *manifest.Manifest, s *live.Snapshot) {
				moveToVPC0bbd(m)
				s.Endpoints = append(s.Endpoints, tagged("vpce-0new", func(ep *live.Endpoint) { inVPC0bbd(ep); ep.State = "failed" }))
			},
			kept: map[string]string{checkout: scenario.CheckEP},
			actions: map[string]plan.Action{
				checkout:                              plan.Replace,
				svc + ".connection[" + checkout + "]": plan.Accept,
				checkout + "[vpce-0new]":              plan.Delete,
			},
			leftovers: []string{checkout + "[vpce-0new]"},
		},
		{
			name: "alike copies that both differ from the manifest: one is replaced",
			setup: func(m *manifest.Manifest, s *live.Snapshot) {
				moveToVPC0bbd(m)
				s.Endpoints = append(s.Endpoints, tagged("vpce-0dup", nil))
			},
			kept: map[string]string{checkout: scenario.CheckEP},
			actions: map[string]plan.Action{
				checkout:                              plan.Replace,
				svc + ".connection[" + checkout + "]": plan.Accept,
				checkout + "[vpce-0dup]":              plan.Delete,
			},
			leftovers: []string{checkout + "[vpce-0dup]"},
		},
		{
			name: "an interrupted service type change keeps the new service and endpoint",
			setup: func(m *manifest.Manifest, s *live.Snapshot) {
				m.Providers[0].NetworkLoadBalancerARNs = nil
				m.Providers[0].GatewayLoadBalancerARNs = []string{scenario.GWLB}
				m.Providers[0].PrivateDNSName = ""
				m.Consumers[0].PrivateDNSEnabled = false
				gw := scenario.PaymentsService()
				gw.ID, gw.Name, gw.Type = "vpce-svc-0gw", "com.amazonaws.vpce.us-east-1.vpce-svc-0gw", "GatewayLoadBalancer"
				gw.NetworkLoadBalancerARNs, gw.GatewayLoadBalancerARNs = nil, []string{scenario.GWLB}
				gw.PrivateDNSName, gw.PrivateDNSState = "", ""
				gw.Connections = []live.Connection{{EndpointID: "vpce-0gwe", OwnerID: scenario.Checkout, State: "available", Region: scenario.USEast1}}
				s.Services = append(s.Services, gw)
				s.Endpoints = append(s.Endpoints, tagged("vpce-0gwe", func(ep *live.Endpoint) {
					ep.Type, ep.ServiceName, ep.PrivateDNSEnabled = "GatewayLoadBalancer", gw.Name, false
				}))
			},
			kept: map[string]string{svc: "vpce-svc-0gw", checkout: "vpce-0gwe"},
			actions: map[string]plan.Action{
				svc + "[vpce-svc-0pay111]": plan.Delete,
				checkout + "[vpce-0chk1]":  plan.Delete,
			},
			leftovers: []string{svc + "[vpce-svc-0pay111]", checkout + "[vpce-0chk1]"},
			check: func(t *testing.T, p *plan.Plan) {
				c := change(t, p, svc+"[vpce-svc-0pay111]")
				if !reflect.DeepEqual(c.DependsOn, []string{checkout + "[vpce-0chk1]"}) {
					t.Errorf("leftover service depends on %v", c.DependsOn)
				}
				// its one endpoint is the leftover endpoint this plan deletes
				if len(c.Breaks) != 1 || strings.Contains(strings.Join(c.Breaks, "\n"), "vpce-0chk1") {
					t.Errorf("leftover service breaks = %q", c.Breaks)
				}
			},
		},
		{
			name: "endpoints that differ, none as the manifest says: PL212",
			setup: func(m *manifest.Manifest, s *live.Snapshot) {
				moveToVPC0bbd(m)
				s.Endpoints = append(s.Endpoints, tagged("vpce-0dup", func(ep *live.Endpoint) { ep.VPCID = "vpc-0eee" }))
			},
			actions: map[string]plan.Action{},
			codes:   []string{"error PL212"},
		},
		{
			name: "services that differ, none as the manifest says: PL212, and the consumer's copies stay",
			setup: func(m *manifest.Manifest, s *live.Snapshot) {
				s.Services[0].Type = "GatewayLoadBalancer"
				west := scenario.PaymentsService()
				west.ID, west.Region = "vpce-svc-0west", scenario.USWest2
				s.Services = append(s.Services, west)
				s.Endpoints = append(s.Endpoints, tagged("vpce-0dup", nil))
			},
			actions: map[string]plan.Action{},
			codes:   []string{"error PL212"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, s := scenario.Manifest(), scenario.Converged()
			tt.setup(m, s)
			p := compute(m, s)
			checkInvariants(t, p)
			if got := actions(p); !reflect.DeepEqual(got, tt.actions) {
				t.Errorf("actions:\n got %v\nwant %v", got, tt.actions)
			}
			for addr, id := range tt.kept {
				if c := change(t, p, addr); c.ID != id {
					t.Errorf("%s keeps %s, want %s", addr, c.ID, id)
				}
			}
			for _, addr := range tt.leftovers {
				c := change(t, p, addr)
				entry := addr[:strings.IndexByte(addr, '[')]
				if len(c.Breaks) == 0 || !strings.HasPrefix(c.Breaks[0], "leftover of an interrupted replace of "+entry+": ") ||
					!strings.Contains(c.Breaks[0], change(t, p, entry).ID+" carries the same plink:name and is kept") {
					t.Errorf("%s: breaks %q do not say it is a leftover of %s", addr, c.Breaks, entry)
				}
				if !strings.HasSuffix(addr, "["+c.ID+"]") {
					t.Errorf("%s: address does not name its id %s", addr, c.ID)
				}
			}
			if tt.check != nil {
				tt.check(t, p)
			}
			if tt.codes == nil {
				if hasCode(p, plan.CodeDuplicateName) {
					t.Errorf("unexpected PL212: %+v", p.Diagnostics)
				}
			} else if gotCodes := codes(p); !reflect.DeepEqual(gotCodes, tt.codes) {
				t.Errorf("diagnostics:\n got %v\nwant %v", gotCodes, tt.codes)
			}
		})
	}
}

func TestDuplicateNamesAmbiguous(t *testing.T) {
	m, s := scenario.Manifest(), scenario.Converged()
	moveToVPC0bbd(m)
	s.Endpoints = append(s.Endpoints, tagged("vpce-0dup", func(ep *live.Endpoint) { ep.VPCID = "vpc-0eee" }))
	p := compute(m, s)
	d := diag(t, p, plan.CodeDuplicateName)
	if d.Address != checkout || d.Account != "checkout" || d.Region != scenario.USEast1 {
		t.Errorf("diagnostic scope = %+v", d)
	}
	for _, want := range []string{"2 live endpoints are tagged plink:project=payments-privatelink plink:name=checkout-payments",
		"none matches " + checkout, "vpce-0chk1 (Interface in vpc-0bbb to " + scenario.SvcName + ", account checkout (222222222222) us-east-1)",
		"vpce-0dup (Interface in vpc-0eee"} {
		if !strings.Contains(d.Message, want) {
			t.Errorf("message %q lacks %q", d.Message, want)
		}
	}
	for _, want := range []string{"interrupted", "change " + checkout + " to match", "aws ec2 delete-vpc-endpoints --vpc-endpoint-ids"} {
		if !strings.Contains(d.Hint, want) {
			t.Errorf("hint %q lacks %q", d.Hint, want)
		}
	}

	m, s = scenario.Manifest(), scenario.Converged()
	s.Services[0].Type = "GatewayLoadBalancer"
	west := scenario.PaymentsService()
	west.ID, west.Region = "vpce-svc-0west", scenario.USWest2
	s.Services = append(s.Services, west)
	p = compute(m, s)
	d = diag(t, p, plan.CodeDuplicateName)
	if !strings.Contains(d.Message, "2 live endpoint services") || !strings.Contains(d.Message, "vpce-svc-0west (Interface, account payments (111111111111) us-west-2)") ||
		!strings.Contains(d.Hint, "aws ec2 delete-vpc-endpoint-service-configurations --service-ids") {
		t.Errorf("diagnostic = %+v", d)
	}
	for _, c := range p.Changes {
		if c.Action != plan.NoOp {
			t.Errorf("nothing may be planned around an ambiguous provider: %s %s", c.Action, c.Address)
		}
	}
}

// A leftover's connection is not the manifest's business: it is neither
// accepted, rejected nor reported as waiting; the kept endpoint's is.
func TestLeftoverConnections(t *testing.T) {
	for _, reject := range []bool{false, true} {
		m, s := scenario.Manifest(), scenario.Converged()
		m.Providers[0].Connections.RejectUndeclared = reject
		s.Endpoints = append(s.Endpoints, tagged("vpce-0dup", func(ep *live.Endpoint) { ep.State = "pendingAcceptance" }))
		s.Services[0].Connections = append(s.Services[0].Connections,
			live.Connection{EndpointID: "vpce-0dup", OwnerID: scenario.Checkout, State: "pendingAcceptance", Region: scenario.USEast1})
		p := compute(m, s)
		checkInvariants(t, p)
		want := map[string]plan.Action{checkout + "[vpce-0dup]": plan.Delete}
		if got := actions(p); !reflect.DeepEqual(got, want) {
			t.Errorf("rejectUndeclared=%v: actions %v, want %v", reject, got, want)
		}
		if len(p.Diagnostics) != 0 {
			t.Errorf("rejectUndeclared=%v: diagnostics %v", reject, codes(p))
		}
	}

	// The kept endpoint is the one accepted.
	m, s := scenario.Manifest(), scenario.Converged()
	moveToVPC0bbd(m)
	s.Endpoints = append(s.Endpoints, tagged("vpce-0new", func(ep *live.Endpoint) { inVPC0bbd(ep); ep.State = "pendingAcceptance" }))
	s.Services[0].Connections = append(s.Services[0].Connections,
		live.Connection{EndpointID: "vpce-0new", OwnerID: scenario.Checkout, State: "pendingAcceptance", Region: scenario.USEast1})
	p := compute(m, s)
	if c := change(t, p, svc+".connection[vpce-0new]"); c.Action != plan.Accept || c.Reason != "endpoint of "+checkout {
		t.Errorf("kept endpoint's connection = %+v", c)
	}
	for _, c := range p.Changes {
		if c.Kind == plan.KindConnection && c.ID == scenario.CheckEP {
			t.Errorf("the leftover's connection is planned: %+v", c)
		}
	}
}

// A leftover in an account-region that could not be read is not deleted,
// but the choice of the kept resource still holds.
func TestLeftoverInUnreadScope(t *testing.T) {
	m, s := scenario.Manifest(), scenario.Converged()
	m.Consumers[0] = scenario.AnalyticsPayments()
	m.Consumers[0].Name = "checkout-payments"
	s.Endpoints = append(s.Endpoints, live.Endpoint{AccountID: scenario.Analytics, Region: scenario.USWest2, ID: "vpce-0new",
		Type: "Interface", VPCID: "vpc-0ccc", ServiceName: scenario.SvcName, ServiceRegion: scenario.USEast1, State: "available",
		SubnetIDs: []string{"subnet-0c2a", "subnet-0c2b"}, SecurityGroupIDs: []string{"sg-0c2"}, DNSRecordIPType: "ipv4", IPAddressType: "ipv4",
		Tags: scenario.CheckoutEndpoint().Tags})
	s.Failures = []live.Failure{{Account: "checkout", AccountID: scenario.Checkout, Region: scenario.USEast1, Call: "DescribeVpcEndpoints", Error: "throttled"}}
	p := compute(m, s)
	checkInvariants(t, p)
	if c := change(t, p, checkout); c.ID != "vpce-0new" {
		t.Errorf("kept %s", c.ID)
	}
	for _, c := range p.Changes {
		if c.ID == scenario.CheckEP {
			t.Errorf("a leftover in an unread scope is planned: %+v", c)
		}
	}
	if hasCode(p, plan.CodeDuplicateName) || !hasCode(p, plan.CodeReadFailure) {
		t.Errorf("diagnostics = %v", codes(p))
	}
}

// While the leftover still has private DNS on in the same VPC, the kept
// endpoint cannot turn it on: it stays off, with a warning, until the
// leftover is gone.
func TestPrivateDNSWaitsForLeftover(t *testing.T) {
	m, s := scenario.Manifest(), scenario.Converged()
	// the provider was replaced earlier: the old endpoint uses the old service
	s.Endpoints[0].ServiceName = "com.amazonaws.vpce.us-east-1.vpce-svc-0old"
	s.Endpoints = append(s.Endpoints, tagged("vpce-0new", func(ep *live.Endpoint) { ep.PrivateDNSEnabled = false }))
	s.Services[0].Connections = []live.Connection{{EndpointID: "vpce-0new", OwnerID: scenario.Checkout, State: "available", Region: scenario.USEast1}}
	p := compute(m, s)
	checkInvariants(t, p)
	c := change(t, p, checkout)
	// (a no-op: private DNS stays as it is, off)
	if c.ID != "vpce-0new" || c.Action != plan.NoOp || c.PrivateDNSAfterAccept {
		t.Errorf("kept endpoint = %+v", c)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "private DNS stays off while vpce-0chk1") {
		t.Errorf("warnings = %q", c.Warnings)
	}
	if a := actions(p); !reflect.DeepEqual(a, map[string]plan.Action{checkout + "[vpce-0chk1]": plan.Delete}) {
		t.Errorf("actions = %v", a)
	}

	// once the leftover is gone, the next plan turns it on
	s.Endpoints = s.Endpoints[1:]
	p = compute(m, s)
	if c := change(t, p, checkout); c.Action != plan.Update || !*c.After.PrivateDNSEnabled || len(c.Warnings) != 0 {
		t.Errorf("after the leftover is gone: %+v", c)
	}
}

// TestOrphanAddresses: every orphan delete has an address of its own, also
// when several orphans share a name or an orphan's name is taken.
func TestOrphanAddresses(t *testing.T) {
	m, s := scenario.Manifest(), scenario.Converged()
	s.Scopes = append(s.Scopes, live.Scope{Account: "payments", AccountID: scenario.Payments, Region: scenario.USWest2})
	own := func(name string) map[string]string {
		return map[string]string{live.TagProject: scenario.Project, live.TagName: name}
	}
	ep := func(account, region, id, name string) live.Endpoint {
		return live.Endpoint{AccountID: account, Region: region, ID: id, Type: "Interface", VPCID: "vpc-0x", ServiceName: "com.amazonaws.vpce." + region + ".vpce-svc-0x", State: "available", Tags: own(name)}
	}
	sv := func(region, id, name string, conns ...string) live.Service {
		out := live.Service{AccountID: scenario.Payments, Region: region, ID: id, Name: "com.amazonaws.vpce." + region + "." + id, Type: "Interface", State: "Available", Tags: own(name)}
		for _, c := range conns {
			out.Connections = append(out.Connections, live.Connection{EndpointID: c, OwnerID: scenario.Checkout, State: "available"})
		}
		return out
	}
	s.Endpoints = append(s.Endpoints,
		ep(scenario.Checkout, scenario.USEast1, "vpce-0oc1", "old-client"),
		ep(scenario.Analytics, scenario.USWest2, "vpce-0oc2", "old-client"),
		ep(scenario.Checkout, scenario.USEast1, "vpce-0solo", "solo"),
	)
	s.Services = append(s.Services,
		sv(scenario.USEast1, "vpce-svc-0old1", "old-api", "vpce-0oc1", "vpce-0solo"),
		sv(scenario.USWest2, "vpce-svc-0old2", "old-api", "vpce-0oc2"),
		// a name that reads like a child address of a manifest provider
		sv(scenario.USEast1, "vpce-svc-0odd", "payments-api.notification[0]"),
	)
	p := compute(m, s)
	checkInvariants(t, p)
	want := map[string]plan.Action{
		"consumer.old-client[vpce-0oc1]":                       plan.Delete,
		"consumer.old-client[vpce-0oc2]":                       plan.Delete,
		"consumer.solo":                                        plan.Delete,
		"provider.old-api[vpce-svc-0old1]":                     plan.Delete,
		"provider.old-api[vpce-svc-0old2]":                     plan.Delete,
		"provider.payments-api.notification[0][vpce-svc-0odd]": plan.Delete,
	}
	if got := actions(p); !reflect.DeepEqual(got, want) {
		t.Errorf("actions:\n got %v\nwant %v", got, want)
	}
	deps := map[string][]string{
		"provider.old-api[vpce-svc-0old1]": {"consumer.old-client[vpce-0oc1]", "consumer.solo"},
		"provider.old-api[vpce-svc-0old2]": {"consumer.old-client[vpce-0oc2]"},
	}
	for addr, want := range deps {
		if c := change(t, p, addr); !reflect.DeepEqual(c.DependsOn, want) {
			t.Errorf("%s depends on %v, want %v", addr, c.DependsOn, want)
		}
	}
	for _, c := range p.Changes {
		if c.Action == plan.Delete && (c.Kind == plan.KindEndpoint || c.Kind == plan.KindService) && len(c.Breaks) > 0 &&
			strings.HasPrefix(c.Breaks[0], "leftover") {
			t.Errorf("%s is an orphan, not a leftover: %q", c.Address, c.Breaks)
		}
	}
}
