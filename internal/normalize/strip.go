package normalize

import (
	"strings"
	"unicode/utf8"
	"unsafe"
)

// mergeGap is how many bytes of visible text may separate two runs of the
// same kind for them to be recorded as one.
const mergeGap = 16

// stripper is stage one: it removes hidden content from the original text,
// records it, and keeps a map from the stripped text back to the original.
type stripper struct {
	s    string
	t    *Text
	full bool // record Hidden (false for the Fold-only path)

	out  []byte // stripped text; nil while identical to s[:keep]
	keep int    // start of the pending run of kept bytes in s
	m    spanMap

	lastEnd int    // end offset in s of the last record
	txt     []byte // text accumulating for the last record
	txtKind HiddenKind

	sgr        sgrState
	concealing bool
	concealAt  int
	concealBuf []byte

	bidiEmbed, bidiIsolate int

	// offsets in the stripped text of kept runes that are not NFKC-inert
	// (more than maxNonInert entries: the list is incomplete)
	nonInert []int
}

// run strips s and returns the stripped text.
func (st *stripper) run() string {
	s := st.s
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= 0x20 && c < 0x7F:
			if c == '<' && strings.HasPrefix(s[i:], "<!--") {
				i = st.comment(i)
				continue
			}
			i++
		case c == '\n':
			st.lineEnd()
			i++
		case c == '\t' || c == '\r':
			i++
		case c == 0x1B:
			i = st.escape(i, i+1)
		case c < 0x80:
			st.drop(i, i+1)
			st.record(HiddenControl, i, i+1, 1, nil)
			i++
		default:
			i = st.nonASCII(i)
		}
	}
	st.lineEnd()
	st.flush(len(s))
	if st.concealing {
		st.endConceal(len(s))
	}
	st.finishText()
	if st.out == nil {
		return s
	}
	st.m.inLen = len(s)
	st.m.mark(len(st.out), len(s))
	st.t.strip = st.m
	return unsafe.String(unsafe.SliceData(st.out), len(st.out)) // out is not written again
}

// nonASCII handles the rune at s[i] (i at a byte >= 0x80) and returns the
// offset after it.
func (st *stripper) nonASCII(i int) int {
	s := st.s
	r, size := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && size == 1 { // one U+FFFD per run of invalid bytes
		j := i + 1
		for j < len(s) {
			if r, size := utf8.DecodeRuneInString(s[j:]); r != utf8.RuneError || size != 1 {
				break
			}
			j++
		}
		st.replace(i, j, "\uFFFD")
		return j
	}
	kind := classify(r)
	switch kind {
	case "":
		if r >= 0x10000 || !inert(r) {
			st.noteNonInert(i)
		}
		return i + size
	case kindC1:
		return st.c1(i, r, size)
	case HiddenTag:
		return st.tagRun(i)
	case HiddenVariation:
		return st.variationRun(i)
	case HiddenBidi:
		st.bidi(r)
	}
	j := i + size
	st.drop(i, j)
	if !st.benign(r, i, j) {
		st.record(kind, i, j, 1, nil)
	}
	return j
}

// c1 handles a C1 control: the 8-bit forms of CSI/OSC/DCS… start sequences.
func (st *stripper) c1(i int, r rune, size int) int {
	switch r {
	case 0x9B, 0x9D, 0x90, 0x98, 0x9E, 0x9F:
		return st.escape(i, i+size)
	}
	st.drop(i, i+size)
	st.record(HiddenControl, i, i+size, 1, nil)
	return i + size
}

// comment strips an HTML comment starting at s[i]; an unterminated comment
// runs to the end (as browsers treat it).
func (st *stripper) comment(i int) int {
	s := st.s
	body := i + 4
	bodyEnd, j := commentEnd(s, body)
	st.drop(i, j)
	if k := st.record(HiddenHTMLComment, i, j, 1, nil); k >= 0 {
		st.t.Hidden[k].Text = toValidUTF8(s[body:bodyEnd])
	}
	return j
}

// commentEnd finds the end of an HTML comment whose body starts at s[p], as
// HTML5 parses it: "-->" or "--!>", with "<!-->" and "<!--->" complete empty
// comments; an unterminated comment runs to the end.
func commentEnd(s string, p int) (bodyEnd, end int) {
	switch {
	case strings.HasPrefix(s[p:], ">"):
		return p, p + 1
	case strings.HasPrefix(s[p:], "->"):
		return p, p + 2
	}
	for q := p; q < len(s); {
		k := strings.Index(s[q:], "--")
		if k < 0 {
			break
		}
		k += q
		if strings.HasPrefix(s[k+2:], ">") {
			return k, k + 3
		}
		if strings.HasPrefix(s[k+2:], "!>") {
			return k, k + 4
		}
		q = k + 1
	}
	return len(s), len(s)
}

// tagRun strips a run of Unicode Tag characters starting at s[i] and decodes
// U+E0020–E007E to ASCII.
func (st *stripper) tagRun(i int) int {
	s := st.s
	j, n := i, 0
	var buf [64]byte
	dec := buf[:0]
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if r < 0xE0000 || r > 0xE007F {
			break
		}
		if r >= 0xE0020 && r <= 0xE007E {
			dec = append(dec, byte(r-0xE0000))
		}
		j += size
		n++
	}
	st.drop(i, j)
	st.recordText(HiddenTag, i, j, n, dec)
	return j
}

// variationRun strips a run of variation selectors. A single selector after
// an emoji, symbol, digit or ideograph is ordinary presentation and is not
// recorded; longer runs can smuggle bytes (one per selector: VS1–16 are
// 0–15, VS17–256 are 16–255), which are decoded when they form text.
func (st *stripper) variationRun(i int) int {
	s := st.s
	j, n := i, 0
	var buf [64]byte
	dec := buf[:0]
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		b, ok := variationByte(r)
		if !ok {
			break
		}
		dec = append(dec, b)
		j += size
		n++
	}
	st.drop(i, j)
	if n == 1 && benignVariationBase(st.prevRune(i)) {
		return j
	}
	st.recordText(HiddenVariation, i, j, n, dec)
	return j
}

func variationByte(r rune) (byte, bool) {
	switch {
	case r >= 0xFE00 && r <= 0xFE0F:
		return byte(r - 0xFE00), true
	case r >= 0xE0100 && r <= 0xE01EF:
		return byte(r - 0xE0100 + 16), true
	case r >= 0x180B && r <= 0x180D, r == 0x180F:
		return 0, true
	}
	return 0, false
}

func (st *stripper) prevRune(i int) rune {
	r, _ := utf8.DecodeLastRuneInString(st.s[:i])
	return r
}

func (st *stripper) nextRune(j int) rune {
	r, _ := utf8.DecodeRuneInString(st.s[j:])
	return r
}

// benign reports whether a stripped rune is ordinary text shaping rather
// than hiding: a BOM at the start, ZWJ inside emoji sequences, ZWNJ/ZWJ
// between letters of joining scripts (Persian, Indic …).
func (st *stripper) benign(r rune, i, j int) bool {
	switch r {
	case 0xFEFF:
		return i == 0
	case 0x200D, 0x200C:
		p, n := st.prevRune(i), st.nextRune(j)
		if r == 0x200D && isEmoji(p) && isEmoji(n) {
			return true
		}
		return joiningLetter(p) && joiningLetter(n)
	}
	return false
}

// bidi tracks embedding/override/isolate nesting per line.
func (st *stripper) bidi(r rune) {
	switch r {
	case 0x202A, 0x202B, 0x202D, 0x202E:
		st.bidiEmbed++
		st.t.BidiReordered = true
	case 0x2066, 0x2067, 0x2068:
		st.bidiIsolate++
		st.t.BidiReordered = true
	case 0x202C:
		if st.bidiEmbed == 0 {
			st.t.BidiUnbalanced = true
		} else {
			st.bidiEmbed--
		}
	case 0x2069:
		if st.bidiIsolate == 0 {
			st.t.BidiUnbalanced = true
		} else {
			st.bidiIsolate--
		}
	}
}

func (st *stripper) lineEnd() {
	if st.bidiEmbed|st.bidiIsolate != 0 {
		st.t.BidiUnbalanced = true
		st.bidiEmbed, st.bidiIsolate = 0, 0
	}
}

// maxNonInert bounds the recorded positions that need NFKC work; past it,
// the NFKC stage scans on its own.
const maxNonInert = 4096

// noteNonInert records that the kept rune at s[i] needs the normalizer, as
// an offset in the stripped text.
func (st *stripper) noteNonInert(i int) {
	if st.concealing || len(st.nonInert) > maxNonInert {
		return
	}
	o := i
	if st.out != nil {
		o = len(st.out) + i - st.keep
	}
	if st.nonInert == nil {
		st.nonInert = make([]int, 0, 16)
	}
	st.nonInert = append(st.nonInert, o)
}

// flush moves the pending kept bytes s[keep:i] to the output (or to the
// concealed text while SGR conceal is active).
func (st *stripper) flush(i int) {
	if st.keep >= i {
		return
	}
	if st.concealing {
		st.concealBuf = appendCapped(st.concealBuf, st.s[st.keep:i])
	} else if st.out != nil {
		st.out = append(st.out, st.s[st.keep:i]...)
	}
	st.keep = i
}

// drop removes s[i:j] from the output.
func (st *stripper) drop(i, j int) {
	st.ensureOut(i)
	st.flush(i)
	st.keep = j
	st.m.mark(len(st.out), j)
}

// replace replaces s[i:j] with rep in the output.
func (st *stripper) replace(i, j int, rep string) {
	st.ensureOut(i)
	st.flush(i)
	st.keep = j
	if st.concealing {
		st.concealBuf = appendCapped(st.concealBuf, rep)
	} else {
		st.out = append(st.out, rep...)
	}
	st.m.mark(len(st.out), j)
}

// ensureOut starts the output on the first change, at offset i.
func (st *stripper) ensureOut(i int) {
	if st.out == nil {
		st.out = make([]byte, 0, len(st.s))
		st.m.hint = 64
		st.out = append(st.out, st.s[:i]...)
		st.keep = i
	}
}

func appendCapped(b []byte, s string) []byte {
	if room := MaxHiddenText - len(b); room < len(s) {
		if room <= 0 {
			return b
		}
		s = s[:room]
	}
	return append(b, s...)
}

// record adds a Hidden record for s[i:j], merging it into the previous one
// when it is of the same kind and close by. It returns the index of the
// record, or -1 when nothing was recorded.
func (st *stripper) record(kind HiddenKind, i, j, count int, text []byte) int {
	if !st.full {
		return -1
	}
	h := st.t.Hidden
	if n := len(h); n > 0 && h[n-1].Kind == kind && i-st.lastEnd <= mergeGap && mergeable(kind) {
		h[n-1].Count += count
		h[n-1].End = j
		st.lastEnd = j
		if kind == st.txtKind && len(st.txt) < MaxHiddenText {
			st.txt = append(st.txt, text...)
		}
		return n - 1
	}
	st.finishText()
	if len(h) >= MaxHidden {
		st.t.HiddenOverflow++
		return -1
	}
	st.t.Hidden = append(h, Hidden{Kind: kind, Offset: i, End: j, Count: count})
	st.lastEnd = j
	if text != nil {
		st.txtKind = kind
		st.txt = append(st.txt[:0], text...)
	}
	return len(st.t.Hidden) - 1
}

func mergeable(k HiddenKind) bool {
	return k != HiddenHTMLComment && k != HiddenConceal && k != HiddenPadding
}

// recordText records a run whose text is decoded bytes (Tag, variation).
func (st *stripper) recordText(kind HiddenKind, i, j, count int, dec []byte) {
	if dec == nil {
		dec = []byte{}
	}
	st.record(kind, i, j, count, dec)
}

// finishText turns the accumulated bytes of the last record into its Text.
func (st *stripper) finishText() {
	if st.txtKind == "" {
		return
	}
	if n := len(st.t.Hidden); n > 0 && st.t.Hidden[n-1].Kind == st.txtKind {
		b := st.txt
		if len(b) > MaxHiddenText {
			b = b[:MaxHiddenText]
		}
		switch st.txtKind {
		case HiddenTag:
			st.t.Hidden[n-1].Text = string(b)
		case HiddenVariation:
			if len(b) >= 2 && plausibleText(b) {
				st.t.Hidden[n-1].Text = string(b)
			}
		}
	}
	st.txtKind = ""
	st.txt = st.txt[:0]
}
