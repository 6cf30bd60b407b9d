package apply_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// planAnyway is env.plan without failing on error diagnostics.
func (e *env) planAnyway(path string) *plan.Plan {
	e.t.Helper()
	m, snap := e.read(path)
	return plan.Compute(m, snap, plan.Options{})
}

func diag(p *plan.Plan, code string) *plan.Diagnostic {
	for i := range p.Diagnostics {
		if p.Diagnostics[i].Code == code {
			return &p.Diagnostics[i]
		}
	}
	return nil
}

// runFails applies p and returns the error of the record's change.
func (e *env) runFails(p *plan.Plan, c apply.Clients, o apply.Options) *apply.Error {
	e.t.Helper()
	res, err := apply.Run(context.Background(), p, c, o)
	if err == nil {
		e.t.Fatal("apply succeeded")
	}
	for _, cr := range res.Changes {
		if cr.Address == dnsAddr && cr.Error != nil {
			return cr.Error
		}
	}
	e.t.Fatalf("no error on %s: %v", dnsAddr, err)
	return nil
}

func (e *env) txt(action r53types.ChangeAction, name, value string) {
	e.t.Helper()
	_, err := e.r53().ChangeResourceRecordSets(context.Background(), &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String("Z0PAYMENTS1"),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: action, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: aws.String(name), Type: r53types.RRTypeTxt, TTL: aws.Int64(300), ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(value)}}}}}}})
	if err != nil {
		e.t.Fatal(err)
	}
}

// No public zone for the name: a warning (PL125) and the record to publish
// by hand (PL105), no record change. A zone given that is private, or not
// the account's, is an error (PL238).
func TestPrivateDNSZoneProblems(t *testing.T) {
	w := sandbox.DefaultWorld()
	w.HostedZones = []sandbox.HostedZone{
		{ID: "Z0PAYPRIV01", Name: "payments.example.com", Account: "payments", Private: true},
		{ID: "Z0CHECKOUT1", Name: "payments.example.com", Account: "checkout"},
	}
	e := &env{t: t, srv: sandboxtest.StartWorld(t, w, sandbox.Options{})}
	e.apply(dnsManifest(t, "    privateDnsName: api.payments.example.com"))

	p := e.planAnyway(dnsManifest(t, "    privateDns: { name: api.payments.example.com }"))
	if d := diag(p, plan.CodeDNSNoZone); d == nil || d.Severity != plan.SeverityWarning || !strings.Contains(d.Message, "no public hosted zone for api.payments.example.com") {
		t.Fatalf("PL125: %+v", p.Diagnostics)
	}
	if diag(p, plan.CodeDNSNotVerified) == nil || change(p, dnsAddr) != nil {
		t.Fatalf("without a zone: %+v %+v", p.Diagnostics, change(p, dnsAddr))
	}
	for zone, want := range map[string]string{
		"Z0PAYPRIV01": "is private",
		"Z0CHECKOUT1": "is not a hosted zone of account",
	} {
		p := e.planAnyway(dnsManifest(t, "    privateDns: { name: api.payments.example.com, route53HostedZoneId: "+zone+" }"))
		if d := diag(p, plan.CodeDNSZoneInvalid); d == nil || d.Severity != plan.SeverityError || !strings.Contains(d.Message, want) {
			t.Errorf("zone %s: %+v", zone, p.Diagnostics)
		}
	}
}

// A failed Route 53 read is a read failure of the provider's scope: the
// plan cannot tell a record to write from one that exists.
func TestPrivateDNSReadFailure(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{})
	path := dnsManifest(t, "    privateDns: { name: api.payments.example.com }")
	for _, call := range []string{live.CallHostedZonesByName, live.CallRecordSets} {
		if call == live.CallRecordSets {
			e.apply(path) // a service with the name: its record is read
		}
		e.srv.Sandbox.Inject(sandbox.Fault{Action: call, Code: "AccessDenied", Times: -1})
		m, err := manifest.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		snap, err := live.Read(context.Background(), m, e.resolver(m), live.ReadOptions{})
		if err == nil || !strings.Contains(err.Error(), call) || !strings.Contains(err.Error(), "payments") {
			t.Fatalf("%s refused: %v", call, err)
		}
		if p := plan.Compute(m, snap, plan.Options{}); !p.HasErrors() {
			t.Fatalf("%s refused: the plan has no error", call)
		}
		e.srv.Sandbox.ClearFaults()
	}
}

// A record someone writes between plan and apply is not claimed: the
// create fails, the service's tag is removed again.
func TestPrivateDNSRecordWrittenMeanwhile(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{})
	e.apply(dnsManifest(t, "    privateDnsName: api.payments.example.com"))
	_, name, _, _ := e.service()
	p, r := e.plan(dnsManifest(t, "    privateDns: { name: api.payments.example.com }"))
	if ch := change(p, dnsAddr); ch == nil || ch.Action != plan.Create {
		t.Fatalf("plan: %+v", ch)
	}
	e.txt(r53types.ChangeActionCreate, name+".api.payments.example.com", `"theirs"`)
	err := e.runFails(p, apply.FromClientSource(r), opts())
	if err.Code != "InvalidChangeBatch" || !strings.Contains(err.Message, "written by someone else") || !strings.Contains(err.Message, "already exists") {
		t.Fatalf("error %+v", err)
	}
	if _, _, _, tags := e.service(); tags[live.TagDNSZone] != "" {
		t.Fatalf("the tag claims a foreign record: %v", tags)
	}
	if recs := e.records("Z0PAYMENTS1"); len(recs) != 1 || *recs[0].ResourceRecords[0].Value != `"theirs"` {
		t.Fatalf("the foreign record changed: %+v", recs)
	}
}

// A plan whose record no longer matches the world is refused at apply:
// the service's name changed (the record it asks for is another), or the
// record to delete holds other values than the plan read.
func TestPrivateDNSStalePlan(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{})
	path := dnsManifest(t, "    privateDns: { name: api.payments.example.com }")
	e.apply(path)
	_, name, value, _ := e.service()
	full := name + ".api.payments.example.com"

	// The record deleted by hand: the plan writes it again...
	e.txt(r53types.ChangeActionDelete, full, `"`+value+`"`)
	p, r := e.plan(path)
	// ... but the service's name changes before apply.
	prov := e.srv.Clients(t, "payments").EC2
	out, err := prov.DescribeVpcEndpointServiceConfigurations(context.Background(), &ec2.DescribeVpcEndpointServiceConfigurationsInput{})
	if err != nil {
		t.Fatal(err)
	}
	id := out.ServiceConfigurations[0].ServiceId
	if _, err := prov.ModifyVpcEndpointServiceConfiguration(context.Background(), &ec2.ModifyVpcEndpointServiceConfigurationInput{ServiceId: id, PrivateDnsName: aws.String("other.payments.example.com")}); err != nil {
		t.Fatal(err)
	}
	if e := e.runFails(p, apply.FromClientSource(r), opts()); e.Code != "StalePlan" || !strings.Contains(e.Message, "now asks for TXT") {
		t.Fatalf("renamed under the plan: %+v", e)
	}
	// The name removed under the plan.
	if _, err := prov.ModifyVpcEndpointServiceConfiguration(context.Background(), &ec2.ModifyVpcEndpointServiceConfigurationInput{ServiceId: id, RemovePrivateDnsName: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if e := e.runFails(p, apply.FromClientSource(r), opts()); e.Code != "NoPrivateDNSName" {
		t.Fatalf("name removed under the plan: %+v", e)
	}

	// The old record of a renamed name, changed since the plan: not deleted.
	e2 := newDNSEnv(t, sandbox.Options{})
	e2.apply(path)
	_, name2, _, _ := e2.service()
	p, r = e2.plan(dnsManifest(t, "    privateDns: { name: pay.payments.example.com }"))
	if ch := change(p, dnsAddr); ch == nil || ch.Action != plan.Update || ch.Before.RecordName != name2+".api.payments.example.com" {
		t.Fatalf("plan: %+v", ch)
	}
	e2.txt(r53types.ChangeActionUpsert, name2+".api.payments.example.com", `"changed"`)
	if e := e2.runFails(p, apply.FromClientSource(r), opts()); e.Code != "StalePlan" || !strings.Contains(e.Message, `"changed"`) {
		t.Fatalf("delete of a changed record: %+v", e)
	}
	if recs := e2.records("Z0PAYMENTS1"); len(recs) != 1 || *recs[0].ResourceRecords[0].Value != `"changed"` {
		t.Fatalf("records: %+v", recs)
	}

	// Back to the short form, the record is not read (no Route 53
	// permission is needed to plan it): apply deletes what the tag says
	// plink wrote, whatever it holds now.
	e3 := newDNSEnv(t, sandbox.Options{})
	e3.apply(path)
	_, name3, _, _ := e3.service()
	e3.srv.Sandbox.ResetCalls()
	p, r = e3.plan(dnsManifest(t, "    privateDnsName: api.payments.example.com"))
	if ch := change(p, dnsAddr); ch == nil || ch.Action != plan.Delete || ch.Before.RecordValues != nil {
		t.Fatalf("plan: %+v", ch)
	}
	for _, c := range e3.srv.Sandbox.Calls() {
		if c.Service == "route53" {
			t.Errorf("the plan of the short form called Route 53: %+v", c)
		}
	}
	e3.txt(r53types.ChangeActionUpsert, name3+".api.payments.example.com", `"changed"`)
	if _, err := apply.Run(context.Background(), p, apply.FromClientSource(r), opts()); err != nil {
		t.Fatal(err)
	}
	if recs := e3.records("Z0PAYMENTS1"); len(recs) != 0 {
		t.Fatalf("records: %+v", recs)
	}
}

// A Route 53 change that does not get INSYNC within the timeout fails the
// step (the verification is not started on a record public DNS lacks).
func TestPrivateDNSChangeTimeout(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{DNSChangeDelay: time.Hour})
	p, r := e.plan(dnsManifest(t, "    privateDns: { name: api.payments.example.com }"))
	o := opts()
	o.ServiceTimeout = 50 * time.Millisecond
	if err := e.runFails(p, apply.FromClientSource(r), o); err.Code != "Timeout" || !strings.Contains(err.Message, "still PENDING") {
		t.Fatalf("error %+v", err)
	}
	if state, _, _, _ := e.service(); state != "pendingVerification" {
		t.Fatalf("verification started before INSYNC: %s", state)
	}
}

// Clients without Route 53, or an EC2 client that cannot start a
// verification, are refused with a clear error.
func TestPrivateDNSClientsLackCalls(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{})
	p, r := e.plan(dnsManifest(t, "    privateDns: { name: api.payments.example.com }"))
	ec2Only := apply.ClientsFunc(func(ctx context.Context, account, region string) (apply.EC2API, error) {
		c, err := r.ClientsFor(ctx, account, region)
		if err != nil {
			return nil, err
		}
		return c.EC2, nil
	})
	if err := e.runFails(p, ec2Only, opts()); err.Code != "Unsupported" || !strings.Contains(err.Message, "needs Route 53") {
		t.Fatalf("EC2-only clients: %+v", err)
	}

	// A foreign record with the right value: only the verification, which
	// an EC2 client without StartVpcEndpointServicePrivateDnsVerification
	// cannot start.
	e2 := newDNSEnv(t, sandbox.Options{})
	e2.apply(dnsManifest(t, "    privateDnsName: api.payments.example.com"))
	_, name, value, _ := e2.service()
	e2.txt(r53types.ChangeActionCreate, name+".api.payments.example.com", `"`+value+`"`)
	p, r = e2.plan(dnsManifest(t, "    privateDns: { name: api.payments.example.com }"))
	narrow := apply.ClientsFunc(func(ctx context.Context, account, region string) (apply.EC2API, error) {
		c, err := r.ClientsFor(ctx, account, region)
		if err != nil {
			return nil, err
		}
		return struct{ apply.EC2API }{c.EC2}, nil
	})
	if err := e2.runFails(p, narrow, opts()); err.Code != "Unsupported" || err.Call != "StartVpcEndpointServicePrivateDnsVerification" {
		t.Fatalf("narrow EC2 client: %+v", err)
	}
}

// A service deleted between plan and apply has no record to write; a
// delete of a record without the plan's values is refused as a damaged
// plan.
func TestPrivateDNSServiceGoneAndDamagedPlan(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{})
	path := dnsManifest(t, "    privateDns: { name: api.payments.example.com }")
	e.apply(path)
	_, name, value, _ := e.service()
	e.txt(r53types.ChangeActionDelete, name+".api.payments.example.com", `"`+value+`"`)
	p, r := e.plan(path)
	ch := change(p, dnsAddr)
	if ch == nil || ch.Action != plan.Create {
		t.Fatalf("plan: %+v", ch)
	}
	cons := e.srv.Clients(t, "checkout").EC2
	eps, err := cons.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{})
	if err != nil || len(eps.VpcEndpoints) != 1 {
		t.Fatalf("endpoints: %v %+v", err, eps)
	}
	if _, err := cons.DeleteVpcEndpoints(context.Background(), &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{*eps.VpcEndpoints[0].VpcEndpointId}}); err != nil {
		t.Fatal(err)
	}
	prov := e.srv.Clients(t, "payments").EC2
	out, err := prov.DeleteVpcEndpointServiceConfigurations(context.Background(), &ec2.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{ch.ID}})
	if err != nil || len(out.Unsuccessful) > 0 {
		t.Fatalf("delete the service: %v %+v", err, out)
	}
	only := &plan.Plan{FormatVersion: p.FormatVersion, Project: p.Project, Changes: []plan.Change{*ch}}
	if err := e.runFails(only, apply.FromClientSource(r), opts()); !strings.Contains(err.Code, "NotFound") {
		t.Fatalf("service gone: %+v", err)
	}

	damaged := &plan.Plan{FormatVersion: p.FormatVersion, Project: p.Project, Changes: []plan.Change{{Address: dnsAddr, Kind: plan.KindDNSRecord, Action: plan.Delete,
		Account: "payments", AccountID: "111111111111", Region: "us-east-1", Parent: "provider.payments-api", ID: ch.ID}}}
	if err := e.runFails(damaged, apply.FromClientSource(r), opts()); err.Code != "InvalidPlan" {
		t.Fatalf("damaged plan: %+v", err)
	}
}
