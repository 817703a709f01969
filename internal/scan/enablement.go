package scan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/inventory"
)

// projectScoped are clients that can enable a server for one project, so a
// user-scope server is a choice rather than the only option.
var projectScoped = map[string]bool{
	"claude-code": true, "cursor": true, "vscode": true, "gemini-cli": true, "codex": true,
	"opencode": true, "roo-code": true, "zed": true, "kiro": true, "amazon-q": true, "continue": true,
	"qwen-code": true, "amp": true, "crush": true, "factory-droid": true, "junie": true,
}

// enablement checks how widely servers are enabled.
func (c *checker) enablement(servers []inventory.ServerSpec) {
	byClientProject := map[string]map[string][]*inventory.ServerSpec{}
	userByClient := map[string][]*inventory.ServerSpec{}
	byKey := map[string][]*inventory.ServerSpec{}
	for i := range servers {
		s := &servers[i]
		if s.Disabled {
			continue
		}
		byKey[s.Key()] = append(byKey[s.Key()], s)
		cl := s.Source.Client
		switch s.Source.Scope {
		case inventory.ScopeUser:
			userByClient[cl] = append(userByClient[cl], s)
		case inventory.ScopeProject, inventory.ScopeLocal:
			if byClientProject[cl] == nil {
				byClientProject[cl] = map[string][]*inventory.ServerSpec{}
			}
			byClientProject[cl][s.Source.Project] = append(byClientProject[cl][s.Source.Project], s)
		}
	}
	c.userScope(userByClient)
	c.tooMany(userByClient, byClientProject)
	c.duplicates(byKey)
}

func (c *checker) tooMany(user map[string][]*inventory.ServerSpec, projects map[string]map[string][]*inventory.ServerSpec) {
	limit := c.opts.MaxProjectServers
	if limit < 0 {
		return
	}
	clients := map[string]bool{}
	for k := range user {
		clients[k] = true
	}
	for k := range projects {
		clients[k] = true
	}
	for _, cl := range sortedSet(clients) {
		ps := projects[cl]
		if len(ps) == 0 {
			ps = map[string][]*inventory.ServerSpec{"": nil}
		}
		for _, p := range sortedMapKeys(ps) {
			all := append(append([]*inventory.ServerSpec{}, user[cl]...), ps[p]...)
			names := uniqueNames(all)
			if len(names) <= limit || len(all) == 0 {
				continue
			}
			where := "every project"
			at := all[0]
			if p != "" {
				where = "project " + p
				if len(ps[p]) > 0 {
					at = ps[p][0]
				}
			}
			f := finding.Finding{
				Rule: "too-many-servers", Category: finding.CatConfig, Severity: finding.Medium,
				Message: fmt.Sprintf("%s enables %d servers for %s (limit %d): %s; each one widens what a poisoned tool or prompt can reach",
					c.opts.ClientName(cl), len(names), where, limit, strings.Join(names, ", ")),
				Fix: "disable the servers this project does not need (one server per project where possible)",
			}
			f.Location = serverLoc(at, "")
			f.Location.Server = ""
			c.out = append(c.out, f)
		}
	}
}

func (c *checker) duplicates(byKey map[string][]*inventory.ServerSpec) {
	for _, k := range sortedMapKeys(byKey) {
		ss := byKey[k]
		clients := map[string]bool{}
		for _, s := range ss {
			clients[s.Source.Client] = true
		}
		if len(clients) < 2 {
			continue
		}
		var names []string
		for _, cl := range sortedSet(clients) {
			names = append(names, c.opts.ClientName(cl))
		}
		var where []string
		for _, s := range ss[1:] {
			where = append(where, fmt.Sprintf("%s:%d", s.Source.File, s.Source.Line))
		}
		c.add(ss[0], finding.Finding{
			Rule: "duplicate-server", Category: finding.CatConfig, Severity: finding.Info,
			Message: fmt.Sprintf("the same server is configured in %d clients (%s); a change must be made, and reviewed, in each: %s",
				len(clients), strings.Join(names, ", "), strings.Join(where, ", ")),
			Fix: "keep it in the clients you use for this work and remove the other copies",
		}, "")
	}
}

func uniqueNames(ss []*inventory.ServerSpec) []string {
	seen := map[string]bool{}
	for _, s := range ss {
		seen[s.Name] = true
	}
	return sortedSet(seen)
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedMapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// userScope reports, per client config file, the servers enabled for every
// project of clients that could enable them per project instead.
func (c *checker) userScope(user map[string][]*inventory.ServerSpec) {
	for _, cl := range sortedMapKeys(user) {
		if !projectScoped[cl] {
			continue
		}
		byFile := map[string][]*inventory.ServerSpec{}
		for _, s := range user[cl] {
			byFile[s.Source.File] = append(byFile[s.Source.File], s)
		}
		for _, file := range sortedMapKeys(byFile) {
			ss := byFile[file]
			names := uniqueNames(ss)
			noun := "servers are"
			if len(names) == 1 {
				noun = "server is"
			}
			f := finding.Finding{
				Rule: "user-scope-server", Category: finding.CatConfig, Severity: finding.Low,
				Message: fmt.Sprintf("%d %s enabled for every project in %s, so every session can reach their tools: %s",
					len(names), noun, c.opts.ClientName(cl), strings.Join(names, ", ")),
				Evidence: strings.Join(names, ", "),
				Fix:      "configure servers in the projects that need them (project scope) and remove them from the user config",
			}
			f.Location = serverLoc(ss[0], "")
			f.Location.Server, f.Location.Line = "", 0
			c.out = append(c.out, f)
		}
	}
}
