package scan

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/inventory"
	"github.com/moat-dev/moat/internal/typosquat"
)

// PackageRef is a package a server command downloads and runs.
type PackageRef struct {
	Ecosystem typosquat.Ecosystem
	Runner    string // npx, bunx, pnpm dlx, yarn dlx, npm exec, uvx, pipx, docker …
	Spec      string // as written
	Name      string // without version
	Version   string // npm/PyPI version or OCI tag ("" when none)
	Digest    string // OCI digest
	// Remote is "git", "url" or "path" when the spec is not a registry
	// package.
	Remote string
	Arg    int // index in argv
}

// runner describes how a launcher takes its package argument.
type runner struct {
	eco typosquat.Ecosystem
	// valueFlags take the next argument as their value.
	valueFlags map[string]bool
	// pkgFlags give the package explicitly (npx -p, uvx --from, pipx --spec).
	pkgFlags map[string]bool
}

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

var (
	npmRunner  = runner{typosquat.NPM, set("--registry", "--cache", "--userconfig", "-c", "--call", "--node-options", "--prefix", "--workspace", "-w"), set("-p", "--package")}
	uvRunner   = runner{typosquat.PyPI, set("--python", "-p", "--index", "--index-url", "--extra-index-url", "--default-index", "--with", "--with-editable", "--with-requirements", "--constraint", "--override", "--cache-dir", "--directory", "--project", "--env-file", "--find-links", "-f"), set("--from")}
	pipxRunner = runner{typosquat.PyPI, set("--python", "--index-url", "--pip-args", "--backend"), set("--spec")}
	ociRunner  = runner{typosquat.OCI, set("-e", "--env", "-v", "--volume", "--name", "-p", "--publish", "--network", "--net", "--mount", "-w", "--workdir", "-u", "--user", "--entrypoint", "--env-file", "--platform", "-l", "--label", "--add-host", "--cap-add", "--cap-drop", "--device", "-m", "--memory", "--cpus", "--pull", "--restart", "--runtime", "--security-opt", "--tmpfs", "--ulimit", "-h", "--hostname", "--ipc", "--pid", "--log-driver", "--log-opt", "--dns", "--shm-size", "--gpus", "--group-add", "--expose", "--label-file", "--cidfile", "--init-path", "--stop-signal", "--stop-timeout", "--userns", "--uts", "--volumes-from", "--link", "--mac-address", "--ip", "--ip6"), nil}
)

// cmdName is the lower-case base name without a Windows extension.
func cmdName(s string) string {
	b := strings.ToLower(path.Base(strings.ReplaceAll(s, `\`, "/")))
	for _, ext := range []string{".exe", ".cmd", ".bat", ".ps1"} {
		b = strings.TrimSuffix(b, ext)
	}
	return b
}

// Packages finds the packages a command line runs. Wrappers are looked
// through: cmd /c, env, and launcher sub-commands (npm exec, pnpm dlx, uv
// tool run, docker run).
func Packages(argv []string) []PackageRef {
	base := 0
	for depth := 0; depth < 4 && len(argv) > 0; depth++ {
		name := cmdName(argv[0])
		rest := argv[1:]
		switch {
		case name == "cmd" && len(rest) > 0 && (strings.EqualFold(rest[0], "/c") || strings.EqualFold(rest[0], "/k")):
			argv, base = rest[1:], base+2
			continue
		case name == "env":
			i := 0
			for i < len(rest) && (strings.Contains(rest[i], "=") || strings.HasPrefix(rest[i], "-")) {
				i++
			}
			argv, base = rest[i:], base+1+i
			continue
		case name == "npx" || name == "bunx":
			return pick(npmRunner, name, rest, base+1)
		case (name == "npm" || name == "pnpm" || name == "yarn" || name == "bun") && len(rest) > 0 &&
			(rest[0] == "exec" || rest[0] == "x" || rest[0] == "dlx"):
			return pick(npmRunner, name+" "+rest[0], rest[1:], base+2)
		case name == "uvx":
			return pick(uvRunner, name, rest, base+1)
		case name == "uv" && len(rest) > 1 && rest[0] == "tool" && rest[1] == "run":
			return pick(uvRunner, "uv tool run", rest[2:], base+3)
		case name == "pipx" && len(rest) > 0 && rest[0] == "run":
			return pick(pipxRunner, "pipx run", rest[1:], base+2)
		case (name == "docker" || name == "podman" || name == "nerdctl") && len(rest) > 0:
			off := 1
			if rest[0] == "container" && len(rest) > 1 {
				rest, off = rest[1:], 2
			}
			if rest[0] == "run" {
				return pick(ociRunner, name+" run", rest[1:], base+off+1)
			}
		}
		return nil
	}
	return nil
}

// pick reads the launcher's flags and returns the package it runs.
func pick(r runner, name string, args []string, off int) []PackageRef {
	var explicit []PackageRef
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			continue
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			flag, val, hasVal := strings.Cut(a, "=")
			if r.pkgFlags[flag] {
				if !hasVal && i+1 < len(args) {
					i++
					val = args[i]
				}
				explicit = append(explicit, parseSpec(r.eco, name, val, off+i))
				continue
			}
			if r.valueFlags[flag] && !hasVal {
				i++
			}
			continue
		}
		if len(explicit) > 0 {
			return explicit // the positional is the command the package provides
		}
		return []PackageRef{parseSpec(r.eco, name, a, off+i)}
	}
	return explicit
}

var (
	exactVersion = regexp.MustCompile(`^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$`)
	pypiSpec     = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(==|===|@|>=|<=|~=|!=|>|<)?\s*(.*)$`)
)

// parseSpec splits a package spec into name and version, recognising
// git, URL and path sources.
func parseSpec(eco typosquat.Ecosystem, runner, spec string, arg int) PackageRef {
	p := PackageRef{Ecosystem: eco, Runner: runner, Spec: spec, Arg: arg}
	low := strings.ToLower(spec)
	switch {
	case strings.HasPrefix(low, "git+") || strings.HasPrefix(low, "git:") || strings.HasPrefix(low, "github:") ||
		strings.HasPrefix(low, "gitlab:") || strings.HasPrefix(low, "bitbucket:") || strings.HasSuffix(low, ".git"):
		p.Remote = "git"
		return p
	case strings.HasPrefix(low, "http://") || strings.HasPrefix(low, "https://") || strings.Contains(low, " @ http"):
		p.Remote = "url"
		if eco == typosquat.OCI {
			p.Remote = ""
			break
		}
		return p
	case strings.HasPrefix(low, "file:") || strings.HasPrefix(spec, ".") || strings.HasPrefix(spec, "/") ||
		strings.HasSuffix(low, ".tgz") || strings.HasSuffix(low, ".tar.gz") || strings.HasSuffix(low, ".whl"):
		p.Remote = "path"
		return p
	}
	switch eco {
	case typosquat.NPM:
		p.Name, p.Version = spec, ""
		if i := strings.LastIndex(spec, "@"); i > 0 {
			p.Name, p.Version = spec[:i], spec[i+1:]
		}
		if !strings.HasPrefix(p.Name, "@") && strings.Contains(p.Name, "/") {
			p.Remote = "git" // npm reads user/repo as a GitHub repository
		}
	case typosquat.PyPI:
		if m := pypiSpec.FindStringSubmatch(spec); m != nil {
			p.Name = m[1]
			if m[3] == "==" || m[3] == "===" || m[3] == "@" {
				p.Version = m[4]
			} else if m[3] != "" {
				p.Version = m[3] + m[4]
			}
		} else {
			p.Name = spec
		}
	case typosquat.OCI:
		p.Name = spec
		if n, d, ok := strings.Cut(p.Name, "@"); ok {
			p.Name, p.Digest = n, d
		}
		if i := strings.LastIndex(p.Name, ":"); i > strings.LastIndex(p.Name, "/") {
			p.Name, p.Version = p.Name[:i], p.Name[i+1:]
		}
	}
	return p
}

// Pinned reports whether the reference names one immutable artifact.
func (p PackageRef) Pinned() bool {
	if p.Ecosystem == typosquat.OCI {
		return strings.HasPrefix(p.Digest, "sha256:") && len(p.Digest) == len("sha256:")+64
	}
	return exactVersion.MatchString(p.Version)
}

// packages checks what the server's command downloads.
func (c *checker) packages(s *inventory.ServerSpec, argv []string) {
	for _, p := range Packages(argv) {
		field := fmt.Sprintf("args[%d]", p.Arg-1)
		if p.Arg == 0 {
			field = "command"
		}
		if p.Remote == "git" || p.Remote == "url" {
			c.add(s, finding.Finding{
				Rule: "package-from-url", Category: finding.CatSupplyChain, Severity: finding.High,
				Message:  fmt.Sprintf("%s runs code straight from a %s source, outside any registry's name and version history", p.Runner, p.Remote),
				Evidence: p.Spec,
				Fix:      "install a released registry package pinned to an exact version, or vendor and review the code",
			}, field)
			continue
		}
		if p.Remote == "path" || p.Name == "" {
			continue
		}
		c.typosquat(s, p, field)
		c.pinning(s, p, field)
	}
}

func (c *checker) typosquat(s *inventory.ServerSpec, p PackageRef, field string) {
	m, ok := c.opts.Packages.Check(p.Ecosystem, p.Name)
	if !ok {
		return
	}
	o := m.Package
	if m.Kind == typosquat.Official {
		if !o.Archived() {
			return
		}
		fix := "remove it or move to a maintained server"
		if o.Replacement != "" {
			fix = "replace it with the maintained " + o.Replacement
		}
		c.add(s, finding.Finding{
			Rule: "archived-package", Category: finding.CatSupplyChain, Severity: finding.Medium,
			Message:  fmt.Sprintf("%s was archived upstream and gets no fixes, security ones included (%s)", o.Name, o.Source),
			Evidence: p.Spec, Fix: fix,
		}, field)
		return
	}
	sev := finding.High
	switch m.Kind {
	case typosquat.Homoglyph, typosquat.SeparatorSwap, typosquat.ScopeTrick, typosquat.DroppedScope:
		sev = finding.Critical
	}
	c.add(s, finding.Finding{
		Rule: "typosquat-package", Category: finding.CatTyposquat, Severity: sev,
		Message:  fmt.Sprintf("%s package %q imitates %s (%s): %s. The real package: %s", p.Ecosystem, p.Name, o.Name, o.Vendor, describeKind(m), o.Source),
		Evidence: p.Spec,
		Fix:      fmt.Sprintf("check who publishes %q; if you meant the official server, use %s", p.Name, o.Name),
	}, field)
}

func describeKind(m typosquat.Match) string {
	switch m.Kind {
	case typosquat.Homoglyph:
		return "look-alike characters"
	case typosquat.SeparatorSwap:
		return "same letters with the scope or separators changed"
	case typosquat.DroppedScope:
		return "the name without its scope"
	case typosquat.ScopeTrick:
		return "the same name under a look-alike scope"
	case typosquat.Ecosystem2:
		return "the official name on another registry"
	case typosquat.Suffix:
		return "an added or removed suffix"
	}
	return fmt.Sprintf("edit distance %d", m.Distance)
}

func (c *checker) pinning(s *inventory.ServerSpec, p PackageRef, field string) {
	if p.Pinned() {
		return
	}
	if p.Ecosystem == typosquat.OCI {
		sev, what := finding.Medium, "no tag, so :latest"
		switch {
		case p.Version != "" && p.Version != "latest":
			sev, what = finding.Low, "tag "+p.Version+" but no digest; tags can be moved"
		case p.Version == "latest":
			what = ":latest"
		}
		c.add(s, finding.Finding{
			Rule: "unpinned-image", Category: finding.CatSupplyChain, Severity: sev,
			Message:  fmt.Sprintf("image %s is not pinned (%s): whatever is pushed next runs on the next start", p.Name, what),
			Evidence: p.Spec,
			Fix:      fmt.Sprintf("pin the digest: %s@sha256:<digest> (docker buildx imagetools inspect %s)", p.Name, p.Spec),
		}, field)
		return
	}
	what := "no version"
	if p.Version != "" {
		what = "version " + p.Version
	}
	pin := p.Name + "@<version>"
	if p.Ecosystem == typosquat.PyPI {
		pin = p.Name + "==<version>"
	}
	c.add(s, finding.Finding{
		Rule: "unpinned-package", Category: finding.CatSupplyChain, Severity: finding.Medium,
		Message:  fmt.Sprintf("%s runs %s with %s: a new release, or a hijacked one, runs on the next start without review", p.Runner, p.Name, what),
		Evidence: p.Spec,
		Fix:      "pin an exact version you reviewed: " + pin,
	}, field)
}
