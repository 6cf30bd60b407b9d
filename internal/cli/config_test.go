package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestConfigFileIsBounded: the config file is read as every file plink
// reads (issue 23): a regular file under a size cap, nesting and width
// bounded before viper's YAML parser sees it; each refusal names the file
// (and the line and column of a bound), exits 1, and quotes nothing of the
// file. A short config file still sets its flags.
func TestConfigFileIsBounded(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	for _, tc := range []struct {
		name, path, want string
	}{
		{"deep", write("deep.yaml", "output: "+strings.Repeat("[", 500_000)), "deep.yaml:1:72: nesting deeper than 64 levels"},
		{"wide", write("wide.yaml", "x: ["+strings.Repeat("a,", 200_001)+"]\n"), "wide.yaml:1:400005: a mapping or list with more than 200000 entries"},
		{"large", write("large.yaml", "# "+strings.Repeat("a", 1<<20)+"\n"), "large.yaml is larger than the 1 MiB limit"},
		{"fifo", fifo, "fifo.yaml is a named pipe (FIFO), not a regular file"},
		{"invalid", write("invalid.yaml", "output: ["+secret+"\n"), "config file " + filepath.Join(dir, "invalid.yaml") + ": "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runPlink(t, "", false, "validate", "-f", quickstart, "--config", tc.path)
			if code != ExitError || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr lacks %q:\n%.2000s", code, tc.want, stderr)
			}
			if strings.Contains(stdout+stderr, secret) || strings.Contains(stdout+stderr, "aaaaaaaaaaaaaaaa") || len(stderr) > 1000 {
				t.Fatalf("the file's content was printed:\n%.2000s", stderr)
			}
		})
	}
	code, stdout, stderr := runPlink(t, "", false, "validate", "-f", quickstart, "--config", write("ok.yaml", "output: json\n"))
	if code != ExitOK || strings.TrimSpace(stdout) != "[]" { // --output json from the file
		t.Fatalf("a short config file: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}
