package sandbox

import "testing"

// TestSeccompPolicyAssembles: every named system call exists for this
// architecture's table (unknown ones are dropped, not fatal) and the
// program assembles.
func TestSeccompPolicyAssembles(t *testing.T) {
	p, info, err := seccompPolicy()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Assemble(); err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{"ptrace", "bpf", "mount", "keyctl", "perf_event_open", "init_module", "kexec_load", "io_uring_setup"} {
		if _, ok := info.SyscallNames[must]; !ok {
			t.Errorf("%s is unknown on %s: the filter would not deny it", must, info.Name)
		}
	}
}
