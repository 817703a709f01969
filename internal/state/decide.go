package state

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/moat-dev/moat/internal/policy"
)

// Approve answers a pending approval with a grant and returns the grant.
//
// The grant is as narrow as the answer allows: it names the approval's
// server and tool exactly and, unless opts.AnyArgs, binds the exact
// arguments (ArgsHash). ScopeOnce also binds the asking session and is used
// up by its first call; ScopeSession binds the session for at most the
// maximum grant duration; ScopeFor lasts opts.For (at most the maximum) in
// any session. An unknown id is ErrNotFound, a decided one ErrNotPending, and
// one past its expiry ErrExpired (it is then marked expired).
func (d *DB) Approve(ctx context.Context, id string, opts ApproveOptions, now time.Time) (policy.Grant, error) {
	var g policy.Grant
	var expired bool
	err := d.tx(ctx, func(tx *sql.Tx) error {
		a, err := d.pendingForDecision(ctx, tx, id, now)
		if err != nil {
			return err
		}
		if a.StatusAt(now) == StatusExpired {
			expired = true
			return markExpired(ctx, tx, id)
		}
		g, err = d.grantFor(a, opts, now)
		if err != nil {
			return err
		}
		g, err = insertGrant(ctx, tx, g, GrantMeta{CreatedBy: opts.By, Reason: "approval " + a.ID + ": " + a.Reason, ApprovalID: a.ID})
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE approvals SET status = 'approved', decided_by = ?, decided_at = ?, grant_id = ? WHERE id = ?`,
			opts.By, ts(now), g.ID, a.ID)
		if err != nil {
			return fmt.Errorf("record approval: %w", err)
		}
		return nil
	})
	if err == nil && expired {
		err = fmt.Errorf("approval %s: %w", id, ErrExpired)
	}
	if err != nil {
		return policy.Grant{}, err
	}
	return g, nil
}

// Deny answers a pending approval with no. Errors as for Approve.
func (d *DB) Deny(ctx context.Context, id, by string, now time.Time) error {
	var expired bool
	err := d.tx(ctx, func(tx *sql.Tx) error {
		a, err := d.pendingForDecision(ctx, tx, id, now)
		if err != nil {
			return err
		}
		if a.StatusAt(now) == StatusExpired {
			expired = true
			return markExpired(ctx, tx, id)
		}
		_, err = tx.ExecContext(ctx, `UPDATE approvals SET status = 'denied', decided_by = ?, decided_at = ? WHERE id = ?`, by, ts(now), id)
		if err != nil {
			return fmt.Errorf("record denial: %w", err)
		}
		return nil
	})
	if err == nil && expired {
		err = fmt.Errorf("approval %s: %w", id, ErrExpired)
	}
	return err
}

// pendingForDecision loads an approval that is still pending (possibly past
// its expiry, which the caller checks so the expiry is committed).
func (d *DB) pendingForDecision(ctx context.Context, tx *sql.Tx, id string, now time.Time) (Approval, error) {
	a, err := getApproval(ctx, tx, id)
	if err != nil {
		return a, err
	}
	switch a.Status {
	case StatusPending:
		return a, nil
	case StatusExpired:
		return a, fmt.Errorf("approval %s: %w", id, ErrExpired)
	}
	return a, fmt.Errorf("approval %s was already %s: %w", id, a.Status, ErrNotPending)
}

func markExpired(ctx context.Context, tx *sql.Tx, id string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE approvals SET status = 'expired' WHERE id = ?`, id); err != nil {
		return fmt.Errorf("expire approval: %w", err)
	}
	return nil
}

// grantFor builds the grant an answer creates (see Approve).
func (d *DB) grantFor(a Approval, opts ApproveOptions, now time.Time) (policy.Grant, error) {
	if hasGlobMeta(a.Server) || hasGlobMeta(a.Tool) {
		return policy.Grant{}, fmt.Errorf("%w: server or tool name %q/%q contains pattern characters; write a grant by hand", ErrInvalidInput, a.Server, a.Tool)
	}
	g := policy.Grant{Server: a.Server, Tool: a.Tool, Created: now.UTC()}
	if !opts.AnyArgs {
		g.ArgsHash = a.ArgsHash
	}
	switch opts.Scope {
	case ScopeOnce:
		g.Once, g.SessionID = true, a.SessionID
		g.Expires = g.Created.Add(d.opts.defaultGrant())
	case ScopeSession:
		if a.SessionID == "" {
			return g, fmt.Errorf("approval %s: %w", a.ID, ErrNoSession)
		}
		g.SessionID = a.SessionID
		g.Expires = g.Created.Add(d.opts.maxGrant())
	case ScopeFor:
		if opts.For <= 0 {
			return g, fmt.Errorf("%w: duration must be positive", ErrInvalidInput)
		}
		if opts.For > d.opts.maxGrant() {
			return g, fmt.Errorf("%w: %s asked, maximum %s", ErrTooLong, opts.For, d.opts.maxGrant())
		}
		g.Expires = g.Created.Add(opts.For)
	default:
		return g, fmt.Errorf("%w: unknown approval scope %d", ErrInvalidInput, opts.Scope)
	}
	return g, nil
}
