package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/plinkdev/plink/awsenv"
)

func TestFingerprintsAndDiff(t *testing.T) {
	snap, err := read(t, world(), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fp := snap.Fingerprints()
	if want := len(snap.Services) + len(snap.Endpoints) + len(snap.LoadBalancers) + len(snap.VPCs) +
		len(snap.Subnets) + len(snap.SecurityGroups) + len(snap.VisibleServices); len(fp) != want || want <= len(snap.Services)+len(snap.Endpoints) {
		t.Fatalf("%d fingerprints, want %d (services, endpoints, load balancers, network, visible services): %v", len(fp), want, fp)
	}
	for id, h := range fp {
		if len(h) != 16 {
			t.Errorf("%s: fingerprint %q is not 16 hex characters", id, h)
		}
	}
	again, _ := read(t, world(), ReadOptions{PerScope: 1})
	if d := Diff(fp, again.Fingerprints()); d != nil {
		t.Errorf("same world differs: %v", d)
	}

	// A new principal, a changed connection state, a removed endpoint and an
	// added one each show up by id.
	fs := world()
	pay, chk := fs["payments/us-east-1"], fs["checkout/us-east-1"]
	pay.perms["vpce-svc-adopted"] = append(pay.perms["vpce-svc-adopted"], "arn:aws:iam::555555555555:root")
	pay.conns[0].VpcEndpointState = "available"
	chk.eps[0].VpcEndpointId = aws.String("vpce-new")
	changed, _ := read(t, fs, ReadOptions{})
	got := Diff(fp, changed.Fingerprints())
	want := "removed vpce-1,added vpce-new,changed vpce-svc-adopted,changed vpce-svc-owned" // by id
	if strings.Join(got, ",") != want {
		t.Errorf("diff %v, want %s", got, want)
	}
	// A load balancer that lost an AZ changes what the plan checks: a plan
	// saved before is stale.
	fs = world()
	lb := &fs["payments/us-east-1"].lbs[0]
	lb.AvailabilityZones = lb.AvailabilityZones[:len(lb.AvailabilityZones)-1]
	changed, _ = read(t, fs, ReadOptions{})
	if got := Diff(fp, changed.Fingerprints()); strings.Join(got, ",") != "changed "+lbARN {
		t.Errorf("diff %v, want the load balancer changed", got)
	}
	if d := Diff(nil, map[string]string{"b": "1", "a": "2"}); fmt.Sprint(d) != "[added a added b]" {
		t.Errorf("diff sorted by id: %v", d)
	}
}

func TestNormalizeEmpty(t *testing.T) {
	var s Snapshot
	s.normalize()
	b, _ := json.Marshal(s)
	if string(b) != `{"scopes":[]}` {
		t.Errorf("empty snapshot serializes as %s", b)
	}
}

func TestReadNetworkFailures(t *testing.T) {
	fs := world()
	fs["checkout/us-east-1"].fail = map[string]error{callVPCs: apiErr("InternalError", "vpcs"), callGroups: apiErr("InternalError", "groups")}
	snap, err := read(t, fs, ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "DescribeVpcs in account checkout") || !strings.Contains(err.Error(), "DescribeSecurityGroups in account checkout") {
		t.Fatalf("got %v", err)
	}
	if len(snap.SecurityGroups) != 0 || len(snap.VPCs) != 1 {
		t.Errorf("%d groups, %d vpcs", len(snap.SecurityGroups), len(snap.VPCs))
	}
}

func TestReadVisibleFilterFailure(t *testing.T) {
	fs := world()
	chk := fs["checkout/us-east-1"]
	src := APISourceFunc(func(ctx context.Context, account, region string) (EC2API, ELBAPI, error) {
		e, l, err := fs.APIs(ctx, account, region)
		if account == "checkout" && region == "us-east-1" {
			chk.fail = map[string]error{}
			return &vagueThenFail{chk}, l, err
		}
		return e, l, err
	})
	_, err := ReadAPIs(context.Background(), testManifest(), src, ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "DescribeVpcEndpointServices in account checkout (222222222222) region us-east-1: InvalidFilter: no") {
		t.Fatalf("got %v", err)
	}
}

type vagueThenFail struct{ *fakeAWS }

func (v *vagueThenFail) DescribeVpcEndpointServices(ctx context.Context, in *ec2.DescribeVpcEndpointServicesInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServicesOutput, error) {
	if len(in.ServiceNames) > 0 {
		return nil, apiErr("InvalidServiceName", "vague")
	}
	return nil, apiErr("InvalidFilter", "no")
}

type fakeSource struct{ err error }

func (f fakeSource) ClientsFor(context.Context, string, string) (*awsenv.Clients, error) {
	return nil, f.err
}

func TestReadClientSourceError(t *testing.T) {
	_, err := Read(context.Background(), testManifest(), fakeSource{errors.New("no credentials")}, ReadOptions{})
	var rerr *ReadError
	if !errors.As(err, &rerr) || len(rerr.Failures) != 4 || rerr.Failures[0].Call != "Clients" || rerr.Failures[0].Error != "no credentials" {
		t.Fatalf("got %v", err)
	}
}

func TestReadCancelledWhileWaiting(t *testing.T) {
	// With one call allowed at a time, cancelling inside the first call
	// leaves every other call waiting for a slot: each gives up.
	ctx, cancel := context.WithCancel(context.Background())
	fs := world()
	src := APISourceFunc(func(c context.Context, account, region string) (EC2API, ELBAPI, error) {
		e, l, err := fs.APIs(c, account, region)
		return e, &cancelling{ELBAPI: l, cancel: cancel}, err
	})
	_, err := ReadAPIs(ctx, testManifest(), src, ReadOptions{Concurrency: 1})
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("got %v", err)
	}
}

type cancelling struct {
	ELBAPI
	cancel func()
}

func (c *cancelling) DescribeLoadBalancers(ctx context.Context, in *elbv2.DescribeLoadBalancersInput, o ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error) {
	c.cancel()
	return c.ELBAPI.DescribeLoadBalancers(ctx, in, o...)
}

// A read that failed because the run's context ended says so to errors.Is.
func TestReadErrorUnwrapsContext(t *testing.T) {
	e := &ReadError{Failures: []Failure{{Call: "DescribeVpcEndpoints", Error: "context deadline exceeded"}}, ctxErr: context.DeadlineExceeded}
	if !errors.Is(e, context.DeadlineExceeded) {
		t.Error("errors.Is does not see the deadline")
	}
	if errors.Is(&ReadError{Failures: e.Failures}, context.DeadlineExceeded) {
		t.Error("a read error without a context error claims one")
	}
}
