package mcpdoc

import (
	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/finding"
)

// Location kinds set by Walk (finding.Location.Kind).
const (
	KindTool         = "tool"
	KindPrompt       = "prompt"
	KindResource     = "resource"
	KindServer       = "server"
	KindOutput       = "output"
	KindRequest      = "request"
	KindNotification = "notification"
)

// scope is what the strings under a node belong to.
type scope struct {
	ctx  detect.Context
	kind string
	tool string
}

type walker struct {
	emit    func(detect.Target)
	base    finding.Location
	path    path
	depth   int
	maxBlob int
	// seen de-duplicates object keys of data (Output and Input contexts),
	// where the same key repeats in every array element.
	seen map[string]struct{}
	// sess pairs tools/call requests with their responses (nil: no pairing).
	sess *Session
}

// maxWalkDepth bounds recursion for trees that did not come from Decode.
const maxWalkDepth = 2 * DefaultMaxDepth

// Walk classifies doc and calls emit for every model-visible string in it.
// base supplies File, Line, Client, Config and Server; Walk sets Kind, Tool,
// Field and, when the string's own line is known, Line. When base.Server is
// empty the server's self-declared serverInfo.name is used if doc has one.
// The Target passed to emit may be retained.
func Walk(doc *Node, base finding.Location, emit func(detect.Target)) {
	WalkLimits(doc, base, Limits{}, emit)
}

// WalkLimits is Walk with explicit limits (only MaxBlob applies).
func WalkLimits(doc *Node, base finding.Location, lim Limits, emit func(detect.Target)) {
	walk(doc, base, lim, nil, emit)
}

func walk(doc *Node, base finding.Location, lim Limits, sess *Session, emit func(detect.Target)) {
	if doc == nil {
		return
	}
	if base.Server == "" {
		base.Server = ServerName(doc)
	}
	w := &walker{emit: emit, base: base, maxBlob: lim.withDefaults().MaxBlob, path: make(path, 0, 16), sess: sess}
	switch doc.Kind {
	case Array: // a JSON-RPC batch, or an array of tools
		for i := range doc.Items {
			w.push(seg{kind: segIndex, idx: i})
			if it := &doc.Items[i]; it.Kind == Object {
				w.object(it)
			} else {
				w.generic(it, scope{ctx: detect.Output, kind: KindOutput})
			}
			w.pop()
		}
	case Object:
		w.object(doc)
	default:
		w.generic(doc, scope{ctx: detect.Output, kind: KindOutput})
	}
}

// ServerName returns the serverInfo.name an initialize result in doc
// declares (in a response, a bare result or a batch), or "".
func ServerName(doc *Node) string {
	if doc == nil {
		return ""
	}
	if doc.Kind == Array {
		for i := range doc.Items {
			if s := ServerName(&doc.Items[i]); s != "" {
				return s
			}
		}
		return ""
	}
	if r := doc.Get("result"); r != nil {
		doc = r
	}
	return doc.Get("serverInfo").GetString("name")
}

func (w *walker) push(s seg) { w.path = append(w.path, s) }
func (w *walker) pop()       { w.path = w.path[:len(w.path)-1] }
func (w *walker) pushKey(k string) {
	w.path = append(w.path, seg{key: k})
}

// text emits one string value at the current path.
func (w *walker) text(n *Node, s scope, ident bool) {
	if n.Kind != String {
		w.generic(n, s)
		return
	}
	w.send(n.Str, n.Line, s, ident, "")
}

func (w *walker) send(text string, line int, s scope, ident bool, suffix string) {
	if len(text) < 2 || (s.ctx != detect.Definition && !ident && inert(text)) {
		return
	}
	loc := w.base
	loc.Kind, loc.Tool = s.kind, s.tool
	loc.Field = w.path.render(suffix)
	if line > 0 {
		loc.Line = line
	}
	w.emit(detect.Target{Context: s.ctx, Location: loc, Text: text, Identifier: ident})
}

// inert reports whether a data value is too short and plain to carry
// anything a detector looks for: at most 12 bytes of ASCII letters, digits
// and ._:/@+#- with no space (ids, enum values, dates, numbers as
// strings). No credential format is that short, there is no room for an
// instruction, and nothing can be hidden in plain ASCII. Skipping them keeps
// data-heavy tool results cheap; definitions are always scanned in full.
func inert(s string) bool {
	if len(s) > 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '_', c == ':', c == '/', c == '@', c == '+', c == '#', c == '-':
		default:
			return false
		}
	}
	return true
}

// key emits an object key (already pushed) as an identifier.
func (w *walker) key(k string, line int, s scope) {
	if s.ctx != detect.Definition {
		if _, dup := w.seen[k]; dup {
			return
		}
		if w.seen == nil {
			w.seen = make(map[string]struct{})
		}
		w.seen[k] = struct{}{}
	}
	w.send(k, line, s, true, "(key)")
}

// generic emits every string under n and every object key that is not a
// well-known MCP or JSON Schema key.
func (w *walker) generic(n *Node, s scope) {
	if w.depth >= maxWalkDepth {
		return
	}
	w.depth++
	defer func() { w.depth-- }()
	switch n.Kind {
	case String:
		w.send(n.Str, n.Line, s, false, "")
	case Array:
		for i := range n.Items {
			w.push(seg{kind: segIndex, idx: i})
			w.generic(&n.Items[i], s)
			w.pop()
		}
	case Object:
		for i := range n.Members {
			m := &n.Members[i]
			w.pushKey(m.Key)
			if !knownKeys[m.Key] {
				w.key(m.Key, m.KeyLine, s)
			}
			w.generic(&m.Value, s)
			w.pop()
		}
	}
}

// members calls f for each member of an object with its key pushed on the
// path; a non-object is walked generically.
func (w *walker) members(n *Node, s scope, f func(m *Member)) {
	if n.Kind != Object {
		w.generic(n, s)
		return
	}
	if w.depth >= maxWalkDepth {
		return
	}
	w.depth++
	for i := range n.Members {
		m := &n.Members[i]
		w.pushKey(m.Key)
		f(m)
		w.pop()
	}
	w.depth--
}

// items calls f for each element of an array with its index pushed; a
// non-array is walked generically.
func (w *walker) items(n *Node, s scope, f func(it *Node)) {
	if n.Kind != Array {
		w.generic(n, s)
		return
	}
	for i := range n.Items {
		w.push(seg{kind: segIndex, idx: i})
		f(&n.Items[i])
		w.pop()
	}
}
