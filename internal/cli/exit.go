package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Exit codes, the same for every command.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitChanges = 2 // changes or drift present, where asked for
	// ExitSignal ends the process at once on a second SIGINT or SIGTERM
	// (128 + SIGINT, as shells report an interrupted program).
	ExitSignal = 130
)

// Interrupted is the cause of a run cancelled by a signal.
type Interrupted struct{ Signal string }

func (e *Interrupted) Error() string { return "interrupted by " + e.Signal }

// TimedOut is the cause of a run that reached --timeout.
type TimedOut struct{ After time.Duration }

func (e *TimedOut) Error() string { return fmt.Sprintf("timed out after %s (--timeout)", e.After) }

// stopCause returns the *Interrupted or *TimedOut that ended ctx, or nil.
func stopCause(ctx context.Context) error {
	var in *Interrupted
	var to *TimedOut
	if c := context.Cause(ctx); errors.As(c, &in) || errors.As(c, &to) {
		return c
	}
	return nil
}

// ExitError carries an exit code and an optional hint that tells the user
// what to do. A nil Err with a code is a "silent" exit: the command has
// already printed what the user needs.
type exitError struct {
	Code int
	Err  error
	Hint string
}

func (e *exitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *exitError) Unwrap() error { return e.Err }

// silentExit ends the command with code, printing nothing more.
func silentExit(code int) error { return &exitError{Code: code} }

// withHint wraps err with a hint printed under it.
func withHint(err error, hint string) error {
	return &exitError{Code: ExitError, Err: err, Hint: hint}
}

// flagError is a usage mistake; the hint points at --help.
type flagError struct{ err error }

func (e *flagError) Error() string { return e.err.Error() }
func (e *flagError) Unwrap() error { return e.err }

func flagErrorf(format string, args ...any) error {
	return &flagError{fmt.Errorf(format, args...)}
}

// report prints err the one way plink prints errors and returns the exit
// code. This is the only place errors become exit codes. stop, when set,
// is why the run was cut short (an interrupt or --timeout) and activity
// what it was doing then: a run that stopped and did not finish exits 1 with
// one line naming both, not with the context errors of every call.
func report(w io.Writer, cmdPath string, err error, stop error, activity string) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	silent := errors.As(err, &ee) && ee.Err == nil
	if stop != nil && (silent || isContextError(err)) {
		fmt.Fprintf(w, "plink: %s while %s\n", stop, activity)
		var to *TimedOut
		if errors.As(stop, &to) {
			fmt.Fprintln(w, "hint: raise --timeout (0 means no limit); a slow or throttling account is named by the progress output")
		} else {
			fmt.Fprintln(w, "hint: run the command again: plink plans from live state, so a new run finishes what this one left")
		}
		return ExitError
	}
	if silent {
		return ee.Code
	}
	code := ExitError
	if ee != nil {
		code = ee.Code
	}
	msg := err.Error()
	var fe *flagError
	usage := errors.As(err, &fe)
	if strings.HasPrefix(msg, "unknown command ") {
		msg, usage = foldSuggestions(msg), true
	}
	// A line of the message that is a hint (an inner error's, under the
	// line it belongs to: credentialsError, shard.Check) prints as every
	// hint does, "hint: ...", not as an error line; the error's own hint is
	// not printed again when a line said it, nor the generic usage hint
	// after a line's own.
	hints := map[string]bool{}
	for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		if h, ok := strings.CutPrefix(strings.TrimLeft(line, " \t"), "hint: "); ok {
			fmt.Fprintf(w, "hint: %s\n", h)
			hints[h] = true
			continue
		}
		fmt.Fprintf(w, "plink: %s\n", line)
	}
	switch {
	case ee != nil && ee.Hint != "":
		if !hints[ee.Hint] {
			fmt.Fprintf(w, "hint: %s\n", ee.Hint)
		}
	case usage && len(hints) == 0:
		fmt.Fprintf(w, "hint: run '%s --help' for usage\n", cmdPath)
	}
	if stop != nil {
		fmt.Fprintf(w, "plink: %s while %s\n", stop, activity)
		code = ExitError
	}
	return code
}

// cobraSuggestions is how cobra appends its suggestions to "unknown command".
const cobraSuggestions = "\n\nDid you mean this?\n"

// foldSuggestions turns cobra's multi-line suggestion into one error line:
// `unknown command "pln" for "plink"; did you mean "plan"?`.
func foldSuggestions(msg string) string {
	i := strings.Index(msg, cobraSuggestions)
	if i < 0 {
		return strings.TrimRight(msg, "\n")
	}
	var names []string
	for _, l := range strings.Split(msg[i+len(cobraSuggestions):], "\n") {
		if l = strings.TrimSpace(l); l != "" {
			names = append(names, strconv.Quote(l))
		}
	}
	if len(names) == 0 {
		return msg[:i]
	}
	return msg[:i] + "; did you mean " + strings.Join(names, " or ") + "?"
}

// isContextError reports whether err is only the end of a context: it
// wraps context.Canceled or DeadlineExceeded, and where it joins several
// errors (one per account, one per failed read: credentialsError,
// errors.Join) every one of them does; the others are named, not hidden
// behind the stop.
func isContextError(err error) bool {
	if err == nil {
		return false
	}
	if err == context.Canceled || err == context.DeadlineExceeded {
		return true
	}
	if x, ok := err.(interface{ Is(error) bool }); ok && (x.Is(context.Canceled) || x.Is(context.DeadlineExceeded)) {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		errs := u.Unwrap()
		for _, e := range errs {
			if !isContextError(e) {
				return false
			}
		}
		return len(errs) > 0
	case interface{ Unwrap() error }:
		return isContextError(u.Unwrap())
	}
	return false
}
