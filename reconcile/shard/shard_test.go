package shard

import (
	"strings"
	"testing"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

func testManifest() *manifest.Manifest {
	return &manifest.Manifest{
		Project:  "p",
		Defaults: manifest.Defaults{Region: "us-east-1"},
		Accounts: map[string]*manifest.Account{"a": {ID: "111111111111"}, "b": {ID: "222222222222"}, "c": {ID: "333333333333"}},
		Providers: []*manifest.Provider{
			{Name: "pa", Account: "a"},
			{Name: "pb", Account: "b", Region: "us-west-2"},
		},
		Consumers: []*manifest.Consumer{
			{Name: "cb", Account: "b", Provider: "pa"},
			{Name: "cc", Account: "c", Provider: "pb", Region: "us-west-2"},
		},
	}
}

func names(m *manifest.Manifest) string {
	var out []string
	for _, p := range m.Providers {
		out = append(out, p.Name)
	}
	for _, c := range m.Consumers {
		out = append(out, c.Name)
	}
	return strings.Join(out, " ")
}

func TestManifestKeepsWhatTheShardConnectsTo(t *testing.T) {
	m := testManifest()
	for _, tc := range []struct {
		sel  Selection
		want string
	}{
		{Selection{}, "pa pb cb cc"},
		{Selection{Accounts: []string{"a"}}, "pa cb"},        // its provider and that provider's consumer
		{Selection{Accounts: []string{"c"}}, "pb cc"},        // its consumer and that consumer's provider
		{Selection{Regions: []string{"us-west-2"}}, "pb cc"}, // region only
		{Selection{Accounts: []string{"b"}, Regions: []string{"us-east-1"}}, "pa cb"},
	} {
		if got := names(Manifest(m, tc.sel)); got != tc.want {
			t.Errorf("%v: got %q, want %q", tc.sel, got, tc.want)
		}
	}
	if got := Reach(Manifest(m, Selection{Accounts: []string{"c"}}), Selection{Accounts: []string{"c"}}); strings.Join(got, ",") != "b,c" {
		t.Errorf("reach of shard c: %v, want b,c", got)
	}
	if got := Limit(m, []string{"b", "zz"}); len(got.Accounts) != 1 || got.Accounts["b"] == nil || len(m.Accounts) != 3 {
		t.Errorf("Limit: %v (the original must keep its accounts)", got.Accounts)
	}
}

func TestCheckNamesWhatIsValid(t *testing.T) {
	m := testManifest()
	if err := Check(m, Selection{Accounts: []string{"a"}, Regions: []string{"us-west-2"}}); err != nil {
		t.Fatal(err)
	}
	err := Check(m, Selection{Accounts: []string{"x"}})
	if err == nil || !strings.Contains(err.Error(), "--account x: the manifest declares no such account; it declares a, b, c") {
		t.Errorf("unknown account: %v", err)
	}
	err = Check(m, Selection{Regions: []string{"eu-west-1"}})
	if err == nil || err.Error() != "--region eu-west-1: the manifest uses no such region; it uses us-east-1, us-west-2" {
		t.Errorf("unknown region: %v", err)
	}
}

func TestFilterKeepsTheShardAndDefersWhatWaits(t *testing.T) {
	p := &plan.Plan{Changes: []plan.Change{
		{Address: "provider.pa", Account: "a", Region: "us-east-1", Action: plan.Create},
		{Address: "provider.pb", Account: "b", Region: "us-west-2", Action: plan.NoOp},
		{Address: "consumer.cb", Account: "b", Region: "us-east-1", Action: plan.Create, DependsOn: []string{"provider.pa"}},
		{Address: "consumer.cc", Account: "c", Region: "us-west-2", Action: plan.Create, DependsOn: []string{"provider.pb"}},
		{Address: "x.after.cb", Account: "b", Region: "us-east-1", Action: plan.Create, DependsOn: []string{"consumer.cb"}},
		{Address: "provider.old", Account: "a", Region: "us-east-1", Action: plan.Delete},
	}, Diagnostics: []plan.Diagnostic{
		{Code: "A", Account: "a"}, {Code: "B", Account: "b", Region: "us-east-1"}, {Code: "G"},
	}}
	got, waiting := Filter(p, Selection{Accounts: []string{"b", "c"}})
	var kept, waited, diags []string
	for _, c := range got.Changes {
		kept = append(kept, c.Address)
	}
	for _, c := range waiting {
		waited = append(waited, c.Address)
	}
	for _, d := range got.Diagnostics {
		diags = append(diags, d.Code)
	}
	if strings.Join(kept, " ") != "provider.pb consumer.cc" || strings.Join(waited, " ") != "consumer.cb x.after.cb" || strings.Join(diags, " ") != "B G" {
		t.Errorf("kept %v, waiting %v, diagnostics %v", kept, waited, diags)
	}
	if all, w := Filter(p, Selection{}); all != p || w != nil {
		t.Error("the zero Selection must return the plan unchanged")
	}
}

// TestAwaited: the accepts another shard makes for this shard's endpoints:
// planned with the endpoint's create, or for an endpoint the shard sees
// waiting for acceptance (it does not read the provider's connections).
func TestAwaited(t *testing.T) {
	sm := &manifest.Manifest{
		Defaults: manifest.Defaults{Region: "us-east-1"},
		Providers: []*manifest.Provider{
			{Name: "pa", Account: "a"},
			{Name: "pb", Account: "b"},
		},
		Consumers: []*manifest.Consumer{
			{Name: "cb", Account: "b", Provider: "pa"},
			{Name: "cb2", Account: "b", Provider: "pa"},
			{Name: "cb3", Account: "b", Provider: "pa"},
			{Name: "cbb", Account: "b", Provider: "pb"},
		},
	}
	p := &plan.Plan{Changes: []plan.Change{
		{Address: "consumer.cb", Kind: plan.KindEndpoint, Account: "b", Region: "us-east-1", Action: plan.Create},
		{Address: "consumer.cb2", Kind: plan.KindEndpoint, Account: "b", Region: "us-east-1", Action: plan.NoOp, ID: "vpce-2"},
		{Address: "consumer.cb3", Kind: plan.KindEndpoint, Account: "b", Region: "us-east-1", Action: plan.NoOp, ID: "vpce-3"},
		{Address: "consumer.cbb", Kind: plan.KindEndpoint, Account: "b", Region: "us-east-1", Action: plan.NoOp, ID: "vpce-4"},
		{Address: "provider.pa.connection[consumer.cb]", Kind: plan.KindConnection, Account: "a", Region: "us-east-1", Action: plan.Accept, Parent: "provider.pa", Reason: "endpoint of consumer.cb, created by this plan"},
		{Address: "provider.pa.connection[vpce-9]", Kind: plan.KindConnection, Account: "a", Region: "us-east-1", Action: plan.Reject, Parent: "provider.pa", Reason: "not declared in the manifest (connections.rejectUndeclared)"},
	}}
	snap := &live.Snapshot{Endpoints: []live.Endpoint{
		{ID: "vpce-2", State: "pendingAcceptance"}, {ID: "vpce-3", State: "available"}, {ID: "vpce-4", State: "pendingAcceptance"},
	}}
	got := Awaited(sm, p, snap, Selection{Accounts: []string{"b"}})
	want := "provider.pa.connection[consumer.cb2] provider.pa.connection[consumer.cb]"
	if strings.Join(got, " ") != want {
		t.Errorf("awaited %v, want %s (cb3 is accepted; cbb's provider is the shard's own)", got, want)
	}
	if Awaited(sm, p, snap, Selection{}) != nil {
		t.Error("the zero Selection awaits nothing")
	}
}

func TestMatrix(t *testing.T) {
	m := testManifest()
	jobs, err := Matrix(m, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[0].Name != "shard-1-of-2" {
		t.Fatalf("%+v", jobs)
	}
	seen := map[string]int{}
	for _, j := range jobs {
		if len(j.Accounts) > 2 || !strings.HasPrefix(j.Args, "--account ") {
			t.Errorf("job %+v", j)
		}
		for _, a := range j.Accounts {
			seen[a]++
		}
	}
	if len(seen) != 3 || seen["a"] != 1 || seen["b"] != 1 || seen["c"] != 1 {
		t.Errorf("every account in exactly one job: %v", seen)
	}
	if _, err := Matrix(m, 0); err == nil || !strings.Contains(err.Error(), "--max-accounts 0: a job needs at least one account") {
		t.Errorf("max 0: %v", err)
	}
}
