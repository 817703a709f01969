package detect

import (
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// folded is the matching form of one text: lower-case, accents removed from
// Latin letters, common Cyrillic/Greek look-alikes mapped to Latin, typographic
// quotes made ASCII and every whitespace run collapsed to one space. offs maps
// each byte of fold back to the byte offset in src it came from (len(fold)+1
// entries), and breaks lists the fold offsets of spaces that stood for a line
// break, so detectors can still see line and paragraph structure.
type folded struct {
	src    string
	fold   []byte
	offs   []int32
	breaks []int32 // fold offsets of collapsed runs that contained '\n'
	paras  []int32 // fold offsets of collapsed runs that contained a blank line
}

func (f *folded) reset(src string) {
	f.src = src
	f.fold = f.fold[:0]
	f.offs = f.offs[:0]
	f.breaks = f.breaks[:0]
	f.paras = f.paras[:0]
}

// foldText fills f from src.
func foldText(f *folded, src string) {
	f.reset(src)
	f.fold = slices.Grow(f.fold, len(src)+8)
	f.offs = slices.Grow(f.offs, len(src)+9)
	pendingSpace, nl, blank := false, 0, false
	for i := 0; i < len(src); {
		c := src[i]
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(src[i:])
		} else if asciiClass[c] == 0 {
			// Fast path: a run of printable ASCII that is not a space.
			if pendingSpace {
				f.flushSpace(i, nl, blank)
				pendingSpace = false
			}
			i = f.asciiRun(src, i)
			continue
		}
		if isSpace(r) {
			if !pendingSpace {
				pendingSpace, nl, blank = true, 0, false
			}
			if r == '\n' {
				nl++
				blank = blank || nl >= 2
			}
			i += size
			continue
		}
		if pendingSpace {
			f.flushSpace(i, nl, blank)
			pendingSpace = false
		}
		f.appendRune(foldRune(r), i)
		i += size
	}
	f.offs = append(f.offs, int32(len(src)))
}

// asciiRun folds printable non-space ASCII from src[i:] and returns the
// offset of the first byte it did not take.
func (f *folded) asciiRun(src string, i int) int {
	j := i
	for j < len(src) && src[j] < utf8.RuneSelf && asciiClass[src[j]] == 0 {
		j++
	}
	n := len(f.fold)
	f.fold = slices.Grow(f.fold, j-i)[:n+j-i]
	f.offs = slices.Grow(f.offs, j-i)[:n+j-i]
	fold, offs := f.fold[n:], f.offs[n:]
	for k := range j - i {
		fold[k] = asciiLower[src[i+k]]
		offs[k] = int32(i + k)
	}
	return j
}

// flushSpace writes the one space that stands for a whitespace run ending
// before src offset i.
func (f *folded) flushSpace(i, nl int, blank bool) {
	if len(f.fold) == 0 {
		return
	}
	if nl > 0 {
		f.breaks = append(f.breaks, int32(len(f.fold)))
	}
	if blank {
		f.paras = append(f.paras, int32(len(f.fold)))
	}
	f.fold = append(f.fold, ' ')
	f.offs = append(f.offs, int32(i-1))
}

// asciiClass is 1 for ASCII whitespace; asciiLower lower-cases ASCII.
var asciiClass, asciiLower = func() (c, l [128]byte) {
	for i := range l {
		l[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			l[i] = byte(i + 32)
		}
	}
	for _, b := range []byte{' ', '\t', '\n', '\r', '\v', '\f'} {
		c[b] = 1
	}
	return c, l
}()

func (f *folded) appendRune(r rune, at int) {
	if r < utf8.RuneSelf {
		f.fold = append(f.fold, byte(r))
		f.offs = append(f.offs, int32(at))
		return
	}
	n := len(f.fold)
	f.fold = utf8.AppendRune(f.fold, r)
	for j := n; j < len(f.fold); j++ {
		f.offs = append(f.offs, int32(at))
	}
}

func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', 0x85, 0xA0, 0x3000:
		return true
	}
	return r > 0xFF && unicode.IsSpace(r)
}

// latinBase maps U+00C0–U+017F to their base letter (accents removed).
var latinBase = func() [0x180 - 0xC0]rune {
	var t [0x180 - 0xC0]rune
	for r := rune(0xC0); r < 0x180; r++ {
		d := norm.NFD.String(string(r))
		base, _ := utf8.DecodeRuneInString(d)
		t[r-0xC0] = unicode.ToLower(base)
	}
	return t
}()

// confusables maps the look-alikes attackers use most to their Latin letter.
var confusables = map[rune]rune{
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p',
	'с': 'c', 'т': 't', 'у': 'y', 'х': 'x', 'і': 'i', 'ї': 'i', 'ј': 'j', 'ѕ': 's', 'ԁ': 'd',
	'ɡ': 'g', 'ӏ': 'l', 'һ': 'h', 'ԛ': 'q', 'ԝ': 'w', 'α': 'a', 'ο': 'o', 'ν': 'v', 'ε': 'e',
	'ι': 'i', 'κ': 'k', 'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x', 'ѵ': 'v', 'ɩ': 'i', 'ı': 'i',
	'’': '\'', '‘': '\'', '‛': '\'', '′': '\'', '“': '"', '”': '"', '„': '"', '«': '"', '»': '"',
	'‐': '-', '‑': '-', '‒': '-', '–': '-', '—': '-', '−': '-', '＜': '<', '＞': '>',
}

func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 32
		}
		return r
	}
	if r >= 0xC0 && r < 0x180 && r != 0xD7 && r != 0xF7 && r != 0xDF {
		return latinBase[r-0xC0]
	}
	r = unicode.ToLower(r)
	if m, ok := confusables[r]; ok {
		return m
	}
	return r
}

// foldString is the matching form of a phrase (same mapping as foldText).
func foldString(s string) string {
	var f folded
	foldText(&f, s)
	return string(f.fold)
}

// splitIdentifier splits camelCase, snake_case, kebab-case and dotted names
// into space-separated words: "contentFromReadingSshIdRsa" → "content From
// Reading Ssh Id Rsa". Sigils such as leading underscores become spaces.
func splitIdentifier(s string) string {
	out := make([]rune, 0, len(s)+8)
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r == '_' || r == '-' || r == '.' || r == '/' || r == ':':
			out = append(out, ' ')
			continue
		case i > 0 && unicode.IsUpper(r):
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				out = append(out, ' ')
			}
		case i > 0 && unicode.IsDigit(r) && unicode.IsLetter(rs[i-1]):
			// keep "id25519"-like tokens together; split "file2" no further.
		}
		out = append(out, r)
	}
	return string(out)
}

// leetDigits maps the digits attackers use for letters ("1gn0re").
var leetDigits = [10]byte{'o', 'i', 0, 'e', 'a', 's', 0, 't', 0, 0}

// foldLeet rewrites leetspeak words in place ("1gn0re" → "ignore",
// "prev10us" → "previous"). A word qualifies when it mixes at least two
// letters with digits and does not look like an ordinary token: trailing
// version or size digits ("base64", "sha256"), a number with a short unit
// ("10mb", "2fa"), hex ("550e8400") or a long random run (keys, hashes).
// Byte length is unchanged, so offsets stay valid.
func foldLeet(f []byte) {
	for i := 0; i < len(f); {
		if !isASCIIWord(f[i]) {
			i++
			continue
		}
		j := i
		letters, digits, hex := 0, 0, true
		for j < len(f) && isASCIIWord(f[j]) {
			c := f[j]
			if c >= '0' && c <= '9' {
				digits++
			} else {
				letters++
				hex = hex && c <= 'f'
			}
			j++
		}
		if digits > 0 && letters >= 2 && j-i <= 20 && !(hex && j-i >= 6) && leetShaped(f[i:j]) {
			for k := i; k < j; k++ {
				if c := f[k]; c >= '0' && c <= '9' && leetDigits[c-'0'] != 0 {
					f[k] = leetDigits[c-'0']
				}
			}
		}
		i = j
	}
}

// leetShaped: a run of one or two digits sits between letters
// ("prev10us", "1nstruct10ns"), or the word opens with a digit followed by at
// least four letters ("1gnore").
func leetShaped(w []byte) bool {
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	for k := 1; k < len(w); k++ {
		if !isDigit(w[k]) || isDigit(w[k-1]) {
			continue
		}
		e := k
		for e < len(w) && isDigit(w[e]) {
			e++
		}
		if e-k <= 2 && e < len(w) {
			return true
		}
	}
	if isDigit(w[0]) {
		n := 0
		for _, c := range w[1:] {
			if isDigit(c) {
				break
			}
			n++
		}
		return n >= 4
	}
	return false
}
