// Package gather fetches the facts moat vet evaluates: registry metadata,
// the source repository on GitHub, the dependency tree and known
// vulnerabilities. A data source that cannot be read (rate limit, offline
// cache miss, a mirror with partial metadata) leaves its facts unknown
// with the reason in Facts.Gaps; only a missing package is an error.
package gather

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/moat-dev/moat/internal/registry"
	"github.com/moat-dev/moat/internal/vet"
)

// ErrNotFound means the target does not exist in its registry.
var ErrNotFound = errors.New("not found")

// Defaults.
const (
	// DefaultMaxDeps caps the dependency walk. A tree larger than this is
	// far past the red flag anyway (vet.DepsRedMin).
	DefaultMaxDeps = 400
	// DefaultConcurrency bounds parallel registry requests in the walk.
	DefaultConcurrency = 8
	// maxVulnDetails bounds the OSV records fetched for severities.
	maxVulnDetails = 25
)

// Options configures a Gatherer.
type Options struct {
	Client      *registry.Client
	MaxDeps     int
	Concurrency int
	// SkipDeps turns the dependency walk off (--no-deps).
	SkipDeps bool
	// Now is the clock issue ages are measured against.
	Now func() time.Time
}

// Gatherer fetches facts.
type Gatherer struct {
	c *registry.Client
	o Options
}

// New returns a Gatherer.
func New(o Options) *Gatherer {
	if o.MaxDeps <= 0 {
		o.MaxDeps = DefaultMaxDeps
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	return &Gatherer{c: o.Client, o: o}
}

// Facts fetches everything about a target.
func (g *Gatherer) Facts(ctx context.Context, t vet.Target) (*vet.Facts, error) {
	f := &vet.Facts{Target: t, Version: t.Version, Gaps: map[string]string{}}
	f.Gaps["tools"] = "moat vet does not start servers; no tool listing"
	var err error
	switch t.Ecosystem {
	case vet.NPM:
		err = g.npm(ctx, f)
	case vet.PyPI:
		err = g.pypi(ctx, f)
	case vet.OCI:
		err = g.oci(ctx, f)
	case vet.GitHub:
		owner, repo, _ := vet.ParseGitHubURL("github:" + t.Name)
		g.repo(ctx, f, owner, repo, "")
	default:
		return nil, fmt.Errorf("unknown ecosystem %q", t.Ecosystem)
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

// gapAll records one reason for several sources.
func gapAll(f *vet.Facts, err error, sources ...string) {
	r := registry.Reason(err)
	for _, s := range sources {
		if _, ok := f.Gaps[s]; !ok {
			f.Gaps[s] = r
		}
	}
}

// repoFromURL fills f.Repo from a metadata repository URL.
func (g *Gatherer) repoFromURL(ctx context.Context, f *vet.Facts, url, dir string) {
	owner, repo, ok := vet.ParseGitHubURL(url)
	if !ok {
		reason := "no GitHub repository in the metadata"
		if url != "" {
			reason = "the repository is not on GitHub"
		}
		for _, s := range []string{"github", "issues", "ci", "tree", "readme"} {
			f.Gaps[s] = reason
		}
		return
	}
	g.repo(ctx, f, owner, repo, dir)
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
