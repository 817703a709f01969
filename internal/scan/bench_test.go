package scan

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-dev/moat/internal/discover"
)

// writeHome writes a home with n servers spread over five clients and
// three formats (JSON, JSONC, TOML, YAML), each with the kinds of values
// the checks look at.
func writeHome(tb testing.TB, dir string, n int) {
	tb.Helper()
	per := n / 5
	entry := func(i int) string {
		pkgs := []string{"@modelcontextprotocol/server-memory", "@mcp-servers/postgres", "@playwright/mcp@0.0.41", "firecrawl-mcp@latest", "mcp-remote"}
		return fmt.Sprintf(`"srv%d": {"command": "npx", "args": ["-y", "%s", "--port", "%d"], "env": {"API_KEY": "k%dZq8Lm2Xw9Rt4Vb", "LOG": "info"}}`, i, pkgs[i%len(pkgs)], 3000+i, i)
	}
	var claude, cursor, vscode []string
	for i := 0; i < per; i++ {
		claude = append(claude, entry(i))
		cursor = append(cursor, entry(per+i))
		vscode = append(vscode, strings.Replace(entry(2*per+i), "{", `{"type": "stdio", `, 1))
	}
	var toml, yaml strings.Builder
	for i := 0; i < per; i++ {
		fmt.Fprintf(&toml, "[mcp_servers.c%d]\ncommand = \"uvx\"\nargs = [\"mcp-server-fetch\"]\nenv = { TOKEN = \"t%dAq9Zx2Lk8Vb\" }\n\n", i, i)
		fmt.Fprintf(&yaml, "  - name: y%d\n    type: streamable-http\n    url: http://tools%d.example.com/mcp\n", i, i)
	}
	files := map[string]string{
		".claude.json":                   `{"mcpServers": {` + strings.Join(claude, ",\n") + `}}`,
		".cursor/mcp.json":               `{"mcpServers": {` + strings.Join(cursor, ",\n") + `}}`,
		".config/Code/User/mcp.json":     "{\n // generated\n \"servers\": {" + strings.Join(vscode, ",\n") + "},\n}",
		".codex/config.toml":             "approval_policy = \"never\"\n\n" + toml.String(),
		".continue/config.yaml":          "mcpServers:\n" + yaml.String(),
		".claude/settings.json":          `{"permissions": {"allow": ["mcp__srv1", "mcp__srv2__read"]}, "enableAllProjectMcpServers": true}`,
		".config/opencode/opencode.json": `{"permission": "allow"}`,
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkScanStatic measures discovery plus every static check over a
// home with 200 configured servers (target: well under 1 s).
func BenchmarkScanStatic(b *testing.B) {
	dir := b.TempDir()
	writeHome(b, dir, 200)
	opts := discover.Options{Env: discover.Env{OS: "linux", Home: dir}}
	inv := discover.Discover(opts)
	if len(inv.Servers) != 200 {
		b.Fatalf("generated home has %d servers, want 200 (warnings %v)", len(inv.Servers), inv.Warnings)
	}
	start := processCPU()
	n := 0
	for b.Loop() {
		inv := discover.Discover(opts)
		fs, err := Run(Input{Servers: inv.Servers, Settings: inv.Settings}, Options{})
		if err != nil || len(fs) == 0 {
			b.Fatalf("findings %d err %v", len(fs), err)
		}
		n++
	}
	if cpu := processCPU() - start; cpu > 0 && n > 0 {
		b.ReportMetric(float64(cpu.Milliseconds())/float64(n), "cpu-ms/op")
	}
}

func TestGeneratedHome(t *testing.T) {
	dir := t.TempDir()
	writeHome(t, dir, 200)
	inv := discover.Discover(discover.Options{Env: discover.Env{OS: "linux", Home: dir}})
	if len(inv.Servers) != 200 || len(inv.Warnings) != 0 {
		t.Fatalf("servers %d warnings %v", len(inv.Servers), inv.Warnings)
	}
}
