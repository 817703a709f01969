package discover

import (
	"slices"
	"testing"
)

func envFunc(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// pathsOf returns every candidate path (walk roots included) of all
// locators for env.
func pathsOf(env Env) []string {
	var out []string
	for _, l := range Locators() {
		for _, c := range l.Paths(env) {
			out = append(out, c.Client+" "+c.Path)
		}
	}
	return out
}

func TestPathsPerOS(t *testing.T) {
	tests := []struct {
		name string
		env  Env
		want []string
		not  []string
	}{
		{
			name: "linux",
			env:  Env{OS: "linux", Home: "/home/u", System: true},
			want: []string{
				"claude-code /home/u/.claude.json",
				"claude-code /home/u/.claude/settings.json",
				"claude-code /home/u/.claude/plugins",
				"claude-code /etc/claude-code/managed-mcp.json",
				"claude-desktop /home/u/.config/Claude/claude_desktop_config.json",
				"cursor /home/u/.cursor/mcp.json",
				"vscode /home/u/.config/Code/User/mcp.json",
				"vscode /home/u/.config/Code/User/settings.json",
				"vscode-insiders /home/u/.config/Code - Insiders/User/mcp.json",
				"windsurf /home/u/.codeium/windsurf/mcp_config.json",
				"gemini-cli /home/u/.gemini/settings.json",
				"gemini-cli /etc/gemini-cli/settings.json",
				"codex /home/u/.codex/config.toml",
				"codex /etc/codex/config.toml",
				"opencode /home/u/.config/opencode/opencode.json",
				"opencode /home/u/.config/opencode/opencode.jsonc",
				"opencode /etc/opencode/opencode.json",
				"cline /home/u/.config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
				"cline /home/u/.cline/data/settings/cline_mcp_settings.json",
				"roo-code /home/u/.config/Code/User/globalStorage/rooveterinaryinc.roo-cline/settings/mcp_settings.json",
				"continue /home/u/.continue/config.yaml",
				"zed /home/u/.config/zed/settings.json",
				"kiro /home/u/.kiro/settings/mcp.json",
				"amazon-q /home/u/.aws/amazonq/mcp.json",
				"copilot-cli /home/u/.copilot/mcp-config.json",
			},
		},
		{
			name: "darwin",
			env:  Env{OS: "darwin", Home: "/Users/u", System: true},
			want: []string{
				"claude-code /Users/u/.claude.json",
				"claude-code /Library/Application Support/ClaudeCode/managed-mcp.json",
				"claude-desktop /Users/u/Library/Application Support/Claude/claude_desktop_config.json",
				"vscode /Users/u/Library/Application Support/Code/User/mcp.json",
				"vscode-insiders /Users/u/Library/Application Support/Code - Insiders/User/settings.json",
				"gemini-cli /Library/Application Support/GeminiCli/settings.json",
				"cline /Users/u/Library/Application Support/Cursor/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
				"zed /Users/u/.config/zed/settings.json",
				"opencode /Users/u/.config/opencode/opencode.json",
			},
			not: []string{"claude-desktop /Users/u/.config/Claude/claude_desktop_config.json"},
		},
		{
			name: "windows",
			env:  Env{OS: "windows", Home: "C:\\Users\\u", System: true},
			want: []string{
				"claude-code C:/Users/u/.claude.json",
				"claude-code C:/Program Files/ClaudeCode/managed-mcp.json",
				"claude-desktop C:/Users/u/AppData/Roaming/Claude/claude_desktop_config.json",
				"vscode C:/Users/u/AppData/Roaming/Code/User/mcp.json",
				"windsurf C:/Users/u/.codeium/windsurf/mcp_config.json",
				"gemini-cli C:/ProgramData/gemini-cli/settings.json",
				"codex C:/ProgramData/OpenAI/Codex/config.toml",
				"zed C:/Users/u/AppData/Roaming/Zed/settings.json",
				"opencode C:/Users/u/.config/opencode/opencode.json",
			},
		},
		{
			name: "windows APPDATA and ProgramData",
			env: Env{OS: "windows", Home: "C:\\Users\\u", System: true, Getenv: envFunc(map[string]string{
				"APPDATA": "D:\\Roam", "ProgramData": "E:\\PD", "ProgramW6432": "F:\\PF",
			})},
			want: []string{
				"claude-desktop D:/Roam/Claude/claude_desktop_config.json",
				"vscode D:/Roam/Code/User/mcp.json",
				"gemini-cli E:/PD/gemini-cli/settings.json",
				"claude-code F:/PF/ClaudeCode/managed-mcp.json",
			},
		},
		{
			name: "relocations",
			env: Env{OS: "linux", Home: "/home/u", Getenv: envFunc(map[string]string{
				"CLAUDE_CONFIG_DIR": "/cfg/claude", "CODEX_HOME": "/cfg/codex", "OPENCODE_CONFIG": "/cfg/oc.json",
				"XDG_CONFIG_HOME": "/xdg", "GEMINI_CLI_SYSTEM_SETTINGS_PATH": "/sys/gemini.json",
			})},
			want: []string{
				"claude-code /cfg/claude/.claude.json",
				"claude-code /cfg/claude/settings.json",
				"codex /cfg/codex/config.toml",
				"opencode /cfg/oc.json",
				"opencode /xdg/opencode/opencode.json",
				"vscode /xdg/Code/User/mcp.json",
				"zed /xdg/zed/settings.json",
			},
			not: []string{
				"claude-code /home/u/.claude.json",
				"codex /home/u/.codex/config.toml",
				"gemini-cli /sys/gemini.json", // system files only when System is set
				"claude-code /etc/claude-code/managed-mcp.json",
			},
		},
		{
			name: "project",
			env:  Env{OS: "linux", Project: "/src/app"},
			want: []string{
				"claude-code /src/app/.mcp.json",
				"claude-code /src/app/.claude/settings.json",
				"claude-code /src/app/.claude/settings.local.json",
				"cursor /src/app/.cursor/mcp.json",
				"vscode /src/app/.vscode/mcp.json",
				"gemini-cli /src/app/.gemini/settings.json",
				"codex /src/app/.codex/config.toml",
				"opencode /src/app/opencode.json",
				"opencode /src/app/.opencode/opencode.jsonc",
				"roo-code /src/app/.roo/mcp.json",
				"continue /src/app/.continue/mcpServers",
				"zed /src/app/.zed/settings.json",
				"kiro /src/app/.kiro/settings/mcp.json",
				"amazon-q /src/app/.amazonq/mcp.json",
			},
			not: []string{"claude-code /.claude.json", "cursor /.cursor/mcp.json"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := pathsOf(tc.env)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing %q", w)
				}
			}
			for _, n := range tc.not {
				if slices.Contains(got, n) {
					t.Errorf("unexpected %q", n)
				}
			}
			for _, g := range got {
				if g == "" || g[len(g)-1] == ' ' {
					t.Errorf("empty candidate path: %q", g)
				}
			}
		})
	}
}

func TestForFile(t *testing.T) {
	tests := []struct{ path, client, kind, project string }{
		{"/home/u/.claude.json", "claude-code", ccState, ""},
		{"/src/app/.mcp.json", "claude-code", ccMCP, "/src/app"},
		{"/src/app/.cursor/mcp.json", "cursor", "mcp", "/src/app"},
		{"/src/app/.vscode/mcp.json", "vscode", "mcp", "/src/app"},
		{"/home/u/.config/Code/User/settings.json", "vscode", "settings", ""},
		{"/home/u/.config/Code - Insiders/User/mcp.json", "vscode-insiders", "mcp", ""},
		{"/home/u/.codex/config.toml", "codex", "", "/home/u"},
		{"/home/u/.codeium/windsurf/mcp_config.json", "windsurf", "", ""},
		{"/src/app/opencode.jsonc", "opencode", "", "/src/app"},
		{"/src/app/.continue/mcpServers/db.yaml", "continue", "", ""},
		{"/tmp/random.json", "unknown", "", "/tmp"},
	}
	for _, tc := range tests {
		l, c := ForFile(tc.path)
		if l == nil || c.Client != tc.client || c.Kind != tc.kind {
			t.Errorf("ForFile(%q) = %v %+v; want client %s kind %q", tc.path, l, c, tc.client, tc.kind)
		}
		if tc.project != "" && c.Project != tc.project {
			t.Errorf("ForFile(%q).Project = %q; want %q", tc.path, c.Project, tc.project)
		}
	}
}
