// Package grant implements `moat grant` (create a narrow, expiring
// permission) and `moat grants` (list and revoke them).
package grant

import (
	"fmt"
	"os/user"
	"strings"
	"time"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/state"
)

// env is what a grant command opens.
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

// actor names the human at the keyboard for the audit log.
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

// human formats a duration coarsely: 45s, 12m, 3h20m, 2d4h.
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
		h := int(d.Hours())
		if m := int(d.Minutes()) % 60; m != 0 {
			return fmt.Sprintf("%dh%dm", h, m)
		}
		return fmt.Sprintf("%dh", h)
	}
	days := int(d.Hours()) / 24
	if h := int(d.Hours()) % 24; h != 0 {
		return fmt.Sprintf("%dd%dh", days, h)
	}
	return fmt.Sprintf("%dd", days)
}

// expiry describes when a grant ends, relative to now.
func expiry(exp, now time.Time) string {
	switch {
	case exp.IsZero():
		return "never (permanent)"
	case now.Before(exp):
		return fmt.Sprintf("%s (in %s)", exp.UTC().Format(time.RFC3339), human(exp.Sub(now)))
	}
	return fmt.Sprintf("%s (%s ago)", exp.UTC().Format(time.RFC3339), human(now.Sub(exp)))
}

// printable makes untrusted text safe for a terminal: control and format
// characters (ANSI escapes, bidi overrides, zero-width) are shown escaped.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isFormat(r) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isFormat(r rune) bool {
	switch {
	case r == 0xad, r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2060 && r <= 0x206f,
		r == 0xfeff, r >= 0xfff9 && r <= 0xfffb, r >= 0xe0000 && r <= 0xe007f:
		return true
	}
	return false
}
