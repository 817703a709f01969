package wrap

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-dev/moat/internal/testutil"

	"github.com/google/go-cmp/cmp"
	"github.com/pelletier/go-toml/v2"
)

var update = flag.Bool("update", false, "rewrite golden files")

const testMoat = "/usr/local/bin/moat"

func inputs(t *testing.T) []string {
	t.Helper()
	all, err := filepath.Glob("testdata/golden/*")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range all {
		if !strings.HasSuffix(p, ".golden") {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		t.Fatal("no inputs")
	}
	return out
}

// clientFor is the client each golden input is read as, by its name.
func clientFor(p string) string {
	base := filepath.Base(p)
	for prefix, c := range map[string]string{
		"claude-": "claude-code", "codex-": "codex", "crlf": "claude-code", "cursor-": "cursor",
		"opencode": "opencode", "vscode-": "vscode", "windsurf-": "windsurf", "zed-": "zed", "continue-": "continue",
	} {
		if strings.HasPrefix(base, prefix) {
			return c
		}
	}
	return ""
}

func golden(t *testing.T, p, got string) {
	t.Helper()
	testutil.Golden(t, p, got, *update)
}

func summary(r Result) string {
	var b strings.Builder
	for _, rec := range r.Records {
		fmt.Fprintf(&b, "wrapped %s at %q", rec.Server, rec.Path)
		if len(rec.Env) > 0 {
			fmt.Fprintf(&b, " env %q", rec.Env)
		}
		b.WriteString("\n")
	}
	for _, s := range r.Skipped {
		if s.Already {
			fmt.Fprintf(&b, "already %s\n", s.Server)
		} else {
			fmt.Fprintf(&b, "skipped %s: %s\n", s.Server, s.Reason)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note %s\n", n)
	}
	if len(r.Secrets) > 0 {
		fmt.Fprintf(&b, "secrets moved to env: %d\n", len(r.Secrets))
	}
	return b.String()
}

// TestGolden wraps each input, compares with the golden output, checks
// that unwrapping restores the input byte for byte and that wrapping again
// changes nothing.
func TestGolden(t *testing.T) {
	for _, in := range inputs(t) {
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			f, err := FormatOf(in)
			if err != nil {
				t.Fatal(err)
			}
			o := Options{Moat: testMoat, Client: clientFor(in)}
			res, err := Wrap(f, data, o)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, in+".wrapped.golden", string(res.Data))
			noHeaderInArgs(t, f, data, res)
			golden(t, in+".report.golden", summary(res))
			if len(res.Records) == 0 {
				t.Fatal("nothing wrapped")
			}
			back, restored, refused, err := Unwrap(f, res.Data, res.Records, "")
			if err != nil || len(refused) > 0 || len(restored) != len(res.Records) {
				t.Fatalf("unwrap: err=%v refused=%v", err, refused)
			}
			if d := cmp.Diff(string(data), string(back)); d != "" {
				t.Errorf("unwrap did not restore the input (-want +got):\n%s", d)
			}
			again, err := Wrap(f, res.Data, o)
			if err != nil {
				t.Fatal(err)
			}
			if len(again.Records) != 0 || string(again.Data) != string(res.Data) {
				t.Errorf("second wrap changed %d entries", len(again.Records))
			}
		})
	}
}

// TestUnwrapRefusesEdited: an entry changed after wrapping is left alone;
// the others are restored.
func TestUnwrapRefusesEdited(t *testing.T) {
	for _, in := range inputs(t) {
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, _ := os.ReadFile(in)
			f, _ := FormatOf(in)
			res, err := Wrap(f, data, Options{Moat: testMoat, Client: clientFor(in)})
			if err != nil {
				t.Fatal(err)
			}
			first := res.Records[0]
			edited := strings.Replace(first.Wrapped, `"--name"`, `"--name", "--sandbox=strict", "--name"`, 1)
			if f == YAML {
				edited = strings.Replace(first.Wrapped, `"--name"`, `"--name="`, 1)
			}
			if edited == first.Wrapped {
				t.Fatal("could not edit")
			}
			changed := strings.Replace(string(res.Data), first.Wrapped, edited, 1)
			out, restored, refused, err := Unwrap(f, []byte(changed), res.Records, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(refused) != 1 || refused[0].Record.Server != first.Server {
				t.Fatalf("refused = %v, want only %s", refused, first.Server)
			}
			if len(restored) != len(res.Records)-1 {
				t.Fatalf("restored %d, want %d", len(restored), len(res.Records)-1)
			}
			if !strings.Contains(string(out), edited) {
				t.Error("the edited entry was touched")
			}
		})
	}
}

func TestOnly(t *testing.T) {
	data, _ := os.ReadFile("testdata/golden/claude-mcp.json")
	res, err := Wrap(JSON, data, Options{Moat: testMoat, Only: "memory"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 1 || res.Records[0].Server != "memory" {
		t.Fatalf("records = %+v", res.Records)
	}
}

func TestHeaderProblem(t *testing.T) {
	for _, c := range []struct {
		name, value string
		bad         bool
	}{
		{"X-Client", "moat-demo", false},
		{"Accept-Language", "en", false},
		{"Authorization", "Bearer abc", true},
		{"X-Api-Key", "k", true},
		{"X-Trace", "${TRACE}", true},
		{"X-Trace", "{env:TRACE}", true},
		{"X-Trace", "$TRACE", true},
		{"X-Whatever", "sk1234567890abcdefghijklmn", true},
		{"X-Price", "$5", false},
	} {
		if got := headerProblem(c.name, c.value) != ""; got != c.bad {
			t.Errorf("headerProblem(%q, %q) = %v, want %v", c.name, c.value, got, c.bad)
		}
	}
}

func TestIsMoat(t *testing.T) {
	for _, c := range []struct {
		argv []string
		want bool
	}{
		{[]string{"moat", "run"}, true},
		{[]string{"/usr/bin/moat", "run", "--", "x"}, true},
		{[]string{`C:\bin\MOAT.EXE`, "run"}, true},
		{[]string{"moat", "scan"}, false},
		{[]string{"npx", "run"}, false},
		{[]string{"moat"}, false},
	} {
		if got := IsMoat(c.argv); got != c.want {
			t.Errorf("IsMoat(%q) = %v", c.argv, got)
		}
	}
}

func TestRejects(t *testing.T) {
	for _, c := range []struct {
		f    Format
		data string
	}{
		{JSON, `{"mcpServers": {`},
		{TOML, "[mcp_servers.x\ncommand = 1"},
		{YAML, "mcpServers:\n  - name: [x\n"},
		{YAML, "mcpServers:\n  - name: a\n    command: x\n    command: y\n"},
		{YAML, "base: &b\n  command: x\nmcpServers:\n  - name: a\n    <<: *b\n"},
		{YAML, "mcpServers: []\n---\nmcpServers: []\n"},
	} {
		if _, err := Wrap(c.f, []byte(c.data), Options{Moat: testMoat}); err == nil {
			t.Errorf("Wrap(%q) accepted", c.data)
		}
	}
	if f, err := FormatOf("config.yaml"); err != nil || f != YAML {
		t.Errorf("FormatOf(config.yaml) = %v, %v", f, err)
	}
}

func TestDiff(t *testing.T) {
	a := []byte("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n")
	b := []byte("a\nb\nc\nd\nE\nf\ng\nh\ni\nj\nk")
	want := "--- x\n+++ y\n@@ -2,9 +2,10 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n i\n j\n+k\n\\ No newline at end of file\n"
	if got := Diff(a, b, "x", "y"); got != want {
		t.Errorf("Diff =\n%s\nwant\n%s", got, want)
	}
	if Diff(a, a, "x", "y") != "" {
		t.Error("equal inputs gave a diff")
	}
}

func TestSidecar(t *testing.T) {
	var s Sidecar
	s.Add(Entry{Record: Record{Server: "a", Path: []string{"mcpServers", "a"}, Original: "{}", Wrapped: "{}"}})
	s.Add(Entry{Record: Record{Server: "a", Path: []string{"mcpServers", "a"}, Original: "{1}", Wrapped: "{}"}})
	got, err := ParseSidecar(s.Marshal())
	if err != nil || len(got.Entries) != 1 || got.Entries[0].Original != "{1}" {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	got.Remove(got.Records())
	if len(got.Entries) != 0 {
		t.Error("Remove left entries")
	}
	for _, bad := range []string{`{"moat_wrap":2,"entries":[]}`, `{"moat_wrap":1,"entries":[],"x":1}`, `{"moat_wrap":1,"entries":[{"server":""}]}`} {
		if _, err := ParseSidecar([]byte(bad)); err == nil {
			t.Errorf("ParseSidecar(%s) accepted", bad)
		}
	}
}

// bigClaudeState is a ~/.claude.json with many projects, each with a few
// local servers, laid out as Claude Code writes it.
func bigClaudeState(projects int) []byte {
	var b strings.Builder
	b.WriteString("{\n  \"numStartups\": 42,\n  \"projects\": {\n")
	for i := 0; i < projects; i++ {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "    \"/home/me/p%d\": {\n      \"allowedTools\": [],\n      \"history\": [%s],\n      \"mcpServers\": {\n", i, strings.Repeat(`{"display":"fix the build please","pastedContents":{}},`, 20)+`{}`)
		for j := 0; j < 3; j++ {
			if j > 0 {
				b.WriteString(",\n")
			}
			fmt.Fprintf(&b, "        \"s%d\": {\"type\": \"stdio\", \"command\": \"npx\", \"args\": [\"-y\", \"@acme/mcp-%d\"], \"env\": {}}", j, j)
		}
		b.WriteString("\n      }\n    }")
	}
	b.WriteString("\n  }\n}\n")
	return []byte(b.String())
}

func BenchmarkWrapClaudeState(b *testing.B) {
	data := bigClaudeState(1000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		res, err := Wrap(JSON, data, Options{Moat: testMoat})
		if err != nil || len(res.Records) != 3000 {
			b.Fatalf("%v %d", err, len(res.Records))
		}
	}
}

func BenchmarkUnwrapClaudeState(b *testing.B) {
	data := bigClaudeState(1000)
	res, err := Wrap(JSON, data, Options{Moat: testMoat})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(res.Data)))
	for b.Loop() {
		if _, restored, _, err := Unwrap(JSON, res.Data, res.Records, ""); err != nil || len(restored) != 3000 {
			b.Fatal(err)
		}
	}
}

func BenchmarkDiffClaudeState(b *testing.B) {
	data := bigClaudeState(1000)
	res, _ := Wrap(JSON, data, Options{Moat: testMoat})
	for b.Loop() {
		_ = Diff(data, res.Data, "a", "b")
	}
}

// TestBuiltTOML: the documents FuzzEntry builds are really wrapped.
func TestBuiltTOML(t *testing.T) {
	tm, err := toml.Marshal(map[string]any{"mcp_servers": map[string]any{
		"a b": map[string]any{"command": `C:\x y\z.exe`, "args": []string{"--q=\"1\""}, "env": map[string]string{"K": "v"}},
		"r":   map[string]any{"type": "http", "url": "https://h.example/mcp"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Wrap(TOML, tm, Options{Moat: testMoat})
	if err != nil || len(res.Records) != 2 {
		t.Fatalf("records %d, err %v, skipped %+v\n%s", len(res.Records), err, res.Skipped, tm)
	}
}

// TestDuplicateKeys: a server map reached through a duplicated key is not
// touched (JavaScript clients read the last duplicate, hujson the first).
func TestDuplicateKeys(t *testing.T) {
	for _, in := range []string{
		`{"mcpServers": {"a": {"command": "x"}}, "mcpServers": {"a": {"command": "y"}}}`,
		`{"mcpServers": {"a": {"command": "x"}, "a": {"command": "y"}}}`,
		`{"mcpServers": {"a": {"command": "x", "command": "y"}}}`,
		`{"projects": {"/p": {"mcpServers": {"a": {"command": "x"}}}, "/p": {}}}`,
	} {
		res, err := Wrap(JSON, []byte(in), Options{Moat: testMoat})
		if err != nil || len(res.Records) != 0 || string(res.Data) != in || len(res.Skipped) == 0 {
			t.Errorf("%s: records %d, skipped %v, err %v", in, len(res.Records), res.Skipped, err)
		}
	}
}
