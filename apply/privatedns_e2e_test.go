package apply_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/drift"
	"github.com/plinkdev/plink/export"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// dnsManifest is a provider with the long form privateDns and a consumer
// that wants private DNS; privateDns is the provider's YAML for it.
func dnsManifest(t *testing.T, privateDns string) string {
	t.Helper()
	doc := `version: 1
project: dns-e2e
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/plink" }
  checkout: { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/plink" }
providers:
  - name: payments-api
    account: payments
    networkLoadBalancerArns:
      - arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1
    acceptanceRequired: true
` + privateDns + `
    allowedPrincipals:
      - account: checkout
consumers:
  - name: checkout-payments
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000c]
    securityGroupIds: [sg-02100000000000001]
    provider: payments-api
    privateDnsEnabled: true
`
	path := filepath.Join(t.TempDir(), "plink.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// read loads a manifest and reads the sandbox's live state for it.
func (e *env) read(path string) (*manifest.Manifest, *live.Snapshot) {
	e.t.Helper()
	m, err := manifest.Load(path)
	if err != nil {
		e.t.Fatal(err)
	}
	snap, err := live.Read(context.Background(), m, e.resolver(m), live.ReadOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	return m, snap
}

func dnsWorld() *sandbox.World {
	w := sandbox.DefaultWorld()
	w.HostedZones = []sandbox.HostedZone{
		{ID: "Z0PAYMENTS1", Name: "payments.example.com", Account: "payments"},
		{ID: "Z0PAYPRIV01", Name: "payments.example.com", Account: "payments", Private: true},
	}
	return w
}

func newDNSEnv(t *testing.T, o sandbox.Options) *env {
	t.Helper()
	return &env{t: t, srv: sandboxtest.StartWorld(t, dnsWorld(), o)}
}

func (e *env) r53() *route53.Client {
	return route53.NewFromConfig(e.srv.Config(e.t, "payments"), func(o *route53.Options) { o.Region = "us-east-1" })
}

func (e *env) records(zone string) []r53types.ResourceRecordSet {
	e.t.Helper()
	out, err := e.r53().ListResourceRecordSets(context.Background(), &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zone)})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.ResourceRecordSets
}

// service is the one live service of payments (with its tags).
func (e *env) service() (state, txtName, txtValue string, tags map[string]string) {
	e.t.Helper()
	out, err := e.srv.Clients(e.t, "payments").EC2.DescribeVpcEndpointServiceConfigurations(context.Background(), &ec2.DescribeVpcEndpointServiceConfigurationsInput{})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(out.ServiceConfigurations) != 1 {
		e.t.Fatalf("%d services", len(out.ServiceConfigurations))
	}
	sc := out.ServiceConfigurations[0]
	tags = map[string]string{}
	for _, tg := range sc.Tags {
		tags[*tg.Key] = *tg.Value
	}
	cfg := sc.PrivateDnsNameConfiguration
	if cfg == nil {
		return "", "", "", tags
	}
	return string(cfg.State), *cfg.Name, *cfg.Value, tags
}

func (e *env) endpointDNS() bool {
	e.t.Helper()
	out, err := e.srv.Clients(e.t, "checkout").EC2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(out.VpcEndpoints) != 1 {
		e.t.Fatalf("%d endpoints", len(out.VpcEndpoints))
	}
	return aws.ToBool(out.VpcEndpoints[0].PrivateDnsEnabled)
}

func change(p *plan.Plan, addr string) *plan.Change {
	for i := range p.Changes {
		if p.Changes[i].Address == addr {
			return &p.Changes[i]
		}
	}
	return nil
}

const dnsAddr = "provider.payments-api.dns_record"

// Create, no-op second apply, update (a new name), drift and delete of the
// verification record, through the real SDK against the sandbox.
func TestPrivateDNSVerifiedEndToEnd(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{})
	path := dnsManifest(t, "    privateDns: { name: api.payments.example.com }")

	p, _ := e.plan(path)
	ch := change(p, dnsAddr)
	if ch == nil || ch.Action != plan.Create || ch.After.ZoneID != "Z0PAYMENTS1" || ch.Refs["recordValues"] != "provider.payments-api" {
		t.Fatalf("plan of a new service: %+v", ch)
	}
	if c := change(p, "consumer.checkout-payments"); c == nil || !c.PrivateDNSAfterAccept {
		t.Fatalf("consumer: %+v", c)
	}
	e.apply(path)
	state, name, value, tags := e.service()
	if state != "verified" || tags["plink:dns-zone"] != "Z0PAYMENTS1" {
		t.Fatalf("after apply: state %s, tags %v", state, tags)
	}
	recs := e.records("Z0PAYMENTS1")
	if len(recs) != 1 || *recs[0].Name != name+".api.payments.example.com." || *recs[0].ResourceRecords[0].Value != `"`+value+`"` {
		t.Fatalf("records %+v", recs)
	}
	if len(e.records("Z0PAYPRIV01")) != 0 {
		t.Fatal("the private zone got a record")
	}
	if !e.endpointDNS() {
		t.Fatal("the consumer's private DNS is off after the name was verified")
	}
	e.converged(path) // no change, no mutating call

	// Drift: the record removed by hand is planned again (create).
	_, err := e.r53().ChangeResourceRecordSets(context.Background(), &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String("Z0PAYMENTS1"),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: r53types.ChangeActionDelete, ResourceRecordSet: &recs[0]}}}})
	if err != nil {
		t.Fatal(err)
	}
	p, _ = e.plan(path)
	if ch := change(p, dnsAddr); ch == nil || ch.Action != plan.Create || len(ch.Warnings) == 0 || !strings.Contains(ch.Warnings[0], "is missing") {
		t.Fatalf("plan after the record went missing: %+v", ch)
	}
	m, snap := e.read(path)
	rep := drift.Build(m, snap, plan.Compute(m, snap, plan.Options{}))
	found := false
	for _, it := range rep.Items {
		found = found || it.Address == dnsAddr && it.Kind == drift.Missing && strings.Contains(it.Message, name+".api.payments.example.com")
	}
	if !found || rep.ExitCode() != 2 {
		t.Fatalf("drift after the record went missing: %+v", rep.Items)
	}
	e.apply(path)
	e.converged(path)

	// Update: a new name gets a new record; the old one goes.
	path2 := dnsManifest(t, "    privateDns: { name: pay.payments.example.com, route53HostedZoneId: Z0PAYMENTS1 }")
	p, _ = e.plan(path2)
	if ch := change(p, dnsAddr); ch == nil || ch.Action != plan.Update || ch.Before.RecordName != name+".api.payments.example.com" {
		t.Fatalf("plan of a renamed private DNS name: %+v", ch)
	}
	e.apply(path2)
	state, name2, _, _ := e.service()
	recs = e.records("Z0PAYMENTS1")
	if state != "verified" || len(recs) != 1 || *recs[0].Name != name2+".pay.payments.example.com." {
		t.Fatalf("after the rename: %s %+v", state, recs)
	}
	e.converged(path2)

	// Back to the short form: the record plink wrote is deleted, the tag
	// removed, nothing else touched.
	path3 := dnsManifest(t, "    privateDnsName: pay.payments.example.com")
	p, _ = e.plan(path3)
	if ch := change(p, dnsAddr); ch == nil || ch.Action != plan.Delete {
		t.Fatalf("plan of the short form: %+v", ch)
	}
	e.apply(path3)
	if recs := e.records("Z0PAYMENTS1"); len(recs) != 0 {
		t.Fatalf("records left: %+v", recs)
	}
	if _, _, _, tags := e.service(); tags["plink:dns-zone"] != "" {
		t.Fatalf("tag left: %v", tags)
	}
	e.converged(path3)
}

// A provider removed from the manifest takes its record with it.
func TestPrivateDNSRecordDeletedWithService(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{})
	full := dnsManifest(t, "    privateDns: { name: api.payments.example.com }")
	e.apply(full)
	// plink destroy deletes it too.
	m, snap := e.read(full)
	if ch := change(plan.Compute(m, snap, plan.Options{Destroy: true}), dnsAddr); ch == nil || ch.Action != plan.Delete {
		t.Fatalf("destroy plan: %+v", ch)
	}
	empty := filepath.Join(t.TempDir(), "empty.yaml")
	doc := `version: 1
project: dns-e2e
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/plink" }
  checkout: { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/plink" }
`
	if err := os.WriteFile(empty, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	p, _ := e.plan(empty)
	if ch := change(p, dnsAddr); ch == nil || ch.Action != plan.Delete {
		t.Fatalf("plan: %+v", p.Changes)
	}
	e.apply(empty)
	if recs := e.records("Z0PAYMENTS1"); len(recs) != 0 {
		t.Fatalf("records left: %+v", recs)
	}
}

// A record plink did not write is never changed: with the wrong value the
// plan warns and leaves it (PL119); with the right one plink only starts the
// verification.
func TestPrivateDNSForeignRecord(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{})
	short := dnsManifest(t, "    privateDnsName: api.payments.example.com")
	e.apply(short) // the service, unverified (PL105), private DNS waits (PL111)
	state, name, value, _ := e.service()
	if state != "pendingVerification" {
		t.Fatalf("state %s", state)
	}
	full := name + ".api.payments.example.com"
	write := func(action r53types.ChangeAction, v string) {
		t.Helper()
		_, err := e.r53().ChangeResourceRecordSets(context.Background(), &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String("Z0PAYMENTS1"),
			ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: action, ResourceRecordSet: &r53types.ResourceRecordSet{
				Name: aws.String(full), Type: r53types.RRTypeTxt, TTL: aws.Int64(60), ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(v)}}}}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	write(r53types.ChangeActionCreate, `"someone else's"`)
	long := dnsManifest(t, "    privateDns: { name: api.payments.example.com }")
	p, _ := e.plan(long)
	if ch := change(p, dnsAddr); ch != nil && ch.Action != plan.NoOp {
		t.Fatalf("a foreign record is changed: %+v", ch)
	}
	if !hasCode(p, plan.CodeDNSForeign) || !hasCode(p, plan.CodeDNSNotVerified) {
		t.Fatalf("diagnostics %+v", p.Diagnostics)
	}
	write(r53types.ChangeActionUpsert, `"`+value+`"`)
	p, _ = e.plan(long)
	ch := change(p, dnsAddr)
	if ch == nil || ch.Action != plan.Update || ch.After.RecordName != "" || ch.After.Verification != "verified" {
		t.Fatalf("plan with the right foreign value: %+v", ch)
	}
	e.apply(long)
	if state, _, _, tags := e.service(); state != "verified" || tags["plink:dns-zone"] != "" {
		t.Fatalf("after apply: %s %v", state, tags)
	}
	if recs := e.records("Z0PAYMENTS1"); len(recs) != 1 || *recs[0].TTL != 60 {
		t.Fatalf("the foreign record changed: %+v", recs)
	}
	if !e.endpointDNS() {
		t.Fatal("private DNS is off after verification")
	}
	e.converged(long)
}

// A record in a zone the domain is not delegated to verifies nothing: the
// step fails with the record AWS looked for, private DNS stays off, and
// the next plan tries again.
func TestPrivateDNSVerificationFails(t *testing.T) {
	w := dnsWorld()
	w.HostedZones[0].Undelegated = true
	e := &env{t: t, srv: sandboxtest.StartWorld(t, w, sandbox.Options{})}
	path := dnsManifest(t, "    privateDns: { name: api.payments.example.com }")
	p, r := e.plan(path)
	res, err := apply.Run(context.Background(), p, apply.FromClientSource(r), opts())
	if err == nil {
		t.Fatal("apply succeeded although the name cannot be verified")
	}
	var failed *apply.ChangeResult
	for i := range res.Changes {
		if res.Changes[i].Address == dnsAddr {
			failed = &res.Changes[i]
		}
	}
	if failed == nil || failed.Error == nil || failed.Error.Code != "VerificationFailed" || !strings.Contains(failed.Error.Message, "api.payments.example.com") {
		t.Fatalf("result of the record: %+v", failed)
	}
	if state, _, _, _ := e.service(); state != "failed" {
		t.Fatalf("state %s", state)
	}
	if e.endpointDNS() {
		t.Fatal("private DNS is on although the name is not verified")
	}
	p, _ = e.plan(path)
	if ch := change(p, dnsAddr); ch == nil || ch.Action != plan.Update || ch.Before.Verification != "failed" {
		t.Fatalf("plan after a failed verification: %+v", ch)
	}
}

// A record plink wrote, changed by hand to the wrong value: the name fails
// verification (started by hand); the plan puts the value back and
// verifies again.
func TestPrivateDNSWrongValueRepaired(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{})
	path := dnsManifest(t, "    privateDns: { name: api.payments.example.com }")
	e.apply(path)
	_, name, value, _ := e.service()
	recs := e.records("Z0PAYMENTS1")
	_, err := e.r53().ChangeResourceRecordSets(context.Background(), &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String("Z0PAYMENTS1"),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{
			{Action: r53types.ChangeActionUpsert, ResourceRecordSet: &r53types.ResourceRecordSet{Name: recs[0].Name, Type: r53types.RRTypeTxt, TTL: aws.Int64(300),
				ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(`"wrong"`)}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	prov := e.srv.Clients(t, "payments").EC2
	out, err := prov.DescribeVpcEndpointServiceConfigurations(context.Background(), &ec2.DescribeVpcEndpointServiceConfigurationsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prov.StartVpcEndpointServicePrivateDnsVerification(context.Background(), &ec2.StartVpcEndpointServicePrivateDnsVerificationInput{ServiceId: out.ServiceConfigurations[0].ServiceId}); err != nil {
		t.Fatal(err)
	}
	if state, _, _, _ := e.service(); state != "failed" {
		t.Fatalf("with the wrong value: %s", state)
	}
	p, _ := e.plan(path)
	ch := change(p, dnsAddr)
	if ch == nil || ch.Action != plan.Update || ch.Before.RecordValues[0] != `"wrong"` || ch.After.RecordValues[0] != `"`+value+`"` || ch.Before.Verification != "failed" {
		t.Fatalf("plan: %+v", ch)
	}
	e.apply(path)
	recs = e.records("Z0PAYMENTS1")
	if state, _, _, _ := e.service(); state != "verified" || len(recs) != 1 || *recs[0].Name != name+".api.payments.example.com." || *recs[0].ResourceRecords[0].Value != `"`+value+`"` {
		t.Fatalf("after repair: %s %+v", state, recs)
	}
	e.converged(path)
}

// --no-wait writes the record and starts the verification without waiting
// for verified; a later plan shows no change once AWS has verified.
func TestPrivateDNSNoWait(t *testing.T) {
	clock := &dnsClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	e := newDNSEnv(t, sandbox.Options{Clock: clock.Now, PrivateDNSVerifyDelay: time.Hour})
	path := dnsManifest(t, "    privateDns: { name: api.payments.example.com }")
	p, r := e.plan(path)
	o := opts()
	o.NoWait = true
	if _, err := apply.Run(context.Background(), p, apply.FromClientSource(r), o); err != nil {
		t.Fatalf("apply --no-wait: %v", err)
	}
	if state, _, _, tags := e.service(); state != "pendingVerification" || tags["plink:dns-zone"] != "Z0PAYMENTS1" {
		t.Fatalf("after --no-wait: %s %v", state, tags)
	}
	clock.Advance(time.Hour)
	if state, _, _, _ := e.service(); state != "verified" {
		t.Fatalf("an hour later: %s", state)
	}
}

type dnsClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *dnsClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *dnsClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// The record's change is waited for until INSYNC (GetChange), with a
// waiting event, before the verification starts.
func TestPrivateDNSWaitsForInSync(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{DNSChangeDelay: 30 * time.Millisecond})
	path := dnsManifest(t, "    privateDns: { name: api.payments.example.com }")
	p, r := e.plan(path)
	var mu sync.Mutex
	var waits []string
	o := opts()
	o.Events = func(ev apply.Event) {
		mu.Lock()
		defer mu.Unlock()
		if ev.Progress == apply.ProgressWaiting && ev.Address == dnsAddr {
			waits = append(waits, ev.Message)
		}
	}
	if _, err := apply.Run(context.Background(), p, apply.FromClientSource(r), o); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if state, _, _, _ := e.service(); state != "verified" {
		t.Fatalf("state %s", state)
	}
	joined := strings.Join(waits, "\n")
	if !strings.Contains(joined, "to be INSYNC") || !strings.Contains(joined, "is INSYNC") {
		t.Fatalf("waiting events: %s", joined)
	}
	gets := 0
	for _, c := range e.srv.Sandbox.Calls() {
		if c.Service == "route53" && c.Action == "GetChange" {
			gets += c.Count
		}
	}
	if gets == 0 {
		t.Fatal("no GetChange call")
	}
}

// export writes a provider whose verification record plink wrote in the
// long form, with its zone; the export loads and plans no record change.
func TestPrivateDNSExportRoundTrip(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{})
	path := dnsManifest(t, "    privateDns: { name: api.payments.example.com }")
	e.apply(path)
	m, _ := e.read(path)
	var accts []export.Account
	for _, alias := range []string{"payments", "checkout"} {
		a := *m.Accounts[alias]
		a.Alias = alias
		accts = append(accts, a)
	}
	res, err := export.Export(context.Background(), accts, []string{"us-east-1"}, export.FromAWSEnv(e.resolver(m)), export.Options{Project: "dns-e2e"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.YAML), "route53HostedZoneId: Z0PAYMENTS1") {
		t.Fatalf("export lacks the zone:\n%s", res.YAML)
	}
	p := res.Manifest.Providers[0]
	if p.PrivateDNS == nil || p.PrivateDNSName != "api.payments.example.com" || !p.ManagesDNSRecord() {
		t.Fatalf("exported provider %+v", p)
	}
	out := filepath.Join(t.TempDir(), "export.yaml")
	if err := os.WriteFile(out, res.YAML, 0o600); err != nil {
		t.Fatal(err)
	}
	pl, _ := e.plan(out)
	if ch := change(pl, dnsAddr); ch == nil || ch.Action != plan.NoOp {
		t.Fatalf("plan of the export: %+v", ch)
	}
}
