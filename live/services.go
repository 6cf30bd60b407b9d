package live

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// readServices reads the scope's endpoint service configurations, keeps
// those the manifest cares about, and reads their permissions, connections
// and notifications.
func (rd *reader) readServices(ctx context.Context, sc *scopeState, zoneIDs map[string]string) {
	var all []ec2types.ServiceConfiguration
	err := rd.call(ctx, sc, callServices, func(ctx context.Context) error {
		return allPages(func(token *string) (*string, error) {
			out, err := sc.ec2.DescribeVpcEndpointServiceConfigurations(ctx,
				&ec2.DescribeVpcEndpointServiceConfigurationsInput{MaxResults: aws.Int32(pageSize), NextToken: token})
			if err != nil {
				return nil, err
			}
			all = append(all, out.ServiceConfigurations...)
			return out.NextToken, nil
		})
	})
	if err != nil {
		return
	}
	var services []*Service
	owned := map[string]*Service{}
	for _, c := range all {
		s := toService(sc, c, zoneIDs)
		isOwned := rd.owned(s.Tags, s.ID)
		if !isOwned && !intersects(sc.lbs, s.NetworkLoadBalancerARNs, s.GatewayLoadBalancerARNs) {
			continue // a foreign service that fronts none of our load balancers
		}
		services = append(services, s)
		if isOwned {
			owned[s.ID] = s
		}
	}
	if sc.foreign {
		// Outside ReadOptions.Shard: the services' names and zones, and the
		// permissions of those the shard's consumers connect to (whether
		// their principal exists yet) — one call per such service; no
		// connections or notifications.
		var wg sync.WaitGroup
		for _, s := range owned {
			if !rd.provided[s.Tags[TagName]] {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				rd.readPermissions(ctx, sc, s)
			}()
		}
		wg.Wait()
	} else if len(owned) > 0 {
		var wg sync.WaitGroup
		for _, s := range owned {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rd.readPermissions(ctx, sc, s)
			}()
		}
		var conns []Connection
		var connOwner []string
		wg.Add(2)
		go func() {
			defer wg.Done()
			_ = rd.call(ctx, sc, callConnections, func(ctx context.Context) error {
				return allPages(func(token *string) (*string, error) {
					out, err := sc.ec2.DescribeVpcEndpointConnections(ctx,
						&ec2.DescribeVpcEndpointConnectionsInput{MaxResults: aws.Int32(pageSize), NextToken: token})
					if err != nil {
						return nil, err
					}
					for _, c := range out.VpcEndpointConnections {
						conns = append(conns, toConnection(c))
						connOwner = append(connOwner, aws.ToString(c.ServiceId))
					}
					return out.NextToken, nil
				})
			})
		}()
		var notes []Notification
		var noteOwner []string
		go func() {
			defer wg.Done()
			_ = rd.call(ctx, sc, callNotifications, func(ctx context.Context) error {
				return allPages(func(token *string) (*string, error) {
					out, err := sc.ec2.DescribeVpcEndpointConnectionNotifications(ctx,
						&ec2.DescribeVpcEndpointConnectionNotificationsInput{MaxResults: aws.Int32(pageSize), NextToken: token})
					if err != nil {
						return nil, err
					}
					for _, n := range out.ConnectionNotificationSet {
						if aws.ToString(n.ServiceId) == "" {
							continue // an endpoint's notification, not a service's
						}
						notes = append(notes, Notification{
							ID:       aws.ToString(n.ConnectionNotificationId),
							TopicARN: aws.ToString(n.ConnectionNotificationArn),
							Events:   sortedCopy(n.ConnectionEvents),
							State:    string(n.ConnectionNotificationState),
						})
						noteOwner = append(noteOwner, aws.ToString(n.ServiceId))
					}
					return out.NextToken, nil
				})
			})
		}()
		wg.Wait()
		for i, c := range conns {
			if s := owned[connOwner[i]]; s != nil {
				s.Connections = append(s.Connections, c)
			}
		}
		for i, n := range notes {
			if s := owned[noteOwner[i]]; s != nil {
				s.Notifications = append(s.Notifications, n)
			}
		}
	}
	rd.add(func(snap *Snapshot) {
		for _, s := range services {
			snap.Services = append(snap.Services, *s)
		}
	})
}

func (rd *reader) readPermissions(ctx context.Context, sc *scopeState, s *Service) {
	var principals []string
	err := rd.call(ctx, sc, callPermissions+"("+s.ID+")", func(ctx context.Context) error {
		return allPages(func(token *string) (*string, error) {
			out, err := sc.ec2.DescribeVpcEndpointServicePermissions(ctx,
				&ec2.DescribeVpcEndpointServicePermissionsInput{ServiceId: aws.String(s.ID), MaxResults: aws.Int32(pageSize), NextToken: token})
			if err != nil {
				return nil, err
			}
			for _, p := range out.AllowedPrincipals {
				principals = append(principals, aws.ToString(p.Principal))
			}
			return out.NextToken, nil
		})
	})
	if err == nil {
		s.Principals = principals
	}
}

func intersects(s set, lists ...[]string) bool {
	for _, l := range lists {
		for _, v := range l {
			if s[v] {
				return true
			}
		}
	}
	return false
}

func toService(sc *scopeState, c ec2types.ServiceConfiguration, zoneIDs map[string]string) *Service {
	s := &Service{
		AccountID:               sc.AccountID,
		Region:                  sc.Region,
		ID:                      aws.ToString(c.ServiceId),
		Name:                    aws.ToString(c.ServiceName),
		State:                   string(c.ServiceState),
		AcceptanceRequired:      aws.ToBool(c.AcceptanceRequired),
		NetworkLoadBalancerARNs: sortedCopy(c.NetworkLoadBalancerArns),
		GatewayLoadBalancerARNs: sortedCopy(c.GatewayLoadBalancerArns),
		AvailabilityZones:       sortedCopy(c.AvailabilityZones),
		AvailabilityZoneIDs:     sortedCopy(c.AvailabilityZoneIds),
		PrivateDNSName:          aws.ToString(c.PrivateDnsName),
		Tags:                    tagMap(c.Tags),
	}
	if len(c.ServiceType) > 0 {
		s.Type = string(c.ServiceType[0].ServiceType)
	}
	if d := c.PrivateDnsNameConfiguration; d != nil {
		s.PrivateDNSState = string(d.State)
		s.PrivateDNSTXTName = aws.ToString(d.Name)
		s.PrivateDNSTXTValue = aws.ToString(d.Value)
	}
	for _, t := range c.SupportedIpAddressTypes {
		s.SupportedIPAddressTypes = append(s.SupportedIPAddressTypes, string(t))
	}
	for _, r := range c.SupportedRegions {
		s.SupportedRegions = append(s.SupportedRegions, aws.ToString(r.Region))
	}
	if len(s.AvailabilityZoneIDs) == 0 {
		s.AvailabilityZoneIDs = zoneIDsOf(s.AvailabilityZones, zoneIDs)
	}
	return s
}

// zoneIDsOf maps AZ names to ids where the scope's zones know them.
func zoneIDsOf(names []string, zoneIDs map[string]string) []string {
	var out []string
	for _, n := range names {
		if id := zoneIDs[n]; id != "" {
			out = append(out, id)
		}
	}
	return out
}

func toConnection(c ec2types.VpcEndpointConnection) Connection {
	conn := Connection{
		EndpointID: aws.ToString(c.VpcEndpointId),
		OwnerID:    aws.ToString(c.VpcEndpointOwner),
		State:      lowerFirst(string(c.VpcEndpointState)),
		Region:     aws.ToString(c.VpcEndpointRegion),
	}
	if c.CreationTimestamp != nil {
		conn.Created = c.CreationTimestamp.UTC()
	}
	return conn
}
