package plan_test

import (
	"maps"
	"testing"

	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/internal/scenario"
)

// TestComputeLeavesSharedTagsAlone: the loader gives every provider and
// consumer without tags of their own the defaults.tags map itself
// (manifest.Defaults), so planning, destroying included, must not write to
// a manifest's tags.
func TestComputeLeavesSharedTagsAlone(t *testing.T) {
	for _, sc := range scenario.All() {
		for _, destroy := range []bool{false, true} {
			m := sc.Manifest
			shared := map[string]string{"team": "core"}
			m.Defaults.Tags = shared
			for _, p := range m.Providers {
				p.Tags = shared
			}
			for _, c := range m.Consumers {
				c.Tags = shared
			}
			p := plan.Compute(m, sc.Snapshot, plan.Options{Destroy: destroy})
			if !maps.Equal(shared, map[string]string{"team": "core"}) {
				t.Errorf("%s (destroy %v): the manifest's shared tags became %v", sc.Name, destroy, shared)
			}
			// a change's tags are its own: changing them leaves the manifest's
			for _, ch := range p.Changes {
				for _, v := range []*plan.Values{ch.Before, ch.After} {
					if v != nil && v.Tags != nil {
						v.Tags["changed"] = "yes"
					}
				}
			}
			if len(shared) != 1 {
				t.Errorf("%s (destroy %v): a change's tags are the manifest's map", sc.Name, destroy)
			}
		}
	}
}
