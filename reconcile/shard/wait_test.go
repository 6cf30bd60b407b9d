package shard

import (
	"testing"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

// TestShardWaitReady: which changes of a fresh plan carry out a wait, and
// which waits are over because somebody else did the work.
func TestShardWaitReady(t *testing.T) {
	const accept = "provider.api.connection[consumer.web]"
	pending := map[string]bool{"consumer.web": true, accept: true, "consumer.gone": true, "provider.api.connection[consumer.db]": true}
	full := &plan.Plan{Changes: []plan.Change{
		{Address: "provider.api", Kind: plan.KindService, Action: plan.NoOp, ID: "vpce-svc-1"},
		{Address: "consumer.web", Kind: plan.KindEndpoint, Action: plan.Create},
		{Address: "consumer.db", Kind: plan.KindEndpoint, Action: plan.NoOp, ID: "vpce-db"},
		{Address: "consumer.gone", Kind: plan.KindEndpoint, Action: plan.NoOp, ID: "vpce-gone"},
		{Address: "provider.api.connection[vpce-x]", Kind: plan.KindConnection, Action: plan.Reject, Parent: "provider.api", Reason: "not declared in the manifest (connections.rejectUndeclared)"},
	}}
	own := &plan.Plan{Changes: full.Changes[1:]}
	snap := &live.Snapshot{Services: []live.Service{{ID: "vpce-svc-1", Connections: []live.Connection{{EndpointID: "vpce-db", State: "available"}}}}}
	run := Ready(pending, own, full, nil, snap)
	if len(run) != 1 || run[0].Address != "consumer.web" {
		t.Errorf("ready = %v, want only consumer.web (a reject the plan did not list as waiting is never done)", run)
	}
	// db's connection is accepted (by plink connections, say): its wait is
	// over; gone's create became a no-op: over too; web's accept is not.
	for w, want := range map[string]bool{"consumer.web": true, accept: true, "consumer.gone": false, "provider.api.connection[consumer.db]": false} {
		if pending[w] != want {
			t.Errorf("pending[%s] = %v, want %v", w, pending[w], want)
		}
	}
	// The accept of web's endpoint, addressed by its id once it exists,
	// carries out the wait addressed by the consumer.
	delete(pending, "consumer.web") // made
	own.Changes = []plan.Change{{Address: "provider.api.connection[vpce-web]", Kind: plan.KindConnection, Action: plan.Accept, Parent: "provider.api", Reason: "endpoint of consumer.web"}}
	run = Ready(pending, own, full, []plan.Change{{Address: "consumer.web"}}, snap)
	if len(run) != 1 || run[0].Address != "provider.api.connection[vpce-web]" {
		t.Errorf("ready = %v, want the accept of web's endpoint", run)
	}
}

func TestConnectionKey(t *testing.T) {
	for addr, want := range map[string][2]string{
		"provider.api.connection[consumer.web]": {"provider.api", "consumer.web"},
		"provider.api.connection[vpce-123]":     {},
		"consumer.web":                          {},
	} {
		p, c, ok := connectionKey(addr)
		if [2]string{p, c} != want || ok != (want[0] != "") {
			t.Errorf("connectionKey(%s) = %s, %s, %v", addr, p, c, ok)
		}
	}
}
