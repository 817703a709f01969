package sandbox

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// exitSetup is the init stage's exit code when confinement fails in
// strict mode (the server never started).
const exitSetup = 126

// ChildMain runs the sandbox init stage and returns the exit code.
func ChildMain() int {
	// Capability sets are per thread: the thread that drops them must be
	// the one that forks (or execs) the server.
	runtime.LockOSThread()
	if os.Getenv(probeEnv) == "1" {
		if err := loopbackUp(); err != nil {
			fmt.Fprintf(os.Stderr, "loopback: %v\n", err)
			return 1
		}
		return 0
	}
	sp, err := readSpec()
	if err != nil {
		fmt.Fprintf(os.Stderr, "moat sandbox: %v\n", err)
		return exitSetup
	}
	if !sp.Namespaces {
		return execConfined(sp)
	}
	return initMain(sp)
}

// fail reports a layer that could not be applied: fatal in strict mode,
// a warning in best-effort mode.
func fail(sp *spec, layer string, err error) bool {
	if sp.Strict {
		fmt.Fprintf(os.Stderr, "moat sandbox: %s could not be applied (strict mode, not starting the server): %v\n", layer, err)
		return true
	}
	fmt.Fprintf(os.Stderr, "moat sandbox (best-effort): %s not applied: %v\n", layer, err)
	return false
}

// confine applies Landlock, drops capabilities and loads seccomp.
func confine(sp *spec) bool {
	if sp.Landlock {
		if err := applyLandlock(sp); err != nil && fail(sp, "landlock", err) {
			return false
		}
	}
	if err := dropCaps(); err != nil && fail(sp, "capability drop", err) {
		return false
	}
	if sp.Seccomp {
		if err := applySeccomp(); err != nil && fail(sp, "seccomp", err) {
			return false
		}
	} else if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil && fail(sp, "no_new_privs", err) {
		return false
	}
	return true
}

// execConfined is best-effort mode without namespaces: confine this
// process and replace it with the server.
func execConfined(sp *spec) int {
	if !confine(sp) {
		return exitSetup
	}
	if sp.Dir != "" {
		if err := os.Chdir(sp.Dir); err != nil {
			fmt.Fprintf(os.Stderr, "moat sandbox: %v\n", err)
			return exitSetup
		}
	}
	err := unix.Exec(sp.Path, sp.Argv, sp.Env)
	fmt.Fprintf(os.Stderr, "moat sandbox: starting %s: %v\n", sp.Path, err)
	return 127
}

// initMain is PID 1 of the sandbox's PID namespace.
func initMain(sp *spec) int {
	// The relay socket must not reach the server, and the server must not
	// be able to read this process's memory or environment via /proc.
	unix.CloseOnExec(relayFD)
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	// A fresh /proc cannot be mounted where the host's /proc has masked
	// paths (e.g. inside some containers). That is a warning, not a
	// failure: Landlock's ptrace scoping already keeps the server from other
	// processes' /proc/PID files; it would only see their PIDs.
	if err := privateProc(); err != nil {
		fmt.Fprintf(os.Stderr, "moat sandbox: warning: no private /proc (the server sees host PIDs): %v\n", err)
	}
	_ = unix.Sethostname([]byte("moat-sandbox"))
	if err := loopbackUp(); err != nil {
		fmt.Fprintf(os.Stderr, "moat sandbox: bringing up loopback: %v\n", err)
		return exitSetup
	}
	lc := net.ListenConfig{}
	lc.SetMultipathTCP(false)
	ln, err := lc.Listen(nil, "tcp4", fmt.Sprintf("127.0.0.1:%d", sp.ProxyPort))
	if err != nil {
		fmt.Fprintf(os.Stderr, "moat sandbox: listening for the egress proxy: %v\n", err)
		return exitSetup
	}
	if err := handOver(ln); err != nil {
		fmt.Fprintf(os.Stderr, "moat sandbox: handing the proxy socket to moat: %v\n", err)
		return exitSetup
	}
	unix.Close(relayFD)
	if !confine(sp) {
		return exitSetup
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT)
	proc, err := os.StartProcess(sp.Path, sp.Argv, &os.ProcAttr{
		Dir: sp.Dir, Env: sp.Env, Files: []*os.File{os.Stdin, os.Stdout, os.Stderr},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "moat sandbox: starting %s: %v\n", sp.Path, err)
		return 127
	}
	go func() {
		for s := range sigs {
			_ = proc.Signal(s)
		}
	}()
	return reap(proc.Pid)
}

// reap waits for every child (orphans are re-parented to PID 1) and returns
// the server's exit code once it has ended.
func reap(server int) int {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 1
		}
		if pid != server {
			continue
		}
		if ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ws.ExitStatus()
	}
}

// handOver sends the listening socket to moat outside the namespace over
// the inherited Unix socket: moat's egress proxy accepts on it directly, so
// no byte of proxy traffic passes through this process.
func handOver(ln net.Listener) error {
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		return err
	}
	defer f.Close()
	defer ln.Close()
	return unix.Sendmsg(relayFD, []byte{0}, unix.UnixRights(int(f.Fd())), nil, 0)
}

// loopbackUp brings up lo in the new network namespace.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// privateProc mounts a /proc that shows only the sandbox's processes.
func privateProc() error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making mounts private: %w", err)
	}
	return unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
}

// dropCaps empties the capability bounding set and the ambient set, so the
// server (even as uid 0 inside the user namespace) starts with none.
func dropCaps() error {
	_ = unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	// The inheritable set passes to an exec'd uid 0 regardless of the
	// bounding set, so it is emptied too.
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("reading capabilities: %w", err)
	}
	data[0].Inheritable, data[1].Inheritable = 0, 0
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("clearing inheritable capabilities: %w", err)
	}
	var firstErr error
	for c := 0; c <= unix.CAP_LAST_CAP; c++ {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil && !errors.Is(err, unix.EINVAL) && firstErr == nil {
			firstErr = fmt.Errorf("dropping capability %d: %w", c, err)
		}
	}
	return firstErr
}
