package normalize

import (
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Padding thresholds: a whitespace run with this many line breaks, or this
// many columns of blanks on one line (a tab counts 8), pushes text out of
// view.
const (
	padLines = 12
	padCols  = 120
)

// folder is stage three: Visible → Fold, with a map back to Visible.
type folder struct {
	t    *Text
	v    string
	full bool // also detect padding and decode encoded runs

	asciiHint bool // Visible is printable ASCII: few map points expected

	out     []byte
	m       spanMap
	padding []padRun
	dec     decoder

	// scratch for the word being folded (filled by wordEnd or collect)
	rs       []rune
	offs     []int
	nonASCII bool
	upper    bool // the word has an upper-case letter (camel humps possible)
}

type padRun struct{ off, end, count int }

// wordScratch is the reusable buffer for words' runes and offsets.
type wordScratch struct {
	rs   []rune
	offs []int
}

var scratchPool = sync.Pool{New: func() any {
	return &wordScratch{rs: make([]rune, 0, 64), offs: make([]int, 0, 65)}
}}

func (f *folder) run() string {
	v := f.v
	sc := scratchPool.Get().(*wordScratch)
	f.rs, f.offs = sc.rs[:0], sc.offs[:0]
	defer func() {
		if cap(f.rs) <= 4*maxWord { // do not keep huge buffers alive
			sc.rs, sc.offs = f.rs[:0], f.offs[:0]
			scratchPool.Put(sc)
		}
	}()
	f.out = make([]byte, 0, len(v)+len(v)/16+8)
	if !f.asciiHint {
		f.m.hint = len(v) / 32
	}
	f.dec.t = f.t
	chunk := 0 // start of the current non-space chunk, for the decoder
	for i := 0; i < len(v); {
		c := v[i]
		if c-'a' < 26 { // fast path: a plain lower-case ASCII word
			j := i + 1
			for j < len(v) && v[j]-'a' < 26 {
				j++
			}
			if j == len(v) || plainEnd[v[j]] {
				f.out = append(f.out, v[i:j]...)
				i = j
				continue
			}
		}
		if c <= ' ' || c == 0xC2 || c == 0xE1 || c == 0xE2 || c == 0xE3 { // lead bytes of Unicode blanks
			if j := f.space(i); j > i {
				f.decode(chunk, i)
				if len(f.out) > 0 && j < len(v) {
					f.out = append(f.out, ' ')
				}
				f.m.mark(len(f.out), j)
				i, chunk = j, j
				continue
			}
		}
		i = f.token(i)
	}
	f.decode(chunk, len(v))
	if len(f.m.pts) > 0 {
		f.m.inLen = len(v)
		f.t.fold = f.m
	}
	if len(f.out) == 0 {
		return ""
	}
	// f.out is never written again: hand its bytes to the string.
	return unsafe.String(unsafe.SliceData(f.out), len(f.out))
}

// plainEnd marks ASCII bytes that end a plain word: blanks and punctuation
// other than the word joiners - _ $ @.
var plainEnd = func() (t [256]bool) {
	for c := 0; c < 0x80; c++ {
		t[c] = !isAlnumByte(byte(c)) && c != '_' && c != '-' && c != '$' && c != '@'
	}
	return t
}()

func (f *folder) decode(i, k int) {
	if f.full && k-i >= minEncoded {
		f.dec.scan(f.v, i, k)
	}
}

// space returns the end of the whitespace run at v[i] (i when none) and
// records it as padding when it is long enough.
func (f *folder) space(i int) int {
	v := f.v
	j, nl, cols, maxCols, n := i, 0, 0, 0, 0
	for j < len(v) {
		c := v[j]
		size := 1
		switch {
		case c == ' ':
			cols++
		case c == '\t':
			cols += 8
		case c == '\n' || c == '\r' || c == '\v' || c == '\f':
			if c != '\r' {
				nl++
			}
			maxCols, cols = max(maxCols, cols), 0
		case c < 0x80:
			goto done
		default:
			r, sz := utf8.DecodeRuneInString(v[j:])
			if !unicode.IsSpace(r) {
				goto done
			}
			size = sz
			if r == 0x2028 || r == 0x2029 || r == 0x85 {
				nl++
				maxCols, cols = max(maxCols, cols), 0
			} else {
				cols++
			}
		}
		j += size
		n++
	}
done:
	maxCols = max(maxCols, cols)
	if f.full && (nl >= padLines || maxCols >= padCols) {
		f.padding = append(f.padding, padRun{i, j, n})
	}
	return j
}

// token folds one word or one punctuation rune at v[p] (not a blank) and
// returns the offset after it.
func (f *folder) token(p int) int {
	v := f.v
	c := v[p]
	if c < 0x80 {
		if isWordByte(c) || c == '$' && (letterAt(v, p+1) || p+1 < len(v) && v[p+1] == '$') {
			return f.word(p, f.wordEnd(p, len(v)))
		}
		f.out = append(f.out, c)
		return p + 1
	}
	r, size := utf8.DecodeRuneInString(v[p:])
	if caseless(r) { // CJK, kana, Hangul: copied as is, a word of their own
		q := p + size
		for q < len(v) && v[q] >= 0xE2 {
			r, size := utf8.DecodeRuneInString(v[q:])
			if !caseless(r) {
				break
			}
			q += size
		}
		f.out = append(f.out, v[p:q]...)
		return q
	}
	if isWordRune(r) {
		return f.word(p, f.wordEnd(p, len(v)))
	}
	f.emit(toLower(r), p, p+size)
	return p + size
}

// wordEnd returns the end of the word starting at v[p] (before k): letters,
// marks, digits and '_', plus '-' between letters, '$' before a
// letter, and '@' between letters when what follows is not a domain.
//
// It also collects the word's runes and offsets into f.rs and f.offs.
func (f *folder) wordEnd(p, k int) int {
	v := f.v
	f.rs, f.offs = f.rs[:0], f.offs[:0]
	f.nonASCII, f.upper = false, false
	q := p
	for q < k {
		c := v[q]
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(v[q:])
			if !isWordRune(r) || caseless(r) {
				return q
			}
			f.upper = f.upper || isUpper(r)
			if len(f.rs) < maxWord { // longer words are re-collected in pieces
				f.rs = append(f.rs, r)
				f.offs = append(f.offs, q)
			}
			f.nonASCII = true
			q += size
			continue
		}
		switch {
		case isWordByte(c):
			f.upper = f.upper || c-'A' < 26
		case c == '-':
			if q == p || !letterBefore(v, q) || !letterAt(v[:k], q+1) {
				return q
			}
		case c == '$':
			if !letterAt(v[:k], q+1) && !(q+1 < k && v[q+1] == '$') {
				return q
			}
		case c == '@':
			if q == p || !letterBefore(v, q) || !letterAt(v[:k], q+1) || domainAhead(v[q+1:k]) {
				return q
			}
		default:
			return q
		}
		if len(f.rs) < maxWord {
			f.rs = append(f.rs, rune(c))
			f.offs = append(f.offs, q)
		}
		q++
	}
	return q
}

// letterAt reports whether a letter (any script) starts at v[i].
func letterAt(v string, i int) bool {
	if i >= len(v) {
		return false
	}
	if v[i] < 0x80 {
		return isLetterByte(v[i])
	}
	r, _ := utf8.DecodeRuneInString(v[i:])
	return isLetterRune(r)
}

// letterBefore reports whether a letter (any script) ends at v[i].
func letterBefore(v string, i int) bool {
	if i == 0 {
		return false
	}
	if v[i-1] < 0x80 {
		return isLetterByte(v[i-1])
	}
	r, _ := utf8.DecodeLastRuneInString(v[:i])
	return isLetterRune(r)
}

func isLetterRune(r rune) bool {
	if r < tableEnd {
		return r < 0x80 && isLetterByte(byte(r)) || r >= 0x80 && table()[r].flags&infoLetter != 0
	}
	return unicode.IsLetter(r)
}

// domainAhead reports whether s (after an '@') looks like host.tld.
func domainAhead(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '.' && isLetterByte(s[i+1]) {
			return true
		}
		if s[i] == '@' || s[i] == '/' || s[i] <= ' ' {
			return false
		}
	}
	return false
}

// maxWord bounds the bytes folded as one word; longer runs (a megabyte of
// base64 or combining marks) are folded in pieces.
const maxWord = 4096

// word folds v[p:q] and returns q.
func (f *folder) word(p, q int) int {
	v := f.v
	if q-p > maxWord {
		return f.longWord(p, q)
	}
	if titleCase(v[p:q]) { // "Hello": lower-case it, nothing else to do
		f.out = append(f.out, v[p]|0x20)
		f.out = append(f.out, v[p+1:q]...)
		return q
	}
	f.offs = append(f.offs, q)
	mode := foldASCII
	if f.nonASCII {
		mode = scriptMode(f.rs)
	}
	// base64, keys: splitting at case changes would invent words
	f.parts(mode, f.upper && !randomLooking(f.rs))
	f.m.mark(len(f.out), q)
	return q
}

// parts emits the identifier parts of the word in f.rs, separated by spaces:
// split at '_' and '-', and at camel humps when camel is set.
func (f *folder) parts(mode foldMode, camel bool) {
	rs := f.rs
	start, first := 0, true
	for x := 0; x <= len(rs); x++ {
		sep := x < len(rs) && (rs[x] == '_' || rs[x] == '-')
		if x < len(rs) && !sep && !(camel && camelBoundary(rs, x, start)) {
			continue
		}
		if x > start {
			if !first {
				f.out = append(f.out, ' ')
			}
			first = false
			f.part(start, x, mode)
		}
		start = x
		if sep {
			start = x + 1
		}
	}
	if first { // only separators ("_", "__"): keep them
		for x := range rs {
			f.out = append(f.out, byte(rs[x]))
		}
	}
}

// part emits f.rs[a:b] lower-cased and confusable-folded, then leet-folds it.
// The offset map gets points at the part's ends only: inside a part, offsets
// are interpolated (evidence is widened to whole words anyway).
func (f *folder) part(a, b int, mode foldMode) {
	f.m.mark(len(f.out), f.offs[a])
	o := len(f.out)
	for x := a; x < b; x++ {
		r := f.rs[x]
		if r < 0x80 {
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			f.out = append(f.out, byte(r))
			continue
		}
		if caseless(r) {
			f.out = append(f.out, f.v[f.offs[x]:f.offs[x+1]]...)
			continue
		}
		switch c := mode.fold(f.v[f.offs[x]:f.offs[x+1]], r); {
		case c != 0:
			f.out = append(f.out, c)
		case len(f.out) > o && f.out[len(f.out)-1]-'a' < 26 && isMark(r):
			// a mark left on an ASCII letter after NFKC composes nothing
			// ("i̶g̶n̶o̶r̶e̶", zalgo): the letter is what is read
		default:
			f.out = utf8.AppendRune(f.out, toLower(r))
		}
	}
	dollarVar := f.rs[a] == '$' && b > a+1 && unicode.IsUpper(f.rs[a+1])
	leetFold(f.out[o:], dollarVar)
	f.m.mark(len(f.out), f.offs[b])
}

// longWord folds a word longer than maxWord in pieces.
func (f *folder) longWord(p, q int) int {
	v := f.v
	for p < q {
		e := min(p+maxWord, q)
		for e > p && e < len(v) && !utf8.RuneStart(v[e]) {
			e--
		}
		if e == p {
			e = q
		}
		f.word(p, f.collect(p, e))
		p = e
	}
	return q
}

// collect fills f.rs and f.offs with the runes of v[p:e] and returns e.
func (f *folder) collect(p, e int) int {
	f.rs, f.offs = f.rs[:0], f.offs[:0]
	f.nonASCII, f.upper = false, false
	for x := p; x < e; {
		r, size := rune(f.v[x]), 1
		if r >= 0x80 {
			r, size = utf8.DecodeRuneInString(f.v[x:])
			f.nonASCII = true
		}
		f.upper = f.upper || isUpper(r)
		f.rs = append(f.rs, r)
		f.offs = append(f.offs, x)
		x += size
	}
	return e
}

// titleCase reports an ASCII word of letters, lower-case after the first.
func titleCase(w string) bool {
	if len(w) == 0 || !isLetterByte(w[0]) {
		return false
	}
	for i := 1; i < len(w); i++ {
		if w[i]-'a' >= 26 {
			return false
		}
	}
	return true
}

// randomLooking reports whether a long word is random-looking (base64, a
// key) rather than an identifier: splitting it at case changes would yield
// many one- or two-letter parts. Separators do not count: "x_y_z" is fine.
func randomLooking(rs []rune) bool {
	if len(rs) < 16 {
		return false
	}
	short, start := 0, 0
	for x := 1; x <= len(rs); x++ {
		if x < len(rs) && !camelBoundary(rs, x, start) {
			continue
		}
		if x-start <= 2 {
			short++
		}
		start = x
	}
	return short >= 3
}

// emit appends r for v[i:j].
func (f *folder) emit(r rune, i, j int) {
	f.m.mark(len(f.out), i)
	f.out = utf8.AppendRune(f.out, r)
	f.m.mark(len(f.out), j)
}

// camelBoundary reports whether a new identifier part starts at rs[x]:
// lower→Upper ("getUser"), digit→Upper+lower ("base64Decode"),
// Upper→Upper+lower ("HTTPServer"), except a plural "s" after an acronym
// ("getUserIDs", "URLs").
func camelBoundary(rs []rune, x, start int) bool {
	if x <= start || x >= len(rs) {
		return false
	}
	prev, cur := rs[x-1], rs[x]
	if !isUpper(cur) {
		return false
	}
	if isLower(prev) {
		return true
	}
	if x+1 >= len(rs) || !isLower(rs[x+1]) {
		return false
	}
	if isDigit(prev) {
		return true
	}
	if !isUpper(prev) {
		return false
	}
	plural := rs[x+1] == 's' && (x+2 == len(rs) || !isLower(rs[x+2]))
	return !plural
}

func isUpper(r rune) bool {
	if r < 0x80 {
		return r >= 'A' && r <= 'Z'
	}
	if r < tableEnd {
		return table()[r].flags&infoUpper != 0
	}
	return !caseless(r) && unicode.IsUpper(r)
}

func toLower(r rune) rune {
	if r < tableEnd {
		if r < 0x80 {
			return unicode.ToLower(r)
		}
		return table()[r].lower
	}
	return unicode.ToLower(r)
}

func isLower(r rune) bool {
	if r < 0x80 {
		return r >= 'a' && r <= 'z'
	}
	if r < tableEnd {
		return table()[r].flags&infoLower != 0
	}
	return !caseless(r) && unicode.IsLower(r)
}

func isMark(r rune) bool {
	if r < tableEnd {
		return r >= 0x80 && table()[r].flags&infoMark != 0
	}
	return unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r)
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func isLetterByte(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isAlnumByte(c byte) bool { return isLetterByte(c) || c >= '0' && c <= '9' }

func isWordByte(c byte) bool { return isAlnumByte(c) || c == '_' }

func isWordRune(r rune) bool {
	if r < 0x80 {
		return isWordByte(byte(r))
	}
	if r < tableEnd {
		return table()[r].flags&(infoLetter|infoMark|infoDigit) != 0
	}
	if r >= 0x4E00 && r < 0xA000 || r >= 0xAC00 && r < 0xD7A4 || r >= 0x3041 && r < 0x3097 || r >= 0x30A1 && r < 0x30FB {
		return true // CJK ideographs, Hangul syllables, kana
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}
