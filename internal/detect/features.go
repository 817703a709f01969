package detect

import (
	"bytes"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/moat-dev/moat/internal/normalize"
)

// featureFunc is a named structural test a rule can require or forbid, for
// what phrase lists cannot say (where a phrase sits, who reads the text).
// s and end are offsets in the folded text.
type featureFunc func(e *Engine, st *state, s, end int) bool

var features = map[string]featureFunc{
	"segment-start":         segmentStart,
	"line-start":            lineStart,
	"boundary-line":         boundaryLine,
	"quoted-or-explanatory": func(e *Engine, st *state, s, end int) bool { return e.quotedOrExplanatory(st, s, end) },
	"parameter-name":        parameterName,
	"sigil-name":            sigilName,
	"identifier":            func(_ *Engine, st *state, _, _ int) bool { return st.t.Identifier },
	"short-text":            func(_ *Engine, st *state, _, _ int) bool { return len(st.f.fold) <= 400 },
}

// isBreak reports whether fold offset i is a space that stood for a line break.
func (st *state) isBreak(i int) bool {
	b := st.f.breaks
	k := sort.Search(len(b), func(j int) bool { return int(b[j]) >= i })
	return k < len(b) && int(b[k]) == i
}

// leadIns are words that can open an imperative sentence before its verb.
var leadIns = map[string]bool{"please": true, "kindly": true, "now": true, "also": true, "then": true,
	"and": true, "just": true, "simply": true, "finally": true, "next": true, "first": true, "so": true,
	"por favor": true, "bitte": true, "svp": true}

// segmentStart: the phrase opens a sentence, a line or the text (list
// bullets, quotes, markup and lead-in words such as "please" before it are
// skipped). A quoted value after a quoted key ("role": "assistant") is
// data, not the start of a sentence.
func segmentStart(_ *Engine, st *state, s, _ int) bool {
	f := st.f.fold
	quoted := false
	for i := s - 1; i >= 0; i-- {
		c := f[i]
		if isASCIIWord(c) {
			j := i
			for j > 0 && isASCIIWord(f[j-1]) {
				j--
			}
			if !leadIns[string(f[j:i+1])] {
				return false
			}
			i = j
			continue
		}
		switch {
		case c == ' ':
			if st.isBreak(i) {
				return true
			}
		case c == ':' && quoted && jsonKeyBefore(f, i):
			return false
		case c == '.' || c == '!' || c == '?' || c == ':' || c == ';' || c == '>' || c == ']' || c == '|':
			return true
		case c == ',' && f[i+1] == '"' && cellAt(f, i+1):
			return true // a quoted CSV cell starts a segment
		case c == '"':
			quoted = true
		case c == '*' || c == '-' || c == '\'' || c == '(' || c == '`' || c == '#' || c == '_' || c == '[':
		default:
			return false
		}
	}
	return true
}

// jsonValueAt reports whether the double quote at f[i] opens a JSON value
// ("key": "…") or an HTML attribute value (content="…"): a tool result's
// data, not a quotation in prose, so text in it is not softened as quoted.
func jsonValueAt(f []byte, i int) bool {
	if f[i] != '"' {
		return false
	}
	if i >= 2 && f[i-1] == '=' && (f[i-2] >= 'a' && f[i-2] <= 'z' || f[i-2] == '-') {
		return true
	}
	for j := i - 1; j >= 0; j-- {
		switch f[j] {
		case ' ':
			continue
		case ':':
			return jsonKeyBefore(f, j)
		}
		return false
	}
	return false
}

// jsonKeyBefore reports whether the colon at f[i] follows a quoted key
// (optionally with spaces between).
func jsonKeyBefore(f []byte, i int) bool {
	for j := i - 1; j >= 0; j-- {
		switch f[j] {
		case ' ':
			continue
		case '"':
			return true
		}
		return false
	}
	return false
}

// lineStart: the phrase opens a line or the text.
func lineStart(_ *Engine, st *state, s, _ int) bool {
	f := st.f.fold
	for i := s - 1; i >= 0; i-- {
		c := f[i]
		switch {
		case c == ' ':
			if st.isBreak(i) {
				return true
			}
		case c == '*' || c == '-' || c == '"' || c == '\'' || c == '(' || c == '>' || c == '#':
		default:
			return false
		}
	}
	return true
}

// boundaryLine: the phrase opens the first or the last line of a text whose
// other lines are at least twice as long as it, and that line is a short free-text sentence rather than
// a table row or a heading — text added before or after a document.
func boundaryLine(e *Engine, st *state, s, end int) bool {
	b := st.f.breaks
	if len(b) < 1 || !lineStart(e, st, s, end) {
		return false
	}
	k := sort.Search(len(b), func(j int) bool { return int(b[j]) >= s })
	var ls, le int
	switch {
	case k == 0: // first line
		ls, le = 0, int(b[0])
	case k == len(b): // last line
		ls, le = int(b[k-1])+1, len(st.f.fold)
	default:
		return false
	}
	line := bytes.TrimSpace(st.f.fold[ls:le])
	if len(st.f.fold)-len(line) < 2*len(line) || len(st.f.fold)-len(line) < 80 {
		return false // the rest is not a document the line was added to
	}
	if len(line) == 0 || len(line) > 320 || line[0] == '|' || line[0] == '#' || bytes.Count(line, []byte("|")) >= 2 {
		return false
	}
	return bytes.Count(line, []byte(" ")) <= 45
}

func parameterName(_ *Engine, st *state, _, _ int) bool {
	return st.t.Identifier && strings.Contains(st.t.Location.Field, "properties")
}

func sigilName(_ *Engine, st *state, _, _ int) bool {
	s := strings.TrimSpace(st.t.Text)
	return st.t.Identifier && (strings.HasPrefix(s, "_") || strings.HasSuffix(s, "_"))
}

// quotedOrExplanatory reports text that mentions an attack rather than makes
// one: inside a code fence or quotes on the same line, or in a paragraph that
// explains attacks ("attackers", "for example", "prompt injection").
func (e *Engine) quotedOrExplanatory(st *state, s, end int) bool {
	f := st.f.fold
	if inFence(st, s) || inQuotes(st, f, s, end) {
		return true
	}
	if e.explain < 0 {
		return false
	}
	lo, hi := s-240, end+240
	for _, p := range st.f.paras {
		if int(p) < s && int(p) > lo {
			lo = int(p)
		}
		if int(p) > end && int(p) < hi {
			hi = int(p)
		}
	}
	if e.nearAny(st, []int32{e.explain}, lo, hi) {
		return true
	}
	// "for example" / "such as" mark quoted attacks in prose; in tool
	// descriptions they are everyday wording.
	return st.ctx != Definition && e.example >= 0 && e.nearAny(st, []int32{e.example}, lo, hi)
}

// crossesSentence reports a sentence end or line break inside [s, end).
func crossesSentence(st *state, s, end int) bool {
	f := st.f.fold
	for i := s; i < end-1; i++ {
		c := f[i]
		if (c == '.' || c == '!' || c == '?' || c == ';') && f[i+1] == ' ' {
			return true
		}
		if c == ' ' && st.isBreak(i) {
			return true
		}
	}
	return false
}

func inFence(st *state, s int) bool {
	if !st.fenceOK {
		f := st.f.fold
		for i := 0; i+3 <= len(f); {
			j := bytes.Index(f[i:], []byte("```"))
			if j < 0 {
				break
			}
			st.fences = append(st.fences, int32(i+j))
			i += j + 3
		}
		st.fenceOK = true
	}
	// Inside only when a fence opens before s and another closes after it:
	// a stray or unclosed ``` must not turn everything after it into a
	// quotation (a cheap way to push a real injection down to info).
	n, closed := 0, false
	for _, p := range st.fences {
		if int(p) < s {
			n++
		} else {
			closed = true
			break
		}
	}
	return n%2 == 1 && closed
}

// inQuotes: an opening quote before s and a closing one after end, both
// within 160 bytes and with no line break or other quote between.
func inQuotes(st *state, f []byte, s, end int) bool {
	open, openAt := byte(0), 0
	for i := s - 1; i >= 0 && i >= s-160; i-- {
		c := f[i]
		if c == ' ' && st.isBreak(i) {
			return false
		}
		if c == '"' || c == '`' || (c == '\'' && (i == 0 || !isWordByte(f[i-1]))) {
			open, openAt = c, i
			break
		}
	}
	if open == 0 || jsonValueAt(f, openAt) || cellAt(f, openAt) {
		return false
	}
	for i := end; i < len(f) && i < end+160; i++ {
		c := f[i]
		if c == ' ' && st.isBreak(i) {
			return false
		}
		if c == open && (open != '\'' || i+1 >= len(f) || !isWordByte(f[i+1])) {
			return proseAround(st, f, openAt, i)
		}
	}
	return false
}

// cellAt reports a quote that opens a delimited cell (CSV, TSV, a table
// row): a field separator right before it, with no space. A quoted cell is
// data, not a quotation in prose. A JSON member name (,"key":) is no cell.
func cellAt(f []byte, open int) bool {
	if open == 0 || open+1 >= len(f) {
		return false
	}
	switch f[open-1] {
	case ',', ';', '\t', '|':
	default:
		return false
	}
	j := bytes.IndexByte(f[open+1:min(len(f), open+1+400)], f[open])
	if j < 0 {
		return true // unclosed within reach: still a cell's start
	}
	j += open + 1
	return j+1 >= len(f) || f[j+1] != ':'
}

// proseAround reports words on the quote's line outside the quotes: a
// quotation sits in prose ("attackers write "…" in pages"); a line that is
// nothing but a quoted instruction is the instruction itself, so quoting a
// payload is no way to soften it.
func proseAround(st *state, f []byte, open, close int) bool {
	letters := 0
	for i := open - 1; i >= 0 && i >= open-200 && !(f[i] == ' ' && st.isBreak(i)); i-- {
		if isWordByte(f[i]) {
			letters++
		}
	}
	for i := close + 1; i < len(f) && i <= close+200 && !(f[i] == ' ' && st.isBreak(i)); i++ {
		if isWordByte(f[i]) {
			letters++
		}
	}
	return letters >= 3
}

// evidence cuts the matched span, with a little context, from the original
// text: whitespace collapsed, cut at rune boundaries, hidden characters made
// visible (normalize.Reveal). Identifiers are shown whole.
func (e *Engine) evidence(st *state, s, end int) string {
	if st.t.Identifier {
		return normalize.Reveal(clip(st.t.Text, 160))
	}
	src := st.f.src
	so := int(st.f.offs[s])
	eo := int(st.f.offs[end-1])
	_, sz := utf8.DecodeRuneInString(src[eo:])
	eo += sz
	if st.norm != nil {
		src = st.norm.Original
		so, eo = st.norm.VisibleToOriginal(so), st.norm.VisibleToOriginal(eo)
		so, eo = min(max(so, 0), len(src)), min(max(eo, so), len(src))
	}
	lo, hi := max(0, so-40), min(len(src), eo+40)
	if eo-so > 240 {
		hi = min(len(src), so+240)
	}
	for lo > 0 && !utf8.RuneStart(src[lo]) {
		lo--
	}
	for hi < len(src) && !utf8.RuneStart(src[hi]) {
		hi++
	}
	ev := strings.Join(strings.Fields(normalize.Reveal(src[lo:hi])), " ")
	if lo > 0 {
		ev = "…" + ev
	}
	if hi < len(src) {
		ev += "…"
	}
	return strings.ToValidUTF8(ev, "\uFFFD")
}
