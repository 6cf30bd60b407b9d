package manifest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Size caps for reading manifests. A real manifest of 50,000 consumers is
// about 20 MiB; the caps only stop a path that names something endless or
// huge (a link to /dev/zero, a disk image) from exhausting memory.
const (
	MaxFileBytes  int64 = 64 << 20  // one manifest file
	MaxTotalBytes int64 = 256 << 20 // all files of one Load together
)

// The caps Load applies; tests lower them.
var maxFileBytes, maxTotalBytes = MaxFileBytes, MaxTotalBytes

// ErrNotRegular is wrapped by ReadFileCapped's error for a path that is not
// a regular file (after following symlinks): a FIFO, socket, device or
// directory.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by ReadFileCapped's error for a file larger than
// the cap it was given.
var ErrTooLarge = errors.New("file too large")

// ReadFileCapped reads a regular file (a symlink to one is followed) of at
// most max bytes. It never blocks on a FIFO and never reads from a device:
// the mode is checked before opening and again on the open descriptor, and
// the file is opened non-blocking. Errors name the path and never quote the
// file's content. Other packages use it to read files a user names (saved
// plans, the manifest paths a saved plan records) the same safe way.
func ReadFileCapped(path string, max int64) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(path, fi); err != nil {
		return nil, err
	}
	if fi.Size() > max {
		return nil, tooLarge(path, max)
	}
	// O_NONBLOCK: if the path was swapped for a FIFO after Stat, open
	// returns at once instead of waiting for a writer.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := checkRegular(path, fi); err != nil {
		return nil, err
	}
	// Read one byte past the cap, so a file that grew since Stat is caught.
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	if int64(len(data)) > max {
		return nil, tooLarge(path, max)
	}
	return data, nil
}

// fileError is a read refused by ReadFileCapped. what says what the path
// is ("a named pipe (FIFO)", "larger than the 64 MiB limit"); kind is
// ErrNotRegular or ErrTooLarge.
type fileError struct {
	path, what string
	kind       error
}

func (e *fileError) Error() string {
	if e.kind == ErrNotRegular {
		return e.path + " is " + e.what + ", not a regular file"
	}
	return e.path + " is " + e.what
}

func (e *fileError) Unwrap() error { return e.kind }

func checkRegular(path string, fi fs.FileInfo) error {
	if fi.Mode().IsRegular() {
		return nil
	}
	what := describeMode(fi.Mode())
	if target, err := os.Readlink(path); err == nil {
		what += " (through a symlink to " + target + ")"
	}
	return &fileError{path, what, ErrNotRegular}
}

func tooLarge(path string, max int64) error {
	return &fileError{path, "larger than the " + formatBytes(max) + " limit", ErrTooLarge}
}

// describeMode names the kind of a non-regular file.
func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	default:
		return "a special file"
	}
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
