package scan

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/inventory"
	"github.com/moat-dev/moat/internal/netaddr"
	"github.com/moat-dev/moat/internal/secrets"
)

// credentialWords are name components that mark a credential; credential
// pairs are two-word forms ("api key", "client secret").
var (
	credentialWords = map[string]bool{
		"token": true, "secret": true, "password": true, "passwd": true, "pwd": true, "apikey": true,
		"credential": true, "credentials": true, "authorization": true, "bearer": true, "cookie": true,
		"pat": true, "accesstoken": true, "authtoken": true, "privatekey": true,
	}
	splitName = regexp.MustCompile(`[^a-z0-9]+`)
)

// sensitive reports whether a variable, header or flag name says it holds a
// credential: API_KEY, X-API-Key, --auth-token, GITHUB_PAT, STRIPE_SECRET_KEY.
// MAX_TOKENS or TOKENIZER do not.
func sensitive(name string) bool {
	parts := splitName.Split(strings.ToLower(name), -1)
	parts = slices.DeleteFunc(parts, func(p string) bool { return p == "" })
	for i, p := range parts {
		if credentialWords[p] {
			return true
		}
		if p == "key" && (i == len(parts)-1 || i > 0) {
			return true
		}
	}
	return false
}

// secrets checks env values, headers, arguments and the URL for secrets
// written into the config file.
func (c *checker) secrets(s *inventory.ServerSpec) {
	for _, k := range sortedKeys(s.Env) {
		c.secretValue(s, "env."+k, k, s.Env[k])
	}
	for _, k := range sortedKeys(s.Headers) {
		c.secretValue(s, "headers."+k, k, s.Headers[k])
	}
	for i, a := range s.Args {
		name := ""
		if flag, val, ok := strings.Cut(a, "="); ok && strings.HasPrefix(flag, "-") {
			name, a = flag, val
		} else if i > 0 && strings.HasPrefix(s.Args[i-1], "-") {
			name = s.Args[i-1]
		}
		c.secretValue(s, fmt.Sprintf("args[%d]", i), name, a)
	}
	if s.URL != "" {
		c.urlSecrets(s)
	}
}

// secretValue reports one value if a secret rule matches it, or if its
// name says it is a credential and it is written out literally.
func (c *checker) secretValue(s *inventory.ServerSpec, field, name, v string) {
	if strings.TrimSpace(v) == "" || isRef(v) && !hasLiteralSecret(v) {
		return
	}
	if ms := secrets.Scan(v); len(ms) > 0 {
		m := ms[0]
		sev := m.Severity
		if sev < finding.High {
			sev = finding.High
		}
		c.add(s, finding.Finding{
			Rule: "secret-in-config", Category: finding.CatSecret, Severity: sev,
			Message:  fmt.Sprintf("%s is written into the config file (%s); anyone who can read the file, its backups or a shared repository has it", m.Description, field),
			Evidence: evidence(name, redactedValue(v, m.Redacted)),
			Fix:      secretFix(s.Source.Client, name),
		}, field)
		return
	}
	if name == "" || !sensitive(name) || !plausibleSecret(v) {
		return
	}
	c.add(s, finding.Finding{
		Rule: "secret-in-config", Category: finding.CatSecret, Severity: finding.High,
		Message:  fmt.Sprintf("%s holds a literal credential in the config file; anyone who can read the file, its backups or a shared repository has it", name),
		Evidence: evidence(name, Redact(v)),
		Fix:      secretFix(s.Source.Client, name),
	}, field)
}

func hasLiteralSecret(v string) bool { return len(secrets.Scan(v)) > 0 }

// plausibleSecret filters values that are clearly not credentials.
func plausibleSecret(v string) bool {
	v = strings.TrimSpace(v)
	if len(v) < 8 || strings.ContainsAny(v, " \t") && !strings.HasPrefix(strings.ToLower(v), "bearer ") && !strings.HasPrefix(strings.ToLower(v), "basic ") {
		return false
	}
	low := strings.ToLower(v)
	if strings.Trim(v, "0123456789.") == "" {
		return false // a number
	}
	switch low {
	case "true", "false", "null", "none", "changeme", "your-token-here", "<token>", "xxx", "redacted":
		return false
	}
	if strings.HasPrefix(v, "/") || strings.HasPrefix(v, "~") || strings.HasPrefix(v, "./") || strings.Contains(low, "://") && !strings.Contains(v, "@") {
		return false
	}
	if strings.Contains(low, "your_") || strings.Contains(low, "your-") || strings.Contains(low, "<") || strings.Trim(low, "x*.-_") == "" {
		return false
	}
	return true
}

func evidence(name, redacted string) string {
	if name == "" {
		return redacted
	}
	return name + "=" + redacted
}

// Redact keeps a short prefix of a secret and its length, never the rest.
func Redact(v string) string {
	keep := 4
	if len(v) < 16 {
		keep = 2
	}
	if p, rest, ok := strings.Cut(v, " "); ok && (strings.EqualFold(p, "bearer") || strings.EqualFold(p, "basic") || strings.EqualFold(p, "token")) {
		return p + " " + Redact(rest)
	}
	r := []rune(v)
	if len(r) <= keep {
		return "[REDACTED]"
	}
	return string(r[:keep]) + "…[REDACTED " + fmt.Sprint(len(r)) + " chars]"
}

// secretFix tells how the client takes a value from outside the file.
func secretFix(client, name string) string {
	if name == "" {
		name = "the value"
	}
	v := envName(name)
	switch client {
	case "vscode", "vscode-insiders":
		return fmt.Sprintf("move %s to an input: \"inputs\": [{\"type\": \"promptString\", \"id\": \"%s\", \"password\": true}] and use \"${input:%s}\", or load it with \"envFile\"; then rotate the exposed secret", name, strings.ToLower(v), strings.ToLower(v))
	case "claude-code", "gemini-cli":
		return fmt.Sprintf("write \"${%s}\" and export %s in your shell or secret manager; then rotate the exposed secret", v, v)
	case "cursor", "windsurf":
		return fmt.Sprintf("write \"${env:%s}\" and set %s in your environment; then rotate the exposed secret", v, v)
	case "codex":
		return fmt.Sprintf("list %s in env_vars = [\"%s\"] (or bearer_token_env_var for remote servers) instead of a literal; then rotate the exposed secret", v, v)
	case "opencode":
		return fmt.Sprintf("write \"{env:%s}\" and set %s in your environment; then rotate the exposed secret", v, v)
	}
	return fmt.Sprintf("take %s from the environment or the client's secret storage instead of the file; then rotate the exposed secret", name)
}

func envName(name string) string {
	n := strings.ToUpper(strings.TrimLeft(name, "-"))
	n = strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, n)
	if n == "AUTHORIZATION" {
		return "API_TOKEN"
	}
	return n
}

// urlSecrets flags credentials in a remote server's URL.
func (c *checker) urlSecrets(s *inventory.ServerSpec) {
	if _, ok := netaddr.ParseURL(s.URL); !ok {
		return
	}
	if i := strings.Index(s.URL, "://"); i >= 0 {
		rest := s.URL[i+3:]
		if at := strings.Index(rest, "@"); at >= 0 && at < strings.IndexAny(rest+"/", "/?#") {
			if _, pass, ok := strings.Cut(rest[:at], ":"); ok && pass != "" && !isRef(pass) {
				c.add(s, finding.Finding{
					Rule: "secret-in-config", Category: finding.CatSecret, Severity: finding.High,
					Message:  "the server URL carries a password; it is stored in the file and sent in logs and referrers",
					Evidence: SafeURL(s.URL),
					Fix:      secretFix(s.Source.Client, "Authorization") + " (send it as an Authorization header, not in the URL)",
				}, "url")
				return
			}
		}
	}
	if q := strings.Index(s.URL, "?"); q >= 0 {
		for _, kv := range strings.Split(s.URL[q+1:], "&") {
			k, v, _ := strings.Cut(kv, "=")
			if sensitive(k) && plausibleSecret(v) && !isRef(v) {
				c.add(s, finding.Finding{
					Rule: "secret-in-config", Category: finding.CatSecret, Severity: finding.High,
					Message:  fmt.Sprintf("the server URL carries a credential in its %q query parameter", k),
					Evidence: k + "=" + Redact(v),
					Fix:      secretFix(s.Source.Client, "Authorization") + " (send it as a header, not in the URL)",
				}, "url")
				return
			}
		}
	}
	if ms := secrets.Scan(s.URL); len(ms) > 0 {
		c.add(s, finding.Finding{
			Rule: "secret-in-config", Category: finding.CatSecret, Severity: finding.High,
			Message:  fmt.Sprintf("the server URL contains %s", ms[0].Description),
			Evidence: ms[0].Redacted,
			Fix:      secretFix(s.Source.Client, "Authorization"),
		}, "url")
	}
}

// SafeURL returns raw with any password in its userinfo and the values of
// credential-like query parameters redacted, for display.
func SafeURL(raw string) string {
	out := raw
	if i := strings.Index(out, "://"); i >= 0 {
		rest := out[i+3:]
		if at := strings.Index(rest, "@"); at >= 0 && at < strings.IndexAny(rest+"/", "/?#") {
			user, _, _ := strings.Cut(rest[:at], ":")
			out = out[:i+3] + user + ":[REDACTED]" + rest[at:]
		}
	}
	if q := strings.Index(out, "?"); q >= 0 {
		parts := strings.Split(out[q+1:], "&")
		for j, kv := range parts {
			if k, v, ok := strings.Cut(kv, "="); ok && sensitive(k) && v != "" && !isRef(v) {
				parts[j] = k + "=[REDACTED]"
			}
		}
		out = out[:q+1] + strings.Join(parts, "&")
	}
	if red, ms := secrets.Redact(out); len(ms) > 0 {
		out = red
	}
	return out
}

// redactedValue shows the whole value with its secrets replaced, so the
// reader sees what kind of value it is; short of that, the match's own
// redaction.
func redactedValue(v, fallback string) string {
	red, ms := secrets.Redact(v)
	if len(ms) == 0 {
		return fallback
	}
	if r := []rune(red); len(r) > 160 {
		red = string(r[:160]) + "…"
	}
	return red
}
