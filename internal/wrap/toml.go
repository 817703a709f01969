package wrap

import (
	"bytes"
	"fmt"
	"reflect"
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
		next, rec, note, skip := wrapTOMLServer(cur, name, spec, o)
		if skip != nil {
			res.Skipped = append(res.Skipped, *skip)
			continue
		}
		cur = next
		res.Records = append(res.Records, rec)
		if note != "" {
			res.Notes = append(res.Notes, note)
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

// wrapTOMLServer rewrites one server's section of data and checks the result.
func wrapTOMLServer(data []byte, name string, spec map[string]any, o Options) ([]byte, Record, string, *Skip) {
	var rec Record
	if spec == nil {
		return nil, rec, "", skipf(name, "mcp_servers.%s is not a table", name)
	}
	newCmd, newArgs, note, skip := tomlTarget(name, spec, o)
	if skip != nil {
		return nil, rec, "", skip
	}
	p := []string{"mcp_servers", name}
	start, end, err := tomlSection(data, p)
	if err != nil {
		return nil, rec, "", skipf(name, "%v; moat only edits servers written as a [mcp_servers.%s] table", err, name)
	}
	section := string(data[start:end])
	if _, h := spec["http_headers"]; h && spec["command"] == nil && !hasKeyLine(section, "http_headers") {
		return nil, rec, "", skipf(name, "http_headers is written as its own table; moat only edits an http_headers = { … } line inside [mcp_servers.%s]", name)
	}
	wrapped, err := rewriteSection(section, newCmd, newArgs, eol(data))
	if err != nil {
		return nil, rec, "", skipf(name, "%v; moat left it alone rather than risk the file", err)
	}
	out, _ := apply(data, []splice{{start, end, []byte(wrapped)}})
	if err := verifyTOML(data, out, name, newCmd, newArgs); err != nil {
		return nil, rec, "", skipf(name, "%v; moat left it alone rather than risk the file", err)
	}
	return out, Record{Server: name, Path: p, Original: section, Wrapped: wrapped}, note, nil
}

// tomlTarget computes the new command and args of a server.
func tomlTarget(name string, spec map[string]any, o Options) (string, []string, string, *Skip) {
	cmd, hasCmd := spec["command"].(string)
	var args []string
	if a, ok := spec["args"]; ok {
		list, ok := a.([]any)
		if !ok {
			return "", nil, "", skipf(name, "args is not a list of strings")
		}
		for _, it := range list {
			s, ok := it.(string)
			if !ok {
				return "", nil, "", skipf(name, "args is not a list of strings")
			}
			args = append(args, s)
		}
	}
	if hasCmd {
		argv := append([]string{cmd}, args...)
		switch {
		case cmd == "":
			return "", nil, "", skipf(name, "command is empty")
		case IsMoat(argv):
			return "", nil, "", &Skip{Server: name, Already: true}
		case len(args) == 0 && strings.ContainsAny(cmd, " \t"):
			return "", nil, "", skipf(name, "command holds a whole command line and there is no args list; split it into command and args first")
		}
		return o.Moat, stdioArgs(name, argv), "", nil
	}
	u, ok := spec["url"].(string)
	if !ok {
		return "", nil, "", skipf(name, "no command and no url string")
	}
	for _, k := range []string{"bearer_token_env_var", "bearer_token", "env_http_headers", "oauth"} {
		if _, ok := spec[k]; ok {
			return "", nil, "", skipf(name, "%q: moat run cannot take a header from the environment yet and moat never puts credentials on a command line, so this server is left as it is", k)
		}
	}
	if p := urlProblem(u); p != "" {
		return "", nil, "", skipf(name, "%s", p)
	}
	hdrs, skip := tomlHeaders(name, spec)
	if skip != nil {
		return "", nil, "", skip
	}
	note := ""
	if len(hdrs) == 0 {
		note = fmt.Sprintf(remoteNote, name, name)
	}
	return o.Moat, remoteArgs(name, u, hdrs), note, nil
}

// tomlHeaders reads Codex's http_headers (names sorted) and refuses any
// that must not go on a command line.
func tomlHeaders(name string, spec map[string]any) ([][2]string, *Skip) {
	raw, ok := spec["http_headers"]
	if !ok {
		return nil, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, skipf(name, "http_headers is not a table")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out [][2]string
	for _, k := range keys {
		v, ok := m[k].(string)
		if !ok {
			return nil, skipf(name, "header values must be strings")
		}
		if p := headerProblem(k, v); p != "" {
			return nil, skipf(name, "%s; moat run cannot read a header value from the environment yet and moat never puts credentials on a command line, so this server is left as it is", p)
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

// rewriteSection replaces the command/args/url lines of one table section.
func rewriteSection(section, cmd string, args []string, nl string) (string, error) {
	lines := strings.SplitAfter(section, "\n")
	type span struct{ from, to int }
	found := map[string]span{}
	for i := 1; i < len(lines); i++ {
		key := lineKey(lines[i])
		if key != "command" && key != "args" && key != "url" && key != "http_headers" {
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
	cmdLine := "command = " + tomlQuote(cmd)
	argsLine := "args = " + tomlArray(args)
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
		set("url", cmdLine+nl+argsLine)
		if h, ok := found["http_headers"]; ok { // now on the command line
			repl[h.from], skipTo[h.from] = "", h.to
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

// verifyTOML checks that out differs from in only in the server's command,
// args and url.
func verifyTOML(in, out []byte, name, cmd string, args []string) error {
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
		delete(srv, "http_headers")
	}
	delete(srv, "url")
	srv["command"] = cmd
	list := make([]any, len(args))
	for i, a := range args {
		list[i] = a
	}
	srv["args"] = list
	if !reflect.DeepEqual(want, got) {
		return fmt.Errorf("the edited file would not mean what was intended")
	}
	return nil
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
