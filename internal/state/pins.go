package state

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Pin statuses.
const (
	PinPending  = "pending"  // first seen, not yet approved
	PinApproved = "approved" // a human (or trust-on-first-use policy) accepted it
	PinDrifted  = "drifted"  // the server now serves a different definition
	PinRejected = "rejected"
)

// Pin is the definition of one tool of one server as first accepted.
type Pin struct {
	Server     string // server identity (name plus launch command or URL digest)
	Tool       string
	DefHash    string // canonical hash of what the model sees
	DefJSON    string // the definition, for showing a diff on drift
	FirstSeen  time.Time
	ApprovedAt time.Time
	Status     string
}

// maxDefJSON caps a stored tool definition.
const maxDefJSON = 256 << 10

// PutPin inserts or replaces the pin for (p.Server, p.Tool).
func (d *DB) PutPin(ctx context.Context, p Pin) error {
	return putPin(ctx, d.sql, p)
}

// execer is what putPin needs of a database or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func putPin(ctx context.Context, db execer, p Pin) error {
	switch {
	case p.Server == "" || p.Tool == "" || len(p.Server) > 1024 || len(p.Tool) > maxNameLen:
		return fmt.Errorf("%w: pin needs a server identity and a tool name", ErrInvalidInput)
	case p.DefHash == "" || len(p.DefHash) > maxHashLen:
		return fmt.Errorf("%w: pin needs a definition hash", ErrInvalidInput)
	case p.FirstSeen.IsZero():
		return fmt.Errorf("%w: pin has no first-seen time", ErrInvalidInput)
	}
	if p.Status == "" {
		p.Status = PinPending
	}
	p.DefJSON = truncUTF8(p.DefJSON, maxDefJSON)
	var approved any
	if !p.ApprovedAt.IsZero() {
		approved = ts(p.ApprovedAt)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO pins (server, tool, def_hash, def_json, first_seen, approved_at, status)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (server, tool) DO UPDATE SET def_hash = excluded.def_hash, def_json = excluded.def_json,
			approved_at = excluded.approved_at, status = excluded.status`,
		p.Server, p.Tool, p.DefHash, p.DefJSON, ts(p.FirstSeen), approved, p.Status)
	if err != nil {
		return fmt.Errorf("store pin: %w", err)
	}
	return nil
}

// FirstUsePins pins every tool of a server that has no tool pins yet, in
// one write-locked transaction, and reports whether it did. When another
// process pinned the server first it writes nothing and returns false, so
// two sessions starting together never see a half-pinned server. Rows whose
// tool name holds '#' (instructions, candidates) do not count as tool pins.
func (d *DB) FirstUsePins(ctx context.Context, server string, ps []Pin) (bool, error) {
	for _, p := range ps {
		if p.Server != server {
			return false, fmt.Errorf("%w: pin of %q in a first-use batch of %q", ErrInvalidInput, p.Server, server)
		}
	}
	done := false
	err := d.tx(ctx, func(tx *sql.Tx) error {
		done = false
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pins WHERE server = ? AND instr(tool, '#') = 0`, server).Scan(&n); err != nil {
			return fmt.Errorf("count pins: %w", err)
		}
		if n > 0 {
			return nil
		}
		for _, p := range ps {
			if err := putPin(ctx, tx, p); err != nil {
				return err
			}
		}
		done = true
		return nil
	})
	return done, err
}

// GetPin returns the pin of one tool (ErrNotFound if none).
func (d *DB) GetPin(ctx context.Context, server, tool string) (Pin, error) {
	ps, err := d.queryPins(ctx, `WHERE server = ? AND tool = ?`, server, tool)
	if err != nil {
		return Pin{}, err
	}
	if len(ps) == 0 {
		return Pin{}, fmt.Errorf("pin %s/%s: %w", server, tool, ErrNotFound)
	}
	return ps[0], nil
}

// Pins returns the pins of one server, by tool name.
func (d *DB) Pins(ctx context.Context, server string) ([]Pin, error) {
	return d.queryPins(ctx, `WHERE server = ? ORDER BY tool`, server)
}

// SetPinStatus changes a pin's status; approving stamps ApprovedAt with now.
func (d *DB) SetPinStatus(ctx context.Context, server, tool, status string, now time.Time) error {
	switch status {
	case PinPending, PinApproved, PinDrifted, PinRejected:
	default:
		return fmt.Errorf("%w: unknown pin status %q", ErrInvalidInput, status)
	}
	q := `UPDATE pins SET status = ? WHERE server = ? AND tool = ?`
	args := []any{status, server, tool}
	if status == PinApproved {
		q = `UPDATE pins SET status = ?, approved_at = ? WHERE server = ? AND tool = ?`
		args = []any{status, ts(now), server, tool}
	}
	res, err := d.sql.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("update pin: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("pin %s/%s: %w", server, tool, ErrNotFound)
	}
	return nil
}

func (d *DB) queryPins(ctx context.Context, where string, args ...any) ([]Pin, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT server, tool, def_hash, def_json, first_seen, approved_at, status FROM pins `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query pins: %w", err)
	}
	defer rows.Close()
	var out []Pin
	for rows.Next() {
		var p Pin
		var first int64
		var approved sql.NullInt64
		if err := rows.Scan(&p.Server, &p.Tool, &p.DefHash, &p.DefJSON, &first, &approved, &p.Status); err != nil {
			return nil, fmt.Errorf("read pin: %w", err)
		}
		p.FirstSeen, p.ApprovedAt = fromTS(first), nullTS(approved)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read pins: %w", err)
	}
	return out, nil
}

// ServerTool records that a client's server offered a tool.
type ServerTool struct {
	Server    string
	Client    string
	Tool      string
	FirstSeen time.Time
	LastSeen  time.Time
}

// RecordServerTools notes that server (as configured in client) offered
// tools at now, keeping the first time each was seen.
func (d *DB) RecordServerTools(ctx context.Context, server, client string, tools []string, now time.Time) error {
	if server == "" {
		return fmt.Errorf("%w: server identity is empty", ErrInvalidInput)
	}
	return d.tx(ctx, func(tx *sql.Tx) error {
		for _, t := range tools {
			if t == "" || len(t) > maxNameLen {
				return fmt.Errorf("%w: tool name must be 1 to %d bytes", ErrInvalidInput, maxNameLen)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO server_tools (server, client, tool, first_seen, last_seen)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (server, client, tool) DO UPDATE SET last_seen = excluded.last_seen`,
				server, client, t, ts(now), ts(now))
			if err != nil {
				return fmt.Errorf("record server tool: %w", err)
			}
		}
		return nil
	})
}

// ServerTools returns what a server was seen to offer, by client and tool.
func (d *DB) ServerTools(ctx context.Context, server string) ([]ServerTool, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT server, client, tool, first_seen, last_seen FROM server_tools
		WHERE server = ? ORDER BY client, tool`, server)
	if err != nil {
		return nil, fmt.Errorf("query server tools: %w", err)
	}
	defer rows.Close()
	var out []ServerTool
	for rows.Next() {
		var s ServerTool
		var first, last int64
		if err := rows.Scan(&s.Server, &s.Client, &s.Tool, &first, &last); err != nil {
			return nil, fmt.Errorf("read server tool: %w", err)
		}
		s.FirstSeen, s.LastSeen = fromTS(first), fromTS(last)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read server tools: %w", err)
	}
	return out, nil
}
