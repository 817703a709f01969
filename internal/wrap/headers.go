package wrap

import (
	"fmt"
	"strconv"
	"strings"
)

// Credential headers of a remote server never go on moat run's command
// line (other local users can read command lines). Their values move into
// the wrapped entry's environment, under deterministic names, and moat run
// reads them with --header-env NAME=VAR. A value that references a
// variable or a client input (`${env:TOKEN}`, `Bearer ${TOKEN}`,
// `{env:TOKEN}`, `${{ secrets.TOKEN }}`) is moved verbatim — the reference,
// never the secret — so the client resolves it when it starts moat, exactly
// as it resolved it in the header. That is only done for clients known to
// expand references in an entry's environment the same way as in its
// headers; for other clients such a server is left alone.

// HeaderEnvPrefix starts the name of each environment variable that carries
// a header value to moat run.
const HeaderEnvPrefix = "MOAT_HDR_"

// clientEnv is what a client offers a local (stdio) server's environment.
type clientEnv struct {
	// member is the entry member holding the environment ("env", opencode's
	// "environment"); "" when moat does not know the client passes one.
	member string
	// sameRefs is set when the client treats variable and input
	// references in environment values exactly as in header values: it
	// resolves them in both (most clients) or in neither (Codex).
	sameRefs bool
}

// clientEnvs lists, per discover client id, how wrapped entries carry an
// environment. Clients not listed (or a file of an unknown client) get no
// credential headers wrapped.
var clientEnvs = map[string]clientEnv{
	"claude-code":     {"env", true},         // ${VAR} in command, args, env, url, headers
	"cursor":          {"env", true},         // ${env:VAR} in command, args, env, url, headers
	"vscode":          {"env", true},         // ${env:…}, ${input:…} in every string
	"vscode-insiders": {"env", true},         //
	"windsurf":        {"env", true},         // ${env:VAR} in command, args, env, serverUrl, headers
	"gemini-cli":      {"env", true},         // $VAR / ${VAR} resolved across settings.json
	"qwen-code":       {"env", true},         // Gemini CLI's settings loader
	"opencode":        {"environment", true}, // {env:…} / {file:…} substituted in the whole file
	"continue":        {"env", true},         // ${{ secrets.… }} rendered over the whole file
	"claude-desktop":  {"env", false},
	"cline":           {"env", false},
	"roo-code":        {"env", false},
	"kiro":            {"env", false},
	"amazon-q":        {"env", false},
	"copilot-cli":     {"env", false},
	"lm-studio":       {"env", false},
	"amp":             {"env", false},
	"crush":           {"env", false},
	"factory-droid":   {"env", false},
	"junie":           {"env", false},
	"zed":             {"env", false},
	"codex":           {"env", true}, // [mcp_servers.N] env: literal, as http_headers are
}

// header is one name/value pair of a remote entry.
type header struct{ name, value string }

// headerPlan is how a remote entry's headers reach moat run.
type headerPlan struct {
	args []string // --header / --header-env arguments
	// envOf maps a header's index to the variable that carries its value
	// (absent: the header is a plain --header argument).
	envOf map[int]string
	// vars lists the variables in order.
	vars []string
	// secrets are literal credential values moved into the environment.
	secrets []string
}

// planHeaders sorts headers into plain --header arguments and credentials
// carried in the environment. It returns why the entry cannot be wrapped,
// or "".
func planHeaders(hs []header, ce clientEnv, client string) (headerPlan, string) {
	p := headerPlan{envOf: map[int]string{}}
	used := map[string]bool{}
	for i, h := range hs {
		if !validHeaderName(h.name) || strings.ContainsAny(h.value, "\r\n\x00") {
			return p, fmt.Sprintf("header %q is not a valid HTTP header name and value", h.name)
		}
		problem := headerProblem(h.name, h.value)
		if problem == "" {
			p.args = append(p.args, "--header", h.name+"="+h.value)
			continue
		}
		if strings.TrimSpace(h.value) == "" {
			return p, fmt.Sprintf("header %q is empty, and moat run never sends an empty credential; remove it or give it a value", h.name)
		}
		if ce.member == "" {
			return p, fmt.Sprintf("%s, and moat does not know whether %s gives a local server environment variables, which is how moat keeps credentials off the command line; add `moat run --name NAME --url URL --header-env %s=VAR` by hand with VAR set in the server's environment", problem, clientLabel(client), h.name)
		}
		if refersToEnv(h.value) && !ce.sameRefs {
			return p, fmt.Sprintf("%s, and moat does not know that %s expands references in a server's environment the way it does in headers; set the value in the server's environment yourself and use `moat run --header-env %s=VAR`", problem, clientLabel(client), h.name)
		}
		v := uniqueVar(envVarName(h.name), used)
		p.envOf[i] = v
		p.vars = append(p.vars, v)
		p.args = append(p.args, "--header-env", h.name+"="+v)
		if !refersToEnv(h.value) || looksSecret(h.value) { // a reference alone is no secret
			p.secrets = append(p.secrets, h.value)
		}
	}
	return p, ""
}

func clientLabel(client string) string {
	if client == "" || client == "unknown" {
		return "the client reading this file (moat cannot tell which it is)"
	}
	return client
}

// envVarName turns a header name into MOAT_HDR_<NAME>: upper case, every
// other character than A-Z and 0-9 becomes '_'.
func envVarName(h string) string {
	var b strings.Builder
	b.WriteString(HeaderEnvPrefix)
	for _, r := range strings.ToUpper(h) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// uniqueVar appends _2, _3 … to a name already used.
func uniqueVar(v string, used map[string]bool) string {
	out := v
	for n := 2; used[out]; n++ {
		out = v + "_" + strconv.Itoa(n)
	}
	used[out] = true
	return out
}

// validHeaderName reports an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validVarName reports a portable environment variable name.
func validVarName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// leaks reports whether any secret appears in argv.
func leaks(argv, secrets []string) bool {
	for _, a := range argv {
		for _, s := range secrets {
			if s != "" && strings.Contains(a, s) {
				return true
			}
		}
	}
	return false
}

// Redact replaces every secret in text with "[REDACTED]": each one as a
// whole quoted string (JSON, TOML, YAML), as the plain value ending a
// "key: value" line (YAML), and — when 8 bytes or longer — wherever it
// appears. Use it on diffs before printing them.
func Redact(text string, secrets []string) string {
	const r = "[REDACTED]"
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if len(s) >= 8 {
			text = strings.ReplaceAll(text, s, r)
		}
		for _, q := range []string{string(quote(s)), tomlQuote(s), "'" + strings.ReplaceAll(s, "'", "''") + "'"} {
			text = strings.ReplaceAll(text, q, `"`+r+`"`)
		}
		if inner := string(quote(s)); len(s) >= 8 {
			text = strings.ReplaceAll(text, inner[1:len(inner)-1], r)
		}
		lines := strings.SplitAfter(text, "\n")
		for i, l := range lines {
			body := strings.TrimRight(l, "\r\n")
			if strings.HasSuffix(body, ": "+s) {
				lines[i] = body[:len(body)-len(s)] + r + l[len(body):]
			}
		}
		text = strings.Join(lines, "")
	}
	return text
}
