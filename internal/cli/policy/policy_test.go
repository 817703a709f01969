package policycmd_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moat-dev/moat/internal/cli"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/iostreams"
)

type env struct {
	f        *cmdutil.Factory
	out, err interface{ String() string }
	dir      string
}

func newEnv(t *testing.T) *env {
	dir := t.TempDir()
	ios, _, out, errb := iostreams.Test()
	f := &cmdutil.Factory{IO: ios, Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) },
		HomeDir: filepath.Join(dir, "home"), ConfigDir: filepath.Join(dir, "config"), StateDir: filepath.Join(dir, "state"),
		WorkDir: filepath.Join(dir, "proj")}
	for _, d := range []string{f.HomeDir, f.ConfigDir, filepath.Join(f.WorkDir, ".git")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &env{f: f, out: out, err: errb, dir: dir}
}

func (e *env) write(t *testing.T, path, data string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPolicyTest(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		decision string
		rule     string
	}{
		{"deny exits 0", []string{"--server", "builtin", "--tool", "Bash", "--args", `{"command":"rm -rf /"}`}, 0, "deny", "shell-destructive"},
		{"fail-on deny", []string{"--server", "builtin", "--tool", "Bash", "--args", `{"command":"rm -rf /"}`, "--fail-on", "deny"}, 1, "deny", "shell-destructive"},
		{"fail-on ask with allow", []string{"--server", "builtin", "--tool", "Bash", "--args", `{"command":"ls"}`, "--fail-on", "ask"}, 0, "allow", "default"},
		{"production label", []string{"--server", "db", "--label", "env=production", "--tool", "query", "--args", `{"sql":"UPDATE t SET a=1 WHERE id=2"}`, "--fail-on", "ask"}, 1, "ask", "sql-production-write"},
		{"taint", []string{"--server", "slack", "--tool", "post_message", "--taint", "secrets", "--args", `{"text":"x"}`}, 0, "ask", "exfil-after-taint"},
		{"duplicate keys", []string{"--server", "fs", "--tool", "read", "--args", `{"path":"a","path":"b"}`}, 0, "deny", "invalid-arguments"},
		{"bad label", []string{"--server", "s", "--tool", "t", "--label", "nolabel"}, 2, "", ""},
		{"missing tool", []string{"--server", "s"}, 2, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			code := cli.Run(e.f, append([]string{"policy", "test", "--format", "json"}, tc.args...))
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, e.err.String())
			}
			if tc.decision == "" {
				return
			}
			var res struct{ Decision, Rule, Reason string }
			if err := json.Unmarshal([]byte(e.out.String()), &res); err != nil {
				t.Fatalf("%v: %s", err, e.out.String())
			}
			if res.Decision != tc.decision || res.Rule != tc.rule {
				t.Errorf("got %s by %s (%s), want %s by %s", res.Decision, res.Rule, res.Reason, tc.decision, tc.rule)
			}
		})
	}
}

func TestPolicyLayeringFromFiles(t *testing.T) {
	e := newEnv(t)
	e.write(t, filepath.Join(e.f.ConfigDir, "policy.yaml"), "default: deny\nrules:\n  - {id: gh, action: allow, server: github}\n")
	e.write(t, filepath.Join(e.f.WorkDir, ".moat", "policy.yaml"), "rules:\n  - {id: open, action: allow, server: \"*\"}\n")
	code := cli.Run(e.f, []string{"policy", "test", "--server", "slack", "--tool", "post", "--format", "json"})
	if code != 0 || !strings.Contains(e.out.String(), `"decision": "deny"`) {
		t.Fatalf("project allow loosened the user default: exit %d %s", code, e.out.String())
	}
	if !strings.Contains(e.err.String(), "a project policy cannot allow") {
		t.Errorf("no warning: %s", e.err.String())
	}
}

func TestPolicyTestExtraPolicy(t *testing.T) {
	e := newEnv(t)
	p := e.write(t, filepath.Join(e.dir, "extra.yaml"), "rules:\n  - id: no-push\n    action: deny\n    server: github\n    tool: push_files\n")
	code := cli.Run(e.f, []string{"policy", "test", "--policy", p, "--server", "github", "--tool", "push_files"})
	if code != 0 || !strings.Contains(e.out.String(), "decision: deny") || !strings.Contains(e.out.String(), "no-push") {
		t.Fatalf("exit %d\n%s%s", code, e.out.String(), e.err.String())
	}
	e = newEnv(t)
	if code := cli.Run(e.f, []string{"policy", "test", "--policy", filepath.Join(e.dir, "missing.yaml"), "--server", "s", "--tool", "t"}); code != 2 {
		t.Errorf("missing --policy file: exit %d", code)
	}
}

func TestPolicyLint(t *testing.T) {
	e := newEnv(t)
	good := e.write(t, filepath.Join(e.dir, "good.yaml"), "version: 1\ndefault: ask\nrules:\n  - id: a\n    action: deny\n    when: 'args.x == \"y\"'\n")
	bad := e.write(t, filepath.Join(e.dir, "bad.yaml"), "rules:\n  - id: a\n    action: deny\n    args:\n      - path: cmd\n        regex: \"(x\"\n  - id: b\n    action: ask\n    when: 'args.x.('\n    servr: q\n")
	if code := cli.Run(e.f, []string{"policy", "lint", good}); code != 0 {
		t.Fatalf("good file: exit %d %s %s", code, e.out.String(), e.err.String())
	}
	e2 := newEnv(t)
	bad = e2.write(t, filepath.Join(e2.dir, "bad.yaml"), "rules:\n  - id: a\n    action: deny\n    servr: q\n")
	if code := cli.Run(e2.f, []string{"policy", "lint", bad}); code != 2 || !strings.Contains(e2.out.String(), "bad.yaml:4: error: unknown key \"servr\" in a rule") {
		t.Fatalf("unknown key: exit %d %q", code, e2.out.String())
	}
	e3 := newEnv(t)
	bad = e3.write(t, filepath.Join(e3.dir, "bad.yaml"), "rules:\n  - id: a\n    action: deny\n    args:\n      - path: cmd\n        regex: \"(x\"\n  - id: b\n    action: ask\n    when: 'args.x.('\n")
	code := cli.Run(e3.f, []string{"policy", "lint", "--format", "json", bad})
	var res struct {
		Problems []struct {
			Line    int
			Message string
		}
		Errors int
	}
	if err := json.Unmarshal([]byte(e3.out.String()), &res); err != nil || code != 2 || res.Errors != 2 {
		t.Fatalf("exit %d %v %s", code, err, e3.out.String())
	}
	if res.Problems[0].Line != 5 || !strings.Contains(res.Problems[0].Message, "regex") || res.Problems[1].Line != 7 || !strings.Contains(res.Problems[1].Message, "CEL") {
		t.Errorf("problems: %+v", res.Problems)
	}
	e4 := newEnv(t)
	proj := e4.write(t, filepath.Join(e4.f.WorkDir, ".moat", "policy.yaml"), "rules:\n  - {id: a, action: allow}\n")
	if code := cli.Run(e4.f, []string{"policy", "lint", proj}); code != 2 {
		t.Errorf("project allow rule: exit %d %s", code, e4.out.String())
	}
}
