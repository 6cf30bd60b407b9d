package plan_test

import (
	"strings"
	"testing"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

const dnsMatrixManifest = `version: 1
project: p
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111" }
providers:
  - name: api
    account: payments
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/api/0123456789abcdef"]
    privateDns: { name: api.example.com }
`

// TestDNSRecordMatrix: the verification record's change for each state
// of the name's verification and of the record (plink's, by the service's
// plink:dns-zone tag; someone else's; missing), with its value right or
// wrong. A record plink did not write is never changed.
func TestDNSRecordMatrix(t *testing.T) {
	m, err := manifest.Parse("m.yaml", []byte(dnsMatrixManifest))
	if err != nil {
		t.Fatal(err)
	}
	const rec = "_label.api.example.com"
	right, wrong := []string{`"vpce:value"`}, []string{`"other"`}
	for _, tc := range []struct {
		name   string
		state  string // the name's verification state
		tagged bool   // the service carries plink:dns-zone
		values []string
		want   plan.Action // "" for no dns_record change
		code   string      // a diagnostic the plan must carry
	}{
		{"plink's, verified", "verified", true, right, plan.NoOp, ""},
		{"plink's, pending", "pendingVerification", true, right, plan.Update, ""},
		{"plink's, failed", "failed", true, right, plan.Update, ""},
		{"plink's, wrong value", "failed", true, wrong, plan.Update, ""},
		{"plink's, gone", "verified", true, nil, plan.Create, ""},
		{"none yet", "pendingVerification", false, nil, plan.Create, ""},
		{"someone else's, right, pending", "pendingVerification", false, right, plan.Update, ""},
		{"someone else's, right, verified", "verified", false, right, "", ""},
		{"someone else's, wrong", "pendingVerification", false, wrong, "", plan.CodeDNSForeign},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tags := map[string]string{live.TagProject: "p", live.TagName: "api"}
			if tc.tagged {
				tags[live.TagDNSZone] = "Z1"
			}
			s := &live.Snapshot{
				Scopes: []live.Scope{{Account: "payments", AccountID: "111111111111", Region: "us-east-1"}},
				Services: []live.Service{{AccountID: "111111111111", Region: "us-east-1", ID: "vpce-svc-1", Name: "com.amazonaws.vpce.us-east-1.vpce-svc-1",
					Type: "Interface", State: "Available", NetworkLoadBalancerARNs: []string{"arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/api/0123456789abcdef"},
					PrivateDNSName: "api.example.com", PrivateDNSState: tc.state, PrivateDNSTXTName: "_label", PrivateDNSTXTValue: "vpce:value",
					SupportedIPAddressTypes: []string{"ipv4"}, Tags: tags}},
				DNSZones:   []live.DNSZone{{Provider: "api", Name: "api.example.com", AccountID: "111111111111", ZoneID: "Z1", ZoneName: "example.com"}},
				DNSRecords: []live.DNSRecord{{AccountID: "111111111111", ZoneID: "Z1", Name: rec, Exists: tc.values != nil, Values: tc.values, TTL: 300}},
			}
			p := plan.Compute(m, s, plan.Options{})
			var got plan.Action
			var ch *plan.Change
			for i := range p.Changes {
				if p.Changes[i].Kind == plan.KindDNSRecord {
					ch = &p.Changes[i]
					got = ch.Action
				}
			}
			if got != tc.want {
				t.Fatalf("dns_record %q, want %q (%+v)", got, tc.want, ch)
			}
			if ch != nil && ch.After != nil && !tc.tagged && tc.values != nil && ch.After.RecordName != "" {
				t.Errorf("a record plink did not write is written: %+v", ch.After)
			}
			if tc.code != "" {
				found := false
				for _, d := range p.Diagnostics {
					found = found || d.Code == tc.code
				}
				if !found {
					t.Errorf("no %s: %+v", tc.code, p.Diagnostics)
				}
			}
		})
	}
}

// TestDNSRecordOfReplacedService: a service replaced by one plink writes no
// record for (the provider without privateDns, or with a name no public
// zone holds) takes the record plink wrote for the old one with it: a
// dns_record delete of the old service's record, with its zone and name.
func TestDNSRecordOfReplacedService(t *testing.T) {
	const nlb = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/api/0123456789abcdef"
	for _, tc := range []struct {
		name, provider string
		zone           live.DNSZone
	}{
		{"no privateDns", "privateDnsName: api.example.com", live.DNSZone{}},
		{"a name without a zone", "privateDns: { name: api.example.invalid }",
			live.DNSZone{Provider: "api", Name: "api.example.invalid", AccountID: "111111111111", Problem: "account 111111111111 has no public hosted zone for api.example.invalid or a parent domain of it"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := "version: 1\nproject: p\ndefaults: { region: us-east-1 }\naccounts:\n  payments: { id: \"111111111111\" }\nproviders:\n  - name: api\n    account: payments\n" +
				"    networkLoadBalancerArns: [\"" + nlb + "\"]\n    " + tc.provider + "\n"
			m, err := manifest.Parse("m.yaml", []byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			s := &live.Snapshot{
				Scopes: []live.Scope{{Account: "payments", AccountID: "111111111111", Region: "us-east-1"}},
				// Failed: the service is replaced
				Services: []live.Service{{AccountID: "111111111111", Region: "us-east-1", ID: "vpce-svc-1", Name: "com.amazonaws.vpce.us-east-1.vpce-svc-1",
					Type: "Interface", State: "Failed", NetworkLoadBalancerARNs: []string{nlb},
					PrivateDNSName: "api.example.com", PrivateDNSState: "verified", PrivateDNSTXTName: "_label", PrivateDNSTXTValue: "vpce:value",
					SupportedIPAddressTypes: []string{"ipv4"}, Tags: map[string]string{live.TagProject: "p", live.TagName: "api", live.TagDNSZone: "Z1"}}},
				DNSRecords: []live.DNSRecord{{AccountID: "111111111111", ZoneID: "Z1", Name: "_label.api.example.com", Exists: true, Values: []string{`"vpce:value"`}, TTL: 300}},
			}
			if tc.zone.Provider != "" {
				s.DNSZones = []live.DNSZone{tc.zone}
			}
			p := plan.Compute(m, s, plan.Options{})
			var svc, rec *plan.Change
			for i := range p.Changes {
				switch p.Changes[i].Address {
				case "provider.api":
					svc = &p.Changes[i]
				case "provider.api.dns_record":
					rec = &p.Changes[i]
				}
			}
			if svc == nil || svc.Action != plan.Replace {
				t.Fatalf("service change %+v", svc)
			}
			if rec == nil || rec.Action != plan.Delete || rec.Before == nil || rec.Before.ZoneID != "Z1" || rec.Before.RecordName != "_label.api.example.com" ||
				rec.ParentID != "vpce-svc-1" || rec.Account != "payments" {
				t.Fatalf("dns_record change %+v", rec)
			}
		})
	}
}

// TestDNSRecordRenameZoneNotRead: a name changed while its zone was not
// read (a snapshot without Route 53) plans nothing for the record: plink
// does not delete the old record on what it did not see.
func TestDNSRecordRenameZoneNotRead(t *testing.T) {
	m, err := manifest.Parse("m.yaml", []byte(strings.Replace(dnsMatrixManifest, "api.example.com", "pay.example.com", 1)))
	if err != nil {
		t.Fatal(err)
	}
	s := &live.Snapshot{
		Scopes: []live.Scope{{Account: "payments", AccountID: "111111111111", Region: "us-east-1"}},
		Services: []live.Service{{AccountID: "111111111111", Region: "us-east-1", ID: "vpce-svc-1", Name: "com.amazonaws.vpce.us-east-1.vpce-svc-1",
			Type: "Interface", State: "Available", NetworkLoadBalancerARNs: []string{"arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/api/0123456789abcdef"},
			PrivateDNSName: "api.example.com", PrivateDNSState: "verified", PrivateDNSTXTName: "_label", PrivateDNSTXTValue: "vpce:value",
			SupportedIPAddressTypes: []string{"ipv4"}, Tags: map[string]string{live.TagProject: "p", live.TagName: "api", live.TagDNSZone: "Z1"}}},
		DNSRecords: []live.DNSRecord{{AccountID: "111111111111", ZoneID: "Z1", Name: "_label.api.example.com", Exists: true, Values: []string{`"vpce:value"`}, TTL: 300}},
	}
	p := plan.Compute(m, s, plan.Options{})
	for _, c := range p.Changes {
		if c.Kind == plan.KindDNSRecord {
			t.Errorf("a dns_record change without the zone read: %+v", c)
		}
	}
	// with the zone read and none found, the old record is deleted
	s.DNSZones = []live.DNSZone{{Provider: "api", Name: "pay.example.com", AccountID: "111111111111", Problem: "no public hosted zone"}}
	p = plan.Compute(m, s, plan.Options{})
	found := false
	for _, c := range p.Changes {
		found = found || c.Kind == plan.KindDNSRecord && c.Action == plan.Delete && c.Before != nil && c.Before.RecordName == "_label.api.example.com"
	}
	if !found {
		t.Errorf("no delete of the old record: %+v", p.Changes)
	}
}
