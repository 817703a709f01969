// Package wrap rewrites MCP client configurations so that every server runs
// through `moat run`, and restores them exactly. It is a pure transform:
// configuration bytes in, configuration bytes out, for JSON/JSONC (every
// JSON client: mcpServers, servers, mcp, context_servers, …), Codex TOML
// and Continue YAML. Each wrapped entry is spliced into the file in place,
// so every other byte — comments, formatting, other settings — is
// untouched; the entry's original text and its wrapped text are returned
// as a Record, which the caller keeps in a sidecar file so that Unwrap can
// put the original bytes back, and refuse an entry the user has edited
// since. Credential headers of remote servers move into the wrapped
// entry's environment, never onto moat run's command line.
package wrap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
)

// Format is a configuration file's syntax.
type Format string

// Formats.
const (
	JSON Format = "json" // JSON with comments and trailing commas (JSONC)
	TOML Format = "toml" // Codex config.toml
	YAML Format = "yaml" // Continue config.yaml and .continue/mcpServers/*.yaml
)

// MaxSize is the largest configuration file Wrap and Unwrap accept.
const MaxSize = 32 << 20

// Options configure Wrap.
type Options struct {
	// Moat is the moat executable written as each server's command.
	Moat string
	// Only, when set, wraps only the server with this name.
	Only string
	// Client is the discover id of the client that reads the file
	// ("claude-code", "codex" …; "" or "unknown" when not known). It
	// decides whether credential headers can move into the environment.
	Client string
}

// Record is what Wrap replaced in one entry: where it is, its original text
// and the text moat wrote in its place.
type Record struct {
	Server string `json:"server"`
	// Path locates the entry: JSON object member names from the root
	// (["mcpServers","files"]), or the TOML table's key path
	// (["mcp_servers","files"]).
	Path     []string `json:"path"`
	Original string   `json:"original"`
	Wrapped  string   `json:"wrapped"`
	// Env lists the environment variables moat added to the entry to carry
	// header values to moat run (--header-env), for the reader's benefit;
	// Unwrap restores Original whatever it says.
	Env []string `json:"env,omitempty"`
}

// Skip is a server Wrap left alone, and why.
type Skip struct {
	Server string
	// Already is set when the server already runs through moat (not a
	// problem, nothing to say).
	Already bool
	Reason  string
}

// Result is the outcome of Wrap on one file.
type Result struct {
	// Data is the new file content (equal to the input when nothing changed).
	Data    []byte
	Records []Record
	Skipped []Skip
	// Notes are things the user should know about a wrapped server.
	Notes []string
	// Secrets are the literal header values moved into environments:
	// pass them to Redact before showing a diff.
	Secrets []string
}

// Refusal is a recorded entry Unwrap did not restore, and why.
type Refusal struct {
	Record Record
	Reason string
}

// FormatOf picks the format from a file name.
func FormatOf(name string) (Format, error) {
	switch strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/"))) {
	case ".toml":
		return TOML, nil
	case ".yaml", ".yml":
		return YAML, nil
	}
	return JSON, nil
}

// Wrap rewrites every server of the file so it runs through moat run.
func Wrap(f Format, data []byte, o Options) (Result, error) {
	if o.Moat == "" {
		return Result{}, fmt.Errorf("no moat executable given")
	}
	if len(data) > MaxSize {
		return Result{}, fmt.Errorf("file is larger than %d MiB", MaxSize>>20)
	}
	switch f {
	case JSON:
		return wrapJSON(data, o)
	case TOML:
		return wrapTOML(data, o)
	case YAML:
		return wrapYAML(data, o)
	}
	return Result{}, fmt.Errorf("unknown format %q", f)
}

// Unwrap puts back the original text of every recorded entry whose current
// text is exactly what Wrap wrote. The others are refused: the user edited
// them since, or they are gone. only, when set, restricts it to one server.
func Unwrap(f Format, data []byte, recs []Record, only string) ([]byte, []Record, []Refusal, error) {
	if len(data) > MaxSize {
		return nil, nil, nil, fmt.Errorf("file is larger than %d MiB", MaxSize>>20)
	}
	var locate func([]string) (int, int, error)
	switch f {
	case JSON:
		l, err := newJSONLocator(data)
		if err != nil {
			return nil, nil, nil, err
		}
		locate = l
	case TOML:
		locate = func(p []string) (int, int, error) { return tomlSection(data, p) }
	case YAML:
		d, err := parseYAMLDoc(data)
		if err != nil {
			return nil, nil, nil, err
		}
		locate = d.locate
	default:
		return nil, nil, nil, fmt.Errorf("unknown format %q", f)
	}
	var (
		edits    []splice
		restored []Record
		refused  []Refusal
	)
	for _, r := range recs {
		if only != "" && r.Server != only {
			continue
		}
		start, end, err := locate(r.Path)
		switch {
		case err != nil:
			refused = append(refused, Refusal{r, err.Error()})
		case string(data[start:end]) != r.Wrapped:
			refused = append(refused, Refusal{r, "the entry was changed after moat wrapped it; restore it by hand (the original is in the sidecar file and the backup)"})
		default:
			edits = append(edits, splice{start, end, []byte(r.Original)})
			restored = append(restored, r)
		}
	}
	out, err := apply(data, edits)
	return out, restored, refused, err
}

// splice replaces data[start:end] with text.
type splice struct {
	start, end int
	text       []byte
}

// apply performs non-overlapping splices.
func apply(data []byte, edits []splice) ([]byte, error) {
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var b bytes.Buffer
	b.Grow(len(data))
	at := 0
	for _, e := range edits {
		if e.start < at || e.end < e.start || e.end > len(data) {
			return nil, fmt.Errorf("internal error: overlapping edits")
		}
		b.Write(data[at:e.start])
		b.Write(e.text)
		at = e.end
	}
	b.Write(data[at:])
	return b.Bytes(), nil
}

// IsMoat reports whether argv already runs through moat run.
func IsMoat(argv []string) bool {
	if len(argv) < 2 || argv[1] != "run" {
		return false
	}
	base := strings.ToLower(path.Base(strings.ReplaceAll(argv[0], `\`, "/")))
	return base == "moat" || base == "moat.exe"
}

// stdioArgs is moat's argument list for a local server.
func stdioArgs(name string, argv []string) []string {
	return append([]string{"run", "--name", name, "--"}, argv...)
}

// remoteArgs is moat's argument list for a remote server; hdrArgs are the
// --header and --header-env arguments.
func remoteArgs(name, url string, hdrArgs []string) []string {
	return append([]string{"run", "--name", name, "--url", url}, hdrArgs...)
}

// quote returns s as a JSON string literal without HTML escaping.
func quote(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimRight(b.Bytes(), "\n")
}

// headerProblem says why a header cannot go on moat run's command line, or
// "" when it can: values that reference the environment or a client input,
// credentials by name, and values that look like secrets stay out of
// command lines (other local users can read them).
func headerProblem(name, value string) string {
	if refersToEnv(value) {
		return fmt.Sprintf("header %q takes its value from the environment or a client input", name)
	}
	n := strings.ToLower(name)
	for _, w := range []string{"auth", "token", "key", "secret", "cookie", "session", "password", "credential", "signature"} {
		if strings.Contains(n, w) {
			return fmt.Sprintf("header %q carries a credential", name)
		}
	}
	if looksSecret(value) {
		return fmt.Sprintf("header %q looks like it carries a credential", name)
	}
	return ""
}

// refersToEnv reports ${VAR}, ${env:VAR}, ${input:x}, {env:VAR}, $VAR and
// Continue's {{VAR}} / ${{ secrets.X }} templates.
func refersToEnv(v string) bool {
	if strings.Contains(v, "${") || strings.Contains(v, "{env:") || strings.Contains(v, "{file:") || strings.Contains(v, "{{") {
		return true
	}
	for i := 0; i+1 < len(v); i++ {
		c := v[i+1]
		if v[i] == '$' && (c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return true
		}
	}
	return false
}

// looksSecret is a cheap test for a long random-looking token.
func looksSecret(v string) bool {
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == ';' }) {
		if len(f) < 20 {
			continue
		}
		var lower, upper, digit bool
		for _, r := range f {
			switch {
			case r >= 'a' && r <= 'z':
				lower = true
			case r >= 'A' && r <= 'Z':
				upper = true
			case r >= '0' && r <= '9':
				digit = true
			}
		}
		if digit && (lower || upper) {
			return true
		}
	}
	return false
}

const remoteNote = "%s: a remote server that signs in with OAuth through the client will not be able to sign in through moat run yet; run `moat unwrap --only %s` if it stops working"
