//go:build !unix

package audit

import "os"

// unlinked cannot tell on this platform; the head file is reopened with
// the log.
func unlinked(*os.File) bool { return false }

// On platforms without flock, writers within one process are serialised by
// the sink's mutex but separate processes are not: two processes appending at
// once can fork the chain, which Verify then reports. Run one writer per log
// there.
func lockFile(*os.File) error   { return nil }
func unlockFile(*os.File) error { return nil }

const lockSupported = false
