package cli

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCLIReconcilesNothing holds the rule of docs/ARCHITECTURE.md: the
// command layer reads, plans, applies and calls AWS only through the
// engine (package reconcile). Its production files import no AWS SDK
// package and call none of the functions that read or change AWS, or
// compute a plan, directly.
func TestCLIReconcilesNothing(t *testing.T) {
	checked, violations := engineRuleViolations(t, "*.go")
	for _, v := range violations {
		t.Error(v)
	}
	if checked < 10 {
		t.Fatalf("checked only %d files: run from internal/cli", checked)
	}
	// The check sees what it is for: a file that reads and plans itself.
	_, violations = engineRuleViolations(t, "testdata/enginerule/*.go")
	want := []string{"imports github.com/aws/aws-sdk-go-v2/service/ec2", "uses github.com/plinkdev/plink/live.Read", "uses github.com/plinkdev/plink/plan.Compute", "uses github.com/plinkdev/plink/apply.Run"}
	if len(violations) != len(want) {
		t.Fatalf("the bad file's violations:\n%s", strings.Join(violations, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(violations[i], w) {
			t.Errorf("violation %d is %q, want one that %s", i, violations[i], w)
		}
	}
}

// engineRuleViolations parses the production files matching pattern and
// lists their imports of the AWS SDK and calls that bypass the engine.
func engineRuleViolations(t *testing.T, pattern string) (int, []string) {
	t.Helper()
	var violations []string
	forbidden := map[string][]string{ // import path → functions the CLI must not call
		"github.com/plinkdev/plink/live":            {"Read"},
		"github.com/plinkdev/plink/plan":            {"Compute"},
		"github.com/plinkdev/plink/apply":           {"Run", "Explain"},
		"github.com/plinkdev/plink/status":          {"Read", "ReadTargetHealth"},
		"github.com/plinkdev/plink/export":          {"Export", "FromAWSEnv"},
		"github.com/plinkdev/plink/iampolicy/check": {"Run"},
		"github.com/plinkdev/plink/lease":           {"Acquire"},
		"github.com/plinkdev/plink/awsenv":          {"New", "Client"},
		"github.com/plinkdev/plink/reconcile/shard": {"Filter", "Ready", "Limit"},
	}
	files, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		local := map[string]string{} // the file's name of a package → its path
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "github.com/aws/") {
				violations = append(violations, fmt.Sprintf("%s imports %s: AWS is the engine's (package reconcile)", fset.Position(imp.Pos()), path))
			}
			n := path[strings.LastIndex(path, "/")+1:]
			if imp.Name != nil {
				n = imp.Name.Name
			}
			local[n] = path
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			id, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			for _, fn := range forbidden[local[id.Name]] {
				if sel.Sel.Name == fn {
					violations = append(violations, fmt.Sprintf("%s: internal/cli uses %s.%s: read, plan, apply and call AWS through the engine (package reconcile)", fset.Position(sel.Pos()), local[id.Name], fn))
				}
			}
			return true
		})
	}
	return checked, violations
}
