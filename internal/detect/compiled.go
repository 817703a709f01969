package detect

import (
	_ "embed" // the compiled automaton
	"encoding/binary"
	"errors"
	"hash/crc32"
	"unsafe"
)

// rulesBin is the compiled phrase automaton for rules.gen.json, written by
// TestGeneratedCatalogue next to it.
//
//go:embed rules.gen.bin
var rulesBin []byte

// The compiled form (rules.gen.bin) holds the phrase patterns and the
// Aho–Corasick trie with its failure links and merged outputs, built when
// the catalogue is generated. Loading it replaces folding every phrase and
// building the trie (~15 ms) with checking a few flat arrays in place, and
// carries the rules already decoded, so a process reads no JSON: this
// matters to short-lived hook processes.
//
// Layout, all integers little-endian uint32 unless noted: the 8-byte magic;
// the CRC-32C and length of the rules.gen.json it was built with; the
// offset and length of the rule section (the decoded rules, see
// compiled_rules.go, last in the file); the class count,
// state count, output count, pattern count and pattern-term count; the
// 256-byte class table; the int32 arrays first, sib, fail [states],
// outOff [states+1], outIDs [outputs], patLen [patterns], patTermOff
// [patterns+1] and patTerms [pattern-terms]; then label [states] and
// patFlags [patterns] bytes; then the rule section. Every int32 array
// starts at a multiple of 4.
// States are numbered breadth-first: a state's children are consecutive
// and numbered after it, its failure state before it; the loader checks
// this and every bound that scanning relies on.
//
// When rules.gen.json does not match (one file regenerated without the
// other) or the data is malformed, the catalogue is built from the phrases
// instead: slower, never wrong. TestGeneratedCatalogue keeps the two files
// in sync.

const compiledMagic = "moatAC\x00\x04"

// headerLen is the magic, 4 source words, 5 counts and the class table.
const headerLen = 8 + 4*4 + 5*4 + 256

// sourceSum identifies a rules.gen.json file.
func sourceSum(data []byte) uint32 { return crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)) }

// encodeCompiled serialises c's patterns and automaton and the rules, all
// built from the generated file src.
func (c *catalogue) encodeCompiled(src []byte, rules []ruleSchema) ([]byte, error) {
	section, err := encodeRules(rules)
	if err != nil {
		return nil, err
	}
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
	sectionOff := headerLen + 4*(3*n+n+1+len(outIDs)+len(c.patterns)+len(c.patterns)+1+len(terms)) + n + len(flags)
	b := []byte(compiledMagic)
	for _, v := range []int{int(sourceSum(src)), len(src), sectionOff, len(section), a.nclass, n, len(outIDs), len(c.patterns), len(terms)} {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	b = append(b, a.class[:]...)
	for _, arr := range [][]int32{first, sib, fail, outOff, outIDs, a.patLen, termOff, terms} {
		for _, x := range arr {
			b = binary.LittleEndian.AppendUint32(b, uint32(x))
		}
	}
	b = append(b, label...)
	b = append(b, flags...)
	if len(b) != sectionOff {
		return nil, errors.New("compiled form: rule section offset is wrong")
	}
	return append(b, section...), nil
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

// compiledHeader is the decoded header of rules.gen.bin.
type compiledHeader struct {
	sectionOff, sectionLen               int // the rule section
	nclass, states, outs, pats, patTerms int
}

// readHeader checks that compiled belongs to src and returns its header.
func readHeader(compiled, src []byte) (compiledHeader, bool) {
	var h compiledHeader
	if len(compiled) < headerLen || string(compiled[:len(compiledMagic)]) != compiledMagic {
		return h, false
	}
	var w [9]int
	for i := range w {
		w[i] = int(binary.LittleEndian.Uint32(compiled[len(compiledMagic)+4*i:]))
		if i > 0 && w[i] > len(compiled)+len(src) {
			return h, false // counts and offsets are bounded by the data
		}
	}
	if w[1] != len(src) || uint32(w[0]) != sourceSum(src) || w[2] < headerLen || w[2]+w[3] != len(compiled) {
		return h, false
	}
	h = compiledHeader{sectionOff: w[2], sectionLen: w[3], nclass: w[4], states: w[5], outs: w[6], pats: w[7], patTerms: w[8]}
	return h, true
}

// loadCompiled fills c.patterns and c.ac from compiled (whose header is h).
// It reports false, leaving c unchanged, when the data is malformed.
func (c *catalogue) loadCompiled(compiled []byte, h compiledHeader) bool {
	n, npat := h.states, h.pats
	r := &reader{b: compiled[headerLen:h.sectionOff], ok: true}
	a := &automaton{nclass: h.nclass}
	copy(a.class[:], compiled[headerLen-256:headerLen])
	a.first, a.sib, a.fail = r.int32s(n, n), r.int32s(n, n), r.int32s(n, n)
	a.outOff = r.int32s(n+1, h.outs+1)
	a.outIDs = r.int32s(h.outs, npat)
	a.patLen = r.int32s(npat, 1<<16)
	termOff := r.int32s(npat+1, h.patTerms+1)
	terms := r.int32s(h.patTerms, len(c.terms))
	a.label = r.take(n)
	flags := r.take(npat)
	if !r.ok || len(r.b) != 0 || n == 0 || !a.consistent() || !offsetsOK(termOff) || int(termOff[npat]) != len(terms) {
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

// int32s returns the next n int32 values, each checked to be in [0, limit).
// The array is used in place when the platform allows (little-endian,
// aligned), else copied. The automaton never writes to these arrays.
func (r *reader) int32s(n, limit int) []int32 {
	raw := r.take(4 * n)
	if !r.ok || n == 0 {
		return nil
	}
	var out []int32
	if inPlace && uintptr(unsafe.Pointer(&raw[0]))%4 == 0 {
		out = unsafe.Slice((*int32)(unsafe.Pointer(&raw[0])), n)
	} else {
		out = make([]int32, n)
		for i := range out {
			out[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	}
	for _, v := range out {
		if uint32(v) >= uint32(limit) {
			r.ok = false
			return nil
		}
	}
	return out
}

// inPlace reports whether int32 arrays can be read without converting.
var inPlace = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

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

// consistent checks what scanning relies on: labels and byte classes are
// below the class count, a state's first child and next sibling are
// numbered after it (so walking children ends), its failure state before it
// (so filling rows ends), and output offsets are well formed. Ids are range
// checked as they are read, and scanning skips an output longer than the
// text read so far, so no pattern length can point before the text.
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
	first, sib, fail, label := a.first[:n], a.sib[:n], a.fail[:n], a.label[:n]
	for s := 1; s < n; s++ {
		if int(label[s]) >= a.nclass || fail[s] >= int32(s) ||
			(first[s] != 0 && first[s] <= int32(s)) || (sib[s] != 0 && sib[s] <= int32(s)) {
			return false
		}
	}
	return first[0] >= 0 && sib[0] == 0
}
