package live

import (
	"context"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Gateway endpoints (S3, DynamoDB) work through route tables: the reader
// reads the route tables of the VPCs that gateway consumers name (one
// DescribeRouteTables per account-region, by vpc-id filter) and, when the
// scope has no interface consumer whose subnets are read anyway, those
// VPCs' subnets, so plan can tell which subnets a gateway endpoint serves.
// A manifest without gateway consumers makes none of these calls.

const (
	callRouteTables = "DescribeRouteTables"
	rtbPageSize     = 100 // DescribeRouteTables takes MaxResults 5..100
)

// RouteTable is a VPC route table: the subnets explicitly associated with
// it (a main table also serves every subnet no table names) and the routes
// gateway endpoints add to it.
type RouteTable struct {
	AccountID string   `json:"accountId"`
	Region    string   `json:"region"`
	ID        string   `json:"id"`
	VPCID     string   `json:"vpcId"`
	Main      bool     `json:"main,omitempty"`
	SubnetIDs []string `json:"subnetIds,omitempty"`
	// GatewayRoutes are the routes to AWS-managed prefix lists through
	// gateway endpoints, as "pl-…→vpce-…", sorted.
	GatewayRoutes []string `json:"gatewayRoutes,omitempty"`
}

// gatewayVPCs are the VPCs of the scope's gateway consumers.
func gatewayVPCs(sc *scopeState) set {
	out := set{}
	for _, c := range sc.consumers {
		if c.IsGateway() {
			out.add(c.VPCID)
		}
	}
	return out
}

// readGatewayNetwork reads the route tables of vpcs and, unless the
// scope's subnets are read anyway (interface consumers name some), their
// subnets.
func (rd *reader) readGatewayNetwork(ctx context.Context, sc *scopeState, vpcs set) {
	var wg sync.WaitGroup
	if len(sc.subnets) == 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rd.readSubnets(ctx, sc)
		}()
	}
	rd.readRouteTables(ctx, sc, vpcs)
	wg.Wait()
}

// readRouteTables reads the route tables of vpcs and, in a second call
// made only when one is missing, the tables gateway consumers name outside
// them (a mistake the plan reports as such, not as a missing table).
func (rd *reader) readRouteTables(ctx context.Context, sc *scopeState, vpcs set) {
	named := set{}
	for _, c := range sc.consumers {
		if c.IsGateway() {
			named.add(c.RouteTableIDs...)
		}
	}
	var got []RouteTable
	err := readInVPCs(rd, ctx, sc, callRouteTables, vpcs, "route-table-id", named, func(ctx context.Context, f []ec2types.Filter, token *string) ([]ec2types.RouteTable, *string, error) {
		out, err := sc.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{MaxResults: aws.Int32(rtbPageSize), Filters: f, NextToken: token})
		return listed(out, err, func(o *ec2.DescribeRouteTablesOutput) ([]ec2types.RouteTable, *string) {
			return o.RouteTables, o.NextToken
		})
	}, func(t ec2types.RouteTable) string { return aws.ToString(t.RouteTableId) }, func(t ec2types.RouteTable) {
		rt := RouteTable{AccountID: sc.AccountID, Region: sc.Region, ID: aws.ToString(t.RouteTableId), VPCID: aws.ToString(t.VpcId)}
		for _, a := range t.Associations {
			if a.AssociationState != nil && a.AssociationState.State != ec2types.RouteTableAssociationStateCodeAssociated {
				continue
			}
			if aws.ToBool(a.Main) {
				rt.Main = true
			}
			if s := aws.ToString(a.SubnetId); s != "" {
				rt.SubnetIDs = append(rt.SubnetIDs, s)
			}
		}
		for _, r := range t.Routes {
			if pl := aws.ToString(r.DestinationPrefixListId); pl != "" && r.State != ec2types.RouteStateBlackhole {
				rt.GatewayRoutes = append(rt.GatewayRoutes, pl+"→"+aws.ToString(r.GatewayId))
			}
		}
		sort.Strings(rt.SubnetIDs)
		sort.Strings(rt.GatewayRoutes)
		got = append(got, rt)
	})
	if err != nil {
		return
	}
	rd.add(func(s *Snapshot) {
		s.RouteTables = append(s.RouteTables, got...)
		// scopes finish in any order; keep the snapshot's order stable
		sort.Slice(s.RouteTables, func(i, j int) bool {
			a, b := s.RouteTables[i], s.RouteTables[j]
			return less(a.AccountID, b.AccountID, a.Region, b.Region, a.ID, b.ID)
		})
	})
}
