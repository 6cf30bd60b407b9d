package live

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/manifest"
)

var regionPart = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)

// serviceRegion guesses a service's region from its name
// (com.amazonaws.vpce.us-east-1.vpce-svc-…, com.amazonaws.us-east-1.s3), or "".
func serviceRegion(name string) string {
	parts := strings.Split(name, ".")
	for i := 2; i < len(parts) && i <= 3; i++ {
		if regionPart.MatchString(parts[i]) {
			return parts[i]
		}
	}
	return ""
}

// readVisible describes, from each consumer's account-region, the services
// its consumers reference that exist: one call for in-region services and one
// for cross-region ones.
func (rd *reader) readVisible(ctx context.Context, scopes []*scopeState) {
	providers := map[string]*manifest.Provider{}
	for _, p := range rd.m.Providers {
		providers[p.Name] = p
	}
	var wg sync.WaitGroup
	for _, sc := range scopes {
		if !sc.ok || len(sc.consumers) == 0 || sc.foreign {
			continue // a foreign scope's consumers are planned by their own shard
		}
		local, remote, regions := set{}, set{}, set{}
		for _, c := range sc.consumers {
			name, region := c.ServiceName, ""
			if p := providers[c.Provider]; p != nil {
				s := rd.serviceOf(p)
				if s == nil {
					continue // not created yet: nothing to see
				}
				name, region = s.Name, s.Region
			} else if region = c.ServiceRegion; region == "" {
				region = serviceRegion(name)
			}
			if name == "" {
				continue
			}
			if region == "" || region == sc.Region {
				local.add(name)
			} else {
				remote.add(name)
				regions.add(region)
			}
		}
		for _, q := range []struct {
			names   set
			regions []string
		}{{local, nil}, {remote, regions.sorted()}} {
			if len(q.names) == 0 {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				rd.describeVisible(ctx, sc, q.names.sorted(), q.regions)
			}()
		}
	}
	wg.Wait()
}

// serviceOf finds the live service a provider manages: the one adopted by
// id, else the one tagged with the project and the provider's name.
func (rd *reader) serviceOf(p *manifest.Provider) *Service {
	acc := rd.m.Accounts[p.Account]
	region := p.Region
	if region == "" {
		region = rd.m.Defaults.Region
	}
	rd.mu.Lock()
	defer rd.mu.Unlock()
	var found *Service
	for _, s := range rd.listed {
		if s.AccountID != acc.ID || s.Region != region {
			continue
		}
		if p.Adopt != "" && s.ID == p.Adopt {
			return s
		}
		if p.Adopt == "" && s.Tags[TagProject] == rd.m.Project && s.Tags[TagName] == p.Name {
			if found == nil || s.ID < found.ID {
				found = s
			}
		}
	}
	return found
}

func (rd *reader) describeVisible(ctx context.Context, sc *scopeState, names, regions []string) {
	describe := func(ctx context.Context, in *ec2.DescribeVpcEndpointServicesInput) ([]VisibleService, error) {
		var got []VisibleService
		err := allPages(func(token *string) (*string, error) {
			in.NextToken = token
			out, err := sc.ec2.DescribeVpcEndpointServices(ctx, in)
			if err != nil {
				return nil, err
			}
			for _, d := range out.ServiceDetails {
				got = append(got, toVisible(&rd.in, sc, d))
			}
			return out.NextToken, nil
		})
		if err != nil {
			return nil, err
		}
		return got, nil
	}
	var got []VisibleService
	err := rd.call(ctx, sc, callVisible, func(ctx context.Context) error {
		// An unknown (or not visible) name fails the whole call with
		// InvalidServiceName, whose message names it: retry without it. When
		// the message names none of ours, the service-name filter returns the
		// subset that exists.
		left := append([]string(nil), names...)
		for len(left) > 0 {
			var err error
			got, err = describe(ctx, &ec2.DescribeVpcEndpointServicesInput{ServiceNames: left, ServiceRegions: regions})
			if awsenv.ErrorCode(err) != "InvalidServiceName" {
				return err
			}
			bad := unknownServiceName(err, left)
			if bad < 0 {
				return rd.describeVisibleFiltered(ctx, left, regions, describe, &got)
			}
			left = append(left[:bad], left[bad+1:]...)
			got = nil
		}
		return nil
	})
	if err == nil {
		rd.add(func(s *Snapshot) { s.VisibleServices = append(s.VisibleServices, got...) })
	}
}

func (rd *reader) describeVisibleFiltered(ctx context.Context, names, regions []string,
	describe func(context.Context, *ec2.DescribeVpcEndpointServicesInput) ([]VisibleService, error), got *[]VisibleService) error {
	*got = nil
	for _, batch := range chunks(names, filterValueMax) {
		more, err := describe(ctx, &ec2.DescribeVpcEndpointServicesInput{ServiceRegions: regions,
			Filters: []ec2types.Filter{{Name: aws.String("service-name"), Values: batch}}})
		if err != nil {
			return err
		}
		*got = append(*got, more...)
	}
	return nil
}

// unknownServiceName returns the index in names of the service an
// InvalidServiceName error names ("The Vpc Endpoint Service 'NAME' does not
// exist"), or -1.
func unknownServiceName(err error, names []string) int {
	msg := err.Error()
	for i, n := range names {
		if strings.Contains(msg, "'"+n+"'") {
			return i
		}
	}
	return -1
}

func toVisible(in *interner, sc *scopeState, d ec2types.ServiceDetail) VisibleService {
	v := VisibleService{
		AccountID:           sc.AccountID,
		Region:              sc.Region,
		ServiceName:         in.ptr(d.ServiceName),
		ServiceID:           in.ptr(d.ServiceId),
		Owner:               in.ptr(d.Owner),
		ServiceRegion:       in.ptr(d.ServiceRegion),
		AcceptanceRequired:  aws.ToBool(d.AcceptanceRequired),
		AvailabilityZones:   in.sorted(d.AvailabilityZones),
		AvailabilityZoneIDs: in.sorted(d.AvailabilityZoneIds),
		PrivateDNSName:      in.ptr(d.PrivateDnsName),
	}
	if len(d.ServiceType) > 0 {
		v.Type = in.str(string(d.ServiceType[0].ServiceType))
	}
	for _, t := range d.SupportedIpAddressTypes {
		v.SupportedIPAddressTypes = append(v.SupportedIPAddressTypes, in.str(string(t)))
	}
	sort.Strings(v.SupportedIPAddressTypes)
	if len(v.AvailabilityZoneIDs) == 0 && (v.ServiceRegion == "" || v.ServiceRegion == sc.Region) {
		v.AvailabilityZoneIDs = zoneIDsOf(v.AvailabilityZones, sc.zoneIDs)
	}
	return v
}
