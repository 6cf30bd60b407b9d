package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Exit codes, the same for every command.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitChanges = 2 // changes or drift present, where asked for
)

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
// code. This is the only place errors become exit codes.
func report(w io.Writer, cmdPath string, err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) && ee.Err == nil {
		return ee.Code
	}
	code := ExitError
	if ee != nil {
		code = ee.Code
	}
	msg := err.Error()
	if errors.Is(err, context.DeadlineExceeded) {
		msg += " (the --timeout was reached)"
	}
	for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		fmt.Fprintf(w, "plink: %s\n", line)
	}
	var fe *flagError
	switch {
	case ee != nil && ee.Hint != "":
		fmt.Fprintf(w, "hint: %s\n", ee.Hint)
	case errors.As(err, &fe):
		fmt.Fprintf(w, "hint: run '%s --help' for usage\n", cmdPath)
	}
	return code
}
