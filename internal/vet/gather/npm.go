package gather

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/moat-dev/moat/internal/registry"
	"github.com/moat-dev/moat/internal/vet"
)

// installHooks are the npm lifecycle scripts that run at install time.
var installHooks = []string{"preinstall", "install", "postinstall"}

func (g *Gatherer) npm(ctx context.Context, f *vet.Facts) error {
	t := f.Target
	pk, err := g.c.Packument(ctx, t.Name)
	if errors.Is(err, registry.ErrNotFound) {
		return fmt.Errorf("npm package %s: %w", t.Name, ErrNotFound)
	}
	if err != nil {
		gapAll(f, err, "registry", "provenance", "deps", "osv", "github", "issues", "ci", "tree", "readme")
		return nil
	}
	ver, ok := resolveNPM(pk, t.Version)
	if !ok {
		return fmt.Errorf("npm package %s has no version %q: %w", t.Name, t.Version, ErrNotFound)
	}
	f.Version = ver
	v := pk.Versions[ver]
	p := NPMPackage(pk, ver)
	f.Package = p
	g.provenance(ctx, f, v)
	g.repoFromURL(ctx, f, p.RepositoryURL, p.RepositoryDir)
	if g.o.SkipDeps {
		f.Gaps["deps"] = "dependency walk turned off (--no-deps)"
	} else {
		f.Deps = g.walk(ctx, f, p.Dependencies)
	}
	g.vulns(ctx, f, "npm", t.Name, ver)
	return nil
}

// resolveNPM maps a version, dist-tag or empty (latest) to a version in
// the packument.
func resolveNPM(pk *registry.Packument, want string) (string, bool) {
	if want == "" {
		want = "latest"
	}
	if v, ok := pk.DistTags[want]; ok {
		want = v
	}
	if _, ok := pk.Versions[want]; ok {
		return want, true
	}
	if want == "latest" { // a mirror without dist-tags: the highest version
		vs := make([]string, 0, len(pk.Versions))
		for k := range pk.Versions {
			vs = append(vs, k)
		}
		return maxSatisfying(vs, "*")
	}
	return "", false
}

// NPMPackage turns a packument into vet facts for one version. Missing
// fields stay unknown.
func NPMPackage(pk *registry.Packument, ver string) *vet.Package {
	v := pk.Versions[ver]
	p := &vet.Package{}
	if u, ok := registry.Field(v.Repository, "url"); ok {
		p.RepositoryURL = u
		p.RepositoryDir, _ = registry.Field(v.Repository, "directory")
		if p.RepositoryDir == u {
			p.RepositoryDir = ""
		}
	} else if u, ok := registry.Field(pk.Repository, "url"); ok {
		p.RepositoryURL = u
	}
	if ppl, ok := registry.People(v.NPMUser); ok && len(ppl) > 0 {
		p.Publisher = ppl[0]
	}
	p.Maintainers, p.MaintainersKnown = registry.People(v.Maintainers)
	if !p.MaintainersKnown {
		p.Maintainers, p.MaintainersKnown = registry.People(pk.Maintainers)
	}
	p.Published = npmTime(pk, ver)
	if latest, ok := pk.DistTags["latest"]; ok {
		p.LastPublished = npmTime(pk, latest)
	}
	for k := range pk.Versions {
		if t := npmTime(pk, k); t.After(p.LastPublished) {
			p.LastPublished = t
		}
	}
	if d, ok := registry.Str(v.Deprecated); ok {
		p.Deprecated = d
	}
	p.DeprecatedKnown = true // the version object was read: no message means not deprecated
	if l, ok := registry.Field(v.License, "type"); ok {
		p.License = l
	} else if l, ok := registry.Field(pk.License, "type"); ok {
		p.License = l
	}
	if r, ok := registry.Str(pk.Readme); ok && r != "" && r != "ERROR: No README data found!" {
		p.Readme, p.ReadmeKnown = len(r), true
	}
	p.InstallScripts, p.InstallKnown = installScripts(v)
	p.Dependencies = registry.StrMap(v.Dependencies)
	p.Bin = bins(v)
	p.FileCount = int(num(v.Dist.FileCount))
	p.UnpackedSize = num(v.Dist.UnpackedSize)
	p.History = history(pk)
	return p
}

func installScripts(v registry.NPMVersion) (map[string]string, bool) {
	known := len(v.Scripts) > 0
	scripts := registry.StrMap(v.Scripts)
	out := map[string]string{}
	for _, h := range installHooks {
		if s, ok := scripts[h]; ok {
			out[h] = s
		}
	}
	if len(v.HasInstallScript) > 0 {
		known = true
		if string(v.HasInstallScript) == "true" && len(out) == 0 {
			out["install"] = "(the registry reports an install script)"
		}
	}
	return out, known
}

func bins(v registry.NPMVersion) map[string]string {
	if s, ok := registry.Str(v.Bin); ok {
		name := v.Name
		if i := strings.LastIndex(name, "/"); i >= 0 {
			name = name[i+1:]
		}
		return map[string]string{name: s}
	}
	return registry.StrMap(v.Bin)
}

func num(v []byte) int64 {
	var n int64
	if len(v) == 0 || len(v) > 18 {
		return 0
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

func npmTime(pk *registry.Packument, ver string) time.Time {
	s, _ := registry.Str(pk.Time[ver])
	return parseTime(s)
}

// history lists versions oldest first with their publisher and
// maintainers.
func history(pk *registry.Packument) []vet.Release {
	out := make([]vet.Release, 0, len(pk.Versions))
	for k, v := range pk.Versions {
		r := vet.Release{Version: k, Published: npmTime(pk, k)}
		if ppl, ok := registry.People(v.NPMUser); ok && len(ppl) > 0 {
			r.Publisher = ppl[0]
		}
		r.Maintainers, _ = registry.People(v.Maintainers)
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Published.Equal(b.Published) {
			return a.Published.Before(b.Published)
		}
		sa, oka := parseSemver(a.Version)
		sb, okb := parseSemver(b.Version)
		if oka && okb {
			return sa.cmp(sb) < 0
		}
		return a.Version < b.Version
	})
	return out
}

// provenance reads the version's attestations. A registry whose metadata
// carries neither attestations nor signatures (a mirror) leaves
// provenance unknown unless the attestation endpoint answers.
func (g *Gatherer) provenance(ctx context.Context, f *vet.Facts, v registry.NPMVersion) {
	p := f.Package
	hasAtt := len(v.Dist.Attestations) > 0
	full := hasAtt || len(v.Dist.Signatures) > 0
	if full && !hasAtt { // complete metadata without attestations: none
		p.ProvenanceKnown = true
		return
	}
	atts, err := g.c.Attestations(ctx, f.Target.Name, f.Version)
	switch {
	case errors.Is(err, registry.ErrNotFound) && full:
		p.ProvenanceKnown = true
		return
	case errors.Is(err, registry.ErrNotFound):
		f.Gaps["provenance"] = "the registry's metadata carries no signatures or attestations (a mirror?)"
		return
	case err != nil:
		gapAll(f, err, "provenance")
		return
	}
	p.ProvenanceKnown = true
	for _, a := range atts {
		if strings.Contains(a.PredicateType, "slsa.dev/provenance") {
			p.Provenance = append(p.Provenance, vet.Provenance{PredicateType: a.PredicateType, Repository: a.Repository, Workflow: a.Workflow})
		}
	}
}
