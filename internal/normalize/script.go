package normalize

import (
	"unicode"

	"go.mau.fi/util/confusable"
	"golang.org/x/text/unicode/norm"
)

// foldMode says which non-ASCII letters of a word are mapped to the ASCII
// letter they imitate (UTS #39 confusables).
//
// The TR39 skeleton is meant for comparing identifiers, not for folding
// prose: applied to everything it would rewrite ordinary Greek, Russian or
// Chinese words and even ASCII ("m" → "rn", "1" → "l"). So the mapping is
// applied only where it helps matching Latin look-alikes:
//
//   - Latin-script letters are always folded: accented letters to their base
//     letter ("é" → e, "ñ" → n: accents are a trivial way around phrase
//     rules, "ïgnörë äll prëvïöüs"), look-alikes to the letter they imitate
//     ("ı" → i, "ɑ" → a); "ß", "æ", "ø" stay.
//   - letters of scripts that imitate Latin (Cyrillic, Greek, Armenian,
//     Cherokee, Coptic, Lisu …) are mapped only in a word that also has Latin
//     letters ("reаd_file" with a Cyrillic а), or whose letters all have a
//     Latin look-alike (an all-Cyrillic "іgnоrе").
//
// ASCII is never passed through the skeleton. Mappings come from the skeleton
// table; one-letter results are accepted (and "rn" as m); the skeleton's
// prototype "l" for capital I-likes is read as "i".
type foldMode uint8

const (
	foldASCII     foldMode = iota // the word is ASCII
	foldLatinOnly                 // map non-accented Latin look-alikes only
	foldAll                       // also map look-alike letters of other scripts
)

// caseless reports runes of large scripts without case or Latin look-alikes
// (CJK, kana, Hangul, Yi): they skip all folding work.
func caseless(r rune) bool {
	return r >= 0x2E80 && r < 0xA4D0 || r >= 0xAC00 && r < 0xD7B0 || r >= 0x20000 && r < 0x323B0
}

// lookalike reports letters of scripts that imitate Latin: Greek, Coptic,
// Cyrillic, Armenian, Cherokee, Canadian syllabics, Tifinagh, Lisu.
func lookalike(r rune) bool {
	switch {
	case r < 0x370:
		return false
	case r < 0x590: // Greek, Coptic letters in Greek block, Cyrillic, Armenian
		return true
	case r < 0x13A0:
		return false
	case r < 0x1680: // Cherokee, Canadian syllabics
		return true
	case r >= 0x18B0 && r < 0x1900, r >= 0x1C80 && r < 0x1C90, r >= 0x1F00 && r < 0x2000:
		return true
	case r >= 0x2C80 && r < 0x2D80: // Coptic, Tifinagh
		return r < 0x2D00 || r >= 0x2D30
	case r >= 0x2DE0 && r < 0x2E00, r >= 0xA4D0 && r < 0xA500, r >= 0xA640 && r < 0xA6A0:
		return true
	case r >= 0xAB70 && r < 0xABC0, r >= 0xFB13 && r < 0xFB18:
		return true
	}
	return false
}

// isLatin reports letters of the Latin script.
func isLatin(r rune) bool {
	if r < 0x370 || r >= 0x1D00 && r < 0x1F00 || r >= 0x2C60 && r < 0x2C80 || r >= 0xA720 && r < 0xA800 ||
		r >= 0xAB30 && r < 0xAB70 || r >= 0xFB00 && r < 0xFB07 || r >= 0xFF21 && r < 0xFF5B {
		return unicode.Is(unicode.Latin, r)
	}
	return false
}

// scriptMode decides the fold mode of a word with non-ASCII runes.
func scriptMode(rs []rune) foldMode {
	hasLatin, hasOther, allMap := false, false, true
	var tab []runeInfo
	for _, r := range rs {
		if r >= 0x80 && r < tableEnd {
			if tab == nil {
				tab = table()
			}
			in := &tab[r]
			switch {
			case in.flags&infoLetter == 0:
			case r < 0x370:
				hasLatin = true
			default:
				hasOther = true
				allMap = allMap && in.fold != 0
			}
			continue
		}
		switch {
		case r < 0x80:
			hasLatin = hasLatin || isLetterByte(byte(r))
		case caseless(r):
			allMap = false
		case !unicode.IsLetter(r):
		case isLatin(r):
			hasLatin = true
		case lookalike(r):
			hasOther = true
			if allMap && confusableASCII(r) == 0 {
				allMap = false
			}
		default:
			allMap = false
		}
	}
	if hasOther && (hasLatin || allMap) {
		return foldAll
	}
	return foldLatinOnly
}

// fold returns the ASCII letter r (whose UTF-8 is s) folds to, or 0.
func (m foldMode) fold(s string, r rune) byte {
	if m == foldASCII || caseless(r) {
		return 0
	}
	if r < tableEnd {
		in := &table()[r]
		if in.latin || m == foldAll && r >= 0x370 {
			return in.fold
		}
		return 0
	}
	if !unicode.IsLetter(r) {
		return 0
	}
	if isLatin(r) {
		return latinBase(s, r)
	}
	if m == foldAll && lookalike(r) {
		return confusableASCII(r)
	}
	return 0
}

// latinBase folds a Latin letter r (whose UTF-8 is s): an accented ASCII
// letter to its base ("é" → e, "İ" → i), a look-alike to the letter it
// imitates ("ı" → i, "ɑ" → a); 0 for the others ("ß", "æ", "ø" stay).
func latinBase(s string, r rune) byte {
	d := norm.NFD.PropertiesString(s).Decomposition()
	if len(d) > 0 && isLetterByte(d[0]) {
		return d[0] | 0x20
	}
	return confusableASCII(r)
}

// confusableASCII returns the lower-case ASCII letter r imitates, or 0.
func confusableASCII(r rune) byte {
	if c := asciiLetter(confusable.GetReplacement(r), r); c != 0 {
		return c
	}
	if l := unicode.ToLower(r); l != r {
		if c := asciiLetter(confusable.GetReplacement(l), l); c != 0 {
			return c
		}
	}
	if u := unicode.ToUpper(r); u != r {
		if c := asciiLetter(confusable.GetReplacement(u), u); c != 0 {
			return c
		}
	}
	return 0
}

func asciiLetter(rep string, src rune) byte {
	if rep == "rn" {
		return 'm'
	}
	if len(rep) != 1 {
		return 0
	}
	c := rep[0]
	switch {
	case c == 'l' && unicode.IsUpper(src):
		return 'i' // the skeleton's prototype for I-likes is "l"
	case c >= 'A' && c <= 'Z':
		return c + 'a' - 'A'
	case c >= 'a' && c <= 'z':
		return c
	}
	return 0
}
