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
// that follow from deleting or replacing a service (they belong to the
// delete) and accepts of endpoints the plan has still to create. The
// diagnostics are kept whole: the caller decides what a partial view
// allows. p is not modified.
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
		if ch.Kind != KindConnection || (ch.Action != Accept && ch.Action != Reject) {
			continue
		}
		if ch.ID == "" || len(ch.DependsOn) > 0 || ConnectionRule(ch) == "" {
			continue // an endpoint this plan creates, or a service's delete
		}
		if a := svcAction[ch.Parent]; a == Delete || a == Replace || a == Create {
			continue
		}
		out.Changes = append(out.Changes, ch)
	}
	out.Cost = nil
	return &out
}

// ConnectionRule names the rule behind an accept or reject that Compute
// planned from the manifest's connections settings, from its Reason; ""
// for any other change (a disconnect of a deleted service).
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
