package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestSandboxFilesAreBounded: the sandbox's world file and state file are
// read as every file plink reads (issue 23): nesting past the bound is
// refused at its line and column before a parser sees it, and what is not
// a regular file is never opened for reading.
func TestSandboxFilesAreBounded(t *testing.T) {
	t.Run("world", func(t *testing.T) {
		dir := t.TempDir()
		deep := filepath.Join(dir, "deep.yaml")
		if err := os.WriteFile(deep, []byte("regions: "+strings.Repeat("[", 5_000_000)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		fifo := filepath.Join(dir, "fifo.yaml")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		for path, want := range map[string]string{
			deep: deep + ":1:73: nesting deeper than 64 levels",
			fifo: fifo + " is a named pipe (FIFO), not a regular file",
		} {
			code, _, stderr := runPlink(t, "", false, "plan", "-f", quickstart, "--sandbox", "--sandbox-dir", dir, "--sandbox-world", path)
			if code != ExitError || !strings.Contains(stderr, want) || len(stderr) > 1000 {
				t.Errorf("exit %d, stderr lacks %q:\n%.1000s", code, want, stderr)
			}
		}
	})
	t.Run("state that is not a regular file", func(t *testing.T) {
		dir := t.TempDir()
		state := filepath.Join(dir, "sandbox-state.json")
		if err := syscall.Mkfifo(state, 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runPlink(t, "", false, "plan", "-f", quickstart, "--sandbox", "--sandbox-dir", dir)
		if want := state + " is a named pipe (FIFO), not a regular file"; code != ExitError || !strings.Contains(stderr, want) {
			t.Errorf("exit %d, stderr lacks %q:\n%.1000s", code, want, stderr)
		}
	})
	t.Run("state", func(t *testing.T) {
		dir := t.TempDir()
		state := filepath.Join(dir, "sandbox-state.json")
		if err := os.WriteFile(state, []byte(`{"version": 1, "services": `+strings.Repeat("[", 5_000_000)), 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runPlink(t, "", false, "plan", "-f", quickstart, "--sandbox", "--sandbox-dir", dir)
		for _, want := range []string{"state file " + state + " does not validate:", "line 1, column 91: nesting deeper than 64 levels"} {
			if code != ExitError || !strings.Contains(stderr, want) || len(stderr) > 1000 {
				t.Errorf("exit %d, stderr lacks %q:\n%.1000s", code, want, stderr)
			}
		}
	})
}
