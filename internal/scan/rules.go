package scan

import "github.com/moat-dev/moat/internal/finding"

// RuleDoc documents one rule of moat scan (SARIF rule metadata, docs).
type RuleDoc struct {
	ID          string
	Category    string
	Severity    finding.Severity // the usual severity; some findings vary
	Description string
	Help        string
}

// Rules lists every rule the static checks can report.
func Rules() []RuleDoc {
	return []RuleDoc{
		{"typosquat-package", finding.CatTyposquat, finding.Critical, "A server package imitates an official or widely used MCP package.", "Look-alike characters, scope tricks, dropped scopes and separator swaps are critical; edit-distance typos and affixes high. Check the publisher and switch to the official package."},
		{"archived-package", finding.CatSupplyChain, finding.Medium, "A server package was archived upstream and is unmaintained.", "Move to the maintained replacement where one exists."},
		{"unpinned-package", finding.CatSupplyChain, finding.Medium, "npx/uvx/pipx/bunx/pnpm dlx runs a package without an exact version.", "Pin an exact, reviewed version (pkg@1.2.3, pkg==1.2.3)."},
		{"unpinned-image", finding.CatSupplyChain, finding.Medium, "A container image is run without a digest.", "Pin image@sha256:<digest>."},
		{"package-from-url", finding.CatSupplyChain, finding.High, "A package is installed from a git repository or URL.", "Use a released registry package pinned to an exact version."},
		{"download-and-run", finding.CatSupplyChain, finding.Critical, "The server command downloads code and runs it (curl | sh and similar).", "Install a pinned package or a reviewed script instead."},
		{"secret-in-config", finding.CatSecret, finding.High, "A credential is written literally into a client config (env, header, argument or URL).", "Reference an environment variable or the client's secret input, and rotate the secret."},
		{"insecure-env", finding.CatConfig, finding.High, "An environment variable turns off TLS verification or authentication.", "Remove it; trust private CAs explicitly."},
		{"plaintext-transport", finding.CatTransport, finding.High, "A remote server is reached over http:// or ws:// to a non-loopback host.", "Use https:// or wss://."},
		{"bind-all-interfaces", finding.CatTransport, finding.Medium, "A local server is told to listen on 0.0.0.0 / :: or docker publishes on all interfaces.", "Bind to 127.0.0.1."},
		{"broad-filesystem-root", finding.CatPermission, finding.High, "A filesystem server is given /, the home directory or a drive root.", "Give it only the project directories it needs."},
		{"bypass-permissions", finding.CatPermission, finding.Critical, "Claude Code's defaultMode is bypassPermissions.", "Use the default mode with specific allow rules."},
		{"auto-approve-all", finding.CatPermission, finding.Critical, "VS Code auto-approves every tool call.", "Remove chat.tools.autoApprove."},
		{"blanket-grant", finding.CatPermission, finding.High, "A permanent rule lets every tool of a server (or every tool) run without asking.", "Allow specific read-only tools instead."},
		{"auto-approve-project-servers", finding.CatPermission, finding.High, "Claude Code approves every project .mcp.json server without asking.", "Approve servers by name after review."},
		{"trusted-server", finding.CatPermission, finding.High, "Gemini CLI trust: true skips every confirmation for a server.", "Remove trust; use includeTools for read-only tools."},
		{"never-ask", finding.CatPermission, finding.High, "Codex approval_policy = \"never\".", "Use on-request or untrusted."},
		{"no-sandbox", finding.CatPermission, finding.High, "Codex sandbox_mode = \"danger-full-access\".", "Use workspace-write or read-only."},
		{"approved-project-servers", finding.CatPermission, finding.Low, "Project servers approved permanently by name.", "Review them; re-approve after changes."},
		{"tool-grant", finding.CatPermission, finding.Low, "A single tool runs without asking, permanently.", "Keep permanent grants for read-only tools."},
		{"user-scope-server", finding.CatConfig, finding.Low, "A server is enabled for every project (user scope).", "Configure it per project."},
		{"too-many-servers", finding.CatConfig, finding.Medium, "More servers are enabled for one project than the limit (default 5).", "Disable servers the project does not need."},
		{"duplicate-server", finding.CatConfig, finding.Info, "The same server is configured in several clients.", "Keep one copy per client you use."},
	}
}
