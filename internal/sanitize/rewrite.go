package sanitize

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// maxDepth caps nesting; deeper documents are refused (fail closed).
const maxDepth = 256

// arrayElem stands for any array index in a path.
const arrayElem = "#"

// selector returns which string values of a document of kind k are
// model-visible text. path holds object member names, with arrayElem for
// array elements.
func selector(k Kind) func(path []string) bool {
	base := baseSelector(k)
	if k != ToolResult && k != ResourceContents && k != PromptMessages {
		return base
	}
	sampling, elicit := baseSelector(SamplingRequest), baseSelector(ElicitationRequest)
	return func(p []string) bool {
		// Protocol 2026-07-28 embeds server-to-client requests in results:
		// inputRequests.<id>.params is a sampling or elicitation request.
		if len(p) > 3 && p[0] == "inputRequests" && p[2] == "params" {
			return sampling(p[3:]) || elicit(p[3:])
		}
		return base(p)
	}
}

func baseSelector(k Kind) func(path []string) bool {
	switch k {
	case ToolResult:
		return func(p []string) bool {
			return isContentText(p, "content") || (len(p) > 0 && p[0] == "structuredContent")
		}
	case ResourceContents:
		return func(p []string) bool { return match(p, "contents", arrayElem, "text") }
	case PromptMessages:
		return func(p []string) bool {
			return match(p, "description") || match(p, "messages", arrayElem, "content", "text") ||
				match(p, "messages", arrayElem, "content", "resource", "text")
		}
	case SamplingRequest:
		return func(p []string) bool {
			return match(p, "systemPrompt") || match(p, "messages", arrayElem, "content", "text") ||
				match(p, "messages", arrayElem, "content", arrayElem, "text")
		}
	case ElicitationRequest:
		return func(p []string) bool {
			return match(p, "message") || (len(p) > 0 && p[0] == "requestedSchema")
		}
	}
	return func([]string) bool { return false }
}

// isContentText: content[i].text and an embedded resource's text.
func isContentText(p []string, top string) bool {
	return match(p, top, arrayElem, "text") || match(p, top, arrayElem, "resource", "text")
}

func match(p []string, want ...string) bool {
	if len(p) != len(want) {
		return false
	}
	for i := range p {
		if p[i] != want[i] {
			return false
		}
	}
	return true
}

// decoders are reused: a jsontext.Decoder's state (name sets for the
// duplicate check) is costly to allocate per message.
var decoders = sync.Pool{New: func() any { return new(pooledDecoder) }}

type pooledDecoder struct {
	dec jsontext.Decoder
	r   bytes.Reader
}

type edit struct {
	start, end int
	value      string
}

type frame struct {
	obj       bool
	expectKey bool
}

// rewrite walks raw strictly (duplicate names and invalid UTF-8 are
// errors), calls fn for every selected string value with its path, and
// splices the changed values into a copy of raw. It returns nil when
// nothing changed, so the caller keeps the exact original bytes.
func rewrite(raw []byte, sel func([]string) bool, fn func(path, s string) (string, bool)) ([]byte, error) {
	pd := decoders.Get().(*pooledDecoder)
	pd.r.Reset(raw)
	pd.dec.Reset(&pd.r)
	defer func() {
		pd.r.Reset(nil)
		pd.dec.Reset(&pd.r) // drop the reference to raw
		decoders.Put(pd)
	}()
	dec := &pd.dec
	var (
		stack []frame
		path  []string
		edits []edit
	)
	for {
		kind := dec.PeekKind()
		if kind == 0 {
			if _, err := dec.ReadToken(); err != io.EOF {
				return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
			}
			break
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if top != nil && top.obj && top.expectKey && kind != '}' {
			tok, err := dec.ReadToken()
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
			}
			path[len(path)-1] = tok.String()
			top.expectKey = false
			continue
		}
		switch kind {
		case '{', '[':
			if len(stack) == maxDepth {
				return nil, fmt.Errorf("%w: nested deeper than %d", ErrMalformed, maxDepth)
			}
			if _, err := dec.ReadToken(); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
			}
			stack = append(stack, frame{obj: kind == '{', expectKey: kind == '{'})
			path = append(path, arrayElem)
			continue
		case '}', ']':
			if _, err := dec.ReadToken(); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
			}
			stack, path = stack[:len(stack)-1], path[:len(path)-1]
		default:
			v, err := dec.ReadValue()
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
			}
			if kind == '"' && sel(path[:len(path):len(path)]) {
				end := int(dec.InputOffset())
				s, err := jsontext.AppendUnquote(nil, v)
				if err != nil {
					return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
				}
				if out, changed := fn(pathString(path), string(s)); changed {
					edits = append(edits, edit{start: end - len(v), end: end, value: out})
				}
			}
		}
		if len(stack) > 0 && stack[len(stack)-1].obj {
			stack[len(stack)-1].expectKey = true
		}
	}
	if len(edits) == 0 {
		return nil, nil
	}
	return splice(raw, edits)
}

func splice(raw []byte, edits []edit) ([]byte, error) {
	out := make([]byte, 0, len(raw)+64*len(edits))
	last := 0
	for _, e := range edits {
		out = append(out, raw[last:e.start]...)
		q, err := jsontext.AppendQuote(out, e.value)
		if err != nil {
			return nil, fmt.Errorf("encode rewritten text: %w", err)
		}
		out = q
		last = e.end
	}
	return append(out, raw[last:]...), nil
}

// pathString renders a path for findings: content[].text,
// structuredContent.rows[].name.
func pathString(p []string) string {
	var b strings.Builder
	for i, s := range p {
		if s == arrayElem {
			b.WriteString("[]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}
