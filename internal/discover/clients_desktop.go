package discover

import (
	"github.com/moat-dev/moat/internal/inventory"
)

// claudeDesktop is the Claude desktop app (macOS, Windows; the Linux path is
// the one community builds use).
type claudeDesktop struct{}

func (claudeDesktop) ID() string   { return "claude-desktop" }
func (claudeDesktop) Name() string { return "Claude Desktop" }

func (l claudeDesktop) Paths(env Env) []Candidate {
	if env.Home == "" && env.OS != "windows" {
		return nil
	}
	return cand(nil, env.appConfig("Claude", "claude_desktop_config.json"), l.ID(), inventory.ScopeUser, "", "")
}

func (claudeDesktop) Parse(c Candidate, data []byte) Result {
	return mcpServersFile(c, data, "mcpServers")
}

// entryLists records per-server approval lists ("autoApprove",
// "alwaysAllow") as settings of that server.
func entryLists(r *Result, c Candidate, m *node, keys ...string) {
	if m == nil || m.kind != kObj {
		return
	}
	for i, name := range m.keys {
		v := m.vals[i]
		for _, k := range keys {
			if l := v.get(k); l != nil {
				if vals := stringsOf(l); len(vals) > 0 || l.kind == kBool {
					if l.kind == kBool {
						vals = []string{l.text}
					}
					r.setting(c, v.keyLine(k), k, name, vals...)
				}
			}
		}
	}
}

// serversWithLists parses a {rootKey: {name: entry}} file and the named
// per-server approval lists.
func serversWithLists(c Candidate, data []byte, rootKey string, lists ...string) Result {
	r := mcpServersFile(c, data, rootKey)
	if len(r.Servers) == 0 {
		return r
	}
	var tmp Result
	root := parseDoc(&tmp, c, data, formatOf(c.Path))
	entryLists(&r, c, root.get(rootKey), lists...)
	return r
}

// cursor is the Cursor editor: ~/.cursor/mcp.json and .cursor/mcp.json, and
// permissions.json auto-run allow-lists.
type cursor struct{}

func (cursor) ID() string   { return "cursor" }
func (cursor) Name() string { return "Cursor" }

func (l cursor) Paths(env Env) []Candidate {
	id := l.ID()
	var out []Candidate
	out = cand(out, env.home(".cursor", "mcp.json"), id, inventory.ScopeUser, "", "mcp")
	out = cand(out, env.home(".cursor", "permissions.json"), id, inventory.ScopeUser, "", "permissions")
	if p := env.Project; p != "" {
		out = cand(out, env.project(".cursor", "mcp.json"), id, inventory.ScopeProject, p, "mcp")
		out = cand(out, env.project(".cursor", "permissions.json"), id, inventory.ScopeProject, p, "permissions")
	}
	return out
}

func (cursor) Parse(c Candidate, data []byte) Result {
	if c.Kind != "permissions" {
		return mcpServersFile(c, data, "mcpServers")
	}
	var r Result
	root := parseDoc(&r, c, data, fmtJSON)
	if l := root.get("mcpAllowlist"); l != nil {
		for _, it := range l.items {
			if v, ok := it.str(); ok {
				r.setting(c, it.line, "mcpAllowlist", "", v)
			}
		}
	}
	return r
}

// windsurf is Codeium's Windsurf editor (Cascade).
var windsurf = func() simpleLocator {
	return simpleLocator{id: "windsurf", name: "Windsurf", rootKey: "mcpServers",
		paths: func(env Env, id string) []Candidate {
			return cand(nil, env.home(".codeium", "windsurf", "mcp_config.json"), id, inventory.ScopeUser, "", "")
		}}
}

// copilotCLI is GitHub Copilot CLI (~/.copilot/mcp-config.json).
var copilotCLI = func() simpleLocator {
	return simpleLocator{id: "copilot-cli", name: "GitHub Copilot CLI", rootKey: "mcpServers",
		paths: func(env Env, id string) []Candidate {
			dir := env.home(".copilot")
			if d := env.envPath("COPILOT_HOME"); d != "" {
				dir = d
			}
			if dir == "" {
				return nil
			}
			return cand(nil, dir+"/mcp-config.json", id, inventory.ScopeUser, "", "")
		}}
}

// amazonQ is Amazon Q Developer (CLI and IDE plugins).
var amazonQ = func() simpleLocator {
	return simpleLocator{id: "amazon-q", name: "Amazon Q Developer", rootKey: "mcpServers",
		paths: func(env Env, id string) []Candidate {
			var out []Candidate
			out = cand(out, env.home(".aws", "amazonq", "mcp.json"), id, inventory.ScopeUser, "", "")
			if env.Home != "" {
				out = append(out, Candidate{Path: env.home(".aws", "amazonq", "agents"), Client: id, Scope: inventory.ScopeUser, Walk: "*.json", Depth: 1})
			}
			if p := env.Project; p != "" {
				out = cand(out, env.project(".amazonq", "mcp.json"), id, inventory.ScopeProject, p, "")
			}
			return out
		}}
}
