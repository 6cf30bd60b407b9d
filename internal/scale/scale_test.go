package scale

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/reconcile"
)

// Sizes of the small topology TestScaleSmall runs in CI, and of its double
// (same accounts, twice the providers and consumers).
var (
	small  = size{5, 20, 60}
	double = size{5, 40, 120}
)

type size struct{ accounts, providers, consumers int }

func (s size) String() string {
	return fmt.Sprintf("%d accounts, %d providers, %d consumers", s.accounts, s.providers, s.consumers)
}

// run is one topology taken through plan → apply → plan → apply, with the
// API calls of the plan after apply.
type run struct {
	env     *env
	applied map[string]int // calls of the plan against the applied sandbox
}

// converge plans the topology on an empty sandbox, applies it, and checks
// that it converged: the next plan has no changes and applying it makes no
// mutating call. It returns the calls of the plan after apply.
func converge(t *testing.T, sz size) run {
	t.Helper()
	e := newEnv(t, sz.accounts, sz.providers, sz.consumers)
	sb := e.sb

	// Plan against the empty sandbox: creates and accepts only.
	sb.ResetCalls()
	p, r := e.plan(t)
	checkEmptyPlan(t, e, p)
	if diff := diffCounts(callsByAction(sb.Calls()), expectedCalls(e.m, false).Total()); len(diff) > 0 {
		t.Errorf("%s: calls of the plan against the empty sandbox differ from the budget:\n  %s", sz, strings.Join(diff, "\n  "))
	}

	e.apply(t, p, r)

	// Converged: no changes, and the calls are within the budget.
	sb.ResetCalls()
	p, r = e.plan(t)
	applied := callsByAction(sb.Calls())
	if p.HasChanges() {
		var b strings.Builder
		for _, c := range p.Changes {
			if c.Action != plan.NoOp {
				fmt.Fprintf(&b, "  %s %s\n", c.Action, c.Address)
			}
		}
		t.Fatalf("%s: after apply the plan still has changes:\n%s", sz, b.String())
	}
	if diff := diffCounts(applied, expectedCalls(e.m, true).Total()); len(diff) > 0 {
		t.Errorf("%s: calls of the plan after apply differ from the budget:\n  %s\nall calls:\n%s", sz, strings.Join(diff, "\n  "), formatCounts(applied))
	}

	// Target health (lint PL116): the converged plan above read none
	// (plan's default, --target-health=changed: nothing changes); with
	// all it reads behind every consumed provider, exactly the budget.
	all := map[string]bool{}
	for _, pr := range e.m.Providers {
		all[pr.Name] = true
	}
	sb.ResetCalls()
	e.planHealth(t, e.m, reconcile.HealthAll)
	t.Logf("%s: target-health reads of the converged plan: changed none, all %v", sz, expectedHealth(e.m, all, 0))
	if diff := diffCounts(callsByAction(sb.Calls()), add(expectedCalls(e.m, true).Total(), expectedHealth(e.m, all, 0))); len(diff) > 0 {
		t.Errorf("%s: calls of the plan after apply with --target-health=all differ from the budget:\n  %s", sz, strings.Join(diff, "\n  "))
	}
	// A plan that moves one consumer to other subnets (drops one) reads
	// the target health of that consumer's provider only.
	moved := *e.m
	moved.Consumers = slices.Clone(e.m.Consumers)
	c := *moved.Consumers[0]
	c.SubnetIDs = c.SubnetIDs[:len(c.SubnetIDs)-1]
	moved.Consumers[0] = &c
	sb.ResetCalls()
	if p, _ := e.planHealth(t, &moved, reconcile.HealthChanged); !p.HasChanges() {
		t.Errorf("%s: dropping a subnet of %s changed nothing", sz, c.Name)
	}
	if diff := diffCounts(callsByAction(sb.Calls()), add(expectedCalls(&moved, true).Total(), expectedHealth(e.m, map[string]bool{c.Provider: true}, 0))); len(diff) > 0 {
		t.Errorf("%s: calls of a plan moving %s differ from the budget (its provider's target health only):\n  %s", sz, c.Name, strings.Join(diff, "\n  "))
	}

	// A second apply of the converged plan changes nothing.
	sb.ResetCalls()
	e.apply(t, p, r)
	for _, c := range sb.Calls() {
		if c.Mutating {
			t.Errorf("%s: the second apply made a mutating call: %s %s in %s %s (%d)", sz, c.Service, c.Action, c.Account, c.Region, c.Count)
		}
	}
	return run{env: e, applied: applied}
}

// checkEmptyPlan asserts that the plan against an empty sandbox creates
// every service, principal and endpoint and accepts every connection of a
// consumer whose provider requires acceptance — and nothing else.
func checkEmptyPlan(t *testing.T, e *env, p *plan.Plan) {
	t.Helper()
	want := map[string]int{}
	accepting := map[string]bool{}
	for _, pr := range e.m.Providers {
		want["create "+string(plan.KindService)]++
		want["create "+string(plan.KindPrincipal)] += len(pr.AllowedPrincipals)
		accepting[pr.Name] = pr.AcceptanceRequired && pr.Connections.AcceptsDeclared()
	}
	for _, c := range e.m.Consumers {
		want["create "+string(plan.KindEndpoint)]++
		if accepting[c.Provider] {
			want["accept "+string(plan.KindConnection)]++
		}
	}
	got := map[string]int{}
	for _, c := range p.Changes {
		got[string(c.Action)+" "+string(c.Kind)]++
	}
	if diff := diffCounts(got, want); len(diff) > 0 {
		t.Errorf("the plan against the empty sandbox has other changes than creates and accepts:\n  %s", strings.Join(diff, "\n  "))
	}
}

// TestScaleSmall takes a small generated topology through plan, apply and a
// converged re-plan, and holds every plan to its call budget. Then it
// doubles the providers and consumers in the same accounts and regions: the
// plan's calls grow by exactly one DescribeVpcEndpointServicePermissions per
// added service, plus per-scope calls that an account-region needs once it
// has something new to look at (e.g. its first cross-region consumer), and
// by nothing else.
func TestScaleSmall(t *testing.T) {
	one := converge(t, small)
	two := converge(t, double)

	b1, b2 := expectedCalls(one.env.m, true), expectedCalls(two.env.m, true)
	for _, b := range []struct {
		size
		budget
	}{{small, b1}, {double, b2}} {
		checkPerScopeBound(t, b.size, b.budget)
	}
	growth := subtract(two.applied, one.applied)
	want := subtract(b2.PerScope, b1.PerScope)
	want["DescribeVpcEndpointServicePermissions"] += double.providers - small.providers
	if diff := diffCounts(growth, want); len(diff) > 0 {
		t.Errorf("doubling providers (%d → %d) and consumers (%d → %d) grew the plan's calls by more than one permissions call per service and per-scope calls:\n  %s",
			small.providers, double.providers, small.consumers, double.consumers, strings.Join(diff, "\n  "))
	}
	t.Logf("plan calls after apply, %s: %d\n%s", small, total(one.applied), formatCounts(one.applied))
	t.Logf("plan calls after apply, %s: %d (growth %v)", double, total(two.applied), growth)
}

// checkPerScopeBound asserts that the budget's per-scope part is at most a
// constant per account (STS) or account-region (everything else): at these
// sizes no list needs a second page or batch.
func checkPerScopeBound(t *testing.T, sz size, b budget) {
	t.Helper()
	scopes := sz.accounts * len(Regions)
	for action, n := range b.PerScope {
		limit := scopes
		switch action {
		case "AssumeRole", "GetCallerIdentity":
			limit = sz.accounts
		case "DescribeVpcEndpointServices":
			limit = 2 * scopes // in-region and cross-region services
		}
		if n > limit {
			t.Errorf("%s: %d %s calls for %d account-regions, more than %d", sz, n, action, scopes, limit)
		}
	}
}
