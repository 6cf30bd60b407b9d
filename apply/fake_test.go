package apply

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// fakeWorld is an in-memory EC2 for unit tests: services, endpoints,
// connections, notifications and tags across accounts and regions, with a
// call log and injectable failures.
type fakeWorld struct {
	mu        sync.Mutex
	n         int
	services  map[string]*fakeService
	endpoints map[string]*fakeEndpoint
	notifs    map[string]*types.ConnectionNotification
	tokens    map[string]string
	calls     []fakeCall
	// fail makes the next matching calls fail: key "Action" or "Action|account".
	fail map[string]*fakeFault
	// unsuccessful makes Accept/Reject/Delete report these ids as failed items.
	unsuccessful map[string]string // id → code
	// pendingDescribes: how many describes a new resource stays pending.
	pendingDescribes int
	// stale makes the next creates of an action answer, as AWS does for a
	// ClientToken whose resource was deleted, with a deleted resource.
	stale map[string]int
	// pageSize, when set, pages DescribeVpcEndpoints replies;
	// connPageSize DescribeVpcEndpointConnections replies.
	pageSize     int
	connPageSize int
	// hang makes the next calls of an action block until their context
	// ends, as a Describe that never answers.
	hang map[string]int
	// hung counts the calls that hung.
	hung int
}

type fakeFault struct {
	code  string
	times int
}

type fakeCall struct {
	Account, Region, Action string
	Input                   any
}

type fakeService struct {
	account, region string
	cfg             types.ServiceConfiguration
	principals      []string
	describes       int
}

type fakeEndpoint struct {
	account, region string
	ep              types.VpcEndpoint
	serviceID       string
	describes       int
}

func newFakeWorld() *fakeWorld {
	return &fakeWorld{services: map[string]*fakeService{}, endpoints: map[string]*fakeEndpoint{},
		notifs: map[string]*types.ConnectionNotification{}, tokens: map[string]string{},
		fail: map[string]*fakeFault{}, unsuccessful: map[string]string{}, pendingDescribes: 1, stale: map[string]int{},
		hang: map[string]int{}}
}

var aliasIDs = map[string]string{"payments": "111111111111", "checkout": "222222222222", "analytics": "333333333333"}

func (w *fakeWorld) clients() Clients {
	return ClientsFunc(func(ctx context.Context, account, region string) (EC2API, error) {
		id, ok := aliasIDs[account]
		if !ok {
			return nil, fmt.Errorf("no credentials for account %s", account)
		}
		return &fakeEC2{w: w, account: id, region: region}, nil
	})
}

func (w *fakeWorld) injectFault(key, code string, times int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.fail[key] = &fakeFault{code: code, times: times}
}

// actions returns the logged actions, optionally only mutating ones.
func (w *fakeWorld) actions(mutatingOnly bool) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, c := range w.calls {
		if mutatingOnly && strings.HasPrefix(c.Action, "Describe") {
			continue
		}
		out = append(out, c.Action)
	}
	return out
}

func (w *fakeWorld) callsOf(action string) []fakeCall {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []fakeCall
	for _, c := range w.calls {
		if c.Action == action {
			out = append(out, c)
		}
	}
	return out
}

func (w *fakeWorld) id(prefix string) string {
	w.n++
	return fmt.Sprintf("%s%017x", prefix, w.n)
}

type fakeEC2 struct {
	w               *fakeWorld
	account, region string
}

func apiErr(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }

// begin logs the call and returns an injected failure; it locks the world.
func (f *fakeEC2) begin(action string, in any) error {
	f.w.mu.Lock()
	f.w.calls = append(f.w.calls, fakeCall{Account: f.account, Region: f.region, Action: action, Input: in})
	for _, key := range []string{action + "|" + f.account, action} {
		if ft := f.w.fail[key]; ft != nil && ft.times > 0 {
			ft.times--
			return apiErr(ft.code, "injected "+ft.code)
		}
	}
	return nil
}

func (f *fakeEC2) end() { f.w.mu.Unlock() }

// hangs blocks, when the world says the call of action should hang, until
// ctx ends and returns its error; else it returns nil at once.
func (f *fakeEC2) hangs(ctx context.Context, action string) error {
	f.w.mu.Lock()
	n := f.w.hang[action]
	if n > 0 {
		f.w.hang[action] = n - 1
		f.w.hung++
	}
	f.w.mu.Unlock()
	if n == 0 {
		return nil
	}
	<-ctx.Done()
	return ctx.Err()
}

func (f *fakeEC2) serviceByName(name string) *fakeService {
	for _, s := range f.w.services {
		if aws.ToString(s.cfg.ServiceName) == name {
			return s
		}
	}
	return nil
}

func tagsMap(ts []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range ts {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func specTags(specs []types.TagSpecification) []types.Tag {
	var out []types.Tag
	for _, s := range specs {
		out = append(out, s.Tags...)
	}
	return out
}

func (f *fakeEC2) CreateVpcEndpointServiceConfiguration(ctx context.Context, in *ec2.CreateVpcEndpointServiceConfigurationInput, _ ...func(*ec2.Options)) (*ec2.CreateVpcEndpointServiceConfigurationOutput, error) {
	defer f.end()
	if err := f.begin("CreateVpcEndpointServiceConfiguration", in); err != nil {
		return nil, err
	}
	if id, ok := f.w.tokens[aws.ToString(in.ClientToken)]; ok {
		s := f.w.services[id]
		return &ec2.CreateVpcEndpointServiceConfigurationOutput{ServiceConfiguration: &s.cfg}, nil
	}
	if f.w.stale["CreateVpcEndpointServiceConfiguration"] > 0 {
		f.w.stale["CreateVpcEndpointServiceConfiguration"]--
		id := f.w.id("vpce-svc-")
		return &ec2.CreateVpcEndpointServiceConfigurationOutput{ServiceConfiguration: &types.ServiceConfiguration{
			ServiceId: aws.String(id), ServiceName: aws.String("com.amazonaws.vpce." + f.region + "." + id), ServiceState: types.ServiceStateDeleted}}, nil
	}
	id := f.w.id("vpce-svc-")
	s := &fakeService{account: f.account, region: f.region, cfg: types.ServiceConfiguration{
		ServiceId: aws.String(id), ServiceName: aws.String("com.amazonaws.vpce." + f.region + "." + id),
		ServiceState: types.ServiceStatePending, AcceptanceRequired: in.AcceptanceRequired,
		NetworkLoadBalancerArns: in.NetworkLoadBalancerArns, Tags: specTags(in.TagSpecifications), PrivateDnsName: in.PrivateDnsName,
	}}
	for _, r := range in.SupportedRegions {
		s.cfg.SupportedRegions = append(s.cfg.SupportedRegions, types.SupportedRegionDetail{Region: aws.String(r)})
	}
	f.w.services[id] = s
	f.w.tokens[aws.ToString(in.ClientToken)] = id
	return &ec2.CreateVpcEndpointServiceConfigurationOutput{ServiceConfiguration: &s.cfg}, nil
}

func (f *fakeEC2) ModifyVpcEndpointServiceConfiguration(ctx context.Context, in *ec2.ModifyVpcEndpointServiceConfigurationInput, _ ...func(*ec2.Options)) (*ec2.ModifyVpcEndpointServiceConfigurationOutput, error) {
	defer f.end()
	if err := f.begin("ModifyVpcEndpointServiceConfiguration", in); err != nil {
		return nil, err
	}
	s := f.w.services[aws.ToString(in.ServiceId)]
	if s == nil {
		return nil, apiErr("InvalidVpcEndpointServiceId.NotFound", "no such service")
	}
	if in.AcceptanceRequired != nil {
		s.cfg.AcceptanceRequired = in.AcceptanceRequired
	}
	return &ec2.ModifyVpcEndpointServiceConfigurationOutput{Return: aws.Bool(true)}, nil
}

func (f *fakeEC2) DeleteVpcEndpointServiceConfigurations(ctx context.Context, in *ec2.DeleteVpcEndpointServiceConfigurationsInput, _ ...func(*ec2.Options)) (*ec2.DeleteVpcEndpointServiceConfigurationsOutput, error) {
	defer f.end()
	if err := f.begin("DeleteVpcEndpointServiceConfigurations", in); err != nil {
		return nil, err
	}
	out := &ec2.DeleteVpcEndpointServiceConfigurationsOutput{}
	for _, id := range in.ServiceIds {
		if code := f.w.unsuccessful[id]; code != "" {
			out.Unsuccessful = append(out.Unsuccessful, types.UnsuccessfulItem{ResourceId: aws.String(id),
				Error: &types.UnsuccessfulItemError{Code: aws.String(code), Message: aws.String("injected")}})
			continue
		}
		for _, e := range f.w.endpoints {
			st := string(e.ep.State)
			if e.serviceID == id && (st == "available" || st == "pendingAcceptance") {
				out.Unsuccessful = append(out.Unsuccessful, types.UnsuccessfulItem{ResourceId: aws.String(id),
					Error: &types.UnsuccessfulItemError{Code: aws.String("ExistingVpcEndpointConnections"), Message: aws.String("has connections")}})
			}
		}
		if len(out.Unsuccessful) == 0 {
			delete(f.w.services, id)
		}
	}
	return out, nil
}

func (f *fakeEC2) DescribeVpcEndpointServiceConfigurations(ctx context.Context, in *ec2.DescribeVpcEndpointServiceConfigurationsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServiceConfigurationsOutput, error) {
	if err := f.hangs(ctx, "DescribeVpcEndpointServiceConfigurations"); err != nil {
		return nil, err
	}
	defer f.end()
	if err := f.begin("DescribeVpcEndpointServiceConfigurations", in); err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcEndpointServiceConfigurationsOutput{}
	ids, filtered := filterValues(in.Filters, "service-id")
	for _, id := range in.ServiceIds {
		s := f.w.services[id]
		if s == nil || s.account != f.account || s.region != f.region {
			return nil, apiErr("InvalidVpcEndpointServiceId.NotFound", "no such service "+id)
		}
	}
	if !filtered {
		ids = in.ServiceIds
	}
	for _, id := range ids {
		s := f.w.services[id]
		if s == nil || s.account != f.account || s.region != f.region {
			continue // a filter value that matches nothing
		}
		s.describes++
		if s.describes > f.w.pendingDescribes && s.cfg.ServiceState == types.ServiceStatePending {
			s.cfg.ServiceState = types.ServiceStateAvailable
		}
		out.ServiceConfigurations = append(out.ServiceConfigurations, s.cfg)
	}
	return out, nil
}

// filterValues returns the values of the named filter, and whether it was given.
func filterValues(fs []types.Filter, name string) ([]string, bool) {
	for _, f := range fs {
		if aws.ToString(f.Name) == name {
			return f.Values, true
		}
	}
	return nil, false
}

func (f *fakeEC2) ModifyVpcEndpointServicePermissions(ctx context.Context, in *ec2.ModifyVpcEndpointServicePermissionsInput, _ ...func(*ec2.Options)) (*ec2.ModifyVpcEndpointServicePermissionsOutput, error) {
	defer f.end()
	if err := f.begin("ModifyVpcEndpointServicePermissions", in); err != nil {
		return nil, err
	}
	s := f.w.services[aws.ToString(in.ServiceId)]
	if s == nil {
		return nil, apiErr("InvalidVpcEndpointServiceId.NotFound", "no such service")
	}
	for _, p := range in.AddAllowedPrincipals {
		if !strings.HasPrefix(p, "arn:") && p != "*" {
			return nil, apiErr("InvalidPrincipal", "bad principal "+p)
		}
	}
	s.principals = append(s.principals, in.AddAllowedPrincipals...)
	return &ec2.ModifyVpcEndpointServicePermissionsOutput{ReturnValue: aws.Bool(true)}, nil
}

func (f *fakeEC2) CreateVpcEndpoint(ctx context.Context, in *ec2.CreateVpcEndpointInput, _ ...func(*ec2.Options)) (*ec2.CreateVpcEndpointOutput, error) {
	defer f.end()
	if err := f.begin("CreateVpcEndpoint", in); err != nil {
		return nil, err
	}
	if id, ok := f.w.tokens[aws.ToString(in.ClientToken)]; ok {
		return &ec2.CreateVpcEndpointOutput{VpcEndpoint: &f.w.endpoints[id].ep}, nil
	}
	if f.w.stale["CreateVpcEndpoint"] > 0 {
		f.w.stale["CreateVpcEndpoint"]--
		return &ec2.CreateVpcEndpointOutput{VpcEndpoint: &types.VpcEndpoint{VpcEndpointId: aws.String(f.w.id("vpce-")), State: "deleted"}}, nil
	}
	s := f.serviceByName(aws.ToString(in.ServiceName))
	if s == nil {
		return nil, apiErr("InvalidServiceName", "the service "+aws.ToString(in.ServiceName)+" does not exist")
	}
	id := f.w.id("vpce-")
	e := &fakeEndpoint{account: f.account, region: f.region, serviceID: aws.ToString(s.cfg.ServiceId), ep: types.VpcEndpoint{
		VpcEndpointId: aws.String(id), ServiceName: in.ServiceName, VpcId: in.VpcId, State: "pending",
		PrivateDnsEnabled: in.PrivateDnsEnabled, SubnetIds: in.SubnetIds, Tags: specTags(in.TagSpecifications), OwnerId: aws.String(f.account),
	}}
	f.w.endpoints[id] = e
	f.w.tokens[aws.ToString(in.ClientToken)] = id
	return &ec2.CreateVpcEndpointOutput{VpcEndpoint: &e.ep}, nil
}

func (f *fakeEC2) ModifyVpcEndpoint(ctx context.Context, in *ec2.ModifyVpcEndpointInput, _ ...func(*ec2.Options)) (*ec2.ModifyVpcEndpointOutput, error) {
	defer f.end()
	if err := f.begin("ModifyVpcEndpoint", in); err != nil {
		return nil, err
	}
	e := f.w.endpoints[aws.ToString(in.VpcEndpointId)]
	if e == nil {
		return nil, apiErr("InvalidVpcEndpointId.NotFound", "no such endpoint")
	}
	if in.PrivateDnsEnabled != nil {
		if *in.PrivateDnsEnabled && e.ep.State != "available" {
			return nil, apiErr("InvalidParameter", "private DNS can only be enabled on an available endpoint")
		}
		e.ep.PrivateDnsEnabled = in.PrivateDnsEnabled
	}
	return &ec2.ModifyVpcEndpointOutput{Return: aws.Bool(true)}, nil
}

func (f *fakeEC2) DeleteVpcEndpoints(ctx context.Context, in *ec2.DeleteVpcEndpointsInput, _ ...func(*ec2.Options)) (*ec2.DeleteVpcEndpointsOutput, error) {
	defer f.end()
	if err := f.begin("DeleteVpcEndpoints", in); err != nil {
		return nil, err
	}
	out := &ec2.DeleteVpcEndpointsOutput{}
	for _, id := range in.VpcEndpointIds {
		if code := f.w.unsuccessful[id]; code != "" {
			out.Unsuccessful = append(out.Unsuccessful, types.UnsuccessfulItem{ResourceId: aws.String(id),
				Error: &types.UnsuccessfulItemError{Code: aws.String(code), Message: aws.String("injected")}})
			continue
		}
		if e := f.w.endpoints[id]; e != nil {
			e.ep.State = "deleting"
			e.describes = 0
		}
	}
	return out, nil
}

func (f *fakeEC2) DescribeVpcEndpoints(ctx context.Context, in *ec2.DescribeVpcEndpointsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error) {
	defer f.end()
	if err := f.begin("DescribeVpcEndpoints", in); err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcEndpointsOutput{}
	ids, filtered := filterValues(in.Filters, "vpc-endpoint-id")
	for _, id := range in.VpcEndpointIds {
		e := f.w.endpoints[id]
		if e == nil || e.account != f.account || e.region != f.region {
			return nil, apiErr("InvalidVpcEndpointId.NotFound", "no such endpoint "+id)
		}
	}
	if !filtered {
		ids = in.VpcEndpointIds
	}
	for _, id := range ids {
		e := f.w.endpoints[id]
		if e == nil || e.account != f.account || e.region != f.region {
			continue // a filter value that matches nothing
		}
		e.describes++
		if e.describes > f.w.pendingDescribes {
			switch e.ep.State {
			case "pending":
				if aws.ToBool(f.w.services[e.serviceID].cfg.AcceptanceRequired) {
					e.ep.State = "pendingAcceptance"
				} else {
					e.ep.State = "available"
				}
			case "deleting":
				delete(f.w.endpoints, id)
				continue
			}
		}
		out.VpcEndpoints = append(out.VpcEndpoints, e.ep)
	}
	if n := f.w.pageSize; n > 0 {
		from := 0
		fmt.Sscan(aws.ToString(in.NextToken), &from)
		out.VpcEndpoints = out.VpcEndpoints[min(from, len(out.VpcEndpoints)):]
		if len(out.VpcEndpoints) > n {
			out.VpcEndpoints = out.VpcEndpoints[:n]
			out.NextToken = aws.String(fmt.Sprint(from + n))
		}
	}
	return out, nil
}

func (f *fakeEC2) connect(action string, svc string, ids []string, to types.State) ([]types.UnsuccessfulItem, error) {
	s := f.w.services[svc]
	if s == nil || s.account != f.account {
		return nil, apiErr("InvalidVpcEndpointServiceId.NotFound", "no such service "+svc)
	}
	var bad []types.UnsuccessfulItem
	for _, id := range ids {
		e := f.w.endpoints[id]
		code := f.w.unsuccessful[id]
		if action == "accept" && f.w.unsuccessful["*"] != "" {
			code = f.w.unsuccessful["*"]
		}
		if code == "" && (e == nil || e.serviceID != svc) {
			code = "InvalidVpcEndpointId.NotFound"
		}
		if code != "" {
			bad = append(bad, types.UnsuccessfulItem{ResourceId: aws.String(id),
				Error: &types.UnsuccessfulItemError{Code: aws.String(code), Message: aws.String(action + " failed for " + id)}})
			continue
		}
		e.ep.State = to
	}
	return bad, nil
}

func (f *fakeEC2) AcceptVpcEndpointConnections(ctx context.Context, in *ec2.AcceptVpcEndpointConnectionsInput, _ ...func(*ec2.Options)) (*ec2.AcceptVpcEndpointConnectionsOutput, error) {
	defer f.end()
	if err := f.begin("AcceptVpcEndpointConnections", in); err != nil {
		return nil, err
	}
	bad, err := f.connect("accept", aws.ToString(in.ServiceId), in.VpcEndpointIds, "available")
	if err != nil {
		return nil, err
	}
	return &ec2.AcceptVpcEndpointConnectionsOutput{Unsuccessful: bad}, nil
}

func (f *fakeEC2) RejectVpcEndpointConnections(ctx context.Context, in *ec2.RejectVpcEndpointConnectionsInput, _ ...func(*ec2.Options)) (*ec2.RejectVpcEndpointConnectionsOutput, error) {
	defer f.end()
	if err := f.begin("RejectVpcEndpointConnections", in); err != nil {
		return nil, err
	}
	bad, err := f.connect("reject", aws.ToString(in.ServiceId), in.VpcEndpointIds, "rejected")
	if err != nil {
		return nil, err
	}
	return &ec2.RejectVpcEndpointConnectionsOutput{Unsuccessful: bad}, nil
}

func (f *fakeEC2) DescribeVpcEndpointConnections(ctx context.Context, in *ec2.DescribeVpcEndpointConnectionsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointConnectionsOutput, error) {
	defer f.end()
	if err := f.begin("DescribeVpcEndpointConnections", in); err != nil {
		return nil, err
	}
	filter := map[string]string{}
	for _, fl := range in.Filters {
		filter[aws.ToString(fl.Name)] = fl.Values[0]
	}
	out := &ec2.DescribeVpcEndpointConnectionsOutput{}
	var ids []string
	for id := range f.w.endpoints {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		e := f.w.endpoints[id]
		if v := filter["service-id"]; v != "" && e.serviceID != v {
			continue
		}
		if v := filter["vpc-endpoint-id"]; v != "" && id != v {
			continue
		}
		out.VpcEndpointConnections = append(out.VpcEndpointConnections, types.VpcEndpointConnection{
			ServiceId: aws.String(e.serviceID), VpcEndpointId: aws.String(id), VpcEndpointState: e.ep.State})
	}
	if n := f.w.connPageSize; n > 0 {
		from := 0
		fmt.Sscan(aws.ToString(in.NextToken), &from)
		out.VpcEndpointConnections = out.VpcEndpointConnections[min(from, len(out.VpcEndpointConnections)):]
		if len(out.VpcEndpointConnections) > n {
			out.VpcEndpointConnections = out.VpcEndpointConnections[:n]
			out.NextToken = aws.String(fmt.Sprint(from + n))
		}
	}
	return out, nil
}

func (f *fakeEC2) CreateVpcEndpointConnectionNotification(ctx context.Context, in *ec2.CreateVpcEndpointConnectionNotificationInput, _ ...func(*ec2.Options)) (*ec2.CreateVpcEndpointConnectionNotificationOutput, error) {
	defer f.end()
	if err := f.begin("CreateVpcEndpointConnectionNotification", in); err != nil {
		return nil, err
	}
	if f.w.services[aws.ToString(in.ServiceId)] == nil {
		return nil, apiErr("InvalidVpcEndpointServiceId.NotFound", "no such service")
	}
	id := f.w.id("vpce-nfn-")
	n := &types.ConnectionNotification{ConnectionNotificationId: aws.String(id), ServiceId: in.ServiceId,
		ConnectionNotificationArn: in.ConnectionNotificationArn, ConnectionEvents: in.ConnectionEvents}
	f.w.notifs[id] = n
	return &ec2.CreateVpcEndpointConnectionNotificationOutput{ConnectionNotification: n}, nil
}

func (f *fakeEC2) ModifyVpcEndpointConnectionNotification(ctx context.Context, in *ec2.ModifyVpcEndpointConnectionNotificationInput, _ ...func(*ec2.Options)) (*ec2.ModifyVpcEndpointConnectionNotificationOutput, error) {
	defer f.end()
	if err := f.begin("ModifyVpcEndpointConnectionNotification", in); err != nil {
		return nil, err
	}
	return &ec2.ModifyVpcEndpointConnectionNotificationOutput{ReturnValue: aws.Bool(true)}, nil
}

func (f *fakeEC2) DeleteVpcEndpointConnectionNotifications(ctx context.Context, in *ec2.DeleteVpcEndpointConnectionNotificationsInput, _ ...func(*ec2.Options)) (*ec2.DeleteVpcEndpointConnectionNotificationsOutput, error) {
	defer f.end()
	if err := f.begin("DeleteVpcEndpointConnectionNotifications", in); err != nil {
		return nil, err
	}
	for _, id := range in.ConnectionNotificationIds {
		delete(f.w.notifs, id)
	}
	return &ec2.DeleteVpcEndpointConnectionNotificationsOutput{}, nil
}

func (f *fakeEC2) DescribeVpcEndpointConnectionNotifications(ctx context.Context, in *ec2.DescribeVpcEndpointConnectionNotificationsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointConnectionNotificationsOutput, error) {
	defer f.end()
	if err := f.begin("DescribeVpcEndpointConnectionNotifications", in); err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcEndpointConnectionNotificationsOutput{}
	if n := f.w.notifs[aws.ToString(in.ConnectionNotificationId)]; n != nil {
		out.ConnectionNotificationSet = []types.ConnectionNotification{*n}
	}
	return out, nil
}

func (f *fakeEC2) CreateTags(ctx context.Context, in *ec2.CreateTagsInput, _ ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error) {
	defer f.end()
	if err := f.begin("CreateTags", in); err != nil {
		return nil, err
	}
	return &ec2.CreateTagsOutput{}, nil
}

func (f *fakeEC2) DeleteTags(ctx context.Context, in *ec2.DeleteTagsInput, _ ...func(*ec2.Options)) (*ec2.DeleteTagsOutput, error) {
	defer f.end()
	if err := f.begin("DeleteTags", in); err != nil {
		return nil, err
	}
	return &ec2.DeleteTagsOutput{}, nil
}

type ecService = types.ServiceConfiguration

func fakeEndpointVal(id, state string) types.VpcEndpoint {
	return types.VpcEndpoint{VpcEndpointId: aws.String(id), State: types.State(state)}
}
