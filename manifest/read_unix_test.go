//go:build unix

package manifest

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A link to /dev/zero, given directly or found in a directory, is refused
// before anything is read from it (it used to be read until memory ran out).
func TestDeviceIsRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(okManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "zero.yaml")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Skip(err)
	}
	want := link + ": error: cannot read manifest: it is a character device (through a symlink to /dev/zero); a manifest must be a regular file"
	for _, p := range []string{dir, link} {
		d := loadErr(t, p)
		if d.String() != want || d.Code != CodeRead || d.Hint == "" {
			t.Errorf("Load(%s) = %s\nwant %s", p, d, want)
		}
	}
}

// A FIFO never blocks Load (nobody writes to it here), in a directory or
// named directly, and ReadFileCapped says what it is.
func TestFIFOIsRefusedWithoutBlocking(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	want := fifo + ": error: cannot read manifest: it is a named pipe (FIFO); a manifest must be a regular file"
	for _, p := range []string{dir, fifo} {
		if d := loadErr(t, p); d.String() != want {
			t.Errorf("Load(%s) = %s\nwant %s", p, d, want)
		}
	}
	_, err := ReadFileCapped(fifo, 1<<20)
	if !errors.Is(err, ErrNotRegular) || err.Error() != fifo+" is a named pipe (FIFO), not a regular file" {
		t.Errorf("ReadFileCapped = %v", err)
	}
}

func TestSocketIsRefused(t *testing.T) {
	dir, err := os.MkdirTemp("", "sock") // short: socket paths are limited to ~100 bytes
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "s.yaml")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Skip(err)
	}
	defer ln.Close()
	if d := loadErr(t, dir); !strings.HasSuffix(d.Message, "it is a socket; a manifest must be a regular file") {
		t.Errorf("got %s", d)
	}
}
