package export

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/live"
)

// scopeData is what one account-region holds.
type scopeData struct {
	acct       Account
	region     string
	services   []types.ServiceConfiguration
	principals map[string][]string // service id -> principal ARNs
	// principalTags are the tags of service permissions, by service id
	// and principal.
	principalTags map[string]map[string]map[string]string
	notifications map[string][]types.ConnectionNotification
	connections   map[string][]types.VpcEndpointConnection
	endpoints     []types.VpcEndpoint
	notes         []string
}

// readScope reads what one account-region holds that a manifest can
// adopt, or the first read that failed.
func readScope(ctx context.Context, src ClientSource, a Account, region, project string) (*scopeData, *Failure) {
	sd := &scopeData{acct: a, region: region, principals: map[string][]string{}, principalTags: map[string]map[string]map[string]string{},
		notifications: map[string][]types.ConnectionNotification{}, connections: map[string][]types.VpcEndpointConnection{}}
	api, err := src.EC2(ctx, a.Alias, region)
	if err != nil {
		return nil, sd.failure("Clients", err)
	}
	r := &scopeReader{api: api, sd: sd, project: project}
	if f := r.services(ctx); f != nil {
		return nil, f
	}
	if f := r.permissions(ctx); f != nil {
		return nil, f
	}
	// Notifications and connections are one listing per account-region,
	// made only when something was found to read them for.
	if len(sd.services) > 0 {
		if f := r.notifications(ctx); f != nil {
			return nil, f
		}
		if f := r.connections(ctx); f != nil {
			return nil, f
		}
	}
	if f := r.endpoints(ctx); f != nil {
		return nil, f
	}
	if len(sd.services) == 0 && len(sd.endpoints) > 0 {
		if f := r.notifications(ctx); f != nil {
			return nil, f
		}
	}
	return sd, nil
}

// failure is a failed read of call in this account-region; a role that
// could not be assumed names sts:AssumeRole.
func (sd *scopeData) failure(call string, err error) *Failure {
	return &Failure{Account: sd.acct.Alias, AccountID: sd.acct.ID, Region: sd.region, Call: live.FailedCall(call, err), Error: awsenv.Describe(err), Err: err}
}

// leaveOut notes that resource id is not exported, and why.
func (sd *scopeData) leaveOut(id, why string) {
	sd.notes = append(sd.notes, fmt.Sprintf("%s in %s %s left out: %s", id, sd.acct.Alias, sd.region, why))
}

// scopeReader reads one account-region into sd.
type scopeReader struct {
	api     EC2API
	sd      *scopeData
	project string
}

// otherProject is the plink project other than this one that tags a
// resource, or "".
func (r *scopeReader) otherProject(tags []types.Tag) string {
	if proj := tagMap(tags)[live.TagProject]; proj != "" && proj != r.project {
		return proj
	}
	return ""
}

// services keeps the endpoint services there are to adopt: not deleted,
// not on their way out or failed, not another project's.
func (r *scopeReader) services(ctx context.Context) *Failure {
	sd := r.sd
	sp := ec2.NewDescribeVpcEndpointServiceConfigurationsPaginator(r.api, &ec2.DescribeVpcEndpointServiceConfigurationsInput{MaxResults: aws.Int32(1000)})
	for sp.HasMorePages() {
		out, err := sp.NextPage(ctx)
		if err != nil {
			return sd.failure("DescribeVpcEndpointServiceConfigurations", err)
		}
		for _, s := range out.ServiceConfigurations {
			// A deleted service is not there; one being deleted or failed
			// is nothing to adopt (live.ServicePhase gives every state its
			// one meaning).
			switch live.ServicePhase(string(s.ServiceState)) {
			case live.PhaseGone:
				continue
			case live.PhaseGoing, live.PhaseBroken:
				sd.leaveOut(aws.ToString(s.ServiceId), fmt.Sprintf("it is %s", s.ServiceState))
				continue
			}
			if proj := r.otherProject(s.Tags); proj != "" {
				sd.leaveOut(aws.ToString(s.ServiceId), "plink project "+proj+" manages it")
				continue
			}
			sd.services = append(sd.services, s)
		}
	}
	return nil
}

// permissions reads each kept service's allowed principals and their tags.
func (r *scopeReader) permissions(ctx context.Context) *Failure {
	sd := r.sd
	for _, s := range sd.services {
		id := aws.ToString(s.ServiceId)
		pp := ec2.NewDescribeVpcEndpointServicePermissionsPaginator(r.api, &ec2.DescribeVpcEndpointServicePermissionsInput{ServiceId: s.ServiceId, MaxResults: aws.Int32(1000)})
		for pp.HasMorePages() {
			out, err := pp.NextPage(ctx)
			if err != nil {
				return sd.failure("DescribeVpcEndpointServicePermissions", err)
			}
			for _, p := range out.AllowedPrincipals {
				sd.principals[id] = append(sd.principals[id], aws.ToString(p.Principal))
				if tags := userTags(p.Tags); len(tags) > 0 {
					if sd.principalTags[id] == nil {
						sd.principalTags[id] = map[string]map[string]string{}
					}
					sd.principalTags[id][aws.ToString(p.Principal)] = tags
				}
			}
		}
	}
	return nil
}

// notifications reads all services' and endpoints' notifications in one
// listing, grouped by service or endpoint id.
func (r *scopeReader) notifications(ctx context.Context) *Failure {
	sd := r.sd
	np := ec2.NewDescribeVpcEndpointConnectionNotificationsPaginator(r.api, &ec2.DescribeVpcEndpointConnectionNotificationsInput{MaxResults: aws.Int32(1000)})
	for np.HasMorePages() {
		out, err := np.NextPage(ctx)
		if err != nil {
			return sd.failure("DescribeVpcEndpointConnectionNotifications", err)
		}
		for _, n := range out.ConnectionNotificationSet {
			id := aws.ToString(n.ServiceId)
			if id == "" {
				id = aws.ToString(n.VpcEndpointId) // an endpoint's own
			}
			if id != "" {
				sd.notifications[id] = append(sd.notifications[id], n)
			}
		}
	}
	return nil
}

// connections reads all services' endpoint connections in one listing,
// grouped by service id.
func (r *scopeReader) connections(ctx context.Context) *Failure {
	sd := r.sd
	cp := ec2.NewDescribeVpcEndpointConnectionsPaginator(r.api, &ec2.DescribeVpcEndpointConnectionsInput{MaxResults: aws.Int32(1000)})
	for cp.HasMorePages() {
		out, err := cp.NextPage(ctx)
		if err != nil {
			return sd.failure("DescribeVpcEndpointConnections", err)
		}
		for _, c := range out.VpcEndpointConnections {
			id := aws.ToString(c.ServiceId)
			sd.connections[id] = append(sd.connections[id], c)
		}
	}
	return nil
}

// endpoints keeps the endpoints there are to adopt: of a type plink
// manages, not another project's, not deleted, going or failed.
func (r *scopeReader) endpoints(ctx context.Context) *Failure {
	sd := r.sd
	ep := ec2.NewDescribeVpcEndpointsPaginator(r.api, &ec2.DescribeVpcEndpointsInput{MaxResults: aws.Int32(1000)})
	for ep.HasMorePages() {
		out, err := ep.NextPage(ctx)
		if err != nil {
			return sd.failure("DescribeVpcEndpoints", err)
		}
		for _, e := range out.VpcEndpoints {
			id := aws.ToString(e.VpcEndpointId)
			switch e.VpcEndpointType {
			case types.VpcEndpointTypeInterface, types.VpcEndpointTypeGatewayLoadBalancer, types.VpcEndpointTypeGateway,
				types.VpcEndpointTypeResource, types.VpcEndpointTypeServiceNetwork:
			default:
				sd.leaveOut(id, fmt.Sprintf("plink manages interface, Gateway Load Balancer, gateway, resource and service-network endpoints, this one is %s", e.VpcEndpointType))
				continue
			}
			if proj := r.otherProject(e.Tags); proj != "" {
				sd.leaveOut(id, "plink project "+proj+" manages it")
				continue
			}
			switch live.EndpointPhase(string(e.State)) {
			case live.PhaseGone:
				continue
			case live.PhaseGoing, live.PhaseBroken:
				sd.leaveOut(id, fmt.Sprintf("it is %s", e.State))
				continue
			}
			sd.endpoints = append(sd.endpoints, e)
		}
	}
	return nil
}
