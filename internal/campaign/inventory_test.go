package campaign

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/sandbox"
)

// Resource is an endpoint or endpoint service as the campaign's own reader
// sees it in its owner account.
type Resource struct {
	Kind    string // "endpoint" or "service"
	ID      string
	Account string // alias
	Region  string
	State   string
	Tags    map[string]string
	// Detail is everything else that a change by plink would alter, in a
	// canonical form: the service name, VPC, subnets, groups, policy and
	// private DNS of an endpoint; acceptance, load balancers, regions,
	// private DNS name and principals of a service.
	Detail string
}

// Present reports whether the resource is still there in the sense of the
// duplicate and lost checks: not deleted and not on its way out.
func (r Resource) Present() bool {
	switch strings.ToLower(r.State) {
	case "deleted", "deleting":
		return false
	}
	return true
}

// Usable reports whether the resource serves: an available endpoint or
// service.
func (r Resource) Usable() bool { return strings.EqualFold(r.State, "available") }

func (r Resource) String() string {
	return fmt.Sprintf("%s %s (%s %s/%s, %s, plink:project=%q plink:name=%q)", r.Kind, r.ID, r.State, r.Account, r.Region,
		r.Detail, r.Tags[live.TagProject], r.Tags[live.TagName])
}

// Inventory is every endpoint and endpoint service in every account and
// region of the world.
type Inventory struct {
	Resources []Resource
}

// ByID returns the resource with id, if any.
func (inv *Inventory) ByID(id string) (Resource, bool) {
	for _, r := range inv.Resources {
		if r.ID == id {
			return r, true
		}
	}
	return Resource{}, false
}

// Project returns the resources tagged with project.
func (inv *Inventory) Project(project string) []Resource {
	var out []Resource
	for _, r := range inv.Resources {
		if r.Tags[live.TagProject] == project {
			out = append(out, r)
		}
	}
	return out
}

// Reader reads inventories of a sandbox with each account's own
// credentials, retrying through whatever faults the sandbox injects.
type Reader struct {
	clients map[string]*ec2.Client // by alias|region
}

// NewReader returns a reader of the sandbox served at url.
func NewReader(sb *sandbox.Sandbox, url string) (*Reader, error) {
	r := &Reader{clients: map[string]*ec2.Client{}}
	for _, a := range accounts {
		key, secret, err := sb.Credentials(a.alias)
		if err != nil {
			return nil, err
		}
		for _, region := range regions {
			r.clients[a.alias+"|"+region] = ec2.NewFromConfig(aws.Config{
				Region:       region,
				Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
				BaseEndpoint: aws.String(url),
				Retryer:      patientRetryer,
			})
		}
	}
	return r, nil
}

// patientRetryer retries a check's read through throttling, 5xx and resets
// for as long as it takes within 60 attempts, without the SDK's retry
// quota, which a campaign at 10% 5xx would drain.
func patientRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 60
		o.MaxBackoff = 2 * time.Second
		o.RateLimiter = ratelimit.None
	})
}

// EC2 returns the reader's client for an account alias and region.
func (r *Reader) EC2(alias, region string) *ec2.Client { return r.clients[alias+"|"+region] }

// Read returns the inventory of every account and region.
func (r *Reader) Read(ctx context.Context) (*Inventory, error) {
	inv := &Inventory{}
	for _, a := range accounts {
		for _, region := range regions {
			c := r.EC2(a.alias, region)
			eps, err := readEndpoints(ctx, c, a.alias, region, nil)
			if err != nil {
				return nil, err
			}
			svcs, err := readServices(ctx, c, a.alias, region, nil)
			if err != nil {
				return nil, err
			}
			inv.Resources = append(inv.Resources, eps...)
			inv.Resources = append(inv.Resources, svcs...)
		}
	}
	return inv, nil
}

func readEndpoints(ctx context.Context, c *ec2.Client, alias, region string, ids []string) ([]Resource, error) {
	var out []Resource
	pg := ec2.NewDescribeVpcEndpointsPaginator(c, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: ids})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("campaign: DescribeVpcEndpoints in %s/%s: %w", alias, region, err)
		}
		for _, e := range page.VpcEndpoints {
			out = append(out, Resource{Kind: "endpoint", ID: aws.ToString(e.VpcEndpointId), Account: alias, Region: region,
				State: string(e.State), Tags: tagMap(e.Tags), Detail: endpointDetail(e)})
		}
	}
	return out, nil
}

func endpointDetail(e ec2types.VpcEndpoint) string {
	subnets := slices.Sorted(slices.Values(e.SubnetIds))
	var groups []string
	for _, g := range e.Groups {
		groups = append(groups, aws.ToString(g.GroupId))
	}
	sort.Strings(groups)
	return fmt.Sprintf("service=%s vpc=%s subnets=%v groups=%v privateDns=%t policy=%d bytes",
		aws.ToString(e.ServiceName), aws.ToString(e.VpcId), subnets, groups, aws.ToBool(e.PrivateDnsEnabled), len(aws.ToString(e.PolicyDocument)))
}

func readServices(ctx context.Context, c *ec2.Client, alias, region string, ids []string) ([]Resource, error) {
	var out []Resource
	pg := ec2.NewDescribeVpcEndpointServiceConfigurationsPaginator(c, &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: ids})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("campaign: DescribeVpcEndpointServiceConfigurations in %s/%s: %w", alias, region, err)
		}
		for _, s := range page.ServiceConfigurations {
			id := aws.ToString(s.ServiceId)
			var principals []string
			if s.ServiceState != ec2types.ServiceStateDeleted && s.ServiceState != ec2types.ServiceStateDeleting {
				perms, err := c.DescribeVpcEndpointServicePermissions(ctx, &ec2.DescribeVpcEndpointServicePermissionsInput{ServiceId: aws.String(id)})
				if err != nil {
					return nil, fmt.Errorf("campaign: DescribeVpcEndpointServicePermissions %s in %s/%s: %w", id, alias, region, err)
				}
				for _, p := range perms.AllowedPrincipals {
					principals = append(principals, aws.ToString(p.Principal))
				}
				sort.Strings(principals)
			}
			var supported []string
			for _, r := range s.SupportedRegions {
				supported = append(supported, aws.ToString(r.Region))
			}
			sort.Strings(supported)
			detail := fmt.Sprintf("acceptance=%t lbs=%v regions=%v privateDnsName=%s principals=%v",
				aws.ToBool(s.AcceptanceRequired), s.NetworkLoadBalancerArns, supported, aws.ToString(s.PrivateDnsName), principals)
			out = append(out, Resource{Kind: "service", ID: id, Account: alias, Region: region,
				State: string(s.ServiceState), Tags: tagMap(s.Tags), Detail: detail})
		}
	}
	return out, nil
}

func tagMap(tags []ec2types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// Fingerprint is a canonical one-line form of a resource for the
// foreign-touched check: state, tags and detail.
func (r Resource) Fingerprint() string {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range r.Tags {
			if !yield(k) {
				return
			}
		}
	})
	var tags []string
	for _, k := range keys {
		tags = append(tags, k+"="+r.Tags[k])
	}
	return fmt.Sprintf("%s %s tags=[%s] %s", r.ID, r.State, strings.Join(tags, ","), r.Detail)
}
