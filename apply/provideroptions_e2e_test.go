package apply_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/drift"
	"github.com/plinkdev/plink/export"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// optionsManifest is a provider with the given allowedPrincipals entries
// and extra provider fields.
func optionsManifest(t *testing.T, principals, extra string) string {
	t.Helper()
	doc := `version: 1
project: options-e2e
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/plink" }
  checkout: { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/plink" }
providers:
  - name: payments-api
    account: payments
    networkLoadBalancerArns:
      - arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1
    acceptanceRequired: true
` + extra + `
    allowedPrincipals:
` + principals
	path := filepath.Join(t.TempDir(), "plink.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// permissions are payments' one service's permissions: tags by principal,
// and the principal types.
func (e *env) permissions() (map[string]map[string]string, map[string]string) {
	e.t.Helper()
	prov := e.srv.Clients(e.t, "payments").EC2
	out, err := prov.DescribeVpcEndpointServiceConfigurations(context.Background(), &ec2.DescribeVpcEndpointServiceConfigurationsInput{})
	if err != nil || len(out.ServiceConfigurations) != 1 {
		e.t.Fatalf("services: %v %+v", err, out)
	}
	perms, err := prov.DescribeVpcEndpointServicePermissions(context.Background(), &ec2.DescribeVpcEndpointServicePermissionsInput{ServiceId: out.ServiceConfigurations[0].ServiceId})
	if err != nil {
		e.t.Fatal(err)
	}
	tags, types := map[string]map[string]string{}, map[string]string{}
	for _, p := range perms.AllowedPrincipals {
		m := map[string]string{}
		for _, tg := range p.Tags {
			m[*tg.Key] = *tg.Value
		}
		tags[*p.Principal] = m
		types[*p.Principal] = string(p.PrincipalType)
	}
	return tags, types
}

const (
	checkoutRoot = "arn:aws:iam::222222222222:root"
	elbService   = "elasticloadbalancing.amazonaws.com"
)

// Service principals and tags on the permissions of allowed principals:
// create, no-op second apply, update, drift, export round trip, delete.
func TestPrincipalOptionsEndToEnd(t *testing.T) {
	e := &env{t: t, srv: sandboxtest.Start(t, sandbox.Options{})}
	path := optionsManifest(t, `      - { account: checkout, tags: { team: checkout, cost: shared } }
      - { service: `+elbService+` }
`, "")
	e.apply(path)
	tags, types := e.permissions()
	if types[elbService] != "Service" || types[checkoutRoot] != "Account" || tags[checkoutRoot]["team"] != "checkout" || tags[checkoutRoot]["cost"] != "shared" {
		t.Fatalf("after create: %v %v", types, tags)
	}
	e.converged(path)

	// Update: a tag's value changes, another goes.
	path2 := optionsManifest(t, `      - { account: checkout, tags: { team: payments } }
      - { service: `+elbService+` }
`, "")
	p, _ := e.plan(path2)
	addr := "provider.payments-api.principal[" + checkoutRoot + "]"
	if ch := change(p, addr); ch == nil || ch.Action != plan.Update {
		t.Fatalf("plan of the tag change: %+v", ch)
	}
	e.apply(path2)
	if tags, _ := e.permissions(); len(tags[checkoutRoot]) != 1 || tags[checkoutRoot]["team"] != "payments" {
		t.Fatalf("after the update: %v", tags)
	}
	e.converged(path2)

	// Drift: a tag changed by hand.
	prov := e.srv.Clients(t, "payments").EC2
	svcs, err := prov.DescribeVpcEndpointServiceConfigurations(context.Background(), &ec2.DescribeVpcEndpointServiceConfigurationsInput{})
	if err != nil {
		t.Fatal(err)
	}
	perms, err := prov.DescribeVpcEndpointServicePermissions(context.Background(), &ec2.DescribeVpcEndpointServicePermissionsInput{ServiceId: svcs.ServiceConfigurations[0].ServiceId})
	if err != nil {
		t.Fatal(err)
	}
	var permID string
	for _, ap := range perms.AllowedPrincipals {
		if *ap.Principal == checkoutRoot {
			permID = *ap.ServicePermissionId
		}
	}
	if _, err := prov.CreateTags(context.Background(), &ec2.CreateTagsInput{Resources: []string{permID}, Tags: []ec2types.Tag{{Key: aws.String("team"), Value: aws.String("someone")}}}); err != nil {
		t.Fatal(err)
	}
	m, snap := e.read(path2)
	rep := drift.Build(m, snap, plan.Compute(m, snap, plan.Options{}))
	found := false
	for _, it := range rep.Items {
		found = found || it.Address == addr && it.Kind == drift.Changed && strings.Contains(it.Message, "someone")
	}
	if !found {
		t.Fatalf("drift: %+v", rep.Items)
	}
	e.apply(path2)
	e.converged(path2)

	// Export writes the service principal and the tags back.
	res, err := export.Export(context.Background(), []export.Account{{Alias: "payments", ID: "111111111111", RoleARN: "arn:aws:iam::111111111111:role/plink"}},
		[]string{"us-east-1"}, export.FromAWSEnv(e.resolver(m)), export.Options{Project: "options-e2e"})
	if err != nil {
		t.Fatal(err)
	}
	y := string(res.YAML)
	if !strings.Contains(y, "service: "+elbService) || !strings.Contains(y, "team: payments") {
		t.Fatalf("export:\n%s", y)
	}
	out := filepath.Join(t.TempDir(), "export.yaml")
	if err := os.WriteFile(out, res.YAML, 0o600); err != nil {
		t.Fatal(err)
	}
	pe, _ := e.plan(out)
	for _, ch := range pe.Changes {
		if ch.Kind == plan.KindPrincipal && ch.Action != plan.NoOp {
			t.Errorf("plan of the export: %s %s", ch.Action, ch.Address)
		}
	}

	// Delete: the service principal goes.
	path3 := optionsManifest(t, `      - { account: checkout, tags: { team: payments } }
`, "")
	p, _ = e.plan(path3)
	if ch := change(p, "provider.payments-api.principal["+elbService+"]"); ch == nil || ch.Action != plan.Delete {
		t.Fatalf("plan of the removal: %+v", ch)
	}
	e.apply(path3)
	if _, types := e.permissions(); len(types) != 1 {
		t.Fatalf("after the removal: %v", types)
	}
	e.converged(path3)
}

// A principal removed by hand between plan and apply has no permission to
// tag; clients that cannot list permissions are refused.
func TestPrincipalTagErrors(t *testing.T) {
	e := &env{t: t, srv: sandboxtest.Start(t, sandbox.Options{})}
	e.apply(optionsManifest(t, "      - { account: checkout }\n", ""))
	tagged := optionsManifest(t, "      - { account: checkout, tags: { team: checkout } }\n", "")
	p, r := e.plan(tagged)
	addr := "provider.payments-api.principal[" + checkoutRoot + "]"

	narrow := apply.ClientsFunc(func(ctx context.Context, account, region string) (apply.EC2API, error) {
		c, err := r.ClientsFor(ctx, account, region)
		if err != nil {
			return nil, err
		}
		return struct{ apply.EC2API }{c.EC2}, nil
	})
	if err := changeError(t, p, narrow, addr); err.Code != "Unsupported" {
		t.Fatalf("narrow client: %+v", err)
	}

	prov := e.srv.Clients(t, "payments").EC2
	svcs, err := prov.DescribeVpcEndpointServiceConfigurations(context.Background(), &ec2.DescribeVpcEndpointServiceConfigurationsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prov.ModifyVpcEndpointServicePermissions(context.Background(), &ec2.ModifyVpcEndpointServicePermissionsInput{
		ServiceId: svcs.ServiceConfigurations[0].ServiceId, RemoveAllowedPrincipals: []string{checkoutRoot}}); err != nil {
		t.Fatal(err)
	}
	if err := changeError(t, p, apply.FromClientSource(r), addr); err.Code != "InvalidPrincipal.NotFound" || !strings.Contains(err.Hint, "plan again") {
		t.Fatalf("principal removed under the plan: %+v", err)
	}
}

// changeError applies p with c and returns the error of the change at addr.
func changeError(t *testing.T, p *plan.Plan, c apply.Clients, addr string) *apply.Error {
	t.Helper()
	res, err := apply.Run(context.Background(), p, c, opts())
	if err == nil {
		t.Fatal("apply succeeded")
	}
	for _, cr := range res.Changes {
		if cr.Address == addr && cr.Error != nil {
			return cr.Error
		}
	}
	t.Fatalf("no error on %s: %v", addr, err)
	return nil
}

// consumerNotifyManifest is checkout's endpoint to an AWS service with the
// given notifications YAML (indented list items, or "").
func consumerNotifyManifest(t *testing.T, notifications string) string {
	t.Helper()
	doc := `version: 1
project: notify-e2e
defaults: { region: us-east-1 }
accounts:
  checkout: { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/plink" }
consumers:
  - name: checkout-kms
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a]
    securityGroupIds: [sg-02100000000000001]
    serviceName: com.amazonaws.us-east-1.kms
`
	if notifications != "" {
		doc += "    notifications:\n" + notifications
	}
	path := filepath.Join(t.TempDir(), "plink.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func (e *env) endpointNotifications() []ec2types.ConnectionNotification {
	e.t.Helper()
	out, err := e.srv.Clients(e.t, "checkout").EC2.DescribeVpcEndpointConnectionNotifications(context.Background(), &ec2.DescribeVpcEndpointConnectionNotificationsInput{})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.ConnectionNotificationSet
}

// A consumer's own connection notifications (VpcEndpointId): create, no-op
// second apply, update, drift, export round trip, delete.
func TestConsumerNotificationsEndToEnd(t *testing.T) {
	e := &env{t: t, srv: sandboxtest.Start(t, sandbox.Options{})}
	const topic = "arn:aws:sns:us-east-1:222222222222:endpoint-events"
	path := consumerNotifyManifest(t, "      - { topicArn: \""+topic+"\", events: [Accept, Reject] }\n")
	p, _ := e.plan(path)
	addr := "consumer.checkout-kms.notification[0]"
	if ch := change(p, addr); ch == nil || ch.Action != plan.Create || ch.Parent != "consumer.checkout-kms" {
		t.Fatalf("plan: %+v", ch)
	}
	e.apply(path)
	ns := e.endpointNotifications()
	if len(ns) != 1 || ns[0].VpcEndpointId == nil || ns[0].ServiceId != nil || *ns[0].ConnectionNotificationArn != topic || len(ns[0].ConnectionEvents) != 2 {
		t.Fatalf("notifications %+v", ns)
	}
	e.converged(path)

	// Update: other events.
	path2 := consumerNotifyManifest(t, "      - { topicArn: \""+topic+"\", events: [Delete] }\n")
	if p, _ := e.plan(path2); change(p, addr) == nil || change(p, addr).Action != plan.Update {
		t.Fatalf("plan of new events: %+v", change(p, addr))
	}
	e.apply(path2)
	if ns := e.endpointNotifications(); len(ns) != 1 || len(ns[0].ConnectionEvents) != 1 || ns[0].ConnectionEvents[0] != "Delete" {
		t.Fatalf("after the update: %+v", ns)
	}
	e.converged(path2)

	// Drift: deleted by hand, it is missing.
	if _, err := e.srv.Clients(t, "checkout").EC2.DeleteVpcEndpointConnectionNotifications(context.Background(), &ec2.DeleteVpcEndpointConnectionNotificationsInput{
		ConnectionNotificationIds: []string{*e.endpointNotifications()[0].ConnectionNotificationId}}); err != nil {
		t.Fatal(err)
	}
	m, snap := e.read(path2)
	rep := drift.Build(m, snap, plan.Compute(m, snap, plan.Options{}))
	found := false
	for _, it := range rep.Items {
		found = found || it.Address == addr && it.Kind == drift.Missing
	}
	if !found {
		t.Fatalf("drift: %+v", rep.Items)
	}
	e.apply(path2)
	e.converged(path2)

	// Export writes it back with the consumer.
	res, err := export.Export(context.Background(), []export.Account{{Alias: "checkout", ID: "222222222222", RoleARN: "arn:aws:iam::222222222222:role/plink"}},
		[]string{"us-east-1"}, export.FromAWSEnv(e.resolver(m)), export.Options{Project: "notify-e2e"})
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Manifest.Consumers[0]; len(c.Notifications) != 1 || c.Notifications[0].TopicARN != topic {
		t.Fatalf("export:\n%s", res.YAML)
	}
	out := filepath.Join(t.TempDir(), "export.yaml")
	if err := os.WriteFile(out, res.YAML, 0o600); err != nil {
		t.Fatal(err)
	}
	pe, _ := e.plan(out)
	for _, ch := range pe.Changes {
		if ch.Kind == plan.KindNotification && ch.Action != plan.NoOp {
			t.Errorf("plan of the export: %s %s", ch.Action, ch.Address)
		}
	}

	// Delete: a notification the consumer no longer declares goes (a
	// consumer that declares others keeps the scope read).
	path3 := consumerNotifyManifest(t, "      - { topicArn: \"arn:aws:sns:us-east-1:222222222222:other\", events: [Accept] }\n")
	p, _ = e.plan(path3)
	var deletes, creates int
	for _, ch := range p.Changes {
		if ch.Kind == plan.KindNotification {
			switch ch.Action {
			case plan.Delete:
				deletes++
			case plan.Create:
				creates++
			}
		}
	}
	if deletes != 1 || creates != 1 {
		t.Fatalf("plan of another topic: %d deletes, %d creates", deletes, creates)
	}
	e.apply(path3)
	if ns := e.endpointNotifications(); len(ns) != 1 || !strings.HasSuffix(*ns[0].ConnectionNotificationArn, ":other") {
		t.Fatalf("after the swap: %+v", ns)
	}
	e.converged(path3)
}

// payerResponsibility: ServiceOwner is set after the service is created (a
// no-op second apply), and set on a kept service as an update; back to
// EndpointOwner replaces the service, as AWS cannot set it back.
func TestPayerResponsibilityEndToEnd(t *testing.T) {
	e := &env{t: t, srv: sandboxtest.Start(t, sandbox.Options{})}
	payer := func() ec2types.PayerResponsibility {
		t.Helper()
		out, err := e.srv.Clients(t, "payments").EC2.DescribeVpcEndpointServiceConfigurations(context.Background(), &ec2.DescribeVpcEndpointServiceConfigurationsInput{})
		if err != nil || len(out.ServiceConfigurations) != 1 {
			t.Fatalf("services: %v %+v", err, out)
		}
		return out.ServiceConfigurations[0].PayerResponsibility
	}
	owner := optionsManifest(t, "      - { account: checkout }\n", "    payerResponsibility: ServiceOwner")
	e.apply(owner)
	if payer() != ec2types.PayerResponsibilityServiceOwner {
		t.Fatalf("after create: %q", payer())
	}
	e.converged(owner)

	// Unmanaged: no change either way.
	plain := optionsManifest(t, "      - { account: checkout }\n", "")
	e.converged(plain)

	// Back to the endpoint owner: AWS has no way (PL239), and nothing is
	// planned for the service.
	back := optionsManifest(t, "      - { account: checkout }\n", "    payerResponsibility: EndpointOwner")
	m, snap := e.read(back)
	p := plan.Compute(m, snap, plan.Options{})
	if !hasCode(p, plan.CodePayerBack) || !p.HasErrors() {
		t.Fatalf("plan back to EndpointOwner: %+v", p.Diagnostics)
	}
	if ch := change(p, "provider.payments-api"); ch == nil || ch.Action != plan.NoOp {
		t.Fatalf("the service is changed: %+v", ch)
	}

	// EndpointOwner to ServiceOwner on a kept service: an update.
	ek := &env{t: t, srv: sandboxtest.Start(t, sandbox.Options{})}
	ek.apply(plain)
	p, _ = ek.plan(owner)
	if ch := change(p, "provider.payments-api"); ch == nil || ch.Action != plan.Update {
		t.Fatalf("plan to ServiceOwner: %+v", ch)
	}
	ek.apply(owner)
	ek.converged(owner)

	// export writes it.
	m, _ = e.read(owner)
	res, err := export.Export(context.Background(), []export.Account{{Alias: "payments", ID: "111111111111", RoleARN: "arn:aws:iam::111111111111:role/plink"}},
		[]string{"us-east-1"}, export.FromAWSEnv(e.resolver(m)), export.Options{Project: "options-e2e"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Manifest.Providers[0].PayerResponsibility != "ServiceOwner" {
		t.Fatalf("export:\n%s", res.YAML)
	}

	// An EC2 client without the call is refused.
	e2 := &env{t: t, srv: sandboxtest.Start(t, sandbox.Options{})}
	p, r := e2.plan(owner)
	narrow := apply.ClientsFunc(func(ctx context.Context, account, region string) (apply.EC2API, error) {
		c, err := r.ClientsFor(ctx, account, region)
		if err != nil {
			return nil, err
		}
		return struct{ apply.EC2API }{c.EC2}, nil
	})
	if err := changeError(t, p, narrow, "provider.payments-api"); err.Code != "Unsupported" {
		t.Fatalf("narrow client: %+v", err)
	}
}
