// Package cmdutil holds what every moat command shares: the Factory with the
// injected streams, clock and paths, and the sentinel errors that the one
// exit-code map in package cli turns into process exit codes.
package cmdutil

import (
	"errors"
	"fmt"
)

// Exit codes. They are mapped in exactly one place (cli.ExitCode).
const (
	ExitOK       = 0 // nothing at or above the threshold
	ExitFindings = 1 // findings at or above --fail-on (or a deny / avoid verdict)
	ExitUsage    = 2 // bad flags, arguments or input
	ExitRuntime  = 3 // something failed while running
)

// ErrFindings is returned by a command that completed and found something at
// or above its threshold. Its output has already been written.
var ErrFindings = errors.New("findings at or above the threshold")

// UsageError marks an error as the user's: bad flags, arguments or input.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, a ...any) error {
	return &UsageError{Err: fmt.Errorf(format, a...)}
}

// Usage wraps err as a UsageError (nil stays nil).
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return &UsageError{Err: err}
}

// SilentError is an error whose message was already printed; Main only sets
// the exit code.
type SilentError struct{ Code int }

func (e *SilentError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }
