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
			plan.Compute(m, sc.Snapshot, plan.Options{Destroy: destroy})
			if !maps.Equal(shared, map[string]string{"team": "core"}) {
				t.Errorf("%s (destroy %v): the manifest's shared tags became %v", sc.Name, destroy, shared)
			}
		}
	}
}
