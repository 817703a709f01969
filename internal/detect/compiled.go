package detect

import (
	_ "embed" // the compiled automaton
	"encoding/binary"
	"hash/fnv"
)

// rulesBin is the compiled phrase automaton for rules.gen.json, written by
// TestGeneratedCatalogue next to it.
//
//go:embed rules.gen.bin
var rulesBin []byte

// The compiled form (rules.gen.bin) holds the phrase patterns and the
// Aho–Corasick trie with its failure links and merged outputs, built when
// the catalogue is generated. Loading it replaces folding every phrase and
// building the trie (~15 ms) with copying a few flat arrays, which matters
// to short-lived hook processes.
//
// Layout, all integers little-endian: the 8-byte magic; the fingerprint
// (uint64) of the rule source it was built from; the class count, state
// count, output count, pattern count and pattern-term count (uint32 each);
// the 256-byte class table; then the arrays label [states]uint8, first,
// sib, fail [states]int32, outOff [states+1]int32, outIDs [outputs]int32,
// patLen [patterns]int32, patFlags [patterns]uint8, patTermOff
// [patterns+1]int32 and patTerms [pattern-terms]int32. States are numbered
// breadth-first, so a state's children have larger numbers and its failure
// state a smaller one, which the loader checks.
//
// The fingerprint covers the exact bytes of the rule source (phrase sets and
// rules) in rules.gen.json. When it does not match (one file regenerated
// without the other) or the data is malformed, the catalogue is built from
// the phrases instead: slower, never wrong. TestGeneratedCatalogue keeps the
// two files in sync.

const compiledMagic = "moatAC\x00\x02"

// sourceFingerprint identifies the rule source the compiled form was built
// from: the exact JSON bytes of the phrase sets and the rules in
// rules.gen.json.
func sourceFingerprint(sets, rules []byte) uint64 {
	h := fnv.New64a()
	h.Write(sets)
	h.Write([]byte{0})
	h.Write(rules)
	return h.Sum64()
}

// encodeCompiled serialises c's patterns and automaton.
func (c *catalogue) encodeCompiled(fp uint64) []byte {
	a := c.ac
	order, newID := a.bfsOrder()
	n := len(order)
	first, sib, fail := make([]int32, n), make([]int32, n), make([]int32, n)
	label := make([]byte, n)
	outOff := make([]int32, 1, n+1)
	var outIDs []int32
	next := int32(1)
	for i, s := range order {
		label[i], fail[i] = a.label[s], newID[a.fail[s]]
		for k := a.first[s]; k != 0; k = a.sib[k] {
			if first[i] == 0 {
				first[i] = next
			} else {
				sib[next-1] = next
			}
			next++
		}
		outIDs = append(outIDs, a.outputs(uint32(s))...)
		outOff = append(outOff, int32(len(outIDs)))
	}
	flags := make([]byte, len(c.patterns))
	termOff := make([]int32, 1, len(c.patterns)+1)
	var terms []int32
	for i, p := range c.patterns {
		if p.boundStart {
			flags[i] |= 1
		}
		if p.boundEnd {
			flags[i] |= 2
		}
		terms = append(terms, p.terms...)
		termOff = append(termOff, int32(len(terms)))
	}
	b := []byte(compiledMagic)
	b = binary.LittleEndian.AppendUint64(b, fp)
	for _, v := range []int{a.nclass, n, len(outIDs), len(c.patterns), len(terms)} {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	b = append(b, a.class[:]...)
	b = append(b, label...)
	for _, arr := range [][]int32{first, sib, fail, outOff, outIDs, a.patLen} {
		b = appendInt32s(b, arr)
	}
	b = append(b, flags...)
	b = appendInt32s(b, termOff)
	return appendInt32s(b, terms)
}

// bfsOrder lists the states breadth-first, children in sibling order, and
// maps old state ids to their position.
func (a *automaton) bfsOrder() (order, newID []int32) {
	order = make([]int32, 1, len(a.first))
	for i := 0; i < len(order); i++ {
		for n := a.first[order[i]]; n != 0; n = a.sib[n] {
			order = append(order, n)
		}
	}
	newID = make([]int32, len(a.first))
	for i, s := range order {
		newID[s] = int32(i)
	}
	return order, newID
}

func appendInt32s(b []byte, xs []int32) []byte {
	for _, x := range xs {
		b = binary.LittleEndian.AppendUint32(b, uint32(x))
	}
	return b
}

// reader reads the compiled form; the first short read sticks.
type reader struct {
	b  []byte
	ok bool
}

func (r *reader) take(n int) []byte {
	if !r.ok || n < 0 || len(r.b) < n {
		r.ok = false
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

// int32s reads n int32 values, each in [0, limit).
func (r *reader) int32s(n, limit int) []int32 {
	raw := r.take(4 * n)
	if raw == nil && n > 0 {
		return nil
	}
	out := make([]int32, n)
	for i := range out {
		v := binary.LittleEndian.Uint32(raw[4*i:])
		if v >= uint32(limit) {
			r.ok = false
			return nil
		}
		out[i] = int32(v)
	}
	return out
}

// loadCompiled fills c.patterns and c.ac from data. It reports false (and
// leaves c unchanged) when data was built from another source (fingerprint
// fp) or is malformed.
func (c *catalogue) loadCompiled(data []byte, fp uint64) bool {
	r := &reader{b: data, ok: true}
	if string(r.take(len(compiledMagic))) != compiledMagic {
		return false
	}
	head := r.take(8 + 5*4)
	if !r.ok || binary.LittleEndian.Uint64(head) != fp {
		return false
	}
	var cnt [5]int
	for i := range cnt {
		cnt[i] = int(binary.LittleEndian.Uint32(head[8+4*i:]))
		if cnt[i] > len(data) {
			return false // every count is bounded by the data that follows
		}
	}
	nclass, n, nout, npat, nterm := cnt[0], cnt[1], cnt[2], cnt[3], cnt[4]
	a := &automaton{nclass: nclass}
	copy(a.class[:], r.take(256))
	a.label = r.take(n)
	a.first, a.sib, a.fail = r.int32s(n, n), r.int32s(n, n), r.int32s(n, n)
	a.outOff = r.int32s(n+1, nout+1)
	a.outIDs = r.int32s(nout, npat)
	a.patLen = r.int32s(npat, 1<<20)
	flags := r.take(npat)
	termOff := r.int32s(npat+1, nterm+1)
	terms := r.int32s(nterm, len(c.terms))
	if !r.ok || len(r.b) != 0 || n == 0 || !a.consistent() || !offsetsOK(termOff) {
		return false
	}
	patterns := make([]pattern, npat)
	for i := range patterns {
		patterns[i] = pattern{boundStart: flags[i]&1 != 0, boundEnd: flags[i]&2 != 0,
			terms: terms[termOff[i]:termOff[i+1]:termOff[i+1]]}
	}
	a.allocTables(false)
	c.patterns, c.ac, c.compiled = patterns, a, true
	return true
}

// offsetsOK reports whether off starts at 0 and never decreases.
func offsetsOK(off []int32) bool {
	if len(off) == 0 || off[0] != 0 {
		return false
	}
	for i := 1; i < len(off); i++ {
		if off[i] < off[i-1] {
			return false
		}
	}
	return true
}

// consistent checks what scanning relies on: the root is state 0, every
// other state has exactly one parent with a smaller number and a failure
// state with a smaller number (so filling rows terminates), labels and byte
// classes are below the class count, output offsets are well formed, and no
// pattern ending at a state is longer than the state's depth.
func (a *automaton) consistent() bool {
	n := len(a.first)
	if a.nclass < 1 || a.nclass > 256 || !offsetsOK(a.outOff) || int(a.outOff[n]) != len(a.outIDs) {
		return false
	}
	for _, k := range a.class {
		if int(k) >= a.nclass {
			return false
		}
	}
	depth := make([]int32, n)
	parents := make([]uint8, n)
	for s := 0; s < n; s++ {
		if int(a.label[s]) >= a.nclass || (s > 0 && (a.fail[s] >= int32(s) || parents[s] != 1)) {
			return false
		}
		for k := a.first[s]; k != 0; k = a.sib[k] {
			if k <= int32(s) || parents[k] != 0 || (a.sib[k] != 0 && a.sib[k] <= k) {
				return false
			}
			parents[k], depth[k] = 1, depth[s]+1
		}
		for _, id := range a.outputs(uint32(s)) {
			if a.patLen[id] < 1 || a.patLen[id] > depth[s] {
				return false
			}
		}
	}
	return true
}
