package state

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/moat-dev/moat/internal/policy"
)

// grantCache keeps the unrevoked, unused grants in memory and reloads them
// only when the database changed. Change detection uses PRAGMA data_version
// on one dedicated connection: its value changes whenever any other
// connection (in this process or another) commits. The dedicated connection
// itself never writes.
type grantCache struct {
	mu      sync.Mutex
	conn    *sql.Conn
	version int64
	grants  []policy.Grant // ordered by creation; expiry is filtered per call
	valid   bool
}

// ActiveGrants returns the grants in force at now: not revoked, not used up,
// not expired, ordered by creation time. It runs for every call that asks,
// so it answers from memory unless the database changed since the last call.
func (d *DB) ActiveGrants(ctx context.Context, now time.Time) ([]policy.Grant, error) {
	c := &d.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.refresh(ctx, d.sql); err != nil {
		c.invalidate()
		return nil, err
	}
	out := make([]policy.Grant, 0, len(c.grants))
	for _, g := range c.grants {
		if g.Expires.IsZero() || now.Before(g.Expires) {
			out = append(out, g)
		}
	}
	return out, nil
}

func (c *grantCache) invalidate() {
	if c.conn != nil {
		_ = c.conn.Close()
	}
	c.conn, c.valid, c.grants = nil, false, nil
}

func (c *grantCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.invalidate()
}

// refresh reloads the grants if data_version moved.
func (c *grantCache) refresh(ctx context.Context, db *sql.DB) error {
	if c.conn == nil {
		conn, err := db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("grant cache connection: %w", err)
		}
		c.conn, c.valid = conn, false
	}
	var v int64
	if err := c.conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		return fmt.Errorf("read data version: %w", err)
	}
	if c.valid && v == c.version {
		return nil
	}
	gs, err := loadGrants(ctx, c.conn)
	if err != nil {
		return err
	}
	c.grants, c.version, c.valid = gs, v, true
	return nil
}

// loadGrants reads the unrevoked, unused grants (expired ones included;
// ActiveGrants filters by time).
func loadGrants(ctx context.Context, conn *sql.Conn) ([]policy.Grant, error) {
	rows, err := conn.QueryContext(ctx, `SELECT id, server, tool, where_expr, args_hash, session_id, once, created, expires
		FROM grants WHERE revoked = 0 AND used = 0 ORDER BY created, rowid`)
	if err != nil {
		return nil, fmt.Errorf("query grants: %w", err)
	}
	defer rows.Close()
	var out []policy.Grant
	for rows.Next() {
		var g policy.Grant
		var once int
		var created, expires int64
		if err := rows.Scan(&g.ID, &g.Server, &g.Tool, &g.Where, &g.ArgsHash, &g.SessionID, &once, &created, &expires); err != nil {
			return nil, fmt.Errorf("read grant: %w", err)
		}
		g.Once, g.Created, g.Expires = once == 1, fromTS(created), fromTS(expires)
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read grants: %w", err)
	}
	return out, nil
}
