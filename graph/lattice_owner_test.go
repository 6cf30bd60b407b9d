package graph

import (
	"bytes"
	"strings"
	"testing"

	"github.com/plinkdev/plink/manifest"
)

// A resource configuration owned by an account of the manifest is drawn in
// that account, named with its alias, not as an external node of an
// account id; one owned elsewhere stays external.
func TestLatticeTargetOfManifestAccount(t *testing.T) {
	m, err := manifest.Parse("g.yaml", []byte(`version: 1
project: g
defaults: {region: us-east-1}
accounts:
  payments: {id: "111111111111"}
  checkout: {id: "222222222222"}
consumers:
  - {name: db, account: checkout, type: Resource, vpcId: vpc-01234567, subnetIds: [subnet-01234567], resourceConfigurationArn: "arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-0111000000000000a"}
  - {name: db2, account: checkout, type: Resource, vpcId: vpc-01234567, subnetIds: [subnet-01234567], resourceConfigurationArn: "arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-0111000000000000a"}
  - {name: mesh, account: checkout, type: ServiceNetwork, vpcId: vpc-01234567, subnetIds: [subnet-01234567], serviceNetworkArn: "arn:aws:vpc-lattice:us-east-1:444444444444:servicenetwork/sn-0444000000000000a"}
`))
	if err != nil {
		t.Fatal(err)
	}
	g := Build(m, nil)
	var inPayments []string
	for _, a := range g.Accounts {
		if a.Alias == "payments" {
			for _, n := range a.Nodes {
				inPayments = append(inPayments, n.Name)
			}
		}
	}
	if len(inPayments) != 1 || inPayments[0] != "rcfg-0111000000000000a (resource configuration of payments)" {
		t.Errorf("payments' nodes %q", inPayments)
	}
	if len(g.Externals) != 1 || g.Externals[0].Name != "sn-0444000000000000a (service network of 444444444444)" {
		t.Errorf("externals %+v", g.Externals)
	}
	var mb bytes.Buffer
	if err := Mermaid(&mb, g); err != nil {
		t.Fatal(err)
	}
	if out := mb.String(); !strings.Contains(out, `rcfg-0111000000000000a (resource configuration of payments)<br/>not declared in the manifest · us-east-1`) {
		t.Errorf("mermaid:\n%s", out)
	}
}
