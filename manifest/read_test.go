package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const okManifest = "version: 1\nproject: p\naccounts: {a: {id: \"111111111111\"}}\n"

// loadErr loads paths and returns the one diagnostic it must fail with.
func loadErr(t *testing.T, paths ...string) Diagnostic {
	t.Helper()
	done := make(chan error, 1)
	go func() { _, err := Load(paths...); done <- err }()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Load blocked")
	}
	ds, ok := err.(Diagnostics)
	if !ok || len(ds) != 1 {
		t.Fatalf("err = %v; want one diagnostic", err)
	}
	return ds[0]
}

// Sub-directories, and links to them, named *.yaml are not read, as
// documented; regular files and links to them are.
func TestDirectoryEntries(t *testing.T) {
	dir := t.TempDir()
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "real.yaml"), []byte(okManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		os.Mkdir(filepath.Join(dir, "sub.yaml"), 0o755),
		os.Symlink(other, filepath.Join(dir, "dirlink.yaml")),
		os.Symlink(filepath.Join(other, "real.yaml"), filepath.Join(dir, "a.yaml")),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 1 || filepath.Base(m.Files[0]) != "a.yaml" {
		t.Errorf("Files = %v", m.Files)
	}
}

// Files over the per-file cap, and files that together pass the total
// cap, are refused with the cap in the message; the oversized file is not
// read (it is sparse and would read as zeros).
func TestSizeCaps(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(f.Truncate(MaxFileBytes+1), f.Close()); err != nil {
		t.Fatal(err)
	}
	want := big + ": error: cannot read manifest: it is larger than the 64 MiB limit for one manifest file"
	if d := loadErr(t, big); d.String() != want || !strings.Contains(d.Hint, "split") {
		t.Errorf("got %s\nwant %s", d, want)
	}
	if _, err := ReadFileCapped(big, MaxFileBytes); !errors.Is(err, ErrTooLarge) || err.Error() != big+" is larger than the 64 MiB limit" {
		t.Errorf("ReadFileCapped = %v", err)
	}

	defer func(f, tot int64) { maxFileBytes, maxTotalBytes = f, tot }(maxFileBytes, maxTotalBytes)
	maxFileBytes, maxTotalBytes = 100, 150
	two := t.TempDir()
	for _, name := range []string{"a.yaml", "b.yaml"} {
		data := strings.ReplaceAll(okManifest, "{a:", "{"+name[:1]+":") // 58 bytes each
		if err := os.WriteFile(filepath.Join(two, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Load(two); err != nil {
		t.Fatalf("two files within the caps: %v", err)
	}
	maxTotalBytes = 2*int64(len(okManifest)) - 1
	want = filepath.Join(two, "b.yaml") + ": error: cannot read manifest: the manifest's files together are larger than the 115 bytes limit"
	if d := loadErr(t, two); d.String() != want {
		t.Errorf("got %s\nwant %s", d, want)
	}
}

// A binary file is refused without a byte of it in the message.
func TestBinaryFileIsNotQuoted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "blob.yaml")
	data := []byte("\x7fELF\x02\x01\x01\x00\x00\x00SECRETSECRET\xff\xfe")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	d := loadErr(t, path)
	if want := path + ":1:1: error: the file holds binary data, not YAML text"; d.String() != want {
		t.Errorf("got %s\nwant %s", d, want)
	}
	if strings.Contains(d.Message+d.Hint, "SECRET") || strings.Contains(d.Message+d.Hint, "ELF") {
		t.Errorf("diagnostic quotes the file: %v", d)
	}
}

func TestReadFileCapped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFileCapped(path, 5); err != nil || string(b) != "hello" {
		t.Errorf("ReadFileCapped(5) = %q, %v", b, err)
	}
	if _, err := ReadFileCapped(path, 4); !errors.Is(err, ErrTooLarge) || err.Error() != path+" is larger than the 4 bytes limit" {
		t.Errorf("ReadFileCapped(4) = %v", err)
	}
	if _, err := ReadFileCapped(filepath.Dir(path), 5); !errors.Is(err, ErrNotRegular) || !strings.HasSuffix(err.Error(), " is a directory, not a regular file") {
		t.Errorf("directory: %v", err)
	}
	if _, err := ReadFileCapped(path+".missing", 5); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
}
