package drift

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	payID = "111111111111"
	coID  = "222222222222"
	anID  = "333333333333"
	nlb   = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"
	nlb2  = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/gone/011000000005c0c9"
)

func bp(b bool) *bool { return &b }

func testManifest() *manifest.Manifest {
	return &manifest.Manifest{
		Version: 1, Project: "payments-privatelink",
		Defaults: manifest.Defaults{Region: "us-east-1"},
		Accounts: map[string]*manifest.Account{
			"payments":  {ID: payID, Alias: "payments"},
			"checkout":  {ID: coID, Alias: "checkout"},
			"analytics": {ID: anID, Alias: "analytics"},
		},
		Providers: []*manifest.Provider{
			{Name: "payments-api", Account: "payments", NetworkLoadBalancerARNs: []string{nlb}, AcceptanceRequired: true,
				PrivateDNSName: "api.payments.example.com",
				Connections:    manifest.Connections{AcceptFrom: []string{"555555555555"}, AcceptFromIDs: []string{"555555555555"}}},
			{Name: "ledger", Account: "payments"},
			{Name: "ingest", Account: "analytics"},
		},
		Consumers: []*manifest.Consumer{
			{Name: "checkout-payments", Account: "checkout", VPCID: "vpc-02100000000000001",
				SubnetIDs: []string{"subnet-0210000000000000a", "subnet-0210000000000000d"}, Provider: "payments-api"},
			{Name: "checkout-ledger", Account: "checkout", VPCID: "vpc-02100000000000001", Provider: "ledger"},
			{Name: "analytics-payments", Account: "analytics", VPCID: "vpc-03100000000000001", Provider: "payments-api"},
		},
	}
}

func testSnapshot() *live.Snapshot {
	return &live.Snapshot{
		Scopes: []live.Scope{
			{Account: "payments", AccountID: payID, Region: "us-east-1"},
			{Account: "checkout", AccountID: coID, Region: "us-east-1"},
			{Account: "analytics", AccountID: anID, Region: "us-east-1"},
		},
		Services: []live.Service{{
			AccountID: payID, Region: "us-east-1", ID: "vpce-svc-0aaa", Name: "com.amazonaws.vpce.us-east-1.vpce-svc-0aaa",
			NetworkLoadBalancerARNs: []string{nlb, nlb2},
			AvailabilityZones:       []string{"us-east-1a", "us-east-1b", "us-east-1c"},
			PrivateDNSName:          "api.payments.example.com", PrivateDNSState: "pendingVerification",
			PrivateDNSTXTName: "_pl.api.payments.example.com", PrivateDNSTXTValue: "vpce:abc",
			Tags: map[string]string{live.TagProject: "payments-privatelink", live.TagName: "payments-api"},
			Connections: []live.Connection{
				{EndpointID: "vpce-0c01", OwnerID: coID, State: "available"},
				{EndpointID: "vpce-0e01", OwnerID: "444444444444", State: "available"},
				{EndpointID: "vpce-0e02", OwnerID: "555555555555", State: "available"},
				{EndpointID: "vpce-0e03", OwnerID: "666666666666", State: "rejected"},
			},
		}},
		LoadBalancers: []live.LoadBalancer{
			{AccountID: payID, Region: "us-east-1", ARN: nlb, Name: "payments-api", Type: "network", State: "active", Zones: []string{"us-east-1a", "us-east-1b"}},
		},
		Zones: []live.Zone{
			{AccountID: payID, Region: "us-east-1", Name: "us-east-1a", ID: "use1-az1"},
			{AccountID: payID, Region: "us-east-1", Name: "us-east-1b", ID: "use1-az2"},
			{AccountID: payID, Region: "us-east-1", Name: "us-east-1c", ID: "use1-az4"},
		},
		Subnets: []live.Subnet{
			{AccountID: coID, Region: "us-east-1", ID: "subnet-0210000000000000a", Zone: "us-east-1a", ZoneID: "use1-az2"},
			{AccountID: coID, Region: "us-east-1", ID: "subnet-0210000000000000d", Zone: "us-east-1d", ZoneID: "use1-az6"},
		},
		Failures: []live.Failure{{AccountID: anID, Region: "us-east-1", Call: "sts:AssumeRole", Error: "AccessDenied: not authorized to perform sts:AssumeRole on arn:aws:iam::333333333333:role/plink"}},
	}
}

func testPlan() *plan.Plan {
	s := func(v string) *string { return &v }
	return &plan.Plan{FormatVersion: plan.FormatVersion, Project: "payments-privatelink", Changes: []plan.Change{
		{Address: "provider.payments-api", Kind: plan.KindService, Action: plan.Update, Account: "payments", AccountID: payID, Region: "us-east-1", ID: "vpce-svc-0aaa",
			Before: &plan.Values{AcceptanceRequired: bp(false), PrivateDNSName: s("api.payments.example.com")},
			After:  &plan.Values{AcceptanceRequired: bp(true), PrivateDNSName: s("api.payments.example.com")}},
		{Address: "provider.payments-api.principal[arn:aws:iam::222222222222:root]", Kind: plan.KindPrincipal, Action: plan.Create, Account: "payments", AccountID: payID, Region: "us-east-1",
			Parent: "provider.payments-api", After: &plan.Values{Principal: "arn:aws:iam::222222222222:root"}},
		{Address: "provider.payments-api.principal[arn:aws:iam::444444444444:root]", Kind: plan.KindPrincipal, Action: plan.Delete, Account: "payments", AccountID: payID, Region: "us-east-1",
			Parent: "provider.payments-api", ID: "arn:aws:iam::444444444444:root", Before: &plan.Values{Principal: "arn:aws:iam::444444444444:root"}},
		{Address: "provider.payments-api.connection[vpce-0c02]", Kind: plan.KindConnection, Action: plan.Accept, Account: "payments", AccountID: payID, Region: "us-east-1",
			Parent: "provider.payments-api", ID: "vpce-0c02", Before: &plan.Values{EndpointID: "vpce-0c02", EndpointOwner: coID, State: "pendingAcceptance"}},
		{Address: "provider.payments-api.connection[vpce-0f01]", Kind: plan.KindConnection, Action: plan.Reject, Account: "payments", AccountID: payID, Region: "us-east-1",
			Parent: "provider.payments-api", ID: "vpce-0f01", Before: &plan.Values{EndpointID: "vpce-0f01", EndpointOwner: "777777777777", State: "pendingAcceptance"}},
		{Address: "provider.ledger", Kind: plan.KindService, Action: plan.Create, Account: "payments", AccountID: payID, Region: "us-east-1",
			After: &plan.Values{AcceptanceRequired: bp(false)}},
		{Address: "provider.ledger.principal[arn:aws:iam::222222222222:root]", Kind: plan.KindPrincipal, Action: plan.Create, Account: "payments", AccountID: payID, Region: "us-east-1",
			Parent: "provider.ledger", After: &plan.Values{Principal: "arn:aws:iam::222222222222:root"}},
		{Address: "provider.old", Kind: plan.KindService, Action: plan.Delete, Account: "payments", AccountID: payID, Region: "us-east-1", ID: "vpce-svc-0old",
			Breaks: []string{"endpoint service has 1 connected endpoint"}},
		{Address: "provider.ingest", Kind: plan.KindService, Action: plan.Create, Account: "analytics", AccountID: anID, Region: "us-east-1"},
		{Address: "consumer.checkout-payments", Kind: plan.KindEndpoint, Action: plan.Update, Account: "checkout", AccountID: coID, Region: "us-east-1", ID: "vpce-0c01",
			Before: &plan.Values{SubnetIDs: []string{"subnet-0210000000000000a"}, PrivateDNSEnabled: bp(true)},
			After:  &plan.Values{SubnetIDs: []string{"subnet-0210000000000000a", "subnet-0210000000000000d"}, PrivateDNSEnabled: bp(true)}},
		{Address: "consumer.checkout-ledger", Kind: plan.KindEndpoint, Action: plan.Adopt, Account: "checkout", AccountID: coID, Region: "us-east-1", ID: "vpce-0c09"},
		{Address: "consumer.analytics-payments", Kind: plan.KindEndpoint, Action: plan.Create, Account: "analytics", AccountID: anID, Region: "us-east-1"},
	}}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./drift -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (rerun with -update if intended)\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

func TestBuildFull(t *testing.T) {
	r := Build(testManifest(), testSnapshot(), testPlan())
	kinds := map[string]Kind{}
	for _, it := range r.Items {
		kinds[it.Address+"|"+it.Attribute] = it.Kind
		if it.AccountID == anID {
			t.Errorf("item in unreadable account analytics: %+v", it)
		}
		if it.Resource == "provider.ledger" && it.Address != "provider.ledger" {
			t.Errorf("child of a missing service reported on its own: %+v", it)
		}
	}
	want := map[string]Kind{
		"provider.payments-api|acceptanceRequired":                         Changed,
		"provider.payments-api.principal[arn:aws:iam::222222222222:root]|": PrincipalRemoved,
		"provider.payments-api.principal[arn:aws:iam::444444444444:root]|": PrincipalAdded,
		"provider.payments-api.connection[vpce-0c02]|":                     PendingConnection,
		"provider.payments-api.connection[vpce-0f01]|":                     PendingConnection,
		"provider.payments-api.connection[vpce-0e01]|":                     UndeclaredConnection,
		"provider.payments-api|privateDnsState":                            PrivateDNSUnverified,
		"provider.payments-api|loadBalancer":                               LoadBalancerMissing,
		"provider.payments-api|availabilityZones":                          LoadBalancerZoneLost,
		"provider.ledger|":                     Missing,
		"provider.old|":                        Unmanaged,
		"consumer.checkout-payments|subnetIds": Changed,
		"consumer.checkout-ledger|":            NotAdopted,
	}
	for k, v := range want {
		if kinds[k] != v {
			t.Errorf("item %s: kind %q, want %q", k, kinds[k], v)
		}
	}
	if _, ok := kinds["provider.payments-api.connection[vpce-0e02]|"]; ok {
		t.Error("connection from an acceptFrom account reported as undeclared")
	}
	// The consumer in us-east-1d (use1-az6) where the load balancer does not run.
	found := false
	for _, it := range r.Items {
		if it.Address == "consumer.checkout-payments" && it.Kind == LoadBalancerZoneLost {
			found = strings.Contains(it.Message, "use1-az6")
		}
	}
	if !found {
		t.Error("consumer subnet in an AZ no load balancer covers not reported")
	}
	wantChecked := []string{"consumer.checkout-ledger", "consumer.checkout-payments", "provider.ledger", "provider.old", "provider.payments-api"}
	if strings.Join(r.Checked, ",") != strings.Join(wantChecked, ",") {
		t.Errorf("checked = %v, want %v", r.Checked, wantChecked)
	}
	if len(r.Failures) != 1 || r.Failures[0].Account != "analytics" {
		t.Errorf("failures = %+v, want analytics named", r.Failures)
	}
	if r.ExitCode() != 1 {
		t.Errorf("exit code %d, want 1 with a read failure", r.ExitCode())
	}

	for _, tc := range []struct {
		name   string
		render func(*bytes.Buffer, *Report) error
	}{
		{"full.json", func(b *bytes.Buffer, r *Report) error { return JSON(b, r) }},
		{"full.txt", func(b *bytes.Buffer, r *Report) error { return Text(b, r) }},
		{"full.md", func(b *bytes.Buffer, r *Report) error { return Markdown(b, r) }},
		{"full.xml", func(b *bytes.Buffer, r *Report) error { return JUnit(b, r) }},
	} {
		var buf bytes.Buffer
		if err := tc.render(&buf, r); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		golden(t, tc.name, buf.Bytes())
	}
}

func TestExitCodeAndSummary(t *testing.T) {
	m := testManifest()
	s := testSnapshot()
	s.Failures = nil
	r := Build(m, s, testPlan())
	if got := r.ExitCode(); got != 2 {
		t.Errorf("exit code %d, want 2", got)
	}
	if got, want := Summary(r), "drift: 7 resources drifted in 3 accounts (analytics, checkout, payments)"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}

	clean := &plan.Plan{Changes: []plan.Change{
		{Address: "provider.ledger", Kind: plan.KindService, Action: plan.NoOp, Account: "payments", AccountID: payID, Region: "us-east-1"},
	}}
	m.Providers = m.Providers[1:2]
	m.Consumers = nil
	r = Build(m, &live.Snapshot{}, clean)
	if r.ExitCode() != 0 || Summary(r) != "no drift: 1 resource match" {
		t.Errorf("clean: exit %d, summary %q", r.ExitCode(), Summary(r))
	}

	r = Build(nil, nil, nil)
	if r.ExitCode() != 0 || Summary(r) != "no drift: 0 resources match" || r.Items == nil || r.Checked == nil {
		t.Errorf("empty: %+v %q", r, Summary(r))
	}

	r = Build(m, &live.Snapshot{Failures: []live.Failure{{AccountID: payID, Error: "boom"}}}, clean)
	if r.ExitCode() != 1 || !strings.HasPrefix(Summary(r), "drift check incomplete: could not read payments (111111111111)") {
		t.Errorf("failed: exit %d, summary %q", r.ExitCode(), Summary(r))
	}
	if len(r.Checked) != 0 {
		t.Errorf("resources of an unreadable account were counted as checked: %v", r.Checked)
	}
}

func TestJSONMatchesSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	sch, err := c.Compile("../schemas/drift.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*Report{
		"full":  Build(testManifest(), testSnapshot(), testPlan()),
		"empty": Build(nil, nil, nil),
		"orphan": Build(testManifest(), &live.Snapshot{}, &plan.Plan{Changes: []plan.Change{
			{Address: "consumer.checkout-payments[vpce-0c77]", Kind: plan.KindEndpoint, Action: plan.Delete, Account: "checkout", AccountID: coID, Region: "us-east-1", ID: "vpce-0c77"},
		}}),
		"errors": Build(testManifest(), &live.Snapshot{}, &plan.Plan{Diagnostics: []plan.Diagnostic{
			{Severity: plan.SeverityError, Code: plan.CodeUnknownAccount, Address: "provider.x", Message: "unknown account", Hint: "use one of: a"},
			{Severity: plan.SeverityError, Code: plan.CodeSubnetMissing, Address: "consumer.checkout-payments", Account: "checkout", Region: "us-east-1", Message: "subnet gone", Hint: "check subnetIds"},
		}}),
	} {
		var buf bytes.Buffer
		if err := JSON(&buf, r); err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(doc); err != nil {
			t.Errorf("%s: report does not match schemas/drift.schema.json: %v", name, err)
		}
	}
	// And the schema rejects what it should.
	bad := map[string]any{"formatVersion": "1.0", "project": "p", "items": []any{map[string]any{"address": "x", "resource": "provider.x", "kind": "weird", "severity": "error", "message": "m"}}, "checked": []any{}}
	data, _ := json.Marshal(bad)
	doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if sch.Validate(doc) == nil {
		t.Error("schema accepted an unknown kind")
	}
}

func TestJUnitCounts(t *testing.T) {
	r := Build(testManifest(), testSnapshot(), testPlan())
	var buf bytes.Buffer
	if err := JUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Suites   []struct {
			Tests, Failures, Errors int `xml:"-"`
			Cases                   []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
				Error   *struct{} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit output is not valid XML: %v\n%s", err, buf.String())
	}
	var cases, failures, errs int
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			cases++
			if c.Failure != nil {
				failures++
			}
			if c.Error != nil {
				errs++
			}
		}
	}
	if doc.Tests != cases || doc.Failures != failures || doc.Errors != errs {
		t.Errorf("attributes tests=%d failures=%d errors=%d, counted %d/%d/%d", doc.Tests, doc.Failures, doc.Errors, cases, failures, errs)
	}
	if cases != len(r.Checked)+len(r.Failures) || errs != 1 || failures != 5 {
		t.Errorf("cases=%d failures=%d errors=%d; checked=%d", cases, failures, errs, len(r.Checked))
	}
}

func TestMarkdownEscapes(t *testing.T) {
	r := &Report{Project: "a|b", Items: []Item{{Address: "provider.x", Resource: "provider.x", Kind: Changed, Account: "p", Message: "a | b\nc <d>"}}, Checked: []string{"provider.x"}}
	var buf bytes.Buffer
	if err := Markdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.HasPrefix(line, "| `provider.x`") && strings.Count(line, "|")-strings.Count(line, `\|`) != 6 {
			t.Errorf("table row has the wrong number of cells: %q", line)
		}
	}
	if strings.Contains(buf.String(), "<d>") {
		t.Error("HTML not escaped")
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("disk full")
	}
	f.n--
	return len(p), nil
}

func TestRenderersReportWriteErrors(t *testing.T) {
	r := Build(testManifest(), testSnapshot(), testPlan())
	for name, render := range map[string]func(*failWriter) error{
		"json":     func(w *failWriter) error { return JSON(w, r) },
		"text":     func(w *failWriter) error { return Text(w, r) },
		"markdown": func(w *failWriter) error { return Markdown(w, r) },
		"junit":    func(w *failWriter) error { return JUnit(w, r) },
	} {
		if err := render(&failWriter{}); err == nil {
			t.Errorf("%s: no error when the writer fails", name)
		}
		if name != "json" {
			if err := render(&failWriter{n: 2}); err == nil {
				t.Errorf("%s: no error when the third write fails", name)
			}
		}
	}
}

func TestTopLevel(t *testing.T) {
	for in, want := range map[string]string{
		"provider.a": "provider.a",
		"provider.a.principal[arn:aws:iam::1:root]": "provider.a",
		"provider.a.connection[vpce-1]":             "provider.a",
		"consumer.b":                                "consumer.b",
		"consumer.b[vpce-2]":                        "consumer.b[vpce-2]",
		"provider.a[vpce-svc-9]":                    "provider.a[vpce-svc-9]",
		"weird":                                     "weird",
	} {
		if got := TopLevel(in); got != want {
			t.Errorf("TopLevel(%q) = %q, want %q", in, got, want)
		}
	}
}

// The accept of an endpoint the plan would create is no connection: the
// missing endpoint is the drift, not a "pending" connection with no id.
func TestAcceptOfMissingEndpointIsNotAPendingConnection(t *testing.T) {
	p := &plan.Plan{Project: "p", Changes: []plan.Change{
		{Address: "consumer.c", Kind: plan.KindEndpoint, Action: plan.Create, Account: "a", Region: "us-east-1"},
		{Address: "provider.s.connection[consumer.c]", Kind: plan.KindConnection, Action: plan.Accept, Parent: "provider.s",
			Refs: map[string]string{"endpointId": "consumer.c"}, After: &plan.Values{EndpointOwner: "222222222222", State: "available"}},
	}}
	r := Build(testManifest(), &live.Snapshot{}, p)
	for _, it := range r.Items {
		if it.Kind == PendingConnection {
			t.Errorf("pending connection item for an endpoint that does not exist: %+v", it)
		}
	}
	if len(r.Items) == 0 || r.Items[0].Kind != Missing {
		t.Errorf("items %+v, want the endpoint missing", r.Items)
	}
}

// Issue 9 item 4: plan errors raised on live facts are drift (exit 2);
// those raised on the manifest alone, or on a scope not read, keep plink
// from checking (exit 1).
func TestDiagnosticsAreDriftOrErrors(t *testing.T) {
	m := testManifest()
	m.Providers[1].Adopt = "vpce-svc-0gone"
	s := testSnapshot()
	s.Failures = nil
	diags := []plan.Diagnostic{
		{Severity: plan.SeverityError, Code: plan.CodeSubnetMissing, Address: "consumer.checkout-ledger", Account: "checkout", Region: "us-east-1",
			Message: "consumer.checkout-ledger: subnet subnet-0x does not exist in account checkout (222222222222) region us-east-1", Hint: "check subnetIds, account and region"},
		{Severity: plan.SeverityError, Code: plan.CodeAdoptMissing, Address: "provider.ledger", Account: "payments", Region: "us-east-1", Message: "provider.ledger adopts vpce-svc-0gone, which does not exist"},
		{Severity: plan.SeverityError, Code: plan.CodeLBMissing, Address: "provider.payments-api", Account: "payments", Region: "us-east-1", Message: "load balancer gone"},
		{Severity: plan.SeverityError, Code: plan.CodeReadFailure, Account: "analytics", Message: "reading failed"},
		{Severity: plan.SeverityWarning, Code: plan.CodeVPCAZNotCovered, Address: "consumer.checkout-payments", Message: "lint"},
	}
	r := Build(m, s, &plan.Plan{Project: m.Project, Diagnostics: diags})
	byAddr := map[string][]Item{}
	for _, it := range r.Items {
		byAddr[it.Address] = append(byAddr[it.Address], it)
	}
	if its := byAddr["consumer.checkout-ledger"]; len(its) != 1 || its[0].Kind != Unplannable || its[0].Code != plan.CodeSubnetMissing || its[0].Hint == "" {
		t.Errorf("subnet deleted: %+v, want one unplannable item with code and hint", its)
	}
	if its := byAddr["provider.ledger"]; len(its) != 1 || its[0].Kind != Missing || its[0].ID != "vpce-svc-0gone" ||
		!strings.Contains(its[0].Message, "endpoint service vpce-svc-0gone does not exist: provider.ledger (declared in payments 111111111111 region us-east-1, adopt: vpce-svc-0gone) adopts it") ||
		!strings.Contains(its[0].Hint, "remove `adopt: vpce-svc-0gone`") {
		t.Errorf("adopted service gone: %+v", its)
	}
	n := 0
	for _, it := range byAddr["provider.payments-api"] {
		if it.Kind == LoadBalancerMissing {
			n++
		}
	}
	if n != 1 {
		t.Errorf("PL103 and the snapshot's missing load balancer: %d items, want 1", n)
	}
	if its := byAddr["consumer.checkout-payments"]; len(its) != 1 || its[0].Kind != LoadBalancerZoneLost { // its zone loss, not the lint
		t.Errorf("a warning became drift: %+v", byAddr["consumer.checkout-payments"])
	}
	if r.ExitCode() != 2 || len(r.Errors) != 0 {
		t.Errorf("exit %d errors %+v, want 2 and none", r.ExitCode(), r.Errors)
	}

	// Manifest-only errors: exit 1, named in every rendering.
	for _, code := range []string{plan.CodeUnknownAccount, plan.CodeInvalidPolicy, plan.CodePrincipalMissing, plan.CodeRegionUnsupported, plan.CodeUnknownProvider, plan.CodeScopeNotRead, "M001", "PL004"} {
		p := &plan.Plan{Project: m.Project, Diagnostics: []plan.Diagnostic{{Severity: plan.SeverityError, Code: code, Address: "consumer.checkout-ledger", Message: "bad " + code, Hint: "fix it"}}}
		r := Build(m, &live.Snapshot{Scopes: s.Scopes}, p)
		if r.ExitCode() != 1 || len(r.Errors) != 1 || r.Errors[0].Code != code || IsDrift(code) {
			t.Errorf("%s: exit %d errors %+v, want 1 and the error", code, r.ExitCode(), r.Errors)
		}
		for name, render := range map[string]func(*bytes.Buffer, *Report) error{
			"text":     func(b *bytes.Buffer, r *Report) error { return Text(b, r) },
			"markdown": func(b *bytes.Buffer, r *Report) error { return Markdown(b, r) },
			"junit":    func(b *bytes.Buffer, r *Report) error { return JUnit(b, r) },
			"json":     func(b *bytes.Buffer, r *Report) error { return JSON(b, r) },
		} {
			var buf bytes.Buffer
			if err := render(&buf, r); err != nil || !strings.Contains(buf.String(), "bad "+code) {
				t.Errorf("%s: %s rendering lacks the error (%v):\n%s", code, name, err, buf.String())
			}
		}
		if !strings.HasPrefix(Summary(r), "drift check incomplete: the manifest has 1 error that keeps") {
			t.Errorf("%s: summary %q", code, Summary(r))
		}
	}
	for _, code := range []string{plan.CodeSubnetAZNotServed, plan.CodeLBTaken, plan.CodeAdoptOwned, plan.CodeSGMissing} {
		if !IsDrift(code) {
			t.Errorf("%s is raised on live facts but not drift", code)
		}
	}
}

// Issue 9 item 5: coverage is the union of the service's load balancers.
func TestZoneCoverageIsTheUnion(t *testing.T) {
	m := testManifest()
	s := testSnapshot()
	s.Failures = nil
	s.LoadBalancers = append(s.LoadBalancers, live.LoadBalancer{AccountID: payID, Region: "us-east-1", ARN: nlb2, Name: "abc", Type: "network", State: "active",
		Zones: []string{"us-east-1a", "us-east-1b", "us-east-1c"}})
	lost := func(r *Report) []Item {
		var out []Item
		for _, it := range r.Items {
			if it.Kind == LoadBalancerZoneLost && it.Address == "provider.payments-api" {
				out = append(out, it)
			}
		}
		return out
	}
	if got := lost(Build(m, s, testPlan())); len(got) != 0 {
		t.Errorf("a/b and a/b/c cover a/b/c, yet: %+v", got)
	}
	s.Services[0].AvailabilityZones = append(s.Services[0].AvailabilityZones, "us-east-1d")
	got := lost(Build(m, s, testPlan()))
	if len(got) != 1 || got[0].Message != "load balancers payments-api and abc together no longer cover us-east-1d, where the service is offered: endpoints there have no target" {
		t.Errorf("real loss of us-east-1d: %+v", got)
	}
}

// Issue 9 item 1, robust to a reader that still lists them: a resource
// AWS reports deleting or deleted is neither unmanaged nor a connection to
// act on, and a declared one is missing with its state named.
func TestGoingAndGoneAreNotUnmanaged(t *testing.T) {
	m := testManifest()
	s := testSnapshot()
	s.Failures = nil
	s.Endpoints = []live.Endpoint{
		{AccountID: coID, Region: "us-east-1", ID: "vpce-0old", State: "deleting", Tags: map[string]string{live.TagProject: m.Project, live.TagName: "gone-consumer"}},
		{AccountID: coID, Region: "us-east-1", ID: "vpce-0c01", State: "deleted", Tags: map[string]string{live.TagProject: m.Project, live.TagName: "checkout-payments"}},
	}
	s.Services = append(s.Services, live.Service{AccountID: payID, Region: "us-east-1", ID: "vpce-svc-0old", State: "Deleted",
		Tags: map[string]string{live.TagProject: m.Project, live.TagName: "old"}})
	p := &plan.Plan{Project: m.Project, Changes: []plan.Change{
		{Address: "consumer.gone-consumer", Kind: plan.KindEndpoint, Action: plan.Delete, Account: "checkout", AccountID: coID, Region: "us-east-1", ID: "vpce-0old"},
		{Address: "provider.old", Kind: plan.KindService, Action: plan.Delete, Account: "payments", AccountID: payID, Region: "us-east-1", ID: "vpce-svc-0old"},
		{Address: "consumer.checkout-payments", Kind: plan.KindEndpoint, Action: plan.Replace, Account: "checkout", AccountID: coID, Region: "us-east-1", ID: "vpce-0c01", ReplaceReasons: []string{"state"}},
		{Address: "provider.payments-api.connection[vpce-0c03]", Kind: plan.KindConnection, Action: plan.Reject, Parent: "provider.payments-api", Account: "payments", AccountID: payID, Region: "us-east-1", ID: "vpce-0c03",
			Before: &plan.Values{EndpointID: "vpce-0c03", EndpointOwner: coID, State: "deleting"}},
	}}
	r := Build(m, s, p)
	for _, it := range r.Items {
		switch {
		case it.Kind == Unmanaged:
			t.Errorf("unmanaged: %+v", it)
		case strings.Contains(it.Address, "vpce-0c03"):
			t.Errorf("a deleting connection reported: %+v", it)
		case it.Address == "consumer.checkout-payments" && it.Kind != LoadBalancerZoneLost:
			if it.Kind != Missing || !strings.HasPrefix(it.Message, "endpoint vpce-0c01 is deleted: consumer.checkout-payments (declared in checkout 222222222222") {
				t.Errorf("declared endpoint deleted: %+v", it)
			}
		}
	}
}

// Issue 9 item 11: a broken endpoint names its state, why, and what to do.
func TestBrokenEndpointNamesItsState(t *testing.T) {
	for state, why := range map[string]string{
		"rejected": "the provider rejected the connection",
		"expired":  "nobody accepted the connection in time",
		"failed":   "AWS could not create it",
		"partial":  "it will not become available",
	} {
		m := testManifest()
		s := &live.Snapshot{Scopes: testSnapshot().Scopes, Endpoints: []live.Endpoint{{AccountID: coID, Region: "us-east-1", ID: "vpce-0c01", State: state}}}
		p := &plan.Plan{Project: m.Project, Changes: []plan.Change{{Address: "consumer.checkout-payments", Kind: plan.KindEndpoint, Action: plan.Replace,
			Account: "checkout", AccountID: coID, Region: "us-east-1", ID: "vpce-0c01", ReplaceReasons: []string{"state"}}}}
		r := Build(m, s, p)
		if len(r.Items) != 1 || r.Items[0].Kind != Changed || r.Items[0].Attribute != "state" || r.Items[0].Before != state ||
			r.Items[0].Message != "endpoint vpce-0c01 is "+state+": "+why+"; it carries no traffic" || r.Items[0].Hint == "" {
			t.Errorf("%s: %+v", state, r.Items)
		}
	}
}
