// Package approve implements the human side of "ask" decisions:
// `moat approvals` lists calls waiting for a decision with their full
// arguments, `moat approve` answers one with a narrow grant and `moat deny`
// refuses it.
package approve

import (
	"errors"
	"fmt"
	"strings"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/state"
)

// parseID turns a bad id into a usage error.
func parseID(s string) (string, error) {
	id, err := state.ParseApprovalID(s)
	if err != nil {
		return "", cmdutil.Usage(err)
	}
	return id, nil
}

// decisionError maps the state errors of Approve and Deny to messages that
// say what to do; all are the user's input problem (exit 2).
func decisionError(id string, err error) error {
	switch {
	case errors.Is(err, state.ErrNotFound):
		return cmdutil.Usagef("no approval %s: see 'moat approvals' for the pending ones", id)
	case errors.Is(err, state.ErrExpired):
		return cmdutil.Usagef("approval %s has expired; the agent must make the call again to ask again", id)
	case errors.Is(err, state.ErrNotPending):
		return cmdutil.Usage(err)
	case errors.Is(err, state.ErrNoSession):
		return cmdutil.Usagef("approval %s came without a session id, so --session cannot bind to one; use --once or --for", id)
	case errors.Is(err, state.ErrTooLong), errors.Is(err, state.ErrInvalidInput):
		return cmdutil.Usage(err)
	}
	return err
}

// printable makes untrusted text safe for a terminal: control and format
// characters (ANSI escapes, bidi overrides, zero-width) are shown escaped as
// \uXXXX, which is also valid inside JSON strings.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) || cmdutil.IsFormatRune(r) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// oneLine is printable without newlines.
func oneLine(s string) string { return strings.ReplaceAll(printable(s), "\n", `\n`) }

func isExpired(err error) bool { return errors.Is(err, state.ErrExpired) }
