package awsenv

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/vpclattice"

	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// ec2Describer is a narrow interface as a package that calls AWS declares it.
type ec2Describer interface {
	DescribeVpcs(context.Context, *ec2.DescribeVpcsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error)
}

// Client gives, as the caller's narrow interface, the client of an account
// in a region that answers the sandbox over HTTP; the source's error for
// an account it does not know; and for Clients that lack the client (built
// by hand) the error "no NAME client" with a nil interface, never a nil
// client in a non-nil one.
func TestClientAdaptsTheSource(t *testing.T) {
	hermetic(t)
	srv := sandboxtest.Start(t)
	r := sandboxResolver(t, srv, sandboxAccounts(), "")
	ctx := context.Background()
	api, err := Client(ctx, r, "checkout", "us-east-1", "EC2", func(c *Clients) ec2Describer { return c.EC2 })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatalf("DescribeVpcs through the adapted client: %v", err)
	}
	if _, err := Client(ctx, r, "nobody", "us-east-1", "EC2", func(c *Clients) ec2Describer { return c.EC2 }); err == nil || !strings.Contains(err.Error(), `unknown account "nobody"`) {
		t.Errorf("unknown account: %v", err)
	}
	bare := sourceFunc(func(ctx context.Context, account, region string) (*Clients, error) {
		return &Clients{Account: account, Region: region}, nil
	})
	lat, err := Client(ctx, bare, "checkout", "us-east-1", "VPC Lattice", func(c *Clients) interface {
		GetServiceNetwork(context.Context, *vpclattice.GetServiceNetworkInput, ...func(*vpclattice.Options)) (*vpclattice.GetServiceNetworkOutput, error)
	} {
		return c.Lattice()
	})
	if err == nil || err.Error() != "no VPC Lattice client" || lat != nil {
		t.Errorf("no Lattice client: %v, %v", lat, err)
	}
}

type sourceFunc func(ctx context.Context, account, region string) (*Clients, error)

func (f sourceFunc) ClientsFor(ctx context.Context, account, region string) (*Clients, error) {
	return f(ctx, account, region)
}
