package plan_test

import (
	"testing"

	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/internal/scenario"
)

// BenchmarkCompute plans a generated topology of 50 accounts, 500 providers
// and 2000 consumers, with some drift and pending connections.
func BenchmarkCompute(b *testing.B) {
	m, s := scenario.Generate(50, 500, 2000)
	p := plan.Compute(m, s, plan.Options{})
	if !p.HasChanges() || p.HasErrors() {
		b.Fatalf("generated topology: changes=%v errors=%v %v", p.HasChanges(), p.HasErrors(), p.Diagnostics)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		plan.Compute(m, s, plan.Options{})
	}
}
