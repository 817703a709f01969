// Package state is moat's local state database: grants, pending approvals,
// pinned tool definitions and the tools each server was seen to offer. It is
// one SQLite file (pure Go driver, WAL mode) shared safely by many moat
// processes at once: hook processes, proxies and the CLI.
//
// Nothing in this package reads the wall clock: every function that depends
// on expiry takes the current time from its caller.
package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// FileName is the database's file name inside moat's state directory.
const FileName = "state.db"

// Defaults for grant lifetimes.
const (
	DefaultGrantDuration = time.Hour
	DefaultMaxGrant      = 24 * time.Hour
	DefaultApprovalTTL   = 10 * time.Minute
	// MaxArgsJSON caps the arguments kept with a pending approval.
	MaxArgsJSON = 64 << 10
)

// busyTimeout is how long a connection waits for another process's write lock
// before failing with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// Sentinel errors. Callers test them with errors.Is.
var (
	ErrNotFound     = errors.New("not found")
	ErrNotPending   = errors.New("no longer pending")
	ErrExpired      = errors.New("expired")
	ErrTooLong      = errors.New("longer than the maximum grant duration")
	ErrPermanent    = errors.New("permanent grant without the explicit permanent flag")
	ErrConsumed     = errors.New("once grant already used, revoked or expired")
	ErrNoSession    = errors.New("the request has no session to bind a grant to")
	ErrTooNew       = errors.New("database schema is newer than this moat")
	ErrInvalidInput = errors.New("invalid input")
)

// Options configures a DB. The zero value uses the defaults.
type Options struct {
	// MaxGrant is the longest grant AddGrant and Approve accept (permanent
	// grants aside). Zero means DefaultMaxGrant.
	MaxGrant time.Duration
	// DefaultGrant is the lifetime of approvals widened to a session or
	// granted without a duration. Zero means DefaultGrantDuration.
	DefaultGrant time.Duration
}

func (o Options) maxGrant() time.Duration {
	if o.MaxGrant <= 0 {
		return DefaultMaxGrant
	}
	return o.MaxGrant
}

func (o Options) defaultGrant() time.Duration {
	d := o.DefaultGrant
	if d <= 0 {
		d = DefaultGrantDuration
	}
	return min(d, o.maxGrant())
}

// DB is an open state database. It is safe for concurrent use.
type DB struct {
	sql   *sql.DB
	opts  Options
	cache grantCache
}

// OpenDir opens (creating if needed) the database in moat's state directory
// dir, creating the directory with mode 0700.
func OpenDir(dir string, opts Options) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	return Open(filepath.Join(dir, FileName), opts)
}

// Open opens (creating if needed) the database file at path, with mode 0600,
// and brings its schema up to date. It refuses a database whose schema is
// newer than this binary knows (ErrTooNew).
func Open(path string, opts Options) (*DB, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open state database %s: %w", path, err)
	}
	_ = f.Close()
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("open state database %s: %w", path, err)
	}
	// Each process keeps few connections; SQLite serialises writers anyway.
	// Idle connections are kept (never expired): a process's first
	// connection is the one exposed to the WAL clean-up window, see
	// migrateRetry.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	d := &DB{sql: db, opts: opts}
	if err := d.migrateRetry(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("state database %s: %w", path, err)
	}
	return d, nil
}

// dsn builds the driver's connection string: WAL, a busy timeout so that
// concurrent processes wait instead of failing, NORMAL sync (durable in WAL
// mode except for the last transactions on power loss), foreign keys on, and
// BEGIN IMMEDIATE so that read-then-write transactions never deadlock.
func dsn(path string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	u := url.URL{Path: path}
	return "file:" + u.EscapedPath() + "?" + q.Encode()
}

// migrateRetry brings the schema up to date. The first statements on a new
// connection can fail with SQLITE_BUSY without waiting for the busy timeout
// when another process is closing the last connection (and cleaning up the
// WAL) or recovering after a crash; see https://sqlite.org/wal.html, section
// "Sometimes queries return SQLITE_BUSY in WAL mode". Those windows are
// short, so retry with a small jittered back-off, bounded by busyTimeout.
func (d *DB) migrateRetry() error {
	ctx, cancel := context.WithTimeout(context.Background(), busyTimeout)
	defer cancel()
	return retryBusy(ctx, func() error { return d.migrate(ctx) })
}

// retryBusy runs fn again while it fails with SQLITE_BUSY, with a small
// jittered back-off, until ctx ends.
func retryBusy(ctx context.Context, fn func() error) error {
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || !isBusy(err) {
			return err
		}
		t := time.NewTimer(time.Duration(2+attempt%8+mrand.IntN(8)) * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// isBusy reports whether err is SQLite's SQLITE_BUSY or SQLITE_LOCKED
// (including their extended codes).
func isBusy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	c := se.Code() & 0xff
	return c == 5 || c == 6
}

// Close closes the database.
func (d *DB) Close() error {
	d.cache.close()
	return d.sql.Close()
}

// tx runs fn in one immediate (write-locked) transaction, retried whole
// while SQLite reports the database busy beyond the busy timeout's reach.
func (d *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	return retryBusy(ctx, func() error { return d.tx1(ctx, fn) })
}

func (d *DB) tx1(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// ts stores a time as Unix nanoseconds (UTC); the zero time is stored as 0.
func ts(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromTS is the inverse of ts.
func fromTS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func nullTS(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromTS(n.Int64)
}
