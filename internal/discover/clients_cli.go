package discover

import (
	"bytes"
	"path"
	"strings"

	"github.com/moat-dev/moat/internal/inventory"
)

// gemini is Google's Gemini CLI: settings.json at system, user and project
// level, servers under "mcpServers" with a per-server "trust" switch.
type gemini struct{}

func (gemini) ID() string   { return "gemini-cli" }
func (gemini) Name() string { return "Gemini CLI" }

func (l gemini) Paths(env Env) []Candidate {
	id := l.ID()
	var out []Candidate
	if env.System {
		p := env.envPath("GEMINI_CLI_SYSTEM_SETTINGS_PATH")
		if p == "" {
			p = env.systemPath("/etc/gemini-cli/settings.json", "/Library/Application Support/GeminiCli/settings.json", "gemini-cli/settings.json")
		}
		out = cand(out, p, id, inventory.ScopeSystem, "", "")
	}
	out = cand(out, env.home(".gemini", "settings.json"), id, inventory.ScopeUser, "", "")
	if env.Home != "" {
		out = append(out, Candidate{Path: env.home(".gemini", "extensions"), Client: id, Scope: inventory.ScopePlugin, Walk: "gemini-extension.json", Depth: 2})
	}
	if p := env.Project; p != "" {
		out = cand(out, env.project(".gemini", "settings.json"), id, inventory.ScopeProject, p, "")
	}
	return out
}

func (gemini) Parse(c Candidate, data []byte) Result {
	return mcpServersFile(c, data, "mcpServers")
}

// codex is OpenAI's Codex CLI: TOML, [mcp_servers.<name>] tables, in
// $CODEX_HOME/config.toml (default ~/.codex), /etc/codex and trusted
// projects' .codex/config.toml.
type codex struct{}

func (codex) ID() string   { return "codex" }
func (codex) Name() string { return "Codex" }

func (l codex) Paths(env Env) []Candidate {
	id := l.ID()
	var out []Candidate
	if env.System {
		out = cand(out, env.systemPath("/etc/codex/config.toml", "/etc/codex/config.toml", "OpenAI/Codex/config.toml"), id, inventory.ScopeSystem, "", "")
	}
	home := env.envPath("CODEX_HOME")
	if home == "" {
		home = env.home(".codex")
	}
	if home != "" {
		out = cand(out, path.Join(home, "config.toml"), id, inventory.ScopeUser, "", "")
	}
	if p := env.Project; p != "" {
		out = cand(out, env.project(".codex", "config.toml"), id, inventory.ScopeProject, p, "")
	}
	return out
}

func (codex) Parse(c Candidate, data []byte) Result {
	var r Result
	root := parseDoc(&r, c, data, fmtTOML)
	if root == nil {
		return r
	}
	if m := root.get("mcp_servers"); m != nil && m.kind == kObj {
		addServerMap(&r, c, m, "")
	}
	codexPosture(&r, c, root, data, "")
	if profiles := root.get("profiles"); profiles != nil {
		for i, name := range profiles.keys {
			codexPosture(&r, c, profiles.vals[i], data, "profiles."+name+".")
		}
	}
	if projects := root.get("projects"); projects != nil {
		r.Projects = append(r.Projects, projects.keys...)
	}
	return r
}

func codexPosture(r *Result, c Candidate, obj *node, data []byte, prefix string) {
	for _, k := range []string{"approval_policy", "sandbox_mode"} {
		if v, ok := obj.get(k).str(); ok {
			r.setting(c, tomlKeyLine(data, k, obj.line), prefix+k, "", v)
		}
	}
}

// tomlKeyLine finds the line of `key =` at or after line from (1-based).
func tomlKeyLine(data []byte, key string, from int) int {
	for i, raw := range bytes.Split(data, []byte("\n")) {
		if i+1 < from {
			continue
		}
		s := strings.TrimSpace(string(raw))
		if rest, ok := strings.CutPrefix(s, key); ok && strings.HasPrefix(strings.TrimSpace(rest), "=") {
			return i + 1
		}
	}
	return from
}

// opencode is the opencode CLI: JSON or JSONC, servers under "mcp" with
// command arrays, and "permission" rules.
type opencode struct{}

func (opencode) ID() string   { return "opencode" }
func (opencode) Name() string { return "opencode" }

func (l opencode) Paths(env Env) []Candidate {
	id := l.ID()
	var out []Candidate
	if env.System {
		dir := env.systemPath("/etc/opencode", "/Library/Application Support/opencode", "opencode")
		out = cand(out, path.Join(dir, "opencode.json"), id, inventory.ScopeManaged, "", "")
	}
	if p := env.envPath("OPENCODE_CONFIG"); p != "" {
		out = cand(out, p, id, inventory.ScopeUser, "", "")
	}
	dirs := []string{}
	if env.Home != "" {
		dirs = append(dirs, env.xdgConfig("opencode"))
	}
	if d := env.envPath("OPENCODE_CONFIG_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		for _, f := range []string{"opencode.json", "opencode.jsonc", "config.json"} {
			out = cand(out, path.Join(d, f), id, inventory.ScopeUser, "", "")
		}
	}
	if p := env.Project; p != "" {
		for _, f := range []string{"opencode.json", "opencode.jsonc", ".opencode/opencode.json", ".opencode/opencode.jsonc"} {
			out = cand(out, env.project(f), id, inventory.ScopeProject, p, "")
		}
	}
	return out
}

func (opencode) Parse(c Candidate, data []byte) Result {
	var r Result
	root := parseDoc(&r, c, data, fmtJSON)
	if root == nil {
		return r
	}
	if m := root.get("mcp"); m != nil && looksLikeServerMap(m) {
		addServerMap(&r, c, m, "")
	}
	perm := root.get("permission")
	switch {
	case perm == nil:
	case perm.kind == kStr:
		r.setting(c, root.keyLine("permission"), "permission", "", perm.text)
	case perm.kind == kObj:
		for i, k := range perm.keys {
			if v, ok := perm.vals[i].str(); ok {
				r.setting(c, perm.lines[i], "permission."+k, "", v)
			}
		}
	}
	return r
}

// continueDev is the Continue extension: YAML config with an "mcpServers"
// list, and per-project .continue/mcpServers/ block files.
type continueDev struct{}

func (continueDev) ID() string   { return "continue" }
func (continueDev) Name() string { return "Continue" }

func (l continueDev) Paths(env Env) []Candidate {
	id := l.ID()
	var out []Candidate
	out = cand(out, env.home(".continue", "config.yaml"), id, inventory.ScopeUser, "", "")
	out = cand(out, env.home(".continue", "config.json"), id, inventory.ScopeUser, "", "")
	if p := env.Project; p != "" {
		for _, pat := range []string{"*.yaml", "*.yml", "*.json"} {
			out = append(out, Candidate{Path: env.project(".continue", "mcpServers"), Client: id, Scope: inventory.ScopeProject, Project: p, Walk: pat, Depth: 1})
		}
	}
	return out
}

func (continueDev) Parse(c Candidate, data []byte) Result {
	var r Result
	root := parseDoc(&r, c, data, formatOf(c.Path))
	m := root.get("mcpServers")
	switch {
	case m == nil:
	case m.kind == kArr:
		addServerList(&r, c, m, "")
	case looksLikeServerMap(m):
		addServerMap(&r, c, m, "")
	}
	return r
}
