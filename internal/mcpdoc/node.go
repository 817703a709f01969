// Package mcpdoc classifies one decoded MCP JSON document (a JSON-RPC
// message, a batch, or a bare result such as a tools/list result) and walks
// it into detect.Targets: every model-visible string with its context
// (definition, output, input), what it belongs to (tool, prompt, resource,
// server, output, request) and its exact JSON path.
//
// Decoding is strict: duplicate object keys, invalid UTF-8 and trailing data
// are errors, numbers are kept as their raw text, and nesting depth and the
// number of strings are capped. The package is pure: no I/O.
package mcpdoc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Kind is the JSON type of a Node.
type Kind uint8

// Kinds.
const (
	Null Kind = iota
	Bool
	Number
	String
	Object
	Array
)

// Node is one decoded JSON value. Object members keep their document order.
type Node struct {
	Kind Kind
	// Str is the value of a String, the raw text of a Number ("12345678901234567890"
	// stays exact) and "true"/"false" for a Bool.
	Str string
	// Line is the 1-based line the value starts on, 0 when unknown.
	Line    int
	Members []Member // Object
	Items   []Node   // Array
}

// Member is one object member.
type Member struct {
	Key     string
	KeyLine int
	Value   Node
}

// Get returns the value of key in an object, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Object {
		return nil
	}
	for i := range n.Members {
		if n.Members[i].Key == key {
			return &n.Members[i].Value
		}
	}
	return nil
}

// GetString returns the string value of key, or "" when absent or not a string.
func (n *Node) GetString(key string) string {
	if v := n.Get(key); v != nil && v.Kind == String {
		return v.Str
	}
	return ""
}

// Limits bound decoding and walking. Zero fields take the defaults.
type Limits struct {
	MaxDepth   int // nesting depth of objects and arrays (default 64)
	MaxStrings int // strings and object keys in one document (default 100 000)
	// MaxValues bounds all values (objects, arrays, scalars) in one document
	// (default 1 000 000), so a document of small numbers cannot expand
	// into a tree many times its size.
	MaxValues int
	// MaxBlob is how many decoded bytes of a base64 blob with a textual MIME
	// type are inspected (default 1 MiB).
	MaxBlob int
}

// Default limits.
const (
	DefaultMaxDepth   = 64
	DefaultMaxStrings = 100_000
	DefaultMaxValues  = 1_000_000
	DefaultMaxBlob    = 1 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxStrings <= 0 {
		l.MaxStrings = DefaultMaxStrings
	}
	if l.MaxValues <= 0 {
		l.MaxValues = DefaultMaxValues
	}
	if l.MaxBlob <= 0 {
		l.MaxBlob = DefaultMaxBlob
	}
	return l
}

// ErrLimit is wrapped by errors for documents nested too deeply or holding
// too many strings.
var ErrLimit = errors.New("document exceeds a limit")

// SyntaxError is invalid or non-strict JSON input.
type SyntaxError struct {
	Offset int64  // byte offset in the document
	Line   int    // 1-based line, counted from the start line passed to Decode
	Msg    string // what is wrong, e.g. `duplicate key "name" at /tools/0`
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Decode strictly decodes one JSON document. startLine is the line the
// document starts on in its file (1 for a whole file); node lines are
// counted from it.
func Decode(raw []byte, startLine int, lim Limits) (Node, error) {
	lim = lim.withDefaults()
	if startLine <= 0 {
		startLine = 1
	}
	d := decoder{raw: raw, line: startLine, lim: lim}
	d.dec = jsontext.NewDecoder(bytes.NewBuffer(raw))
	n, err := d.value(0)
	if err != nil {
		return Node{}, err
	}
	if _, err := d.dec.ReadToken(); err != io.EOF {
		if err == nil {
			return Node{}, d.syntax(d.dec.InputOffset(), "unexpected data after the JSON document; use JSON Lines (one document per line) for several documents")
		}
		return Node{}, d.wrap(err)
	}
	return n, nil
}

type decoder struct {
	dec     *jsontext.Decoder
	raw     []byte
	lim     Limits
	strings int
	values  int
	// scratch stacks for object members and array items being decoded
	members []Member
	items   []Node
	// line is the line at byte offset off.
	line int
	off  int64
}

// lineAt returns the line of byte offset o; offsets only move forward.
func (d *decoder) lineAt(o int64) int {
	if o > int64(len(d.raw)) {
		o = int64(len(d.raw))
	}
	if o > d.off {
		d.line += bytes.Count(d.raw[d.off:o], []byte{'\n'})
		d.off = o
	}
	return d.line
}

// tokenLine is the line of the token just read. InputOffset is the token's
// end; a token never spans lines (strings cannot hold raw newlines).
func (d *decoder) tokenLine() int { return d.lineAt(d.dec.InputOffset()) }

func (d *decoder) value(depth int) (Node, error) {
	tok, err := d.dec.ReadToken()
	if err != nil {
		return Node{}, d.wrap(err)
	}
	line := d.tokenLine()
	if d.values++; d.values > d.lim.MaxValues {
		return Node{}, fmt.Errorf("%w: more than %d values at %s", ErrLimit, d.lim.MaxValues, pointer(d.dec))
	}
	switch k := tok.Kind(); k {
	case 'n':
		return Node{Kind: Null, Line: line}, nil
	case 't', 'f':
		return Node{Kind: Bool, Str: tok.String(), Line: line}, nil
	case '0':
		return Node{Kind: Number, Str: tok.String(), Line: line}, nil
	case '"':
		if err := d.countString(); err != nil {
			return Node{}, err
		}
		return Node{Kind: String, Str: tok.String(), Line: line}, nil
	case '{', '[':
		if depth >= d.lim.MaxDepth {
			return Node{}, fmt.Errorf("%w: nesting deeper than %d at %s", ErrLimit, d.lim.MaxDepth, pointer(d.dec))
		}
		if k == '{' {
			return d.object(depth, line)
		}
		return d.array(depth, line)
	default:
		return Node{}, d.syntax(d.dec.InputOffset(), fmt.Sprintf("unexpected token %v", k))
	}
}

// object and array collect children on shared scratch stacks and copy them
// out once, so each container costs one exactly-sized allocation instead of
// a chain of slice growths.
func (d *decoder) object(depth, line int) (Node, error) {
	n := Node{Kind: Object, Line: line}
	mark := len(d.members)
	defer func() { d.members = d.members[:mark] }()
	for d.dec.PeekKind() != '}' {
		tok, err := d.dec.ReadToken()
		if err != nil {
			return Node{}, d.wrap(err)
		}
		if err := d.countString(); err != nil {
			return Node{}, err
		}
		m := Member{Key: tok.String(), KeyLine: d.tokenLine()}
		if m.Value, err = d.value(depth + 1); err != nil {
			return Node{}, err
		}
		d.members = append(d.members, m)
	}
	if _, err := d.dec.ReadToken(); err != nil {
		return Node{}, d.wrap(err)
	}
	if k := len(d.members) - mark; k > 0 {
		n.Members = make([]Member, k)
		copy(n.Members, d.members[mark:])
	}
	return n, nil
}

func (d *decoder) array(depth, line int) (Node, error) {
	n := Node{Kind: Array, Line: line}
	mark := len(d.items)
	defer func() { d.items = d.items[:mark] }()
	for d.dec.PeekKind() != ']' {
		v, err := d.value(depth + 1)
		if err != nil {
			return Node{}, err
		}
		d.items = append(d.items, v)
	}
	if _, err := d.dec.ReadToken(); err != nil {
		return Node{}, d.wrap(err)
	}
	if k := len(d.items) - mark; k > 0 {
		n.Items = make([]Node, k)
		copy(n.Items, d.items[mark:])
	}
	return n, nil
}

func (d *decoder) countString() error {
	d.strings++
	if d.strings > d.lim.MaxStrings {
		return fmt.Errorf("%w: more than %d strings at %s", ErrLimit, d.lim.MaxStrings, pointer(d.dec))
	}
	return nil
}

func pointer(dec *jsontext.Decoder) string {
	p := string(dec.StackPointer())
	if p == "" {
		return "/"
	}
	return p
}

// wrap turns a jsontext error into a SyntaxError with a readable message.
func (d *decoder) wrap(err error) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return d.syntax(int64(len(d.raw)), "unexpected end of JSON input")
	}
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		return d.syntax(d.dec.InputOffset(), err.Error())
	}
	ptr := string(se.JSONPointer)
	var msg string
	switch {
	case errors.Is(se.Err, jsontext.ErrDuplicateName):
		parent, name := ptr, ""
		if i := strings.LastIndexByte(ptr, '/'); i >= 0 {
			parent, name = ptr[:i], unescapePointer(ptr[i+1:])
		}
		if parent == "" {
			parent = "/"
		}
		msg = fmt.Sprintf("duplicate key %q at %s", name, parent)
	default:
		msg = strings.TrimPrefix(se.Err.Error(), "jsontext: ")
		if ptr != "" {
			msg += " at " + ptr
		}
	}
	return d.syntax(se.ByteOffset, msg)
}

func (d *decoder) syntax(off int64, msg string) *SyntaxError {
	return &SyntaxError{Offset: off, Line: d.lineAt(off), Msg: msg}
}

func unescapePointer(s string) string {
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
}

// FromAny converts a value decoded by encoding/json (map[string]any,
// []any, string, float64, json.Number, bool, nil) into a Node, so callers
// that already hold a decoded message can Walk it. Object keys are sorted,
// since Go maps have no order. Values nested deeper than MaxDepth are
// replaced by null (Walk reports nothing for them); use Decode for strict
// input.
func FromAny(v any) Node { return fromAny(v, 0) }

func fromAny(v any, depth int) Node {
	if depth > DefaultMaxDepth {
		return Node{}
	}
	switch x := v.(type) {
	case string:
		return Node{Kind: String, Str: x}
	case bool:
		if x {
			return Node{Kind: Bool, Str: "true"}
		}
		return Node{Kind: Bool, Str: "false"}
	case fmt.Stringer: // json.Number
		return Node{Kind: Number, Str: x.String()}
	case float64:
		return Node{Kind: Number, Str: fmt.Sprint(x)}
	case []any:
		n := Node{Kind: Array, Items: make([]Node, len(x))}
		for i, e := range x {
			n.Items[i] = fromAny(e, depth+1)
		}
		return n
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		n := Node{Kind: Object, Members: make([]Member, len(keys))}
		for i, k := range keys {
			n.Members[i] = Member{Key: k, Value: fromAny(x[k], depth+1)}
		}
		return n
	default:
		return Node{}
	}
}
