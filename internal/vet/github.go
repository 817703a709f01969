package vet

import "strings"

// ParseGitHubURL extracts owner and repository from the ways package
// metadata spells a GitHub repository: https://github.com/o/r(.git),
// git+https://…, git://…, git+ssh://git@github.com/o/r.git,
// git@github.com:o/r.git and "github:o/r". ok is false for anything else.
func ParseGitHubURL(s string) (owner, repo string, ok bool) {
	s = strings.TrimSpace(s)
	low := strings.ToLower(s)
	var rest string
	switch {
	case strings.HasPrefix(low, "github:"):
		rest = s[len("github:"):]
	case strings.HasPrefix(low, "git@github.com:"):
		rest = s[len("git@github.com:"):]
	default:
		i := strings.Index(low, "github.com/")
		if i < 0 {
			return "", "", false
		}
		pre := low[:i]
		if i > 0 && !(strings.HasSuffix(pre, "://") || strings.HasSuffix(pre, "://www.") || strings.HasSuffix(pre, "@")) {
			return "", "", false
		}
		rest = s[i+len("github.com/"):]
	}
	rest, _, _ = strings.Cut(rest, "#")
	rest, _, _ = strings.Cut(rest, "?")
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	if len(parts) < 2 {
		return "", "", false
	}
	owner, repo = parts[0], strings.TrimSuffix(parts[1], ".git")
	if !ghName(owner) || !ghName(repo) {
		return "", "", false
	}
	return owner, repo, true
}

// repoKey is "owner/repo" in lower case, or "" when s is not a GitHub URL.
func repoKey(s string) string {
	o, r, ok := ParseGitHubURL(s)
	if !ok {
		return ""
	}
	return strings.ToLower(o + "/" + r)
}
