package hookcmd

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// moatBinary builds cmd/moat once per test binary.
func moatBinary(tb testing.TB) string {
	tb.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "moat-hook-e2e")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "moat")
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..", "..")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/moat")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = err
			tb.Logf("%s", out)
		}
	})
	if binErr != nil {
		tb.Fatalf("build moat: %v", binErr)
	}
	return binPath
}

// runBinary runs the built binary as a runtime does: JSON on stdin, a clean
// environment with HOME and the state directory, and a timeout.
func runBinary(t testing.TB, state, stdin string, args ...string) (int, string, string) {
	bin := moatBinary(t) // build before the clock starts
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = []string{"HOME=" + filepath.Join(state, "home"), "MOAT_STATE_DIR=" + state, "MOAT_CONFIG_DIR=" + filepath.Join(state, "cfg"), "PATH=/usr/bin:/bin"}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run moat: %v", err)
	}
	return code, out.String(), errOut.String()
}

func TestBinaryAsRuntime(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	state := t.TempDir()
	// The seed's example: a hook that stops `rm -rf`.
	code, out, _ := runBinary(t, state, `{"session_id":"e","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm  -rf  \"$HOME\""}}`, "hook", "claude")
	if code != 0 || !strings.Contains(out, `"permissionDecision":"deny"`) {
		t.Fatalf("exit %d out %q", code, out)
	}
	// Stdin that never arrives: the hook blocks when its timeout expires.
	bin := moatBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "hook", "claude", "--timeout", "300ms")
	cmd.Env = []string{"HOME=" + state, "MOAT_STATE_DIR=" + state}
	pr, pw, _ := os.Pipe()
	defer pw.Close()
	cmd.Stdin = pr
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	err := cmd.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 || !strings.Contains(errOut.String(), "timed out") {
		t.Fatalf("hung stdin: err %v stderr %q, want exit 2 with a timeout reason", err, errOut.String())
	}
	code, _, errText := runBinary(t, state, "not json", "hook", "cursor")
	if code != 2 || !strings.Contains(errText, "blocked") {
		t.Fatalf("malformed: exit %d stderr %q", code, errText)
	}
	code, out, _ = runBinary(t, state, "", "audit", "verify")
	if code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify after hooks: exit %d out %q", code, out)
	}
}

// BenchmarkHookProcess measures the whole hook process (start, policy load,
// decision, audit append with fsync, exit) against `moat version` in the
// same run. The target: median ≤ 2× version.
func BenchmarkHookProcess(b *testing.B) {
	state := b.TempDir()
	cases := []struct{ name, stdin string }{
		{"version", ""},
		{"hook-allow", `{"session_id":"b","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls -la"}}`},
		{"hook-deny", `{"session_id":"b","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm -rf ~"}}`},
		{"hook-post-clean", `{"session_id":"b","hook_event_name":"PostToolUse","tool_name":"mcp__f__fetch","tool_input":{},"tool_response":"plain page text about gardening"}`},
	}
	for _, c := range cases {
		args := []string{"hook", "claude"}
		if c.name == "version" {
			args = []string{"version"}
		}
		b.Run(c.name, func(b *testing.B) {
			runBinary(b, state, c.stdin, args...) // warm the page cache
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				runBinary(b, state, c.stdin, args...)
			}
		})
	}
}
