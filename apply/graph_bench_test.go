package apply

import (
	"fmt"
	"testing"

	"github.com/plinkdev/plink/plan"
)

// BenchmarkBuildSchedule links the steps of a plan the size of 10,000
// consumers (2,500 new services, each with 4 principals, 4 endpoints and
// their accepts): linear in the plan, where it was quadratic (27 s).
//
//	go test -run XXX -bench BuildSchedule ./apply
func BenchmarkBuildSchedule(b *testing.B) {
	for _, providers := range []int{250, 2500} {
		p := syntheticPlan(providers, 4)
		b.Run(fmt.Sprintf("changes=%d", len(p.Changes)), func(b *testing.B) {
			for b.Loop() {
				if _, err := buildScheduleSettled(p, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// syntheticPlan is a plan that creates providers services, each with per
// principals and per consumer endpoints accepted by it.
func syntheticPlan(providers, per int) *plan.Plan {
	p := &plan.Plan{Project: "bench"}
	for i := range providers {
		svc := fmt.Sprintf("provider.p%05d", i)
		acct, region := fmt.Sprintf("a%03d", i%200), "us-east-1"
		p.Changes = append(p.Changes, plan.Change{Address: svc, Kind: plan.KindService, Action: plan.Create, Account: acct, Region: region, After: &plan.Values{}})
		for j := range per {
			p.Changes = append(p.Changes, plan.Change{Address: fmt.Sprintf("%s.principal[arn:aws:iam::%012d:root]", svc, j), Kind: plan.KindPrincipal, Action: plan.Create,
				Account: acct, Region: region, Parent: svc, DependsOn: []string{svc}})
		}
		for j := range per {
			ep := fmt.Sprintf("consumer.c%05d-%d", i, j)
			p.Changes = append(p.Changes, plan.Change{Address: ep, Kind: plan.KindEndpoint, Action: plan.Create, Account: fmt.Sprintf("a%03d", (i+j+1)%200), Region: region,
				Refs: map[string]string{"serviceName": svc}, DependsOn: []string{svc}, After: &plan.Values{VPCID: "vpc-1"}})
			p.Changes = append(p.Changes, plan.Change{Address: svc + ".connection[" + ep + "]", Kind: plan.KindConnection, Action: plan.Accept, Account: acct, Region: region,
				Parent: svc, Refs: map[string]string{"endpointId": ep}, DependsOn: []string{ep}, After: &plan.Values{State: "available"}})
		}
	}
	return p
}
