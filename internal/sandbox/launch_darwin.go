//go:build darwin

package sandbox

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"

	"github.com/moat-dev/moat/internal/egress"
)

// osState on macOS: the egress proxy on a host loopback port.
type osState struct {
	mu       sync.Mutex
	listener net.Listener
	server   *http.Server
}

func supported() bool { return true }

// Check reports sandbox-exec's presence. Network confinement is Seatbelt's
// outbound rule (no network namespace on macOS).
func Check() Report {
	l := Layer{Name: "seatbelt", Required: true, Detail: "sandbox-exec (not exercised by moat's CI)"}
	if _, err := exec.LookPath("/usr/bin/sandbox-exec"); err == nil {
		l.Available = true
	} else {
		l.Detail, l.Fix = "sandbox-exec not found", "sandbox-exec ships with macOS; check /usr/bin/sandbox-exec"
	}
	return Report{OS: "darwin", Layers: []Layer{l}}
}

// Prepare wraps cmd in sandbox-exec with a generated profile.
func (s *Sandbox) Prepare(cmd *exec.Cmd) error {
	if cmd.Err != nil {
		return cmd.Err
	}
	path := cmd.Path
	rules, err := s.resolvePaths(path, cmd.Args[1:])
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	s.os.mu.Lock()
	defer s.os.mu.Unlock()
	if s.os.server != nil {
		return errors.New("sandbox: Prepare called twice")
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("sandbox: egress proxy listener: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	p := &egress.Proxy{Policy: s.egress, Resolver: net.DefaultResolver, Report: s.reportEgress}
	if s.opts.Resolver != nil {
		p.Resolver = s.opts.Resolver
	}
	s.os.listener, s.os.server = ln, egress.NewServer(p)
	go s.os.server.Serve(ln)
	env, err := BuildEnv(s.opts.Getenv, s.opts.Policy.Env, s.Home(), s.dir+"/tmp", "http://127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return err
	}
	profile := Seatbelt(SeatbeltInput{Read: rules.Read, Write: rules.Write, Denied: deniedPaths(s.opts.Home), ProxyPort: port})
	cmd.Args = append([]string{"/usr/bin/sandbox-exec", "-p", profile, path}, cmd.Args[1:]...)
	cmd.Path, cmd.Env = "/usr/bin/sandbox-exec", env
	return nil
}

// Started does nothing on macOS.
func (s *Sandbox) Started() {}

// Close stops the egress proxy and removes the private directories.
func (s *Sandbox) Close() error {
	s.os.mu.Lock()
	if s.os.server != nil {
		s.os.server.Close()
	}
	s.os.mu.Unlock()
	if s.dir != "" {
		return os.RemoveAll(s.dir)
	}
	return nil
}

// IsChild is always false on macOS: there is no re-executed stage.
func IsChild() bool { return false }

// ChildMain is never called on macOS.
func ChildMain() int { return 127 }
