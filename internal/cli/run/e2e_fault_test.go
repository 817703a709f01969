package run_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// childPid returns the pid of moat's only child process.
func childPid(t *testing.T, pid int) int {
	t.Helper()
	for range 100 {
		matches, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
		for _, m := range matches {
			b, _ := os.ReadFile(m)
			if f := strings.Fields(string(b)); len(f) > 0 {
				n, _ := strconv.Atoi(f[0])
				return n
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("moat (pid %d) has no child", pid)
	return 0
}

// gone reports whether pid has exited (zombies count as gone: they hold
// no resources and cannot run).
func gone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	f := strings.Fields(string(b))
	return len(f) > 2 && f[2] == "Z"
}

func waitGone(t *testing.T, pid int, what string) {
	t.Helper()
	for range 250 {
		if gone(pid) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s (pid %d) is still running", what, pid)
}

func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	for range 250 {
		if cmd.ProcessState != nil {
			return cmd.ProcessState.ExitCode()
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("moat did not exit")
	return -1
}

func procStatus(t *testing.T, pid int, field string) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatalf("reading /proc/%d/status: %v", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.Atoi(strings.Fields(rest)[0])
			return kb
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

func TestFaultServerCrashesMidCall(t *testing.T) {
	cs, cmd, stderr := connect(t, nil, bin.fault)
	_, err := callText(t, cs, "crash", map[string]any{"code": 7})
	if err == nil {
		t.Fatal("the call to a crashing server succeeded")
	}
	t.Logf("client error: %v", err)
	cs.Close()
	if code := exitCode(t, cmd); code != 7 {
		t.Fatalf("moat exited %d, want the server's 7 (stderr: %s)", code, stderr)
	}
	if !strings.Contains(stderr.String(), "exit status 7") {
		t.Errorf("stderr does not explain the exit: %q", stderr)
	}
}

func TestFaultServerHangs(t *testing.T) {
	cs, _, _ := connect(t, []string{"--call-timeout", "300ms"}, bin.fault)
	start := time.Now()
	_, err := callText(t, cs, "hang", map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "--call-timeout") {
		t.Fatalf("hang: err = %v, want a --call-timeout error", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("timeout took %s", d)
	}
	if got, err := callText(t, cs, "echo", map[string]any{"text": "still alive"}); err != nil || got != "still alive" {
		t.Fatalf("echo after a timeout = %q, %v", got, err)
	}
}

func TestFaultServerFloods(t *testing.T) {
	if testing.Short() {
		t.Skip("floods 100 MB")
	}
	cs, cmd, _ := connect(t, nil, bin.fault)
	// The server needs a while to build and encode 100 MB on a busy machine.
	_, err := callTextWithin(t, 90*time.Second, cs, "flood", map[string]any{"bytes": 100 << 20})
	if err == nil || !strings.Contains(err.Error(), "--max-message-size") {
		t.Fatalf("flood: err = %v, want a clear size error", err)
	}
	peakKB := procStatus(t, cmd.Process.Pid, "VmHWM")
	t.Logf("moat peak RSS while refusing a 100 MB result: %d KiB", peakKB)
	if peakKB > 80<<10 {
		t.Errorf("moat peak RSS %d KiB: memory is not bounded", peakKB)
	}
	if got, err := callText(t, cs, "echo", map[string]any{"text": "ok"}); err != nil || got != "ok" {
		t.Fatalf("echo after a flood = %q, %v", got, err)
	}
}

func TestFaultServerWritesJunk(t *testing.T) {
	cs, _, stderr := connect(t, nil, bin.fault, "-banner")
	got, err := callText(t, cs, "junk", map[string]any{})
	if err != nil || got != "after junk" {
		t.Fatalf("junk = %q, %v", got, err)
	}
	if !strings.Contains(stderr.String(), "not a JSON-RPC message") {
		t.Errorf("no warning about the junk line: %q", stderr)
	}
}

func TestFaultServerClosesStdin(t *testing.T) {
	cs, cmd, _ := connect(t, nil, bin.fault)
	callText(t, cs, "closestdin", map[string]any{}) // the answer may or may not arrive
	if _, err := callText(t, cs, "echo", map[string]any{"text": "x"}); err == nil {
		t.Fatal("a call after the server closed its stdin succeeded")
	}
	cs.Close()
	exitCode(t, cmd)
}

func TestFaultClientDisconnectsMidCall(t *testing.T) {
	cmd := exec.Command(bin.moat, "run", "--shutdown-grace", "300ms", "--", bin.fault)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child := childPid(t, cmd.Process.Pid)
	for _, line := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"hang","arguments":{}}}`,
	} {
		stdin.Write([]byte(line + "\n"))
	}
	buf := make([]byte, 4096)
	stdout.Read(buf) // the initialize result: the call is now in flight
	time.Sleep(100 * time.Millisecond)
	stdin.Close() // the client goes away mid-call
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("moat did not exit after its client disconnected")
	}
	waitGone(t, child, "the server")
}

func TestSignalsPropagate(t *testing.T) {
	cs, cmd, _ := connect(t, nil, bin.fault)
	child := childPid(t, cmd.Process.Pid)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitGone(t, child, "the server")
	cs.Close()
	if code := exitCode(t, cmd); code != 128+int(syscall.SIGTERM) {
		t.Errorf("moat exited %d after SIGTERM, want %d", code, 128+int(syscall.SIGTERM))
	}
}

func TestChildNeverOutlivesMoat(t *testing.T) {
	cmd := exec.Command(bin.moat, "run", "--", bin.fault)
	stdin, _ := cmd.StdinPipe()
	defer stdin.Close()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child := childPid(t, cmd.Process.Pid)
	cmd.Process.Kill() // SIGKILL: moat gets no chance to clean up
	cmd.Wait()
	waitGone(t, child, "the server after moat was killed")
}

func TestIdleMemory(t *testing.T) {
	cs, cmd, _ := connect(t, nil, bin.fault)
	if err := cs.Ping(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	kb := procStatus(t, cmd.Process.Pid, "VmRSS")
	anon, file := procStatus(t, cmd.Process.Pid, "RssAnon"), procStatus(t, cmd.Process.Pid, "RssFile")
	t.Logf("idle moat run VmRSS: %d KiB (%.1f MB) = RssAnon %d KiB + RssFile %d KiB (binary pages)", kb, float64(kb)/1024, anon, file)
	// The budget is on memory moat holds itself. File-backed pages are the
	// binary's own code and tables, touched by package init across every
	// command in the one binary; they are shared and evictable, and they
	// grow with the binary, so they are logged but not held to the budget.
	if anon > 30<<10 {
		t.Errorf("idle moat holds %d KiB of anonymous memory, budget is 30 MB", anon)
	}
	if kb > 30<<10 {
		t.Logf("note: VmRSS %d KiB is over 30 MB because of %d KiB of binary pages", kb, file)
	}
}
