package cmdutil

import (
	"os"
	"path/filepath"
	"time"

	"github.com/moat-dev/moat/internal/iostreams"
)

// Clock returns the current time. Anything with expiry takes a Clock so tests
// can move time.
type Clock func() time.Time

// Factory carries the dependencies commands need. Tests build one with
// iostreams.Test() and a fixed clock.
type Factory struct {
	IO  *iostreams.IOStreams
	Now Clock
	// HomeDir, StateDir and ConfigDir are resolved lazily from the
	// environment unless set (tests set them).
	HomeDir   string
	StateDir  string
	ConfigDir string
	// WorkDir is the current directory (project root for project policy).
	WorkDir string
}

// New returns a Factory for the real process environment.
func New(ios *iostreams.IOStreams) *Factory {
	wd, _ := os.Getwd()
	return &Factory{IO: ios, Now: time.Now, WorkDir: wd}
}

// Home returns the user's home directory.
func (f *Factory) Home() string {
	if f.HomeDir != "" {
		return f.HomeDir
	}
	if h := f.IO.Getenv("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

// State returns moat's state directory: $MOAT_STATE_DIR, else
// $XDG_STATE_HOME/moat, else ~/.local/state/moat.
func (f *Factory) State() string {
	if f.StateDir != "" {
		return f.StateDir
	}
	if d := f.IO.Getenv("MOAT_STATE_DIR"); d != "" {
		return d
	}
	if d := f.IO.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "moat")
	}
	return filepath.Join(f.Home(), ".local", "state", "moat")
}

// Config returns moat's user configuration directory: $MOAT_CONFIG_DIR, else
// $XDG_CONFIG_HOME/moat, else ~/.config/moat.
func (f *Factory) Config() string {
	if f.ConfigDir != "" {
		return f.ConfigDir
	}
	if d := f.IO.Getenv("MOAT_CONFIG_DIR"); d != "" {
		return d
	}
	if d := f.IO.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "moat")
	}
	return filepath.Join(f.Home(), ".config", "moat")
}
