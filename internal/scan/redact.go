package scan

import (
	"strings"

	"github.com/moat-dev/moat/internal/inventory"
	"github.com/moat-dev/moat/internal/secrets"
)

// RedactServer returns a copy of s safe to print: every value the secret
// checks would report is replaced by a redacted form.
func RedactServer(s inventory.ServerSpec) inventory.ServerSpec {
	out := s
	out.Env = redactMap(s.Env)
	out.Headers = redactMap(s.Headers)
	if s.Args != nil {
		out.Args = make([]string, len(s.Args))
		for i, a := range s.Args {
			name := ""
			val := a
			if flag, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(flag, "-") {
				name, val = flag, v
			} else if i > 0 && strings.HasPrefix(s.Args[i-1], "-") {
				name = s.Args[i-1]
			}
			r := RedactValue(name, val)
			if r != val {
				if name != "" && strings.HasPrefix(a, name+"=") {
					r = name + "=" + r
				}
				out.Args[i] = r
			} else {
				out.Args[i] = a
			}
		}
	}
	out.Command = RedactValue("", s.Command)
	if s.URL != "" {
		out.URL = SafeURL(s.URL)
	}
	return out
}

// RedactValue returns v, or a redacted form when it is (or contains) a
// secret.
func RedactValue(name, v string) string {
	if v == "" {
		return v
	}
	if red, ms := secrets.Redact(v); len(ms) > 0 {
		return red
	}
	if isRef(v) {
		return v
	}
	if name != "" && sensitive(name) && plausibleSecret(v) {
		return Redact(v)
	}
	return v
}

func redactMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = RedactValue(k, v)
	}
	return out
}
