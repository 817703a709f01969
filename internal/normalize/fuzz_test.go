package normalize

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"", "hello world", "ig\u200bnore", "a" + tags("hidden") + "b", "\x1b[8msecret\x1b[0m",
		"<!-- c -->x", "<!--", "re\u0430d_file", "1gn0re pr3v10us", "contentFromReadingSshIdRsa",
		"aWdub3JlIHByZXZpb3VzIGluc3RydWN0aW9ucw==", "%69%67%6E%6F%72%65%20%61%6C%6C", "a\xffb",
		"e\u0301\u0301\u0301", "\ufb01le", "\u202ex\u202c", "x" + selectors("hello"), "\x1b]8;;u\x07t",
		"İstanbul ΣΑΣ", strings.Repeat("\n", 20) + "x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !utf8.ValidString(n.Visible) || !utf8.ValidString(n.Fold) {
			t.Fatalf("invalid UTF-8: Visible %q Fold %q", n.Visible, n.Fold)
		}
		if !norm.NFKC.IsNormalString(n.Visible) && !strings.Contains(n.Visible, "\u034f") {
			t.Fatalf("Visible %q is not NFKC", n.Visible)
		}
		for _, h := range n.Hidden {
			if h.Offset < 0 || h.Offset > len(s) || !utf8.ValidString(h.Text) {
				t.Fatalf("bad hidden record %+v", h)
			}
		}
		for _, d := range n.Decoded {
			if d.Offset < 0 || d.Offset > len(n.Visible) || !utf8.ValidString(d.Text) {
				t.Fatalf("bad decoded record %+v", d)
			}
		}
		prevA, prevB := 0, 0
		for f := 0; f <= len(n.Fold); f++ {
			a, b := n.OriginalSpan(f, f)
			if a < 0 || b > len(s) || a > b {
				t.Fatalf("OriginalSpan(%d) = %d,%d out of bounds (len %d)", f, a, b, len(s))
			}
			if a < prevA || b < prevB {
				t.Fatalf("OriginalSpan not monotonic at %d: %d,%d after %d,%d", f, a, b, prevA, prevB)
			}
			prevA, prevB = a, b
		}
		if a, b := n.OriginalSpan(0, len(n.Fold)); a > b || b > len(s) {
			t.Fatalf("full span %d,%d", a, b)
		}
		if !utf8.ValidString(Reveal(s)) {
			t.Fatalf("Reveal produced invalid UTF-8")
		}
		if len(n.Fold) > 0 {
			sn := Snippet(&n, 0, len(n.Fold)/2, 40)
			if utf8.RuneCountInString(sn) > 40 || !utf8.ValidString(sn) {
				t.Fatalf("Snippet %q too long or invalid", sn)
			}
		}
		if utf8.ValidString(s) {
			if f2 := Fold(n.Fold); f2 != n.Fold && foldStable(n.Fold) {
				t.Fatalf("Fold not idempotent: %q → %q", n.Fold, f2)
			}
		}
	})
}

// foldStable reports whether idempotence is expected: an ASCII fold
// (Unicode case mapping and NFKC interact in ways that a second pass may
// still change) without the word joiners '$', '@' and '-': whether they join
// a word depends on their neighbours being letters, and the first pass may
// have turned a leet digit next to them into a letter (and the "$HOME is not
// leet" rule depends on case, which the first pass erased).
func foldStable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == '$' || s[i] == '@' || s[i] == '-' {
			return false
		}
	}
	return true
}

// FuzzReveal checks that revealed text is safe to print: valid UTF-8 and
// nothing that a terminal would act on or that would reorder or hide text.
func FuzzReveal(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[31m\x1b]8;;x\x07", "a\u202eb\u2066", "\u200b\ufeff" + tags("x"),
		"\x00\x07\x7f\u0085\u009b", "a\xff\xfe", "x" + selectors("hi there"), "\r\n\r", strings.Repeat(" ", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := Reveal(s)
		if !utf8.ValidString(r) {
			t.Fatalf("invalid UTF-8 in %q", r)
		}
		for _, c := range r {
			if c < 0x20 && c != '\n' && c != '\t' || c == 0x7F || c >= 0x80 && classify(c) != "" || c == 0x2028 || c == 0x2029 {
				t.Fatalf("unsafe rune %U in Reveal(%q) = %q", c, s, r)
			}
		}
	})
}
