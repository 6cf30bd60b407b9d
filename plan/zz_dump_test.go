package plan_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/internal/scenario"
)

func TestDump(t *testing.T) {
	for _, sc := range scenario.All() {
		if os.Getenv("DUMP") != sc.Name {
			continue
		}
		p := plan.Compute(sc.Manifest, sc.Snapshot, plan.Options{})
		p.Fingerprints = nil
		b, _ := json.MarshalIndent(p, "", " ")
		t.Log(string(b))
	}
}
