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
	all, err := listAll(rd, ctx, sc, callServices, func(ctx context.Context, token *string) ([]ec2types.ServiceConfiguration, *string, error) {
		out, err := sc.ec2.DescribeVpcEndpointServiceConfigurations(ctx,
			&ec2.DescribeVpcEndpointServiceConfigurationsInput{MaxResults: aws.Int32(pageSize), NextToken: token})
		return listed(out, err, func(o *ec2.DescribeVpcEndpointServiceConfigurationsOutput) ([]ec2types.ServiceConfiguration, *string) {
			return o.ServiceConfigurations, o.NextToken
		})
	})
	if err != nil {
		return
	}
	var services []*Service
	var endpointNotes []EndpointNotification
	owned := map[string]*Service{}
	for _, c := range all {
		s := toService(&rd.in, sc, c, zoneIDs)
		isOwned := rd.owned(s.Tags, s.ID)
		if !isOwned && !intersects(sc.lbs, s.NetworkLoadBalancerARNs, s.GatewayLoadBalancerARNs) {
			continue // a foreign service that fronts none of our load balancers
		}
		services = append(services, s)
		if isOwned {
			owned[s.ID] = s
		}
	}
	rd.mu.Lock()
	rd.listed = append(rd.listed, services...) // for readVisible, before the connections
	rd.mu.Unlock()
	sc.servicesRead()
	if sc.foreign {
		// Outside ReadOptions.Shard: the services' names and zones, and the
		// permissions of those the shard's consumers connect to (whether
		// their principal exists yet) — one call per such service; no
		// connections or notifications.
		var wg sync.WaitGroup
		for _, s := range owned {
			if rd.provided[s.Tags[TagName]] {
				wg.Go(func() { rd.readPermissions(ctx, sc, s) })
			}
		}
		wg.Wait()
	} else if len(owned) > 0 || consumersNotify(sc) {
		// (Notifications are read also where only consumers live when one
		// of them declares its own: consumernotifications.go.)
		var wg sync.WaitGroup
		for _, s := range owned {
			wg.Go(func() { rd.readPermissions(ctx, sc, s) })
		}
		// Connections and notifications are listed for the whole scope and
		// given to the owned services they belong to; what was read is kept
		// also when a later page failed.
		var conns []ec2types.VpcEndpointConnection
		var notes []ec2types.ConnectionNotification
		wg.Go(func() {
			if len(owned) == 0 {
				return // no service: no connection to read
			}
			if !rd.gate(ctx, sc, PartConnections) {
				return
			}
			conns, _ = listAll(rd, ctx, sc, callConnections, func(ctx context.Context, token *string) ([]ec2types.VpcEndpointConnection, *string, error) {
				out, err := sc.ec2.DescribeVpcEndpointConnections(ctx, &ec2.DescribeVpcEndpointConnectionsInput{MaxResults: aws.Int32(pageSize), NextToken: token})
				return listed(out, err, func(o *ec2.DescribeVpcEndpointConnectionsOutput) ([]ec2types.VpcEndpointConnection, *string) {
					return o.VpcEndpointConnections, o.NextToken
				})
			})
		})
		wg.Go(func() {
			notes, _ = listAll(rd, ctx, sc, callNotifications, func(ctx context.Context, token *string) ([]ec2types.ConnectionNotification, *string, error) {
				out, err := sc.ec2.DescribeVpcEndpointConnectionNotifications(ctx, &ec2.DescribeVpcEndpointConnectionNotificationsInput{MaxResults: aws.Int32(pageSize), NextToken: token})
				return listed(out, err, func(o *ec2.DescribeVpcEndpointConnectionNotificationsOutput) ([]ec2types.ConnectionNotification, *string) {
					return o.ConnectionNotificationSet, o.NextToken
				})
			})
		})
		wg.Wait()
		for _, c := range conns {
			if s := owned[aws.ToString(c.ServiceId)]; s != nil {
				s.Connections = append(s.Connections, toConnection(&rd.in, c))
			}
		}
		for _, n := range notes {
			if aws.ToString(n.ServiceId) == "" {
				// an endpoint's own notification (consumernotifications.go)
				if id := aws.ToString(n.VpcEndpointId); id != "" {
					endpointNotes = append(endpointNotes, EndpointNotification{AccountID: sc.AccountID, Region: sc.Region, EndpointID: id, Notification: toNotification(n)})
				}
				continue
			}
			if s := owned[aws.ToString(n.ServiceId)]; s != nil {
				s.Notifications = append(s.Notifications, toNotification(n))
			}
		}
	}
	rd.add(func(snap *Snapshot) {
		for _, s := range services {
			snap.Services = append(snap.Services, *s)
		}
		snap.EndpointNotifications = append(snap.EndpointNotifications, endpointNotes...)
	})
}

func (rd *reader) readPermissions(ctx context.Context, sc *scopeState, s *Service) {
	allowed, err := listAll(rd, ctx, sc, callPermissions+"("+s.ID+")", func(ctx context.Context, token *string) ([]ec2types.AllowedPrincipal, *string, error) {
		out, err := sc.ec2.DescribeVpcEndpointServicePermissions(ctx,
			&ec2.DescribeVpcEndpointServicePermissionsInput{ServiceId: aws.String(s.ID), MaxResults: aws.Int32(pageSize), NextToken: token})
		return listed(out, err, func(o *ec2.DescribeVpcEndpointServicePermissionsOutput) ([]ec2types.AllowedPrincipal, *string) {
			return o.AllowedPrincipals, o.NextToken
		})
	})
	if err != nil {
		return
	}
	var principals []string
	for _, p := range allowed {
		pr := rd.in.ptr(p.Principal)
		principals = append(principals, pr)
		if tags := rd.in.tags(p.Tags); len(tags) > 0 {
			if s.PrincipalTags == nil {
				s.PrincipalTags = map[string]map[string]string{}
			}
			s.PrincipalTags[pr] = tags
		}
	}
	s.Principals = principals
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

func toService(in *interner, sc *scopeState, c ec2types.ServiceConfiguration, zoneIDs map[string]string) *Service {
	s := &Service{
		AccountID:               sc.AccountID,
		Region:                  sc.Region,
		ID:                      aws.ToString(c.ServiceId),
		Name:                    aws.ToString(c.ServiceName),
		State:                   in.str(string(c.ServiceState)),
		AcceptanceRequired:      aws.ToBool(c.AcceptanceRequired),
		NetworkLoadBalancerARNs: sortedCopy(c.NetworkLoadBalancerArns),
		GatewayLoadBalancerARNs: sortedCopy(c.GatewayLoadBalancerArns),
		AvailabilityZones:       in.sorted(c.AvailabilityZones),
		AvailabilityZoneIDs:     in.sorted(c.AvailabilityZoneIds),
		PrivateDNSName:          aws.ToString(c.PrivateDnsName),
		PayerResponsibility:     in.str(string(c.PayerResponsibility)),
		Tags:                    in.tags(c.Tags),
	}
	if len(c.ServiceType) > 0 {
		s.Type = in.str(string(c.ServiceType[0].ServiceType))
	}
	if d := c.PrivateDnsNameConfiguration; d != nil {
		s.PrivateDNSState = in.str(string(d.State))
		s.PrivateDNSTXTName = aws.ToString(d.Name)
		s.PrivateDNSTXTValue = aws.ToString(d.Value)
	}
	for _, t := range c.SupportedIpAddressTypes {
		s.SupportedIPAddressTypes = append(s.SupportedIPAddressTypes, in.str(string(t)))
	}
	for _, r := range c.SupportedRegions {
		s.SupportedRegions = append(s.SupportedRegions, in.ptr(r.Region))
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

func toConnection(in *interner, c ec2types.VpcEndpointConnection) Connection {
	conn := Connection{
		EndpointID: aws.ToString(c.VpcEndpointId),
		OwnerID:    in.ptr(c.VpcEndpointOwner),
		State:      in.str(lowerFirst(string(c.VpcEndpointState))),
		Region:     in.ptr(c.VpcEndpointRegion),
	}
	if c.CreationTimestamp != nil {
		conn.Created = c.CreationTimestamp.UTC()
	}
	return conn
}

func toNotification(n ec2types.ConnectionNotification) Notification {
	return Notification{
		ID:       aws.ToString(n.ConnectionNotificationId),
		TopicARN: aws.ToString(n.ConnectionNotificationArn),
		Events:   sortedCopy(n.ConnectionEvents),
		State:    string(n.ConnectionNotificationState),
	}
}
