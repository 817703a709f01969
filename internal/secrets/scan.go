package secrets

import (
	"slices"
	"strings"
)

// candidate is a validated rule match before overlaps are resolved.
type candidate struct {
	rule       int
	start, end int // value span
}

// scanState is the per-call state of one scan. It lives on the caller's
// stack; nothing here is shared between calls.
type scanState struct {
	set  *ruleSet
	text string
	// next[r] is the first offset where rule r may match again: a rule
	// never re-fires on a keyword inside its own previous match.
	next  [maxRules]int
	cands []candidate
	// onKeyword replaces rule evaluation in prefilter tests.
	onKeyword func(pos int, kw *pfKeyword)
}

// scan runs the prefilter and then the rules whose keywords occur.
func (set *ruleSet) scan(text string) []candidate {
	st := scanState{set: set, text: text}
	set.pf.scan(text, &st)
	return resolve(st.cands)
}

// keyword is called by the prefilter for every keyword occurrence.
func (st *scanState) keyword(pos int, kw *pfKeyword) {
	if st.onKeyword != nil {
		st.onKeyword(pos, kw)
		return
	}
	for _, ri := range kw.rules {
		if pos < st.next[ri] {
			continue
		}
		r := &st.set.rules[ri]
		if !r.embedded && wordBefore(st.text, pos) && isWord(st.text[pos]) {
			continue
		}
		if r.gate != nil {
			if pass, resume := r.gate(st.text, pos, pos+len(kw.lit)); !pass {
				st.next[ri] = max(st.next[ri], resume)
				continue
			}
		}
		st.set.prepare(ri)
		if c, end, ok := r.apply(st.text, pos); ok {
			c.rule = ri
			st.cands = append(st.cands, c)
			st.next[ri] = end
		}
	}
}

// apply runs rule r anchored at pos. It returns the candidate, the end of
// the whole match, and whether the rule fired.
func (r *rule) apply(text string, pos int) (candidate, int, bool) {
	loc := r.find(text, pos)
	if loc == nil {
		return candidate{}, 0, false
	}
	mEnd := pos + loc[1]
	if mEnd > pos && mEnd < len(text) && isWord(text[mEnd-1]) && isWord(text[mEnd]) {
		return candidate{}, 0, false // the token goes on: not this format
	}
	vs, ve := loc[2*r.valueGrp], loc[2*r.valueGrp+1]
	if vs < 0 {
		return candidate{}, 0, false
	}
	c := candidate{start: pos + vs, end: pos + ve}
	if r.extend != nil {
		var ok bool
		if c.start, c.end, ok = r.extend(text, c.start, c.end); !ok {
			return candidate{}, 0, false
		}
		mEnd = max(mEnd, c.end)
	}
	if c.end <= c.start {
		return candidate{}, 0, false
	}
	in := checkInput{text: text, matchStart: pos, matchEnd: mEnd, start: c.start, end: c.end}
	for _, check := range r.checks {
		if !check(in) {
			return candidate{}, 0, false
		}
	}
	return c, mEnd, true
}

// firstWindow is how much text a rule's regex sees first. Most matches are
// short; a small input keeps Go's backtracking matcher cheap to set up.
const firstWindow = 256

// find runs the anchored regex on text[pos:]. It tries a short window
// first and reads the rule's full window only when the short one could
// have cut a match off: no match, or a match reaching the window's end.
func (r *rule) find(text string, pos int) []int {
	full := min(len(text), pos+r.window)
	end := min(full, pos+firstWindow)
	loc := r.re.FindStringSubmatchIndex(text[pos:end])
	if end < full && (loc == nil || pos+loc[1] == end) {
		loc = r.re.FindStringSubmatchIndex(text[pos:full])
	}
	return loc
}

// resolve drops overlapping candidates. Earlier rules in the catalogue are
// more specific and win; among equals, the earlier then longer span wins.
// The result is ordered by offset. Kept spans never overlap, so a new span
// can only collide with its neighbours in start order: O(n log n) lookups.
func resolve(cs []candidate) []candidate {
	if len(cs) < 2 {
		return cs
	}
	slices.SortFunc(cs, func(a, b candidate) int {
		if a.rule != b.rule {
			return a.rule - b.rule
		}
		if a.start != b.start {
			return a.start - b.start
		}
		return b.end - a.end
	})
	kept := make([]candidate, 0, len(cs))
	for _, c := range cs {
		i, _ := slices.BinarySearchFunc(kept, c.start, func(k candidate, start int) int { return k.start - start })
		if i < len(kept) && kept[i].start < c.end || i > 0 && kept[i-1].end > c.start {
			continue
		}
		kept = slices.Insert(kept, i, c)
	}
	return kept
}

// wordBefore reports whether the byte before pos continues a word. The
// letter of a JSON or C escape ("\n", "\t", "\r") does not: a token at the
// start of a line inside an escaped string still starts a word.
func wordBefore(text string, pos int) bool {
	if pos == 0 || !isWord(text[pos-1]) {
		return false
	}
	if pos >= 2 && text[pos-2] == '\\' {
		switch text[pos-1] {
		case 'n', 't', 'r':
			return false
		}
	}
	return true
}

func isWord(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// redactedForm is the printable stand-in for a secret value: at most four
// leading characters (fewer for short values), an ellipsis and the rule id.
func redactedForm(value, id string) string {
	n := min(4, len(value)/4)
	for n > 0 && value[n-1] >= 0x80 {
		n-- // never cut inside a UTF-8 sequence
	}
	var b strings.Builder
	b.Grow(n + len(id) + 16)
	b.WriteString(value[:n])
	b.WriteString("…[REDACTED:")
	b.WriteString(id)
	b.WriteByte(']')
	return b.String()
}
