// Package inventory holds the data moat discovers about MCP servers: each
// configured server (ServerSpec) with where it was configured, and the
// client settings that decide what those servers may do (Setting). It is
// pure data: no I/O. A static scan reads it; a live scan will later start or
// connect to the servers it describes.
package inventory

import (
	"sort"
	"strings"
)

// Transport is how a client talks to a server, normalised from the many
// spellings clients accept.
type Transport string

// Transports.
const (
	Stdio     Transport = "stdio"
	HTTP      Transport = "http" // streamable HTTP
	SSE       Transport = "sse"
	WebSocket Transport = "ws"
)

// Scope is where a server or setting applies.
type Scope string

// Scopes, narrowest last.
const (
	ScopeManaged Scope = "managed" // enterprise / system policy file
	ScopeSystem  Scope = "system"  // machine-wide
	ScopeUser    Scope = "user"    // every project of this user
	ScopePlugin  Scope = "plugin"  // shipped by a plugin or extension
	ScopeProject Scope = "project" // one project, usually committed
	ScopeLocal   Scope = "local"   // one project, private to the user
)

// Source says where a server or setting was configured.
type Source struct {
	// Client is the AI client's id ("claude-code", "cursor", …).
	Client string `json:"client"`
	Scope  Scope  `json:"scope"`
	// File is the configuration file; Line the 1-based line of the entry (0
	// when unknown).
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
	// Project is the project directory the entry applies to (project and
	// local scopes).
	Project string `json:"project,omitempty"`
}

// ServerSpec is one configured MCP server: everything needed to start it or
// connect to it, and where it came from.
type ServerSpec struct {
	Name      string    `json:"name"`
	Transport Transport `json:"transport"`
	// Command and Args start a stdio server. Args may be empty when a client
	// puts the whole command line in Command; Argv splits it.
	Command string            `json:"command,omitempty"`
	Args    []string          `json:"args,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	Cwd     string            `json:"cwd,omitempty"`
	// URL and Headers reach a remote server.
	URL     string            `json:"url,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	// Disabled is set when the client keeps the entry but does not start it.
	Disabled bool `json:"disabled,omitempty"`
	// Trust is Gemini CLI's per-server "trust": every tool call runs
	// without confirmation.
	Trust bool `json:"trust,omitempty"`
	// EnvRefs names variables the entry takes from the environment without
	// writing their value (Codex env_vars, bearer_token_env_var).
	EnvRefs []string `json:"env_refs,omitempty"`
	Source  Source   `json:"source"`
}

// Remote reports whether the server is reached over the network.
func (s *ServerSpec) Remote() bool { return s.URL != "" && s.Transport != Stdio }

// Argv returns the command line as a list: Command then Args. When Args is
// empty and Command holds a whole command line ("npx -y pkg"), it is split
// the way a POSIX shell splits words (quotes honoured, nothing expanded),
// unless it holds a backslash, as Windows paths do.
func (s *ServerSpec) Argv() []string {
	if s.Command == "" {
		return nil
	}
	// A backslash means a Windows path ("C:\Program Files\x.exe"), which
	// must stay whole.
	if len(s.Args) == 0 && strings.ContainsAny(s.Command, " \t") && !strings.Contains(s.Command, `\`) {
		if w := SplitWords(s.Command); len(w) > 0 {
			return w
		}
	}
	return append([]string{s.Command}, s.Args...)
}

// Key identifies the server's target independent of the client that
// configured it and the name it was given: the command line or the URL.
func (s *ServerSpec) Key() string {
	if s.URL != "" && s.Command == "" {
		return "url " + strings.TrimRight(s.URL, "/")
	}
	return "cmd " + strings.Join(s.Argv(), "\x00")
}

// SplitWords splits a command line into words: whitespace separates words,
// single and double quotes group, a backslash escapes the next character
// outside single quotes. Nothing is expanded.
func SplitWords(s string) []string {
	var (
		words []string
		cur   strings.Builder
		in    bool
		quote rune
		esc   bool
	)
	for _, r := range s {
		switch {
		case esc:
			cur.WriteRune(r)
			esc = false
		case r == '\\' && quote != '\'':
			esc, in = true, true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// Setting is one client setting that changes what servers may do without
// asking: a permission rule, an approval mode, an auto-approval switch.
type Setting struct {
	// Key is the setting's path in the file ("permissions.allow",
	// "enableAllProjectMcpServers", "approval_policy").
	Key string `json:"key"`
	// Values holds the setting's value(s) as text; lists have one element
	// per entry.
	Values []string `json:"values"`
	// Server is set when the setting belongs to one server entry.
	Server string `json:"server,omitempty"`
	Source Source `json:"source"`
}

// SortServers orders servers by client, file, line and name.
func SortServers(ss []ServerSpec) {
	sort.SliceStable(ss, func(i, j int) bool {
		a, b := ss[i].Source, ss[j].Source
		if a.Client != b.Client {
			return a.Client < b.Client
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return ss[i].Name < ss[j].Name
	})
}
