package cli

import (
	"strings"
	"testing"

	"github.com/plinkdev/plink/plan"
)

// TestSavedDestroyConsent: a saved destroy plan made with --delete-adopted
// needs the flag again, and a plan claiming --delete-adopted without being
// a destroy plan (an edited file) is refused by apply.
func TestSavedDestroyConsent(t *testing.T) {
	dir := t.TempDir()
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Project: "x"}
	for _, tt := range []struct {
		name string
		sp   savedPlan
		args []string
		want string
	}{
		{"delete-adopted", savedPlan{Destroy: true, DeleteAdopted: true}, []string{"destroy"}, "was planned with --delete-adopted"},
		{"edited", savedPlan{DeleteAdopted: true}, []string{"apply"}, "was planned with --delete-adopted"},
		{"edited-destroy", savedPlan{DeleteAdopted: true}, []string{"destroy", "--delete-adopted"}, "is not a destroy plan"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := dir + "/" + tt.name + ".json"
			tt.sp.ManifestPaths = []string{quickstart}
			if err := writeSavedPlan(file, p, tt.sp); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runPlink(t, "", false, append(tt.args, file)...)
			if code != ExitError || !strings.Contains(stderr, tt.want) || !strings.Contains(stderr, "hint: ") {
				t.Fatalf("exit %d, stderr: %s", code, stderr)
			}
		})
	}
}
