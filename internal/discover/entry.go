package discover

import (
	"fmt"
	"strings"

	"github.com/moat-dev/moat/internal/inventory"
)

// serverKeys are the members that mark an object as an MCP server entry.
var serverKeys = []string{"command", "url", "serverUrl", "httpUrl"}

// looksLikeServer reports whether n has the shape of a server entry: a
// command or URL member, or a type/transport naming an MCP transport.
func looksLikeServer(n *node) bool {
	if n == nil || n.kind != kObj {
		return false
	}
	for _, k := range serverKeys {
		if n.get(k) != nil {
			return true
		}
	}
	for _, k := range []string{"type", "transport"} {
		if v, ok := n.get(k).str(); ok {
			if _, known := normTransport(v); known {
				return true
			}
		}
	}
	return false
}

// looksLikeServerMap reports whether m is a name → server object with at
// least one server-shaped entry (or is empty). Files that merely share a
// name with an MCP config (schemas, fixtures) fail this gate and are
// ignored.
func looksLikeServerMap(m *node) bool {
	if m == nil || m.kind != kObj {
		return false
	}
	if len(m.keys) == 0 {
		return true
	}
	for _, v := range m.vals {
		if looksLikeServer(v) {
			return true
		}
	}
	return false
}

// addServerMap parses every entry of a name → entry object. Bad entries are
// skipped with a warning; the rest of the file still counts.
func addServerMap(r *Result, c Candidate, m *node, project string) {
	if m.dup != "" {
		r.warn(c, m.keyLine(m.dup), "server %q is defined twice; the client uses one of them, moat checks both", m.dup)
	}
	for i, name := range m.keys {
		addEntry(r, c, name, m.vals[i], m.lines[i], project)
	}
}

// addServerList parses a list of entries that carry their own "name"
// (Continue).
func addServerList(r *Result, c Candidate, l *node, project string) {
	for i, it := range l.items {
		name, _ := it.get("name").str()
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		addEntry(r, c, name, it, it.line, project)
	}
}

func addEntry(r *Result, c Candidate, name string, v *node, line int, project string) {
	s, err := parseEntry(name, v)
	if err != nil {
		r.warn(c, line, "server %q skipped: %v", name, err)
		return
	}
	if project == "" {
		project = c.Project
	}
	s.Source = inventory.Source{Client: c.Client, Scope: c.Scope, File: c.Path, Line: line, Project: project}
	if project != "" && c.Scope == inventory.ScopeUser {
		s.Source.Scope = inventory.ScopeLocal
	}
	r.Servers = append(r.Servers, s)
}

// parseEntry turns one server object into a ServerSpec, accepting every
// spelling the supported clients use.
func parseEntry(name string, n *node) (inventory.ServerSpec, error) {
	s := inventory.ServerSpec{Name: name}
	if n == nil || n.kind != kObj {
		return s, fmt.Errorf("entry is %s, want an object", article(n))
	}
	if n.dup != "" {
		return s, fmt.Errorf("key %q appears twice", n.dup)
	}
	if err := entryCommand(&s, n); err != nil {
		return s, err
	}
	var err error
	if a := n.get("args"); a != nil {
		if s.Args, err = strList(a, "args"); err != nil {
			return s, err
		}
	}
	for _, k := range []string{"env", "environment"} {
		if e := n.get(k); e != nil {
			m, err := strMap(e, k)
			if err != nil {
				return s, err
			}
			s.Env = mergeMap(s.Env, m)
		}
	}
	for _, k := range []string{"headers", "http_headers"} {
		if h := n.get(k); h != nil {
			m, err := strMap(h, k)
			if err != nil {
				return s, err
			}
			s.Headers = mergeMap(s.Headers, m)
		}
	}
	if err := entryRemote(&s, n); err != nil {
		return s, err
	}
	entryFlags(&s, n)
	return s, entryTransport(&s, n)
}

func entryCommand(s *inventory.ServerSpec, n *node) error {
	cmd := n.get("command")
	if cmd == nil {
		return nil
	}
	switch cmd.kind {
	case kStr:
		s.Command = cmd.text
	case kArr: // opencode: ["npx", "-y", "pkg"]
		argv, err := strList(cmd, "command")
		if err != nil {
			return err
		}
		if len(argv) > 0 {
			s.Command, s.Args = argv[0], argv[1:]
		}
	case kObj: // Zed (older): {"path": …, "args": […], "env": {…}}
		s.Command, _ = cmd.get("path").str()
		var err error
		if a := cmd.get("args"); a != nil {
			if s.Args, err = strList(a, "command.args"); err != nil {
				return err
			}
		}
		if e := cmd.get("env"); e != nil {
			if s.Env, err = strMap(e, "command.env"); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("command is %s, want a string or a list", article(cmd))
	}
	return nil
}

func entryRemote(s *inventory.ServerSpec, n *node) error {
	for _, k := range []string{"url", "serverUrl", "httpUrl"} {
		u := n.get(k)
		if u == nil {
			continue
		}
		v, ok := u.str()
		if !ok || u.kind != kStr {
			return fmt.Errorf("%s is %s, want a string", k, article(u))
		}
		if s.URL == "" {
			s.URL = v
			if k == "httpUrl" {
				s.Transport = inventory.HTTP
			}
		}
	}
	if v, _ := n.get("bearer_token").str(); v != "" { // Codex rejects it; moat still reports it
		s.Headers = mergeMap(s.Headers, map[string]string{"Authorization": "Bearer " + v})
	}
	if v, _ := n.get("bearer_token_env_var").str(); v != "" {
		s.EnvRefs = append(s.EnvRefs, v)
	}
	if ev := n.get("env_vars"); ev != nil {
		refs, err := strList(ev, "env_vars")
		if err != nil {
			return err
		}
		s.EnvRefs = append(s.EnvRefs, refs...)
	}
	return nil
}

func entryFlags(s *inventory.ServerSpec, n *node) {
	if n.get("disabled").truthy() {
		s.Disabled = true
	}
	if e := n.get("enabled"); e != nil && e.kind == kBool && e.text == "false" {
		s.Disabled = true
	}
	if n.get("trust").truthy() {
		s.Trust = true
	}
	for _, k := range []string{"cwd", "workingDirectory"} {
		if v, ok := n.get(k).str(); ok && s.Cwd == "" {
			s.Cwd = v
		}
	}
}

func entryTransport(s *inventory.ServerSpec, n *node) error {
	for _, k := range []string{"type", "transport"} {
		t := n.get(k)
		if t == nil {
			continue
		}
		v, ok := t.str()
		if !ok {
			return fmt.Errorf("%s is %s, want a string", k, article(t))
		}
		tr, ok := normTransport(v)
		if !ok {
			return fmt.Errorf("unknown transport %q (want stdio, http, sse or ws)", v)
		}
		s.Transport = tr
		break
	}
	switch {
	case s.Command == "" && s.URL == "":
		return fmt.Errorf("has neither a command nor a url")
	case s.Transport == "" && s.Command != "":
		s.Transport = inventory.Stdio
	case s.Transport == "":
		s.Transport = inventory.HTTP
		if strings.HasSuffix(strings.TrimRight(s.URL, "/"), "/sse") {
			s.Transport = inventory.SSE
		}
	}
	if s.Transport == inventory.Stdio && s.Command == "" {
		return fmt.Errorf("stdio server without a command")
	}
	if s.Transport != inventory.Stdio && s.URL == "" {
		return fmt.Errorf("%s server without a url", s.Transport)
	}
	return nil
}

// normTransport maps every spelling seen in client configs to a Transport.
func normTransport(v string) (inventory.Transport, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "stdio", "local", "command":
		return inventory.Stdio, true
	case "http", "https", "streamable-http", "streamable-https", "streamablehttp", "streamable_http", "remote":
		return inventory.HTTP, true
	case "sse":
		return inventory.SSE, true
	case "ws", "wss", "websocket":
		return inventory.WebSocket, true
	}
	return "", false
}

func strList(n *node, what string) ([]string, error) {
	if n.kind != kArr {
		return nil, fmt.Errorf("%s is %s, want a list", what, article(n))
	}
	out := make([]string, 0, len(n.items))
	for i, it := range n.items {
		v, ok := it.str()
		if !ok {
			return nil, fmt.Errorf("%s[%d] is %s, want a string", what, i, article(it))
		}
		out = append(out, v)
	}
	return out, nil
}

func strMap(n *node, what string) (map[string]string, error) {
	if n.kind == kNull {
		return nil, nil
	}
	if n.kind != kObj {
		return nil, fmt.Errorf("%s is %s, want an object", what, article(n))
	}
	if n.dup != "" {
		return nil, fmt.Errorf("%s has key %q twice", what, n.dup)
	}
	out := make(map[string]string, len(n.keys))
	for i, k := range n.keys {
		v, ok := n.vals[i].str()
		if !ok && n.vals[i].kind != kNull {
			return nil, fmt.Errorf("%s.%s is %s, want a string", what, k, article(n.vals[i]))
		}
		out[k] = v
	}
	return out, nil
}

func mergeMap(dst, src map[string]string) map[string]string {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = make(map[string]string, len(src))
	}
	for k, v := range src {
		dst[k] = v
	}
	return dst
}

func article(n *node) string {
	if n == nil {
		return "missing"
	}
	switch n.kind {
	case kObj, kArr:
		return "an " + n.kind.String()
	}
	return "a " + n.kind.String()
}
