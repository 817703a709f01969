// Package wrap implements `moat wrap` and `moat unwrap`: rewrite the MCP
// client configurations on this machine (or one client's, or one file) so
// that every server runs through `moat run`, and put them back exactly.
// The transforms are internal/wrap's; this package finds the files, keeps
// backups and the sidecar records, and writes atomically.
package wrap

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/discover"
	"github.com/moat-dev/moat/internal/inventory"
)

type options struct {
	dryRun bool
	only   string
	moat   string
	home   string
	// matched counts the servers --only selected, across files.
	matched int
}

// aliases are short client names accepted besides discover's ids.
var aliases = map[string]string{
	"claude": "claude-code", "gemini": "gemini-cli", "copilot": "copilot-cli",
	"roo": "roo-code", "q": "amazon-q", "amazonq": "amazon-q", "code": "vscode",
}

// NewCmd returns the wrap command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:   "wrap [CLIENT | CONFIG-FILE]",
		Short: "Make every MCP server of your AI clients run through moat run",
		Long: "moat wrap rewrites MCP client configurations so that each server (local or remote)\n" +
			"is started through `moat run`. With no argument it wraps every configuration moat scan\n" +
			"finds in your home and the current project; CLIENT (claude, cursor, vscode, codex …)\n" +
			"wraps one client's; a file path wraps that file. Comments and formatting survive; a\n" +
			"backup is kept and `moat unwrap` restores each entry exactly. See docs/wrap.md.",
		Example: "  moat wrap --dry-run\n  moat wrap claude\n  moat wrap .cursor/mcp.json --only github",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWrap(f, o, args)
		},
	}
	addFlags(cmd, o)
	cmd.Flags().StringVar(&o.moat, "moat", "", "moat executable written into the configurations (default: this moat, symlinks resolved)")
	return cmd
}

// NewUnwrapCmd returns the unwrap command.
func NewUnwrapCmd(f *cmdutil.Factory) *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:   "unwrap [CLIENT | CONFIG-FILE]",
		Short: "Restore the MCP client configurations moat wrap changed",
		Long: "moat unwrap puts back, byte for byte, every server entry moat wrap replaced, using the\n" +
			"record moat wrap keeps next to each file (<file>.moat-wrap.json). An entry edited since it\n" +
			"was wrapped is left alone with a message. See docs/wrap.md.",
		Example: "  moat unwrap\n  moat unwrap cursor --dry-run\n  moat unwrap ~/.codex/config.toml --only docs",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUnwrap(f, o, args)
		},
	}
	addFlags(cmd, o)
	return cmd
}

func addFlags(cmd *cobra.Command, o *options) {
	fl := cmd.Flags()
	fl.BoolVar(&o.dryRun, "dry-run", false, "print the changes as a unified diff and write nothing")
	fl.StringVar(&o.only, "only", "", "change only the server with this name")
	fl.StringVar(&o.home, "home", "", "use this home directory instead of yours (env relocations are ignored)")
}

// target is one configuration file to change.
type target struct {
	path   string // as shown to the user
	client string
}

// targets resolves the argument into configuration files.
func targets(f *cmdutil.Factory, o *options, args []string, unwrapping bool) ([]target, error) {
	client := ""
	if len(args) == 1 {
		a := args[0]
		if id, ok := aliases[a]; ok {
			a = id
		}
		if discover.ClientName(a) != a || a == "unknown" {
			client = a
		} else if _, err := os.Stat(args[0]); err == nil {
			return []target{{path: args[0]}}, nil
		} else {
			return nil, cmdutil.Usagef("%q is neither a client moat knows (%s) nor a file", args[0], clientIDs())
		}
	}
	home := f.Home()
	osName := runtime.GOOS
	if o.home != "" {
		if st, err := os.Stat(o.home); err != nil || !st.IsDir() {
			return nil, cmdutil.Usagef("--home %s: not a directory", o.home)
		}
		home, osName = o.home, discover.AnyOS
	}
	env := discover.Env{OS: osName, Home: home, Project: f.WorkDir}
	if o.home == "" {
		env.Getenv = f.IO.Getenv
	}
	inv := discover.Discover(discover.Options{Env: env})
	seen := map[string]bool{}
	var out []target
	for _, s := range inv.Servers {
		if client != "" && s.Source.Client != client {
			continue
		}
		p := filepath.FromSlash(s.Source.File)
		if !ownFile(s.Source, p, f.WorkDir) {
			continue
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, target{path: p, client: s.Source.Client})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	if len(out) == 0 {
		what := "any client"
		if client != "" {
			what = discover.ClientName(client)
		}
		verb := "wrap"
		if unwrapping {
			verb = "unwrap"
		}
		fmt.Fprintf(f.IO.Out, "No MCP server configuration of %s found in %s or %s: nothing to %s.\n", what, home, f.WorkDir, verb)
	}
	return out, nil
}

// ownFile reports whether moat wrap may rewrite the file of a discovered
// server without being told its name: user files, and project files of the
// current project. Plugin, managed and system files are not the user's;
// other projects (followed from ~/.claude.json) are often shared
// repositories.
func ownFile(src inventory.Source, p, workDir string) bool {
	switch src.Scope {
	case inventory.ScopeUser:
		return true
	case inventory.ScopeProject, inventory.ScopeLocal:
		if within(p, workDir) {
			return true
		}
		// local servers kept in a user file (~/.claude.json projects)
		return src.Scope == inventory.ScopeLocal && src.Project != "" && !within(p, filepath.FromSlash(src.Project))
	}
	return false
}

func within(p, dir string) bool {
	if dir == "" {
		return false
	}
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func clientIDs() string {
	var ids []string
	for _, l := range discover.Locators() {
		ids = append(ids, l.ID())
	}
	ids = append(ids, "claude", "gemini", "copilot")
	return strings.Join(ids, ", ")
}

// moatPath is --moat, else this executable with symlinks resolved.
func moatPath(o *options) (string, error) {
	if o.moat != "" {
		abs, err := filepath.Abs(o.moat)
		if err != nil {
			return "", cmdutil.Usagef("--moat %s: %v", o.moat, err)
		}
		return abs, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot tell where this moat is (%w); give --moat PATH", err)
	}
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	if strings.Contains(filepath.ToSlash(exe), "/go-build") {
		return "", cmdutil.Usagef("this moat is a temporary `go run` build (%s), which will not exist later; give --moat PATH", exe)
	}
	return exe, nil
}

func runWrap(f *cmdutil.Factory, o *options, args []string) error {
	exe, err := moatPath(o)
	if err != nil {
		return err
	}
	ts, err := targets(f, o, args, false)
	if err != nil {
		return err
	}
	var failed []string
	for _, t := range ts {
		if err := wrapFile(f, o, t, exe); err != nil {
			fmt.Fprintf(f.IO.ErrOut, "moat wrap: %s: %v\n", t.path, err)
			failed = append(failed, t.path)
		}
	}
	if len(failed) > 0 {
		return &cmdutil.SilentError{Code: 3}
	}
	return noMatch(o, len(ts))
}

// noMatch is the usage error for an --only that named no server.
func noMatch(o *options, files int) error {
	if o.only == "" || o.matched > 0 || files == 0 {
		return nil
	}
	return cmdutil.Usagef("--only %s: no server of that name in the files above", o.only)
}

func runUnwrap(f *cmdutil.Factory, o *options, args []string) error {
	ts, err := targets(f, o, args, true)
	if err != nil {
		return err
	}
	var failed, refused int
	for _, t := range ts {
		n, err := unwrapFile(f, o, t)
		refused += n
		if err != nil {
			fmt.Fprintf(f.IO.ErrOut, "moat unwrap: %s: %v\n", t.path, err)
			failed++
		}
	}
	if failed > 0 || refused > 0 {
		if refused > 0 {
			fmt.Fprintf(f.IO.ErrOut, "moat unwrap: %d entries were not restored (see above)\n", refused)
		}
		return &cmdutil.SilentError{Code: 3}
	}
	return noMatch(o, len(ts))
}

var errNoRecord = errors.New("no record")
