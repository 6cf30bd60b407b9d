package drift_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/drift"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// Connections drift reports beyond what the plan changes, each through the
// real SDK against the sandbox.

func driftText(t *testing.T, r *drift.Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := drift.Text(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// item returns the report's item at address, or nil.
func item(r *drift.Report, address string) *drift.Item {
	for i := range r.Items {
		if r.Items[i].Address == address {
			return &r.Items[i]
		}
	}
	return nil
}

// An undeclared connection left in pendingAcceptance (rejectUndeclared
// false: plan warns PL030 and leaves it) is drift, exit 2: its owner waits
// and nothing in the manifest will decide it.
func TestDriftPendingUndeclaredConnection(t *testing.T) {
	w := &mxWorld{t: t, ctx: context.Background(), srv: sandboxtest.Start(t)}
	full := mxManifest([]string{mxProvider}, []string{mxWeb, mxS3})
	w.apply(full)
	id := w.foreignEndpoint(false)
	r := w.drift(full)
	if r.ExitCode() != 2 {
		t.Fatalf("exit %d, want 2\n%s", r.ExitCode(), driftText(t, r))
	}
	it := item(r, "provider.api.connection["+id+"]")
	if it == nil || it.Kind != drift.PendingConnection {
		t.Fatalf("no pending_connection item for %s\n%s", id, driftText(t, r))
	}
	for _, want := range []string{id, "analytics 333333333333", "waits in pendingAcceptance", "rejectUndeclared is false", "provider.api"} {
		if !strings.Contains(it.Message, want) {
			t.Errorf("message lacks %q: %s", want, it.Message)
		}
	}
	if !strings.Contains(it.Hint, "acceptFrom") || !strings.Contains(it.Hint, "rejectUndeclared: true") {
		t.Errorf("hint: %s", it.Hint)
	}
}

// An undeclared endpoint connected from an account that also has a
// declared consumer is reported: a connection is declared by its endpoint,
// not by its account. The declared consumer's own connection is not.
func TestDriftUndeclaredEndpointBesideADeclaredConsumer(t *testing.T) {
	w := &mxWorld{t: t, ctx: context.Background(), srv: sandboxtest.Start(t)}
	full := mxManifest([]string{mxProvider}, []string{mxWeb, mxS3})
	w.apply(full)
	if r := w.drift(full); r.ExitCode() != 0 {
		t.Fatalf("after apply: exit %d\n%s", r.ExitCode(), driftText(t, r))
	}
	svcID, web := w.tagged("api"), w.tagged("web")
	pay := w.srv.Clients(t, "payments").EC2
	cfg, err := pay.DescribeVpcEndpointServiceConfigurations(w.ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: []string{svcID}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := w.srv.Clients(t, "checkout").EC2.CreateVpcEndpoint(w.ctx, &ec2.CreateVpcEndpointInput{
		VpcEndpointType: types.VpcEndpointTypeInterface, VpcId: aws.String("vpc-02100000000000001"),
		ServiceName: cfg.ServiceConfigurations[0].ServiceName, SubnetIds: []string{"subnet-0210000000000000a"}, SecurityGroupIds: []string{"sg-02100000000000001"}})
	if err != nil {
		t.Fatal(err)
	}
	extra := aws.ToString(out.VpcEndpoint.VpcEndpointId)
	if _, err := pay.AcceptVpcEndpointConnections(w.ctx, &ec2.AcceptVpcEndpointConnectionsInput{ServiceId: aws.String(svcID), VpcEndpointIds: []string{extra}}); err != nil {
		t.Fatal(err)
	}
	r := w.drift(full)
	if r.ExitCode() != 2 {
		t.Fatalf("exit %d, want 2\n%s", r.ExitCode(), driftText(t, r))
	}
	it := item(r, "provider.api.connection["+extra+"]")
	if it == nil || it.Kind != drift.UndeclaredConnection || !strings.Contains(it.Message, "checkout 222222222222") {
		t.Fatalf("the undeclared endpoint %s of checkout is not reported\n%s", extra, driftText(t, r))
	}
	if item(r, "provider.api.connection["+web+"]") != nil {
		t.Errorf("the declared consumer's endpoint %s is reported\n%s", web, driftText(t, r))
	}
}

// An endpoint connected to the project's service from an account the
// manifest no longer names (the consumer and its account removed in one
// edit) is reported, exit 2, naming the endpoint, its owner account and
// the service — plink can no longer read that account.
func TestDriftEndpointOfAnAccountOutsideTheManifest(t *testing.T) {
	w := &mxWorld{t: t, ctx: context.Background(), srv: sandboxtest.Start(t)}
	w.apply(mxManifest([]string{mxProvider}, []string{mxWeb, mxS3}))
	svcID, web := w.tagged("api"), w.tagged("web")
	gone := strings.Replace(mxHeader, "  checkout: { id: \"222222222222\" }\n", "", 1) +
		"providers:\n" + strings.Replace(mxProvider, "{ account: checkout }, ", "", 1) +
		"consumers:\n" + mxS3
	r := w.drift(gone)
	if r.ExitCode() != 2 {
		t.Fatalf("exit %d, want 2\n%s", r.ExitCode(), driftText(t, r))
	}
	it := item(r, "provider.api.connection["+web+"]")
	if it == nil || it.Kind != drift.UndeclaredConnection {
		t.Fatalf("the endpoint %s of the removed account is not reported\n%s", web, driftText(t, r))
	}
	for _, want := range []string{web, "222222222222", "which the manifest does not name", svcID, "provider.api", "cannot read that account"} {
		if !strings.Contains(it.Message, want) {
			t.Errorf("message lacks %q: %s", want, it.Message)
		}
	}
	if !strings.Contains(it.Hint, "delete-vpc-endpoints --vpc-endpoint-ids "+web) {
		t.Errorf("hint: %s", it.Hint)
	}
}
