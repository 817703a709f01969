package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/net/netutil"
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/internal/egress"
)

// osState is the Linux launcher's state: the egress proxy and the parent
// end of the relay socket.
type osState struct {
	mu     sync.Mutex
	relay  *os.File // parent end
	child  *os.File // child end, handed to the init stage
	server *http.Server
}

func supported() bool { return true }

// maxProxyConns bounds the egress proxy's concurrent connections per
// sandboxed server.
const maxProxyConns = 256

func (s *Sandbox) available(name string) bool {
	for _, l := range s.report.Layers {
		if l.Name == name {
			return l.Available
		}
	}
	return false
}

// Prepare rewrites cmd (as built by exec.Command, not yet started) so that
// it starts moat's sandbox init stage, which confines and then runs the
// original program. It also starts the egress proxy.
func (s *Sandbox) Prepare(cmd *exec.Cmd) error {
	if cmd.Err != nil {
		return cmd.Err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("sandbox: finding moat's own executable: %w", err)
	}
	path := cmd.Path
	if abs, err := filepath.Abs(path); err == nil && cmd.Dir == "" {
		path = abs
	}
	rules, err := s.resolvePaths(path, cmd.Args[1:])
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	sp := spec{
		Path: path, Argv: cmd.Args, Dir: cmd.Dir, Read: rules.Read, Write: rules.Write,
		Namespaces: s.available("namespaces"), Strict: s.opts.Mode == Strict,
		Landlock: s.available("landlock"), Seccomp: s.available("seccomp"),
	}
	if err := s.startEgress(&sp); err != nil {
		return err
	}
	proxyURL := "http://127.0.0.1:" + strconv.Itoa(sp.ProxyPort)
	if sp.Env, err = BuildEnv(s.opts.Getenv, s.opts.Policy.Env, s.Home(), s.tmp(), proxyURL); err != nil {
		return err
	}
	raw, err := json.Marshal(sp)
	if err != nil {
		return err
	}
	cmd.Path, cmd.Args = self, []string{"moat-sandbox-init"}
	cmd.Env = []string{specEnv + "=" + string(raw)}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	if sp.Namespaces {
		nsAttr(cmd.SysProcAttr)
		cmd.ExtraFiles = []*os.File{s.os.child}
	}
	return nil
}

func (s *Sandbox) tmp() string { return s.dir + "/tmp" }

// startEgress starts the proxy: fed by descriptors from the init stage when
// the server has its own network namespace, else on a host loopback port
// that Landlock makes the server's only TCP destination.
func (s *Sandbox) startEgress(sp *spec) error {
	s.os.mu.Lock()
	defer s.os.mu.Unlock()
	if s.os.server != nil {
		return errors.New("sandbox: Prepare called twice")
	}
	res := s.opts.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	p := &egress.Proxy{Policy: s.egress, Resolver: res, Report: s.reportEgress}
	s.os.server = egress.NewServer(p)
	if !sp.Namespaces {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("sandbox: egress proxy listener: %w", err)
		}
		sp.ProxyPort = ln.Addr().(*net.TCPAddr).Port
		go s.os.server.Serve(netutil.LimitListener(ln, maxProxyConns))
		return nil
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("sandbox: relay socket: %w", err)
	}
	s.os.relay, s.os.child = os.NewFile(uintptr(fds[0]), "relay"), os.NewFile(uintptr(fds[1]), "relay-child")
	sp.ProxyPort = ProxyPort
	go s.serveHandedOver(s.os.relay, s.os.server)
	return nil
}

// serveHandedOver serves the egress proxy on the listening socket the init
// stage creates in the sandbox's network namespace and hands over.
func (s *Sandbox) serveHandedOver(relay *os.File, srv *http.Server) {
	ln, err := recvListener(relay)
	relay.Close()
	if err != nil {
		return
	}
	if err := srv.Serve(netutil.LimitListener(ln, maxProxyConns)); errors.Is(err, http.ErrServerClosed) {
		ln.Close() // Close won the race with Serve
	}
}

// Started is called once the init stage runs: moat's copy of the child's
// relay end is closed so the relay sees EOF when the sandbox ends.
func (s *Sandbox) Started() {
	s.os.mu.Lock()
	defer s.os.mu.Unlock()
	if s.os.child != nil {
		s.os.child.Close()
		s.os.child = nil
	}
}

// Close stops the egress proxy and removes the private directories.
func (s *Sandbox) Close() error {
	s.Started()
	s.os.mu.Lock()
	if s.os.relay != nil {
		_ = unix.Shutdown(int(s.os.relay.Fd()), unix.SHUT_RDWR) // unblocks recvListener
	}
	if s.os.server != nil {
		s.os.server.Close()
	}
	s.os.mu.Unlock()
	if s.dir != "" {
		return os.RemoveAll(s.dir)
	}
	return nil
}
