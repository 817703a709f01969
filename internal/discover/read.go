package discover

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moat-dev/moat/internal/inventory"
)

// Limits on what discovery reads.
const (
	DefaultMaxFileSize = 8 << 20 // bytes per configuration file
	maxWalkFiles       = 2000    // files visited per walked directory
	maxProjects        = 1000    // projects followed from client state files
)

// Options configure Discover.
type Options struct {
	// Env locates the home, the project and the environment.
	Env Env
	// Targets, when set, replaces the machine scan: each is a
	// configuration file or a project directory.
	Targets []string
	// MaxFileSize caps each file read (default DefaultMaxFileSize).
	MaxFileSize int64
}

// Inventory is everything discovered.
type Inventory struct {
	Servers  []inventory.ServerSpec
	Settings []inventory.Setting
	Warnings []Warning
	// Files lists the configuration files that were read.
	Files []string
}

type discoverer struct {
	opts     Options
	inv      Inventory
	seen     map[string]bool
	projects map[string]bool
}

// Discover reads every candidate configuration file. It never executes
// anything and never fails: what it cannot read becomes a Warning.
func Discover(opts Options) Inventory {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	d := &discoverer{opts: opts, seen: map[string]bool{}, projects: map[string]bool{}}
	if len(opts.Targets) == 0 {
		if opts.Env.Project != "" {
			d.projects[cleanKey(opts.Env.Project)] = true
		}
		for _, osName := range layouts(opts.Env.OS) {
			env := opts.Env
			env.OS = osName
			for _, l := range Locators() {
				d.run(l, l.Paths(env))
			}
		}
		d.followProjects(d.opencodeWorktrees(opts.Env))
	} else {
		for _, t := range opts.Targets {
			d.target(t)
		}
	}
	inventory.SortServers(d.inv.Servers)
	sort.SliceStable(d.inv.Warnings, func(i, j int) bool {
		a, b := d.inv.Warnings[i], d.inv.Warnings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return d.inv
}

// AnyOS as Env.OS reads a home with the Linux, macOS and Windows layouts
// together: for a home copied from, or mounted from, another machine.
const AnyOS = "any"

func layouts(os string) []string {
	if os == AnyOS {
		return []string{"linux", "darwin", "windows"}
	}
	return []string{os}
}

func cleanKey(p string) string { return path.Clean(toSlash(p)) }

func (d *discoverer) target(t string) {
	st, err := os.Stat(t)
	if err != nil {
		d.inv.Warnings = append(d.inv.Warnings, Warning{File: t, Message: fmt.Sprintf("cannot read: %v", unwrapPath(err))})
		return
	}
	if st.IsDir() {
		d.project(t)
		return
	}
	l, c := ForFile(t)
	before := len(d.inv.Servers) + len(d.inv.Settings) + len(d.inv.Warnings)
	files := len(d.inv.Files)
	d.run(l, []Candidate{c})
	read := len(d.inv.Files) > files
	if read && len(d.inv.Servers)+len(d.inv.Settings)+len(d.inv.Warnings) == before {
		d.warn(t, "no MCP servers or client settings found: not a client configuration moat knows (root keys mcpServers, servers, mcp, context_servers)")
	}
}

// project scans the project-scope files of every client in dir.
func (d *discoverer) project(dir string) {
	key := cleanKey(dir)
	if d.projects[key] && len(d.opts.Targets) == 0 {
		return
	}
	d.projects[key] = true
	env := Env{OS: d.opts.Env.OS, Project: toSlash(dir)}
	if env.OS == AnyOS {
		env.OS = "linux" // project files are the same on every OS
	}
	for _, l := range Locators() {
		d.run(l, l.Paths(env))
	}
}

func (d *discoverer) run(l Locator, cs []Candidate) {
	for _, c := range cs {
		if c.Walk != "" {
			for _, f := range d.walk(c) {
				wc := c
				wc.Path, wc.Walk = f, ""
				d.file(l, wc)
			}
			continue
		}
		d.file(l, c)
	}
}

func (d *discoverer) file(l Locator, c Candidate) {
	key := cleanKey(c.Path) + "\x00" + c.Client + "\x00" + c.Kind
	if d.seen[key] {
		return
	}
	d.seen[key] = true
	c.Path = filepath.FromSlash(c.Path)
	data, ok := d.read(c.Path)
	if !ok {
		return
	}
	d.inv.Files = append(d.inv.Files, c.Path)
	r := l.Parse(c, data)
	d.inv.Servers = append(d.inv.Servers, r.Servers...)
	d.inv.Settings = append(d.inv.Settings, r.Settings...)
	d.inv.Warnings = append(d.inv.Warnings, r.Warnings...)
	if len(d.opts.Targets) > 0 {
		return // an explicit file does not pull in its projects
	}
	d.followProjects(r.Projects)
}

// followProjects scans the project files of each listed directory that
// exists and was not scanned yet.
func (d *discoverer) followProjects(ps []string) {
	for _, p := range ps {
		if len(d.projects) >= maxProjects {
			break
		}
		if st, err := os.Stat(filepath.FromSlash(p)); err == nil && st.IsDir() && !d.projects[cleanKey(p)] {
			d.project(p)
		}
	}
}

// opencodeWorktrees lists the projects opencode has opened.
func (d *discoverer) opencodeWorktrees(env Env) []string {
	var out []string
	for _, db := range opencodeDBs(env) {
		ps, err := opencodeProjects(db)
		if err != nil {
			d.warn(db, "cannot list opencode projects: %v", err)
			continue
		}
		out = append(out, ps...)
	}
	return out
}

// forbidden are pseudo-filesystems discovery never reads.
var forbidden = []string{"/proc", "/sys", "/dev"}

// read returns a file's content. A missing file is silent; anything else
// that stops the read is a warning.
func (d *discoverer) read(p string) ([]byte, bool) {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			d.warn(p, "cannot read: %v", unwrapPath(err))
		}
		return nil, false
	}
	for _, f := range forbidden {
		if real == f || strings.HasPrefix(real, f+"/") {
			d.warn(p, "resolves to %s, which moat does not read", real)
			return nil, false
		}
	}
	st, err := os.Stat(real)
	if err != nil {
		d.warn(p, "cannot read: %v", unwrapPath(err))
		return nil, false
	}
	if !st.Mode().IsRegular() {
		return nil, false
	}
	if st.Size() > d.opts.MaxFileSize {
		d.warn(p, "file skipped: %d bytes is over the %d-byte limit", st.Size(), d.opts.MaxFileSize)
		return nil, false
	}
	f, err := os.Open(real)
	if err != nil {
		d.warn(p, "cannot read: %v", unwrapPath(err))
		return nil, false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, d.opts.MaxFileSize+1))
	if err != nil {
		d.warn(p, "cannot read: %v", unwrapPath(err))
		return nil, false
	}
	if int64(len(data)) > d.opts.MaxFileSize {
		d.warn(p, "file skipped: over the %d-byte limit", d.opts.MaxFileSize)
		return nil, false
	}
	return data, true
}

func (d *discoverer) warn(p, format string, a ...any) {
	d.inv.Warnings = append(d.inv.Warnings, Warning{File: p, Message: fmt.Sprintf(format, a...)})
}

// walk lists files under c.Path (depth-limited, no symlinked directories,
// no node_modules or .git) whose base name matches c.Walk.
func (d *discoverer) walk(c Candidate) []string {
	root := filepath.FromSlash(c.Path)
	if st, err := os.Stat(root); err != nil || !st.IsDir() {
		return nil
	}
	var out []string
	visited := 0
	_ = filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				d.warn(p, "cannot read: %v", unwrapPath(err))
			}
			return nil
		}
		if visited++; visited > maxWalkFiles {
			return fs.SkipAll
		}
		rel, _ := filepath.Rel(root, p)
		depth := strings.Count(filepath.ToSlash(rel), "/")
		if e.IsDir() {
			if p != root && (e.Name() == "node_modules" || e.Name() == ".git" || depth >= c.Depth) {
				return fs.SkipDir
			}
			return nil
		}
		if ok, _ := path.Match(c.Walk, e.Name()); ok && e.Type().IsRegular() {
			out = append(out, filepath.ToSlash(p))
		}
		return nil
	})
	return out
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
