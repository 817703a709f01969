package secrets

// The prefilter finds every position where a rule keyword starts, ASCII
// case-insensitively, in one pass over the text. A single pass computes, at
// each byte, the case-folded 4-byte and 3-byte windows starting there and
// probes one 64 Kibit hashed bitmap with each; only on a hit (rare in
// ordinary text) does it look the window up exactly and compare the full
// keyword. No pass ever runs per rule, and the loop has no branches that
// depend on earlier positions, so it runs near memory speed.

const (
	pfBits  = 16
	pfWords = 1 << pfBits / 64
	mul4    = 0x9E3779B1
	mul3    = 0x85EBCA77
)

type prefilter struct {
	bits [pfWords]uint64
	// by4 and by3 map a folded 4- or 3-byte window to keyword indexes.
	by4 map[uint32][]int
	by3 map[uint32][]int
	kws []pfKeyword
}

type pfKeyword struct {
	lit   string // lower-case
	rules []int  // indexes into ruleSet.rules, ascending
}

// fold4 folds letters to lower case by setting bit 5 of every byte. Non
// letters may collide (e.g. '\n' and '*'); exact comparison resolves that.
const fold4 = 0x20202020

func hash4(k uint32) uint32 { return (k * mul4) >> (32 - pfBits) }
func hash3(k uint32) uint32 { return ((k & 0xffffff) * mul3) >> (32 - pfBits) }

func windowKey(s string) uint32 {
	var k uint32
	for i := 0; i < len(s) && i < 4; i++ {
		k |= uint32(s[i]) << (8 * i)
	}
	return k | fold4
}

func buildPrefilter(ruleKeywords [][]string) prefilter {
	p := prefilter{by4: map[uint32][]int{}, by3: map[uint32][]int{}}
	index := map[string]int{}
	for ri, kws := range ruleKeywords {
		for _, k := range kws {
			ki, ok := index[k]
			if !ok {
				ki = len(p.kws)
				index[k] = ki
				p.kws = append(p.kws, pfKeyword{lit: k})
				key := windowKey(k)
				if len(k) >= 4 {
					p.by4[key] = append(p.by4[key], ki)
					h := hash4(key)
					p.bits[h>>6] |= 1 << (h & 63)
				} else {
					key &= 0xffffff
					p.by3[key] = append(p.by3[key], ki)
					h := hash3(key)
					p.bits[h>>6] |= 1 << (h & 63)
				}
			}
			if rs := p.kws[ki].rules; len(rs) == 0 || rs[len(rs)-1] != ri {
				p.kws[ki].rules = append(p.kws[ki].rules, ri)
			}
		}
	}
	return p
}

// scan reports to st every position whose folded window may start a
// keyword, in text order.
func (p *prefilter) scan(s string, st *scanState) {
	n := len(s)
	if n < 3 {
		return
	}
	bits := &p.bits
	// k holds the folded bytes s[i..i+3] (zero past the end).
	k := uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16
	i := 0
	for ; i+3 < n; i++ {
		k |= uint32(s[i+3]) << 24
		f := k | fold4
		h4 := hash4(f)
		h3 := hash3(f)
		if ((bits[h4>>6]>>(h4&63))|(bits[h3>>6]>>(h3&63)))&1 != 0 {
			p.lookup(s, i, f, st)
		}
		k >>= 8
	}
	// The last three positions: only 3-byte keywords can start there.
	for ; i+2 < n; i++ {
		f := k | 0x202020
		h3 := hash3(f)
		if (bits[h3>>6]>>(h3&63))&1 != 0 {
			p.lookup(s, i, f&0xffffff, st)
		}
		k >>= 8
	}
}

// lookup reports to st the keywords that occur at s[pos:], given the folded
// window.
func (p *prefilter) lookup(s string, pos int, f uint32, st *scanState) {
	if pos+4 <= len(s) {
		for _, ki := range p.by4[f] {
			if kw := &p.kws[ki]; hasFoldPrefix(s[pos:], kw.lit) {
				st.keyword(pos, kw)
			}
		}
	}
	for _, ki := range p.by3[f&0xffffff] {
		if kw := &p.kws[ki]; hasFoldPrefix(s[pos:], kw.lit) {
			st.keyword(pos, kw)
		}
	}
}

// hasFoldPrefix reports whether s starts with lower-case lit, ignoring ASCII
// case in s.
func hasFoldPrefix(s, lit string) bool {
	if len(s) < len(lit) {
		return false
	}
	for i := 0; i < len(lit); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lit[i] {
			return false
		}
	}
	return true
}
