package detect

import (
	"strings"

	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/normalize"
)

// hit is one phrase occurrence in the folded text.
type hit struct {
	term       int32
	start, end int32
}

// state is the per-scan scratch space, reused through a pool.
type state struct {
	f        folded
	hits     []hit
	termHits [][]int32 // term id → indexes into hits
	touched  []int32
	t        *Target // points at tgt
	tgt      Target
	ctx      Context
	fences   []int32 // fold offsets of ``` markers
	fenceOK  bool
	norm     *normalize.Text // nil when the text needed no normalizing
}

func (st *state) reset(t *Target, ctx Context) {
	for _, id := range st.touched {
		st.termHits[id] = st.termHits[id][:0]
	}
	st.touched = st.touched[:0]
	st.hits = st.hits[:0]
	st.tgt, st.ctx = *t, ctx
	st.t = &st.tgt
	st.fences, st.fenceOK = st.fences[:0], false
}

// scan runs the catalogue on text (a target's text or hidden text found in
// it). depth > 0 means text was hidden inside another text.
func (e *Engine) scan(t *Target, text string, depth int) []finding.Finding {
	var out []finding.Finding
	ctx := t.Context
	if len(text) > MaxScanBytes {
		text = capText(text)
		if depth == 0 {
			out = e.emitMeta(out, t, "scan-truncated", "")
		}
	}
	visible := text
	var norm *normalize.Text
	if depth == 0 && needsNormalize(text) {
		n := normalize.Normalize(text)
		norm = &n
		visible = n.Visible
	}
	src := visible
	if t.Identifier {
		src = splitIdentifier(visible)
	}
	st := e.pool.Get().(*state)
	defer e.pool.Put(st)
	st.reset(t, ctx)
	st.norm = norm
	foldText(&st.f, src)
	foldLeet(st.f.fold)
	e.collectHits(st)
	out, weight := e.evalRules(st, out, t)
	if depth == 0 {
		out = e.hiddenFindings(st, out, t, text, norm)
		out = e.combine(out, t, weight)
	}
	return out
}

// needsNormalize is false for plain printable ASCII with nothing that could
// hide or encode text, which is the common case for tool results; those skip
// the normalizer entirely. One pass, one table lookup per byte.
func needsNormalize(s string) bool {
	b64, spaces, nl := 0, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		fl := byteFlags[c]
		if fl == 0 {
			b64, spaces, nl = 0, 0, 0
			continue
		}
		if fl&flagHidden != 0 {
			return true
		}
		if fl&flagB64 != 0 {
			if b64++; b64 >= 32 {
				return true
			}
			spaces, nl = 0, 0
			continue
		}
		b64 = 0
		switch c {
		case ' ':
			if spaces++; spaces >= 40 {
				return true
			}
		case '\n':
			if nl++; nl >= 12 {
				return true
			}
		case '<':
			spaces, nl = 0, 0
			if strings.HasPrefix(s[i:], "<!--") {
				return true
			}
		}
	}
	return false
}

const (
	flagHidden = 1 << iota // non-ASCII or a control character
	flagB64                // base64 alphabet
	flagOther              // space, newline, '<'
)

var byteFlags = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= 0x80 || c == 0x7F || (c < 0x20 && c != '\n' && c != '\t' && c != '\r'):
			t[c] = flagHidden
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=':
			t[c] = flagB64
		case c == ' ' || c == '\n' || c == '<':
			t[c] = flagOther
		}
	}
	return t
}()

// collectHits runs the automaton once and keeps the occurrences that respect
// word boundaries.
func (e *Engine) collectHits(st *state) {
	fold := st.f.fold
	pats := e.cat.patterns
	e.cat.ac.scan(fold, func(id int32, s, end int) {
		p := &pats[id]
		if p.boundStart && s > 0 && isWordByte(fold[s-1]) {
			return
		}
		if p.boundEnd && end < len(fold) && isWordByte(fold[end]) {
			return
		}
		hi := int32(len(st.hits))
		st.hits = append(st.hits, hit{start: int32(s), end: int32(end)})
		for _, tid := range p.terms {
			if len(st.termHits[tid]) == 0 {
				st.touched = append(st.touched, tid)
			}
			st.termHits[tid] = append(st.termHits[tid], hi)
		}
	})
}

// evalRules evaluates every enabled phrase/regex rule whose groups all have a
// hit. It returns the findings and the summed weight of weak signals.
func (e *Engine) evalRules(st *state, out []finding.Finding, t *Target) ([]finding.Finding, int) {
	weight := 0
	for i, r := range e.cat.rules {
		if !e.enabled[i] || r.ctxMask&(1<<st.ctx) == 0 || len(r.hidden) > 0 || r.combine > 0 {
			continue
		}
		if !e.candidate(st, r) {
			continue
		}
		s, end, ok := e.matchRule(st, r)
		if !ok {
			continue
		}
		sev := r.Severity
		if v, ok := r.sevIn[st.ctx]; ok {
			sev = v
		}
		if r.Quoted != quotedKeep && r.Quoted != sev && e.quotedOrExplanatory(st, s, end) {
			if r.Quoted < 0 {
				continue
			}
			sev = r.Quoted
		}
		if sev == finding.Low || r.Weight > 0 {
			weight += r.Weight
		}
		out = append(out, e.newFinding(r, t, st.ctx, sev, e.evidence(st, s, end)))
	}
	return out, weight
}

// candidate is the prefilter: every group (and the keyword list, if any) has
// at least one hit.
func (e *Engine) candidate(st *state, r *Rule) bool {
	for _, g := range r.groups {
		if !anyHits(st, g) {
			return false
		}
	}
	if len(r.keywords) > 0 && !anyHits(st, r.keywords) {
		return false
	}
	return true
}

func anyHits(st *state, terms []int32) bool {
	for _, tid := range terms {
		if len(st.termHits[tid]) > 0 {
			return true
		}
	}
	return false
}

// matchRule finds the first occurrence satisfying the rule: one hit per
// group within the window (in order if ordered), no negation right before
// the anchor, no "unless" phrase nearby, the regex and the features.
func (e *Engine) matchRule(st *state, r *Rule) (int, int, bool) {
	if len(r.groups) == 0 {
		loc := r.regex().FindIndex(st.f.fold)
		if loc == nil || !e.features(st, r, loc[0], loc[1]) {
			return 0, 0, false
		}
		return loc[0], loc[1], true
	}
	for _, tid := range r.groups[0] {
		for _, hi := range st.termHits[tid] {
			a := st.hits[hi]
			if e.negated(st, r, int(a.start)) {
				continue
			}
			s, end, ok := e.spanFrom(st, r, a)
			if !ok || e.nearAny(st, r.unless, s-40, end+40) || (r.sentence && crossesSentence(st, s, end)) {
				continue
			}
			if r.reSrc != "" && !r.regex().Match(st.f.fold[max(0, s-r.window):min(len(st.f.fold), end+r.window)]) {
				continue
			}
			if !e.features(st, r, s, end) {
				continue
			}
			return s, end, true
		}
	}
	return 0, 0, false
}

// spanFrom extends an anchor hit with one hit of each further group.
func (e *Engine) spanFrom(st *state, r *Rule, a hit) (int, int, bool) {
	s, end := int(a.start), int(a.end)
	prevEnd := end
	for _, g := range r.groups[1:] {
		best := -1
		var bh hit
		for _, tid := range g {
			for _, hi := range st.termHits[tid] {
				h := st.hits[hi]
				if r.ordered {
					if int(h.start) < prevEnd || int(h.end) > int(a.start)+r.window {
						continue
					}
					if r.gap > 0 && int(h.start)-prevEnd > r.gap {
						continue
					}
				} else if int(h.start) < int(a.start)-r.window || int(h.end) > int(a.end)+r.window {
					continue
				}
				if len(r.notBefore) > 0 && e.negated(st, r, int(h.start)) {
					continue
				}
				if h.start < a.end && a.start < h.end {
					continue // the same words cannot satisfy two groups
				}
				if r.sentence && crossesSentence(st, int(min(a.start, h.start)), int(max(a.end, h.end))) {
					continue
				}
				if best < 0 || (r.ordered && (h.start < bh.start || (h.start == bh.start && h.end > bh.end))) || (!r.ordered && absDiff(h.start, a.start) < absDiff(bh.start, a.start)) {
					best, bh = 1, h
				}
			}
		}
		if best < 0 {
			return 0, 0, false
		}
		s, end = min(s, int(bh.start)), max(end, int(bh.end))
		prevEnd = int(bh.end)
	}
	return s, end, true
}

// negated reports a negation phrase ending within 30 bytes before pos in the
// same sentence ("never reads ~/.ssh/id_rsa").
func (e *Engine) negated(st *state, r *Rule, pos int) bool {
	for _, tid := range r.notBefore {
		for _, hi := range st.termHits[tid] {
			h := st.hits[hi]
			if int(h.end) <= pos && int(h.end) >= pos-30 && !sentenceBreak(st.f.fold[h.end:pos]) {
				return true
			}
		}
	}
	return false
}

func sentenceBreak(b []byte) bool {
	for _, c := range b {
		if c == '.' || c == '!' || c == '?' || c == ';' {
			return true
		}
	}
	return false
}

func (e *Engine) nearAny(st *state, terms []int32, lo, hi int) bool {
	for _, tid := range terms {
		for _, h := range st.termHits[tid] {
			if int(st.hits[h].start) >= lo && int(st.hits[h].end) <= hi {
				return true
			}
		}
	}
	return false
}

func (e *Engine) features(st *state, r *Rule, s, end int) bool {
	for _, f := range r.require {
		if !f(e, st, s, end) {
			return false
		}
	}
	for _, f := range r.forbid {
		if f(e, st, s, end) {
			return false
		}
	}
	return true
}

// newFinding builds a finding. Poisoning and injection rules report the
// category that fits the context: tool-poisoning in definitions,
// prompt-injection in outputs and inputs.
func (e *Engine) newFinding(r *Rule, t *Target, ctx Context, sev finding.Severity, evidence string) finding.Finding {
	cat := r.Category
	if cat == finding.CatToolPoisoning || cat == finding.CatPromptInjection {
		cat = finding.CatPromptInjection
		if ctx == Definition {
			cat = finding.CatToolPoisoning
		}
	}
	return finding.Finding{Rule: r.ID, Category: cat, Severity: sev, Message: r.Message,
		Evidence: evidence, Location: t.Location, Fix: r.Fix}
}

func (e *Engine) emitMeta(out []finding.Finding, t *Target, id, evidence string) []finding.Finding {
	r, ok := e.byID[id]
	if !ok || !e.isEnabled(r) {
		return out
	}
	return append(out, e.newFinding(r, t, t.Context, r.Severity, evidence))
}

func (e *Engine) isEnabled(r *Rule) bool {
	for i, x := range e.cat.rules {
		if x == r {
			return e.enabled[i]
		}
	}
	return false
}

// combine emits the score rules: several weak signals in one text.
func (e *Engine) combine(out []finding.Finding, t *Target, weight int) []finding.Finding {
	if weight == 0 {
		return out
	}
	for i, r := range e.cat.rules {
		if !e.enabled[i] || r.combine == 0 || weight < r.combine || r.ctxMask&(1<<t.Context) == 0 {
			continue
		}
		var ids []string
		for _, f := range out {
			if b, ok := e.byID[f.Rule]; ok && b.Weight > 0 {
				ids = append(ids, f.Rule)
			}
		}
		out = append(out, e.newFinding(r, t, t.Context, r.Severity, "signals: "+strings.Join(ids, ", ")))
	}
	return out
}

func absDiff(a, b int32) int32 {
	if a > b {
		return a - b
	}
	return b - a
}
