package live_test

import (
	"context"
	"testing"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// noLattice is a client source whose clients have no VPC Lattice client.
type noLattice struct {
	t   *testing.T
	srv *sandboxtest.Server
}

func (n noLattice) ClientsFor(_ context.Context, account, region string) (*awsenv.Clients, error) {
	c := n.srv.Clients(n.t, account, region)
	return awsenv.NewClients(awsenv.Built{Account: account, Region: region, EC2: c.EC2, ELB: c.ELB, STS: c.STS}), nil
}

// A Resource consumer's target is read with the consumer's account; a
// source without a VPC Lattice client records why in the target, and the
// read itself does not fail.
func TestReadLatticeTargetWithoutClient(t *testing.T) {
	srv := sandboxtest.Start(t)
	m, err := manifest.Parse("m.yaml", []byte(`version: 1
project: lt
defaults: {region: us-east-1}
accounts: {checkout: {id: "222222222222"}}
consumers:
  - {name: db, account: checkout, type: Resource, vpcId: vpc-02100000000000001, subnetIds: [subnet-0210000000000000a], resourceConfigurationArn: "arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-0111000000000000a"}
`))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := live.Read(context.Background(), m, noLattice{t, srv}, live.ReadOptions{LatticeTargets: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.LatticeTargets) != 1 {
		t.Fatalf("targets %+v", snap.LatticeTargets)
	}
	if got := snap.LatticeTargets[0]; got.Visible || got.Error != "no VPC Lattice client" || got.AccountID != "222222222222" {
		t.Errorf("target %+v", got)
	}
}
