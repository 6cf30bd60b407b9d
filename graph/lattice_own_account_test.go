package graph

import (
	"testing"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

// A consumer whose resource configuration its own account owns: with live
// state the consumer's endpoint takes its connection's state, and the
// resource configuration, drawn in the same account, keeps none. (Build
// gave the state to whichever node the account had last: the resource
// configuration, drawn right after the endpoint.)
func TestLatticeTargetInConsumersAccount(t *testing.T) {
	m, err := manifest.Parse("g.yaml", []byte(`version: 1
project: g
defaults: {region: us-east-1}
accounts: {a: {id: "222222222222"}}
consumers:
  - {name: db, account: a, type: Resource, vpcId: vpc-01234567, subnetIds: [subnet-01234567], resourceConfigurationArn: "arn:aws:vpc-lattice:us-east-1:222222222222:resourceconfiguration/rcfg-0222000000000000a"}
`))
	if err != nil {
		t.Fatal(err)
	}
	g := Build(m, &live.Snapshot{Scopes: []live.Scope{{Account: "a", AccountID: "222222222222", Region: "us-east-1"}},
		Endpoints: []live.Endpoint{{AccountID: "222222222222", Region: "us-east-1", ID: "vpce-0aaaaaaaaaaaaaaaa", Type: "Resource", State: "available",
			Tags: map[string]string{live.TagProject: "g", live.TagName: "db"}}}})
	states := map[NodeKind]State{}
	for _, n := range g.Accounts[0].Nodes {
		states[n.Kind] = n.State
	}
	if len(g.Accounts[0].Nodes) != 2 || states[Endpoint] != Available || states[External] != "" {
		t.Errorf("nodes %+v", g.Accounts[0].Nodes)
	}
}
