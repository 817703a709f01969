package registry

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/go-json-experiment/json"
)

// Repo is the part of GitHub's repository object moat reads.
type Repo struct {
	FullName      string    `json:"full_name"`
	Fork          bool      `json:"fork"`
	Archived      bool      `json:"archived"`
	Disabled      bool      `json:"disabled"`
	PushedAt      time.Time `json:"pushed_at"`
	DefaultBranch string    `json:"default_branch"`
	OpenIssues    int       `json:"open_issues_count"`
	HasIssues     bool      `json:"has_issues"`
	Parent        *struct {
		FullName string `json:"full_name"`
	} `json:"parent"`
	License *struct {
		SPDX string `json:"spdx_id"`
	} `json:"license"`
}

// Issue is one open issue (or pull request: GitHub lists both).
type Issue struct {
	Number            int       `json:"number"`
	CreatedAt         time.Time `json:"created_at"`
	Comments          int       `json:"comments"`
	AuthorAssociation string    `json:"author_association"`
	PullRequest       *struct{} `json:"pull_request"`
}

// IssueComment is one comment on an issue.
type IssueComment struct {
	IssueURL          string    `json:"issue_url"`
	CreatedAt         time.Time `json:"created_at"`
	AuthorAssociation string    `json:"author_association"`
}

// WorkflowRun is one GitHub Actions run.
type WorkflowRun struct {
	Name       string    `json:"name"`
	Path       string    `json:"path"`
	HeadBranch string    `json:"head_branch"`
	Status     string    `json:"status"`
	Conclusion string    `json:"conclusion"`
	CreatedAt  time.Time `json:"created_at"`
}

// TreeEntry is one file of a git tree.
type TreeEntry struct {
	Path string `json:"path"`
	Type string `json:"type"`
	Size int64  `json:"size"`
}

// Commit is the part of a listed commit moat reads.
type Commit struct {
	SHA    string `json:"sha"`
	Commit struct {
		Committer struct {
			Date time.Time `json:"date"`
		} `json:"committer"`
	} `json:"commit"`
}

// DecodeRepo parses GET /repos/{owner}/{repo}.
func DecodeRepo(b []byte) (*Repo, error) {
	var r Repo
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decode github repository: %w", err)
	}
	return &r, nil
}

// DecodeIssues parses GET /repos/{owner}/{repo}/issues.
func DecodeIssues(b []byte) ([]Issue, error) {
	var is []Issue
	if err := json.Unmarshal(b, &is); err != nil {
		return nil, fmt.Errorf("decode github issues: %w", err)
	}
	return is, nil
}

// DecodeIssueComments parses GET /repos/{owner}/{repo}/issues/comments.
func DecodeIssueComments(b []byte) ([]IssueComment, error) {
	var cs []IssueComment
	if err := json.Unmarshal(b, &cs); err != nil {
		return nil, fmt.Errorf("decode github issue comments: %w", err)
	}
	return cs, nil
}

// DecodeRuns parses GET /repos/{owner}/{repo}/actions/runs.
func DecodeRuns(b []byte) (total int, runs []WorkflowRun, err error) {
	var doc struct {
		Total int           `json:"total_count"`
		Runs  []WorkflowRun `json:"workflow_runs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return 0, nil, fmt.Errorf("decode github workflow runs: %w", err)
	}
	return doc.Total, doc.Runs, nil
}

// DecodeTree parses GET /repos/{owner}/{repo}/git/trees/{ref}?recursive=1.
func DecodeTree(b []byte) (entries []TreeEntry, truncated bool, err error) {
	var doc struct {
		Tree      []TreeEntry `json:"tree"`
		Truncated bool        `json:"truncated"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, false, fmt.Errorf("decode github tree: %w", err)
	}
	return doc.Tree, doc.Truncated, nil
}

// DecodeCommits parses GET /repos/{owner}/{repo}/commits.
func DecodeCommits(b []byte) ([]Commit, error) {
	var cs []Commit
	if err := json.Unmarshal(b, &cs); err != nil {
		return nil, fmt.Errorf("decode github commits: %w", err)
	}
	return cs, nil
}

func (c *Client) github(ctx context.Context, path string, q url.Values) ([]byte, error) {
	u := c.o.GitHub + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	h := http.Header{"Accept": {"application/vnd.github+json"}, "X-Github-Api-Version": {"2022-11-28"}}
	if c.o.GitHubToken != "" {
		h.Set("Authorization", "Bearer "+c.o.GitHubToken)
	}
	return c.fetch(ctx, request{service: "github", method: http.MethodGet, url: u, header: h})
}

func repoPath(owner, repo string) string {
	return "/repos/" + url.PathEscape(owner) + "/" + url.PathEscape(repo)
}

// Repo fetches a repository.
func (c *Client) Repo(ctx context.Context, owner, repo string) (*Repo, error) {
	b, err := c.github(ctx, repoPath(owner, repo), nil)
	if err != nil {
		return nil, err
	}
	return DecodeRepo(b)
}

// OpenIssues fetches up to 100 open issues and pull requests, oldest
// first.
func (c *Client) OpenIssues(ctx context.Context, owner, repo string) ([]Issue, error) {
	b, err := c.github(ctx, repoPath(owner, repo)+"/issues", url.Values{
		"state": {"open"}, "per_page": {"100"}, "sort": {"created"}, "direction": {"asc"}})
	if err != nil {
		return nil, err
	}
	return DecodeIssues(b)
}

// RecentIssueComments fetches the 100 most recent issue comments.
func (c *Client) RecentIssueComments(ctx context.Context, owner, repo string) ([]IssueComment, error) {
	b, err := c.github(ctx, repoPath(owner, repo)+"/issues/comments", url.Values{
		"per_page": {"100"}, "sort": {"created"}, "direction": {"desc"}})
	if err != nil {
		return nil, err
	}
	return DecodeIssueComments(b)
}

// Runs fetches the 30 most recent workflow runs on a branch.
func (c *Client) Runs(ctx context.Context, owner, repo, branch string) (int, []WorkflowRun, error) {
	b, err := c.github(ctx, repoPath(owner, repo)+"/actions/runs", url.Values{"branch": {branch}, "per_page": {"30"}})
	if err != nil {
		return 0, nil, err
	}
	return DecodeRuns(b)
}

// Tree fetches the recursive file tree of a ref.
func (c *Client) Tree(ctx context.Context, owner, repo, ref string) ([]TreeEntry, bool, error) {
	b, err := c.github(ctx, repoPath(owner, repo)+"/git/trees/"+url.PathEscape(ref), url.Values{"recursive": {"1"}})
	if err != nil {
		return nil, false, err
	}
	return DecodeTree(b)
}

// LastCommit fetches the newest commit on a branch, optionally limited to
// a path (a package inside a monorepo).
func (c *Client) LastCommit(ctx context.Context, owner, repo, branch, path string) (*Commit, error) {
	q := url.Values{"sha": {branch}, "per_page": {"1"}}
	if path != "" {
		q.Set("path", path)
	}
	b, err := c.github(ctx, repoPath(owner, repo)+"/commits", q)
	if err != nil {
		return nil, err
	}
	cs, err := DecodeCommits(b)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	return &cs[0], nil
}
