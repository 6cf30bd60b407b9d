package reconcile

import (
	"testing"

	"github.com/plinkdev/plink/apply"
)

// Once the wait for an accept is over, the endpoint's "awaits acceptance"
// from before the wait is no longer the run's: a shard that waited for
// another's accept converged. Waits still pending, and changes that did
// not finish, keep theirs.
func TestSettledClearsAwaitedAccepts(t *testing.T) {
	res := &apply.Result{Changes: []apply.ChangeResult{
		{Address: "consumer.a", Status: apply.StatusDone, Awaiting: "its connection awaits acceptance"},
		{Address: "consumer.b", Status: apply.StatusDone, Awaiting: "its connection awaits acceptance"},
		{Address: "consumer.c", Status: apply.StatusFailed, Awaiting: "its connection awaits acceptance"},
	}}
	before := map[string]bool{
		"provider.p.connection[consumer.a]": true,
		"provider.p.connection[consumer.b]": true,
		"provider.p.connection[consumer.c]": true,
		"consumer.d":                        true,
	}
	pending := map[string]bool{"provider.p.connection[consumer.b]": true}
	settled(res, before, pending)
	want := map[string]string{"consumer.a": "", "consumer.b": "its connection awaits acceptance", "consumer.c": "its connection awaits acceptance"}
	for _, c := range res.Changes {
		if c.Awaiting != want[c.Address] {
			t.Errorf("%s: Awaiting %q, want %q", c.Address, c.Awaiting, want[c.Address])
		}
	}
	if u := res.Unsettled(); len(u) != 1 {
		t.Errorf("unsettled %v, want consumer.b's only", u)
	}
	settled(nil, before, pending) // a run without a result
}
