package run

import (
	"fmt"
	"os/exec"

	"github.com/spf13/pflag"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/sandbox"
)

// sandboxFlags are the --sandbox family of flags (see docs/sandbox.md).
type sandboxFlags struct {
	mode                            string
	profile                         string
	hosts, cidrs, read, write, envs []string
}

func addSandboxFlags(fl *pflag.FlagSet, s *sandboxFlags) {
	fl.StringVar(&s.mode, "sandbox", "off", "confine the server: strict (refuse to start if a layer is missing) or best-effort; --sandbox alone means strict")
	fl.Lookup("sandbox").NoOptDefVal = "strict"
	fl.StringVar(&s.profile, "sandbox-profile", "", "start from a built-in sandbox profile: "+fmt.Sprint(sandbox.ProfileNames()))
	fl.StringArrayVar(&s.hosts, "allow-host", nil, "sandbox: host the server may reach through moat's egress proxy: name, *.domain, IP; :port or :* (default ports 80 and 443) (repeatable)")
	fl.StringArrayVar(&s.cidrs, "allow-cidr", nil, "sandbox: internal address range (loopback, private, CGNAT, ULA) allowed hosts may resolve to (repeatable)")
	fl.StringArrayVar(&s.read, "allow-read", nil, "sandbox: file or directory the server may read (repeatable)")
	fl.StringArrayVar(&s.write, "allow-write", nil, "sandbox: file or directory the server may read and write (repeatable)")
	fl.StringArrayVar(&s.envs, "allow-env", nil, "sandbox: environment variable passed to the server, NAME or NAME=VALUE (repeatable)")
}

// sandboxRun is the sandbox of one `moat run`; the zero value means none.
type sandboxRun struct {
	sb      *sandbox.Sandbox
	sink    audit.Sink
	prepare func(*exec.Cmd) error // nil without a sandbox
}

func (s *sandboxFlags) used() bool {
	return s.profile != "" || len(s.hosts)+len(s.cidrs)+len(s.read)+len(s.write)+len(s.envs) > 0
}

// startSandbox validates the flags and prepares the sandbox for args.
func startSandbox(f *cmdutil.Factory, o *options, args []string) (*sandboxRun, error) {
	mode, err := sandbox.ParseMode(o.sandbox.mode)
	if err != nil {
		return nil, cmdutil.Usagef("--sandbox: %v", err)
	}
	if mode == sandbox.Off {
		if o.sandbox.used() {
			return nil, cmdutil.Usagef("--sandbox-profile and --allow-* only apply with --sandbox")
		}
		return &sandboxRun{}, nil
	}
	pol := sandbox.Policy{}
	if o.sandbox.profile != "" {
		prof, err := sandbox.LookupProfile(o.sandbox.profile)
		if err != nil {
			return nil, cmdutil.Usagef("--sandbox-profile: %v", err)
		}
		pol = prof.Build(args[1:])
	}
	pol = pol.Merge(sandbox.Policy{Read: o.sandbox.read, Write: o.sandbox.write, Env: o.sandbox.envs,
		Hosts: o.sandbox.hosts, CIDRs: o.sandbox.cidrs})
	sink, err := audit.OpenDefaultEnv(f.State(), f.Now, f.IO.Getenv)
	if err != nil {
		return nil, fmt.Errorf("opening the audit log for the sandbox: %w", err)
	}
	sb, err := sandbox.New(sandbox.Options{
		Mode: mode, Policy: pol, Server: o.name, Home: f.Home(), Audit: sink,
		Stderr: f.IO.ErrOut, Getenv: f.IO.Getenv,
	})
	if err != nil {
		sink.Close()
		return nil, err
	}
	return &sandboxRun{sb: sb, sink: sink, prepare: sb.Prepare}, nil
}

// started tells the sandbox its init stage is running.
func (r *sandboxRun) started() {
	if r.sb != nil {
		r.sb.Started()
	}
}

func (r *sandboxRun) close() {
	if r.sb != nil {
		r.sb.Close()
		r.sink.Close()
	}
}
