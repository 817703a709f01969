package audit

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// SyncMode says when a record is forced to stable storage (fsync).
//
// In both modes a record is in the file (written with one write(2)) before
// Write returns, so a crash or kill of the writing process loses nothing.
// The modes differ only in what a machine crash or power loss can lose.
type SyncMode string

const (
	// SyncInterval (the default) is group commit: a background flusher
	// fsyncs the log at most SyncInterval after the first unsynced record,
	// or at once when SyncBatch records are waiting. A machine crash can
	// lose the records of the last SyncInterval (plus the fsync's own
	// time). A failed fsync fails every later Write.
	SyncInterval SyncMode = "interval"
	// SyncAlways fsyncs every record before Write returns.
	SyncAlways SyncMode = "always"
)

// Group-commit defaults.
const (
	DefaultSyncInterval = 10 * time.Millisecond
	DefaultSyncBatch    = 64
	// unsyncedFactor × SyncBatch records written but not yet synced make
	// Write wait for the flusher (bounded by syncWait): the records a
	// machine crash can lose stay bounded even when the disk is slow.
	unsyncedFactor = 16
	syncWait       = 10 * time.Second
)

// ParseSync reads a sync mode as written in configuration ("" is the
// default, interval).
func ParseSync(s string) (SyncMode, error) {
	switch SyncMode(s) {
	case "", SyncInterval:
		return SyncInterval, nil
	case SyncAlways:
		return SyncAlways, nil
	}
	return "", fmt.Errorf("audit sync mode %q: use %q or %q", s, SyncAlways, SyncInterval)
}

// groupCommit is the flusher's state, guarded by JSONL.mu.
type groupCommit struct {
	dirty   int           // records written since the last fsync began
	syncing int           // flusher fsyncs in progress (outside s.mu)
	err     error         // sticky: a failed fsync fails every later Write
	kick    chan struct{} // cap 1: the first unsynced record was written
	urgent  chan struct{} // cap 1: SyncBatch records are waiting
	stop    chan struct{} // closed by Close
	done    chan struct{} // closed when the flusher returns
	synced  chan struct{} // closed (and replaced) when an fsync completes
	running bool
}

// waitForRoom blocks, with s.mu held on entry and exit, while too many
// records are unsynced; it returns the sticky fsync error if there is one.
func (s *JSONL) waitForRoom() error {
	gc := &s.gc
	limit := unsyncedFactor * s.opts.SyncBatch
	var deadline <-chan time.Time
	for gc.err == nil && gc.dirty >= limit {
		if deadline == nil {
			t := time.NewTimer(syncWait)
			defer t.Stop()
			deadline = t.C
		}
		ch := gc.synced
		s.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			s.mu.Lock()
			return fmt.Errorf("audit log: %d records were not synced to disk within %s; check the disk", gc.dirty, syncWait)
		}
		s.mu.Lock()
	}
	return gc.err
}

// written accounts for one record appended with write(2): in always mode it
// fsyncs now, in interval mode it wakes the flusher.
func (s *JSONL) written() error {
	if s.opts.Sync == SyncAlways {
		if err := s.fsync(s.f); err != nil {
			return s.failSync(err)
		}
		return nil
	}
	gc := &s.gc
	gc.dirty++
	if !gc.running {
		gc.running = true
		gc.kick, gc.urgent = make(chan struct{}, 1), make(chan struct{}, 1)
		gc.stop, gc.done = make(chan struct{}), make(chan struct{})
		go s.flusher(gc.kick, gc.urgent, gc.stop, gc.done)
	}
	if gc.dirty == 1 {
		notify(gc.kick)
	}
	if gc.dirty >= s.opts.SyncBatch {
		notify(gc.urgent)
	}
	return nil
}

func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// failSync makes an fsync failure sticky: after it, the kernel may have
// dropped the unsynced pages, so no later record may claim to follow them.
func (s *JSONL) failSync(err error) error {
	if s.gc.err == nil {
		s.gc.err = fmt.Errorf("sync audit log: %w; records may not have reached the disk: check the disk, run 'moat audit verify' and restart moat", err)
	}
	s.valid = false
	return s.gc.err
}

// flusher fsyncs the log at most SyncInterval after the first unsynced
// record, or as soon as SyncBatch records wait.
func (s *JSONL) flusher(kick, urgent, stop, done chan struct{}) {
	defer close(done)
	for {
		select {
		case <-kick:
		case <-stop:
			return
		}
		select { // a stale signal from the previous round
		case <-urgent:
		default:
		}
		s.mu.Lock()
		full := s.gc.dirty >= s.opts.SyncBatch
		s.mu.Unlock()
		if !full {
			select {
			case <-s.opts.After(s.opts.SyncInterval):
			case <-urgent:
			case <-stop:
				return // Close syncs what is left
			}
		}
		s.syncPending()
	}
}

// syncPending fsyncs the active file if records are waiting. Writes go on
// while the fsync runs; records they add are synced in the next round.
func (s *JSONL) syncPending() {
	s.mu.Lock()
	f, done := s.f, s.gc.synced
	if s.gc.dirty == 0 || f == nil {
		s.mu.Unlock()
		return
	}
	s.gc.dirty = 0
	s.gc.syncing++
	s.mu.Unlock()
	err := s.fsync(f)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gc.syncing--
	// A file closed under us was synced by whoever closed it (rotate, Close).
	if err != nil && !errors.Is(err, os.ErrClosed) {
		_ = s.failSync(err)
	}
	s.signalSynced(done)
	if s.gc.dirty > 0 { // written during the fsync: go again
		notify(s.gc.kick)
	}
}

// syncLocked fsyncs the active file now (s.mu held): before a rotation
// renames it and when the sink closes. It also syncs while a flusher fsync
// is in progress: that fsync fails harmlessly if the file is closed under
// it, so its records must be synced here.
func (s *JSONL) syncLocked() error {
	if s.gc.err != nil {
		return s.gc.err
	}
	if s.f == nil || s.gc.dirty == 0 && s.gc.syncing == 0 {
		return nil
	}
	s.gc.dirty = 0
	err := s.fsync(s.f)
	s.signalSynced(s.gc.synced)
	if err != nil {
		return s.failSync(err)
	}
	return nil
}

// signalSynced wakes the writers waiting on ch for an fsync, unless another
// fsync already woke them (the current channel is never closed).
func (s *JSONL) signalSynced(ch chan struct{}) {
	if s.gc.synced == ch {
		close(ch)
		s.gc.synced = make(chan struct{})
	}
}

// Sync forces every record written so far to stable storage.
func (s *JSONL) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.syncLocked()
}

// stopFlusher ends the flusher goroutine and waits for it. s.mu is held
// on entry and exit and released meanwhile (the flusher may need it); the
// caller has set closing, so no Write starts a new flusher.
func (s *JSONL) stopFlusher() {
	if !s.gc.running {
		return
	}
	s.gc.running = false
	stop, done := s.gc.stop, s.gc.done
	s.mu.Unlock()
	close(stop)
	<-done
	s.mu.Lock()
}

// syncDir makes a new or renamed file's directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
