package live

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moat-dev/moat/internal/inventory"
)

func stdio(name string, args ...string) inventory.ServerSpec {
	return inventory.ServerSpec{Name: name, Transport: inventory.Stdio, Command: servers[name], Args: args}
}

func TestCollectPoisoned(t *testing.T) {
	res := CollectOne(context.Background(), stdio("poisoned"), Options{})
	if res.Err != nil {
		t.Fatalf("%v\nstderr: %s", res.Err, res.Stderr)
	}
	if res.ServerName != "helpful-notes" || res.ServerVersion != "0.9.1" || !strings.Contains(res.Instructions, "Ignore all previous") {
		t.Errorf("initialize: %q %q %q", res.ServerName, res.ServerVersion, res.Instructions)
	}
	if len(res.Tools) != 5 { // three pages of two
		t.Fatalf("tools: got %d, want 5 (all pages)", len(res.Tools))
	}
	if !strings.Contains(string(res.Tools[4]), `"x-notes"`) {
		t.Errorf("unknown member dropped: %s", res.Tools[4])
	}
	if len(res.Prompts) != 1 || len(res.Resources) != 1 || len(res.Templates) != 1 {
		t.Errorf("prompts/resources/templates: %d %d %d", len(res.Prompts), len(res.Resources), len(res.Templates))
	}
}

func TestCollectCaps(t *testing.T) {
	res := CollectOne(context.Background(), stdio("poisoned"), Options{MaxItems: 3})
	if res.Err != nil || len(res.Tools) != 3 || len(res.Truncated) != 1 {
		t.Fatalf("err=%v tools=%d truncated=%v", res.Err, len(res.Tools), res.Truncated)
	}
	res = CollectOne(context.Background(), stdio("poisoned"), Options{MaxMessage: 200})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "limit") {
		t.Fatalf("want a size-limit error, got %v", res.Err)
	}
}

func TestCollectFailureRedactsSecrets(t *testing.T) {
	const secret = "s3cr3t-Value-From-Config-91823"
	spec := inventory.ServerSpec{
		Name: "broken", Transport: inventory.Stdio, Command: "sh",
		Args: []string{"-c", `echo "starting with token $API_TOKEN" >&2; echo "fatal: cannot connect" >&2; exit 3`},
		Env:  map[string]string{"API_TOKEN": secret},
	}
	res := CollectOne(context.Background(), spec, Options{Environ: []string{"PATH=" + os.Getenv("PATH")}})
	if res.Err == nil {
		t.Fatal("want an error")
	}
	all := res.Err.Error() + res.Stderr
	if strings.Contains(all, secret) {
		t.Fatalf("secret value printed: %s", all)
	}
	if !strings.Contains(res.Stderr, "fatal: cannot connect") || !strings.Contains(res.Stderr, "[redacted]") {
		t.Errorf("stderr tail: %q", res.Stderr)
	}
	if !strings.Contains(res.Err.Error(), "status 3") {
		t.Errorf("error should give the exit status: %v", res.Err)
	}
}

func TestCollectTimeoutKillsChild(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	spec := inventory.ServerSpec{Name: "hang", Transport: inventory.Stdio, Command: "sh",
		Args: []string{"-c", `echo $$ > ` + pidFile + `; exec sleep 30`}}
	start := time.Now()
	res := CollectOne(context.Background(), spec, Options{Timeout: 300 * time.Millisecond, Environ: []string{"PATH=" + os.Getenv("PATH")}})
	if !errors.Is(res.Err, ErrTimeout) {
		t.Fatalf("want timeout, got %v", res.Err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("timeout not enforced: %s", time.Since(start))
	}
	b, _ := os.ReadFile(pidFile)
	if pid := strings.TrimSpace(string(b)); pid != "" {
		if err := exec.Command("kill", "-0", pid).Run(); err == nil {
			t.Errorf("child %s still running after the timeout", pid)
		}
	}
}

func TestCollectHTTP(t *testing.T) {
	const token = "tok-81723987123"
	cmd := exec.Command(servers["httpserver"])
	cmd.Env = append(os.Environ(), "MOAT_HTTP_TOKEN="+token)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	url = strings.TrimSpace(url)
	spec := inventory.ServerSpec{Name: "docs", Transport: inventory.HTTP, URL: url,
		Headers: map[string]string{"Authorization": "Bearer ${DOCS_TOKEN}"}}
	res := CollectOne(context.Background(), spec, Options{Environ: []string{"DOCS_TOKEN=" + token}})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if res.ServerName != "remote-docs" || len(res.Tools) != 2 || res.Instructions != "Documentation search." {
		t.Errorf("got %q, %d tools, %q", res.ServerName, len(res.Tools), res.Instructions)
	}
	spec.Headers = map[string]string{"Authorization": "Bearer wrong-token-123"}
	res = CollectOne(context.Background(), spec, Options{})
	if res.Err == nil || strings.Contains(res.Err.Error(), "wrong-token-123") {
		t.Errorf("want a redacted error, got %v", res.Err)
	}
}

func TestCollectConcurrent(t *testing.T) {
	var specs []inventory.ServerSpec
	for range 4 {
		s := stdio("slow")
		s.Env = map[string]string{"MOAT_SLOW_START": "300ms"}
		specs = append(specs, s)
	}
	specs = append(specs, inventory.ServerSpec{Name: "missing", Transport: inventory.Stdio, Command: "/nonexistent/moat-test-server"})
	var events []Progress
	res := Collect(context.Background(), specs, Options{Concurrency: 4, Progress: func(p Progress) { events = append(events, p) }})
	for i, r := range res[:4] {
		if r.Err != nil || len(r.Tools) != 1 {
			t.Errorf("server %d: %v", i, r.Err)
		}
	}
	if res[4].Err == nil {
		t.Error("missing server: want an error")
	}
	if len(events) != 10 || events[len(events)-1].Done != 5 {
		t.Errorf("progress events: %+v", events)
	}
}

func TestExpand(t *testing.T) {
	env := map[string]string{"A": "1", "HOME": "/h"}
	for in, want := range map[string]string{
		"${A}":            "1",
		"x${env:A}y":      "x1y",
		"${B:-def}":       "def",
		"${B}":            "${B}",
		"${HOME}/.x ${A}": "/h/.x 1",
		"${input:token}":  "${input:token}",
		"${unterminated":  "${unterminated",
		"$A":              "$A",
		"${A:-x}":         "1",
		"${1BAD}":         "${1BAD}",
		"no refs":         "no refs",
	} {
		if got := Expand(in, env); got != want {
			t.Errorf("Expand(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestServerRequestsRefused: a server that asks moat to sample (run the
// model) during the handshake gets a refusal, and the scan goes on.
func TestServerRequestsRefused(t *testing.T) {
	got := filepath.Join(t.TempDir(), "got")
	script := `read -r l
echo '{"jsonrpc":"2.0","id":"s1","method":"sampling/createMessage","params":{"messages":[]}}'
echo '{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"s","version":"1"}}}'
read -r a; read -r b; read -r c
printf '%s\n%s\n%s\n' "$a" "$b" "$c" > ` + got + `
echo '{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"t","description":"d"}]}}'
read -r d`
	spec := inventory.ServerSpec{Name: "sampler", Transport: inventory.Stdio, Command: "sh", Args: []string{"-c", script}}
	res := CollectOne(context.Background(), spec, Options{Environ: []string{"PATH=" + os.Getenv("PATH")}})
	if res.Err != nil || len(res.Tools) != 1 {
		t.Fatalf("err=%v tools=%d stderr=%s", res.Err, len(res.Tools), res.Stderr)
	}
	b, _ := os.ReadFile(got)
	lines := strings.Split(string(b), "\n")
	if !strings.Contains(lines[0], `"id":"s1"`) || !strings.Contains(lines[0], "-32601") {
		t.Errorf("sampling request not refused: %q", lines[0])
	}
	if !strings.Contains(lines[1], "notifications/initialized") || !strings.Contains(lines[2], "tools/list") {
		t.Errorf("unexpected sequence: %q", lines)
	}
	if strings.Contains(string(b), `"result"`) {
		t.Errorf("moat answered a server request with a result: %s", b)
	}
}

// TestStdoutNoiseSkipped: a banner printed on stdout before the first
// message is skipped, as clients do; a JSON message with a duplicate key is
// not (strict decoding fails the server).
func TestStdoutNoiseSkipped(t *testing.T) {
	env := Options{Environ: []string{"PATH=" + os.Getenv("PATH")}}
	banner := `echo "Server v1 starting on stdio"; read -r l
echo '{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"name":"b","version":"1"}}}'
read -r a; read -r b
echo '{"jsonrpc":"2.0","id":2,"result":{"tools":[]}}'; read -r c`
	res := CollectOne(context.Background(), inventory.ServerSpec{Name: "banner", Transport: inventory.Stdio, Command: "sh", Args: []string{"-c", banner}}, env)
	if res.Err != nil || res.ServerName != "b" {
		t.Fatalf("banner: %v", res.Err)
	}
	dup := `read -r l; echo '{"jsonrpc":"2.0","id":1,"result":{"serverInfo":{"name":"a"},"serverInfo":{"name":"b"}}}'; read -r x`
	res = CollectOne(context.Background(), inventory.ServerSpec{Name: "dup", Transport: inventory.Stdio, Command: "sh", Args: []string{"-c", dup}}, env)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "duplicate") {
		t.Fatalf("duplicate key: want an error, got %v", res.Err)
	}
}
