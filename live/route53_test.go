package live_test

import (
	"context"
	"strings"
	"testing"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// noRoute53 is a client source whose clients lack Route 53.
type noRoute53 struct{ *awsenv.Resolver }

func (s noRoute53) ClientsFor(ctx context.Context, account, region string) (*awsenv.Clients, error) {
	c, err := s.Resolver.ClientsFor(ctx, account, region)
	if err != nil {
		return nil, err
	}
	return awsenv.NewClients(awsenv.Built{Account: c.Account, AccountID: c.AccountID, Region: c.Region, EC2: c.EC2, ELB: c.ELB,
		STS: c.STS(), CloudWatch: c.CloudWatch(), SNS: c.SNS(), Lattice: c.Lattice()}), nil
}

// A provider with privateDns read with clients that lack Route 53: a read
// failure of its account-region, saying so; the zone of the default world
// is found with them.
func TestReadDNSWithoutRoute53Client(t *testing.T) {
	srv := sandboxtest.Start(t)
	m, err := manifest.Parse("m.yaml", []byte(`version: 1
project: p
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/plink" }
providers:
  - name: api
    account: payments
    networkLoadBalancerArns: ["`+sbLB+`"]
    privateDns: { name: api.payments.example.net }
`))
	if err != nil {
		t.Fatal(err)
	}
	r := sbResolver(t, srv, m, nil, 0)
	snap, err := live.Read(context.Background(), m, r, live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if z := snap.DNSZoneFor("api"); z == nil || z.ZoneID != "Z0PAYMENTSNET01" || z.ZoneName != "payments.example.net" {
		t.Fatalf("zone %+v", z)
	}
	_, err = live.Read(context.Background(), m, noRoute53{r}, live.ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "no Route 53 client") || !strings.Contains(err.Error(), "payments") {
		t.Fatalf("read without Route 53: %v", err)
	}
}
