package scan_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moat-dev/moat/internal/cli"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/iostreams"
)

var (
	buildOnce sync.Once
	built     map[string]string
	buildErr  error
)

// testServers builds the deliberately malicious Go test servers once.
func testServers(t *testing.T) map[string]string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "moat-scan-servers-")
		if err != nil {
			buildErr = err
			return
		}
		abs, _ := filepath.Abs(root)
		built = map[string]string{}
		for _, name := range []string{"poisoned", "shadow", "rugpull", "httpserver"} {
			out := filepath.Join(dir, name)
			cmd := exec.Command("go", "build", "-o", out, "./testdata/servers/"+name)
			cmd.Dir = abs
			if b, err := cmd.CombinedOutput(); err != nil {
				buildErr = &buildError{name, string(b)}
				return
			}
			built[name] = out
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

type buildError struct{ name, out string }

func (e *buildError) Error() string { return "building " + e.name + ": " + e.out }

// claudeHome writes a home whose ~/.claude.json configures servers.
func claudeHome(t *testing.T, servers map[string]any) string {
	t.Helper()
	home := t.TempDir()
	b, _ := json.Marshal(map[string]any{"mcpServers": servers})
	if err := os.WriteFile(filepath.Join(home, ".claude.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return home
}

type jsonReport struct {
	Findings []struct {
		Rule     string
		Severity string
		Message  string
		Evidence string
		Location struct{ Server, Tool, Field string }
	}
	Live []struct {
		Name, Status, Error, Stderr string
		Tools                       int
	}
}

func TestConnectFindings(t *testing.T) {
	srv := testServers(t)
	const secret = "sk-live-0123456789abcdefMOATTEST"
	home := claudeHome(t, map[string]any{
		"notes":  map[string]any{"command": srv["poisoned"]},
		"files":  map[string]any{"command": srv["shadow"]},
		"broken": map[string]any{"command": "sh", "args": []string{"-c", "echo token=$TOKEN >&2; exit 2"}, "env": map[string]string{"TOKEN": secret}},
	})
	r := run(t, day, "scan", "--connect", "--home", home, "--format", "json", "--fail-on", "none", "--os", "linux")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, secret) {
		t.Fatal("a configured secret value was printed")
	}
	var rep jsonReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range rep.Findings {
		got[f.Rule+"@"+f.Location.Server] = true
	}
	for _, want := range []string{
		"cross-server-reference@files", // log_event steers around send_message
		"toxic-flow@",                  // query_db + fetch_url + send_message
		"server-unreachable@broken",    // reported, and the scan went on
		"inject-ignore-previous@notes", // instructions
	} {
		if !got[want] {
			t.Errorf("missing %s in %v", want, got)
		}
	}
	if !got["tool-name-near@files"] && !got["tool-name-near@notes"] { // query_database ~ query_db
		t.Errorf("missing tool-name-near in %v", got)
	}
	var unknownMember bool
	for _, f := range rep.Findings {
		if f.Location.Server == "notes" && strings.Contains(f.Location.Field, "x-notes") {
			unknownMember = true
		}
	}
	if !unknownMember {
		t.Error("no finding on the unknown member x-notes: raw definitions must be inspected")
	}
	if len(rep.Live) != 3 || rep.Live[0].Name == "" {
		t.Errorf("live section: %+v", rep.Live)
	}
}

func TestConnectLockFrozenRugPull(t *testing.T) {
	srv := testServers(t)
	state := filepath.Join(t.TempDir(), "starts")
	home := claudeHome(t, map[string]any{
		"weather": map[string]any{"command": srv["rugpull"], "env": map[string]string{"MOAT_RUGPULL_STATE": state}},
	})
	lock := filepath.Join(t.TempDir(), "moat.lock")
	r := run(t, day, "scan", "--connect", "--home", home, "--os", "linux", "--lock", lock)
	if r.code != 0 {
		t.Fatalf("--lock: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Unchanged server: --frozen passes (first start again).
	os.Remove(state)
	if r := run(t, day, "scan", "--connect", "--home", home, "--os", "linux", "--frozen", lock); r.code != 0 {
		t.Fatalf("--frozen on an unchanged server: exit %d\n%s", r.code, r.stderr)
	}
	// Second start: the tools change.
	r = run(t, day, "scan", "--connect", "--home", home, "--os", "linux", "--frozen", lock, "--fail-on", "none")
	if r.code != 1 {
		t.Fatalf("--frozen after a rug pull: exit %d, want 1\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		"~ weather/get_forecast changed", "inputSchema.properties.city.description",
		"~ weather/weather_alerts renamed from get_alerts", "- weather/list_cities (tool removed)",
		"+ weather/run_command (new tool)", "~ server weather: version changed",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("diff lacks %q:\n%s", want, r.stderr)
		}
	}
	if !strings.Contains(r.stdout, "tool-drift") {
		t.Errorf("report lacks drift findings:\n%s", r.stdout)
	}
}

func TestConnectHTTP(t *testing.T) {
	srv := testServers(t)
	const token = "moat-test-token-4815162342"
	cmd := exec.Command(srv["httpserver"])
	cmd.Env = append(os.Environ(), "MOAT_HTTP_TOKEN="+token)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	home := claudeHome(t, map[string]any{
		"docs": map[string]any{"type": "http", "url": strings.TrimSpace(url), "headers": map[string]string{"Authorization": "Bearer " + token}},
	})
	r := run(t, day, "scan", "--connect", "--home", home, "--os", "linux", "--format", "json", "--fail-on", "none")
	if strings.Contains(r.stdout+r.stderr, token) {
		t.Fatal("header value printed")
	}
	var rep jsonReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stderr)
	}
	if len(rep.Live) != 1 || rep.Live[0].Status != "ok" || rep.Live[0].Tools != 2 {
		t.Fatalf("live: %+v", rep.Live)
	}
	var poisoned bool
	for _, f := range rep.Findings {
		poisoned = poisoned || (f.Location.Server == "docs" && f.Location.Tool == "open_doc")
	}
	if !poisoned {
		t.Error("no finding on the poisoned open_doc tool")
	}
}

func TestConnectFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"scan", "--lock", "x.lock"},
		{"scan", "--connect", "--lock", "a", "--frozen", "b"},
		{"scan", "--connect", "--timeout", "0s"},
		{"scan", "--connect", "--concurrency", "0"},
		{"scan", "--connect", "--frozen", "/nonexistent/moat.lock"},
	} {
		if r := run(t, day, args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
}

// TestConnectProgress: on a terminal, stderr shows which servers are being
// contacted; stdout carries only the report.
func TestConnectProgress(t *testing.T) {
	srv := testServers(t)
	home := claudeHome(t, map[string]any{"notes": map[string]any{"command": srv["poisoned"]}})
	ios, _, out, errOut := iostreams.Test()
	ios.SetTTY(false, false, true)
	f := &cmdutil.Factory{IO: ios, Now: func() time.Time { return day }, WorkDir: t.TempDir(), HomeDir: t.TempDir()}
	code := cli.Run(f, []string{"scan", "--connect", "--home", home, "--os", "linux", "--format", "json", "--fail-on", "none"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut.String(), "contacting servers 1/1") || !strings.Contains(errOut.String(), "contacted 1 servers") {
		t.Errorf("no progress on stderr: %q", errOut)
	}
	if strings.Contains(out.String(), "contacting") {
		t.Error("progress written to stdout")
	}
}
