package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/moat-dev/moat/internal/secrets"
)

// Approval statuses.
const (
	StatusPending  = "pending"
	StatusApproved = "approved"
	StatusDenied   = "denied"
	StatusExpired  = "expired"
)

// Approval is a tool call waiting for a human decision.
type Approval struct {
	ID     string
	Server string
	Tool   string
	// Args is the call's raw JSON arguments with recognised secrets
	// replaced (internal/secrets), cut to MaxArgsJSON bytes (ArgsTruncated)
	// — then no longer valid JSON. ArgsSize is the original length.
	Args          json.RawMessage
	ArgsTruncated bool
	ArgsSize      int
	// ArgsHash is the canonical hash of the full arguments; a grant made
	// from this approval is bound to it.
	ArgsHash  string
	Client    string
	SessionID string
	Rule      string // the policy rule that asked
	Reason    string // why it asked
	Created   time.Time
	Expires   time.Time // zero at creation means Created + DefaultApprovalTTL
	Status    string
	DecidedBy string
	DecidedAt time.Time
	GrantID   string
}

// StatusAt is the approval's status at now: a pending approval past its
// expiry is expired even before anything marks it so.
func (a Approval) StatusAt(now time.Time) string {
	if a.Status == StatusPending && !now.Before(a.Expires) {
		return StatusExpired
	}
	return a.Status
}

// Scope says how far an approval reaches.
type Scope int

// Scopes. Every scope covers only the exact arguments (ArgsHash) unless
// ApproveOptions.AnyArgs widens it.
const (
	// ScopeOnce allows the one call, once, in the asking session.
	ScopeOnce Scope = iota
	// ScopeSession allows the call for the rest of the asking session
	// (bounded by the maximum grant duration).
	ScopeSession
	// ScopeFor allows the call from any session for ApproveOptions.For.
	ScopeFor
)

// ApproveOptions is how a human answered.
type ApproveOptions struct {
	Scope Scope
	For   time.Duration // ScopeFor only
	// AnyArgs widens the grant to every call of the server's tool, whatever
	// its arguments. Off by default: an approval covers one exact call.
	AnyArgs bool
	By      string
}

// validateApproval checks and normalises a new approval.
func validateApproval(a *Approval) error {
	switch {
	case a.Server == "" || len(a.Server) > maxNameLen || a.Tool == "" || len(a.Tool) > maxNameLen:
		return fmt.Errorf("%w: approval needs a server and a tool of at most %d bytes", ErrInvalidInput, maxNameLen)
	case a.ArgsHash == "" || len(a.ArgsHash) > maxHashLen:
		return fmt.Errorf("%w: approval needs the arguments hash", ErrInvalidInput)
	case a.Created.IsZero():
		return fmt.Errorf("%w: approval has no creation time", ErrInvalidInput)
	case len(a.Client) > maxNameLen || len(a.SessionID) > maxNameLen || len(a.Rule) > maxNameLen:
		return fmt.Errorf("%w: approval client, session or rule too long", ErrInvalidInput)
	}
	if a.Expires.IsZero() {
		a.Expires = a.Created.Add(DefaultApprovalTTL)
	}
	if !a.Expires.After(a.Created) {
		return fmt.Errorf("%w: approval expires before it is created", ErrInvalidInput)
	}
	a.Reason = truncUTF8(a.Reason, maxTextLen)
	a.ArgsSize = len(a.Args)
	// Keep no credentials at rest: people see the arguments only with
	// secrets redacted anyway, and the grant binds to ArgsHash, computed by
	// the caller over the original arguments.
	if red, ms := secrets.Redact(string(a.Args)); len(ms) > 0 {
		a.Args = json.RawMessage(red)
	}
	if len(a.Args) > MaxArgsJSON {
		a.Args, a.ArgsTruncated = json.RawMessage(truncUTF8(string(a.Args), MaxArgsJSON)), true
	}
	a.Created, a.Expires = a.Created.UTC(), a.Expires.UTC()
	return nil
}

// CreateApproval records a call waiting for a decision and returns its short
// id. An identical call (same server, tool, arguments hash, client and
// session) already pending returns the existing id, so retries do not pile up.
func (d *DB) CreateApproval(ctx context.Context, a Approval) (string, error) {
	if err := validateApproval(&a); err != nil {
		return "", err
	}
	err := d.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id FROM approvals WHERE status = 'pending' AND expires > ?
			AND server = ? AND tool = ? AND args_hash = ? AND client = ? AND session_id = ? LIMIT 1`,
			ts(a.Created), a.Server, a.Tool, a.ArgsHash, a.Client, a.SessionID).Scan(&a.ID)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("look up pending approvals: %w", err)
		}
		return insertApproval(ctx, tx, &a)
	})
	if err != nil {
		return "", err
	}
	return a.ID, nil
}

func insertApproval(ctx context.Context, tx *sql.Tx, a *Approval) error {
	for attempt := 0; attempt < 8; attempt++ {
		id, err := randomID(ApprovalIDLen)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO approvals
			(id, server, tool, args_json, args_truncated, args_size, args_hash, client, session_id, rule, reason, created, expires)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			id, a.Server, a.Tool, string(a.Args), b2i(a.ArgsTruncated), a.ArgsSize, a.ArgsHash,
			a.Client, a.SessionID, a.Rule, a.Reason, ts(a.Created), ts(a.Expires))
		if err != nil {
			return fmt.Errorf("insert approval: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			a.ID, a.Status = id, StatusPending
			return nil
		}
	}
	return errors.New("could not find a free approval id; prune old approvals")
}

const approvalCols = `id, server, tool, args_json, args_truncated, args_size, args_hash, client, session_id,
	rule, reason, created, expires, status, decided_by, decided_at, grant_id`

type rowScanner interface{ Scan(dest ...any) error }

func scanApproval(r rowScanner) (Approval, error) {
	var a Approval
	var args string
	var trunc int
	var created, expires int64
	var decided sql.NullInt64
	err := r.Scan(&a.ID, &a.Server, &a.Tool, &args, &trunc, &a.ArgsSize, &a.ArgsHash, &a.Client, &a.SessionID,
		&a.Rule, &a.Reason, &created, &expires, &a.Status, &a.DecidedBy, &decided, &a.GrantID)
	if err != nil {
		return a, err
	}
	if args != "" {
		a.Args = json.RawMessage(args)
	}
	a.ArgsTruncated = trunc == 1
	a.Created, a.Expires, a.DecidedAt = fromTS(created), fromTS(expires), nullTS(decided)
	return a, nil
}

// GetApproval returns one approval by id (ErrNotFound if none). Use
// Approval.StatusAt to see whether a pending one has expired.
func (d *DB) GetApproval(ctx context.Context, id string) (Approval, error) {
	return getApproval(ctx, d.sql, id)
}

type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func getApproval(ctx context.Context, q querier, id string) (Approval, error) {
	a, err := scanApproval(q.QueryRowContext(ctx, `SELECT `+approvalCols+` FROM approvals WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("approval %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("read approval: %w", err)
	}
	return a, nil
}

// PendingApprovals returns the approvals still waiting at now, oldest first.
func (d *DB) PendingApprovals(ctx context.Context, now time.Time) ([]Approval, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT `+approvalCols+` FROM approvals
		WHERE status = 'pending' AND expires > ? ORDER BY created, rowid`, ts(now))
	if err != nil {
		return nil, fmt.Errorf("query approvals: %w", err)
	}
	defer rows.Close()
	var out []Approval
	for rows.Next() {
		a, err := scanApproval(rows)
		if err != nil {
			return nil, fmt.Errorf("read approval: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read approvals: %w", err)
	}
	return out, nil
}

// ExpireApprovals marks pending approvals past their expiry at now as
// expired and returns how many it marked.
func (d *DB) ExpireApprovals(ctx context.Context, now time.Time) (int, error) {
	res, err := d.sql.ExecContext(ctx, `UPDATE approvals SET status = 'expired' WHERE status = 'pending' AND expires <= ?`, ts(now))
	if err != nil {
		return 0, fmt.Errorf("expire approvals: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// truncUTF8 cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// hasGlobMeta reports whether a name would act as a pattern in a grant.
func hasGlobMeta(s string) bool { return strings.ContainsAny(s, `*?[]\{}`) }
