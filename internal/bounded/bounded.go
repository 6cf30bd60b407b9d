// Package bounded holds the size, depth and width limits for every file
// plink reads (manifests, saved plans, world files, the config file, the
// sandbox state), checked while scanning: ReadFile reads at most a capped
// number of bytes of a regular file, and ScanYAML and ScanJSON find nesting
// that is too deep, a collection with too many entries or too many entries
// in all, in one linear pass with memory bounded by the depth limit —
// before any parser builds a tree. A parser that is never handed an
// unbounded document cannot take unbounded time or memory on it.
//
// Quote is the one way an error message shows a value read from such a
// file: cut to a short prefix with its length, and never a value shaped
// like an AWS secret.
package bounded

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Limits bound one document. A zero field means the default.
type Limits struct {
	// MaxDepth is the deepest nesting of collections allowed.
	MaxDepth int
	// MaxWidth is the most entries one mapping or sequence may have.
	MaxWidth int
	// MaxEntries is the most entries all collections of a document may have
	// together, comments counted as entries: it bounds the nodes a parser
	// makes for a file.
	MaxEntries int
	// MaxScalar is the longest value (a string, a scalar), in bytes as
	// written: a parser copies a value several times while it builds it.
	MaxScalar int
}

// The default limits, sized against the largest manifests plink must load
// (internal/scale.Generate(1000, 12500, 50000, 1), 19 MB): a manifest of
// 50,000 consumers, 12,500 providers and 1,000 accounts nests 5 levels
// deep, its widest list has 50,000 entries and its collections hold
// 822,474 entries in all (comments counted); its world file nests 9 levels, 10,000 wide,
// 222,521 entries. An endpoint policy, the longest value a manifest holds,
// is at most 20,480 characters.
const (
	DefaultMaxDepth   = 64
	DefaultMaxWidth   = 200_000
	DefaultMaxEntries = 2_000_000
	DefaultMaxScalar  = 1 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxWidth <= 0 {
		l.MaxWidth = DefaultMaxWidth
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxScalar <= 0 {
		l.MaxScalar = DefaultMaxScalar
	}
	return l
}

// Kinds of ScanError.
const (
	TooDeep      = "depth"
	TooWide      = "width"
	TooMany      = "entries"
	TooLong      = "value"
	DuplicateKey = "duplicate"
)

// ScanError is a document refused by ScanYAML or ScanJSON: where (1-based
// line and column, in characters) the bound was passed or the key repeated,
// and what was wrong.
type ScanError struct {
	Line, Column int
	// Kind is TooDeep, TooWide, TooMany, TooLong or DuplicateKey.
	Kind string
	// Length is the length in bytes of a value too long (TooLong).
	Length int
	// Limit is the bound passed (not set for DuplicateKey).
	Limit int
	// FirstLine and FirstColumn are where a duplicate key was first defined.
	FirstLine, FirstColumn int
	// Key is the repeated key, already cut by Quote.
	Key string
}

func (e *ScanError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Problem())
}

// Problem says what is wrong and what would be valid, without a position.
func (e *ScanError) Problem() string {
	switch e.Kind {
	case TooDeep:
		return fmt.Sprintf("nesting deeper than %d levels; a valid file nests at most %d mappings and lists inside each other", e.Limit, e.Limit)
	case TooWide:
		return fmt.Sprintf("a mapping or list with more than %d entries; a valid file has at most %d entries in one mapping or list", e.Limit, e.Limit)
	case TooMany:
		return fmt.Sprintf("more than %d entries in all; a valid file has at most %d entries in all its mappings and lists together", e.Limit, e.Limit)
	case TooLong:
		return fmt.Sprintf("a value of %s bytes; a valid value is at most %s (%s bytes)", Thousands(e.Length), FormatBytes(int64(e.Limit)), Thousands(e.Limit))
	case DuplicateKey:
		return fmt.Sprintf("duplicate key \"%s\"; first defined at line %d, column %d", e.Key, e.FirstLine, e.FirstColumn)
	}
	return e.Kind
}

// ErrNotRegular is wrapped by ReadFile's error for a path that is not a
// regular file (after following symlinks): a FIFO, socket, device or
// directory.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by ReadFile's error for a file larger than the cap
// it was given.
var ErrTooLarge = errors.New("file too large")

// FileError is a read refused by ReadFile. What says what the path is ("a
// named pipe (FIFO)", "larger than the 64 MiB limit"); Kind is
// ErrNotRegular or ErrTooLarge.
type FileError struct {
	Path, What string
	Kind       error
}

func (e *FileError) Error() string {
	if e.Kind == ErrNotRegular {
		return e.Path + " is " + e.What + ", not a regular file"
	}
	return e.Path + " is " + e.What
}

func (e *FileError) Unwrap() error { return e.Kind }

// ReadFile reads a regular file (a symlink to one is followed) of at most
// max bytes. It never blocks on a FIFO and never reads from a device: the
// mode is checked before opening and again on the open descriptor, and the
// file is opened non-blocking. Errors name the path and never quote the
// file's content.
func ReadFile(path string, max int64) ([]byte, error) {
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
	// Read one byte past the cap, so a file that grew since Stat is caught,
	// into a buffer of the file's size: one copy of a large file, not the
	// doublings of io.ReadAll.
	var buf bytes.Buffer
	buf.Grow(int(min(fi.Size(), max)) + 512)
	if _, err := buf.ReadFrom(io.LimitReader(f, max+1)); err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	if int64(buf.Len()) > max {
		return nil, tooLarge(path, max)
	}
	return buf.Bytes(), nil
}

func checkRegular(path string, fi fs.FileInfo) error {
	if fi.Mode().IsRegular() {
		return nil
	}
	what := describeMode(fi.Mode())
	if target, err := os.Readlink(path); err == nil {
		what += " (through a symlink to " + Quote(target) + ")"
	}
	return &FileError{path, what, ErrNotRegular}
}

func tooLarge(path string, max int64) error {
	return &FileError{path, "larger than the " + FormatBytes(max) + " limit", ErrTooLarge}
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

// FormatBytes writes a size the way limits are documented: "64 MiB".
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
