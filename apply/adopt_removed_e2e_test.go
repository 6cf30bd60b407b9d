package apply_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// An adopted endpoint keeps a mark that plink adopted it (plink:adopted);
// once its entry leaves the manifest, the plan's delete says it was
// adopted and how to keep it, where a plain delete would not.
func TestE2EAdoptedConsumerRemovedIsNoted(t *testing.T) {
	e := newEnv(t)
	cl := e.srv.Clients(t, "checkout", "us-east-1").EC2
	out, err := cl.CreateVpcEndpoint(context.Background(), &ec2.CreateVpcEndpointInput{VpcId: aws.String("vpc-02100000000000001"),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, ServiceName: aws.String("com.amazonaws.us-east-1.sqs"), SubnetIds: []string{"subnet-0210000000000000a"}, SecurityGroupIds: []string{"sg-02100000000000001"}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.VpcEndpoint.VpcEndpointId)
	write := func(consumers string) string {
		path := filepath.Join(t.TempDir(), "adopt.yaml")
		doc := "version: 1\nproject: adopt-removed\ndefaults: { region: us-east-1 }\naccounts:\n  checkout: { id: \"222222222222\", roleArn: \"arn:aws:iam::222222222222:role/plink\" }\n" + consumers
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	adopt := write(`consumers:
  - name: checkout-sqs
    account: checkout
    adopt: ` + id + `
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a]
    securityGroupIds: [sg-02100000000000001]
    serviceName: com.amazonaws.us-east-1.sqs
`)
	p, _ := e.plan(adopt)
	if ch := change(p, "consumer.checkout-sqs"); ch == nil || ch.Action != plan.Adopt || ch.After.Tags[plan.TagAdopted] != id {
		t.Fatalf("adopt change %+v", ch)
	}
	e.apply(adopt)
	e.converged(adopt)

	// A consumer made by plink, deleted, carries no note.
	made := write(`consumers:
  - name: checkout-sns
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000b]
    securityGroupIds: [sg-02100000000000001]
    serviceName: com.amazonaws.us-east-1.sns
`)
	p, _ = e.plan(made)
	del := change(p, "consumer.checkout-sqs")
	if del == nil || del.Action != plan.Delete || len(del.Warnings) != 1 ||
		del.Warnings[0] != id+" was adopted (adopt: "+id+"), not made by plink, and this plan deletes it because consumer.checkout-sqs left the manifest; to keep it, put the entry back (with adopt: "+id+") and either keep it there or give the resource back with plink destroy --target consumer.checkout-sqs, which removes plink's tags and deletes nothing" {
		t.Fatalf("delete of the adopted endpoint: %+v", del)
	}
	e.apply(made)
	none := write("")
	p, _ = e.plan(none)
	if ch := change(p, "consumer.checkout-sns"); ch == nil || ch.Action != plan.Delete || len(ch.Warnings) != 0 {
		t.Fatalf("delete of an endpoint plink made: %+v", ch)
	}
}

// An adopt that moves the endpoint to other subnets takes it through
// pending, as any subnet update does: apply waits until it is usable
// again instead of reporting it modified and leaving it pending.
func TestE2EAdoptWithSubnetChangeWaits(t *testing.T) {
	e := &env{t: t, srv: sandboxtest.Start(t, sandbox.Options{AutoVerifyPrivateDNS: true, EndpointAvailableDelay: 300 * time.Millisecond})}
	ctx := context.Background()
	cl := e.srv.Clients(t, "checkout", "us-east-1").EC2
	out, err := cl.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String("vpc-02100000000000001"), VpcEndpointType: ec2types.VpcEndpointTypeInterface,
		ServiceName: aws.String("com.amazonaws.us-east-1.sqs"), SubnetIds: []string{"subnet-0210000000000000a"}, SecurityGroupIds: []string{"sg-02100000000000001"}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.VpcEndpoint.VpcEndpointId)
	state := func() string {
		d, err := cl.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
		if err != nil || len(d.VpcEndpoints) != 1 {
			t.Fatalf("describe: %v", err)
		}
		return string(d.VpcEndpoints[0].State)
	}
	for state() != "available" {
		time.Sleep(50 * time.Millisecond) // made by hand: usable before plink adopts it
	}
	path := filepath.Join(t.TempDir(), "adopt.yaml")
	doc := `version: 1
project: adopt-wait
defaults: { region: us-east-1 }
accounts:
  checkout: { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/plink" }
consumers:
  - name: checkout-sqs
    account: checkout
    adopt: ` + id + `
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]
    securityGroupIds: [sg-02100000000000001]
    serviceName: com.amazonaws.us-east-1.sqs
`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	p, r := e.plan(path)
	if ch := change(p, "consumer.checkout-sqs"); ch == nil || ch.Action != plan.Adopt {
		t.Fatalf("adopt change %+v", ch)
	}
	res, err := apply.Run(ctx, p, apply.FromClientSource(r), opts())
	if err != nil {
		t.Fatal(err)
	}
	if got := state(); got != "available" {
		t.Errorf("after apply the adopted endpoint is %s, want available (apply waits for it)", got)
	}
	if c := res.Changes[0]; c.Status != apply.StatusDone || !strings.Contains(c.Message, id+" is usable") || len(res.Unsettled()) != 0 {
		t.Errorf("result %+v, unsettled %q", c, res.Unsettled())
	}
	e.converged(path)
}
