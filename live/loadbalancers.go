package live

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/plinkdev/plink/awsenv"
)

// readLoadBalancers describes the providers' load balancers by ARN, 20 per
// call. An unknown ARN fails its whole batch with LoadBalancerNotFound; that
// batch is then described one ARN at a time so the others are still seen.
func (rd *reader) readLoadBalancers(ctx context.Context, sc *scopeState) {
	var got []LoadBalancer
	describe := func(ctx context.Context, arns []string) error {
		return allPages(func(marker *string) (*string, error) {
			out, err := sc.elb.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: arns, Marker: marker})
			if err != nil {
				return nil, err
			}
			for _, lb := range out.LoadBalancers {
				l := LoadBalancer{AccountID: sc.AccountID, Region: sc.Region, ARN: aws.ToString(lb.LoadBalancerArn),
					Name: aws.ToString(lb.LoadBalancerName), Type: rd.in.str(string(lb.Type)), Zones: []string{}}
				if lb.State != nil {
					l.State = rd.in.str(string(lb.State.Code))
				}
				for _, z := range lb.AvailabilityZones {
					l.Zones = append(l.Zones, rd.in.ptr(z.ZoneName))
				}
				sort.Strings(l.Zones)
				got = append(got, l)
			}
			return out.NextMarker, nil
		})
	}
	for _, batch := range chunks(sc.lbs.sorted(), lbBatch) {
		var notFound bool
		err := rd.callQuiet(ctx, sc, func(ctx context.Context) error {
			err := describe(ctx, batch)
			if awsenv.ErrorCode(err) == "LoadBalancerNotFound" {
				notFound = true
				return nil
			}
			return err
		})
		if err != nil {
			rd.fail(sc, callLBs, err)
			continue
		}
		if !notFound {
			continue
		}
		for _, arn := range batch {
			_ = rd.call(ctx, sc, callLBs+"("+arn+")", func(ctx context.Context) error {
				err := describe(ctx, []string{arn})
				if awsenv.ErrorCode(err) == "LoadBalancerNotFound" {
					return nil // absent: the plan says so
				}
				return err
			})
		}
	}
	rd.add(func(s *Snapshot) { s.LoadBalancers = append(s.LoadBalancers, got...) })
}
