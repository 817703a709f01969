package wrap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tailscale/hujson"
)

// serverMapPaths are where JSON clients keep their name → server maps.
// "*" matches every member (Claude Code's projects.<path>.mcpServers).
var serverMapPaths = [][]string{
	{"mcpServers"},                  // Claude, Cursor, Windsurf, Gemini, Cline, Roo, Kiro, Amazon Q, Copilot CLI …
	{"servers"},                     // VS Code mcp.json
	{"mcp", "servers"},              // VS Code settings.json
	{"mcp.servers"},                 // VS Code settings.json, dotted key
	{"mcp"},                         // opencode, Crush
	{"context_servers"},             // Zed
	{"amp.mcpServers"},              // Amp
	{"projects", "*", "mcpServers"}, // Claude Code ~/.claude.json, local scope
}

// authMembers are members that make a client authenticate a remote server
// itself; moat run cannot do that yet.
var authMembers = []string{"oauth", "headersHelper", "authProviderType", "bearer_token_env_var", "env_http_headers"}

func wrapJSON(data []byte, o Options) (Result, error) {
	root, err := hujson.Parse(data)
	if err != nil {
		return Result{}, fmt.Errorf("not valid JSON or JSONC: %w", err)
	}
	if _, ok := root.Value.(*hujson.Object); !ok {
		return Result{Data: data}, nil
	}
	res := Result{}
	var edits []splice
	for _, mp := range expandPaths(&root, serverMapPaths) {
		obj := objOf(find(&root, mp))
		if obj == nil {
			continue
		}
		if k, dup := dupAlong(&root, mp); dup {
			res.Skipped = append(res.Skipped, Skip{Server: strings.Join(mp, "."), Reason: fmt.Sprintf("key %q appears twice on the way to %s (clients read the last one, moat would edit the first); fix the file first", k, strings.Join(mp, "."))})
			continue
		}
		if dup, ok := duplicateName(obj); ok {
			res.Skipped = append(res.Skipped, Skip{Server: dup, Reason: fmt.Sprintf("server %q is defined twice in %s; fix the file first", dup, strings.Join(mp, "."))})
			continue
		}
		for i := range obj.Members {
			mem := &obj.Members[i]
			name, _ := litString(&mem.Name)
			if o.Only != "" && name != o.Only {
				continue
			}
			ent := &mem.Value
			eo, ok := ent.Value.(*hujson.Object)
			if !ok || !looksLikeServer(eo) {
				continue
			}
			orig := string(data[ent.StartOffset:ent.EndOffset])
			w, skip := wrapEntry(name, eo, o)
			if skip != nil {
				res.Skipped = append(res.Skipped, *skip)
				continue
			}
			if w.note != "" {
				res.Notes = append(res.Notes, w.note)
			}
			res.Secrets = append(res.Secrets, w.secrets...)
			trimmed := *ent
			trimmed.BeforeExtra, trimmed.AfterExtra = nil, nil
			wrapped := string(trimmed.Pack())
			edits = append(edits, splice{ent.StartOffset, ent.EndOffset, []byte(wrapped)})
			res.Records = append(res.Records, Record{Server: name, Path: append(append([]string{}, mp...), name), Original: orig, Wrapped: wrapped, Env: w.env})
		}
	}
	out, err := apply(data, edits)
	if err != nil {
		return Result{}, err
	}
	if err := verifyJSON(root.IsStandard(), out, res.Records, res.Secrets); err != nil {
		return Result{}, err
	}
	res.Data = out
	return res, nil
}

// verifyJSON re-parses the result: it must still parse (as strict JSON when
// the input was), each wrapped entry must still be there, and no secret
// may appear in a command or its arguments.
func verifyJSON(standard bool, out []byte, recs []Record, secrets []string) error {
	v, err := hujson.Parse(out)
	if err != nil {
		return fmt.Errorf("internal error: the wrapped file does not parse (%v); nothing was written", err)
	}
	if standard && !v.IsStandard() {
		return fmt.Errorf("internal error: the wrapped file is no longer plain JSON; nothing was written")
	}
	for _, r := range recs {
		e := find(&v, r.Path)
		if e == nil || string(e.Pack()) == "" {
			return fmt.Errorf("internal error: entry %q lost while wrapping; nothing was written", r.Server)
		}
		if eo := objOf(e); eo != nil && len(secrets) > 0 {
			if leaks(commandLine(eo), secrets) {
				return fmt.Errorf("internal error: a credential would end up on the command line of %q; nothing was written", r.Server)
			}
		}
	}
	return nil
}

// newJSONLocator returns a function giving the byte range of the value at
// a member-name path.
func newJSONLocator(data []byte) (func([]string) (int, int, error), error) {
	root, err := hujson.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("not valid JSON or JSONC: %w", err)
	}
	return func(p []string) (int, int, error) {
		v := find(&root, p)
		if v == nil {
			return 0, 0, fmt.Errorf("the entry is no longer in the file")
		}
		return v.StartOffset, v.EndOffset, nil
	}, nil
}

// find follows member names from v; nil when absent.
func find(v *hujson.Value, p []string) *hujson.Value {
	for _, name := range p {
		obj, ok := v.Value.(*hujson.Object)
		if !ok {
			return nil
		}
		i := memberIndex(obj, name)
		if i < 0 {
			return nil
		}
		v = &obj.Members[i].Value
	}
	return v
}

// dupAlong reports a member name of p that appears twice in its object.
func dupAlong(v *hujson.Value, p []string) (string, bool) {
	for _, name := range p {
		obj := objOf(v)
		if obj == nil {
			return "", false
		}
		n := 0
		for i := range obj.Members {
			if s, ok := litString(&obj.Members[i].Name); ok && s == name {
				n++
			}
		}
		if n > 1 {
			return name, true
		}
		v = &obj.Members[memberIndex(obj, name)].Value
	}
	return "", false
}

// expandPaths replaces "*" with every member name at that level.
func expandPaths(root *hujson.Value, paths [][]string) [][]string {
	var out [][]string
	for _, p := range paths {
		star := -1
		for i, s := range p {
			if s == "*" {
				star = i
			}
		}
		if star < 0 {
			out = append(out, p)
			continue
		}
		parent := objOf(find(root, p[:star]))
		if parent == nil {
			continue
		}
		for _, m := range parent.Members {
			name, _ := litString(&m.Name)
			q := append(append(append([]string{}, p[:star]...), name), p[star+1:]...)
			out = append(out, q)
		}
	}
	return out
}

// memberIndex returns the index of the first member called name, or -1.
// Names written without escapes are compared as bytes (large files such
// as ~/.claude.json have thousands of members).
func memberIndex(obj *hujson.Object, name string) int {
	q := quote(name)
	for i := range obj.Members {
		lit, ok := obj.Members[i].Name.Value.(hujson.Literal)
		if !ok {
			continue
		}
		if bytes.Equal(lit, q) {
			return i
		}
		if bytes.IndexByte(lit, '\\') >= 0 {
			if n, ok := litString(&obj.Members[i].Name); ok && n == name {
				return i
			}
		}
	}
	return -1
}

// duplicateName returns a member name that appears twice.
func duplicateName(obj *hujson.Object) (string, bool) {
	seen := map[string]bool{}
	for i := range obj.Members {
		n, _ := litString(&obj.Members[i].Name)
		if seen[n] {
			return n, true
		}
		seen[n] = true
	}
	return "", false
}

// litString decodes a string literal.
func litString(v *hujson.Value) (string, bool) {
	if v == nil {
		return "", false
	}
	lit, ok := v.Value.(hujson.Literal)
	if !ok || lit.Kind() != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(lit, &s) != nil {
		return "", false
	}
	return s, true
}

// strArray decodes an array of strings.
func strArray(v *hujson.Value) ([]string, bool) {
	arr, ok := v.Value.(*hujson.Array)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(arr.Elements))
	for i := range arr.Elements {
		s, ok := litString(&arr.Elements[i])
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// looksLikeServer reports whether an object is a server entry.
func looksLikeServer(obj *hujson.Object) bool {
	for _, k := range []string{"command", "url", "serverUrl", "httpUrl"} {
		if memberIndex(obj, k) >= 0 {
			return true
		}
	}
	return false
}

// objOf returns v's object, or nil.
func objOf(v *hujson.Value) *hujson.Object {
	if v == nil {
		return nil
	}
	o, _ := v.Value.(*hujson.Object)
	return o
}

// commandLine is an entry's command followed by its args, as far as they
// are plain strings.
func commandLine(eo *hujson.Object) []string {
	var argv []string
	for _, k := range []string{"command", "args"} {
		if i := memberIndex(eo, k); i >= 0 {
			if s, ok := litString(&eo.Members[i].Value); ok {
				argv = append(argv, s)
			} else if l, ok := strArray(&eo.Members[i].Value); ok {
				argv = append(argv, l...)
			}
		}
	}
	return argv
}
