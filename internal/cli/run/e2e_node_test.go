package run_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// nodeDeps returns node and the e2e node_modules directory. Locally the test
// skips when either is missing; in CI (CI set) that is a failure, because
// `make test` installs them first.
func nodeDeps(t *testing.T) (node, dir string) {
	t.Helper()
	dir = filepath.Join(bin.root, "testdata", "e2e", "node")
	node, err := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk", "package.json"))
	if err == nil && modErr == nil {
		return node, dir
	}
	msg := "end-to-end test needs node and testdata/e2e/node/node_modules: run `make e2e-deps`"
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set, so this is a failure, not a skip)")
	}
	t.Skip(msg)
	return "", ""
}

func pkgEntry(dir, pkg string) string {
	return filepath.Join(dir, "node_modules", "@modelcontextprotocol", pkg, "dist", "index.js")
}

// TestTypeScriptClientWithEverythingServer drives the official reference
// server through moat with the official TypeScript SDK client: tools,
// progress, sampling, elicitation, roots, resources, prompts, ping.
func TestTypeScriptClientWithEverythingServer(t *testing.T) {
	node, dir := nodeDeps(t)
	cmd := exec.Command(node, filepath.Join(dir, "client.mjs"), bin.moat, node, pkgEntry(dir, "server-everything"), "stdio")
	cmd.Dir = dir
	// A state of its own: server-everything lists some tools only to clients
	// that declare sampling or elicitation, so pins made by another test's
	// client would (rightly) withhold them here as new tools.
	cmd.Env = append(os.Environ(), "MOAT_STATE_DIR="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("TypeScript client: %v\nstderr:\n%s", err, stderr.String())
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("client output is not JSON: %v\n%s", err, out)
	}
	// list_changed counts depend on timing; everything else is deterministic.
	delete(got["seen"].(map[string]any), "toolListChanged")
	// The TS SDK runs notification handlers asynchronously but responses at
	// once, so a last progress notification read in the same chunk as the
	// result can be dropped by the client itself (with or without moat).
	got["progress"] = checkProgress(t, got["progress"])
	golden := filepath.Join(bin.root, "testdata", "e2e", "golden", "everything-ts.json")
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(golden, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wantBytes, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	var want map[string]any
	if err := json.Unmarshal(wantBytes, &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("TypeScript client results through moat (-want +got):\n%s\nmoat stderr:\n%s", diff, stderr.String())
	}
}

// TestGoSDKClientWithFilesystemServer uses the official Go SDK client on the
// official filesystem server through moat.
func TestGoSDKClientWithFilesystemServer(t *testing.T) {
	node, dir := nodeDeps(t)
	root := t.TempDir()
	cs, _, stderr := connect(t, nil, node, pkgEntry(dir, "server-filesystem"), root)
	path := filepath.Join(root, "note.txt")
	if _, err := callText(t, cs, "write_file", map[string]any{"path": path, "content": "written through moat ✓"}); err != nil {
		t.Fatalf("write_file: %v (stderr %s)", err, stderr)
	}
	got, err := callText(t, cs, "read_text_file", map[string]any{"path": path})
	if err != nil || got != "written through moat ✓" {
		t.Fatalf("read_text_file = %q, %v", got, err)
	}
	if _, err := callText(t, cs, "read_text_file", map[string]any{"path": "/etc/hostname"}); err == nil {
		t.Fatal("the filesystem server read outside its root")
	}
	listed, err := callText(t, cs, "list_allowed_directories", map[string]any{})
	if err != nil || !strings.Contains(listed, filepath.Base(root)) {
		t.Fatalf("list_allowed_directories = %q, %v", listed, err)
	}
}

// TestGoSDKClientWithMemoryServer checks a third reference server's tools.
func TestGoSDKClientWithMemoryServer(t *testing.T) {
	node, dir := nodeDeps(t)
	env := []string{"MEMORY_FILE_PATH=" + filepath.Join(t.TempDir(), "memory.jsonl")}
	cs, _, _ := connectEnv(t, env, nil, node, pkgEntry(dir, "server-memory"))
	if _, err := callText(t, cs, "create_entities", map[string]any{"entities": []any{map[string]any{"name": "moat", "entityType": "tool", "observations": []string{"proxies MCP"}}}}); err != nil {
		t.Fatalf("create_entities: %v", err)
	}
	got, err := callText(t, cs, "search_nodes", map[string]any{"query": "moat"})
	if err != nil || !strings.Contains(got, "proxies MCP") {
		t.Fatalf("search_nodes = %q, %v", got, err)
	}
}

// checkProgress requires increasing progress values starting at 1 and
// returns a stable placeholder for the golden comparison.
func checkProgress(t *testing.T, v any) string {
	t.Helper()
	ps, _ := v.([]any)
	if len(ps) < 2 {
		t.Errorf("progress notifications = %v, want at least 2 (3 sent)", v)
	}
	for i, p := range ps {
		if f, _ := p.(float64); f != float64(i+1) {
			t.Errorf("progress notifications = %v, want 1, 2, 3 in order", v)
		}
	}
	return "checked: in order"
}
