package discover

import (
	"path"
	"strings"
)

// Document formats.
const (
	fmtJSON = "json" // JSON with comments and trailing commas
	fmtYAML = "yaml"
	fmtTOML = "toml"
)

// parseDoc parses data in the given format; on failure it records a
// warning (with the line when the parser gives one) and returns nil.
func parseDoc(r *Result, c Candidate, data []byte, format string) *node {
	var (
		n   *node
		err error
	)
	switch format {
	case fmtYAML:
		n, err = parseYAML(data)
	case fmtTOML:
		n, err = parseTOML(data)
	default:
		n, err = parseJSON(data)
	}
	if err != nil {
		r.warn(c, 0, "file skipped: %v", err)
		return nil
	}
	if n.dup != "" {
		r.warn(c, n.keyLine(n.dup), "key %q appears twice at the top level; moat reads the first", n.dup)
	}
	return n
}

// formatOf guesses a file's format from its name.
func formatOf(p string) string {
	switch strings.ToLower(path.Ext(p)) {
	case ".yaml", ".yml":
		return fmtYAML
	case ".toml":
		return fmtTOML
	}
	return fmtJSON
}

// mcpServersFile parses the common {"mcpServers": {name: entry}} shape
// under root key key. A file without the key, or whose value does not look
// like a server map, is not an MCP config and is ignored.
func mcpServersFile(c Candidate, data []byte, key string) Result {
	var r Result
	root := parseDoc(&r, c, data, formatOf(c.Path))
	if root == nil {
		return r
	}
	m := root.get(key)
	if m == nil || !looksLikeServerMap(m) {
		return r
	}
	addServerMap(&r, c, m, "")
	return r
}

// stringsOf returns a scalar as one value or a list's scalars.
func stringsOf(n *node) []string {
	if n == nil {
		return nil
	}
	if v, ok := n.str(); ok {
		return []string{v}
	}
	var out []string
	for _, it := range n.items {
		if v, ok := it.str(); ok {
			out = append(out, v)
		}
	}
	return out
}

// simpleLocator is a client whose files all share one shape: a root key
// mapping names to server entries.
type simpleLocator struct {
	id, name string
	rootKey  string
	paths    func(env Env, id string) []Candidate
}

func (l simpleLocator) ID() string                { return l.id }
func (l simpleLocator) Name() string              { return l.name }
func (l simpleLocator) Paths(env Env) []Candidate { return l.paths(env, l.id) }
func (l simpleLocator) Parse(c Candidate, data []byte) Result {
	return mcpServersFile(c, data, l.rootKey)
}
