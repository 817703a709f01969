package mcpdoc

// schema walks a JSON Schema (inputSchema, outputSchema, an elicitation's
// requestedSchema): every string in it reaches the model, so every string is
// emitted; property names and unknown keywords are emitted as identifiers.
func (w *walker) schema(n *Node, s scope) {
	if n.Kind != Object {
		if n.Kind != Bool {
			w.generic(n, s)
		}
		return
	}
	w.members(n, s, func(m *Member) {
		v := &m.Value
		switch m.Key {
		case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas":
			w.members(v, s, func(p *Member) {
				w.key(p.Key, p.KeyLine, s)
				w.schema(&p.Value, s)
			})
		case "items", "additionalProperties", "additionalItems", "not", "if", "then", "else",
			"contains", "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema":
			if v.Kind == Array { // draft-04 tuple items
				w.items(v, s, func(it *Node) { w.schema(it, s) })
				return
			}
			w.schema(v, s)
		case "anyOf", "oneOf", "allOf", "prefixItems":
			w.items(v, s, func(it *Node) { w.schema(it, s) })
		case "required":
			w.items(v, s, func(it *Node) { w.text(it, s, true) })
		case "type":
			w.schemaType(v, s)
		case "$schema":
			if !isMetaSchema(v.Str) {
				w.generic(v, s)
			}
		default:
			if !schemaKeywords[m.Key] {
				w.key(m.Key, m.KeyLine, s) // x-* extensions and unknown keys
			}
			w.generic(v, s)
		}
	})
}

func (w *walker) schemaType(v *Node, s scope) {
	switch v.Kind {
	case String:
		if !jsonTypes[v.Str] {
			w.text(v, s, false)
		}
	case Array:
		w.items(v, s, func(it *Node) {
			if it.Kind != String || !jsonTypes[it.Str] {
				w.generic(it, s)
			}
		})
	default:
		w.generic(v, s)
	}
}

func isMetaSchema(u string) bool {
	for _, p := range []string{"https://json-schema.org/", "http://json-schema.org/"} {
		if len(u) >= len(p) && u[:len(p)] == p && len(u) < 80 {
			return true
		}
	}
	return false
}

var jsonTypes = map[string]bool{
	"string": true, "number": true, "integer": true, "boolean": true,
	"object": true, "array": true, "null": true,
}

// schemaKeywords are JSON Schema (and common OpenAPI) keywords: their names
// are not emitted, their values are.
var schemaKeywords = setOf(
	"type", "description", "title", "default", "enum", "const", "examples", "example",
	"pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
	"multipleOf", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
	"minProperties", "maxProperties", "minContains", "maxContains", "required",
	"dependentRequired", "dependencies", "$ref", "$id", "$schema", "$comment", "$anchor",
	"$dynamicRef", "$dynamicAnchor", "$vocabulary", "$recursiveRef", "$recursiveAnchor",
	"id", "contentEncoding", "contentMediaType", "readOnly", "writeOnly", "deprecated",
	"nullable", "discriminator", "xml", "externalDocs", "enumNames",
)

// knownKeys are MCP and JSON Schema member names whose names carry no text
// of their own; generic walks do not emit them as identifiers.
var knownKeys = func() map[string]bool {
	m := setOf(
		"jsonrpc", "id", "method", "params", "result", "error", "code", "message", "data",
		"name", "title", "description", "inputSchema", "outputSchema", "annotations", "_meta",
		"icons", "src", "sizes", "theme", "readOnlyHint", "destructiveHint", "idempotentHint",
		"openWorldHint", "audience", "priority", "lastModified", "content", "structuredContent",
		"isError", "text", "mimeType", "uri", "uriTemplate", "blob", "resource", "contents",
		"messages", "role", "arguments", "prompts", "tools", "resources", "resourceTemplates",
		"nextCursor", "cursor", "serverInfo", "clientInfo", "instructions", "capabilities",
		"protocolVersion", "version", "websiteUrl", "size", "progressToken", "progress", "total",
		"level", "logger", "systemPrompt", "maxTokens", "modelPreferences", "hints",
		"costPriority", "speedPriority", "intelligencePriority", "includeContext",
		"temperature", "stopSequences", "metadata", "model", "stopReason", "requestedSchema",
		"action", "completion", "values", "hasMore", "ref", "argument", "value", "context",
		"listChanged", "subscribe", "logging", "completions", "experimental", "sampling",
		"elicitation", "roots", "requestId", "reason", "type", "properties", "items",
		"required", "enum", "default",
	)
	for k := range schemaKeywords {
		m[k] = true
	}
	return m
}()

func setOf(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}
