package graph

import (
	"slices"
	"testing"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

// A consumer's serviceRegion places the external service in that region,
// also for a name that carries none (com.amazonaws.iam).
func TestExternalServiceRegion(t *testing.T) {
	m, err := manifest.Parse("g.yaml", []byte(`version: 1
project: g
defaults: {region: us-east-1}
accounts: {a: {id: "111111111111"}}
consumers:
  - {name: iam, account: a, vpcId: vpc-01234567, subnetIds: [subnet-01234567], serviceName: com.amazonaws.iam, serviceRegion: us-west-2}
`))
	if err != nil {
		t.Fatal(err)
	}
	g := Build(m, nil)
	if len(g.Externals) != 1 || g.Externals[0].Region != "us-west-2" {
		t.Errorf("externals %+v", g.Externals)
	}
	if len(g.Edges) != 1 || g.Edges[0].Region != "us-east-1 → us-west-2" {
		t.Errorf("edges %+v", g.Edges)
	}
}

// A Resource or ServiceNetwork consumer points at its resource
// configuration or service network, named by id and owner, in its region;
// with live state the edge has the endpoint's state.
func TestLatticeConsumers(t *testing.T) {
	m, err := manifest.Parse("g.yaml", []byte(`version: 1
project: g
defaults: {region: us-east-1}
accounts: {a: {id: "222222222222"}}
consumers:
  - {name: db, account: a, type: Resource, vpcId: vpc-01234567, subnetIds: [subnet-01234567], resourceConfigurationArn: "arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-0111000000000000a"}
  - {name: mesh, account: a, type: ServiceNetwork, vpcId: vpc-01234567, subnetIds: [subnet-01234567], serviceNetworkArn: "arn:aws:vpc-lattice:us-east-1:111111111111:servicenetwork/sn-0111000000000000a"}
`))
	if err != nil {
		t.Fatal(err)
	}
	g := Build(m, &live.Snapshot{Scopes: []live.Scope{{Account: "a", AccountID: "222222222222", Region: "us-east-1"}},
		Endpoints: []live.Endpoint{{AccountID: "222222222222", Region: "us-east-1", ID: "vpce-0aaaaaaaaaaaaaaaa", Type: "Resource", State: "available",
			Tags: map[string]string{live.TagProject: "g", live.TagName: "db"}}}})
	var names []string
	for _, x := range g.Externals {
		names = append(names, x.Name+" "+x.Region)
	}
	want := []string{"rcfg-0111000000000000a (resource configuration of 111111111111) us-east-1", "sn-0111000000000000a (service network of 111111111111) us-east-1"}
	if !slices.Equal(names, want) {
		t.Errorf("externals %q, want %q", names, want)
	}
	states := map[string]State{}
	for _, e := range g.Edges {
		states[e.From] = e.State
	}
	if len(g.Edges) != 2 || states[nodeID("c", "db")] != Available || states[nodeID("c", "mesh")] != Missing {
		t.Errorf("edges %+v", g.Edges)
	}
	if latticeName("arn:aws:vpc-lattice:x:servicenetwork/sn-1", "") != "sn-1 (service network)" {
		t.Error("a name without owner")
	}
}
