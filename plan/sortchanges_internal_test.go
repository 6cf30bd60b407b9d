package plan

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
)

// sortChanges orders as a stable sort by phase and address does, keeping
// changes of equal keys in their order, for every permutation shape
// (fixed points, long cycles, duplicates).
func TestSortChangesIsStable(t *testing.T) {
	kinds := []Kind{KindService, KindPrincipal, KindEndpoint, KindConnection, KindNotification}
	actions := []Action{Create, Delete, NoOp, Reject, Accept}
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 10, 100, 2000} {
		chs := make([]Change, n)
		for i := range chs {
			// few addresses, so that keys repeat; Reason records the
			// original position to check stability
			chs[i] = Change{Kind: kinds[r.IntN(len(kinds))], Action: actions[r.IntN(len(actions))],
				Address: fmt.Sprintf("a%d", r.IntN(max(1, n/3))), Reason: fmt.Sprint(i)}
		}
		want := append([]Change(nil), chs...)
		sort.SliceStable(want, func(i, j int) bool {
			pi, pj := phase(&want[i]), phase(&want[j])
			if pi != pj {
				return pi < pj
			}
			return want[i].Address < want[j].Address
		})
		got := append([]Change(nil), chs...)
		sortChanges(got)
		for i := range want {
			if got[i].Reason != want[i].Reason {
				t.Fatalf("n=%d: position %d holds change %s (%s %s), want %s", n, i, got[i].Reason, got[i].Kind, got[i].Address, want[i].Reason)
			}
		}
	}
}
