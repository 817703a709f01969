package discover

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/moat-dev/moat/internal/testutil"

	"github.com/google/go-cmp/cmp"

	"github.com/moat-dev/moat/internal/inventory"
)

var update = flag.Bool("update", false, "rewrite golden files")

const homes = "../../testdata/homes"

// golden is the stable view of an Inventory: paths relative to homes.
type golden struct {
	Servers  []inventory.ServerSpec `json:"servers"`
	Settings []inventory.Setting    `json:"settings"`
	Warnings []string               `json:"warnings"`
	Files    []string               `json:"files"`
}

func rel(p string) string {
	p = filepath.ToSlash(p)
	if i := strings.Index(p, "testdata/homes/"); i >= 0 {
		return p[i+len("testdata/homes/"):]
	}
	return p
}

func toGolden(inv Inventory) golden {
	g := golden{Servers: inv.Servers, Settings: inv.Settings}
	for i := range g.Servers {
		g.Servers[i].Source.File = rel(g.Servers[i].Source.File)
	}
	for i := range g.Settings {
		g.Settings[i].Source.File = rel(g.Settings[i].Source.File)
	}
	for _, w := range inv.Warnings {
		w.File = rel(w.File)
		g.Warnings = append(g.Warnings, w.String())
	}
	for _, f := range inv.Files {
		g.Files = append(g.Files, rel(f))
	}
	return g
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name), string(got), *update)
}

// TestFixtureHomes discovers every fixture home with its OS layout and
// compares the inventory with a golden file.
func TestFixtureHomes(t *testing.T) {
	for _, tc := range []struct{ home, os string }{
		{"linux", "linux"}, {"darwin", "darwin"}, {"windows", "windows"}, {"malformed", "linux"},
	} {
		t.Run(tc.home, func(t *testing.T) {
			inv := Discover(Options{Env: Env{OS: tc.os, Home: filepath.Join(homes, tc.home)}})
			b, err := json.MarshalIndent(toGolden(inv), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.home+".golden.json", append(b, '\n'))
		})
	}
	t.Run("project", func(t *testing.T) {
		inv := Discover(Options{Env: Env{OS: "linux"}, Targets: []string{filepath.Join(homes, "project")}})
		b, _ := json.MarshalIndent(toGolden(inv), "", "  ")
		checkGolden(t, "project.golden.json", append(b, '\n'))
	})
}

func TestEveryClientFound(t *testing.T) {
	inv := Discover(Options{Env: Env{OS: "linux", Home: filepath.Join(homes, "linux")}})
	seen := map[string]bool{}
	for _, s := range inv.Servers {
		seen[s.Source.Client] = true
	}
	for _, l := range Locators() {
		if !seen[l.ID()] {
			t.Errorf("no server found for %s in the linux fixture home", l.ID())
		}
	}
}

// A malformed entry costs only that entry; a file named like an MCP config
// that is not one is ignored without a warning.
func TestMalformedEntriesSkipped(t *testing.T) {
	inv := Discover(Options{Env: Env{OS: "linux", Home: filepath.Join(homes, "malformed")}})
	names := map[string]bool{}
	for _, s := range inv.Servers {
		names[s.Source.Client+"/"+s.Name] = true
	}
	for _, want := range []string{"cursor/good", "cursor/good2", "continue/ok", "gemini-cli/a"} {
		if !names[want] {
			t.Errorf("%s missing; got %v", want, names)
		}
	}
	var msgs []string
	for _, w := range inv.Warnings {
		msgs = append(msgs, w.String())
		if strings.Contains(w.File, "Code") {
			t.Errorf("non-MCP mcp.json produced a warning: %s", w)
		}
	}
	for _, want := range []string{"mcp.json:4: server \"no-command\" skipped", "mcp.json:6: server \"bad-args\" skipped", "config.toml: file skipped: invalid TOML"} {
		if !strings.Contains(strings.Join(msgs, "\n"), want) {
			t.Errorf("no warning containing %q in:\n%s", want, strings.Join(msgs, "\n"))
		}
	}
}

func TestReadLimits(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, ".mcp.json")
	if err := os.WriteFile(big, bytes.Repeat([]byte(" "), 2048), 0o644); err != nil {
		t.Fatal(err)
	}
	inv := Discover(Options{Targets: []string{dir}, MaxFileSize: 1024})
	if len(inv.Warnings) != 1 || !strings.Contains(inv.Warnings[0].Message, "limit") {
		t.Errorf("oversized file: warnings %v", inv.Warnings)
	}
	// A missing file is silent.
	inv = Discover(Options{Env: Env{OS: "linux", Home: filepath.Join(dir, "nope")}})
	if len(inv.Warnings) != 0 || len(inv.Files) != 0 {
		t.Errorf("missing home: %+v", inv)
	}
	// A symlink into /proc is refused.
	if _, err := os.Stat("/proc/self/status"); err == nil {
		link := filepath.Join(dir, "proj")
		os.MkdirAll(link, 0o755)
		if err := os.Symlink("/proc/self/status", filepath.Join(link, ".mcp.json")); err == nil {
			inv = Discover(Options{Targets: []string{link}})
			if len(inv.Files) != 0 || len(inv.Warnings) != 1 {
				t.Errorf("/proc symlink: files %v warnings %v", inv.Files, inv.Warnings)
			}
		}
	}
}

func TestUnreadableFileWarns(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads everything")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, ".mcp.json")
	os.WriteFile(p, []byte(`{"mcpServers":{}}`), 0o000)
	inv := Discover(Options{Targets: []string{dir}})
	if len(inv.Warnings) != 1 {
		t.Errorf("warnings %v", inv.Warnings)
	}
}

func TestParseFormats(t *testing.T) {
	tests := []struct {
		name, file, data string
		want             []string // name@line transport
	}{
		{"jsonc comments and trailing commas", "/p/.mcp.json",
			"{\n // c\n \"mcpServers\": {\n  \"a\": {\"command\": \"x\",},\n  /* b */ \"b\": {\"url\": \"https://h/sse\"},\n },\n}",
			[]string{"a@4 stdio", "b@5 sse"}},
		{"url aliases", "/p/.gemini/settings.json",
			`{"mcpServers": {"h": {"httpUrl": "https://h/mcp"}, "s": {"serverUrl": "https://h/mcp"}, "u": {"url": "https://h/sse"}}}`,
			[]string{"h@1 http", "s@1 http", "u@1 sse"}},
		{"transport spellings", "/p/.mcp.json",
			`{"mcpServers": {"a": {"type": "streamable-http", "url": "https://h"}, "b": {"type": "streamableHttp", "url": "https://h"}, "c": {"type": "ws", "url": "ws://localhost"}, "d": {"transport": "stdio", "command": "x"}}}`,
			[]string{"a@1 http", "b@1 http", "c@1 ws", "d@1 stdio"}},
		{"toml header lines", "/p/.codex/config.toml",
			"x = 1\n\n[mcp_servers.one]\ncommand = \"a\"\n\n[mcp_servers.\"two words\"]\nurl = \"https://h\"\n",
			[]string{"one@3 stdio", "two words@6 http"}},
		{"yaml list", "/p/.continue/config.yaml",
			"mcpServers:\n  - name: a\n    command: x\n  - name: b\n    type: sse\n    url: https://h/events\n",
			[]string{"a@2 stdio", "b@4 sse"}},
		{"opencode command array", "/p/opencode.json",
			`{"mcp": {"a": {"type": "local", "command": ["npx", "-y", "pkg"]}}}`,
			[]string{"a@1 stdio"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, c := ForFile(tc.file)
			r := l.Parse(c, []byte(tc.data))
			var got []string
			for _, s := range r.Servers {
				got = append(got, s.Name+"@"+strconv.Itoa(s.Source.Line)+" "+string(s.Transport))
			}
			if d := cmp.Diff(tc.want, got); d != "" || len(r.Warnings) > 0 {
				t.Errorf("(-want +got):\n%s\nwarnings: %v", d, r.Warnings)
			}
		})
	}
}

func TestOpencodeCommandArray(t *testing.T) {
	l, c := ForFile("/p/opencode.json")
	r := l.Parse(c, []byte(`{"mcp": {"a": {"type": "local", "command": ["npx", "-y", "pkg"], "environment": {"K": "v"}}}}`))
	if len(r.Servers) != 1 {
		t.Fatalf("servers %v warnings %v", r.Servers, r.Warnings)
	}
	s := r.Servers[0]
	if s.Command != "npx" || strings.Join(s.Args, " ") != "-y pkg" || s.Env["K"] != "v" {
		t.Errorf("got %+v", s)
	}
}

func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(homes, "*", "*", "*.json"))
	more, _ := filepath.Glob(filepath.Join(homes, "*", "*", "*.toml"))
	yaml, _ := filepath.Glob(filepath.Join(homes, "*", "*", "*.yaml"))
	for _, p := range append(append(seeds, more...), yaml...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(filepath.Base(p), b)
		}
	}
	f.Add(".mcp.json", []byte(`{"mcpServers":{"a":{"command":["x",1]}}}`))
	f.Add("config.yaml", []byte("a: &x [*x]"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		for _, file := range []string{"/p/.mcp.json", "/p/.codex/config.toml", "/p/.continue/config.yaml", "/p/opencode.json", "/p/.zed/settings.json", "/h/.claude.json", "/p/.vscode/settings.json", "/p/x/" + name} {
			l, c := ForFile(file)
			r := l.Parse(c, data)
			for _, s := range r.Servers {
				if s.Command == "" && s.URL == "" {
					t.Fatalf("server without command or url from %s", file)
				}
			}
		}
	})
}

// VS Code's workspaceStorage names opened folders; their project files are
// scanned too.
func TestWorkspaceStorageProjects(t *testing.T) {
	home, proj := t.TempDir(), t.TempDir()
	ws := filepath.Join(home, ".config", "Code", "User", "workspaceStorage", "abc")
	os.MkdirAll(ws, 0o755)
	os.WriteFile(filepath.Join(ws, "workspace.json"), []byte(`{"folder": "file://`+filepath.ToSlash(proj)+`"}`), 0o644)
	os.WriteFile(filepath.Join(proj, ".mcp.json"), []byte(`{"mcpServers": {"p": {"command": "node", "args": ["s.js"]}}}`), 0o644)
	inv := Discover(Options{Env: Env{OS: "linux", Home: home}})
	if len(inv.Servers) != 1 || inv.Servers[0].Source.Project != filepath.ToSlash(proj) {
		t.Fatalf("servers %+v warnings %v", inv.Servers, inv.Warnings)
	}
	_, c := ForFile("/x/workspace.json")
	c.Kind = "workspace"
	r := vscode{id: "vscode"}.Parse(c, []byte(`{"folder": "file:///c%3A/Users/u/app"}`))
	if len(r.Projects) != 1 || r.Projects[0] != "c:/Users/u/app" {
		t.Errorf("windows folder: %v", r.Projects)
	}
}

func TestExplicitFileWithoutServersWarns(t *testing.T) {
	p := filepath.Join(t.TempDir(), "package.json")
	os.WriteFile(p, []byte(`{"name": "x", "version": "1.0.0"}`), 0o644)
	inv := Discover(Options{Targets: []string{p}})
	if len(inv.Warnings) != 1 || !strings.Contains(inv.Warnings[0].Message, "no MCP servers") {
		t.Errorf("warnings %v", inv.Warnings)
	}
}

// opencode's project list is read from its SQLite database without writing
// anything next to it.
func TestOpencodeProjectDB(t *testing.T) {
	home, proj := t.TempDir(), t.TempDir()
	dataDir := filepath.Join(home, ".local", "share", "opencode")
	os.MkdirAll(dataDir, 0o755)
	dbPath := filepath.Join(dataDir, "opencode.db")
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE TABLE project (id TEXT PRIMARY KEY, worktree TEXT NOT NULL, vcs TEXT)",
		"INSERT INTO project VALUES ('a', '" + proj + "', 'git'), ('b', '/nonexistent/x', NULL)",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	os.WriteFile(filepath.Join(proj, "opencode.json"), []byte(`{"mcp": {"p": {"type": "local", "command": ["node", "s.js"]}}}`), 0o644)
	before, _ := os.ReadDir(dataDir)
	inv := Discover(Options{Env: Env{OS: "linux", Home: home}})
	if len(inv.Servers) != 1 || inv.Servers[0].Source.Project != filepath.ToSlash(proj) || len(inv.Warnings) != 0 {
		t.Fatalf("servers %+v warnings %v", inv.Servers, inv.Warnings)
	}
	after, _ := os.ReadDir(dataDir)
	if len(after) != len(before) {
		t.Errorf("reading the database created files: %v -> %v", before, after)
	}
	// A database without the table is a warning, not a failure.
	os.WriteFile(filepath.Join(dataDir, "opencode-old.db"), nil, 0o644)
	inv = Discover(Options{Env: Env{OS: "linux", Home: home}})
	if len(inv.Servers) != 1 || len(inv.Warnings) != 1 {
		t.Errorf("servers %d warnings %v", len(inv.Servers), inv.Warnings)
	}
}
