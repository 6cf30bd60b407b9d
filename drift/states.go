package drift

import (
	"fmt"
	"strings"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

// states reports the declared providers and consumers whose live resource
// is in a state that is drift by itself: gone or going while the manifest
// declares it (missing), or broken (changed: its state). Each state gets its
// meaning from live.EndpointPhase and live.ServicePhase; settling and
// waiting resources are on their way and not drift.
func (b *builder) states() {
	if b.m == nil {
		return
	}
	for _, pr := range b.m.Providers {
		acct, region := b.accountID(pr.Account), b.region(pr.Region)
		if b.failed(acct, region) {
			continue
		}
		svc := b.serviceFor(pr, acct, region)
		if svc == nil {
			continue
		}
		addr := "provider." + pr.Name
		b.stateItem(Item{Address: addr, Account: pr.Account, AccountID: acct, Region: region, ID: svc.ID},
			live.ServicePhase(svc.State), "endpoint service", svc.State, "Available", pr.Adopt,
			"AWS could not set it up, and endpoints cannot connect to it",
			fmt.Sprintf("check its load balancers in %s, then delete it (aws ec2 delete-vpc-endpoint-service-configurations --service-ids %s) and run plink apply to create it again", b.named(acct), svc.ID))
	}
	for _, c := range b.m.Consumers {
		acct, region := b.accountID(c.Account), b.region(c.Region)
		if b.failed(acct, region) {
			continue
		}
		ep := b.endpointFor(c, acct, region)
		if ep == nil {
			continue
		}
		addr := "consumer." + c.Name
		owner := "the provider"
		if c.Provider != "" {
			owner = "provider." + c.Provider
		}
		why, hint := brokenEndpoint(ep.State, owner)
		b.stateItem(Item{Address: addr, Account: c.Account, AccountID: acct, Region: region, ID: ep.ID},
			live.EndpointPhase(ep.State), "endpoint", ep.State, "available", c.Adopt, why+"; it carries no traffic", hint)
	}
}

// stateItem adds the drift item a resource's state is by itself: missing
// when it is gone or going, changed (attribute state) when it is broken;
// nothing while it is on its way or usable.
func (b *builder) stateItem(base Item, ph live.Phase, noun, state, usable, adopt, brokenWhy, brokenHint string) {
	it := base
	switch ph {
	case live.PhaseGone, live.PhaseGoing:
		it.Kind = Missing
		it.Before = state
		it.Message = fmt.Sprintf("%s %s is %s: %s was deleted outside plink", noun, base.ID, state, b.declared(base.Address))
		it.Hint = b.missingHint(base.Address, adopt, strings.TrimPrefix(noun, "endpoint "))
	case live.PhaseBroken:
		it.Kind = Changed
		it.Attribute = "state"
		it.Before, it.After = state, usable
		it.Message = fmt.Sprintf("%s %s is %s: %s", noun, base.ID, state, brokenWhy)
		it.Hint = brokenHint
	default:
		return
	}
	b.add(it)
}

// brokenEndpoint says why an endpoint in a broken state carries no traffic
// and what to do, by state.
func brokenEndpoint(state, owner string) (why, hint string) {
	switch strings.ToLower(state) {
	case "rejected":
		return "the provider rejected the connection",
			fmt.Sprintf("make sure %s accepts this account (allowedPrincipals, connections.acceptDeclared or acceptFrom), then run plink apply: it replaces the endpoint", owner)
	case "expired":
		return "nobody accepted the connection in time",
			fmt.Sprintf("run plink apply to replace it, and have %s accept the new connection (plink does so when it manages the provider)", owner)
	case "failed":
		return "AWS could not create it",
			"check that its subnets have free IP addresses and are in AZs the service supports, then run plink apply: it replaces the endpoint"
	}
	return "it will not become available",
		"run plink apply: it replaces the endpoint"
}

func (b *builder) missingHint(addr, adopt, what string) string {
	if adopt != "" {
		return fmt.Sprintf("if it should stay gone, remove %s from the manifest; to have plink create a new %s, remove `adopt: %s` from %s and run plink apply", addr, what, adopt, addr)
	}
	return fmt.Sprintf("run plink apply to create it again; if it should stay gone, remove %s from the manifest", addr)
}

// cannotCheck are plan error codes raised on the manifest alone, or on an
// account-region that was not read: plink could not find out, so they are
// errors of the run (exit 1), not drift. PL201 (a read failed) is reported
// as Report.Failures. Every other PL1xx and PL2xx error is raised on live
// facts — something in the accounts makes the manifest unplannable — and is
// drift.
var cannotCheck = map[string]bool{
	plan.CodeReadFailure:       true,
	plan.CodeScopeNotRead:      true,
	plan.CodeUnknownAccount:    true,
	plan.CodeInvalidPolicy:     true,
	plan.CodePrincipalMissing:  true,
	plan.CodeRegionUnsupported: true,
	plan.CodeUnknownProvider:   true,
}

// IsDrift reports whether a plan error with this code is drift (raised on
// live facts: exit 2) rather than a reason plink could not check (exit 1).
func IsDrift(code string) bool {
	if cannotCheck[code] {
		return false
	}
	return strings.HasPrefix(code, "PL1") || strings.HasPrefix(code, "PL2")
}

// diagKinds give the plan errors that already have a drift kind their kind;
// the rest are unplannable.
var diagKinds = map[string]Kind{
	plan.CodeAdoptMissing:      Missing,
	plan.CodeAdoptGoing:        Missing,
	plan.CodeLBMissing:         LoadBalancerMissing,
	plan.CodeSubnetAZNotServed: LoadBalancerZoneLost,
}

// fromDiagnostics turns the plan's error diagnostics raised on live facts
// into drift items (unless an item of the same kind already covers the
// resource) and returns the others, which keep plink from checking.
func (b *builder) fromDiagnostics() []Error {
	var errs []Error
	for _, d := range b.p.Diagnostics {
		if d.Severity != plan.SeverityError {
			continue // warnings are lint, reported by plan and validate
		}
		if d.Code == plan.CodeReadFailure {
			continue // in Report.Failures
		}
		if !IsDrift(d.Code) || d.Address == "" {
			errs = append(errs, Error{Code: d.Code, Address: d.Address, Account: d.Account, Region: d.Region, Message: d.Message, Hint: d.Hint})
			continue
		}
		kind, ok := diagKinds[d.Code]
		if !ok {
			kind = Unplannable
		}
		res := TopLevel(d.Address)
		if b.covered(res, kind) {
			continue
		}
		it := Item{Address: d.Address, Account: d.Account, Region: d.Region, Kind: kind, Code: d.Code, Message: d.Message, Hint: d.Hint}
		if kind == Unplannable {
			it.Message = "cannot be planned against live state: " + d.Message
		}
		if kind == Missing {
			it.ID, it.Message, it.Hint = b.adoptMissing(d)
		}
		b.add(it)
	}
	return errs
}

// covered reports whether an item of kind already describes resource.
func (b *builder) covered(resource string, kind Kind) bool {
	for _, it := range b.items {
		if it.Resource == resource && it.Kind == kind {
			return true
		}
	}
	return false
}

// adoptMissing words PL210 as drift: the adopted resource is gone.
func (b *builder) adoptMissing(d plan.Diagnostic) (id, msg, hint string) {
	what, adopt := "", ""
	if b.m != nil {
		for _, pr := range b.m.Providers {
			if "provider."+pr.Name == d.Address {
				what, adopt = "service", pr.Adopt
			}
		}
		for _, c := range b.m.Consumers {
			if "consumer."+c.Name == d.Address {
				what, adopt = "endpoint", c.Adopt
			}
		}
	}
	if adopt == "" {
		return "", d.Message, d.Hint
	}
	noun := what
	if what == "service" {
		noun = "endpoint service"
	}
	return adopt, fmt.Sprintf("%s %s does not exist: %s adopts it, so it was deleted outside plink", noun, adopt, b.declared(d.Address)),
		b.missingHint(d.Address, adopt, what)
}
