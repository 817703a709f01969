// Package iostreams carries the standard streams a command writes to, so that
// every command can be run in-process by tests with captured output.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
)

// IOStreams is the set of streams a command uses. Commands never touch
// os.Stdin/os.Stdout/os.Stderr directly.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	outTTY   bool
	errTTY   bool
	inTTY    bool
	colorOff bool
	// Env looks up environment variables; tests replace it.
	Env func(string) string
}

// System returns streams bound to the process's standard streams.
func System() *IOStreams {
	s := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, Env: os.Getenv}
	s.outTTY = isTerminal(os.Stdout)
	s.errTTY = isTerminal(os.Stderr)
	s.inTTY = isTerminal(os.Stdin)
	s.colorOff = os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb"
	return s
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// Test returns streams backed by buffers: stdin, stdout and stderr.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, Env: func(string) string { return "" }}, in, out, errOut
}

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }

// IsStderrTTY reports whether stderr is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// IsStdinTTY reports whether stdin is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.inTTY }

// SetTTY marks the streams as terminals (tests).
func (s *IOStreams) SetTTY(in, out, errOut bool) { s.inTTY, s.outTTY, s.errTTY = in, out, errOut }

// ColorEnabled reports whether stdout output may use ANSI colours.
func (s *IOStreams) ColorEnabled() bool { return s.outTTY && !s.colorOff }

// Getenv returns an environment variable through the injectable lookup.
func (s *IOStreams) Getenv(k string) string {
	if s.Env == nil {
		return ""
	}
	return strings.TrimSpace(s.Env(k))
}
