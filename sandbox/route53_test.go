package sandbox_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// zoneWorld is the default world with a public zone for
// payments.example.com and a private one for corp.example.com in payments.
func zoneWorld() *sandbox.World {
	w := sandbox.DefaultWorld()
	w.HostedZones = []sandbox.HostedZone{
		{ID: "Z0PAYMENTS1", Name: "payments.example.com", Account: "payments"},
		{ID: "Z0CORPPRIV1", Name: "corp.example.com", Account: "payments", Private: true},
	}
	return w
}

func r53Client(srv *sandboxtest.Server, t *testing.T, alias, region string) *route53.Client {
	return route53.NewFromConfig(srv.ConfigRegion(t, alias, region), func(o *route53.Options) { o.Region = "us-east-1" })
}

func txtChange(action, name, value string) r53types.Change {
	return r53types.Change{Action: r53types.ChangeAction(action), ResourceRecordSet: &r53types.ResourceRecordSet{
		Name: aws.String(name), Type: r53types.RRTypeTxt, TTL: aws.Int64(300),
		ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(value)}}}}
}

func change(t *testing.T, c *route53.Client, zone string, chs ...r53types.Change) (*route53.ChangeResourceRecordSetsOutput, error) {
	t.Helper()
	return c.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
		ChangeBatch: &r53types.ChangeBatch{Changes: chs}})
}

func dnsState(t *testing.T, c *ec2.Client, id string) ec2types.DnsNameState {
	t.Helper()
	out, err := c.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: []string{id}})
	must(t, err)
	return out.ServiceConfigurations[0].PrivateDnsNameConfiguration.State
}

func TestRoute53Zones(t *testing.T) {
	srv := startWorld(t, zoneWorld())
	r53 := r53Client(srv, t, "payments", "eu-west-1")
	out, err := r53.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{DNSName: aws.String("corp.example.com")})
	must(t, err)
	if len(out.HostedZones) != 2 || *out.HostedZones[0].Id != "/hostedzone/Z0CORPPRIV1" || !out.HostedZones[0].Config.PrivateZone ||
		*out.HostedZones[1].Name != "payments.example.com." || out.HostedZones[1].Config.PrivateZone {
		t.Fatalf("zones %+v", out.HostedZones)
	}
	out, err = r53.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{DNSName: aws.String("payments.example.com"), MaxItems: aws.Int32(1)})
	must(t, err)
	if len(out.HostedZones) != 1 || *out.HostedZones[0].Id != "/hostedzone/Z0PAYMENTS1" || out.IsTruncated {
		t.Fatalf("zones by name %+v", out)
	}
	// Another account sees none of them.
	other := r53Client(srv, t, "checkout", "us-east-1")
	out, err = other.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{})
	must(t, err)
	if len(out.HostedZones) != 0 {
		t.Fatalf("checkout sees %+v", out.HostedZones)
	}
	_, err = other.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String("Z0PAYMENTS1")})
	var nz *r53types.NoSuchHostedZone
	if !errors.As(err, &nz) {
		t.Fatalf("other account's zone: %v", err)
	}
	// Signed for another region than Route 53's: refused.
	bad := route53.NewFromConfig(srv.Config(t, "payments"), func(o *route53.Options) { o.Region = "eu-west-1" })
	if _, err := bad.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{}); err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Fatalf("eu-west-1 signature: %v", err)
	}
}

func TestRoute53Records(t *testing.T) {
	clock := newClock()
	srv := startWorld(t, zoneWorld(), sandbox.Options{Clock: clock.Now, DNSChangeDelay: time.Minute})
	r53 := r53Client(srv, t, "payments", "us-east-1")
	name := "_abc.api.payments.example.com"
	out, err := change(t, r53, "/hostedzone/Z0PAYMENTS1", txtChange("CREATE", name, `"vpce:one"`))
	must(t, err)
	if out.ChangeInfo.Status != r53types.ChangeStatusPending {
		t.Fatalf("change %+v", out.ChangeInfo)
	}
	gc, err := r53.GetChange(ctx, &route53.GetChangeInput{Id: out.ChangeInfo.Id})
	must(t, err)
	if gc.ChangeInfo.Status != r53types.ChangeStatusPending {
		t.Fatalf("get change %+v", gc.ChangeInfo)
	}
	clock.Advance(time.Minute)
	gc, err = r53.GetChange(ctx, &route53.GetChangeInput{Id: aws.String(strings.TrimPrefix(*out.ChangeInfo.Id, "/change/"))})
	must(t, err)
	if gc.ChangeInfo.Status != r53types.ChangeStatusInsync {
		t.Fatalf("get change later %+v", gc.ChangeInfo)
	}
	_, err = r53.GetChange(ctx, &route53.GetChangeInput{Id: aws.String("CNOSUCH")})
	var nc *r53types.NoSuchChange
	if !errors.As(err, &nc) {
		t.Fatalf("unknown change: %v", err)
	}

	ls, err := r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String("Z0PAYMENTS1"),
		StartRecordName: aws.String(name), StartRecordType: r53types.RRTypeTxt, MaxItems: aws.Int32(1)})
	must(t, err)
	if len(ls.ResourceRecordSets) != 1 || *ls.ResourceRecordSets[0].Name != name+"." || *ls.ResourceRecordSets[0].ResourceRecords[0].Value != `"vpce:one"` {
		t.Fatalf("records %+v", ls.ResourceRecordSets)
	}

	var icb *r53types.InvalidChangeBatch
	for _, tc := range []struct {
		what string
		ch   r53types.Change
	}{
		{"duplicate create", txtChange("CREATE", name, `"vpce:two"`)},
		{"delete with other values", txtChange("DELETE", name, `"vpce:two"`)},
		{"delete of nothing", txtChange("DELETE", "_nothing.payments.example.com", `"x"`)},
		{"unquoted TXT", txtChange("UPSERT", name, `vpce:two`)},
		{"outside the zone", txtChange("CREATE", "_abc.api.example.org", `"x"`)},
	} {
		if _, err := change(t, r53, "Z0PAYMENTS1", tc.ch); !errors.As(err, &icb) {
			t.Errorf("%s: %v, want InvalidChangeBatch", tc.what, err)
		}
	}
	// A batch is all or nothing: the valid first change is not kept.
	if _, err := change(t, r53, "Z0PAYMENTS1", txtChange("CREATE", "_new.payments.example.com", `"n"`), txtChange("CREATE", name, `"dup"`)); !errors.As(err, &icb) {
		t.Fatalf("batch: %v", err)
	}
	ls, err = r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String("Z0PAYMENTS1")})
	must(t, err)
	if len(ls.ResourceRecordSets) != 1 {
		t.Fatalf("after a refused batch: %+v", ls.ResourceRecordSets)
	}
	// Exact delete, then the record is gone.
	_, err = change(t, r53, "Z0PAYMENTS1", txtChange("DELETE", name, `"vpce:one"`))
	must(t, err)
	ls, err = r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String("Z0PAYMENTS1")})
	must(t, err)
	if len(ls.ResourceRecordSets) != 0 {
		t.Fatalf("after delete: %+v", ls.ResourceRecordSets)
	}
	calls := map[string]sandbox.Call{}
	for _, c := range srv.Sandbox.Calls() {
		if c.Service == "route53" {
			calls[c.Action] = c
		}
	}
	if c := calls["ChangeResourceRecordSets"]; !c.Mutating || c.Count != 8 || c.Region != "us-east-1" {
		t.Fatalf("ChangeResourceRecordSets counted as %+v", c)
	}
	if c := calls["ListResourceRecordSets"]; c.Mutating || c.Count != 3 {
		t.Fatalf("ListResourceRecordSets counted as %+v", c)
	}
}

// Verification follows public DNS: failed without the record or with
// another value, verified with it once the change is INSYNC and the
// verification delay has passed.
func TestPrivateDNSVerification(t *testing.T) {
	clock := newClock()
	srv := startWorld(t, zoneWorld(), sandbox.Options{Clock: clock.Now, DNSChangeDelay: time.Minute, PrivateDNSVerifyDelay: 2 * time.Minute})
	prov := srv.Clients(t, "payments").EC2
	r53 := r53Client(srv, t, "payments", "us-east-1")
	svc := createService(t, prov, func(in *ec2.CreateVpcEndpointServiceConfigurationInput) {
		in.PrivateDnsName = aws.String("api.payments.example.com")
	})
	cfg := svc.PrivateDnsNameConfiguration
	verify := func() {
		t.Helper()
		_, err := prov.StartVpcEndpointServicePrivateDnsVerification(ctx, &ec2.StartVpcEndpointServicePrivateDnsVerificationInput{ServiceId: svc.ServiceId})
		must(t, err)
	}

	verify() // no record at all
	if st := dnsState(t, prov, *svc.ServiceId); st != ec2types.DnsNameStatePendingVerification {
		t.Fatalf("right after start: %s", st)
	}
	clock.Advance(2 * time.Minute)
	if st := dnsState(t, prov, *svc.ServiceId); st != ec2types.DnsNameStateFailed {
		t.Fatalf("without a record: %s", st)
	}

	// The wrong value fails too.
	rec := *cfg.Name + ".api.payments.example.com"
	_, err := change(t, r53, "Z0PAYMENTS1", txtChange("CREATE", rec, `"vpce:wrong"`))
	must(t, err)
	clock.Advance(time.Minute)
	verify()
	clock.Advance(2 * time.Minute)
	if st := dnsState(t, prov, *svc.ServiceId); st != ec2types.DnsNameStateFailed {
		t.Fatalf("with the wrong value: %s", st)
	}

	// The right value, checked before its change is INSYNC, fails.
	_, err = change(t, r53, "Z0PAYMENTS1", txtChange("UPSERT", rec, `"`+*cfg.Value+`"`))
	must(t, err)
	verify()
	if st := dnsState(t, prov, *svc.ServiceId); st != ec2types.DnsNameStatePendingVerification {
		t.Fatalf("pending: %s", st)
	}
	// ... but a verification decided once it is INSYNC succeeds; the
	// consumer side sees it too.
	clock.Advance(2 * time.Minute)
	if st := dnsState(t, prov, *svc.ServiceId); st != ec2types.DnsNameStateVerified {
		t.Fatalf("with the right value: %s", st)
	}

	// A record under the parent domain verifies as well (AWS verifies
	// a.example.com by example.com); a private zone's record never does.
	_, err = prov.ModifyVpcEndpointServiceConfiguration(ctx, &ec2.ModifyVpcEndpointServiceConfigurationInput{ServiceId: svc.ServiceId,
		PrivateDnsName: aws.String("*.payments.example.com")})
	must(t, err)
	out, err := prov.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: []string{*svc.ServiceId}})
	must(t, err)
	c2 := out.ServiceConfigurations[0].PrivateDnsNameConfiguration
	if c2.State != ec2types.DnsNameStatePendingVerification || *c2.Name == *cfg.Name {
		t.Fatalf("renamed: %+v", c2)
	}
	_, err = change(t, r53, "Z0PAYMENTS1", txtChange("CREATE", *c2.Name+".payments.example.com", `"`+*c2.Value+`"`))
	must(t, err)
	clock.Advance(time.Minute)
	verify()
	clock.Advance(2 * time.Minute)
	if st := dnsState(t, prov, *svc.ServiceId); st != ec2types.DnsNameStateVerified {
		t.Fatalf("wildcard by its domain: %s", st)
	}
}

func TestRoute53ZoneWorldValidation(t *testing.T) {
	w := sandbox.DefaultWorld()
	w.HostedZones = []sandbox.HostedZone{
		{ID: "bad", Name: "example.com", Account: "payments"},
		{ID: "Z1", Name: "Example.com.", Account: "payments"},
		{ID: "Z1", Name: "example.com", Account: "nobody"},
	}
	_, err := sandbox.New(w, sandbox.Options{})
	if err == nil {
		t.Fatal("bad zones accepted")
	}
	for _, want := range []string{"hostedZones[0] (bad): id", "hostedZones[1] (Z1): name \"Example.com.\"", "hostedZones[2] (Z1): id must be unique", "account \"nobody\""} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

// Requests the SDK would not send, signed as it signs: every refusal of
// the Route 53 handlers answers in Route 53's error shape.
func TestRoute53BadRequests(t *testing.T) {
	srv := startWorld(t, zoneWorld())
	cfg := srv.Config(t, "payments")
	creds, err := cfg.Credentials.Retrieve(ctx)
	must(t, err)
	signer := v4.NewSigner()
	send := func(method, path, body, service string, sign bool) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		must(t, err)
		sum := sha256.Sum256([]byte(body))
		if sign {
			must(t, signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()))
		}
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	batch := func(inner string) string {
		return `<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Changes>` + inner + `</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`
	}
	rrset := `<ResourceRecordSet><Name>_x.payments.example.com</Name><Type>TXT</Type><TTL>300</TTL><ResourceRecords><ResourceRecord><Value>"v"</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>`
	for _, tc := range []struct {
		what, method, path, body, service string
		unsigned                          bool
		status                            int
		code                              string
	}{
		{"unsigned", "GET", "/2013-04-01/hostedzonesbyname", "", "route53", true, 403, "MissingAuthenticationToken"},
		{"signed for ec2", "GET", "/2013-04-01/hostedzonesbyname", "", "ec2", false, 400, "InvalidAction"},
		{"unknown operation", "GET", "/2013-04-01/healthcheck", "", "route53", false, 404, "UnknownOperationException"},
		{"zone id without a name", "GET", "/2013-04-01/hostedzonesbyname?hostedzoneid=Z0PAYMENTS1", "", "route53", false, 400, "InvalidInput"},
		{"maxitems not a number", "GET", "/2013-04-01/hostedzonesbyname?maxitems=many", "", "route53", false, 400, "InvalidInput"},
		{"type without a name", "GET", "/2013-04-01/hostedzone/Z0PAYMENTS1/rrset?type=TXT", "", "route53", false, 400, "InvalidInput"},
		{"unknown type", "GET", "/2013-04-01/hostedzone/Z0PAYMENTS1/rrset?name=a.payments.example.com&type=BOGUS", "", "route53", false, 400, "InvalidInput"},
		{"no such zone", "GET", "/2013-04-01/hostedzone/Z0NOSUCHZONE/rrset", "", "route53", false, 404, "NoSuchHostedZone"},
		{"malformed XML", "POST", "/2013-04-01/hostedzone/Z0PAYMENTS1/rrset", "<oops", "route53", false, 400, "MalformedXML"},
		{"no change", "POST", "/2013-04-01/hostedzone/Z0PAYMENTS1/rrset", batch(""), "route53", false, 400, "InvalidInput"},
		{"unknown action", "POST", "/2013-04-01/hostedzone/Z0PAYMENTS1/rrset", batch(`<Change><Action>RENAME</Action>` + rrset + `</Change>`), "route53", false, 400, "InvalidInput"},
		{"unknown record type", "POST", "/2013-04-01/hostedzone/Z0PAYMENTS1/rrset", batch(`<Change><Action>CREATE</Action>` + strings.Replace(rrset, "TXT", "BOGUS", 1) + `</Change>`), "route53", false, 400, "InvalidInput"},
		{"no TTL", "POST", "/2013-04-01/hostedzone/Z0PAYMENTS1/rrset", batch(`<Change><Action>CREATE</Action>` + strings.Replace(rrset, "<TTL>300</TTL>", "", 1) + `</Change>`), "route53", false, 400, "InvalidChangeBatch"},
	} {
		status, body := send(tc.method, tc.path, tc.body, tc.service, !tc.unsigned)
		if status != tc.status || !strings.Contains(body, tc.code) {
			t.Errorf("%s: %d %s, want %d %s", tc.what, status, body, tc.status, tc.code)
		}
	}
}
