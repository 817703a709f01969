package state

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations is the ordered schema history. The schema version stored in
// PRAGMA user_version is the number of migrations applied. Append only: never
// edit or reorder a released migration.
var migrations = []string{
	// 1: grants, approvals, pins, server_tools.
	`
CREATE TABLE grants (
	id          TEXT PRIMARY KEY,
	server      TEXT NOT NULL,
	tool        TEXT NOT NULL DEFAULT '',
	where_expr  TEXT NOT NULL DEFAULT '',
	args_hash   TEXT NOT NULL DEFAULT '',
	session_id  TEXT NOT NULL DEFAULT '',
	once        INTEGER NOT NULL DEFAULT 0 CHECK (once IN (0, 1)),
	used        INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),
	created     INTEGER NOT NULL,
	expires     INTEGER NOT NULL DEFAULT 0,
	created_by  TEXT NOT NULL DEFAULT '',
	reason      TEXT NOT NULL DEFAULT '',
	approval_id TEXT NOT NULL DEFAULT '',
	revoked     INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
	revoked_at  INTEGER
) STRICT;
CREATE INDEX grants_active ON grants (revoked, expires);

CREATE TABLE approvals (
	id             TEXT PRIMARY KEY,
	server         TEXT NOT NULL,
	tool           TEXT NOT NULL,
	args_json      TEXT NOT NULL DEFAULT '',
	args_truncated INTEGER NOT NULL DEFAULT 0 CHECK (args_truncated IN (0, 1)),
	args_size      INTEGER NOT NULL DEFAULT 0,
	args_hash      TEXT NOT NULL,
	client         TEXT NOT NULL DEFAULT '',
	session_id     TEXT NOT NULL DEFAULT '',
	rule           TEXT NOT NULL DEFAULT '',
	reason         TEXT NOT NULL DEFAULT '',
	created        INTEGER NOT NULL,
	expires        INTEGER NOT NULL,
	status         TEXT NOT NULL DEFAULT 'pending'
	               CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
	decided_by     TEXT NOT NULL DEFAULT '',
	decided_at     INTEGER,
	grant_id       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX approvals_status ON approvals (status, expires);

CREATE TABLE pins (
	server      TEXT NOT NULL,
	tool        TEXT NOT NULL,
	def_hash    TEXT NOT NULL,
	def_json    TEXT NOT NULL DEFAULT '',
	first_seen  INTEGER NOT NULL,
	approved_at INTEGER,
	status      TEXT NOT NULL DEFAULT 'pending'
	            CHECK (status IN ('pending', 'approved', 'drifted', 'rejected')),
	PRIMARY KEY (server, tool)
) STRICT;

CREATE TABLE server_tools (
	server     TEXT NOT NULL,
	client     TEXT NOT NULL DEFAULT '',
	tool       TEXT NOT NULL,
	first_seen INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL,
	PRIMARY KEY (server, client, tool)
) STRICT;
`,
}

// SchemaVersion is the schema version this binary writes.
func SchemaVersion() int { return len(migrations) }

// migrate applies the missing migrations, each in its own immediate
// transaction; concurrent openers serialise on the write lock and re-read
// the version inside it, so every migration runs exactly once.
func (d *DB) migrate(ctx context.Context) error {
	for {
		done, err := d.migrateOne(ctx)
		if err != nil || done {
			return err
		}
	}
}

func (d *DB) migrateOne(ctx context.Context) (done bool, err error) {
	var v int
	if err := d.sql.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return false, fmt.Errorf("read schema version: %w", err)
	}
	if v > len(migrations) {
		return false, fmt.Errorf("%w: schema version %d, this moat knows up to %d; upgrade moat (or move the file aside)", ErrTooNew, v, len(migrations))
	}
	if v == len(migrations) {
		return true, nil
	}
	err = d.tx(ctx, func(tx *sql.Tx) error {
		var cur int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if cur != v {
			return nil // another process migrated meanwhile; loop re-reads
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("apply schema migration %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
			return fmt.Errorf("set schema version %d: %w", v+1, err)
		}
		return nil
	})
	return false, err
}
