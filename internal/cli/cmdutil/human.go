package cmdutil

import (
	"fmt"
	"os/user"
	"time"
)

// NonInteractiveEnv lets scripts widen permissions (grant, approve, approve
// pins) without a terminal.
const NonInteractiveEnv = "MOAT_ALLOW_NONINTERACTIVE_GRANTS"

// RequireHuman refuses to widen permissions when stdin is not a terminal:
// an agent with a shell tool could otherwise approve its own calls. It is a
// speed bump, not a boundary (a pty can be faked); the built-in policy rule
// moat-self-approval also denies agent shell commands that run them. what
// names the command; why says what an agent must not do.
func RequireHuman(f *Factory, what, why string) error {
	if f.IO.IsStdinTTY() || f.IO.Getenv(NonInteractiveEnv) == "1" {
		return nil
	}
	return Usagef("%s must be run from an interactive terminal, so that an AI agent cannot %s; for scripts set %s=1", what, why, NonInteractiveEnv)
}

// Actor names the human at the keyboard for the audit log.
func Actor(f *Factory) string {
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

// HumanDuration formats a duration coarsely: 45s, 12m, 3h20m, 2d4h.
func HumanDuration(d time.Duration) string {
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

// IsFormatRune reports invisible format characters a terminal would hide or
// act on: soft hyphen, zero-width and bidi controls, word joiners, BOM,
// interlinear annotations and the Unicode Tag block.
func IsFormatRune(r rune) bool {
	switch {
	case r == 0xad, r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2060 && r <= 0x206f,
		r == 0xfeff, r >= 0xfff9 && r <= 0xfffb, r >= 0xe0000 && r <= 0xe007f:
		return true
	}
	return false
}
