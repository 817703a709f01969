package detect

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/normalize"
)

// hiddenRun is one stretch of content a human reader would not see.
type hiddenRun struct {
	kind   string // a normalize.HiddenKind value
	offset int    // byte offset in the original text
	count  int    // runes or sequences
	text   string // readable hidden text (tag decode, comment body), if any
	flag   bool   // tag run shaped like an emoji subdivision flag
}

// rgiFlags are the subdivision flags in Unicode's recommended set; their Tag
// characters are ordinary emoji, not hidden text.
var rgiFlags = map[string]bool{"gbeng": true, "gbsct": true, "gbwls": true}

// findHidden classifies invisible content in the original text. It is
// self-contained so the verdict does not depend on how much the normalizer
// strips; the normalizer's decoded payloads are added by the caller.
func findHidden(s string) []hiddenRun {
	var runs []hiddenRun
	add := func(kind string, off int) {
		if n := len(runs); n > 0 && runs[n-1].kind == kind && runs[n-1].text == "" && !runs[n-1].flag {
			runs[n-1].count++
			return
		}
		runs = append(runs, hiddenRun{kind: kind, offset: off, count: 1})
	}
	prev := rune(0)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r >= 0xE0000 && r <= 0xE007F:
			run, n := decodeTagRun(s, i, prev)
			if run.text != "" && !(run.flag && rgiFlags[run.text]) {
				runs = append(runs, run)
			}
			i += n
			prev = 0xE007F
			continue
		case r == 0x1B:
			n := ansiLen(s[i:])
			kind := string(normalize.HiddenANSI)
			if strings.Contains(s[i:i+n], "[8m") || strings.Contains(s[i:i+n], ";8m") {
				kind = string(normalize.HiddenConceal)
			}
			add(kind, i)
			i += n
			prev = r
			continue
		case r == 0x200B || r == 0x2060 || r == 0x00AD || r == 0x180E || (r >= 0x2061 && r <= 0x2064) || (r == 0xFEFF && i > 0):
			add(string(normalize.HiddenZeroWidth), i)
		case (r == 0x200C || r == 0x200D) && prev < 0x0900:
			add(string(normalize.HiddenZeroWidth), i)
		case (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069):
			add(string(normalize.HiddenBidi), i)
		case (r < 0x20 && r != '\n' && r != '\t' && r != '\r') || (r >= 0x7F && r <= 0x9F):
			add(string(normalize.HiddenControl), i)
		case (r >= 0xFE00 && r <= 0xFE0D) || (r >= 0xE0100 && r <= 0xE01EF) || ((r == 0xFE0E || r == 0xFE0F) && prev < 0x2000):
			add(string(normalize.HiddenVariation), i)
		case r == '<' && strings.HasPrefix(s[i:], "<!--"):
			body, n := htmlComment(s[i:])
			if strings.TrimSpace(body) != "" {
				runs = append(runs, hiddenRun{kind: string(normalize.HiddenHTMLComment), offset: i, count: 1, text: strings.TrimSpace(body)})
			}
			i += n
			continue
		case r == ' ' || r == '\t' || r == '\n':
			if n := paddingLen(s[i:]); n > 0 {
				runs = append(runs, hiddenRun{kind: string(normalize.HiddenPadding), offset: i, count: n})
				i += n
				continue
			}
		}
		prev = r
		i += size
	}
	return runs
}

func mergeNormalizerRuns(runs []hiddenRun, n *normalize.Text) []hiddenRun {
	prefer := func(k normalize.HiddenKind) bool {
		return k == normalize.HiddenConceal || k == normalize.HiddenVariation
	}
	have := false
	for _, h := range n.Hidden {
		have = have || prefer(h.Kind)
	}
	if !have {
		return runs
	}
	out := runs[:0:0]
	for _, r := range runs {
		if !prefer(normalize.HiddenKind(r.kind)) {
			out = append(out, r)
		}
	}
	for _, h := range n.Hidden {
		if prefer(h.Kind) {
			out = append(out, hiddenRun{kind: string(h.Kind), offset: h.Offset, count: h.Count, text: h.Text})
		}
	}
	return out
}

// decodeTagRun decodes consecutive Tag characters starting at i.
func decodeTagRun(s string, i int, prev rune) (hiddenRun, int) {
	var b strings.Builder
	j := i
	cancel := false
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if r < 0xE0000 || r > 0xE007F {
			break
		}
		j += size
		if r == 0xE007F {
			cancel = true
			break
		}
		if r >= 0xE0020 && r <= 0xE007E {
			b.WriteByte(byte(r - 0xE0000))
		}
	}
	run := hiddenRun{kind: string(normalize.HiddenTag), offset: i, count: utf8.RuneCountInString(s[i:j]), text: b.String()}
	run.flag = cancel && (prev == 0x1F3F4 || prev == 0xFE0F) && len(run.text) <= 7
	return run, j - i
}

func ansiLen(s string) int {
	if len(s) < 2 {
		return 1
	}
	switch s[1] {
	case '[':
		for j := 2; j < len(s) && j < 64; j++ {
			if s[j] >= 0x40 && s[j] <= 0x7E {
				return j + 1
			}
		}
	case ']':
		for j := 2; j < len(s) && j < 512; j++ {
			if s[j] == 0x07 {
				return j + 1
			}
			if s[j] == 0x1B && j+1 < len(s) && s[j+1] == '\\' {
				return j + 2
			}
		}
	}
	return 2
}

func htmlComment(s string) (string, int) {
	end := strings.Index(s[4:], "-->")
	if end < 0 {
		return s[4:], len(s)
	}
	return s[4 : 4+end], 4 + end + 3
}

// paddingLen: a whitespace run of 80+ characters, or 12+ line breaks, that
// pushes what follows out of view.
func paddingLen(s string) int {
	n, nl := 0, 0
	for n < len(s) && (s[n] == ' ' || s[n] == '\t' || s[n] == '\n' || s[n] == '\r') {
		if s[n] == '\n' {
			nl++
		}
		n++
	}
	if (n >= 80 || nl >= 12) && n < len(s) {
		return n
	}
	return 0
}

// hiddenFindings reports hidden runs through the hidden-content rules, and
// re-scans hidden and decoded text for instructions.
func (e *Engine) hiddenFindings(st *state, out []finding.Finding, t *Target, text string, n *normalize.Text) []finding.Finding {
	if n == nil {
		return out
	}
	runs := findHidden(text)
	// The normalizer recovers text this package does not: concealed ANSI
	// text and bytes smuggled in variation-selector runs. Prefer its runs
	// for those kinds.
	runs = mergeNormalizerRuns(runs, n)
	chain := 0
	for _, r := range runs {
		if r.kind == string(normalize.HiddenTag) && r.flag {
			chain++
		}
	}
	for i, r := range e.cat.rules {
		if !e.enabled[i] || len(r.hidden) == 0 || r.ctxMask&(1<<t.Context) == 0 {
			continue
		}
		out = e.hiddenRule(out, r, t, runs, chain, n.BidiReordered)
	}
	for _, d := range n.Decoded {
		if inner := e.instructions(t, d.Text); inner != nil {
			out = e.emitMeta(out, t, "hidden-encoded-instruction", fmt.Sprintf("%s payload decodes to: %q", d.Encoding, clip(d.Text, 160)))
		}
	}
	return out
}

func (e *Engine) hiddenRule(out []finding.Finding, r *Rule, t *Target, runs []hiddenRun, chain int, reordered bool) []finding.Finding {
	total, first := 0, -1
	var instr []string
	for k, h := range runs {
		if !containsStr(r.hidden, h.kind) {
			continue
		}
		total += h.count
		if first < 0 {
			first = k
		}
		if h.text != "" {
			if inner := e.instructions(t, h.text); inner != nil {
				instr = append(instr, h.text)
			}
		}
	}
	if first < 0 {
		return out
	}
	sev := r.Severity
	if v, ok := r.sevIn[t.Context]; ok {
		sev = v
	}
	h := runs[first]
	if h.kind == string(normalize.HiddenTag) && h.flag && chain < 2 && sev > finding.Medium {
		sev = finding.Medium // one flag-shaped sequence outside the recommended set
	}
	ev := fmt.Sprintf("%d %s character(s) at byte %d", total, h.kind, h.offset)
	if h.text != "" {
		ev = fmt.Sprintf("%s at byte %d: %q", h.kind, h.offset, clip(h.text, 160))
	}
	if h.kind == string(normalize.HiddenBidi) && reordered {
		sev = max(sev, finding.Medium) // the displayed order differs from the logical one
	}
	if h.kind == string(normalize.HiddenVariation) && h.text != "" {
		sev = max(sev, finding.High) // bytes smuggled in variation selectors
	}
	if len(instr) > 0 {
		sev = max(sev, finding.High)
		ev = fmt.Sprintf("%s at byte %d hides an instruction: %q", h.kind, h.offset, clip(instr[0], 160))
	}
	out = append(out, e.newFinding(r, t, t.Context, sev, ev))
	if len(instr) > 0 {
		out = e.emitMeta(out, t, "hidden-instruction", fmt.Sprintf("%s text: %q", h.kind, clip(instr[0], 160)))
	}
	return out
}

// instructions re-scans hidden text and returns the poisoning/injection
// findings found in it. Weak signals count here: text that was hidden from
// the user and still speaks to the model is suspicious by itself.
func (e *Engine) instructions(t *Target, text string) []finding.Finding {
	inner := *t
	inner.Identifier = false
	var keep []finding.Finding
	for _, f := range e.scan(&inner, text, 1) {
		if f.Severity >= finding.Low && (f.Category == finding.CatToolPoisoning || f.Category == finding.CatPromptInjection) {
			keep = append(keep, f)
		}
	}
	return keep
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// clip shortens s to about n bytes at a rune boundary and makes invisible
// runes visible as <U+XXXX>.
func clip(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= n {
			b.WriteString("…")
			break
		}
		if unicode.Is(unicode.Cf, r) || (unicode.IsControl(r) && r != '\n' && r != '\t') {
			fmt.Fprintf(&b, "<U+%04X>", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
