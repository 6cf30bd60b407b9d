package apply_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

// Renaming a provider and a consumer with renamedFrom keeps both: the plan
// updates them in place, apply only rewrites their plink:name tags (no
// create, no delete, no accept or reject), and the next apply changes
// nothing.
func TestE2ERenameKeepsResources(t *testing.T) {
	e := newEnv(t)
	first := e.apply("full.yaml")
	svcID, epID := first.Created["provider.payments-api"], first.Created["consumer.checkout-payments"]
	if svcID == "" || epID == "" {
		t.Fatalf("first apply created %v", first.Created)
	}

	p, _ := e.plan("renamed.yaml")
	for _, c := range p.Changes {
		if c.Action == plan.NoOp {
			continue
		}
		switch c.Address {
		case "provider.payments-api-v2", "consumer.checkout-to-payments":
			if c.Action != plan.Update {
				t.Errorf("%s: %s, want update", c.Address, c.Action)
			}
		default:
			t.Errorf("unexpected %s %s", c.Action, c.Address)
		}
	}

	e.srv.Sandbox.ResetCalls()
	res := e.apply("renamed.yaml")
	if s := res.Summary(); s.Changed != 2 || s.Added != 0 || s.Destroyed != 0 || s.Accepted != 0 || s.Rejected != 0 {
		t.Errorf("summary %+v, want 2 changed and nothing else", s)
	}
	for addr, id := range map[string]string{"provider.payments-api-v2": svcID, "consumer.checkout-to-payments": epID} {
		if c := find(t, res, addr); c.Status != apply.StatusDone || c.ID != id || !strings.HasPrefix(c.Message, "renamed ") {
			t.Errorf("%s: %+v, want done on %s", addr, c, id)
		}
	}
	for _, c := range e.srv.Sandbox.Calls() {
		if c.Mutating && c.Action != "CreateTags" {
			t.Errorf("rename made a %s call in %s/%s", c.Action, c.Account, c.Region)
		}
	}

	pay := e.srv.Clients(t, "payments", "us-east-1").EC2
	so, err := pay.DescribeVpcEndpointServiceConfigurations(context.Background(), &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: []string{svcID}})
	if err != nil || len(so.ServiceConfigurations) != 1 {
		t.Fatalf("describe %s: %v", svcID, err)
	}
	checkTags(t, svcID, so.ServiceConfigurations[0].Tags, "payments-api-v2")
	chk := e.srv.Clients(t, "checkout", "us-east-1").EC2
	eo, err := chk.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{epID}})
	if err != nil || len(eo.VpcEndpoints) != 1 {
		t.Fatalf("describe %s: %v", epID, err)
	}
	checkTags(t, epID, eo.VpcEndpoints[0].Tags, "checkout-to-payments")

	e.converged("renamed.yaml")
}

// checkTags asserts that a resource carries plink:name name and still
// plink:project apply-e2e.
func checkTags(t *testing.T, id string, tags []ec2types.Tag, name string) {
	t.Helper()
	got := map[string]string{}
	for _, tg := range tags {
		got[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	if got[live.TagName] != name || got[live.TagProject] != "apply-e2e" {
		t.Errorf("%s tags = %v, want plink:name %s and plink:project apply-e2e", id, got, name)
	}
}
