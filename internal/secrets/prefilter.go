package secrets

import "math/bits"

// The prefilter finds every position where a rule keyword starts, ASCII
// case-insensitively, in one pass over the text. At each byte it takes the
// case-folded 4-byte window starting there and probes a 64 Kibit hashed
// bitmap (8 KiB, stays in L1); only on a hit, rare in ordinary text, does it
// look the window up exactly and compare the whole keyword. Nothing runs
// per rule, and the probes do not depend on each other.

const (
	pfBits  = 16
	pfWords = 1 << pfBits / 64
	mul4    = 0x9E3779B1
)

type prefilter struct {
	bits [pfWords]uint64
	// table maps a folded 4-byte window to the keywords that may start
	// there (open addressing, linear probing). A 3-byte keyword is entered
	// once per printable fourth byte: every rule needs at least one more
	// character after its keyword.
	table []pfSlot
	shift uint32
	kwIdx []uint16 // pfSlot.first..+n index kws
	kws   []pfKeyword
}

type pfSlot struct {
	key      uint32 // 0 = empty (a folded window is never 0)
	first, n uint16
}

type pfKeyword struct {
	lit   string // lower-case
	rules []int  // indexes into ruleSet.rules, ascending
}

// fold4 folds letters to lower case by setting bit 5 of every byte. Non
// letters may collide (e.g. '\n' and '*'); exact comparison resolves that.
const fold4 = 0x20202020

func hash4(k uint32) uint32 { return (k * mul4) >> (32 - pfBits) }

func windowKey(s string) uint32 {
	var k uint32
	for i := 0; i < len(s) && i < 4; i++ {
		k |= uint32(s[i]) << (8 * i)
	}
	return k | fold4
}

func buildPrefilter(ruleKeywords [][]string) prefilter {
	var p prefilter
	byKey := map[uint32][]int{}
	var order []uint32
	index := map[string]int{}
	for ri, kws := range ruleKeywords {
		for _, k := range kws {
			ki, ok := index[k]
			if !ok {
				ki = len(p.kws)
				index[k] = ki
				p.kws = append(p.kws, pfKeyword{lit: k})
				for _, key := range windowKeys(k) {
					if _, seen := byKey[key]; !seen {
						order = append(order, key)
					}
					byKey[key] = append(byKey[key], ki)
					h := hash4(key)
					p.bits[h>>6] |= 1 << (h & 63)
				}
			}
			if rs := p.kws[ki].rules; len(rs) == 0 || rs[len(rs)-1] != ri {
				p.kws[ki].rules = append(p.kws[ki].rules, ri)
			}
		}
	}
	size := uint32(16)
	for size < uint32(len(order))*2 {
		size *= 2
	}
	p.table = make([]pfSlot, size)
	p.shift = 32 - uint32(bits.TrailingZeros32(size))
	for _, key := range order {
		i := p.slot(key)
		p.table[i] = pfSlot{key: key, first: uint16(len(p.kwIdx)), n: uint16(len(byKey[key]))}
		for _, ki := range byKey[key] {
			p.kwIdx = append(p.kwIdx, uint16(ki))
		}
	}
	return p
}

// windowKeys lists the folded 4-byte windows a keyword can start.
func windowKeys(k string) []uint32 {
	if len(k) >= 4 {
		return []uint32{windowKey(k)}
	}
	var keys []uint32
	seen := map[uint32]bool{}
	for b := uint32(0x21); b < 0x7f; b++ {
		key := windowKey(k) | (b|0x20)<<24
		if !seen[key] {
			seen[key] = true
			keys = append(keys, key)
		}
	}
	return keys
}

// slot returns the table index holding key, or the empty slot where it
// belongs.
func (p *prefilter) slot(key uint32) uint32 {
	mask := uint32(len(p.table) - 1)
	for i := (key * 0x85EBCA77) >> p.shift; ; i = (i + 1) & mask {
		if k := p.table[i].key; k == key || k == 0 {
			return i
		}
	}
}

// scan reports to st every keyword occurrence in s, in text order.
func (p *prefilter) scan(s string, st *scanState) {
	n := len(s)
	i := 0
	// Four positions per step from one 8-byte load (the compiler fuses the
	// byte loads); each window is probed independently, so the steps do not
	// wait on each other.
	for ; i+8 <= n; i += 4 {
		w := load64(s, i) | fold8
		if p.has(uint32(w)) {
			p.lookup(s, i, uint32(w), st)
		}
		if p.has(uint32(w >> 8)) {
			p.lookup(s, i+1, uint32(w>>8), st)
		}
		if p.has(uint32(w >> 16)) {
			p.lookup(s, i+2, uint32(w>>16), st)
		}
		if p.has(uint32(w >> 24)) {
			p.lookup(s, i+3, uint32(w>>24), st)
		}
	}
	for ; i+4 <= n; i++ {
		if f := windowKey(s[i : i+4]); p.has(f) {
			p.lookup(s, i, f, st)
		}
	}
}

const fold8 = 0x2020202020202020

func (p *prefilter) has(f uint32) bool {
	h := hash4(f)
	return p.bits[h>>6]&(1<<(h&63)) != 0
}

func load64(s string, i int) uint64 {
	b := s[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// lookup reports to st the keywords that occur at s[pos:], given the folded
// window.
func (p *prefilter) lookup(s string, pos int, f uint32, st *scanState) {
	sl := p.table[p.slot(f)]
	if sl.key != f {
		return
	}
	for _, ki := range p.kwIdx[sl.first : sl.first+sl.n] {
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
