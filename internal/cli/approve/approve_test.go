package approve_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/cli"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/iostreams"
	"github.com/moat-dev/moat/internal/policy"
	"github.com/moat-dev/moat/internal/state"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

type harness struct {
	t   *testing.T
	f   *cmdutil.Factory
	now time.Time
	dir string
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, now: t0, dir: t.TempDir()}
	ios, _, _, _ := iostreams.Test()
	h.f = &cmdutil.Factory{IO: ios, Now: func() time.Time { return h.now }, StateDir: h.dir, HomeDir: h.dir}
	return h
}

func (h *harness) run(args ...string) (int, string, string) {
	ios, _, out, errOut := iostreams.Test()
	ios.Env = func(k string) string {
		if k == "USER" {
			return "bob"
		}
		return ""
	}
	ios.SetTTY(true, false, false)
	h.f.IO = ios
	return cli.Run(h.f, args), out.String(), errOut.String()
}

// ask records a pending approval the way the proxy or a hook would.
func (h *harness) ask(args, session string) string {
	h.t.Helper()
	db, err := state.OpenDir(h.dir, state.Options{})
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	hash, err := policy.CanonicalArgsHash(json.RawMessage(args))
	if err != nil {
		h.t.Fatal(err)
	}
	id, err := db.CreateApproval(context.Background(), state.Approval{Server: "github", Tool: "create_issue",
		Args: json.RawMessage(args), ArgsHash: hash, Client: "claude-code", SessionID: session,
		Rule: "ask-writes", Reason: "creating issues needs approval", Created: h.now})
	if err != nil {
		h.t.Fatal(err)
	}
	return id
}

func (h *harness) grants() []policy.Grant {
	h.t.Helper()
	db, err := state.OpenDir(h.dir, state.Options{})
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	gs, err := db.ActiveGrants(context.Background(), h.now)
	if err != nil {
		h.t.Fatal(err)
	}
	return gs
}

func TestApprovalsListing(t *testing.T) {
	h := newHarness(t)
	if code, _, e := h.run("approvals"); code != 0 || !strings.Contains(e, "no calls are waiting") {
		t.Fatalf("empty: %d %s", code, e)
	}
	id := h.ask(`{"repo":"moat-dev/moat","title":"hi \u001b[2J","body":"x`+"\u202e\u200b"+`y"}`, "sess-1")
	h.now = t0.Add(3 * time.Minute)
	code, out, _ := h.run("approvals")
	if code != 0 {
		t.Fatal(out)
	}
	t.Logf("moat approvals:\n%s", out)
	for _, want := range []string{id + "  github/create_issue", "client claude-code, session sess-1", "ask-writes",
		"creating issues needs approval", "3m ago; expires in 7m", `"repo": "moat-dev/moat"`, "sha256:",
		"moat approve " + id + " ", "moat approve " + id + " --session", "moat deny " + id} {
		if !strings.Contains(out, want) {
			t.Errorf("listing lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsAny(out, "\x1b\u202e\u200b") || !strings.Contains(out, `x\u202e\u200by`) {
		t.Fatalf("terminal controls in listing: %q", out)
	}
	code, out, _ = h.run("approvals", "--format", "json")
	var js []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &js) != nil || len(js) != 1 || js[0]["approve_command"] != "moat approve "+id {
		t.Fatalf("json: %d %s", code, out)
	}
	if args, ok := js[0]["args"].(map[string]any); !ok || args["repo"] != "moat-dev/moat" {
		t.Fatalf("json args: %v", js[0]["args"])
	}
	h.now = t0.Add(11 * time.Minute)
	if _, _, e := h.run("approvals"); !strings.Contains(e, "no calls are waiting") {
		t.Fatalf("expired approval still listed: %s", e)
	}
}

func TestApproveAndDeny(t *testing.T) {
	tests := []struct {
		name     string
		session  string
		flags    []string
		wantCode int
		wantOut  string
		check    func(t *testing.T, g policy.Grant)
	}{
		{"default once exact args", "s1", nil, 0, "these exact arguments, once", func(t *testing.T, g policy.Grant) {
			if !g.Once || g.ArgsHash == "" || g.SessionID != "s1" {
				t.Errorf("grant %+v", g)
			}
		}},
		{"session", "s1", []string{"--session"}, 0, "rest of the session", func(t *testing.T, g policy.Grant) {
			if g.Once || g.ArgsHash == "" || g.SessionID != "s1" {
				t.Errorf("grant %+v", g)
			}
		}},
		{"for any args", "s1", []string{"--for", "30m", "--any-args"}, 0, "any arguments for 30m", func(t *testing.T, g policy.Grant) {
			if g.Once || g.ArgsHash != "" || g.SessionID != "" || g.Expires.Sub(g.Created) != 30*time.Minute {
				t.Errorf("grant %+v", g)
			}
		}},
		{"session without session", "", []string{"--session"}, 2, "", nil},
		{"two scopes", "s1", []string{"--session", "--once"}, 2, "", nil},
		{"for too long", "s1", []string{"--for", "48h"}, 2, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			id := h.ask(`{"title":"a"}`, tc.session)
			code, out, errOut := h.run(append([]string{"approve", id}, tc.flags...)...)
			if code != tc.wantCode || !strings.Contains(out, tc.wantOut) {
				t.Fatalf("exit %d (want %d)\n%s\n%s", code, tc.wantCode, out, errOut)
			}
			gs := h.grants()
			if tc.check == nil {
				if len(gs) != 0 {
					t.Fatalf("failed approval created grants %+v", gs)
				}
				return
			}
			if len(gs) != 1 {
				t.Fatalf("grants %+v", gs)
			}
			tc.check(t, gs[0])
		})
	}
}

func TestDecisionErrors(t *testing.T) {
	h := newHarness(t)
	id := h.ask(`{"title":"a"}`, "s")
	if code, out, e := h.run("deny", id); code != 0 || !strings.Contains(out, "denied "+id) {
		t.Fatalf("deny: %d %s %s", code, out, e)
	}
	cases := [][]string{
		{"approve", id},        // already denied
		{"deny", id},           // already denied
		{"approve", "zzzzzz"},  // unknown
		{"approve", "bad id!"}, // malformed
		{"deny", "abc"},        // malformed
	}
	for _, args := range cases {
		if code, _, e := h.run(args...); code != 2 || e == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, e)
		}
	}
	old := h.ask(`{"title":"b"}`, "s")
	h.now = t0.Add(time.Hour)
	code, _, e := h.run("approve", old)
	if code != 2 || !strings.Contains(e, "expired") {
		t.Fatalf("expired: %d %s", code, e)
	}
	var actions []string
	audit.ReadDir(audit.Dir(h.dir), func(r audit.Record) error {
		actions = append(actions, r.Event.Kind+":"+r.Event.Action)
		return nil
	})
	if got := strings.Join(actions, " "); got != "start: approval:deny approval:expire" {
		t.Fatalf("audit: %s", got)
	}
}

func TestApproveRefusesWithoutTerminal(t *testing.T) {
	h := newHarness(t)
	id := h.ask(`{"title":"a"}`, "s")
	ios, _, _, errOut := iostreams.Test()
	h.f.IO = ios
	if code := cli.Run(h.f, []string{"approve", id}); code != 2 || !strings.Contains(errOut.String(), "interactive terminal") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if gs := h.grants(); len(gs) != 0 {
		t.Fatalf("grant created without a terminal: %+v", gs)
	}
	// Denying narrows permissions and needs no terminal.
	if code := cli.Run(h.f, []string{"deny", id}); code != 0 {
		t.Fatalf("deny without a terminal: exit %d", code)
	}
}

func TestApprovalsRedactSecrets(t *testing.T) {
	h := newHarness(t)
	h.ask(`{"dsn":"postgres://admin:s3cr3tP4ss@db.internal:5432/prod","q":"select 1"}`, "s")
	for _, format := range []string{"table", "json"} {
		code, out, _ := h.run("approvals", "--format", format)
		if code != 0 || strings.Contains(out, "s3cr3tP4ss") || !strings.Contains(out, "REDACTED") || !strings.Contains(out, "select 1") {
			t.Fatalf("%s: exit %d, secret shown or arguments missing:\n%s", format, code, out)
		}
	}
}

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func TestApprovalsGolden(t *testing.T) {
	h := newHarness(t)
	id := h.ask(`{"path":"/srv/app/config.yaml","content":"listen: 8080\nworkers: 4\n","mode":420,"backup":true}`, "sess-42")
	h.now = t0.Add(90 * time.Second)
	code, out, _ := h.run("approvals")
	if code != 0 {
		t.Fatal(out)
	}
	// The id is random and the hash is the policy package's business.
	got := regexp.MustCompile(`sha256:[0-9a-f]{64}`).ReplaceAllString(strings.ReplaceAll(out, id, "<ID>"), "sha256:<HASH>")
	golden := filepath.Join("testdata", "approvals.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Fatalf("output differs from %s (run with -update to accept):\n--- got\n%s\n--- want\n%s", golden, got, want)
	}
}
