package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/moat-dev/moat/internal/policy"
)

// ErrRevoked is returned when revoking a grant that is already revoked.
var ErrRevoked = errors.New("already revoked")

// Input caps for grant fields.
const (
	maxNameLen  = 256
	maxWhereLen = 4 << 10
	maxHashLen  = 128
	maxTextLen  = 1 << 10
)

// GrantMeta is who created a grant, why, and whether it may be permanent.
type GrantMeta struct {
	CreatedBy  string
	Reason     string
	ApprovalID string
	// Permanent must be set for a grant whose Expires is zero; without it
	// AddGrant refuses the grant (ErrPermanent).
	Permanent bool
}

// GrantRecord is a stored grant with its bookkeeping.
type GrantRecord struct {
	policy.Grant
	CreatedBy  string
	Reason     string
	ApprovalID string
	Used       bool
	Revoked    bool
	RevokedAt  time.Time
}

// Status is "revoked", "used", "expired", "permanent" or "active" at now.
func (r GrantRecord) Status(now time.Time) string {
	switch {
	case r.Revoked:
		return "revoked"
	case r.Once && r.Used:
		return "used"
	case r.Expires.IsZero():
		return "permanent"
	case !now.Before(r.Expires):
		return "expired"
	}
	return "active"
}

// validateGrant enforces the grant rules: a scope, a creation time, an
// expiry after it and within the maximum, or an explicit permanent flag.
func (d *DB) validateGrant(g policy.Grant, meta GrantMeta) error {
	switch {
	case g.Server == "" || len(g.Server) > maxNameLen:
		return fmt.Errorf("%w: grant server must be 1 to %d bytes", ErrInvalidInput, maxNameLen)
	case len(g.Tool) > maxNameLen:
		return fmt.Errorf("%w: grant tool longer than %d bytes", ErrInvalidInput, maxNameLen)
	case len(g.Where) > maxWhereLen:
		return fmt.Errorf("%w: grant condition longer than %d bytes", ErrInvalidInput, maxWhereLen)
	case len(g.ArgsHash) > maxHashLen || len(g.SessionID) > maxNameLen:
		return fmt.Errorf("%w: grant args hash or session id too long", ErrInvalidInput)
	case len(meta.Reason) > maxTextLen || len(meta.CreatedBy) > maxNameLen:
		return fmt.Errorf("%w: grant reason or creator too long", ErrInvalidInput)
	case g.Created.IsZero():
		return fmt.Errorf("%w: grant has no creation time", ErrInvalidInput)
	}
	if g.Expires.IsZero() {
		if !meta.Permanent {
			return ErrPermanent
		}
		return nil
	}
	if meta.Permanent {
		return fmt.Errorf("%w: a permanent grant cannot have an expiry", ErrInvalidInput)
	}
	if !g.Expires.After(g.Created) {
		return fmt.Errorf("%w: grant expires before it is created", ErrInvalidInput)
	}
	if dur := g.Expires.Sub(g.Created); dur > d.opts.maxGrant() {
		return fmt.Errorf("%w: %s asked, maximum %s", ErrTooLong, dur, d.opts.maxGrant())
	}
	return nil
}

// MaxGrant is the longest grant this DB accepts.
func (d *DB) MaxGrant() time.Duration { return d.opts.maxGrant() }

// DefaultGrant is the lifetime of a grant given without a duration.
func (d *DB) DefaultGrant() time.Duration { return d.opts.defaultGrant() }

// AddGrant stores g (generating its ID when empty) and returns it as stored.
// g.Created is the reference time for the maximum duration.
func (d *DB) AddGrant(ctx context.Context, g policy.Grant, meta GrantMeta) (policy.Grant, error) {
	if err := d.validateGrant(g, meta); err != nil {
		return policy.Grant{}, err
	}
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var err error
		g, err = insertGrant(ctx, tx, g, meta)
		return err
	})
	return g, err
}

// insertGrant inserts g inside tx, generating an id if needed.
func insertGrant(ctx context.Context, tx *sql.Tx, g policy.Grant, meta GrantMeta) (policy.Grant, error) {
	explicit := g.ID != ""
	if explicit {
		id, err := ParseGrantID(g.ID)
		if err != nil {
			return g, err
		}
		g.ID = id
	}
	g.Created, g.Expires = g.Created.UTC(), utcOrZero(g.Expires)
	for attempt := 0; ; attempt++ {
		if !explicit {
			id, err := NewGrantID()
			if err != nil {
				return g, err
			}
			g.ID = id
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO grants
			(id, server, tool, where_expr, args_hash, session_id, once, created, expires, created_by, reason, approval_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			g.ID, g.Server, g.Tool, g.Where, g.ArgsHash, g.SessionID, b2i(g.Once),
			ts(g.Created), ts(g.Expires), meta.CreatedBy, meta.Reason, meta.ApprovalID)
		if err != nil {
			return g, fmt.Errorf("insert grant: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return g, nil
		}
		if explicit || attempt >= 5 {
			return g, fmt.Errorf("%w: grant id %s already exists", ErrInvalidInput, g.ID)
		}
	}
}

const grantCols = `id, server, tool, where_expr, args_hash, session_id, once, used, created, expires,
	created_by, reason, approval_id, revoked, revoked_at`

// activeWhere selects grants in force at the bound time.
const activeWhere = `revoked = 0 AND used = 0 AND (expires = 0 OR expires > ?)`

// ListGrants returns the grants in force at now, or every stored grant when
// all is set, oldest first.
func (d *DB) ListGrants(ctx context.Context, all bool, now time.Time) ([]GrantRecord, error) {
	if all {
		return d.queryGrants(ctx, `SELECT `+grantCols+` FROM grants ORDER BY created, rowid`)
	}
	return d.queryGrants(ctx, `SELECT `+grantCols+` FROM grants WHERE `+activeWhere+` ORDER BY created, rowid`, ts(now))
}

// ListPermanentGrants returns the unrevoked grants without expiry; moat scan
// reports them as a standing risk.
func (d *DB) ListPermanentGrants(ctx context.Context) ([]GrantRecord, error) {
	return d.queryGrants(ctx, `SELECT `+grantCols+` FROM grants WHERE revoked = 0 AND used = 0 AND expires = 0 ORDER BY created, rowid`)
}

// GetGrant returns one grant by id (ErrNotFound if none).
func (d *DB) GetGrant(ctx context.Context, id string) (GrantRecord, error) {
	recs, err := d.queryGrants(ctx, `SELECT `+grantCols+` FROM grants WHERE id = ?`, id)
	if err != nil {
		return GrantRecord{}, err
	}
	if len(recs) == 0 {
		return GrantRecord{}, fmt.Errorf("grant %s: %w", id, ErrNotFound)
	}
	return recs[0], nil
}

func (d *DB) queryGrants(ctx context.Context, q string, args ...any) ([]GrantRecord, error) {
	rows, err := d.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query grants: %w", err)
	}
	defer rows.Close()
	var out []GrantRecord
	for rows.Next() {
		var r GrantRecord
		var once, used, revoked int
		var created, expires int64
		var revokedAt sql.NullInt64
		if err := rows.Scan(&r.ID, &r.Server, &r.Tool, &r.Where, &r.ArgsHash, &r.SessionID, &once, &used,
			&created, &expires, &r.CreatedBy, &r.Reason, &r.ApprovalID, &revoked, &revokedAt); err != nil {
			return nil, fmt.Errorf("read grant: %w", err)
		}
		r.Once, r.Used, r.Revoked = once == 1, used == 1, revoked == 1
		r.Created, r.Expires, r.RevokedAt = fromTS(created), fromTS(expires), nullTS(revokedAt)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read grants: %w", err)
	}
	return out, nil
}

// RevokeGrant revokes a grant at now. ErrNotFound if there is no such grant,
// ErrRevoked if it was already revoked.
func (d *DB) RevokeGrant(ctx context.Context, id string, now time.Time) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE grants SET revoked = 1, revoked_at = ? WHERE id = ? AND revoked = 0`, ts(now), id)
		if err != nil {
			return fmt.Errorf("revoke grant: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var x int
		switch err := tx.QueryRowContext(ctx, `SELECT 1 FROM grants WHERE id = ?`, id).Scan(&x); {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("grant %s: %w", id, ErrNotFound)
		case err != nil:
			return fmt.Errorf("revoke grant: %w", err)
		}
		return fmt.Errorf("grant %s: %w", id, ErrRevoked)
	})
}

// ConsumeOnce marks a once grant used. It is atomic across processes: of
// several callers racing for the same grant exactly one succeeds; the others
// get ErrConsumed (also returned when the grant is revoked or expired at now,
// so the caller fails closed). For a grant that is not a once grant and is
// in force it is a no-op.
func (d *DB) ConsumeOnce(ctx context.Context, id string, now time.Time) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE grants SET used = 1 WHERE id = ? AND once = 1 AND `+activeWhere, id, ts(now))
		if err != nil {
			return fmt.Errorf("consume grant: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var x int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM grants WHERE id = ? AND once = 0 AND `+activeWhere, id, ts(now)).Scan(&x)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("grant %s: %w", id, ErrConsumed)
		}
		return fmt.Errorf("consume grant: %w", err)
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}
