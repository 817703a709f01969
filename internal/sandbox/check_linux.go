package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"

	llsys "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
)

// probeEnv makes a re-executed moat only test that the namespaces work.
const probeEnv = "MOAT_SANDBOX_PROBE"

var (
	checkOnce sync.Once
	checked   Report
)

// Check probes which layers this kernel provides. The namespace probe
// really starts a child in new namespaces (a few milliseconds); the result
// is cached for the process.
func Check() Report {
	checkOnce.Do(func() { checked = check() })
	return checked
}

func check() Report {
	r := Report{OS: "linux"}
	r.Layers = append(r.Layers, checkNamespaces())
	r.Layers = append(r.Layers, checkLandlock())
	r.Layers = append(r.Layers, checkSeccomp())
	r.Layers = append(r.Layers, Layer{Name: "no_new_privs", Available: true, Required: true, Detail: "prctl(PR_SET_NO_NEW_PRIVS)"})
	return r
}

func checkNamespaces() Layer {
	l := Layer{Name: "namespaces", Required: true, Detail: "user, mount, pid, ipc, uts, net"}
	err := probeNamespaces()
	if err == nil {
		l.Available = true
		return l
	}
	l.Detail = "cannot create user namespaces: " + err.Error()
	switch {
	case readSysctl("kernel/apparmor_restrict_unprivileged_userns") == "1":
		l.Fix = "AppArmor restricts unprivileged user namespaces (Ubuntu 24.04+): add an AppArmor profile " +
			"granting `userns` to the moat binary, or `sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0`"
	case readSysctl("kernel/unprivileged_userns_clone") == "0":
		l.Fix = "`sudo sysctl kernel.unprivileged_userns_clone=1` (Debian/older Ubuntu)"
	case readSysctl("user/max_user_namespaces") == "0":
		l.Fix = "`sudo sysctl user.max_user_namespaces=15000`"
	default:
		l.Fix = "enable CONFIG_USER_NS/CONFIG_NET_NS/CONFIG_PID_NS, or allow unshare/clone in the container's seccomp profile " +
			"(Docker: --security-opt seccomp=unconfined is the blunt way)"
	}
	return l
}

func checkLandlock() Layer {
	l := Layer{Name: "landlock", Required: true}
	abi, err := llsys.LandlockGetABIVersion()
	if err != nil || abi < 1 {
		l.Detail = "Landlock is not enabled in this kernel"
		l.Fix = "use Linux 5.13+ with CONFIG_SECURITY_LANDLOCK=y and `landlock` in the lsm= boot parameter"
		return l
	}
	l.Available = true
	l.Detail = fmt.Sprintf("ABI %d", abi)
	switch {
	case abi < 4:
		l.Detail += " (no TCP rules: the network namespace alone confines the network)"
	case abi < 6:
		l.Detail += " (no IPC scoping of abstract sockets and signals)"
	}
	return l
}

func checkSeccomp() Layer {
	l := Layer{Name: "seccomp", Required: true}
	if _, err := unix.PrctlRetInt(unix.PR_GET_SECCOMP, 0, 0, 0, 0); err != nil {
		l.Detail = "seccomp is not available: " + err.Error()
		l.Fix = "use a kernel with CONFIG_SECCOMP_FILTER=y"
		return l
	}
	l.Available, l.Detail = true, "BPF filter"
	return l
}

func readSysctl(name string) string {
	b, err := os.ReadFile("/proc/sys/" + name)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// quickProbe is a tiny program started in the namespaces when creating
// them is all there is to test.
const quickProbe = "/bin/true"

// probeNamespaces starts a child in all the namespaces the sandbox uses.
// Where AppArmor may let the namespaces be created but withhold the
// capabilities inside them (Ubuntu 24.04+), it re-executes moat, whose
// probe stage also brings the loopback up; elsewhere a tiny program is
// enough and much faster.
func probeNamespaces() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if readSysctl("kernel/apparmor_restrict_unprivileged_userns") != "1" || os.Getuid() == 0 {
		if _, err := os.Stat(quickProbe); err == nil {
			self = quickProbe
		}
	}
	cmd := exec.Command(self)
	cmd.Env = []string{probeEnv + "=1"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	nsAttr(cmd.SysProcAttr)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if len(out) > 0 {
			return fmt.Errorf("%v: %s", err, strings.TrimSpace(string(out)))
		}
		return err
	}
	return nil
}

// nsAttr adds the namespaces, the identity uid/gid maps and the
// capabilities the init stage needs (they end at the server's exec).
func nsAttr(a *syscall.SysProcAttr) {
	uid, gid := os.Getuid(), os.Getgid()
	a.Cloneflags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS | syscall.CLONE_NEWPID |
		syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS | syscall.CLONE_NEWNET
	a.UidMappings = []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}}
	a.GidMappings = []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}}
	a.GidMappingsEnableSetgroups = false
	a.AmbientCaps = []uintptr{unix.CAP_NET_ADMIN, unix.CAP_SYS_ADMIN, unix.CAP_SETPCAP}
}
