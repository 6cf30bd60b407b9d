package apply_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/apply"
)

// outsideService creates, by hand in payments, an endpoint service that
// the manifest does not declare and allows checkout on it; it returns the
// service name.
func outsideService(t *testing.T, e *env, acceptance bool) string {
	t.Helper()
	pay := e.srv.Clients(t, "payments").EC2
	out, err := pay.CreateVpcEndpointServiceConfiguration(context.Background(), &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{"arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"},
		AcceptanceRequired:      aws.Bool(acceptance)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pay.ModifyVpcEndpointServicePermissions(context.Background(), &ec2.ModifyVpcEndpointServicePermissionsInput{
		ServiceId: out.ServiceConfiguration.ServiceId, AddAllowedPrincipals: []string{"arn:aws:iam::222222222222:root"}}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.ServiceConfiguration.ServiceName)
}

// consumerOf writes a manifest whose only resource is a checkout consumer
// of serviceName.
func consumerOf(t *testing.T, serviceName string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "outside.yaml")
	text := fmt.Sprintf(`version: 1
project: outside
defaults: { region: us-east-1 }
accounts:
  checkout: { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/plink" }
consumers:
  - name: web
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a]
    securityGroupIds: [sg-02100000000000001]
    serviceName: %s
`, serviceName)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A consumer of a service outside the manifest that requires acceptance:
// apply makes the endpoint and ends its wait at pendingAcceptance (only
// the service's owner can accept), but it does not call the endpoint
// usable; the result says what waits, and the run is not converged.
func TestApplyPendingAcceptanceOutsideIsNotUsable(t *testing.T) {
	e := newEnv(t)
	path := consumerOf(t, outsideService(t, e, true))
	p, r := e.plan(path)
	o := opts()
	var mu sync.Mutex
	var events []string
	o.Events = func(ev apply.Event) {
		mu.Lock()
		events = append(events, string(ev.Progress)+" "+ev.Address+": "+ev.Message)
		mu.Unlock()
	}
	res, err := apply.Run(context.Background(), p, apply.FromClientSource(r), o)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	id := res.Created["consumer.web"]
	if id == "" || !res.OK() {
		t.Fatalf("the endpoint was not made: %+v", res)
	}
	var cr apply.ChangeResult
	for _, c := range res.Changes {
		if c.Address == "consumer.web" {
			cr = c
		}
	}
	for _, want := range []string{id, "pendingAcceptance", "waits for the owner of service com.amazonaws.vpce.us-east-1.", "not usable"} {
		if !strings.Contains(cr.Awaiting, want) {
			t.Errorf("awaiting lacks %q: %q", want, cr.Awaiting)
		}
	}
	u := res.Unsettled()
	if len(u) != 1 || !strings.HasPrefix(u[0], "consumer.web (checkout 222222222222, us-east-1): "+id+" is pendingAcceptance") {
		t.Errorf("unsettled %q", u)
	}
	if !strings.Contains(cr.Message, cr.Awaiting) || strings.Contains(cr.Message, "is usable") {
		t.Errorf("message %q", cr.Message)
	}
	mu.Lock()
	defer mu.Unlock()
	said := false
	for _, ev := range events {
		said = said || strings.HasPrefix(ev, "done consumer.web: ") && strings.Contains(ev, cr.Awaiting)
		if strings.Contains(ev, id+" is usable") {
			t.Errorf("event calls the pending endpoint usable: %s", ev)
		}
	}
	if !said {
		t.Errorf("no done event says what waits: %q", events)
	}
	if st := endpointStateOf(t, e, id); st != "pendingAcceptance" {
		t.Errorf("endpoint %s is %s", id, st)
	}
}

// Without acceptance the same endpoint becomes available: usable, nothing
// awaited, converged.
func TestApplyOutsideServiceWithoutAcceptanceIsUsable(t *testing.T) {
	e := newEnv(t)
	res := e.apply(consumerOf(t, outsideService(t, e, false)))
	id := res.Created["consumer.web"]
	for _, c := range res.Changes {
		if c.Address == "consumer.web" && (c.Awaiting != "" || !strings.HasSuffix(c.Message, id+" is usable")) {
			t.Errorf("change %+v", c)
		}
	}
	if u := res.Unsettled(); len(u) != 0 {
		t.Errorf("unsettled %q", u)
	}
}

func endpointStateOf(t *testing.T, e *env, id string) string {
	t.Helper()
	out, err := e.srv.Clients(t, "checkout").EC2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	if err != nil || len(out.VpcEndpoints) != 1 {
		t.Fatalf("describe %s: %v", id, err)
	}
	return string(out.VpcEndpoints[0].State)
}
