// Package typosquat recognises package names that imitate official or
// widely used MCP server packages (npm, PyPI, OCI images): edit-distance
// typos, look-alike characters, scope tricks, dropped scopes, separator
// swaps and added or removed suffixes. It also knows which official
// packages were archived upstream and what replaced them. The list is
// embedded data (official.yaml), every entry with its source. It is pure.
package typosquat

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// Ecosystem is a package registry.
type Ecosystem string

// Ecosystems.
const (
	NPM  Ecosystem = "npm"
	PyPI Ecosystem = "pypi"
	OCI  Ecosystem = "oci"
)

// Package is one official or widely used package.
type Package struct {
	Name        string    `yaml:"name"`
	Ecosystem   Ecosystem `yaml:"ecosystem"`
	Kind        string    `yaml:"kind"`
	Vendor      string    `yaml:"vendor"`
	Status      string    `yaml:"status"`
	Replacement string    `yaml:"replacement"`
	Source      string    `yaml:"source"`
}

// Archived reports whether upstream no longer maintains the package.
func (p Package) Archived() bool { return p.Status == "archived" }

type list struct {
	Version  int       `yaml:"version"`
	Packages []Package `yaml:"packages"`
}

//go:embed official.yaml
var officialYAML []byte

// List is a loaded package list, ready for matching.
type List struct {
	pkgs   []entry
	byName map[string]int // ecosystem + "\x00" + normalised name → index
	scopes map[string]bool
}

// entry is a package with its precomputed matching forms.
type entry struct {
	Package
	norm, scope, base, core, skel, flat string
}

var (
	defaultOnce sync.Once
	defaultList *List
	defaultErr  error
)

// Default returns the embedded list. An error means the embedded data is
// broken; callers must fail rather than scan without it.
func Default() (*List, error) {
	defaultOnce.Do(func() { defaultList, defaultErr = Load(officialYAML) })
	return defaultList, defaultErr
}

// Load parses a package list strictly: unknown fields, a missing name,
// ecosystem or source, an unknown status and duplicates are errors.
func Load(data []byte) (*List, error) {
	var l list
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("parse package list: %w", err)
	}
	if l.Version != 1 {
		return nil, fmt.Errorf("package list version %d is not supported (want 1)", l.Version)
	}
	out := &List{byName: map[string]int{}, scopes: map[string]bool{}}
	for i, p := range l.Packages {
		if p.Name == "" || p.Source == "" {
			return nil, fmt.Errorf("package list entry %d: name and source are required", i+1)
		}
		switch p.Ecosystem {
		case NPM, PyPI, OCI:
		default:
			return nil, fmt.Errorf("package %q: unknown ecosystem %q (want npm, pypi or oci)", p.Name, p.Ecosystem)
		}
		if p.Status != "" && p.Status != "active" && p.Status != "archived" {
			return nil, fmt.Errorf("package %q: unknown status %q (want active or archived)", p.Name, p.Status)
		}
		e := newEntry(p)
		key := string(p.Ecosystem) + "\x00" + e.norm
		if _, dup := out.byName[key]; dup {
			return nil, fmt.Errorf("package %q is listed twice", p.Name)
		}
		out.byName[key] = len(out.pkgs)
		out.pkgs = append(out.pkgs, e)
		if e.scope != "" {
			out.scopes[e.scope] = true
		}
	}
	return out, nil
}

func newEntry(p Package) entry {
	e := entry{Package: p, norm: Normalize(p.Ecosystem, p.Name)}
	e.scope, e.base = splitScope(p.Ecosystem, e.norm)
	e.core = core(e.base)
	if e.core == "" {
		e.core = strings.TrimPrefix(e.scope, "@")
	}
	e.skel = skeleton(e.norm)
	e.flat = flatten(e.skel)
	return e
}

// Packages returns every listed package.
func (l *List) Packages() []Package {
	out := make([]Package, len(l.pkgs))
	for i, e := range l.pkgs {
		out[i] = e.Package
	}
	return out
}

// Lookup returns the listed package with exactly this (normalised) name.
func (l *List) Lookup(eco Ecosystem, name string) (Package, bool) {
	i, ok := l.byName[string(eco)+"\x00"+Normalize(eco, name)]
	if !ok {
		return Package{}, false
	}
	return l.pkgs[i].Package, true
}

// Normalize returns the registry's canonical form of a name: lower case;
// PyPI also folds runs of "-", "_" and "." to "-" (PEP 503); OCI drops a
// "docker.io/" or "index.docker.io/" prefix and "library/".
func Normalize(eco Ecosystem, name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	switch eco {
	case PyPI:
		var b strings.Builder
		sep := false
		for _, r := range n {
			if r == '-' || r == '_' || r == '.' {
				sep = true
				continue
			}
			if sep && b.Len() > 0 {
				b.WriteByte('-')
			}
			sep = false
			b.WriteRune(r)
		}
		n = b.String()
	case OCI:
		n = strings.TrimPrefix(strings.TrimPrefix(n, "index.docker.io/"), "docker.io/")
		n = strings.TrimPrefix(n, "library/")
	}
	return n
}

// splitScope splits "@scope/base" (npm) or "registry/ns/repo" (OCI: all
// but the last element is the scope).
func splitScope(eco Ecosystem, n string) (scope, base string) {
	switch eco {
	case NPM:
		if strings.HasPrefix(n, "@") {
			if s, b, ok := strings.Cut(n, "/"); ok {
				return s, b
			}
		}
	case OCI:
		if i := strings.LastIndex(n, "/"); i >= 0 {
			return n[:i], n[i+1:]
		}
	}
	return "", n
}

// affixes are the words server packages add around their subject.
var (
	prefixes = []string{"mcp-server-", "server-", "mcp-", "modelcontextprotocol-"}
	suffixes = []string{"-mcp-server", "-server-mcp", "-mcp", "-server"}
)

// core strips MCP affixes: "mcp-server-postgres", "server-postgres",
// "postgres-mcp" → "postgres".
func core(base string) string {
	for _, p := range prefixes {
		base = strings.TrimPrefix(base, p)
	}
	for _, s := range suffixes {
		base = strings.TrimSuffix(base, s)
	}
	if base == "mcp" || base == "server" {
		return ""
	}
	return base
}
