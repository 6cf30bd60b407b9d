package shard

import (
	"strings"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

// Ready is one poll of apply --shard-wait: given the waits still pending
// (addresses of Filter's waiting changes, and AcceptKeys of Awaited), the
// shard's plan own, the full plan and its waiting changes, all computed
// from snap, it returns the changes of own that carry out a pending wait
// and drops from pending the waits there is nothing left to do for
// (another run, or plink connections, did it). Only what was pending is
// ever returned: never a reject or delete the first plan did not show.
func Ready(pending map[string]bool, own, full *plan.Plan, waitingNow []plan.Change, snap *live.Snapshot) []plan.Change {
	var run []plan.Change
	doing := map[string]bool{}
	for _, c := range own.Changes {
		if c.Action == plan.NoOp {
			continue
		}
		if pending[c.Address] {
			run = append(run, c)
			doing[c.Address] = true
		} else if key := AcceptKey(c); key != "" && pending[key] {
			run = append(run, c)
			doing[key] = true
		}
	}
	still := map[string]bool{}
	for _, c := range waitingNow {
		still[c.Address] = true
	}
	byAddr := map[string]plan.Change{}
	for _, c := range full.Changes {
		byAddr[c.Address] = c
	}
	for w := range pending {
		if doing[w] || still[w] {
			continue
		}
		provider, consumer, ok := connectionKey(w)
		if ok && !connected(snap, byAddr[provider].ID, byAddr[consumer].ID) {
			continue // the endpoint is coming, or its connection not yet accepted
		}
		delete(pending, w)
	}
	return run
}

// AcceptKey is the address a plan gives the accept of a declared
// consumer's endpoint before the endpoint exists
// (provider.P.connection[consumer.C]), for any accept of it ("" for
// other changes). Waits for accepts are kept under it.
func AcceptKey(c plan.Change) string {
	if consumer := plan.AcceptedConsumer(c); consumer != "" && c.Parent != "" {
		return acceptAddr(c.Parent, consumer)
	}
	return ""
}

// acceptAddr is provider.P.connection[consumer.C]; connectionKey splits it.
func acceptAddr(provider, consumer string) string {
	return provider + ".connection[" + consumer + "]"
}

// AwaitedConsumer is the consumer address (consumer.C) of a wait for an
// accept (an AcceptKey), and whether key is one.
func AwaitedConsumer(key string) (string, bool) {
	_, consumer, ok := connectionKey(key)
	return consumer, ok
}

// connectionKey splits provider.P.connection[consumer.C].
func connectionKey(addr string) (provider, consumer string, ok bool) {
	provider, rest, ok := strings.Cut(addr, ".connection[")
	if !ok || !strings.HasPrefix(rest, "consumer.") || !strings.HasSuffix(rest, "]") {
		return "", "", false
	}
	return provider, strings.TrimSuffix(rest, "]"), true
}

// connected reports whether the service's connection from the endpoint is
// in use (accepted by anyone), as the provider or the endpoint's owner
// sees it (a shard reads the side it owns).
func connected(snap *live.Snapshot, serviceID, endpointID string) bool {
	if endpointID == "" {
		return false
	}
	for _, ep := range snap.Endpoints {
		if ep.ID == endpointID && live.EndpointPhase(ep.State) == live.PhaseUsable {
			return true
		}
	}
	for _, s := range snap.Services {
		if s.ID != serviceID {
			continue
		}
		for _, cn := range s.Connections {
			if cn.EndpointID == endpointID && live.EndpointPhase(cn.State) == live.PhaseUsable {
				return true
			}
		}
	}
	return false
}
