package apply_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/drift"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/render"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// noAcceptance makes dnsManifest's provider accept connections by itself.
func noAcceptance(t *testing.T, path string) string {
	t.Helper()
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "plink.yaml")
	if err := os.WriteFile(out, []byte(strings.Replace(string(doc), "acceptanceRequired: true", "acceptanceRequired: false", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

func planText(t *testing.T, p *plan.Plan) string {
	t.Helper()
	var b strings.Builder
	if err := render.Text(&b, p, render.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// After a failed verification (a zone the domain is not delegated to),
// every report says what is true: the plan's note says private DNS waits
// for the verification (not for an acceptance the provider does not
// need), the apply summary lists the consumer whose endpoint it made as
// done with private DNS left waiting, and drift reports no change made
// outside plink but the failed verification, with the full record plink
// wrote and what to check.
func TestPrivateDNSVerificationFailedWording(t *testing.T) {
	w := dnsWorld()
	w.HostedZones[0].Undelegated = true
	e := &env{t: t, srv: sandboxtest.StartWorld(t, w, sandbox.Options{})}
	path := noAcceptance(t, dnsManifest(t, "    privateDns: { name: api.payments.example.com, route53HostedZoneId: Z0PAYMENTS1 }"))

	p, r := e.plan(path)
	const note = "        # privateDnsEnabled is turned on after provider.payments-api.dns_record verifies the provider's private DNS name\n"
	if txt := planText(t, p); !strings.Contains(txt, note) || strings.Contains(txt, "accepted") {
		t.Errorf("plan note:\n%s", txt)
	}
	res, err := apply.Run(context.Background(), p, apply.FromClientSource(r), opts())
	if err == nil {
		t.Fatal("apply succeeded although the name cannot be verified")
	}
	var cons *apply.ChangeResult
	for i := range res.Changes {
		if res.Changes[i].Address == "consumer.checkout-payments" {
			cons = &res.Changes[i]
		}
	}
	if cons == nil || cons.Status != apply.StatusDone || cons.ID == "" ||
		cons.Awaiting != "private DNS is still off: turning it on waits for provider.payments-api.dns_record, which failed; plink apply turns it on once that is fixed" {
		t.Fatalf("consumer's result %+v", cons)
	}
	var sum strings.Builder
	if err := apply.WriteSummary(&sum, res); err != nil {
		t.Fatal(err)
	}
	if s := sum.String(); !strings.HasPrefix(s, "Apply failed: 1 failed, 0 not attempted, 3 done (3 added,") ||
		!strings.Contains(s, "  + consumer.checkout-payments (checkout 222222222222, us-east-1): created "+cons.ID+"\n      left waiting: private DNS is still off") ||
		strings.Contains(s, "Not attempted") {
		t.Errorf("summary:\n%s", s)
	}

	_, txtName, txtValue, _ := e.service()
	record := txtName + ".api.payments.example.com"
	p, _ = e.plan(path)
	if txt := planText(t, p); !strings.Contains(txt, note) {
		t.Errorf("plan note after the failure:\n%s", txt)
	}
	m, snap := e.read(path)
	rep := drift.Build(m, snap, plan.Compute(m, snap, e.planOpts))
	got := map[string]drift.Item{}
	for _, it := range rep.Items {
		if it.Kind == drift.Changed {
			t.Errorf("drift reports a change outside plink: %+v", it)
		}
		got[it.Address+" "+string(it.Kind)] = it
	}
	if it := got["consumer.checkout-payments private_dns_unverified"]; it.Severity != drift.SeverityWarning ||
		it.Message != "private DNS is off until provider.payments-api's private DNS name api.payments.example.com is verified (its verification failed): plink turns it on then, as the manifest says" {
		t.Errorf("consumer's item %+v", it)
	}
	it := got["provider.payments-api private_dns_unverified"]
	if it.Message != "private DNS name api.payments.example.com failed verification: AWS did not find TXT "+record+" = "+txtValue+" in public DNS, although plink wrote it in hosted zone Z0PAYMENTS1; consumers cannot use the name" ||
		it.Hint != "check that hosted zone Z0PAYMENTS1 is the one public DNS delegates the domain to (dig NS api.payments.example.com; dig TXT "+record+"), then run plink apply: it starts the verification again" {
		t.Errorf("provider's item %+v", it)
	}
	if len(rep.Items) != 2 || rep.ExitCode() != 2 {
		t.Errorf("drift items %+v", rep.Items)
	}
}

// A verification record removed by hand: drift's text names the record
// under its provider, and does not mark the provider itself missing.
func TestPrivateDNSMissingRecordDriftHeader(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{})
	path := dnsManifest(t, "    privateDns: { name: api.payments.example.com }")
	e.apply(path)
	recs := e.records("Z0PAYMENTS1")
	if len(recs) != 1 {
		t.Fatalf("records %+v", recs)
	}
	if _, err := e.r53().ChangeResourceRecordSets(context.Background(), &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String("Z0PAYMENTS1"),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: r53types.ChangeActionDelete, ResourceRecordSet: &recs[0]}}}}); err != nil {
		t.Fatal(err)
	}
	m, snap := e.read(path)
	rep := drift.Build(m, snap, plan.Compute(m, snap, e.planOpts))
	var b strings.Builder
	if err := drift.Text(&b, rep); err != nil {
		t.Fatal(err)
	}
	txt := b.String()
	if !strings.Contains(txt, "\n  ~ provider.payments-api (payments, us-east-1)\n      missing dns_record: TXT record ") || strings.Contains(txt, "+ provider.payments-api") {
		t.Errorf("drift text:\n%s", txt)
	}
}

// PL105's hint names the full TXT record to publish (AWS gives only its
// first label), as a DNS console needs it.
func TestPrivateDNSNotVerifiedHintNamesRecord(t *testing.T) {
	e := &env{t: t, srv: sandboxtest.StartWorld(t, sandbox.DefaultWorld(), sandbox.Options{})}
	path := dnsManifest(t, "    privateDnsName: api.payments.example.com")
	e.apply(path)
	_, label, value, _ := e.service()
	if strings.Contains(label, ".") {
		t.Fatalf("the sandbox gives the record's name as %q, not its label", label)
	}
	p := e.planAnyway(path)
	d := diag(p, plan.CodeDNSNotVerified)
	if d == nil || !strings.HasPrefix(d.Hint, "publish a TXT record named "+label+".api.payments.example.com with value \""+value+"\" in the domain's DNS zone") {
		t.Fatalf("PL105: %+v", d)
	}
}
