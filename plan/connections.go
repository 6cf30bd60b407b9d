package plan

import "strings"

// Connection rules, as ConnectionRule names them.
const (
	RuleAcceptDeclared   = "acceptDeclared"
	RuleAcceptFrom       = "acceptFrom"
	RuleRejectUndeclared = "rejectUndeclared"
)

// Connections returns the part of p that the connection rules decide
// (plink connections): accepts and rejects of connections that exist now,
// by acceptDeclared, acceptFrom and rejectUndeclared. Left out are rejects
// that follow from deleting or replacing a service or from removing a
// region it supports (they belong to that change) and accepts of
// endpoints the plan has still to create. Every
// other change stays as a no-op that names its resource, account and
// region: apply acts on none of them, but confirming a reject (a fresh
// read in the endpoint owner's account, Change.ConfirmForeign) finds the
// manifest's accounts there. The diagnostics are kept whole: the caller
// decides what a partial view allows. p is not modified.
func Connections(p *Plan) *Plan {
	svcAction := map[string]Action{}
	for _, ch := range p.Changes {
		if ch.Kind == KindService {
			svcAction[ch.Address] = ch.Action
		}
	}
	out := *p
	out.Changes = nil
	for _, ch := range p.Changes {
		if !isRuleDecision(ch, svcAction[ch.Parent]) {
			ch = Change{Address: ch.Address, Kind: ch.Kind, Action: NoOp, Account: ch.Account, AccountID: ch.AccountID,
				Region: ch.Region, ID: ch.ID, Parent: ch.Parent, ParentID: ch.ParentID}
		}
		out.Changes = append(out.Changes, ch)
	}
	out.Cost = nil
	return &out
}

// ConnectionRule names the rule behind an accept or reject that Compute
// planned from the manifest's connections settings, from its Reason; ""
// for any other change (a disconnect of a deleted service or a removed
// region).
func ConnectionRule(ch Change) string {
	if ch.Kind != KindConnection {
		return ""
	}
	switch {
	case ch.Action == Accept && strings.Contains(ch.Reason, "connections.acceptFrom"):
		return RuleAcceptFrom
	case ch.Action == Accept && strings.HasPrefix(ch.Reason, "endpoint of "):
		return RuleAcceptDeclared
	case ch.Action == Reject && strings.Contains(ch.Reason, "connections.rejectUndeclared"):
		return RuleRejectUndeclared
	}
	return ""
}

// AcceptedConsumer is the address of the declared consumer whose
// endpoint an accept is for ("consumer.web"), from its Reason; "" for any
// other change. An accept planned with the endpoint's create is addressed
// by the consumer, one of an existing endpoint by its id: this names the
// consumer in both.
func AcceptedConsumer(ch Change) string {
	if ch.Kind != KindConnection || ch.Action != Accept {
		return ""
	}
	rest, ok := strings.CutPrefix(ch.Reason, "endpoint of ")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, ",;"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// isRuleDecision reports whether ch is an accept or reject of an existing
// connection made by a rule, its service (parentAction) being kept.
func isRuleDecision(ch Change, parentAction Action) bool {
	if ch.Kind != KindConnection || (ch.Action != Accept && ch.Action != Reject) {
		return false
	}
	if ch.ID == "" || len(ch.DependsOn) > 0 || ConnectionRule(ch) == "" {
		return false // an endpoint this plan creates, or a service's delete
	}
	return parentAction != Delete && parentAction != Replace && parentAction != Create
}
