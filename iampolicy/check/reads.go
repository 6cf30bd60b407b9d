package check

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/iampolicy"
	"github.com/plinkdev/plink/lease"
	"github.com/plinkdev/plink/live"
)

// found keeps ids one read returns for the reads that need one (the
// permissions of a service, the health of a target group).
// found carries ids a probe found for the next; project is the manifest's
// (DescribeVpcEndpointServicePermissions is asked about on one of the
// project's services: plink reads the permissions of those only).
type found struct{ project, serviceID, targetGroupARN, loadBalancerARN string }

// probe makes one read with the smallest request AWS accepts. It returns
// errNothing when the read needs an id and the account-region has none:
// plink would not make it there either.
type probe func(ctx context.Context, c *where, f *found) error

type nothing struct{}

func (nothing) Error() string { return "nothing to read" }

var errNothing error = nothing{}

// probes has a probe for every read of iampolicy.Reads (TestEveryReadHasAProbe).
var probes = map[string]probe{
	"ec2:DescribeAvailabilityZones": func(ctx context.Context, w *where, _ *found) error {
		_, err := w.c.EC2.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
		return err
	},
	"ec2:DescribeNetworkInterfaces": func(ctx context.Context, w *where, _ *found) error {
		_, err := w.c.EC2.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{MaxResults: aws.Int32(5)})
		return err
	},
	"ec2:DescribeRouteTables": func(ctx context.Context, w *where, _ *found) error {
		_, err := w.c.EC2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{MaxResults: aws.Int32(5)})
		return err
	},
	"ec2:DescribeSecurityGroups": func(ctx context.Context, w *where, _ *found) error {
		_, err := w.c.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(5)})
		return err
	},
	"ec2:DescribeSubnets": func(ctx context.Context, w *where, _ *found) error {
		_, err := w.c.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(5)})
		return err
	},
	"ec2:DescribeVpcs": func(ctx context.Context, w *where, _ *found) error {
		_, err := w.c.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(5)})
		return err
	},
	"ec2:DescribeVpcEndpointConnectionNotifications": func(ctx context.Context, w *where, _ *found) error {
		_, err := w.c.EC2.DescribeVpcEndpointConnectionNotifications(ctx, &ec2.DescribeVpcEndpointConnectionNotificationsInput{MaxResults: aws.Int32(5)})
		return err
	},
	"ec2:DescribeVpcEndpointConnections": func(ctx context.Context, w *where, _ *found) error {
		_, err := w.c.EC2.DescribeVpcEndpointConnections(ctx, &ec2.DescribeVpcEndpointConnectionsInput{MaxResults: aws.Int32(5)})
		return err
	},
	"ec2:DescribeVpcEndpointServiceConfigurations": func(ctx context.Context, w *where, f *found) error {
		out, err := w.c.EC2.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{MaxResults: aws.Int32(5),
			Filters: []ec2types.Filter{{Name: aws.String("tag:" + live.TagProject), Values: []string{f.project}}}})
		if err == nil && len(out.ServiceConfigurations) > 0 {
			f.serviceID = aws.ToString(out.ServiceConfigurations[0].ServiceId)
		}
		return err
	},
	"ec2:DescribeVpcEndpointServicePermissions": func(ctx context.Context, w *where, f *found) error {
		if f.serviceID == "" {
			return errNothing
		}
		_, err := w.c.EC2.DescribeVpcEndpointServicePermissions(ctx, &ec2.DescribeVpcEndpointServicePermissionsInput{ServiceId: aws.String(f.serviceID), MaxResults: aws.Int32(5)})
		return err
	},
	"ec2:DescribeVpcEndpointServices": func(ctx context.Context, w *where, _ *found) error {
		_, err := w.c.EC2.DescribeVpcEndpointServices(ctx, &ec2.DescribeVpcEndpointServicesInput{MaxResults: aws.Int32(5)})
		return err
	},
	"ec2:DescribeVpcEndpoints": func(ctx context.Context, w *where, _ *found) error {
		_, err := w.c.EC2.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{MaxResults: aws.Int32(5)})
		return err
	},
	"elasticloadbalancing:DescribeLoadBalancers": func(ctx context.Context, w *where, f *found) error {
		out, err := w.c.ELB.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(1)})
		if err == nil && len(out.LoadBalancers) > 0 {
			f.loadBalancerARN = aws.ToString(out.LoadBalancers[0].LoadBalancerArn)
		}
		return err
	},
	"elasticloadbalancing:DescribeTargetGroups": func(ctx context.Context, w *where, f *found) error {
		out, err := w.c.ELB.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{PageSize: aws.Int32(1)})
		if err == nil && len(out.TargetGroups) > 0 {
			f.targetGroupARN = aws.ToString(out.TargetGroups[0].TargetGroupArn)
		}
		return err
	},
	"elasticloadbalancing:DescribeTargetHealth": func(ctx context.Context, w *where, f *found) error {
		if f.targetGroupARN == "" {
			return errNothing
		}
		_, err := w.c.ELB.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(f.targetGroupARN)})
		return err
	},
	"elasticloadbalancing:DescribeLoadBalancerAttributes": func(ctx context.Context, w *where, f *found) error {
		if f.loadBalancerARN == "" {
			return errNothing
		}
		_, err := w.c.ELB.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(f.loadBalancerARN)})
		return err
	},
	"cloudwatch:GetMetricData": func(ctx context.Context, w *where, _ *found) error {
		end := time.Now().UTC().Truncate(time.Minute)
		_, err := w.c.CloudWatch().GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
			StartTime: aws.Time(end.Add(-5 * time.Minute)), EndTime: aws.Time(end),
			MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("plinkcheck"), MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String("AWS/PrivateLinkEndpoints"), MetricName: aws.String("BytesProcessed")},
				Period: aws.Int32(300), Stat: aws.String("Sum"),
			}}},
		})
		return err
	},
}

// order puts the reads that find ids before those that need them.
var order = map[string]int{
	"ec2:DescribeVpcEndpointServiceConfigurations": -2,
	"elasticloadbalancing:DescribeLoadBalancers":   -2,
	"elasticloadbalancing:DescribeTargetGroups":    -1,
}

// reads makes every read of the mode in one account-region.
func (ck *checker) reads(ctx context.Context, alias, region string) {
	w, err := ck.clients(ctx, alias, region)
	if err != nil {
		ck.rep.Results = append(ck.rep.Results, Result{Account: alias, AccountID: ck.m.Accounts[alias].ID, Region: region,
			Call: "credentials", Status: Unknown, Reason: err.Error()})
		return
	}
	acts := iampolicy.Reads(ck.mode)
	slices.SortStableFunc(acts, func(a, b string) int { return order[a] - order[b] })
	f := &found{project: ck.m.Project}
	for _, a := range acts {
		p := probes[a]
		if p == nil {
			ck.rep.Results = append(ck.rep.Results, Result{Account: alias, AccountID: w.id, Region: region, Call: a, Status: Unknown,
				Reason: "plink cannot check this read (no probe for it)"})
			continue
		}
		if a == "ec2:DescribeNetworkInterfaces" && !ck.fixesAddresses(alias, region) {
			continue // plink reads endpoints' addresses only for consumers that fix them
		}
		err := p(ctx, w, f)
		if err == errNothing {
			continue
		}
		ck.record(ctx, w, a, "", false, err)
	}
}

// lease checks the lease's calls in its home, as package lease makes
// them: read it and create its placement group (acquire); and, on the
// group when one exists, retag it (renew, take over), remove the holder's
// tag (withdraw) and delete it (release), each with DryRun. Those three
// are authorized on the group and its plink:project tag, so they can be
// asked about only while it exists (a run holds it, or left it); when it
// does not, Report.LeaseNote says so.
func (ck *checker) lease(ctx context.Context, alias, region string) {
	w, err := ck.clients(ctx, alias, region)
	if err != nil {
		ck.rep.Results = append(ck.rep.Results, Result{Account: alias, AccountID: ck.m.Accounts[alias].ID, Region: region,
			Call: "credentials", Status: Unknown, Reason: err.Error()})
		return
	}
	name := lease.Name(ck.m.Project)
	out, err := w.c.EC2.DescribePlacementGroups(ctx, &ec2.DescribePlacementGroupsInput{GroupNames: []string{name}})
	if awsenv.ErrorCode(err) == "InvalidPlacementGroup.Unknown" {
		err = nil // no lease yet: the read was allowed
	}
	ck.record(ctx, w, "ec2:DescribePlacementGroups", "lease", false, err)
	_, cerr := w.c.EC2.CreatePlacementGroup(ctx, leaseCreateInput(ck.m.Project))
	ck.record(ctx, w, "ec2:CreatePlacementGroup", "lease", true, cerr)
	if err != nil {
		return // the read was refused or failed: its result says so
	}
	id := ""
	if out != nil && len(out.PlacementGroups) > 0 {
		id = aws.ToString(out.PlacementGroups[0].GroupId)
	}
	if id == "" {
		ck.rep.LeaseNote = "the lease's take-over and release (ec2:CreateTags, ec2:DeleteTags and ec2:DeletePlacementGroup on placement-group/" + name +
			" in " + alias + " " + region + ") were not asked about: they are authorized on its placement group and its plink:project tag, " +
			"and it exists only while a run holds it; run --check while plink apply holds it to ask"
		return
	}
	exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	holder := &ec2types.Tag{Key: aws.String(lease.TagHolder), Value: aws.String("plink iam-policy --check")}
	_, err = w.c.EC2.CreateTags(ctx, &ec2.CreateTagsInput{DryRun: aws.Bool(true), Resources: []string{id}, Tags: []ec2types.Tag{*holder,
		{Key: aws.String(lease.TagExpires), Value: aws.String(exp)}}})
	ck.record(ctx, w, "ec2:CreateTags", "lease", true, err)
	_, err = w.c.EC2.DeleteTags(ctx, &ec2.DeleteTagsInput{DryRun: aws.Bool(true), Resources: []string{id}, Tags: []ec2types.Tag{*holder}})
	ck.record(ctx, w, "ec2:DeleteTags", "lease", true, err)
	_, err = w.c.EC2.DeletePlacementGroup(ctx, &ec2.DeletePlacementGroupInput{DryRun: aws.Bool(true), GroupName: aws.String(name)})
	ck.record(ctx, w, "ec2:DeletePlacementGroup", "lease", true, err)
}

// leaseCreateInput is the lease's create as package lease makes it, as a
// dry run.
func leaseCreateInput(project string) *ec2.CreatePlacementGroupInput {
	exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	return &ec2.CreatePlacementGroupInput{
		DryRun:    aws.Bool(true),
		GroupName: aws.String(lease.Name(project)),
		Strategy:  ec2types.PlacementStrategySpread,
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypePlacementGroup, Tags: []ec2types.Tag{
			{Key: aws.String(lease.TagProject), Value: aws.String(project)},
			{Key: aws.String(lease.TagHolder), Value: aws.String("plink iam-policy --check")},
			{Key: aws.String(lease.TagExpires), Value: aws.String(exp)},
		}}},
	}
}

// fixesAddresses reports whether a consumer in the account-region fixes
// its endpoint's addresses (ipAddresses): only there does plink read
// network interfaces.
func (ck *checker) fixesAddresses(alias, region string) bool {
	for _, c := range ck.m.Consumers {
		r := c.Region
		if r == "" {
			r = ck.m.Defaults.Region
		}
		if c.Account == alias && r == region && len(c.IPAddresses) > 0 {
			return true
		}
	}
	return false
}
