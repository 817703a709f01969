package gather

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/moat-dev/moat/internal/registry"
	"github.com/moat-dev/moat/internal/vet"
)

// sourceURLKeys are project_urls labels that name the source repository,
// most specific first.
var sourceURLKeys = []string{"source", "source code", "repository", "code", "github", "homepage"}

func (g *Gatherer) pypi(ctx context.Context, f *vet.Facts) error {
	t := f.Target
	pj, err := g.c.PyPI(ctx, t.Name, t.Version)
	if errors.Is(err, registry.ErrNotFound) {
		return fmt.Errorf("pypi project %s %s: %w", t.Name, t.Version, ErrNotFound)
	}
	if err != nil {
		gapAll(f, err, "registry", "deps", "osv", "github", "issues", "ci", "tree", "readme")
		return nil
	}
	f.Version = pj.Info.Version
	p := PyPIPackage(pj)
	f.Package = p
	f.Gaps["provenance"] = "not checked for PyPI"
	g.repoFromURL(ctx, f, p.RepositoryURL, "")
	f.Deps = &vet.Deps{Direct: len(p.Dependencies), Transitive: len(p.Dependencies)}
	f.Gaps["deps"] = "moat does not resolve Python dependency trees"
	f.Gaps["osv-deps"] = f.Gaps["deps"]
	g.vulns(ctx, f, "PyPI", pj.Info.Name, f.Version)
	return nil
}

// PyPIPackage turns a PyPI JSON document into vet facts.
func PyPIPackage(pj *registry.PyPIProject) *vet.Package {
	in := pj.Info
	p := &vet.Package{DeprecatedKnown: true, InstallKnown: true}
	urls := registry.StrMap(in.ProjectURLs)
	lower := map[string]string{}
	for k, v := range urls {
		lower[strings.ToLower(k)] = v
	}
	for _, k := range sourceURLKeys {
		if u := lower[k]; u != "" {
			if _, _, ok := vet.ParseGitHubURL(u); ok || p.RepositoryURL == "" {
				p.RepositoryURL = u
			}
			if _, _, ok := vet.ParseGitHubURL(u); ok {
				break
			}
		}
	}
	if hp, ok := registry.Str(in.HomePage); ok && p.RepositoryURL == "" {
		p.RepositoryURL = hp
	}
	if in.Yanked {
		reason, _ := registry.Str(in.YankedReason)
		p.Deprecated = strings.TrimSpace("yanked " + reason)
	}
	for _, c := range in.Classifiers {
		if strings.HasPrefix(c, "Development Status :: 7") {
			p.Deprecated = "marked inactive (" + c + ")"
		}
	}
	if l, ok := registry.Str(in.LicenseExpr); ok && l != "" {
		p.License = l
	} else if l, ok := registry.Str(in.License); ok {
		l, _, _ = strings.Cut(strings.TrimSpace(l), "\n")
		p.License = clipLine(l, 60)
	}
	if d, ok := registry.Str(in.Description); ok {
		p.Readme, p.ReadmeKnown = len(d), true
	}
	p.Dependencies = map[string]string{}
	for _, r := range in.RequiresDist {
		if strings.Contains(r, "extra ==") || strings.Contains(r, "extra==") {
			continue
		}
		name := r
		if i := strings.IndexAny(r, " ;<>=!~[("); i > 0 {
			name = r[:i]
		}
		p.Dependencies[name] = strings.TrimSpace(strings.TrimPrefix(r, name))
	}
	wheel := false
	for _, u := range pj.URLs {
		if u.PackageType == "bdist_wheel" {
			wheel = true
		}
		if t := parseTime(u.UploadTime); !t.IsZero() && (p.Published.IsZero() || t.Before(p.Published)) {
			p.Published = t
		}
	}
	p.SourceOnly = len(pj.URLs) > 0 && !wheel
	for _, files := range pj.Releases {
		for _, u := range files {
			if t := parseTime(u.UploadTime); t.After(p.LastPublished) {
				p.LastPublished = t
			}
		}
	}
	return p
}

func clipLine(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (g *Gatherer) oci(ctx context.Context, f *vet.Facts) error {
	t := f.Target
	ref, err := registry.ParseImageRef(t.Name + tagOrDigest(t))
	if err != nil {
		return fmt.Errorf("oci target: %w", err)
	}
	img, err := g.c.Image(ctx, ref)
	if errors.Is(err, registry.ErrNotFound) {
		return fmt.Errorf("image %s: %w", t.String(), ErrNotFound)
	}
	for _, s := range []string{"provenance", "deps", "osv"} {
		f.Gaps[s] = "not checked for OCI images"
	}
	if img == nil {
		gapAll(f, err, "registry", "github", "issues", "ci", "tree", "readme")
		return nil
	}
	if err != nil {
		gapAll(f, err, "registry")
	}
	f.Version = ref.Ref()
	p := &vet.Package{}
	labels := img.Labels
	if labels == nil {
		labels = img.Annotations
	}
	p.RepositoryURL = firstNonEmpty(labels["org.opencontainers.image.source"], img.Annotations["org.opencontainers.image.source"])
	p.License = firstNonEmpty(labels["org.opencontainers.image.licenses"], img.Annotations["org.opencontainers.image.licenses"])
	p.Published = parseTime(img.Created)
	p.LastPublished = p.Published
	f.Package = p
	f.Gaps["registry"] = "image metadata has no maintainers, publisher or deprecation"
	g.repoFromURL(ctx, f, p.RepositoryURL, "")
	return nil
}

func tagOrDigest(t vet.Target) string {
	switch {
	case t.Digest != "":
		return "@" + t.Digest
	case t.Version != "":
		return ":" + t.Version
	}
	return ""
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}
