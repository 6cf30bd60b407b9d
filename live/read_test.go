package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/plinkdev/plink/manifest"
)

// fakeAWS is one account-region's EC2 and ELBv2, paging its lists by
// pageSize items, recording every call.
type fakeAWS struct {
	mu       sync.Mutex
	page     int
	calls    []string
	inputs   []any
	services []ec2types.ServiceConfiguration
	perms    map[string][]string
	conns    []ec2types.VpcEndpointConnection
	notes    []ec2types.ConnectionNotification
	eps      []ec2types.VpcEndpoint
	visible  []ec2types.ServiceDetail
	subnets  []ec2types.Subnet
	vpcs     []ec2types.Vpc
	groups   []ec2types.SecurityGroup
	lbs      []elbtypes.LoadBalancer
	fail     map[string]error // call name → error
	// repeatToken makes list calls answer with the token they were given.
	repeatToken bool

	inFlight, maxInFlight int
	global                *inflight
}

type inflight struct {
	mu       sync.Mutex
	now, max int
}

func (f *fakeAWS) enter(name string, in any) error {
	f.mu.Lock()
	f.calls = append(f.calls, name)
	f.inputs = append(f.inputs, in)
	f.inFlight++
	if f.inFlight > f.maxInFlight {
		f.maxInFlight = f.inFlight
	}
	err := f.fail[name]
	f.mu.Unlock()
	if g := f.global; g != nil {
		g.mu.Lock()
		g.now++
		if g.now > g.max {
			g.max = g.now
		}
		g.mu.Unlock()
	}
	time.Sleep(time.Millisecond) // let concurrent calls overlap
	return err
}

func (f *fakeAWS) leave() {
	f.mu.Lock()
	f.inFlight--
	f.mu.Unlock()
	if g := f.global; g != nil {
		g.mu.Lock()
		g.now--
		g.mu.Unlock()
	}
}

func (f *fakeAWS) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c == name {
			n++
		}
	}
	return n
}

// paged returns items[start:start+page] and the next token.
func paged[T any](f *fakeAWS, items []T, token *string) ([]T, *string) {
	start := 0
	if t := aws.ToString(token); t != "" {
		fmt.Sscanf(t, "p%d", &start)
	}
	if f.repeatToken && token != nil {
		return items[:min(len(items), 1)], token
	}
	n := f.page
	if n <= 0 {
		n = len(items)
	}
	end := min(start+n, len(items))
	var next *string
	if end < len(items) {
		next = aws.String(fmt.Sprintf("p%d", end))
	}
	return items[start:end], next
}

func apiErr(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }

func (f *fakeAWS) DescribeVpcEndpointServiceConfigurations(_ context.Context, in *ec2.DescribeVpcEndpointServiceConfigurationsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServiceConfigurationsOutput, error) {
	defer f.leave()
	if err := f.enter(callServices, in); err != nil {
		return nil, err
	}
	items, next := paged(f, f.services, in.NextToken)
	return &ec2.DescribeVpcEndpointServiceConfigurationsOutput{ServiceConfigurations: items, NextToken: next}, nil
}

func (f *fakeAWS) DescribeVpcEndpointServicePermissions(_ context.Context, in *ec2.DescribeVpcEndpointServicePermissionsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServicePermissionsOutput, error) {
	defer f.leave()
	if err := f.enter(callPermissions, in); err != nil {
		return nil, err
	}
	var ps []ec2types.AllowedPrincipal
	for _, p := range f.perms[aws.ToString(in.ServiceId)] {
		ps = append(ps, ec2types.AllowedPrincipal{Principal: aws.String(p)})
	}
	items, next := paged(f, ps, in.NextToken)
	return &ec2.DescribeVpcEndpointServicePermissionsOutput{AllowedPrincipals: items, NextToken: next}, nil
}

func (f *fakeAWS) DescribeVpcEndpointConnections(_ context.Context, in *ec2.DescribeVpcEndpointConnectionsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointConnectionsOutput, error) {
	defer f.leave()
	if err := f.enter(callConnections, in); err != nil {
		return nil, err
	}
	items, next := paged(f, f.conns, in.NextToken)
	return &ec2.DescribeVpcEndpointConnectionsOutput{VpcEndpointConnections: items, NextToken: next}, nil
}

func (f *fakeAWS) DescribeVpcEndpointConnectionNotifications(_ context.Context, in *ec2.DescribeVpcEndpointConnectionNotificationsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointConnectionNotificationsOutput, error) {
	defer f.leave()
	if err := f.enter(callNotifications, in); err != nil {
		return nil, err
	}
	items, next := paged(f, f.notes, in.NextToken)
	return &ec2.DescribeVpcEndpointConnectionNotificationsOutput{ConnectionNotificationSet: items, NextToken: next}, nil
}

func (f *fakeAWS) DescribeVpcEndpoints(_ context.Context, in *ec2.DescribeVpcEndpointsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error) {
	defer f.leave()
	if err := f.enter(callEndpoints, in); err != nil {
		return nil, err
	}
	items, next := paged(f, f.eps, in.NextToken)
	return &ec2.DescribeVpcEndpointsOutput{VpcEndpoints: items, NextToken: next}, nil
}

func (f *fakeAWS) DescribeVpcEndpointServices(_ context.Context, in *ec2.DescribeVpcEndpointServicesInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServicesOutput, error) {
	defer f.leave()
	if err := f.enter(callVisible, in); err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range in.ServiceNames {
		want[n] = true
	}
	for _, fl := range in.Filters {
		for _, v := range fl.Values {
			want[v] = true
		}
	}
	var out []ec2types.ServiceDetail
	for _, d := range f.visible {
		if want[aws.ToString(d.ServiceName)] {
			out = append(out, d)
			delete(want, aws.ToString(d.ServiceName))
		}
	}
	if len(in.ServiceNames) > 0 {
		for _, n := range in.ServiceNames {
			if want[n] {
				return nil, apiErr("InvalidServiceName", "The Vpc Endpoint Service '"+n+"' does not exist")
			}
		}
	}
	items, next := paged(f, out, in.NextToken)
	return &ec2.DescribeVpcEndpointServicesOutput{ServiceDetails: items, NextToken: next}, nil
}

func (f *fakeAWS) DescribeAvailabilityZones(_ context.Context, in *ec2.DescribeAvailabilityZonesInput, _ ...func(*ec2.Options)) (*ec2.DescribeAvailabilityZonesOutput, error) {
	defer f.leave()
	if err := f.enter(callZones, in); err != nil {
		return nil, err
	}
	return &ec2.DescribeAvailabilityZonesOutput{AvailabilityZones: []ec2types.AvailabilityZone{
		{ZoneName: aws.String("us-east-1b"), ZoneId: aws.String("use1-az2")},
		{ZoneName: aws.String("us-east-1a"), ZoneId: aws.String("use1-az6")},
	}}, nil
}

func filterValues(fs []ec2types.Filter, name string) map[string]bool {
	out := map[string]bool{}
	for _, f := range fs {
		if aws.ToString(f.Name) == name {
			for _, v := range f.Values {
				out[v] = true
			}
		}
	}
	return out
}

func (f *fakeAWS) DescribeSubnets(_ context.Context, in *ec2.DescribeSubnetsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	defer f.leave()
	if err := f.enter(callSubnets, in); err != nil {
		return nil, err
	}
	ids := filterValues(in.Filters, "subnet-id")
	vpcs := filterValues(in.Filters, "vpc-id")
	var out []ec2types.Subnet
	for _, s := range f.subnets {
		if ids[aws.ToString(s.SubnetId)] || vpcs[aws.ToString(s.VpcId)] {
			out = append(out, s)
		}
	}
	items, next := paged(f, out, in.NextToken)
	return &ec2.DescribeSubnetsOutput{Subnets: items, NextToken: next}, nil
}

func (f *fakeAWS) DescribeVpcs(_ context.Context, in *ec2.DescribeVpcsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error) {
	defer f.leave()
	if err := f.enter(callVPCs, in); err != nil {
		return nil, err
	}
	ids := filterValues(in.Filters, "vpc-id")
	var out []ec2types.Vpc
	for _, v := range f.vpcs {
		if ids[aws.ToString(v.VpcId)] {
			out = append(out, v)
		}
	}
	items, next := paged(f, out, in.NextToken)
	return &ec2.DescribeVpcsOutput{Vpcs: items, NextToken: next}, nil
}

func (f *fakeAWS) DescribeSecurityGroups(_ context.Context, in *ec2.DescribeSecurityGroupsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	defer f.leave()
	if err := f.enter(callGroups, in); err != nil {
		return nil, err
	}
	ids := filterValues(in.Filters, "group-id")
	var out []ec2types.SecurityGroup
	for _, g := range f.groups {
		if ids[aws.ToString(g.GroupId)] {
			out = append(out, g)
		}
	}
	items, next := paged(f, out, in.NextToken)
	return &ec2.DescribeSecurityGroupsOutput{SecurityGroups: items, NextToken: next}, nil
}

func (f *fakeAWS) DescribeLoadBalancers(_ context.Context, in *elbv2.DescribeLoadBalancersInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error) {
	defer f.leave()
	if err := f.enter(callLBs, in); err != nil {
		return nil, err
	}
	var out []elbtypes.LoadBalancer
	for _, arn := range in.LoadBalancerArns {
		found := false
		for _, lb := range f.lbs {
			if aws.ToString(lb.LoadBalancerArn) == arn {
				out = append(out, lb)
				found = true
			}
		}
		if !found {
			return nil, apiErr("LoadBalancerNotFound", "One or more load balancers not found")
		}
	}
	return &elbv2.DescribeLoadBalancersOutput{LoadBalancers: out}, nil
}

// fakes maps "alias/region" to a fake.
type fakes map[string]*fakeAWS

func (fs fakes) APIs(_ context.Context, account, region string) (EC2API, ELBAPI, error) {
	f := fs[account+"/"+region]
	if f == nil {
		return nil, nil, fmt.Errorf("no fake for %s/%s", account, region)
	}
	return f, f, nil
}

const (
	proj    = "payments-privatelink"
	payID   = "111111111111"
	chkID   = "222222222222"
	lbARN   = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments/1"
	lbGone  = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/gone/2"
	svcName = "com.amazonaws.vpce.us-east-1.vpce-svc-owned"
)

func tagsOf(kv ...string) []ec2types.Tag {
	var out []ec2types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, ec2types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

func svcConfig(id, name string, lbs []string, tags ...string) ec2types.ServiceConfiguration {
	return ec2types.ServiceConfiguration{
		ServiceId: aws.String(id), ServiceName: aws.String(name), ServiceState: ec2types.ServiceStateAvailable,
		ServiceType:             []ec2types.ServiceTypeDetail{{ServiceType: ec2types.ServiceTypeInterface}},
		NetworkLoadBalancerArns: lbs, AvailabilityZones: []string{"us-east-1b", "us-east-1a"},
		AcceptanceRequired: aws.Bool(true), Tags: tagsOf(tags...),
	}
}

func testManifest() *manifest.Manifest {
	return &manifest.Manifest{
		Version:  1,
		Project:  proj,
		Defaults: manifest.Defaults{Region: "us-east-1"},
		Accounts: map[string]*manifest.Account{
			"payments": {Alias: "payments", ID: payID},
			"checkout": {Alias: "checkout", ID: chkID},
		},
		Providers: []*manifest.Provider{
			{Name: "payments-api", Account: "payments", NetworkLoadBalancerARNs: []string{lbARN, lbGone}},
			{Name: "adopted", Account: "payments", Adopt: "vpce-svc-adopted", NetworkLoadBalancerARNs: []string{"arn:other"}},
		},
		Consumers: []*manifest.Consumer{
			{Name: "checkout-payments", Account: "checkout", VPCID: "vpc-c", SubnetIDs: []string{"subnet-b", "subnet-a", "subnet-missing"},
				SecurityGroupIDs: []string{"sg-1", "sg-missing"}, Provider: "payments-api"},
			{Name: "checkout-s3", Account: "checkout", VPCID: "vpc-c", ServiceName: "com.amazonaws.us-east-1.s3"},
			{Name: "checkout-gone", Account: "checkout", VPCID: "vpc-c", ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-gone"},
			{Name: "west", Account: "checkout", Region: "us-west-2", VPCID: "vpc-w", Provider: "payments-api"},
		},
	}
}

// world returns fakes for payments/us-east-1 (provider), checkout/us-east-1
// and checkout/us-west-2 (consumers), and payments/us-west-2 (nothing
// declared, read because the manifest uses the region), each list split into
// pages of 2.
func world() fakes {
	pay := &fakeAWS{page: 2,
		services: []ec2types.ServiceConfiguration{
			svcConfig("vpce-svc-owned", svcName, []string{lbARN}, TagProject, proj, TagName, "payments-api"),
			svcConfig("vpce-svc-foreign", "com.amazonaws.vpce.us-east-1.vpce-svc-foreign", []string{"arn:unrelated"}),
			svcConfig("vpce-svc-conflict", "com.amazonaws.vpce.us-east-1.vpce-svc-conflict", []string{lbARN}, TagProject, "other-project"),
			svcConfig("vpce-svc-adopted", "com.amazonaws.vpce.us-east-1.vpce-svc-adopted", []string{"arn:other"}),
			svcConfig("vpce-svc-orphan", "com.amazonaws.vpce.us-east-1.vpce-svc-orphan", []string{"arn:x"}, TagProject, proj, TagName, "removed"),
		},
		perms: map[string][]string{
			"vpce-svc-owned":   {"arn:aws:iam::333333333333:role/ci", "arn:aws:iam::222222222222:root", "arn:aws:iam::444444444444:root"},
			"vpce-svc-adopted": {"*"},
		},
		conns: []ec2types.VpcEndpointConnection{
			{ServiceId: aws.String("vpce-svc-owned"), VpcEndpointId: aws.String("vpce-2"), VpcEndpointOwner: aws.String(chkID), VpcEndpointState: ec2types.StatePendingAcceptance},
			{ServiceId: aws.String("vpce-svc-foreign"), VpcEndpointId: aws.String("vpce-9"), VpcEndpointOwner: aws.String("9"), VpcEndpointState: ec2types.StateAvailable},
			{ServiceId: aws.String("vpce-svc-owned"), VpcEndpointId: aws.String("vpce-1"), VpcEndpointOwner: aws.String(chkID), VpcEndpointState: ec2types.StateAvailable,
				VpcEndpointRegion: aws.String("us-west-2"), CreationTimestamp: aws.Time(time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)))},
		},
		notes: []ec2types.ConnectionNotification{
			{ServiceId: aws.String("vpce-svc-owned"), ConnectionNotificationId: aws.String("vpce-nfn-1"), ConnectionNotificationArn: aws.String("arn:sns"),
				ConnectionEvents: []string{"Reject", "Connect"}, ConnectionNotificationState: ec2types.ConnectionNotificationStateEnabled},
			{VpcEndpointId: aws.String("vpce-1"), ConnectionNotificationId: aws.String("vpce-nfn-ep")},
		},
		lbs: []elbtypes.LoadBalancer{{LoadBalancerArn: aws.String(lbARN), LoadBalancerName: aws.String("payments"), Type: elbtypes.LoadBalancerTypeEnumNetwork,
			State:             &elbtypes.LoadBalancerState{Code: elbtypes.LoadBalancerStateEnumActive},
			AvailabilityZones: []elbtypes.AvailabilityZone{{ZoneName: aws.String("us-east-1b")}, {ZoneName: aws.String("us-east-1a")}}}},
	}
	chk := &fakeAWS{page: 2,
		eps: []ec2types.VpcEndpoint{
			{VpcEndpointId: aws.String("vpce-1"), VpcId: aws.String("vpc-c"), ServiceName: aws.String(svcName), VpcEndpointType: ec2types.VpcEndpointTypeInterface,
				State: ec2types.StateAvailable, SubnetIds: []string{"subnet-b", "subnet-a"}, Groups: []ec2types.SecurityGroupIdentifier{{GroupId: aws.String("sg-1")}},
				PrivateDnsEnabled: aws.Bool(true), DnsOptions: &ec2types.DnsOptions{DnsRecordIpType: ec2types.DnsRecordIpTypeIpv4},
				PolicyDocument: aws.String(`{"Statement":[]}`), Tags: tagsOf(TagProject, proj, TagName, "checkout-payments"),
				NetworkInterfaceIds: []string{"eni-2", "eni-1"}},
			{VpcEndpointId: aws.String("vpce-other-vpc"), VpcId: aws.String("vpc-x"), ServiceName: aws.String("x"), VpcEndpointType: ec2types.VpcEndpointTypeInterface},
			{VpcEndpointId: aws.String("vpce-same-vpc"), VpcId: aws.String("vpc-c"), ServiceName: aws.String("x"), VpcEndpointType: ec2types.VpcEndpointTypeInterface},
		},
		visible: []ec2types.ServiceDetail{
			{ServiceName: aws.String(svcName), ServiceId: aws.String("vpce-svc-owned"), Owner: aws.String(payID), AcceptanceRequired: aws.Bool(true),
				AvailabilityZones: []string{"us-east-1a"}, ServiceType: []ec2types.ServiceTypeDetail{{ServiceType: ec2types.ServiceTypeInterface}}},
			{ServiceName: aws.String("com.amazonaws.us-east-1.s3"), Owner: aws.String("amazon"), ServiceType: []ec2types.ServiceTypeDetail{{ServiceType: ec2types.ServiceTypeInterface}}},
		},
		subnets: []ec2types.Subnet{
			{SubnetId: aws.String("subnet-a"), VpcId: aws.String("vpc-c"), AvailabilityZone: aws.String("us-east-1a"), AvailabilityZoneId: aws.String("use1-az6"), CidrBlock: aws.String("10.0.0.0/24")},
			{SubnetId: aws.String("subnet-b"), VpcId: aws.String("vpc-c"), AvailabilityZone: aws.String("us-east-1b"), AvailabilityZoneId: aws.String("use1-az2")},
			{SubnetId: aws.String("subnet-unasked"), VpcId: aws.String("vpc-c")},
		},
		vpcs:   []ec2types.Vpc{{VpcId: aws.String("vpc-c"), CidrBlock: aws.String("10.0.0.0/16")}},
		groups: []ec2types.SecurityGroup{{GroupId: aws.String("sg-1"), VpcId: aws.String("vpc-c"), GroupName: aws.String("consumer")}},
	}
	west := &fakeAWS{page: 2,
		visible: []ec2types.ServiceDetail{{ServiceName: aws.String(svcName), Owner: aws.String(payID), ServiceRegion: aws.String("us-east-1")}},
		vpcs:    []ec2types.Vpc{{VpcId: aws.String("vpc-w")}},
	}
	payWest := &fakeAWS{page: 2}
	return fakes{"payments/us-east-1": pay, "checkout/us-east-1": chk, "checkout/us-west-2": west, "payments/us-west-2": payWest}
}

func read(t *testing.T, fs fakes, opts ReadOptions) (*Snapshot, error) {
	t.Helper()
	return ReadAPIs(context.Background(), testManifest(), fs, opts)
}

func TestReadPagesFiltersAndAttaches(t *testing.T) {
	fs := world()
	snap, err := read(t, fs, ReadOptions{})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	got, _ := json.MarshalIndent(snap, "", "  ")
	want := `{
  "scopes": [
    {"account": "checkout", "accountId": "222222222222", "region": "us-east-1"},
    {"account": "checkout", "accountId": "222222222222", "region": "us-west-2"},
    {"account": "payments", "accountId": "111111111111", "region": "us-east-1"},
    {"account": "payments", "accountId": "111111111111", "region": "us-west-2"}
  ],
  "services": [
    {"accountId": "111111111111", "region": "us-east-1", "id": "vpce-svc-adopted", "name": "com.amazonaws.vpce.us-east-1.vpce-svc-adopted", "type": "Interface", "state": "Available", "acceptanceRequired": true,
     "networkLoadBalancerArns": ["arn:other"], "availabilityZones": ["us-east-1a", "us-east-1b"], "availabilityZoneIds": ["use1-az2", "use1-az6"], "principals": ["*"]},
    {"accountId": "111111111111", "region": "us-east-1", "id": "vpce-svc-conflict", "name": "com.amazonaws.vpce.us-east-1.vpce-svc-conflict", "type": "Interface", "state": "Available", "acceptanceRequired": true,
     "networkLoadBalancerArns": ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments/1"], "availabilityZones": ["us-east-1a", "us-east-1b"], "availabilityZoneIds": ["use1-az2", "use1-az6"],
     "tags": {"plink:project": "other-project"}},
    {"accountId": "111111111111", "region": "us-east-1", "id": "vpce-svc-orphan", "name": "com.amazonaws.vpce.us-east-1.vpce-svc-orphan", "type": "Interface", "state": "Available", "acceptanceRequired": true,
     "networkLoadBalancerArns": ["arn:x"], "availabilityZones": ["us-east-1a", "us-east-1b"], "availabilityZoneIds": ["use1-az2", "use1-az6"], "tags": {"plink:name": "removed", "plink:project": "payments-privatelink"}},
    {"accountId": "111111111111", "region": "us-east-1", "id": "vpce-svc-owned", "name": "com.amazonaws.vpce.us-east-1.vpce-svc-owned", "type": "Interface", "state": "Available", "acceptanceRequired": true,
     "networkLoadBalancerArns": ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments/1"], "availabilityZones": ["us-east-1a", "us-east-1b"], "availabilityZoneIds": ["use1-az2", "use1-az6"],
     "tags": {"plink:name": "payments-api", "plink:project": "payments-privatelink"},
     "principals": ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:role/ci", "arn:aws:iam::444444444444:root"],
     "connections": [
       {"endpointId": "vpce-1", "ownerId": "222222222222", "state": "available", "region": "us-west-2", "created": "2024-01-02T02:04:05Z"},
       {"endpointId": "vpce-2", "ownerId": "222222222222", "state": "pendingAcceptance", "created": "0001-01-01T00:00:00Z"}
     ],
     "notifications": [{"id": "vpce-nfn-1", "topicArn": "arn:sns", "events": ["Connect", "Reject"], "state": "Enabled"}]}
  ],
  "endpoints": [
    {"accountId": "222222222222", "region": "us-east-1", "id": "vpce-1", "type": "Interface", "vpcId": "vpc-c", "serviceName": "com.amazonaws.vpce.us-east-1.vpce-svc-owned", "state": "available",
     "subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["sg-1"], "privateDnsEnabled": true, "dnsRecordIpType": "ipv4", "policy": "{\"Statement\":[]}",
     "tags": {"plink:name": "checkout-payments", "plink:project": "payments-privatelink"}, "networkInterfaceIds": ["eni-1", "eni-2"]},
    {"accountId": "222222222222", "region": "us-east-1", "id": "vpce-same-vpc", "type": "Interface", "vpcId": "vpc-c", "serviceName": "x", "state": "", "privateDnsEnabled": false}
  ],
  "loadBalancers": [
    {"accountId": "111111111111", "region": "us-east-1", "arn": "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments/1", "name": "payments", "type": "network", "state": "active", "zones": ["us-east-1a", "us-east-1b"]}
  ],
  "vpcs": [
    {"accountId": "222222222222", "region": "us-east-1", "id": "vpc-c", "cidr": "10.0.0.0/16"},
    {"accountId": "222222222222", "region": "us-west-2", "id": "vpc-w"}
  ],
  "subnets": [
    {"accountId": "222222222222", "region": "us-east-1", "id": "subnet-a", "vpcId": "vpc-c", "zone": "us-east-1a", "zoneId": "use1-az6", "cidr": "10.0.0.0/24"},
    {"accountId": "222222222222", "region": "us-east-1", "id": "subnet-b", "vpcId": "vpc-c", "zone": "us-east-1b", "zoneId": "use1-az2"},
    {"accountId": "222222222222", "region": "us-east-1", "id": "subnet-unasked", "vpcId": "vpc-c", "zone": "", "zoneId": ""}
  ],
  "securityGroups": [{"accountId": "222222222222", "region": "us-east-1", "id": "sg-1", "vpcId": "vpc-c", "name": "consumer"}],
  "zones": [
    {"accountId": "111111111111", "region": "us-east-1", "name": "us-east-1a", "id": "use1-az6"},
    {"accountId": "111111111111", "region": "us-east-1", "name": "us-east-1b", "id": "use1-az2"},
    {"accountId": "111111111111", "region": "us-west-2", "name": "us-east-1a", "id": "use1-az6"},
    {"accountId": "111111111111", "region": "us-west-2", "name": "us-east-1b", "id": "use1-az2"},
    {"accountId": "222222222222", "region": "us-east-1", "name": "us-east-1a", "id": "use1-az6"},
    {"accountId": "222222222222", "region": "us-east-1", "name": "us-east-1b", "id": "use1-az2"},
    {"accountId": "222222222222", "region": "us-west-2", "name": "us-east-1a", "id": "use1-az6"},
    {"accountId": "222222222222", "region": "us-west-2", "name": "us-east-1b", "id": "use1-az2"}
  ],
  "visibleServices": [
    {"accountId": "222222222222", "region": "us-east-1", "serviceName": "com.amazonaws.us-east-1.s3", "type": "Interface", "owner": "amazon", "acceptanceRequired": false},
    {"accountId": "222222222222", "region": "us-east-1", "serviceName": "com.amazonaws.vpce.us-east-1.vpce-svc-owned", "serviceId": "vpce-svc-owned", "type": "Interface", "owner": "111111111111", "acceptanceRequired": true,
     "availabilityZones": ["us-east-1a"], "availabilityZoneIds": ["use1-az6"]},
    {"accountId": "222222222222", "region": "us-west-2", "serviceName": "com.amazonaws.vpce.us-east-1.vpce-svc-owned", "owner": "111111111111", "serviceRegion": "us-east-1", "acceptanceRequired": false}
  ],
  "endpointNotifications": [{"accountId": "111111111111", "region": "us-east-1", "endpointId": "vpce-1", "id": "vpce-nfn-ep", "topicArn": "", "events": null}]
}`
	if compact(t, string(got)) != compact(t, want) {
		t.Errorf("snapshot:\n%s", got)
	}

	pay, chk, west := fs["payments/us-east-1"], fs["checkout/us-east-1"], fs["checkout/us-west-2"]
	// Every list is read to its last page: 5 services in pages of 2 is 3
	// calls; 3 owned services cost 4 permissions calls (one has 3 principals);
	// the load balancer batch has an unknown ARN, so each of the 3 is retried alone.
	for call, want := range map[string]int{callServices: 3, callConnections: 2, callNotifications: 1, callPermissions: 2 + 1 + 1, callLBs: 1 + 3} {
		if got := pay.count(call); got != want {
			t.Errorf("payments %s: %d calls, want %d", call, got, want)
		}
	}
	// Only owned and adopted services are asked for permissions.
	for i, c := range pay.calls {
		if c == callPermissions {
			id := aws.ToString(pay.inputs[i].(*ec2.DescribeVpcEndpointServicePermissionsInput).ServiceId)
			if id != "vpce-svc-owned" && id != "vpce-svc-adopted" && id != "vpce-svc-orphan" {
				t.Errorf("permissions asked for %s", id)
			}
		}
	}
	// VPCs and groups: one filtered call each, all ids at once. Subnets:
	// every subnet of the VPCs (two pages), then the named ones not found there.
	wantFilters := map[string][]string{callSubnets: {"vpc-c", "vpc-c", "subnet-missing"}, callVPCs: {"vpc-c"}, callGroups: {"sg-1,sg-missing"}}
	for call, wants := range wantFilters {
		if chk.count(call) != len(wants) {
			t.Errorf("%s: %d calls, want %d", call, chk.count(call), len(wants))
		}
		n := 0
		for i, c := range chk.calls {
			if c != call {
				continue
			}
			want := wants[min(n, len(wants)-1)]
			n++
			var fs []ec2types.Filter
			switch in := chk.inputs[i].(type) {
			case *ec2.DescribeSubnetsInput:
				fs = in.Filters
			case *ec2.DescribeVpcsInput:
				fs = in.Filters
			case *ec2.DescribeSecurityGroupsInput:
				fs = in.Filters
			}
			if len(fs) != 1 || strings.Join(fs[0].Values, ",") != want {
				t.Errorf("%s filters %+v", call, fs)
			}
		}
	}
	// Visible services: the unknown name is dropped after one InvalidServiceName.
	if got := chk.count(callVisible); got != 2 {
		t.Errorf("checkout visible-service calls %d, want 2", got)
	}
	if got := west.count(callVisible); got != 1 {
		t.Errorf("west visible-service calls %d, want 1", got)
	}
	for i, c := range west.calls {
		if c == callVisible {
			in := west.inputs[i].(*ec2.DescribeVpcEndpointServicesInput)
			if strings.Join(in.ServiceRegions, ",") != "us-east-1" || strings.Join(in.ServiceNames, ",") != svcName {
				t.Errorf("cross-region call %+v", in)
			}
		}
	}
	// Endpoints: one filtered list per scope with the page size.
	for i, c := range chk.calls {
		if c == callEndpoints {
			in := chk.inputs[i].(*ec2.DescribeVpcEndpointsInput)
			if aws.ToInt32(in.MaxResults) != 1000 || len(in.Filters) != 1 || strings.Join(in.Filters[0].Values, ",") != "Interface,GatewayLoadBalancer,Gateway,Resource,ServiceNetwork" {
				t.Errorf("endpoints input %+v", in)
			}
		}
	}
	// Consumer-only scopes with no owned services ask nothing about connections.
	if chk.count(callConnections)+west.count(callConnections)+chk.count(callPermissions) != 0 {
		t.Error("consumer scopes asked about connections or permissions")
	}
	// A scope with nothing declared reads only its zones, services and
	// endpoints (where removed resources would be found), once each.
	west2 := append([]string(nil), fs["payments/us-west-2"].calls...)
	sort.Strings(west2)
	if got, want := strings.Join(west2, ","), callZones+","+callServices+","+callEndpoints; got != want {
		t.Errorf("payments/us-west-2 calls %s, want %s", got, want)
	}
}

func compact(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad json: %v\n%s", err, s)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestReadIsDeterministic(t *testing.T) {
	a, err := read(t, world(), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b, _ := read(t, world(), ReadOptions{PerScope: 1, Concurrency: 1})
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Fatalf("reads differ:\n%s\n%s", ja, jb)
		}
	}
}

func TestReadFailuresAreRecordedAndTheRestRead(t *testing.T) {
	fs := world()
	fs["payments/us-east-1"].fail = map[string]error{callConnections: apiErr("UnauthorizedOperation", "You are not authorized to perform this operation.")}
	fs["checkout/us-east-1"].fail = map[string]error{callSubnets: errors.New("connection reset")}
	snap, err := read(t, fs, ReadOptions{})
	var rerr *ReadError
	if !errors.As(err, &rerr) {
		t.Fatalf("want *ReadError, got %v", err)
	}
	want := "read live state: 2 calls failed:\n" +
		"  DescribeSubnets in account checkout (222222222222) region us-east-1: connection reset\n" +
		"  DescribeVpcEndpointConnections in account payments (111111111111) region us-east-1: UnauthorizedOperation: You are not authorized to perform this operation."
	if err.Error() != want {
		t.Errorf("error:\n%s\nwant:\n%s", err, want)
	}
	if len(snap.Failures) != 2 || len(snap.Subnets) != 0 || len(snap.Services) != 4 || len(snap.Endpoints) != 2 {
		t.Errorf("snapshot: %d failures, %d subnets, %d services, %d endpoints", len(snap.Failures), len(snap.Subnets), len(snap.Services), len(snap.Endpoints))
	}
	for _, s := range snap.Services {
		if len(s.Connections) != 0 {
			t.Errorf("connections kept after a failed read: %+v", s)
		}
	}

	single := &ReadError{Failures: snap.Failures[:1]}
	if got := single.Error(); got != "read live state: 1 call failed: DescribeSubnets in account checkout (222222222222) region us-east-1: connection reset" {
		t.Errorf("single: %s", got)
	}
}

func TestReadCredentialErrorStopsTheScope(t *testing.T) {
	fs := world()
	fs["checkout/us-east-1"].fail = map[string]error{callZones: apiErr("ExpiredToken", "The security token included in the request is expired")}
	snap, err := read(t, fs, ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "read live state: 1 call failed: DescribeAvailabilityZones in account checkout (222222222222) region us-east-1: ExpiredToken: ") {
		t.Fatalf("got %v", err)
	}
	if got := len(fs["checkout/us-east-1"].calls); got != 1 {
		t.Errorf("%d calls in a scope whose credentials failed, want 1", got)
	}
	if len(snap.Services) == 0 {
		t.Error("other scopes not read")
	}
}

func TestReadClientErrorAndPermissionFailure(t *testing.T) {
	fs := world()
	delete(fs, "checkout/us-west-2")
	fs["payments/us-east-1"].fail = map[string]error{callPermissions: apiErr("InvalidVpcEndpointServiceId.NotFound", "gone")}
	_, err := read(t, fs, ReadOptions{})
	var rerr *ReadError
	if !errors.As(err, &rerr) {
		t.Fatal(err)
	}
	var calls []string
	for _, f := range rerr.Failures {
		calls = append(calls, f.Call+"@"+f.Region)
	}
	want := "Clients@us-west-2,DescribeVpcEndpointServicePermissions(vpce-svc-adopted)@us-east-1,DescribeVpcEndpointServicePermissions(vpce-svc-orphan)@us-east-1,DescribeVpcEndpointServicePermissions(vpce-svc-owned)@us-east-1"
	if strings.Join(calls, ",") != want {
		t.Errorf("failures %v", calls)
	}
	if !strings.Contains(err.Error(), "Clients in account checkout (222222222222) region us-west-2: no fake for checkout/us-west-2") {
		t.Errorf("error %v", err)
	}
}

func TestReadServiceConfigurationsFailure(t *testing.T) {
	fs := world()
	fs["payments/us-east-1"].fail = map[string]error{callServices: apiErr("InternalError", "boom")}
	snap, err := read(t, fs, ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "DescribeVpcEndpointServiceConfigurations in account payments (111111111111) region us-east-1: InternalError: boom") {
		t.Fatalf("got %v", err)
	}
	if len(snap.Services) != 0 || fs["payments/us-east-1"].count(callPermissions) != 0 {
		t.Error("services read after the list failed")
	}
	// Without the provider's service, consumers of it look for nothing.
	for _, v := range snap.VisibleServices {
		if v.ServiceName == svcName {
			t.Errorf("visible %+v", v)
		}
	}
}

func TestReadLoadBalancerAndVisibleFailures(t *testing.T) {
	fs := world()
	fs["payments/us-east-1"].fail = map[string]error{callLBs: apiErr("AccessDenied", "no")}
	fs["checkout/us-west-2"].fail = map[string]error{callVisible: apiErr("InternalError", "boom")}
	_, err := read(t, fs, ReadOptions{})
	var rerr *ReadError
	if !errors.As(err, &rerr) || len(rerr.Failures) != 2 ||
		rerr.Failures[0].Call != callVisible || rerr.Failures[1].Call != callLBs {
		t.Fatalf("got %v", err)
	}
}

func TestReadPerARNFallbackFailure(t *testing.T) {
	fs := world()
	pay := fs["payments/us-east-1"]
	// The batch reports not found, then one ARN fails for another reason.
	calls := 0
	fs["payments/us-east-1"] = pay
	wrapped := &lbFlaky{fakeAWS: pay, failAfter: 1, calls: &calls}
	src := APISourceFunc(func(ctx context.Context, account, region string) (EC2API, ELBAPI, error) {
		e, l, err := fs.APIs(ctx, account, region)
		if account == "payments" {
			return e, wrapped, err
		}
		return e, l, err
	})
	snap, err := ReadAPIs(context.Background(), testManifest(), src, ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "DescribeLoadBalancers(arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/gone/2) in account payments") {
		t.Fatalf("got %v", err)
	}
	if len(snap.LoadBalancers) != 1 {
		t.Errorf("load balancers %+v", snap.LoadBalancers)
	}
}

type lbFlaky struct {
	*fakeAWS
	failAfter int
	calls     *int
}

func (l *lbFlaky) DescribeLoadBalancers(ctx context.Context, in *elbv2.DescribeLoadBalancersInput, o ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error) {
	*l.calls++
	if len(in.LoadBalancerArns) == 1 && in.LoadBalancerArns[0] == lbGone {
		return nil, apiErr("Throttling", "Rate exceeded")
	}
	return l.fakeAWS.DescribeLoadBalancers(ctx, in, o...)
}

func TestReadStopsOnRepeatedToken(t *testing.T) {
	fs := world()
	fs["payments/us-east-1"].repeatToken = true
	if _, err := read(t, fs, ReadOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := fs["payments/us-east-1"].count(callServices); got != 2 {
		t.Errorf("%d service-list calls, want 2 (the repeated token ends the loop)", got)
	}
}

func TestReadVisibleFallsBackToFilter(t *testing.T) {
	fs := world()
	chk := fs["checkout/us-east-1"]
	src := APISourceFunc(func(ctx context.Context, account, region string) (EC2API, ELBAPI, error) {
		e, l, err := fs.APIs(ctx, account, region)
		if account == "checkout" && region == "us-east-1" {
			return &vagueInvalidName{chk}, l, err
		}
		return e, l, err
	})
	snap, err := ReadAPIs(context.Background(), testManifest(), src, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range snap.VisibleServices {
		if v.Region == "us-east-1" {
			names = append(names, v.ServiceName)
		}
	}
	if strings.Join(names, ",") != "com.amazonaws.us-east-1.s3,"+svcName {
		t.Errorf("visible %v", names)
	}
}

// vagueInvalidName answers InvalidServiceName without naming the service,
// so the reader must use the service-name filter.
type vagueInvalidName struct{ *fakeAWS }

func (v *vagueInvalidName) DescribeVpcEndpointServices(ctx context.Context, in *ec2.DescribeVpcEndpointServicesInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServicesOutput, error) {
	if len(in.ServiceNames) > 0 {
		return nil, apiErr("InvalidServiceName", "one of the services does not exist")
	}
	return v.fakeAWS.DescribeVpcEndpointServices(ctx, in, o...)
}

func TestReadBoundsConcurrency(t *testing.T) {
	fs := world()
	g := &inflight{}
	for _, f := range fs {
		f.global = g
	}
	if _, err := read(t, fs, ReadOptions{PerScope: 2, Concurrency: 3}); err != nil {
		t.Fatal(err)
	}
	for k, f := range fs {
		if len(f.calls) == 0 {
			t.Errorf("%s: not read", k)
		}
		if f.maxInFlight > 2 {
			t.Errorf("%s: %d calls in flight, bound is 2", k, f.maxInFlight)
		}
	}
	if g.max > 3 {
		t.Errorf("%d calls in flight overall, bound is 3", g.max)
	}
}

func TestReadHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	snap, err := ReadAPIs(ctx, testManifest(), world(), ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "context canceled") || len(snap.Scopes) != 4 {
		t.Fatalf("got %v", err)
	}
}

func TestPlanScopes(t *testing.T) {
	m := testManifest()
	scopes, err := planScopes(m)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range scopes {
		got = append(got, s.Account+"/"+s.Region+" lbs="+strings.Join(s.lbs.sorted(), ",")+" vpcs="+strings.Join(s.vpcs.sorted(), ","))
	}
	// payments/us-west-2 declares nothing; it is read because us-west-2 is
	// a region the manifest uses.
	want := "checkout/us-east-1 lbs= vpcs=vpc-c|checkout/us-west-2 lbs= vpcs=vpc-w|" +
		"payments/us-east-1 lbs=" + strings.Join([]string{lbGone, lbARN, "arn:other"}, ",") + " vpcs=|" +
		"payments/us-west-2 lbs= vpcs="
	if strings.Join(got, "|") != want {
		t.Errorf("scopes:\n%s\nwant:\n%s", strings.Join(got, "|"), want)
	}

	// Every account is read in every region the manifest uses: the
	// provider's, the consumer's and defaults.region, though nothing is
	// declared there; an account with no resources at all (c) too.
	m = &manifest.Manifest{Project: "p", Defaults: manifest.Defaults{Region: "us-east-1"},
		Accounts:  map[string]*manifest.Account{"a": {ID: "1"}, "b": {ID: "2"}, "c": {ID: "3"}},
		Providers: []*manifest.Provider{{Name: "svc", Account: "a", Region: "eu-west-1", NetworkLoadBalancerARNs: []string{"arn:lb"}}},
		Consumers: []*manifest.Consumer{{Name: "c", Account: "b", Region: "eu-central-1", VPCID: "vpc-b", Provider: "svc"}}}
	scopes, err = planScopes(m)
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, s := range scopes {
		got = append(got, fmt.Sprintf("%s(%s)/%s lbs=%s consumers=%d", s.Account, s.AccountID, s.Region, strings.Join(s.lbs.sorted(), ","), len(s.consumers)))
	}
	want = "a(1)/eu-central-1 lbs= consumers=0|a(1)/eu-west-1 lbs=arn:lb consumers=0|a(1)/us-east-1 lbs= consumers=0|" +
		"b(2)/eu-central-1 lbs= consumers=1|b(2)/eu-west-1 lbs= consumers=0|b(2)/us-east-1 lbs= consumers=0|" +
		"c(3)/eu-central-1 lbs= consumers=0|c(3)/eu-west-1 lbs= consumers=0|c(3)/us-east-1 lbs= consumers=0"
	if strings.Join(got, "|") != want {
		t.Errorf("scopes:\n%s\nwant:\n%s", strings.Join(got, "|"), want)
	}

	// With no defaults.region and nothing declared, no region is used.
	m = &manifest.Manifest{Project: "p", Accounts: map[string]*manifest.Account{"a": {ID: "1"}}}
	if scopes, err := planScopes(m); err != nil || len(scopes) != 0 {
		t.Errorf("scopes %+v, err %v", scopes, err)
	}

	m = &manifest.Manifest{Accounts: map[string]*manifest.Account{"a": {ID: "1"}},
		Providers: []*manifest.Provider{{Name: "svc", Account: "a"}},
		Consumers: []*manifest.Consumer{{Name: "c", Account: "zz", Region: "us-east-1"}}}
	_, err = planScopes(m)
	if err == nil || err.Error() != "provider svc has no region and the manifest sets no defaults.region\nconsumer c names account \"zz\", which is not declared under accounts; declare it there or name one that is" {
		t.Errorf("got %v", err)
	}
	if _, err := ReadAPIs(context.Background(), m, world(), ReadOptions{}); err == nil {
		t.Error("ReadAPIs accepted a manifest with unknown accounts")
	}
}

func TestServiceRegion(t *testing.T) {
	for name, want := range map[string]string{
		"com.amazonaws.vpce.us-east-1.vpce-svc-0123": "us-east-1",
		"com.amazonaws.eu-west-2.s3":                 "eu-west-2",
		"com.amazonaws.us-gov-west-1.ec2":            "us-gov-west-1",
		"aws.api.global.codeartifact":                "",
		"x":                                          "",
	} {
		if got := serviceRegion(name); got != want {
			t.Errorf("serviceRegion(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestChunks(t *testing.T) {
	if got := fmt.Sprint(chunks([]string{"a", "b", "c", "d", "e"}, 2)); got != "[[a b] [c d] [e]]" {
		t.Error(got)
	}
	if got := chunks(nil, 2); got != nil {
		t.Error(got)
	}
}

// defaults.regions names regions to read although nothing is declared
// there any more: where the last resources of a region were removed.
func TestPlanScopesDefaultsRegions(t *testing.T) {
	m := &manifest.Manifest{Project: "p",
		Defaults: manifest.Defaults{Region: "us-east-1", Regions: []string{"eu-west-1"}},
		Accounts: map[string]*manifest.Account{"a": {ID: "1"}, "b": {ID: "2"}}}
	scopes, err := planScopes(m)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range scopes {
		got = append(got, s.Account+"/"+s.Region)
	}
	if want := "a/eu-west-1 a/us-east-1 b/eu-west-1 b/us-east-1"; strings.Join(got, " ") != want {
		t.Fatalf("scopes %v, want %s", got, want)
	}
}
