//go:build unix

package audit

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// lockWait bounds how long a writer waits for another process's lock.
const lockWait = 10 * time.Second

// lockFile takes an exclusive advisory lock on f, waiting at most lockWait.
func lockFile(f *os.File) error {
	deadline := time.Now().Add(lockWait)
	for delay := time.Millisecond; ; delay = min(2*delay, 20*time.Millisecond) {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("lock audit log: %w", err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("lock audit log: another moat process held the lock for over %s", lockWait)
		}
		time.Sleep(delay)
	}
}

func unlockFile(f *os.File) error {
	return unix.Flock(int(f.Fd()), unix.LOCK_UN)
}

// lockSupported reports whether writers from several processes are
// serialised on this platform.
const lockSupported = true

// unlinked reports whether f's file was removed from the directory (its
// link count is zero), so that a writer holding it open must reopen it.
func unlinked(f *os.File) bool {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return true
	}
	return st.Nlink == 0
}
