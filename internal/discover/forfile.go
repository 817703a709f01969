package discover

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/moat-dev/moat/internal/inventory"
)

// fileRule maps a path suffix to the client and file kind it belongs to.
type fileRule struct {
	suffix, client, kind string
	scope                inventory.Scope
}

// fileRules is ordered most specific first.
var fileRules = []fileRule{
	{"/.claude.json", "claude-code", ccState, inventory.ScopeUser},
	{"/managed-mcp.json", "claude-code", ccMCP, inventory.ScopeManaged},
	{"/managed-settings.json", "claude-code", ccSettings, inventory.ScopeManaged},
	{"/.claude/settings.local.json", "claude-code", ccSettings, inventory.ScopeLocal},
	{"/.claude/settings.json", "claude-code", ccSettings, inventory.ScopeProject},
	{"/claude_desktop_config.json", "claude-desktop", "", inventory.ScopeUser},
	{"/.cursor/mcp.json", "cursor", "mcp", inventory.ScopeProject},
	{"/.cursor/permissions.json", "cursor", "permissions", inventory.ScopeProject},
	{"/.vscode/mcp.json", "vscode", "mcp", inventory.ScopeProject},
	{"/.vscode/settings.json", "vscode", "settings", inventory.ScopeProject},
	{"/code - insiders/user/mcp.json", "vscode-insiders", "mcp", inventory.ScopeUser},
	{"/code - insiders/user/settings.json", "vscode-insiders", "settings", inventory.ScopeUser},
	{"/user/mcp.json", "vscode", "mcp", inventory.ScopeUser},
	{"/user/settings.json", "vscode", "settings", inventory.ScopeUser},
	{"/mcp_config.json", "windsurf", "", inventory.ScopeUser},
	{"/.gemini/settings.json", "gemini-cli", "", inventory.ScopeProject},
	{"/.codex/config.toml", "codex", "", inventory.ScopeProject},
	{"/config.toml", "codex", "", inventory.ScopeUser},
	{"/opencode.json", "opencode", "", inventory.ScopeProject},
	{"/opencode.jsonc", "opencode", "", inventory.ScopeProject},
	{"/cline_mcp_settings.json", "cline", "", inventory.ScopeUser},
	{"/mcp_settings.json", "roo-code", "", inventory.ScopeUser},
	{"/.roo/mcp.json", "roo-code", "", inventory.ScopeProject},
	{"/.continue/config.yaml", "continue", "", inventory.ScopeUser},
	{"/.continue/config.json", "continue", "", inventory.ScopeUser},
	{"/zed/settings.json", "zed", "", inventory.ScopeUser},
	{"/.zed/settings.json", "zed", "", inventory.ScopeProject},
	{"/.kiro/settings/mcp.json", "kiro", "", inventory.ScopeProject},
	{"/.aws/amazonq/mcp.json", "amazon-q", "", inventory.ScopeUser},
	{"/.amazonq/mcp.json", "amazon-q", "", inventory.ScopeProject},
	{"/mcp-config.json", "copilot-cli", "", inventory.ScopeUser},
	{"/.qwen/settings.json", "qwen-code", "", inventory.ScopeProject},
	{"/.lmstudio/mcp.json", "lm-studio", "", inventory.ScopeUser},
	{"/amp/settings.json", "amp", "", inventory.ScopeUser},
	{"/crush.json", "crush", "", inventory.ScopeProject},
	{"/.crush.json", "crush", "", inventory.ScopeProject},
	{"/.factory/mcp.json", "factory-droid", "", inventory.ScopeProject},
	{"/.junie/mcp/mcp.json", "junie", "", inventory.ScopeProject},
	{"/.mcp.json", "claude-code", ccMCP, inventory.ScopeProject},
}

// ForFile picks the locator and candidate for a file named on the command
// line, by its path. Unknown names are read by a generic parser that
// accepts the common root keys.
func ForFile(p string) (Locator, Candidate) {
	s := "/" + strings.ToLower(filepath.ToSlash(p))
	dir := path.Dir(toSlash(p))
	for _, r := range fileRules {
		if strings.HasSuffix(s, r.suffix) {
			project := ""
			if r.scope == inventory.ScopeProject || r.scope == inventory.ScopeLocal {
				project = projectOf(toSlash(p), r.suffix)
			}
			return locatorByID(r.client), Candidate{Path: toSlash(p), Client: r.client, Scope: r.scope, Project: project, Kind: r.kind}
		}
	}
	if strings.Contains(s, "/.continue/") {
		return continueDev{}, Candidate{Path: toSlash(p), Client: "continue", Scope: inventory.ScopeProject}
	}
	return generic{}, Candidate{Path: toSlash(p), Client: "unknown", Scope: inventory.ScopeProject, Project: dir}
}

// projectOf strips the suffix's directories to find the project root.
func projectOf(p, suffix string) string {
	n := strings.Count(suffix, "/")
	for i := 0; i < n; i++ {
		p = path.Dir(p)
	}
	return p
}

// generic reads a file of unknown origin with any of the common root keys.
type generic struct{}

func (generic) ID() string            { return "unknown" }
func (generic) Name() string          { return "Unknown client" }
func (generic) Paths(Env) []Candidate { return nil }
func (generic) Parse(c Candidate, data []byte) Result {
	var r Result
	root := parseDoc(&r, c, data, formatOf(c.Path))
	for _, k := range []string{"mcpServers", "servers", "mcp", "context_servers"} {
		if m := root.get(k); m != nil && looksLikeServerMap(m) {
			addServerMap(&r, c, m, "")
			return r
		}
	}
	if m := root.get("mcp").get("servers"); m != nil && looksLikeServerMap(m) {
		addServerMap(&r, c, m, "")
	}
	return r
}
