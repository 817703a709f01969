// Package scan implements `moat scan`: discover every MCP server the AI
// clients on this machine (or a given home, project or file) can start,
// run the static checks without starting anything, and report.
package scan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/discover"
	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/live"
	"github.com/moat-dev/moat/internal/report"
	"github.com/moat-dev/moat/internal/scan"
)

type options struct {
	home       string
	format     string
	failOn     string
	ignore     string
	maxServers int
	osLayout   string
	noWarnings bool
	targets    []string
	// live inspection (connect.go)
	connect     bool
	timeout     time.Duration
	concurrency int
	lock        string
	frozen      string
}

// NewCmd returns the scan command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:   "scan [PATH...]",
		Short: "Find the MCP servers your AI clients can start and check their configuration",
		Long: "Scan reads the MCP configuration of Claude Code, Claude Desktop, Cursor, VS Code,\n" +
			"Windsurf, Gemini CLI, Codex, opencode, Cline, Roo Code, Continue, Zed, Kiro, Amazon Q,\n" +
			"GitHub Copilot CLI and more, and checks it without starting any server: typosquatted\n" +
			"and unpinned packages, secrets in configs, plaintext transports, permissions that never\n" +
			"ask. See docs/scan.md.\n\n" +
			"With no PATH it scans this machine: your home directory and the current project.\n" +
			"Each PATH is a configuration file or a project directory.\n\n" +
			"With --connect it also starts every enabled stdio server and connects to every remote\n" +
			"one (this runs their code), checks what they tell the model, compares the servers of\n" +
			"each client (tool shadowing, toxic flows), and can pin what they said (--lock) or fail\n" +
			"when it changed (--frozen).",
		Example: "  moat scan\n  moat scan --format sarif > moat.sarif\n  moat scan .mcp.json ~/work/app\n  moat scan --home examples/demo/home\n" +
			"  moat scan --connect --fail-on none examples/demo\n  moat scan --connect --lock moat.lock\n  moat scan --connect --frozen moat.lock",
		RunE: func(c *cobra.Command, args []string) error {
			o.targets = args
			return run(f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.home, "home", "", "scan this home directory instead of yours (env relocations and system files are ignored)")
	fl.StringVarP(&o.format, "format", "f", "table", "output format: table, json or sarif")
	fl.StringVar(&o.failOn, "fail-on", "high", "exit 1 when a finding is at or above this severity (info, low, medium, high, critical, none)")
	fl.StringVar(&o.ignore, "ignore", "", "suppressions file (default: .moatignore in the current directory and in project PATHs, if present)")
	fl.IntVar(&o.maxServers, "max-project-servers", scan.DefaultMaxProjectServers, "flag projects with more servers enabled than this (-1: off)")
	fl.BoolVar(&o.noWarnings, "no-warnings", false, "do not print discovery and suppression warnings")
	fl.StringVar(&o.osLayout, "os", "", "read the home with this OS's layout: linux, darwin or windows (default: this OS)")
	_ = fl.MarkHidden("os")
	fl.BoolVar(&o.connect, "connect", false, "also start every enabled stdio server and connect to every remote one, and check what they tell the model (runs their code)")
	fl.DurationVar(&o.timeout, "timeout", live.DefaultTimeout, "with --connect: give each server this long to start and answer")
	fl.IntVar(&o.concurrency, "concurrency", live.DefaultConcurrency, "with --connect: contact at most this many servers at once")
	fl.StringVar(&o.lock, "lock", "", "with --connect: write a lockfile pinning every tool definition and the server instructions")
	fl.StringVar(&o.frozen, "frozen", "", "with --connect: fail when any tool or instructions differ from this lockfile, and print the differences")
	return cmd
}

func run(f *cmdutil.Factory, o *options) error {
	failOn, err := finding.ParseSeverity(o.failOn)
	if err != nil {
		return cmdutil.Usagef("--fail-on: %v", err)
	}
	switch o.format {
	case "table", "json", "sarif":
	default:
		return cmdutil.Usagef("--format %q: use table, json or sarif", o.format)
	}
	if o.maxServers == 0 {
		return cmdutil.Usagef("--max-project-servers must be at least 1 (or -1 to turn the check off)")
	}
	if err := checkConnectFlags(o); err != nil {
		return err
	}
	sups, err := loadSuppressions(f, o)
	if err != nil {
		return err
	}
	inv, err := discoverAll(f, o)
	if err != nil {
		return err
	}
	fs, err := scan.Run(scan.Input{Servers: inv.Servers, Settings: inv.Settings}, scan.Options{
		MaxProjectServers: o.maxServers, Home: homeOf(f, o), ClientName: discover.ClientName,
	})
	if err != nil {
		return fmt.Errorf("run checks: %w", err)
	}
	grants, err := moatGrants(f, o)
	if err != nil {
		return err
	}
	fs = append(fs, grants...)
	var lv liveOutcome
	if o.connect {
		if lv, err = connectAll(f, o, inv); err != nil {
			return err
		}
		fs = append(fs, lv.findings...)
		finding.Sort(fs)
	}
	kept, suppressed, supWarn := fs, 0, []string(nil)
	for _, sup := range sups {
		var n int
		var w []string
		kept, n, w = sup.Apply(kept, f.Now())
		suppressed += n
		supWarn = append(supWarn, w...)
	}
	if !o.noWarnings {
		for _, w := range inv.Warnings {
			fmt.Fprintf(f.IO.ErrOut, "moat: warning: %s\n", w)
		}
		for _, w := range supWarn {
			fmt.Fprintf(f.IO.ErrOut, "moat: warning: %s\n", w)
		}
	}
	if err := write(f, o, inv, kept, suppressed, lv.results); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if lv.frozenFailed || finding.AtOrAbove(kept, failOn) > 0 {
		return cmdutil.ErrFindings
	}
	return nil
}

func homeOf(f *cmdutil.Factory, o *options) string {
	if o.home != "" {
		return o.home
	}
	return f.Home()
}

// discoverAll runs discovery for the targets, the given home, or this
// machine.
func discoverAll(f *cmdutil.Factory, o *options) (discover.Inventory, error) {
	osName := runtime.GOOS
	if o.osLayout != "" {
		switch o.osLayout {
		case "linux", "darwin", "windows":
			osName = o.osLayout
		default:
			return discover.Inventory{}, cmdutil.Usagef("--os %q: use linux, darwin or windows", o.osLayout)
		}
	}
	for _, t := range o.targets {
		if _, err := os.Stat(t); err != nil {
			return discover.Inventory{}, cmdutil.Usagef("%s: %v", t, unwrap(err))
		}
	}
	var parts []discover.Inventory
	if o.home != "" {
		st, err := os.Stat(o.home)
		if err != nil || !st.IsDir() {
			return discover.Inventory{}, cmdutil.Usagef("--home %s: not a directory", o.home)
		}
		layout := osName
		if o.osLayout == "" {
			layout = discover.AnyOS // another machine's home: try every layout
		}
		parts = append(parts, discover.Discover(discover.Options{Env: discover.Env{OS: layout, Home: o.home}}))
	}
	if len(o.targets) > 0 {
		parts = append(parts, discover.Discover(discover.Options{Env: discover.Env{OS: osName}, Targets: o.targets}))
	}
	if len(parts) == 0 {
		parts = append(parts, discover.Discover(discover.Options{Env: discover.Env{
			OS: osName, Home: f.Home(), Project: f.WorkDir, Getenv: f.IO.Getenv, System: true,
		}}))
	}
	return merge(parts), nil
}

func merge(parts []discover.Inventory) discover.Inventory {
	if len(parts) == 1 {
		return parts[0]
	}
	var out discover.Inventory
	seen := map[string]bool{}
	for _, p := range parts {
		for _, s := range p.Servers {
			k := fmt.Sprintf("%s\x00%d\x00%s\x00%s", s.Source.File, s.Source.Line, s.Name, s.Source.Client)
			if !seen[k] {
				seen[k] = true
				out.Servers = append(out.Servers, s)
			}
		}
		out.Settings = append(out.Settings, p.Settings...)
		out.Warnings = append(out.Warnings, p.Warnings...)
		out.Files = append(out.Files, p.Files...)
	}
	return out
}

// loadSuppressions reads --ignore; without it, .moatignore in the working
// directory and in each project directory named on the command line.
func loadSuppressions(f *cmdutil.Factory, o *options) ([]*scan.Suppressions, error) {
	if o.ignore != "" {
		s, err := readSuppressions(o.ignore, true)
		return []*scan.Suppressions{s}, err
	}
	var dirs []string
	if f.WorkDir != "" {
		dirs = append(dirs, f.WorkDir)
	}
	for _, t := range o.targets {
		if st, err := os.Stat(t); err == nil && st.IsDir() {
			dirs = append(dirs, t)
		}
	}
	var out []*scan.Suppressions
	seen := map[string]bool{}
	for _, d := range dirs {
		p := filepath.Join(d, ".moatignore")
		if abs, err := filepath.Abs(p); err == nil {
			if seen[abs] {
				continue
			}
			seen[abs] = true
		}
		s, err := readSuppressions(p, false)
		if err != nil {
			return nil, err
		}
		if s != nil {
			out = append(out, s)
		}
	}
	return out, nil
}

// readSuppressions parses one suppressions file; a missing file is an
// error only when the user named it.
func readSuppressions(file string, explicit bool) (*scan.Suppressions, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, cmdutil.Usagef("--ignore %s: %v", file, unwrap(err))
	}
	s, err := scan.ParseSuppressions(file, data)
	if err != nil {
		return nil, cmdutil.Usage(err)
	}
	return s, nil
}

func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// write renders the report.
func write(f *cmdutil.Factory, o *options, inv discover.Inventory, fs []finding.Finding, suppressed int, results []live.Result) error {
	if o.format == "table" {
		return writeTable(f.IO.Out, inv, fs, suppressed, tableOptions{color: f.IO.ColorEnabled(), home: homeOf(f, o)})
	}
	var errs []report.InputError
	for _, w := range inv.Warnings {
		errs = append(errs, report.InputError{File: w.File, Line: w.Line, Message: w.Message})
	}
	rules := report.RuleMap{}
	for _, r := range scan.Rules() {
		rules[r.ID] = report.RuleInfo{ID: r.ID, Description: r.Description, Help: r.Help, Severity: r.Severity, Category: r.Category}
	}
	extra := map[string]any{"servers": serversJSON(inv)}
	if o.connect {
		addLiveRules(rules)
		extra["live"] = liveJSON(results)
	}
	return report.Write(f.IO.Out, fs, report.Options{
		Format: o.format, Tool: "moat", Errors: errs, Rules: rules, Extra: extra,
	})
}
