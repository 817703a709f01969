package policy

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/moat-dev/moat/internal/secrets"
)

// maxShown bounds a value quoted in a reason.
const maxShown = 160

// showValue quotes a value for a reason: secrets redacted, hidden and
// control characters made visible, long values truncated.
func showValue(s string) string {
	if len(s) > 4*maxShown {
		s = s[:4*maxShown]
	}
	s, _ = secrets.Redact(s)
	var b strings.Builder
	n := 0
	for i, r := range s {
		if n >= maxShown {
			b.WriteString("…(" + strconv.Itoa(len(s)-i) + " more bytes)")
			break
		}
		n++
		switch {
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || !unicode.IsGraphic(r) || unicode.Is(unicode.Cf, r) || r >= 0xE0000 && r <= 0xE007F:
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return `"` + b.String() + `"`
}
