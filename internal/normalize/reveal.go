package normalize

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Runs of this many blanks (or line breaks) are compressed by Reveal.
const (
	revealSpaces   = 16
	revealNewlines = 4
)

// Reveal renders s safely for a terminal or JSON: hidden characters become
// visible markers and nothing in the result can move the cursor, change
// colours or reorder text.
//
//	zero-width, bidi, format, controls  ⟨U+200B⟩ ⟨U+202E⟩ ⟨U+0007⟩
//	ESC                                 ⟨ESC⟩[31m (the rest is printable)
//	Tag characters                      ⟨TAG:decoded text⟩
//	variation selector runs             ⟨VS×12⟩ or ⟨VS×12:decoded text⟩
//	invalid UTF-8                       ⟨0xFF⟩
//	long blank runs                     ⟨…200 spaces…⟩ ⟨…40 newlines…⟩
func Reveal(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\n':
			i = revealBlank(&b, s, i)
		case c >= 0x20 && c < 0x7F || c == '\t':
			b.WriteByte(c)
			i++
		case c == '\r' && i+1 < len(s) && s[i+1] == '\n':
			b.WriteByte('\n')
			i += 2
		case c == 0x1B:
			b.WriteString("⟨ESC⟩")
			i++
		case c < 0x80:
			writeMarker(&b, rune(c))
			i++
		default:
			i = revealRune(&b, s, i)
		}
	}
	return b.String()
}

func revealBlank(b *strings.Builder, s string, i int) int {
	c := s[i]
	j := i
	for j < len(s) && s[j] == c {
		j++
	}
	limit, name := revealSpaces, " spaces…⟩"
	if c == '\n' {
		limit, name = revealNewlines, " newlines…⟩"
	}
	if j-i < limit {
		b.WriteString(s[i:j])
		return j
	}
	b.WriteString("⟨…")
	b.WriteString(strconv.Itoa(j - i))
	b.WriteString(name)
	return j
}

func revealRune(b *strings.Builder, s string, i int) int {
	r, size := utf8.DecodeRuneInString(s[i:])
	switch {
	case r == utf8.RuneError && size == 1:
		b.WriteString("⟨0x")
		b.WriteString(strings.ToUpper(strconv.FormatUint(uint64(s[i]), 16)))
		b.WriteString("⟩")
		return i + 1
	case r >= 0xE0000 && r <= 0xE007F:
		return revealTags(b, s, i)
	}
	if _, ok := variationByte(r); ok {
		if j, n := variationRunEnd(s, i); n > 1 {
			revealVariation(b, s[i:j], n)
			return j
		}
	}
	if classify(r) != "" || r == 0x2028 || r == 0x2029 || !unicode.IsPrint(r) && !unicode.IsSpace(r) && !unicode.IsMark(r) {
		writeMarker(b, r)
	} else {
		b.WriteString(s[i : i+size])
	}
	return i + size
}

func writeMarker(b *strings.Builder, r rune) {
	b.WriteString("⟨U+")
	h := strings.ToUpper(strconv.FormatUint(uint64(r), 16))
	for k := len(h); k < 4; k++ {
		b.WriteByte('0')
	}
	b.WriteString(h)
	b.WriteString("⟩")
}

func revealTags(b *strings.Builder, s string, i int) int {
	b.WriteString("⟨TAG:")
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r < 0xE0000 || r > 0xE007F {
			break
		}
		if r >= 0xE0020 && r <= 0xE007E {
			b.WriteByte(byte(r - 0xE0000))
		}
		i += size
	}
	b.WriteString("⟩")
	return i
}

func variationRunEnd(s string, i int) (int, int) {
	n := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if _, ok := variationByte(r); !ok {
			break
		}
		i += size
		n++
	}
	return i, n
}

func revealVariation(b *strings.Builder, run string, n int) {
	b.WriteString("⟨VS×")
	b.WriteString(strconv.Itoa(n))
	var dec []byte
	for _, r := range run {
		v, _ := variationByte(r)
		dec = append(dec, v)
	}
	if plausibleText(dec) {
		b.WriteByte(':')
		b.WriteString(Reveal(string(dec)))
	}
	b.WriteString("⟩")
}

// Snippet returns evidence for the Fold match [foldStart, foldEnd): the
// matching part of Original widened to whole words, with as much context as
// fits, passed through Reveal, on one line (line breaks shown as "⏎"), at
// most maxLen runes, with "…" where cut.
func Snippet(t *Text, foldStart, foldEnd, maxLen int) string {
	a, b := t.OriginalSpan(foldStart, foldEnd)
	return SnippetOriginal(t, a, b, maxLen)
}

// SnippetOriginal is Snippet for the byte range [start, end) of Original:
// for a Hidden run (Offset, End) or a decoded run (VisibleToOriginal of its
// Offset).
func SnippetOriginal(t *Text, start, end, maxLen int) string {
	if maxLen < 8 {
		maxLen = 8
	}
	s := t.Original
	a := runeStart(s, min(max(start, 0), len(s)))
	b := runeEnd(s, min(max(end, a), len(s)))
	a, b = wordStart(s, a, 32), wordEnd(s, b, 32)
	mid := oneLine(Reveal(s[a:b]))
	n := utf8.RuneCountInString(mid)
	if n+2 >= maxLen {
		return cutRunes(mid, maxLen, a > 0)
	}
	room := (maxLen - n - 2) / 2
	lo := backRunes(s, a, room)
	if lo > 0 {
		lo = nextSpace(s, lo, a)
	}
	hi := forwardRunes(s, b, room)
	if hi < len(s) {
		hi = prevSpace(s, b, hi)
	}
	left, right := oneLine(Reveal(s[lo:a])), oneLine(Reveal(s[b:hi]))
	if k := utf8.RuneCountInString(left); k > room { // markers made it longer
		left = string([]rune(left)[k-room:])
		if sp := strings.IndexByte(left, ' '); sp >= 0 {
			left = left[sp+1:]
		}
		lo = 1 // cut: mark it
	}
	if utf8.RuneCountInString(right) > room {
		right, hi = cutRunes(right, room, false), len(s) // cutRunes marks the cut
	}
	var out strings.Builder
	if lo > 0 {
		out.WriteString("…")
	}
	out.WriteString(left)
	out.WriteString(mid)
	out.WriteString(right)
	if hi < len(s) {
		out.WriteString("…")
	}
	return out.String()
}

// oneLine keeps a snippet on one line: line breaks become "⏎", tabs spaces.
func oneLine(s string) string {
	if strings.IndexByte(s, '\n') < 0 && strings.IndexByte(s, '\t') < 0 {
		return s
	}
	return strings.NewReplacer("\n", "⏎", "\t", " ").Replace(s)
}

// cutRunes shortens s to at most max runes, marking cuts with "…".
func cutRunes(s string, max int, pre bool) string {
	rs := []rune(s)
	if len(rs) <= max && !pre {
		return s
	}
	if pre {
		max--
	}
	if len(rs) > max {
		rs = append(rs[:max-1], '…')
	}
	if pre {
		return "…" + string(rs)
	}
	return string(rs)
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// wordStart moves a back to the start of its word (at most limit bytes).
func wordStart(s string, a, limit int) int {
	for k := 0; k < limit && a > 0 && !isSpaceByte(s[a-1]); k++ {
		a--
	}
	return runeStart(s, a)
}

// wordEnd moves b forward to the end of its word (at most limit bytes).
func wordEnd(s string, b, limit int) int {
	for k := 0; k < limit && b < len(s) && !isSpaceByte(s[b]); k++ {
		b++
	}
	return runeEnd(s, b)
}

func backRunes(s string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i
}

func forwardRunes(s string, i, n int) int {
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// nextSpace returns the offset after the first blank in s[lo:a], or a.
func nextSpace(s string, lo, a int) int {
	for i := lo; i < a; i++ {
		if isSpaceByte(s[i]) {
			return i + 1
		}
	}
	return a
}

// prevSpace returns the offset of the last blank in s[b:hi], or b.
func prevSpace(s string, b, hi int) int {
	for i := hi - 1; i >= b; i-- {
		if isSpaceByte(s[i]) {
			return i
		}
	}
	return b
}
