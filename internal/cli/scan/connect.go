package scan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/moat-dev/moat/internal/buildinfo"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/discover"
	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/live"
	"github.com/moat-dev/moat/internal/pin"
	"github.com/moat-dev/moat/internal/scan"
)

// environ is the environment stdio servers start with (tests replace it).
var environ = os.Environ

// RuleDrift is the rule id of a --frozen difference.
const RuleDrift = "tool-drift"

// liveOutcome is what --connect adds to a scan.
type liveOutcome struct {
	findings []finding.Finding
	results  []live.Result
	// frozenFailed is set when --frozen found a difference: the scan fails
	// whatever --fail-on says.
	frozenFailed bool
}

func checkConnectFlags(o *options) error {
	if !o.connect && (o.lock != "" || o.frozen != "") {
		return cmdutil.Usagef("--lock and --frozen need --connect (they pin what the servers say when started)")
	}
	if o.lock != "" && o.frozen != "" {
		return cmdutil.Usagef("use either --lock (write the lockfile) or --frozen (check against it), not both")
	}
	if o.timeout <= 0 || o.timeout > 10*time.Minute {
		return cmdutil.Usagef("--timeout %s: use a duration between 1ms and 10m", o.timeout)
	}
	if o.concurrency < 1 || o.concurrency > 256 {
		return cmdutil.Usagef("--concurrency %d: use 1 to 256", o.concurrency)
	}
	return nil
}

// connectAll starts or connects to every enabled server, inspects what they
// say, runs the cross-server checks and handles --lock / --frozen.
func connectAll(f *cmdutil.Factory, o *options, inv discover.Inventory) (liveOutcome, error) {
	var out liveOutcome
	var pinned *pin.Lockfile
	if o.frozen != "" { // read it first: a bad lockfile should not start anything
		data, err := os.ReadFile(o.frozen)
		if err != nil {
			return out, cmdutil.Usagef("--frozen %s: %v", o.frozen, unwrap(err))
		}
		l, err := pin.ParseLock(data)
		if err != nil {
			return out, cmdutil.Usagef("--frozen %s: %v", o.frozen, err)
		}
		pinned = &l
	}
	engine, err := detect.New(detect.Options{})
	if err != nil {
		return out, fmt.Errorf("load detection rules: %w", err)
	}
	unique, index := scan.Connectable(inv.Servers)
	prog := newProgress(f, len(unique))
	results := live.Collect(context.Background(), unique, live.Options{
		Timeout: o.timeout, Concurrency: o.concurrency, Environ: environ(),
		ClientName: "moat", ClientVersion: buildinfo.Get().Version, Progress: prog.update,
	})
	prog.finish()
	out.results = scan.Spread(inv.Servers, index, results)
	out.findings = append(scan.InspectLive(engine, out.results), scan.CrossServer(out.results)...)
	lock, lockFs := scan.Lock(out.results)
	out.findings = append(out.findings, lockFs...)
	switch {
	case o.lock != "":
		if err := writeLock(f, o.lock, lock, out.results); err != nil {
			return out, err
		}
	case pinned != nil:
		changes := pin.DiffLock(*pinned, lock)
		out.findings = append(out.findings, driftFindings(changes, out.results, o.frozen)...)
		if len(changes) > 0 {
			out.frozenFailed = true
			fmt.Fprintf(f.IO.ErrOut, "moat: %d differences from %s:\n", len(changes), o.frozen)
			for _, c := range changes {
				fmt.Fprintln(f.IO.ErrOut, c.String())
			}
		}
	}
	return out, nil
}

func writeLock(f *cmdutil.Factory, file string, lock pin.Lockfile, results []live.Result) error {
	data, err := lock.Encode()
	if err != nil {
		return err
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write lockfile: %w", err)
	}
	if err := os.Rename(tmp, file); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write lockfile: %w", err)
	}
	failed := 0
	for _, r := range results {
		if r.Err != nil {
			failed++
		}
	}
	tools := 0
	for _, s := range lock.Servers {
		tools += len(s.Tools)
	}
	fmt.Fprintf(f.IO.ErrOut, "moat: wrote %s: %d servers, %d tools\n", file, len(lock.Servers), tools)
	if failed > 0 {
		fmt.Fprintf(f.IO.ErrOut, "moat: warning: %d servers could not be inspected and are not in the lockfile; --frozen will fail until they are\n", failed)
	}
	return nil
}

// driftFindings turns lockfile differences into findings.
func driftFindings(changes []pin.Change, results []live.Result, lockFile string) []finding.Finding {
	specs := map[string]int{}
	for i := range results {
		specs[results[i].Spec.Name] = i
	}
	var out []finding.Finding
	for _, c := range changes {
		f := finding.Finding{Rule: RuleDrift, Category: finding.CatDrift, Severity: finding.High,
			Message:  fmt.Sprintf("differs from %s: %s", lockFile, firstLine(c.String())),
			Evidence: driftEvidence(c),
			Fix:      "review the change; if it is expected, run moat scan --connect --lock to update the lockfile"}
		f.Location = finding.Location{File: lockFile, Server: c.Server, Kind: "tool", Tool: c.Tool}
		if i, ok := specs[c.Server]; ok {
			s := results[i].Spec
			f.Location.Client, f.Location.Config = s.Source.Client, s.Source.File
		}
		if c.Tool == "" {
			f.Location.Kind = "server"
		}
		out = append(out, f)
	}
	return out
}

func driftEvidence(c pin.Change) string {
	s := ""
	for i, fd := range c.Fields {
		if i == 3 {
			s += "; …"
			break
		}
		if i > 0 {
			s += "; "
		}
		s += fmt.Sprintf("%s: %s → %s", fd.Path, orNone(fd.Old), orNone(fd.New))
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func firstLine(s string) string {
	for i := range len(s) {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

// progress shows which servers are being contacted, on a terminal only.
type progress struct {
	f     *cmdutil.Factory
	total int
	on    bool
	start time.Time
}

func newProgress(f *cmdutil.Factory, total int) *progress {
	p := &progress{f: f, total: total, on: f.IO.IsStderrTTY() && total > 0, start: time.Now()}
	if p.on {
		fmt.Fprintf(f.IO.ErrOut, "moat: contacting %d servers…", total)
	}
	return p
}

func (p *progress) update(ev live.Progress) {
	if !p.on {
		return
	}
	state := "started"
	if ev.Finished {
		state = "done"
		if ev.Err != nil {
			state = "failed"
			if errors.Is(ev.Err, live.ErrTimeout) {
				state = "timed out"
			}
		}
	}
	name := ev.Name
	if r := []rune(name); len(r) > 40 {
		name = string(r[:40]) + "…"
	}
	fmt.Fprintf(p.f.IO.ErrOut, "\r\x1b[Kmoat: contacting servers %d/%d  %s %s", ev.Done, ev.Total, printableName(name), state)
}

func (p *progress) finish() {
	if p.on {
		fmt.Fprintf(p.f.IO.ErrOut, "\r\x1b[Kmoat: contacted %d servers in %.1fs\n", p.total, time.Since(p.start).Seconds())
	}
}

// printableName drops control characters from a server name before it is
// written to a terminal.
func printableName(s string) string {
	b := make([]rune, 0, len(s))
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			r = '?'
		}
		b = append(b, r)
	}
	return string(b)
}
