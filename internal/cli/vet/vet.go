// Package vet implements `moat vet`: the Server Evaluation Checklist for a
// package before it is installed — npm, PyPI, OCI images, GitHub
// repositories, or every server a client configuration (or this machine)
// starts — answered with registry, repository and vulnerability data.
package vet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/registry"
	"github.com/moat-dev/moat/internal/typosquat"
	"github.com/moat-dev/moat/internal/vet"
	"github.com/moat-dev/moat/internal/vet/gather"
)

type options struct {
	format   string
	failOn   string
	all      bool
	diff     bool
	offline  bool
	noDeps   bool
	ttl      time.Duration
	timeout  time.Duration
	npm      string
	pypi     string
	github   string
	osv      string
	oci      string
	cacheDir string
	tools    string
	args     []string
}

// NewCmd returns the vet command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:   "vet TARGET... | --all | --diff PKG@OLD PKG@NEW",
		Short: "Evaluate an MCP server package before installing it",
		Long: "Vet answers the Server Evaluation Checklist for a package with data: source and\n" +
			"provenance, last commit and publish, open issues, CI and tests, documentation,\n" +
			"dependencies, install scripts, known vulnerabilities, scope, maintainers and licence.\n" +
			"Each signal is green, red or unknown (unknown is never green); the verdict is ok,\n" +
			"review or avoid. See docs/vet.md.\n\n" +
			"TARGET is npm:PKG[@VERSION], pypi:PKG[@VERSION], oci:IMAGE[:TAG|@DIGEST],\n" +
			"github:OWNER/REPO, or an MCP client configuration file (every server in it).",
		Example: "  moat vet npm:@modelcontextprotocol/server-filesystem\n" +
			"  moat vet --format json pypi:mcp-server-fetch@2025.4.7\n" +
			"  moat vet .mcp.json\n  moat vet --all\n" +
			"  moat vet --diff @modelcontextprotocol/server-filesystem@2025.7.1 @modelcontextprotocol/server-filesystem@2025.8.21",
		RunE: func(c *cobra.Command, args []string) error {
			o.args = args
			return run(c.Context(), f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.format, "format", "f", "table", "output format: table or json")
	fl.StringVar(&o.failOn, "fail-on", "avoid", "exit 1 when a verdict is at or above this (review, avoid, none)")
	fl.BoolVar(&o.all, "all", false, "vet every server package that moat scan finds on this machine")
	fl.BoolVar(&o.diff, "diff", false, "show what changed between two versions: PKG@OLD PKG@NEW (npm)")
	fl.BoolVar(&o.offline, "offline", false, "use cached responses only; never touch the network")
	fl.BoolVar(&o.noDeps, "no-deps", false, "do not resolve the dependency tree")
	fl.DurationVar(&o.ttl, "cache-ttl", registry.DefaultTTL, "how long cached responses are used")
	fl.DurationVar(&o.timeout, "timeout", registry.DefaultTimeout, "timeout of each request")
	fl.StringVar(&o.npm, "npm-registry", "", "npm registry URL (env MOAT_NPM_REGISTRY; default from .npmrc, else registry.npmjs.org)")
	fl.StringVar(&o.pypi, "pypi-url", "", "PyPI base URL (env MOAT_PYPI_URL)")
	fl.StringVar(&o.github, "github-api", "", "GitHub REST API base URL (env MOAT_GITHUB_API)")
	fl.StringVar(&o.osv, "osv-api", "", "OSV API base URL (env MOAT_OSV_API)")
	fl.StringVar(&o.oci, "oci-registry", "", "registry endpoint for every image, e.g. a mirror (env MOAT_OCI_REGISTRY)")
	fl.StringVar(&o.cacheDir, "cache-dir", "", "response cache directory (default: STATE/cache/vet)")
	fl.StringVar(&o.tools, "tools", "", "a saved tools/list response of the server, for the tool description and scope signals (one TARGET)")
	return cmd
}

func run(ctx context.Context, f *cmdutil.Factory, o *options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	failOn := -1
	switch o.failOn {
	case "none":
	default:
		v, err := vet.ParseVerdict(o.failOn)
		if err != nil {
			return cmdutil.Usagef("--fail-on: %v (or none)", err)
		}
		failOn = v.Rank()
	}
	if o.format != "table" && o.format != "json" {
		return cmdutil.Usagef("--format %q: use table or json", o.format)
	}
	list, err := typosquat.Default()
	if err != nil {
		return fmt.Errorf("load the official package list: %w", err)
	}
	client := newClient(f, o)
	g := gather.New(gather.Options{Client: client, SkipDeps: o.noDeps, Now: f.Now})
	if o.diff {
		return runDiff(ctx, f, o, g, client, failOn)
	}
	targets, notes, err := collectTargets(f, o)
	if err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintf(f.IO.ErrOut, "moat: %s\n", n)
	}
	tools, err := readTools(o, len(targets))
	if err != nil {
		return err
	}
	facts, errs := gatherAll(ctx, g, targets)
	var results []vet.Result
	for i, t := range targets {
		err := errs[i]
		if errors.Is(err, gather.ErrNotFound) {
			if len(targets) == 1 {
				return cmdutil.Usage(err)
			}
			fmt.Fprintf(f.IO.ErrOut, "moat: %v\n", err)
			continue
		}
		if err != nil {
			return fmt.Errorf("vet %s: %w", t, err)
		}
		if tools != nil {
			facts[i].Tools, facts[i].ToolsKnown = tools, true
		}
		results = append(results, vet.Vet(facts[i], vet.Context{Now: f.Now(), List: list}))
	}
	if err := write(f, o, results); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	for _, r := range results {
		if failOn >= 0 && r.Verdict.Rank() >= failOn {
			return cmdutil.ErrFindings
		}
	}
	return nil
}

// env returns the flag value, else the environment variable.
func env(f *cmdutil.Factory, flag, name string) string {
	if flag != "" {
		return flag
	}
	return f.IO.Getenv(name)
}

func newClient(f *cmdutil.Factory, o *options) *registry.Client {
	npm := registry.NPMConfig{Default: registry.DefaultNPM}
	for _, p := range []string{filepath.Join(f.Home(), ".npmrc"), filepath.Join(f.WorkDir, ".npmrc")} {
		if b, err := readSmall(p); err == nil {
			registry.ParseNPMRC(&npm, b)
		}
	}
	if r := env(f, o.npm, "MOAT_NPM_REGISTRY"); r != "" {
		npm.Default = r
	}
	dir := o.cacheDir
	if dir == "" {
		dir = filepath.Join(f.State(), "cache", "vet")
	}
	return registry.New(registry.Options{
		NPM:         npm,
		PyPI:        env(f, o.pypi, "MOAT_PYPI_URL"),
		GitHub:      env(f, o.github, "MOAT_GITHUB_API"),
		OSV:         env(f, o.osv, "MOAT_OSV_API"),
		OCI:         env(f, o.oci, "MOAT_OCI_REGISTRY"),
		GitHubToken: f.IO.Getenv("GITHUB_TOKEN"),
		Cache:       registry.NewCache(dir, 0),
		TTL:         o.ttl,
		Offline:     o.offline,
		Timeout:     o.timeout,
		Now:         f.Now,
	})
}

// maxNPMRC caps an .npmrc read.
const maxNPMRC = 256 << 10

func readSmall(p string) ([]byte, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxNPMRC || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a small regular file", p)
	}
	return os.ReadFile(p)
}

// maxToolsFile caps a --tools file.
const maxToolsFile = 16 << 20

// readTools reads --tools; nil when the flag is not set.
func readTools(o *options, targets int) ([]vet.Tool, error) {
	if o.tools == "" {
		return nil, nil
	}
	if targets != 1 {
		return nil, cmdutil.Usagef("--tools describes one server: give exactly one TARGET")
	}
	st, err := os.Stat(o.tools)
	if err != nil {
		return nil, cmdutil.Usagef("--tools: %v", err)
	}
	if st.Size() > maxToolsFile || !st.Mode().IsRegular() {
		return nil, cmdutil.Usagef("--tools %s: not a regular file under %d MiB", o.tools, maxToolsFile>>20)
	}
	b, err := os.ReadFile(o.tools)
	if err != nil {
		return nil, cmdutil.Usagef("--tools: %v", err)
	}
	tools, err := vet.ParseToolListing(b)
	if err != nil {
		return nil, cmdutil.Usagef("--tools %s: %v", o.tools, err)
	}
	if tools == nil {
		tools = []vet.Tool{}
	}
	return tools, nil
}

// maxParallelTargets bounds how many targets are gathered at once (each
// also runs its own bounded dependency walk).
const maxParallelTargets = 4

// gatherAll fetches the facts of every target, a few at a time, keeping
// the order.
func gatherAll(ctx context.Context, g *gather.Gatherer, targets []vet.Target) ([]*vet.Facts, []error) {
	facts := make([]*vet.Facts, len(targets))
	errs := make([]error, len(targets))
	sem := make(chan struct{}, maxParallelTargets)
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			facts[i], errs[i] = g.Facts(ctx, t)
		}()
	}
	wg.Wait()
	return facts, errs
}
