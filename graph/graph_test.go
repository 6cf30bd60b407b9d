package graph

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func loadExample(t *testing.T) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Load("testdata/example.yaml")
	if err != nil {
		t.Fatalf("example manifest: %v", err)
	}
	return m
}

func tags(name string) map[string]string {
	return map[string]string{live.TagProject: "payments-privatelink", live.TagName: name}
}

// exampleLive is the example topology part-way: one connection pending, one
// rejected, one endpoint missing, an undeclared endpoint connected, and the
// analytics account unreadable in us-west-2 (which the example does not use).
func exampleLive() *live.Snapshot {
	const svcName = "com.amazonaws.vpce.us-east-1.vpce-svc-0aaa0000000000001"
	return &live.Snapshot{
		Services: []live.Service{
			{AccountID: "111111111111", Region: "us-east-1", ID: "vpce-svc-0aaa0000000000001", Name: svcName, Tags: tags("payments-api"),
				Connections: []live.Connection{
					{EndpointID: "vpce-0c00000000000001", OwnerID: "222222222222", State: "available"},
					{EndpointID: "vpce-0c00000000000002", OwnerID: "222222222222", State: "pendingAcceptance", Region: "us-west-2"},
					{EndpointID: "vpce-0d00000000000001", OwnerID: "444444444444", State: "available"},
					{EndpointID: "vpce-0d00000000000002", OwnerID: "444444444444", State: "rejected"},
				}},
			{AccountID: "333333333333", Region: "us-east-1", ID: "vpce-svc-0bbb0000000000001", Name: "com.amazonaws.vpce.us-east-1.vpce-svc-0bbb0000000000001", Tags: tags("analytics-ingest"),
				Connections: []live.Connection{{EndpointID: "vpce-0c00000000000003", OwnerID: "222222222222", State: "rejected"}}},
		},
		Endpoints: []live.Endpoint{
			{AccountID: "222222222222", Region: "us-east-1", ID: "vpce-0c00000000000001", ServiceName: svcName, State: "available", Tags: tags("checkout-payments")},
			{AccountID: "222222222222", Region: "us-west-2", ID: "vpce-0c00000000000002", ServiceName: svcName, State: "pendingAcceptance", Tags: tags("checkout-payments-west")},
			{AccountID: "222222222222", Region: "us-east-1", ID: "vpce-0c00000000000003", ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-0bbb0000000000001", State: "rejected", Tags: tags("checkout-ingest")},
			{AccountID: "222222222222", Region: "us-east-1", ID: "vpce-0c00000000000004", ServiceName: "com.amazonaws.us-east-1.s3", State: "available", Tags: tags("checkout-s3")},
		},
		Failures: []live.Failure{{AccountID: "333333333333", Region: "us-west-2", Call: "ec2:DescribeVpcEndpoints", Error: "throttled"}},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./graph -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (rerun with -update if intended)\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

func render(t *testing.T, g *Graph) (mermaid, dot []byte) {
	t.Helper()
	var mb, db bytes.Buffer
	if err := Mermaid(&mb, g); err != nil {
		t.Fatal(err)
	}
	if err := DOT(&db, g); err != nil {
		t.Fatal(err)
	}
	return mb.Bytes(), db.Bytes()
}

func TestGoldens(t *testing.T) {
	m := loadExample(t)
	mm, dot := render(t, Build(m, nil))
	golden(t, "example.mmd", mm)
	golden(t, "example.dot", dot)
	mm, dot = render(t, Build(m, exampleLive()))
	golden(t, "example-live.mmd", mm)
	golden(t, "example-live.dot", dot)
}

func TestDeterministic(t *testing.T) {
	m := loadExample(t)
	first, firstDOT := render(t, Build(m, exampleLive()))
	for i := 0; i < 20; i++ {
		mm, dot := render(t, Build(m, exampleLive()))
		if !bytes.Equal(mm, first) || !bytes.Equal(dot, firstDOT) {
			t.Fatal("rendering differs between runs")
		}
	}
}

func TestLiveStates(t *testing.T) {
	g := Build(loadExample(t), exampleLive())
	got := map[string]State{}
	for _, e := range g.Edges {
		got[e.From+"->"+e.To] = e.State
	}
	want := map[string]State{
		"c_checkout_payments->p_payments_api":      Available,
		"c_checkout_payments_west->p_payments_api": Pending,
		"c_analytics_payments->p_payments_api":     Missing,
		"c_checkout_ingest->p_analytics_ingest":    Rejected,
		"x_vpce_0d00000000000001->p_payments_api":  Drifted,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("edge %s: state %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["x_vpce_0d00000000000002->p_payments_api"]; ok {
		t.Error("a rejected undeclared connection is drawn")
	}
	for _, e := range g.Edges {
		if e.From == "c_checkout_payments_west" && e.Region != "us-west-2 → us-east-1" {
			t.Errorf("cross-region edge labelled %q", e.Region)
		}
	}
}

func TestUnreadableAccount(t *testing.T) {
	s := exampleLive()
	s.Failures = []live.Failure{{AccountID: "222222222222", Error: "AccessDenied"}}
	g := Build(loadExample(t), s)
	for _, e := range g.Edges {
		if strings.HasPrefix(e.From, "c_checkout") && e.State != Unknown {
			t.Errorf("edge from an unreadable account %s: state %q, want unknown", e.From, e.State)
		}
	}
}

func TestEmpty(t *testing.T) {
	mm, dot := render(t, Build(nil, nil))
	if string(mm) != "flowchart LR\n" || !strings.HasPrefix(string(dot), "digraph \"plink\" {") {
		t.Errorf("empty graph:\n%s\n%s", mm, dot)
	}
}

func TestEscaping(t *testing.T) {
	if got := dotQuote("a\"b\\c\nd"); got != `"a\"b\\c\nd"` {
		t.Errorf("dotQuote = %s", got)
	}
	if got := mmEscape(`say "hi" <b>`); strings.ContainsAny(got, `"<>`) {
		t.Errorf("mmEscape left markup: %s", got)
	}
	if got := nodeID("c", "a-b_c.d"); got != "c_a_b__c_2e_d" {
		t.Errorf("nodeID = %s", got)
	}
	if got := serviceRegion("com.amazonaws.vpce.eu-central-1.vpce-svc-1", "x"); got != "eu-central-1" {
		t.Errorf("serviceRegion = %s", got)
	}
	if got := serviceRegion("com.example.thing", "us-east-1"); got != "us-east-1" {
		t.Errorf("serviceRegion fallback = %s", got)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestWriteErrors(t *testing.T) {
	g := Build(loadExample(t), exampleLive())
	if err := Mermaid(failWriter{}, g); err == nil {
		t.Error("Mermaid: no error from a failing writer")
	}
	if err := DOT(failWriter{}, g); err == nil {
		t.Error("DOT: no error from a failing writer")
	}
}

// Every state AWS reports gets its meaning from live.EndpointPhase and
// ServicePhase: a declared endpoint or service that is deleted is drawn
// missing, one being deleted going; an undeclared connection is drawn only
// while it is, or will be, connected.
func TestStateMatrix(t *testing.T) {
	for _, tc := range []struct {
		state      string
		declared   State // edge of checkout-payments, whose endpoint is in state
		undeclared bool  // an undeclared endpoint in state is drawn
	}{
		{"pendingAcceptance", Pending, true},
		{"pending", Pending, true},
		{"available", Available, true},
		{"rejected", Rejected, false},
		{"expired", Rejected, false},
		{"failed", Rejected, false},
		{"deleting", Going, false},
		{"deleted", Missing, false},
		{"Available", Available, true}, // states compare case-folded
		{"somethingNew", Unknown, true},
	} {
		s := exampleLive()
		s.Services[0].Connections[0].State = tc.state
		s.Endpoints[0].State = tc.state
		s.Services[0].Connections[2].State = tc.state
		g := Build(loadExample(t), s)
		drawn := false
		for _, e := range g.Edges {
			if e.From == "c_checkout_payments" && e.State != tc.declared {
				t.Errorf("%s: declared edge %q, want %q", tc.state, e.State, tc.declared)
			}
			drawn = drawn || e.From == "x_vpce_0d00000000000001"
		}
		if drawn != tc.undeclared {
			t.Errorf("%s: undeclared connection drawn %v, want %v", tc.state, drawn, tc.undeclared)
		}
		for _, a := range g.Accounts {
			for _, n := range a.Nodes {
				if n.Name == "checkout-payments" && n.State != tc.declared {
					t.Errorf("%s: node %q, want %q", tc.state, n.State, tc.declared)
				}
			}
		}
	}

	for _, tc := range []struct {
		state string
		want  State
	}{
		{"Pending", Pending},
		{"Available", Available},
		{"", Available},
		{"Deleting", Going},
		{"Deleted", Missing},
		{"Failed", Rejected},
	} {
		s := exampleLive()
		s.Services[0].State = tc.state
		g := Build(loadExample(t), s)
		for _, a := range g.Accounts {
			for _, n := range a.Nodes {
				if n.Name == "payments-api" && n.State != tc.want {
					t.Errorf("service %s: node %q, want %q", tc.state, n.State, tc.want)
				}
			}
		}
	}

	// A replace under way: the new endpoint wins over the one being
	// deleted, whatever their order.
	s := exampleLive()
	old := s.Endpoints[0]
	old.ID, old.State = "vpce-0c000000000000ff", "deleting"
	s.Endpoints = append([]live.Endpoint{old}, s.Endpoints...)
	g := Build(loadExample(t), s)
	for _, a := range g.Accounts {
		for _, n := range a.Nodes {
			if n.Name == "checkout-payments" && (n.LiveID != "vpce-0c00000000000001" || n.State != Available) {
				t.Errorf("replace under way: node %s %q, want the new endpoint available", n.LiveID, n.State)
			}
		}
	}
	var mm bytes.Buffer
	s = exampleLive()
	s.Endpoints[0].State, s.Services[0].Connections[0].State = "deleting", "deleting"
	if err := Mermaid(&mm, Build(loadExample(t), s)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(mm.String(), "classDef going") || !strings.Contains(mm.String(), "us-east-1 · going") {
		t.Errorf("a going endpoint is not drawn as going:\n%s", mm.String())
	}
}
