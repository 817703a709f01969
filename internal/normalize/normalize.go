// Package normalize turns untrusted text into forms detectors can match:
// it strips and records hidden content (ANSI, controls, zero-width, bidi,
// variation selectors, Unicode Tag characters — decoded —, HTML comments,
// concealed ANSI text), folds look-alikes (NFKC, TR39 confusables, fullwidth,
// leetspeak), splits identifiers into words and decodes embedded base64 /
// hex / percent runs. It also maps matches back to the original text and
// renders evidence safely (Reveal, Snippet).
//
// The pipeline has three stages, each with a sparse offset map back to its
// input so that a match in Fold can be shown in Original:
//
//	Original ─strip→ stripped ─NFKC→ Visible ─fold→ Fold
//
// It is pure: no I/O, no globals that change.
package normalize

import "slices"

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
//
// Runs of the same kind separated by a few bytes of visible text are merged
// into one record (so "i<ZWSP>g<ZWSP>n…" is one zero-width record, and Tag
// characters interleaved with visible letters decode to one Text).
type Hidden struct {
	Kind HiddenKind
	// Offset is the byte offset of the run in the original string.
	Offset int
	// End is the byte offset in the original string after the run (after
	// the last merged run). SnippetOriginal(t, Offset, End, n) shows it.
	End int
	// Count is the number of runes (or sequences) removed: runes for
	// zero-width, bidi, control, variation and Tag runs; escape sequences for
	// ANSI; 1 per comment; the concealed runes for conceal; the whitespace
	// runes for padding.
	Count int
	// Text is the hidden text made readable: the decoded ASCII of a Tag run,
	// the body of an HTML comment (raw, as in Original), concealed ANSI text,
	// the payload of an OSC/DCS string (for OSC 8 hyperlinks: the URI), the
	// bytes smuggled in a run of variation selectors when they form printable
	// text. Empty otherwise. Detectors should Normalize it before matching.
	Text string
}

// Decoded is an encoded run (base64, hex, percent-encoding) that decoded to
// plausible text.
type Decoded struct {
	// Encoding is "base64", "hex", "percent" or "escape" (\xNN or \uNNNN
	// runs); a second layer found inside decoded text is "outer/inner", e.g.
	// "base64/base64", with the Offset of the outer run.
	Encoding string
	Offset   int    // byte offset in the visible text
	Text     string // the decoded text (valid UTF-8, printable)
}

// Text is the normalized form of one string.
type Text struct {
	// Original is the input unchanged.
	Original string
	// Visible is what a human sees: hidden runs removed, NFKC applied.
	// Each run of invalid UTF-8 becomes one U+FFFD. Whitespace padding is kept (it is
	// recorded in Hidden). For printable ASCII it is Original, not a copy.
	Visible string
	// Fold is for matching only: Visible lower-cased, Latin accents removed,
	// confusables mapped to their TR39 skeleton (where they imitate Latin),
	// fullwidth folded, leetspeak folded inside words that mix letters and
	// digits, identifiers split into words ("send_data" → "send data",
	// "readFile" → "read file"), and whitespace runs collapsed to one space.
	// Punctuation is kept. CJK and other scripts pass through lower-cased.
	Fold string
	// Hidden lists every stripped run, in order of appearance (capped at
	// MaxHidden records; HiddenOverflow counts the runs not listed).
	Hidden []Hidden
	// Decoded lists decoded payloads, in order of appearance.
	Decoded []Decoded
	// BidiReordered is set when bidi embeddings, overrides or isolates appear:
	// the display order may differ from the logical order.
	BidiReordered bool
	// BidiUnbalanced is set when an embedding/override/isolate is not closed
	// on its line, or a close has no opener (the "Trojan Source" shape).
	BidiUnbalanced bool
	// HiddenOverflow counts hidden runs not listed because of MaxHidden.
	HiddenOverflow int

	strip spanMap // stripped → Original
	nfkc  spanMap // Visible → stripped
	fold  spanMap // Fold → Visible
}

// Caps that bound work and memory on adversarial input.
const (
	MaxHidden      = 512      // Hidden records per Text
	MaxHiddenText  = 64 << 10 // bytes of decoded Tag / variation / conceal text per record
	MaxDecodes     = 16       // Decoded records per Text
	MaxDecodeBytes = 64 << 10 // decoded bytes per Text in total
)

// HasHidden reports whether anything was stripped or recorded as hidden.
func (t *Text) HasHidden() bool { return len(t.Hidden) > 0 || t.HiddenOverflow > 0 }

// HiddenText returns the readable text of every hidden run of the given kinds
// (all kinds when none are given), joined by newlines, so a detector can scan
// all smuggled text in one pass.
func (t *Text) HiddenText(kinds ...HiddenKind) string {
	var n int
	for i := range t.Hidden {
		if t.Hidden[i].Text != "" && kindIn(t.Hidden[i].Kind, kinds) {
			n += len(t.Hidden[i].Text) + 1
		}
	}
	if n == 0 {
		return ""
	}
	b := make([]byte, 0, n)
	for i := range t.Hidden {
		if t.Hidden[i].Text != "" && kindIn(t.Hidden[i].Kind, kinds) {
			if len(b) > 0 {
				b = append(b, '\n')
			}
			b = append(b, t.Hidden[i].Text...)
		}
	}
	return string(b)
}

func kindIn(k HiddenKind, kinds []HiddenKind) bool {
	if len(kinds) == 0 {
		return true
	}
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Normalize normalizes s. It never panics and its cost is linear in len(s).
func Normalize(s string) Text {
	return normalize(s, true)
}

// Fold returns the matching form of s (see Text.Fold): hidden content is
// stripped, NFKC applied, then folded. Policy matching and pinning use it.
// Fold is idempotent on its own output for ordinary text.
func Fold(s string) string {
	t := normalize(s, false)
	return t.Fold
}

func normalize(s string, full bool) Text {
	t := Text{Original: s}
	if printableASCII(s) {
		t.Visible = s
	} else {
		st := stripper{s: s, t: &t, full: full}
		stripped := st.run()
		t.Visible, t.nfkc = nfkc(stripped, st.nonInert)
	}
	f := folder{t: &t, v: t.Visible, full: full, asciiHint: t.Visible == s && len(t.Hidden) == 0}
	t.Fold = f.run()
	if full && len(f.padding) > 0 {
		t.addPadding(f.padding)
	}
	return t
}

// printableASCII reports whether s has only printable ASCII, \t, \n and \r
// and no HTML comment opener: nothing to strip and NFKC is the identity.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x7F || (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
			return false
		}
		if c == '<' && i+3 < len(s) && s[i+1] == '!' && s[i+2] == '-' && s[i+3] == '-' {
			return false
		}
	}
	return true
}

// VisibleToOriginal maps a byte offset of Visible to a byte offset of
// Original (e.g. Decoded.Offset).
func (t *Text) VisibleToOriginal(v int) int {
	if v < 0 {
		v = 0
	}
	return t.strip.at(t.nfkc.at(v, t.strippedLen()), len(t.Original))
}

// VisibleSpan maps the byte range [start, end) of Visible to a byte range
// of Original, like OriginalSpan does for Fold: the end stops at the end of
// the last character, before hidden content that follows it.
func (t *Text) VisibleSpan(start, end int) (int, int) {
	start = min(max(start, 0), len(t.Visible))
	end = min(max(end, start), len(t.Visible))
	a := t.strip.at(t.nfkc.at(start, t.strippedLen()), len(t.Original))
	b := t.strip.atEnd(t.nfkc.at(end, t.strippedLen()), len(t.Original))
	a, b = runeStart(t.Original, a), runeEnd(t.Original, b)
	return a, max(a, b)
}

func (t *Text) strippedLen() int {
	if !t.nfkc.used() {
		return len(t.Visible)
	}
	return t.nfkc.inLen
}

// OriginalSpan maps the byte range [foldStart, foldEnd) of Fold to a byte
// range of Original. The mapping is monotonic, stays within bounds and is
// exact at rune granularity except inside runs that were rewritten (an
// expanded ligature, an inserted split space), where it is widened to whole
// runes of Original. Hidden runs inside the match are included (evidence
// must show them); hidden runs just before or after it are not.
func (t *Text) OriginalSpan(foldStart, foldEnd int) (start, end int) {
	if foldEnd < foldStart {
		foldEnd = foldStart
	}
	start = t.foldToOriginal(foldStart, false)
	end = t.foldToOriginal(foldEnd, true)
	start = runeStart(t.Original, start)
	end = runeEnd(t.Original, end)
	if end < start {
		end = start
	}
	return start, end
}

func (t *Text) foldToOriginal(f int, end bool) int {
	f = min(max(f, 0), len(t.Fold))
	// The fold and NFKC stages rewrite runs (their points mark where a run's
	// length changed), so both ends map to the end of the run. Only the strip
	// stage deletes; there an end maps before the deleted content.
	v := t.fold.at(f, len(t.Visible))
	s := t.nfkc.at(v, t.strippedLen())
	if end {
		return t.strip.atEnd(s, len(t.Original))
	}
	return t.strip.at(s, len(t.Original))
}

func runeStart(s string, i int) int {
	for k := 0; k < 3 && i > 0 && i < len(s) && s[i]&0xC0 == 0x80; k++ {
		i--
	}
	return i
}

func runeEnd(s string, i int) int {
	for k := 0; k < 3 && i < len(s) && i > 0 && s[i]&0xC0 == 0x80; k++ {
		i++
	}
	return i
}

// addPadding records whitespace padding runs found by the fold stage and
// keeps Hidden in order of appearance.
func (t *Text) addPadding(runs []padRun) {
	sorted := true
	for _, p := range runs {
		if len(t.Hidden) >= MaxHidden {
			t.HiddenOverflow++
			continue
		}
		off, end := t.VisibleToOriginal(p.off), t.VisibleToOriginal(p.end)
		if n := len(t.Hidden); n > 0 && t.Hidden[n-1].Offset > off {
			sorted = false
		}
		t.Hidden = append(t.Hidden, Hidden{Kind: HiddenPadding, Offset: off, End: end, Count: p.count})
	}
	if !sorted {
		slices.SortStableFunc(t.Hidden, func(a, b Hidden) int { return a.Offset - b.Offset })
	}
}
