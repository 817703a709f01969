// Package approve implements the human side of "ask" decisions:
// `moat approvals` lists calls waiting for a decision with their full
// arguments, `moat approve` answers one with a narrow grant and `moat deny`
// refuses it.
package approve

import (
	"errors"
	"fmt"
	"os/user"
	"strings"
	"time"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/state"
)

type env struct {
	db  *state.DB
	log *audit.JSONL
	now time.Time
}

func open(f *cmdutil.Factory) (*env, error) {
	db, err := state.OpenDir(f.State(), state.Options{})
	if err != nil {
		return nil, err
	}
	log, err := audit.OpenDefault(f.State(), f.Now)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &env{db: db, log: log, now: f.Now()}, nil
}

func (e *env) close() {
	e.log.Close()
	e.db.Close()
}

func actor(f *cmdutil.Factory) string {
	for _, k := range []string{"USER", "LOGNAME"} {
		if u := f.IO.Getenv(k); u != "" {
			return "user:" + u
		}
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "user:" + u.Username
	}
	return "user"
}

// NonInteractiveEnv lets scripts widen permissions without a terminal.
const NonInteractiveEnv = "MOAT_ALLOW_NONINTERACTIVE_GRANTS"

// requireHuman refuses to widen permissions when stdin is not a terminal:
// an agent with a shell tool could otherwise approve its own calls. It is a
// speed bump, not a boundary (a pty can be faked); moat hook also denies
// agent shell commands that run moat approve or moat grant.
func requireHuman(f *cmdutil.Factory, what string) error {
	if f.IO.IsStdinTTY() || f.IO.Getenv(NonInteractiveEnv) == "1" {
		return nil
	}
	return cmdutil.Usagef("%s must be run from an interactive terminal, so that an AI agent cannot grant itself permissions; for scripts set %s=1", what, NonInteractiveEnv)
}

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

func human(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		if m := int(d.Minutes()) % 60; m != 0 {
			return fmt.Sprintf("%dh%dm", int(d.Hours()), m)
		}
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours())/24)
}

// printable makes untrusted text safe for a terminal: control and format
// characters (ANSI escapes, bidi overrides, zero-width) are shown escaped as
// \uXXXX, which is also valid inside JSON strings.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) || isFormat(r) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// oneLine is printable without newlines.
func oneLine(s string) string { return strings.ReplaceAll(printable(s), "\n", `\n`) }

func isFormat(r rune) bool {
	switch {
	case r == 0xad, r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2060 && r <= 0x206f,
		r == 0xfeff, r >= 0xfff9 && r <= 0xfffb, r >= 0xe0000 && r <= 0xe007f:
		return true
	}
	return false
}

func isExpired(err error) bool { return errors.Is(err, state.ErrExpired) }
