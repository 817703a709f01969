package wrap

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// Codex keeps servers in [mcp_servers.NAME] tables. go-toml does not keep
// comments, so the TOML transform is textual: it finds the table's section
// (from its header to the next header), replaces only the lines of its
// command / args / url keys, and then parses the result to check that the
// server changed as intended and that nothing else in the document did.
// Servers defined as inline tables or with dotted keys are skipped.

func wrapTOML(data []byte, o Options) (Result, error) {
	doc, err := parseTOML(data)
	if err != nil {
		return Result{}, err
	}
	servers, _ := doc["mcp_servers"].(map[string]any)
	names := make([]string, 0, len(servers))
	for n := range servers {
		names = append(names, n)
	}
	sort.Strings(names)
	res := Result{}
	cur := data
	for _, name := range names {
		if o.Only != "" && name != o.Only {
			continue
		}
		spec, _ := servers[name].(map[string]any)
		next, rec, plan, skip := wrapTOMLServer(cur, name, spec, o)
		if skip != nil {
			res.Skipped = append(res.Skipped, *skip)
			continue
		}
		cur = next
		res.Records = append(res.Records, rec)
		res.Secrets = append(res.Secrets, plan.secrets...)
		if plan.note != "" {
			res.Notes = append(res.Notes, plan.note)
		}
	}
	res.Data = cur
	return res, nil
}

func parseTOML(data []byte) (map[string]any, error) {
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not valid TOML: %w", err)
	}
	return doc, nil
}

// tomlPlan is the new content of one server's table.
type tomlPlan struct {
	cmd  string
	args []string
	// env are the MOAT_HDR_* variables to add (name, literal value);
	// envVars the names of Codex's env_vars pass-through list.
	env     [][2]string
	envVars []string
	note    string
	secrets []string
}

// wrapTOMLServer rewrites one server's section of data and checks the result.
func wrapTOMLServer(data []byte, name string, spec map[string]any, o Options) ([]byte, Record, tomlPlan, *Skip) {
	var rec Record
	if spec == nil {
		return nil, rec, tomlPlan{}, skipf(name, "mcp_servers.%s is not a table", name)
	}
	plan, skip := tomlTarget(name, spec, o)
	if skip != nil {
		return nil, rec, plan, skip
	}
	p := []string{"mcp_servers", name}
	start, end, err := tomlSection(data, p)
	if err != nil {
		return nil, rec, plan, skipf(name, "%v; moat only edits servers written as a [mcp_servers.%s] table", err, name)
	}
	section := string(data[start:end])
	if spec["command"] == nil {
		for _, k := range []string{"http_headers", "env_http_headers"} {
			if _, h := spec[k]; h && !hasKeyLine(section, k) {
				return nil, rec, plan, skipf(name, "%s is written as its own table; moat only edits a `%s = { … }` line inside [mcp_servers.%s]", k, k, name)
			}
		}
	}
	wrapped, err := rewriteSection(section, plan, eol(data))
	if err != nil {
		return nil, rec, plan, skipf(name, "%v; moat left it alone rather than risk the file", err)
	}
	out, _ := apply(data, []splice{{start, end, []byte(wrapped)}})
	if err := verifyTOML(data, out, name, plan); err != nil {
		return nil, rec, plan, skipf(name, "%v; moat left it alone rather than risk the file", err)
	}
	rec = Record{Server: name, Path: p, Original: section, Wrapped: wrapped}
	for _, e := range plan.env {
		rec.Env = append(rec.Env, e[0])
	}
	return out, rec, plan, nil
}

// tomlTarget computes the new command and args of a server.
func tomlTarget(name string, spec map[string]any, o Options) (tomlPlan, *Skip) {
	cmd, hasCmd := spec["command"].(string)
	var args []string
	if a, ok := spec["args"]; ok {
		list, ok := a.([]any)
		if !ok {
			return tomlPlan{}, skipf(name, "args is not a list of strings")
		}
		for _, it := range list {
			s, ok := it.(string)
			if !ok {
				return tomlPlan{}, skipf(name, "args is not a list of strings")
			}
			args = append(args, s)
		}
	}
	if hasCmd {
		argv := append([]string{cmd}, args...)
		switch {
		case cmd == "":
			return tomlPlan{}, skipf(name, "command is empty")
		case IsMoat(argv):
			return tomlPlan{}, &Skip{Server: name, Already: true}
		case len(args) == 0 && strings.ContainsAny(cmd, " \t"):
			return tomlPlan{}, skipf(name, "command holds a whole command line and there is no args list; split it into command and args first")
		}
		return tomlPlan{cmd: o.Moat, args: stdioArgs(name, argv)}, nil
	}
	u, ok := spec["url"].(string)
	if !ok {
		return tomlPlan{}, skipf(name, "no command and no url string")
	}
	for _, k := range []string{"bearer_token", "oauth"} {
		if _, ok := spec[k]; ok {
			return tomlPlan{}, skipf(name, "%q: the client authenticates to this server itself, which moat run cannot do yet", k)
		}
	}
	if p := urlProblem(u); p != "" {
		return tomlPlan{}, skipf(name, "%s", p)
	}
	plan, skip := tomlRemote(name, u, spec)
	plan.cmd = o.Moat
	return plan, skip
}

// tomlRemote plans a remote Codex server: plain http_headers become
// --header, credential ones MOAT_HDR_* variables in env; env_http_headers
// and bearer_token_env_var name variables of Codex's own environment, which
// env_vars passes to moat run.
func tomlRemote(name, u string, spec map[string]any) (tomlPlan, *Skip) {
	hs, skip := tomlStrMap(name, spec, "http_headers")
	if skip != nil {
		return tomlPlan{}, skip
	}
	hp, problem := planHeaders(hs, clientEnvs["codex"], "codex")
	if problem != "" {
		return tomlPlan{}, skipf(name, "%s", problem)
	}
	plan := tomlPlan{secrets: hp.secrets}
	hdrArgs := hp.args
	for i, h := range hs {
		if v, ok := hp.envOf[i]; ok {
			plan.env = append(plan.env, [2]string{v, h.value})
		}
	}
	ehs, skip := tomlStrMap(name, spec, "env_http_headers")
	if skip != nil {
		return tomlPlan{}, skip
	}
	for _, h := range ehs {
		if !validHeaderName(h.name) || !validVarName(h.value) {
			return tomlPlan{}, skipf(name, "env_http_headers %q = %q is not a header name and an environment variable name", h.name, h.value)
		}
		hdrArgs = append(hdrArgs, "--header-env", h.name+"="+h.value)
		plan.envVars = append(plan.envVars, h.value)
	}
	if raw, ok := spec["bearer_token_env_var"]; ok {
		v, ok := raw.(string)
		if !ok || !validVarName(v) {
			return tomlPlan{}, skipf(name, "bearer_token_env_var is not an environment variable name")
		}
		hdrArgs = append(hdrArgs, "--bearer-env", v)
		plan.envVars = append(plan.envVars, v)
	}
	for _, k := range []string{"env", "env_vars"} {
		if _, ok := spec[k]; ok && (len(plan.env) > 0 || len(plan.envVars) > 0) {
			return tomlPlan{}, skipf(name, "the remote server already has %q, where moat would put its credential headers; remove it first", k)
		}
	}
	plan.envVars = dedupe(plan.envVars)
	plan.cmd, plan.args = "", remoteArgs(name, u, hdrArgs)
	if len(hs) == 0 && len(ehs) == 0 && spec["bearer_token_env_var"] == nil {
		plan.note = fmt.Sprintf(remoteNote, name, name)
	}
	return plan, nil
}

// tomlStrMap reads a table of strings (names sorted).
func tomlStrMap(name string, spec map[string]any, key string) ([]header, *Skip) {
	raw, ok := spec[key]
	if !ok {
		return nil, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, skipf(name, "%s is not a table", key)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []header
	for _, k := range keys {
		v, ok := m[k].(string)
		if !ok {
			return nil, skipf(name, "%s values must be strings", key)
		}
		out = append(out, header{k, v})
	}
	return out, nil
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// removedRemoteKeys are the lines of a remote server's table that wrapping
// drops: their content is now in moat run's arguments and environment.
var removedRemoteKeys = []string{"http_headers", "env_http_headers", "bearer_token_env_var"}

// rewriteSection replaces the command/args/url lines of one table section
// (and, for a remote server, drops its header lines and adds env and
// env_vars lines after args).
func rewriteSection(section string, plan tomlPlan, nl string) (string, error) {
	lines := strings.SplitAfter(section, "\n")
	type span struct{ from, to int }
	found := map[string]span{}
	for i := 1; i < len(lines); i++ {
		key := lineKey(lines[i])
		if key != "command" && key != "args" && key != "url" && !slices.Contains(removedRemoteKeys, key) {
			continue
		}
		if _, dup := found[key]; dup {
			return "", fmt.Errorf("key %q appears twice", key)
		}
		to, err := valueEnd(lines, i, key)
		if err != nil {
			return "", err
		}
		found[key] = span{i, to}
		i = to - 1
	}
	cmdLine := "command = " + tomlQuote(plan.cmd)
	argsLine := "args = " + tomlArray(plan.args)
	repl := map[int]string{}
	skipTo := map[int]int{}
	set := func(key, text string) {
		s := found[key]
		repl[s.from], skipTo[s.from] = text+trailingComment(lines[s.from:s.to], key)+nl, s.to
	}
	switch _, hasCmd := found["command"]; {
	case hasCmd:
		if _, ok := found["args"]; ok {
			set("command", cmdLine)
			set("args", argsLine)
		} else {
			set("command", cmdLine+nl+argsLine)
		}
	case found["url"] != span{}:
		set("url", cmdLine+nl+argsLine+envLines(plan, nl))
		for _, k := range removedRemoteKeys { // now in args and env
			if h, ok := found[k]; ok {
				repl[h.from], skipTo[h.from] = "", h.to
			}
		}
	default:
		return "", fmt.Errorf("could not find the command or url line")
	}
	var b strings.Builder
	b.WriteString(lines[0])
	for i := 1; i < len(lines); {
		if t, ok := repl[i]; ok {
			b.WriteString(t)
			i = skipTo[i]
			continue
		}
		b.WriteString(lines[i])
		i++
	}
	return b.String(), nil
}

// envLines are the env and env_vars lines of a wrapped remote server.
func envLines(plan tomlPlan, nl string) string {
	var b strings.Builder
	if len(plan.env) > 0 {
		b.WriteString(nl + "env = { ")
		for i, e := range plan.env {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(e[0] + " = " + tomlQuote(e[1]))
		}
		b.WriteString(" }")
	}
	if len(plan.envVars) > 0 {
		b.WriteString(nl + "env_vars = " + tomlArray(plan.envVars))
	}
	return b.String()
}

// trailingComment returns the comment (with the blanks before it) that
// ends the last line of a key/value, or "": the first '#' such that the
// text before it still parses as the same one key.
func trailingComment(lines []string, key string) string {
	last := strings.TrimRight(lines[len(lines)-1], "\r\n")
	head := strings.Join(lines[:len(lines)-1], "")
	for k := strings.IndexByte(last, '#'); k >= 0; {
		var m map[string]any
		if toml.Unmarshal([]byte(head+last[:k]+"\n"), &m) == nil && len(m) == 1 && m[key] != nil {
			start := len(strings.TrimRight(last[:k], " \t"))
			return last[start:]
		}
		next := strings.IndexByte(last[k+1:], '#')
		if next < 0 {
			break
		}
		k += 1 + next
	}
	return ""
}

// hasKeyLine reports whether a section assigns key on a line of its own.
func hasKeyLine(section, key string) bool {
	for _, l := range strings.Split(section, "\n")[1:] {
		if lineKey(l) == key {
			return true
		}
	}
	return false
}

// lineKey returns the bare key a "key = value" line assigns, or "".
func lineKey(line string) string {
	t := strings.TrimLeft(line, " \t")
	i := strings.IndexAny(t, " \t=")
	if i <= 0 {
		return ""
	}
	k := t[:i]
	rest := strings.TrimLeft(t[i:], " \t")
	if !strings.HasPrefix(rest, "=") {
		return ""
	}
	return k
}

// valueEnd returns the index after the last line of the key/value starting
// at line i: the fewest lines that parse on their own as that one key.
func valueEnd(lines []string, i int, key string) (int, error) {
	var b strings.Builder
	for j := i; j < len(lines) && j < i+10000; j++ {
		b.WriteString(lines[j])
		var m map[string]any
		if toml.Unmarshal([]byte(b.String()), &m) == nil && len(m) == 1 {
			if _, ok := m[key]; ok {
				return j + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("could not find where the value of %q ends", key)
}

// verifyTOML checks that out differs from in only in the server's
// command, args, url, header keys and the env / env_vars moat added, and
// that no credential is in the new command line.
func verifyTOML(in, out []byte, name string, plan tomlPlan) error {
	want, err := parseTOML(in)
	if err != nil {
		return err
	}
	got, err := parseTOML(out)
	if err != nil {
		return fmt.Errorf("the edited file does not parse")
	}
	srv := want["mcp_servers"].(map[string]any)[name].(map[string]any)
	if _, remote := srv["url"]; remote {
		for _, k := range removedRemoteKeys {
			delete(srv, k)
		}
	}
	delete(srv, "url")
	srv["command"] = plan.cmd
	srv["args"] = anyList(plan.args)
	if len(plan.env) > 0 {
		env := map[string]any{}
		for _, e := range plan.env {
			env[e[0]] = e[1]
		}
		srv["env"] = env
	}
	if len(plan.envVars) > 0 {
		srv["env_vars"] = anyList(plan.envVars)
	}
	if !reflect.DeepEqual(want, got) {
		return fmt.Errorf("the edited file would not mean what was intended")
	}
	if leaks(append([]string{plan.cmd}, plan.args...), plan.secrets) {
		return fmt.Errorf("internal error: a credential would end up on the command line")
	}
	return nil
}

func anyList(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// tomlSection returns the byte range of the section of the table at path
// p: from its [header] line to the next header line.
func tomlSection(data []byte, p []string) (int, int, error) {
	start, off := -1, 0
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		t := bytes.TrimLeft(line, " \t")
		if len(t) > 0 && t[0] == '[' {
			if start >= 0 {
				return start, off, nil
			}
			if hp, ok := headerPath(t); ok && reflect.DeepEqual(hp, p) {
				start = off
			}
		}
		off += len(line)
	}
	if start >= 0 {
		return start, len(data), nil
	}
	return 0, 0, fmt.Errorf("no [%s] table header", strings.Join(p, "."))
}

// headerPath parses a [table] header line into its key path.
func headerPath(line []byte) ([]string, bool) {
	if bytes.HasPrefix(line, []byte("[[")) {
		return nil, false
	}
	var m map[string]any
	if toml.Unmarshal(line, &m) != nil {
		return nil, false
	}
	var p []string
	for len(m) == 1 {
		for k, v := range m {
			p = append(p, k)
			m, _ = v.(map[string]any)
		}
	}
	if len(m) != 0 || len(p) == 0 {
		return nil, false
	}
	return p, true
}

// tomlQuote writes s as a TOML basic string.
func tomlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\u` + fmt.Sprintf("%04X", r))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func tomlArray(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = tomlQuote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func eol(data []byte) string {
	if bytes.Contains(data, []byte("\r\n")) {
		return "\r\n"
	}
	return "\n"
}
