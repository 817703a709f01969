package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	auditlog "github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/cli"
	auditcmd "github.com/moat-dev/moat/internal/cli/audit"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/iostreams"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func setup(t *testing.T, n int) (*cmdutil.Factory, string) {
	t.Helper()
	dir := t.TempDir()
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IO: ios, Now: func() time.Time { return t0.Add(time.Hour) }, StateDir: dir, HomeDir: dir}
	s, err := auditlog.Open(auditlog.Options{Dir: auditlog.Dir(dir), Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < n; i++ {
		e := auditlog.Event{Kind: auditlog.KindDecision, Server: "github", Tool: "create_issue", Decision: "allow",
			Time: t0.Add(time.Duration(i) * time.Minute), Args: json.RawMessage(`{"title":"t"}`)}
		if i%2 == 1 {
			e.Kind, e.Server, e.Action, e.Decision = auditlog.KindGrant, "fs", "create", ""
		}
		if err := s.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	return f, dir
}

func run(f *cmdutil.Factory, args ...string) (int, string, string) {
	ios, _, out, errOut := iostreams.Test()
	f.IO = ios
	return cli.Run(f, args), out.String(), errOut.String()
}

func TestShowFilters(t *testing.T) {
	f, _ := setup(t, 6)
	tests := []struct {
		args      []string
		wantLines int
		wantCode  int
	}{
		{[]string{"audit", "show", "--format", "json"}, 7, 0},
		{[]string{"audit", "show", "--kind", "grant", "--format", "json"}, 3, 0},
		{[]string{"audit", "show", "--server", "github", "--format", "json"}, 3, 0},
		{[]string{"audit", "show", "--since", "2026-11-23T12:03:00Z", "--format", "json"}, 3, 0},
		{[]string{"audit", "show", "--since", "58m", "--format", "json"}, 4, 0}, // now is t0+1h
		{[]string{"audit", "show"}, 8, 0},                                       // header + 7 rows
		{[]string{"audit", "show", "--since", "yesterday"}, 0, 2},
		{[]string{"audit", "show", "--format", "xml"}, 0, 2},
	}
	for _, tc := range tests {
		code, out, errOut := run(f, tc.args...)
		if code != tc.wantCode {
			t.Fatalf("%v: exit %d\n%s", tc.args, code, errOut)
		}
		if got := strings.Count(out, "\n"); got != tc.wantLines {
			t.Errorf("%v: %d lines, want %d\n%s", tc.args, got, tc.wantLines, out)
		}
	}
	_, out, _ := run(f, "audit", "show", "--kind", "decision")
	if !strings.Contains(out, "github/create_issue") || !strings.Contains(out, `args={"title":"<redacted:1 chars>"}`) {
		t.Fatalf("table:\n%s", out)
	}
}

func TestTail(t *testing.T) {
	f, _ := setup(t, 20)
	code, out, _ := run(f, "audit", "tail", "-n", "3", "--format", "json")
	if code != 0 || strings.Count(out, "\n") != 3 || !strings.Contains(out, `"seq":21`) || strings.Contains(out, `"seq":18`) {
		t.Fatalf("tail -n 3: %d\n%s", code, out)
	}
	if code, _, _ := run(f, "audit", "tail", "-n", "-1"); code != 2 {
		t.Fatalf("negative -n: exit %d", code)
	}
}

// syncBuffer is a bytes.Buffer safe to read while the command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestTailFollowAcrossRotation(t *testing.T) {
	auditcmd.SetPollInterval(5 * time.Millisecond)
	f, dir := setup(t, 2)
	out := &syncBuffer{}
	ios, _, _, _ := iostreams.Test()
	ios.Out = out
	f.IO = ios
	cmd := auditcmd.NewCmd(f)
	cmd.SetArgs([]string{"tail", "-n", "1", "-f", "--format", "json"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	waitFor(t, out, `"seq":3`, cancel)
	s, err := auditlog.Open(auditlog.Options{Dir: auditlog.Dir(dir), MaxSize: 600, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 10; i++ {
		if err := s.Write(auditlog.Event{Kind: auditlog.KindEgress, Server: "x", Reason: strings.Repeat("r", 100)}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, out, `"seq":13`, cancel)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if files, _ := auditlog.Files(auditlog.Dir(dir)); len(files) < 2 {
		t.Fatalf("no rotation happened: %v", files)
	}
	seen := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		seen[l]++
	}
	if len(seen) != 11 {
		t.Fatalf("want seq 3..13 exactly once each, got %d distinct lines:\n%s", len(seen), out.String())
	}
}

func TestVerifyCommand(t *testing.T) {
	f, dir := setup(t, 4)
	code, out, _ := run(f, "audit", "verify")
	if code != 0 || !strings.Contains(out, "intact: 5 records") || !strings.Contains(out, "head:") {
		t.Fatalf("intact: %d\n%s", code, out)
	}
	path := filepath.Join(auditlog.Dir(dir), auditlog.ActiveName)
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, bytes.Replace(b, []byte(`"allow"`), []byte(`"deny"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = run(f, "audit", "verify", path)
	if code != 1 || !strings.Contains(out, "TAMPERED") || !strings.Contains(out, "audit.jsonl:3 (seq 3)") {
		t.Fatalf("tampered: %d\n%s", code, out)
	}
	code, out, _ = run(f, "audit", "verify", "--format", "json")
	var rep auditlog.Report
	if code != 1 || json.Unmarshal([]byte(out), &rep) != nil || rep.Intact() || rep.Problems[0].Line != 3 {
		t.Fatalf("json: %d\n%s", code, out)
	}
	if code, _, e := run(f, "audit", "verify", filepath.Join(dir, "nope")); code != 2 || !strings.Contains(e, "no audit log") {
		t.Fatalf("missing: %d %s", code, e)
	}
}

func waitFor(t *testing.T, out *syncBuffer, want string, cancel func()) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for !strings.Contains(out.String(), want) {
		select {
		case <-deadline:
			cancel()
			t.Fatalf("follow did not print %s:\n%s", want, out.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
}
