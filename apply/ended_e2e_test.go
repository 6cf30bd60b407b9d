package apply_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/plan"
)

// TestEndedAfterEveryStepOfAChange: Options.Ended names each change of the
// plan once, after the last event of it (its waits for the endpoint to
// become usable and the accept included); with targets, a change they
// exclude is named before anything runs.
func TestEndedAfterEveryStepOfAChange(t *testing.T) {
	for _, targets := range [][]string{nil, {"consumer.payments-ingest"}} {
		e := newEnv(t)
		p, r := e.plan("full.yaml")
		var mu sync.Mutex
		var log []string // "event ADDR" and "ended ADDR", in order
		o := opts()
		o.Targets = targets
		o.Events = func(ev apply.Event) {
			mu.Lock()
			defer mu.Unlock()
			if ev.Address != "" {
				log = append(log, "event "+ev.Address)
			}
		}
		o.Ended = func(addr string) {
			mu.Lock()
			defer mu.Unlock()
			log = append(log, "ended "+addr)
		}
		res, err := apply.Run(context.Background(), p, apply.FromClientSource(r), o)
		if err != nil {
			t.Fatalf("targets %v: apply: %v", targets, err)
		}
		ended := map[string]int{}
		last := map[string]int{}
		for i, l := range log {
			if addr, ok := strings.CutPrefix(l, "ended "); ok {
				ended[addr]++
				last["ended "+addr] = i
			} else if addr, ok := strings.CutPrefix(l, "event "); ok {
				last["event "+addr] = i
			}
		}
		excluded := 0
		for _, cr := range res.Changes {
			if n := ended[cr.Address]; n != 1 {
				t.Errorf("targets %v: %s (%s) ended %d times, want once", targets, cr.Address, cr.Status, n)
				continue
			}
			if ev, ok := last["event "+cr.Address]; ok && ev > last["ended "+cr.Address] {
				t.Errorf("targets %v: %s has an event after it ended", targets, cr.Address)
			}
			if cr.Status == apply.StatusExcluded {
				excluded++
				if _, ok := last["event "+cr.Address]; ok {
					t.Errorf("targets %v: excluded %s had events", targets, cr.Address)
				}
			}
		}
		if len(targets) > 0 && excluded == 0 {
			t.Errorf("targets %v excluded nothing: the test proves nothing for them", targets)
		}
		accepts := 0
		for _, c := range p.Changes {
			if c.Kind == plan.KindConnection && c.Action == plan.Accept {
				accepts++
			}
		}
		if accepts == 0 {
			t.Fatal("full.yaml accepts nothing: the test proves nothing for waits")
		}
	}
}
