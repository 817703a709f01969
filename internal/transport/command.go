package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Command describes an MCP server moat starts as its child.
type Command struct {
	Path   string
	Args   []string  // without the program name
	Env    []string  // nil: inherit moat's environment
	Dir    string    // "": moat's working directory
	Stderr io.Writer // the child's stderr passes through here; nil: discarded
	// MaxFrame caps one frame read from the child's stdout.
	MaxFrame int
	// Grace is how long Stop waits after closing stdin and again after
	// SIGTERM before it kills the process group. 0 means 2 seconds.
	Grace time.Duration
	// Prepare, if set, may rewrite the command before it starts (moat run
	// --sandbox uses it to start the server inside the sandbox).
	Prepare func(*exec.Cmd) error
}

// Process is a running child: a Conn over its stdin/stdout plus lifecycle.
type Process struct {
	Conn
	cmd   *exec.Cmd
	stdin io.Closer
	grace time.Duration
	done  chan struct{}
	err   error // from cmd.Wait, valid after done is closed
}

// Start starts the child in its own process group. On Linux the child also
// gets SIGKILL if moat dies (Pdeathsig), so it never outlives moat.
func (c Command) Start() (*Process, error) {
	cmd := exec.Command(c.Path, c.Args...)
	cmd.Env, cmd.Dir, cmd.Stderr = c.Env, c.Dir, c.Stderr
	cmd.SysProcAttr = sysProcAttr()
	if c.Prepare != nil {
		if err := c.Prepare(cmd); err != nil {
			return nil, fmt.Errorf("preparing MCP server %q: %w", c.Path, err)
		}
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("creating stdin pipe for %s: %w", c.Path, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("creating stdout pipe for %s: %w", c.Path, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting MCP server %q: %w", c.Path, err)
	}
	grace := c.Grace
	if grace <= 0 {
		grace = 2 * time.Second
	}
	p := &Process{cmd: cmd, stdin: stdin, grace: grace, done: make(chan struct{})}
	p.Conn = NewStream(stdout, stdin, stdin, StreamOptions{MaxFrame: c.MaxFrame})
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Pid returns the child's process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the child has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Signal sends sig to the child's whole process group.
func (p *Process) Signal(sig os.Signal) error {
	return signalGroup(p.cmd.Process, sig)
}

// Stop ends the child the way MCP's stdio transport asks: close its stdin,
// wait, SIGTERM the group, wait, SIGKILL the group. It returns the exit status.
func (p *Process) Stop(ctx context.Context) ExitStatus {
	_ = p.Conn.Close()
	steps := []os.Signal{nil, syscall.SIGTERM, os.Kill}
	for _, sig := range steps {
		if sig != nil {
			_ = p.Signal(sig)
		}
		t := time.NewTimer(p.grace)
		select {
		case <-p.done:
			t.Stop()
			return p.Status()
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	<-p.done
	return p.Status()
}

// ExitStatus is how the child ended.
type ExitStatus struct {
	Code   int            // exit code, or 128+signal number when killed by a signal
	Signal syscall.Signal // 0 unless killed by a signal
}

// Status returns the exit status; call it after Done is closed.
func (p *Process) Status() ExitStatus {
	select {
	case <-p.done:
	default:
		return ExitStatus{Code: -1}
	}
	if p.err == nil {
		return ExitStatus{}
	}
	var ee *exec.ExitError
	if !errors.As(p.err, &ee) {
		return ExitStatus{Code: 1}
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ExitStatus{Code: 128 + int(ws.Signal()), Signal: ws.Signal()}
	}
	return ExitStatus{Code: ee.ExitCode()}
}
