package wrap_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/tailscale/hujson"
	yaml "go.yaml.in/yaml/v3"
)

// TestE2EWrappedConfigRuns builds moat, wraps a Claude-style .mcp.json with
// the official "everything" reference server (stdio, from npm) and a remote
// go-sdk server on loopback, then starts each wrapped entry exactly as a
// client would (command, args, env) and drives it with the official Go SDK
// client. Unwrap must then restore the file byte for byte.
func TestE2EWrappedConfigRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds moat")
	}
	root, _ := filepath.Abs(filepath.Join("..", "..", ".."))
	node, err := exec.LookPath("node")
	everything := filepath.Join(root, "testdata", "e2e", "node", "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")
	if _, serr := os.Stat(everything); err != nil || serr != nil {
		msg := "needs node and testdata/e2e/node/node_modules: run `make e2e-deps`"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	moat := filepath.Join(dir, "moat")
	build := exec.Command("go", "build", "-o", moat, "./cmd/moat")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building moat: %v\n%s", err, out)
	}
	t.Setenv("MOAT_STATE_DIR", filepath.Join(dir, "state"))
	t.Setenv("MOAT_CONFIG_DIR", filepath.Join(dir, "config"))

	var sawHeader, sawAuth atomic.Bool
	s := mcp.NewServer(&mcp.Implementation{Name: "remote", Version: "1"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "ping", Description: "answers pong"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "pong"}}}, nil, nil
	})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Client") == "moat-e2e" {
			sawHeader.Store(true)
		}
		if r.Header.Get("Authorization") == "Bearer "+e2eToken {
			sawAuth.Store(true)
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()

	cfg := filepath.Join(dir, "proj", ".mcp.json")
	os.MkdirAll(filepath.Dir(cfg), 0o755)
	orig := `{
  // wrapped by the e2e test
  "mcpServers": {
    "everything": {"command": ` + q(node) + `, "args": [` + q(everything) + `, "stdio"], "env": {"MOAT_E2E": "1"}},
    "remote": {"type": "http", "url": ` + q(srv.URL) + `, "headers": {"X-Client": "moat-e2e", "Authorization": "Bearer ${MOAT_E2E_TOKEN}"}}
  }
}
`
	if err := os.WriteFile(cfg, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(moat, "wrap", cfg).CombinedOutput(); err != nil {
		t.Fatalf("moat wrap: %v\n%s", err, out)
	}
	var doc struct {
		MCPServers map[string]struct {
			Command string            `json:"command"`
			Args    []string          `json:"args"`
			Env     map[string]string `json:"env"`
		} `json:"mcpServers"`
	}
	data, _ := os.ReadFile(cfg)
	std, err := standardize(data)
	if err != nil || json.Unmarshal(std, &doc) != nil {
		t.Fatalf("wrapped config does not parse: %v\n%s", err, data)
	}
	for name, tool := range map[string]string{"everything": "echo", "remote": "ping"} {
		e := doc.MCPServers[name]
		if e.Command != moat {
			t.Fatalf("%s: command %q, want %q", name, e.Command, moat)
		}
		for _, a := range e.Args {
			if strings.Contains(a, "Bearer") || strings.Contains(a, "MOAT_E2E_TOKEN}") {
				t.Errorf("%s: a header value is on the command line: %q", name, e.Args)
			}
		}
		driveEntry(t, name, e.Command, e.Args, e.Env, tool)
	}
	if !sawHeader.Load() {
		t.Error("the remote server never saw the header from the wrapped entry")
	}
	if !sawAuth.Load() {
		t.Error("the remote server never saw the credential header moat run read from the environment")
	}
	if out, err := exec.Command(moat, "unwrap", cfg).CombinedOutput(); err != nil {
		t.Fatalf("moat unwrap: %v\n%s", err, out)
	}
	if got, _ := os.ReadFile(cfg); string(got) != orig {
		t.Errorf("unwrap did not restore the file:\n%s", got)
	}
	sawAuth.Store(false)
	continueYAML(t, moat, filepath.Join(dir, "proj"), srv.URL)
	if !sawAuth.Load() {
		t.Error("Continue: the remote server never saw the literal credential moat run read from the environment")
	}
}

// continueYAML wraps a Continue config.yaml whose remote server has a
// literal credential header, runs the wrapped entry and unwraps.
func continueYAML(t *testing.T, moat, proj, url string) {
	cfg := filepath.Join(proj, ".continue", "config.yaml")
	os.MkdirAll(filepath.Dir(cfg), 0o755)
	orig := "name: e2e\nversion: 0.0.1\nschema: v1\nmcpServers:\n  # remote, literal token\n  - name: remote\n    type: streamable-http\n    url: " + url + "\n    requestOptions:\n      headers:\n        Authorization: Bearer " + e2eToken + "\n"
	if err := os.WriteFile(cfg, []byte(orig), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(moat, "wrap", cfg).CombinedOutput(); err != nil || strings.Contains(string(out), e2eToken) {
		t.Fatalf("moat wrap: %v\n%s", err, out)
	}
	var doc struct {
		MCPServers []struct {
			Command string            `yaml:"command"`
			Args    []string          `yaml:"args"`
			Env     map[string]string `yaml:"env"`
		} `yaml:"mcpServers"`
	}
	data, _ := os.ReadFile(cfg)
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.MCPServers) != 1 {
		t.Fatalf("wrapped config: %v\n%s", err, data)
	}
	e := doc.MCPServers[0]
	if e.Command != moat || strings.Contains(strings.Join(e.Args, " "), e2eToken) {
		t.Fatalf("wrapped entry: %q %q", e.Command, e.Args)
	}
	driveEntry(t, "continue remote", e.Command, e.Args, e.Env, "ping")
	if out, err := exec.Command(moat, "unwrap", cfg).CombinedOutput(); err != nil {
		t.Fatalf("moat unwrap: %v\n%s", err, out)
	}
	if got, _ := os.ReadFile(cfg); string(got) != orig {
		t.Errorf("unwrap did not restore the file:\n%s", got)
	}
}

// driveEntry starts a wrapped entry as a client would (command, args, env
// with ${VAR} expanded as Claude Code does) and lists its tools.
func driveEntry(t *testing.T, name, command string, args []string, env map[string]string, tool string) {
	t.Helper()
	cmd := exec.Command(command, args...)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+os.Expand(v, func(k string) string { return map[string]string{"MOAT_E2E_TOKEN": e2eToken}[k] }))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "wrap-e2e", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("%s: connecting to the wrapped entry: %v", name, err)
	}
	defer cs.Close()
	tools, err := cs.ListTools(ctx, nil)
	found := false
	for i := 0; err == nil && i < len(tools.Tools); i++ {
		found = found || tools.Tools[i].Name == tool
	}
	if err != nil || !found {
		t.Errorf("%s: tools/list has no %q: %v", name, tool, err)
	}
}

// e2eToken is what the test "client" expands ${MOAT_E2E_TOKEN} to.
const e2eToken = "e2e-token-not-a-real-secret"

func q(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// standardize strips JSONC comments and trailing commas.
func standardize(b []byte) ([]byte, error) { return hujson.Standardize(b) }
