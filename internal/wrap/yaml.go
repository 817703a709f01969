package wrap

import (
	"fmt"
	"reflect"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

func wrapYAML(data []byte, o Options) (Result, error) {
	d, err := parseYAMLDoc(data)
	if err != nil {
		return Result{}, err
	}
	res := Result{}
	for _, s := range d.skipped {
		if o.Only == "" || s.Server == o.Only {
			res.Skipped = append(res.Skipped, s)
		}
	}
	// Every entry is edited against the original lines and checked once;
	// if that check fails, entries are wrapped one at a time so that only
	// the one at fault is skipped.
	all, edits, changes := res, []splice{}, []yamlEdit{}
	for _, e := range d.entries {
		if o.Only != "" && e.name != o.Only {
			continue
		}
		ye, skip := editYAMLEntry(d, data, e, o)
		if skip != nil {
			all.Skipped = append(all.Skipped, *skip)
			continue
		}
		edits = append(edits, ye.splice)
		changes = append(changes, ye)
		all.add(ye)
	}
	out, err := apply(data, edits)
	if err == nil && verifyYAML(data, out, changes) == nil {
		all.Data = out
		return all, nil
	}
	return wrapYAMLEach(data, d, res, o)
}

// add records a wrapped entry in the result.
func (r *Result) add(ye yamlEdit) {
	r.Records = append(r.Records, ye.rec)
	r.Secrets = append(r.Secrets, ye.w.secrets...)
	if ye.w.note != "" {
		r.Notes = append(r.Notes, ye.w.note)
	}
}

// wrapYAMLEach wraps the entries one after the other, parsing and checking
// the document after each.
func wrapYAMLEach(data []byte, d *yamlDoc, res Result, o Options) (Result, error) {
	cur := data
	for _, e0 := range d.entries {
		if o.Only != "" && e0.name != o.Only {
			continue
		}
		// Line numbers move as entries change: parse the current text again.
		cd, err := parseYAMLDoc(cur)
		if err != nil {
			return Result{}, fmt.Errorf("internal error: the wrapped file does not parse (%v); nothing was written", err)
		}
		e, ok := cd.find([]string{"mcpServers", e0.name})
		if !ok {
			return Result{}, fmt.Errorf("internal error: entry %q lost while wrapping; nothing was written", e0.name)
		}
		ye, skip := editYAMLEntry(cd, cur, e, o)
		if skip != nil {
			res.Skipped = append(res.Skipped, *skip)
			continue
		}
		next, _ := apply(cur, []splice{ye.splice})
		if err := verifyYAML(cur, next, []yamlEdit{ye}); err != nil {
			res.Skipped = append(res.Skipped, *skipf(e.name, "%v; moat left it alone rather than risk the file", err))
			continue
		}
		cur = next
		res.add(ye)
	}
	res.Data = cur
	return res, nil
}

// yamlChange is the intended new meaning of one entry.
type yamlChange struct {
	set    map[string]any
	remove []string
}

// yamlEdit is one wrapped entry: the splice, its record, and what it means.
type yamlEdit struct {
	splice splice
	rec    Record
	w      wrapped
	ch     yamlChange
	argv   []string
}

// editYAMLEntry rewrites one entry's lines.
func editYAMLEntry(d *yamlDoc, data []byte, e yamlEntry, o Options) (yamlEdit, *Skip) {
	ed := &yamlEditor{d: d, e: e, repl: map[int]string{}, drop: map[int]bool{}}
	var (
		w   wrapped
		ch  yamlChange
		skp *Skip
	)
	if mapIndex(e.node, "command") >= 0 {
		ch, skp = ed.local(o)
	} else {
		ch, w, skp = ed.remote(o)
	}
	if skp != nil {
		return yamlEdit{}, skp
	}
	text := ed.text()
	start, end := d.offs[e.first-1], d.offs[e.last]
	argv := []string{o.Moat}
	if a, ok := ch.set["args"].([]any); ok {
		for _, s := range a {
			argv = append(argv, s.(string))
		}
	}
	if leaks(argv, w.secrets) {
		return yamlEdit{}, skipf(e.name, "internal error: a credential would end up on the command line; moat left it alone")
	}
	rec := Record{Server: e.name, Path: []string{"mcpServers", e.name}, Original: string(data[start:end]), Wrapped: text, Env: w.env}
	return yamlEdit{splice{start, end, []byte(text)}, rec, w, ch, argv}, nil
}

// verifyYAML parses the result: it must mean the input with exactly the
// intended changes, and each entry must be found again exactly where moat
// wrote it (so that unwrap can find it).
func verifyYAML(in, out []byte, edits []yamlEdit) error {
	var want, got any
	if err := yaml.Unmarshal(in, &want); err != nil {
		return err
	}
	if err := yaml.Unmarshal(out, &got); err != nil {
		return fmt.Errorf("the edited file does not parse")
	}
	for _, ye := range edits {
		srv := yamlServer(want, ye.rec.Server)
		if srv == nil {
			return fmt.Errorf("the entry is not where moat expected it")
		}
		for _, k := range ye.ch.remove {
			delete(srv, k)
		}
		for k, v := range ye.ch.set {
			srv[k] = v
		}
	}
	if !reflect.DeepEqual(want, got) {
		return fmt.Errorf("the edited file would not mean what was intended")
	}
	d, err := parseYAMLDoc(out)
	if err != nil {
		return fmt.Errorf("the edited file does not parse")
	}
	for _, ye := range edits {
		start, end, err := d.locate(ye.rec.Path)
		if err != nil || string(out[start:end]) != ye.rec.Wrapped {
			return fmt.Errorf("moat would not find the wrapped entry again to unwrap it")
		}
	}
	return nil
}

// yamlServer finds a server in a decoded document by name.
func yamlServer(doc any, name string) map[string]any {
	root, _ := doc.(map[string]any)
	switch s := root["mcpServers"].(type) {
	case []any:
		for _, it := range s {
			if m, ok := it.(map[string]any); ok && m["name"] == name {
				return m
			}
		}
	case map[string]any:
		m, _ := s[name].(map[string]any)
		return m
	}
	return nil
}

// yamlEditor edits the lines of one entry.
type yamlEditor struct {
	d *yamlDoc
	e yamlEntry
	// repl replaces a line (absolute, 1-based) with text ending in a line
	// break; ins adds text before a line; drop removes a line.
	repl map[int]string
	ins  map[int]string
	drop map[int]bool
}

func (ed *yamlEditor) text() string {
	var b strings.Builder
	for l := ed.e.first; l <= ed.e.last; l++ {
		b.WriteString(ed.ins[l])
		switch r, ok := ed.repl[l]; {
		case ok:
			b.WriteString(r)
		case ed.drop[l]:
		default:
			b.WriteString(ed.d.lines[l-1])
		}
	}
	return b.String()
}

// extent is the lines of the i-th key/value of the entry: from the key's
// line to the line before the next key, without trailing blank or comment
// lines.
func (ed *yamlEditor) extent(i int) (int, int) {
	m := ed.e.node
	first := m.Content[i].Line
	last := ed.e.last
	if i+2 < len(m.Content) {
		last = m.Content[i+2].Line - 1
	}
	return first, ed.d.trimTail(first, last)
}

// lineOf returns the key's line number, the text before the key, the
// trailing comment (with the blanks before it) and the line ending, for a
// key whose scalar value is on the same single line.
func (ed *yamlEditor) lineOf(k string) (int, string, string, string, error) {
	i := mapIndex(ed.e.node, k)
	key, val := ed.e.node.Content[i], ed.e.node.Content[i+1]
	first, last := ed.extent(i)
	if first != last || val.Line != key.Line || val.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 || val.Kind != yaml.ScalarNode && val.Style&yaml.FlowStyle == 0 {
		return 0, "", "", "", fmt.Errorf("%s is not written on one line; moat only edits single-line %s values", k, k)
	}
	head, ok := ed.d.prefix(key)
	if !ok {
		return 0, "", "", "", fmt.Errorf("the layout of %s is unusual", k)
	}
	line := ed.d.lines[first-1]
	body := strings.TrimRight(line, "\r\n")
	nl := line[len(body):]
	if nl == "" {
		nl = eol([]byte(strings.Join(ed.d.lines, "")))
	}
	comment := ""
	for _, c := range []string{val.LineComment, key.LineComment} {
		if c != "" && strings.HasSuffix(strings.TrimRight(body, " \t"), c) {
			t := strings.TrimRight(body, " \t")
			start := len(strings.TrimRight(t[:len(t)-len(c)], " \t"))
			comment = body[start:]
			break
		}
	}
	return first, head, comment, nl, nil
}

// yq writes s as a YAML double-quoted scalar (JSON escapes are YAML's).
func yq(s string) string { return string(quote(s)) }

func yflow(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = yq(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// strScalar returns a string scalar's value.
func strScalar(n *yaml.Node) (string, bool) {
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return "", false
	}
	return n.Value, true
}

// strSeq returns a sequence of string scalars.
func strSeq(n *yaml.Node) ([]string, bool) {
	if n.Kind != yaml.SequenceNode {
		return nil, false
	}
	out := []string{}
	for _, c := range n.Content {
		s, ok := strScalar(c)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}
