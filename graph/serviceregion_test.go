package graph

import (
	"testing"

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
