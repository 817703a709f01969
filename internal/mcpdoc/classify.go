package mcpdoc

import (
	"github.com/moat-dev/moat/internal/detect"
)

// object walks a top-level object (or a batch element): a JSON-RPC message,
// a single tool, prompt or resource definition, or a bare result.
func (w *walker) object(n *Node) {
	switch {
	case isMessage(n):
		w.message(n)
	case n.Get("inputSchema") != nil:
		w.tool(n)
	case n.GetString("name") != "" && (n.Get("uri") != nil || n.Get("uriTemplate") != nil):
		w.resource(n)
	case n.GetString("name") != "" && n.Get("arguments") != nil && n.Get("description") != nil:
		w.prompt(n)
	case n.GetString("name") != "" && n.Get("description") != nil && !isResult(n):
		w.tool(n)
	default:
		w.result(n)
	}
}

func isMessage(n *Node) bool {
	if n.Get("jsonrpc") != nil {
		return true
	}
	if m := n.Get("method"); m != nil && m.Kind == String {
		return true
	}
	return n.Get("id") != nil && (n.Get("result") != nil || n.Get("error") != nil)
}

// resultKeys are the members that identify a result shape.
var resultKeys = []string{"tools", "prompts", "resources", "resourceTemplates", "content",
	"contents", "messages", "serverInfo", "structuredContent", "completion"}

func isResult(n *Node) bool {
	for _, k := range resultKeys {
		if n.Get(k) != nil {
			return true
		}
	}
	return false
}

// clientMethods are requests a client sends to a server; their params are
// Input. Requests in the other direction (and unknown ones) are Output.
var clientMethods = map[string]bool{
	"initialize": true, "ping": true, "tools/list": true, "tools/call": true,
	"prompts/list": true, "prompts/get": true, "resources/list": true,
	"resources/templates/list": true, "resources/read": true, "resources/subscribe": true,
	"resources/unsubscribe": true, "completion/complete": true, "logging/setLevel": true,
}

func (w *walker) message(n *Node) {
	method := n.GetString("method")
	out := scope{ctx: detect.Output, kind: KindOutput}
	tool := ""
	if id := n.Get("id"); id != nil {
		switch {
		case method == "tools/call":
			w.sess.called(id, n.Get("params").GetString("name"))
		case method == "" && isToolResult(n.Get("result")):
			tool = w.sess.answered(id)
		}
	}
	w.members(n, out, func(m *Member) {
		switch m.Key {
		case "jsonrpc", "id", "method":
		case "params":
			w.params(method, &m.Value)
		case "result":
			w.resultOf(&m.Value, tool)
		default: // "error" and anything unexpected: the server's words
			w.generic(&m.Value, out)
		}
	})
}

func (w *walker) params(method string, p *Node) {
	switch {
	case method == "tools/call":
		s := scope{ctx: detect.Input, kind: KindRequest, tool: p.GetString("name")}
		w.members(p, s, func(m *Member) {
			w.text(&m.Value, s, m.Key == "name")
		})
	case method == "sampling/createMessage":
		s := scope{ctx: detect.Output, kind: KindRequest}
		w.members(p, s, func(m *Member) {
			if m.Key == "messages" {
				w.items(&m.Value, s, func(it *Node) { w.promptMessage(it, s) })
				return
			}
			w.generic(&m.Value, s)
		})
	case method == "elicitation/create":
		s := scope{ctx: detect.Output, kind: KindRequest}
		w.members(p, s, func(m *Member) {
			if m.Key == "requestedSchema" {
				w.schema(&m.Value, s)
				return
			}
			w.generic(&m.Value, s)
		})
	case len(method) > 14 && method[:14] == "notifications/":
		w.generic(p, scope{ctx: detect.Output, kind: KindNotification})
	case clientMethods[method]:
		w.generic(p, scope{ctx: detect.Input, kind: KindRequest})
	default:
		w.generic(p, scope{ctx: detect.Output, kind: KindRequest})
	}
}

func isToolResult(r *Node) bool {
	return r != nil && (r.Get("content") != nil || r.Get("structuredContent") != nil)
}

// result walks a result by its shape: every member is dispatched on its
// own key, so a result mixing shapes is still read in full.
func (w *walker) result(n *Node) { w.resultOf(n, "") }

// resultOf is result for a tools/call result known to come from tool.
func (w *walker) resultOf(n *Node, tool string) {
	def := scope{ctx: detect.Output, kind: KindOutput}
	for _, k := range []string{"tools", "prompts", "resources", "resourceTemplates", "serverInfo", "instructions", "protocolVersion", "capabilities"} {
		if n.Get(k) != nil {
			def = scope{ctx: detect.Definition, kind: KindServer}
			break
		}
	}
	out := scope{ctx: detect.Output, kind: KindOutput, tool: tool}
	hasMessages := n.Get("messages") != nil
	w.members(n, out, func(m *Member) {
		v := &m.Value
		switch m.Key {
		case "tools":
			w.items(v, def, w.tool)
		case "prompts":
			w.items(v, def, w.prompt)
		case "resources", "resourceTemplates":
			w.items(v, def, w.resource)
		case "serverInfo":
			w.serverInfo(v)
		case "instructions", "capabilities":
			w.generic(v, scope{ctx: detect.Definition, kind: KindServer})
		case "protocolVersion", "nextCursor", "isError":
		case "content":
			w.contentList(v, out)
		case "contents":
			w.items(v, out, func(it *Node) {
				w.resourceContents(it, scope{ctx: detect.Output, kind: KindResource, tool: it.GetString("uri")})
			})
		case "messages":
			w.items(v, out, func(it *Node) { w.promptMessage(it, scope{ctx: detect.Output, kind: KindPrompt}) })
		case "description":
			if hasMessages { // prompts/get
				w.text(v, scope{ctx: detect.Definition, kind: KindPrompt}, false)
			} else {
				w.generic(v, def)
			}
		case "structuredContent", "completion":
			w.generic(v, out)
		default:
			w.generic(v, def)
		}
	})
}

func (w *walker) serverInfo(n *Node) {
	s := scope{ctx: detect.Definition, kind: KindServer}
	w.members(n, s, func(m *Member) {
		switch m.Key {
		case "name":
			w.text(&m.Value, s, true)
		case "version":
		default:
			w.generic(&m.Value, s)
		}
	})
}

// tool walks one tool definition.
func (w *walker) tool(n *Node) {
	s := scope{ctx: detect.Definition, kind: KindTool, tool: n.GetString("name")}
	w.members(n, s, func(m *Member) {
		switch m.Key {
		case "name":
			w.text(&m.Value, s, true)
		case "inputSchema", "outputSchema":
			w.schema(&m.Value, s)
		default: // title, description, annotations, _meta, icons, unknown keys
			w.generic(&m.Value, s)
		}
	})
}

// prompt walks one prompt definition.
func (w *walker) prompt(n *Node) {
	s := scope{ctx: detect.Definition, kind: KindPrompt, tool: n.GetString("name")}
	w.members(n, s, func(m *Member) {
		switch m.Key {
		case "name":
			w.text(&m.Value, s, true)
		case "arguments":
			w.items(&m.Value, s, func(arg *Node) {
				w.members(arg, s, func(am *Member) {
					if am.Key == "name" {
						w.text(&am.Value, s, true)
						return
					}
					w.generic(&am.Value, s)
				})
			})
		default:
			w.generic(&m.Value, s)
		}
	})
}

// resource walks one resource or resource template definition.
func (w *walker) resource(n *Node) {
	name := n.GetString("name")
	if name == "" {
		name = n.GetString("uri")
	}
	s := scope{ctx: detect.Definition, kind: KindResource, tool: name}
	w.members(n, s, func(m *Member) {
		switch m.Key {
		case "name":
			w.text(&m.Value, s, true)
		case "mimeType":
		default:
			w.generic(&m.Value, s)
		}
	})
}

// promptMessage walks {role, content} where content is one content item or
// (sampling) a list of them.
func (w *walker) promptMessage(n *Node, s scope) {
	w.members(n, s, func(m *Member) {
		switch m.Key {
		case "role":
		case "content":
			w.contentList(&m.Value, s)
		default:
			w.generic(&m.Value, s)
		}
	})
}
