// Package vet answers the Server Evaluation Checklist for one package
// before it is installed: source, maintenance, issues, tests,
// documentation, dependencies, scope, maintainers and licence, each signal
// green, red or unknown, and a verdict (ok, review, avoid). It is pure:
// it takes fetched metadata as values (Facts) and the current time as a
// parameter; package internal/vet/gather does the fetching.
package vet

import (
	"fmt"
	"strings"
)

// Ecosystem is where a target lives.
type Ecosystem string

// Ecosystems.
const (
	NPM    Ecosystem = "npm"
	PyPI   Ecosystem = "pypi"
	OCI    Ecosystem = "oci"
	GitHub Ecosystem = "github"
)

// Target is a package (or repository) to vet.
type Target struct {
	Ecosystem Ecosystem `json:"ecosystem"`
	Name      string    `json:"name"`
	// Version is an npm/PyPI version or OCI tag; empty means the latest.
	Version string `json:"version,omitempty"`
	// Digest is an OCI digest.
	Digest string `json:"digest,omitempty"`
}

// String renders the target the way ParseTarget reads it.
func (t Target) String() string {
	s := string(t.Ecosystem) + ":" + t.Name
	if t.Ecosystem == OCI {
		if t.Version != "" {
			s += ":" + t.Version
		}
		if t.Digest != "" {
			s += "@" + t.Digest
		}
		return s
	}
	if t.Version != "" {
		s += "@" + t.Version
	}
	return s
}

// maxTargetLen bounds a target string (npm names are ≤ 214 characters;
// image references a little more with a registry and digest).
const maxTargetLen = 512

// ParseTarget reads "npm:PKG[@VERSION]", "pypi:PKG[@VERSION]" (also
// PKG==VERSION), "oci:IMAGE[:TAG|@DIGEST]" or "github:OWNER/REPO".
func ParseTarget(s string) (Target, error) {
	if len(s) > maxTargetLen {
		return Target{}, fmt.Errorf("target is longer than %d characters", maxTargetLen)
	}
	eco, rest, ok := strings.Cut(s, ":")
	if !ok || rest == "" {
		return Target{}, fmt.Errorf("target %q: want npm:PKG[@VERSION], pypi:PKG[@VERSION], oci:IMAGE[:TAG|@DIGEST] or github:OWNER/REPO", s)
	}
	if strings.ContainsFunc(rest, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' }) {
		return Target{}, fmt.Errorf("target %q contains spaces, control characters or backslashes", s)
	}
	t := Target{Ecosystem: Ecosystem(strings.ToLower(eco))}
	switch t.Ecosystem {
	case NPM:
		return parseNPM(t, rest)
	case PyPI:
		return parsePyPI(t, rest)
	case OCI:
		return parseOCI(t, strings.TrimPrefix(rest, "//"))
	case GitHub:
		parts := strings.Split(strings.TrimSuffix(rest, ".git"), "/")
		if len(parts) != 2 || !ghName(parts[0]) || !ghName(parts[1]) {
			return Target{}, fmt.Errorf("target %q: want github:OWNER/REPO", s)
		}
		t.Name = parts[0] + "/" + parts[1]
		return t, nil
	}
	return Target{}, fmt.Errorf("target %q: unknown ecosystem %q (want npm, pypi, oci or github)", s, eco)
}

func parseNPM(t Target, rest string) (Target, error) {
	name, ver := rest, ""
	if i := strings.LastIndex(rest, "@"); i > 0 {
		name, ver = rest[:i], rest[i+1:]
		if ver == "" {
			return Target{}, fmt.Errorf("npm target %q has an empty version", rest)
		}
	}
	if !npmName(name) {
		return Target{}, fmt.Errorf("npm package name %q is not valid", name)
	}
	t.Name, t.Version = name, ver
	return t, nil
}

// npmName checks npm's naming rules: lower case URL-safe characters, at
// most 214 long, an optional "@scope/".
func npmName(n string) bool {
	if n == "" || len(n) > 214 {
		return false
	}
	base := n
	if strings.HasPrefix(n, "@") {
		scope, b, ok := strings.Cut(n[1:], "/")
		if !ok || !npmPart(scope) {
			return false
		}
		base = b
	}
	return npmPart(base)
}

func npmPart(s string) bool {
	if s == "" || s[0] == '.' || s[0] == '_' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' || r == '~') {
			return false
		}
	}
	return true
}

func parsePyPI(t Target, rest string) (Target, error) {
	name, ver := rest, ""
	if n, v, ok := strings.Cut(rest, "=="); ok {
		name, ver = n, v
	} else if n, v, ok := strings.Cut(rest, "@"); ok {
		name, ver = n, v
	}
	if ver == "" && name != rest {
		return Target{}, fmt.Errorf("pypi target %q has an empty version", rest)
	}
	if name == "" || len(name) > 200 {
		return Target{}, fmt.Errorf("pypi package name %q is not valid", name)
	}
	for i, r := range name {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !alnum && (i == 0 || i == len(name)-1 || (r != '-' && r != '_' && r != '.')) {
			return Target{}, fmt.Errorf("pypi package name %q is not valid", name)
		}
	}
	for _, r := range ver {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' || r == '+' || r == '!') {
			return Target{}, fmt.Errorf("pypi version %q is not valid", ver)
		}
	}
	t.Name, t.Version = name, ver
	return t, nil
}

func parseOCI(t Target, rest string) (Target, error) {
	name := rest
	if n, d, ok := strings.Cut(name, "@"); ok {
		if !strings.HasPrefix(d, "sha256:") || len(d) != len("sha256:")+64 || strings.Trim(d[7:], "0123456789abcdef") != "" {
			return Target{}, fmt.Errorf("image digest %q: want sha256:<64 lower-case hex digits>", d)
		}
		name, t.Digest = n, d
	}
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name, t.Version = name[:i], name[i+1:]
		if t.Version == "" || len(t.Version) > 128 {
			return Target{}, fmt.Errorf("image tag in %q is not valid", rest)
		}
	}
	if name == "" || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") || strings.Contains(name, "//") {
		return Target{}, fmt.Errorf("image name in %q is not valid", rest)
	}
	t.Name = name
	return t, nil
}

func ghName(s string) bool {
	if s == "" || len(s) > 100 || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
