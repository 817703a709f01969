package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/moat-dev/moat/internal/policy"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func openTest(t testing.TB, opts Options) *DB {
	t.Helper()
	db, err := OpenDir(filepath.Join(t.TempDir(), "state"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenPermissionsAndPragmas(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "st ate?x") // characters that need escaping in the DSN
	db, err := OpenDir(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.AddGrant(context.Background(), policy.Grant{Server: "s", Created: t0, Expires: t0.Add(time.Hour)}, GrantMeta{}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, FileName): 0o600, filepath.Join(dir, FileName+"-wal"): 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", path, got, want)
		}
	}
	var mode string
	var fk, sync, busy int
	ctx := context.Background()
	for q, dst := range map[string]any{"PRAGMA journal_mode": &mode, "PRAGMA foreign_keys": &fk, "PRAGMA synchronous": &sync, "PRAGMA busy_timeout": &busy} {
		if err := db.sql.QueryRowContext(ctx, q).Scan(dst); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if mode != "wal" || fk != 1 || sync != 1 || busy != int(busyTimeout.Milliseconds()) {
		t.Errorf("pragmas: journal_mode=%s foreign_keys=%d synchronous=%d busy_timeout=%d", mode, fk, sync, busy)
	}
}

func TestMigrationsIdempotentAndTooNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	for i := 0; i < 2; i++ {
		db, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		var v int
		if err := db.sql.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != SchemaVersion() {
			t.Fatalf("user_version = %d, %v; want %d", v, err, SchemaVersion())
		}
		if i == 1 {
			if _, err := db.sql.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion()+1)); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
	}
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrTooNew) {
		t.Fatalf("open newer database: err = %v, want ErrTooNew", err)
	}
}

func TestAddGrantRules(t *testing.T) {
	db := openTest(t, Options{MaxGrant: 2 * time.Hour})
	ctx := context.Background()
	tests := []struct {
		name string
		g    policy.Grant
		meta GrantMeta
		want error
	}{
		{"ok", policy.Grant{Server: "gh", Tool: "create_issue", Created: t0, Expires: t0.Add(time.Hour)}, GrantMeta{}, nil},
		{"at max", policy.Grant{Server: "gh", Created: t0, Expires: t0.Add(2 * time.Hour)}, GrantMeta{}, nil},
		{"over max", policy.Grant{Server: "gh", Created: t0, Expires: t0.Add(2*time.Hour + time.Second)}, GrantMeta{}, ErrTooLong},
		{"permanent without flag", policy.Grant{Server: "gh", Created: t0}, GrantMeta{}, ErrPermanent},
		{"permanent with flag", policy.Grant{Server: "gh", Created: t0}, GrantMeta{Permanent: true}, nil},
		{"flag with expiry", policy.Grant{Server: "gh", Created: t0, Expires: t0.Add(time.Hour)}, GrantMeta{Permanent: true}, ErrInvalidInput},
		{"no server", policy.Grant{Created: t0, Expires: t0.Add(time.Hour)}, GrantMeta{}, ErrInvalidInput},
		{"no created", policy.Grant{Server: "gh", Expires: t0.Add(time.Hour)}, GrantMeta{}, ErrInvalidInput},
		{"expires before created", policy.Grant{Server: "gh", Created: t0, Expires: t0}, GrantMeta{}, ErrInvalidInput},
		{"bad id", policy.Grant{ID: "a b", Server: "gh", Created: t0, Expires: t0.Add(time.Hour)}, GrantMeta{}, ErrInvalidInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := db.AddGrant(ctx, tc.g, tc.meta)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err == nil && g.ID == "" {
				t.Fatal("no id generated")
			}
		})
	}
	if _, err := db.AddGrant(ctx, policy.Grant{ID: "mine", Server: "a", Created: t0, Expires: t0.Add(time.Minute)}, GrantMeta{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddGrant(ctx, policy.Grant{ID: "mine", Server: "a", Created: t0, Expires: t0.Add(time.Minute)}, GrantMeta{}); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("duplicate id: err = %v", err)
	}
}

func TestActiveGrantsExpiryRevokeConsume(t *testing.T) {
	db := openTest(t, Options{})
	ctx := context.Background()
	add := func(g policy.Grant, m GrantMeta) string {
		t.Helper()
		g.Created = t0
		got, err := db.AddGrant(ctx, g, m)
		if err != nil {
			t.Fatal(err)
		}
		return got.ID
	}
	short := add(policy.Grant{Server: "a", Expires: t0.Add(time.Minute)}, GrantMeta{})
	long := add(policy.Grant{Server: "b", Tool: "t", Where: `args.path.startsWith("/tmp")`, SessionID: "s1", Expires: t0.Add(time.Hour)}, GrantMeta{CreatedBy: "me", Reason: "why"})
	perm := add(policy.Grant{Server: "c"}, GrantMeta{Permanent: true})
	once := add(policy.Grant{Server: "d", Once: true, ArgsHash: "h1", Expires: t0.Add(time.Hour)}, GrantMeta{})

	ids := func(now time.Time) []string {
		gs, err := db.ActiveGrants(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, g := range gs {
			out = append(out, g.ID)
		}
		return out
	}
	if got := ids(t0); len(got) != 4 {
		t.Fatalf("at t0: %v", got)
	}
	if got := ids(t0.Add(time.Minute)); len(got) != 3 || contains(got, short) {
		t.Fatalf("expiry is exclusive at the expiry instant: %v", got)
	}
	// Consume the once grant: exactly once.
	if err := db.ConsumeOnce(ctx, once, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.ConsumeOnce(ctx, once, t0); !errors.Is(err, ErrConsumed) {
		t.Fatalf("second consume: %v", err)
	}
	if err := db.ConsumeOnce(ctx, long, t0); err != nil {
		t.Fatalf("consume of a non-once active grant is a no-op: %v", err)
	}
	if err := db.ConsumeOnce(ctx, short, t0.Add(time.Hour)); !errors.Is(err, ErrConsumed) {
		t.Fatalf("consume expired: %v", err)
	}
	if err := db.RevokeGrant(ctx, long, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeGrant(ctx, long, t0); !errors.Is(err, ErrRevoked) {
		t.Fatalf("revoke twice: %v", err)
	}
	if err := db.RevokeGrant(ctx, "g-nope", t0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoke unknown: %v", err)
	}
	if got := ids(t0.Add(48 * time.Hour)); len(got) != 1 || got[0] != perm {
		t.Fatalf("later: %v, want only the permanent grant", got)
	}
	all, err := db.ListGrants(ctx, true, t0)
	if err != nil || len(all) != 4 {
		t.Fatalf("list all: %d, %v", len(all), err)
	}
	r, err := db.GetGrant(ctx, long)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status(t0) != "revoked" || r.CreatedBy != "me" || r.Reason != "why" || r.Where == "" || r.SessionID != "s1" || !r.Expires.Equal(t0.Add(time.Hour)) {
		t.Errorf("round trip: %+v", r)
	}
	perms, err := db.ListPermanentGrants(ctx)
	if err != nil || len(perms) != 1 || perms[0].ID != perm {
		t.Fatalf("permanent: %+v, %v", perms, err)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestGrantStatus(t *testing.T) {
	tests := []struct {
		r    GrantRecord
		want string
	}{
		{GrantRecord{Grant: policy.Grant{Expires: t0.Add(time.Second)}}, "active"},
		{GrantRecord{Grant: policy.Grant{Expires: t0}}, "expired"},
		{GrantRecord{Grant: policy.Grant{}}, "permanent"},
		{GrantRecord{Grant: policy.Grant{Once: true, Expires: t0.Add(time.Hour)}, Used: true}, "used"},
		{GrantRecord{Grant: policy.Grant{}, Revoked: true}, "revoked"},
	}
	for _, tc := range tests {
		if got := tc.r.Status(t0); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.r, got, tc.want)
		}
	}
}

func TestPinsAndServerTools(t *testing.T) {
	db := openTest(t, Options{})
	ctx := context.Background()
	if err := db.PutPin(ctx, Pin{Server: "fs#abc", Tool: "read", DefHash: "h1", DefJSON: `{"name":"read"}`, FirstSeen: t0}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetPinStatus(ctx, "fs#abc", "read", PinApproved, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	p, err := db.GetPin(ctx, "fs#abc", "read")
	if err != nil || p.Status != PinApproved || !p.ApprovedAt.Equal(t0.Add(time.Minute)) || p.DefHash != "h1" {
		t.Fatalf("pin: %+v, %v", p, err)
	}
	if err := db.SetPinStatus(ctx, "fs#abc", "nope", PinDrifted, t0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing pin: %v", err)
	}
	if err := db.SetPinStatus(ctx, "fs#abc", "read", "bogus", t0); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("bad status: %v", err)
	}
	if err := db.PutPin(ctx, Pin{Server: "fs#abc", Tool: "write", DefHash: "h2", FirstSeen: t0}); err != nil {
		t.Fatal(err)
	}
	if ps, err := db.Pins(ctx, "fs#abc"); err != nil || len(ps) != 2 || ps[1].Status != PinPending {
		t.Fatalf("pins: %+v, %v", ps, err)
	}
	if _, err := db.GetPin(ctx, "x", "y"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if err := db.RecordServerTools(ctx, "fs#abc", "claude", []string{"read", "write"}, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordServerTools(ctx, "fs#abc", "claude", []string{"read"}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	st, err := db.ServerTools(ctx, "fs#abc")
	if err != nil || len(st) != 2 || !st[0].FirstSeen.Equal(t0) || !st[0].LastSeen.Equal(t0.Add(time.Hour)) || !st[1].LastSeen.Equal(t0) {
		t.Fatalf("server tools: %+v, %v", st, err)
	}
	if err := db.RecordServerTools(ctx, "fs#abc", "claude", []string{""}, t0); !errors.Is(err, ErrInvalidInput) {
		t.Fatal(err)
	}
}

// TestConcurrentHandles writes from several goroutines, each with its own
// database handle, as separate processes would.
func TestConcurrentHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	const writers, each = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- writeGrants(path, each, fmt.Sprintf("w%d", w))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	assertGrantCount(t, path, writers*each)
}

// writeGrants opens its own handle and adds n grants, reading back and
// consuming a once grant in between to mix reads and writes.
func writeGrants(path string, n int, who string) error {
	db, err := Open(path, Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		g, err := db.AddGrant(ctx, policy.Grant{Server: who, Once: true, Created: t0, Expires: t0.Add(time.Hour)}, GrantMeta{CreatedBy: who})
		if err != nil {
			return fmt.Errorf("%s add %d: %w", who, i, err)
		}
		if _, err := db.ActiveGrants(ctx, t0); err != nil {
			return fmt.Errorf("%s list: %w", who, err)
		}
		if err := db.ConsumeOnce(ctx, g.ID, t0); err != nil {
			return fmt.Errorf("%s consume: %w", who, err)
		}
	}
	return nil
}

func assertGrantCount(t *testing.T, path string, want int) {
	t.Helper()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all, err := db.ListGrants(context.Background(), true, t0)
	if err != nil {
		t.Fatal(err)
	}
	used := 0
	for _, g := range all {
		if g.Used {
			used++
		}
	}
	if len(all) != want || used != want {
		t.Fatalf("%d grants (%d used), want %d", len(all), used, want)
	}
}

// TestConcurrentProcesses runs three child processes of the test binary
// writing to one database at once.
func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), FileName)
	const procs, each = 3, 60
	cmds := make([]*exec.Cmd, procs)
	for i := range cmds {
		c := exec.Command(os.Args[0], "-test.run=^TestChildWriter$")
		c.Env = append(os.Environ(), "MOAT_STATE_CHILD_DB="+path, "MOAT_STATE_CHILD_N="+strconv.Itoa(each), fmt.Sprintf("MOAT_STATE_CHILD_WHO=p%d", i))
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = c
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("child %d: %v", i, err)
		}
	}
	assertGrantCount(t, path, procs*each)
}

// TestChildWriter is the body of TestConcurrentProcesses's children.
func TestChildWriter(t *testing.T) {
	path := os.Getenv("MOAT_STATE_CHILD_DB")
	if path == "" {
		t.Skip("only run as a child of TestConcurrentProcesses")
	}
	n, _ := strconv.Atoi(os.Getenv("MOAT_STATE_CHILD_N"))
	if err := writeGrants(path, n, os.Getenv("MOAT_STATE_CHILD_WHO")); err != nil {
		t.Fatal(err)
	}
}

func benchDB(b *testing.B) *DB {
	db := openTest(b, Options{})
	ctx := context.Background()
	for i := 0; i < 100; i++ {
		g := policy.Grant{Server: fmt.Sprintf("srv%d", i), Tool: "t", ArgsHash: "h", Created: t0, Expires: t0.Add(time.Hour)}
		if _, err := db.AddGrant(ctx, g, GrantMeta{}); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// BenchmarkActiveGrants is the per-call cost with 100 grants in force and no
// change since the last call (the cache path).
func BenchmarkActiveGrants(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		gs, err := db.ActiveGrants(ctx, t0)
		if err != nil || len(gs) != 100 {
			b.Fatalf("%d, %v", len(gs), err)
		}
	}
}

// BenchmarkActiveGrantsReload is the cost after the database changed: the
// 100 grants are read from SQLite again.
func BenchmarkActiveGrantsReload(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db.cache.close()
		gs, err := db.ActiveGrants(ctx, t0)
		if err != nil || len(gs) != 100 {
			b.Fatalf("%d, %v", len(gs), err)
		}
	}
}

// TestGrantCacheSeesOtherHandles checks that the in-memory grant cache
// notices commits made through another handle (as by another process).
func TestGrantCacheSeesOtherHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	a, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	count := func() int {
		t.Helper()
		gs, err := a.ActiveGrants(ctx, t0)
		if err != nil {
			t.Fatal(err)
		}
		return len(gs)
	}
	if n := count(); n != 0 {
		t.Fatalf("start: %d", n)
	}
	g, err := b.AddGrant(ctx, policy.Grant{Server: "s", Once: true, Created: t0, Expires: t0.Add(time.Hour)}, GrantMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("after add through b: %d", n)
	}
	if err := b.ConsumeOnce(ctx, g.ID, t0); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Fatalf("after consume through b: %d", n)
	}
	g2, _ := b.AddGrant(ctx, policy.Grant{Server: "s", Created: t0, Expires: t0.Add(time.Hour)}, GrantMeta{})
	if n := count(); n != 1 {
		t.Fatalf("after second add: %d", n)
	}
	if err := b.RevokeGrant(ctx, g2.ID, t0); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Fatalf("after revoke through b: %d", n)
	}
	// The cached slice is not shared with callers.
	a.AddGrant(ctx, policy.Grant{Server: "s", Created: t0, Expires: t0.Add(time.Hour)}, GrantMeta{})
	gs, _ := a.ActiveGrants(ctx, t0)
	gs[0].Server = "mutated"
	if again, _ := a.ActiveGrants(ctx, t0); again[0].Server != "s" {
		t.Fatal("caller mutation leaked into the cache")
	}
}

// TestFirstUsePins: the first batch pins a server whole; once a server has
// tool pins, a later batch writes nothing. Instructions and candidate rows
// ('#' in the name) are no tool pins.
func TestFirstUsePins(t *testing.T) {
	db := openTest(t, Options{})
	ctx := context.Background()
	if err := db.PutPin(ctx, Pin{Server: "s", Tool: "#instructions", DefHash: "hi", FirstSeen: t0}); err != nil {
		t.Fatal(err)
	}
	batch := []Pin{
		{Server: "s", Tool: "a", DefHash: "ha", FirstSeen: t0, ApprovedAt: t0, Status: PinApproved},
		{Server: "s", Tool: "b", DefHash: "hb", FirstSeen: t0, ApprovedAt: t0, Status: PinApproved},
	}
	if done, err := db.FirstUsePins(ctx, "s", batch); err != nil || !done {
		t.Fatalf("first batch: done=%v err=%v", done, err)
	}
	later := []Pin{{Server: "s", Tool: "c", DefHash: "hc", FirstSeen: t0, Status: PinApproved}}
	if done, err := db.FirstUsePins(ctx, "s", later); err != nil || done {
		t.Fatalf("second batch: done=%v err=%v", done, err)
	}
	if ps, err := db.Pins(ctx, "s"); err != nil || len(ps) != 3 {
		t.Fatalf("pins after both batches: %+v, %v", ps, err)
	}
	if _, err := db.FirstUsePins(ctx, "s", []Pin{{Server: "other", Tool: "x", DefHash: "h", FirstSeen: t0}}); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("a pin of another server: %v", err)
	}
	if _, err := db.FirstUsePins(ctx, "t", []Pin{{Server: "t", Tool: "x", FirstSeen: t0}}); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("an invalid pin: %v", err)
	}
	if ps, _ := db.Pins(ctx, "t"); len(ps) != 0 {
		t.Fatalf("an invalid batch left pins: %+v", ps)
	}
}
