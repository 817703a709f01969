package discover

import (
	"net/url"
	"path"

	"github.com/moat-dev/moat/internal/inventory"
)

// vscode is Visual Studio Code (id "vscode") or VS Code Insiders (id
// "vscode-insiders"): user mcp.json ("servers"), settings.json
// ("mcp.servers", nested or dotted), profiles, and workspace .vscode files.
type vscode struct{ id string }

func (l vscode) ID() string { return l.id }
func (l vscode) Name() string {
	if l.id == "vscode-insiders" {
		return "VS Code Insiders"
	}
	return "VS Code"
}

func (l vscode) app() string {
	if l.id == "vscode-insiders" {
		return "Code - Insiders"
	}
	return "Code"
}

func (l vscode) Paths(env Env) []Candidate {
	var out []Candidate
	user := ""
	if env.Home != "" || env.OS == "windows" {
		user = env.appConfig(l.app(), "User")
	}
	if d := env.envPath("VSCODE_PORTABLE"); d != "" && l.id == "vscode" {
		user = path.Join(d, "user-data", "User")
	}
	if user != "" && (env.Home != "" || env.envPath("APPDATA") != "") {
		out = cand(out, path.Join(user, "mcp.json"), l.id, inventory.ScopeUser, "", "mcp")
		out = cand(out, path.Join(user, "settings.json"), l.id, inventory.ScopeUser, "", "settings")
		out = append(out, Candidate{Path: path.Join(user, "profiles"), Client: l.id, Scope: inventory.ScopeUser, Kind: "mcp", Walk: "mcp.json", Depth: 2})
		out = append(out, Candidate{Path: path.Join(user, "workspaceStorage"), Client: l.id, Scope: inventory.ScopeUser, Kind: "workspace", Walk: "workspace.json", Depth: 2})
	}
	if p := env.Project; p != "" && l.id == "vscode" {
		out = cand(out, env.project(".vscode", "mcp.json"), l.id, inventory.ScopeProject, p, "mcp")
		out = cand(out, env.project(".vscode", "settings.json"), l.id, inventory.ScopeProject, p, "settings")
	}
	return out
}

func (l vscode) Parse(c Candidate, data []byte) Result {
	switch c.Kind {
	case "workspace":
		return workspaceProjects(c, data)
	case "settings":
	default:
		return mcpServersFile(c, data, "servers")
	}
	var r Result
	root := parseDoc(&r, c, data, fmtJSON)
	if root == nil {
		return r
	}
	m := root.get("mcp").get("servers")
	if m == nil {
		m = root.get("mcp.servers")
	}
	if m != nil && looksLikeServerMap(m) {
		addServerMap(&r, c, m, "")
	}
	for _, k := range []string{"chat.tools.autoApprove", "chat.tools.global.autoApprove"} {
		if v := root.get(k); v != nil {
			r.setting(c, root.keyLine(k), k, "", v.text)
		}
	}
	if v := root.get("chat").get("tools").get("autoApprove"); v != nil {
		r.setting(c, v.line, "chat.tools.autoApprove", "", v.text)
	}
	return r
}

// cline is the Cline extension (in VS Code or Cursor) and the Cline CLI.
type cline struct{}

func (cline) ID() string   { return "cline" }
func (cline) Name() string { return "Cline" }

func (l cline) Paths(env Env) []Candidate {
	if env.Home == "" {
		return nil
	}
	var out []Candidate
	for _, app := range []string{"Code", "Cursor"} {
		out = cand(out, env.appConfig(app, "User", "globalStorage", "saoudrizwan.claude-dev", "settings", "cline_mcp_settings.json"), l.ID(), inventory.ScopeUser, "", "")
	}
	return cand(out, env.home(".cline", "data", "settings", "cline_mcp_settings.json"), l.ID(), inventory.ScopeUser, "", "")
}

func (cline) Parse(c Candidate, data []byte) Result {
	return serversWithLists(c, data, "mcpServers", "autoApprove", "alwaysAllow")
}

// roo is the Roo Code extension.
type roo struct{}

func (roo) ID() string   { return "roo-code" }
func (roo) Name() string { return "Roo Code" }

func (l roo) Paths(env Env) []Candidate {
	var out []Candidate
	if env.Home != "" {
		for _, app := range []string{"Code", "Cursor"} {
			out = cand(out, env.appConfig(app, "User", "globalStorage", "rooveterinaryinc.roo-cline", "settings", "mcp_settings.json"), l.ID(), inventory.ScopeUser, "", "")
		}
	}
	if p := env.Project; p != "" {
		out = cand(out, env.project(".roo", "mcp.json"), l.ID(), inventory.ScopeProject, p, "")
	}
	return out
}

func (roo) Parse(c Candidate, data []byte) Result {
	return serversWithLists(c, data, "mcpServers", "alwaysAllow", "autoApprove")
}

// kiro is AWS's Kiro IDE.
type kiro struct{}

func (kiro) ID() string   { return "kiro" }
func (kiro) Name() string { return "Kiro" }

func (l kiro) Paths(env Env) []Candidate {
	var out []Candidate
	out = cand(out, env.home(".kiro", "settings", "mcp.json"), l.ID(), inventory.ScopeUser, "", "")
	if env.Home != "" {
		out = append(out, Candidate{Path: env.home(".kiro", "agents"), Client: l.ID(), Scope: inventory.ScopeUser, Walk: "*.json", Depth: 1})
	}
	if p := env.Project; p != "" {
		out = cand(out, env.project(".kiro", "settings", "mcp.json"), l.ID(), inventory.ScopeProject, p, "")
	}
	return out
}

func (kiro) Parse(c Candidate, data []byte) Result {
	return serversWithLists(c, data, "mcpServers", "autoApprove")
}

// zed is the Zed editor ("context_servers" in settings.json).
type zed struct{}

func (zed) ID() string   { return "zed" }
func (zed) Name() string { return "Zed" }

func (l zed) Paths(env Env) []Candidate {
	var out []Candidate
	if env.Home != "" {
		p := env.xdgConfig("zed", "settings.json")
		if env.OS == "windows" {
			p = env.appConfig("Zed", "settings.json")
		}
		out = cand(out, p, l.ID(), inventory.ScopeUser, "", "")
	}
	if p := env.Project; p != "" {
		out = cand(out, env.project(".zed", "settings.json"), l.ID(), inventory.ScopeProject, p, "")
	}
	return out
}

func (zed) Parse(c Candidate, data []byte) Result {
	var r Result
	root := parseDoc(&r, c, data, fmtJSON)
	m := root.get("context_servers")
	if m == nil || m.kind != kObj {
		return r
	}
	// Servers provided by Zed extensions carry only "settings"; they have
	// no command in the file and are not ours to check.
	own := &node{kind: kObj, line: m.line}
	for i, k := range m.keys {
		v := m.vals[i]
		if v.kind == kObj && v.get("command") == nil && v.get("url") == nil && v.get("settings") != nil {
			continue
		}
		own.add(k, m.lines[i], v)
	}
	if looksLikeServerMap(own) {
		addServerMap(&r, c, own, "")
	}
	return r
}

// workspaceProjects reads a workspaceStorage/<hash>/workspace.json, which
// names a folder VS Code opened ({"folder": "file:///home/u/src/app"}), so
// that folder's project files are scanned too. Remote folders
// (vscode-remote://) are not on this machine and are skipped.
func workspaceProjects(c Candidate, data []byte) Result {
	var r, tmp Result
	root := parseDoc(&tmp, c, data, fmtJSON)
	v, ok := root.get("folder").str()
	if !ok {
		return r
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "file" || u.Path == "" {
		return r
	}
	p := u.Path
	if len(p) > 3 && p[0] == '/' && p[2] == ':' { // /c:/Users/… on Windows
		p = p[1:]
	}
	r.Projects = append(r.Projects, p)
	return r
}
