package normalize

import (
	"sync"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

// spanMap maps byte offsets of a derived string ("out") back to byte offsets
// of the string it was derived from ("in"). It stores only the points where
// the difference in-out changes, so unchanged stretches cost nothing and a
// stage that changed nothing has no points at all (the identity).
//
// Between two points the mapping continues linearly and is clamped to the
// next point, which keeps it monotonic when a stage inserted bytes.
type spanMap struct {
	pts   []int // out0, in0, out1, in1, … with out and in non-decreasing
	delta int   // in-out at the last point
	inLen int   // length of the input; 0 when unused
	hint  int   // initial capacity of pts
}

func (m *spanMap) used() bool { return m.inLen > 0 || len(m.pts) > 0 }

// mark records that out corresponds to in. Calls must come with
// non-decreasing out and in.
func (m *spanMap) mark(out, in int) {
	if in-out == m.delta {
		return
	}
	n := len(m.pts)
	if n >= 2 && m.pts[n-2] == out {
		m.pts[n-1] = in
	} else {
		if m.pts == nil {
			m.pts = make([]int, 0, max(16, m.hint))
		}
		m.pts = append(m.pts, out, in)
	}
	m.delta = in - out
}

// at maps a start offset o, clamping the result into [0, inLen]. Input
// removed just before o is skipped: the result is after it.
func (m *spanMap) at(o, inLen int) int { return m.lookup(o, inLen, 0) }

// atEnd maps an end offset o: input removed just before o is not included,
// so a match ends at the end of its last character, not after hidden
// content that follows it.
func (m *spanMap) atEnd(o, inLen int) int { return m.lookup(o, inLen, 1) }

func (m *spanMap) lookup(o, inLen, strict int) int {
	if o < 0 {
		o = 0
	}
	r := o
	n := len(m.pts) / 2
	if n > 0 {
		// last point with out <= o (out < o when strict)
		lo, hi := 0, n
		for lo < hi {
			h := int(uint(lo+hi) >> 1)
			if m.pts[2*h]+strict <= o {
				lo = h + 1
			} else {
				hi = h
			}
		}
		k := lo - 1
		if k >= 0 {
			r = m.pts[2*k+1] + o - m.pts[2*k]
		}
		if k+1 < n && r > m.pts[2*(k+1)+1] {
			r = m.pts[2*(k+1)+1]
		}
	}
	if r > inLen {
		r = inLen
	}
	if r < 0 {
		r = 0
	}
	return r
}

// nfkc returns NFKC(s) and its map back to s. Text that is already NFKC
// (all ASCII, most CJK, precomposed accents) is returned as is.
//
// Runes are checked against a cached "inert" property (starter, quick-check
// Yes): a string of inert runes is NFKC. Only around the other runes does
// the normalizer run, from the boundary before the previous rune to the
// next boundary.
//
// hint lists the offsets of the non-inert runes, as found by the strip
// stage (which decodes every rune anyway); when it is full (maxNonInert+1
// entries), runes after its last entry are checked here.
func nfkc(s string, hint []int) (string, spanMap) {
	full, last := len(hint) > maxNonInert, 0
	if len(hint) > 0 {
		last = hint[len(hint)-1]
	}
	next := func(from int) int { // the next non-inert rune at or after from
		for len(hint) > 0 && hint[0] < from {
			hint = hint[1:]
		}
		switch {
		case len(hint) > 0:
			return hint[0]
		case full:
			return firstNonInert(s, max(from, last))
		}
		return len(s)
	}
	i := next(0)
	if i == len(s) {
		return s, spanMap{}
	}
	m := spanMap{inLen: len(s), hint: len(s) / 32}
	buf := make([]byte, 0, len(s)+len(s)/8+8)
	it := iterPool.Get().(*norm.Iter)
	defer iterPool.Put(it)
	p := 0
	for i < len(s) {
		q := i
		if q > p { // the previous rune is inert: a boundary is before it
			_, size := utf8.DecodeLastRuneInString(s[p:q])
			q -= size
		}
		buf = append(buf, s[p:q]...)
		e := q
		for e <= i {
			n := norm.NFKC.NextBoundaryInString(s[e:], true)
			if n <= 0 {
				e = len(s)
				break
			}
			e += n
		}
		m.mark(len(buf), q)
		it.InitString(norm.NFKC, s[q:e])
		for !it.Done() {
			buf = append(buf, it.Next()...)
		}
		m.mark(len(buf), e)
		p = e
		i = next(e)
	}
	buf = append(buf, s[p:]...)
	return unsafe.String(unsafe.SliceData(buf), len(buf)), m // buf is not written again
}

var iterPool = sync.Pool{New: func() any { return new(norm.Iter) }}

// firstNonInert returns the offset of the first rune at or after i that is
// not NFKC-inert, or len(s).
func firstNonInert(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if c < 0x80 {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= 0x10000 || r == utf8.RuneError || !inert(r) {
			return i
		}
		i += size
	}
	return i
}

// inertBlocks caches, per 256-rune block of the BMP, which runes are
// NFKC-inert: a starter that never combines with what precedes it and is
// its own NFKC. Blocks are computed on first use.
var inertBlocks [256]struct {
	once sync.Once
	bits [4]uint64
}

func inert(r rune) bool {
	b := &inertBlocks[r>>8&0xFF]
	b.once.Do(func() {
		var buf [4]byte
		for x := rune(0); x < 256; x++ {
			c := r&^0xFF | x
			if c < 0x80 || c >= 0xD800 && c < 0xE000 {
				continue
			}
			s := buf[:utf8.EncodeRune(buf[:], c)]
			p := norm.NFKC.Properties(s)
			if p.BoundaryBefore() && p.CCC() == 0 && norm.NFKC.IsNormal(s) {
				b.bits[x>>6] |= 1 << (x & 63)
			}
		}
	})
	x := r & 0xFF
	return b.bits[x>>6]&(1<<(x&63)) != 0
}
