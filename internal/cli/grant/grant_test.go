package grant_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/cli"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/iostreams"
	"github.com/moat-dev/moat/internal/state"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

type harness struct {
	f   *cmdutil.Factory
	now time.Time
	dir string
}

func newHarness(t *testing.T) *harness {
	h := &harness{now: t0, dir: t.TempDir()}
	ios, _, _, _ := iostreams.Test()
	h.f = &cmdutil.Factory{IO: ios, Now: func() time.Time { return h.now }, StateDir: h.dir, HomeDir: h.dir}
	return h
}

func (h *harness) run(args ...string) (int, string, string) {
	ios, _, out, errOut := iostreams.Test()
	ios.Env = func(k string) string {
		if k == "USER" {
			return "alice"
		}
		return ""
	}
	ios.SetTTY(true, false, false)
	h.f.IO = ios
	code := cli.Run(h.f, args)
	return code, out.String(), errOut.String()
}

func TestGrantCommand(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
		wantErr  []string
	}{
		{"default 1h", []string{"grant", "github/create_issue"}, 0, []string{"granted g-", "github/create_issue", "in 1h"}, nil},
		{"for 30m with reason", []string{"grant", "github/create_issue", "--for", "30m", "--reason", "triage"}, 0, []string{"in 30m"}, nil},
		{"whole server warns", []string{"grant", "fetch"}, 0, []string{"fetch (every tool)"}, []string{"every tool of fetch"}},
		{"once", []string{"grant", "fetch/fetch", "--once"}, 0, []string{"once:"}, nil},
		{"session", []string{"grant", "fs/read", "--session", "s-1"}, 0, []string{"session: s-1"}, nil},
		{"where", []string{"grant", "fs/write_file", "--where", `args.path.startsWith("/tmp/")`}, 0, []string{`where:   args.path.startsWith("/tmp/")`}, nil},
		{"bad where", []string{"grant", "fs/write_file", "--where", `args.path.startsWith(`}, 2, nil, []string{"--where"}},
		{"over max", []string{"grant", "github", "--for", "25h"}, 2, nil, []string{"longer than the maximum"}},
		{"zero for", []string{"grant", "github", "--for", "0s"}, 2, nil, []string{"positive duration"}},
		{"permanent warns", []string{"grant", "github/get_me", "--permanent"}, 0, []string{"never (permanent)"}, []string{"warning: permanent grant"}},
		{"permanent and for", []string{"grant", "github", "--permanent", "--for", "1h"}, 2, nil, []string{"exclude"}},
		{"empty tool", []string{"grant", "github/"}, 2, nil, []string{"empty tool"}},
		{"no server", []string{"grant", "/tool"}, 2, nil, []string{"give a server"}},
		{"no args", []string{"grant"}, 2, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			code, out, errOut := h.run(tc.args...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.wantCode, out, errOut)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

func TestGrantsListRevokeAndAudit(t *testing.T) {
	h := newHarness(t)
	if code, _, e := h.run("grant", "github/create_issue", "--for", "10m", "--reason", "triage"); code != 0 {
		t.Fatal(e)
	}
	if code, _, e := h.run("grant", "fs/read", "--permanent"); code != 0 {
		t.Fatal(e)
	}
	code, out, _ := h.run("grants", "--format", "json")
	if code != 0 {
		t.Fatal(out)
	}
	var gs []struct {
		ID, Server, Tool, Status, Reason, CreatedBy string `json:",omitempty"`
		Expires                                     *time.Time
	}
	if err := json.Unmarshal([]byte(out), &gs); err != nil || len(gs) != 2 {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if gs[0].Status != "active" || gs[1].Status != "permanent" || gs[1].Expires != nil || !gs[0].Expires.Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("grants %+v", gs)
	}
	// Expiry by the injected clock.
	h.now = t0.Add(11 * time.Minute)
	_, out, _ = h.run("grants", "list")
	if strings.Contains(out, "github") || !strings.Contains(out, "fs/read") {
		t.Fatalf("after expiry:\n%s", out)
	}
	_, out, _ = h.run("grants", "--all")
	if !strings.Contains(out, "expired") || !strings.Contains(out, "triage") {
		t.Fatalf("--all:\n%s", out)
	}
	if code, out, e := h.run("grants", "revoke", gs[1].ID); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %d %s %s", code, out, e)
	}
	if code, _, e := h.run("grants", "revoke", gs[1].ID); code != 2 || !strings.Contains(e, "already revoked") {
		t.Fatalf("revoke twice: %d %s", code, e)
	}
	if code, _, e := h.run("grants", "revoke", "g-zzzzzzzz"); code != 2 || !strings.Contains(e, "no grant") {
		t.Fatalf("revoke unknown: %d %s", code, e)
	}
	if code, _, e := h.run("grants", "--format", "yaml"); code != 2 {
		t.Fatalf("bad format: %d %s", code, e)
	}
	db, err := state.OpenDir(h.dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if perm, _ := db.ListPermanentGrants(context.Background()); len(perm) != 0 {
		t.Fatalf("revoked permanent grant still listed: %+v", perm)
	}
	var kinds []string
	err = audit.ReadDir(audit.Dir(h.dir), func(r audit.Record) error {
		kinds = append(kinds, r.Event.Kind+":"+r.Event.Action+":"+r.Event.Actor)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "start::moat grant:create:user:alice grant:create:user:alice grant:revoke:user:alice"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("audit kinds %s\nwant %s", got, want)
	}
	if rep, err := audit.Verify(filepath.Join(h.dir, "audit")); err != nil || !rep.Intact() {
		t.Fatalf("verify %+v %v", rep, err)
	}
}

func TestPrintableEscapesTerminalControls(t *testing.T) {
	h := newHarness(t)
	code, out, _ := h.run("grant", "evil\x1b[31m\u202e/tool")
	if code != 0 {
		t.Fatal(out)
	}
	if bytes.ContainsAny([]byte(out), "\x1b\u202e") || !strings.Contains(out, `\u001b[31m\u202e`) {
		t.Fatalf("control characters reached the terminal: %q", out)
	}
}

func TestGrantRefusesWithoutTerminal(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		env  string
		want int
	}{{"", 2}, {"1", 0}} {
		ios, _, out, errOut := iostreams.Test()
		ios.Env = func(k string) string {
			if k == "MOAT_ALLOW_NONINTERACTIVE_GRANTS" {
				return tc.env
			}
			return ""
		}
		h.f.IO = ios
		if code := cli.Run(h.f, []string{"grant", "github/create_issue"}); code != tc.want {
			t.Fatalf("env %q: exit %d, want %d\n%s%s", tc.env, code, tc.want, out, errOut)
		}
		if tc.want == 2 && !strings.Contains(errOut.String(), "interactive terminal") {
			t.Fatalf("message: %s", errOut)
		}
	}
}
