package gather

import (
	"context"
	"errors"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moat-dev/moat/internal/registry"
	"github.com/moat-dev/moat/internal/vet"
)

// maintainerRoles are GitHub author associations that count as a
// maintainer answering.
var maintainerRoles = map[string]bool{"OWNER": true, "MEMBER": true, "COLLABORATOR": true}

// repo fills f.Repo from GitHub. After a rate-limit refusal it stops
// asking and marks the rest unknown with that reason.
func (g *Gatherer) repo(ctx context.Context, f *vet.Facts, owner, name, dir string) {
	r, err := g.c.Repo(ctx, owner, name)
	if err != nil {
		gapAll(f, err, "github", "issues", "ci", "tree", "readme")
		return
	}
	dir = strings.Trim(path.Clean("/"+dir), "/")
	rp := &vet.Repo{FullName: r.FullName, Fork: r.Fork, Archived: r.Archived || r.Disabled}
	if r.Parent != nil {
		rp.Parent = r.Parent.FullName
	}
	if r.License != nil {
		rp.License = r.License.SPDX
	}
	f.Repo = rp
	branch := r.DefaultBranch
	if branch == "" {
		branch = "HEAD"
	}
	limited := func(err error, sources ...string) bool {
		if err == nil {
			return false
		}
		gapAll(f, err, sources...)
		var rl *registry.RateLimitError
		if errors.As(err, &rl) {
			gapAll(f, err, "github", "issues", "ci", "tree", "readme")
			return true
		}
		return false
	}
	c, err := g.c.LastCommit(ctx, owner, name, branch, dir)
	if c != nil {
		rp.LastCommit = c.Commit.Committer.Date
	} else if err == nil && !r.PushedAt.IsZero() {
		rp.LastCommit = r.PushedAt
	}
	if limited(err, "github") {
		return
	}
	if !r.HasIssues {
		f.Gaps["issues"] = "issues are turned off on the repository"
	} else if limited(g.issues(ctx, f, owner, name, r.OpenIssues), "issues") {
		return
	}
	if limited(g.ci(ctx, f, owner, name, branch), "ci") {
		return
	}
	limited(g.tree(ctx, f, owner, name, branch, dir), "tree", "readme")
}

func (g *Gatherer) issues(ctx context.Context, f *vet.Facts, owner, name string, openCount int) error {
	list, err := g.c.OpenIssues(ctx, owner, name)
	if err != nil {
		return err
	}
	now := g.o.Now()
	var ages []time.Duration
	sampled := map[int]bool{}
	for _, is := range list {
		if is.PullRequest != nil {
			continue
		}
		sampled[is.Number] = true
		ages = append(ages, now.Sub(is.CreatedAt))
	}
	st := &vet.Issues{Open: len(sampled), Sampled: len(sampled)}
	if len(list) >= 100 {
		st.Open = max(openCount, len(sampled)) // the API's count includes pull requests
	}
	if len(ages) > 0 {
		sort.Slice(ages, func(i, j int) bool { return ages[i] < ages[j] })
		st.MedianAge = ages[len(ages)/2]
	}
	f.Repo.Issues = st
	if len(sampled) == 0 {
		return nil
	}
	cs, err := g.c.RecentIssueComments(ctx, owner, name)
	if err != nil {
		f.Repo.Issues = nil // without comments the answered share is unknown, not zero
		return err
	}
	answered := map[int]bool{}
	for _, c := range cs {
		if !maintainerRoles[c.AuthorAssociation] {
			continue
		}
		i := strings.LastIndex(c.IssueURL, "/")
		if n, err := strconv.Atoi(c.IssueURL[i+1:]); err == nil && sampled[n] {
			answered[n] = true
		}
	}
	st.Answered = len(answered)
	return nil
}

func (g *Gatherer) ci(ctx context.Context, f *vet.Facts, owner, name, branch string) error {
	_, runs, err := g.c.Runs(ctx, owner, name, branch)
	if err != nil {
		return err
	}
	ci := &vet.CI{}
	seen := map[string]bool{}
	for _, r := range runs { // newest first
		key := r.Path
		if key == "" {
			key = r.Name
		}
		if r.Status != "completed" || seen[key] {
			continue
		}
		seen[key] = true
		ci.Workflows++
		switch r.Conclusion {
		case "success", "skipped", "neutral":
		default:
			ci.Failing = append(ci.Failing, r.Name)
		}
	}
	f.Repo.CI = ci
	return nil
}

// isTestFile recognises test files of the common layouts.
func isTestFile(p string) bool {
	low := strings.ToLower(p)
	base := path.Base(low)
	for _, d := range []string{"test/", "tests/", "__tests__/", "spec/"} {
		if strings.HasPrefix(low, d) || strings.Contains(low, "/"+d) {
			return true
		}
	}
	return strings.HasSuffix(base, "_test.go") || strings.Contains(base, ".test.") || strings.Contains(base, ".spec.") ||
		(strings.HasPrefix(base, "test_") && strings.HasSuffix(base, ".py")) || strings.HasSuffix(base, "_test.py")
}

func (g *Gatherer) tree(ctx context.Context, f *vet.Facts, owner, name, branch, dir string) error {
	entries, truncated, err := g.c.Tree(ctx, owner, name, branch)
	if err != nil {
		return err
	}
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	rp := f.Repo
	rp.TestsKnown, rp.ReadmeKnown = true, true
	for _, e := range entries {
		if e.Type != "blob" || !strings.HasPrefix(e.Path, prefix) {
			continue
		}
		rel := e.Path[len(prefix):]
		if isTestFile(rel) {
			rp.TestFiles++
		}
		if !strings.Contains(rel, "/") && strings.HasPrefix(strings.ToLower(rel), "readme") {
			rp.Readme = max(rp.Readme, int(min(e.Size, 1<<30)))
		}
	}
	if truncated && rp.TestFiles == 0 { // GitHub cut the listing: absence proves nothing
		rp.TestsKnown = false
		f.Gaps["tree"] = "the repository tree is too large for one listing"
	}
	return nil
}
