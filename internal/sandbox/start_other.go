//go:build !linux && !darwin

package sandbox

import "os/exec"

type osState struct{}

func supported() bool { return false }

// Check reports that nothing is available.
func Check() Report {
	return Report{OS: "unsupported", Layers: []Layer{{Name: "sandbox", Required: true,
		Detail: ErrUnsupported.Error(), Fix: "run moat on Linux or macOS to confine servers"}}}
}

// Prepare is not available on this operating system.
func (s *Sandbox) Prepare(*exec.Cmd) error { return ErrUnsupported }

// Started does nothing.
func (s *Sandbox) Started() {}

// Close does nothing.
func (s *Sandbox) Close() error { return nil }

// IsChild is always false here.
func IsChild() bool { return false }

// ChildMain is never called here.
func ChildMain() int { return 127 }
