package mcpdoc

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// contentList walks a content array, or a single content item.
func (w *walker) contentList(n *Node, s scope) {
	if n.Kind == Array {
		w.items(n, s, func(it *Node) { w.contentItem(it, s) })
		return
	}
	w.contentItem(n, s)
}

// contentItem walks one content block: text, image, audio, resource,
// resource_link or an unknown type.
func (w *walker) contentItem(n *Node, s scope) {
	typ := n.GetString("type")
	w.members(n, s, func(m *Member) {
		switch m.Key {
		case "type", "mimeType":
		case "data":
			if typ == "image" || typ == "audio" {
				return // binary media is not text
			}
			w.generic(&m.Value, s)
		case "resource":
			rs := s
			if u := m.Value.GetString("uri"); u != "" && rs.tool == "" {
				rs.tool = u
			}
			w.resourceContents(&m.Value, rs)
		default: // text; name, title, description, uri of a resource_link; annotations
			w.generic(&m.Value, s)
		}
	})
}

// resourceContents walks {uri, mimeType, text | blob}. A blob is decoded
// and inspected when its MIME type is textual (or absent and it decodes to
// UTF-8); at most maxBlob decoded bytes are read.
func (w *walker) resourceContents(n *Node, s scope) {
	mime := n.GetString("mimeType")
	w.members(n, s, func(m *Member) {
		switch m.Key {
		case "mimeType":
		case "blob":
			if m.Value.Kind == String && (mime == "" || textualMIME(mime)) {
				if text, ok := decodeBlob(m.Value.Str, w.maxBlob); ok {
					w.send(text, m.Value.Line, s, false, "(decoded)")
				}
			}
		default:
			w.generic(&m.Value, s)
		}
	})
}

func textualMIME(m string) bool {
	m = strings.ToLower(strings.TrimSpace(m))
	if i := strings.IndexByte(m, ';'); i >= 0 {
		m = strings.TrimSpace(m[:i])
	}
	switch {
	case strings.HasPrefix(m, "text/"), strings.HasSuffix(m, "+json"), strings.HasSuffix(m, "+xml"), strings.HasSuffix(m, "+yaml"):
		return true
	}
	switch m {
	case "application/json", "application/xml", "application/yaml", "application/x-yaml",
		"application/javascript", "application/x-sh", "application/toml", "application/x-ndjson",
		"application/jsonl", "application/sql", "application/graphql", "message/rfc822":
		return true
	}
	return false
}

// decodeBlob decodes at most max bytes of base64 s; ok is false when s is
// not base64 or does not decode to UTF-8 text.
func decodeBlob(s string, max int) (string, bool) {
	s = strings.TrimRight(s, "=")
	if limit := max / 3 * 4; len(s) > limit {
		s = s[:limit]
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			return "", false
		}
	}
	for i := 0; i < utf8.UTFMax-1 && len(b) > 0 && !utf8.Valid(b); i++ {
		b = b[:len(b)-1] // a rune cut by the cap
	}
	if !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}
