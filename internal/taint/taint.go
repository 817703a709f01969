// Package taint remembers, per agent session, what screening saw: that the
// session read secret material or ingested content flagged as injection.
// Hook processes are short-lived and run concurrently, so the store is a
// directory of tiny append-only files: each flag is one appended byte, and
// appends of one byte are atomic, so concurrent writers never lose a flag.
package taint

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/moat-dev/moat/internal/policy"
)

// Store is a directory of session taint files.
type Store struct{ Dir string }

// maxFile caps how much of a taint file is read.
const maxFile = 4096

func (s Store) path(runtime, session string) string {
	h := sha256.Sum256([]byte(runtime + "\x00" + session))
	return filepath.Join(s.Dir, hex.EncodeToString(h[:12]))
}

// Get returns the flags recorded for a session. A session without a file has
// no taint. An unreadable store is an error (the caller fails closed).
func (s Store) Get(runtime, session string) (policy.Taint, error) {
	if session == "" {
		return 0, nil
	}
	f, err := os.Open(s.path(runtime, session))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read session taint: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFile))
	if err != nil {
		return 0, fmt.Errorf("read session taint: %w", err)
	}
	var t policy.Taint
	for _, c := range b {
		t |= policy.Taint(c)
	}
	return t, nil
}

// Add records flags for a session.
func (s Store) Add(runtime, session string, t policy.Taint) error {
	if session == "" || t == 0 {
		return nil
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("record session taint: %w", err)
	}
	f, err := os.OpenFile(s.path(runtime, session), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("record session taint: %w", err)
	}
	_, werr := f.Write([]byte{byte(t)})
	cerr := f.Close()
	if werr != nil {
		return fmt.Errorf("record session taint: %w", werr)
	}
	return cerr
}
