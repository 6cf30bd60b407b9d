package apply

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/plinkdev/plink/plan"
)

// BenchmarkRun carries out a plan the size of 10,000 consumers (2,500 new
// services requiring acceptance, each with 4 principals, 4 endpoints in
// other accounts and their accepts) against the in-memory EC2, unpaced:
// what is measured is apply's own work around its calls (scheduling,
// waits, events), which must not grow with the square of the plan.
//
//	go test -run XXX -bench 'Run$' -benchtime 1x ./apply
func BenchmarkRun(b *testing.B) {
	for _, providers := range []int{250, 2500} {
		p := runnablePlan(providers, 4)
		b.Run(fmt.Sprintf("changes=%d", len(p.Changes)), func(b *testing.B) {
			for b.Loop() {
				w := newFakeWorld()
				cl := ClientsFunc(func(ctx context.Context, account, region string) (EC2API, error) {
					return &fakeEC2{w: w, account: account, region: region}, nil
				})
				res, err := Run(context.Background(), p, cl, Options{PollInterval: 20 * time.Millisecond, Heartbeat: -1,
					Events: func(Event) {}})
				if err != nil {
					for _, c := range res.Changes {
						if c.Error != nil {
							b.Fatalf("%s: %v", c.Address, c.Error)
						}
					}
					b.Fatal(err)
				}
			}
		})
	}
}

// runnablePlan is syntheticPlan with the values apply needs to carry it
// out: providers services requiring acceptance in 200 accounts, each with
// per principals and per consumer endpoints (in the next accounts), and
// the accept of each endpoint's connection.
func runnablePlan(providers, per int) *plan.Plan {
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Project: "bench"}
	for i := range providers {
		svc := fmt.Sprintf("provider.p%05d", i)
		acct, region := fmt.Sprintf("a%03d", i%200), "us-east-1"
		p.Changes = append(p.Changes, plan.Change{Address: svc, Kind: plan.KindService, Action: plan.Create, Account: acct, AccountID: acct, Region: region,
			After: &plan.Values{NetworkLoadBalancerARNs: []string{nlbEast}, AcceptanceRequired: aws.Bool(true)}})
		for j := range per {
			arn := fmt.Sprintf("arn:aws:iam::%012d:root", j)
			p.Changes = append(p.Changes, plan.Change{Address: svc + ".principal[" + arn + "]", Kind: plan.KindPrincipal, Action: plan.Create,
				Account: acct, AccountID: acct, Region: region, Parent: svc, After: &plan.Values{Principal: arn}})
		}
		for j := range per {
			ep := fmt.Sprintf("consumer.c%05d-%d", i, j)
			ca := fmt.Sprintf("a%03d", (i+j+1)%200)
			p.Changes = append(p.Changes, plan.Change{Address: ep, Kind: plan.KindEndpoint, Action: plan.Create, Account: ca, AccountID: ca, Region: region,
				Refs: map[string]string{"serviceName": svc}, DependsOn: []string{svc},
				After: &plan.Values{VPCID: "vpc-1", SubnetIDs: []string{"subnet-1"}, SecurityGroupIDs: []string{"sg-1"}}})
			p.Changes = append(p.Changes, plan.Change{Address: svc + ".connection[" + ep + "]", Kind: plan.KindConnection, Action: plan.Accept,
				Account: acct, AccountID: acct, Region: region, Parent: svc, Refs: map[string]string{"endpointId": ep}})
		}
	}
	return p
}
