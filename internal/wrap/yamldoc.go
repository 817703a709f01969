package wrap

import (
	"errors"
	"fmt"
	"io"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Continue keeps servers in YAML: a block list under mcpServers, each item
// a mapping with a name (config.yaml and .continue/mcpServers/*.yaml), or
// a block mapping name → server. Re-encoding a yaml.v3 node tree would
// reflow the whole file and move comments, so the YAML transform is
// textual, like the TOML one: an entry is a range of whole lines (from its
// first key to the line before the next entry, without trailing blank and
// comment lines), only the lines of the keys that change are rewritten,
// and the result is parsed again and must mean exactly what was intended.
// Flow style, anchors and aliases, several documents and duplicate keys
// are refused.

// yamlEntry is one server of a YAML document.
type yamlEntry struct {
	name        string
	node        *yaml.Node // the server's mapping
	first, last int        // 1-based, inclusive line numbers
}

// yamlDoc is a parsed YAML configuration.
type yamlDoc struct {
	lines   []string // with their line endings
	offs    []int    // byte offset of each line; one more at the end
	entries []yamlEntry
	// skipped are entries that cannot be edited, and why.
	skipped []Skip
}

func parseYAMLDoc(data []byte) (*yamlDoc, error) {
	root, err := decodeYAML(data)
	if err != nil {
		return nil, err
	}
	d := &yamlDoc{lines: strings.SplitAfter(string(data), "\n")}
	off := 0
	for _, l := range d.lines {
		d.offs = append(d.offs, off)
		off += len(l)
	}
	d.offs = append(d.offs, off)
	if root == nil || root.Kind != yaml.MappingNode {
		return d, nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "mcpServers" {
			continue
		}
		end := len(d.lines)
		if i+2 < len(root.Content) {
			end = root.Content[i+2].Line - 1
		}
		d.collect(root.Content[i+1], end)
	}
	return d, nil
}

// decodeYAML parses one document strictly: duplicate keys, anchors,
// aliases and further documents are refused.
func decodeYAML(data []byte) (*yaml.Node, error) {
	var strict any
	if err := yaml.Unmarshal(data, &strict); err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("the file holds several YAML documents; moat only edits files with one")
	}
	if n := findAnchor(&doc, 0); n != nil {
		return nil, fmt.Errorf("line %d: YAML anchors and aliases are not accepted in client configurations moat edits", n.Line)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

func findAnchor(n *yaml.Node, depth int) *yaml.Node {
	if n.Kind == yaml.AliasNode || n.Anchor != "" || depth > 100 {
		return n
	}
	for _, c := range n.Content {
		if a := findAnchor(c, depth+1); a != nil {
			return a
		}
	}
	return nil
}

// collect finds the entries of the mcpServers value; end is the last line
// that can belong to it.
func (d *yamlDoc) collect(v *yaml.Node, end int) {
	if v.Style&yaml.FlowStyle != 0 {
		d.skipped = append(d.skipped, Skip{Server: "mcpServers", Reason: "mcpServers is written in flow style ([…] or {…}); moat only edits block-style YAML, so it left the file alone"})
		return
	}
	type cand struct {
		name  string
		node  *yaml.Node
		first int
		dash  bool
	}
	var cs []cand
	switch v.Kind {
	case yaml.SequenceNode:
		for i, it := range v.Content {
			name := fmt.Sprintf("#%d", i+1)
			if it.Kind == yaml.MappingNode {
				if n := mapValue(it, "name"); n != nil && n.Kind == yaml.ScalarNode && n.Value != "" {
					name = n.Value
				}
			}
			cs = append(cs, cand{name, it, it.Line, true})
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(v.Content); i += 2 {
			cs = append(cs, cand{v.Content[i].Value, v.Content[i+1], v.Content[i+1].Line, false})
		}
	default:
		return
	}
	count := map[string]int{}
	for _, c := range cs {
		count[c.name]++
	}
	for i, c := range cs {
		last := end
		if i+1 < len(cs) {
			last = cs[i+1].first - 1
			if !cs[i+1].dash { // a map entry starts at its key's line
				last = keyLineBefore(v, i+1) - 1
			}
		}
		last = d.trimTail(c.first, last)
		switch {
		case count[c.name] > 1 || count[c.name] < 0:
			if count[c.name] < 0 {
				continue // reported
			}
			count[c.name] = -1
			d.skipped = append(d.skipped, Skip{Server: c.name, Reason: fmt.Sprintf("server %q is defined twice; fix the file first", c.name)})
		case c.node.Kind != yaml.MappingNode || c.node.Style&yaml.FlowStyle != 0:
			d.skipped = append(d.skipped, Skip{Server: c.name, Reason: "the entry is not a block-style mapping; moat only edits block-style YAML"})
		case strings.HasPrefix(c.name, "#"):
			d.skipped = append(d.skipped, Skip{Server: c.name, Reason: "the entry has no name; give it one first"})
		case !d.startsEntry(c.node, c.dash):
			d.skipped = append(d.skipped, Skip{Server: c.name, Reason: "the entry's layout is unusual (its first key is not on the line of its dash, or a map entry's value is on its key's line); moat left it alone"})
		default:
			d.entries = append(d.entries, yamlEntry{c.name, c.node, c.first, last})
		}
	}
}

// keyLineBefore is the line of the key of the i-th pair of a mapping.
func keyLineBefore(m *yaml.Node, i int) int { return m.Content[2*i].Line }

// startsEntry checks the first line of an entry: only "- " (a list item)
// or only blanks (a map value on the line after its key) before the first
// key.
func (d *yamlDoc) startsEntry(n *yaml.Node, dash bool) bool {
	if n.Line < 1 || n.Line > len(d.lines) || len(n.Content) == 0 {
		return false
	}
	head, ok := d.prefix(n.Content[0])
	if !ok {
		return false
	}
	t := strings.TrimLeft(head, " ")
	if dash {
		return strings.HasPrefix(t, "-") && strings.TrimLeft(t[1:], " ") == "" && len(t) > 1
	}
	return t == ""
}

// prefix is the text of n's line before n.
func (d *yamlDoc) prefix(n *yaml.Node) (string, bool) {
	if n.Line < 1 || n.Line > len(d.lines) {
		return "", false
	}
	l := d.lines[n.Line-1]
	if n.Column < 1 || n.Column-1 > len(l) {
		return "", false
	}
	head := l[:n.Column-1]
	for _, r := range head {
		if r != ' ' && r != '-' {
			return "", false
		}
	}
	return head, true
}

// trimTail moves last up past blank lines, comment lines and document
// markers (they stay outside the entry).
func (d *yamlDoc) trimTail(first, last int) int {
	last = min(last, len(d.lines))
	for last > first {
		t := strings.TrimSpace(d.lines[last-1])
		if t != "" && !strings.HasPrefix(t, "#") && t != "..." && t != "---" {
			break
		}
		last--
	}
	return last
}

// find returns the entry at path ["mcpServers", name].
func (d *yamlDoc) find(p []string) (yamlEntry, bool) {
	if len(p) != 2 || p[0] != "mcpServers" {
		return yamlEntry{}, false
	}
	for _, e := range d.entries {
		if e.name == p[1] {
			return e, true
		}
	}
	return yamlEntry{}, false
}

// locate gives the byte range of the entry at a path.
func (d *yamlDoc) locate(p []string) (int, int, error) {
	e, ok := d.find(p)
	if !ok {
		return 0, 0, fmt.Errorf("the entry is no longer in the file (or moat can no longer edit it)")
	}
	return d.offs[e.first-1], d.offs[e.last], nil
}

// mapValue returns the value of key k in a mapping node, or nil.
func mapValue(m *yaml.Node, k string) *yaml.Node {
	if i := mapIndex(m, k); i >= 0 {
		return m.Content[i+1]
	}
	return nil
}

// mapIndex returns the index of key k in m.Content, or -1.
func mapIndex(m *yaml.Node, k string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Kind == yaml.ScalarNode && m.Content[i].Value == k {
			return i
		}
	}
	return -1
}
