package discover

import (
	"path"

	"github.com/moat-dev/moat/internal/inventory"
)

// claudeCode is Anthropic's Claude Code CLI: ~/.claude.json (user servers
// and per-project "local" servers), project .mcp.json, managed-mcp.json,
// plugin .mcp.json files, and settings.json files with permission rules.
type claudeCode struct{}

func (claudeCode) ID() string   { return "claude-code" }
func (claudeCode) Name() string { return "Claude Code" }

// Claude Code file kinds.
const (
	ccState    = "state"    // ~/.claude.json
	ccMCP      = "mcp"      // .mcp.json, managed-mcp.json
	ccPlugin   = "plugin"   // plugin .mcp.json (flat or wrapped)
	ccSettings = "settings" // settings(.local).json, managed-settings.json
)

func (l claudeCode) Paths(env Env) []Candidate {
	id := l.ID()
	var out []Candidate
	if dir := env.envPath("CLAUDE_CONFIG_DIR"); dir != "" {
		out = cand(out, path.Join(dir, ".claude.json"), id, inventory.ScopeUser, "", ccState)
		out = cand(out, path.Join(dir, "settings.json"), id, inventory.ScopeUser, "", ccSettings)
		out = append(out, Candidate{Path: path.Join(dir, "plugins"), Client: id, Scope: inventory.ScopePlugin, Kind: ccPlugin, Walk: ".mcp.json", Depth: 6})
	} else if env.Home != "" {
		out = cand(out, env.home(".claude.json"), id, inventory.ScopeUser, "", ccState)
		out = cand(out, env.home(".claude", "settings.json"), id, inventory.ScopeUser, "", ccSettings)
		out = append(out, Candidate{Path: env.home(".claude", "plugins"), Client: id, Scope: inventory.ScopePlugin, Kind: ccPlugin, Walk: ".mcp.json", Depth: 6})
	}
	if env.System {
		dir := env.systemPath("/etc/claude-code", "/Library/Application Support/ClaudeCode", "")
		if env.OS == "windows" {
			pf := env.envPath("ProgramW6432")
			if pf == "" {
				pf = "C:/Program Files"
			}
			dir = path.Join(pf, "ClaudeCode")
		}
		out = cand(out, path.Join(dir, "managed-mcp.json"), id, inventory.ScopeManaged, "", ccMCP)
		out = cand(out, path.Join(dir, "managed-settings.json"), id, inventory.ScopeManaged, "", ccSettings)
	}
	if p := env.Project; p != "" {
		out = cand(out, env.project(".mcp.json"), id, inventory.ScopeProject, p, ccMCP)
		out = cand(out, env.project(".claude", "settings.json"), id, inventory.ScopeProject, p, ccSettings)
		out = cand(out, env.project(".claude", "settings.local.json"), id, inventory.ScopeLocal, p, ccSettings)
	}
	return out
}

func (l claudeCode) Parse(c Candidate, data []byte) Result {
	switch c.Kind {
	case ccSettings:
		return claudeSettings(c, data)
	case ccPlugin:
		var r Result
		root := parseDoc(&r, c, data, fmtJSON)
		if m := root.get("mcpServers"); m != nil && looksLikeServerMap(m) {
			addServerMap(&r, c, m, "")
		} else if root != nil && len(root.keys) > 0 && looksLikeServerMap(root) {
			addServerMap(&r, c, root, "")
		}
		return r
	case ccState:
		return claudeState(c, data)
	}
	return mcpServersFile(c, data, "mcpServers")
}

// claudeState reads ~/.claude.json: top-level servers (user scope) and
// projects.<path>.mcpServers (local scope, one project).
func claudeState(c Candidate, data []byte) Result {
	var r Result
	root := parseDoc(&r, c, data, fmtJSON)
	if root == nil {
		return r
	}
	if m := root.get("mcpServers"); m != nil && looksLikeServerMap(m) {
		addServerMap(&r, c, m, "")
	}
	claudeApprovals(&r, c, root)
	projects := root.get("projects")
	if projects == nil || projects.kind != kObj {
		return r
	}
	for i, dir := range projects.keys {
		r.Projects = append(r.Projects, dir)
		p := projects.vals[i]
		if m := p.get("mcpServers"); m != nil && looksLikeServerMap(m) {
			addServerMap(&r, c, m, dir)
		}
		pc := c
		pc.Scope, pc.Project = inventory.ScopeLocal, dir
		claudeApprovals(&r, pc, p)
	}
	return r
}

// claudeApprovals records the keys that approve project .mcp.json servers.
func claudeApprovals(r *Result, c Candidate, obj *node) {
	if obj == nil {
		return
	}
	if v := obj.get("enableAllProjectMcpServers"); v != nil {
		r.setting(c, obj.keyLine("enableAllProjectMcpServers"), "enableAllProjectMcpServers", "", v.text)
	}
	if v := obj.get("enabledMcpjsonServers"); v != nil && len(v.items) > 0 {
		r.setting(c, obj.keyLine("enabledMcpjsonServers"), "enabledMcpjsonServers", "", stringsOf(v)...)
	}
}

// claudeSettings reads permission rules and approval keys from a
// settings.json file.
func claudeSettings(c Candidate, data []byte) Result {
	var r Result
	root := parseDoc(&r, c, data, fmtJSON)
	if root == nil || root.kind != kObj {
		return r
	}
	claudeApprovals(&r, c, root)
	perms := root.get("permissions")
	if perms == nil || perms.kind != kObj {
		return r
	}
	if allow := perms.get("allow"); allow != nil {
		for _, it := range allow.items {
			if v, ok := it.str(); ok {
				r.setting(c, it.line, "permissions.allow", "", v)
			}
		}
	}
	if m, ok := perms.get("defaultMode").str(); ok {
		r.setting(c, perms.keyLine("defaultMode"), "permissions.defaultMode", "", m)
	}
	return r
}
