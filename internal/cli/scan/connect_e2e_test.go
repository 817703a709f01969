package scan_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// nodeDeps returns the e2e node_modules directory. Locally the test skips
// when node or the packages are missing; in CI (CI set) that is a failure,
// because `make test` installs them first.
func nodeDeps(t *testing.T) string {
	t.Helper()
	abs, _ := filepath.Abs(root)
	dir := filepath.Join(abs, "testdata", "e2e", "node", "node_modules", "@modelcontextprotocol")
	_, err := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(dir, "server-everything", "package.json"))
	if err == nil && modErr == nil {
		return dir
	}
	msg := "end-to-end test needs node and testdata/e2e/node/node_modules: run `make e2e-deps`"
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set, so this is a failure, not a skip)")
	}
	t.Skip(msg)
	return ""
}

// TestConnectReferenceServers starts the official reference servers from
// npm and checks that moat reads everything they offer and reports nothing
// against them (they are the false-positive baseline).
func TestConnectReferenceServers(t *testing.T) {
	dir := nodeDeps(t)
	entry := func(pkg string) string { return filepath.Join(dir, pkg, "dist", "index.js") }
	data := t.TempDir()
	home := claudeHome(t, map[string]any{
		"everything": map[string]any{"command": "node", "args": []string{entry("server-everything"), "stdio"}},
		"filesystem": map[string]any{"command": "node", "args": []string{entry("server-filesystem"), data}},
		"memory": map[string]any{"command": "node", "args": []string{entry("server-memory")},
			"env": map[string]string{"MEMORY_FILE_PATH": filepath.Join(data, "memory.jsonl")}},
	})
	r := run(t, day, "scan", "--connect", "--timeout", "60s", "--home", home, "--os", "linux", "--format", "json", "--fail-on", "none")
	var rep jsonReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stderr)
	}
	if len(rep.Live) != 3 {
		t.Fatalf("live: %+v", rep.Live)
	}
	for _, l := range rep.Live {
		if l.Status != "ok" || l.Tools == 0 {
			t.Errorf("%s: status %s, %d tools: %s %s", l.Name, l.Status, l.Tools, l.Error, l.Stderr)
		}
	}
	for _, f := range rep.Findings {
		if f.Location.Server != "" && f.Rule != "user-scope-server" && f.Rule != "filesystem-root" {
			t.Errorf("finding on a reference server: %s %s %s/%s %s: %s", f.Severity, f.Rule, f.Location.Server, f.Location.Tool, f.Location.Field, f.Evidence)
		}
	}
}

// TestLiveDemo runs the bundled demo the README's main-job command ends
// with: the reference servers plus the malicious demo server.
func TestLiveDemo(t *testing.T) {
	nodeDeps(t)
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the demo server is started with go run")
	}
	r := run(t, day, "scan", "--connect", "--timeout", "120s", "--fail-on", "none", "examples/demo")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"tool-name-collision", "cross-server-reference", "toxic-flow", "hidden-tag-block", "inject-ignore-previous"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %s:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "server-unreachable") {
		t.Errorf("a demo server failed:\n%s", r.stdout)
	}
}
