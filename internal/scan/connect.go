package scan

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/inventory"
	"github.com/moat-dev/moat/internal/live"
	"github.com/moat-dev/moat/internal/mcpdoc"
	"github.com/moat-dev/moat/internal/pin"
)

// Live-inspection rule ids.
const (
	RuleUnreachable = "server-unreachable"
	RuleTruncated   = "server-list-truncated"
	RuleUnpinnable  = "tool-unpinnable"
)

// Connectable returns the servers a live scan contacts: enabled entries with
// a command or an http(s) URL, each distinct launch once (the same server
// configured by two clients is contacted once), and the indexes mapping
// every input server to its entry in the returned slice (-1: skipped).
func Connectable(servers []inventory.ServerSpec) (unique []inventory.ServerSpec, index []int) {
	index = make([]int, len(servers))
	seen := map[string]int{}
	for i, s := range servers {
		if s.Disabled || s.Transport == inventory.WebSocket || (s.Command == "" && s.URL == "") {
			index[i] = -1
			continue
		}
		k := launchKey(&s)
		if j, ok := seen[k]; ok {
			index[i] = j
			continue
		}
		seen[k] = len(unique)
		index[i] = len(unique)
		unique = append(unique, s)
	}
	return unique, index
}

func launchKey(s *inventory.ServerSpec) string {
	var b strings.Builder
	b.WriteString(s.Key())
	fmt.Fprintf(&b, "\x00%s\x00%s\x00%s", s.Cwd, s.Source.Project, s.Transport)
	for _, m := range []map[string]string{s.Env, s.Headers} {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "\x00%s=%s", k, m[k])
		}
	}
	return b.String()
}

// Spread gives every configured server the result of its distinct launch
// (see Connectable); skipped servers get none and are left out.
func Spread(servers []inventory.ServerSpec, index []int, results []live.Result) []live.Result {
	var out []live.Result
	for i, j := range index {
		if j < 0 {
			continue
		}
		r := results[j]
		r.Spec = servers[i]
		out = append(out, r)
	}
	return out
}

// InspectLive runs the inspection engine over everything each server told
// moat — initialize (instructions, server info), every tool, prompt, resource
// and resource template, unknown members included — and reports servers
// that could not be reached or whose lists were cut.
func InspectLive(scanner detect.Scanner, results []live.Result) []finding.Finding {
	var out []finding.Finding
	for i := range results {
		out = append(out, inspectOne(scanner, &results[i])...)
	}
	finding.Sort(out)
	return out
}

func liveLoc(s *inventory.ServerSpec) finding.Location {
	return finding.Location{File: s.Source.File, Line: s.Source.Line, Client: s.Source.Client,
		Config: s.Source.File, Server: s.Name}
}

func inspectOne(scanner detect.Scanner, r *live.Result) []finding.Finding {
	base := liveLoc(&r.Spec)
	if r.Err != nil {
		f := finding.Finding{
			Rule: RuleUnreachable, Category: finding.CatConfig, Severity: finding.Low,
			Message: fmt.Sprintf("server could not be inspected: %v", r.Err),
			Fix:     "start the server by hand to see why it fails; nothing it would tell a model was checked",
		}
		f.Location = base
		f.Location.Kind = mcpdoc.KindServer
		if t := strings.TrimSpace(r.Stderr); t != "" {
			f.Evidence = "stderr: " + lastLines(t, 6, 600)
		}
		return []finding.Finding{f}
	}
	var out []finding.Finding
	docs := [][]byte{r.Init}
	for _, l := range []struct {
		key   string
		items []json.RawMessage
	}{{"tools", r.Tools}, {"prompts", r.Prompts}, {"resources", r.Resources}, {"resourceTemplates", r.Templates}} {
		if len(l.items) > 0 {
			docs = append(docs, listDoc(l.key, l.items))
		}
	}
	for _, raw := range docs {
		if len(raw) == 0 {
			continue
		}
		doc, err := mcpdoc.Decode(raw, 1, mcpdoc.Limits{})
		if err != nil {
			continue // live has already decoded it strictly; nothing to add
		}
		mcpdoc.Walk(&doc, base, func(t detect.Target) {
			for _, f := range scanner.Scan(t) {
				f.Location.Line = base.Line
				out = append(out, f)
			}
		})
	}
	for _, m := range r.Truncated {
		f := finding.Finding{Rule: RuleTruncated, Category: finding.CatConfig, Severity: finding.Medium,
			Message: fmt.Sprintf("%s returned more items than moat reads (%d); the rest were not checked", m, live.DefaultMaxItems),
			Fix:     "a server with this many entries floods the model's context; review why it lists so many"}
		f.Location = base
		f.Location.Kind = mcpdoc.KindServer
		out = append(out, f)
	}
	return out
}

// listDoc rebuilds one list result from the items of all its pages.
func listDoc(key string, items []json.RawMessage) []byte {
	n := len(key) + 8
	for _, it := range items {
		n += len(it) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, `{"`...)
	b = append(b, key...)
	b = append(b, `":[`...)
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	return append(b, "]}"...)
}

func lastLines(s string, n, max int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	s = strings.Join(lines, " | ")
	if r := []rune(s); len(r) > max {
		s = "…" + string(r[len(r)-max:])
	}
	return s
}

// Lock builds the lockfile of the servers that answered. Servers are named
// by their configured name; when two different servers share a name, the
// client id is prefixed. Tools that cannot be fingerprinted are reported.
func Lock(results []live.Result) (pin.Lockfile, []finding.Finding) {
	var lock pin.Lockfile
	var out []finding.Finding
	names := lockNames(results)
	done := map[string]bool{}
	for i := range results {
		r := &results[i]
		name := names[i]
		if r.Err != nil || done[name] {
			continue
		}
		done[name] = true
		raw := make([][]byte, len(r.Tools))
		for j, t := range r.Tools {
			raw[j] = t
		}
		s, errs := pin.NewServer(name, pin.Info{Name: r.ServerName, Version: r.ServerVersion}, r.Instructions, raw)
		s.Client, s.Target = r.Spec.Source.Client, redactedTarget(&r.Spec)
		for _, p := range Packages(r.Spec.Argv()) {
			s.Packages = append(s.Packages, p.Spec)
		}
		lock.Servers = append(lock.Servers, s)
		for _, err := range errs {
			f := finding.Finding{Rule: RuleUnpinnable, Category: finding.CatDrift, Severity: finding.Medium,
				Message: fmt.Sprintf("tool definition cannot be pinned: %v", err),
				Fix:     "a definition with duplicate keys or invalid UTF-8 reads differently in different clients; treat the server as hostile"}
			f.Location = liveLoc(&r.Spec)
			f.Location.Kind = mcpdoc.KindTool
			out = append(out, f)
		}
	}
	return lock, out
}

func lockNames(results []live.Result) []string {
	keys := map[string]map[string]bool{}
	for i := range results {
		s := &results[i].Spec
		if keys[s.Name] == nil {
			keys[s.Name] = map[string]bool{}
		}
		keys[s.Name][s.Key()] = true
	}
	out := make([]string, len(results))
	for i := range results {
		s := &results[i].Spec
		out[i] = s.Name
		if len(keys[s.Name]) > 1 {
			out[i] = s.Source.Client + "/" + s.Name
		}
	}
	return out
}

// redactedTarget is the command line or URL with secret-looking values
// removed, for people reading the lockfile.
func redactedTarget(s *inventory.ServerSpec) string {
	r := RedactServer(*s)
	if r.URL != "" && r.Command == "" {
		return r.URL
	}
	return strings.Join(r.Argv(), " ")
}
