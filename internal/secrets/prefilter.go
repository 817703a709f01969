package secrets

import (
	"math/bits"
	"sort"
)

// The prefilter finds every position where a rule keyword starts, ASCII
// case-insensitively, in one pass over the text, without running anything
// per rule.
//
// It probes the case-folded 4-byte window at every even offset q (three
// probes per 8-byte load) in a hashed 128 Kibit bitmap (16 KiB, stays in
// L1). Each keyword is entered so that one even window sees it wherever it
// starts: at an even start p by its first four bytes (q = p); at an odd
// start by bytes 1..4 (q = p+1), or, for 3-byte keywords, by one unknown
// byte and the keyword (q = p-1). An unknown byte is entered once per
// folded value it can take (after a keyword: any ASCII byte; before one: any
// byte). Only on a bitmap hit, rare in ordinary text, does it look the
// window up exactly and compare whole keywords.
//
// Every rule needs at least one more ASCII character after its keyword, so
// the prefilter reports exactly the keyword occurrences followed by an ASCII
// byte; nothing is lost by that.

const (
	pfBits  = 17
	pfWords = 1 << pfBits / 64
	mul4    = 0x9E3779B1
)

type prefilter struct {
	bits [pfWords]uint64
	// table maps a folded 4-byte window to its entries (open addressing,
	// linear probing).
	table   []pfSlot
	shift   uint32
	entries []pfEntry // a slot's entries are ordered by delta
	kws     []pfKeyword
}

type pfSlot struct {
	key      uint32 // 0 = empty (a folded window is never 0)
	first, n uint16
}

// pfEntry says: keyword kw may start at q+delta.
type pfEntry struct {
	kw    uint16
	delta int8
}

type pfKeyword struct {
	lit   string // lower-case
	rules []int  // indexes into ruleSet.rules, ascending
}

// fold8 folds letters to lower case by setting bit 5 of every byte. Non
// letters may collide (e.g. '\n' and '*'); exact comparison resolves that.
const fold8 = 0x2020202020202020

func hash4(k uint32) uint32 { return (k * mul4) >> (32 - pfBits) }

// foldKey packs up to four bytes little-endian and folds them.
func foldKey(b ...byte) uint32 {
	var k uint32
	for i, c := range b {
		k |= uint32(c|0x20) << (8 * i)
	}
	return k
}

// foldedBytes lists the distinct folded values of the bytes below limit.
func foldedBytes(limit int) []byte {
	var out []byte
	seen := map[byte]bool{}
	for c := 0; c < limit; c++ {
		if f := byte(c) | 0x20; !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// keywordEntries lists the (window, delta) pairs under which k is found.
func keywordEntries(k string) (keys []uint32, deltas []int8) {
	add := func(key uint32, d int8) { keys, deltas = append(keys, key), append(deltas, d) }
	b := []byte(k)
	switch {
	case len(b) >= 5:
		add(foldKey(b[0:4]...), 0)
		add(foldKey(b[1:5]...), -1)
	case len(b) == 4:
		add(foldKey(b...), 0)
		for _, x := range foldedBytes(0x80) { // the ASCII byte after it
			add(foldKey(b[1], b[2], b[3], x), -1)
		}
	default: // 3 bytes
		for _, x := range foldedBytes(0x80) { // the ASCII byte after it
			add(foldKey(b[0], b[1], b[2], x), 0)
		}
		for _, x := range foldedBytes(0x100) { // any byte before it
			add(foldKey(x, b[0], b[1], b[2]), +1)
		}
	}
	return keys, deltas
}

func buildPrefilter(ruleKeywords [][]string) prefilter {
	var p prefilter
	byKey := map[uint32][]pfEntry{}
	var order []uint32
	index := map[string]int{}
	for ri, kws := range ruleKeywords {
		for _, k := range kws {
			ki, ok := index[k]
			if !ok {
				ki = len(p.kws)
				index[k] = ki
				p.kws = append(p.kws, pfKeyword{lit: k})
				keys, deltas := keywordEntries(k)
				for j, key := range keys {
					if _, seen := byKey[key]; !seen {
						order = append(order, key)
					}
					byKey[key] = append(byKey[key], pfEntry{kw: uint16(ki), delta: deltas[j]})
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
		es := byKey[key]
		sort.SliceStable(es, func(i, j int) bool { return es[i].delta < es[j].delta })
		p.table[p.slot(key)] = pfSlot{key: key, first: uint16(len(p.entries)), n: uint16(len(es))}
		p.entries = append(p.entries, es...)
	}
	return p
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

// scan reports to st every keyword occurrence in s that is followed by an
// ASCII byte, in non-decreasing offset order.
func (p *prefilter) scan(s string, st *scanState) {
	for q := p.next(s, 0); q >= 0; q = p.next(s, q+2) {
		p.lookup(s, q, windowKey(s[q:q+4]), st)
	}
}

// next returns the first even offset >= q (q is even) whose window hits the
// bitmap, or -1. It makes no calls, so its loop keeps everything in
// registers: one 8-byte load feeds the windows at offsets 0, 2 and 4.
func (p *prefilter) next(s string, q int) int {
	for ; q+8 <= len(s); q += 6 {
		w := load64(s, q) | fold8
		if p.has(uint32(w)) {
			return q
		}
		if p.has(uint32(w >> 16)) {
			return q + 2
		}
		if p.has(uint32(w >> 32)) {
			return q + 4
		}
	}
	for ; q+4 <= len(s); q += 2 {
		if p.has(windowKey(s[q : q+4])) {
			return q
		}
	}
	return -1
}

func (p *prefilter) has(f uint32) bool {
	h := hash4(f)
	return p.bits[h>>6]&(1<<(h&63)) != 0
}

func load64(s string, i int) uint64 {
	b := s[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func windowKey(s string) uint32 {
	return (uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24) | 0x20202020
}

// lookup reports to st the keywords that occur around the even window q.
func (p *prefilter) lookup(s string, q int, f uint32, st *scanState) {
	sl := p.table[p.slot(f)]
	if sl.key != f {
		return
	}
	for _, e := range p.entries[sl.first : sl.first+sl.n] {
		pos := q + int(e.delta)
		kw := &p.kws[e.kw]
		if end := pos + len(kw.lit); pos >= 0 && end < len(s) && s[end] < 0x80 && hasFoldPrefix(s[pos:], kw.lit) {
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
