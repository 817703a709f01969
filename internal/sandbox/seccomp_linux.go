package sandbox

import (
	"fmt"
	"unsafe"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// deniedSyscalls return EPERM: debugging other processes, kernel modules,
// kexec, BPF, mounts, keyrings, perf, namespace changes and other
// administration calls an MCP server has no business making.
var deniedSyscalls = []string{
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
	"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
	"bpf", "perf_event_open", "userfaultfd",
	"mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
	"keyctl", "add_key", "request_key",
	"unshare", "setns",
	"swapon", "swapoff", "reboot", "acct", "syslog", "quotactl", "lookup_dcookie",
	"open_by_handle_at", "name_to_handle_at", "iopl", "ioperm",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
	// io_uring bypasses seccomp for the operations it carries; EPERM makes
	// runtimes (libuv, Go, Tokio) fall back to epoll.
	"io_uring_setup", "io_uring_enter", "io_uring_register",
}

// nosysSyscalls return ENOSYS so libc falls back to an older call the
// filter can inspect (clone3's flags live in memory, clone's in a register).
var nosysSyscalls = []string{"clone3"}

const ipprotoMPTCP = 262

// seccompPolicy builds the filter for the native architecture.
func seccompPolicy() (*seccomp.Policy, *arch.Info, error) {
	info, err := arch.GetInfo("")
	if err != nil {
		return nil, nil, err
	}
	known := func(names []string) []string {
		var out []string
		for _, n := range names {
			if _, ok := info.SyscallNames[n]; ok {
				out = append(out, n)
			}
		}
		return out
	}
	nsFlags := uint64(unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWNET | unix.CLONE_NEWPID |
		unix.CLONE_NEWIPC | unix.CLONE_NEWUTS | unix.CLONE_NEWCGROUP)
	p := &seccomp.Policy{
		DefaultAction: seccomp.ActionAllow,
		Syscalls: []seccomp.SyscallGroup{
			{Action: seccomp.ActionErrno, Names: known(deniedSyscalls)},
			{Action: seccomp.ActionErrno | seccomp.Action(unix.ENOSYS), Names: known(nosysSyscalls)},
			{Action: seccomp.ActionErrno, NamesWithCondtions: []seccomp.NameWithConditions{
				{Name: "clone", Conditions: seccomp.ArgumentConditions{{Argument: cloneFlagsArg(info), Operation: seccomp.BitsSet, Value: nsFlags}}},
				// Landlock's TCP rules do not cover Multipath TCP.
				{Name: "socket", Conditions: seccomp.ArgumentConditions{{Argument: 2, Operation: seccomp.Equal, Value: ipprotoMPTCP}}},
				// New Unix sockets could connect to host daemons' pathname
				// sockets (docker.sock, ssh-agent, D-Bus): Landlock only
				// mediates that from ABI 9 and the network namespace not at
				// all. socketpair(2) stays allowed for runtimes' own plumbing.
				{Name: "socket", Conditions: seccomp.ArgumentConditions{{Argument: 0, Operation: seccomp.Equal, Value: unix.AF_UNIX}}},
				// Faking terminal input (TIOCSTI) or console control through
				// an inherited terminal (moat's stderr may be one).
				{Name: "ioctl", Conditions: seccomp.ArgumentConditions{{Argument: 1, Operation: seccomp.Equal, Value: unix.TIOCSTI}}},
				{Name: "ioctl", Conditions: seccomp.ArgumentConditions{{Argument: 1, Operation: seccomp.Equal, Value: unix.TIOCLINUX}}},
			}},
		},
	}
	return p, info, nil
}

// cloneFlagsArg is the argument index of clone's flags.
func cloneFlagsArg(info *arch.Info) uint32 {
	if info.Name == "s390x" {
		return 1
	}
	return 0
}

// applySeccomp sets no_new_privs and installs the filter on every thread.
// A system call from a foreign architecture ABI (e.g. int 0x80 on x86-64)
// kills the process: the deny-list only names native system calls.
func applySeccomp() error {
	p, info, err := seccompPolicy()
	if err != nil {
		return fmt.Errorf("seccomp: %w", err)
	}
	insts, err := p.Assemble()
	if err != nil {
		return fmt.Errorf("seccomp: %w", err)
	}
	prog := append([]bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4}, // seccomp_data.arch
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(info.ID), SkipTrue: 1},
		bpf.RetConstant{Val: uint32(seccomp.ActionKillProcess)},
	}, insts...)
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return fmt.Errorf("seccomp: %w", err)
	}
	filter := make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		filter[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	fprog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
		unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog)))
	if errno != 0 {
		return fmt.Errorf("seccomp: installing the filter: %w", errno)
	}
	return nil
}
