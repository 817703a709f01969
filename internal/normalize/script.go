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
//   - Latin-script letters that are not accented ASCII letters ("ı", "ɑ",
//     "ſ") are always mapped; accented letters ("é", "ñ") are kept.
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

var lookalikeScripts = []*unicode.RangeTable{
	unicode.Cyrillic, unicode.Greek, unicode.Armenian, unicode.Cherokee,
	unicode.Coptic, unicode.Lisu, unicode.Canadian_Aboriginal, unicode.Tifinagh,
}

// scriptMode decides the fold mode of a word with non-ASCII runes.
func scriptMode(v string, rs []rune, offs []int) foldMode {
	hasLatin, hasOther, allMap := false, false, true
	for x, r := range rs {
		switch {
		case r < 0x80:
			hasLatin = hasLatin || isLetterByte(byte(r))
		case !unicode.IsLetter(r):
		case unicode.Is(unicode.Latin, r):
			hasLatin = true
		case unicode.IsOneOf(lookalikeScripts, r):
			hasOther = true
			if allMap && confusableASCII(r) == 0 {
				allMap = false
			}
		default:
			allMap = false
		}
		_ = offs[x]
	}
	if hasOther && (hasLatin || allMap) {
		return foldAll
	}
	return foldLatinOnly
}

// fold returns the ASCII letter r (whose UTF-8 is s) folds to, or 0.
func (m foldMode) fold(s string, r rune) byte {
	if m == foldASCII || !unicode.IsLetter(r) {
		return 0
	}
	if unicode.Is(unicode.Latin, r) {
		if accented(s) {
			return 0
		}
		return confusableASCII(r)
	}
	if m == foldAll && unicode.IsOneOf(lookalikeScripts, r) {
		return confusableASCII(r)
	}
	return 0
}

// accented reports whether s (one rune) decomposes to an ASCII base letter
// plus marks, like "é".
func accented(s string) bool {
	d := norm.NFD.PropertiesString(s).Decomposition()
	return len(d) > 0 && d[0] < 0x80
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
