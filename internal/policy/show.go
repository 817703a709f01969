package policy

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/moat-dev/moat/internal/normalize"
	"github.com/moat-dev/moat/internal/secrets"
)

// MaxShownArgs caps the arguments shown to a human in an ask or a reason.
const MaxShownArgs = 4000

// ShowArgs pretty-prints a call's arguments for a human deciding on it (hook
// reasons, elicitation prompts): indented, secrets redacted, hidden
// characters revealed, capped at MaxShownArgs bytes.
func ShowArgs(raw json.RawMessage) string {
	var buf bytes.Buffer
	if json.Indent(&buf, raw, "", "  ") != nil {
		buf.Reset()
		buf.Write(raw)
	}
	s, _ := secrets.Redact(buf.String())
	s = normalize.Reveal(s)
	if len(s) > MaxShownArgs {
		cut := MaxShownArgs
		for cut > 0 && s[cut]&0xC0 == 0x80 { // stay on a rune boundary
			cut--
		}
		s = s[:cut] + fmt.Sprintf("… (%d bytes in all)", len(raw))
	}
	return s
}
