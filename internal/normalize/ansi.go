package normalize

import "unicode/utf8"

// escape strips an ANSI/VT escape sequence starting at s[i]: ESC (0x1B) or
// an 8-bit C1 introducer. k is the offset after the ESC byte or C1 rune.
// CSI, OSC (incl. OSC 8 hyperlinks), DCS/SOS/PM/APC strings and other ESC
// sequences are removed; SGR sequences update the conceal state.
func (st *stripper) escape(i, k int) int {
	s := st.s
	typ, body := byte(0), k
	if s[i] == 0x1B {
		if k < len(s) {
			typ, body = s[k], k+1
		}
	} else {
		r, _ := utf8.DecodeRuneInString(s[i:])
		typ = c1Type(r)
	}
	j := k
	var payload string
	switch typ {
	case '[':
		var params string
		var final byte
		j, params, final = csi(s, body)
		st.drop(i, j)
		if final == 'm' {
			st.applySGR(params, i, j) // may close a conceal record that comes first
		}
		st.record(HiddenANSI, i, j, 1, nil)
		return j
	case ']', 'P', 'X', '^', '_':
		var end int
		end, j = stringEnd(s, body)
		payload = s[body:end]
		if typ == ']' {
			payload = oscText(payload)
		}
	case 0:
	default:
		j = escEnd(s, k)
	}
	st.drop(i, j)
	if k := st.record(HiddenANSI, i, j, 1, nil); k >= 0 && payload != "" && st.t.Hidden[k].Text == "" {
		if len(payload) > MaxHiddenText {
			payload = payload[:MaxHiddenText]
		}
		st.t.Hidden[k].Text = toValidUTF8(payload)
	}
	return j
}

func c1Type(r rune) byte {
	switch r {
	case 0x9B:
		return '['
	case 0x9D:
		return ']'
	case 0x90:
		return 'P'
	case 0x98:
		return 'X'
	case 0x9E:
		return '^'
	case 0x9F:
		return '_'
	}
	return 0
}

// csi parses a control sequence body at s[p:]: parameters 0x30–0x3F,
// intermediates 0x20–0x2F, final 0x40–0x7E. A malformed sequence ends at the
// first byte that does not fit (final is then 0).
func csi(s string, p int) (end int, params string, final byte) {
	start := p
	for p < len(s) && s[p] >= 0x30 && s[p] <= 0x3F {
		p++
	}
	params = s[start:p]
	for p < len(s) && s[p] >= 0x20 && s[p] <= 0x2F {
		p++
	}
	if p < len(s) && s[p] >= 0x40 && s[p] <= 0x7E {
		return p + 1, params, s[p]
	}
	return p, params, 0
}

// stringEnd finds the end of an OSC/DCS/SOS/PM/APC string starting at s[p]:
// BEL, ST (ESC \ or 8-bit 0x9C). Another ESC aborts the string. An
// unterminated string runs to the end, as a terminal would swallow it.
func stringEnd(s string, p int) (payloadEnd, end int) {
	for ; p < len(s); p++ {
		switch s[p] {
		case 0x07:
			return p, p + 1
		case 0x1B:
			if p+1 < len(s) && s[p+1] == '\\' {
				return p, p + 2
			}
			return p, p
		case 0xC2:
			if p+1 < len(s) && s[p+1] == 0x9C {
				return p, p + 2
			}
		}
	}
	return len(s), len(s)
}

// oscText returns the readable part of an OSC payload: the URI of an OSC 8
// hyperlink ("8;params;URI"), else the payload.
func oscText(p string) string {
	if len(p) >= 2 && p[0] == '8' && p[1] == ';' {
		for k := 2; k < len(p); k++ {
			if p[k] == ';' {
				return p[k+1:]
			}
		}
	}
	return p
}

// escEnd parses a two-or-more byte ESC sequence at s[p:] (p after ESC):
// intermediates 0x20–0x2F then a final 0x30–0x7E. Anything else ends the
// sequence right after the ESC.
func escEnd(s string, p int) int {
	q := p
	for q < len(s) && s[q] >= 0x20 && s[q] <= 0x2F {
		q++
	}
	if q < len(s) && s[q] >= 0x30 && s[q] <= 0x7E {
		return q + 1
	}
	return p
}

// sgrState tracks the SGR attributes that hide text. Colors are stored as
// index+1 (0 = terminal default); truecolor as 0x1000000|rgb + 1.
type sgrState struct {
	conceal bool
	fg, bg  int
}

func (g *sgrState) hidden() bool { return g.conceal || (g.fg != 0 && g.fg == g.bg) }

// applySGR applies the SGR sequence s[i:j]: concealed text starts at j or
// ends at i.
func (st *stripper) applySGR(params string, i, j int) {
	var ps [32]int
	n := parseParams(params, ps[:])
	g := &st.sgr
	for k := 0; k < n; k++ {
		switch p := ps[k]; {
		case p == 0:
			*g = sgrState{}
		case p == 8:
			g.conceal = true
		case p == 28:
			g.conceal = false
		case p >= 30 && p <= 37:
			g.fg = p - 30 + 1
		case p == 39:
			g.fg = 0
		case p >= 90 && p <= 97:
			g.fg = p - 90 + 8 + 1
		case p >= 40 && p <= 47:
			g.bg = p - 40 + 1
		case p == 49:
			g.bg = 0
		case p >= 100 && p <= 107:
			g.bg = p - 100 + 8 + 1
		case p == 38 || p == 48:
			c, used := extColor(ps[k+1 : n])
			k += used
			if p == 38 {
				g.fg = c
			} else {
				g.bg = c
			}
		}
	}
	switch h := g.hidden(); {
	case h && !st.concealing:
		st.concealing, st.concealAt = true, j
		st.concealBuf = st.concealBuf[:0]
	case !h && st.concealing:
		st.endConceal(i)
	}
}

// extColor reads "5;n" or "2;r;g;b" after 38/48.
func extColor(ps []int) (color, used int) {
	switch {
	case len(ps) >= 2 && ps[0] == 5:
		return ps[1]&0xFF + 1, 2
	case len(ps) >= 4 && ps[0] == 2:
		return 0x1000000 | (ps[1]&0xFF)<<16 | (ps[2]&0xFF)<<8 | ps[3]&0xFF + 1, 4
	}
	return 0, len(ps)
}

// parseParams splits "1;38;5;9" (or ':'-separated) into numbers; an empty
// parameter is 0. At most len(out) parameters are kept.
func parseParams(s string, out []int) int {
	n, v := 0, 0
	for k := 0; k <= len(s); k++ {
		if k == len(s) || s[k] == ';' || s[k] == ':' {
			if n < len(out) {
				out[n] = v
				n++
			}
			v = 0
			continue
		}
		if c := s[k]; c >= '0' && c <= '9' && v < 1_000_000 {
			v = v*10 + int(c-'0')
		}
	}
	return n
}

// endConceal records the concealed text s[concealAt:j].
func (st *stripper) endConceal(j int) {
	st.concealing = false
	b := st.concealBuf
	if len(b) == 0 || isBlank(b) {
		return
	}
	if k := st.record(HiddenConceal, st.concealAt, j, utf8.RuneCount(b), nil); k >= 0 {
		st.t.Hidden[k].Text = toValidUTF8(string(b))
	}
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}
