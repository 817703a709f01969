package mcpdoc

import (
	"strconv"
	"strings"
)

// A field path names one string inside a document, readably:
//
//	tools[3].inputSchema.properties.notes.description   a value
//	tools[3].inputSchema.properties.notes(key)          the object key "notes" itself
//	result.content[0].resource.blob(decoded)            a base64 blob, decoded
//	_meta["io.example/x"]                               a key that is not an identifier
//
// Keys matching [A-Za-z_$][A-Za-z0-9_$-]* are joined with "."; other keys are
// written as ["…"] with JSON string escaping; array indexes as [i]. The
// suffix "(key)" marks an object key rather than its value, "(decoded)" the
// decoded content of a blob. An empty path is the document itself.

type segKind uint8

const (
	segKey segKind = iota
	segIndex
)

type seg struct {
	kind segKind
	key  string
	idx  int
}

type path []seg

func (p path) render(suffix string) string {
	n := len(suffix)
	for _, s := range p {
		n += len(s.key) + 6
	}
	var b strings.Builder
	b.Grow(n)
	for i, s := range p {
		switch s.kind {
		case segIndex:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.idx))
			b.WriteByte(']')
		default:
			if isIdent(s.key) {
				if i > 0 {
					b.WriteByte('.')
				}
				b.WriteString(s.key)
			} else {
				b.WriteByte('[')
				b.WriteString(quoteJSON(s.key))
				b.WriteByte(']')
			}
		}
	}
	b.WriteString(suffix)
	return b.String()
}

func isIdent(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == '$':
		case i > 0 && (c >= '0' && c <= '9' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// quoteJSON quotes s as a JSON string, escaping controls and invisible
// format characters so a path is always printable.
func quoteJSON(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isInvisible(r):
			if r > 0xffff {
				r1, r2 := surrogates(r)
				b.WriteString(`\u` + hex4(r1) + `\u` + hex4(r2))
			} else {
				b.WriteString(`\u` + hex4(r))
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func hex4(r rune) string {
	s := strconv.FormatInt(int64(r), 16)
	return strings.Repeat("0", 4-len(s)) + s
}

func surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

// isInvisible reports format characters a reader would not see: zero-width,
// bidi controls, tag characters, variation selectors, BOM, soft hyphen.
func isInvisible(r rune) bool {
	switch {
	case r == 0xad, r == 0x34f, r == 0x61c, r == 0x115f, r == 0x1160, r == 0x180e,
		r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e,
		r >= 0x2060 && r <= 0x206f, r == 0x3164, r == 0xfeff, r == 0xffa0,
		r >= 0xfe00 && r <= 0xfe0f, r >= 0xe0000 && r <= 0xe0fff, r >= 0xfff9 && r <= 0xfffb:
		return true
	}
	return false
}
