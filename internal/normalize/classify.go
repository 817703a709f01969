package normalize

import (
	"strings"
	"unicode"
)

// kindC1 marks a C1 control (U+0080–U+009F); some start escape sequences.
const kindC1 HiddenKind = "c1"

// classify returns the hidden kind of a non-ASCII rune, or "" to keep it.
// Every rune of general category Cf (format) is hidden; TestClassifyCoversCf
// checks this list against the unicode tables.
func classify(r rune) HiddenKind {
	switch {
	case r >= 0x3165 && r < 0xFE00, r >= 0xA0 && r < 0xAD, r > 0xAD && r < 0x34F, r > 0x34F && r < 0x600:
		return ""
	case r < 0xA0:
		return kindC1
	case r == 0xAD, r == 0x34F:
		return HiddenZeroWidth
	case r < 0xFE00:
		return classifyBMP(r)
	}
	switch {
	case r <= 0xFE0F:
		return HiddenVariation
	case r == 0xFEFF, r == 0xFFA0, r >= 0xFFF9 && r <= 0xFFFB:
		return HiddenZeroWidth
	case r < 0x10000:
		return ""
	case r == 0x110BD, r == 0x110CD, r >= 0x13430 && r <= 0x1343F,
		r >= 0x1BCA0 && r <= 0x1BCA3, r >= 0x1D173 && r <= 0x1D17A:
		return HiddenZeroWidth
	case r >= 0xE0000 && r <= 0xE007F:
		return HiddenTag
	case r >= 0xE0100 && r <= 0xE01EF:
		return HiddenVariation
	}
	return ""
}

// classifyBMP handles U+0600–U+3164.
func classifyBMP(r rune) HiddenKind {
	switch {
	case r >= 0x600 && r <= 0x605, r == 0x6DD, r == 0x70F, r == 0x890, r == 0x891, r == 0x8E2:
		return HiddenZeroWidth
	case r == 0x61C, r == 0x200E, r == 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return HiddenBidi
	case r == 0x115F, r == 0x1160, r == 0x17B4, r == 0x17B5, r == 0x180E:
		return HiddenZeroWidth
	case r >= 0x180B && r <= 0x180D, r == 0x180F:
		return HiddenVariation
	case r >= 0x200B && r <= 0x200D, r >= 0x2060 && r <= 0x2064, r >= 0x206A && r <= 0x206F:
		return HiddenZeroWidth
	case r == 0x2800, r == 0x3164: // braille blank, Hangul filler: blank "letters"
		return HiddenZeroWidth
	}
	return ""
}

// isEmoji is a cheap approximation of Extended_Pictographic plus the parts of
// emoji sequences (VS16, keycap, skin tones).
func isEmoji(r rune) bool {
	return r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF ||
		r >= 0x2B00 && r <= 0x2BFF || r == 0xFE0F || r == 0x20E3 || r == 0x200D
}

// joiningLetter reports letters of scripts where ZWNJ/ZWJ are ordinary
// spelling (Arabic, Persian, Indic, Southeast Asian …).
func joiningLetter(r rune) bool {
	in := r >= 0x0590 && r <= 0x1CFF || r >= 0xA800 && r <= 0xABFF || r >= 0xFB1D && r <= 0xFEFC
	return in && (unicode.IsLetter(r) || unicode.IsMark(r))
}

// benignVariationBase reports whether a single variation selector after r is
// ordinary presentation (emoji/text style, ideographic variants).
func benignVariationBase(r rune) bool {
	return isEmoji(r) || unicode.IsSymbol(r) || r >= '0' && r <= '9' || r == '#' || r == '*' ||
		r >= 0x2000 && r < 0x3000 || unicode.Is(unicode.Han, r)
}

func toValidUTF8(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
