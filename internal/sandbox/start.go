package sandbox

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/egress"
)

// Options configures one sandboxed server.
type Options struct {
	Mode   Mode
	Policy Policy
	Server string // name for the audit log
	Home   string // the user's real home (credential locations are under it)
	Audit  audit.Sink
	Stderr io.Writer // best-effort warnings
	Getenv func(string) string
	// Resolver resolves names for the egress proxy (nil: the system's).
	Resolver egress.Resolver
	// Check overrides the layer probe (tests).
	Check func() Report
}

// Sandbox is a prepared confinement for one server command.
type Sandbox struct {
	opts    Options
	egress  *egress.Policy
	report  Report
	missing []Layer
	dir     string // private directory: home/ and tmp/
	os      osState
}

// New validates the policy, probes the layers and creates the private
// home and tmp. In strict mode a missing layer is an error; in best-effort
// mode the missing layers are written to Stderr and the audit log.
func New(opts Options) (*Sandbox, error) {
	if opts.Mode == Off {
		return nil, fmt.Errorf("sandbox: mode is off")
	}
	if !supported() {
		return nil, ErrUnsupported
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Audit == nil {
		opts.Audit = audit.Discard
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	ep, err := egressPolicy(opts.Policy)
	if err != nil {
		return nil, err
	}
	check := opts.Check
	if check == nil {
		check = Check
	}
	s := &Sandbox{opts: opts, egress: ep, report: check()}
	s.missing = s.report.Missing()
	if len(s.missing) > 0 && opts.Mode == Strict {
		s.auditLayers("refuse")
		return nil, fmt.Errorf("--sandbox=strict: missing %s (run `moat sandbox check` for how to enable them, or use --sandbox=best-effort)",
			strings.Join(Names(s.missing), ", "))
	}
	if s.dir, err = os.MkdirTemp("", "moat-sandbox-"); err != nil {
		return nil, fmt.Errorf("creating the sandbox's private directory: %w", err)
	}
	for _, d := range []string{"home", "tmp"} {
		if err := os.Mkdir(filepath.Join(s.dir, d), 0o700); err != nil {
			s.Close()
			return nil, fmt.Errorf("creating the sandbox's private %s: %w", d, err)
		}
	}
	for _, l := range s.missing {
		fmt.Fprintf(opts.Stderr, "moat: sandbox (best-effort): %s is missing: %s\n", l.Name, l.Detail)
	}
	s.auditLayers("apply")
	return s, nil
}

func egressPolicy(p Policy) (*egress.Policy, error) {
	ep := &egress.Policy{}
	for _, h := range p.Hosts {
		r, err := egress.ParseRule(h)
		if err != nil {
			return nil, fmt.Errorf("--allow-host: %w", err)
		}
		ep.Hosts = append(ep.Hosts, r)
	}
	for _, c := range p.CIDRs {
		pr, err := egress.ParseCIDR(c)
		if err != nil {
			return nil, fmt.Errorf("--allow-cidr: %w", err)
		}
		ep.CIDRs = append(ep.CIDRs, pr)
	}
	return ep, nil
}

func (s *Sandbox) auditLayers(action string) {
	var have, missing []string
	for _, l := range s.report.Layers {
		if l.Available {
			have = append(have, l.Name)
		} else {
			missing = append(missing, l.Name)
		}
	}
	_ = s.opts.Audit.Write(audit.Event{
		Kind: audit.KindSandbox, Action: action, Actor: "moat", Server: s.opts.Server,
		Decision: s.opts.Mode.String(),
		Details: map[string]any{
			"os": runtime.GOOS, "layers": have, "missing": missing, "profile": s.opts.Policy.Profile,
			"hosts": s.opts.Policy.Hosts, "cidrs": s.opts.Policy.CIDRs,
		},
	})
}

// Home returns the private home directory given to the server.
func (s *Sandbox) Home() string { return filepath.Join(s.dir, "home") }

// Report returns the layer probe the sandbox was built from.
func (s *Sandbox) Report() Report { return s.report }

// Missing returns the layers that are not applied.
func (s *Sandbox) Missing() []Layer { return s.missing }

// reportEgress writes one egress decision to the audit log.
func (s *Sandbox) reportEgress(e egress.Event) {
	d := e.Decision
	verdict := "deny"
	if d.Allow && e.Err == "" {
		verdict = "allow"
	}
	details := map[string]any{"host": d.Host, "port": d.Port, "method": e.Method}
	if d.Class != "" {
		details["class"] = d.Class
	}
	if len(d.Addrs) > 0 {
		as := make([]string, len(d.Addrs))
		for i, a := range d.Addrs {
			as[i] = a.String()
		}
		details["addrs"] = as
	}
	if e.Dialed != "" {
		details["dialed"] = e.Dialed
	}
	reason := d.Reason
	if e.Err != "" {
		reason = "allowed, but connecting failed: " + e.Err
	}
	_ = s.opts.Audit.Write(audit.Event{
		Kind: audit.KindEgress, Action: verdict, Actor: "sandbox", Server: s.opts.Server,
		Decision: verdict, Rule: d.Rule, Reason: reason, Details: details,
	})
}

// fsRules are the resolved filesystem allow-lists for a command.
type fsRules struct {
	Read, Write []string
}

// resolvePaths builds the filesystem allow-lists: system directories, the
// server's package directories, the policy's paths and the private dirs,
// with credential locations carved out.
func (s *Sandbox) resolvePaths(path string, args []string) (fsRules, error) {
	denied := deniedPaths(s.opts.Home)
	var pkg []string
	for _, d := range PackageDirs(path, args) {
		if s.opts.Home != "" && within(s.opts.Home, d) {
			d = path // a program directly in (or above) home: allow the file, not the home
		}
		pkg = append(pkg, d)
	}
	system := append([]string(nil), systemReadDirs...)
	read, err := AllowPaths(append(append(system, pkg...), s.opts.Policy.Read...), denied)
	if err != nil {
		return fsRules{}, err
	}
	write, err := AllowPaths(s.opts.Policy.Write, denied)
	if err != nil {
		return fsRules{}, err
	}
	write = append(write, s.dir)
	return fsRules{Read: read, Write: write}, nil
}
