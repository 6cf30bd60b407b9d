package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWriteFileCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.json")
	if err := WriteFile(p, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil || string(got) != "two" {
		t.Fatalf("content %q, %v", got, err)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestWriteFileRefusesASymlinkAndLeavesItsTarget(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "precious")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "report.xml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(link, []byte("overwritten"), 0o644)
	if !errors.Is(err, ErrSymlink) || !strings.Contains(err.Error(), "report.xml") || !strings.Contains(err.Error(), "remove the link") {
		t.Fatalf("err = %v, want a refusal naming the link with a hint", err)
	}
	if got, _ := os.ReadFile(target); string(got) != "keep" {
		t.Fatalf("the link's target was written: %q", got)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced")
	}
	// A dangling link is refused too (it would create its target).
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(dangling, []byte("x"), 0o644); !errors.Is(err, ErrSymlink) {
		t.Fatalf("dangling link: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "nowhere")); err == nil {
		t.Fatalf("the dangling link's target was created")
	}
}

func TestWriteFileRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFile(dir, []byte("x"), 0o644); err == nil || !strings.Contains(err.Error(), "a directory") {
		t.Fatalf("directory: %v", err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	if err := WriteFile(fifo, []byte("x"), 0o644); err == nil || !strings.Contains(err.Error(), "a named pipe") {
		t.Fatalf("fifo: %v", err)
	}
}

func TestWriteFileInAMissingDirectory(t *testing.T) {
	err := WriteFile(filepath.Join(t.TempDir(), "no", "such", "f"), []byte("x"), 0o644)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "such/f: ") || strings.Contains(err.Error(), "tmp-") {
		t.Fatalf("err = %v", err)
	}
}

// TestWriteFileWhereNoFileCanBeCreated: a destination that exists in a
// directory where no file can be made (a pseudo file system) is refused
// with the reason, not a bare "no such file or directory" about a file
// that is there.
func TestWriteFileWhereNoFileCanBeCreated(t *testing.T) {
	if _, err := os.Stat("/proc/version"); err != nil {
		t.Skip("no /proc/version on this system")
	}
	err := WriteFile("/proc/version", []byte("x"), 0o644)
	if err == nil || !strings.Contains(err.Error(), "cannot write /proc/version: cannot create a new file in /proc/") ||
		!strings.Contains(err.Error(), "the directory must be writable") {
		t.Fatalf("err = %v", err)
	}
}
