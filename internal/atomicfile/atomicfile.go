// Package atomicfile writes the files plink produces (saved plans, drift
// reports, exported manifests) so that a reader sees the old file or the
// whole new one, never a part, and so that a symlink planted at the
// destination cannot redirect the write elsewhere.
//
// It only writes; it must not decide what is written or where.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrSymlink is wrapped by the error WriteFile returns when the destination
// is a symbolic link.
var ErrSymlink = errors.New("destination is a symbolic link")

// WriteFile writes data to path with mode perm: a temporary file in the
// same directory, synced, then renamed over path, so the write is all or
// nothing.
//
// A destination that is a symbolic link is refused rather than followed or
// replaced: following it would write wherever the link points (the attack),
// and silently replacing it would surprise whoever made it. Anything else
// that is not a regular file (a directory, a FIFO, a device) is refused too.
// rename(2) never follows a link at the destination, so a link planted
// between the check and the rename is replaced, not written through.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	if fi, err := os.Lstat(path); err == nil {
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s: %w; refusing to write through it (remove the link, or name its target)", path, ErrSymlink)
		case !fi.Mode().IsRegular():
			return fmt.Errorf("%s is not a regular file (%s); refusing to replace it", path, kind(fi.Mode()))
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		// Name the destination, not the temporary file nobody asked for.
		// The file is written whole beside its destination and renamed
		// over it, so what failed is creating a file in its directory
		// (which may be read-only, or a pseudo file system such as /proc).
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot write %s: cannot create a new file in %s (%w); plink writes a file beside the destination and renames it over it, so the directory must be writable: choose a path in one", path, dir, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	done = true
	// Make the rename itself durable; not every file system can sync a
	// directory, and the data is already safe, so a failure here is ignored.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}
