package sandbox_test

import (
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/plinkdev/plink/sandbox"
)

func serviceConfig(t *testing.T, c *ec2.Client, id string) (types.ServiceConfiguration, error) {
	t.Helper()
	out, err := c.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: []string{id}})
	if err != nil {
		return types.ServiceConfiguration{}, err
	}
	return out.ServiceConfigurations[0], nil
}

// connectionStates returns the provider's view: endpoint id -> state.
func connectionStates(t *testing.T, c *ec2.Client) map[string]string {
	t.Helper()
	out, err := c.DescribeVpcEndpointConnections(ctx, &ec2.DescribeVpcEndpointConnectionsInput{})
	must(t, err)
	m := map[string]string{}
	for _, x := range out.VpcEndpointConnections {
		m[*x.VpcEndpointId] = string(x.VpcEndpointState)
	}
	return m
}

// A deleted service is Deleting for ServiceDeleteDelay, then Deleted as
// long, then gone; consumers stop seeing it at once, and its load balancer
// is free for a new service.
func TestServiceDeletionStates(t *testing.T) {
	clk := newClock()
	srv := start(t, sandbox.Options{Clock: clk.Now, ServiceDeleteDelay: time.Minute})
	prov := srv.Clients(t, "payments").EC2
	cons := srv.Clients(t, "checkout").EC2
	tok := func(in *ec2.CreateVpcEndpointServiceConfigurationInput) { in.ClientToken = aws.String("svc") }
	svc := createService(t, prov, tok)
	allow(t, prov, *svc.ServiceId, "*")
	_, err := prov.DeleteVpcEndpointServiceConfigurations(ctx, &ec2.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{*svc.ServiceId}})
	must(t, err)

	got, err := serviceConfig(t, prov, *svc.ServiceId)
	must(t, err)
	if got.ServiceState != types.ServiceStateDeleting {
		t.Fatalf("after delete: %s, want Deleting", got.ServiceState)
	}
	list, err := prov.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{
		Filters: []types.Filter{{Name: aws.String("service-state"), Values: []string{"Deleting"}}}})
	must(t, err)
	if len(list.ServiceConfigurations) != 1 {
		t.Fatalf("service-state=Deleting filter: %d services", len(list.ServiceConfigurations))
	}
	_, err = cons.DescribeVpcEndpointServices(ctx, &ec2.DescribeVpcEndpointServicesInput{ServiceNames: []string{*svc.ServiceName}})
	wantCode(t, err, "InvalidServiceName")
	_, err = createEndpoint(cons, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast())
	wantCode(t, err, "InvalidServiceName")
	_, err = prov.ModifyVpcEndpointServiceConfiguration(ctx, &ec2.ModifyVpcEndpointServiceConfigurationInput{ServiceId: svc.ServiceId, AcceptanceRequired: aws.Bool(false)})
	wantCode(t, err, "IncorrectState")
	_, err = prov.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: svc.ServiceId, AddAllowedPrincipals: []string{"*"}})
	wantCode(t, err, "IncorrectState")
	// Deleting again is accepted and changes nothing.
	again, err := prov.DeleteVpcEndpointServiceConfigurations(ctx, &ec2.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{*svc.ServiceId}})
	must(t, err)
	if len(again.Unsuccessful) != 0 {
		t.Fatalf("second delete: %+v", again.Unsuccessful)
	}
	// The same create with the token answers with the service as it is.
	if g := createService(t, prov, tok); *g.ServiceId != *svc.ServiceId || g.ServiceState != types.ServiceStateDeleting {
		t.Fatalf("token while deleting: %s %s", *g.ServiceId, g.ServiceState)
	}
	// The load balancer is free for a replacement at once.
	repl := createService(t, prov)
	if *repl.ServiceId == *svc.ServiceId {
		t.Fatal("replacement reused the id")
	}

	clk.Advance(time.Minute)
	if got, err = serviceConfig(t, prov, *svc.ServiceId); err != nil || got.ServiceState != types.ServiceStateDeleted {
		t.Fatalf("after the delay: %v %v, want Deleted", got.ServiceState, err)
	}
	clk.Advance(time.Minute)
	_, err = serviceConfig(t, prov, *svc.ServiceId)
	wantCode(t, err, "InvalidVpcEndpointServiceId.NotFound")
	if g := createService(t, prov, tok); *g.ServiceId != *svc.ServiceId || g.ServiceState != types.ServiceStateDeleted {
		t.Fatalf("token once gone: %s %s, want the Deleted service", *g.ServiceId, g.ServiceState)
	}
}

// TestForceEndpointState puts an endpoint in every state AWS reports and
// reads it back as its owner and as the provider, across a state file.
func TestForceEndpointState(t *testing.T) {
	clk := newClock()
	opts := sandbox.Options{Clock: clk.Now, StatePath: filepath.Join(t.TempDir(), "state.json")}
	srv := start(t, opts)
	prov := srv.Clients(t, "payments").EC2
	cons := srv.Clients(t, "checkout").EC2
	svc := createService(t, prov)
	allow(t, prov, *svc.ServiceId, "*")
	ep, err := createEndpoint(cons, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast())
	must(t, err)
	id := *ep.VpcEndpointId

	for _, st := range sandbox.EndpointStates {
		must(t, srv.Sandbox.ForceEndpointState(id, st))
		clk.Advance(time.Second) // pending must not move on by itself
		if got := endpointState(t, cons, id); got != st {
			t.Errorf("forced %s: owner sees %s", st, got)
		}
		if got := connectionStates(t, prov)[id]; got != st {
			t.Errorf("forced %s: provider sees %q", st, got)
		}
		// A new sandbox on the same file reports the same.
		again := start(t, opts)
		if got := endpointState(t, again.Clients(t, "checkout").EC2, id); got != st {
			t.Errorf("forced %s: after reload %s", st, got)
		}
	}
	// Forced deleted goes away after the hold, even with zero delays.
	clk.Advance(sandbox.ForcedStateHold)
	_, err = cons.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	wantCode(t, err, "InvalidVpcEndpointId.NotFound")
	if _, ok := connectionStates(t, prov)[id]; ok {
		t.Error("the provider still sees the connection of a gone endpoint")
	}

	// Rejected and expired endpoints no longer count as connections.
	ep2, err := createEndpoint(cons, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast())
	must(t, err)
	must(t, srv.Sandbox.ForceEndpointState(*ep2.VpcEndpointId, "expired"))
	del, err := prov.DeleteVpcEndpointServiceConfigurations(ctx, &ec2.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{*svc.ServiceId}})
	must(t, err)
	if len(del.Unsuccessful) != 0 {
		t.Fatalf("delete with only an expired endpoint: %+v", del.Unsuccessful)
	}
}

func TestForceErrors(t *testing.T) {
	srv := start(t)
	prov := srv.Clients(t, "payments").EC2
	cons := srv.Clients(t, "checkout").EC2
	svc := createService(t, prov)
	allow(t, prov, *svc.ServiceId, "*")
	ep, err := createEndpoint(cons, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast())
	must(t, err)
	gw, err := cons.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(checkoutVPCEast), ServiceName: aws.String("com.amazonaws.us-east-1.s3")})
	must(t, err)
	sb := srv.Sandbox
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{sb.ForceEndpointState("vpce-0000000000000000f", "available"), []string{"no endpoint vpce-0000000000000000f", *ep.VpcEndpointId}},
		{sb.ForceEndpointState(*ep.VpcEndpointId, "Available"), []string{`unknown state "Available"`, "pendingAcceptance, pending, available, rejected, expired, failed, deleting, deleted"}},
		{sb.ForceEndpointState(*gw.VpcEndpoint.VpcEndpointId, "rejected"), []string{"Gateway endpoint", "available, deleting or deleted"}},
		{sb.ForceServiceState("vpce-svc-0000000000000000f", "Failed"), []string{"no endpoint service vpce-svc-0000000000000000f", *svc.ServiceId}},
		{sb.ForceServiceState(*svc.ServiceId, "available"), []string{`unknown state "available"`, "Pending, Available, Deleting, Deleted, Failed"}},
		{sb.ForceLoadBalancerState("arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/nope/0000000000000000", "failed"), []string{"no load balancer", paymentsNLBEast}},
		{sb.ForceLoadBalancerState(paymentsNLBEast, "deleted"), []string{`unknown state "deleted"`, "provisioning, active, active_impaired, failed"}},
	} {
		if tc.err == nil {
			t.Errorf("no error, want %q", tc.want)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(tc.err.Error(), w) {
				t.Errorf("error %q lacks %q", tc.err, w)
			}
		}
	}
}

// Forcing a service to Deleting rejects its live connections first, as AWS
// requires before a deletion; the consumer then sees its endpoint rejected.
func TestForceServiceState(t *testing.T) {
	clk := newClock()
	srv := start(t, sandbox.Options{Clock: clk.Now})
	prov := srv.Clients(t, "payments").EC2
	cons := srv.Clients(t, "checkout").EC2
	svc := createService(t, prov)
	allow(t, prov, *svc.ServiceId, "*")
	ep, err := createEndpoint(cons, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast())
	must(t, err)

	for _, st := range []string{"Pending", "Failed", "Available"} {
		must(t, srv.Sandbox.ForceServiceState(*svc.ServiceId, st))
		clk.Advance(time.Hour)
		if got, err := serviceConfig(t, prov, *svc.ServiceId); err != nil || string(got.ServiceState) != st {
			t.Fatalf("forced %s: %s %v", st, got.ServiceState, err)
		}
		_, err := cons.DescribeVpcEndpointServices(ctx, &ec2.DescribeVpcEndpointServicesInput{ServiceNames: []string{*svc.ServiceName}})
		if visible := err == nil; visible != (st != "Failed") {
			t.Errorf("forced %s: consumer sees it = %v", st, visible)
		}
	}
	must(t, srv.Sandbox.ForceServiceState(*svc.ServiceId, "Deleting"))
	if got, _ := serviceConfig(t, prov, *svc.ServiceId); got.ServiceState != types.ServiceStateDeleting {
		t.Fatalf("forced Deleting: %s", got.ServiceState)
	}
	if got := endpointState(t, cons, *ep.VpcEndpointId); got != "rejected" {
		t.Fatalf("endpoint of a deleting service: %s, want rejected", got)
	}
	if got := connectionStates(t, prov)[*ep.VpcEndpointId]; got != "rejected" {
		t.Fatalf("connection of a deleting service: %s, want rejected", got)
	}
	clk.Advance(sandbox.ForcedStateHold)
	if got, _ := serviceConfig(t, prov, *svc.ServiceId); got.ServiceState != types.ServiceStateDeleted {
		t.Fatalf("after the hold: %s, want Deleted", got.ServiceState)
	}
	clk.Advance(sandbox.ForcedStateHold)
	if _, err := serviceConfig(t, prov, *svc.ServiceId); code(t, err) != "InvalidVpcEndpointServiceId.NotFound" {
		t.Fatalf("after two holds: %v", err)
	}
	if len(connectionStates(t, prov)) != 0 {
		t.Fatal("a gone service still has connections")
	}
	if got := endpointState(t, cons, *ep.VpcEndpointId); got != "rejected" {
		t.Fatalf("endpoint once its service is gone: %s, want rejected", got)
	}
	// Forced Deleted starts there.
	svc2 := createService(t, prov)
	must(t, srv.Sandbox.ForceServiceState(*svc2.ServiceId, "Deleted"))
	if got, _ := serviceConfig(t, prov, *svc2.ServiceId); got.ServiceState != types.ServiceStateDeleted {
		t.Fatalf("forced Deleted: %s", got.ServiceState)
	}
}

func TestForceLoadBalancerState(t *testing.T) {
	srv := start(t)
	c := srv.Clients(t, "payments")
	must(t, srv.Sandbox.ForceLoadBalancerState(paymentsNLBEast, "failed"))
	out, err := c.ELB.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{paymentsNLBEast}})
	must(t, err)
	if got := out.LoadBalancers[0].State.Code; got != "failed" {
		t.Fatalf("forced failed: %s", got)
	}
	_, err = c.EC2.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{NetworkLoadBalancerArns: []string{paymentsNLBEast}})
	wantCode(t, err, "InvalidParameter")

	must(t, srv.Sandbox.ForceLoadBalancerState(paymentsNLBEast, "active"))
	svc := createService(t, c.EC2)
	must(t, srv.Sandbox.ForceLoadBalancerState(paymentsNLBEast, ""))
	_, err = c.ELB.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{paymentsNLBEast}})
	wantCode(t, err, "LoadBalancerNotFound")
	all, err := c.ELB.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{})
	must(t, err)
	if len(all.LoadBalancers) != 0 {
		t.Fatalf("deleted load balancer still listed: %d", len(all.LoadBalancers))
	}
	got, err := serviceConfig(t, c.EC2, *svc.ServiceId)
	must(t, err)
	if len(got.AvailabilityZoneIds) != 0 {
		t.Fatalf("service of a deleted load balancer keeps AZs %v", got.AvailabilityZoneIds)
	}
}

// The control path forces states from outside the process.
func TestForceOverHTTP(t *testing.T) {
	srv := start(t)
	prov := srv.Clients(t, "payments").EC2
	svc := createService(t, prov)
	post := func(v url.Values) (int, string) {
		t.Helper()
		resp, err := http.PostForm(srv.URL+sandbox.ForcePath, v)
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := post(url.Values{"kind": {"service"}, "id": {*svc.ServiceId}, "state": {"Failed"}}); st != 200 || body != "ok\n" {
		t.Fatalf("force: %d %q", st, body)
	}
	if got, _ := serviceConfig(t, prov, *svc.ServiceId); got.ServiceState != types.ServiceStateFailed {
		t.Fatalf("after force over HTTP: %s", got.ServiceState)
	}
	if st, body := post(url.Values{"kind": {"vpc"}, "id": {"x"}, "state": {"y"}}); st != 400 || !strings.Contains(body, "endpoint, service, load-balancer") {
		t.Fatalf("unknown kind: %d %q", st, body)
	}
	if st, body := post(url.Values{"kind": {"endpoint"}, "id": {"vpce-1"}, "state": {"available"}}); st != 400 || !strings.Contains(body, "no endpoint vpce-1") {
		t.Fatalf("unknown endpoint: %d %q", st, body)
	}
	resp, err := http.Get(srv.URL + sandbox.ForcePath)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
}
