package normalize

import (
	"unicode"
	"unicode/utf8"
)

// Decoding thresholds: runs shorter than these are not tried.
const (
	minBase64   = 24 // base64 characters
	minHex      = 32 // hex digits
	minEscapes  = 6  // %XX, \xNN or \uNNNN escapes in one chunk
	minEncoded  = 18 // shortest chunk that can hold any of the above
	maxAttempts = 64 // decode attempts per Text
	maxRunInput = 96 << 10
)

// decoder finds base64 / hex / percent / escape runs in visible text and
// records the ones that decode to plausible text in Text.Decoded.
type decoder struct {
	t        *Text
	attempts int
	total    int
	buf      []byte

	// while scanning decoded text for a second layer (base64 of base64,
	// percent-encoded base64 …): the outer encoding and offset
	outer string
	at    int
}

func (d *decoder) full() bool {
	return d.attempts >= maxAttempts || len(d.t.Decoded) >= MaxDecodes || d.total >= MaxDecodeBytes
}

// scan looks for encoded runs in the chunk v[i:k] (no whitespace in it).
func (d *decoder) scan(v string, i, k int) {
	if d.full() {
		return
	}
	escapes := 0
	for p := i; p < k; p++ {
		if c := v[p]; (c == '%' || c == '\\') && p+2 < k {
			escapes++
		}
	}
	if escapes >= minEscapes {
		d.escapes(v, i, k)
		return
	}
	for p := i; p < k; {
		if !isB64(v[p]) {
			p++
			continue
		}
		if d.full() {
			return
		}
		q := p
		for q < k && isB64(v[q]) {
			q++
		}
		e := q
		for e < k && e-q < 2 && v[e] == '=' {
			e++
		}
		d.run(v, p, q)
		p = e
	}
}

// run tries the run v[p:q] of base64-alphabet characters as hex or base64.
func (d *decoder) run(v string, p, q int) {
	n := q - p
	if n < minBase64 {
		return
	}
	s := v[p:q]
	if len(s) > maxRunInput {
		s = s[:maxRunInput]
	}
	if n >= minHex && allHex(s) {
		d.try("hex", p, decodeHex(d.buf[:0], s))
		return
	}
	if !base64Shaped(s) {
		return
	}
	d.try("base64", p, decodeBase64(d.buf[:0], s))
}

func (d *decoder) try(enc string, off int, b []byte) {
	d.attempts++
	d.buf = b[:0]
	if len(b) == 0 || !plausibleText(b) {
		return
	}
	if room := MaxDecodeBytes - d.total; len(b) > room {
		b = b[:room]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	d.total += len(b)
	text := string(b)
	if d.outer != "" {
		enc, off = d.outer+"/"+enc, d.at
	}
	d.t.Decoded = append(d.t.Decoded, Decoded{Encoding: enc, Offset: off, Text: text})
	if d.outer == "" {
		d.nested(enc, off, text)
	}
}

// nested scans decoded text once more for an inner encoded layer.
func (d *decoder) nested(enc string, off int, text string) {
	d.outer, d.at = enc, off
	defer func() { d.outer = "" }()
	for i := 0; i < len(text) && !d.full(); {
		for i < len(text) && isSpaceByte(text[i]) {
			i++
		}
		k := i
		for k < len(text) && !isSpaceByte(text[k]) {
			k++
		}
		if k-i >= minEncoded {
			d.scan(text, i, k)
		}
		i = k
	}
}

// escapes decodes a chunk with %XX, \xNN or \uNNNN escapes.
func (d *decoder) escapes(v string, i, k int) {
	s := v[i:k]
	if len(s) > maxRunInput {
		s = s[:maxRunInput]
	}
	b := d.buf[:0]
	pct := 0
	for p := 0; p < len(s); {
		c := s[p]
		switch {
		case c == '%' && p+2 < len(s) && isHex(s[p+1]) && isHex(s[p+2]):
			b = append(b, unhex(s[p+1])<<4|unhex(s[p+2]))
			p += 3
			pct++
			continue
		case c == '\\' && p+3 < len(s) && s[p+1] == 'x' && isHex(s[p+2]) && isHex(s[p+3]):
			b = append(b, unhex(s[p+2])<<4|unhex(s[p+3]))
			p += 4
			continue
		case c == '\\' && p+5 < len(s) && s[p+1] == 'u' && allHex(s[p+2:p+6]):
			r := rune(unhex(s[p+2]))<<12 | rune(unhex(s[p+3]))<<8 | rune(unhex(s[p+4]))<<4 | rune(unhex(s[p+5]))
			b = utf8.AppendRune(b, r)
			p += 6
			continue
		}
		b = append(b, c)
		p++
	}
	enc := "escape"
	if pct >= minEscapes {
		enc = "percent"
	}
	d.try(enc, i, b)
}

// plausibleText reports whether b is valid UTF-8 that reads as text: almost
// all printable, at least half letters or spaces.
func plausibleText(b []byte) bool {
	if len(b) < 4 || !utf8.Valid(b) {
		return false
	}
	runes, good, letters := 0, 0, 0
	for _, r := range string(b) {
		runes++
		switch {
		case r == ' ' || r == '\n' || r == '\t' || r == '\r':
			good++
			letters++
		case r < 0x20 || r == 0x7F || r == utf8.RuneError:
		case r < 0x80:
			good++
			if isLetterByte(byte(r)) {
				letters++
			}
		case unicode.IsPrint(r):
			good++
			if unicode.IsLetter(r) {
				letters++
			}
		}
	}
	return good*100 >= runes*95 && letters*100 >= runes*50
}

// base64Shaped rejects runs that are clearly not base64 text: all one case
// of letters (words, identifiers), or paths made of short segments.
func base64Shaped(s string) bool {
	upper, lower, digit := false, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9':
			digit = true
		}
	}
	return upper && lower || digit && (upper || lower)
}

func isB64(c byte) bool {
	return isAlnumByte(c) || c == '+' || c == '/' || c == '-' || c == '_'
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f' }

func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}

func decodeHex(b []byte, s string) []byte {
	for i := 0; i+1 < len(s); i += 2 {
		b = append(b, unhex(s[i])<<4|unhex(s[i+1]))
	}
	return b
}

// b64 maps both the standard and the URL-safe alphabet; 0xFF is invalid.
var b64 = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(std); i++ {
		t[std[i]] = byte(i)
	}
	t['-'], t['_'] = 62, 63
	return t
}()

// decodeBase64 decodes s leniently (padding optional, both alphabets); a
// trailing single character is ignored.
func decodeBase64(b []byte, s string) []byte {
	var acc uint32
	n := 0
	for i := 0; i < len(s); i++ {
		v := b64[s[i]]
		if v == 0xFF {
			break
		}
		acc = acc<<6 | uint32(v)
		n++
		if n == 4 {
			b = append(b, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, n = 0, 0
		}
	}
	switch n {
	case 2:
		b = append(b, byte(acc>>4))
	case 3:
		b = append(b, byte(acc>>10), byte(acc>>2))
	}
	return b
}
