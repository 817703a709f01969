//go:build !unix

package transport

import (
	"os"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

func signalGroup(p *os.Process, sig os.Signal) error {
	if sig == os.Interrupt {
		return p.Kill()
	}
	return p.Signal(sig)
}
