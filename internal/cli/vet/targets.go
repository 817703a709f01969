package vet

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/discover"
	"github.com/moat-dev/moat/internal/scan"
	"github.com/moat-dev/moat/internal/typosquat"
	"github.com/moat-dev/moat/internal/vet"
)

// collectTargets reads the arguments: targets, configuration files, or
// --all. Notes are printed to stderr (servers that are not registry
// packages).
func collectTargets(f *cmdutil.Factory, o *options) ([]vet.Target, []string, error) {
	if o.all && len(o.args) > 0 {
		return nil, nil, cmdutil.Usagef("--all takes no TARGET")
	}
	if !o.all && len(o.args) == 0 {
		return nil, nil, cmdutil.Usagef("give a TARGET (npm:PKG, pypi:PKG, oci:IMAGE, github:OWNER/REPO, a config file) or --all")
	}
	var (
		out   []vet.Target
		files []string
		notes []string
	)
	for _, a := range o.args {
		t, err := vet.ParseTarget(a)
		if err == nil {
			out = append(out, t)
			continue
		}
		if st, serr := os.Stat(a); serr == nil && !st.IsDir() {
			files = append(files, a)
			continue
		}
		return nil, nil, cmdutil.Usage(err)
	}
	var inv discover.Inventory
	switch {
	case o.all:
		inv = discover.Discover(discover.Options{Env: discover.Env{
			OS: runtime.GOOS, Home: f.Home(), Project: f.WorkDir, Getenv: f.IO.Getenv, System: true}})
	case len(files) > 0:
		inv = discover.Discover(discover.Options{Env: discover.Env{OS: runtime.GOOS}, Targets: files})
	}
	seen := map[string]bool{}
	for _, t := range out {
		seen[t.String()] = true
	}
	for _, s := range inv.Servers {
		refs := scan.Packages(s.Argv())
		if len(refs) == 0 {
			// Only the program name: arguments and URLs can carry secrets.
			what := "runs a local program"
			if argv := s.Argv(); len(argv) > 0 {
				what = "runs " + filepath.Base(argv[0])
			}
			if s.Remote() {
				what = "is a remote server"
			}
			notes = append(notes, fmt.Sprintf("server %q (%s) %s: no registry package to vet", s.Name, s.Source.File, clipNote(what)))
		}
		for _, p := range refs {
			t, note := fromRef(p)
			if note != "" {
				notes = append(notes, fmt.Sprintf("server %q (%s): %s", s.Name, s.Source.File, note))
				continue
			}
			if !seen[t.String()] {
				seen[t.String()] = true
				out = append(out, t)
			}
		}
	}
	if len(out) == 0 {
		return nil, notes, cmdutil.Usagef("no registry packages to vet among the servers found")
	}
	return out, notes, nil
}

// fromRef turns a package a server command runs into a target.
func fromRef(p scan.PackageRef) (vet.Target, string) {
	if p.Remote == "git" {
		if o, r, ok := vet.ParseGitHubURL(strings.TrimPrefix(p.Spec, "git+")); ok {
			return vet.Target{Ecosystem: vet.GitHub, Name: o + "/" + r}, ""
		}
		if strings.Count(p.Spec, "/") == 1 && !strings.Contains(p.Spec, ":") {
			if t, err := vet.ParseTarget("github:" + strings.SplitN(p.Spec, "#", 2)[0]); err == nil {
				return t, ""
			}
		}
	}
	if p.Remote != "" {
		return vet.Target{}, fmt.Sprintf("runs %s from a %s source, not a registry package: review it by hand", clipNote(stripUserinfo(p.Spec)), p.Remote)
	}
	var spec string
	switch p.Ecosystem {
	case typosquat.NPM:
		spec = "npm:" + p.Name
	case typosquat.PyPI:
		spec = "pypi:" + p.Name
	case typosquat.OCI:
		spec = "oci:" + p.Name
	}
	ver := p.Version
	if p.Ecosystem != typosquat.OCI && !scanPinned(p) {
		ver = "" // a range or tag: vet the latest, which is what an unpinned launcher runs
	}
	switch {
	case p.Ecosystem == typosquat.OCI && p.Digest != "":
		spec += "@" + p.Digest
	case p.Ecosystem == typosquat.OCI && ver != "":
		spec += ":" + ver
	case ver != "":
		spec += "@" + ver
	}
	t, err := vet.ParseTarget(spec)
	if err != nil {
		return vet.Target{}, fmt.Sprintf("cannot vet %q: %v", p.Spec, err)
	}
	return t, ""
}

func scanPinned(p scan.PackageRef) bool { return p.Pinned() }

// clipNote keeps a note to one short line (a command line can be long and
// is printed as given, so it is also stripped of control characters).
func clipNote(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// stripUserinfo removes "user:token@" from a URL-like spec.
func stripUserinfo(spec string) string {
	i := strings.Index(spec, "://")
	if i < 0 {
		return spec
	}
	rest := spec[i+3:]
	host, path, _ := strings.Cut(rest, "/")
	if at := strings.LastIndex(host, "@"); at >= 0 {
		host = "***@" + host[at+1:]
	}
	if path != "" || strings.Contains(rest, "/") {
		return spec[:i+3] + host + "/" + path
	}
	return spec[:i+3] + host
}
