package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A saved plan of the former format (whose no-op changes carried before
// and after values) is refused by its format, with what to do.
func TestReadPlanFileRefusesFormat1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.json")
	body := `{"format": "plink-saved-plan/1", "createdAt": "2026-01-01T00:00:00Z", "manifestPaths": ["m.yaml"], "sandbox": false, "plan": {"formatVersion": "1.0", "project": "p", "changes": []}}`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := readPlanFile(path)
	if err == nil {
		t.Fatal("a saved plan of format 1 was read")
	}
	for _, w := range []string{path + ` is a saved plan of format "plink-saved-plan/1"; this plink reads "plink-saved-plan/2"`, "re-run 'plink plan -out FILE' with this version of plink"} {
		if !strings.Contains(err.Error()+"\n"+hintOf(err), w) {
			t.Errorf("error lacks %q: %v (hint %q)", w, err, hintOf(err))
		}
	}
}

// A saved plan with nothing to change lists every resource as a no-op
// without values (an endpoint service keeps its after values), and
// applies: the plan made again under the lease is the same.
func TestSavedNoOpPlanApplies(t *testing.T) {
	dir := t.TempDir()
	sb := []string{"--sandbox", "--sandbox-dir", dir}
	if code, _, stderr := runPlink(t, "", false, append([]string{"apply", "--auto-approve", "-f", quickstart}, sb...)...); code != ExitOK {
		t.Fatalf("apply: exit %d\n%s", code, stderr)
	}
	saved := filepath.Join(dir, "plan.json")
	if code, _, stderr := runPlink(t, "", false, append([]string{"plan", "-f", quickstart, "-out", saved}, sb...)...); code != ExitOK {
		t.Fatalf("plan -out: exit %d\n%s", code, stderr)
	}
	data, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	var sp struct {
		Format string `json:"format"`
		Plan   struct {
			Changes []map[string]any `json:"changes"`
		} `json:"plan"`
	}
	if err := json.Unmarshal(data, &sp); err != nil {
		t.Fatal(err)
	}
	if sp.Format != planFileFormat || len(sp.Plan.Changes) == 0 {
		t.Fatalf("saved plan: format %q, %d changes", sp.Format, len(sp.Plan.Changes))
	}
	services := 0
	for _, c := range sp.Plan.Changes {
		if c["action"] != "no-op" {
			t.Fatalf("converged quickstart: %v %v", c["action"], c["address"])
		}
		_, before := c["before"]
		after, hasAfter := c["after"].(map[string]any)
		switch {
		case before:
			t.Errorf("no-op %v keeps its before values", c["address"])
		case c["kind"] == "endpoint_service":
			services++
			if !hasAfter || after["serviceName"] == nil {
				t.Errorf("no-op service %v lost its service name: %v", c["address"], c["after"])
			}
		case hasAfter:
			t.Errorf("no-op %v keeps its after values", c["address"])
		}
	}
	if services == 0 {
		t.Error("the saved plan has no endpoint service")
	}
	code, stdout, stderr := runPlink(t, "", false, append([]string{"apply", saved}, sb...)...)
	if code != ExitOK || !strings.Contains(stdout, "No changes.") {
		t.Fatalf("apply of the saved no-op plan: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}
