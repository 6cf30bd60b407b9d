package manifest

import (
	"github.com/plinkdev/plink/internal/bounded"
)

// Size caps for reading manifests. A real manifest of 50,000 consumers is
// about 19 MiB; the caps only stop a path that names something endless or
// huge (a link to /dev/zero, a disk image) from exhausting memory. Depth
// and width are bounded too, before any YAML library sees a file: see
// internal/bounded and docs/RELIABILITY.md.
const (
	MaxFileBytes  int64 = 64 << 20  // one manifest file
	MaxTotalBytes int64 = 256 << 20 // all files of one Load together
)

// The caps Load applies; tests lower them.
var maxFileBytes, maxTotalBytes = MaxFileBytes, MaxTotalBytes

// limits bound the structure of one manifest file (bounded's defaults,
// sized against manifests of 50,000 consumers); tests lower them.
var limits = bounded.Limits{}

// ErrNotRegular is wrapped by ReadFileCapped's error for a path that is not
// a regular file (after following symlinks): a FIFO, socket, device or
// directory.
var ErrNotRegular = bounded.ErrNotRegular

// ErrTooLarge is wrapped by ReadFileCapped's error for a file larger than
// the cap it was given.
var ErrTooLarge = bounded.ErrTooLarge

// ReadFileCapped reads a regular file (a symlink to one is followed) of at
// most max bytes, as bounded.ReadFile does: it never blocks on a FIFO,
// never reads from a device, and its errors name the path and never quote
// the file's content.
func ReadFileCapped(path string, max int64) ([]byte, error) {
	return bounded.ReadFile(path, max)
}

func formatBytes(n int64) string { return bounded.FormatBytes(n) }
