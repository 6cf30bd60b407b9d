package reconcile

import (
	"strings"
	"testing"

	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

// targetHealthProviders picks the providers of the consumers a plan
// creates, replaces, moves to other subnets or accepts, and no other.
func TestTargetHealthProviders(t *testing.T) {
	m := &manifest.Manifest{Consumers: []*manifest.Consumer{
		{Name: "a", Provider: "pa"}, {Name: "b", Provider: "pb"}, {Name: "c", Provider: "pc"},
		{Name: "d", Provider: "pd"}, {Name: "e", Provider: "pe"}, {Name: "s3", ServiceName: "com.amazonaws.us-east-1.s3"},
	}}
	ep := func(name string, a plan.Action, before, after []string) plan.Change {
		ch := plan.Change{Address: "consumer." + name, Kind: plan.KindEndpoint, Action: a}
		if before != nil || after != nil {
			ch.Before, ch.After = &plan.Values{SubnetIDs: before}, &plan.Values{SubnetIDs: after}
		}
		return ch
	}
	for _, tc := range []struct {
		name    string
		changes []plan.Change
		want    string
	}{
		{"nothing", nil, ""},
		{"no-ops", []plan.Change{ep("a", plan.NoOp, nil, nil)}, ""},
		{"create", []plan.Change{ep("a", plan.Create, nil, nil)}, "pa"},
		{"replace", []plan.Change{ep("b", plan.Replace, nil, nil)}, "pb"},
		{"subnets moved", []plan.Change{ep("c", plan.Update, []string{"s1", "s2"}, []string{"s1", "s3"})}, "pc"},
		{"subnets reordered", []plan.Change{ep("c", plan.Update, []string{"s1", "s2"}, []string{"s2", "s1"})}, ""},
		{"other update", []plan.Change{ep("d", plan.Update, []string{"s1"}, []string{"s1"})}, ""},
		{"delete", []plan.Change{ep("d", plan.Delete, nil, nil)}, ""},
		{"accept declared", []plan.Change{{Address: "provider.pe.connection[vpce-1]", Kind: plan.KindConnection, Action: plan.Accept, Reason: "endpoint of consumer.e, connections.acceptDeclared"}}, "pe"},
		{"accept by acceptFrom", []plan.Change{{Address: "provider.pe.connection[vpce-2]", Kind: plan.KindConnection, Action: plan.Accept, Reason: "account 555555555555 is in connections.acceptFrom"}}, ""},
		{"reject", []plan.Change{{Address: "provider.pe.connection[vpce-3]", Kind: plan.KindConnection, Action: plan.Reject, Reason: "endpoint of consumer.e"}}, ""},
		{"gateway", []plan.Change{ep("s3", plan.Create, nil, nil)}, ""},
		{"two", []plan.Change{ep("a", plan.Create, nil, nil), ep("b", plan.Replace, nil, nil), ep("e", plan.Delete, nil, nil)}, "pa pb"},
	} {
		got := targetHealthProviders(m, tc.changes)
		var names []string
		for _, p := range []string{"pa", "pb", "pc", "pd", "pe"} {
			if got[p] {
				names = append(names, p)
			}
		}
		if strings.Join(names, " ") != tc.want || len(got) != len(names) {
			t.Errorf("%s: providers %v, want %q", tc.name, got, tc.want)
		}
	}
}
