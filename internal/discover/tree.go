package discover

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/tailscale/hujson"
	"go.yaml.in/yaml/v3"
)

// kind is the type of a node in the format-neutral tree.
type kind uint8

const (
	kNull kind = iota
	kBool
	kNum
	kStr
	kObj
	kArr
)

func (k kind) String() string {
	return [...]string{"null", "boolean", "number", "string", "object", "array"}[k]
}

// node is one value of a parsed JSON, JSONC, YAML or TOML document with the
// line it starts on, so every parser shares the entry logic below.
type node struct {
	kind  kind
	text  string   // scalar value as text
	keys  []string // object member names, in file order
	vals  []*node  // object member values
	lines []int    // object member key lines
	items []*node  // array elements
	line  int
	// dup names the first duplicated member name, if any.
	dup string
}

// get returns the member named key, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kObj {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// keyLine returns the line of member key, or the object's line.
func (n *node) keyLine(key string) int {
	for i, k := range n.keys {
		if k == key {
			return n.lines[i]
		}
	}
	return n.line
}

// str returns a scalar's text and whether n is a scalar.
func (n *node) str() (string, bool) {
	if n == nil || n.kind == kObj || n.kind == kArr || n.kind == kNull {
		return "", false
	}
	return n.text, true
}

// truthy reports whether n is boolean true (or the string "true").
func (n *node) truthy() bool {
	return n != nil && (n.kind == kBool || n.kind == kStr) && n.text == "true"
}

func (n *node) add(key string, line int, v *node) {
	for _, k := range n.keys {
		if k == key && n.dup == "" {
			n.dup = key
		}
	}
	n.keys = append(n.keys, key)
	n.lines = append(n.lines, line)
	n.vals = append(n.vals, v)
}

// maxDepth bounds nesting so hostile files cannot exhaust the stack.
const maxDepth = 64

var errDepth = fmt.Errorf("nesting deeper than %d levels", maxDepth)

// lineIndex maps byte offsets to 1-based lines.
type lineIndex []int

func newLineIndex(b []byte) lineIndex {
	idx := lineIndex{0}
	for i, c := range b {
		if c == '\n' {
			idx = append(idx, i+1)
		}
	}
	return idx
}

func (li lineIndex) line(off int) int {
	return sort.Search(len(li), func(i int) bool { return li[i] > off })
}

// parseJSON parses JSON with comments and trailing commas (JSONC).
func parseJSON(data []byte) (*node, error) {
	v, err := hujson.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	li := newLineIndex(data)
	return fromHuJSON(&v, li, 0)
}

func fromHuJSON(v *hujson.Value, li lineIndex, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, errDepth
	}
	n := &node{line: li.line(v.StartOffset)}
	switch t := v.Value.(type) {
	case *hujson.Object:
		n.kind = kObj
		for i := range t.Members {
			m := &t.Members[i]
			name, ok := m.Name.Value.(hujson.Literal)
			if !ok {
				return nil, fmt.Errorf("line %d: object key is not a string", li.line(m.Name.StartOffset))
			}
			c, err := fromHuJSON(&m.Value, li, depth+1)
			if err != nil {
				return nil, err
			}
			n.add(name.String(), li.line(m.Name.StartOffset), c)
		}
	case *hujson.Array:
		n.kind = kArr
		for i := range t.Elements {
			c, err := fromHuJSON(&t.Elements[i], li, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, c)
		}
	case hujson.Literal:
		switch t.Kind() {
		case 'n':
			n.kind = kNull
		case 't', 'f':
			n.kind, n.text = kBool, string(t)
		case '0':
			n.kind, n.text = kNum, string(t)
		default:
			n.kind, n.text = kStr, t.String()
		}
	}
	return n, nil
}

// parseYAML parses one YAML document. Duplicate keys are recorded (yaml.v3
// rejects them itself when decoding to Go values; on nodes we check).
func parseYAML(data []byte) (*node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	if doc.Kind == 0 {
		return &node{kind: kNull}, nil
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return fromYAML(doc.Content[0], 0)
	}
	return fromYAML(&doc, 0)
}

func fromYAML(y *yaml.Node, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, errDepth
	}
	n := &node{line: y.Line}
	switch y.Kind {
	case yaml.MappingNode:
		n.kind = kObj
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			c, err := fromYAML(v, depth+1)
			if err != nil {
				return nil, err
			}
			n.add(k.Value, k.Line, c)
		}
	case yaml.SequenceNode:
		n.kind = kArr
		for _, e := range y.Content {
			c, err := fromYAML(e, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, c)
		}
	case yaml.AliasNode:
		// Aliases can multiply a document; configs have no need for them.
		return nil, fmt.Errorf("line %d: YAML aliases are not accepted in client configs", y.Line)
	case yaml.ScalarNode:
		n.text = y.Value
		switch y.Tag {
		case "!!null":
			n.kind = kNull
		case "!!bool":
			n.kind, n.text = kBool, strings.ToLower(y.Value)
		case "!!int", "!!float":
			n.kind = kNum
		default:
			n.kind = kStr
		}
	default:
		n.kind = kNull
	}
	return n, nil
}

// parseTOML parses TOML. Lines come from table headers ([a.b]) found in the
// source, since go-toml does not expose positions of decoded values.
func parseTOML(data []byte) (*node, error) {
	var m map[string]any
	if err := toml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("invalid TOML: %w", err)
	}
	headers := tomlHeaders(data)
	return fromTOML(m, "", headers, 1, 0)
}

func fromTOML(v any, path string, headers map[string]int, line, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, errDepth
	}
	if l, ok := headers[path]; ok {
		line = l
	}
	n := &node{line: line}
	switch t := v.(type) {
	case map[string]any:
		n.kind = kObj
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "\x00" + k
			}
			c, err := fromTOML(t[k], p, headers, line, depth+1)
			if err != nil {
				return nil, err
			}
			n.add(k, c.line, c)
		}
	case []any:
		n.kind = kArr
		for _, e := range t {
			c, err := fromTOML(e, path, headers, line, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, c)
		}
	case string:
		n.kind, n.text = kStr, t
	case bool:
		n.kind, n.text = kBool, strconv.FormatBool(t)
	case int64:
		n.kind, n.text = kNum, strconv.FormatInt(t, 10)
	case float64:
		n.kind, n.text = kNum, strconv.FormatFloat(t, 'g', -1, 64)
	case nil:
		n.kind = kNull
	default:
		n.kind, n.text = kStr, fmt.Sprint(t)
	}
	return n, nil
}

// tomlHeaders maps each table header's key path (parts joined by NUL) to its
// line: `[mcp_servers.github]` and `[mcp_servers."my server"]`.
func tomlHeaders(data []byte) map[string]int {
	out := map[string]int{}
	for i, raw := range bytes.Split(data, []byte("\n")) {
		s := strings.TrimSpace(string(raw))
		if !strings.HasPrefix(s, "[") || strings.HasPrefix(s, "[[") {
			continue
		}
		end := strings.LastIndex(s, "]")
		if end < 0 {
			continue
		}
		parts := splitTOMLKey(s[1:end])
		if len(parts) == 0 {
			continue
		}
		p := strings.Join(parts, "\x00")
		if _, seen := out[p]; !seen {
			out[p] = i + 1
		}
	}
	return out
}

// splitTOMLKey splits a dotted TOML key, honouring quoted parts.
func splitTOMLKey(s string) []string {
	var parts []string
	var cur strings.Builder
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '.':
			parts = append(parts, strings.TrimSpace(cur.String()))
			cur.Reset()
		case c == ' ' || c == '\t':
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, strings.TrimSpace(cur.String()))
}
