// Package eval measures the inspection engine against the public data sets
// in the shared evaluation folder (recall and false-positive rate per data
// set and category). It holds a small MCP-message walker of its own; the
// full walker belongs to `moat inspect`.
package eval

import (
	"sort"
	"strconv"

	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/finding"
)

// skipKeys are schema keywords whose string values are structure, not text
// a model reads as prose.
var skipKeys = map[string]bool{"type": true, "format": true, "$schema": true, "$ref": true, "required": true, "$id": true}

// ToolTargets returns the targets of one tool object: name, title,
// description, every string of the input and output schemas (property names
// as identifiers) and annotations.
func ToolTargets(tool map[string]any, loc finding.Location) []detect.Target {
	var ts []detect.Target
	name, _ := tool["name"].(string)
	loc.Kind, loc.Tool = "tool", name
	add := func(field, text string, ident bool) {
		if text == "" {
			return
		}
		l := loc
		l.Field = field
		ts = append(ts, detect.Target{Context: detect.Definition, Location: l, Text: text, Identifier: ident})
	}
	add("name", name, true)
	if s, ok := tool["title"].(string); ok {
		add("title", s, false)
	}
	if s, ok := tool["description"].(string); ok {
		add("description", s, false)
	}
	for _, k := range []string{"inputSchema", "outputSchema", "annotations"} {
		if v, ok := tool[k]; ok {
			walkSchema(v, k, add)
		}
	}
	return ts
}

// walkSchema emits every string in v with its JSON path; keys under
// "properties" (and "name" entries of argument lists) are identifiers.
func walkSchema(v any, path string, add func(field, text string, ident bool)) {
	switch x := v.(type) {
	case string:
		add(path, x, false)
	case []any:
		for i, e := range x {
			p := path + "[" + strconv.Itoa(i) + "]"
			if m, ok := e.(map[string]any); ok {
				if n, ok := m["name"].(string); ok {
					add(path+".properties."+n, n, true)
					rest := map[string]any{}
					for k, v := range m {
						if k != "name" {
							rest[k] = v
						}
					}
					walkSchema(rest, p, add)
					continue
				}
			}
			walkSchema(e, p, add)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if skipKeys[k] {
				continue
			}
			p := path + "." + k
			if path == "" {
				p = k
			}
			if isPropertiesKey(path) {
				add(p, k, true)
			}
			walkSchema(x[k], p, add)
		}
	}
}

func isPropertiesKey(path string) bool {
	n := len(".properties")
	return path == "properties" || (len(path) >= n && path[len(path)-n:] == ".properties")
}

// MessageTargets returns the targets of one JSON-RPC message and the carrier
// it was found in: "definition" (tools/list, initialize, prompts/resources
// lists), "output" (tool results, resources/read, prompts/get, sampling,
// elicitation), "request" (a tools/call request: policy engine territory) or
// "" when the message carries no text.
func MessageTargets(msg map[string]any) ([]detect.Target, string) {
	var ts []detect.Target
	out := func(field, text string) {
		if text != "" {
			ts = append(ts, detect.Target{Context: detect.Output, Location: finding.Location{Kind: "output", Field: field}, Text: text})
		}
	}
	def := func(field, text string, ident bool) {
		if text != "" {
			ts = append(ts, detect.Target{Context: detect.Definition, Location: finding.Location{Kind: "server", Field: field}, Text: text, Identifier: ident})
		}
	}
	if method, _ := msg["method"].(string); method != "" {
		params, _ := msg["params"].(map[string]any)
		switch method {
		case "tools/call":
			return nil, "request"
		case "sampling/createMessage":
			if s, ok := params["systemPrompt"].(string); ok {
				out("params.systemPrompt", s)
			}
			walkMessages(params["messages"], "params.messages", out)
		case "elicitation/create":
			if s, ok := params["message"].(string); ok {
				out("params.message", s)
			}
			walkSchema(params["requestedSchema"], "params.requestedSchema", func(f, t string, _ bool) { out(f, t) })
		}
		return ts, "output"
	}
	res, _ := msg["result"].(map[string]any)
	if res == nil {
		return nil, ""
	}
	carrier := ""
	if tools, ok := res["tools"].([]any); ok {
		carrier = "definition"
		for _, t := range tools {
			if m, ok := t.(map[string]any); ok {
				ts = append(ts, ToolTargets(m, finding.Location{})...)
			}
		}
	}
	if s, ok := res["instructions"].(string); ok {
		carrier = "definition"
		def("instructions", s, false)
	}
	for _, k := range []string{"prompts", "resources", "resourceTemplates"} {
		if list, ok := res[k].([]any); ok {
			carrier = "definition"
			walkSchema(list, k, def)
		}
	}
	if c, ok := res["content"].([]any); ok {
		carrier = "output"
		walkContent(c, "content", out)
	}
	if c, ok := res["contents"].([]any); ok {
		carrier = "output"
		walkContent(c, "contents", out)
	}
	if m, ok := res["messages"]; ok {
		carrier = "output"
		walkMessages(m, "messages", out)
		if s, ok := res["description"].(string); ok {
			def("description", s, false)
		}
	}
	if carrier == "" && len(ts) == 0 {
		return nil, ""
	}
	return ts, carrier
}

func walkContent(list []any, path string, out func(field, text string)) {
	for i, c := range list {
		m, ok := c.(map[string]any)
		if !ok {
			continue
		}
		p := path + "[" + strconv.Itoa(i) + "]"
		if s, ok := m["text"].(string); ok {
			out(p+".text", s)
		}
		if r, ok := m["resource"].(map[string]any); ok {
			if s, ok := r["text"].(string); ok {
				out(p+".resource.text", s)
			}
		}
	}
}

func walkMessages(v any, path string, out func(field, text string)) {
	list, _ := v.([]any)
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		p := path + "[" + strconv.Itoa(i) + "].content"
		switch c := m["content"].(type) {
		case map[string]any:
			walkContent([]any{c}, p, out)
		case []any:
			walkContent(c, p, out)
		}
	}
}
