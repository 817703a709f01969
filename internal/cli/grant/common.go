// Package grant implements `moat grant` (create a narrow, expiring
// permission) and `moat grants` (list and revoke them).
package grant

import (
	"fmt"
	"strings"
	"time"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
)

// expiry describes when a grant ends, relative to now.
func expiry(exp, now time.Time) string {
	switch {
	case exp.IsZero():
		return "never (permanent)"
	case now.Before(exp):
		return fmt.Sprintf("%s (in %s)", exp.UTC().Format(time.RFC3339), cmdutil.HumanDuration(exp.Sub(now)))
	}
	return fmt.Sprintf("%s (%s ago)", exp.UTC().Format(time.RFC3339), cmdutil.HumanDuration(now.Sub(exp)))
}

// printable makes untrusted text safe for a terminal: control and format
// characters (ANSI escapes, bidi overrides, zero-width) are shown escaped.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || cmdutil.IsFormatRune(r) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
