package sandbox_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

var ctx = context.Background()

// Default world ids used across tests.
const (
	payments  = "111111111111"
	checkout  = "222222222222"
	analytics = "333333333333"

	paymentsNLBEast  = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"
	paymentsNLBWest  = "arn:aws:elasticloadbalancing:us-west-2:111111111111:loadbalancer/net/payments-api/012000000005c0c1"
	analyticsNLBEast = "arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/net/analytics-ingest/031000000005c0c1"
	analyticsGWLB    = "arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/gwy/analytics-inspect/031000000005c0c2"
	checkoutALB      = "arn:aws:elasticloadbalancing:us-east-1:222222222222:loadbalancer/app/checkout-web/021000000005c0c1"

	checkoutVPCEast = "vpc-02100000000000001"
	checkoutVPCWest = "vpc-02200000000000001"
	checkoutSGEast  = "sg-02100000000000001"
	checkoutSGWest  = "sg-02200000000000001"
	paymentsVPCEast = "vpc-01100000000000001"
)

func checkoutSubnetsEast() []string {
	return []string{"subnet-0210000000000000a", "subnet-0210000000000000b", "subnet-0210000000000000c"}
}

func checkoutSubnetsWest() []string {
	return []string{"subnet-0220000000000000a", "subnet-0220000000000000b", "subnet-0220000000000000c"}
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// code returns the AWS error code of err ("" for nil).
func code(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("not an API error: %v", err)
	}
	return ae.ErrorCode()
}

func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := code(t, err); got != want {
		t.Fatalf("error code = %q, want %q (err: %v)", got, want, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// createService makes an NLB service in payments/us-east-1.
func createService(t *testing.T, c *ec2.Client, mut ...func(*ec2.CreateVpcEndpointServiceConfigurationInput)) types.ServiceConfiguration {
	t.Helper()
	in := &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{paymentsNLBEast},
		AcceptanceRequired:      aws.Bool(true),
	}
	for _, m := range mut {
		m(in)
	}
	out, err := c.CreateVpcEndpointServiceConfiguration(ctx, in)
	if err != nil {
		t.Fatalf("create service: %v", err)
	}
	return *out.ServiceConfiguration
}

func allow(t *testing.T, c *ec2.Client, serviceID string, principals ...string) {
	t.Helper()
	_, err := c.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{
		ServiceId: aws.String(serviceID), AddAllowedPrincipals: principals,
	})
	must(t, err)
}

func createEndpoint(c *ec2.Client, vpc, serviceName string, subnets []string, mut ...func(*ec2.CreateVpcEndpointInput)) (*types.VpcEndpoint, error) {
	in := &ec2.CreateVpcEndpointInput{
		VpcEndpointType: types.VpcEndpointTypeInterface,
		VpcId:           aws.String(vpc),
		ServiceName:     aws.String(serviceName),
		SubnetIds:       subnets,
	}
	for _, m := range mut {
		m(in)
	}
	out, err := c.CreateVpcEndpoint(ctx, in)
	if err != nil {
		return nil, err
	}
	return out.VpcEndpoint, nil
}

func endpointState(t *testing.T, c *ec2.Client, id string) string {
	t.Helper()
	out, err := c.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	must(t, err)
	if len(out.VpcEndpoints) != 1 {
		t.Fatalf("describe %s: %d endpoints", id, len(out.VpcEndpoints))
	}
	return string(out.VpcEndpoints[0].State)
}

func start(t *testing.T, o ...sandbox.Options) *sandboxtest.Server {
	return sandboxtest.Start(t, o...)
}

func startWorld(t *testing.T, w *sandbox.World, o ...sandbox.Options) *sandboxtest.Server {
	return sandboxtest.StartWorld(t, w, o...)
}

func srvClients(srv *sandboxtest.Server, key, secret string) *sandboxtest.Clients {
	return sandboxtest.ClientsFor(srv.StaticConfig(key, secret, "", "us-east-1"))
}
