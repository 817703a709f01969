// Package permstore opens what the permission commands (grant, grants,
// approve, deny, approvals) work on: the state database and the audit log,
// as one unit that is closed together.
package permstore

import (
	"time"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/state"
)

// Env is an open state database and audit log, and the time of the command.
type Env struct {
	DB  *state.DB
	Log *audit.JSONL
	Now time.Time
}

// Open opens the state database and the audit log in f's state directory.
func Open(f *cmdutil.Factory) (*Env, error) {
	db, err := state.OpenDir(f.State(), state.Options{})
	if err != nil {
		return nil, err
	}
	log, err := audit.OpenDefault(f.State(), f.Now)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Env{DB: db, Log: log, Now: f.Now()}, nil
}

// Close closes the audit log and the database.
func (e *Env) Close() {
	e.Log.Close()
	e.DB.Close()
}
