package scan

import (
	"fmt"
	"strings"

	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/inventory"
)

// settings checks client permission postures: what runs without asking.
// Blanket and permanent grants rank above per-tool ones.
func (c *checker) settings(sts []inventory.Setting, servers []inventory.ServerSpec) {
	for _, st := range sts {
		switch st.Source.Client {
		case "claude-code":
			c.claudeSetting(st)
		case "codex":
			c.codexSetting(st)
		case "opencode":
			c.opencodeSetting(st, servers)
		case "cursor":
			c.allowList(st, ":", "Cursor's MCP auto-run allow-list")
		case "cline", "roo-code", "kiro":
			c.autoApprove(st)
		case "vscode", "vscode-insiders":
			if strings.HasSuffix(st.Key, "autoApprove") && first(st) == "true" {
				c.addSetting(st, "auto-approve-all", finding.Critical,
					"VS Code approves every tool call of every server without asking (chat.tools.autoApprove)",
					"remove chat.tools.autoApprove; approve individual tools for the session instead")
			}
		}
	}
}

func first(st inventory.Setting) string {
	if len(st.Values) == 0 {
		return ""
	}
	return st.Values[0]
}

func (c *checker) addSetting(st inventory.Setting, rule string, sev finding.Severity, msg, fix string) {
	c.out = append(c.out, finding.Finding{
		Rule: rule, Category: finding.CatPermission, Severity: sev, Message: msg,
		Evidence: st.Key + ": " + strings.Join(st.Values, ", "), Location: settingLoc(st), Fix: fix,
	})
}

func (c *checker) claudeSetting(st inventory.Setting) {
	v := first(st)
	switch st.Key {
	case "permissions.defaultMode":
		if v == "bypassPermissions" {
			c.addSetting(st, "bypass-permissions", finding.Critical,
				"Claude Code runs every tool, MCP tools included, without asking (defaultMode: bypassPermissions)",
				"set defaultMode to \"default\" and allow only specific tools; add disableBypassPermissionsMode: \"disable\" in managed settings")
		}
	case "enableAllProjectMcpServers":
		if v == "true" {
			c.addSetting(st, "auto-approve-project-servers", finding.High,
				"every server in any project's .mcp.json is approved without asking, including servers a cloned repository adds",
				"remove enableAllProjectMcpServers; approve servers by name with enabledMcpjsonServers after reviewing them")
		}
	case "enabledMcpjsonServers":
		c.addSetting(st, "approved-project-servers", finding.Low,
			fmt.Sprintf("project servers approved permanently: %s; a later change to their definition is not re-approved", strings.Join(st.Values, ", ")),
			"review these servers' definitions in .mcp.json and pin their packages; remove approvals you no longer need")
	case "permissions.allow":
		c.claudeAllow(st, v)
	}
}

// claudeAllow grades a Claude Code allow rule for MCP tools.
func (c *checker) claudeAllow(st inventory.Setting, v string) {
	rest, ok := strings.CutPrefix(v, "mcp__")
	if !ok {
		return
	}
	server, tool, hasTool := strings.Cut(rest, "__")
	st.Server = server
	switch {
	case server == "" || server == "*":
		return // Claude Code ignores "mcp__*" in allow rules
	case !hasTool || tool == "*" || tool == "":
		c.addSetting(st, "blanket-grant", finding.High,
			fmt.Sprintf("every tool of server %q runs without asking, in every session, including tools the server adds later", server),
			fmt.Sprintf("replace %q with rules for the specific read-only tools you trust (mcp__%s__<tool>)", v, server))
	default:
		c.addSetting(st, "tool-grant", finding.Low,
			fmt.Sprintf("tool %q of server %q runs without asking, permanently", tool, server),
			"keep permanent grants for read-only tools; approve writes per session")
		c.out[len(c.out)-1].Location.Tool = tool
	}
}

func (c *checker) codexSetting(st inventory.Setting) {
	v := first(st)
	switch {
	case strings.HasSuffix(st.Key, "approval_policy") && v == "never":
		c.addSetting(st, "never-ask", finding.High,
			"Codex never asks before running commands or MCP tools (approval_policy = \"never\")",
			"use approval_policy = \"on-request\" or \"untrusted\"")
	case strings.HasSuffix(st.Key, "sandbox_mode") && v == "danger-full-access":
		c.addSetting(st, "no-sandbox", finding.High,
			"Codex runs without its sandbox (sandbox_mode = \"danger-full-access\")",
			"use sandbox_mode = \"workspace-write\" or \"read-only\"")
	}
}

// opencodeSetting: opencode MCP tools are named <server>_<tool>.
func (c *checker) opencodeSetting(st inventory.Setting, servers []inventory.ServerSpec) {
	if first(st) != "allow" {
		return
	}
	if st.Key == "permission" || st.Key == "permission.*" {
		c.addSetting(st, "blanket-grant", finding.High,
			"opencode runs every tool, MCP tools included, without asking (permission: allow)",
			"set permission to \"ask\" and allow specific tools by name")
		return
	}
	pattern := strings.TrimPrefix(st.Key, "permission.")
	for _, s := range servers {
		if s.Source.Client != "opencode" || !strings.HasPrefix(pattern, s.Name+"_") {
			continue
		}
		st.Server = s.Name
		if strings.HasSuffix(pattern, "*") {
			c.addSetting(st, "blanket-grant", finding.High,
				fmt.Sprintf("every tool of server %q runs without asking (%s: allow)", s.Name, pattern),
				"allow only the specific read-only tools you trust")
		} else {
			c.addSetting(st, "tool-grant", finding.Low,
				fmt.Sprintf("tool %q runs without asking (permission allow)", pattern),
				"keep permanent grants for read-only tools")
		}
		return
	}
}

// allowList grades "server<sep>tool" entries of an allow-list.
func (c *checker) allowList(st inventory.Setting, sep, what string) {
	if st.Key != "mcpAllowlist" {
		return
	}
	v := first(st)
	server, tool, _ := strings.Cut(v, sep)
	st.Server = strings.Trim(server, "*")
	if v == "*" || tool == "*" || tool == "" || server == "*" {
		c.addSetting(st, "blanket-grant", finding.High,
			fmt.Sprintf("%s runs %q without asking: every tool it matches, including tools added later", what, v),
			"list specific server:tool pairs for read-only tools instead of wildcards")
		return
	}
	c.addSetting(st, "tool-grant", finding.Low,
		fmt.Sprintf("%s runs %q without asking, permanently", what, v),
		"keep permanent grants for read-only tools")
	c.out[len(c.out)-1].Location.Tool = tool
}

// autoApprove grades per-server approval lists (Cline, Roo Code, Kiro).
func (c *checker) autoApprove(st inventory.Setting) {
	blanket := false
	for _, v := range st.Values {
		if v == "*" || v == "true" {
			blanket = true
		}
	}
	if blanket {
		c.addSetting(st, "blanket-grant", finding.High,
			fmt.Sprintf("every tool of server %q is approved automatically (%s)", st.Server, st.Key),
			"list only the read-only tools you trust")
		return
	}
	c.addSetting(st, "tool-grant", finding.Low,
		fmt.Sprintf("%d tool(s) of server %q run without asking, permanently: %s", len(st.Values), st.Server, strings.Join(st.Values, ", ")),
		"keep automatic approval for read-only tools")
}
