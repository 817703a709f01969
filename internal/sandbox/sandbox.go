// Package sandbox confines an MCP server that moat starts.
//
// On Linux moat re-executes itself as a small init process inside new user,
// mount, PID, IPC, UTS and network namespaces. That init brings up the
// namespace's own loopback, listens on 127.0.0.1:3128 there, applies
// Landlock (filesystem allow-list, TCP connect only to that port, IPC
// scoping) and a seccomp filter (with no_new_privs), then starts the server
// and stays as PID 1 to reap orphans and forward signals. The listening
// socket is handed (as a file descriptor, over an inherited Unix socket) to
// moat's egress proxy outside the namespace, which accepts on it directly.
// The server sees no host network interface at all.
//
// On macOS a Seatbelt profile generated from the same Policy is used with
// sandbox-exec; elsewhere New returns ErrUnsupported.
package sandbox

import (
	"errors"
	"fmt"
	"strings"
)

// Mode says what happens when a confinement layer is missing.
type Mode int

// Modes.
const (
	Off        Mode = iota
	BestEffort      // run with what is available, and say what is missing
	Strict          // refuse to start when any layer is missing
)

func (m Mode) String() string {
	switch m {
	case BestEffort:
		return "best-effort"
	case Strict:
		return "strict"
	}
	return "off"
}

// ParseMode reads "strict", "best-effort" or "off" ("" and "true" mean
// strict: an explicit --sandbox asks for confinement, not a wish).
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "true", "strict":
		return Strict, nil
	case "best-effort", "besteffort":
		return BestEffort, nil
	case "off", "false", "none":
		return Off, nil
	}
	return Off, fmt.Errorf("sandbox mode %q: use strict, best-effort or off", s)
}

// ErrUnsupported is returned on operating systems moat cannot confine
// servers on.
var ErrUnsupported = errors.New("sandboxing servers is not supported on this operating system (supported: Linux, macOS)")

// Layer is one confinement mechanism and whether it is available/applied.
type Layer struct {
	Name      string `json:"name"`
	Available bool   `json:"available"`
	Detail    string `json:"detail,omitempty"` // version, or why it is missing
	Fix       string `json:"fix,omitempty"`    // how to enable it
	Required  bool   `json:"required"`         // --sandbox=strict needs it
}

// Report lists the layers this machine provides.
type Report struct {
	OS     string  `json:"os"`
	Layers []Layer `json:"layers"`
}

// Missing returns the required layers that are not available.
func (r Report) Missing() []Layer {
	var out []Layer
	for _, l := range r.Layers {
		if l.Required && !l.Available {
			out = append(out, l)
		}
	}
	return out
}

// Names returns the names of ls.
func Names(ls []Layer) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Name
	}
	return out
}
