package wrap_test

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moat-dev/moat/internal/testutil"

	"github.com/google/go-cmp/cmp"

	"github.com/moat-dev/moat/internal/cli"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/iostreams"
)

var update = flag.Bool("update", false, "rewrite golden files")

const fakeMoat = "/opt/moat/bin/moat"

// fixtureSecret is the literal credential header in testdata/home/.cursor.
const fixtureSecret = "fixture-literal-key-0001"

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

type result struct {
	code           int
	stdout, stderr string
}

// home copies the fixture home to a temporary directory (wrap writes).
func home(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir("testdata/home", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/home", p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o640)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func run(t *testing.T, h string, args ...string) result {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IO: ios, Now: func() time.Time { return now }, WorkDir: t.TempDir(), HomeDir: t.TempDir()}
	code := cli.Run(f, args)
	clean := func(s string) string { return strings.ReplaceAll(s, h, "$HOME") }
	return result{code, clean(out.String()), clean(errOut.String())}
}

// snapshot reads every file under dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			st, _ := os.Stat(p)
			rel, _ := filepath.Rel(dir, p)
			m[rel] = st.Mode().Perm().String() + "\n" + string(data)
		}
		return nil
	})
	return m
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name), got, *update)
}

func TestWrapUnwrapHome(t *testing.T) {
	h := home(t)
	before := snapshot(t, h)

	r := run(t, h, "wrap", "--home", h, "--moat", fakeMoat)
	if r.code != 0 {
		t.Fatalf("wrap exit %d: %s", r.code, r.stderr)
	}
	golden(t, "wrap.stdout.golden", r.stdout)
	golden(t, "wrap.stderr.golden", r.stderr)
	for _, rel := range []string{".cursor/mcp.json", ".codex/config.toml", ".gemini/settings.json"} {
		golden(t, strings.ReplaceAll(strings.TrimPrefix(rel, "."), "/", "_")+".wrapped.golden", readFile(t, filepath.Join(h, rel)))
		st, _ := os.Stat(filepath.Join(h, rel))
		if st.Mode().Perm() != 0o640 {
			t.Errorf("%s: mode %v, want 0640", rel, st.Mode().Perm())
		}
		sc, err := os.Stat(filepath.Join(h, rel) + ".moat-wrap.json")
		if err != nil || sc.Mode().Perm() != 0o600 {
			t.Errorf("%s: sidecar %v %v", rel, err, sc)
		}
		backup := filepath.Join(h, rel) + ".moat-backup-" + "1795435200"
		if got := readFile(t, backup); "-rw-r-----\n"+got != before[rel] {
			t.Errorf("%s: backup differs from the original", rel)
		}
	}

	wrapped := snapshot(t, h)
	r = run(t, h, "wrap", "--home", h, "--moat", fakeMoat)
	if r.code != 0 || !strings.Contains(r.stdout, "nothing to wrap") {
		t.Fatalf("second wrap: %d %s", r.code, r.stdout)
	}
	if d := cmp.Diff(wrapped, snapshot(t, h)); d != "" {
		t.Errorf("second wrap changed files:\n%s", d)
	}

	r = run(t, h, "unwrap", "--home", h)
	if r.code != 0 {
		t.Fatalf("unwrap exit %d: %s", r.code, r.stderr)
	}
	golden(t, "unwrap.stdout.golden", r.stdout)
	after := snapshot(t, h)
	for rel, want := range before {
		if after[rel] != want {
			t.Errorf("%s not restored byte for byte", rel)
		}
	}
	for rel := range after {
		if strings.HasSuffix(rel, ".moat-wrap.json") {
			t.Errorf("sidecar %s left behind", rel)
		}
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestDryRunWritesNothing(t *testing.T) {
	h := home(t)
	before := snapshot(t, h)
	for _, args := range [][]string{
		{"wrap", "--dry-run", "--home", h, "--moat", fakeMoat},
		{"unwrap", "--dry-run", "--home", h},
	} {
		r := run(t, h, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		if args[0] == "wrap" {
			golden(t, "dry-run.stdout.golden", r.stdout)
		}
		if strings.Contains(r.stdout+r.stderr, fixtureSecret) || strings.Contains(r.stdout+r.stderr, "fixture-yaml-key-0002") {
			t.Errorf("%v printed the credential:\n%s%s", args, r.stdout, r.stderr)
		}
	}
	if d := cmp.Diff(before, snapshot(t, h)); d != "" {
		t.Errorf("--dry-run changed files:\n%s", d)
	}
}

func TestClientFileAndOnly(t *testing.T) {
	h := home(t)
	before := snapshot(t, h)
	r := run(t, h, "wrap", "gemini", "--home", h, "--moat", fakeMoat)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	after := snapshot(t, h)
	if after[".cursor/mcp.json"] != before[".cursor/mcp.json"] || after[".gemini/settings.json"] == before[".gemini/settings.json"] {
		t.Error("wrap gemini touched the wrong files")
	}
	cursor := filepath.Join(h, ".cursor", "mcp.json")
	r = run(t, h, "wrap", cursor, "--only", "docs", "--moat", fakeMoat)
	if r.code != 0 || !strings.Contains(r.stdout, "wrapped 1 server(s)") {
		t.Fatalf("wrap FILE --only: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if s := readFile(t, cursor); !strings.Contains(s, `"command": "docker"`) || !strings.Contains(s, `"--url", "https://docs.example.com/mcp"`) {
		t.Errorf("--only docs wrapped:\n%s", s)
	}
}

func TestUnwrapRefusesEdited(t *testing.T) {
	h := home(t)
	cursor := filepath.Join(h, ".cursor", "mcp.json")
	orig := readFile(t, cursor)
	if r := run(t, h, "wrap", cursor, "--moat", fakeMoat); r.code != 0 {
		t.Fatalf("wrap: %s", r.stderr)
	}
	edited := strings.Replace(readFile(t, cursor), `"--name", "github"`, `"--name", "gh"`, 1)
	if err := os.WriteFile(cursor, []byte(edited), 0o640); err != nil {
		t.Fatal(err)
	}
	r := run(t, h, "unwrap", cursor)
	if r.code != 3 || !strings.Contains(r.stderr, `server "github" not restored: the entry was changed after moat wrapped it`) {
		t.Fatalf("unwrap: exit %d\n%s", r.code, r.stderr)
	}
	got := readFile(t, cursor)
	if !strings.Contains(got, `"--name", "gh"`) || !strings.Contains(got, `"docs": {"url": "https://docs.example.com/mcp"}`) {
		t.Errorf("unwrap result:\n%s", got)
	}
	if _, err := os.Stat(cursor + ".moat-wrap.json"); err != nil {
		t.Error("the record of the refused entry was dropped")
	}
	_ = orig
}

func TestUsage(t *testing.T) {
	h := home(t)
	for _, args := range [][]string{
		{"wrap", "no-such-client-or-file", "--moat", fakeMoat},
		{"wrap", "--home", filepath.Join(h, "missing"), "--moat", fakeMoat},
		{"unwrap", "a", "b"},
	} {
		if r := run(t, h, args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, r.code, r.stderr)
		}
	}
	yaml := filepath.Join(h, ".continue", "config.yaml")
	r := run(t, h, "wrap", yaml, "--moat", fakeMoat)
	if r.code != 0 || !strings.Contains(r.stdout, "wrapped 2 server(s)") {
		t.Errorf("YAML: exit %d %s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, h, "unwrap", filepath.Join(h, ".gemini", "settings.json"))
	if r.code != 0 || !strings.Contains(r.stdout, "nothing to unwrap") {
		t.Errorf("unwrap without record: exit %d %s", r.code, r.stdout)
	}
}

// TestOtherProjectsUntouched: with no argument, moat wraps the user's files
// and the current project's, not the other projects ~/.claude.json lists.
func TestOtherProjectsUntouched(t *testing.T) {
	h := home(t)
	other := t.TempDir()
	shared := `{"mcpServers": {"team": {"command": "npx", "args": ["-y", "@team/mcp"]}}}`
	if err := os.WriteFile(filepath.Join(other, ".mcp.json"), []byte(shared), 0o644); err != nil {
		t.Fatal(err)
	}
	state := `{"projects": {"` + other + `": {"mcpServers": {"mine": {"command": "uvx", "args": ["mine"]}}}}}`
	if err := os.WriteFile(filepath.Join(h, ".claude.json"), []byte(state), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := run(t, h, "wrap", "claude", "--home", h, "--moat", fakeMoat); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got := readFile(t, filepath.Join(other, ".mcp.json")); got != shared {
		t.Errorf("another project's .mcp.json was rewritten:\n%s", got)
	}
	if got := readFile(t, filepath.Join(h, ".claude.json")); !strings.Contains(got, `"args": ["run", "--name", "mine", "--", "uvx", "mine"]`) {
		t.Errorf("~/.claude.json local server not wrapped:\n%s", got)
	}
}

func TestOnlyNoMatch(t *testing.T) {
	h := home(t)
	before := snapshot(t, h)
	for _, args := range [][]string{
		{"wrap", "--home", h, "--only", "nope", "--moat", fakeMoat},
		{"unwrap", "--home", h, "--only", "nope"},
	} {
		r := run(t, h, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "--only nope: no server of that name") {
			t.Errorf("%v: exit %d %s", args, r.code, r.stderr)
		}
	}
	if d := cmp.Diff(before, snapshot(t, h)); d != "" {
		t.Errorf("files changed:\n%s", d)
	}
}

// TestUnknownClientFile: a file moat cannot attribute to a client keeps its
// credential headers; the message says what to do and prints no value.
func TestUnknownClientFile(t *testing.T) {
	h := home(t)
	p := filepath.Join(h, "custom-mcp.json")
	in := `{"mcpServers": {"r": {"url": "https://h.example/mcp", "headers": {"Authorization": "Bearer ` + fixtureSecret + `"}}}}`
	if err := os.WriteFile(p, []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, h, "wrap", p, "--moat", fakeMoat)
	if r.code != 0 || !strings.Contains(r.stderr, "--header-env") || strings.Contains(r.stdout+r.stderr, fixtureSecret) {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got := readFile(t, p); got != in {
		t.Errorf("the file changed:\n%s", got)
	}
}

// TestUnwrapDryRunRedacts: unwrap's diff hides the credentials that go back
// from env into headers.
func TestUnwrapDryRunRedacts(t *testing.T) {
	h := home(t)
	if w := run(t, h, "wrap", "--home", h, "--moat", fakeMoat); w.code != 0 {
		t.Fatalf("wrap: exit %d %s", w.code, w.stderr)
	}
	u := run(t, h, "unwrap", "--dry-run", "--home", h)
	out := u.stdout + u.stderr
	if u.code != 0 || !strings.Contains(out, "[REDACTED]") || strings.Contains(out, fixtureSecret) || strings.Contains(out, "fixture-yaml-key-0002") {
		t.Errorf("unwrap --dry-run: exit %d\n%s", u.code, out)
	}
}
