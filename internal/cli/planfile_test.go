package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// editPlan rewrites a saved plan's JSON with edit and writes it to a new file.
func editPlan(t *testing.T, src, dst string, edit func(sp map[string]any, p map[string]any)) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var sp map[string]any
	if err := json.Unmarshal(data, &sp); err != nil {
		t.Fatal(err)
	}
	p := sp["plan"].(map[string]any)
	edit(sp, p)
	out, _ := json.Marshal(sp)
	if err := os.WriteFile(dst, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

// changeWhere returns the first change of the plan for which match holds.
func changeWhere(t *testing.T, p map[string]any, match func(c map[string]any) bool) map[string]any {
	t.Helper()
	for _, c := range p["changes"].([]any) {
		if c := c.(map[string]any); match(c) {
			return c
		}
	}
	t.Fatal("no such change in the plan")
	return nil
}

// TestApplySavedPlanIsAPromise: apply FILE plans again and refuses a file
// whose changes are not exactly what the manifest and live state plan now,
// naming the first difference; the untouched file applies.
func TestApplySavedPlanIsAPromise(t *testing.T) {
	dir := t.TempDir()
	sb := []string{"--sandbox", "--sandbox-dir", dir}
	saved := filepath.Join(dir, "plan.json")
	if code, _, stderr := runPlink(t, "", false, append([]string{"plan", "-f", quickstart, "-out", saved}, sb...)...); code != ExitOK {
		t.Fatalf("plan -out: exit %d\n%s", code, stderr)
	}
	if fi, err := os.Stat(saved); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("saved plan mode: %v %v, want 0600", fi.Mode().Perm(), err)
	}

	for _, tc := range []struct {
		name string
		edit func(sp, p map[string]any)
		want []string
	}{
		{"changes-null", func(_, p map[string]any) { p["changes"] = nil },
			[]string{"provider.analytics-ingest: create now, not in the saved plan"}},
		{"principal-star", func(_, p map[string]any) {
			c := changeWhere(t, p, func(c map[string]any) bool { return c["kind"] == "principal" })
			c["after"].(map[string]any)["principal"] = "*"
		}, []string{".principal[arn:aws:iam::", `after.principal is "*" in the saved plan, "arn:aws:iam::`}},
		{"load-balancer", func(_, p map[string]any) {
			c := changeWhere(t, p, func(c map[string]any) bool { return c["address"] == "provider.payments-api" })
			c["after"].(map[string]any)["networkLoadBalancerArns"] = []any{"arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/evil/0123456789abcdef"}
		}, []string{"provider.payments-api: after.networkLoadBalancerArns is", "net/evil/"}},
		{"extra-change", func(_, p map[string]any) {
			p["changes"] = append(p["changes"].([]any), map[string]any{"address": "provider.x", "kind": "endpoint_service", "action": "delete", "id": "vpce-svc-0123"})
		}, []string{"provider.x: delete in the saved plan, not planned now"}},
		{"action", func(_, p map[string]any) {
			c := changeWhere(t, p, func(c map[string]any) bool { return c["address"] == "consumer.checkout-payments" })
			c["action"] = "no-op"
		}, []string{`consumer.checkout-payments: action is "no-op" in the saved plan, "create" now`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := editPlan(t, saved, filepath.Join(dir, tc.name+".json"), tc.edit)
			code, stdout, stderr := runPlink(t, "", false, append([]string{"apply", f}, sb...)...)
			if code != ExitError {
				t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, stdout, stderr)
			}
			want := append([]string{"does not match the plan of its manifest and live state; nothing was applied",
				"hint: the file was edited or made by another plink; run 'plink plan -out FILE' again"}, tc.want...)
			for _, w := range want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stdout, "Apply complete") {
				t.Fatalf("the edited plan was applied:\n%s", stdout)
			}
		})
	}

	// Nothing was created by the refused applies: the untouched file applies.
	code, stdout, stderr := runPlink(t, "", false, append([]string{"apply", saved}, sb...)...)
	if code != ExitOK || !strings.Contains(stdout, "Apply complete: 9 added") {
		t.Fatalf("apply of the untouched plan: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}

// TestApplySavedPlanVetsItsManifestPaths: the manifest paths of a saved plan
// are untrusted; a file that is not a manifest is never quoted, and what
// is not a regular file is never read.
func TestApplySavedPlanVetsItsManifestPaths(t *testing.T) {
	dir := t.TempDir()
	sb := []string{"--sandbox", "--sandbox-dir", dir}
	saved := filepath.Join(dir, "plan.json")
	if code, _, stderr := runPlink(t, "", false, append([]string{"plan", "-f", quickstart, "-out", saved}, sb...)...); code != ExitOK {
		t.Fatalf("plan -out: exit %d\n%s", code, stderr)
	}
	secrets := filepath.Join(dir, "secrets.env")
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	if err := os.WriteFile(secrets, []byte("AWS_SECRET_ACCESS_KEY="+secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	mdir := filepath.Join(dir, "manifests")
	if err := os.Mkdir(mdir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(mdir, "zero.yaml")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		paths []any
		want  string
	}{
		{"secrets", []any{secrets}, "its manifest " + secrets + " no longer loads:\nplink:   1 error"},
		{"dev-zero", []any{"/dev/zero"}, "error M001: cannot read manifest: it is a character device"},
		{"fifo", []any{fifo}, "it is a named pipe (FIFO)"},
		{"dir-link-to-dev-zero", []any{mdir}, "zero.yaml: error M001: cannot read manifest: it is a character device (through a symlink to /dev/zero)"},
		{"missing", []any{filepath.Join(dir, "gone.yaml")}, "gone.yaml: error M001: cannot read manifest: no such file or directory"},
		{"none", []any{}, "no manifest path given"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := editPlan(t, saved, filepath.Join(dir, tc.name+".json"), func(sp, _ map[string]any) { sp["manifestPaths"] = tc.paths })
			code, stdout, stderr := runPlink(t, "", false, append([]string{"apply", f}, sb...)...)
			if code != ExitError || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr lacks %q:\n%s", code, tc.want, stderr)
			}
			if strings.Contains(stderr+stdout, secret) || strings.Contains(stderr+stdout, "AWS_SECRET_ACCESS_KEY") {
				t.Fatalf("the file's content was printed:\n%s%s", stdout, stderr)
			}
		})
	}
}

func TestReadPlanFileRefusesWhatIsNotARegularFile(t *testing.T) {
	code, _, stderr := runPlink(t, "", false, "show", "/dev/zero")
	if code != ExitError || !strings.Contains(stderr, "/dev/zero is a character device, not a regular file") {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
}

// TestAllowDisconnectIsNotTakenFromTheFile: consent to cut off endpoints
// is given on the command line of the apply, not read from an editable file.
func TestAllowDisconnectIsNotTakenFromTheFile(t *testing.T) {
	dir := t.TempDir()
	sb := []string{"--sandbox", "--sandbox-dir", dir}
	saved := filepath.Join(dir, "plan.json")
	if code, _, stderr := runPlink(t, "", false, append([]string{"plan", "--allow-disconnect", "-f", quickstart, "-out", saved}, sb...)...); code != ExitOK {
		t.Fatalf("plan -out: exit %d\n%s", code, stderr)
	}
	if data, _ := os.ReadFile(saved); !strings.Contains(string(data), `"allowDisconnect": true`) {
		t.Fatalf("the saved plan does not record --allow-disconnect")
	}
	code, _, stderr := runPlink(t, "", false, append([]string{"apply", saved}, sb...)...)
	if code != ExitError || !strings.Contains(stderr, "was planned with --allow-disconnect") || !strings.Contains(stderr, "pass --allow-disconnect to apply too") {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	code, stdout, stderr := runPlink(t, "", false, append([]string{"apply", "--allow-disconnect", saved}, sb...)...)
	if code != ExitOK || !strings.Contains(stdout, "Apply complete") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}

// A saved plan's format fields are the file's words: an error cuts them,
// never echoing a long value whole.
func TestReadPlanFileDoesNotEchoLongValues(t *testing.T) {
	long := strings.Repeat("x", 280)
	for _, body := range []string{
		`{"format": "` + long + `", "plan": {}}`,
		`{"format": "` + planFileFormat + `", "plan": {"formatVersion": "` + long + `"}}`,
	} {
		path := filepath.Join(t.TempDir(), "plan.json")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := readPlanFile(path)
		if err == nil || strings.Contains(err.Error(), long) {
			t.Errorf("error %v", err)
		}
	}
}
