package sandbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/egress"
	"github.com/moat-dev/moat/internal/sandbox"
)

var bin struct{ dir, moat, probe, root string }

func TestMain(m *testing.M) {
	if sandbox.IsChild() { // Check() re-executes the test binary
		os.Exit(sandbox.ChildMain())
	}
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "moat-sandbox-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin.root, _ = filepath.Abs(filepath.Join("..", ".."))
	bin.dir, bin.moat, bin.probe = dir, filepath.Join(dir, "moat"), filepath.Join(dir, "probe")
	for out, pkg := range map[string]string{bin.moat: "./cmd/moat", bin.probe: "./internal/sandbox/testdata/probe"} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Dir = bin.root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n%s", pkg, err, b)
			return 1
		}
	}
	return m.Run()
}

// needNamespaces skips, naming the reason, when `moat sandbox check` says a
// layer (user namespaces above all) is unavailable on this machine. The
// development and CI machines provide every layer, so there these tests run.
func needNamespaces(t testing.TB) {
	t.Helper()
	for _, l := range sandbox.Check().Layers {
		if !l.Available {
			t.Skipf("sandbox layer %s is unavailable here (%s); `moat sandbox check` says how to enable it", l.Name, l.Detail)
		}
	}
}

// env is moat's environment: a fixture home and a private state dir.
func env(t testing.TB, home, state string) []string {
	t.Helper()
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "MOAT_STATE_DIR=") && !strings.HasPrefix(kv, "XDG_STATE_HOME=") {
			out = append(out, kv)
		}
	}
	return append(out, "HOME="+home, "MOAT_STATE_DIR="+state)
}

// policyOff is a user policy that turns off the built-in rules these tests'
// arguments would trip (credential paths, internal URLs): the point is to
// show that the sandbox stops the attempt, not moat's policy in front of it.
const policyOff = `builtins:
  disable:
    - id: credential-path
      reason: sandbox tests must reach the sandbox
    - id: url-internal
      reason: sandbox tests fetch loopback test servers
`

// withPolicyOff inserts --policy with policyOff after "run".
func withPolicyOff(t testing.TB, args []string) []string {
	t.Helper()
	if len(args) == 0 || args[0] != "run" {
		return args
	}
	f := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(f, []byte(policyOff), 0o600); err != nil {
		t.Fatal(err)
	}
	return append([]string{"run", "--policy", f}, args[1:]...)
}

func connectMoat(t testing.TB, environ []string, args ...string) *mcp.ClientSession {
	t.Helper()
	cmd := exec.Command(bin.moat, withPolicyOff(t, args)...)
	cmd.Env = environ
	var stderr strings.Builder
	cmd.Stderr = &stderr
	client := mcp.NewClient(&mcp.Implementation{Name: "moat-sandbox-e2e", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connecting through moat %v: %v (stderr: %s)", args, err, stderr.String())
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func callJSON(t testing.TB, cs *mcp.ClientSession, name string, args any) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var got map[string]string
	text := res.Content[0].(*mcp.TextContent).Text
	if err := json.Unmarshal([]byte(text), &got); err != nil {
		t.Fatalf("%s: the result is not the probe's JSON (%v): %s", name, err, text)
	}
	return got
}

func loopbackServer(t testing.TB, body string) (*httptest.Server, string) {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }))
	t.Cleanup(s.Close)
	u, _ := url.Parse(s.URL)
	return s, u.Host
}

// TestConfinedServer runs the probe server under `moat run --sandbox`:
// every forbidden attempt fails, the allowed loopback host is reachable
// only through the proxy, and the egress decisions are in the audit log.
func TestConfinedServer(t *testing.T) {
	needNamespaces(t)
	base := t.TempDir()
	home, state, root, outside := filepath.Join(base, "home"), filepath.Join(base, "state"), filepath.Join(base, "root"), filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(home, ".ssh"), root, outside} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	secret := filepath.Join(home, ".ssh", "id_rsa")
	if err := os.WriteFile(secret, []byte("not a real key"), 0o600); err != nil {
		t.Fatal(err)
	}
	allowed, allowedHost := loopbackServer(t, "allowed host says hi")
	_, deniedHost := loopbackServer(t, "must not be reached")
	_ = allowed
	sock := filepath.Join(base, "daemon.sock")
	uln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer uln.Close()
	cs := connectMoat(t, env(t, home, state), "run", "--name", "probe", "--sandbox",
		"--allow-host", allowedHost, "--allow-write", root, "--allow-read", home, "--", bin.probe)
	got := callJSON(t, cs, "probe", map[string]any{
		"read": secret, "write_outside": filepath.Join(outside, "x"), "write_inside": filepath.Join(root, "x"),
		"connect": deniedHost, "fetch_denied": "http://" + deniedHost + "/", "fetch_allowed": "http://" + allowedHost + "/",
		"unix": sock, "read_system": "/etc/shadow", "tty": true,
	})
	want := map[string]string{
		"unix":          "error: dial unix " + sock + ": socket: operation not permitted",
		"read_system":   "error: open /etc/shadow: ",
		"tiocsti":       "error: operation not permitted",
		"read":          "error: open " + secret + ": permission denied",
		"write_outside": "error: open " + filepath.Join(outside, "x") + ": permission denied",
		"write_inside":  "ok",
		"fetch_denied":  "403 moat egress: denied: 127.0.0.1:",
		"fetch_allowed": "200 allowed host says hi",
		"ptrace":        "error: operation not permitted",
		"hostname":      "moat-sandbox",
		"NoNewPrivs":    "1",
		"Seccomp":       "2",
		"CapEff":        "0000000000000000",
		"CapBnd":        "0000000000000000",
	}
	for k, w := range want {
		if !strings.HasPrefix(got[k], w) {
			t.Errorf("%s = %q, want prefix %q", k, got[k], w)
		}
	}
	if !strings.HasPrefix(got["connect"], "error: ") {
		t.Errorf("direct connect to the host's loopback = %q, want an error (the sandbox has its own loopback)", got["connect"])
	}
	if got["pid"] == "" || len(got["pid"]) > 3 {
		t.Errorf("server pid = %q, want a small pid in its own PID namespace", got["pid"])
	}
	cs.Close()
	checkAudit(t, state, allowedHost, deniedHost)
}

func checkAudit(t *testing.T, state, allowedHost, deniedHost string) {
	t.Helper()
	var egress []string
	sawSandbox := false
	err := audit.ReadDir(audit.Dir(state), func(r audit.Record) error {
		e := r.Event
		switch e.Kind {
		case audit.KindSandbox:
			sawSandbox = e.Action == "apply"
		case audit.KindEgress:
			egress = append(egress, fmt.Sprintf("%s %v:%v", e.Decision, e.Details["host"], e.Details["port"]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !sawSandbox {
		t.Error("no sandbox apply record in the audit log")
	}
	joined := strings.Join(egress, "\n")
	for _, w := range []string{"allow " + allowedHost, "deny " + deniedHost} {
		if !strings.Contains(joined, w) {
			t.Errorf("audit egress records %q lack %q", joined, w)
		}
	}
}

// TestStrictRefusesWithoutLayers: an unavailable layer stops strict mode.
func TestStrictRefusesWithoutLayers(t *testing.T) {
	missing := func() sandbox.Report {
		return sandbox.Report{OS: "linux", Layers: []sandbox.Layer{{Name: "landlock", Required: true, Detail: "off"}}}
	}
	_, err := sandbox.New(sandbox.Options{Mode: sandbox.Strict, Check: missing})
	if err == nil || !strings.Contains(err.Error(), "missing landlock") {
		t.Fatalf("strict with a missing layer: %v", err)
	}
	var warn strings.Builder
	sb, err := sandbox.New(sandbox.Options{Mode: sandbox.BestEffort, Check: missing, Stderr: &warn})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if !strings.Contains(warn.String(), "landlock is missing") {
		t.Fatalf("best-effort warning = %q", warn.String())
	}
}

// nodeFilesystem returns node and the official filesystem server's entry
// point installed by `make e2e-deps`; it skips locally and fails in CI when
// they are missing.
func nodeFilesystem(t testing.TB) (node, entry string) {
	t.Helper()
	entry = filepath.Join(bin.root, "testdata", "e2e", "node", "node_modules", "@modelcontextprotocol", "server-filesystem", "dist", "index.js")
	node, err := exec.LookPath("node")
	_, statErr := os.Stat(entry)
	if err == nil && statErr == nil {
		return node, entry
	}
	msg := "needs node and testdata/e2e/node/node_modules: run `make e2e-deps`"
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set, so this is a failure, not a skip)")
	}
	t.Skip(msg)
	return "", ""
}

func callText(t testing.TB, cs *mcp.ClientSession, name string, args any) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return err.Error(), false
	}
	var sb strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			sb.WriteString(tc.Text)
		}
	}
	return sb.String(), !res.IsError
}

// TestFilesystemServerSandboxed runs the official filesystem server with
// the built-in profile: it works on its declared root, and the sandbox
// (not only the server's own checks) keeps it from the fixture home.
func TestFilesystemServerSandboxed(t *testing.T) {
	needNamespaces(t)
	node, entry := nodeFilesystem(t)
	base := t.TempDir()
	home, state, root := filepath.Join(base, "home"), filepath.Join(base, "state"), filepath.Join(base, "root")
	for _, d := range []string{filepath.Join(home, ".ssh"), root} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(home, ".ssh", "id_rsa"), []byte("not a real key"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The server is also given the fixture home as a root, so only the
	// sandbox stands between it and ~/.ssh.
	if err := os.MkdirAll(filepath.Join(home, "docs"), 0o700); err != nil {
		t.Fatal(err)
	}
	cs := connectMoat(t, env(t, home, state), "run", "--name", "files", "--sandbox", "--sandbox-profile", "filesystem",
		"--", node, entry, root, home)
	note := filepath.Join(root, "note.txt")
	if out, ok := callText(t, cs, "write_file", map[string]any{"path": note, "content": "sandboxed ✓"}); !ok {
		t.Fatalf("write_file in the root: %s", out)
	}
	if out, ok := callText(t, cs, "read_text_file", map[string]any{"path": note}); !ok || out != "sandboxed ✓" {
		t.Fatalf("read_text_file in the root = %q, %v", out, ok)
	}
	if out, ok := callText(t, cs, "read_text_file", map[string]any{"path": filepath.Join(home, ".ssh", "id_rsa")}); ok || strings.Contains(out, "not a real key") {
		t.Fatalf("the sandboxed server read ~/.ssh/id_rsa: %q", out)
	} else if !strings.Contains(out, "EACCES") && !strings.Contains(out, "ermission denied") {
		t.Fatalf("reading ~/.ssh/id_rsa failed for another reason than the sandbox: %q", out)
	}
	if out, ok := callText(t, cs, "read_text_file", map[string]any{"path": "/etc/hostname"}); ok {
		t.Fatalf("read outside the roots succeeded: %q", out)
	}
}

// BenchmarkStartup measures the time from starting `moat run` to the
// initialize response, with and without --sandbox, for the same server.
func BenchmarkStartup(b *testing.B) {
	needNamespaces(b)
	base := b.TempDir()
	environ := env(b, filepath.Join(base, "home"), filepath.Join(base, "state"))
	for _, tc := range []struct {
		name  string
		flags []string
	}{{"plain", nil}, {"sandbox", []string{"--sandbox"}}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				args := append(append([]string{"run", "--name", "probe"}, tc.flags...), "--", bin.probe)
				cs := connectMoat(b, environ, args...)
				cs.Close()
			}
		})
	}
}

// TestBestEffortWithoutNamespaces: when user namespaces are unavailable,
// best-effort mode still applies Landlock (files, and TCP only to the
// egress proxy's port) and seccomp, and says what is missing.
func TestBestEffortWithoutNamespaces(t *testing.T) {
	needNamespaces(t) // Landlock and seccomp must be real here
	noNS := func() sandbox.Report {
		r := sandbox.Check()
		out := sandbox.Report{OS: r.OS}
		for _, l := range r.Layers {
			if l.Name == "namespaces" {
				l.Available, l.Detail = false, "simulated: user namespaces blocked"
			}
			out.Layers = append(out.Layers, l)
		}
		return out
	}
	base := t.TempDir()
	home, root := filepath.Join(base, "home"), filepath.Join(base, "root")
	for _, d := range []string{filepath.Join(home, ".ssh"), root} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	secret := filepath.Join(home, ".ssh", "id_rsa")
	os.WriteFile(secret, []byte("not a real key"), 0o600)
	_, allowedHost := loopbackServer(t, "allowed host says hi")
	_, deniedHost := loopbackServer(t, "must not be reached")
	mem := audit.NewMemory(time.Now, audit.Redactor{})
	var warn strings.Builder
	sb, err := sandbox.New(sandbox.Options{
		Mode: sandbox.BestEffort, Check: noNS, Home: home, Audit: mem, Stderr: &warn, Server: "probe",
		Policy: sandbox.Policy{Hosts: []string{allowedHost}, Write: []string{root}, Read: []string{home}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if !strings.Contains(warn.String(), "namespaces is missing") {
		t.Errorf("best-effort warning = %q", warn.String())
	}
	cmd := exec.Command(bin.probe)
	if err := sb.Prepare(cmd); err != nil {
		t.Fatal(err)
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	sb.Started()
	got := callJSON(t, cs, "probe", map[string]any{
		"read": secret, "write_outside": filepath.Join(base, "x"), "write_inside": filepath.Join(root, "x"),
		"connect": deniedHost, "fetch_denied": "http://" + deniedHost + "/", "fetch_allowed": "http://" + allowedHost + "/",
	})
	for k, w := range map[string]string{
		"read": "error:", "write_outside": "error:", "write_inside": "ok", "connect": "error:",
		"fetch_denied": "403 ", "fetch_allowed": "200 allowed host says hi", "ptrace": "error: operation not permitted",
	} {
		if !strings.HasPrefix(got[k], w) {
			t.Errorf("%s = %q, want prefix %q", k, got[k], w)
		}
	}
	var kinds []string
	for _, e := range mem.Events() {
		kinds = append(kinds, e.Kind+":"+e.Action)
	}
	if j := strings.Join(kinds, " "); !strings.Contains(j, "sandbox:apply") || !strings.Contains(j, "egress:allow") || !strings.Contains(j, "egress:deny") {
		t.Errorf("audit events = %s", j)
	}
}

// BenchmarkSandboxConnect reports the mean time for the probe server to
// open a CONNECT tunnel to an allowed loopback host: sandboxed, through the
// namespace's proxy port and moat's egress proxy (ns/connect); unsandboxed,
// through the same proxy code on a host loopback port in this process
// (plain-ns/connect); and a direct TCP connect (direct-ns/connect).
func BenchmarkSandboxConnect(b *testing.B) {
	needNamespaces(b)
	base := b.TempDir()
	_, host := loopbackServer(b, "ok")
	cs := connectMoat(b, env(b, filepath.Join(base, "home"), filepath.Join(base, "state")),
		"run", "--name", "probe", "--sandbox", "--allow-host", host, "--", bin.probe)
	rule, _ := egress.ParseRule(host)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := egress.NewServer(&egress.Proxy{Policy: &egress.Policy{Hosts: []egress.Rule{rule}}})
	go srv.Serve(ln)
	defer srv.Close()
	plainCmd := exec.Command(bin.probe)
	plainCmd.Env = []string{"HTTP_PROXY=http://" + ln.Addr().String()}
	client := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
	plain, err := client.Connect(context.Background(), &mcp.CommandTransport{Command: plainCmd}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer plain.Close()
	const n = 200
	var sandboxed, unsandboxed, direct time.Duration
	loop := func(cs *mcp.ClientSession) time.Duration {
		got := callJSON(b, cs, "connect_loop", map[string]any{"target": host, "n": n})
		d, err := time.ParseDuration(got["ns_per_connect"] + "ns")
		if err != nil {
			b.Fatalf("connect_loop: %v", got)
		}
		return d
	}
	for b.Loop() {
		sandboxed += loop(cs)
		unsandboxed += loop(plain)
		start := time.Now()
		for range n {
			c, err := net.Dial("tcp", host)
			if err != nil {
				b.Fatal(err)
			}
			c.Close()
		}
		direct += time.Since(start) / n
	}
	b.ReportMetric(float64(sandboxed.Nanoseconds())/float64(b.N), "ns/connect")
	b.ReportMetric(float64(unsandboxed.Nanoseconds())/float64(b.N), "plain-ns/connect")
	b.ReportMetric(float64(direct.Nanoseconds())/float64(b.N), "direct-ns/connect")
}

// TestExitStatusThroughInit: the init stage (PID 1) exits with the
// server's status, so moat does too.
func TestExitStatusThroughInit(t *testing.T) {
	needNamespaces(t)
	base := t.TempDir()
	cmd := exec.Command(bin.moat, "run", "--name", "probe", "--sandbox", "--", bin.probe)
	cmd.Env = env(t, filepath.Join(base, "home"), filepath.Join(base, "state"))
	client := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = cs.CallTool(ctx, &mcp.CallToolParams{Name: "exit", Arguments: map[string]any{"code": 7}})
	_ = cs.Close()
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 7 {
		t.Fatalf("moat's exit state = %v, want exit status 7", cmd.ProcessState)
	}
}
