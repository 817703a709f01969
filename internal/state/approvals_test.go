package state

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func newApproval(t *testing.T, db *DB, a Approval) string {
	t.Helper()
	if a.Server == "" {
		a.Server, a.Tool, a.ArgsHash = "github", "create_issue", "sha256:abc"
	}
	if a.Created.IsZero() {
		a.Created = t0
	}
	id, err := db.CreateApproval(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseApprovalID(id); err != nil {
		t.Fatalf("generated id %q: %v", id, err)
	}
	return id
}

func TestCreateApprovalDedupAndCaps(t *testing.T) {
	db := openTest(t, Options{})
	ctx := context.Background()
	a := Approval{Server: "s", Tool: "t", ArgsHash: "h", SessionID: "x", Args: json.RawMessage(`{"q":"1"}`), Rule: "ask-writes", Reason: "writes need approval"}
	id1 := newApproval(t, db, a)
	id2 := newApproval(t, db, a)
	if id1 != id2 {
		t.Fatalf("identical pending call got two ids %s %s", id1, id2)
	}
	a.ArgsHash = "h2"
	if id3 := newApproval(t, db, a); id3 == id1 {
		t.Fatal("different arguments share an approval")
	}
	big := Approval{Server: "s", Tool: "t", ArgsHash: "h3", Args: json.RawMessage(`"` + strings.Repeat("é", MaxArgsJSON) + `"`)}
	id := newApproval(t, db, big)
	got, err := db.GetApproval(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !got.ArgsTruncated || len(got.Args) > MaxArgsJSON || got.ArgsSize != len(big.Args) || got.Status != StatusPending {
		t.Fatalf("cap: truncated=%v len=%d size=%d", got.ArgsTruncated, len(got.Args), got.ArgsSize)
	}
	if !got.Expires.Equal(t0.Add(DefaultApprovalTTL)) {
		t.Fatalf("default expiry %v", got.Expires)
	}
	for _, bad := range []Approval{{Tool: "t", ArgsHash: "h", Created: t0}, {Server: "s", Tool: "t", Created: t0}, {Server: "s", Tool: "t", ArgsHash: "h"}} {
		if _, err := db.CreateApproval(ctx, bad); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

func TestApproveScopes(t *testing.T) {
	tests := []struct {
		name        string
		session     string
		opts        ApproveOptions
		wantErr     error
		wantOnce    bool
		wantSession string
		wantHash    string
		wantFor     time.Duration
	}{
		{"once binds call and session", "sess", ApproveOptions{Scope: ScopeOnce}, nil, true, "sess", "sha256:abc", time.Hour},
		{"session", "sess", ApproveOptions{Scope: ScopeSession}, nil, false, "sess", "sha256:abc", 24 * time.Hour},
		{"session without session", "", ApproveOptions{Scope: ScopeSession}, ErrNoSession, false, "", "", 0},
		{"for", "sess", ApproveOptions{Scope: ScopeFor, For: 30 * time.Minute}, nil, false, "", "sha256:abc", 30 * time.Minute},
		{"for any args", "sess", ApproveOptions{Scope: ScopeFor, For: time.Hour, AnyArgs: true}, nil, false, "", "", time.Hour},
		{"for too long", "sess", ApproveOptions{Scope: ScopeFor, For: 25 * time.Hour}, ErrTooLong, false, "", "", 0},
		{"for zero", "sess", ApproveOptions{Scope: ScopeFor}, ErrInvalidInput, false, "", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t, Options{})
			ctx := context.Background()
			id := newApproval(t, db, Approval{Server: "github", Tool: "create_issue", ArgsHash: "sha256:abc", SessionID: tc.session})
			now := t0.Add(time.Minute)
			g, err := db.Approve(ctx, id, tc.opts, now)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				if a, _ := db.GetApproval(ctx, id); a.Status != StatusPending {
					t.Fatalf("failed approval changed status to %s", a.Status)
				}
				return
			}
			if g.Server != "github" || g.Tool != "create_issue" || g.Once != tc.wantOnce || g.SessionID != tc.wantSession || g.ArgsHash != tc.wantHash || g.Expires.Sub(g.Created) != tc.wantFor || !g.Created.Equal(now) {
				t.Fatalf("grant %+v", g)
			}
			a, err := db.GetApproval(ctx, id)
			if err != nil || a.Status != StatusApproved || a.GrantID != g.ID || !a.DecidedAt.Equal(now) {
				t.Fatalf("approval after: %+v, %v", a, err)
			}
			if _, err := db.Approve(ctx, id, tc.opts, now); !errors.Is(err, ErrNotPending) {
				t.Fatalf("second approve: %v", err)
			}
			active, _ := db.ActiveGrants(ctx, now)
			if len(active) != 1 || active[0].ID != g.ID {
				t.Fatalf("active: %+v", active)
			}
		})
	}
}

func TestDenyExpiredUnknown(t *testing.T) {
	db := openTest(t, Options{})
	ctx := context.Background()
	id := newApproval(t, db, Approval{})
	if err := db.Deny(ctx, id, "alice", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Approve(ctx, id, ApproveOptions{}, t0); !errors.Is(err, ErrNotPending) {
		t.Fatalf("approve denied: %v", err)
	}
	if err := db.Deny(ctx, "zzzzzz", "alice", t0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deny unknown: %v", err)
	}
	old := newApproval(t, db, Approval{Server: "s", Tool: "t", ArgsHash: "other", Created: t0, Expires: t0.Add(time.Minute)})
	late := t0.Add(time.Minute)
	if pend, _ := db.PendingApprovals(ctx, late); len(pend) != 0 {
		t.Fatalf("pending after expiry: %+v", pend)
	}
	if pend, _ := db.PendingApprovals(ctx, t0); len(pend) != 1 || pend[0].ID != old {
		t.Fatalf("pending before expiry: %+v", pend)
	}
	if _, err := db.Approve(ctx, old, ApproveOptions{}, late); !errors.Is(err, ErrExpired) {
		t.Fatalf("approve expired: %v", err)
	}
	a, _ := db.GetApproval(ctx, old)
	if a.Status != StatusExpired {
		t.Fatalf("expired approval status %s", a.Status)
	}
	if err := db.Deny(ctx, old, "alice", late); !errors.Is(err, ErrExpired) {
		t.Fatalf("deny expired: %v", err)
	}
	if gs, _ := db.ActiveGrants(ctx, late); len(gs) != 0 {
		t.Fatalf("grants from denied/expired approvals: %+v", gs)
	}
	another := newApproval(t, db, Approval{Server: "s", Tool: "t", ArgsHash: "third", Created: t0, Expires: t0.Add(time.Minute)})
	if n, err := db.ExpireApprovals(ctx, late); err != nil || n != 1 {
		t.Fatalf("expire: %d %v", n, err)
	}
	if a, _ := db.GetApproval(ctx, another); a.StatusAt(late) != StatusExpired {
		t.Fatal(a.Status)
	}
}

func TestApproveRejectsGlobNames(t *testing.T) {
	db := openTest(t, Options{})
	id := newApproval(t, db, Approval{Server: "evil*", Tool: "t", ArgsHash: "h"})
	if _, err := db.Approve(context.Background(), id, ApproveOptions{}, t0); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("glob server name approved: %v", err)
	}
}

func TestParseApprovalID(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"abc234", "abc234", true},
		{" ABC234 ", "abc234", true},
		{"abc23", "", false},
		{"abc2340", "", false},
		{"abc10o", "", false}, // ambiguous characters are not in the alphabet
		{"ab\u00e9234", "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		got, err := ParseApprovalID(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseApprovalID(%q) = %q, %v", tc.in, got, err)
		}
	}
}

func FuzzApprovalID(f *testing.F) {
	for _, s := range []string{"abc234", "ABCDEF", "", "zzzzzz ", "\x00\x00\x00\x00\x00\x00", "ééé"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseApprovalID(s)
		if err != nil {
			return
		}
		if len(id) != ApprovalIDLen {
			t.Fatalf("accepted %q as %q", s, id)
		}
		for i := 0; i < len(id); i++ {
			if !strings.ContainsRune(idAlphabet, rune(id[i])) {
				t.Fatalf("accepted %q with %q", s, id[i])
			}
		}
		if again, err := ParseApprovalID(id); err != nil || again != id {
			t.Fatalf("not idempotent: %q -> %q, %v", id, again, err)
		}
	})
}

func TestRandomIDAlphabet(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		id, err := randomID(ApprovalIDLen)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseApprovalID(id); err != nil {
			t.Fatal(err)
		}
		seen[id] = true
	}
	if len(seen) < 199 {
		t.Fatalf("ids repeat: %d distinct of 200", len(seen))
	}
}

func TestApprovalArgsStoredWithoutSecrets(t *testing.T) {
	db := openTest(t, Options{})
	id := newApproval(t, db, Approval{Server: "db", Tool: "query", ArgsHash: "h",
		Args: json.RawMessage(`{"dsn":"postgres://admin:s3cr3tP4ss@db.internal:5432/prod"}`)})
	a, err := db.GetApproval(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(a.Args), "s3cr3tP4ss") || !json.Valid(a.Args) {
		t.Fatalf("stored %s", a.Args)
	}
}
