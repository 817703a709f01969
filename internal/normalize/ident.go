package normalize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SplitIdentifier splits camelCase, PascalCase, snake_case, kebab-case and
// dotted identifiers into lower-case words joined by single spaces:
// "contentFromReadingSshIdRsa" → "content from reading ssh id rsa",
// "HTTPServerURL" → "http server url", "getUserIDs" → "get user ids".
// Any rune that is not a letter, mark or digit separates words; digits stay
// with the letters before them ("ec2", "base64").
func SplitIdentifier(s string) string {
	var stack [64]rune
	rs := stack[:0]
	for _, r := range s {
		rs = append(rs, r)
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	start := 0
	for x := 0; x <= len(rs); x++ {
		word := x < len(rs) && isIdentRune(rs[x])
		if word && !camelBoundary(rs, x, start) {
			continue
		}
		if x > start {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			for _, r := range rs[start:x] {
				if r < utf8.RuneSelf {
					if r >= 'A' && r <= 'Z' {
						r += 'a' - 'A'
					}
					b.WriteByte(byte(r))
				} else {
					b.WriteRune(unicode.ToLower(r))
				}
			}
		}
		start = x
		if !word {
			start = x + 1
		}
	}
	return b.String()
}

func isIdentRune(r rune) bool {
	if r < 0x80 {
		return isAlnumByte(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}
