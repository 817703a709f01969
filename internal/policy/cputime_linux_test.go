package policy

import (
	"syscall"
	"time"
)

// threadCPU is the CPU time used by the calling OS thread (the caller holds
// runtime.LockOSThread). Benchmarks report it because other processes on a
// shared machine inflate wall time.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
