package live

// VPC Lattice targets of Resource and ServiceNetwork consumers. AWS creates
// such an endpoint only for a resource configuration or service network its
// account owns or was shared through AWS RAM, and (the sandbox models it)
// only in Availability Zones a resource configuration's resource gateway
// has subnets in. EC2 says neither before the create, so the reader asks
// VPC Lattice, once per distinct account, region and ARN the manifest's
// consumers name, with the consumer's own credentials:
// GetResourceConfiguration or GetServiceNetwork (a not-found answer means
// not shared with the account). When a resource configuration's owner is an
// account of the manifest, the owner's view of its resource gateway
// (GetResourceGateway) and the gateway's subnets (DescribeSubnets) give the
// zones it serves; a gateway of another account is not visible to plink,
// whose zones stay unknown. A read that fails is recorded in the target's
// Error, not as a failed read: the plan is complete without it and only
// says it could not check. Only plink plan asks (ReadOptions.LatticeTargets),
// and no call is made for a manifest without such consumers.

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/vpclattice"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/manifest"
)

// The VPC Lattice calls the reader makes.
const (
	CallResourceConfiguration = "GetResourceConfiguration"
	CallServiceNetwork        = "GetServiceNetwork"
	CallResourceGateway       = "GetResourceGateway"
)

// LatticeAPI is the part of the VPC Lattice client the reader calls;
// *vpclattice.Client satisfies it.
type LatticeAPI interface {
	GetResourceConfiguration(context.Context, *vpclattice.GetResourceConfigurationInput, ...func(*vpclattice.Options)) (*vpclattice.GetResourceConfigurationOutput, error)
	GetServiceNetwork(context.Context, *vpclattice.GetServiceNetworkInput, ...func(*vpclattice.Options)) (*vpclattice.GetServiceNetworkOutput, error)
	GetResourceGateway(context.Context, *vpclattice.GetResourceGatewayInput, ...func(*vpclattice.Options)) (*vpclattice.GetResourceGatewayOutput, error)
}

// LatticeAPISource is an APISource that also hands out VPC Lattice
// clients. ReadAPIs reads the consumers' Lattice targets only from a source
// that is one (Read's always is); from another, Snapshot.LatticeTargets
// stays empty and plan checks nothing of them.
type LatticeAPISource interface {
	LatticeAPI(ctx context.Context, account, region string) (LatticeAPI, error)
}

// LatticeAPI is the account's VPC Lattice client in region.
func (c clientAPIs) LatticeAPI(ctx context.Context, account, region string) (LatticeAPI, error) {
	return awsenv.Client(ctx, c.src, account, region, "VPC Lattice", func(c *awsenv.Clients) LatticeAPI { return c.Lattice() })
}

// LatticeTarget is a resource configuration or service network as a
// consumer's account sees it.
type LatticeTarget struct {
	ARN string `json:"arn"`
	// Account and AccountID are the consumer's account, whose credentials
	// read it; Region the consumer's.
	Account   string `json:"account"`
	AccountID string `json:"accountId"`
	Region    string `json:"region"`
	// Visible says VPC Lattice answered it: the account owns it or it is
	// shared with the account. false with Error empty: not found (not
	// shared, or it does not exist).
	Visible bool `json:"visible"`
	// ResourceGatewayID is a resource configuration's gateway.
	ResourceGatewayID string `json:"resourceGatewayId,omitempty"`
	// ZoneIDs are the Availability Zone ids of the gateway's subnets, read
	// in the owner's account when it is the manifest's (ZonesRead).
	ZoneIDs   []string `json:"zoneIds,omitempty"`
	ZonesRead bool     `json:"zonesRead,omitempty"`
	// Error says why it could not be read (AccessDeniedException: ...),
	// ErrorCode is AWS's code; ZonesError likewise for the gateway's zones.
	Error      string `json:"error,omitempty"`
	ErrorCode  string `json:"errorCode,omitempty"`
	ZonesError string `json:"zonesError,omitempty"`
}

// latticeReads are the distinct (consumer account, region, ARN) of the
// manifest's Resource and ServiceNetwork consumers the shard owns.
func latticeReads(m *manifest.Manifest, shard func(account, region string) bool) []LatticeTarget {
	seen := map[[3]string]bool{}
	var out []LatticeTarget
	for _, c := range m.Consumers {
		arn := c.LatticeARN()
		a := m.Accounts[c.Account]
		if arn == "" || a == nil {
			continue
		}
		region := c.Region
		if region == "" {
			region = m.Defaults.Region
		}
		if shard != nil && !shard(c.Account, region) {
			continue
		}
		k := [3]string{c.Account, region, arn}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, LatticeTarget{ARN: arn, Account: c.Account, AccountID: a.ID, Region: region})
	}
	return out
}

// readLattice reads every target latticeReads lists, under the overall
// bound.
func (rd *reader) readLattice(ctx context.Context, src LatticeAPISource) {
	reads := latticeReads(rd.m, rd.opts.Shard)
	if len(reads) == 0 {
		return
	}
	var wg sync.WaitGroup
	for i := range reads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rd.readLatticeTarget(ctx, src, &reads[i])
		}()
	}
	wg.Wait()
	sort.Slice(reads, func(i, j int) bool {
		a, b := reads[i], reads[j]
		if a.AccountID != b.AccountID {
			return a.AccountID < b.AccountID
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		return a.ARN < b.ARN
	})
	rd.add(func(s *Snapshot) { s.LatticeTargets = append(s.LatticeTargets, reads...) })
}

// bounded runs f under the reader's overall bound.
func (rd *reader) bounded(ctx context.Context, f func() error) error {
	select {
	case rd.global <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-rd.global }()
	return f()
}

func (rd *reader) readLatticeTarget(ctx context.Context, src LatticeAPISource, t *LatticeTarget) {
	api, err := src.LatticeAPI(ctx, t.Account, t.Region)
	if err == nil {
		err = rd.bounded(ctx, func() error {
			if isServiceNetwork(t.ARN) {
				_, err := api.GetServiceNetwork(ctx, &vpclattice.GetServiceNetworkInput{ServiceNetworkIdentifier: aws.String(t.ARN)})
				return err
			}
			out, err := api.GetResourceConfiguration(ctx, &vpclattice.GetResourceConfigurationInput{ResourceConfigurationIdentifier: aws.String(t.ARN)})
			if err == nil {
				t.ResourceGatewayID = aws.ToString(out.ResourceGatewayId)
			}
			return err
		})
	}
	switch code := awsenv.ErrorCode(err); {
	case err == nil:
		t.Visible = true
	case code == "ResourceNotFoundException":
		// not shared with the account, or no such thing: AWS does not say which
	default:
		t.Error, t.ErrorCode = awsenv.Describe(err), code
		return
	}
	if !t.Visible || t.ResourceGatewayID == "" {
		return
	}
	owner, _ := manifest.LatticeARNOwner(t.ARN)
	for alias, a := range rd.m.Accounts {
		if a.ID == owner {
			rd.readGatewayZones(ctx, src, t, alias)
			return
		}
	}
}

func isServiceNetwork(arn string) bool {
	return strings.Contains(arn, ":servicenetwork/")
}

// readGatewayZones reads a resource configuration's gateway in its owner's
// account (alias) and the zones of its subnets.
func (rd *reader) readGatewayZones(ctx context.Context, src LatticeAPISource, t *LatticeTarget, alias string) {
	err := func() error {
		api, err := src.LatticeAPI(ctx, alias, t.Region)
		if err != nil {
			return err
		}
		ec, _, err := rd.src.APIs(ctx, alias, t.Region)
		if err != nil {
			return err
		}
		var subnets []string
		if err := rd.bounded(ctx, func() error {
			g, err := api.GetResourceGateway(ctx, &vpclattice.GetResourceGatewayInput{ResourceGatewayIdentifier: aws.String(t.ResourceGatewayID)})
			if err == nil {
				subnets = g.SubnetIds
			}
			return err
		}); err != nil {
			return err
		}
		if len(subnets) == 0 {
			return nil
		}
		return rd.bounded(ctx, func() error {
			out, err := ec.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: subnets})
			if err != nil {
				return err
			}
			for _, sn := range out.Subnets {
				if z := aws.ToString(sn.AvailabilityZoneId); z != "" && !slices.Contains(t.ZoneIDs, z) {
					t.ZoneIDs = append(t.ZoneIDs, z)
				}
			}
			sort.Strings(t.ZoneIDs)
			return nil
		})
	}()
	if err != nil {
		t.ZonesError = awsenv.Describe(err)
		return
	}
	t.ZonesRead = true
}
