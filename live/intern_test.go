package live

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// fresh is s in memory of its own, as the SDK decodes every answer.
func fresh(s string) *string { c := strings.Clone(s); return &c }

func sameData(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }

func TestInternerKeepsOneCopy(t *testing.T) {
	var in interner
	a, b := in.str(*fresh("vpc-1")), in.str(*fresh("vpc-1"))
	if a != "vpc-1" || !sameData(a, b) {
		t.Errorf("str: %q and %q are two copies", a, b)
	}
	if in.str("") != "" || in.ptr(nil) != "" || in.sorted(nil) != nil || in.tags(nil) != nil {
		t.Error("empty values are not kept as empty")
	}
}

// The strings that repeat among endpoints are held once, and each endpoint
// reads as it did before: sorted lists, states in lower camel case.
func TestEndpointsShareRepeatedStrings(t *testing.T) {
	var in interner
	sc := &scopeState{Scope: Scope{Account: "a", AccountID: "111111111111", Region: "us-east-1"}}
	mk := func(id string) ec2types.VpcEndpoint {
		return ec2types.VpcEndpoint{
			VpcEndpointId: aws.String(id), VpcEndpointType: ec2types.VpcEndpointTypeInterface,
			VpcId: fresh("vpc-1"), ServiceName: fresh("com.amazonaws.vpce.us-east-1.vpce-svc-1"),
			State:     ec2types.State(*fresh("PendingAcceptance")),
			SubnetIds: []string{*fresh("subnet-b"), *fresh("subnet-a")},
			Groups:    []ec2types.SecurityGroupIdentifier{{GroupId: fresh("sg-1")}},
			Tags:      []ec2types.Tag{{Key: fresh(TagProject), Value: fresh("p")}, {Key: fresh(TagName), Value: aws.String(id)}},
		}
	}
	e1, e2 := toEndpoint(&in, sc, mk("vpce-1")), toEndpoint(&in, sc, mk("vpce-2"))
	if e1.State != "pendingAcceptance" || !slices.Equal(e1.SubnetIDs, []string{"subnet-a", "subnet-b"}) ||
		e1.Tags[TagProject] != "p" || e2.Tags[TagName] != "vpce-2" || e2.ID != "vpce-2" {
		t.Fatalf("endpoint read as %+v", e1)
	}
	for name, pair := range map[string][2]string{
		"vpc": {e1.VPCID, e2.VPCID}, "service name": {e1.ServiceName, e2.ServiceName},
		"state": {e1.State, e2.State}, "subnet": {e1.SubnetIDs[0], e2.SubnetIDs[0]},
		"group":     {e1.SecurityGroupIDs[0], e2.SecurityGroupIDs[0]},
		"tag value": {e1.Tags[TagProject], e2.Tags[TagProject]},
	} {
		if !sameData(pair[0], pair[1]) {
			t.Errorf("%s: two copies of %q", name, pair[0])
		}
	}
	var keys []string
	for _, e := range []Endpoint{e1, e2} {
		for k := range e.Tags {
			if k == TagProject {
				keys = append(keys, k)
			}
		}
	}
	if !sameData(keys[0], keys[1]) {
		t.Error("tag key: two copies")
	}
}

// A service seen from many scopes, and the connections of many consumers,
// hold their repeated names once.
func TestVisibleAndConnectionsShareRepeatedStrings(t *testing.T) {
	var in interner
	sc := &scopeState{Scope: Scope{Account: "a", AccountID: "111111111111", Region: "us-east-1"}}
	vis := func() VisibleService {
		return toVisible(&in, sc, ec2types.ServiceDetail{ServiceName: fresh("com.x"), ServiceId: fresh("vpce-svc-1"),
			Owner: fresh("222222222222"), AvailabilityZones: []string{*fresh("us-east-1b"), *fresh("us-east-1a")},
			SupportedIpAddressTypes: []ec2types.ServiceConnectivityType{ec2types.ServiceConnectivityType(*fresh("ipv4"))}})
	}
	v1, v2 := vis(), vis()
	if !slices.Equal(v1.AvailabilityZones, []string{"us-east-1a", "us-east-1b"}) || !slices.Equal(v1.SupportedIPAddressTypes, []string{"ipv4"}) {
		t.Fatalf("visible service read as %+v", v1)
	}
	conn := func(id string) Connection {
		return toConnection(&in, ec2types.VpcEndpointConnection{VpcEndpointId: aws.String(id), VpcEndpointOwner: fresh("333333333333"),
			VpcEndpointState: ec2types.State(*fresh("Available")), VpcEndpointRegion: fresh("us-east-1")})
	}
	c1, c2 := conn("vpce-1"), conn("vpce-2")
	if c1.State != "available" || c2.EndpointID != "vpce-2" {
		t.Fatalf("connection read as %+v", c1)
	}
	for name, pair := range map[string][2]string{
		"service name": {v1.ServiceName, v2.ServiceName}, "service id": {v1.ServiceID, v2.ServiceID},
		"owner": {v1.Owner, v2.Owner}, "zone": {v1.AvailabilityZones[0], v2.AvailabilityZones[0]},
		"ip type":          {v1.SupportedIPAddressTypes[0], v2.SupportedIPAddressTypes[0]},
		"connection owner": {c1.OwnerID, c2.OwnerID}, "connection state": {c1.State, c2.State},
		"connection region": {c1.Region, c2.Region},
	} {
		if !sameData(pair[0], pair[1]) {
			t.Errorf("%s: two copies of %q", name, pair[0])
		}
	}
}

// clonedPerms answers each permissions call with principals of their own
// memory, as the SDK decodes them.
type clonedPerms struct{ *fakeAWS }

func (c clonedPerms) DescribeVpcEndpointServicePermissions(ctx context.Context, in *ec2.DescribeVpcEndpointServicePermissionsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServicePermissionsOutput, error) {
	out, err := c.fakeAWS.DescribeVpcEndpointServicePermissions(ctx, in, o...)
	if out != nil {
		for i, p := range out.AllowedPrincipals {
			out.AllowedPrincipals[i].Principal = fresh(aws.ToString(p.Principal))
		}
	}
	return out, err
}

// A principal allowed on many services is held once.
func TestPrincipalsShareRepeatedStrings(t *testing.T) {
	root := "arn:aws:iam::222222222222:root"
	f := &fakeAWS{perms: map[string][]string{"vpce-svc-1": {root}, "vpce-svc-2": {root}}}
	rd := &reader{global: make(chan struct{}, 1)}
	sc := &scopeState{ec2: clonedPerms{f}, sem: make(chan struct{}, 1)}
	s1, s2 := &Service{ID: "vpce-svc-1"}, &Service{ID: "vpce-svc-2"}
	rd.readPermissions(context.Background(), sc, s1)
	rd.readPermissions(context.Background(), sc, s2)
	if !slices.Equal(s1.Principals, []string{root}) || !slices.Equal(s2.Principals, []string{root}) {
		t.Fatalf("principals read as %v and %v", s1.Principals, s2.Principals)
	}
	if !sameData(s1.Principals[0], s2.Principals[0]) {
		t.Error("principal: two copies")
	}
}
