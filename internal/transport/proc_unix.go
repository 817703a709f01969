//go:build unix && !linux

package transport

import (
	"os"
	"syscall"
)

// sysProcAttr puts the child in its own process group. Without Pdeathsig
// the child is only ended by Stop or by signals moat forwards.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

func signalGroup(p *os.Process, sig os.Signal) error {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return p.Signal(sig)
	}
	if err := syscall.Kill(-p.Pid, s); err != nil {
		return p.Signal(sig)
	}
	return nil
}
